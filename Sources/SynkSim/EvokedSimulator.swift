import Foundation
import SynkCore

/// The supramaximal CMAP of one branch on one side, and how it grows with stimulus intensity.
public struct EvokedBranchResponse: Sendable, Hashable, Codable {
    public var branch: Branch
    public var side: Side
    /// The recording muscle; the branch's standard muscle (temporal→FRO, zygomatic→OOc, buccal→NAS,
    /// marginal mandibular→MEN) when not given.
    public var muscle: Muscle
    /// Stimulus to first departure from baseline, ms.
    public var onsetLatencyMs: Double
    /// Peak-to-peak amplitude of the supramaximal CMAP, mV (0 for a fully degenerated branch).
    public var amplitudePeakToPeakMillivolt: Double
    public var shape: CMAPShape
    /// Intensity at which the CMAP reaches half its supramaximal amplitude, mA.
    public var halfMaximumIntensityMilliampere: Double
    /// Width of the logistic recruitment curve, mA (amplitude = max / (1 + exp(−(I − I½)/width))).
    public var recruitmentWidthMilliampere: Double

    public init(
        branch: Branch, side: Side, muscle: Muscle? = nil, onsetLatencyMs: Double, amplitudePeakToPeakMillivolt: Double,
        shape: CMAPShape = CMAPShape(), halfMaximumIntensityMilliampere: Double = 12, recruitmentWidthMilliampere: Double = 2
    ) {
        self.branch = branch
        self.side = side
        self.muscle = muscle ?? branch.standardRecordingMuscle ?? .NAS
        self.onsetLatencyMs = onsetLatencyMs
        self.amplitudePeakToPeakMillivolt = amplitudePeakToPeakMillivolt
        self.shape = shape
        self.halfMaximumIntensityMilliampere = halfMaximumIntensityMilliampere
        self.recruitmentWidthMilliampere = recruitmentWidthMilliampere
    }

    /// Fraction of the supramaximal amplitude recruited at `intensity` mA (logistic).
    public func recruitedFraction(atMilliampere intensity: Double) -> Double {
        1 / (1 + exp(-(intensity - halfMaximumIntensityMilliampere) / recruitmentWidthMilliampere))
    }

    /// The channel label, e.g. `NAS-R`.
    public var channelLabel: String { "\(muscle.rawValue)-\(side == .left ? "L" : "R")" }
}

/// Where the stimulator is placed.
public enum EvokedStimulationMode: String, Sendable, Hashable, Codable {
    /// One stimulus per side at the stylomastoid foramen excites every branch of that side
    /// (`Stimulus.branch` is `nil`).
    case trunk
    /// Each branch is stimulated separately (`Stimulus.branch` names it).
    case perBranch = "per_branch"
}

/// Everything that defines a simulated facial nerve-conduction study.
///
/// **Noise**: white Gaussian noise on every channel with RMS
/// `max(cmapRMS · 10^(−snrDecibel/20), noiseFloorMicrovolt)`, where `cmapRMS` is the RMS of the channel's
/// supramaximal CMAP over its own duration (onset to end of the positive phase). So 20 dB means the CMAP's
/// RMS over the response window is 10 × the noise RMS; a channel without a response gets the floor.
public struct EvokedStudyConfiguration: Sendable, Hashable, Codable {
    public var sampleRate: Double
    public var responses: [EvokedBranchResponse]
    /// Intensities applied in increasing order, mA; the last should be supramaximal.
    public var intensitiesMilliampere: [Double]
    public var sweepsPerIntensity: Int
    public var stimulusIntervalSeconds: Double
    public var stimulation: EvokedStimulationMode
    public var snrDecibel: Double
    public var noiseFloorMicrovolt: Double
    public var artefact: StimulusArtefact
    /// Standard deviation of the sweep-to-sweep onset jitter, ms.
    public var latencyJitterMs: Double
    /// Silence before the first stimulus, s.
    public var leadInSeconds: Double
    /// Adds a `TRIG` channel (kind `.trigger`, 1 during 1 ms from each stimulus, else 0).
    public var includeTriggerChannel: Bool
    /// Whether `header.stimuli` lists the stimuli (turn off to test trigger or artefact detection).
    public var listStimuliInHeader: Bool
    public var affectedSide: AffectedSide?
    /// Mains interference on every channel: amplitude (µV, 0 = none), frequency, and the amplitudes of the 3rd and 5th
    /// harmonics relative to the fundamental (a non-sinusoidal mains waveform). Its phase is not locked to the stimuli.
    public var mainsMicrovolt: Double
    public var mainsHz: Double
    public var mainsHarmonicFraction: Double

    public init(
        sampleRate: Double = 20_000, responses: [EvokedBranchResponse], intensitiesMilliampere: [Double] = [4, 8, 12, 16, 20, 25, 30, 35],
        sweepsPerIntensity: Int = 3, stimulusIntervalSeconds: Double = 0.1, stimulation: EvokedStimulationMode = .trunk,
        snrDecibel: Double = 20, noiseFloorMicrovolt: Double = 2, artefact: StimulusArtefact = StimulusArtefact(),
        latencyJitterMs: Double = 0, leadInSeconds: Double = 0.05, includeTriggerChannel: Bool = false,
        listStimuliInHeader: Bool = true, affectedSide: AffectedSide? = nil, mainsMicrovolt: Double = 0, mainsHz: Double = 60,
        mainsHarmonicFraction: Double = 0.2
    ) {
        self.mainsMicrovolt = mainsMicrovolt
        self.mainsHz = mainsHz
        self.mainsHarmonicFraction = mainsHarmonicFraction
        self.sampleRate = sampleRate
        self.responses = responses
        self.intensitiesMilliampere = intensitiesMilliampere
        self.sweepsPerIntensity = sweepsPerIntensity
        self.stimulusIntervalSeconds = stimulusIntervalSeconds
        self.stimulation = stimulation
        self.snrDecibel = snrDecibel
        self.noiseFloorMicrovolt = noiseFloorMicrovolt
        self.artefact = artefact
        self.latencyJitterMs = latencyJitterMs
        self.leadInSeconds = leadInSeconds
        self.includeTriggerChannel = includeTriggerChannel
        self.listStimuliInHeader = listStimuliInHeader
        self.affectedSide = affectedSide
    }
}

/// What the simulator put into one channel after one stimulus.
public struct EvokedResponseTruth: Sendable, Hashable, Codable {
    public var branch: Branch
    public var muscle: Muscle
    public var side: Side
    public var channel: String
    public var onsetLatencyMs: Double
    public var peakLatencyMs: Double
    public var amplitudeBaselineToPeakMillivolt: Double
    public var amplitudePeakToPeakMillivolt: Double
    public var negativeDurationMs: Double
    public var negativeAreaMillivoltMs: Double
}

/// One stimulus and the responses it evoked.
public struct EvokedSweepTruth: Sendable, Hashable, Codable {
    public var stimulus: Stimulus
    public var sampleIndex: Int
    public var responses: [EvokedResponseTruth]
}

/// The ground truth of a simulated nerve-conduction study.
public struct EvokedGroundTruth: Sendable, Hashable, Codable {
    public var seed: UInt64
    public var configuration: EvokedStudyConfiguration
    public var sweeps: [EvokedSweepTruth]
    /// Noise RMS per channel label, µV.
    public var noiseRMSMicrovolt: [String: Double]

    /// The truth of every response of `branch` on `side` at `intensity` (all sweeps).
    public func responses(branch: Branch, side: Side, intensityMilliampere: Double? = nil) -> [EvokedResponseTruth] {
        sweeps.filter { intensityMilliampere == nil || $0.stimulus.intensityMilliampere == intensityMilliampere }
            .flatMap { $0.responses }
            .filter { $0.branch == branch && $0.side == side }
    }
}

/// Simulates facial nerve-conduction studies (ENoG) with known ground truth.
public enum EvokedSimulator {
    /// Simulates a continuous recording: every stimulus of every side, intensity and sweep in turn
    /// (left side first), with CMAPs, stimulus artefacts and noise; samples in µV.
    /// The same seed and configuration give identical samples.
    public static func simulate(_ configuration: EvokedStudyConfiguration, seed: UInt64) throws(SynkError) -> (recording: Recording, truth: EvokedGroundTruth) {
        let config = configuration
        let rate = config.sampleRate
        guard rate.isFinite, rate > 0 else { throw .usage("simulation sample rate must be positive, got \(rate)") }
        guard config.sweepsPerIntensity >= 1, !config.intensitiesMilliampere.isEmpty else {
            throw .usage("simulation needs at least one intensity and one sweep per intensity")
        }
        guard config.stimulusIntervalSeconds * 1000 > 20 else { throw .usage("stimulus interval must exceed 20 ms") }
        var rng = SeededGenerator(seed: seed)

        // Channels: one per (muscle, side) named in the responses, both sides, in muscle order.
        var muscles = Array(Set(config.responses.map(\.muscle))).sorted()
        if muscles.isEmpty { muscles = [.NAS] }
        var channels: [ChannelInfo] = []
        for side in Side.allCases {
            for muscle in muscles {
                let branch = config.responses.first { $0.muscle == muscle }?.branch
                channels.append(ChannelInfo(label: "\(muscle.rawValue)-\(side == .left ? "L" : "R")", unit: .microvolt, kind: .emg, muscle: muscle, side: side, branch: branch))
            }
        }

        // Stimulus schedule.
        var targets: [(Side, Branch?)] = []
        for side in Side.allCases where config.responses.contains(where: { $0.side == side }) {
            switch config.stimulation {
            case .trunk: targets.append((side, nil))
            case .perBranch:
                for branch in Branch.allCases where config.responses.contains(where: { $0.side == side && $0.branch == branch }) {
                    targets.append((side, branch))
                }
            }
        }
        let interval = Int((config.stimulusIntervalSeconds * rate).rounded())
        var stimulusSamples: [(Int, Stimulus)] = []
        var next = Int((config.leadInSeconds * rate).rounded())
        for (side, branch) in targets {
            for intensity in config.intensitiesMilliampere.sorted() {
                for _ in 0..<config.sweepsPerIntensity {
                    let stimulus = Stimulus(time: Double(next) / rate, intensityMilliampere: intensity, site: branch == nil ? "stylomastoid" : (branch!.rawValue), side: side, branch: branch)
                    stimulusSamples.append((next, stimulus))
                    next += interval
                }
            }
        }
        let frameCount = next
        var samples = [[Double]](repeating: [Double](repeating: 0, count: frameCount), count: channels.count)

        // Noise level per channel from its supramaximal CMAP.
        var noise: [String: Double] = [:]
        for channel in channels {
            let response = config.responses.first { $0.channelLabel == channel.label }
            var level = config.noiseFloorMicrovolt
            if let response, response.amplitudePeakToPeakMillivolt > 0 {
                let bpMicrovolt = response.amplitudePeakToPeakMillivolt * 1000 / (1 + response.shape.positiveRatio)
                level = max(level, bpMicrovolt * response.shape.unitRMS / pow(10, config.snrDecibel / 20))
            }
            noise[channel.label] = level
        }

        var sweeps: [EvokedSweepTruth] = []
        let msPerSample = 1000 / rate
        for (index, stimulus) in stimulusSamples {
            var truths: [EvokedResponseTruth] = []
            // Artefact on every channel (smaller on the other side).
            let artefactSamples = Int((config.artefact.durationMs(untilBelow: 1e-3) / msPerSample).rounded(.up)) + 1
            for (c, channel) in channels.enumerated() {
                let scale = channel.side == stimulus.side ? 1.0 : config.artefact.contralateralFraction
                for k in 0..<artefactSamples where index + k < frameCount {
                    samples[c][index + k] += scale * config.artefact.value(atMs: Double(k) * msPerSample)
                }
            }
            for response in config.responses where response.side == stimulus.side && (stimulus.branch == nil || stimulus.branch == response.branch) {
                guard let c = channels.firstIndex(where: { $0.label == response.channelLabel }) else { continue }
                let jitter = config.latencyJitterMs > 0 ? config.latencyJitterMs * rng.nextGaussian() : 0
                let onset = response.onsetLatencyMs + jitter
                let fraction = response.recruitedFraction(atMilliampere: stimulus.intensityMilliampere ?? 0)
                let pp = response.amplitudePeakToPeakMillivolt * fraction
                let bp = pp / (1 + response.shape.positiveRatio)
                if bp > 0 {
                    let first = Int((onset / msPerSample).rounded(.down))
                    let last = Int(((onset + response.shape.totalDurationMs) / msPerSample).rounded(.up))
                    for k in max(first, 0)...last where index + k < frameCount {
                        samples[c][index + k] += bp * 1000 * response.shape.value(atMs: Double(k) * msPerSample - onset)
                    }
                }
                truths.append(EvokedResponseTruth(
                    branch: response.branch, muscle: response.muscle, side: response.side, channel: response.channelLabel,
                    onsetLatencyMs: onset, peakLatencyMs: onset + response.shape.riseMs,
                    amplitudeBaselineToPeakMillivolt: bp, amplitudePeakToPeakMillivolt: pp,
                    negativeDurationMs: response.shape.negativeDurationMs,
                    negativeAreaMillivoltMs: bp * 2 / Double.pi * response.shape.negativeDurationMs))
            }
            sweeps.append(EvokedSweepTruth(stimulus: stimulus, sampleIndex: index, responses: truths))
        }

        var output: [[Float]] = []
        for (c, channel) in channels.enumerated() {
            let sigma = noise[channel.label] ?? 0
            var values = [Float](repeating: 0, count: frameCount)
            let phase = config.mainsMicrovolt > 0 ? 2 * Double.pi * rng.nextUniform() : 0
            for i in 0..<frameCount {
                var v = samples[c][i] + sigma * rng.nextGaussian()
                if config.mainsMicrovolt > 0 {
                    let w = 2 * Double.pi * config.mainsHz * Double(i) / rate + phase
                    v += config.mainsMicrovolt * (sin(w) + config.mainsHarmonicFraction * (sin(3 * w) + sin(5 * w)))
                }
                values[i] = Float(v)
            }
            output.append(values)
        }
        if config.includeTriggerChannel {
            channels.append(ChannelInfo(label: "TRIG", unit: .unknown, kind: .trigger))
            var trigger = [Float](repeating: 0, count: frameCount)
            let width = max(1, Int((0.001 * rate).rounded()))
            for (index, _) in stimulusSamples { for k in index..<min(index + width, frameCount) { trigger[k] = 1 } }
            output.append(trigger)
        }
        let header = RecordingHeader(
            sampleRate: rate, frameCount: frameCount, channels: channels, subject: "simulated", affectedSide: config.affectedSide,
            stimuli: config.listStimuliInHeader ? stimulusSamples.map(\.1) : [],
            metadata: ["generator": "SynkSim.EvokedSimulator", "seed": String(seed)])
        let recording = try Recording(header: header, samples: output)
        return (recording, EvokedGroundTruth(seed: seed, configuration: config, sweeps: sweeps, noiseRMSMicrovolt: noise))
    }
}
