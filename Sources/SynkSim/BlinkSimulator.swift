import Foundation
import SynkCore

/// Blink-reflex parameters of the orbicularis oculi of one side (the efferent, facial side: a palsy
/// on this side delays and shrinks both its R1 and its R2, whichever side is stimulated).
public struct BlinkSideParameters: Sendable, Hashable, Codable {
    public var r1LatencyMs: Double
    public var r1AmplitudeMillivolt: Double
    /// `false` simulates a missing R1 (nothing is added in the R1 window).
    public var r1Present: Bool
    public var r2LatencyMs: Double
    public var r2AmplitudeMillivolt: Double

    public init(r1LatencyMs: Double = 10, r1AmplitudeMillivolt: Double = 0.3, r1Present: Bool = true, r2LatencyMs: Double = 29.5, r2AmplitudeMillivolt: Double = 0.3) {
        self.r1LatencyMs = r1LatencyMs
        self.r1AmplitudeMillivolt = r1AmplitudeMillivolt
        self.r1Present = r1Present
        self.r2LatencyMs = r2LatencyMs
        self.r2AmplitudeMillivolt = r2AmplitudeMillivolt
    }
}

/// A simulated blink-reflex study: supraorbital stimulation of each side, both OOc recorded, R1 ipsilateral
/// and R2 on both sides as bursts of biphasic motor-unit potentials, optional R2 spread into OOr and PLA.
public struct BlinkStudyConfiguration: Sendable, Hashable, Codable {
    public var sampleRate: Double
    public var left: BlinkSideParameters
    public var right: BlinkSideParameters
    /// Added to R2 latency when the stimulus is on the other side, ms.
    public var contralateralR2DelayMs: Double
    public var sweepsPerSide: Int
    public var stimulusIntervalSeconds: Double
    /// Standard deviation of the sweep-to-sweep onset jitter, ms.
    public var r1JitterMs: Double
    public var r2JitterMs: Double
    /// R1 burst duration and R2 burst duration, ms.
    public var r1DurationMs: Double
    public var r2DurationMs: Double
    public var noiseMicrovolt: Double
    public var artefact: StimulusArtefact
    /// Sides whose OOr and PLA also fire during R2 (synkinesis), with the amplitude relative to that side's OOc R2.
    public var spreadSides: [Side]
    public var spreadFraction: Double
    /// Extra delay of the spread R2 behind the OOc R2, ms.
    public var spreadDelayMs: Double
    /// Record OOr and PLA channels even without spread.
    public var recordLowerFace: Bool
    public var affectedSide: AffectedSide?

    public init(
        sampleRate: Double = 20_000, left: BlinkSideParameters = BlinkSideParameters(), right: BlinkSideParameters = BlinkSideParameters(),
        contralateralR2DelayMs: Double = 0, sweepsPerSide: Int = 4, stimulusIntervalSeconds: Double = 0.25,
        r1JitterMs: Double = 0.2, r2JitterMs: Double = 1.5, r1DurationMs: Double = 5, r2DurationMs: Double = 30,
        noiseMicrovolt: Double = 8, artefact: StimulusArtefact = StimulusArtefact(), spreadSides: [Side] = [], spreadFraction: Double = 0.5,
        spreadDelayMs: Double = 1, recordLowerFace: Bool = false, affectedSide: AffectedSide? = nil
    ) {
        self.sampleRate = sampleRate
        self.left = left
        self.right = right
        self.contralateralR2DelayMs = contralateralR2DelayMs
        self.sweepsPerSide = sweepsPerSide
        self.stimulusIntervalSeconds = stimulusIntervalSeconds
        self.r1JitterMs = r1JitterMs
        self.r2JitterMs = r2JitterMs
        self.r1DurationMs = r1DurationMs
        self.r2DurationMs = r2DurationMs
        self.noiseMicrovolt = noiseMicrovolt
        self.artefact = artefact
        self.spreadSides = spreadSides
        self.spreadFraction = spreadFraction
        self.spreadDelayMs = spreadDelayMs
        self.recordLowerFace = recordLowerFace
        self.affectedSide = affectedSide
    }

    public func parameters(_ side: Side) -> BlinkSideParameters { side == .left ? left : right }
}

/// One burst the simulator placed: which component, where, when.
public struct BlinkBurstTruth: Sendable, Hashable, Codable {
    /// `R1` or `R2`.
    public var component: String
    public var channel: String
    public var muscle: Muscle
    public var recordedSide: Side
    public var stimulatedSide: Side
    public var ipsilateral: Bool
    public var onsetLatencyMs: Double
    public var amplitudeMillivolt: Double
}

public struct BlinkSweepTruth: Sendable, Hashable, Codable {
    public var stimulus: Stimulus
    public var sampleIndex: Int
    public var bursts: [BlinkBurstTruth]
}

public struct BlinkGroundTruth: Sendable, Hashable, Codable {
    public var seed: UInt64
    public var configuration: BlinkStudyConfiguration
    public var sweeps: [BlinkSweepTruth]

    /// Mean simulated onset of a component over the sweeps that contain it, ms (`nil` when absent).
    public func meanOnsetMs(component: String, muscle: Muscle = .OOc, recordedSide: Side, stimulatedSide: Side) -> Double? {
        let onsets = sweeps.flatMap(\.bursts).filter {
            $0.component == component && $0.muscle == muscle && $0.recordedSide == recordedSide && $0.stimulatedSide == stimulatedSide
        }.map(\.onsetLatencyMs)
        return onsets.isEmpty ? nil : onsets.reduce(0, +) / Double(onsets.count)
    }
}

/// Simulates blink-reflex recordings with known R1/R2 latencies.
public enum BlinkSimulator {
    /// Simulates a continuous recording: `sweepsPerSide` supraorbital stimuli on the left, then on the right,
    /// each followed by R1 (ipsilateral OOc) and R2 (both OOc, plus OOr/PLA of `spreadSides`) bursts, stimulus
    /// artefacts and white noise; samples in µV. Burst onsets in the truth are where the first motor-unit
    /// potential of the burst starts. The same seed and configuration give identical samples.
    public static func simulate(_ configuration: BlinkStudyConfiguration, seed: UInt64) throws(SynkError) -> (recording: Recording, truth: BlinkGroundTruth) {
        let config = configuration
        let rate = config.sampleRate
        guard rate.isFinite, rate > 0, config.sweepsPerSide >= 1, config.stimulusIntervalSeconds > 0.15 else {
            throw .usage("blink simulation needs a positive rate, at least one sweep and an interval above 150 ms")
        }
        var rng = SeededGenerator(seed: seed)
        var muscles: [Muscle] = [.OOc]
        if config.recordLowerFace || !config.spreadSides.isEmpty { muscles += [.OOr, .PLA] }
        var channels: [ChannelInfo] = []
        for side in Side.allCases {
            for muscle in muscles { channels.append(ChannelInfo(label: "\(muscle.rawValue)-\(side == .left ? "L" : "R")", muscle: muscle, side: side)) }
        }
        let interval = Int((config.stimulusIntervalSeconds * rate).rounded())
        var schedule: [(Int, Stimulus)] = []
        var next = Int((0.05 * rate).rounded())
        for side in Side.allCases {
            for _ in 0..<config.sweepsPerSide {
                schedule.append((next, Stimulus(time: Double(next) / rate, intensityMilliampere: 15, site: "supraorbital", side: side)))
                next += interval
            }
        }
        let frameCount = next
        var samples = [[Double]](repeating: [Double](repeating: 0, count: frameCount), count: channels.count)
        let msPerSample = 1000 / rate

        // A burst: biphasic motor-unit potentials (one sine period, 1.5-3 ms), the first exactly at onset
        // with the full amplitude, the rest arriving at random under an envelope that decays over `duration`.
        func addBurst(channel c: Int, at index: Int, onsetMs: Double, amplitudeMv: Double, durationMs: Double, ratePerMs: Double) {
            var t = onsetMs
            var first = true
            while t < onsetMs + durationMs {
                let envelope = first ? 1.0 : max(0.15, 1 - (t - onsetMs) / durationMs)
                let height = first ? amplitudeMv : amplitudeMv * envelope * (0.3 + 0.7 * rng.nextUniform())
                let sign: Double = first ? -1 : (rng.nextUniform() < 0.5 ? -1 : 1)
                let width = 1.5 + 1.5 * rng.nextUniform()
                let a = Int((t / msPerSample).rounded(.down))
                let b = Int(((t + width) / msPerSample).rounded(.up))
                for k in max(a, 0)...b where index + k < frameCount {
                    let v = Double(k) * msPerSample - t
                    if v > 0, v < width { samples[c][index + k] += sign * height * 1000 / 2 * sin(2 * Double.pi * v / width) }
                }
                first = false
                // Exponential inter-arrival times.
                t += -log(max(rng.nextUniform(), 1e-12)) / ratePerMs
            }
        }

        var sweeps: [BlinkSweepTruth] = []
        let artefactSamples = Int((config.artefact.durationMs(untilBelow: 1e-3) / msPerSample).rounded(.up)) + 1
        for (index, stimulus) in schedule {
            let stimulated = stimulus.side!
            var bursts: [BlinkBurstTruth] = []
            for (c, channel) in channels.enumerated() {
                let scale = channel.side == stimulated ? 1.0 : config.artefact.contralateralFraction
                for k in 0..<artefactSamples where index + k < frameCount {
                    samples[c][index + k] += scale * config.artefact.value(atMs: Double(k) * msPerSample)
                }
            }
            for recorded in Side.allCases {
                let p = config.parameters(recorded)
                let ipsilateral = recorded == stimulated
                guard let ooc = channels.firstIndex(where: { $0.muscle == .OOc && $0.side == recorded }) else { continue }
                if ipsilateral && p.r1Present && p.r1AmplitudeMillivolt > 0 {
                    let onset = p.r1LatencyMs + config.r1JitterMs * rng.nextGaussian()
                    addBurst(channel: ooc, at: index, onsetMs: onset, amplitudeMv: p.r1AmplitudeMillivolt, durationMs: config.r1DurationMs, ratePerMs: 0.8)
                    bursts.append(BlinkBurstTruth(component: "R1", channel: channels[ooc].label, muscle: .OOc, recordedSide: recorded, stimulatedSide: stimulated, ipsilateral: true, onsetLatencyMs: onset, amplitudeMillivolt: p.r1AmplitudeMillivolt))
                }
                if p.r2AmplitudeMillivolt > 0 {
                    let onset = p.r2LatencyMs + (ipsilateral ? 0 : config.contralateralR2DelayMs) + config.r2JitterMs * rng.nextGaussian()
                    addBurst(channel: ooc, at: index, onsetMs: onset, amplitudeMv: p.r2AmplitudeMillivolt, durationMs: config.r2DurationMs, ratePerMs: 1.2)
                    bursts.append(BlinkBurstTruth(component: "R2", channel: channels[ooc].label, muscle: .OOc, recordedSide: recorded, stimulatedSide: stimulated, ipsilateral: ipsilateral, onsetLatencyMs: onset, amplitudeMillivolt: p.r2AmplitudeMillivolt))
                    if config.spreadSides.contains(recorded) {
                        for muscle in [Muscle.OOr, .PLA] {
                            guard let c = channels.firstIndex(where: { $0.muscle == muscle && $0.side == recorded }) else { continue }
                            let amplitude = p.r2AmplitudeMillivolt * config.spreadFraction
                            addBurst(channel: c, at: index, onsetMs: onset + config.spreadDelayMs, amplitudeMv: amplitude, durationMs: config.r2DurationMs, ratePerMs: 1.2)
                            bursts.append(BlinkBurstTruth(component: "R2", channel: channels[c].label, muscle: muscle, recordedSide: recorded, stimulatedSide: stimulated, ipsilateral: ipsilateral, onsetLatencyMs: onset + config.spreadDelayMs, amplitudeMillivolt: amplitude))
                        }
                    }
                }
            }
            sweeps.append(BlinkSweepTruth(stimulus: stimulus, sampleIndex: index, bursts: bursts))
        }
        var output: [[Float]] = []
        for c in channels.indices {
            var values = [Float](repeating: 0, count: frameCount)
            for i in 0..<frameCount { values[i] = Float(samples[c][i] + config.noiseMicrovolt * rng.nextGaussian()) }
            output.append(values)
        }
        let header = RecordingHeader(
            sampleRate: rate, frameCount: frameCount, channels: channels, subject: "simulated", affectedSide: config.affectedSide,
            stimuli: schedule.map(\.1), metadata: ["generator": "SynkSim.BlinkSimulator", "seed": String(seed)])
        return (try Recording(header: header, samples: output), BlinkGroundTruth(seed: seed, configuration: config, sweeps: sweeps))
    }
}
