/// A reader that delivers a recording block by block, so memory is bounded by the block size.
///
/// Readers are classes because they own open file handles; they are used from one task at a time.
public protocol SampleSource: AnyObject {
    /// Known before any sample is read.
    var header: RecordingHeader { get }
    /// Reads up to `maxFrames` frames of every channel; `nil` once the recording is exhausted.
    func readBlock(maxFrames: Int) throws(SynkError) -> SignalBlock?
}

extension SampleSource {
    /// Reads what is left of the recording into memory.
    public func readAll(blockFrames: Int = 65_536) throws(SynkError) -> Recording {
        var header = self.header
        var samples = [[Float]](repeating: [], count: header.channels.count)
        for c in samples.indices { samples[c].reserveCapacity(max(0, header.frameCount)) }
        while let block = try readBlock(maxFrames: blockFrames) {
            for c in block.channels.indices { samples[c].append(contentsOf: block.channels[c]) }
        }
        header.frameCount = samples.first?.count ?? 0
        return try Recording(header: header, samples: samples)
    }
}

/// A source that streams an in-memory recording; useful for tests and for analyses that accept both.
public final class RecordingSource: SampleSource {
    public let header: RecordingHeader
    private let samples: [[Float]]
    private var position = 0

    public init(_ recording: Recording) {
        header = recording.header
        samples = recording.samples
    }

    public func readBlock(maxFrames: Int) throws(SynkError) -> SignalBlock? {
        guard position < header.frameCount, maxFrames > 0 else { return nil }
        let end = min(header.frameCount, position + maxFrames)
        let block = SignalBlock(firstFrame: position, channels: samples.map { Array($0[position..<end]) })
        position = end
        return block
    }
}

/// A writer that accepts a recording block by block and makes the file appear only when finished.
public protocol SampleSink: AnyObject {
    /// Appends frames; every block carries all channels of the header given at creation.
    func write(_ block: SignalBlock) throws(SynkError)
    /// Flushes and atomically moves the file into place. Without it no output file appears.
    func finish() throws(SynkError)
}
