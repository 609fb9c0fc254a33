import Foundation
import SynkCore

/// Writes a recording as CSV: a header row `time_s,<label> [<unit>],…` and one row per frame.
///
/// Times are `frame / sampleRate` in seconds; samples are printed with the shortest decimal text that
/// reads back as the same `Float`, so ``TextRecordingReader`` restores them exactly. A NaN sample is
/// written as an empty cell (which reads back as NaN). Labels are quoted as RFC 4180 says (``CSVText``).
/// The file is written to a temporary path and appears only when ``finish()`` succeeds.
public final class CSVWriter: SampleSink {
    public let path: String
    public let header: RecordingHeader
    private let output: AtomicOutput
    private var file: UnsafeMutablePointer<FILE>?
    private var framesWritten = 0
    private var bytes: [UInt8] = []

    /// Creates the temporary file and writes the header row.
    public init(path: String, header: RecordingHeader) throws(SynkError) {
        guard header.sampleRate.isFinite, header.sampleRate > 0 else {
            throw .output(path, "cannot write a recording with sample rate \(header.sampleRate) Hz")
        }
        guard !header.channels.isEmpty else { throw .output(path, "cannot write a recording without channels") }
        self.path = path
        self.header = header
        output = try AtomicOutput(destination: path)
        guard let file = fopen(output.temporaryPath, "wb") else {
            throw .output(path, "cannot create \(output.temporaryPath): \(String(cString: strerror(errno)))")
        }
        self.file = file
        let columns = ["time_s"] + header.channels.map { channel in
            channel.unit.symbol.isEmpty ? channel.label : "\(channel.label) [\(channel.unit.symbol)]"
        }
        bytes.append(contentsOf: (CSVText.line(columns) + "\n").utf8)
        try flush()
    }

    deinit {
        if let file { fclose(file) }
    }

    public func write(_ block: SignalBlock) throws(SynkError) {
        guard file != nil else { throw .output(path, "write after finish") }
        guard block.channels.count == header.channels.count else {
            throw .output(path, "a block with \(block.channels.count) channels for a header with \(header.channels.count)")
        }
        let frames = block.frameCount
        guard block.channels.allSatisfy({ $0.count == frames }) else {
            throw .output(path, "a block whose channels differ in length")
        }
        for frame in 0..<frames {
            let time = Double(framesWritten) / header.sampleRate
            bytes.append(contentsOf: "\(time)".utf8)
            for channel in block.channels.indices {
                let value = block.channels[channel][frame]
                bytes.append(UInt8(ascii: ","))
                if value.isNaN { continue }
                guard value.isFinite else {
                    throw .output(path, "channel \(header.channels[channel].label) is infinite at frame \(framesWritten)")
                }
                bytes.append(contentsOf: "\(value)".utf8)
            }
            bytes.append(UInt8(ascii: "\n"))
            framesWritten += 1
            if bytes.count >= 1 << 20 { try flush() }
        }
    }

    public func finish() throws(SynkError) {
        guard let file else { return }
        try flush()
        self.file = nil
        if fclose(file) != 0 {
            output.abandon()
            throw .output(path, "could not finish writing: \(String(cString: strerror(errno)))")
        }
        try output.commit()
    }

    private func flush() throws(SynkError) {
        guard let file, !bytes.isEmpty else { return }
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else {
            output.abandon()
            throw .output(path, "write failed: \(String(cString: strerror(errno)))")
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
