import Foundation
import Testing
import SynkCore
import SynkSim
@testable import SynkAnalysis

/// Accuracy of the whole ENoG pipeline (stimuli → epochs → average → measures → ENoG) against the
/// simulator's ground truth.
///
/// Setup per seed: 20 kHz, trunk stimulation of each side, all four branches, a 5 mV stimulus artefact,
/// white noise at **20 dB SNR per sweep** (CMAP RMS over its own duration = 10 × noise RMS), **8 sweeps
/// averaged** at one supramaximal intensity (clinical ENoG averages sweeps; a single 20 dB sweep is
/// noise-limited to about 0.13 ms onset and 4 % amplitude worst cases), onset latency uniform in
/// 2.5-5 ms and peak-to-peak amplitude log-uniform in 0.1-5 mV drawn per seed, branch and side.
@Suite("Nerve conduction: accuracy over 100 simulated studies")
struct NerveConductionAccuracyTests {
    static let branches: [Branch] = [.temporal, .zygomatic, .buccal, .marginalMandibular]

    static func study(seed: UInt64, sweeps: Int = 8) throws -> (Recording, EvokedGroundTruth) {
        var draw = SeededGenerator(seed: seed &+ 1_000_000)
        var responses: [EvokedBranchResponse] = []
        for side in Side.allCases {
            for branch in branches {
                let onset = 2.5 + 2.5 * draw.nextUniform()
                let amplitude = 0.1 * pow(50, draw.nextUniform())
                responses.append(EvokedBranchResponse(
                    branch: branch, side: side, onsetLatencyMs: onset, amplitudePeakToPeakMillivolt: amplitude,
                    halfMaximumIntensityMilliampere: 5, recruitmentWidthMilliampere: 0.5))
            }
        }
        let config = EvokedStudyConfiguration(
            responses: responses, intensitiesMilliampere: [40], sweepsPerIntensity: sweeps, stimulusIntervalSeconds: 0.03,
            snrDecibel: 20, affectedSide: .right)
        return try EvokedSimulator.simulate(config, seed: seed)
    }

    @Test("onset error ≤ 0.02 ms median and ≤ 0.06 ms worst, peak-to-peak within 2 %, ENoG = 100·A_aff/A_healthy")
    func hundredSeeds() throws {
        var onsetErrors: [Double] = []
        var amplitudeErrors: [Double] = []
        var enogMismatch = 0.0
        for seed in UInt64(1)...100 {
            let (recording, truth) = try Self.study(seed: seed)
            let result = try NerveConductionAnalysis.analyze(recording)
            for branch in Self.branches {
                for side in Side.allCases {
                    let expected = truth.responses(branch: branch, side: side)
                    let onsetTruth = expected.map(\.onsetLatencyMs).reduce(0, +) / Double(expected.count)
                    let ppTruth = expected.map(\.amplitudePeakToPeakMillivolt).reduce(0, +) / Double(expected.count)
                    let measured = try #require(result.response(branch: branch, side: side))
                    #expect(measured.sweeps == 8)
                    onsetErrors.append(abs((measured.onsetLatencyMs ?? .infinity) - onsetTruth))
                    amplitudeErrors.append(abs(measured.amplitudePeakToPeakMillivolt / ppTruth - 1))
                }
                let comparison = try #require(result.branches.first { $0.branch == branch })
                let affected = try #require(result.response(branch: branch, side: .right)).amplitudePeakToPeakMillivolt
                let healthy = try #require(result.response(branch: branch, side: .left)).amplitudePeakToPeakMillivolt
                enogMismatch = max(enogMismatch, abs((comparison.enogPercent ?? -1) - 100 * affected / healthy))
                enogMismatch = max(enogMismatch, abs((comparison.degenerationPercent ?? -1) - (100 - 100 * affected / healthy)))
            }
        }
        let sorted = onsetErrors.sorted()
        let median = (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        print("ENoG accuracy over \(onsetErrors.count) responses: onset median \(median) ms, worst \(sorted.last!) ms; pp worst \(amplitudeErrors.max()! * 100) %")
        #expect(median <= 0.02)
        #expect(sorted.last! <= 0.06)
        #expect(amplitudeErrors.max()! <= 0.02)
        #expect(enogMismatch <= 1e-9)
    }
}
