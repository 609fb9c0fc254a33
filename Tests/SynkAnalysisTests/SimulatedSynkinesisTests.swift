import Foundation
import Testing
import SynkCore
import SynkDSP
import SynkAnalysis
import SynkSim

/// The whole synkinesis pipeline (band-pass → 100 ms RMS → 200 Hz → measures) on SynkSim recordings,
/// checked against the simulator's ground truth.
@Suite("Synkinesis pipeline on simulated facial sEMG")
struct SimulatedSynkinesisTests {
    static func analyze(_ parameters: SynkinesisSimulation, seed: UInt64) throws -> (SynkinesisResult, SynkinesisGroundTruth) {
        let (recording, truth) = try SynkinesisSimulation.simulate(parameters, seed: seed)
        let montage = try Montage(channels: recording.channels, affectedSide: recording.header.affectedSide)
        let input = InputDescription(path: "simulated", sha256: "", header: recording.header)
        let result = try SynkinesisPipeline.run(RecordingSource(recording), montage: montage,
                                                tasks: .events(recording.header.events), input: input)
        return (result, truth)
    }

    /// Two synkinetic pairs on the left; the right side has no time-locked co-activation at all.
    static let coupledLeft = SynkinesisSimulation(
        affectedSide: .left,
        couplings: [
            SynkineticCoupling(driver: .OOc, follower: .OOr, gain: 0.5, mirrorGain: 0, lagMilliseconds: 25),
            SynkineticCoupling(driver: .ZYG, follower: .OOc, gain: 0.4, mirrorGain: 0, lagMilliseconds: 30),
        ],
        crosstalk: [])

    @Test("truly coupled pairs: index ≥ 0.3 with a 95 % CI excluding 0, amplitude ratio flagged")
    func coupled() throws {
        let (result, truth) = try Self.analyze(Self.coupledLeft, seed: 4)
        #expect(result.sideComparison.possible)
        for coupling in truth.couplings where coupling.synkinetic {
            let task = try #require(truth.parameters.tasks.first { $0.drivers == [coupling.driver] }?.name)
            let pair = try #require(result.pairs.first { $0.task == task && $0.follower == coupling.follower })
            let index = try #require(pair.synkineticCorrelation)
            let ci = try #require(pair.ci95)
            #expect(index >= 0.3, "\(task) → \(coupling.follower): index \(index)")
            #expect(ci[0] > 0, "\(task) → \(coupling.follower): CI \(ci)")
            #expect(pair.flag)
            // The band-limited expectation of the simulator, within 10 % (the follower's healthy side is
            // noise only, so the ratio is large and sensitive to the noise estimate).
            let expected = try #require(truth.expectedAmplitudeRatio(task: task, follower: coupling.follower, band: 20...450))
            #expect(abs(try #require(pair.amplitudeRatio) / expected - 1) <= 0.10)
        }
        // No pair without a coupling is flagged: with no crosstalk, uncoupled followers are equal on both sides.
        let coupledKeys = Set(truth.couplings.filter(\.synkinetic).map { "\($0.driver)-\($0.follower)" })
        let spurious = result.pairs.filter { $0.flag && !coupledKeys.contains("\($0.driver)-\($0.follower)") }
        #expect(spurious.isEmpty, "\(spurious.map { "\($0.task) \($0.follower)" })")
    }

    @Test("a healthy control (mirror co-activation on both sides, crosstalk) flags no pair")
    func healthyControl() throws {
        let (result, _) = try Self.analyze(.healthyControl, seed: 9)
        #expect(result.pairs.filter(\.flag).isEmpty)
        #expect(result.affectedSide == "none")
    }

    @Test("a flat and a disconnected channel are excluded with their reason; no pair uses them")
    func artefacts() throws {
        var parameters = Self.coupledLeft
        parameters.artefacts = [.flat(SynkinesisSimulation.label(.PLA, .left)),
                                .disconnected(SynkinesisSimulation.label(.MEN, .right), mainsMicrovolts: 40)]
        let (result, _) = try Self.analyze(parameters, seed: 5)
        #expect(result.montageGaps.contains { $0.label == "PLA-L" && $0.reason.contains("flat") })
        #expect(result.montageGaps.contains { $0.label == "MEN-R" && $0.reason.contains("disconnected electrode") })
        for pair in result.pairs where pair.follower == .PLA || pair.follower == .MEN {
            // PLA has no left channel and MEN no right one: no side comparison, and nothing from the bad channel.
            #expect(pair.synkineticCorrelation == nil)
        }
        #expect(result.qualityFailed)
    }
}

/// The pipeline's crosstalk estimate, automatic notch and decision on SynkSim recordings with a known crosstalk.
@Suite("Synkinesis pipeline: crosstalk from the raw signals, automatic notch, decision")
struct PipelineCrosstalkTests {
    /// OOc→OOr coupled on the left; MEN picks up 15 % of OOr through a 100 Hz volume-conductor low-pass and is not
    /// coupled itself.
    static let leaking = SynkinesisSimulation(
        sampleRate: 1000,
        muscles: [MuscleSignal(muscle: .OOc, spectralPeakHz: 90, plateauRMSMicrovolts: 120, baselineNoiseMicrovolts: 2),
                  MuscleSignal(muscle: .OOr, spectralPeakHz: 100, plateauRMSMicrovolts: 200, baselineNoiseMicrovolts: 2),
                  MuscleSignal(muscle: .MEN, spectralPeakHz: 80, plateauRMSMicrovolts: 150, baselineNoiseMicrovolts: 2)],
        tasks: [ExpressionTask(name: "eye_closure", drivers: [.OOc], contractionSeconds: 2.5, restSeconds: 2),
                ExpressionTask(name: "pucker", drivers: [.OOr], contractionSeconds: 2.5, restSeconds: 2)],
        affectedSide: .left,
        couplings: [SynkineticCoupling(driver: .OOc, follower: .OOr, gain: 0.6, mirrorGain: 0.03, lagMilliseconds: 20)],
        crosstalk: [Crosstalk(source: .OOr, into: .MEN, fraction: 0.15, lowPass: VolumeConductorLowPass(cutoffHz: 100))],
        mains: MainsInterference(amplitudeMicrovolts: 0))

    static func run(_ parameters: SynkinesisSimulation, seed: UInt64, conditioning: ConditioningDescription = .default)
        throws -> (SynkinesisResult, SynkinesisGroundTruth) {
        let (recording, truth) = try SynkinesisSimulation.simulate(parameters, seed: seed)
        let montage = try Montage(channels: recording.channels, affectedSide: recording.header.affectedSide)
        let result = try SynkinesisPipeline.run(RecordingSource(recording), montage: montage, tasks: .events(recording.header.events),
                                                input: InputDescription(path: "simulated", sha256: "", header: recording.header),
                                                conditioning: conditioning)
        return (result, truth)
    }

    @Test("the crosstalk fraction of a follower equals the simulator's share of crosstalk in its band-passed task power; the excess is labelled crosstalk")
    func crosstalkAgainstTruth() throws {
        let (result, truth) = try Self.run(Self.leaking, seed: 21)
        let men = try #require(result.pairs.first { $0.task == "eye_closure" && $0.follower == .MEN })
        // Truth: MEN-L's mean square in the task from OOr's leak, within 20-450 Hz, over its whole band-limited power.
        let activity = try #require(truth.taskActivity.first { $0.task == "eye_closure" && $0.muscle == .MEN && $0.side == .left })
        let total = try #require(truth.expectedRMS(task: "eye_closure", muscle: .MEN, side: .left, band: 20...450))
        let leak = try #require(activity.crosstalkMeanSquares["OOr"])
        let source = try #require(truth.parameters.muscles.first { $0.muscle == .OOr })
        // The leak's band-limited power: the simulator's own expectation of it (the carrier through the low-pass).
        let withoutLeak = try #require(Self.expectedWithout(truth, task: "eye_closure", muscle: .MEN, side: .left))
        let expected = 1 - withoutLeak * withoutLeak / (total * total)
        let measured = try #require(men.affected?.crosstalkFraction)
        #expect(abs(measured - expected) <= 0.05, "crosstalk fraction \(measured), truth \(expected) (leak \(leak) µV², source \(source.muscle))")
        #expect(men.affected?.crosstalkSources?["OOr"] != nil)
        #expect(men.decision == .crosstalk && !men.flag, "\(men.decisionReason)")
        // The coupled OOr is synkinesis, with its own crosstalk small.
        let oor = try #require(result.pairs.first { $0.task == "eye_closure" && $0.follower == .OOr })
        #expect(oor.decision == .synkinesis && oor.flag)
        #expect(try #require(oor.affected?.crosstalkFraction) < 0.1)
        #expect(result.parameters.crosstalk.contains("decimated by 2 to 500.0 Hz"))
    }

    /// The band-limited expected RMS of a channel without its crosstalk (the simulator's expectation with the
    /// crosstalk terms left out).
    static func expectedWithout(_ truth: SynkinesisGroundTruth, task: String, muscle: Muscle, side: Side) -> Double? {
        var quiet = truth
        quiet.taskActivity = truth.taskActivity.map { entry in
            var copy = entry
            copy.crosstalkMeanSquares = [:]
            return copy
        }
        return quiet.expectedRMS(task: task, muscle: muscle, side: side, band: 20...450)
    }

    @Test("mains hum that dominates a quiet channel switches on a notch comb (said in the conditioning); a notch asked for is kept as asked")
    func automaticNotch() throws {
        var humming = Self.leaking
        humming.mains = MainsInterference(frequencyHz: 60, amplitudeMicrovolts: 4, harmonicAmplitudes: [0.3])
        let (result, _) = try Self.run(humming, seed: 22)
        let conditioning = try #require(result.conditioning)
        #expect(conditioning.comb == HarmonicComb(fundamental: 60, harmonics: 7))
        #expect(conditioning.automaticNotch?.hasPrefix("60 Hz mains and 6 harmonics notched automatically") == true)
        // Nothing is excluded: hum of 4 µV is no disconnected electrode.
        #expect(!result.qualityFailed)
        #expect(try #require(result.quality).allSatisfy(\.isUsable))
        var asked = ConditioningDescription.default
        asked.notch = Notch(frequency: 60)
        let (manual, _) = try Self.run(humming, seed: 22, conditioning: asked)
        #expect(manual.conditioning?.comb == nil && manual.conditioning?.notch == Notch(frequency: 60))
        #expect(manual.conditioning?.automaticNotch == nil)
        // Without hum, no notch.
        let (clean, _) = try Self.run(Self.leaking, seed: 22)
        #expect(clean.conditioning?.comb == nil && clean.conditioning?.automaticNotch == nil)
        #expect(try #require(clean.quality).allSatisfy { ($0.mainsPowerFraction ?? 0) < 0.1 })
    }

    @Test("hum far from dominating any channel still switches the notch on: it would count as crosstalk in every neighbour")
    func automaticNotchForWeakHum() throws {
        var humming = Self.leaking
        humming.mains = MainsInterference(frequencyHz: 50, amplitudeMicrovolts: 1.5, harmonicAmplitudes: [])
        let (result, _) = try Self.run(humming, seed: 22)
        let quality = try #require(result.quality)
        // No channel is mains-dominated (the old trigger, 50 % of the power), yet hum is notched.
        #expect(quality.allSatisfy { !$0.flags.contains(.mainsDominated) })
        #expect(result.conditioning?.comb?.fundamental == 50)
        #expect(result.conditioning?.automaticNotch?.contains("had ≥ 10 % of the power at mains") == true)
    }

    @Test("a side of more than eight channels takes the per-channel tap and gives the same crosstalk as the lane frames would")
    func wideSide() throws {
        let products = { (lanes: Bool) throws -> CrosstalkProducts in
            let n = 3_000
            var random = SeededGenerator(seed: 33)
            let signals = (0..<6).map { _ in (0..<n).map { _ in Float(random.nextGaussian()) } }
            let layout = CrosstalkLayout(groups: [[0, 1, 2], [3, 4, 5]], rate: 500)
            let accumulator = CrosstalkAccumulator(layout: layout, expectedSamples: n, spillThreshold: Int.max)
            if lanes {
                let frames = layout.groups.map { group in
                    (0..<n).map { t in ChannelLanes((0..<8).map { k in k < group.count ? signals[group[k]][t] : 0 }) }
                }
                try accumulator.addLaneFrames(frames)
            } else {
                try accumulator.add(signals)
            }
            return try accumulator.finish()
        }
        let a = try products(true), b = try products(false)
        for g in 0..<2 {
            #expect(a.sums(group: g, windows: Array(0..<a.windowCount)) == b.sums(group: g, windows: Array(0..<b.windowCount)))
        }
    }
}

/// Six subjects of the validation cohort (`Benchmarks/validation/make_cohort.py OUT --subjects 6 --patients 4 --seed 7
/// --rates 1000`, committed in `Fixtures/cohort`): patients with paresis, crosstalk through low-passes, snarl
/// recorded on nasalis, controls with and without a stated side. The whole pipeline as a user runs it.
@Suite("Synkinesis decision on a validation mini-cohort")
struct MiniCohortTests {
    struct Entry: Decodable {
        var name: String
        var patient: Bool
        var seed: UInt64
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/cohort")

    static let entries: [Entry] = {
        (try? JSONDecoder().decode([Entry].self, from: Data(contentsOf: folder.appendingPathComponent("cohort.json")))) ?? []
    }()

    @Test("every truly coupled pair is synkinesis, no other pair is, no control is flagged", arguments: entries.map(\.name))
    func subject(_ name: String) throws {
        let entry = try #require(Self.entries.first { $0.name == name })
        let parameters = try SynkinesisSimulation.fromJSON(Data(contentsOf: Self.folder.appendingPathComponent("\(name).json")))
        let (result, truth) = try PipelineCrosstalkTests.run(parameters, seed: entry.seed)
        var coupled = Set<String>()
        if entry.patient {
            for coupling in truth.couplings where coupling.synkinetic && coupling.gain > 0 {
                for task in parameters.tasks where task.drivers == [coupling.driver] {
                    coupled.insert("\(task.name) \(coupling.driver.rawValue)→\(coupling.follower.rawValue)")
                }
            }
        }
        #expect(!entry.patient || !coupled.isEmpty)
        let flagged = Set(result.pairs.filter(\.flag).map { "\($0.task) \($0.driver.rawValue)→\($0.follower.rawValue)" })
        #expect(flagged == coupled, "missed \(coupled.subtracting(flagged).sorted()), false \(flagged.subtracting(coupled).sorted())")
        // Snarl is performed by nasalis when levator labii is not recorded, and the result says so.
        if !parameters.muscles.contains(where: { $0.muscle == .LLS }) {
            let snarl = try #require(result.tasks.first { $0.task == "snarl" })
            #expect(snarl.driver == .NAS && snarl.driverSource == .fallback)
        }
    }
}
