import SynkCore

/// An EMG channel an analysis left out because its quality is flagged: nothing is measured on it.
public struct ExcludedChannel: Sendable, Hashable, Codable {
    /// The channel's label.
    public var channel: String
    public var muscle: Muscle?
    public var side: Side?
    /// The quality flags that excluded it.
    public var flags: [QualityFlag]
    /// `channel LABEL excluded: ` and the flags' explanations, for people.
    public var reason: String

    public init(channel: String, muscle: Muscle?, side: Side?, flags: [QualityFlag], reason: String) {
        self.channel = channel
        self.muscle = muscle
        self.side = side
        self.flags = flags
        self.reason = reason
    }

    public init(_ info: ChannelInfo, quality: ChannelQuality) {
        self.init(channel: info.label, muscle: info.muscle, side: info.side, flags: quality.flags,
                  reason: "channel \(info.label) excluded: \(quality.explanations.joined(separator: "; "))")
    }
}

extension QualityAccumulator {
    /// The EMG channels of `recording` an evoked-response analysis must not measure, by channel index:
    /// those with a muscle and at least one quality flag.
    public static func excludedEMGChannels(_ recording: Recording, criteria: QualityCriteria = QualityCriteria()) -> [Int: ExcludedChannel] {
        let quality = assess(recording, criteria: criteria)
        var excluded: [Int: ExcludedChannel] = [:]
        for (c, info) in recording.channels.enumerated() where info.kind == .emg && info.muscle != nil && !quality[c].flags.isEmpty {
            excluded[c] = ExcludedChannel(info, quality: quality[c])
        }
        return excluded
    }
}
