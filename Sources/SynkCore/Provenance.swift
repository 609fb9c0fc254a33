import Foundation

/// The input block every result carries, so a result says which file it was made from.
public struct InputDescription: Sendable, Codable, Hashable {
    public var path: String
    public var sha256: String
    public var format: String
    public var sampleRateHz: Double
    public var channels: Int
    public var durationS: Double
    public var frames: Int

    public init(path: String, sha256: String, header: RecordingHeader) {
        self.path = path
        self.sha256 = sha256
        format = header.source?.format.rawValue ?? "memory"
        sampleRateHz = header.sampleRate
        channels = header.channels.count
        durationS = header.duration
        frames = header.frameCount
    }

    enum CodingKeys: String, CodingKey {
        case path, sha256, format
        case sampleRateHz = "sample_rate_hz"
        case channels
        case durationS = "duration_s"
        case frames
    }
}
