import Foundation
import Testing
import SynkCore
import SynkSim

@Suite("Evoked-response simulator (ENoG and blink reflex)")
struct EvokedSimulatorTests {
    static let quietArtefact = StimulusArtefact(peakMicrovolt: 0)

    @Test("same seed gives identical samples and truth; another seed gives other noise")
    func determinism() throws {
        let config = EvokedStudyConfiguration(responses: [
            EvokedBranchResponse(branch: .buccal, side: .left, onsetLatencyMs: 3.2, amplitudePeakToPeakMillivolt: 2),
            EvokedBranchResponse(branch: .buccal, side: .right, onsetLatencyMs: 3.6, amplitudePeakToPeakMillivolt: 1),
        ], intensitiesMilliampere: [10, 30], sweepsPerIntensity: 2, latencyJitterMs: 0.05)
        let a = try EvokedSimulator.simulate(config, seed: 42)
        let b = try EvokedSimulator.simulate(config, seed: 42)
        let c = try EvokedSimulator.simulate(config, seed: 43)
        #expect(a.recording.samples == b.recording.samples)
        #expect(a.truth == b.truth)
        #expect(a.recording.samples != c.recording.samples)
        let blink = BlinkStudyConfiguration(sweepsPerSide: 2)
        #expect(try BlinkSimulator.simulate(blink, seed: 9).recording.samples == BlinkSimulator.simulate(blink, seed: 9).recording.samples)
    }

    @Test("noise-free CMAP: negative peak −A_bp at onset + rise, peak-to-peak A_pp, zero crossing and area as defined")
    func cmapShape() throws {
        // Onset 3.0 ms, rise 1.2 ms: the negative peak falls on sample 84 after the stimulus at 20 kHz.
        let response = EvokedBranchResponse(branch: .temporal, side: .left, onsetLatencyMs: 3.0, amplitudePeakToPeakMillivolt: 2.9,
                                            halfMaximumIntensityMilliampere: 1, recruitmentWidthMilliampere: 0.01)
        let config = EvokedStudyConfiguration(responses: [response], intensitiesMilliampere: [50], sweepsPerIntensity: 1,
                                              stimulusIntervalSeconds: 0.05, snrDecibel: 400, noiseFloorMicrovolt: 0, artefact: Self.quietArtefact)
        let (recording, truth) = try EvokedSimulator.simulate(config, seed: 1)
        let c = recording.channels.firstIndex { $0.label == "FRO-L" }!
        let x = recording.samples[c].map(Double.init)
        let stimulus = truth.sweeps[0].sampleIndex
        // A_bp = A_pp / (1 + 0.45) = 2.0 mV.
        #expect(abs(x[stimulus + 84] + 2000) < 0.01)
        #expect(abs(x.min()! + 2000) < 0.01)
        // Positive peak 0.45 · 2000 µV at onset + 4 + 3 ms = sample 200.
        #expect(abs(x[stimulus + 200] - 900) < 0.01)
        #expect(abs((x.max()! - x.min()!) - 2900) < 0.01)
        // Nothing before the onset (sample 60), and the negative phase ends at 7.0 ms (sample 140).
        #expect(x[stimulus..<(stimulus + 60)].allSatisfy { abs($0) < 1e-6 })
        #expect(x[stimulus + 139] < 0 && x[stimulus + 141] > 0)
        // Area of the negative phase by the trapezoid rule vs 2/π · A_bp · 4 ms = 5.093 mV·ms.
        var area = 0.0
        for i in (stimulus + 60)...(stimulus + 140) { area += -x[i] * 0.05 / 1000 }
        #expect(abs(area - 2 / Double.pi * 2.0 * 4.0) < 0.01)
        let t = truth.sweeps[0].responses[0]
        #expect(abs(t.amplitudeBaselineToPeakMillivolt - 2.0) < 1e-12)
        #expect(abs(t.negativeAreaMillivoltMs - 2 / Double.pi * 2.0 * 4.0) < 1e-12)
        #expect(abs(t.peakLatencyMs - 4.2) < 1e-12)
    }

    @Test("20 dB SNR: noise RMS = CMAP RMS over its duration / 10 (unit RMS √(0.26075) by hand); measured noise agrees within 8 %")
    func snrDefinition() throws {
        // Mean square of the unit shape: (1.2·½ + 2.8·½ + 6·0.45²·½) / 10 = 0.26075.
        #expect(abs(CMAPShape().unitRMS - 0.26075.squareRoot()) < 1e-4)
        let response = EvokedBranchResponse(branch: .buccal, side: .right, onsetLatencyMs: 3.5, amplitudePeakToPeakMillivolt: 1.45)
        let config = EvokedStudyConfiguration(responses: [response], intensitiesMilliampere: [40], sweepsPerIntensity: 1,
                                              stimulusIntervalSeconds: 0.05, snrDecibel: 20, artefact: Self.quietArtefact, leadInSeconds: 0.1)
        let (recording, truth) = try EvokedSimulator.simulate(config, seed: 3)
        let expected = 1000 * 0.26075.squareRoot() / 10  // A_bp = 1 mV
        #expect(abs(truth.noiseRMSMicrovolt["NAS-R"]! - expected) < 0.01)
        #expect(truth.noiseRMSMicrovolt["NAS-L"] == 2)  // no response: the floor
        let c = recording.channels.firstIndex { $0.label == "NAS-R" }!
        let lead = recording.samples[c][0..<1900].map(Double.init)
        let rms = (lead.reduce(0) { $0 + $1 * $1 } / Double(lead.count)).squareRoot()
        #expect(abs(rms / expected - 1) < 0.08)
    }

    @Test("recording layout: stimuli per side × intensity × sweep in the header, labelled µV channels, trigger channel")
    func layout() throws {
        let responses = [Branch.temporal, .zygomatic, .buccal, .marginalMandibular].flatMap { branch in
            Side.allCases.map { EvokedBranchResponse(branch: branch, side: $0, onsetLatencyMs: 3, amplitudePeakToPeakMillivolt: 1) }
        }
        let config = EvokedStudyConfiguration(responses: responses, intensitiesMilliampere: [10, 20, 30], sweepsPerIntensity: 2, includeTriggerChannel: true)
        let (recording, truth) = try EvokedSimulator.simulate(config, seed: 2)
        #expect(recording.sampleRate == 20_000)
        #expect(recording.header.stimuli.count == 2 * 3 * 2)
        #expect(recording.header.stimuli.allSatisfy { $0.site == "stylomastoid" && $0.branch == nil })
        #expect(recording.header.stimuli.map(\.intensityMilliampere) == [10, 10, 20, 20, 30, 30, 10, 10, 20, 20, 30, 30])
        #expect(recording.header.stimuli.map(\.side) == Array(repeating: Side.left, count: 6) + Array(repeating: Side.right, count: 6))
        let labels = recording.channels.map(\.label)
        #expect(labels == ["FRO-L", "OOc-L", "NAS-L", "MEN-L", "FRO-R", "OOc-R", "NAS-R", "MEN-R", "TRIG"])
        for channel in recording.channels.dropLast() {
            #expect(channel.unit == .microvolt)
            #expect(ChannelPlacement(label: channel.label).muscle == channel.muscle)
            #expect(ChannelPlacement(label: channel.label).side == channel.side)
        }
        #expect(recording.channels.last!.kind == .trigger)
        // Each trunk stimulus evokes all four branches of its side.
        #expect(truth.sweeps.allSatisfy { sweep in sweep.responses.count == 4 && sweep.responses.allSatisfy { $0.side == sweep.stimulus.side } })
        // Recruitment follows the logistic 1 / (1 + e^−(I − 12)/2) of the supramaximal amplitude.
        for sweep in truth.sweeps {
            let fraction = 1 / (1 + exp(-(sweep.stimulus.intensityMilliampere! - 12) / 2))
            #expect(sweep.responses.allSatisfy { abs($0.amplitudePeakToPeakMillivolt - fraction) < 1e-12 })
        }
        let perBranch = try EvokedSimulator.simulate(EvokedStudyConfiguration(responses: responses, intensitiesMilliampere: [30], sweepsPerIntensity: 1, stimulation: .perBranch), seed: 2)
        #expect(perBranch.recording.header.stimuli.count == 8)
        #expect(perBranch.truth.sweeps.allSatisfy { $0.responses.count == 1 && $0.responses[0].branch == $0.stimulus.branch })
    }

    @Test("the ground truth is Codable and survives a JSON round trip")
    func truthCodable() throws {
        let config = EvokedStudyConfiguration(responses: [EvokedBranchResponse(branch: .zygomatic, side: .left, onsetLatencyMs: 3, amplitudePeakToPeakMillivolt: 1)],
                                              intensitiesMilliampere: [30], sweepsPerIntensity: 1)
        let truth = try EvokedSimulator.simulate(config, seed: 4).truth
        let decoded = try JSONDecoder().decode(EvokedGroundTruth.self, from: JSONEncoder().encode(truth))
        #expect(decoded == truth)
        let blink = try BlinkSimulator.simulate(BlinkStudyConfiguration(sweepsPerSide: 1), seed: 4).truth
        #expect(try JSONDecoder().decode(BlinkGroundTruth.self, from: JSONEncoder().encode(blink)) == blink)
    }

    @Test("blink simulator: R1 only ipsilateral, R2 on both sides, a missing R1 leaves none, spread adds OOr/PLA bursts")
    func blinkTruth() throws {
        let config = BlinkStudyConfiguration(right: BlinkSideParameters(r1Present: false), sweepsPerSide: 3, spreadSides: [.left])
        let (recording, truth) = try BlinkSimulator.simulate(config, seed: 8)
        #expect(recording.channels.map(\.label) == ["OOc-L", "OOr-L", "PLA-L", "OOc-R", "OOr-R", "PLA-R"])
        #expect(recording.header.stimuli.count == 6)
        #expect(recording.header.stimuli.allSatisfy { $0.site == "supraorbital" })
        let bursts = truth.sweeps.flatMap(\.bursts)
        #expect(bursts.filter { $0.component == "R1" }.allSatisfy { $0.ipsilateral && $0.recordedSide == .left })
        #expect(bursts.filter { $0.component == "R1" }.count == 3)
        #expect(bursts.filter { $0.component == "R2" && $0.muscle == .OOc }.count == 12)
        #expect(bursts.filter { $0.muscle != .OOc }.allSatisfy { $0.recordedSide == .left })
        #expect(bursts.filter { $0.muscle != .OOc }.count == 12)
    }
}
