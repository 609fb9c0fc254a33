import SynkCore

/// What a ``SynkinesisSimulation`` really put into its recording, and the values an analysis should
/// find, computed from the generating model (never by analysing the simulated samples).
///
/// ## Expected values
/// For a channel (muscle *F*, side *s*) the model's expected square at sample *i* is
///
///     E[x²ᵢ] = A²₍F,s₎·E[a²₍F,s₎(tᵢ)] + Σₙ c²₍n→F₎·A²₍n,s₎·E[a²₍n,s₎(tᵢ)] + σ²₍F₎ + Σₖ aₖ²/2
///
/// (own EMG, crosstalk from neighbours *n*, white electrode noise, mains components), because all
/// components are independent with zero mean and every carrier has unit variance;
/// E[a²] = (Σⱼ cⱼ)² + δ²·Σⱼ cⱼ² sums the envelope's contributions cⱼ(t) (own contraction profiles and
/// coupled bursts) with the effort fluctuation δ (see ``SynkinesisSimulation``). The **task window**
/// of a task is the union of its repetitions' events, the samples *i* with onset ≤ i / rate < offset
/// (exactly the recording's events with that label). The **expected RMS** of a channel during a task is
/// √(mean of E[x²ᵢ] over the task window) — the value the RMS of the raw channel over those samples
/// converges to. The **expected amplitude ratio** of (task, driver D, follower F) is the expected RMS of
/// F on the affected side divided by that on the healthy side, both during D's task: the "IEMG index"
/// of domain.md §3 (Bernardes 2018) on unfiltered signals. Artefacts are not part of the expectations;
/// ``artefacts`` says which channels and samples they spoil.
public struct SynkinesisGroundTruth: Codable, Sendable, Hashable {
    public var parameters: SynkinesisSimulation
    public var seed: UInt64
    public var sampleRate: Double
    public var frameCount: Int
    public var channelLabels: [String]
    /// Every task repetition, in time order (the recording's events, one each).
    public var repetitions: [TaskRepetition]
    /// Every coupling as realised on each side.
    public var couplings: [RealisedCoupling]
    /// Every follower burst a coupling caused.
    public var coupledBursts: [CoupledBurst]
    /// Expected RMS of every channel during every task.
    public var taskActivity: [ExpectedTaskActivity]
    /// Expected affected ÷ healthy RMS per (task, driver, follower); empty when no side is affected.
    public var amplitudeRatios: [ExpectedAmplitudeRatio]
    /// Where the artefacts are, in samples.
    public var artefacts: [ArtefactLocation]

    enum CodingKeys: String, CodingKey {
        case parameters, seed, sampleRate = "sample_rate_hz", frameCount = "frame_count", channelLabels = "channel_labels"
        case repetitions, couplings, coupledBursts = "coupled_bursts", taskActivity = "task_activity"
        case amplitudeRatios = "amplitude_ratios", artefacts
    }

    /// The expected RMS of `muscle` on `side` during `task`, if the task and channel exist.
    public func expectedRMS(task: String, muscle: Muscle, side: Side) -> Double? {
        taskActivity.first { $0.task == task && $0.muscle == muscle && $0.side == side }?.expectedRMSMicrovolts
    }

    /// The expected RMS of `muscle` on `side` during `task` after an ideal (brick-wall) band-pass `band` (Hz).
    ///
    /// Each component keeps the fraction of its power inside the band: the EMG carriers the integral of
    /// their model spectrum |H(f)|⁴ over the band (the slow envelope's own spectral spread of a few Hz
    /// is neglected), the white electrode noise (high − low) / Nyquist, the mains the components inside
    /// the band. A zero-phase Butterworth band-pass of order 4 differs from the ideal one mainly in its
    /// skirts; for a 20-450 Hz band the difference is well below 1 % of the RMS for the default muscles.
    public func expectedRMS(task: String, muscle: Muscle, side: Side, band: ClosedRange<Double>) -> Double? {
        guard let entry = taskActivity.first(where: { $0.task == task && $0.muscle == muscle && $0.side == side }),
              let own = parameters.muscles.first(where: { $0.muscle == muscle })
        else { return nil }
        let nyquist = sampleRate / 2
        func carrierFraction(_ m: MuscleSignal) -> Double {
            EMGCarrierShaper.powerFraction(peakHz: m.spectralPeakHz, quality: m.spectralQuality, sampleRate: sampleRate, band: band)
        }
        var meanSquare = entry.expectedMuscleRMSMicrovolts * entry.expectedMuscleRMSMicrovolts * carrierFraction(own)
        for (code, power) in entry.crosstalkMeanSquares {
            guard let neighbour = parameters.muscles.first(where: { $0.muscle.rawValue == code }) else { continue }
            // A leak through the volume conductor's low-pass has its own spectrum: the carrier's times |H_lp|².
            if let lowPass = parameters.crosstalk.first(where: { $0.source == neighbour.muscle && $0.into == muscle && $0.fraction != 0 })?.lowPass {
                meanSquare += power * EMGCarrierShaper.lowPassed(peakHz: neighbour.spectralPeakHz, quality: neighbour.spectralQuality,
                                                                 sampleRate: sampleRate, lowPass: lowPass, band: band).bandFraction
            } else {
                meanSquare += power * carrierFraction(neighbour)
            }
        }
        let label = SynkinesisSimulation.label(muscle, side)
        let noise = parameters.channelNoiseMicrovolts?[label] ?? own.baselineNoiseMicrovolts
        let noiseFraction = max(0, min(band.upperBound, nyquist) - max(band.lowerBound, 0)) / nyquist
        meanSquare += noise * noise * noiseFraction
        let mainsScale = parameters.channelMainsScale?[label] ?? 1
        for component in parameters.mains.components(below: nyquist) where band.contains(component.frequency) {
            meanSquare += component.amplitude * component.amplitude / 2 * mainsScale * mainsScale
        }
        return meanSquare.squareRoot()
    }

    /// ``ExpectedAmplitudeRatio/ratio`` after an ideal band-pass `band` (Hz); `nil` without an affected side.
    public func expectedAmplitudeRatio(task: String, follower: Muscle, band: ClosedRange<Double>) -> Double? {
        guard let affected = parameters.affectedSide.side,
              let a = expectedRMS(task: task, muscle: follower, side: affected, band: band),
              let h = expectedRMS(task: task, muscle: follower, side: affected.opposite, band: band)
        else { return nil }
        return a / h
    }

    /// One repetition of a task as performed.
    public struct TaskRepetition: Codable, Sendable, Hashable {
        public var task: String
        /// 1-based.
        public var repetition: Int
        public var drivers: [Muscle]
        /// Start of the onset ramp, seconds (the event onset).
        public var onset: Double
        /// End of the release, seconds (event onset + duration).
        public var offset: Double
        public var plateauStart: Double
        public var plateauEnd: Double
        /// Effort of this repetition relative to nominal (the drivers' plateau activation).
        public var activationLevel: Double

        enum CodingKeys: String, CodingKey {
            case task, repetition, drivers, onset = "onset_s", offset = "offset_s"
            case plateauStart = "plateau_start_s", plateauEnd = "plateau_end_s", activationLevel = "activation_level"
        }
    }

    /// A coupling on one side: follower activation = gain × driver activation, delayed and with a longer release.
    public struct RealisedCoupling: Codable, Sendable, Hashable {
        public var driver: Muscle
        public var follower: Muscle
        public var side: Side
        public var gain: Double
        public var lagMilliseconds: Double
        public var prolongedMilliseconds: Double
        /// True on the affected side (synkinesis), false for mirror co-activation.
        public var synkinetic: Bool

        enum CodingKeys: String, CodingKey {
            case driver, follower, side, gain, lagMilliseconds = "lag_ms", prolongedMilliseconds = "prolonged_ms", synkinetic
        }
    }

    /// Follower activation caused by one coupling during one driver contraction.
    public struct CoupledBurst: Codable, Sendable, Hashable {
        public var task: String
        public var repetition: Int
        public var driver: Muscle
        public var follower: Muscle
        public var side: Side
        /// Driver onset + lag, seconds.
        public var onset: Double
        /// Driver offset + lag + prolonged release, seconds.
        public var offset: Double
        public var plateauStart: Double
        public var plateauEnd: Double
        /// Follower plateau activation (gain × driver level), in units of the follower's own voluntary plateau.
        public var activationLevel: Double

        enum CodingKeys: String, CodingKey {
            case task, repetition, driver, follower, side, onset = "onset_s", offset = "offset_s"
            case plateauStart = "plateau_start_s", plateauEnd = "plateau_end_s", activationLevel = "activation_level"
        }
    }

    /// The expected RMS of one channel during one task's window.
    public struct ExpectedTaskActivity: Codable, Sendable, Hashable {
        public var task: String
        public var drivers: [Muscle]
        public var muscle: Muscle
        public var side: Side
        /// Samples in the task window.
        public var windowSamples: Int
        /// √(mean E[x²]) over the window: everything the channel records (see the type's documentation).
        public var expectedRMSMicrovolts: Double
        /// The muscle's own EMG only (A·√mean a²), without crosstalk, noise or mains.
        public var expectedMuscleRMSMicrovolts: Double
        /// Mean activation of the muscle over the window, in units of its own voluntary plateau.
        public var meanActivation: Double
        /// Mean square each neighbour's crosstalk adds over the window, µV², keyed by the neighbour's code.
        public var crosstalkMeanSquares: [String: Double]

        enum CodingKeys: String, CodingKey {
            case task, drivers, muscle, side, windowSamples = "window_samples", expectedRMSMicrovolts = "expected_rms_uv"
            case expectedMuscleRMSMicrovolts = "expected_muscle_rms_uv", meanActivation = "mean_activation"
            case crosstalkMeanSquares = "crosstalk_mean_squares_uv2"
        }
    }

    /// Expected affected ÷ healthy RMS of a follower during a driver's task.
    public struct ExpectedAmplitudeRatio: Codable, Sendable, Hashable {
        public var task: String
        public var driver: Muscle
        public var follower: Muscle
        public var affectedRMSMicrovolts: Double
        public var healthyRMSMicrovolts: Double
        public var ratio: Double

        enum CodingKeys: String, CodingKey {
            case task, driver, follower, affectedRMSMicrovolts = "affected_rms_uv", healthyRMSMicrovolts = "healthy_rms_uv", ratio
        }
    }

    /// The samples an artefact spoils: `firstSample..<endSample` (every sample for clipping, flat and
    /// disconnected channels; for clipping only the samples beyond the level actually change).
    public struct ArtefactLocation: Codable, Sendable, Hashable {
        public var channel: String
        public var channelIndex: Int
        public var kind: ChannelArtefact.Kind
        public var firstSample: Int
        public var endSample: Int

        enum CodingKeys: String, CodingKey {
            case channel, channelIndex = "channel_index", kind, firstSample = "first_sample", endSample = "end_sample"
        }
    }
}
