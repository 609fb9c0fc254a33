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
    /// Cut-off of the follower-ratio decision for patterns without a published one (every pattern but ocular→oral
    /// and oral→ocular): the larger of Bernardes' two cut-offs, which also matches the upper limit of healthy
    /// side-to-side asymmetry of facial sEMG amplitude (see docs/synkinesis-decision.md).
    public var cutoffOtherPatterns: Double = 1.79
    /// Correct the affected side's follower activity for paresis (the side's voluntary activity relative to the
    /// healthy side's, ``ParesisEstimate``).
    public var paresisCorrection: Bool = true
    /// The weakest paresis corrected for, as the affected side's voluntary power relative to the healthy side's
    /// (0.05: voluntary RMS 22 % of healthy); a weaker side is corrected as if it were this strong, and says so.
    public var paresisFloor: Double = 0.05
    /// Rest windows (for each channel's rest power) keep this far from every task segment, seconds.
    public var restGuardSeconds: Double = 0.5
    /// Apply a mains notch (comb up to the band's upper edge) when a channel of the montage is mains-dominated in
    /// the recording's first block and no notch was asked for (recorded in the conditioning).
    public var automaticNotch: Bool = true
    /// Runs of missing samples up to this long, seconds, are bridged (``GapBridge``) and only their samples (with
    /// the conditioning's guard) are left out of the statistics; longer runs leave out every repetition they
    /// touch. 50 ms: half the default 100 ms RMS window and far below a task repetition (several seconds), so that
    /// a bridged gap removes a small fraction of one repetition and cannot hide the rise or plateau of a movement
    /// (docs/gaps.md).
    public var maximumBridgedGapSeconds: Double = 0.05
    /// A channel is excluded when less than this fraction of the recording remains outside its gaps (and their
    /// guards); below it the electrode or the stream was lost for too long to represent the session, and its gaps
    /// would take that much from every other channel (gaps are removed from all channels alike).
    public var minimumGapFreeFraction: Double = 0.8
    /// The smallest share of a follower's true crosstalk that the crosstalk estimate is taken to capture. The
    /// estimate is a lower bound: a linear fit of the neighbours' raw signals misses the crosstalk the tissue filters
    /// differently for each motor unit and the non-propagating end-of-fibre components (Farina et al. 2004). A pair
    /// is called synkinetic only when its ratio also passes with the side judged for excess keeping
    /// `1 − crosstalk fraction ÷ crosstalkCapture` of its power (0.5: up to twice the estimated crosstalk; a follower
    /// half or more crosstalk keeps nothing); otherwise it is undetermined (docs/synkinesis-decision.md).
    public var crosstalkCapture: Double = 0.5
    /// Correct each follower with its own paresis factor (its voluntary power ratio, when it drives a task recorded
    /// on both sides) instead of the side's median: facial nerve branches recover unequally (Engström et al. 2000),
    /// and a follower's aberrant activity is expressed by its own motor units. Followers that drive no task take the
    /// side's factor.
    public var paresisPerMuscle: Bool = true
    /// The automatic notch is applied when a montage channel has at least this share of its power at mains and
    /// harmonics in the recording's first ten seconds (and is not disconnected). Broadband EMG and electrode noise
    /// put about 1 % of their power in those 1 Hz bins; 10 % is a hum line nine times above that, a few tenths of a
    /// µV on a quiet muscle, which would otherwise count as crosstalk in every neighbour (hum is the same sinusoid
    /// in every channel).
    public var automaticNotchMainsFraction: Double = 0.1

    public init() {}

    enum CodingKeys: String, CodingKey {
        case maxLagSeconds = "max_lag_s", onsetThresholdSD = "onset_threshold_sd"
        case minimumActiveSeconds = "min_active_s", restWindowSeconds = "rest_window_s"
        case confidenceLevel = "confidence_level", cutoffOcularToOral = "cutoff_ocular_to_oral"
        case cutoffOralToOcular = "cutoff_oral_to_ocular", burstMergeGapSeconds = "burst_merge_gap_s"
        case minimumBurstSeconds = "min_burst_s", burstThresholdFraction = "burst_threshold_fraction"
        case driverOverrides = "driver_overrides", cutoffOtherPatterns = "cutoff_other_patterns"
        case paresisCorrection = "paresis_correction", paresisFloor = "paresis_floor", restGuardSeconds = "rest_guard_s"
        case automaticNotch = "automatic_notch"
        case maximumBridgedGapSeconds = "max_bridged_gap_s", minimumGapFreeFraction = "min_gap_free_fraction"
        case crosstalkCapture = "crosstalk_capture", paresisPerMuscle = "paresis_per_muscle"
        case automaticNotchMainsFraction = "automatic_notch_mains_fraction"
    }

    /// Any key may be missing (parameters written by an earlier version, or by hand): it takes its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SynkinesisParameters()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        maxLagSeconds = try value(.maxLagSeconds, d.maxLagSeconds)
        onsetThresholdSD = try value(.onsetThresholdSD, d.onsetThresholdSD)
        minimumActiveSeconds = try value(.minimumActiveSeconds, d.minimumActiveSeconds)
        restWindowSeconds = try value(.restWindowSeconds, d.restWindowSeconds)
        confidenceLevel = try value(.confidenceLevel, d.confidenceLevel)
        cutoffOcularToOral = try value(.cutoffOcularToOral, d.cutoffOcularToOral)
        cutoffOralToOcular = try value(.cutoffOralToOcular, d.cutoffOralToOcular)
        burstMergeGapSeconds = try value(.burstMergeGapSeconds, d.burstMergeGapSeconds)
        minimumBurstSeconds = try value(.minimumBurstSeconds, d.minimumBurstSeconds)
        burstThresholdFraction = try value(.burstThresholdFraction, d.burstThresholdFraction)
        driverOverrides = try value(.driverOverrides, d.driverOverrides)
        cutoffOtherPatterns = try value(.cutoffOtherPatterns, d.cutoffOtherPatterns)
        paresisCorrection = try value(.paresisCorrection, d.paresisCorrection)
        paresisFloor = try value(.paresisFloor, d.paresisFloor)
        restGuardSeconds = try value(.restGuardSeconds, d.restGuardSeconds)
        automaticNotch = try value(.automaticNotch, d.automaticNotch)
        maximumBridgedGapSeconds = try value(.maximumBridgedGapSeconds, d.maximumBridgedGapSeconds)
        minimumGapFreeFraction = try value(.minimumGapFreeFraction, d.minimumGapFreeFraction)
        crosstalkCapture = try value(.crosstalkCapture, d.crosstalkCapture)
        paresisPerMuscle = try value(.paresisPerMuscle, d.paresisPerMuscle)
        automaticNotchMainsFraction = try value(.automaticNotchMainsFraction, d.automaticNotchMainsFraction)
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
    /// How each follower's crosstalk was estimated (or why it was not).
    public var crosstalk: String
    /// How the decision is made: the quantity, its interval, the rules.
    public var decision: String
    /// How the rest power behind the decision was measured.
    public var restPower: String
    /// Multiple-testing correction of the index's p-values.
    public var multipleTesting: String
    /// How runs of missing samples were treated (``SampleGapRecord``).
    public var gapHandling: String?

    enum CodingKeys: String, CodingKey {
        case settings, envelopeSampleRateHz = "envelope_sample_rate_hz", envelope
        case amplitudeMeasure = "amplitude_measure", restSource = "rest_source", correlation
        case crossCorrelation = "cross_correlation", effectiveSampleSize = "effective_sample_size"
        case intervals, taskDrivers = "task_drivers", crosstalk, decision, restPower = "rest_power"
        case multipleTesting = "multiple_testing", gapHandling = "gap_handling"
    }
}

/// Measures of one (driver, follower) pair on one side during the driver's task.
public struct SideMeasures: Sendable, Hashable, Codable {
    public var side: Side
    /// Pearson r of the driver and follower envelopes over the pooled task segments.
    @ExplicitNull public var r: Double?
    /// Peak per-lag Pearson cross-correlation within ±max lag.
    @ExplicitNull public var peakXcorr: Double?
    /// Lag of that peak in ms; positive: follower trails driver.
    @ExplicitNull public var lagMs: Double?
    /// Follower amplitude during the driver's task (see `amplitude_measure`), µV.
    @ExplicitNull public var rms: Double?
    /// Seconds the follower was active during the driver's task segments (the follower's
    /// "duration of contraction effort" in the task).
    @ExplicitNull public var activeS: Double?
    /// Seconds the follower was active while the driver was active.
    @ExplicitNull public var coactiveS: Double?
    /// Seconds the driver was active during its task segments.
    @ExplicitNull public var driverActiveS: Double?
    /// Fraction of the driver's active time during which the follower was also active.
    @ExplicitNull public var coactivation: Double?
    /// Follower amplitude above rest during the driver's task as % of its amplitude above rest in
    /// its own voluntary task.
    @ExplicitNull public var followerPercentOfOwnTask: Double?
    /// Bartlett effective sample size behind `r`.
    @ExplicitNull public var nEff: Double?
    /// Envelope samples behind `r` (pooled over repetitions).
    public var nSamples: Int
    /// Fisher CI of `r`.
    @ExplicitNull public var rCi95: [Double]?
    /// True when the peak cross-correlation lies at ±max lag: the true peak may lie beyond the search.
    public var lagAtSearchLimit: Bool = false
    /// Share of the follower's power in the task that its side's larger channels' raw signals predict (crosstalk,
    /// ``CrosstalkEstimate``); nil when it could not be estimated (no raw signals, or no power).
    @ExplicitNull public var crosstalkFraction: Double?
    /// Each candidate source alone (muscle code → share), those above 1 %.
    @ExplicitNull public var crosstalkSources: [String: Double]?
    /// The follower's own amplitude in the task, crosstalk removed: √((1 − crosstalk_fraction) · rms²).
    @ExplicitNull public var ownRMS: Double?
    /// The follower's rest amplitude: √(median power of its rest windows), µV.
    @ExplicitNull public var restRMS: Double?
    /// The follower's amplitude in each repetition of the task, µV.
    @ExplicitNull public var repetitionRMS: [Double]?
    /// Why any value above is missing.
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case side, r, peakXcorr = "peak_xcorr", lagMs = "lag_ms", rms, activeS = "active_s", coactiveS = "coactive_s"
        case driverActiveS = "driver_active_s", coactivation
        case followerPercentOfOwnTask = "follower_percent_of_own_task", nEff = "n_eff"
        case nSamples = "n_samples", rCi95 = "r_ci95", lagAtSearchLimit = "lag_at_search_limit"
        case crosstalkFraction = "crosstalk_fraction", crosstalkSources = "crosstalk_sources", ownRMS = "own_rms"
        case restRMS = "rest_rms", repetitionRMS = "repetition_rms", notes
    }
}

/// The facial regions a pair links, for the published cut-offs (JSON `pattern`).
public enum SynkinesisPattern: String, Sendable, Hashable, Codable {
    case ocularToOral = "ocular_to_oral"
    case oralToOcular = "oral_to_ocular"
    case other

    public init(driver: Muscle, follower: Muscle) {
        switch (driver.region, follower.region) {
        case (.ocular, .oral): self = .ocularToOral
        case (.oral, .ocular): self = .oralToOcular
        default: self = .other
        }
    }
}

/// What synk concludes about a pair (JSON `decision`).
public enum SynkinesisDecision: String, Sendable, Hashable, Codable {
    /// The follower's own activity on the affected side exceeds the healthy side's beyond the rule's cut-off.
    case synkinesis
    /// The follower's excess on the affected side is explained by crosstalk from its neighbours.
    case crosstalk
    /// No excess beyond the cut-off.
    case notSynkinetic = "not_synkinetic"
    /// Cannot be decided: no side comparison, or the ratio is above the cut-off but its interval reaches below.
    case undetermined
}

/// The rule a decision applied, with its source.
public struct DecisionRule: Sendable, Hashable, Codable {
    public var id: String
    public var description: String
    public var source: String
}

/// One (task, driver, follower) pair compared between the affected and the healthy side.
public struct SynkinesisPair: Sendable, Hashable, Codable {
    public var task: String
    public var driver: Muscle
    public var follower: Muscle
    /// `ocular_to_oral`, `oral_to_ocular`, or `other`.
    public var pattern: SynkinesisPattern
    /// Measures on the affected side (the left side when the affected side is not stated).
    @ExplicitNull public var affected: SideMeasures?
    /// Measures on the healthy side (the right side when the affected side is not stated).
    @ExplicitNull public var healthy: SideMeasures?
    /// r(affected) − r(healthy).
    @ExplicitNull public var synkineticCorrelation: Double?
    /// Zou (2007) interval of the index from both sides' Fisher intervals with their own n_eff.
    @ExplicitNull public var ci95: [Double]?
    /// Two-sided p of z(affected) = z(healthy).
    @ExplicitNull public var p: Double?
    /// Follower amplitude affected ÷ healthy during the driver's task (Bernardes 2018 "IEMG index").
    @ExplicitNull public var amplitudeRatio: Double?
    /// The cut-off of the decision rule that applies to this pattern.
    @ExplicitNull public var amplitudeCutoff: Double?
    /// True iff ``decision`` is ``SynkinesisDecision/synkinesis``.
    public var flag: Bool
    /// The decision's sentence when the pair is flagged; nil otherwise (``decisionReason`` always has it).
    @ExplicitNull public var flagReason: String?
    /// True when the index is positive and significant after Benjamini-Hochberg correction over the session's
    /// pairs (``pAdjusted`` below 1 − confidence level). Information: the decision does not use the index.
    public var correlationFlag: Bool
    /// The index's p-value adjusted by Benjamini-Hochberg (1995) over every pair of the session with a p-value.
    @ExplicitNull public var pAdjusted: Double?
    /// The decision, its sentence and the rule applied.
    public var decision: SynkinesisDecision
    public var decisionReason: String
    @ExplicitNull public var decisionRule: DecisionRule?
    /// The follower's own activity, affected ÷ healthy: crosstalk removed on each side, the affected side's
    /// activity above rest corrected for paresis, both over the larger rest level (geometric mean over
    /// repetitions; see docs/synkinesis-decision.md). The decision compares its interval with the cut-off.
    @ExplicitNull public var followerOwnRatio: Double?
    /// t-interval (confidence level of the parameters) of ``followerOwnRatio`` over repetitions.
    @ExplicitNull public var followerOwnRatioCi95: [Double]?
    /// The same ratio with the side judged for excess keeping only `1 − X ÷ crosstalk_capture` of its power (up to
    /// twice the estimated crosstalk, which is a lower bound); synkinesis needs this one above the cut-off too.
    @ExplicitNull public var followerOwnRatioConservative: Double?
    @ExplicitNull public var followerOwnRatioConservativeCi95: [Double]?
    /// The paresis factor the affected side's excess was divided by (the follower's own voluntary power ratio, or
    /// the side's); nil without correction.
    @ExplicitNull public var paresisFactor: Double?
    /// The same ratio without crosstalk removal, and its interval: above the cut-off while the own ratio is not
    /// means the excess is crosstalk.
    @ExplicitNull public var followerTotalRatio: Double?
    @ExplicitNull public var followerTotalRatioCi95: [Double]?
    /// Repetitions the intervals rest on.
    @ExplicitNull public var repetitions: Int?
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case task, driver, follower, pattern, affected, healthy
        case synkineticCorrelation = "synkinetic_correlation", ci95, p
        case amplitudeRatio = "amplitude_ratio", amplitudeCutoff = "amplitude_cutoff", flag
        case flagReason = "flag_reason", correlationFlag = "correlation_flag", pAdjusted = "p_bh"
        case decision, decisionReason = "decision_reason", decisionRule = "decision_rule"
        case followerOwnRatio = "follower_own_ratio", followerOwnRatioCi95 = "follower_own_ratio_ci95"
        case followerOwnRatioConservative = "follower_own_ratio_conservative"
        case followerOwnRatioConservativeCi95 = "follower_own_ratio_conservative_ci95"
        case paresisFactor = "paresis_factor"
        case followerTotalRatio = "follower_total_ratio", followerTotalRatioCi95 = "follower_total_ratio_ci95"
        case repetitions, notes
    }
}

/// Which physical side fills the `affected` and `healthy` slots, and whether sides can be compared.
public struct SideComparison: Sendable, Hashable, Codable {
    /// False when the montage has channels on one side only.
    public var possible: Bool
    public var affectedSlot: Side
    public var healthySlot: Side
    /// `stated` (affected side known), `healthy_control_left_vs_right`, `unknown_left_vs_right`.
    public var basis: ComparisonBasis
    public var reason: String?
    /// True when no channel stated a side and the channels were analysed as one side of unknown identity
    /// (``Montage/sidesAssumed``); not in the JSON, whose `reason` says it.
    public var sidesAssumed = false

    enum CodingKeys: String, CodingKey {
        case possible, affectedSlot = "affected_slot", healthySlot = "healthy_slot", basis, reason
    }
}

/// On what grounds the two slots are compared (JSON `basis`).
public enum ComparisonBasis: String, Sendable, Hashable, Codable {
    /// The affected side is stated.
    case stated
    /// A healthy control (affected side `none`): left in the `affected` slot, right in `healthy`.
    case healthyControl = "healthy_control_left_vs_right"
    /// Nobody said which side is affected: left in the `affected` slot, right in `healthy`.
    case unknown = "unknown_left_vs_right"
}

/// Where the tasks came from (JSON `tasks_source`).
public enum TasksOrigin: String, Sendable, Hashable, Codable {
    case events, segments, detected
}

/// One analysed task.
public struct TaskSummary: Sendable, Hashable, Codable {
    public var task: String
    public var driver: Muscle
    public var repetitions: Int
    public var durationS: Double
    /// Repetition spans in seconds, `[onset, end]`.
    public var spansS: [[Double]]
    /// Where the driver came from: `event`, `override`, `catalogue`, `fallback`, `detected`, `given`.
    public var driverSource: DriverSource
    /// Why the driver is not the catalogue's, when it is not.
    public var driverNote: String?

    enum CodingKeys: String, CodingKey {
        case task, driver, repetitions, durationS = "duration_s", spansS = "spans_s", driverSource = "driver_source"
        case driverNote = "driver_note"
    }
}

/// How much weaker the affected side's voluntary activity is than the healthy side's, from the tasks whose driver
/// is recorded on both sides: for each such muscle, (own-task power − rest power) affected ÷ healthy, crosstalk
/// removed; the median of them is the side's factor.
public struct ParesisEstimate: Sendable, Hashable, Codable {
    /// Per muscle: affected ÷ healthy voluntary power above rest.
    public var muscles: [String: Double]
    /// The median, clipped to [``SynkinesisParameters/paresisFloor``, 1]; 1 without any muscle.
    public var factor: Double
    /// Whether the decision used it (the parameters allow it and the affected side is stated).
    public var applied: Bool
    public var note: String?

    enum CodingKeys: String, CodingKey { case muscles, factor, applied, note }
}

/// The result of a synkinesis analysis (the lead adds `input` and `quality`).
public struct SynkinesisResult: Sendable, Hashable, Codable {
    public var synkVersion: String
    public var parameters: SynkinesisMethod
    /// `left`, `right`, `none` (healthy control) or `unknown`.
    public var affectedSide: String
    public var sideComparison: SideComparison
    /// `events`, `segments` or `detected`.
    public var tasksSource: TasksOrigin
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
    /// The affected side's voluntary activity relative to the healthy side's (used to correct the decision).
    public var paresis: ParesisEstimate?
    /// Every run of missing samples in a montage channel and what was done with it (set by
    /// ``SynkinesisPipeline``; absent for envelope-only analyses).
    public var sampleGaps: [SampleGapRecord]?
    /// For each ``FrameExclusion`` the analysis was given, how many task repetitions it left out (not written).
    public var repetitionsExcludedByExclusion: [Int] = []

    enum CodingKeys: String, CodingKey {
        case synkVersion = "synk_version", parameters, affectedSide = "affected_side"
        case sideComparison = "side_comparison", tasksSource = "tasks_source", tasks, montage
        case montageGaps = "montage_gaps", taskGaps = "task_gaps", pairs
        case input, quality, conditioning, paresis, sampleGaps = "sample_gaps"
    }
}

/// What was done with a run of missing samples.
public enum SampleGapAction: String, Sendable, Hashable, Codable {
    /// Short (≤ ``SynkinesisParameters/maximumBridgedGapSeconds``): bridged for filtering, its samples and guard
    /// left out of every statistic. A note, not a quality failure.
    case bridged
    /// Longer: bridged for filtering, and every task repetition that overlaps it (with its guard) left out.
    case spanExcluded = "span_excluded"
    /// The channel was left out: too little of it remains outside its gaps, or another quality flag excluded it.
    case channelExcluded = "channel_excluded"
}

/// One run of missing samples in a montage channel, as the JSON reports it.
public struct SampleGapRecord: Sendable, Hashable, Codable {
    public var channel: String
    /// The first missing sample, seconds from the first sample of the recording.
    public var startS: Double
    /// The missing time, seconds (samples ÷ sample rate).
    public var durationS: Double
    public var samples: Int
    public var action: SampleGapAction
    /// The time left out of the statistics, `[from, to]` seconds (the gap and the guard on each side, on the
    /// envelope's time base); null when the whole channel was left out.
    @ExplicitNull public var excludedS: [Double]?
    /// Task repetitions left out because they overlap this gap (``SampleGapAction/spanExcluded``; 0 otherwise).
    public var repetitionsExcluded: Int
    /// One sentence: what happened and why.
    public var note: String

    public init(channel: String, startS: Double, durationS: Double, samples: Int, action: SampleGapAction,
                excludedS: [Double]?, repetitionsExcluded: Int = 0, note: String) {
        self.channel = channel
        self.startS = startS
        self.durationS = durationS
        self.samples = samples
        self.action = action
        self.excludedS = excludedS
        self.repetitionsExcluded = repetitionsExcluded
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case channel, startS = "start_s", durationS = "duration_s", samples, action, excludedS = "excluded_s"
        case repetitionsExcluded = "repetitions_excluded", note
    }
}

/// Envelope frames the analysis leaves out (a run of missing samples with its guard, ``SynkinesisPipeline``).
public struct FrameExclusion: Sendable, Hashable {
    /// Frames of the envelope set.
    public var frames: Range<Int>
    /// True: every repetition overlapping ``frames`` is left out whole (a long gap); false: only the frames are
    /// (a bridged short gap), and the repetition keeps the rest.
    public var dropsRepetition: Bool
    /// Why, for the task gap of a repetition left out ("ZYG-L misses 150 ms from 4.200 s").
    public var reason: String

    public init(frames: Range<Int>, dropsRepetition: Bool, reason: String) {
        self.frames = frames
        self.dropsRepetition = dropsRepetition
        self.reason = reason
    }
}

extension SynkinesisResult {
    /// True when an EMG channel of the montage failed a quality check and was left out: the result is complete
    /// for the channels kept, and the command exits 1 (documented exit code) so that scripts notice.
    /// A run of missing samples that left out a repetition or a channel counts too; a bridged short gap (or a long
    /// one outside every task) does not: nothing measured was lost.
    public var qualityFailed: Bool {
        montageGaps.contains { $0.kind == .excludedByQuality }
            || (sampleGaps ?? []).contains { $0.action == .channelExcluded || $0.repetitionsExcluded > 0 }
    }

    /// The montage channels left out for quality, with the reason.
    public var excludedChannels: [MontageGap] { montageGaps.filter { $0.kind == .excludedByQuality } }

    /// True when nothing was measured because every mapped EMG channel failed a quality check
    /// (``SynkinesisAnalysis/unmeasured(montage:gaps:tasks:envelopeRate:kind:parameters:crosstalk:)``).
    public var nothingMeasured: Bool { montage.isEmpty && pairs.isEmpty && qualityFailed }

    /// One sentence for a result where nothing was measured: the excluded channels with their reasons.
    public var nothingMeasuredSentence: String {
        "every mapped EMG channel failed a quality check, nothing was measured (" + excludedChannels.map(\.reason).joined(separator: "; ") + ")"
    }
}
