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
    /// The EMG-BIDS sidecar files applied to the recording, each with what it supplied (JSON `sidecars`).
    public var sidecars: [AppliedSidecar]

    /// The input block for `header`, reported under `path`.
    ///
    /// When `path` is a shorter spelling of the path the recording was read from (a batch reports files
    /// relative to the dataset), the sidecars' paths are shortened the same way, so that a result does not
    /// depend on where the dataset is mounted.
    public init(path: String, sha256: String, header: RecordingHeader) {
        self.path = path
        self.sha256 = sha256
        format = header.source?.format.rawValue ?? "memory"
        sampleRateHz = header.sampleRate
        channels = header.channels.count
        durationS = header.duration
        frames = header.frameCount
        var sidecars = header.sidecars
        if let opened = header.source?.path, opened != path, opened.hasSuffix("/" + path) {
            let base = String(opened.dropLast(path.count))
            for i in sidecars.indices where sidecars[i].path.hasPrefix(base) {
                sidecars[i].path = String(sidecars[i].path.dropFirst(base.count))
            }
        }
        self.sidecars = sidecars
    }

    /// The sidecars applied, for text outputs: `a_channels.tsv (channels, muscles, side); a_events.tsv (events)`;
    /// nil when none was.
    public var sidecarSummary: String? {
        sidecars.isEmpty ? nil : sidecars.map(\.summary).joined(separator: "; ")
    }

    enum CodingKeys: String, CodingKey {
        case path, sha256, format
        case sampleRateHz = "sample_rate_hz"
        case channels
        case durationS = "duration_s"
        case frames
        case sidecars
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        sha256 = try c.decode(String.self, forKey: .sha256)
        format = try c.decode(String.self, forKey: .format)
        sampleRateHz = try c.decode(Double.self, forKey: .sampleRateHz)
        channels = try c.decode(Int.self, forKey: .channels)
        durationS = try c.decode(Double.self, forKey: .durationS)
        frames = try c.decode(Int.self, forKey: .frames)
        // Results written before sidecars were recorded have no such key.
        sidecars = try c.decodeIfPresent([AppliedSidecar].self, forKey: .sidecars) ?? []
    }
}

/// One EMG-BIDS sidecar file applied to a recording, and what it supplied to the analysis.
public struct AppliedSidecar: Sendable, Hashable, Codable {
    /// What a sidecar can supply.
    public enum Supplied: String, Sendable, Hashable, Codable, CaseIterable {
        /// Channel names and kinds (`*_channels.tsv`).
        case channels
        /// Muscles of the channels (`target_muscle`, or the names).
        case muscles
        /// The side (left/right) of at least one channel.
        case side
        /// Units of channels whose unit the recording did not state.
        case units
        /// Task events that replace the recording's own (`*_events.tsv`).
        case events
        /// The sample rate (`SamplingFrequency`): stated where the recording states none, else confirmed.
        case rate
        /// Descriptive fields kept as metadata (`*_emg.json`).
        case metadata
    }

    /// The sidecar's path, spelled from the recording's path (relative when that is relative).
    public var path: String
    /// What it supplied, in the order of ``Supplied``.
    public var supplied: [Supplied]

    public init(path: String, supplied: [Supplied]) {
        self.path = path
        self.supplied = Supplied.allCases.filter(supplied.contains)
    }

    /// `path (channels, side)`, as text outputs list it.
    public var summary: String {
        supplied.isEmpty ? path : "\(path) (\(supplied.map(\.rawValue).joined(separator: ", ")))"
    }
}
