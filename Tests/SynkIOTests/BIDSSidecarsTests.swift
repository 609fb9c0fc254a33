import Foundation
import Testing
import SynkCore
@testable import SynkIO

/// EMG-BIDS sidecars (`Fixtures/bids/`): the expected values are the sidecars' cells as written.
@Suite("BIDS sidecars")
struct BIDSSidecarsTests {
    static func fixture(_ relative: String) -> String {
        Bundle.module.url(forResource: "Fixtures/bids/\(relative)", withExtension: nil)!.path
    }

    static let subject01 = "sub-01/emg/sub-01_ses-1_task-smile_run-1_emg.csv"

    /// A fresh scratch folder for sidecars written or broken by a test.
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synk-bids-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func unknownHeader(rate: Double, channels: Int, frames: Int = 5) -> RecordingHeader {
        RecordingHeader(sampleRate: rate, frameCount: frames,
                        channels: (1...channels).map { ChannelInfo(label: "ch\($0)", unit: .unknown, kind: .emg) })
    }

    @Test("File names split into entities and a suffix")
    func entityParsing() throws {
        let parsed = try #require(BIDSSidecars.parseName("sub-01_ses-1_task-x_run-1_emg.edf"))
        #expect(parsed.entities.map(\.key) == ["sub", "ses", "task", "run"])
        #expect(parsed.entities.map(\.value) == ["01", "1", "x", "1"])
        #expect(parsed.suffix == "emg")
        #expect(BIDSSidecars.parseName("my_recording.csv") == nil)
        #expect(try BIDSSidecars.find(nextTo: "/tmp/recording.csv") == nil)
    }

    @Test("channels.tsv, emg.json and events.tsv complete a CSV recording's header")
    func applySubject01() throws {
        let path = Self.fixture(Self.subject01)
        var header = try TextRecordingReader(path: path, format: .csv).header
        let sidecars = try #require(try BIDSSidecars.find(nextTo: path))
        try sidecars.apply(to: &header)

        #expect(header.channels.map(\.label) == ["OOc-L", "ZYG_R", "MEN-L", "TRIG"])
        // a was read as µV; b and d had no unit and take the sidecar's; c stays unknown (n/a).
        #expect(header.channels.map(\.unit) == [.microvolt, .millivolt, .unknown, .volt])
        #expect(header.channels.map(\.kind) == [.emg, .emg, .emg, .trigger])
        #expect(header.channels.map(\.muscle) == [.OOc, .ZYG, .MEN, nil])
        // ZYG_R's target_muscle names no side: the side comes from the name.
        #expect(header.channels.map(\.side) == [.left, .right, .left, nil])
        #expect(header.channels[1].branch == .zygomatic)
        #expect(header.metadata["bids.badChannels"] == "ZYG_R (electrode fell off)")
        #expect(header.metadata["bids.unitsFromSidecar"] == "ZYG_R, TRIG")
        #expect(header.metadata["bids.channel.OOc-L.reference"] == "E2")
        #expect(header.metadata["bids.json.Manufacturer"] == "Hand")
        #expect(header.metadata["bids.json.PowerLineFrequency"] == "50")
        #expect(header.events == [Event(onset: 0.001, duration: 0.002, label: "smile"), Event(onset: 0.003, duration: 0, label: "blink")])
        #expect(header.subject == "01")
        #expect(header.session == "1")
        #expect(header.metadata["bids.entity.task"] == "smile")
        #expect(header.metadata["bids.entity.run"] == "1")
    }

    @Test("An inherited emg.json one folder up is used when its entities match")
    func inheritedJSON() throws {
        let path = Self.fixture("sub-02/emg/sub-02_task-pucker_emg.csv")
        var header = try TextRecordingReader(path: path, format: .csv).header
        let sidecars = try #require(try BIDSSidecars.find(nextTo: path))
        #expect(sidecars.jsonPath?.hasSuffix("sub-02/task-pucker_emg.json") == true)
        #expect(sidecars.samplingFrequency == 2000)
        try sidecars.apply(to: &header)
        #expect(header.metadata["bids.json.EMGPlacementScheme"] == "Fridlund")
        #expect(header.channels.map(\.muscle) == [.OOr, .OOr])
        #expect(header.channels.map(\.side) == [.left, .right])
        #expect(header.events.isEmpty)
        #expect(header.subject == "02" && header.session == nil)
    }

    @Test("A channels.tsv with a different channel count is refused")
    func channelCountMismatch() throws {
        let sidecars = try #require(try BIDSSidecars.find(nextTo: Self.fixture(Self.subject01)))
        var header = Self.unknownHeader(rate: 1000, channels: 3)
        #expect {
            try sidecars.apply(to: &header)
        } throws: { error in
            let error = error as! SynkError
            return error.kind == .input && error.file?.hasSuffix("_channels.tsv") == true
                && error.problem.hasPrefix("lists 4 channels; the recording") && error.problem.hasSuffix("has 3")
        }
    }

    @Test("A SamplingFrequency off by more than 1e-6 relative is refused; within it is accepted")
    func samplingFrequencyMismatch() throws {
        let sidecars = try #require(try BIDSSidecars.find(nextTo: Self.fixture(Self.subject01)))
        var close = Self.unknownHeader(rate: 1000 * (1 + 5e-7), channels: 4)
        try sidecars.apply(to: &close)
        var off = Self.unknownHeader(rate: 1000 * (1 + 2e-6), channels: 4)
        #expect {
            try sidecars.apply(to: &off)
        } throws: { error in
            let error = error as! SynkError
            return error.kind == .input && error.file?.hasSuffix("_emg.json") == true && error.problem.contains("contradicts")
        }
    }

    @Test("A sidecar unit that contradicts the recording's known unit is refused, naming the line")
    func unitConflict() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let recording = folder.appendingPathComponent("sub-03_task-smile_emg.csv").path
        try "name\ttype\tunits\nOOc-L\tEMG\tdeg\n".write(toFile: folder.appendingPathComponent("sub-03_task-smile_channels.tsv").path, atomically: true, encoding: .utf8)
        let sidecars = try #require(try BIDSSidecars.find(nextTo: recording))
        var header = RecordingHeader(sampleRate: 1000, frameCount: 1, channels: [ChannelInfo(label: "x", unit: .microvolt)])
        #expect {
            try sidecars.apply(to: &header)
        } throws: { error in
            let error = error as! SynkError
            return error.kind == .input && error.place == "line 2" && error.problem == "channel OOc-L: units 'deg' contradict the recording's 'uV'"
        }
    }

    @Test("Events with a non-numeric onset name the line")
    func badEventOnset() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "onset\tduration\ttrial_type\n1.0\t0.5\tsmile\nsoon\tn/a\tblink\n".write(toFile: folder.appendingPathComponent("sub-04_task-smile_events.tsv").path, atomically: true, encoding: .utf8)
        #expect {
            _ = try BIDSSidecars.find(nextTo: folder.appendingPathComponent("sub-04_task-smile_emg.edf").path)
        } throws: { error in
            let error = error as! SynkError
            return error.kind == .input && error.place == "line 3" && error.problem.contains("'soon'")
        }
    }

    @Test("An events.tsv driver column names each task's muscle (codes or names; n/a and empty: none); an unknown one names the line")
    func eventDrivers() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("events.tsv").path
        try "onset\tduration\ttrial_type\tdriver\n1\t2\tsnarl\tNAS\n4\t2\tsmile\tn/a\n7\t2\tpucker\torbicularis oris\n10\t1\tblink\t\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let events = try BIDSSidecars.readEvents(path)
        #expect(events.map(\.driver) == [.NAS, nil, .OOr, nil])
        #expect(events.map(\.label) == ["snarl", "smile", "pucker", "blink"])
        try "onset\tduration\ttrial_type\tdriver\n1\t2\tsnarl\tnose\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try BIDSSidecars.readEvents(path)
        } throws: { error in
            let error = error as! SynkError
            return error.kind == .input && error.place == "line 2" && error.problem == "driver 'nose' is not a muscle"
        }
    }

    @Test("Events that name drivers are written with a driver column and read back; without drivers the file has none")
    func eventDriversRoundTrip() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("sub-06_task-snarl_emg.wav").path
        var header = Self.unknownHeader(rate: 1000, channels: 2)
        header.events = [Event(onset: 1, duration: 2, label: "snarl", driver: .NAS), Event(onset: 4, duration: 2, label: "smile")]
        try BIDSSidecars.write(for: target, header: header)
        let written = try String(contentsOfFile: folder.appendingPathComponent("sub-06_task-snarl_events.tsv").path, encoding: .utf8)
        #expect(written == "onset\tduration\ttrial_type\tdriver\n1.0\t2.0\tsnarl\tNAS\n4.0\t2.0\tsmile\tn/a\n")
        #expect(try BIDSSidecars.readEvents(folder.appendingPathComponent("sub-06_task-snarl_events.tsv").path) == header.events)
        header.events = [Event(onset: 1, duration: 2, label: "snarl")]
        try BIDSSidecars.write(for: target, header: header)
        #expect(try String(contentsOfFile: folder.appendingPathComponent("sub-06_task-snarl_events.tsv").path, encoding: .utf8)
                == "onset\tduration\ttrial_type\n1.0\t2.0\tsnarl\n")
    }

    @Test("Written sidecars read back to the same labels, units, muscles, sides, bad channels and events")
    func writeRoundTrip() throws {
        let path = Self.fixture(Self.subject01)
        var original = try TextRecordingReader(path: path, format: .csv).header
        try #require(try BIDSSidecars.find(nextTo: path)).apply(to: &original)

        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("sub-05_ses-2_task-smile_emg.edf").path
        try BIDSSidecars.write(for: target, header: original)
        let written = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(written == ["sub-05_ses-2_task-smile_channels.tsv", "sub-05_ses-2_task-smile_emg.json", "sub-05_ses-2_task-smile_events.tsv"])

        let sidecars = try #require(try BIDSSidecars.find(nextTo: target))
        #expect(sidecars.samplingFrequency == 1000)
        #expect(sidecars.json["EMGChannelCount"] == "3")
        #expect(sidecars.json["TRIGChannelCount"] == "1")
        #expect(sidecars.json["TaskName"] == "smile")
        #expect(sidecars.json["PowerLineFrequency"] == "50")
        var restored = Self.unknownHeader(rate: 1000, channels: 4)
        try sidecars.apply(to: &restored)
        #expect(restored.channels.map(\.label) == original.channels.map(\.label))
        #expect(restored.channels.map(\.kind) == original.channels.map(\.kind))
        #expect(restored.channels.map(\.muscle) == original.channels.map(\.muscle))
        #expect(restored.channels.map(\.side) == original.channels.map(\.side))
        #expect(restored.channels.map(\.unit) == [.microvolt, .millivolt, .unknown, .volt])
        #expect(restored.events == original.events)
        #expect(restored.metadata["bids.badChannels"] == "ZYG_R")
        #expect(restored.subject == "05" && restored.session == "2")
    }

    @Test("Every muscle and side survives target_muscle text written by write(for:header:)")
    func everyMuscleRoundTrips() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        var channels: [ChannelInfo] = []
        for muscle in Muscle.allCases {
            for side in Side.allCases {
                channels.append(ChannelInfo(label: "m\(channels.count)", unit: .microvolt, muscle: muscle, side: side))
            }
        }
        let header = RecordingHeader(sampleRate: 2048, frameCount: 10, channels: channels)
        let target = folder.appendingPathComponent("sub-06_task-rest_emg.edf").path
        try BIDSSidecars.write(for: target, header: header)
        var restored = Self.unknownHeader(rate: 2048, channels: channels.count)
        try #require(try BIDSSidecars.find(nextTo: target)).apply(to: &restored)
        #expect(restored.channels.map(\.muscle) == channels.map(\.muscle))
        #expect(restored.channels.map(\.side) == channels.map(\.side))
    }
}
