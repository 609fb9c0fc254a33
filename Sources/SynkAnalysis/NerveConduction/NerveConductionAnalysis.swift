import Foundation
import SynkCore

/// Every setting of a nerve-conduction (ENoG) analysis; reported in the results.
public struct NerveConductionParameters: Sendable, Hashable, Codable {
    public var window: EpochWindow
    public var conditioning: EvokedConditioning
    public var measurement: CMAPMeasurementSettings
    public var stimulusSource: StimulusSource
    /// Along an intensity series, responses within this percentage of the largest one form the plateau;
    /// the response at the highest plateau intensity is the supramaximal one.
    public var plateauTolerancePercent: Double
    /// Recordings below this rate are refused (CMAP onsets need sub-0.1 ms resolution).
    public var minimumSampleRateHz: Double
    /// Degeneration above this percentage is flagged (Gantz 1999: > 90 % within 14 days).
    public var degenerationThresholdPercent: Double

    public init(
        window: EpochWindow = EpochWindow(), conditioning: EvokedConditioning = EvokedConditioning(),
        measurement: CMAPMeasurementSettings = CMAPMeasurementSettings(), stimulusSource: StimulusSource = .automatic,
        plateauTolerancePercent: Double = 5, minimumSampleRateHz: Double = 5000, degenerationThresholdPercent: Double = 90
    ) {
        self.window = window
        self.conditioning = conditioning
        self.measurement = measurement
        self.stimulusSource = stimulusSource
        self.plateauTolerancePercent = plateauTolerancePercent
        self.minimumSampleRateHz = minimumSampleRateHz
        self.degenerationThresholdPercent = degenerationThresholdPercent
    }

    enum CodingKeys: String, CodingKey {
        case window, conditioning, measurement
        case stimulusSource = "stimulus_source"
        case plateauTolerancePercent = "plateau_tolerance_percent"
        case minimumSampleRateHz = "minimum_sample_rate_hz"
        case degenerationThresholdPercent = "degeneration_threshold_percent"
    }
}

/// The averaged response at one stimulus intensity.
public struct RecruitmentPoint: Sendable, Hashable, Codable {
    public var intensityMilliampere: Double?
    public var amplitudePeakToPeakMillivolt: Double
    public var sweeps: Int
    public var noResponse: Bool

    enum CodingKeys: String, CodingKey {
        case intensityMilliampere = "intensity_ma"
        case amplitudePeakToPeakMillivolt = "amplitude_pp_mv"
        case sweeps
        case noResponse = "no_response"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(intensityMilliampere, forKey: .intensityMilliampere)
        try c.encode(amplitudePeakToPeakMillivolt, forKey: .amplitudePeakToPeakMillivolt)
        try c.encode(sweeps, forKey: .sweeps)
        try c.encode(noResponse, forKey: .noResponse)
    }
}

/// The supramaximal CMAP of one branch on one side. Missing values are `null` (never NaN) with a flag.
public struct CMAPResponse: Sendable, Hashable, Codable {
    public var branch: Branch
    public var muscle: Muscle
    public var side: Side
    public var channel: String
    public var onsetLatencyMs: Double?
    public var peakLatencyMs: Double?
    public var amplitudeBaselineToPeakMillivolt: Double
    public var amplitudePeakToPeakMillivolt: Double
    public var durationMs: Double?
    public var areaMillivoltMs: Double?
    /// Sweeps averaged into the measured response.
    public var sweeps: Int
    /// Intensity of the measured (supramaximal) response, mA.
    public var intensityMilliampere: Double?
    /// Lowest intensity of the plateau, mA (`nil` without an intensity series or a response).
    public var plateauOnsetMilliampere: Double?
    public var recruitment: [RecruitmentPoint]
    public var baselineNoiseMicrovolt: Double
    public var normChecks: [NormCheck]
    public var flags: [String]

    enum CodingKeys: String, CodingKey {
        case branch, muscle, side, channel, sweeps, recruitment, flags
        case onsetLatencyMs = "onset_latency_ms"
        case peakLatencyMs = "peak_latency_ms"
        case amplitudeBaselineToPeakMillivolt = "amplitude_bp_mv"
        case amplitudePeakToPeakMillivolt = "amplitude_pp_mv"
        case durationMs = "duration_ms"
        case areaMillivoltMs = "area_mv_ms"
        case intensityMilliampere = "intensity_ma"
        case plateauOnsetMilliampere = "plateau_onset_ma"
        case baselineNoiseMicrovolt = "baseline_noise_uv"
        case normChecks = "norm_checks"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(branch, forKey: .branch)
        try c.encode(muscle, forKey: .muscle)
        try c.encode(side, forKey: .side)
        try c.encode(channel, forKey: .channel)
        try c.encode(onsetLatencyMs, forKey: .onsetLatencyMs)
        try c.encode(peakLatencyMs, forKey: .peakLatencyMs)
        try c.encode(amplitudeBaselineToPeakMillivolt, forKey: .amplitudeBaselineToPeakMillivolt)
        try c.encode(amplitudePeakToPeakMillivolt, forKey: .amplitudePeakToPeakMillivolt)
        try c.encode(durationMs, forKey: .durationMs)
        try c.encode(areaMillivoltMs, forKey: .areaMillivoltMs)
        try c.encode(sweeps, forKey: .sweeps)
        try c.encode(intensityMilliampere, forKey: .intensityMilliampere)
        try c.encode(plateauOnsetMilliampere, forKey: .plateauOnsetMilliampere)
        try c.encode(recruitment, forKey: .recruitment)
        try c.encode(baselineNoiseMicrovolt, forKey: .baselineNoiseMicrovolt)
        try c.encode(normChecks, forKey: .normChecks)
        try c.encode(flags, forKey: .flags)
    }
}

/// ENoG of one branch: the affected side's peak-to-peak amplitude as a percentage of the healthy side's.
public struct BranchComparison: Sendable, Hashable, Codable {
    public var branch: Branch
    /// The side treated as affected (from the recording, or the smaller response when unknown: flagged).
    public var affectedSide: Side
    public var affectedAmplitudePeakToPeakMillivolt: Double
    public var healthyAmplitudePeakToPeakMillivolt: Double
    /// 100 · A_pp(affected) / A_pp(healthy); `nil` when the healthy side has no response.
    public var enogPercent: Double?
    /// 100 − ENoG %.
    public var degenerationPercent: Double?
    /// Affected minus healthy onset latency, ms, when both have one.
    public var latencyDifferenceMs: Double?
    public var flags: [String]

    enum CodingKeys: String, CodingKey {
        case branch, flags
        case affectedSide = "affected_side"
        case affectedAmplitudePeakToPeakMillivolt = "affected_amplitude_pp_mv"
        case healthyAmplitudePeakToPeakMillivolt = "healthy_amplitude_pp_mv"
        case enogPercent = "enog_percent"
        case degenerationPercent = "degeneration_percent"
        case latencyDifferenceMs = "latency_difference_ms"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(branch, forKey: .branch)
        try c.encode(affectedSide, forKey: .affectedSide)
        try c.encode(affectedAmplitudePeakToPeakMillivolt, forKey: .affectedAmplitudePeakToPeakMillivolt)
        try c.encode(healthyAmplitudePeakToPeakMillivolt, forKey: .healthyAmplitudePeakToPeakMillivolt)
        try c.encode(enogPercent, forKey: .enogPercent)
        try c.encode(degenerationPercent, forKey: .degenerationPercent)
        try c.encode(latencyDifferenceMs, forKey: .latencyDifferenceMs)
        try c.encode(flags, forKey: .flags)
    }

    /// ENoG % and degeneration % from two peak-to-peak amplitudes (mV). Flags
    /// `degeneration_above_threshold` when degeneration exceeds `degenerationThresholdPercent` (strictly),
    /// `healthy_side_no_response` (ENoG `nil`) when the healthy amplitude is 0.
    public static func compare(
        branch: Branch, affectedSide: Side, affectedAmplitude: Double, healthyAmplitude: Double, degenerationThresholdPercent: Double = 90
    ) -> BranchComparison {
        var result = BranchComparison(
            branch: branch, affectedSide: affectedSide, affectedAmplitudePeakToPeakMillivolt: affectedAmplitude,
            healthyAmplitudePeakToPeakMillivolt: healthyAmplitude, enogPercent: nil, degenerationPercent: nil, latencyDifferenceMs: nil, flags: [])
        guard healthyAmplitude > 0, healthyAmplitude.isFinite, affectedAmplitude.isFinite else {
            result.flags.append("healthy_side_no_response")
            return result
        }
        let enog = 100 * max(0, affectedAmplitude) / healthyAmplitude
        result.enogPercent = enog
        result.degenerationPercent = 100 - enog
        if 100 - enog > degenerationThresholdPercent { result.flags.append("degeneration_above_threshold") }
        return result
    }
}

/// Results of a nerve-conduction study (design.md `ncs` JSON).
public struct NerveConductionResult: Sendable, Hashable, Codable {
    public var parameters: NerveConductionParameters
    public var normativeTable: String
    /// Where the stimuli came from: `header`, `trigger`, `artefact`, or `epochs` for epoched input.
    public var stimulusSource: String
    public var stimulusCount: Int
    public var affectedSide: AffectedSide?
    public var responses: [CMAPResponse]
    public var branches: [BranchComparison]
    public var flags: [String]
    /// EMG channels not measured because a quality flag makes their numbers untrustworthy (flat, clipped,
    /// saturated, NaN gap, mains-dominated, extreme noise); a branch missing a side for this reason has no ENoG.
    public var excludedChannels: [ExcludedChannel] = []
    public var synkVersion: String = SynkVersion.current
    /// The file analysed, when the study came from a file.
    public var input: InputDescription?

    enum CodingKeys: String, CodingKey {
        case parameters, responses, branches, flags, input
        case synkVersion = "synk_version"
        case normativeTable = "normative_table"
        case stimulusSource = "stimulus_source"
        case stimulusCount = "stimulus_count"
        case affectedSide = "affected_side"
        case excludedChannels = "excluded_channels"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(synkVersion, forKey: .synkVersion)
        try c.encodeIfPresent(input, forKey: .input)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(normativeTable, forKey: .normativeTable)
        try c.encode(stimulusSource, forKey: .stimulusSource)
        try c.encode(stimulusCount, forKey: .stimulusCount)
        try c.encode(affectedSide, forKey: .affectedSide)
        try c.encode(responses, forKey: .responses)
        try c.encode(branches, forKey: .branches)
        try c.encode(flags, forKey: .flags)
        try c.encode(excludedChannels, forKey: .excludedChannels)
    }

    /// The response of `branch` on `side`, if measured.
    public func response(branch: Branch, side: Side) -> CMAPResponse? {
        responses.first { $0.branch == branch && $0.side == side }
    }
}

/// The averaged supramaximal waveform behind one ``CMAPResponse`` (for plots; not part of the JSON result).
public struct CMAPWaveform: Sendable, Hashable {
    public var channel: String
    public var branch: Branch
    public var side: Side
    /// Baseline-corrected, artefact-blanked average of the sweeps at the response's intensity, µV.
    public var response: AveragedResponse

    public init(channel: String, branch: Branch, side: Side, response: AveragedResponse) {
        self.channel = channel
        self.branch = branch
        self.side = side
        self.response = response
    }
}

/// Facial nerve conduction (electroneurography): supramaximal CMAP per branch and side, ENoG per branch.
public enum NerveConductionAnalysis {
    /// Analyses a continuous recording: finds the stimuli (``StimulusDetection``), cuts ``EvokedEpochs``
    /// around them for every EMG channel with a muscle, and hands them to ``analyze(epochs:affectedSide:parameters:norms:stimulusSource:)``.
    ///
    /// A stimulus applies to a channel when its side (if known) is the channel's side and its branch (if
    /// given, and not `trunk`) is the channel's branch.
    ///
    /// Throws `.input` for a rate below `minimumSampleRateHz`, no stimuli, a stimulus outside the recording,
    /// or a window running past its end.
    public static func analyze(
        _ recording: Recording, parameters: NerveConductionParameters = NerveConductionParameters(), norms: NormativeTable = .standard
    ) throws(SynkError) -> NerveConductionResult {
        try analyzeKeepingWaveforms(recording, parameters: parameters, norms: norms).result
    }

    /// ``analyze(_:parameters:norms:)`` that also returns, for every measured response, the averaged
    /// waveform it was measured on (the sweeps at the selected supramaximal intensity), for plotting.
    public static func analyzeKeepingWaveforms(
        _ recording: Recording, parameters: NerveConductionParameters = NerveConductionParameters(), norms: NormativeTable = .standard
    ) throws(SynkError) -> (result: NerveConductionResult, waveforms: [CMAPWaveform]) {
        let file = recording.header.source?.path
        try checkRate(recording.sampleRate, parameters: parameters, file: file)
        let (stimuli, source) = StimulusDetection.stimuli(in: recording, source: parameters.stimulusSource)
        guard !stimuli.isEmpty else {
            throw .input(file, "no stimuli: none listed, no trigger channel, no stimulus artefact found", hint: "give the stimulus times with --stimuli")
        }
        for stimulus in stimuli where !(stimulus.time.isFinite && stimulus.time >= 0 && stimulus.time < recording.duration) {
            throw .input(file, "stimulus at \(stimulus.time) s lies outside the recording (0-\(recording.duration) s)", place: "stimuli",
                         hint: "check the stimulus list or its time unit")
        }
        // A flagged channel is not measured at all: a CMAP from a clipped or saturated trace is not a CMAP.
        let excluded = QualityAccumulator.excludedEMGChannels(recording)
        var epochs: [EvokedEpochs] = []
        for (c, channel) in recording.channels.enumerated() where channel.kind == .emg && channel.muscle != nil && excluded[c] == nil {
            let branch = channel.branch ?? channel.muscle?.branch
            let relevant = stimuli.filter { s in
                (s.side == nil || s.side == channel.side) && (s.branch == nil || s.branch == .trunk || s.branch == branch)
            }
            guard !relevant.isEmpty else { continue }
            epochs.append(try EvokedEpochs.cut(recording, channelIndex: c, stimuli: relevant, window: parameters.window))
        }
        var result = try analyze(epochs: epochs, affectedSide: recording.header.affectedSide, parameters: parameters, norms: norms,
                                 stimulusSource: source.rawValue, stimulusCount: stimuli.count)
        // Stimuli of unknown side are applied to both sides' channels, which mixes responses: say so.
        if stimuli.contains(where: { $0.side == nil }) { result.flags.append("stimulus_side_unknown") }
        result.excludedChannels = excluded.keys.sorted().map { excluded[$0]! }
        if !excluded.isEmpty { result.flags.append("channels_excluded_by_quality") }
        var waveforms: [CMAPWaveform] = []
        for response in result.responses {
            guard let channelEpochs = epochs.first(where: { $0.channel.label == response.channel }) else { continue }
            let indices = channelEpochs.stimuli.indices.filter { channelEpochs.stimuli[$0].intensityMilliampere == response.intensityMilliampere }
            guard !indices.isEmpty else { continue }
            let average = try channelEpochs.averaged(sweepIndices: indices, conditioning: parameters.conditioning)
            waveforms.append(CMAPWaveform(channel: response.channel, branch: response.branch, side: response.side, response: average))
        }
        return (result, waveforms)
    }

    /// Analyses epoched sweeps (one ``EvokedEpochs`` per channel). Sweeps of a channel are grouped by
    /// stimulus intensity and averaged; the supramaximal response is measured (``CMAPMeasurement``) and
    /// checked against `norms`; then each branch with both sides gets its ENoG.
    ///
    /// Throws `.input` when a channel's rate is below `minimumSampleRateHz` or its sweeps do not cover the
    /// analysis window (baseline before the stimulus, `window.postStimulusMs` after).
    public static func analyze(
        epochs: [EvokedEpochs], affectedSide: AffectedSide?, parameters: NerveConductionParameters = NerveConductionParameters(),
        norms: NormativeTable = .standard, stimulusSource: String = "epochs", stimulusCount: Int? = nil
    ) throws(SynkError) -> NerveConductionResult {
        var responses: [CMAPResponse] = []
        for channelEpochs in epochs {
            try checkRate(channelEpochs.sampleRate, parameters: parameters, file: nil, place: channelEpochs.channel.label)
            let preMs = Double(channelEpochs.preStimulusSamples) / channelEpochs.sampleRate * 1000
            let postMs = Double(channelEpochs.samplesPerSweep - channelEpochs.preStimulusSamples) / channelEpochs.sampleRate * 1000
            let neededPre = max(-parameters.conditioning.baselineStartMs, 0)
            let tolerance = 1.0 / channelEpochs.sampleRate * 1000
            guard preMs + tolerance >= neededPre, postMs + tolerance >= parameters.window.postStimulusMs else {
                throw .input(nil, "sweeps span \(-preMs)…+\(postMs) ms, shorter than the analysis window \(-neededPre)…+\(parameters.window.postStimulusMs) ms",
                             place: channelEpochs.channel.label, hint: "record longer sweeps or shorten the window")
            }
            guard let muscle = channelEpochs.channel.muscle, let side = channelEpochs.channel.side,
                  let branch = channelEpochs.channel.branch ?? muscle.branch else { continue }
            responses.append(try measureChannel(channelEpochs, branch: branch, muscle: muscle, side: side, parameters: parameters, norms: norms))
        }
        responses.sort { ($0.branch.rawValue, $0.side, $0.muscle) < ($1.branch.rawValue, $1.side, $1.muscle) }

        var branches: [BranchComparison] = []
        var flags: [String] = []
        if affectedSide == nil || affectedSide == AffectedSide.none { flags.append("affected_side_unknown") }
        for branch in Branch.allCases {
            let candidates = responses.filter { $0.branch == branch }
            func pick(_ side: Side) -> CMAPResponse? {
                let onSide = candidates.filter { $0.side == side }
                return onSide.first { $0.muscle == branch.standardRecordingMuscle } ?? onSide.first
            }
            guard let left = pick(.left), let right = pick(.right) else { continue }
            var affected: Side
            var extra: [String] = []
            if let side = affectedSide?.side {
                affected = side
            } else {
                // Without a stated side the smaller response is called affected, and said so.
                affected = left.amplitudePeakToPeakMillivolt <= right.amplitudePeakToPeakMillivolt ? .left : .right
                extra.append("affected_side_assumed_smaller_response")
            }
            let a = affected == .left ? left : right, h = affected == .left ? right : left
            var comparison = BranchComparison.compare(
                branch: branch, affectedSide: affected, affectedAmplitude: a.amplitudePeakToPeakMillivolt,
                healthyAmplitude: h.amplitudePeakToPeakMillivolt, degenerationThresholdPercent: parameters.degenerationThresholdPercent)
            if let la = a.onsetLatencyMs, let lh = h.onsetLatencyMs { comparison.latencyDifferenceMs = la - lh }
            if a.flags.contains("no_response") { comparison.flags.append("affected_side_no_response") }
            comparison.flags += extra
            branches.append(comparison)
        }
        return NerveConductionResult(
            parameters: parameters, normativeTable: norms.name, stimulusSource: stimulusSource,
            stimulusCount: stimulusCount ?? epochs.map(\.sweeps.count).reduce(0, +),
            affectedSide: affectedSide, responses: responses, branches: branches, flags: flags)
    }

    static func checkRate(_ rate: Double, parameters: NerveConductionParameters, file: String?, place: String? = nil) throws(SynkError) {
        guard rate >= parameters.minimumSampleRateHz else {
            throw .input(file, "sample rate \(rate) Hz is below the \(parameters.minimumSampleRateHz) Hz a nerve-conduction study needs",
                         place: place, hint: "record evoked responses at 10-50 kHz")
        }
    }

    /// Groups by intensity, averages, measures, selects the supramaximal response.
    static func measureChannel(
        _ epochs: EvokedEpochs, branch: Branch, muscle: Muscle, side: Side, parameters: NerveConductionParameters, norms: NormativeTable
    ) throws(SynkError) -> CMAPResponse {
        // Intensities in increasing order; sweeps without one form a single group.
        var groups: [(Double?, [Int])] = []
        let intensities = Set(epochs.stimuli.compactMap(\.intensityMilliampere)).sorted()
        let unknown = epochs.stimuli.indices.filter { epochs.stimuli[$0].intensityMilliampere == nil }
        if !unknown.isEmpty { groups.append((nil, unknown)) }
        for intensity in intensities {
            groups.append((intensity, epochs.stimuli.indices.filter { epochs.stimuli[$0].intensityMilliampere == intensity }))
        }
        var measured: [(Double?, CMAPMeasurement, Int)] = []
        for (intensity, indices) in groups {
            let average = try epochs.averaged(sweepIndices: indices, conditioning: parameters.conditioning)
            measured.append((intensity, CMAPMeasurement.measure(average, conditioning: parameters.conditioning, settings: parameters.measurement), indices.count))
        }
        let recruitment = measured.map {
            RecruitmentPoint(intensityMilliampere: $0.0, amplitudePeakToPeakMillivolt: $0.1.amplitudePeakToPeakMillivolt, sweeps: $0.2, noResponse: $0.1.noResponse)
        }
        let selection = selectSupramaximal(recruitment, tolerancePercent: parameters.plateauTolerancePercent)
        let (intensity, m, count) = measured[selection.index]
        var flags = m.flags + selection.flags
        var checks: [NormCheck] = []
        if !m.noResponse {
            if let onset = m.onsetLatencyMs, let check = norms.check("onset_latency_ms", value: onset, branch: branch, muscle: muscle) { checks.append(check) }
            if let check = norms.check("amplitude_bp_mv", value: m.amplitudeBaselineToPeakMillivolt, branch: branch, muscle: muscle) { checks.append(check) }
            if let check = norms.check("amplitude_pp_mv", value: m.amplitudePeakToPeakMillivolt, branch: branch, muscle: muscle) { checks.append(check) }
            for check in checks where !check.withinLimits {
                let direction = check.upperLimit.map { check.value > $0 } ?? false ? "above" : "below"
                flags.append("\(check.measure)_\(direction)_norm")
            }
        }
        return CMAPResponse(
            branch: branch, muscle: muscle, side: side, channel: epochs.channel.label, onsetLatencyMs: m.onsetLatencyMs,
            peakLatencyMs: m.peakLatencyMs, amplitudeBaselineToPeakMillivolt: m.amplitudeBaselineToPeakMillivolt,
            amplitudePeakToPeakMillivolt: m.amplitudePeakToPeakMillivolt, durationMs: m.negativeDurationMs, areaMillivoltMs: m.negativeAreaMillivoltMs,
            sweeps: count, intensityMilliampere: intensity, plateauOnsetMilliampere: selection.plateauOnset, recruitment: recruitment,
            baselineNoiseMicrovolt: m.baselineNoiseMicrovolt, normChecks: checks, flags: flags)
    }

    /// Supramaximal selection along a recruitment curve (points in increasing intensity; a leading point
    /// without intensity is ignored when others have one).
    ///
    /// The plateau is the run of highest intensities whose amplitudes all lie within `tolerancePercent` of
    /// the largest amplitude; its first intensity is where the response stops growing. The selected response
    /// is the one at the highest plateau intensity (supramaximal). Flags: `not_supramaximal` when only the
    /// highest intensity reaches the plateau of two or more intensities (the curve was still growing),
    /// `amplitude_fell_at_highest_intensity` when the highest intensity is below the plateau.
    public static func selectSupramaximal(_ curve: [RecruitmentPoint], tolerancePercent: Double) -> (index: Int, plateauOnset: Double?, flags: [String]) {
        let indexed = curve.indices.filter { curve[$0].intensityMilliampere != nil }
        guard indexed.count >= 2 else { return (indexed.last ?? max(0, curve.count - 1), nil, []) }
        let amplitudes = indexed.map { curve[$0].amplitudePeakToPeakMillivolt }
        let largest = amplitudes.max() ?? 0
        guard largest > 0 else { return (indexed.last!, nil, []) }
        let floor = largest * (1 - tolerancePercent / 100)
        var flags: [String] = []
        var k = indexed.count - 1
        if amplitudes[k] < floor {
            flags.append("amplitude_fell_at_highest_intensity")
            let best = amplitudes.firstIndex(of: largest)!
            return (indexed[best], curve[indexed[best]].intensityMilliampere, flags)
        }
        while k > 0, amplitudes[k - 1] >= floor { k -= 1 }
        if k == indexed.count - 1 { flags.append("not_supramaximal") }
        return (indexed.last!, curve[indexed[k]].intensityMilliampere, flags)
    }
}
