import Foundation
import Testing
import SynkCore
import SynkSim
@testable import SynkAnalysis

/// The nine ways an evoked-response study used to give a wrong number with no flag (issue: late responses, artefact
/// tails, polarity, mains, time base, units, unrecognised labels, unknown intensities, norms), each against the
/// simulator's ground truth.
@Suite("Evoked responses never mislead silently")
struct EvokedRobustnessTests {
    static func study(
        onset: Double = 3.5, amplitude: Double = 2.0, shape: CMAPShape = CMAPShape(), artefact: StimulusArtefact = StimulusArtefact(),
        intensities: [Double] = [40], sweeps: Int = 8, interval: Double = 0.1, mains: Double = 0, trigger: Bool = false, listStimuli: Bool = true,
        snr: Double = 20, seed: UInt64 = 3
    ) throws -> (Recording, EvokedGroundTruth) {
        let responses = [
            EvokedBranchResponse(branch: .buccal, side: .left, onsetLatencyMs: onset, amplitudePeakToPeakMillivolt: amplitude, shape: shape),
            EvokedBranchResponse(branch: .buccal, side: .right, onsetLatencyMs: onset + 0.3, amplitudePeakToPeakMillivolt: amplitude * 0.5, shape: shape),
        ]
        let config = EvokedStudyConfiguration(
            responses: responses, intensitiesMilliampere: intensities, sweepsPerIntensity: sweeps, stimulusIntervalSeconds: interval,
            snrDecibel: snr, artefact: artefact, includeTriggerChannel: trigger, listStimuliInHeader: listStimuli, affectedSide: .right,
            mainsMicrovolt: mains)
        return try EvokedSimulator.simulate(config, seed: seed)
    }

    static func truth(_ truth: EvokedGroundTruth, side: Side, intensity: Double? = nil) -> (onset: Double, pp: Double, bp: Double) {
        let t = truth.responses(branch: .buccal, side: side, intensityMilliampere: intensity)
        let n = Double(t.count)
        return (t.map(\.onsetLatencyMs).reduce(0, +) / n, t.map(\.amplitudePeakToPeakMillivolt).reduce(0, +) / n,
                t.map(\.amplitudeBaselineToPeakMillivolt).reduce(0, +) / n)
    }

    // MARK: 1. Window

    @Test("a late response (MEP-like, onset 25 ms) beyond the default −5…20 ms window is flagged response_beyond_window, not a silent no_response")
    func lateResponseFlagged() throws {
        let (recording, _) = try Self.study(onset: 25, amplitude: 0.8)
        let result = try NerveConductionAnalysis.analyze(recording)
        for side in Side.allCases {
            let r = try #require(result.response(branch: .buccal, side: side))
            #expect(r.flags.contains(.responseBeyondWindow) || r.flags.contains(.responseActiveAtWindowEnd), "\(side): \(r.flags)")
        }
        #expect(result.qualityFailed)
    }

    @Test("with --window -5ms:50ms the late response is measured: onset within 0.2 ms, p-p within 3 % of the truth, no window flag")
    func lateResponseMeasured() throws {
        let (recording, truth) = try Self.study(onset: 25, amplitude: 0.8)
        let window = try #require(EpochWindow(parsing: "-5ms:50ms"))
        #expect(window.preStimulusMs == 5 && window.postStimulusMs == 50)
        let result = try NerveConductionAnalysis.analyze(recording, parameters: NerveConductionParameters(settings: EvokedSettings(window: window)))
        for side in Side.allCases {
            let r = try #require(result.response(branch: .buccal, side: side))
            let t = Self.truth(truth, side: side)
            #expect(abs(r.onsetLatencyMs! - t.onset) <= 0.2, "\(side): \(r.onsetLatencyMs!) vs \(t.onset)")
            #expect(abs(r.amplitudePeakToPeakMillivolt / t.pp - 1) <= 0.03)
            #expect(!r.flags.contains(.responseBeyondWindow) && !r.flags.contains(.responseActiveAtWindowEnd))
        }
        #expect(result.parameters.window.postStimulusMs == 50)
    }

    @Test("a window that cuts a response in half flags response_active_at_window_end")
    func windowCutsResponse() throws {
        let (recording, _) = try Self.study(onset: 8, amplitude: 2)
        let result = try NerveConductionAnalysis.analyze(recording, parameters: NerveConductionParameters(settings: EvokedSettings(window: EpochWindow(preStimulusMs: 5, postStimulusMs: 11))))
        let r = try #require(result.response(branch: .buccal, side: .left))
        #expect(r.flags.contains(.responseActiveAtWindowEnd))
    }

    @Test("an M-wave (3.5 ms) and an H-reflex-like late wave (30 ms) in one -5…50 ms window: the larger is measured and the other is flagged; a window around one of them measures it without the flag")
    func twoResponsesInWindow() throws {
        let responses = [
            EvokedBranchResponse(branch: .buccal, side: .left, onsetLatencyMs: 3.5, amplitudePeakToPeakMillivolt: 2.0),
            EvokedBranchResponse(branch: .buccal, side: .left, onsetLatencyMs: 30, amplitudePeakToPeakMillivolt: 1.0),
        ]
        let config = EvokedStudyConfiguration(responses: responses, intensitiesMilliampere: [40], sweepsPerIntensity: 8, stimulusIntervalSeconds: 0.1, snrDecibel: 25)
        let (recording, truth) = try EvokedSimulator.simulate(config, seed: 8)
        let wide = try NerveConductionAnalysis.analyze(recording, parameters: NerveConductionParameters(settings: EvokedSettings(window: EpochWindow(parsing: "-5ms:50ms"))))
        let r = try #require(wide.response(branch: .buccal, side: .left))
        #expect(r.flags.contains(.otherResponseInWindow), "\(r.flags)")
        #expect(abs(r.onsetLatencyMs! - 3.5) <= 0.1)
        let narrow = try NerveConductionAnalysis.analyze(recording)
        let m = try #require(narrow.response(branch: .buccal, side: .left))
        #expect(!m.flags.contains(.otherResponseInWindow))
        let pp = truth.sweeps.flatMap(\.responses).filter { $0.onsetLatencyMs < 10 }.map(\.amplitudePeakToPeakMillivolt)
        #expect(abs(m.amplitudePeakToPeakMillivolt / (pp.reduce(0, +) / Double(pp.count)) - 1) <= 0.03)
    }

    @Test("window parsing: units, order and sign are checked")
    func windowParsing() {
        #expect(EpochWindow(parsing: "-10:100")?.postStimulusMs == 100)
        #expect(EpochWindow(parsing: "-0.005s:0.05s")?.preStimulusMs == 5)
        #expect(EpochWindow(parsing: "5ms:50ms") == nil)
        #expect(EpochWindow(parsing: "-5ms:-1ms") == nil)
        #expect(EpochWindow(parsing: "fifty") == nil)
    }

    // MARK: 2. Artefact

    @Test("an amplifier-recovery tail (0.45 mV undershoot lasting ~2 ms) with no response is not reported as a CMAP without a flag")
    func artefactTailAlone() throws {
        let artefact = StimulusArtefact(recoveryMicrovolt: 450, recoveryRiseMs: 0.3, recoveryDecayMs: 0.6)
        for seed in UInt64(1)...10 {
            let (recording, _) = try Self.study(amplitude: 0, artefact: artefact, seed: seed)
            let result = try NerveConductionAnalysis.analyze(recording)
            for side in Side.allCases {
                let r = try #require(result.response(branch: .buccal, side: side))
                #expect(r.flags.contains(.noResponse) || r.flags.contains(where: \.failsQuality), "seed \(seed) \(side): onset \(r.onsetLatencyMs ?? -1) pp \(r.amplitudePeakToPeakMillivolt) \(r.flags)")
            }
        }
    }

    @Test("a CMAP after an amplifier-recovery tail is measured after the tail: onset within 0.2 ms, p-p within 3 %; the artefact end is reported")
    func artefactTailThenResponse() throws {
        let artefact = StimulusArtefact(recoveryMicrovolt: 450, recoveryRiseMs: 0.3, recoveryDecayMs: 0.4)
        let (recording, truth) = try Self.study(onset: 4.5, amplitude: 3, artefact: artefact, snr: 40)
        let result = try NerveConductionAnalysis.analyze(recording)
        let r = try #require(result.response(branch: .buccal, side: .left))
        let t = Self.truth(truth, side: .left)
        #expect(abs(r.onsetLatencyMs! - t.onset) <= 0.2, "\(r.onsetLatencyMs!) vs \(t.onset), artefact end \(r.artefactEndMs!)")
        #expect(abs(r.amplitudePeakToPeakMillivolt / t.pp - 1) <= 0.03)
        #expect(r.artefactEndMs! > 1.0 && r.artefactEndMs! < t.onset, "artefact end \(r.artefactEndMs!) \(r.flags)")
    }

    @Test("a response that starts inside the artefact's tail is flagged onset_within_artefact")
    func responseInsideTail() throws {
        let artefact = StimulusArtefact(peakMicrovolt: 8000, decayMs: 0.6)
        let (recording, _) = try Self.study(onset: 1.6, amplitude: 1.0, artefact: artefact)
        let result = try NerveConductionAnalysis.analyze(recording)
        let r = try #require(result.response(branch: .buccal, side: .left))
        #expect(r.flags.contains(.onsetWithinArtefact) || r.flags.contains(.noResponse) && r.flags.contains(where: \.failsQuality), "\(r.flags)")
        #expect(result.qualityFailed)
    }

    // MARK: 3. Polarity

    @Test("a positive-first response: onset at the first departure (within 0.1 ms), p-p within 2 %, polarity positive; --polarity negative picks the other phase")
    func positiveFirst() throws {
        let (recording, truth) = try Self.study(amplitude: 2, shape: CMAPShape(inverted: true))
        let result = try NerveConductionAnalysis.analyze(recording)
        for side in Side.allCases {
            let r = try #require(result.response(branch: .buccal, side: side))
            let t = Self.truth(truth, side: side)
            #expect(abs(r.onsetLatencyMs! - t.onset) <= 0.1, "\(side): \(r.onsetLatencyMs!) vs \(t.onset)")
            #expect(abs(r.amplitudePeakToPeakMillivolt / t.pp - 1) <= 0.02)
            #expect(abs(r.amplitudeBaselineToPeakMillivolt / t.bp - 1) <= 0.03)
            #expect(r.polarity == .positive && r.initialPhase == .positive)
            #expect(r.amplitudePeakToPeakMillivolt >= r.amplitudeBaselineToPeakMillivolt)
        }
        let forced = try NerveConductionAnalysis.analyze(recording, parameters: NerveConductionParameters(settings: EvokedSettings(polarity: .negative)))
        let r = try #require(forced.response(branch: .buccal, side: .left))
        #expect(r.polarity == .negative)
        #expect(r.initialPhase == .positive)
        #expect(abs(r.onsetLatencyMs! - Self.truth(truth, side: .left).onset) <= 0.1)
        #expect(r.amplitudePeakToPeakMillivolt >= r.amplitudeBaselineToPeakMillivolt)
    }

    @Test("property: p-p ≥ b-p for every measured response (200 random shapes, polarities, amplitudes, noise levels, artefact tails)")
    func peakToPeakNeverBelowBaselineToPeak() throws {
        var draw = SeededGenerator(seed: 4242)
        for k in 0..<200 {
            let shape = CMAPShape(riseMs: 0.5 + 2 * draw.nextUniform(), negativeDurationMs: 3 + 4 * draw.nextUniform(),
                                  positiveDurationMs: 2 + 8 * draw.nextUniform(), positiveRatio: 0.1 + 1.9 * draw.nextUniform(),
                                  inverted: draw.nextUniform() < 0.5)
            let artefact = StimulusArtefact(peakMicrovolt: (draw.nextUniform() < 0.5 ? -1 : 1) * 6000 * draw.nextUniform(), decayMs: 0.05 + 0.3 * draw.nextUniform(),
                                            recoveryMicrovolt: draw.nextUniform() < 0.3 ? 500 * draw.nextUniform() : 0)
            let amplitude = draw.nextUniform() < 0.1 ? 0 : 0.05 * pow(100, draw.nextUniform())
            let (recording, _) = try Self.study(onset: 2 + 6 * draw.nextUniform(), amplitude: amplitude, shape: shape, artefact: artefact,
                                                sweeps: 1 + Int(6 * draw.nextUniform()), snr: 5 + 25 * draw.nextUniform(), seed: UInt64(k + 1))
            let polarity = [ResponsePolarity.automatic, .negative, .positive][k % 3]
            let result = try NerveConductionAnalysis.analyze(recording, parameters: NerveConductionParameters(settings: EvokedSettings(polarity: polarity)))
            for r in result.responses {
                #expect(r.amplitudePeakToPeakMillivolt >= r.amplitudeBaselineToPeakMillivolt, "case \(k): pp \(r.amplitudePeakToPeakMillivolt) < bp \(r.amplitudeBaselineToPeakMillivolt)")
                #expect(r.amplitudePeakToPeakMillivolt.isFinite && r.amplitudeBaselineToPeakMillivolt >= 0)
            }
        }
    }

    // MARK: 4. Mains

    @Test("mains at 60 Hz (0.5 mV, 3rd and 5th harmonics) no longer excludes the channel: measured within 0.2 ms / 3 % after automatic removal")
    func mainsRemovedAutomatically() throws {
        let (recording, truth) = try Self.study(amplitude: 1.0, sweeps: 10, interval: 0.137, mains: 500)
        let quality = QualityAccumulator.assess(recording)
        #expect(quality.allSatisfy { $0.flags.contains(.mainsDominated) || $0.channel == "TRIG" })
        let result = try NerveConductionAnalysis.analyze(recording)
        #expect(result.excludedChannels.isEmpty)
        for side in Side.allCases {
            let r = try #require(result.response(branch: .buccal, side: side))
            let t = Self.truth(truth, side: side)
            #expect(r.flags.contains(.mainsRemoved))
            #expect(r.mains?.automatic == true && r.mains?.frequencyHz == 60)
            #expect(abs(r.onsetLatencyMs! - t.onset) <= 0.2, "\(side): \(r.onsetLatencyMs!) vs \(t.onset)")
            #expect(abs(r.amplitudePeakToPeakMillivolt / t.pp - 1) <= 0.03, "\(side): \(r.amplitudePeakToPeakMillivolt) vs \(t.pp)")
        }
    }

    @Test("--notch 60:20 removes mains on every channel and is reported in the parameters")
    func explicitNotch() throws {
        let (recording, truth) = try Self.study(amplitude: 1.0, sweeps: 10, interval: 0.137, mains: 200)
        let notch = try #require(MainsRemoval(parsing: "60:20"))
        #expect(notch.harmonics == 20 && notch.frequencyHz == 60)
        let result = try NerveConductionAnalysis.analyze(recording, parameters: NerveConductionParameters(settings: EvokedSettings(notch: notch)))
        #expect(result.parameters.notch == notch)
        let r = try #require(result.response(branch: .buccal, side: .left))
        let t = Self.truth(truth, side: .left)
        #expect(abs(r.onsetLatencyMs! - t.onset) <= 0.2)
        #expect(abs(r.amplitudePeakToPeakMillivolt / t.pp - 1) <= 0.03)
        #expect(MainsRemoval(parsing: "60:0") == nil && MainsRemoval(parsing: "x") == nil)
    }

    @Test("a mains-dominated channel with no response left after removal is excluded, and the reason says so")
    func mainsNoResponseExcluded() throws {
        let (recording, _) = try Self.study(amplitude: 0, sweeps: 6, interval: 0.137, mains: 500)
        let result = try NerveConductionAnalysis.analyze(recording)
        #expect(result.excludedChannels.count == 2)
        #expect(result.excludedChannels.allSatisfy { $0.reason.contains("no response could be measured after removing mains") })
    }

    // MARK: 5. Time base

    @Test("stimulus times in the recording's own time base (first sample at 10 s) are measured right; counted from the first sample they are an input error")
    func timeBase() throws {
        var (recording, truth) = try Self.study(amplitude: 2)
        recording.header.firstSampleTime = 10
        for k in recording.header.stimuli.indices { recording.header.stimuli[k].time += 10 }
        let result = try NerveConductionAnalysis.analyze(recording)
        let r = try #require(result.response(branch: .buccal, side: .left))
        #expect(abs(r.onsetLatencyMs! - Self.truth(truth, side: .left).onset) <= 0.1)
        #expect(result.firstSampleTimeSeconds == 10)
        do {
            _ = try NerveConductionAnalysis.analyze(recording, parameters: NerveConductionParameters(settings: EvokedSettings(stimulusTimeBase: .firstSample)))
            Issue.record("expected an input error")
        } catch {
            #expect(error.kind == .input)
            #expect(error.problem.contains("own time base"))
        }
    }

    // MARK: 6. Units

    @Test("a recording in mV read as µV (values 1000× too small) is flagged noise_implausibly_low_unit; one in µV read as mV amplitude_implausibly_high_unit")
    func unitPlausibility() throws {
        // 40 dB: single-sweep noise 29 µV, as a real recording of an 8.2 mV CMAP; read 1000× too small it is 0.029 µV.
        var (recording, _) = try Self.study(amplitude: 8.2, snr: 40)
        let original = recording
        for c in recording.samples.indices { recording.samples[c] = recording.samples[c].map { $0 / 1000 } }
        let small = try NerveConductionAnalysis.analyze(recording)
        #expect(small.responses.allSatisfy { $0.flags.contains(.noiseImplausiblyLowUnit) })
        #expect(small.qualityFailed)
        recording = original
        for c in recording.samples.indices { recording.samples[c] = recording.samples[c].map { $0 * 1000 } }
        let large = try NerveConductionAnalysis.analyze(recording)
        let flagged = large.response(branch: .buccal, side: .left)?.flags.contains(.amplitudeImplausiblyHighUnit) ?? false
        let excluded = large.excludedChannels.first { $0.channel == "NAS-L" }?.reason.contains("unit error is likely") ?? false
        #expect(flagged || excluded)
        #expect(large.qualityFailed)
        let plain = try NerveConductionAnalysis.analyze(original)
        #expect(plain.responses.allSatisfy { !$0.flags.contains(.noiseImplausiblyLowUnit) && !$0.flags.contains(.amplitudeImplausiblyHighUnit) })
    }

    // MARK: 7. Unrecognised labels

    @Test("an EMG channel whose label names no muscle ('soleus') is listed as excluded with the reason, and the study fails quality")
    func unrecognisedLabel() throws {
        var (recording, _) = try Self.study(amplitude: 2)
        recording.header.channels[0] = ChannelInfo(label: "soleus", unit: .microvolt, kind: .emg)
        let result = try NerveConductionAnalysis.analyze(recording)
        let excluded = try #require(result.excludedChannels.first { $0.channel == "soleus" })
        #expect(excluded.reason.contains("names no facial muscle"))
        #expect(result.flags.contains(.channelsUnrecognised))
        #expect(result.qualityFailed)
    }

    // MARK: 8. Unknown intensities

    @Test("without intensities the largest stable group is measured (p-p within 5 % of the supramaximal truth), intensity_unknown, with its sweep count")
    func unknownIntensities() throws {
        let intensities: [Double] = [4, 8, 12, 16, 20, 25, 30, 35]
        let (recording, truth) = try Self.study(amplitude: 2.63, intensities: intensities, sweeps: 3, trigger: true, listStimuli: false)
        let result = try NerveConductionAnalysis.analyze(recording)
        #expect(result.stimulusSource == .trigger)
        for side in Side.allCases {
            let r = try #require(result.response(branch: .buccal, side: side))
            let top = Self.truth(truth, side: side, intensity: 35).pp
            #expect(r.flags.contains(.intensityUnknown))
            #expect(abs(r.amplitudePeakToPeakMillivolt / top - 1) <= 0.05, "\(side): \(r.amplitudePeakToPeakMillivolt) vs \(top), \(r.sweeps) sweeps")
            #expect(r.sweeps < r.sweepsAvailable && r.sweepsAvailable == 24)
            #expect(r.sweeps >= 6)
        }
    }

    // MARK: 9. Norms

    @Test("every shipped limit has a full citation (authors, year, journal or publisher), and none cites an internal document")
    func citations() {
        for limit in NormativeTable.standard.limits {
            #expect(limit.source.range(of: #"\((19|20)\d\d\)"#, options: .regularExpression) != nil, "\(limit.source)")
            #expect(!limit.source.contains("domain.md"))
            #expect(limit.source.contains("Arquivos de Neuro-Psiquiatria") || limit.source.contains("Oxford University Press"))
        }
        // The nasalis limits apply to main-trunk stimulation only, the temporal ones to distal branch stimulation.
        #expect(NormativeTable.standard.check(.onsetLatency, value: 4.0, branch: .temporal, muscle: .FRO, site: .mainTrunk) == nil)
        #expect(NormativeTable.standard.check(.onsetLatency, value: 4.0, branch: .temporal, muscle: .FRO, site: .branch)?.withinLimits == false)
    }

    // MARK: Memory

    @Test("sweeps are read one at a time: RecordingSweeps holds no copy per stimulus, and 20 000 stimuli average like 20")
    func streamingSweeps() throws {
        let (recording, _) = try Self.study(amplitude: 2, sweeps: 2)
        let c = recording.channels.firstIndex { $0.label == "NAS-L" }!
        let one = recording.header.stimuli.filter { $0.side == .left }[0]
        let many = [Stimulus](repeating: one, count: 20_000)
        let sweeps = try RecordingSweeps(recording, channelIndex: c, stimuli: many, allStimuli: many, window: EpochWindow(), mains: nil)
        let average = try SweepAverager.average(sweeps, indices: Array(0..<many.count), conditioning: EvokedConditioning())
        let single = try SweepAverager.average(sweeps, indices: [0], conditioning: EvokedConditioning())
        #expect(zip(average.samples, single.samples).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(MemoryLayout<RecordingSweeps>.size < 256)
    }
}
