import Foundation
import SynkCore
import SynkDSP

/// Every setting of a synkinesis analysis; carried verbatim in the result's `parameters`.
public struct SynkinesisParameters: Sendable, Hashable, Codable {
    /// Cross-correlation lags searched: ±this many seconds (positive lag: follower trails driver).
    public var maxLagSeconds: Double = 0.1
    /// Onset threshold = rest mean + k·rest SD, per channel and side.
    public var onsetThresholdSD: Double = 3
    /// Shortest run above threshold that counts as activity.
    public var minimumActiveSeconds: Double = 0.05
    /// Window of the quietest-window rest estimate (used when the envelopes carry no rest levels).
    public var restWindowSeconds: Double = 0.5
    /// Confidence level of every interval.
    public var confidenceLevel: Double = 0.95
    /// Bernardes 2018 amplitude-ratio cut-off for ocular driver → oral follower.
    public var cutoffOcularToOral: Double = 1.62
    /// Bernardes 2018 amplitude-ratio cut-off for oral driver → ocular follower.
    public var cutoffOralToOcular: Double = 1.79
    /// Burst detection (no events): bursts closer than this are merged.
    public var burstMergeGapSeconds: Double = 0.2
    /// Burst detection (no events): shorter bursts are dropped.
    public var minimumBurstSeconds: Double = 0.3
    /// Burst detection (no events): a channel counts as active above rest mean + max(k·SD, this
    /// fraction × (channel maximum − rest mean)), so that slow rest fluctuations are not taken for tasks.
    public var burstThresholdFraction: Double = 0.1
    /// Task name → driver muscle overrides on top of ``TaskCatalogue/standard``.
    public var driverOverrides: [String: Muscle] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case maxLagSeconds = "max_lag_s", onsetThresholdSD = "onset_threshold_sd"
        case minimumActiveSeconds = "min_active_s", restWindowSeconds = "rest_window_s"
        case confidenceLevel = "confidence_level", cutoffOcularToOral = "cutoff_ocular_to_oral"
        case cutoffOralToOcular = "cutoff_oral_to_ocular", burstMergeGapSeconds = "burst_merge_gap_s"
        case minimumBurstSeconds = "min_burst_s", burstThresholdFraction = "burst_threshold_fraction"
        case driverOverrides = "driver_overrides"
    }
}

/// The settings and methods a result was computed with (parameters plus descriptions).
public struct SynkinesisMethod: Sendable, Hashable, Codable {
    public var settings: SynkinesisParameters
    public var envelopeSampleRateHz: Double
    public var envelope: String
    public var amplitudeMeasure: String
    public var restSource: String
    public var correlation: String
    public var crossCorrelation: String
    public var effectiveSampleSize: String
    public var intervals: String
    public var taskDrivers: [String: Muscle]

    enum CodingKeys: String, CodingKey {
        case settings, envelopeSampleRateHz = "envelope_sample_rate_hz", envelope
        case amplitudeMeasure = "amplitude_measure", restSource = "rest_source", correlation
        case crossCorrelation = "cross_correlation", effectiveSampleSize = "effective_sample_size"
        case intervals, taskDrivers = "task_drivers"
    }
}

/// Measures of one (driver, follower) pair on one side during the driver's task.
public struct SideMeasures: Sendable, Hashable, Codable {
    public var side: Side
    /// Pearson r of the driver and follower envelopes over the pooled task segments.
    public var r: Double?
    /// Peak per-lag Pearson cross-correlation within ±max lag.
    public var peakXcorr: Double?
    /// Lag of that peak in ms; positive: follower trails driver.
    public var lagMs: Double?
    /// Follower amplitude during the driver's task (see `amplitude_measure`), µV.
    public var rms: Double?
    /// Seconds the follower was active during the driver's task segments (the follower's
    /// "duration of contraction effort" in the task).
    public var activeS: Double?
    /// Seconds the follower was active while the driver was active.
    public var coactiveS: Double?
    /// Seconds the driver was active during its task segments.
    public var driverActiveS: Double?
    /// Fraction of the driver's active time during which the follower was also active.
    public var coactivation: Double?
    /// Follower amplitude above rest during the driver's task as % of its amplitude above rest in
    /// its own voluntary task.
    public var followerPercentOfOwnTask: Double?
    /// Bartlett effective sample size behind `r`.
    public var nEff: Double?
    /// Envelope samples behind `r` (pooled over repetitions).
    public var nSamples: Int
    /// Fisher CI of `r`.
    public var rCi95: [Double]?
    /// Why any value above is missing.
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case side, r, peakXcorr = "peak_xcorr", lagMs = "lag_ms", rms, activeS = "active_s", coactiveS = "coactive_s"
        case driverActiveS = "driver_active_s", coactivation
        case followerPercentOfOwnTask = "follower_percent_of_own_task", nEff = "n_eff"
        case nSamples = "n_samples", rCi95 = "r_ci95", notes
    }

    // Explicit nulls keep every key present, so readers see "undefined" rather than a missing field.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(side, forKey: .side)
        try c.encode(r, forKey: .r)
        try c.encode(peakXcorr, forKey: .peakXcorr)
        try c.encode(lagMs, forKey: .lagMs)
        try c.encode(rms, forKey: .rms)
        try c.encode(activeS, forKey: .activeS)
        try c.encode(coactiveS, forKey: .coactiveS)
        try c.encode(driverActiveS, forKey: .driverActiveS)
        try c.encode(coactivation, forKey: .coactivation)
        try c.encode(followerPercentOfOwnTask, forKey: .followerPercentOfOwnTask)
        try c.encode(nEff, forKey: .nEff)
        try c.encode(nSamples, forKey: .nSamples)
        try c.encode(rCi95, forKey: .rCi95)
        try c.encode(notes, forKey: .notes)
    }
}

/// One (task, driver, follower) pair compared between the affected and the healthy side.
public struct SynkinesisPair: Sendable, Hashable, Codable {
    public var task: String
    public var driver: Muscle
    public var follower: Muscle
    /// `ocular_to_oral`, `oral_to_ocular`, or `other`.
    public var pattern: String
    /// Measures on the affected side (the left side when the affected side is not stated).
    public var affected: SideMeasures?
    /// Measures on the healthy side (the right side when the affected side is not stated).
    public var healthy: SideMeasures?
    /// r(affected) − r(healthy).
    public var synkineticCorrelation: Double?
    /// Zou (2007) interval of the index from both sides' Fisher intervals with their own n_eff.
    public var ci95: [Double]?
    /// Two-sided p of z(affected) = z(healthy).
    public var p: Double?
    /// Follower amplitude affected ÷ healthy during the driver's task (Bernardes 2018 "IEMG index").
    public var amplitudeRatio: Double?
    /// The published cut-off that applies to this pattern, if any.
    public var amplitudeCutoff: Double?
    /// True when the amplitude ratio exceeds the pattern's published cut-off.
    public var flag: Bool
    public var flagReason: String?
    /// True when the index's CI lies wholly above 0.
    public var correlationFlag: Bool
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case task, driver, follower, pattern, affected, healthy
        case synkineticCorrelation = "synkinetic_correlation", ci95, p
        case amplitudeRatio = "amplitude_ratio", amplitudeCutoff = "amplitude_cutoff", flag
        case flagReason = "flag_reason", correlationFlag = "correlation_flag", notes
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(task, forKey: .task)
        try c.encode(driver, forKey: .driver)
        try c.encode(follower, forKey: .follower)
        try c.encode(pattern, forKey: .pattern)
        try c.encode(affected, forKey: .affected)
        try c.encode(healthy, forKey: .healthy)
        try c.encode(synkineticCorrelation, forKey: .synkineticCorrelation)
        try c.encode(ci95, forKey: .ci95)
        try c.encode(p, forKey: .p)
        try c.encode(amplitudeRatio, forKey: .amplitudeRatio)
        try c.encode(amplitudeCutoff, forKey: .amplitudeCutoff)
        try c.encode(flag, forKey: .flag)
        try c.encode(flagReason, forKey: .flagReason)
        try c.encode(correlationFlag, forKey: .correlationFlag)
        try c.encode(notes, forKey: .notes)
    }
}

/// Which physical side fills the `affected` and `healthy` slots, and whether sides can be compared.
public struct SideComparison: Sendable, Hashable, Codable {
    /// False when the montage has channels on one side only.
    public var possible: Bool
    public var affectedSlot: Side
    public var healthySlot: Side
    /// `stated` (affected side known), `healthy_control_left_vs_right`, `unknown_left_vs_right`.
    public var basis: String
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case possible, affectedSlot = "affected_slot", healthySlot = "healthy_slot", basis, reason
    }
}

/// One analysed task.
public struct TaskSummary: Sendable, Hashable, Codable {
    public var task: String
    public var driver: Muscle
    public var repetitions: Int
    public var durationS: Double
    /// Repetition spans in seconds, `[onset, end]`.
    public var spansS: [[Double]]

    enum CodingKeys: String, CodingKey {
        case task, driver, repetitions, durationS = "duration_s", spansS = "spans_s"
    }
}

/// The result of a synkinesis analysis (the lead adds `input` and `quality`).
public struct SynkinesisResult: Sendable, Hashable, Codable {
    public var synkVersion: String
    public var parameters: SynkinesisMethod
    /// `left`, `right`, `none` (healthy control) or `unknown`.
    public var affectedSide: String
    public var sideComparison: SideComparison
    /// `events` or `detected`.
    public var tasksSource: String
    public var tasks: [TaskSummary]
    public var montage: [MontageChannel]
    public var montageGaps: [MontageGap]
    public var taskGaps: [TaskGap]
    public var pairs: [SynkinesisPair]
    /// The file analysed (set by ``SynkinesisPipeline``; absent for envelope-only analyses).
    public var input: InputDescription?
    /// Quality of every channel of the recording; flagged EMG channels were excluded from the montage.
    public var quality: [ChannelQuality]?
    /// How the envelopes were made from the recording: filters, envelope, decimation.
    public var conditioning: ConditioningDescription?

    enum CodingKeys: String, CodingKey {
        case synkVersion = "synk_version", parameters, affectedSide = "affected_side"
        case sideComparison = "side_comparison", tasksSource = "tasks_source", tasks, montage
        case montageGaps = "montage_gaps", taskGaps = "task_gaps", pairs
        case input, quality, conditioning
    }
}

extension SynkinesisResult {
    /// True when an EMG channel of the montage failed a quality check and was left out: the result is complete
    /// for the channels kept, and the command exits 1 (documented exit code) so that scripts notice.
    public var qualityFailed: Bool { montageGaps.contains { $0.kind == .excludedByQuality } }

    /// The montage channels left out for quality, with the reason.
    public var excludedChannels: [MontageGap] { montageGaps.filter { $0.kind == .excludedByQuality } }
}
