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
    static func analyse(_ parameters: SynkinesisSimulation, seed: UInt64) throws -> (SynkinesisResult, SynkinesisGroundTruth) {
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
        let (result, truth) = try Self.analyse(Self.coupledLeft, seed: 4)
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
        let (result, _) = try Self.analyse(.healthyControl, seed: 9)
        #expect(result.pairs.filter(\.flag).isEmpty)
        #expect(result.affectedSide == "none")
    }

    @Test("a flat and a disconnected channel are excluded with their reason; no pair uses them")
    func artefacts() throws {
        var parameters = Self.coupledLeft
        parameters.artefacts = [.flat(SynkinesisSimulation.label(.PLA, .left)),
                                .disconnected(SynkinesisSimulation.label(.MEN, .right), mainsMicrovolts: 40)]
        let (result, _) = try Self.analyse(parameters, seed: 5)
        #expect(result.montageGaps.contains { $0.label == "PLA-L" && $0.reason.contains("flat") })
        #expect(result.montageGaps.contains { $0.label == "MEN-R" && $0.reason.contains("disconnected electrode") })
        for pair in result.pairs where pair.follower == .PLA || pair.follower == .MEN {
            // PLA has no left channel and MEN no right one: no side comparison, and nothing from the bad channel.
            #expect(pair.synkineticCorrelation == nil)
        }
        #expect(SynkinesisPipeline.qualityFailed(result))
    }
}
