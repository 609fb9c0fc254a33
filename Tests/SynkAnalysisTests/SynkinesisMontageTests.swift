import Foundation
import SynkCore
import Testing
@testable import SynkAnalysis

@Suite("Montage: which channel is which muscle and side")
struct SynkinesisMontageTests {
    let labels = ["EMG1", "EMG2", "EMG3", "EMG4", "Trigger"]

    @Test("JSON montage maps labels to channel indices, muscles, sides and branches")
    func jsonMontage() throws {
        let json = #"""
        {"affected_side": "left",
         "channels": [{"label": "EMG3", "muscle": "OOc", "side": "left"},
                      {"label": "emg1", "muscle": "orbicularis oris", "side": "L"},
                      {"label": "EMG2", "muscle": "ZYG", "side": "right"}]}
        """#
        let montage = try Montage(json: Data(json.utf8), file: "m.json", recordingLabels: labels)
        #expect(montage.affectedSide == .left)
        #expect(montage.channels.map(\.channelIndex) == [0, 1, 2])
        #expect(montage.channelIndex(muscle: .OOc, side: .left) == 2)
        #expect(montage.channelIndex(muscle: .OOr, side: .left) == 0)
        #expect(montage.channels[0].label == "EMG1")
        #expect(montage.channels[2].branch == .zygomatic)
        // Each muscle on one side only: three gaps, reported rather than thrown.
        #expect(Set(montage.gaps.compactMap(\.missingSide)) == [.left, .right])
        #expect(montage.gaps.count == 3)
    }

    @Test("Unknown muscle, label not in the recording, duplicates: input errors naming the place")
    func jsonErrors() {
        func error(_ json: String) -> SynkError? {
            do {
                _ = try Montage(json: Data(json.utf8), file: "m.json", recordingLabels: labels)
                return nil
            } catch { return error }
        }
        let unknown = error(#"{"channels":[{"label":"EMG1","muscle":"XYZ","side":"left"}]}"#)
        #expect(unknown?.kind == .input && unknown?.problem.contains("unknown muscle") == true && unknown?.place == "channels[0]")
        let missing = error(#"{"channels":[{"label":"EMG9","muscle":"OOc","side":"left"}]}"#)
        #expect(missing?.problem.contains("not in the recording") == true && missing?.file == "m.json")
        let twice = error(#"{"channels":[{"label":"EMG1","muscle":"OOc","side":"left"},{"label":"EMG1","muscle":"ZYG","side":"left"}]}"#)
        #expect(twice?.problem.contains("mapped twice") == true)
        let samePlacement = error(#"{"channels":[{"label":"EMG1","muscle":"OOc","side":"left"},{"label":"EMG2","muscle":"OOc","side":"L"}]}"#)
        #expect(samePlacement?.problem.contains("assigned to both") == true)
        let noSide = error(#"{"channels":[{"label":"EMG1","muscle":"OOc"}]}"#)
        #expect(noSide?.problem.contains("side") == true)
        let badAffected = error(#"{"affected_side":"up","channels":[]}"#)
        #expect(badAffected?.place == "affected_side")
        #expect(error("not json")?.problem.contains("not valid JSON") == true)
    }

    @Test("BIDS channels.tsv: target_muscle/description, side parsed, non-EMG rows skipped")
    func bidsChannels() throws {
        let tsv = """
        name\ttype\tunits\ttarget_muscle\tdescription
        EMG1\tEMG\tuV\tleft orbicularis oculi\tn/a
        EMG2\tEMG\tuV\tn/a\tZygomaticus major (right)
        EMG3\tEMG\tuV\tOOr\tn/a
        Trigger\tTRIG\tV\tn/a\tn/a
        """.replacingOccurrences(of: "EMG3\tEMG\tuV\tOOr", with: "EMG3\tEMG\tuV\tOOr-R")
        let montage = try Montage(channelsTSV: tsv, file: "sub-01_channels.tsv", recordingLabels: labels)
        #expect(montage.channels.count == 3)
        #expect(montage.channelIndex(muscle: .OOc, side: .left) == 0)
        #expect(montage.channelIndex(muscle: .ZYG, side: .right) == 1)
        #expect(montage.channelIndex(muscle: .OOr, side: .right) == 2)
    }

    @Test("BIDS channels.tsv with an unknown muscle fails on its line")
    func bidsUnknownMuscle() {
        let tsv = "name\ttype\ttarget_muscle\nEMG1\tEMG\tgluteus left\n"
        #expect(throws: SynkError.self) { try Montage(channelsTSV: tsv, file: "c.tsv", recordingLabels: labels) }
        do {
            _ = try Montage(channelsTSV: tsv, file: "c.tsv", recordingLabels: labels)
        } catch {
            #expect(error.place == "line 2" && error.problem.contains("unknown muscle"))
        }
    }

    @Test("Header channel metadata: labels parsed, unmapped EMG channels reported as gaps")
    func fromHeader() throws {
        let channels = [ChannelInfo.labelled("OOc-L"), ChannelInfo.labelled("OOc-R"), ChannelInfo.labelled("EMG7"),
                        ChannelInfo(label: "Trig", kind: .trigger)]
        let montage = try Montage(channels: channels, affectedSide: .right)
        #expect(montage.channels.count == 2)
        #expect(montage.gaps.count == 1 && montage.gaps[0].label == "EMG7")
        #expect(montage.affectedSide == .right)
    }
}

@Suite("Tasks: catalogue, label normalisation, events to segments")
struct SynkinesisTaskTests {
    @Test("Labels normalise: Brow raise, brow-raise, brow_raise_2, Brow Raise 03 → brow_raise")
    func normalisation() {
        for label in ["Brow raise", "brow-raise", "brow_raise_2", "Brow Raise 03", "BROW_RAISE2"] {
            #expect(TaskCatalogue.normalise(label) == "brow_raise", "\(label)")
        }
        #expect(TaskCatalogue.normalise("Open-mouth smile") == "open_mouth_smile")
    }

    @Test("Default drivers follow the brief; overrides replace them")
    func drivers() {
        let catalogue = TaskCatalogue.standard
        let expected: [String: Muscle] = [
            "brow_raise": .FRO, "eye_closure": .OOc, "forceful_eye_closure": .OOc, "smile": .ZYG,
            "open_mouth_smile": .ZYG, "closed_mouth_smile": .ZYG, "snarl": .LLS, "pucker": .OOr,
            "nose_wrinkle": .NAS, "cheek_puff": .BUC, "lower_lip_depression": .DAO, "chin": .MEN,
            "blink": .OOc, "chewing": .MAS,
        ]
        for (task, muscle) in expected { #expect(catalogue.driver(for: task) == muscle, "\(task)") }
        #expect(catalogue.overriding(["Smile": .OOr]).driver(for: "smile_1") == .OOr)
    }

    @Test("Events become pooled, clipped repetitions; unknown, outside and zero-length events are gaps")
    func eventsToSegments() throws {
        let events = [
            Event(onset: 1.0, duration: 2.0, label: "Eye closure 1"),
            Event(onset: 5.0, duration: 2.0, label: "eye-closure_2"),
            Event(onset: 9.0, duration: 3.0, label: "smile"), // runs past the 10 s end: clipped
            Event(onset: 20.0, duration: 1.0, label: "pucker"), // outside
            Event(onset: 4.0, duration: 0.0, label: "snarl"), // zero length
            Event(onset: 2.0, duration: 1.0, label: "whistle"), // unknown task
        ]
        let (segments, gaps) = try TaskSegmentation.segments(events: events, sampleRate: 100, frameCount: 1000)
        #expect(segments.map(\.task) == ["eye_closure", "smile"])
        #expect(segments[0].repetitions == [100..<300, 500..<700] && segments[0].driver == .OOc)
        #expect(segments[1].repetitions == [900..<1000])
        #expect(gaps.count == 3)
        #expect(gaps.contains { $0.label == "pucker" && $0.reason.contains("outside") })
        #expect(gaps.contains { $0.label == "snarl" && $0.reason.contains("fewer than 2") })
        #expect(gaps.contains { $0.label == "whistle" && $0.reason.contains("unknown task") })
    }

    @Test("Absurd times and settings are gaps or errors, never a crash")
    func absurdValues() throws {
        let (segments, gaps) = try TaskSegmentation.segments(
            events: [Event(onset: 1e300, duration: 1, label: "smile"), Event(onset: -1e300, duration: 1, label: "pucker")],
            sampleRate: 100, frameCount: 500)
        #expect(segments.isEmpty && gaps.count == 2)
        let output = SynkinesisEnvelopeSimulator().make(seed: 12)
        let montage = try Montage(channels: output.channels, affectedSide: .left)
        let envelopes = EnvelopeSet(sampleRate: 100, envelopes: output.envelopes, kind: .movingRMS(windowSeconds: 0.1))
        var parameters = SynkinesisParameters()
        parameters.maxLagSeconds = 1e300
        parameters.minimumActiveSeconds = 1e300
        let result = try SynkinesisAnalysis.analyze(envelopes: envelopes, montage: montage, tasks: .events(output.events), parameters: parameters)
        #expect(result.pairs.allSatisfy { $0.affected?.activeS == 0 })
        parameters.maxLagSeconds = .nan
        #expect(throws: SynkError.self) {
            try SynkinesisAnalysis.analyze(envelopes: envelopes, montage: montage, tasks: .events(output.events), parameters: parameters)
        }
    }

    @Test("A negative duration or a non-finite onset is an input error")
    func badEvents() {
        #expect(throws: SynkError.self) {
            try TaskSegmentation.segments(events: [Event(onset: 1, duration: -1, label: "smile")], sampleRate: 100, frameCount: 500, file: "e.tsv")
        }
        #expect(throws: SynkError.self) {
            try TaskSegmentation.segments(events: [Event(onset: .nan, duration: 1, label: "smile")], sampleRate: 100, frameCount: 500)
        }
    }

    @Test("Analysis reports a task whose driver is not in the montage as a gap")
    func driverNotRecorded() throws {
        let simulator = SynkinesisEnvelopeSimulator()
        let output = simulator.make(seed: 11)
        let montage = try Montage(channels: output.channels, affectedSide: .left)
        let envelopes = EnvelopeSet(sampleRate: 100, envelopes: output.envelopes, kind: .linear(lowPassHz: 6))
        let result = try SynkinesisAnalysis.analyze(
            envelopes: envelopes, montage: montage,
            tasks: .events(output.events + [Event(onset: 0.5, duration: 1, label: "Brow raise")]))
        #expect(result.taskGaps.contains { $0.label == "brow_raise" && $0.reason.contains("not in the montage") })
        #expect(!result.pairs.contains { $0.task == "brow_raise" })
    }

    @Test("Envelopes with a non-finite sample or mismatched lengths are rejected")
    func badEnvelopes() throws {
        let montage = try Montage(channels: [ChannelInfo.labelled("OOc-L"), ChannelInfo.labelled("ZYG-L")], affectedSide: .left)
        let nan = EnvelopeSet(sampleRate: 100, envelopes: [[1, 2, .nan], [1, 2, 3]], kind: .movingRMS(windowSeconds: 0.1))
        #expect(throws: SynkError.self) { try SynkinesisAnalysis.analyze(envelopes: nan, montage: montage, tasks: .detect) }
        let ragged = EnvelopeSet(sampleRate: 100, envelopes: [[1, 2, 3], [1, 2]], kind: .movingRMS(windowSeconds: 0.1))
        #expect(throws: SynkError.self) { try SynkinesisAnalysis.analyze(envelopes: ragged, montage: montage, tasks: .detect) }
    }
}
