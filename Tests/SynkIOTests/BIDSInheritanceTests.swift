import Foundation
import Testing
import SynkCore
@testable import SynkIO

/// Which sidecars apply to a recording: exactly the BIDS inheritance principle inside a BIDS dataset, only
/// the recording's own sidecars outside one; every file applied is recorded with what it supplied.
@Suite("BIDS inheritance: only the recording's dataset, only as BIDS defines it, every file named")
struct BIDSInheritanceTests {
    /// A scratch folder; `write` puts text at a path relative to it, creating folders.
    struct Scratch {
        let root: URL
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("synk-inherit-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        }
        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
        @discardableResult
        func write(_ relative: String, _ text: String) throws -> String {
            let url = root.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        /// A two-channel CSV recording at 1 kHz (time column), 5 rows.
        @discardableResult
        func recording(_ relative: String) throws -> String {
            try write(relative, "time,OOc-L,OOc-R\n0,1,2\n0.001,2,3\n0.002,3,4\n0.003,4,5\n0.004,5,6\n")
        }
        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    static func events(_ labels: [String]) -> String {
        "onset\tduration\ttrial_type\n" + labels.enumerated().map { "\(Double($0.offset))\t0.5\t\($0.element)\n" }.joined()
    }

    @Test("a bare events.tsv in the recording's folder or the one above never applies (issue 21, case 3)")
    func bareEventsNeverApply() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let recording = try scratch.recording("p/q/sub-01_ses-1_sunnybrook.csv")
        try scratch.write("p/events.tsv", Self.events(["stray"]))
        try scratch.write("p/q/events.tsv", Self.events(["stray"]))
        try scratch.write("p/q/channels.tsv", "name\ttype\nA\tEMG\nB\tEMG\n")
        #expect(try BIDSSidecars.find(nextTo: recording) == nil)
        let header = try RecordingReader.open(recording).header
        #expect(header.events.isEmpty && header.sidecars.isEmpty && header.channels.map(\.label) == ["OOc-L", "OOc-R"])
        // Inside a BIDS dataset too: a name without entities is no BIDS sidecar.
        try scratch.write("p/dataset_description.json", "{\"Name\": \"x\", \"BIDSVersion\": \"1.9.0\"}")
        #expect(try BIDSSidecars.find(nextTo: recording) == nil)
    }

    @Test("outside a BIDS dataset only the recording's own sidecars apply: same folder, exactly its entities")
    func outsideOnlyOwnSidecars() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let recording = try scratch.recording("data/sub-01_ses-1_task-x_emg.csv")
        try scratch.write("data/task-x_events.tsv", Self.events(["subset-entities"]))
        try scratch.write("sub-01_ses-1_task-x_events.tsv", Self.events(["folder-above"]))
        try scratch.write("data/sub-01_ses-1_task-x_run-1_events.tsv", Self.events(["other-run"]))
        #expect(try BIDSSidecars.find(nextTo: recording) == nil)
        let own = try scratch.write("data/sub-01_ses-1_task-x_events.tsv", Self.events(["own"]))
        let found = try #require(try BIDSSidecars.find(nextTo: recording))
        #expect(found.datasetRoot == nil && found.eventsPath == own && found.events.map(\.label) == ["own"])
        let header = try RecordingReader.open(recording).header
        #expect(header.sidecars == [AppliedSidecar(path: own, supplied: [.events])])
    }

    @Test("inside a BIDS dataset: inherited from the root down; JSON merged with the nearest file winning; the nearest table only; nothing above the root")
    func insideInheritance() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("task-x_events.tsv", Self.events(["above-the-root"]))
        try scratch.write("ds/dataset_description.json", "{\"Name\": \"x\", \"BIDSVersion\": \"1.9.0\"}")
        let rootJSON = try scratch.write("ds/task-x_emg.json", "{\"SamplingFrequency\": 1000, \"Manufacturer\": \"A\", \"PowerLineFrequency\": 50}")
        let subjectJSON = try scratch.write("ds/sub-01/sub-01_task-x_emg.json", "{\"Manufacturer\": \"B\"}")
        try scratch.write("ds/task-x_events.tsv", Self.events(["root-level", "root-level"]))
        let subjectEvents = try scratch.write("ds/sub-01/sub-01_events.tsv", Self.events(["subject-level"]))
        let channels = try scratch.write("ds/task-x_channels.tsv", "name\ttype\ttarget_muscle\nOOc-L\tEMG\torbicularis oculi left\nOOc-R\tEMG\torbicularis oculi right\n")
        let recording = try scratch.recording("ds/sub-01/emg/sub-01_task-x_emg.csv")
        let found = try #require(try BIDSSidecars.find(nextTo: recording))
        #expect(found.datasetRoot == ResolvedPath.canonicalPath(scratch.path("ds")) || found.datasetRoot == scratch.path("ds"))
        #expect(found.jsonPaths == [rootJSON, subjectJSON])
        #expect(found.json["Manufacturer"] == "B" && found.json["PowerLineFrequency"] == "50")
        #expect(found.eventsPath == subjectEvents && found.events.map(\.label) == ["subject-level"])
        let header = try RecordingReader.open(recording).header
        #expect(header.sidecars == [
            AppliedSidecar(path: channels, supplied: [.channels, .muscles, .side]),
            AppliedSidecar(path: rootJSON, supplied: [.rate, .metadata]),
            AppliedSidecar(path: subjectJSON, supplied: [.metadata]),
            AppliedSidecar(path: subjectEvents, supplied: [.events]),
        ])
        let input = InputDescription(path: recording, sha256: "", header: header)
        #expect(input.sidecars == header.sidecars)
        #expect(input.sidecarSummary?.hasSuffix("sub-01_events.tsv (events)") == true)
        // A batch reports paths relative to the dataset: the sidecars' paths follow.
        let relative = InputDescription(path: "sub-01/emg/sub-01_task-x_emg.csv", sha256: "", header: header)
        #expect(relative.sidecars.map(\.path) == ["task-x_channels.tsv", "task-x_emg.json", "sub-01/sub-01_task-x_emg.json", "sub-01/sub-01_events.tsv"])
    }

    @Test("two applicable sidecars of one folder that neither contains the other are refused as ambiguous")
    func ambiguous() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("ds/dataset_description.json", "{}")
        try scratch.write("ds/task-x_events.tsv", Self.events(["a"]))
        try scratch.write("ds/sub-01_events.tsv", Self.events(["b"]))
        let recording = try scratch.recording("ds/sub-01/sub-01_task-x_emg.csv")
        #expect(performing: { try BIDSSidecars.find(nextTo: recording) }, throws: { error in
            let error = error as! SynkError
            let line = error.description
            return error.kind == .input && line.contains("task-x_events.tsv") && line.contains("sub-01_events.tsv")
                && error.problem.contains("neither name is more specific")
        })
        // A strict superset orders them: the more specific one wins.
        try FileManager.default.removeItem(atPath: scratch.path("ds/sub-01_events.tsv"))
        let specific = try scratch.write("ds/sub-01_task-x_events.tsv", Self.events(["specific"]))
        #expect(try BIDSSidecars.find(nextTo: recording)?.eventsPath == specific)
    }

    @Test("a CSV without a time column takes its rate from the sidecar's SamplingFrequency, and the sidecar says it supplied the rate")
    func rateFromSidecar() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let recording = try scratch.write("sub-01_task-x_emg.csv", "OOc-L,OOc-R\n1,2\n2,3\n3,4\n")
        #expect(performing: { try RecordingReader.open(recording) }, throws: { ($0 as? SynkError)?.hint == ReadOptions.rateHint })
        let json = try scratch.write("sub-01_task-x_emg.json", "{\"SamplingFrequency\": 2048}")
        let header = try RecordingReader.open(recording).header
        #expect(header.sampleRate == 2048)
        #expect(header.sidecars == [AppliedSidecar(path: json, supplied: [.rate])])
        // Given on the command line, --rate still wins, and must agree with the sidecar.
        #expect(performing: { try RecordingReader.open(recording, options: ReadOptions(sampleRate: 1000)) }, throws: { error in
            (error as? SynkError)?.problem.contains("contradicts the recording's 1000.0 Hz") == true
        })
    }

    @Test("table limits are checked before parsing: events 100 000 rows, stimuli 10 000, channels 1 024, cells 4 096 bytes")
    func tableLimits() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let events = try scratch.write("events.tsv", "onset\tduration\ttrial_type\n" + String(repeating: "1\t1\tsmile\n", count: InputLimits.maximumEvents + 1))
        #expect(performing: { try BIDSSidecars.readEvents(events) }, throws: { error in
            (error as! SynkError).problem == "the events table has 100001 rows; synk reads at most 100000"
        })
        let stimuli = try scratch.write("stimuli.csv", "time_s\n" + String(repeating: "1\n", count: InputLimits.maximumStimuli + 1))
        #expect(performing: { try StimuliFile.read(stimuli) }, throws: { error in
            (error as! SynkError).problem == "the stimuli table has 10001 rows; synk reads at most 10000"
        })
        let channels = try scratch.write("channels.tsv", "name\n" + (0...InputLimits.maximumChannels).map { "c\($0)\n" }.joined())
        #expect(performing: { try ChannelsTSV.read(path: channels) }, throws: { error in
            (error as! SynkError).problem == "the channels table has 1025 rows; synk reads at most 1024"
        })
        let label = String(repeating: "L", count: 20 << 20)
        let huge = try scratch.write("huge.tsv", "onset\tduration\ttrial_type\n1\t1\t\(label)\n")
        #expect(performing: { try BIDSSidecars.readEvents(huge) }, throws: { error in
            (error as! SynkError).problem.hasPrefix("the events table is 20.0 MiB; synk reads events tables of at most 16.0 MiB")
        })
        let long = try scratch.write("long.tsv", "onset\tduration\ttrial_type\n1\t1\t\(String(repeating: "L", count: 5000))\n")
        #expect(performing: { try BIDSSidecars.readEvents(long) }, throws: { error in
            let error = error as! SynkError
            return error.place == "line 2" && error.problem.hasPrefix("a cell of 5000 bytes (synk reads at most 4096): 'LLL")
                && error.description.count < 300
        })
        // A bad field of 5 MB is echoed by its start and size only.
        let bad = try scratch.write("bad.tsv", "onset\tduration\ttrial_type\n\(String(repeating: "9x", count: 2000))\t1\tsmile\n")
        #expect(performing: { try BIDSSidecars.readEvents(bad) }, throws: { error in
            let error = error as! SynkError
            return error.problem == "onset '\(String(repeating: "9x", count: 30))…' (4000 bytes) is not a number" && error.place == "line 2"
        })
    }

    @Test("a wide CSV is refused from its header line, before any channel is allocated: at most 1 024 channels")
    func wideCSV() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let header = "time," + (1...100_000).map { "c\($0)" }.joined(separator: ",")
        let row = "0," + Array(repeating: "1", count: 100_000).joined(separator: ",")
        let wide = try scratch.write("wide.csv", header + "\n" + row + "\n")
        #expect(performing: { try RecordingReader.open(wide) }, throws: { error in
            let error = error as! SynkError
            return error.kind == .input && error.problem == "the file declares 100000 channels; synk reads recordings of at most 1024"
        })
        // 1 024 channels (and a time column) are read.
        let widest = try scratch.write("widest.csv", "time," + (1...1024).map { "c\($0)" }.joined(separator: ",") + "\n0," + Array(repeating: "1", count: 1024).joined(separator: ",") + "\n0.001," + Array(repeating: "2", count: 1024).joined(separator: ",") + "\n")
        #expect(try RecordingReader.open(widest).header.channels.count == 1024)
    }
}
