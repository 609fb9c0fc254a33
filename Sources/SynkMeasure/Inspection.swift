import Foundation
import SynkCore
import SynkIO
import SynkAnalysis

/// What `synk info` shows of a recording: its header, its input description (with the file's SHA-256) and the
/// quality of every channel, from one streaming pass.
public struct Inspection: Sendable {
    public var header: RecordingHeader
    public var input: InputDescription
    public var quality: [ChannelQuality]
    /// The limits the quality was judged against.
    public var criteria: QualityCriteria

    /// Reads `file` once (in blocks; any length) and checks every channel.
    public static func inspect(
        file: InputFile, reading: ReadOptions = ReadOptions(), criteria: QualityCriteria = QualityCriteria()
    ) throws(SynkError) -> Inspection {
        let source = try RecordingReader.open(file.path, options: reading)
        let digest = file.startDigest()
        var accumulator = QualityAccumulator(header: source.header, criteria: criteria)
        try digest.around { () throws(SynkError) in
            do throws(SynkError) {
                while let block = try source.readBlock(maxFrames: 65_536) { accumulator.add(block) }
            } catch { throw error.withFile(file.path) }
        }
        let input = InputDescription(path: file.reportedPath, sha256: try digest.value(), header: source.header)
        return Inspection(header: source.header, input: input, quality: accumulator.finish(), criteria: criteria)
    }
}
