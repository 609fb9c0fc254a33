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
    /// Below this rate the results are flagged `low_sample_rate` (onsets need sub-0.1 ms resolution).
    public var recommendedSampleRateHz: Double
    /// Which phase is the main one (`--polarity`).
    public var polarity: ResponsePolarity
    /// Mains removal for every channel (`--notch`); `nil`: only on channels flagged mains-dominated.
    @ExplicitNull public var notch: MainsRemoval?
    /// What the stimulus times of the file or table count from (`--stimulus-times`).
    public var stimulusTimeBase: StimulusTimeBase
    /// How sweeps without intensities are grouped.
    public var grouping: ResponseGrouping
    /// How far after the window a time-locked deflection is looked for (`response_beyond_window`), ms.
    public var lookaheadMs: Double

    public init(
        window: EpochWindow = EpochWindow(), conditioning: EvokedConditioning = EvokedConditioning(),
        measurement: CMAPMeasurementSettings = CMAPMeasurementSettings(), stimulusSource: StimulusSource = .automatic,
        plateauTolerancePercent: Double = 5, minimumSampleRateHz: Double = 2500, degenerationThresholdPercent: Double = 90,
        recommendedSampleRateHz: Double = 5000, polarity: ResponsePolarity = .automatic, notch: MainsRemoval? = nil,
        stimulusTimeBase: StimulusTimeBase = .recording, grouping: ResponseGrouping = ResponseGrouping(), lookaheadMs: Double = 30
    ) {
        self.recommendedSampleRateHz = recommendedSampleRateHz
        self.polarity = polarity
        self.notch = notch
        self.stimulusTimeBase = stimulusTimeBase
        self.grouping = grouping
        self.lookaheadMs = lookaheadMs
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
        case recommendedSampleRateHz = "recommended_sample_rate_hz"
        case polarity, notch, grouping
        case stimulusTimeBase = "stimulus_time_base"
        case lookaheadMs = "lookahead_ms"
    }
}

/// The averaged response at one stimulus intensity.
public struct RecruitmentPoint: Sendable, Hashable, Codable {
    @ExplicitNull public var intensityMilliampere: Double?
    public var amplitudePeakToPeakMillivolt: Double
    public var sweeps: Int
    public var noResponse: Bool

    enum CodingKeys: String, CodingKey {
        case intensityMilliampere = "intensity_ma"
        case amplitudePeakToPeakMillivolt = "amplitude_pp_mv"
        case sweeps
        case noResponse = "no_response"
    }
}

/// The measured response of one branch on one side: the supramaximal one along an intensity series, or the largest
/// stable response group without intensities. Missing values are `null` (never NaN) with a flag.
public struct CMAPResponse: Sendable, Hashable, Codable {
    public var branch: Branch
    public var muscle: Muscle
    public var side: Side
    public var channel: String
    @ExplicitNull public var onsetLatencyMs: Double?
    @ExplicitNull public var peakLatencyMs: Double?
    public var amplitudeBaselineToPeakMillivolt: Double
    public var amplitudePeakToPeakMillivolt: Double
    @ExplicitNull public var durationMs: Double?
    @ExplicitNull public var areaMillivoltMs: Double?
    /// Sweeps averaged into the measured response.
    public var sweeps: Int
    /// Intensity of the measured (supramaximal) response, mA.
    @ExplicitNull public var intensityMilliampere: Double?
    /// Lowest intensity of the plateau, mA (`nil` without an intensity series or a response).
    @ExplicitNull public var plateauOnsetMilliampere: Double?
    public var recruitment: [RecruitmentPoint]
    public var baselineNoiseMicrovolt: Double
    public var normChecks: [NormCheck]
    public var flags: [EvokedFlag]
    /// Sign of the main phase (`negative`, `positive`); `nil` without a response.
    @ExplicitNull public var polarity: ResponsePolarity?
    /// Sign of the first phase, where the onset is measured.
    @ExplicitNull public var initialPhase: ResponsePolarity?
    /// Where the stimulus artefact (with amplifier recovery) ended on the measured average, ms.
    @ExplicitNull public var artefactEndMs: Double?
    /// Sweeps of this channel in the study (all intensities).
    public var sweepsAvailable: Int
    /// Mains removal applied to this channel's sweeps, if any.
    @ExplicitNull public var mains: MainsRemoval?
    /// Single-sweep baseline noise, µV RMS.
    @ExplicitNull public var sweepNoiseMicrovolt: Double?

    enum CodingKeys: String, CodingKey {
        case branch, muscle, side, channel, sweeps, recruitment, flags, polarity, mains
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
        case initialPhase = "initial_phase"
        case artefactEndMs = "artefact_end_ms"
        case sweepsAvailable = "sweeps_available"
        case sweepNoiseMicrovolt = "sweep_noise_uv"
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
    @ExplicitNull public var enogPercent: Double?
    /// 100 − ENoG %.
    @ExplicitNull public var degenerationPercent: Double?
    /// Affected minus healthy onset latency, ms, when both have one.
    @ExplicitNull public var latencyDifferenceMs: Double?
    public var flags: [EvokedFlag]

    enum CodingKeys: String, CodingKey {
        case branch, flags
        case affectedSide = "affected_side"
        case affectedAmplitudePeakToPeakMillivolt = "affected_amplitude_pp_mv"
        case healthyAmplitudePeakToPeakMillivolt = "healthy_amplitude_pp_mv"
        case enogPercent = "enog_percent"
        case degenerationPercent = "degeneration_percent"
        case latencyDifferenceMs = "latency_difference_ms"
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
            result.flags.append(.healthySideNoResponse)
            return result
        }
        let enog = 100 * max(0, affectedAmplitude) / healthyAmplitude
        result.enogPercent = enog
        result.degenerationPercent = 100 - enog
        if 100 - enog > degenerationThresholdPercent { result.flags.append(.degenerationAboveThreshold) }
        return result
    }
}

/// Results of a nerve-conduction study (design.md `ncs` JSON).
public struct NerveConductionResult: Sendable, Hashable, Codable {
    public var parameters: NerveConductionParameters
    public var normativeTable: String
    /// Where the stimuli came from: `header`, `trigger`, `artefact`, or `epochs` for epoched input.
    public var stimulusSource: StimulusSource
    public var stimulusCount: Int
    @ExplicitNull public var affectedSide: AffectedSide?
    public var responses: [CMAPResponse]
    public var branches: [BranchComparison]
    public var flags: [EvokedFlag]
    /// EMG channels not measured: a quality flag makes their numbers untrustworthy (flat, clipped, saturated, NaN
    /// gap, extreme noise; mains-dominated only when no response could be measured after mains removal), or
    /// their label names no muscle. A branch missing a side for this reason has no ENoG.
    public var excludedChannels: [ExcludedChannel] = []
    /// Time of the recording's first sample in its own time base, s (`nil` when it starts at 0).
    @ExplicitNull public var firstSampleTimeSeconds: Double?
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
        case firstSampleTimeSeconds = "first_sample_time_s"
    }

    /// True when a number of this study cannot be trusted as it stands: a channel was excluded or unrecognised,
    /// or a response carries a flag that fails quality (unit, artefact, window). The CLI exits 1.
    public var qualityFailed: Bool {
        !excludedChannels.isEmpty || flags.contains(where: \.failsQuality) || responses.contains { $0.flags.contains(where: \.failsQuality) }
    }

    /// The response of `branch` on `side`, if measured.
    public func response(branch: Branch, side: Side) -> CMAPResponse? {
        responses.first { $0.branch == branch && $0.side == side }
    }
}


/// The averaged waveform behind one ``CMAPResponse`` (for plots; not part of the JSON result).
public struct CMAPWaveform: Sendable, Hashable {
    public var channel: String
    public var branch: Branch
    public var side: Side
    /// Baseline-corrected average of the measured sweeps, µV, with the artefact (up to its measured end) blanked.
    public var response: AveragedResponse

    public init(channel: String, branch: Branch, side: Side, response: AveragedResponse) {
        self.channel = channel
        self.branch = branch
        self.side = side
        self.response = response
    }
}

/// Facial nerve conduction (electroneurography): the measured response per branch and side, ENoG per branch.
public enum NerveConductionAnalysis {
    /// Analyses a continuous recording: finds the stimuli (``StimulusDetection``; listed times are read in the time
    /// base `parameters.stimulusTimeBase`), reads sweeps around them for every EMG channel with a muscle (one at a
    /// time, with mains removed where asked or where a channel is mains-dominated), and measures each channel.
    ///
    /// A stimulus applies to a channel when its side (if known) is the channel's side and its branch (if
    /// given, and not `trunk`) is the channel's branch. EMG channels whose label names no muscle, and channels with
    /// a quality flag other than mains, are listed in `excludedChannels` with the reason.
    ///
    /// Throws `.input` for a rate below `minimumSampleRateHz`, no stimuli, a stimulus outside the recording (in the
    /// chosen time base), or a window running past its end.
    public static func analyze(
        _ recording: Recording, parameters: NerveConductionParameters = NerveConductionParameters(), norms: NormativeTable = .standard
    ) throws(SynkError) -> NerveConductionResult {
        try analyzeKeepingWaveforms(recording, parameters: parameters, norms: norms).result
    }

    /// ``analyze(_:parameters:norms:)`` that also returns, for every measured response, the averaged
    /// waveform it was measured on, for plotting.
    public static func analyzeKeepingWaveforms(
        _ recording: Recording, parameters: NerveConductionParameters = NerveConductionParameters(), norms: NormativeTable = .standard
    ) throws(SynkError) -> (result: NerveConductionResult, waveforms: [CMAPWaveform]) {
        let file = recording.header.source?.path
        try checkRate(recording.sampleRate, parameters: parameters, file: file)
        try parameters.notch?.validate(sampleRate: recording.sampleRate, file: file)
        var (stimuli, source) = StimulusDetection.stimuli(in: recording, source: parameters.stimulusSource)
        guard !stimuli.isEmpty else {
            throw .input(file, "no stimuli: none listed, no trigger channel, no stimulus artefact found", hint: "give the stimulus times with --stimuli")
        }
        if source == .header {
            stimuli = try StimulusTimes.resolve(stimuli, header: recording.header, base: parameters.stimulusTimeBase)
        }
        let plan = EvokedChannelPlan.plan(recording, notch: parameters.notch)
        var measured: [(CMAPResponse, CMAPWaveform?)] = []
        var excluded = plan.excluded
        for (c, mains) in plan.measured {
            let channel = recording.channels[c]
            guard let muscle = channel.muscle, let side = channel.side, let branch = channel.branch ?? muscle.branch else { continue }
            let relevant = stimuli.filter { s in
                (s.side == nil || s.side == channel.side) && (s.branch == nil || s.branch == .trunk || s.branch == branch)
            }
            guard !relevant.isEmpty else { continue }
            let sweeps = try RecordingSweeps(recording, channelIndex: c, stimuli: relevant, allStimuli: stimuli, window: parameters.window, mains: mains)
            var (response, waveform) = try measureChannel(sweeps, branch: branch, muscle: muscle, side: side, parameters: parameters, norms: norms)
            response.mains = mains
            if let mains, mains.automatic, response.flags.contains(.noResponse) {
                // Mains was the channel's problem and no response survived its removal: exclude, and say why.
                excluded[c] = ExcludedChannel(
                    channel: channel.label, muscle: muscle, side: side, flags: [.mainsDominated],
                    reason: "channel \(channel.label) excluded: mains-dominated (\(Int(mains.frequencyHz)) Hz) and no response could be measured after removing mains from every sweep and averaging")
                continue
            }
            if mains != nil { response.flags.append(.mainsRemoved) }
            measured.append((response, waveform))
        }
        if recording.sampleRate < parameters.recommendedSampleRateHz {
            for k in measured.indices { measured[k].0.flags.append(.lowSampleRate) }
        }
        var result = compare(measured.map(\.0), affectedSide: recording.header.affectedSide, parameters: parameters, norms: norms,
                             stimulusSource: source, stimulusCount: stimuli.count)
        // Stimuli of unknown side are applied to both sides' channels, which mixes responses: say so.
        if stimuli.contains(where: { $0.side == nil }) { result.flags.append(.stimulusSideUnknown) }
        result.excludedChannels = excluded.keys.sorted().map { excluded[$0]! }
        if excluded.keys.contains(where: { !plan.unrecognised.contains($0) }) { result.flags.append(.channelsExcludedByQuality) }
        if !plan.unrecognised.isEmpty { result.flags.append(.channelsUnrecognised) }
        result.firstSampleTimeSeconds = recording.header.firstSampleTime
        let waveforms = result.responses.compactMap { r in measured.first { $0.0.channel == r.channel }?.1 }
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
        norms: NormativeTable = .standard, stimulusSource: StimulusSource = .epochs, stimulusCount: Int? = nil
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
            var response = try measureChannel(channelEpochs, branch: branch, muscle: muscle, side: side, parameters: parameters, norms: norms).0
            if channelEpochs.sampleRate < parameters.recommendedSampleRateHz { response.flags.append(.lowSampleRate) }
            responses.append(response)
        }
        return compare(responses, affectedSide: affectedSide, parameters: parameters, norms: norms, stimulusSource: stimulusSource,
                       stimulusCount: stimulusCount ?? epochs.map(\.sweeps.count).reduce(0, +))
    }

    /// Sorts the responses and compares the two sides of every branch (ENoG).
    static func compare(
        _ measured: [CMAPResponse], affectedSide: AffectedSide?, parameters: NerveConductionParameters, norms: NormativeTable,
        stimulusSource: StimulusSource, stimulusCount: Int
    ) -> NerveConductionResult {
        var responses = measured
        responses.sort { ($0.branch.rawValue, $0.side, $0.muscle) < ($1.branch.rawValue, $1.side, $1.muscle) }
        var branches: [BranchComparison] = []
        var flags: [EvokedFlag] = []
        if affectedSide == nil || affectedSide == AffectedSide.none { flags.append(.affectedSideUnknown) }
        for branch in Branch.allCases {
            let candidates = responses.filter { $0.branch == branch }
            func pick(_ side: Side) -> CMAPResponse? {
                let onSide = candidates.filter { $0.side == side }
                return onSide.first { $0.muscle == branch.standardRecordingMuscle } ?? onSide.first
            }
            guard let left = pick(.left), let right = pick(.right) else { continue }
            var affected: Side
            var extra: [EvokedFlag] = []
            if let side = affectedSide?.side {
                affected = side
            } else {
                // Without a stated side the smaller response is called affected, and said so.
                affected = left.amplitudePeakToPeakMillivolt <= right.amplitudePeakToPeakMillivolt ? .left : .right
                extra.append(.affectedSideAssumedSmallerResponse)
            }
            let a = affected == .left ? left : right, h = affected == .left ? right : left
            var comparison = BranchComparison.compare(
                branch: branch, affectedSide: affected, affectedAmplitude: a.amplitudePeakToPeakMillivolt,
                healthyAmplitude: h.amplitudePeakToPeakMillivolt, degenerationThresholdPercent: parameters.degenerationThresholdPercent)
            if let la = a.onsetLatencyMs, let lh = h.onsetLatencyMs { comparison.latencyDifferenceMs = la - lh }
            if a.flags.contains(.noResponse) { comparison.flags.append(.affectedSideNoResponse) }
            comparison.flags += extra
            branches.append(comparison)
        }
        return NerveConductionResult(
            parameters: parameters, normativeTable: norms.name, stimulusSource: stimulusSource, stimulusCount: stimulusCount,
            affectedSide: affectedSide, responses: responses, branches: branches, flags: flags)
    }

    static func checkRate(_ rate: Double, parameters: NerveConductionParameters, file: String?, place: String? = nil) throws(SynkError) {
        guard rate >= parameters.minimumSampleRateHz else {
            throw .input(file, "sample rate \(rate) Hz is below the \(parameters.minimumSampleRateHz) Hz a nerve-conduction study needs",
                         place: place, hint: "record evoked responses at 10-50 kHz")
        }
    }

    /// Groups sweeps (by intensity, or into stable response groups without intensities), averages, measures, and
    /// selects the supramaximal (or largest stable) response; adds plausibility, window and norm flags.
    static func measureChannel(
        _ source: some SweepSource, branch: Branch, muscle: Muscle, side: Side, parameters: NerveConductionParameters, norms: NormativeTable
    ) throws(SynkError) -> (CMAPResponse, CMAPWaveform?) {
        let conditioning = parameters.conditioning
        let all = Array(0..<source.sweepCount)
        // Intensities in increasing order; sweeps without one form a single group.
        var groups: [(Double?, [Int])] = []
        let intensities = Set(source.stimuli.compactMap(\.intensityMilliampere)).sorted()
        let unknown = all.filter { source.stimuli[$0].intensityMilliampere == nil }
        var flags: [EvokedFlag] = []
        if intensities.isEmpty {
            flags.append(.intensityUnknown)
            let (group, stable) = try largestStableGroup(source, parameters: parameters)
            groups.append((nil, group))
            if !stable { flags.append(.noStableResponseGroup) }
        } else {
            if !unknown.isEmpty { groups.append((nil, unknown)) }
            for intensity in intensities {
                groups.append((intensity, all.filter { source.stimuli[$0].intensityMilliampere == intensity }))
            }
        }
        var measured: [(Double?, CMAPMeasurement, [Int], AveragedResponse)] = []
        for (intensity, indices) in groups {
            let average = try SweepAverager.average(source, indices: indices, conditioning: conditioning)
            measured.append((intensity, CMAPMeasurement.measure(average, conditioning: conditioning, settings: parameters.measurement,
                                                                 polarity: parameters.polarity), indices, average))
        }
        let recruitment = measured.map {
            RecruitmentPoint(intensityMilliampere: $0.0, amplitudePeakToPeakMillivolt: $0.1.amplitudePeakToPeakMillivolt, sweeps: $0.2.count, noResponse: $0.1.noResponse)
        }
        let selection = selectSupramaximal(recruitment, tolerancePercent: parameters.plateauTolerancePercent)
        let (intensity, m, indices, average) = measured[selection.index]
        flags = m.flags + selection.flags + (m.noResponse ? flags.filter { $0 == .intensityUnknown } : flags)

        // Plausibility: a unit read wrongly gives numbers no surface EMG makes.
        let sweepNoise = try SweepAverager.singleSweepNoise(source, indices: indices, conditioning: conditioning)
        if sweepNoise < 0.1 { flags.append(.noiseImplausiblyLowUnit) }
        if m.amplitudePeakToPeakMillivolt > 50 { flags.append(.amplitudeImplausiblyHighUnit) }
        // Something time-locked after the window?
        if !flags.contains(.responseActiveAtWindowEnd),
           beyondWindow(source, indices: indices, measurement: m, parameters: parameters) {
            flags.append(.responseBeyondWindow)
        }

        var checks: [NormCheck] = []
        if !m.noResponse {
            let site = StimulationSite.common(source.stimuli, indices: indices)
            if let onset = m.onsetLatencyMs, let check = norms.check(.onsetLatency, value: onset, branch: branch, muscle: muscle, site: site) { checks.append(check) }
            if let check = norms.check(.amplitudeBaselineToPeak, value: m.amplitudeBaselineToPeakMillivolt, branch: branch, muscle: muscle, site: site) { checks.append(check) }
            if let check = norms.check(.amplitudePeakToPeak, value: m.amplitudePeakToPeakMillivolt, branch: branch, muscle: muscle, site: site) { checks.append(check) }
            for check in checks where !check.withinLimits {
                let above = check.upperLimit.map { check.value > $0 } ?? false
                flags.append(above ? .aboveNorm(check.measure) : .belowNorm(check.measure))
            }
        }
        var blanked = average
        let a0 = max(0, Int(average.sampleIndex(ofMs: conditioning.artefactBlankStartMs).rounded(.down)))
        let a1 = min(blanked.samples.count, Int(average.sampleIndex(ofMs: m.artefact.endMs).rounded()))
        for i in a0..<max(a0, a1) { blanked.samples[i] = 0 }
        let response = CMAPResponse(
            branch: branch, muscle: muscle, side: side, channel: source.channel.label, onsetLatencyMs: m.onsetLatencyMs,
            peakLatencyMs: m.peakLatencyMs, amplitudeBaselineToPeakMillivolt: m.amplitudeBaselineToPeakMillivolt,
            amplitudePeakToPeakMillivolt: m.amplitudePeakToPeakMillivolt, durationMs: m.negativeDurationMs, areaMillivoltMs: m.negativeAreaMillivoltMs,
            sweeps: indices.count, intensityMilliampere: intensity, plateauOnsetMilliampere: selection.plateauOnset, recruitment: recruitment,
            baselineNoiseMicrovolt: m.baselineNoiseMicrovolt, normChecks: checks, flags: flags, polarity: m.polarity, initialPhase: m.initialPhase,
            artefactEndMs: m.artefact.endMs, sweepsAvailable: source.sweepCount, mains: nil, sweepNoiseMicrovolt: sweepNoise)
        return (response, CMAPWaveform(channel: source.channel.label, branch: branch, side: side, response: blanked))
    }

    /// Without intensities: the largest stable response group (see ``ResponseGrouping``). Returns all sweeps and
    /// `false` when no group is stable.
    static func largestStableGroup(_ source: some SweepSource, parameters: NerveConductionParameters) throws(SynkError) -> ([Int], Bool) {
        let all = Array(0..<source.sweepCount)
        let grouping = parameters.grouping
        guard all.count >= 2 else { return (all, true) }
        let conditioning = parameters.conditioning
        let overall = try SweepAverager.average(source, indices: all, conditioning: conditioning)
        let artefact = CMAPMeasurement.measure(overall, conditioning: conditioning, settings: parameters.measurement, polarity: parameters.polarity).artefact
        let baseline = try SweepAverager.baselineRange(source, conditioning: conditioning)
        let from = min(source.samplesPerSweep - 1, Int(source.sampleIndex(ofMs: artefact.endMs + parameters.measurement.searchGuardMs).rounded(.up)))
        func segment(_ s: Int) -> [Double] {
            let sweep = source.sweep(s)
            let mean = SweepAverager.baselineMean(sweep, baseline)
            return sweep[from...].map { $0 - mean }
        }
        var amplitude: [Double] = []
        amplitude.reserveCapacity(all.count)
        for s in all {
            let x = segment(s)
            amplitude.append((x.max() ?? 0) - (x.min() ?? 0))
        }
        let needed = max(grouping.minimumSweeps, Int((grouping.minimumFraction * Double(all.count)).rounded(.up)))
        let groups = grouping.amplitudeGroups(all, amplitude: amplitude, minimumGroup: needed)
        // One group: the sweeps vary but show no distinct levels (no intensity series); all of them are the response.
        if groups.count == 1 { return (all, true) }
        var best: (median: Double, members: [Int])?
        for group in groups where group.count >= needed {
            var mean = [Double](repeating: 0, count: source.samplesPerSweep - from)
            for s in group { for (i, v) in segment(s).enumerated() { mean[i] += v / Double(group.count) } }
            let members = group.filter { EvokedSignal.correlation(segment($0), mean) ?? 0 >= grouping.minimumCorrelation }
            guard members.count >= needed else { continue }
            let amplitudes = members.map { amplitude[$0] }.sorted()
            let median = amplitudes[amplitudes.count / 2]
            if best == nil || median > best!.median { best = (median, members) }
        }
        guard let best else { return (all, false) }
        return (best.members, true)
    }

    /// True when the average of what follows the window (up to the next stimulus, at most `lookaheadMs`) holds a
    /// deflection beyond the response threshold: a late response the window cut off.
    static func beyondWindow(_ source: some SweepSource, indices: [Int], measurement: CMAPMeasurement, parameters: NerveConductionParameters) -> Bool {
        let length = Int((parameters.lookaheadMs / 1000 * source.sampleRate).rounded())
        guard length > 0, let baseline = try? SweepAverager.baselineRange(source, conditioning: parameters.conditioning) else { return false }
        var sum: [Double] = []
        var common = length
        for s in indices {
            let more = source.continuation(s, length: length)
            common = min(common, more.count)
            guard common >= Int(0.002 * source.sampleRate) else { return false }
            let sweep = source.sweep(s)
            let mean = SweepAverager.baselineMean(sweep, baseline)
            if sum.isEmpty { sum = [Double](repeating: 0, count: length) }
            for i in 0..<common { sum[i] += more[i] - mean }
        }
        guard !sum.isEmpty else { return false }
        let average = sum.prefix(common).map { $0 / Double(indices.count) }
        let filtered = EvokedSignal.zeroPhaseLowPass(Array(average), cutoffHz: parameters.conditioning.lowPassHz, sampleRate: source.sampleRate)
        let threshold = parameters.measurement.responseThresholdSD * measurement.baselineNoiseMicrovolt
        let depth = measurement.amplitudeBaselineToPeakMillivolt * 1000
        let level = max(threshold, parameters.measurement.windowEndFraction * depth)
        return filtered.contains { abs($0) > level }
    }

    /// Supramaximal selection along a recruitment curve (points in increasing intensity; a leading point
    /// without intensity is ignored when others have one).
    ///
    /// The plateau is the run of highest intensities whose amplitudes all lie within `tolerancePercent` of
    /// the largest amplitude; its first intensity is where the response stops growing. The selected response
    /// is the one at the highest plateau intensity (supramaximal). Flags: `not_supramaximal` when only the
    /// highest intensity reaches the plateau of two or more intensities (the curve was still growing),
    /// `amplitude_fell_at_highest_intensity` when the highest intensity is below the plateau.
    public static func selectSupramaximal(_ curve: [RecruitmentPoint], tolerancePercent: Double) -> (index: Int, plateauOnset: Double?, flags: [EvokedFlag]) {
        let indexed = curve.indices.filter { curve[$0].intensityMilliampere != nil }
        guard indexed.count >= 2 else { return (indexed.last ?? max(0, curve.count - 1), nil, []) }
        let amplitudes = indexed.map { curve[$0].amplitudePeakToPeakMillivolt }
        let largest = amplitudes.max() ?? 0
        guard largest > 0 else { return (indexed.last!, nil, []) }
        let floor = largest * (1 - tolerancePercent / 100)
        var flags: [EvokedFlag] = []
        var k = indexed.count - 1
        if amplitudes[k] < floor {
            flags.append(.amplitudeFellAtHighestIntensity)
            let best = amplitudes.firstIndex(of: largest)!
            return (indexed[best], curve[indexed[best]].intensityMilliampere, flags)
        }
        while k > 0, amplitudes[k - 1] >= floor { k -= 1 }
        if k == indexed.count - 1 { flags.append(.notSupramaximal) }
        return (indexed.last!, curve[indexed[k]].intensityMilliampere, flags)
    }
}
