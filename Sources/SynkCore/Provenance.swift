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
    /// Settings that replaced what the recording or its sidecars state (`--affected right` on a recording that
    /// states left, a montage or events file over the file's own): JSON `overrides`, empty when none.
    public var overrides: [AppliedOverride] = []
    /// What the readers noticed about the file without refusing it (``RecordingHeader/warnings``): a header that
    /// declares another number of samples than the file holds. JSON `warnings`, empty when none.
    public var warnings: [String] = []

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
        warnings = header.warnings
    }

    /// The sidecars applied, for text outputs: `a_channels.tsv (channels, muscles, side); a_events.tsv (events)`;
    /// nil when none was.
    public var sidecarSummary: String? {
        sidecars.isEmpty ? nil : sidecars.map(\.summary).joined(separator: "; ")
    }

    /// The overrides, one sentence each, for text outputs; nil when there is none.
    public var overrideSummary: String? {
        overrides.isEmpty ? nil : overrides.map(\.note).joined(separator: "; ")
    }

    enum CodingKeys: String, CodingKey {
        case path, sha256, format
        case sampleRateHz = "sample_rate_hz"
        case channels
        case durationS = "duration_s"
        case frames
        case sidecars
        case overrides
        case warnings
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
        overrides = try c.decodeIfPresent([AppliedOverride].self, forKey: .overrides) ?? []
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
    }
}

/// A setting that replaced what a recording (or its sidecars, or its montage file) states: recorded in every result,
/// so that a result made with `--affected right` on a recording that says left says so itself.
public struct AppliedOverride: Sendable, Hashable, Codable {
    /// What was overridden.
    public enum Setting: String, Sendable, Hashable, Codable, CaseIterable {
        /// The affected side (`--affected`, a manifest's `affected` column).
        case affectedSide = "affected_side"
        /// Which channel is which muscle and side (`--montage`).
        case montage
        /// The task events (`--events`).
        case events
        /// The stimuli of an evoked study (`--stimuli`).
        case stimuli
    }

    public var setting: Setting
    /// What the files state, in a few words (`left`, `15 events`, `OOc-L = OOc left, …`).
    public var stated: String
    /// Which file states it: the recording or the sidecar, as its path is reported.
    public var statedBy: String
    /// What was used instead (`right`, `12 events from tasks.tsv`).
    public var used: String
    /// One sentence for people, as text outputs print it.
    public var note: String

    public init(setting: Setting, stated: String, statedBy: String, used: String, note: String) {
        self.setting = setting
        self.stated = stated
        self.statedBy = statedBy
        self.used = used
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case setting, stated, statedBy = "stated_by", used, note
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
