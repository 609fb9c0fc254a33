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

/// The synkinesis analysis: envelopes, montage and tasks in, ``SynkinesisResult`` out.
///
/// For every task with driver D and every other recorded muscle F, and for each side with both
/// channels, it measures (all on the task's pooled repetitions):
/// - `r`: Pearson r of D and F (``EnvelopeCorrelation/pearson(_:_:segments:)``), with Bartlett's n_eff
///   (``Statistics/bartlettEffectiveSampleSize(driver:follower:segments:)``) and its Fisher CI;
/// - `peak_xcorr`, `lag_ms`: peak per-lag Pearson cross-correlation within ±max lag;
/// - `rms`: the follower's amplitude over the task (``EnvelopeKind/amplitude(_:segments:)``);
/// - `active_s`: seconds the follower is active (above rest mean + k·SD for at least the minimum
///   duration) inside the task segments; `driver_active_s` likewise for D;
/// - `coactive_s`: seconds D and F are both active; `coactivation`: that ÷ (time D active);
/// - `follower_percent_of_own_task`: 100·(A_F,task − A_F,rest) ÷ (A_F,own − A_F,rest), where
///   A_F,own is F's amplitude in the tasks F drives itself.
/// Between sides: the synkinetic correlation index r(aff) − r(healthy) with Zou's CI and a z-test p,
/// and the amplitude ratio affected ÷ healthy, flagged against Bernardes' cut-offs by
/// ``Muscle/region``.
public enum SynkinesisAnalysis {
    public static func analyse(
        envelopes: EnvelopeSet, montage: Montage, tasks: TaskSource,
        parameters: SynkinesisParameters = SynkinesisParameters(), file: String? = nil
    ) throws(SynkError) -> SynkinesisResult {
        try envelopes.validate()
        for channel in montage.channels where channel.channelIndex < 0 || channel.channelIndex >= envelopes.channelCount {
            throw .input(file, "montage channel \(channel.label) has index \(channel.channelIndex) but there are only \(envelopes.channelCount) envelopes")
        }
        let storage = envelopes.storage
        let durations = [parameters.maxLagSeconds, parameters.minimumActiveSeconds, parameters.burstMergeGapSeconds,
                         parameters.minimumBurstSeconds, parameters.onsetThresholdSD, parameters.burstThresholdFraction]
        guard durations.allSatisfy({ $0.isFinite && $0 >= 0 }), parameters.restWindowSeconds.isFinite,
              parameters.restWindowSeconds > 0, parameters.confidenceLevel > 0, parameters.confidenceLevel < 1,
              parameters.cutoffOcularToOral.isFinite, parameters.cutoffOralToOcular.isFinite else {
            throw .usage("invalid synkinesis parameters", hint: "max lag and durations must be non-negative, the confidence level in (0, 1)")
        }
        let fs = envelopes.sampleRate
        let catalogue = TaskCatalogue.standard.overriding(parameters.driverOverrides)

        // Which side goes in which slot.
        let presentSides = montage.sides
        let affectedSlot: Side
        let basis: String
        switch montage.affectedSide {
        case .left?: affectedSlot = .left; basis = "stated"
        case .right?: affectedSlot = .right; basis = "stated"
        case .none?: affectedSlot = .left; basis = "healthy_control_left_vs_right"
        case nil: affectedSlot = .left; basis = "unknown_left_vs_right"
        }
        let healthySlot = affectedSlot.opposite
        var comparisonReason: String?
        if presentSides.count < 2 {
            let only = presentSides.first.map { "only \($0.rawValue)-side channels in the montage" } ?? "no mapped channels"
            comparisonReason = "\(only): per-side measures only, no side comparison"
        } else if basis != "stated" {
            comparisonReason = basis == "unknown_left_vs_right"
                ? "affected side unknown: \"affected\" holds the left side, \"healthy\" the right"
                : "healthy control: \"affected\" holds the left side, \"healthy\" the right"
        }
        let comparison = SideComparison(possible: presentSides.count == 2, affectedSlot: affectedSlot,
                                        healthySlot: healthySlot, basis: basis, reason: comparisonReason)

        // Rest levels.
        let rest: [RestLevel?]
        let restSource: String
        if let given = envelopes.rest {
            rest = given.map { Optional($0) }
            restSource = "given with the envelopes"
        } else {
            rest = ChannelParallel.map(Array(0..<storage.channelCount)) { channel, _ in
                var envelope = storage.reader(channel)
                return ActivityDetection.estimateRest(&envelope, sampleRate: fs, kind: envelopes.kind, windowSeconds: parameters.restWindowSeconds)
            }
            restSource = "quietest \(parameters.restWindowSeconds) s window of each channel"
        }
        let minimumRun = max(1, ActivityDetection.samples(parameters.minimumActiveSeconds, rate: fs, limit: envelopes.frameCount + 1))

        // Task segments.
        var segments: [TaskSegment]
        var taskGaps: [TaskGap] = []
        let tasksSource: String
        switch tasks {
        case .events(let events):
            (segments, taskGaps) = try TaskSegmentation.segments(
                events: events, sampleRate: fs, frameCount: envelopes.frameCount, catalogue: catalogue, file: file)
            tasksSource = "events"
        case .segments(let given):
            segments = given.map { segment in
                var copy = segment
                copy.repetitions = TaskSegmentation.merge(segment.repetitions.map { $0.clamped(to: 0..<envelopes.frameCount) }.filter { $0.count >= 2 })
                return copy
            }
            for segment in segments where segment.repetitions.isEmpty {
                taskGaps.append(TaskGap(label: segment.task, onsetSeconds: nil, reason: "no repetition of at least 2 samples inside the recording"))
            }
            segments.removeAll { $0.repetitions.isEmpty }
            tasksSource = "segments"
        case .detect:
            let healthy: Side? = montage.affectedSide?.side?.opposite
            (segments, taskGaps) = detectTasks(envelopes: envelopes, montage: montage, rest: rest, healthySide: healthy,
                                               parameters: parameters, minimumRun: minimumRun)
            tasksSource = "detected"
        }

        // Active masks per channel, within each task's segments, are computed on demand.
        func threshold(_ channel: Int) -> Double? {
            guard let level = rest[channel] else { return nil }
            return level.mean + parameters.onsetThresholdSD * level.standardDeviation
        }
        let maxLag = ActivityDetection.samples(parameters.maxLagSeconds, rate: fs, limit: envelopes.frameCount)

        // The segments of the tasks each recorded muscle drives itself, merged once for every pair that asks.
        let ownSegments = Dictionary(uniqueKeysWithValues: montage.muscles.map { muscle in
            (muscle, TaskSegmentation.merge(segments.filter { $0.driver == muscle }.flatMap(\.repetitions)))
        })

        // The pairs to measure: every task whose driver is recorded, against every other recorded muscle.
        var jobs: [(taskIndex: Int, task: TaskSegment, follower: Muscle)] = []
        for (taskIndex, task) in segments.enumerated() {
            guard montage.muscles.contains(task.driver) else {
                taskGaps.append(TaskGap(label: task.task, onsetSeconds: nil, reason: "driver \(task.driver.rawValue) is not in the montage"))
                continue
            }
            for follower in montage.muscles where follower != task.driver { jobs.append((taskIndex, task, follower)) }
        }

        // What depends on one channel within one task (its segment sums, amplitude, active runs and autocovariance)
        // serves every pair the channel is part of: measured once, on all cores, before the pairs are measured (also
        // on all cores) from the shared, read-only table. Every pass reads the envelopes a window at a time.
        var channelKeys = Set<Int>()
        let channelCount = storage.channelCount
        for job in jobs {
            for side in [affectedSlot, healthySlot] {
                guard let d = montage.channelIndex(muscle: job.task.driver, side: side),
                      let f = montage.channelIndex(muscle: job.follower, side: side) else { continue }
                channelKeys.insert(job.taskIndex * channelCount + d)
                channelKeys.insert(job.taskIndex * channelCount + f)
            }
        }
        let orderedKeys = channelKeys.sorted()
        let measuredChannels = ChannelParallel.map(orderedKeys) { key, _ -> ChannelInTask in
            let channel = key % channelCount
            let spans = segments[key / channelCount].repetitions
            var envelope = storage.reader(channel)
            let chunk = max(1, envelope.preferredChunk)
            let sums = spans.map { $0.clamped(to: 0..<envelope.count) }.filter { !$0.isEmpty }.map { segment in
                var total = 0.0
                for piece in segment.chunks(of: chunk) {
                    let e = envelope.samples(piece)
                    total += SIMDReductions.sums(e, e, 0, piece.count).0
                }
                return total
            }
            let runs = threshold(channel).map {
                ActivityDetection.activeRuns(&envelope, threshold: $0, minimumRun: minimumRun, segments: spans)
            }
            return ChannelInTask(segmentSums: sums, amplitude: envelopes.kind.amplitude(&envelope, segments: spans), activeRuns: runs,
                                 autocovariance: Statistics.pooledAutocovariance(&envelope, segments: spans))
        }
        let channelsInTasks = Dictionary(uniqueKeysWithValues: zip(orderedKeys, measuredChannels))
        // Each follower's amplitude in the tasks its own muscle drives.
        let ownAmplitudes = ChannelParallel.map(Array(0..<channelCount)) { channel, _ -> Double? in
            guard let muscle = montage.channels.first(where: { $0.channelIndex == channel })?.muscle else { return nil }
            guard let own = ownSegments[muscle], !own.isEmpty else { return nil }
            var envelope = storage.reader(channel)
            return envelopes.kind.amplitude(&envelope, segments: own)
        }
        func autocovariance(task: Int, channel: Int, spans: [Range<Int>], atLeast: Int = 0) -> Statistics.PooledAutocovariance? {
            if let cached = channelsInTasks[task * channelCount + channel] {
                guard let known = cached.autocovariance else { return nil }
                if known.complete || known.lagged.count > atLeast { return known }
            }
            // Rare (both series negative where the cached sums end): longer sums, for this pair only.
            var envelope = storage.reader(channel)
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

        func measure(taskIndex: Int, task: TaskSegment, follower: Muscle, side: Side) -> SideMeasures? {
            guard let d = montage.channelIndex(muscle: task.driver, side: side),
                  let f = montage.channelIndex(muscle: follower, side: side),
                  let driverInTask = channelsInTasks[taskIndex * channelCount + d],
                  let followerInTask = channelsInTasks[taskIndex * channelCount + f] else { return nil }
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
            } else {
                notes.append("cross-correlation undefined at every lag")
            }
            m.rms = followerInTask.amplitude
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

        // One job per pair and side, so that the two cores stay evenly loaded however few pairs a task has.
        let sides = [affectedSlot, healthySlot]
        let measured = ChannelParallel.map(Array(0..<(2 * jobs.count))) { index, _ -> SideMeasures? in
            let job = jobs[index / 2]
            return measure(taskIndex: job.taskIndex, task: job.task, follower: job.follower, side: sides[index % 2])
        }
        if let failure = storage.readError(file: file) { throw failure }
        let pairs = jobs.indices.compactMap { j -> SynkinesisPair? in
            let job = jobs[j]
            let affected = measured[2 * j], healthy = measured[2 * j + 1]
            guard affected != nil || healthy != nil else { return nil }
            return comparePair(task: job.task.task, driver: job.task.driver, follower: job.follower, affected: affected,
                               healthy: healthy, comparison: comparison, parameters: parameters)
        }

        let method = SynkinesisMethod(
            settings: parameters, envelopeSampleRateHz: fs, envelope: envelopes.kind.description,
            amplitudeMeasure: envelopes.kind.amplitudeMeasure, restSource: restSource,
            correlation: "Pearson r over the pooled samples of the task's repetitions",
            crossCorrelation: "per-lag Pearson over the overlapping pairs within each repetition, pooled; peak = largest coefficient within ±max lag, positive lag = follower trails driver",
            effectiveSampleSize: "Bartlett n/(1+2·Σρ_D(k)ρ_F(k)), k from 1 until the product first becomes ≤ 0, at most n/4; lagged products within repetitions only",
            intervals: "Fisher z with n_eff−3 per side; index CI by Zou (2007); p from (z_aff − z_healthy)/√(1/(n_aff−3)+1/(n_healthy−3))",
            taskDrivers: Dictionary(uniqueKeysWithValues: segments.map { ($0.task, $0.driver) }))
        let affectedText = montage.affectedSide?.rawValue ?? "unknown"
        let summaries = segments.map { segment in
            TaskSummary(task: segment.task, driver: segment.driver, repetitions: segment.repetitions.count,
                        durationS: Double(segment.sampleCount) / fs,
                        spansS: segment.repetitions.map { [Double($0.lowerBound) / fs, Double($0.upperBound) / fs] })
        }
        return SynkinesisResult(
            synkVersion: SynkVersion.current, parameters: method, affectedSide: affectedText, sideComparison: comparison,
            tasksSource: tasksSource, tasks: summaries, montage: montage.channels, montageGaps: montage.gaps,
            taskGaps: taskGaps, pairs: pairs)
    }

    /// What the pairs of a task need from one of its channels.
    struct ChannelInTask: Sendable {
        /// Σ envelope over each non-empty repetition (clipped to the envelope).
        var segmentSums: [Double]
        /// The envelope kind's amplitude over the task.
        var amplitude: Double?
        /// Active runs within the task (`nil` without a rest level).
        var activeRuns: [Range<Int>]?
        var autocovariance: Statistics.PooledAutocovariance?
    }

    /// The between-side part of a pair: index, CI, p, amplitude ratio and flags.
    static func comparePair(
        task: String, driver: Muscle, follower: Muscle, affected: SideMeasures?, healthy: SideMeasures?,
        comparison: SideComparison, parameters: SynkinesisParameters
    ) -> SynkinesisPair {
        let pattern: String
        let cutoff: Double?
        switch (driver.region, follower.region) {
        case (.ocular, .oral): pattern = "ocular_to_oral"; cutoff = parameters.cutoffOcularToOral
        case (.oral, .ocular): pattern = "oral_to_ocular"; cutoff = parameters.cutoffOralToOcular
        default: pattern = "other"; cutoff = nil
        }
        var pair = SynkinesisPair(task: task, driver: driver, follower: follower, pattern: pattern, affected: affected,
                                  healthy: healthy, amplitudeCutoff: cutoff, flag: false, correlationFlag: false, notes: [])
        guard let a = affected, let h = healthy else {
            let missing = affected == nil ? comparison.affectedSlot : comparison.healthySlot
            pair.notes.append("no side comparison: \(driver.rawValue) or \(follower.rawValue) not recorded on the \(missing.rawValue) side")
            return pair
        }
        if let ra = a.r, let rh = h.r {
            pair.synkineticCorrelation = ra - rh
            if let na = a.nEff, let nh = h.nEff,
               let difference = Statistics.differenceOfIndependentCorrelations(
                   r1: ra, effectiveN1: na, r2: rh, effectiveN2: nh, level: parameters.confidenceLevel) {
                pair.ci95 = [difference.interval.lower, difference.interval.upper]
                pair.p = difference.p
                pair.correlationFlag = difference.interval.lower > 0
            } else {
                pair.notes.append("no CI or p for the index: an effective sample size is ≤ 3")
            }
        } else {
            pair.notes.append("synkinetic correlation undefined: r undefined on a side")
        }
        if let ra = a.rms, let rh = h.rms, rh > 0 {
            let ratio = ra / rh
            pair.amplitudeRatio = ratio
            if let cutoff {
                if comparison.basis == "stated" {
                    if ratio > cutoff {
                        pair.flag = true
                        pair.flagReason = "amplitude ratio \(String(format: "%.2f", ratio)) > \(cutoff) (\(pattern), Bernardes 2018)"
                    }
                } else if max(ratio, 1 / ratio) > cutoff {
                    pair.flag = true
                    pair.flagReason = "left/right amplitude asymmetry \(String(format: "%.2f", max(ratio, 1 / ratio))) > \(cutoff) (\(pattern), Bernardes 2018); affected side not stated"
                }
            }
        } else {
            pair.notes.append("amplitude ratio undefined: follower amplitude missing or zero on the healthy side")
        }
        return pair
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
            return TaskSegment(task: name, driver: muscle, repetitions: byMuscle[muscle]!)
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
