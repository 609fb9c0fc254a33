import Foundation
import Testing
import Synk

/// Settings that replace what a recording states are recorded in the result, from the library as from the CLI; a
/// channels.tsv montage describes unlabelled channels by position, exactly as the same file does as a sidecar.
@Suite("Overrides of what the recording states; channels.tsv montages by position")
struct SettingOverridesTests {
    /// Two short tasks of the sample patient (left palsy), 1 kHz.
    static func recording(labelled: Bool = true) throws -> Recording {
        var parameters = try #require(SynkinesisSimulation.preset(named: "patient-left-session1"))
        parameters.sampleRate = 1000
        parameters.tasks = parameters.tasks.prefix(2).map { var t = $0; t.contractionSeconds = 1.5; t.restSeconds = 1.5; return t }
        var (recording, _) = try SynkinesisSimulation.simulate(parameters, seed: 3)
        recording.header.affectedSide = .left
        if !labelled {
            recording.header.channels = recording.header.channels.indices.map { ChannelInfo(label: "ch\($0 + 1)", unit: .unknown) }
        }
        return recording
    }

    static func temporaryFile(_ name: String, _ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synk-overrides-\(UUID().uuidString)-\(name)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("an affected side against the recording's is one override with what was stated and used; the same side is none")
    func affectedSide() throws {
        let recording = try Self.recording()
        var settings = SynkinesisSettings()
        settings.affectedSide = .right
        let overridden = try Synkinesis.measure(recording: recording, settings: settings)
        let overrides = try #require(overridden.input?.overrides)
        #expect(overrides.count == 1)
        #expect(overrides.first?.setting == .affectedSide && overrides.first?.stated == "left" && overrides.first?.used == "right")
        #expect(overridden.affectedSide == "right")
        settings.affectedSide = .left
        #expect(try Synkinesis.measure(recording: recording, settings: settings).input?.overrides == [])
        settings.affectedSide = nil
        #expect(try Synkinesis.measure(recording: recording, settings: settings).input?.overrides == [])

        var nerveSettings = NerveConductionSettings()
        nerveSettings.affectedSide = .right
        let (study, _) = try EvokedSimulator.simulate(EvokedStudyConfiguration(
            responses: [EvokedBranchResponse(branch: .buccal, side: .left, onsetLatencyMs: 3.5, amplitudePeakToPeakMillivolt: 1),
                        EvokedBranchResponse(branch: .buccal, side: .right, onsetLatencyMs: 3.3, amplitudePeakToPeakMillivolt: 2)],
            intensitiesMilliampere: [40], sweepsPerIntensity: 4, affectedSide: .left), seed: 2)
        let ncs = try NerveConduction.measure(recording: study, settings: nerveSettings)
        #expect(ncs.input?.overrides.map(\.setting) == [.affectedSide])
        #expect(ncs.affectedSide == .right)
    }

    @Test("an events file over the recording's own events is an override naming both counts; over none it is not")
    func events() throws {
        let recording = try Self.recording()
        #expect(!recording.header.events.isEmpty)
        let file = try Self.temporaryFile("events.tsv", "onset\tduration\ttrial_type\n0.5\t1.5\teye_closure\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        var settings = SynkinesisSettings()
        settings.eventsFile = file
        let result = try Synkinesis.measure(recording: recording, settings: settings)
        let override = try #require(result.input?.overrides.first)
        #expect(override.setting == .events && override.stated == "\(recording.header.events.count) events" && override.used == "1 event from \(file)")
        var bare = recording
        bare.header.events = []
        #expect(try Synkinesis.measure(recording: bare, settings: settings).input?.overrides == [])
    }

    @Test("a channels.tsv montage maps unlabelled channels by position and gives the result of the labelled recording; labelled channels it maps by name")
    func positionalMontage() throws {
        let labelled = try Self.recording()
        let plain = try Self.recording(labelled: false)
        #expect(labelled.header.hasOwnChannelLabels && !plain.header.hasOwnChannelLabels)
        var tsv = "name\ttype\tunits\ttarget_muscle\n"
        for channel in labelled.channels { tsv += "\(channel.label)\tEMG\tµV\t\(channel.muscle!.name) \(channel.side!.rawValue)\n" }
        let file = try Self.temporaryFile("channels.tsv", tsv)
        defer { try? FileManager.default.removeItem(atPath: file) }
        var settings = SynkinesisSettings()
        settings.montageFile = file
        let byPosition = try Synkinesis.measure(recording: plain, settings: settings)
        let reference = try Synkinesis.measure(recording: labelled)
        #expect(byPosition.pairs == reference.pairs)
        #expect(byPosition.montage == reference.montage)
        #expect(byPosition.quality?.map(\.channel) == labelled.channels.map(\.label))
        // The montage maps the labelled recording by name as it maps itself: no override.
        let byName = try Synkinesis.measure(recording: labelled, settings: settings)
        #expect(byName.pairs == reference.pairs && byName.input?.overrides == [])
        // A short table cannot describe the channels by position: the same error as for a sidecar.
        let short = try Self.temporaryFile("short.tsv", tsv.split(separator: "\n").dropLast().joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: short) }
        settings.montageFile = short
        do {
            _ = try Synkinesis.measure(recording: plain, settings: settings)
            Issue.record("a short channels.tsv was accepted")
        } catch {
            #expect(error.kind == .input && error.file == short && error.problem.hasPrefix("lists \(labelled.channels.count - 1) channels"))
        }
    }
}
