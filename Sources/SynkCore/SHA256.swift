import Foundation
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHA-256 (FIPS 180-4), streaming. Every result names its input by this hash.
public struct SHA256: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    private var pending: [UInt8] = []

    private static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    public init() {}

    /// Feeds more bytes.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        // Contiguous input (arrays, `Data`, slices) is hashed in place; anything else is copied once.
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in update(buffer) }
        if handled == nil { update(Array(bytes)) }
    }

    /// Feeds more bytes from contiguous memory: whole 64-byte blocks are compressed straight from
    /// `buffer`; only a partial block at either end passes through `pending`.
    public mutating func update(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard var base = buffer.baseAddress, buffer.count > 0 else { return }
        var remaining = buffer.count
        if !pending.isEmpty {
            let take = min(64 - pending.count, remaining)
            pending.append(contentsOf: UnsafeBufferPointer(start: base, count: take))
            base += take
            remaining -= take
            guard pending.count == 64 else { return }
            pending.withUnsafeBufferPointer { block in SHA256.compressBlocks(&state, block.baseAddress!, count: 1) }
            pending.removeAll(keepingCapacity: true)
        }
        let whole = remaining / 64
        if whole > 0 {
            SHA256.compressBlocks(&state, base, count: whole)
            base += whole * 64
            remaining -= whole * 64
        }
        if remaining > 0 { pending.append(contentsOf: UnsafeBufferPointer(start: base, count: remaining)) }
    }

    /// Compresses `count` consecutive 64-byte blocks. The message schedule is a 16-word ring on the
    /// stack (a tuple), so nothing is allocated per block.
    private static func compressBlocks(
        _ state: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
        _ blocks: UnsafePointer<UInt8>, count: Int
    ) {
        var w: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
                UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var current = state
        roundConstants.withUnsafeBufferPointer { kb in
            let k = kb.baseAddress!
            withUnsafeMutableBytes(of: &w) { raw in
                let ring = raw.baseAddress!.assumingMemoryBound(to: UInt32.self)
                for blockIndex in 0..<count {
                    let chunk = blocks + 64 * blockIndex
                    for i in 0..<16 {
                        let p = chunk + 4 * i
                        ring[i] = UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
                    }
                    var (a, b, c, d, e, f, g, h) = current
                    for i in 0..<64 {
                        let wi: UInt32
                        if i < 16 {
                            wi = ring[i]
                        } else {
                            let w15 = ring[(i - 15) & 15], w2 = ring[(i - 2) & 15]
                            let s0 = w15.rotr(7) ^ w15.rotr(18) ^ (w15 >> 3)
                            let s1 = w2.rotr(17) ^ w2.rotr(19) ^ (w2 >> 10)
                            wi = ring[i & 15] &+ s0 &+ ring[(i - 7) & 15] &+ s1
                            ring[i & 15] = wi
                        }
                        let S1 = e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)
                        let ch = (e & f) ^ (~e & g)
                        let t1 = h &+ S1 &+ ch &+ k[i] &+ wi
                        let S0 = a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)
                        let maj = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = S0 &+ maj
                        h = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                    }
                    current = (current.0 &+ a, current.1 &+ b, current.2 &+ c, current.3 &+ d,
                               current.4 &+ e, current.5 &+ f, current.6 &+ g, current.7 &+ h)
                }
            }
        }
        state = current
    }

    /// The digest as 64 lower-case hex digits; `byteCount` is the total number of bytes fed.
    public mutating func finalizeHex(byteCount: UInt64) -> String {
        var tail: [UInt8] = [0x80]
        let used = Int(byteCount % 64)
        let padding = (used < 56 ? 55 - used : 119 - used)
        tail.append(contentsOf: [UInt8](repeating: 0, count: padding))
        let bits = byteCount &* 8
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        update(tail)
        let words = [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7]
        return words.map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
    }

    /// SHA-256 of a byte string, as hex.
    public static func hex<Bytes: Collection>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalizeHex(byteCount: UInt64(bytes.count))
    }

    /// SHA-256 of a file's content, read in 1 MiB chunks (the file is opened read-only).
    ///
    /// Hashing a long recording is a large part of a whole analysis (one hour of 16 channels at 2 kHz is
    /// 460 MB, about 3 s for this portable implementation), so on Linux the digest is computed by the
    /// system's OpenSSL `libcrypto` when it can be loaded at run time (it uses the CPU's SHA extensions,
    /// about 2 GB/s); otherwise by the portable code above. Both give the same digest; the tests pin the
    /// portable one with the FIPS 180-4 vectors and compare the two.
    public static func hexOfFile(atPath path: String) throws(SynkError) -> String {
        try hexOfFile(atPath: path, allowSystemLibrary: true)
    }

    /// Like ``hexOfFile(atPath:)``; `allowSystemLibrary: false` forces the portable implementation.
    public static func hexOfFile(atPath path: String, allowSystemLibrary: Bool) throws(SynkError) -> String {
        #if os(Linux)
        if allowSystemLibrary, let digest = SystemSHA256.make() {
            try forEachChunk(ofFile: path) { digest.update($0) }
            if let hex = digest.finalizeHex() { return hex }
        }
        #endif
        var hasher = SHA256()
        var count: UInt64 = 0
        try forEachChunk(ofFile: path) { raw in
            count += UInt64(raw.count)
            hasher.update(raw.bindMemory(to: UInt8.self))
        }
        return hasher.finalizeHex(byteCount: count)
    }

    /// Reads the file at `path` from start to end into one reused 1 MiB buffer, handing each chunk to `body`
    /// (no allocation per chunk: a fresh megabyte per read would cost a page fault for each of its pages).
    static func forEachChunk(ofFile path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(SynkError) {
        // A FIFO or a device would be read forever (`/dev/zero`) or block until a writer comes.
        try RegularFile.require(path)
        let descriptor = open(path, O_RDONLY | O_NONBLOCK)
        guard descriptor >= 0 else { throw .input(path, "cannot open file for reading") }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = read(descriptor, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw .input(path, "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return }
            body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }
}

#if os(Linux)
import Glibc

/// SHA-256 by the system's OpenSSL `libcrypto` (EVP interface), loaded with `dlopen` so that synk neither
/// links nor requires it. One instance hashes one stream, on one thread.
final class SystemSHA256 {
    private typealias NewContext = @convention(c) () -> OpaquePointer?
    private typealias FreeContext = @convention(c) (OpaquePointer?) -> Void
    private typealias Algorithm = @convention(c) () -> OpaquePointer?
    private typealias Init = @convention(c) (OpaquePointer?, OpaquePointer?, OpaquePointer?) -> Int32
    private typealias Update = @convention(c) (OpaquePointer?, UnsafeRawPointer?, Int) -> Int32
    private typealias Final = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt32>?) -> Int32

    private struct Functions: @unchecked Sendable {
        let new: NewContext, free: FreeContext, sha256: Algorithm, initialise: Init, update: Update, final: Final
    }

    /// Resolved once per process; nil when no usable libcrypto is installed.
    private static let functions: Functions? = {
        for name in ["libcrypto.so.3", "libcrypto.so"] {
            guard let library = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { continue }
            func symbol<T>(_ name: String, _ type: T.Type) -> T? {
                dlsym(library, name).map { unsafeBitCast($0, to: type) }
            }
            if let new = symbol("EVP_MD_CTX_new", NewContext.self), let free = symbol("EVP_MD_CTX_free", FreeContext.self),
               let sha256 = symbol("EVP_sha256", Algorithm.self), let initialise = symbol("EVP_DigestInit_ex", Init.self),
               let update = symbol("EVP_DigestUpdate", Update.self), let final = symbol("EVP_DigestFinal_ex", Final.self) {
                return Functions(new: new, free: free, sha256: sha256, initialise: initialise, update: update, final: final)
            }
            dlclose(library)
        }
        return nil
    }()

    private let f: Functions
    private let context: OpaquePointer
    private var failed = false

    private init(f: Functions, context: OpaquePointer) {
        self.f = f
        self.context = context
    }

    static func make() -> SystemSHA256? {
        guard let f = functions, let context = f.new() else { return nil }
        guard f.initialise(context, f.sha256(), nil) == 1 else { f.free(context); return nil }
        return SystemSHA256(f: f, context: context)
    }

    deinit { f.free(context) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        if f.update(context, bytes.baseAddress, bytes.count) != 1 { failed = true }
    }

    /// The digest as hex, or nil if libcrypto reported a failure.
    func finalizeHex() -> String? {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard !failed, f.final(context, &digest, &length) == 1, length == 32 else { return nil }
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}
#endif

extension UInt32 {
    @inline(__always) fileprivate func rotr(_ n: UInt32) -> UInt32 { (self &>> n) | (self &<< (32 &- n)) }
}

/// The SHA-256 of a file computed on a background thread, so that hashing overlaps the analysis that reads
/// the same file (the hash is a quarter of a second of CPU per 460 MB; on two cores it need not add to the wall
/// time).
public final class BackgroundFileDigest: @unchecked Sendable {
    // `@unchecked Sendable`: `result` is written once by the background thread before `done` is signalled and
    // read only after waiting on `done`.
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<String, SynkError> = .failure(.usage("digest not computed"))
    public let path: String

    /// Starts hashing `path` at once.
    public init(path: String) {
        self.path = path
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            do throws(SynkError) {
                result = .success(try SHA256.hexOfFile(atPath: path))
            } catch {
                result = .failure(error)
            }
            done.signal()
        }
    }

    /// Waits until the background thread is done, whatever its outcome. Call it before giving up on an error:
    /// a process must not exit while the thread still reads the file.
    public func wait() {
        done.wait()
        done.signal()
    }

    /// Waits for the digest (lowercase hex).
    public func value() throws(SynkError) -> String {
        done.wait()
        done.signal()
        return try result.get()
    }
}
