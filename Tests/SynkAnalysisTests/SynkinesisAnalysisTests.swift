import Foundation
import SynkCore
import Testing
@testable import SynkAnalysis

/// Runs the analysis on a simulated recording with the montage from its channel metadata.
func analyseSimulated(
    _ simulator: SynkinesisEnvelopeSimulator, seed: UInt64, affected: AffectedSide?, useEvents: Bool = true,
    keepSides: [Side] = [.left, .right], parameters: SynkinesisParameters = SynkinesisParameters()
) throws -> SynkinesisResult {
    let output = simulator.make(seed: seed)
    var channels = output.channels
    for i in channels.indices where !keepSides.contains(channels[i].side!) { channels[i].kind = .auxiliary }
    let montage = try Montage(channels: channels, affectedSide: affected)
    let envelopes = EnvelopeSet(sampleRate: simulator.sampleRate, envelopes: output.envelopes, kind: .movingRMS(windowSeconds: 0.1))
    return try SynkinesisAnalysis.analyze(
        envelopes: envelopes, montage: montage, tasks: useEvents ? .events(output.events) : .detect, parameters: parameters)
}

/// Every Double in the JSON encoding is finite (the encoder throws on NaN/∞) and is read back.
func encodedJSON(_ result: SynkinesisResult) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .throw
    return String(decoding: try encoder.encode(result), as: UTF8.self)
}

@Suite("Synkinesis measures on simulated envelopes with known coupling")
struct SynkinesisAnalysisTests {
    static let coupled: SynkinesisEnvelopeSimulator = {
        var simulator = SynkinesisEnvelopeSimulator()
        // Affected (left) side: eye closure drags the mouth (OOc→ZYG, OOc→OOr), smiling narrows the eye (ZYG→OOc).
        simulator.couplings = [
            .init(driver: .OOc, follower: .ZYG, side: .left, gain: 0.6, lagSamples: 4),
            .init(driver: .OOc, follower: .OOr, side: .left, gain: 0.4, lagSamples: 2),
            .init(driver: .ZYG, follower: .OOc, side: .left, gain: 0.5, lagSamples: 3),
        ]
        return simulator
    }()

    @Test("Every truly coupled pair on the affected side has index ≥ 0.3 with a 95 % CI excluding 0")
    func coupledPairsAreDetected() throws {
        let result = try analyseSimulated(Self.coupled, seed: 1, affected: .left)
        #expect(result.sideComparison.possible)
        for coupling in Self.coupled.couplings {
            let task = coupling.driver == .OOc ? "eye_closure" : "smile"
            let pair = try #require(result.pairs.first { $0.task == task && $0.driver == coupling.driver && $0.follower == coupling.follower })
            let index = try #require(pair.synkineticCorrelation)
            let ci = try #require(pair.ci95)
            #expect(index >= 0.3, "\(coupling.driver)→\(coupling.follower) index \(index)")
            #expect(ci[0] > 0, "\(coupling.driver)→\(coupling.follower) CI \(ci)")
            #expect(pair.correlationFlag)
            #expect(try #require(pair.p) < 0.05)
        }
    }

    @Test("Injected lag is recovered within one envelope sample (10 ms at 100 Hz)")
    func lagRecovered() throws {
        let result = try analyseSimulated(Self.coupled, seed: 2, affected: .left)
        for coupling in Self.coupled.couplings {
            let task = coupling.driver == .OOc ? "eye_closure" : "smile"
            let pair = try #require(result.pairs.first { $0.task == task && $0.driver == coupling.driver && $0.follower == coupling.follower })
            let lag = try #require(pair.affected?.lagMs)
            let truth = Double(coupling.lagSamples) * 1000 / Self.coupled.sampleRate
            #expect(abs(lag - truth) <= 1000 / Self.coupled.sampleRate + 1e-9, "lag \(lag) ms, truth \(truth) ms")
        }
    }

    @Test("Amplitude ratio equals the simulated affected/healthy follower gain within 2 %")
    func amplitudeRatio() throws {
        var simulator = SynkinesisEnvelopeSimulator()
        simulator.mirrorSides = true
        simulator.independentNoiseSD = 0.2
        simulator.channelGain = ["ZYG-R": 2.3, "OOr-R": 0.8]
        let result = try analyseSimulated(simulator, seed: 3, affected: .right)
        for task in ["eye_closure", "pucker"] {
            let pair = try #require(result.pairs.first { $0.task == task && $0.follower == .ZYG })
            let ratio = try #require(pair.amplitudeRatio)
            #expect(abs(ratio - 2.3) / 2.3 < 0.02, "\(task): ratio \(ratio)")
        }
        let pucker = try #require(result.pairs.first { $0.task == "eye_closure" && $0.follower == .OOr })
        #expect(abs(try #require(pucker.amplitudeRatio) - 0.8) / 0.8 < 0.02)
        // OOc→ZYG is ocular→oral, judged against 1.62; ZYG→OOc (gain 1 on both sides) is oral→ocular, against 1.79, and
        // not synkinetic.
        let ocularOral = try #require(result.pairs.first { $0.task == "eye_closure" && $0.follower == .ZYG })
        #expect(ocularOral.amplitudeCutoff == 1.62 && ocularOral.pattern == .ocularToOral && ocularOral.decisionRule?.id == "bernardes2018_ocular_oral")
        let oralOcular = try #require(result.pairs.first { $0.task == "smile" && $0.follower == .OOc })
        #expect(!oralOcular.flag && oralOcular.amplitudeCutoff == 1.79 && oralOcular.decision == .notSynkinetic)
    }

    @Test("A healthy recording (symmetric mild co-movement, no synkinesis) flags no pair")
    func healthyRecordingFlagsNothing() throws {
        var simulator = SynkinesisEnvelopeSimulator()
        simulator.couplings = Side.allCases.map { .init(driver: .OOc, follower: .ZYG, side: $0, gain: 0.15, lagSamples: 2) }
        for (seed, affected) in [(UInt64(4), AffectedSide?.some(.left)), (5, .some(.right)), (6, .some(.none)), (7, nil)] {
            let result = try analyseSimulated(simulator, seed: seed, affected: affected)
            #expect(!result.pairs.isEmpty)
            for pair in result.pairs {
                #expect(!pair.flag, "\(pair.task) \(pair.driver)→\(pair.follower) ratio \(pair.amplitudeRatio ?? -1)")
                #expect(try #require(pair.amplitudeRatio) < 1.3)
            }
        }
    }

    @Test("Uncoupled pairs: the index's 95 % CI covers 0 in 91-98 % of 400 seeds")
    func calibration() throws {
        var simulator = SynkinesisEnvelopeSimulator()
        simulator.muscles = [.OOc, .ZYG]
        simulator.tasks = [.init(name: "eye_closure", driver: .OOc, repetitions: 3, durationSeconds: 2)]
        simulator.restBeforeSeconds = 0.6
        simulator.gapSeconds = 0.6
        var parameters = SynkinesisParameters()
        parameters.maxLagSeconds = 0.05
        var covered = 0
        var defined = 0
        for seed in 0..<400 {
            let result = try analyseSimulated(simulator, seed: UInt64(1000 + seed), affected: .left, parameters: parameters)
            let pair = try #require(result.pairs.first { $0.driver == .OOc && $0.follower == .ZYG })
            guard let ci = pair.ci95 else { continue }
            defined += 1
            if ci[0] <= 0 && 0 <= ci[1] { covered += 1 }
        }
        #expect(defined == 400)
        let coverage = Double(covered) / Double(defined)
        #expect(coverage >= 0.91 && coverage <= 0.98, "coverage \(coverage)")
    }

    @Test("One-sided input: per-side measures, the impossibility stated, no NaN")
    func oneSided() throws {
        let result = try analyseSimulated(Self.coupled, seed: 6, affected: .left, keepSides: [.left])
        #expect(!result.sideComparison.possible)
        #expect(result.sideComparison.reason?.contains("only left") == true)
        #expect(!result.pairs.isEmpty)
        for pair in result.pairs {
            #expect(pair.affected != nil && pair.healthy == nil)
            #expect(pair.synkineticCorrelation == nil && pair.ci95 == nil && pair.amplitudeRatio == nil && !pair.flag)
            #expect(!pair.notes.isEmpty)
            #expect(pair.affected?.r != nil && pair.affected?.rms != nil)
        }
        #expect(result.montageGaps.count == 3)
        let json = try encodedJSON(result)
        // No NaN as a value (a key such as "crosstalk_dominance" may hold the letters).
        #expect(json.range(of: #"[:\[,]\s*-?nan\b"#, options: [.regularExpression, .caseInsensitive]) == nil)
        #expect(json.contains("\"healthy\":null"))
    }

    @Test("Affected side unknown: left vs right, said so; stable JSON field names present")
    func unknownSideAndJSON() throws {
        let result = try analyseSimulated(Self.coupled, seed: 7, affected: nil)
        #expect(result.affectedSide == "unknown")
        #expect(result.sideComparison.basis.rawValue == "unknown_left_vs_right" && result.sideComparison.affectedSlot == .left)
        #expect(result.sideComparison.reason != nil)
        let json = try encodedJSON(result)
        for key in ["\"pairs\"", "\"task\"", "\"driver\"", "\"follower\"", "\"affected\"", "\"healthy\"", "\"r\"",
                    "\"peak_xcorr\"", "\"lag_ms\"", "\"rms\"", "\"active_s\"", "\"synkinetic_correlation\"", "\"ci95\"",
                    "\"p\"", "\"amplitude_ratio\"", "\"flag\"", "\"parameters\"", "\"affected_side\"", "\"tasks_source\"",
                    "\"coactivation\"", "\"follower_percent_of_own_task\"", "\"n_eff\""] {
            #expect(json.contains(key), "missing \(key)")
        }
        let decoded = try JSONDecoder().decode(SynkinesisResult.self, from: Data(json.utf8))
        #expect(decoded == result)
    }

    @Test("Activity measures: coupled follower is active through most of the driver's activity, uncoupled one is not")
    func activityMeasures() throws {
        let result = try analyseSimulated(Self.coupled, seed: 8, affected: .left)
        let pair = try #require(result.pairs.first { $0.task == "eye_closure" && $0.follower == .ZYG })
        let affected = try #require(pair.affected), healthy = try #require(pair.healthy)
        // Simulated: 2 repetitions of 3 s; the driver is above threshold for nearly all of it.
        let driverActive = try #require(affected.driverActiveS)
        #expect(driverActive > 4.5 && driverActive <= 6.0)
        #expect(try #require(affected.coactivation) > 0.8)
        #expect(abs(try #require(affected.coactiveS) - driverActive * affected.coactivation!) < 1e-9)
        #expect(try #require(healthy.coactivation) < 0.1)
        #expect(try #require(affected.activeS) > 4 * (try #require(healthy.activeS)) + 1)
        // ZYG's synkinetic activity is 0.6 × OOc's; both activate with the same 40 µV scale, so the
        // follower reaches roughly 60 % of its own smile (±15 points for the ramps, lag and fluctuation).
        let percent = try #require(affected.followerPercentOfOwnTask)
        #expect(abs(percent - 60) < 15, "percent \(percent)")
        #expect(abs(try #require(healthy.followerPercentOfOwnTask)) < 5)
    }

    @Test("Without events, bursts are detected and named by the dominant healthy-side muscle")
    func detectedTasks() throws {
        let output = Self.coupled.make(seed: 9)
        let result = try analyseSimulated(Self.coupled, seed: 9, affected: .left, useEvents: false)
        #expect(result.tasksSource == .detected && result.tasksSource.rawValue == "detected")
        let names = Set(result.tasks.map(\.task))
        #expect(names == ["eye_closure", "smile", "pucker"])
        for task in result.tasks {
            let truth = try #require(output.truth[task.task])
            #expect(task.repetitions == truth.count)
            for (span, range) in zip(task.spansS, truth) {
                #expect(abs(span[0] - Double(range.lowerBound) / 100) < 0.3)
                #expect(abs(span[1] - Double(range.upperBound) / 100) < 0.3)
            }
        }
    }
}
