import Foundation
import SynkCore

/// Every setting of a blink-reflex analysis; reported in the results.
public struct BlinkReflexParameters: Sendable, Hashable, Codable {
    public var window: EpochWindow
    /// Pre-stimulus baseline, ms relative to the stimulus.
    public var baselineStartMs: Double
    public var baselineEndMs: Double
    /// The supraorbital artefact is blanked up to here, ms.
    public var artefactBlankEndMs: Double
    /// Search windows for R1 and R2 onsets, ms after the stimulus.
    public var r1WindowMs: ClosedRange<Double>
    public var r2WindowMs: ClosedRange<Double>
    /// Width of the centred moving average of the rectified signal (the envelope), ms.
    public var envelopeWidthMs: Double
    /// A burst starts where the envelope exceeds baseline mean + this many baseline SDs ...
    public var detectionThresholdSD: Double
    /// ... and its onset is where, walking back, the envelope falls to baseline mean + this many SDs
    /// (then advanced by half the envelope width, which the centred average spreads it by).
    public var onsetReturnSD: Double
    /// A component counts as present when found in at least this fraction of the sweeps.
    public var minimumResponseFraction: Double
    public var stimulusSource: StimulusSource
    public var minimumSampleRateHz: Double
    /// Mains removal for every channel (`--notch`); `nil`: only on channels flagged mains-dominated.
    @ExplicitNull public var notch: MainsRemoval?
    /// What listed stimulus times count from (`--stimulus-times`).
    public var stimulusTimeBase: StimulusTimeBase

    public init(
        window: EpochWindow = EpochWindow(preStimulusMs: 10, postStimulusMs: 100), baselineStartMs: Double = -10, baselineEndMs: Double = -1,
        artefactBlankEndMs: Double = 3, r1WindowMs: ClosedRange<Double> = 6...19, r2WindowMs: ClosedRange<Double> = 20...90,
        envelopeWidthMs: Double = 0.5, detectionThresholdSD: Double = 8, onsetReturnSD: Double = 1, minimumResponseFraction: Double = 0.5,
        stimulusSource: StimulusSource = .automatic, minimumSampleRateHz: Double = 2000, notch: MainsRemoval? = nil,
        stimulusTimeBase: StimulusTimeBase = .recording
    ) {
        self.notch = notch
        self.stimulusTimeBase = stimulusTimeBase
        self.window = window
        self.baselineStartMs = baselineStartMs
        self.baselineEndMs = baselineEndMs
        self.artefactBlankEndMs = artefactBlankEndMs
        self.r1WindowMs = r1WindowMs
        self.r2WindowMs = r2WindowMs
        self.envelopeWidthMs = envelopeWidthMs
        self.detectionThresholdSD = detectionThresholdSD
        self.onsetReturnSD = onsetReturnSD
        self.minimumResponseFraction = minimumResponseFraction
        self.stimulusSource = stimulusSource
        self.minimumSampleRateHz = minimumSampleRateHz
    }

    enum CodingKeys: String, CodingKey {
        case window
        case baselineStartMs = "baseline_start_ms"
        case baselineEndMs = "baseline_end_ms"
        case artefactBlankEndMs = "artefact_blank_end_ms"
        case r1WindowMs = "r1_window_ms"
        case r2WindowMs = "r2_window_ms"
        case envelopeWidthMs = "envelope_width_ms"
        case detectionThresholdSD = "detection_threshold_sd"
        case onsetReturnSD = "onset_return_sd"
        case minimumResponseFraction = "minimum_response_fraction"
        case stimulusSource = "stimulus_source"
        case minimumSampleRateHz = "minimum_sample_rate_hz"
        case notch
        case stimulusTimeBase = "stimulus_time_base"
    }
}

/// The blink-reflex components: R1 (early, ipsilateral, oligosynaptic pontine) and R2 (late, bilateral).
public enum BlinkComponentName: String, Sendable, Hashable, Codable, CaseIterable {
    case R1, R2
}

/// One blink-reflex component (R1 or R2) on one recorded channel for stimulation of one side.
/// Latencies and amplitudes are means over the sweeps in which the component was found; `nil` (with the flag
/// `missing`) when it was found in too few sweeps — a missing R1 is reported missing, never estimated.
public struct BlinkComponent: Sendable, Hashable, Codable {
    /// `R1` or `R2`.
    public var component: BlinkComponentName
    public var stimulatedSide: Side
    public var recordedSide: Side
    public var muscle: Muscle
    public var channel: String
    public var ipsilateral: Bool
    @ExplicitNull public var onsetLatencyMs: Double?
    /// Shortest onset over the sweeps (the clinical convention for R1), ms.
    @ExplicitNull public var shortestLatencyMs: Double?
    /// Mean peak-to-peak amplitude within the burst, mV.
    @ExplicitNull public var amplitudePeakToPeakMillivolt: Double?
    /// Mean rectified area above the baseline rectified level over the burst, mV·ms.
    @ExplicitNull public var rectifiedAreaMillivoltMs: Double?
    public var sweepsWithResponse: Int
    public var sweeps: Int
    public var normChecks: [NormCheck]
    public var flags: [EvokedFlag]

    enum CodingKeys: String, CodingKey {
        case component, muscle, channel, ipsilateral, sweeps, flags
        case stimulatedSide = "stimulated_side"
        case recordedSide = "recorded_side"
        case onsetLatencyMs = "onset_latency_ms"
        case shortestLatencyMs = "shortest_latency_ms"
        case amplitudePeakToPeakMillivolt = "amplitude_pp_mv"
        case rectifiedAreaMillivoltMs = "rectified_area_mv_ms"
        case sweepsWithResponse = "sweeps_with_response"
        case normChecks = "norm_checks"
    }
}

/// A left-versus-right comparison of one latency.
public struct BlinkSideDifference: Sendable, Hashable, Codable {
    /// `r1_side_difference_ms`, `r2_ipsilateral_side_difference_ms` or `r2_contralateral_side_difference_ms`.
    public var measure: NormMeasure
    /// Left-stimulus latency minus right-stimulus latency, ms.
    @ExplicitNull public var differenceMs: Double?
    @ExplicitNull public var normCheck: NormCheck?
    public var flags: [EvokedFlag]

    enum CodingKeys: String, CodingKey {
        case measure, flags
        case differenceMs = "difference_ms"
        case normCheck = "norm_check"
    }
}

/// Results of a blink-reflex study.
public struct BlinkReflexResult: Sendable, Hashable, Codable {
    public var parameters: BlinkReflexParameters
    public var normativeTable: String
    public var stimulusSource: StimulusSource
    public var affectedSide: AffectedSide?
    /// R1 and R2 of both OOc for each stimulated side.
    public var components: [BlinkComponent]
    public var sideDifferences: [BlinkSideDifference]
    /// R2 found in lower-face muscles (OOr, PLA): a sign of synkinesis (flag `r2_spread_synkinesis`).
    public var spread: [BlinkComponent]
    public var flags: [EvokedFlag]
    /// EMG channels not measured: a quality flag makes their numbers untrustworthy, or their label names no muscle.
    public var excludedChannels: [ExcludedChannel] = []
    /// Time of the recording's first sample in its own time base, s (`nil` when it starts at 0).
    public var firstSampleTimeSeconds: Double?
    public var synkVersion: String = SynkVersion.current
    /// The file analysed, when the study came from a file.
    public var input: InputDescription?

    enum CodingKeys: String, CodingKey {
        case parameters, components, spread, flags, input
        case synkVersion = "synk_version"
        case normativeTable = "normative_table"
        case stimulusSource = "stimulus_source"
        case affectedSide = "affected_side"
        case sideDifferences = "side_differences"
        case excludedChannels = "excluded_channels"
        case firstSampleTimeSeconds = "first_sample_time_s"
    }

    /// True when a channel was excluded or unrecognised, or a component was cut by the window (the CLI exits 1).
    public var qualityFailed: Bool {
        !excludedChannels.isEmpty || flags.contains(where: \.failsQuality) || (components + spread).contains { $0.flags.contains(where: \.failsQuality) }
    }

    public func component(_ name: BlinkComponentName, stimulated: Side, recorded: Side, muscle: Muscle = .OOc) -> BlinkComponent? {
        (components + spread).first { $0.component == name && $0.stimulatedSide == stimulated && $0.recordedSide == recorded && $0.muscle == muscle }
    }
}

/// Blink reflex (supraorbital stimulation, orbicularis oculi recorded on both sides).
public enum BlinkReflexAnalysis {
    /// Per sweep, the signal is baseline-corrected, the artefact blanked, rectified and smoothed by a
    /// centred moving average (``BlinkReflexParameters/envelopeWidthMs``); a component is the first envelope
    /// excursion above the detection threshold inside its window (R1: ipsilateral only; R2: both sides),
    /// its onset found by walking back to the return level. Results average over the sweeps with a response.
    ///
    /// Throws `.input` for a rate below the minimum, no stimuli, a stimulus of unknown side, a stimulus
    /// outside the recording, a window past its end, or no OOc channel.
    public static func analyze(
        _ recording: Recording, parameters: BlinkReflexParameters = BlinkReflexParameters(), norms: NormativeTable = .standard
    ) throws(SynkError) -> BlinkReflexResult {
        let file = recording.header.source?.path
        guard recording.sampleRate >= parameters.minimumSampleRateHz else {
            throw .input(file, "sample rate \(recording.sampleRate) Hz is below the \(parameters.minimumSampleRateHz) Hz a blink-reflex study needs")
        }
        try parameters.notch?.validate(sampleRate: recording.sampleRate, file: file)
        var (stimuli, source) = StimulusDetection.stimuli(in: recording, source: parameters.stimulusSource)
        guard !stimuli.isEmpty else { throw .input(file, "no stimuli found", hint: "give the stimulus times with --stimuli") }
        if source == .header {
            stimuli = try StimulusTimes.resolve(stimuli, header: recording.header, base: parameters.stimulusTimeBase)
        }
        if let unknown = stimuli.first(where: { $0.side == nil }) {
            throw .input(file, "the side of the stimulus at \(unknown.time) s is unknown", place: "stimuli", hint: "list the stimulated side of every stimulus")
        }
        guard recording.channels.contains(where: { $0.muscle == .OOc && $0.side != nil }) else {
            throw .input(file, "no orbicularis oculi channel with a side", hint: "label the channels OOc-L and OOc-R")
        }
        // A flagged channel is not measured at all: its components would be artefact, not reflex. Mains is removed.
        let plan = EvokedChannelPlan.plan(recording, notch: parameters.notch)
        var components: [BlinkComponent] = []
        var spread: [BlinkComponent] = []
        for stimulated in Side.allCases {
            let sideStimuli = stimuli.filter { $0.side == stimulated }
            guard !sideStimuli.isEmpty else { continue }
            for (c, mains) in plan.measured {
                let channel = recording.channels[c]
                guard let muscle = channel.muscle, let recorded = channel.side else { continue }
                guard muscle == .OOc || muscle == .OOr || muscle == .PLA else { continue }
                let sweeps = try RecordingSweeps(recording, channelIndex: c, stimuli: sideStimuli, allStimuli: stimuli, window: parameters.window, mains: mains)
                let ipsilateral = recorded == stimulated
                if muscle == .OOc {
                    if ipsilateral {
                        var r1 = measureComponent(.R1, epochs: sweeps, window: parameters.r1WindowMs, parameters: parameters)
                        r1.stimulatedSide = stimulated
                        r1.ipsilateral = true
                        check(&r1, measure: .r1Latency, norms: norms)
                        components.append(r1)
                    }
                    var r2 = measureComponent(.R2, epochs: sweeps, window: parameters.r2WindowMs, parameters: parameters)
                    r2.stimulatedSide = stimulated
                    r2.ipsilateral = ipsilateral
                    check(&r2, measure: ipsilateral ? .r2IpsilateralLatency : .r2ContralateralLatency, norms: norms)
                    components.append(r2)
                } else {
                    var r2 = measureComponent(.R2, epochs: sweeps, window: parameters.r2WindowMs, parameters: parameters)
                    r2.stimulatedSide = stimulated
                    r2.ipsilateral = ipsilateral
                    if r2.onsetLatencyMs != nil { r2.flags.append(.r2SpreadSynkinesis) }
                    spread.append(r2)
                }
            }
        }
        var differences: [BlinkSideDifference] = []
        let pairs: [(BlinkComponentName, Bool, NormMeasure, EvokedFlag)] = [
            (.R1, true, .r1SideDifference, .r1MissingOnOneSide),
            (.R2, true, .r2IpsilateralSideDifference, .r2MissingOnOneSide),
            (.R2, false, .r2ContralateralSideDifference, .r2MissingOnOneSide),
        ]
        for (name, ipsilateral, measure, missing) in pairs {
            // Left stimulation recorded on the left (ipsilateral) or right (contralateral), against right stimulation.
            let left = components.first { $0.component == name && $0.stimulatedSide == .left && $0.ipsilateral == ipsilateral }
            let right = components.first { $0.component == name && $0.stimulatedSide == .right && $0.ipsilateral == ipsilateral }
            guard left != nil || right != nil else { continue }
            var difference = BlinkSideDifference(measure: measure, differenceMs: nil, normCheck: nil, flags: [])
            if let l = left?.onsetLatencyMs, let r = right?.onsetLatencyMs {
                difference.differenceMs = l - r
                if let check = norms.check(measure, value: abs(l - r), branch: nil, muscle: nil) {
                    difference.normCheck = check
                    if !check.withinLimits { difference.flags.append(.aboveNorm(measure)) }
                }
            } else {
                difference.flags.append(missing)
            }
            differences.append(difference)
        }
        var flags: [EvokedFlag] = []
        if spread.contains(where: { $0.flags.contains(.r2SpreadSynkinesis) }) { flags.append(.r2SpreadSynkinesis) }
        if components.contains(where: { $0.component == .R1 && $0.flags.contains(.missing) }) { flags.append(.r1Missing) }
        if plan.excluded.keys.contains(where: { !plan.unrecognised.contains($0) }) { flags.append(.channelsExcludedByQuality) }
        if !plan.unrecognised.isEmpty { flags.append(.channelsUnrecognised) }
        var result = BlinkReflexResult(
            parameters: parameters, normativeTable: norms.name, stimulusSource: source, affectedSide: recording.header.affectedSide,
            components: components, sideDifferences: differences, spread: spread, flags: flags,
            excludedChannels: plan.excluded.keys.sorted().map { plan.excluded[$0]! })
        result.firstSampleTimeSeconds = recording.header.firstSampleTime
        return result
    }

    static func check(_ component: inout BlinkComponent, measure: NormMeasure, norms: NormativeTable) {
        guard let latency = component.onsetLatencyMs, let check = norms.check(measure, value: latency, branch: nil, muscle: nil) else { return }
        component.normChecks.append(check)
        if !check.withinLimits {
            let above = check.upperLimit.map { latency > $0 } ?? false
            component.flags.append(above ? .aboveNorm(measure) : .belowNorm(measure))
        }
    }

    /// Detects one component in every sweep of `epochs` and averages the sweeps where it was found.
    static func measureComponent(_ name: BlinkComponentName, epochs: some SweepSource, window: ClosedRange<Double>, parameters: BlinkReflexParameters) -> BlinkComponent {
        let rate = epochs.sampleRate
        let n = epochs.samplesPerSweep
        let half = max(1, Int((parameters.envelopeWidthMs / 2 / 1000 * rate).rounded()))
        let b0 = max(0, Int(epochs.sampleIndex(ofMs: parameters.baselineStartMs).rounded()))
        let b1 = min(n, Int(epochs.sampleIndex(ofMs: parameters.baselineEndMs).rounded()))
        let blankEnd = min(n, Int(epochs.sampleIndex(ofMs: parameters.artefactBlankEndMs).rounded(.up)))
        let w0 = max(blankEnd + half, Int(epochs.sampleIndex(ofMs: window.lowerBound).rounded()))
        let w1 = min(n - 1, Int(epochs.sampleIndex(ofMs: window.upperBound).rounded()))
        var onsets: [Double] = [], amplitudes: [Double] = [], areas: [Double] = []
        var cutByWindow = 0
        for s in 0..<epochs.sweepCount {
            guard b1 - b0 > 4, w1 > w0 else { break }
            let x = epochs.sweep(s)
            let mean = EvokedSignal.mean(x[b0..<b1])
            var rectified = x.map { abs($0 - mean) }
            for i in Int(epochs.sampleIndex(ofMs: 0).rounded())..<blankEnd where i >= 0 { rectified[i] = 0 }
            // Centred moving average via a running sum.
            var prefix = [Double](repeating: 0, count: n + 1)
            for i in 0..<n { prefix[i + 1] = prefix[i] + rectified[i] }
            var envelope = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let a = max(0, i - half), b = min(n, i + half + 1)
                envelope[i] = (prefix[b] - prefix[a]) / Double(b - a)
            }
            let mu = EvokedSignal.mean(envelope[b0..<b1])
            let sd = max(EvokedSignal.standardDeviation(envelope[b0..<b1]), 1e-9)
            let rectifiedBaseline = EvokedSignal.mean(rectified[b0..<b1])
            guard let crossing = (w0...w1).first(where: { envelope[$0] > mu + parameters.detectionThresholdSD * sd }) else { continue }
            var start = crossing
            while start > w0 - half, envelope[start - 1] > mu + parameters.onsetReturnSD * sd { start -= 1 }
            let onsetIndex = Double(start + half)
            var end = crossing
            // The burst ends when the envelope stays below the threshold for 3 ms.
            let quiet = Int(0.003 * rate)
            var below = 0
            var i = crossing
            while i < w1 + Int(0.02 * rate), i < n {
                if envelope[i] > mu + parameters.detectionThresholdSD * sd { end = i; below = 0 } else { below += 1; if below > quiet { break } }
                i += 1
            }
            // The burst was still going when the sweep ended: the window cut it.
            if i >= n, below <= quiet { cutByWindow += 1 }
            let s0 = Int(onsetIndex.rounded()), s1 = min(n - 1, end + half)
            guard s1 > s0 else { continue }
            let segment = x[s0...s1]
            amplitudes.append(((segment.max() ?? 0) - (segment.min() ?? 0)) / 1000)
            var area = 0.0
            for k in s0...s1 { area += rectified[k] - rectifiedBaseline }
            areas.append(max(0, area) / rate)  // µV·s = mV·ms
            onsets.append(epochs.timeMs(ofSample: onsetIndex))
        }
        let count = epochs.sweepCount
        var component = BlinkComponent(
            component: name, stimulatedSide: epochs.channel.side ?? .left, recordedSide: epochs.channel.side ?? .left, muscle: epochs.channel.muscle ?? .OOc,
            channel: epochs.channel.label, ipsilateral: true, onsetLatencyMs: nil, shortestLatencyMs: nil, amplitudePeakToPeakMillivolt: nil,
            rectifiedAreaMillivoltMs: nil, sweepsWithResponse: onsets.count, sweeps: count, normChecks: [], flags: [])
        guard !onsets.isEmpty, Double(onsets.count) >= parameters.minimumResponseFraction * Double(count) else {
            component.flags.append(.missing)
            return component
        }
        if onsets.count < count { component.flags.append(.notInEverySweep) }
        if cutByWindow * 2 > onsets.count { component.flags.append(.responseActiveAtWindowEnd) }
        component.onsetLatencyMs = onsets.reduce(0, +) / Double(onsets.count)
        component.shortestLatencyMs = onsets.min()
        component.amplitudePeakToPeakMillivolt = amplitudes.reduce(0, +) / Double(amplitudes.count)
        component.rectifiedAreaMillivoltMs = areas.reduce(0, +) / Double(areas.count)
        return component
    }
}
