import Foundation
import Testing
import SynkCore
import SynkSim
@testable import SynkAnalysis

@Suite("Nerve conduction: ENoG, supramaximal selection, no response, norms, stimuli, bad inputs")
struct NerveConductionTests {
    static func twoSides(_ branch: Branch = .buccal, healthy: Double = 2.0, affected: Double = 1.0, onset: Double = 3.5,
                         intensities: [Double] = [40], sweeps: Int = 4, trigger: Bool = false, listStimuli: Bool = true,
                         sampleRate: Double = 20_000, seed: UInt64 = 7) throws -> (Recording, EvokedGroundTruth) {
        let responses = [
            EvokedBranchResponse(branch: branch, side: .left, onsetLatencyMs: onset, amplitudePeakToPeakMillivolt: healthy),
            EvokedBranchResponse(branch: branch, side: .right, onsetLatencyMs: onset + 0.4, amplitudePeakToPeakMillivolt: affected),
        ]
        let config = EvokedStudyConfiguration(
            sampleRate: sampleRate, responses: responses, intensitiesMilliampere: intensities, sweepsPerIntensity: sweeps,
            stimulusIntervalSeconds: 0.05, includeTriggerChannel: trigger, listStimuliInHeader: listStimuli, affectedSide: .right)
        return try EvokedSimulator.simulate(config, seed: seed)
    }

    // MARK: ENoG and the 90 % threshold

    @Test("degeneration 89.9 % is not flagged, 90.1 % is (hand calculation: 100 − 100·0.101/1 and 100 − 100·0.099/1)")
    func degenerationThreshold() {
        let below = BranchComparison.compare(branch: .zygomatic, affectedSide: .right, affectedAmplitude: 0.101, healthyAmplitude: 1.0)
        let above = BranchComparison.compare(branch: .zygomatic, affectedSide: .right, affectedAmplitude: 0.099, healthyAmplitude: 1.0)
        #expect(abs(below.enogPercent! - 10.1) < 1e-9)
        #expect(abs(below.degenerationPercent! - 89.9) < 1e-9)
        #expect(!below.flags.contains("degeneration_above_threshold"))
        #expect(abs(above.degenerationPercent! - 90.1) < 1e-9)
        #expect(above.flags.contains("degeneration_above_threshold"))
    }

    @Test("a healthy side without response gives no ENoG (null, flagged), never NaN or infinity")
    func healthyNoResponse() {
        let comparison = BranchComparison.compare(branch: .buccal, affectedSide: .left, affectedAmplitude: 0.5, healthyAmplitude: 0)
        #expect(comparison.enogPercent == nil)
        #expect(comparison.degenerationPercent == nil)
        #expect(comparison.flags == ["healthy_side_no_response"])
    }

    @Test("a fully degenerated branch: no onset, amplitude 0, ENoG 0 %, degeneration 100 %, flags; JSON has null, no NaN")
    func fullyDegenerated() throws {
        let (recording, _) = try Self.twoSides(.zygomatic, healthy: 1.5, affected: 0)
        let result = try NerveConductionAnalysis.analyze(recording)
        let affected = try #require(result.response(branch: .zygomatic, side: .right))
        #expect(affected.onsetLatencyMs == nil)
        #expect(affected.peakLatencyMs == nil)
        #expect(affected.amplitudePeakToPeakMillivolt == 0)
        #expect(affected.flags.contains("no_response"))
        let healthy = try #require(result.response(branch: .zygomatic, side: .left))
        #expect(!healthy.flags.contains("no_response"))
        let branch = try #require(result.branches.first { $0.branch == .zygomatic })
        #expect(branch.enogPercent == 0)
        #expect(branch.degenerationPercent == 100)
        #expect(branch.flags.contains("degeneration_above_threshold"))
        #expect(branch.flags.contains("affected_side_no_response"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(result), as: UTF8.self)
        #expect(json.contains("\"onset_latency_ms\":null"))
        #expect(!json.lowercased().contains("nan"))
        for key in ["\"branch\"", "\"muscle\"", "\"side\"", "\"peak_latency_ms\"", "\"amplitude_bp_mv\"", "\"amplitude_pp_mv\"",
                    "\"duration_ms\"", "\"area_mv_ms\"", "\"sweeps\"", "\"flags\"", "\"enog_percent\"", "\"degeneration_percent\"", "\"parameters\""] {
            #expect(json.contains(key), "missing \(key)")
        }
    }

    @Test("noise alone is not measured: 100 noise-only channels all report no response")
    func noiseOnlyIsNoResponse() throws {
        for seed in UInt64(1)...50 {
            let (recording, _) = try Self.twoSides(.buccal, healthy: 0, affected: 0, seed: seed)
            let result = try NerveConductionAnalysis.analyze(recording)
            for side in Side.allCases {
                let r = try #require(result.response(branch: .buccal, side: side))
                #expect(r.flags.contains("no_response"))
                #expect(r.onsetLatencyMs == nil && r.amplitudePeakToPeakMillivolt == 0)
            }
        }
    }

    // MARK: Other measures against ground truth

    @Test("peak latency within 0.1 ms, baseline-to-peak within 3 %, duration within 0.15 ms, area within 4 % of the truth")
    func otherMeasures() throws {
        let (recording, truth) = try Self.twoSides(.temporal, healthy: 3, affected: 1.2, onset: 3.0, sweeps: 8)
        let result = try NerveConductionAnalysis.analyze(recording)
        for side in Side.allCases {
            let t = truth.responses(branch: .temporal, side: side)[0]
            let r = try #require(result.response(branch: .temporal, side: side))
            #expect(abs(r.peakLatencyMs! - t.peakLatencyMs) <= 0.1)
            #expect(abs(r.amplitudeBaselineToPeakMillivolt / t.amplitudeBaselineToPeakMillivolt - 1) <= 0.03)
            #expect(abs(r.durationMs! - t.negativeDurationMs) <= 0.15)
            #expect(abs(r.areaMillivoltMs! / t.negativeAreaMillivoltMs - 1) <= 0.04)
        }
    }

    // MARK: Supramaximal selection

    @Test("supramaximal selection finds the plateau of a logistic recruitment curve (I½ 12 mA, width 2 mA)")
    func supramaximalPlateau() throws {
        let intensities: [Double] = [4, 8, 12, 16, 20, 25, 30, 35]
        let (recording, truth) = try Self.twoSides(.buccal, healthy: 2.0, affected: 1.0, intensities: intensities, sweeps: 3)
        let result = try NerveConductionAnalysis.analyze(recording)
        for side in Side.allCases {
            let r = try #require(result.response(branch: .buccal, side: side))
            // Truth: the first intensity whose recruited fraction is within 5 % of the top one is 20 mA
            // (logistic: 16 mA → 0.881, 20 mA → 0.982 of the maximum).
            let config = truth.configuration.responses.first { $0.side == side }!
            let expectedOnset = intensities.first { config.recruitedFraction(atMilliampere: $0) >= 0.95 * config.recruitedFraction(atMilliampere: 35) }
            #expect(expectedOnset == 20)
            #expect(r.plateauOnsetMilliampere == expectedOnset)
            #expect(r.intensityMilliampere == 35)
            #expect(!r.flags.contains("not_supramaximal"))
            #expect(r.recruitment.map(\.intensityMilliampere) == intensities)
            // The recruitment curve follows the truth where the response stands out of the noise.
            for point in r.recruitment {
                let expected = truth.responses(branch: .buccal, side: side, intensityMilliampere: point.intensityMilliampere)[0].amplitudePeakToPeakMillivolt
                if expected > 0.2 { #expect(abs(point.amplitudePeakToPeakMillivolt / expected - 1) <= 0.05, "at \(point.intensityMilliampere!) mA: \(point.amplitudePeakToPeakMillivolt) vs \(expected) side \(side)") }
            }
        }
    }

    @Test("a curve still growing at the highest intensity is flagged not_supramaximal")
    func stillGrowing() throws {
        let (recording, _) = try Self.twoSides(.buccal, healthy: 2.0, affected: 1.0, intensities: [8, 12, 14], sweeps: 3)
        let result = try NerveConductionAnalysis.analyze(recording)
        #expect(result.response(branch: .buccal, side: .left)!.flags.contains("not_supramaximal"))
    }

    @Test("selectSupramaximal on a hand-made curve: plateau from the first point within 5 % of the largest")
    func selectionByHand() {
        let amps = [0.1, 0.5, 1.2, 1.90, 1.97, 2.0, 1.98]
        let curve = amps.enumerated().map { RecruitmentPoint(intensityMilliampere: Double($0.offset * 5 + 5), amplitudePeakToPeakMillivolt: $0.element, sweeps: 1, noResponse: false) }
        let selection = NerveConductionAnalysis.selectSupramaximal(curve, tolerancePercent: 5)
        // 5 % below 2.0 is 1.9: 1.90 at 20 mA is the first of the run 1.90…1.98.
        #expect(selection.plateauOnset == 20)
        #expect(selection.index == 6)
        #expect(selection.flags.isEmpty)
    }

    // MARK: Norms

    @Test("standard norms flag nasalis latency above 4.5 ms and amplitude below 2 mV, citing Medeiros 1996")
    func standardNorms() throws {
        let (recording, _) = try Self.twoSides(.buccal, healthy: 1.5, affected: 1.0, onset: 4.3, sweeps: 8)
        let result = try NerveConductionAnalysis.analyze(recording)
        // Right side: onset 4.7 ms (> 4.5), baseline-to-peak 1.0/1.45 = 0.69 mV (< 2).
        let right = try #require(result.response(branch: .buccal, side: .right))
        #expect(right.flags.contains("onset_latency_ms_above_norm"))
        #expect(right.flags.contains("amplitude_bp_mv_below_norm"))
        // Full citation: authors, year, journal (never an internal document).
        #expect(right.normChecks.allSatisfy { $0.source.contains("Medeiros JLA") && $0.source.contains("(1996)") && $0.source.contains("Arquivos de Neuro-Psiquiatria") })
        // Left side: onset 4.3 ms, within the latency limit.
        let left = try #require(result.response(branch: .buccal, side: .left))
        #expect(!left.flags.contains("onset_latency_ms_above_norm"))
        // No limit is applied to a measurement it was not made for: a zygomatic (OOc) recording has none, and the
        // nasalis limits do not apply to a nasalis response evoked by distal branch stimulation.
        #expect(NormativeTable.standard.check(.onsetLatency, value: 4.8, branch: .zygomatic, muscle: .OOc, site: .mainTrunk) == nil)
        #expect(NormativeTable.standard.check(.onsetLatency, value: 4.8, branch: .buccal, muscle: .NAS, site: .branch) == nil)
        #expect(NormativeTable.standard.check(.amplitudeBaselineToPeak, value: 0.17, branch: .marginalMandibular, muscle: .MEN, site: .mainTrunk) == nil)
    }

    @Test("a clinic's JSON table replaces the standard one; a malformed table is an input error")
    func clinicTable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synk-ncs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("norms.json").path
        try Data("""
        {"name": "Clinic X", "limits": [{"measure": "onset_latency_ms", "branch": "buccal", "maximum": 3.6, "source": "Clinic X 2024"}]}
        """.utf8).write(to: URL(fileURLWithPath: path))
        let table = try NormativeTable.load(path: path)
        let (recording, _) = try Self.twoSides(.buccal, healthy: 3, affected: 3, onset: 3.4, sweeps: 8)
        let result = try NerveConductionAnalysis.analyze(recording, norms: table)
        #expect(result.normativeTable == "Clinic X")
        #expect(!result.response(branch: .buccal, side: .left)!.flags.contains("onset_latency_ms_above_norm"))  // 3.4 ms
        #expect(result.response(branch: .buccal, side: .right)!.flags.contains("onset_latency_ms_above_norm"))  // 3.8 ms
        #expect(result.response(branch: .buccal, side: .right)!.normChecks.first?.source == "Clinic X 2024")

        let bad = dir.appendingPathComponent("bad.json").path
        try Data("{\"limits\": 3}".utf8).write(to: URL(fileURLWithPath: bad))
        #expect(throws: SynkError.self) { try NormativeTable.load(path: bad) }
        do { _ = try NormativeTable.load(path: bad) } catch { #expect(error.kind == .input && error.file == bad) }
    }

    // MARK: Stimuli

    @Test("stimuli from a trigger channel and from artefacts match the simulated times (±1 sample) and sides")
    func stimulusDetection() throws {
        let (recording, truth) = try Self.twoSides(.buccal, healthy: 2, affected: 1, intensities: [20, 40], sweeps: 2, trigger: true, listStimuli: false)
        let expected = truth.sweeps.map(\.stimulus)
        for source in [StimulusSource.trigger, .artefact] {
            let (found, used) = StimulusDetection.stimuli(in: recording, source: source)
            #expect(used == source)
            #expect(found.count == expected.count)
            for (f, e) in zip(found, expected) {
                #expect(abs(f.time - e.time) <= 1 / recording.sampleRate + 1e-12)
                #expect(f.side == e.side)
            }
        }
        #expect(StimulusDetection.stimuli(in: recording).source == .trigger)
        // Without intensities the sweeps of each side are averaged together; the analysis still runs.
        let result = try NerveConductionAnalysis.analyze(recording)
        #expect(result.stimulusSource == .trigger)
        #expect(result.response(branch: .buccal, side: .left)?.sweeps == 4)
    }

    // MARK: Bad inputs

    @Test("a stimulus outside the recording is an input error")
    func stimulusOutside() throws {
        var (recording, _) = try Self.twoSides()
        recording.header.stimuli.append(Stimulus(time: recording.duration + 1, intensityMilliampere: 40, side: .left))
        do {
            _ = try NerveConductionAnalysis.analyze(recording)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .input)
            #expect(error.problem.contains("outside the recording"))
        }
    }

    @Test("a stimulus whose window runs past the end is an input error")
    func windowPastEnd() throws {
        var (recording, _) = try Self.twoSides()
        recording.header.stimuli.append(Stimulus(time: recording.duration - 0.005, intensityMilliampere: 40, side: .left))
        #expect(throws: SynkError.self) { try NerveConductionAnalysis.analyze(recording) }
    }

    @Test("sweeps shorter than the analysis window are an input error")
    func shortSweeps() throws {
        let (recording, _) = try Self.twoSides()
        let c = recording.channels.firstIndex { $0.label == "NAS-L" }!
        let stimuli = recording.header.stimuli.filter { $0.side == .left }
        let short = try EvokedEpochs.cut(recording, channelIndex: c, stimuli: stimuli, window: EpochWindow(preStimulusMs: 5, postStimulusMs: 8))
        do {
            _ = try NerveConductionAnalysis.analyze(epochs: [short], affectedSide: .right)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .input)
            #expect(error.place == "NAS-L")
        }
        let full = try EvokedEpochs.cut(recording, channelIndex: c, stimuli: stimuli, window: EpochWindow())
        #expect(try NerveConductionAnalysis.analyze(epochs: [full], affectedSide: .right).responses.count == 1)
    }

    @Test("a 2 kHz recording is refused: nerve conduction needs at least 5 kHz")
    func lowRate() throws {
        let (recording, _) = try Self.twoSides(sampleRate: 2000)
        do {
            _ = try NerveConductionAnalysis.analyze(recording)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .input)
            #expect(error.problem.contains("2000"))
        }
    }
}
