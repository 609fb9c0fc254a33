#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SynkCore

/// Where the decimated envelopes of a recording live: in memory, or spilled to temporary files.
///
/// A 16-channel hour at 200 Hz is 46 MB of envelopes, and the analysis reads each of them several times. Kept
/// in memory they would make a process's peak grow with the recording; spilled, they are read back through
/// ``EnvelopeReader`` windows of a fixed size, and the page cache (not the process) holds the rest. The files are
/// unlinked as soon as they are created, so nothing is left behind however the process ends.
///
/// Immutable once made; safe to read from several threads at once (each with its own reader).
public final class EnvelopeStorage: @unchecked Sendable {
    /// One channel's samples.
    final class Channel: @unchecked Sendable {
        enum Backing {
            case memory(UnsafeMutableBufferPointer<Float>)
            case file(descriptor: Int32)
        }
        let backing: Backing
        let count: Int

        init(copying samples: [Float]) {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, samples.count))
            _ = buffer.initialize(from: samples)
            backing = .memory(buffer)
            count = samples.count
        }

        init(descriptor: Int32, count: Int) {
            backing = .file(descriptor: descriptor)
            self.count = count
        }

        deinit {
            switch backing {
            case .memory(let buffer): buffer.deallocate()
            case .file(let descriptor): close(descriptor)
            }
        }
    }

    let channels: [Channel]
    /// Samples a reader of a spilled envelope maps at once, and the chunk the analysis reads it in.
    let readWindow: Int, readChunk: Int
    /// Set when a spilled envelope could not be read back; the analysis then fails instead of reporting.
    let failure: FailureFlag

    init(channels: [Channel], readWindow: Int = EnvelopeReader.windowSamples, readChunk: Int = EnvelopeReader.spilledChunk,
         failure: FailureFlag = FailureFlag()) {
        self.channels = channels
        self.readWindow = max(1, readWindow)
        self.readChunk = max(1, min(readChunk, readWindow))
        self.failure = failure
    }

    /// Envelopes held in memory.
    public convenience init(_ envelopes: [[Float]]) {
        self.init(channels: envelopes.map { Channel(copying: $0) })
    }

    /// Envelopes held in memory, taken over channel by channel (each array is emptied once copied, so at most one
    /// channel exists twice).
    public convenience init(consuming envelopes: inout [[Float]]) {
        var channels: [Channel] = []
        for k in envelopes.indices {
            channels.append(Channel(copying: envelopes[k]))
            envelopes[k] = []
        }
        envelopes = []
        self.init(channels: channels)
    }

    /// Number of channels.
    public var channelCount: Int { channels.count }

    /// Samples in channel `channel`.
    public func count(channel: Int) -> Int { channels[channel].count }

    /// Whether the envelopes were spilled to temporary files.
    public var isSpilled: Bool {
        channels.contains { if case .file = $0.backing { true } else { false } }
    }

    /// The same storage with only `selected` channels, in that order (nothing is copied).
    public func selecting(_ selected: [Int]) -> EnvelopeStorage {
        EnvelopeStorage(channels: selected.map { channels[$0] }, readWindow: readWindow, readChunk: readChunk, failure: failure)
    }

    /// A reader of one channel (one per thread).
    public func reader(_ channel: Int) -> EnvelopeReader {
        EnvelopeReader(storage: self, channel: channels[channel])
    }

    /// Channel `channel` read whole into memory (reports plot it; the analysis never asks for it).
    public func samples(channel: Int) -> [Float] {
        let reader = reader(channel)
        let n = reader.count
        return [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
            var start = 0
            while start < n {
                let piece = start..<min(n, start + readWindow)
                (buffer.baseAddress! + start).update(from: reader.samples(piece), count: piece.count)
                start = piece.upperBound
            }
            initialized = n
        }
    }

    /// A spilled envelope that could not be read back, as an error naming `file`; `nil` when every read worked.
    public func readError(file: String?) -> SynkError? {
        guard let problem = failure.problem else { return nil }
        return .output(file, "could not read back the temporary envelope file: \(problem)",
                       hint: "check the free space and health of the temporary directory (TMPDIR)")
    }

    /// Records the first read failure.
    final class FailureFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var first: String?
        var problem: String? { lock.withLock { first } }
        func record(_ problem: String) { lock.withLock { if first == nil { first = problem } } }
    }
}

/// Reads one envelope of an ``EnvelopeStorage`` through a window: in place when it is in memory, through a
/// read-only mapping of at most ``windowSamples`` samples (moved as the reads move) when it is spilled.
public final class EnvelopeReader: SampleWindows {
    /// Samples mapped at once for a spilled envelope (1 MiB).
    public static let windowSamples = 1 << 18
    /// The chunk the analysis reads a spilled envelope in (64 KiB).
    public static let spilledChunk = 1 << 14

    let storage: EnvelopeStorage
    let channel: EnvelopeStorage.Channel
    public let count: Int
    private var mapping: UnsafeMutableRawPointer?
    private var mappingLength = 0
    /// Samples `mappedRange` start at `mapping + mappedOffset`.
    private var mappedRange = 0..<0
    private var mappedOffset = 0
    /// Zeros handed out when the file cannot be mapped (the failure is recorded on the storage).
    private var fallback: UnsafeMutableBufferPointer<Float>?

    init(storage: EnvelopeStorage, channel: EnvelopeStorage.Channel) {
        self.storage = storage
        self.channel = channel
        count = channel.count
    }

    deinit {
        if let mapping { munmap(mapping, mappingLength) }
        fallback?.deallocate()
    }

    public var preferredChunk: Int {
        if case .memory = channel.backing { Int.max } else { storage.readChunk }
    }

    public func samples(_ range: Range<Int>) -> UnsafePointer<Float> {
        switch channel.backing {
        case .memory(let buffer):
            return UnsafePointer(buffer.baseAddress! + range.lowerBound)
        case .file(let descriptor):
            if range.lowerBound >= mappedRange.lowerBound, range.upperBound <= mappedRange.upperBound, mapping != nil {
                return UnsafePointer((mapping! + mappedOffset).assumingMemoryBound(to: Float.self) + (range.lowerBound - mappedRange.lowerBound))
            }
            return remap(descriptor, for: range)
        }
    }

    private func remap(_ descriptor: Int32, for range: Range<Int>) -> UnsafePointer<Float> {
        if let mapping { munmap(mapping, mappingLength) }
        mapping = nil
        mappedRange = 0..<0
        let size = MemoryLayout<Float>.stride
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lower = range.lowerBound
        let upper = min(count, max(range.upperBound, lower + storage.readWindow))
        let offset = (lower * size) / page * page
        let length = upper * size - offset
        guard length > 0 else { return zeros(range.count) }
        let pointer = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, off_t(offset))
        guard let pointer, pointer != MAP_FAILED else {
            storage.failure.record("mmap: \(String(cString: strerror(errno)))")
            return zeros(range.count)
        }
        mapping = pointer
        mappingLength = length
        mappedRange = (offset / size)..<upper
        mappedOffset = offset - mappedRange.lowerBound * size
        return UnsafePointer((pointer + mappedOffset).assumingMemoryBound(to: Float.self) + (lower - mappedRange.lowerBound))
    }

    private func zeros(_ count: Int) -> UnsafePointer<Float> {
        if let fallback, fallback.count >= count { return UnsafePointer(fallback.baseAddress!) }
        fallback?.deallocate()
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, count))
        buffer.initialize(repeating: 0)
        fallback = buffer
        return UnsafePointer(buffer.baseAddress!)
    }
}

/// Writes envelopes block by block into unlinked temporary files (one per channel), then hands them over as an
/// ``EnvelopeStorage``.
public final class EnvelopeSpill {
    private var descriptors: [Int32]
    private var counts: [Int]
    private var pending: [[Float]]
    private let directory: String
    private let readWindow: Int, readChunk: Int
    /// Samples buffered per channel before a write (256 KiB).
    static let bufferSamples = 1 << 16

    /// Creates one temporary file per channel in `directory` (default: `TMPDIR`, else /tmp).
    ///
    /// - Parameters:
    ///   - readWindow: samples a reader maps at once (tests make it small to cross many window edges).
    ///   - readChunk: samples the analysis reads at once, at most `readWindow`.
    public init(channelCount: Int, directory: String? = nil, readWindow: Int = EnvelopeReader.windowSamples,
                readChunk: Int = EnvelopeReader.spilledChunk) throws(SynkError) {
        let directory = directory ?? ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        self.directory = directory
        self.readWindow = readWindow
        self.readChunk = readChunk
        descriptors = []
        counts = [Int](repeating: 0, count: channelCount)
        pending = [[Float]](repeating: [], count: channelCount)
        for _ in 0..<channelCount {
            var template = Array("\(directory)/synk-envelope-XXXXXX".utf8CString)
            let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard descriptor >= 0 else {
                let problem = String(cString: strerror(errno))
                for d in descriptors { close(d) }
                throw .output(directory, "cannot create a temporary envelope file: \(problem)",
                              hint: "set TMPDIR to a writable directory")
            }
            // Unlinked at once: the file lives as long as the descriptor, and never outlives the process.
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            descriptors.append(descriptor)
        }
        for k in pending.indices { pending[k].reserveCapacity(Self.bufferSamples) }
    }

    deinit {
        for d in descriptors { close(d) }
    }

    /// Appends `blocks[k]` to channel k.
    public func append(_ blocks: [[Float]]) throws(SynkError) {
        precondition(blocks.count == pending.count, "one block per channel")
        for k in blocks.indices {
            pending[k].append(contentsOf: blocks[k])
            if pending[k].count >= Self.bufferSamples { try flush(k) }
        }
    }

    private func flush(_ k: Int) throws(SynkError) {
        let problem: String? = pending[k].withUnsafeBytes { bytes in
            var written = 0
            while written < bytes.count {
                let n = write(descriptors[k], bytes.baseAddress! + written, bytes.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                written += n
            }
            return nil
        }
        if let problem {
            throw .output(directory, "cannot write the temporary envelope file: \(problem)",
                          hint: "the envelopes need about 50 MB per hour of 16 channels in TMPDIR")
        }
        counts[k] += pending[k].count
        pending[k].removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and returns the envelopes; the spill is spent afterwards.
    public func finish() throws(SynkError) -> EnvelopeStorage {
        for k in pending.indices { try flush(k) }
        let channels = zip(descriptors, counts).map { EnvelopeStorage.Channel(descriptor: $0, count: $1) }
        descriptors = []
        return EnvelopeStorage(channels: channels, readWindow: readWindow, readChunk: readChunk)
    }
}
