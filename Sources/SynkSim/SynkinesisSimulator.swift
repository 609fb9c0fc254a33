import Foundation
import SynkCore

extension SynkinesisSimulation {
    /// Time constant of a motion-spike transient, seconds: it peaks `τ` after its start and is cut at 10 τ.
    public static let motionSpikeTimeConstant = 0.02

    /// Simulates the session described by `p`.
    ///
    /// Deterministic: the same parameters and seed give bitwise identical samples (all randomness
    /// comes from ``SeededGenerator`` streams derived from `seed`, one stream per purpose, so adding an
    /// artefact or a coupling does not change the other channels' noise; arithmetic is in `Double`,
    /// rounded to `Float` once at the end). Across platforms the C library's `log`, `sin` and `cos`
    /// may differ in the last bit, so identity is guaranteed for one platform, agreement to ~1e-6 µV
    /// across platforms.
    /// - Returns: the recording (channels `FRO-L`, `FRO-R`, ... in µV, one event per task repetition
    ///   labelled with the task name, affected side, subject and session) and its ground truth.
    /// - Throws: a `.usage` ``SynkError`` naming the first invalid parameter.
    public static func simulate(_ p: SynkinesisSimulation, seed: UInt64) throws(SynkError) -> (recording: Recording, truth: SynkinesisGroundTruth) {
        try p.validate()
        let layout = SlotLayout(p)
        let timeline = SimulatedTimeline(p, seed: seed)
        let activation = SimulatedActivation(p, layout: layout, timeline: timeline, seed: seed)
        let emg = SimulatedMuscleEMG(p, layout: layout, activation: activation, seed: seed)
        var samples = channelSamples(p, layout: layout, emg: emg, seed: seed)
        let labels = p.channelLabels
        let (locations, physicalRanges) = ChannelArtefact.apply(p.artefacts, to: &samples, labels: labels, sampleRate: p.sampleRate,
                                                                mains: p.mains, seed: seed)
        let activity = expectedTaskActivity(p, layout: layout, timeline: timeline, activation: activation, emg: emg)
        let ratios = expectedAmplitudeRatios(p, layout: layout, activity: activity)

        let channels = (0..<layout.slotCount).map { s in
            ChannelInfo(label: labels[s], unit: .microvolt, kind: .emg, muscle: layout.muscle(ofSlot: s), side: layout.side(ofSlot: s),
                        physicalRange: physicalRanges[s])
        }
        let header = RecordingHeader(
            sampleRate: p.sampleRate, frameCount: timeline.frameCount, channels: channels, subject: p.subject, session: p.session,
            affectedSide: p.affectedSide,
            events: timeline.repetitions.map { Event(onset: $0.onset, duration: $0.offset - $0.onset, label: $0.task) },
            metadata: ["generator": "SynkSim synkinesis simulation", "seed": String(seed), "synk_version": SynkVersion.current])
        let recording = try Recording(header: header, samples: samples)
        let truth = SynkinesisGroundTruth(
            parameters: p, seed: seed, sampleRate: p.sampleRate, frameCount: timeline.frameCount, channelLabels: labels,
            repetitions: timeline.repetitions, couplings: activation.realised, coupledBursts: activation.bursts, taskActivity: activity,
            amplitudeRatios: ratios, artefacts: locations)
        return (recording, truth)
    }

    /// Stage 4: every channel: its muscle's EMG, crosstalk from its neighbours (through the volume conductor's
    /// low-pass when one is given), electrode noise and mains, rounded to `Float` once.
    static func channelSamples(_ p: SynkinesisSimulation, layout: SlotLayout, emg: SimulatedMuscleEMG, seed: UInt64) -> [[Float]] {
        let rate = p.sampleRate
        let mainsComponents = p.mains.components(below: rate / 2)
        let labels = p.channelLabels
        var phases = SeededGenerator(seed: derivedSeed(seed, stream: 2))
        // A leak through a low-pass is filtered once per (source, filter) and shared by every channel it reaches.
        var filteredSources: [FilteredSourceKey: [Double]] = [:]
        var samples = [[Float]]()
        samples.reserveCapacity(layout.slotCount)
        for s in 0..<layout.slotCount {
            var generator = SeededGenerator(seed: derivedSeed(seed, stream: 1000 + UInt64(s)))
            let channelPhases = mainsComponents.map { _ in 2 * Double.pi * phases.nextUniform() }
            var x = emg.muscleEMG[s]
            let sigma = emg.noiseRMS[s]
            for leak in layout.crosstalkInto[s] where leak.lowPass != nil {
                let key = FilteredSourceKey(source: leak.source, lowPass: leak.lowPass!)
                if filteredSources[key] == nil {
                    let filter = CarrierBandPassSection.lowPass(leak.lowPass!, sampleRate: rate)
                    var once = filter.filtered(emg.muscleEMG[leak.source])
                    if leak.lowPass!.zeroPhase == true { once = Array(filter.filtered(once.reversed()).reversed()) }
                    filteredSources[key] = once
                }
            }
            x.withUnsafeMutableBufferPointer { out in
                for leak in layout.crosstalkInto[s] {
                    let source = leak.lowPass.map { filteredSources[FilteredSourceKey(source: leak.source, lowPass: $0)]! } ?? emg.muscleEMG[leak.source]
                    source.withUnsafeBufferPointer { other in
                        for i in out.indices { out[i] += leak.fraction * other[i] }
                    }
                }
                for i in out.indices { out[i] += sigma * generator.nextGaussian() }
            }
            addMains(&x, components: mainsComponents, phases: channelPhases, rate: rate, scale: p.channelMainsScale?[labels[s]] ?? 1)
            samples.append(x.map { Float($0) })
        }
        return samples
    }

    private struct FilteredSourceKey: Hashable {
        let source: Int
        let lowPass: VolumeConductorLowPass
    }

    /// Stage 5: the expected RMS of every channel during every task, from the model (see ``SynkinesisGroundTruth``).
    static func expectedTaskActivity(
        _ p: SynkinesisSimulation, layout: SlotLayout, timeline: SimulatedTimeline, activation: SimulatedActivation,
        emg: SimulatedMuscleEMG
    ) -> [SynkinesisGroundTruth.ExpectedTaskActivity] {
        let delta = p.variability.effortFluctuationSD
        let labels = p.channelLabels
        let nyquist = p.sampleRate / 2
        let mainsMeanSquare = p.mains.meanSquare(below: nyquist)
        var activity: [SynkinesisGroundTruth.ExpectedTaskActivity] = []
        var taskNames: [String] = []
        for task in p.tasks where !taskNames.contains(task.name) { taskNames.append(task.name) }
        for name in taskNames {
            let drivers = p.tasks.first { $0.name == name }!.drivers
            // The union of the repetitions' sample ranges (they never overlap: rests are ≥ 0).
            let window = timeline.repetitions.filter { $0.task == name }
                .map { timeline.sampleIndex($0.onset)..<timeline.sampleIndex($0.offset) }
            let windowSamples = window.reduce(0) { $0 + $1.count }
            guard windowSamples > 0 else { continue }
            for s in 0..<layout.slotCount {
                // E[a²] = (Σ cⱼ)² + δ²·Σ cⱼ²: the fluctuations of different commands are independent, zero-mean.
                func expectedSquareSum(_ slot: Int) -> (square: Double, sum: Double) {
                    var square = 0.0, sum = 0.0
                    activation.expected[slot].withUnsafeBufferPointer { a in
                        activation.contributionSquares[slot].withUnsafeBufferPointer { c2 in
                            for range in window {
                                for i in range {
                                    sum += a[i]
                                    square += a[i] * a[i] + delta * delta * c2[i]
                                }
                            }
                        }
                    }
                    return (square, sum)
                }
                let (ownSquare, sum) = expectedSquareSum(s)
                var crossSquare = 0.0
                var crossBySource: [String: Double] = [:]
                for leak in layout.crosstalkInto[s] {
                    let scale = leak.fraction * emg.amplitude[leak.source]
                    var power = scale * scale * expectedSquareSum(leak.source).square
                    if let lowPass = leak.lowPass {
                        let signal = p.muscles[leak.source / 2]
                        power *= EMGCarrierShaper.lowPassed(peakHz: signal.spectralPeakHz, quality: signal.spectralQuality,
                                                            sampleRate: p.sampleRate, lowPass: lowPass).gain
                    }
                    crossSquare += power
                    crossBySource[layout.muscles[leak.source / 2].rawValue, default: 0] += power / Double(windowSamples)
                }
                let n = Double(windowSamples)
                let muscleMeanSquare = emg.amplitude[s] * emg.amplitude[s] * ownSquare / n
                let mainsScale = p.channelMainsScale?[labels[s]] ?? 1
                let total = muscleMeanSquare + crossSquare / n + emg.noiseRMS[s] * emg.noiseRMS[s] + mainsMeanSquare * mainsScale * mainsScale
                activity.append(.init(task: name, drivers: drivers, muscle: layout.muscle(ofSlot: s), side: layout.side(ofSlot: s),
                                      windowSamples: windowSamples, expectedRMSMicrovolts: total.squareRoot(),
                                      expectedMuscleRMSMicrovolts: muscleMeanSquare.squareRoot(), meanActivation: sum / n,
                                      crosstalkMeanSquares: crossBySource))
            }
        }
        return activity
    }

    /// Stage 6: expected affected ÷ healthy RMS of every follower during every driver's task.
    static func expectedAmplitudeRatios(
        _ p: SynkinesisSimulation, layout: SlotLayout, activity: [SynkinesisGroundTruth.ExpectedTaskActivity]
    ) -> [SynkinesisGroundTruth.ExpectedAmplitudeRatio] {
        guard let affected = p.affectedSide.side else { return [] }
        var taskNames: [String] = []
        for task in p.tasks where !taskNames.contains(task.name) { taskNames.append(task.name) }
        var ratios: [SynkinesisGroundTruth.ExpectedAmplitudeRatio] = []
        for name in taskNames {
            let drivers = p.tasks.first { $0.name == name }!.drivers
            for driver in drivers {
                for follower in layout.muscles where follower != driver {
                    guard let a = activity.first(where: { $0.task == name && $0.muscle == follower && $0.side == affected }),
                          let h = activity.first(where: { $0.task == name && $0.muscle == follower && $0.side == affected.opposite })
                    else { continue }
                    ratios.append(.init(task: name, driver: driver, follower: follower, affectedRMSMicrovolts: a.expectedRMSMicrovolts,
                                        healthyRMSMicrovolts: h.expectedRMSMicrovolts, ratio: a.expectedRMSMicrovolts / h.expectedRMSMicrovolts))
                }
            }
        }
        return ratios
    }

    /// Checks every parameter; throws a `.usage` error naming the first bad one.
    public func validate() throws(SynkError) {
        func bad(_ what: String, hint: String? = nil) -> SynkError { .usage("simulation parameter \(what)", hint: hint) }
        guard sampleRate.isFinite, sampleRate > 0, sampleRate <= 1_000_000 else { throw bad("sample_rate_hz = \(sampleRate) is not a rate in (0, 1e6] Hz") }
        guard !muscles.isEmpty else { throw bad("muscles is empty") }
        guard Set(muscles.map(\.muscle)).count == muscles.count else { throw bad("muscles lists a muscle twice") }
        let recorded = Set(muscles.map(\.muscle))
        for m in muscles {
            guard m.spectralPeakHz.isFinite, m.spectralPeakHz > 0, m.spectralPeakHz < sampleRate / 2 else {
                throw bad("spectral_peak_hz of \(m.muscle.rawValue) = \(m.spectralPeakHz) is not between 0 and the Nyquist frequency \(sampleRate / 2) Hz")
            }
            guard m.spectralQuality.isFinite, m.spectralQuality > 0 else { throw bad("spectral_quality of \(m.muscle.rawValue) must be positive") }
            guard m.plateauRMSMicrovolts.isFinite, m.plateauRMSMicrovolts >= 0 else { throw bad("plateau_rms_uv of \(m.muscle.rawValue) must be ≥ 0") }
            guard m.baselineNoiseMicrovolts.isFinite, m.baselineNoiseMicrovolts >= 0 else { throw bad("baseline_noise_rms_uv of \(m.muscle.rawValue) must be ≥ 0") }
        }
        guard leadInSeconds.isFinite, leadInSeconds >= 0 else { throw bad("lead_in_s must be ≥ 0") }
        guard affectedSideAmplitudeScale.isFinite, affectedSideAmplitudeScale >= 0 else { throw bad("affected_side_amplitude_scale must be ≥ 0") }
        var totalSeconds = leadInSeconds
        for task in tasks {
            let name = "task \(task.name)"
            guard !task.name.isEmpty else { throw bad("a task has an empty name") }
            guard !task.drivers.isEmpty else { throw bad("\(name) has no driver muscle") }
            for d in task.drivers where !recorded.contains(d) { throw bad("\(name) drives \(d.rawValue), which is not among the recorded muscles") }
            guard task.repetitions >= 0, task.repetitions <= 1000 else { throw bad("\(name) repetitions must be in 0...1000") }
            for (value, key) in [(task.rampUpSeconds, "ramp_up_s"), (task.releaseSeconds, "release_s"), (task.restSeconds, "rest_s")] {
                guard value.isFinite, value >= 0 else { throw bad("\(name) \(key) must be ≥ 0") }
            }
            guard task.contractionSeconds.isFinite, task.contractionSeconds > 0, task.contractionSeconds >= task.rampUpSeconds + task.releaseSeconds else {
                throw bad("\(name) contraction_s must be positive and at least ramp_up_s + release_s")
            }
            // The longest the timeline can get: durations are clipped at +3 SD, rests at +jitter.
            let variability = self.variability
            totalSeconds += Double(task.repetitions) * (task.contractionSeconds * (1 + 3 * max(0, variability.durationRelativeSD))
                + task.restSeconds * (1 + max(0, variability.restRelativeJitter)))
        }
        // The simulator holds a few Double arrays per channel: 5e7 samples in all (about 30 min of 14
        // channels at 2 kHz) needs about 2 GB.
        guard totalSeconds * sampleRate * Double(2 * muscles.count) <= 5e7 else {
            throw bad("describes up to \(Int(totalSeconds)) s × \(2 * muscles.count) channels at \(sampleRate) Hz, more than the 5e7 samples the simulator holds in memory",
                      hint: "simulate shorter sessions and concatenate them")
        }
        for c in couplings {
            let name = "coupling \(c.driver.rawValue)→\(c.follower.rawValue)"
            guard recorded.contains(c.driver), recorded.contains(c.follower) else { throw bad("\(name) names a muscle that is not recorded") }
            guard c.driver != c.follower else { throw bad("\(name) couples a muscle to itself") }
            for (value, key) in [(c.gain, "gain"), (c.mirrorGain, "mirror_gain"), (c.lagMilliseconds, "lag_ms"), (c.prolongedReleaseMilliseconds, "prolonged_release_ms")] {
                guard value.isFinite, value >= 0 else { throw bad("\(name) \(key) must be ≥ 0") }
            }
        }
        for x in crosstalk {
            guard x.fraction.isFinite, x.fraction >= 0, x.fraction <= 1 else { throw bad("crosstalk \(x.source.rawValue)→\(x.into.rawValue) fraction must be in 0...1") }
            guard x.source != x.into else { throw bad("crosstalk \(x.source.rawValue)→\(x.into.rawValue) leaks a muscle into itself") }
            if let lowPass = x.lowPass {
                guard lowPass.cutoffHz.isFinite, lowPass.cutoffHz > 0, lowPass.cutoffHz < sampleRate / 2 else {
                    throw bad("crosstalk \(x.source.rawValue)→\(x.into.rawValue) low_pass cutoff_hz must lie between 0 and the Nyquist frequency \(sampleRate / 2) Hz")
                }
                guard lowPass.order == 1 || lowPass.order == 2 else { throw bad("crosstalk \(x.source.rawValue)→\(x.into.rawValue) low_pass order must be 1 or 2") }
            }
        }
        if let scale = affectedSideDriveScale {
            guard scale.isFinite, scale >= 0, scale <= 1 else { throw bad("affected_side_drive_scale must be in 0...1") }
        }
        let channelLabels = self.channelLabels
        for (name, table) in [("channel_noise_rms_uv", channelNoiseMicrovolts), ("channel_mains_scale", channelMainsScale)] {
            for (label, value) in table ?? [:] {
                guard channelLabels.contains(label) else { throw bad("\(name) names channel \(label): no such channel", hint: "channels are \(channelLabels.joined(separator: ", "))") }
                guard value.isFinite, value >= 0 else { throw bad("\(name) of \(label) must be ≥ 0") }
            }
        }
        guard mains.frequencyHz.isFinite, mains.frequencyHz > 0 else { throw bad("mains frequency_hz must be positive") }
        guard mains.amplitudeMicrovolts.isFinite, mains.amplitudeMicrovolts >= 0 else { throw bad("mains amplitude_uv must be ≥ 0") }
        guard mains.harmonicAmplitudes.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw bad("mains harmonic_amplitudes must be ≥ 0") }
        for (value, key) in [(variability.amplitudeLogSD, "amplitude_log_sd"), (variability.durationRelativeSD, "duration_relative_sd")] {
            guard value.isFinite, value >= 0, value <= 1 else { throw bad("variability \(key) must be in 0...1") }
        }
        guard variability.restRelativeJitter.isFinite, variability.restRelativeJitter >= 0, variability.restRelativeJitter <= 1 else {
            throw bad("variability rest_relative_jitter must be in 0...1")
        }
        // Up to 0.3 the factor 1 + δ·g is negative with probability < 1e-3 (g < −3.3), so clamping it at 0
        // leaves the stated expectations exact to far better than any measurement can tell.
        guard variability.effortFluctuationSD.isFinite, variability.effortFluctuationSD >= 0, variability.effortFluctuationSD <= 0.3 else {
            throw bad("variability effort_fluctuation_sd must be in 0...0.3")
        }
        guard variability.effortFluctuationHz.isFinite, variability.effortFluctuationHz > 0, variability.effortFluctuationHz <= 20, variability.effortFluctuationHz < sampleRate / 2 else {
            throw bad("variability effort_fluctuation_hz must be in (0, 20] Hz")
        }
        let labels = channelLabels
        for a in artefacts {
            guard labels.contains(a.channel) else { throw bad("artefact on channel \(a.channel): no such channel", hint: "channels are \(labels.joined(separator: ", "))") }
            guard a.level.isFinite else { throw bad("artefact on \(a.channel): level_uv must be finite") }
            switch a.kind {
            case .clipping: guard a.level > 0 else { throw bad("clipping on \(a.channel): level_uv must be positive") }
            case .nanGap: guard a.start.isFinite, a.end.isFinite, a.start >= 0, a.end > a.start else { throw bad("nan_gap on \(a.channel): need 0 ≤ start_s < end_s") }
            case .motionSpikes: guard a.times.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw bad("motion_spikes on \(a.channel): times_s must be ≥ 0") }
            case .disconnected: guard a.level >= 0 else { throw bad("disconnected \(a.channel): level_uv must be ≥ 0") }
            case .flat: break
            case .saturation: guard a.start.isFinite, a.end.isFinite, a.start >= 0, a.end > a.start else { throw bad("saturation on \(a.channel): need 0 ≤ start_s < end_s") }
            case .extremeNoise: guard a.level > 0 else { throw bad("extreme_noise on \(a.channel): level_uv (the RMS) must be positive") }
            }
        }
    }

    /// A seed for an independent random stream: the streams of one simulation never overlap in practice.
    static func derivedSeed(_ seed: UInt64, stream: UInt64) -> UInt64 {
        var z = seed &+ stream &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Adds one smooth contraction profile (raised-cosine rise, plateau, raised-cosine fall) of height
    /// `level`: times the command's effort factor (delayed by `delaySamples`) to `envelope`, as is to
    /// `expected`, and squared to `squares`.
    static func addProfile(
        _ envelope: inout [Double], _ expected: inout [Double], _ squares: inout [Double], rate: Double,
        onset: Double, plateauStart: Double, plateauEnd: Double, offset: Double, level: Double,
        command: EffortCommand, delaySamples: Int
    ) {
        let first = max(0, Int((onset * rate).rounded(.up)))
        let end = min(envelope.count, Int((offset * rate).rounded(.up)))
        guard first < end else { return }
        let rise = plateauStart - onset, fall = offset - plateauEnd
        for i in first..<end {
            let t = Double(i) / rate
            let shape: Double
            if t < plateauStart {
                shape = rise > 0 ? 0.5 * (1 - cos(Double.pi * (t - onset) / rise)) : 1
            } else if t < plateauEnd {
                shape = 1
            } else {
                shape = fall > 0 ? 0.5 * (1 + cos(Double.pi * (t - plateauEnd) / fall)) : 0
            }
            let contribution = level * shape
            envelope[i] += contribution * command.factor(at: i - delaySamples)
            expected[i] += contribution
            squares[i] += contribution * contribution
        }
    }

    static func addMains(_ x: inout [Double], components: [(frequency: Double, amplitude: Double)], phases: [Double], rate: Double, scale: Double) {
        // A rotating phasor, re-anchored on exact sin/cos every 256 samples so rounding cannot accumulate.
        let block = 256
        x.withUnsafeMutableBufferPointer { out in
            for (k, component) in components.enumerated() {
                let w = 2 * Double.pi * component.frequency / rate
                let a = component.amplitude * scale
                let (stepCos, stepSin) = (cos(w), sin(w))
                var start = 0
                while start < out.count {
                    let phase = w * Double(start) + phases[k]
                    var (c, s) = (cos(phase), sin(phase))
                    for i in start..<min(out.count, start + block) {
                        out[i] += a * s
                        (c, s) = (c * stepCos - s * stepSin, s * stepCos + c * stepSin)
                    }
                    start += block
                }
            }
        }
    }
}

/// The effort factor 1 + δ·g(t) of one driver's command during one repetition, from `firstSample` on.
struct EffortCommand {
    let firstSample: Int
    /// Empty when effort does not fluctuate (factor 1).
    let factors: [Double]

    @inline(__always)
    func factor(at sample: Int) -> Double {
        let k = sample - firstSample
        return k >= 0 && k < factors.count ? factors[k] : 1
    }
}

/// Muscle-side slots share the channel order: slot = 2 · muscle index + (0 left, 1 right).
struct SlotLayout {
    let muscles: [Muscle]
    var slotCount: Int { 2 * muscles.count }
    /// Crosstalk sources per receiving slot (same side only); entries naming unrecorded muscles are ignored.
    let crosstalkInto: [[(source: Int, fraction: Double, lowPass: VolumeConductorLowPass?)]]

    init(_ p: SynkinesisSimulation) {
        muscles = p.muscles.map(\.muscle)
        let muscles = self.muscles
        func slot(_ m: Muscle, _ s: Side) -> Int? { muscles.firstIndex(of: m).map { 2 * $0 + (s == .left ? 0 : 1) } }
        var into = [[(source: Int, fraction: Double, lowPass: VolumeConductorLowPass?)]](repeating: [], count: 2 * muscles.count)
        for leak in p.crosstalk where leak.fraction != 0 {
            for side in Side.allCases {
                if let from = slot(leak.source, side), let to = slot(leak.into, side) {
                    into[to].append((from, leak.fraction, leak.lowPass))
                }
            }
        }
        crosstalkInto = into
    }

    func slot(_ m: Muscle, _ s: Side) -> Int? { muscles.firstIndex(of: m).map { 2 * $0 + (s == .left ? 0 : 1) } }
    func side(ofSlot slot: Int) -> Side { slot % 2 == 0 ? .left : .right }
    func muscle(ofSlot slot: Int) -> Muscle { muscles[slot / 2] }
}

/// Stage 1: the block design, each task's repetitions back to back with rests (random stream 1).
struct SimulatedTimeline {
    let repetitions: [SynkinesisGroundTruth.TaskRepetition]
    let frameCount: Int
    let rate: Double

    init(_ p: SynkinesisSimulation, seed: UInt64) {
        var timing = SeededGenerator(seed: SynkinesisSimulation.derivedSeed(seed, stream: 1))
        var repetitions: [SynkinesisGroundTruth.TaskRepetition] = []
        var t = p.leadInSeconds
        let v = p.variability
        for task in p.tasks {
            for r in 0..<task.repetitions {
                let level = exp(v.amplitudeLogSD * timing.nextGaussian())
                let durationDeviation = min(3, max(-3, timing.nextGaussian())) * v.durationRelativeSD
                let duration = max(task.rampUpSeconds + task.releaseSeconds, task.contractionSeconds * (1 + durationDeviation))
                let rest = task.restSeconds * (1 + v.restRelativeJitter * (2 * timing.nextUniform() - 1))
                repetitions.append(.init(
                    task: task.name, repetition: r + 1, drivers: task.drivers, onset: t, offset: t + duration,
                    plateauStart: t + task.rampUpSeconds, plateauEnd: t + duration - task.releaseSeconds, activationLevel: level))
                t += duration + max(0, rest)
            }
        }
        self.repetitions = repetitions
        rate = p.sampleRate
        frameCount = Int((t * p.sampleRate).rounded(.up))
    }

    func sampleIndex(_ seconds: Double) -> Int { min(frameCount, max(0, Int((seconds * rate).rounded(.up)))) }
}

/// Stage 2: activation envelopes in units of each muscle's own voluntary plateau: as generated (with the effort
/// fluctuation), their expectation (Σ contributions) and Σ contribution² (for E[a²]), with the couplings as
/// realised on each side and every burst they caused.
struct SimulatedActivation {
    var activation: [[Double]]
    var expected: [[Double]]
    var contributionSquares: [[Double]]
    var realised: [SynkinesisGroundTruth.RealisedCoupling] = []
    var bursts: [SynkinesisGroundTruth.CoupledBurst] = []

    init(_ p: SynkinesisSimulation, layout: SlotLayout, timeline: SimulatedTimeline, seed: UInt64) {
        let rate = p.sampleRate
        let frameCount = timeline.frameCount
        let repetitions = timeline.repetitions
        // Effort fluctuation of every (repetition, driver) command: 1 + δ·g(t), g a slow unit-variance
        // process. One command drives both sides and every follower of that driver.
        let v = p.variability
        let delta = v.effortFluctuationSD
        let longestExtension = (p.couplings.map(\.prolongedReleaseMilliseconds).max() ?? 0) / 1000 + 0.01
        let fluctuationShaper = delta > 0 ? EMGCarrierShaper(peakHz: v.effortFluctuationHz, quality: 0.7, sampleRate: rate) : nil
        func command(repetition index: Int, driver: Int) -> EffortCommand {
            let rep = repetitions[index]
            let first = timeline.sampleIndex(rep.onset)
            guard let shaper = fluctuationShaper else { return EffortCommand(firstSample: first, factors: []) }
            var generator = SeededGenerator(seed: SynkinesisSimulation.derivedSeed(seed, stream: 1_000_000 + UInt64(index) * 1_000 + UInt64(driver)))
            let g = shaper.carrier(count: max(0, timeline.sampleIndex(rep.offset + longestExtension) - first), generator: &generator)
            return EffortCommand(firstSample: first, factors: g.map { max(0, 1 + delta * $0) })
        }

        let zeros = [[Double]](repeating: [Double](repeating: 0, count: frameCount), count: layout.slotCount)
        activation = zeros
        expected = zeros
        contributionSquares = zeros
        var commands: [[EffortCommand]] = []
        for (index, rep) in repetitions.enumerated() {
            commands.append(rep.drivers.indices.map { command(repetition: index, driver: $0) })
            for (d, driver) in rep.drivers.enumerated() {
                for side in Side.allCases {
                    let s = layout.slot(driver, side)!
                    SynkinesisSimulation.addProfile(
                        &activation[s], &expected[s], &contributionSquares[s], rate: rate, onset: rep.onset,
                        plateauStart: rep.plateauStart, plateauEnd: rep.plateauEnd, offset: rep.offset,
                        level: rep.activationLevel * p.driveScale(side), command: commands[index][d], delaySamples: 0)
                }
            }
        }
        for coupling in p.couplings {
            for side in Side.allCases {
                let synkinetic = p.affectedSide.side == side
                let gain = synkinetic ? coupling.gain : coupling.mirrorGain
                let prolonged = synkinetic ? coupling.prolongedReleaseMilliseconds : 0
                realised.append(.init(driver: coupling.driver, follower: coupling.follower, side: side, gain: gain,
                                      lagMilliseconds: coupling.lagMilliseconds, prolongedMilliseconds: prolonged, synkinetic: synkinetic))
                guard gain > 0 else { continue }
                let lag = coupling.lagMilliseconds / 1000
                for (index, rep) in repetitions.enumerated() {
                    guard let d = rep.drivers.firstIndex(of: coupling.driver) else { continue }
                    // The follower follows the driver's activation, so a weaker voluntary drive weakens it too.
                    let burst = SynkinesisGroundTruth.CoupledBurst(
                        task: rep.task, repetition: rep.repetition, driver: coupling.driver, follower: coupling.follower, side: side,
                        onset: rep.onset + lag, offset: rep.offset + lag + prolonged / 1000,
                        plateauStart: rep.plateauStart + lag, plateauEnd: rep.plateauEnd + lag,
                        activationLevel: gain * (rep.activationLevel * p.driveScale(side)))
                    let s = layout.slot(coupling.follower, side)!
                    SynkinesisSimulation.addProfile(
                        &activation[s], &expected[s], &contributionSquares[s], rate: rate, onset: burst.onset,
                        plateauStart: burst.plateauStart, plateauEnd: burst.plateauEnd, offset: burst.offset, level: burst.activationLevel,
                        command: commands[index][d], delaySamples: Int((lag * rate).rounded()))
                    bursts.append(burst)
                }
            }
        }
    }
}

/// Stage 3: each muscle's own EMG on each side: its own carrier (random stream 100 + slot) times its plateau
/// RMS and activation; and each channel's electrode-noise RMS.
struct SimulatedMuscleEMG {
    var amplitude: [Double]
    var noiseRMS: [Double]
    var muscleEMG: [[Double]]

    init(_ p: SynkinesisSimulation, layout: SlotLayout, activation: SimulatedActivation, seed: UInt64) {
        let labels = p.channelLabels
        amplitude = [Double](repeating: 0, count: layout.slotCount)
        noiseRMS = [Double](repeating: 0, count: layout.slotCount)
        muscleEMG = []
        muscleEMG.reserveCapacity(layout.slotCount)
        for (index, signal) in p.muscles.enumerated() {
            let shaper = EMGCarrierShaper(peakHz: signal.spectralPeakHz, quality: signal.spectralQuality, sampleRate: p.sampleRate)
            for side in Side.allCases {
                let s = 2 * index + (side == .left ? 0 : 1)
                amplitude[s] = signal.plateauRMSMicrovolts * (p.affectedSide.side == side ? p.affectedSideAmplitudeScale : 1)
                noiseRMS[s] = p.channelNoiseMicrovolts?[labels[s]] ?? signal.baselineNoiseMicrovolts
                var generator = SeededGenerator(seed: SynkinesisSimulation.derivedSeed(seed, stream: 100 + UInt64(s)))
                var emg = shaper.carrier(count: activation.activation[s].count, generator: &generator)
                let a = amplitude[s]
                activation.activation[s].withUnsafeBufferPointer { act in
                    for i in emg.indices { emg[i] *= a * act[i] }
                }
                muscleEMG.append(emg)
            }
        }
    }
}
