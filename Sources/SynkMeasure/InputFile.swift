import Foundation
import SynkCore

/// The recording a measurement reads, and how its result names it.
///
/// Most callers pass a path (`InputFile` is expressible by a string literal). A batch passes the path it
/// writes into results (relative to the dataset) and the SHA-256 it already computed, so that each file is
/// hashed once.
public struct InputFile: Sendable, Hashable, ExpressibleByStringLiteral {
    /// Where the file is read from.
    public var path: String
    /// The path written into the result's `input.path`; `path` unless given.
    public var reportedPath: String
    /// The file's SHA-256 when already known; otherwise it is computed on another core while the file is read.
    public var sha256: String?

    public init(_ path: String, reportedAs reportedPath: String? = nil, sha256: String? = nil) {
        self.path = path
        self.reportedPath = reportedPath ?? path
        self.sha256 = sha256
    }

    public init(stringLiteral path: String) {
        self.init(path)
    }

    /// Starts hashing the file (unless its hash is known) while the caller reads it: the one input hasher of every
    /// measurement, so that every result's `input.sha256` means the same thing.
    func startDigest() -> InputDigest {
        InputDigest(known: sha256, background: sha256 == nil ? BackgroundFileDigest(path: path) : nil)
    }
}

/// A file's SHA-256, known or being computed on another core.
struct InputDigest: Sendable {
    let known: String?
    let background: BackgroundFileDigest?

    /// The hex digest; waits for the hashing thread if it is still reading.
    func value() throws(SynkError) -> String {
        if let known { return known }
        return try background?.value() ?? ""
    }

    /// Lets the hashing thread finish before an error leaves the measurement (a process that exits right after
    /// must not leave a thread reading the file).
    func cancel() { background?.wait() }

    /// Runs `body`, then completes `describe` with the digest. The hashing thread is always joined.
    func around<T>(_ body: () throws(SynkError) -> T) throws(SynkError) -> T {
        do { return try body() } catch {
            cancel()
            throw error
        }
    }
}

extension InputDescription {
    /// The description of a recording held in memory: its `sha256` is the digest of the samples (32-bit floats,
    /// little-endian, channel after channel), so two results of the same samples say so, and `path` is the
    /// recording's source path or `(memory)`.
    public init(memory recording: Recording) {
        var hasher = SHA256()
        var byteCount: UInt64 = 0
        for channel in recording.samples {
            channel.withUnsafeBytes { raw in hasher.update(raw.bindMemory(to: UInt8.self)) }
            byteCount += UInt64(channel.count * MemoryLayout<Float>.size)
        }
        self.init(path: recording.header.source?.path ?? "(memory)", sha256: hasher.finalizeHex(byteCount: byteCount), header: recording.header)
    }
}
