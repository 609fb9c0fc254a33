import Foundation
import SynkCore

/// Where the task segments of an analysis come from.
public enum TaskSource: Sendable {
    /// Events (seconds from the first sample), turned into segments by ``TaskSegmentation``.
    case events([Event])
    /// Segments already in envelope sample indices.
    case segments([TaskSegment])
    /// No events: detect activation bursts and name each by its dominant healthy-side muscle.
    case detect
}

/// The raw-signal products a crosstalk estimate needs (``CrosstalkAccumulator``), and which envelope channel is
/// which tap channel.
public struct CrosstalkInput: Sendable {
    public var products: CrosstalkProducts
    /// The tap channel of each envelope channel of the analysis (nil: not in the tap).
    public var tapChannel: [Int?]
    /// What the tap holds (rate, filter), for the result's method.
    public var tapDescription: String

    public init(products: CrosstalkProducts, tapChannel: [Int?], tapDescription: String) {
        self.products = products
        self.tapChannel = tapChannel
        self.tapDescription = tapDescription
    }
}

/// The synkinesis analysis: envelopes, montage and tasks in, ``SynkinesisResult`` out.
///
/// For every task with driver D and every other recorded muscle F, and for each side with both
/// channels, it measures (all on the task's pooled repetitions):
/// - `r`: Pearson r of D and F (``EnvelopeCorrelation/pearson(_:_:segments:)``), with Bartlett's n_eff
///   (``Statistics/bartlettEffectiveSampleSize(driver:follower:segments:)``) and its Fisher CI;
/// - `peak_xcorr`, `lag_ms`: peak per-lag Pearson cross-correlation within ±max lag (`lag_at_search_limit` when
///   the peak sits at the limit);
/// - `rms`: the follower's amplitude over the task (``EnvelopeKind/amplitude(_:segments:)``), per repetition too;
/// - `active_s`, `driver_active_s`, `coactive_s`, `coactivation`, `follower_percent_of_own_task`;
/// - `crosstalk_fraction`, `own_rms`, `rest_rms`: the follower's crosstalk from its side's larger channels
///   (``Crosstalk``), its own amplitude without it, its rest amplitude.
/// Between sides: the synkinetic correlation index r(aff) − r(healthy) with Zou's CI, a z-test p and its
/// Benjamini-Hochberg adjustment; the amplitude ratio affected ÷ healthy (Bernardes' IEMG index); and the
/// **decision** (``SynkinesisDecision``): the follower's own-activity ratio (crosstalk removed, paresis corrected)
/// and its interval over repetitions against the rule of the pair's pattern (docs/synkinesis-decision.md).
///
/// The work is done in stages, each a function of its own and tested on its own: validate the inputs, the side
/// comparison (``sideComparison(for:)``), rest levels for onsets, task segments, pair jobs, each channel's measures
/// within each task, rest powers, crosstalk estimates, the paresis estimate, the side measures, the between-side
/// measures, and the decision (docs/synkinesis-decision.md).
public enum SynkinesisAnalysis {
    public static func analyze(
        envelopes: EnvelopeSet, montage: Montage, tasks: TaskSource,
        parameters: SynkinesisParameters = SynkinesisParameters(), file: String? = nil, crosstalk: CrosstalkInput? = nil,
        exclusions: [FrameExclusion] = []
    ) throws(SynkError) -> SynkinesisResult {
        try validate(envelopes, montage: montage, parameters: parameters, file: file)
        let fs = envelopes.sampleRate
        let comparison = sideComparison(for: montage)
        let (rest, restSource) = restLevels(envelopes, parameters: parameters, avoiding: exclusions.map(\.frames))
        var (segments, taskGaps, origin) = try taskSegments(tasks, envelopes: envelopes, montage: montage, rest: rest,
                                                            parameters: parameters, file: file)
        let excludedRepetitions = exclude(exclusions, from: &segments, gaps: &taskGaps, sampleRate: fs)
        let jobs = pairJobs(segments, montage: montage, gaps: &taskGaps)
        let channels = measureChannels(jobs, segments: segments, montage: montage, envelopes: envelopes, rest: rest,
                                       parameters: parameters)
        let restPower = restPowers(envelopes, segments: segments, parameters: parameters, quietest: rest,
                                   avoiding: exclusions.map(\.frames))
        let crosstalkTable = crosstalk.map { crosstalkEstimates($0, segments: segments, montage: montage, envelopes: envelopes) }
        let paresis = paresisEstimate(envelopes, segments: segments, montage: montage, comparison: comparison, channels: channels,
                                      restPower: restPower, crosstalk: crosstalkTable, parameters: parameters)
        let context = SideContext(envelopes: envelopes, montage: montage, segments: segments, rest: rest, restPower: restPower,
                                  channels: channels, crosstalk: crosstalkTable, parameters: parameters)

        // One job per pair and side, so that the two cores stay evenly loaded however few pairs a task has.
        let sides = [comparison.affectedSlot, comparison.healthySlot]
        let measured = ChannelParallel.map(Array(0..<(2 * jobs.count))) { index, _ -> SideMeasures? in
            let job = jobs[index / 2]
            return context.measure(taskIndex: job.taskIndex, follower: job.follower, side: sides[index % 2])
        }
        if let failure = envelopes.storage.readError(file: file) { throw failure }
        if let failure = crosstalk?.products.readError(file: file) { throw failure }
        var pairs = jobs.indices.compactMap { j -> SynkinesisPair? in
            let job = jobs[j]
            let affected = measured[2 * j], healthy = measured[2 * j + 1]
            guard affected != nil || healthy != nil else { return nil }
            var pair = comparePair(task: segments[job.taskIndex].task, driver: segments[job.taskIndex].driver, follower: job.follower,
                                   affected: affected, healthy: healthy, comparison: comparison, parameters: parameters)
            let inputs = DecisionInputs(
                affected: context.decisionSide(taskIndex: job.taskIndex, follower: job.follower, side: comparison.affectedSlot),
                healthy: context.decisionSide(taskIndex: job.taskIndex, follower: job.follower, side: comparison.healthySlot),
                comparison: comparison, paresis: paresis, crosstalkEstimated: crosstalk != nil)
            decide(&pair, inputs: inputs, parameters: parameters)
            return pair
        }
        adjustForMultipleTesting(&pairs, level: parameters.confidenceLevel)

        let method = methodDescription(parameters: parameters, envelopeRate: fs, kind: envelopes.kind, restSource: restSource,
                                       taskDrivers: Dictionary(uniqueKeysWithValues: segments.map { ($0.task, $0.driver) }),
                                       crosstalk: crosstalk.map { Crosstalk.methodDescription(tap: $0.tapDescription) })
        let summaries = segments.map { segment in
            TaskSummary(task: segment.task, driver: segment.driver, repetitions: segment.repetitionCount,
                        durationS: Double(segment.sampleCount) / fs,
                        spansS: segment.repetitionSpans.map { [Double($0.lowerBound) / fs, Double($0.upperBound) / fs] },
                        driverSource: segment.driverSource, driverNote: segment.driverNote)
        }
        var result = SynkinesisResult(
            synkVersion: SynkVersion.current, parameters: method, affectedSide: montage.affectedSide?.rawValue ?? "unknown",
            sideComparison: comparison, tasksSource: origin, tasks: summaries, montage: montage.channels, montageGaps: montage.gaps,
            taskGaps: taskGaps, pairs: pairs, paresis: paresis)
        result.repetitionsExcludedByExclusion = excludedRepetitions
        return result
    }

    /// How runs of missing samples are treated, for the result's method.
    static func gapMethod(_ parameters: SynkinesisParameters) -> String {
        String(format: "runs of missing samples are bridged by a straight line before filtering; a run up to %.0f ms leaves out its envelope frames and the conditioning's guard on each side from every statistic of every channel (the repetition keeps the rest; lagged products do not cross it); a longer run leaves out every task repetition it overlaps; a channel with less than %.0f %% of the recording outside its gaps is excluded; rest windows avoid every gap",
               1000 * parameters.maximumBridgedGapSeconds, 100 * parameters.minimumGapFreeFraction)
    }

    // MARK: Stage 4b: gaps

    /// Removes excluded frames from the task segments: a repetition overlapping an exclusion that
    /// ``FrameExclusion/dropsRepetition`` is left out whole (a task gap says so), the frames of the others are cut
    /// out of the repetitions they fall in (the pieces keep their repetition, ``TaskSegment/repetitionOfPiece``).
    /// The same frames leave every channel, so that the sides and the pairs are compared over the same moments.
    /// Tasks left with no repetition are removed. Returns how many repetitions each exclusion left out.
    static func exclude(_ exclusions: [FrameExclusion], from segments: inout [TaskSegment], gaps: inout [TaskGap],
                        sampleRate fs: Double) -> [Int] {
        var dropped = Array(repeating: 0, count: exclusions.count)
        guard !exclusions.isEmpty else { return dropped }
        let cuts = ActivityDetection.union(exclusions.filter { !$0.dropsRepetition }.map(\.frames).filter { !$0.isEmpty })
        for s in segments.indices {
            let segment = segments[s]
            let owners = segment.pieceOwners
            let spans = segment.repetitionSpans
            var pieces: [Range<Int>] = [], pieceOwner: [Int] = []
            var kept = 0
            for (repetition, span) in spans.enumerated() {
                let ownPieces = zip(segment.repetitions, owners).filter { $0.1 == repetition }.map(\.0)
                let long = exclusions.indices.filter { e in exclusions[e].dropsRepetition && ownPieces.contains { $0.overlaps(exclusions[e].frames) } }
                let from = String(format: "%.2f-%.2f s", Double(span.lowerBound) / fs, Double(span.upperBound) / fs)
                if !long.isEmpty {
                    for e in long { dropped[e] += 1 }
                    gaps.append(TaskGap(label: segment.task, onsetSeconds: Double(span.lowerBound) / fs,
                                        reason: "repetition \(repetition + 1) of \(segment.task) (\(from)) left out: " + long.map { exclusions[$0].reason }.joined(separator: "; ")))
                    continue
                }
                var remaining: [Range<Int>] = []
                for piece in ownPieces {
                    var start = piece.lowerBound
                    for cut in cuts where cut.overlaps(piece) {
                        if cut.lowerBound > start { remaining.append(start..<cut.lowerBound) }
                        start = max(start, cut.upperBound)
                    }
                    if start < piece.upperBound { remaining.append(start..<piece.upperBound) }
                }
                remaining.removeAll { $0.count < 2 }
                guard !remaining.isEmpty else {
                    gaps.append(TaskGap(label: segment.task, onsetSeconds: Double(span.lowerBound) / fs,
                                        reason: "repetition \(repetition + 1) of \(segment.task) (\(from)) left out: it lies within bridged gaps and their guards"))
                    continue
                }
                pieces += remaining
                pieceOwner += Array(repeating: kept, count: remaining.count)
                kept += 1
            }
            segments[s].repetitions = pieces
            segments[s].repetitionOfPiece = pieceOwner == Array(pieces.indices) ? nil : pieceOwner
        }
        for segment in segments where segment.repetitions.isEmpty {
            gaps.append(TaskGap(label: segment.task, onsetSeconds: nil, reason: "every repetition of \(segment.task) overlaps a gap in the recording: not analysed"))
        }
        segments.removeAll { $0.repetitions.isEmpty }
        return dropped
    }

    /// The method block of a result: the parameters with a description of every measure.
    static func methodDescription(parameters: SynkinesisParameters, envelopeRate: Double, kind: EnvelopeKind, restSource: String,
                                  taskDrivers: [String: Muscle], crosstalk: String?) -> SynkinesisMethod {
        SynkinesisMethod(
            settings: parameters, envelopeSampleRateHz: envelopeRate, envelope: kind.description,
            amplitudeMeasure: kind.amplitudeMeasure, restSource: restSource,
            correlation: "Pearson r over the pooled samples of the task's repetitions",
            crossCorrelation: "per-lag Pearson over the overlapping pairs within each repetition, pooled; peak = largest coefficient within ±max lag, positive lag = follower trails driver; lag_at_search_limit when the peak sits at ±max lag",
            effectiveSampleSize: "Bartlett n/(1+2·Σρ_D(k)ρ_F(k)), k from 1 until the product first becomes ≤ 0, at most n/4; lagged products within repetitions only",
            intervals: "Fisher z with n_eff−3 per side; index CI by Zou (2007); p from (z_aff − z_healthy)/√(1/(n_aff−3)+1/(n_healthy−3))",
            taskDrivers: taskDrivers,
            crosstalk: crosstalk
                ?? "not estimated: the analysis was given envelopes only (no raw signals); follower amplitudes include any crosstalk",
            decision: decisionMethod(parameters),
            restPower: "median power of the \(parameters.restWindowSeconds) s windows at least \(parameters.restGuardSeconds) s away from every task segment (the quietest window when there are fewer than 3)",
            multipleTesting: "p_bh: Benjamini-Hochberg (1995) over every pair of the session with a p-value; correlation_flag = index > 0 and p_bh < \(1 - parameters.confidenceLevel); the decision does not use the index",
            gapHandling: gapMethod(parameters))
    }

    /// The result when every mapped channel failed a quality check: nothing is measured (no task, no pair), and the
    /// result says why, so that the command writes it and exits 1 as for any excluded channel (README: "output still
    /// written, flags say why") instead of leaving nothing behind.
    ///
    /// - Parameter montage: the montage as mapped, with every channel's exclusion among its ``Montage/gaps``.
    public static func unmeasured(
        montage: Montage, gaps: [MontageGap], tasks: TaskSource, envelopeRate: Double, kind: EnvelopeKind,
        parameters: SynkinesisParameters, crosstalk: String?
    ) -> SynkinesisResult {
        var comparison = sideComparison(for: montage)
        comparison.possible = false
        comparison.reason = "every mapped EMG channel failed a quality check: nothing was measured"
        let origin: TasksOrigin
        switch tasks {
        case .events: origin = .events
        case .segments: origin = .segments
        case .detect: origin = .detected
        }
        let reason = "not measured: every mapped EMG channel failed a quality check"
        let method = methodDescription(parameters: parameters, envelopeRate: envelopeRate, kind: kind, restSource: reason,
                                       taskDrivers: [:], crosstalk: crosstalk.map { _ in reason })
        return SynkinesisResult(
            synkVersion: SynkVersion.current, parameters: method, affectedSide: montage.affectedSide?.rawValue ?? "unknown",
            sideComparison: comparison, tasksSource: origin, tasks: [], montage: [], montageGaps: gaps, taskGaps: [], pairs: [],
            paresis: nil)
    }

    // MARK: Stage 1: inputs

    /// Checks the envelopes, that every montage channel has an envelope, and the parameters.
    static func validate(_ envelopes: EnvelopeSet, montage: Montage, parameters: SynkinesisParameters, file: String?) throws(SynkError) {
        try envelopes.validate()
        for channel in montage.channels where channel.channelIndex < 0 || channel.channelIndex >= envelopes.channelCount {
            throw .input(file, "montage channel \(channel.label) has index \(channel.channelIndex) but there are only \(envelopes.channelCount) envelopes")
        }
        let durations = [parameters.maxLagSeconds, parameters.minimumActiveSeconds, parameters.burstMergeGapSeconds,
                         parameters.minimumBurstSeconds, parameters.onsetThresholdSD, parameters.burstThresholdFraction,
                         parameters.restGuardSeconds]
        let cutoffs = [parameters.cutoffOcularToOral, parameters.cutoffOralToOcular, parameters.cutoffOtherPatterns]
        guard durations.allSatisfy({ $0.isFinite && $0 >= 0 }), parameters.restWindowSeconds.isFinite,
              parameters.restWindowSeconds > 0, parameters.confidenceLevel > 0, parameters.confidenceLevel < 1,
              cutoffs.allSatisfy({ $0.isFinite && $0 > 0 }), parameters.paresisFloor > 0, parameters.paresisFloor <= 1,
              parameters.maximumBridgedGapSeconds.isFinite, parameters.maximumBridgedGapSeconds >= 0,
              parameters.minimumGapFreeFraction >= 0, parameters.minimumGapFreeFraction <= 1 else {
            throw .usage("invalid synkinesis parameters",
                         hint: "max lag and durations must be non-negative, the confidence level in (0, 1), cut-offs positive, the paresis floor in (0, 1], the gap-free fraction in [0, 1]")
        }
    }

    // MARK: Stage 2: sides

    /// Which physical side goes in which slot, and whether the sides can be compared.
    public static func sideComparison(for montage: Montage) -> SideComparison {
        let presentSides = montage.sides
        let affectedSlot: Side
        let basis: ComparisonBasis
        switch montage.affectedSide {
        case .left?: affectedSlot = .left; basis = .stated
        case .right?: affectedSlot = .right; basis = .stated
        case .none?: affectedSlot = .left; basis = .healthyControl
        case nil: affectedSlot = .left; basis = .unknown
        }
        var reason: String?
        if montage.sidesAssumed {
            // Say exactly what is known and what synk assumed: never "only left-side channels" when no channel has a side.
            let control = basis == .healthyControl ? " (--affected none: a healthy control, which needs both sides to compare)" : ""
            reason = "no channel states a side: synk assumed the \(montage.channels.count) muscle channels are on one side, which side is unknown (listed as 'left' only as a slot)\(control): per-side measures only, no side comparison"
        } else if presentSides.count < 2 {
            let only = presentSides.first.map { "only \($0.rawValue)-side channels in the montage" } ?? "no mapped channels"
            reason = "\(only): per-side measures only, no side comparison"
        } else if basis == .unknown {
            reason = "affected side unknown: \"affected\" holds the left side, \"healthy\" the right"
        } else if basis == .healthyControl {
            reason = "healthy control: \"affected\" holds the left side, \"healthy\" the right"
        }
        var comparison = SideComparison(possible: presentSides.count == 2, affectedSlot: affectedSlot, healthySlot: affectedSlot.opposite,
                                        basis: basis, reason: reason)
        comparison.sidesAssumed = montage.sidesAssumed
        return comparison
    }

    // MARK: Stage 3: rest levels for onset detection

    /// Each channel's rest level for onset thresholds and burst detection: given with the envelopes, or its quietest
    /// window.
    /// Windows overlapping `avoiding` (gaps) are not candidates.
    static func restLevels(_ envelopes: EnvelopeSet, parameters: SynkinesisParameters,
                           avoiding: [Range<Int>] = []) -> (levels: [RestLevel?], source: String) {
        if let given = envelopes.rest { return (given.map { Optional($0) }, "given with the envelopes") }
        let storage = envelopes.storage
        let levels = ChannelParallel.map(Array(0..<storage.channelCount)) { channel, _ in
            var envelope = storage.reader(channel)
            return ActivityDetection.estimateRest(&envelope, sampleRate: envelopes.sampleRate, kind: envelopes.kind,
                                                  windowSeconds: parameters.restWindowSeconds, avoiding: avoiding)
        }
        return (levels, "quietest \(parameters.restWindowSeconds) s window of each channel")
    }

    static func minimumRun(_ envelopes: EnvelopeSet, parameters: SynkinesisParameters) -> Int {
        max(1, ActivityDetection.samples(parameters.minimumActiveSeconds, rate: envelopes.sampleRate, limit: envelopes.frameCount + 1))
    }

    // MARK: Stage 4: tasks

    /// The task segments from events (drivers chosen among the recorded muscles), given segments, or detected bursts.
    static func taskSegments(
        _ tasks: TaskSource, envelopes: EnvelopeSet, montage: Montage, rest: [RestLevel?], parameters: SynkinesisParameters,
        file: String?
    ) throws(SynkError) -> (segments: [TaskSegment], gaps: [TaskGap], origin: TasksOrigin) {
        let fs = envelopes.sampleRate
        switch tasks {
        case .events(let events):
            let recorded = (left: Set(montage.channels.filter { $0.side == .left }.map(\.muscle)),
                            right: Set(montage.channels.filter { $0.side == .right }.map(\.muscle)))
            let (segments, gaps) = try TaskSegmentation.segments(
                events: events, sampleRate: fs, frameCount: envelopes.frameCount, catalogue: .standard, file: file,
                overrides: parameters.driverOverrides, recorded: recorded)
            return (segments, gaps, .events)
        case .segments(let given):
            var gaps: [TaskGap] = []
            var segments = given.map { segment in
                var copy = segment
                copy.repetitions = TaskSegmentation.merge(segment.repetitions.map { $0.clamped(to: 0..<envelopes.frameCount) }.filter { $0.count >= 2 })
                return copy
            }
            for segment in segments where segment.repetitions.isEmpty {
                gaps.append(TaskGap(label: segment.task, onsetSeconds: nil, reason: "no repetition of at least 2 samples inside the recording"))
            }
            segments.removeAll { $0.repetitions.isEmpty }
            return (segments, gaps, .segments)
        case .detect:
            let healthy: Side? = montage.affectedSide?.side?.opposite
            let (segments, gaps) = detectTasks(envelopes: envelopes, montage: montage, rest: rest, healthySide: healthy,
                                               parameters: parameters, minimumRun: minimumRun(envelopes, parameters: parameters))
            return (segments, gaps, .detected)
        }
    }

    /// A (task, follower) to measure.
    struct PairJob: Sendable {
        let taskIndex: Int
        let follower: Muscle
    }

    /// Every task whose driver is recorded, against every other recorded muscle; a task whose driver (and every
    /// fallback) is missing becomes a gap.
    static func pairJobs(_ segments: [TaskSegment], montage: Montage, gaps: inout [TaskGap]) -> [PairJob] {
        var jobs: [PairJob] = []
        let muscles = montage.muscles
        for (taskIndex, task) in segments.enumerated() {
            guard muscles.contains(task.driver) else {
                gaps.append(TaskGap(label: task.task, onsetSeconds: nil,
                                    reason: task.driverNote ?? "driver \(task.driver.rawValue) is not in the montage"))
                continue
            }
            for follower in muscles where follower != task.driver { jobs.append(PairJob(taskIndex: taskIndex, follower: follower)) }
        }
        return jobs
    }

    // MARK: Stage 5: what each channel does in each task

    /// What the pairs of a task need from one of its channels.
    struct ChannelInTask: Sendable {
        /// Σ envelope over each non-empty repetition (clipped to the envelope).
        var segmentSums: [Double]
        /// Σ envelope² and the sample count of each of those repetitions.
        var segmentSquares: [Double]
        var segmentCounts: [Int]
        /// The repetition each of those ranges belongs to (a gap may split a repetition into pieces).
        var segmentRepetitions: [Int]
        /// The envelope kind's amplitude over the task.
        var amplitude: Double?
        /// Active runs within the task (`nil` without a rest level).
        var activeRuns: [Range<Int>]?
        var autocovariance: Statistics.PooledAutocovariance?

        /// The power (amplitude²) of each repetition, in the envelope kind's measure.
        /// The samples of each repetition (its pieces together), in the order of ``repetitionPowers(squared:)``.
        var repetitionCounts: [Int] {
            var counts = Array(repeating: 0, count: (segmentRepetitions.max() ?? -1) + 1)
            for (k, owner) in segmentRepetitions.enumerated() { counts[owner] += segmentCounts[k] }
            return counts.filter { $0 > 0 }
        }

        /// Pieces of one repetition are pooled: the repetition's power over its samples outside the gaps.
        func repetitionPowers(squared: Bool) -> [Double] {
            let repetitions = (segmentRepetitions.max() ?? -1) + 1
            var sums = Array(repeating: 0.0, count: repetitions), squares = sums, counts = Array(repeating: 0, count: repetitions)
            for (k, owner) in segmentRepetitions.enumerated() {
                sums[owner] += segmentSums[k]
                squares[owner] += segmentSquares[k]
                counts[owner] += segmentCounts[k]
            }
            return zip(counts, zip(sums, squares)).compactMap { count, sums in
                guard count > 0 else { return nil }
                let n = Double(count)
                return squared ? max(0, sums.1 / n) : (sums.0 / n) * (sums.0 / n)
            }
        }
    }

    /// Per-channel measures within each task (sums, amplitude, active runs, autocovariance), for every channel
    /// that is a driver or follower of a pair, and every recorded channel in the task its muscle drives (for the
    /// paresis estimate); measured once, on all cores, and shared by every pair.
    static func measureChannels(
        _ jobs: [PairJob], segments: [TaskSegment], montage: Montage, envelopes: EnvelopeSet, rest: [RestLevel?],
        parameters: SynkinesisParameters
    ) -> [Int: ChannelInTask] {
        let storage = envelopes.storage
        let channelCount = storage.channelCount
        var keys = Set<Int>()
        for job in jobs {
            for side in Side.allCases {
                let task = segments[job.taskIndex]
                guard let d = montage.channelIndex(muscle: task.driver, side: side),
                      let f = montage.channelIndex(muscle: job.follower, side: side) else { continue }
                keys.insert(job.taskIndex * channelCount + d)
                keys.insert(job.taskIndex * channelCount + f)
            }
        }
        for (taskIndex, task) in segments.enumerated() {
            for channel in montage.channels where channel.muscle == task.driver { keys.insert(taskIndex * channelCount + channel.channelIndex) }
        }
        let minimumRun = minimumRun(envelopes, parameters: parameters)
        let ordered = keys.sorted()
        let measured = ChannelParallel.map(ordered) { key, _ -> ChannelInTask in
            let channel = key % channelCount
            let spans = segments[key / channelCount].repetitions
            let owners = segments[key / channelCount].pieceOwners
            var envelope = storage.reader(channel)
            let chunk = max(1, envelope.preferredChunk)
            var sums: [Double] = [], squares: [Double] = [], counts: [Int] = [], repetitionOf: [Int] = []
            for (segment, owner) in zip(spans.map({ $0.clamped(to: 0..<envelope.count) }), owners) where !segment.isEmpty {
                var total = 0.0, totalSquares = 0.0
                for piece in segment.chunks(of: chunk) {
                    let e = envelope.samples(piece)
                    let (s, ss) = SIMDReductions.sumAndSquares(e, piece.count)
                    total += s
                    totalSquares += ss
                }
                sums.append(total)
                squares.append(totalSquares)
                counts.append(segment.count)
                repetitionOf.append(owner)
            }
            let threshold = rest[channel].map { $0.mean + parameters.onsetThresholdSD * $0.standardDeviation }
            let runs = threshold.map { ActivityDetection.activeRuns(&envelope, threshold: $0, minimumRun: minimumRun, segments: spans) }
            return ChannelInTask(segmentSums: sums, segmentSquares: squares, segmentCounts: counts, segmentRepetitions: repetitionOf,
                                 amplitude: envelopes.kind.amplitude(&envelope, segments: spans), activeRuns: runs,
                                 autocovariance: Statistics.pooledAutocovariance(&envelope, segments: spans))
        }
        return Dictionary(uniqueKeysWithValues: zip(ordered, measured))
    }

    // MARK: Stage 6: rest power

    /// Each channel's rest power (amplitude² of the envelope kind) for the decision: the median over the windows of
    /// ``SynkinesisParameters/restWindowSeconds`` that stay ``SynkinesisParameters/restGuardSeconds`` away from every
    /// task segment. The median of many windows is unbiased for a stationary rest, where the quietest window (used
    /// for onset thresholds) sits below the typical level; with fewer than 3 such windows the quietest window is used.
    static func restPowers(_ envelopes: EnvelopeSet, segments: [TaskSegment], parameters: SynkinesisParameters,
                           quietest: [RestLevel?]? = nil, avoiding: [Range<Int>] = []) -> [Double?] {
        let fs = envelopes.sampleRate, n = envelopes.frameCount
        let guardSamples = ActivityDetection.samples(parameters.restGuardSeconds, rate: fs, limit: n)
        let window = max(2, ActivityDetection.samples(parameters.restWindowSeconds, rate: fs, limit: n + 1))
        let busy = ActivityDetection.union(segments.flatMap(\.repetitions).map {
            max(0, $0.lowerBound - guardSamples)..<min(n, $0.upperBound + guardSamples)
        } + avoiding.map { $0.clamped(to: 0..<n) }.filter { !$0.isEmpty })
        var free: [Range<Int>] = []
        var start = 0
        for span in busy {
            if span.lowerBound > start { free.append(start..<span.lowerBound) }
            start = max(start, span.upperBound)
        }
        if start < n { free.append(start..<n) }
        let windows = free.flatMap { span in stride(from: span.lowerBound, to: span.upperBound - window + 1, by: window).map { $0..<($0 + window) } }
        let squared: Bool = if case .movingRMS = envelopes.kind { true } else { false }
        let storage = envelopes.storage
        return ChannelParallel.map(Array(0..<storage.channelCount)) { channel, _ -> Double? in
            var envelope = storage.reader(channel)
            var powers: [Double] = []
            for w in windows {
                var sum = 0.0, squares = 0.0
                envelope.forEachChunk(of: w) { e, piece in
                    let (s, ss) = SIMDReductions.sumAndSquares(e, piece.count)
                    sum += s
                    squares += ss
                }
                let mean = sum / Double(w.count)
                powers.append(squared ? squares / Double(w.count) : mean * mean)
            }
            if powers.count >= 3 {
                powers.sort()
                let m = powers.count
                return m % 2 == 1 ? powers[m / 2] : (powers[m / 2 - 1] + powers[m / 2]) / 2
            }
            guard let quiet = quietest?[channel] ?? ActivityDetection.estimateRest(&envelope, sampleRate: fs, kind: envelopes.kind,
                                                                                   windowSeconds: parameters.restWindowSeconds) else { return nil }
            return quiet.amplitude * quiet.amplitude
        }
    }

    // MARK: Stage 7: crosstalk

    /// Every channel's crosstalk in every task: the side's products summed over the task's windows, and the
    /// regression of ``Crosstalk/estimate(follower:products:allowed:names:)``. Keyed by task index × channel count +
    /// envelope channel.
    static func crosstalkEstimates(_ input: CrosstalkInput, segments: [TaskSegment], montage: Montage,
                                   envelopes: EnvelopeSet) -> [Int: CrosstalkEstimate] {
        let layout = input.products.layout
        let channelCount = envelopes.channelCount
        // Tap channel → envelope channel of the montage (channels excluded by quality have none and are no sources).
        var envelopeOfTap: [Int: Int] = [:]
        for channel in montage.channels {
            if channel.channelIndex < input.tapChannel.count, let tap = input.tapChannel[channel.channelIndex] {
                envelopeOfTap[tap] = channel.channelIndex
            }
        }
        let muscleOfEnvelope = Dictionary(montage.channels.map { ($0.channelIndex, $0.muscle.rawValue) }, uniquingKeysWith: { a, _ in a })
        var work: [(task: Int, group: Int)] = []
        for t in segments.indices { for g in layout.groups.indices { work.append((t, g)) } }
        let results = ChannelParallel.map(work) { item, _ -> [(Int, CrosstalkEstimate)] in
            let group = layout.groups[item.group]
            let windows = layout.windows(covering: segments[item.task].repetitions, rate: envelopes.sampleRate,
                                         windowCount: input.products.windowCount)
            guard !windows.isEmpty else { return [] }
            let products = input.products.sums(group: item.group, windows: windows)
            let allowed = Set(group.indices.filter { envelopeOfTap[group[$0]] != nil })
            let names = group.map { tap in envelopeOfTap[tap].flatMap { muscleOfEnvelope[$0] } ?? "tap \(tap)" }
            return allowed.sorted().compactMap { position in
                guard let channel = envelopeOfTap[group[position]],
                      let estimate = Crosstalk.estimate(follower: position, products: products, allowed: allowed, names: names) else { return nil }
                return (item.task * channelCount + channel, estimate)
            }
        }
        return Dictionary(results.flatMap { $0 }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: Stage 8: paresis

    /// The affected side's voluntary activity relative to the healthy side's (``ParesisEstimate``): for every task
    /// whose driver is recorded on both sides, the driver's power above rest in its own task (crosstalk removed),
    /// affected ÷ healthy; the median over muscles, clipped to [floor, 1].
    static func paresisEstimate(
        _ envelopes: EnvelopeSet, segments: [TaskSegment], montage: Montage, comparison: SideComparison,
        channels: [Int: ChannelInTask], restPower: [Double?], crosstalk: [Int: CrosstalkEstimate]?,
        parameters: SynkinesisParameters
    ) -> ParesisEstimate? {
        guard comparison.possible else { return nil }
        let channelCount = envelopes.channelCount
        let squared: Bool = if case .movingRMS = envelopes.kind { true } else { false }
        var perMuscle: [Muscle: [Double]] = [:]
        for (t, task) in segments.enumerated() {
            guard let a = montage.channelIndex(muscle: task.driver, side: comparison.affectedSlot),
                  let h = montage.channelIndex(muscle: task.driver, side: comparison.healthySlot) else { continue }
            func above(_ channel: Int) -> Double? {
                guard let measured = channels[t * channelCount + channel], let rest = restPower[channel] else { return nil }
                let powers = measured.repetitionPowers(squared: squared)
                let counts = measured.repetitionCounts
                let total = zip(powers, counts).reduce(0) { $0 + $1.0 * Double($1.1) }
                let samples = counts.reduce(0, +)
                guard samples > 0 else { return nil }
                let own = total / Double(samples) * (1 - (crosstalk?[t * channelCount + channel]?.fraction ?? 0))
                return own - rest
            }
            guard let affected = above(a), let healthy = above(h), healthy > 0 else { continue }
            perMuscle[task.driver, default: []].append(max(0, affected) / healthy)
        }
        let ratios = perMuscle.mapValues { $0.reduce(0, +) / Double($0.count) }
        guard !ratios.isEmpty else {
            return ParesisEstimate(muscles: [:], factor: 1, applied: false,
                                   note: "no task driver is recorded on both sides: no paresis correction")
        }
        let sorted = ratios.values.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let factor = min(1, max(parameters.paresisFloor, median))
        let weaker = factor < 1 || (parameters.paresisPerMuscle && ratios.values.contains { $0 < 1 })
        let applied = parameters.paresisCorrection && comparison.basis == .stated && weaker
        var note: String?
        if median < parameters.paresisFloor {
            note = String(format: "the affected side's voluntary power is %.3g of the healthy side's, below the %.3g the correction goes down to", median, parameters.paresisFloor)
        } else if comparison.basis != .stated {
            note = "affected side not stated: no paresis correction"
        } else if !parameters.paresisCorrection {
            note = "paresis correction switched off"
        }
        return ParesisEstimate(muscles: Dictionary(uniqueKeysWithValues: ratios.map { ($0.key.rawValue, $0.value) }),
                               factor: factor, applied: applied, note: note)
    }

    // MARK: Stage 9: side measures

    /// Everything a pair's side needs, read-only and shared by the parallel measurements.
    struct SideContext: Sendable {
        let envelopes: EnvelopeSet
        let montage: Montage
        let segments: [TaskSegment]
        let rest: [RestLevel?]
        let restPower: [Double?]
        let channels: [Int: ChannelInTask]
        let crosstalk: [Int: CrosstalkEstimate]?
        let parameters: SynkinesisParameters
        let ownSegments: [Muscle: [Range<Int>]]
        let ownAmplitudes: [Double?]
        let maxLag: Int
        let minimumRun: Int
        var fs: Double { envelopes.sampleRate }
        var channelCount: Int { envelopes.channelCount }
        var squared: Bool { if case .movingRMS = envelopes.kind { true } else { false } }

        init(envelopes: EnvelopeSet, montage: Montage, segments: [TaskSegment], rest: [RestLevel?], restPower: [Double?],
             channels: [Int: ChannelInTask], crosstalk: [Int: CrosstalkEstimate]?, parameters: SynkinesisParameters) {
            self.envelopes = envelopes
            self.montage = montage
            self.segments = segments
            self.rest = rest
            self.restPower = restPower
            self.channels = channels
            self.crosstalk = crosstalk
            self.parameters = parameters
            // The segments of the tasks each recorded muscle drives itself, merged once for every pair that asks.
            let own = Dictionary(uniqueKeysWithValues: montage.muscles.map { muscle in
                (muscle, TaskSegmentation.merge(segments.filter { $0.driver == muscle }.flatMap(\.repetitions)))
            })
            ownSegments = own
            let storage = envelopes.storage
            // Each follower's amplitude in the tasks its own muscle drives.
            ownAmplitudes = ChannelParallel.map(Array(0..<storage.channelCount)) { channel, _ -> Double? in
                guard let muscle = montage.channels.first(where: { $0.channelIndex == channel })?.muscle,
                      let segments = own[muscle], !segments.isEmpty else { return nil }
                var envelope = storage.reader(channel)
                return envelopes.kind.amplitude(&envelope, segments: segments)
            }
            maxLag = ActivityDetection.samples(parameters.maxLagSeconds, rate: envelopes.sampleRate, limit: envelopes.frameCount)
            minimumRun = SynkinesisAnalysis.minimumRun(envelopes, parameters: parameters)
        }

        func autocovariance(task: Int, channel: Int, spans: [Range<Int>], atLeast: Int = 0) -> Statistics.PooledAutocovariance? {
            if let cached = channels[task * channelCount + channel] {
                guard let known = cached.autocovariance else { return nil }
                if known.complete || known.lagged.count > atLeast { return known }
            }
            // Rare (both series negative where the cached sums end): longer sums, for this pair only.
            var envelope = envelopes.storage.reader(channel)
            return Statistics.pooledAutocovariance(&envelope, segments: spans, atLeast: atLeast)
        }

        func effectiveSampleSize(task: Int, driver d: Int, follower f: Int, spans: [Range<Int>]) -> EffectiveSampleSize? {
            var atLeast = 0
            while true {
                guard let ad = autocovariance(task: task, channel: d, spans: spans, atLeast: atLeast),
                      let af = autocovariance(task: task, channel: f, spans: spans, atLeast: atLeast) else { return nil }
                switch Statistics.bartlettEffectiveSampleSize(driver: ad, follower: af) {
                case .done(let result): return result
                case .needsLags(let k): atLeast = 2 * k
                }
            }
        }

        /// The measures of (task, follower) on one side; nil when the driver or follower is not recorded there.
        func measure(taskIndex: Int, follower: Muscle, side: Side) -> SideMeasures? {
            let task = segments[taskIndex]
            guard let d = montage.channelIndex(muscle: task.driver, side: side),
                  let f = montage.channelIndex(muscle: follower, side: side),
                  let driverInTask = channels[taskIndex * channelCount + d],
                  let followerInTask = channels[taskIndex * channelCount + f] else { return nil }
            let storage = envelopes.storage
            var de = storage.reader(d), fe = storage.reader(f)
            let spans = task.repetitions
            var notes: [String] = []
            var m = SideMeasures(side: side, nSamples: task.sampleCount, notes: [])
            // One pass over both envelopes gives every lag; lag 0 of it is r (the same sums as a Pearson of its own).
            let curve = EnvelopeCorrelation.crossCorrelation(
                driver: &de, follower: &fe, segments: spans, maxLag: maxLag,
                segmentSums: Array(zip(driverInTask.segmentSums, followerInTask.segmentSums)))
            m.r = curve[maxLag]
            if m.r == nil { notes.append("r undefined: a constant envelope or fewer than 2 samples") }
            if let peak = EnvelopeCorrelation.peak(of: curve, maxLag: maxLag) {
                m.peakXcorr = peak.coefficient
                m.lagMs = Double(peak.lag) / fs * 1000
                if maxLag > 0, abs(peak.lag) == maxLag {
                    m.lagAtSearchLimit = true
                    notes.append(String(format: "lag_at_search_limit: the cross-correlation peaks at %+.0f ms, the edge of the ±%.0f ms search; the true peak may lie beyond it (widen --max-lag)",
                                        m.lagMs!, parameters.maxLagSeconds * 1000))
                }
            } else {
                notes.append("cross-correlation undefined at every lag")
            }
            m.rms = followerInTask.amplitude
            m.repetitionRMS = followerInTask.repetitionPowers(squared: squared).map { $0.squareRoot() }
            if let restPower = restPower[f] { m.restRMS = restPower.squareRoot() }
            if let crosstalk {
                if let estimate = crosstalk[taskIndex * channelCount + f] {
                    m.crosstalkFraction = estimate.fraction
                    m.crosstalkSources = estimate.sources
                    m.ownRMS = m.rms.map { ($0 * $0 * (1 - estimate.fraction)).squareRoot() }
                } else {
                    notes.append("crosstalk_fraction undefined: the follower has no power in the task's raw signal")
                }
            }
            if m.r != nil, let neff = effectiveSampleSize(task: taskIndex, driver: d, follower: f, spans: spans) {
                m.nEff = neff.effective
                if let inference = Statistics.correlationInference(r: m.r!, effectiveN: neff.effective, level: parameters.confidenceLevel) {
                    m.rCi95 = [inference.interval.lower, inference.interval.upper]
                } else {
                    notes.append("no CI for r: effective sample size \(String(format: "%.1f", neff.effective)) ≤ 3")
                }
            }
            if let dm = driverInTask.activeRuns, let fm = followerInTask.activeRuns {
                let dCount = ActivityDetection.sampleCount(dm), fCount = ActivityDetection.sampleCount(fm)
                let both = ActivityDetection.overlapCount(dm, fm)
                m.activeS = Double(fCount) / fs
                m.coactiveS = Double(both) / fs
                m.driverActiveS = Double(dCount) / fs
                if dCount > 0 {
                    m.coactivation = Double(both) / Double(dCount)
                } else {
                    notes.append("co-activation undefined: the driver never exceeded its onset threshold")
                }
            } else {
                notes.append("no rest level: onset detection impossible (recording shorter than the rest window)")
            }
            if ownSegments[follower]?.isEmpty ?? true {
                notes.append("follower_percent_of_own_task undefined: no task driven by \(follower.rawValue)")
            } else if let restLevel = rest[f], let during = m.rms, let ownAmplitude = ownAmplitudes[f] {
                let denominator = ownAmplitude - restLevel.amplitude
                if denominator > 0 {
                    m.followerPercentOfOwnTask = 100 * (during - restLevel.amplitude) / denominator
                } else {
                    notes.append("follower_percent_of_own_task undefined: \(follower.rawValue) not above rest in its own task")
                }
            } else {
                notes.append("follower_percent_of_own_task undefined: no rest level")
            }
            m.notes = notes
            return m
        }

        /// The decision's inputs for (task, follower) on one side.
        func decisionSide(taskIndex: Int, follower: Muscle, side: Side) -> DecisionSide? {
            guard let f = montage.channelIndex(muscle: follower, side: side),
                  let measured = channels[taskIndex * channelCount + f], let rest = restPower[f] else { return nil }
            return DecisionSide(repetitionPowers: measured.repetitionPowers(squared: squared), restPower: rest,
                                crosstalk: crosstalk?[taskIndex * channelCount + f]?.fraction, muscle: follower)
        }
    }

    // MARK: Stage 10: between sides

    /// The between-side measures of a pair: index, CI, p and amplitude ratio (the decision follows in `decide`).
    static func comparePair(
        task: String, driver: Muscle, follower: Muscle, affected: SideMeasures?, healthy: SideMeasures?,
        comparison: SideComparison, parameters: SynkinesisParameters
    ) -> SynkinesisPair {
        let pattern = SynkinesisPattern(driver: driver, follower: follower)
        var pair = SynkinesisPair(task: task, driver: driver, follower: follower, pattern: pattern, affected: affected,
                                  healthy: healthy, amplitudeCutoff: rule(for: pattern, parameters: parameters).cutoff, flag: false,
                                  correlationFlag: false, decision: .undetermined, decisionReason: "", notes: [])
        guard let a = affected, let h = healthy else {
            let missing = affected == nil ? comparison.affectedSlot : comparison.healthySlot
            pair.notes.append(comparison.sidesAssumed
                              ? "no side comparison: no channel states a side, so the other side of \(driver.rawValue) and \(follower.rawValue) is not known to be recorded"
                              : "no side comparison: \(driver.rawValue) or \(follower.rawValue) not recorded on the \(missing.rawValue) side")
            return pair
        }
        if let ra = a.r, let rh = h.r {
            pair.synkineticCorrelation = ra - rh
            if let na = a.nEff, let nh = h.nEff,
               let difference = Statistics.differenceOfIndependentCorrelations(
                   r1: ra, effectiveN1: na, r2: rh, effectiveN2: nh, level: parameters.confidenceLevel) {
                pair.ci95 = [difference.interval.lower, difference.interval.upper]
                pair.p = difference.p
            } else {
                pair.notes.append("no CI or p for the index: an effective sample size is ≤ 3")
            }
        } else {
            pair.notes.append("synkinetic correlation undefined: r undefined on a side")
        }
        if let ra = a.rms, let rh = h.rms, rh > 0 {
            pair.amplitudeRatio = ra / rh
        } else {
            pair.notes.append("amplitude ratio undefined: follower amplitude missing or zero on the healthy side")
        }
        return pair
    }

    /// Benjamini-Hochberg adjustment of every pair's index p-value; the correlation flag from the adjusted value.
    static func adjustForMultipleTesting(_ pairs: inout [SynkinesisPair], level: Double) {
        let tested = pairs.indices.filter { pairs[$0].p?.isFinite ?? false }
        let adjusted = Statistics.benjaminiHochberg(tested.map { pairs[$0].p! })
        for (k, index) in tested.enumerated() {
            pairs[index].pAdjusted = adjusted[k]
            pairs[index].correlationFlag = (pairs[index].synkineticCorrelation ?? 0) > 0 && adjusted[k] < 1 - level
        }
    }

    /// Bursts of activity on the healthy side (all sides when it is unknown; threshold in
    /// ``SynkinesisParameters/burstThresholdFraction``), each named by the
    /// muscle with the largest activation relative to its own range (burst mean − rest mean) ÷
    /// (channel maximum − rest mean); bursts with the same dominant muscle are pooled as repetitions.
    static func detectTasks(
        envelopes: EnvelopeSet, montage: Montage, rest: [RestLevel?], healthySide: Side?,
        parameters: SynkinesisParameters, minimumRun: Int
    ) -> ([TaskSegment], [TaskGap]) {
        let fs = envelopes.sampleRate
        var channels = montage.channels
        if let healthySide, channels.contains(where: { $0.side == healthySide }) {
            channels = channels.filter { $0.side == healthySide }
        }
        let storage = envelopes.storage
        // Each channel's peak and active runs on its own core (two passes over it), then their union.
        let measuredChannels = ChannelParallel.map(channels) { channel, _ -> (peak: Double, runs: [Range<Int>]) in
            var envelope = storage.reader(channel.channelIndex)
            var peak = -Float.infinity
            envelope.forEachChunk(of: 0..<envelope.count) { e, piece in
                for i in 0..<piece.count { peak = max(peak, e[i]) }
            }
            let top = envelope.count > 0 ? Double(peak) : 0
            guard let level = rest[channel.channelIndex] else { return (top, []) }
            let margin = max(parameters.onsetThresholdSD * level.standardDeviation,
                             parameters.burstThresholdFraction * (top - level.mean))
            return (top, ActivityDetection.activeRuns(&envelope, threshold: level.mean + margin, minimumRun: minimumRun))
        }
        let peaks = measuredChannels.map(\.peak)
        let union = ActivityDetection.union(measuredChannels.flatMap(\.runs))
        // Merge bursts separated by short gaps, then drop short bursts.
        let mergeGap = ActivityDetection.samples(parameters.burstMergeGapSeconds, rate: fs, limit: envelopes.frameCount)
        var bursts: [Range<Int>] = []
        for run in union {
            if let last = bursts.last, run.lowerBound - last.upperBound <= mergeGap {
                bursts[bursts.count - 1] = last.lowerBound..<run.upperBound
            } else {
                bursts.append(run)
            }
        }
        let minimumBurst = max(2, ActivityDetection.samples(parameters.minimumBurstSeconds, rate: fs, limit: envelopes.frameCount + 1))
        var gaps: [TaskGap] = []
        var byMuscle: [Muscle: [Range<Int>]] = [:]
        let kept = bursts.filter { $0.count >= minimumBurst }
        // Σ envelope over every burst, per channel (one pass over each channel).
        let burstSums = ChannelParallel.map(channels) { channel, _ -> [Double] in
            var envelope = storage.reader(channel.channelIndex)
            return kept.map { burst in
                var sum = 0.0
                envelope.forEachChunk(of: burst) { e, piece in for i in 0..<piece.count { sum += Double(e[i]) } }
                return sum
            }
        }
        for (b, burst) in kept.enumerated() {
            var best: (Muscle, Double)?
            for (k, channel) in channels.enumerated() {
                guard let level = rest[channel.channelIndex], peaks[k] > level.mean else { continue }
                let relative = (burstSums[k][b] / Double(burst.count) - level.mean) / (peaks[k] - level.mean)
                if best == nil || relative > best!.1 { best = (channel.muscle, relative) }
            }
            if let (muscle, _) = best {
                byMuscle[muscle, default: []].append(burst)
            } else {
                gaps.append(TaskGap(label: "burst", onsetSeconds: Double(burst.lowerBound) / fs, reason: "no dominant muscle"))
            }
        }
        let catalogue = TaskCatalogue.standard.overriding(parameters.driverOverrides)
        let segments = byMuscle.keys.sorted().map { muscle in
            let name = preferredTask[muscle].flatMap { catalogue.driver(for: $0) == muscle ? $0 : nil }
                ?? catalogue.task(drivenBy: muscle) ?? "activation_\(muscle.rawValue)"
            return TaskSegment(task: name, driver: muscle, repetitions: byMuscle[muscle]!, driverSource: .detected)
        }
        return (segments, gaps)
    }

    /// The name given to a detected burst led by each muscle.
    static let preferredTask: [Muscle: String] = [
        .FRO: "brow_raise", .COR: "frown", .OOc: "eye_closure", .NAS: "nose_wrinkle", .LLS: "snarl",
        .ZYG: "smile", .BUC: "cheek_puff", .OOr: "pucker", .DAO: "lower_lip_depression", .MEN: "chin",
        .PLA: "platysma", .MAS: "chewing",
    ]
}
