import Foundation
import Testing
import SynkCore
import SynkSim
@testable import SynkAnalysis

@Suite("Blink reflex: R1/R2 against simulator ground truth")
struct BlinkReflexTests {
    @Test("R1 and R2 (ipsi- and contralateral) onsets within 0.5 ms of the simulated mean onsets, over 10 seeds")
    func latencies() throws {
        for seed in UInt64(1)...10 {
            let config = BlinkStudyConfiguration(
                left: BlinkSideParameters(r1LatencyMs: 10.2, r2LatencyMs: 30), right: BlinkSideParameters(r1LatencyMs: 11.5, r1AmplitudeMillivolt: 0.15, r2LatencyMs: 34, r2AmplitudeMillivolt: 0.2),
                contralateralR2DelayMs: 0.5, sweepsPerSide: 4)
            let (recording, truth) = try BlinkSimulator.simulate(config, seed: seed)
            let result = try BlinkReflexAnalysis.analyze(recording)
            for stimulated in Side.allCases {
                for recorded in Side.allCases {
                    let components = recorded == stimulated ? ["R1", "R2"] : ["R2"]
                    for name in components {
                        let expected = try #require(truth.meanOnsetMs(component: name, recordedSide: recorded, stimulatedSide: stimulated))
                        let measured = try #require(result.component(name, stimulated: stimulated, recorded: recorded))
                        let latency = try #require(measured.onsetLatencyMs, "\(name) stim \(stimulated) rec \(recorded) seed \(seed)")
                        #expect(abs(latency - expected) <= 0.5, "\(name) stim \(stimulated) rec \(recorded) seed \(seed): \(latency) vs \(expected)")
                        #expect(measured.sweepsWithResponse == 4)
                        #expect(measured.ipsilateral == (recorded == stimulated))
                    }
                }
            }
            #expect(result.component("R1", stimulated: .left, recorded: .right) == nil)  // no contralateral R1
            #expect(result.spread.isEmpty)
        }
    }

    @Test("a missing R1 is reported missing (no latency, flagged), while R2 is still measured")
    func missingR1() throws {
        let config = BlinkStudyConfiguration(right: BlinkSideParameters(r1Present: false, r2LatencyMs: 32), sweepsPerSide: 4, affectedSide: .right)
        let (recording, truth) = try BlinkSimulator.simulate(config, seed: 11)
        let result = try BlinkReflexAnalysis.analyze(recording)
        let r1 = try #require(result.component("R1", stimulated: .right, recorded: .right))
        #expect(r1.onsetLatencyMs == nil)
        #expect(r1.amplitudePeakToPeakMillivolt == nil)
        #expect(r1.flags.contains("missing"))
        #expect(result.flags.contains("r1_missing"))
        let left = try #require(result.component("R1", stimulated: .left, recorded: .left))
        #expect(left.onsetLatencyMs != nil)
        let r2 = try #require(result.component("R2", stimulated: .right, recorded: .right))
        let expected = try #require(truth.meanOnsetMs(component: "R2", recordedSide: .right, stimulatedSide: .right))
        #expect(abs(r2.onsetLatencyMs! - expected) <= 0.5)
        let difference = try #require(result.sideDifferences.first { $0.measure == "r1_side_difference_ms" })
        #expect(difference.differenceMs == nil)
        #expect(difference.flags.contains("r1_missing_on_one_side"))
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        #expect(!json.lowercased().contains("nan"))
    }

    @Test("R2 spreading into OOr and PLA of one side is reported as a synkinesis sign on that side only")
    func spread() throws {
        let config = BlinkStudyConfiguration(sweepsPerSide: 4, spreadSides: [.right], spreadFraction: 0.5, spreadDelayMs: 1)
        let (recording, truth) = try BlinkSimulator.simulate(config, seed: 5)
        let result = try BlinkReflexAnalysis.analyze(recording)
        #expect(result.flags.contains("r2_spread_synkinesis"))
        for stimulated in Side.allCases {
            for muscle in [Muscle.OOr, .PLA] {
                let right = try #require(result.component("R2", stimulated: stimulated, recorded: .right, muscle: muscle))
                #expect(right.flags.contains("r2_spread_synkinesis"))
                let expected = try #require(truth.meanOnsetMs(component: "R2", muscle: muscle, recordedSide: .right, stimulatedSide: stimulated))
                #expect(abs(right.onsetLatencyMs! - expected) <= 0.5)
                let left = try #require(result.component("R2", stimulated: stimulated, recorded: .left, muscle: muscle))
                #expect(left.onsetLatencyMs == nil)
                #expect(!left.flags.contains("r2_spread_synkinesis"))
            }
        }
    }

    @Test("an R1 side difference of 3 ms exceeds the norm (0.36 + 2.5·0.69 = 2.085 ms) and is flagged")
    func sideDifference() throws {
        let config = BlinkStudyConfiguration(left: BlinkSideParameters(r1LatencyMs: 10), right: BlinkSideParameters(r1LatencyMs: 13), sweepsPerSide: 4, r1JitterMs: 0.1)
        let (recording, truth) = try BlinkSimulator.simulate(config, seed: 3)
        let result = try BlinkReflexAnalysis.analyze(recording)
        let difference = try #require(result.sideDifferences.first { $0.measure == "r1_side_difference_ms" })
        let expected = truth.meanOnsetMs(component: "R1", recordedSide: .left, stimulatedSide: .left)! - truth.meanOnsetMs(component: "R1", recordedSide: .right, stimulatedSide: .right)!
        #expect(abs(difference.differenceMs! - expected) <= 0.5)
        #expect(abs(difference.normCheck!.upperLimit! - 2.085) < 1e-9)
        #expect(difference.flags.contains("r1_side_difference_ms_above_norm"))
        // R1 at 13 ms is beyond 9.98 + 2.5·0.17 = 10.405 ms.
        #expect(result.component("R1", stimulated: .right, recorded: .right)!.flags.contains("r1_latency_ms_above_norm"))
    }

    @Test("stimuli of unknown side and low rates are input errors")
    func badInputs() throws {
        var (recording, _) = try BlinkSimulator.simulate(BlinkStudyConfiguration(sweepsPerSide: 1), seed: 1)
        recording.header.stimuli[0].side = nil
        #expect(throws: SynkError.self) { try BlinkReflexAnalysis.analyze(recording) }
        let (slow, _) = try BlinkSimulator.simulate(BlinkStudyConfiguration(sampleRate: 1000, sweepsPerSide: 1), seed: 1)
        #expect(throws: SynkError.self) { try BlinkReflexAnalysis.analyze(slow) }
    }
}
