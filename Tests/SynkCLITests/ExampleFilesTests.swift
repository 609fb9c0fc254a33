import Foundation
import Testing

/// The example input files in docs/examples/ are what users copy: each must be accepted by the command that takes it,
/// on the sample data it was written for, and must mean what docs/examples/README.md says. The expected values below
/// are written from the example files themselves (read by hand), not from synk's readers.
@Suite("docs/examples: every example file is accepted by its command and means what it says")
struct ExampleFilesTests {
    static let examples = CLI.repositoryRoot.appendingPathComponent("docs/examples")
    static let sampleData = CLI.repositoryRoot.appendingPathComponent("SampleData")
    static let sunnybrook = sampleData.appendingPathComponent("hdf5/sub-01_ses-1_sunnybrook.h5").path
    static let enog = sampleData.appendingPathComponent("hdf5/sub-01_ses-1_enog.h5").path
    static let bidsWAV = sampleData.appendingPathComponent("bids/sub-01/ses-1/emg/sub-01_ses-1_task-sunnybrook_emg.wav").path

    static func example(_ name: String) -> String { examples.appendingPathComponent(name).path }

    /// Runs synk; a result must come out (exit 0, or 1 for a quality flag with the output written) and parse as JSON.
    static func result(_ arguments: [String]) throws -> [String: Any] {
        let run = try CLI.run(arguments, timeout: 300)
        #expect(run.status == 0 || run.status == 1, "\(arguments): exit \(run.status): \(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
    }

    static func overrides(_ result: [String: Any]) -> [String] {
        ((result["input"] as? [String: Any])?["overrides"] as? [[String: Any]] ?? []).compactMap { $0["setting"] as? String }
    }

    /// The result's montage is exactly the channels written in the example, each with the muscle and side written
    /// and at its own index among the recording's `labels`.
    static func expectMontage(_ result: [String: Any], written: [String: (muscle: String, side: String)], labels: [String]) throws {
        let montage = try #require(result["montage"] as? [[String: Any]])
        #expect(montage.count == written.count)
        for channel in montage {
            let label = try #require(channel["label"] as? String)
            let expected = try #require(written[label], "\(label) is not in the example")
            #expect(channel["muscle"] as? String == expected.muscle && channel["side"] as? String == expected.side, "\(channel)")
            #expect(channel["channel_index"] as? Int == labels.firstIndex(of: label), "\(label)")
        }
    }

    @Test("montage.json on the session-1 HDF5: exactly the six channels it lists, each at its own index in the recording with the muscle and side written, affected side left, recorded as a montage override")
    func montageJSON() throws {
        // As written in docs/examples/montage.json (muscle names and codes, sides as words and letters).
        let written: [String: (muscle: String, side: String)] = [
            "OOc-L": ("OOc", "left"), "OOc-R": ("OOc", "right"), "ZYG-L": ("ZYG", "left"),
            "ZYG-R": ("ZYG", "right"), "OOr-L": ("OOr", "left"), "OOr-R": ("OOr", "right"),
        ]
        let info = try Self.result(["info", Self.sunnybrook, "--json"])
        let labels = try #require(info["channels"] as? [[String: Any]]).compactMap { $0["label"] as? String }
        let result = try Self.result(["synkinesis", Self.sunnybrook, "--montage", Self.example("montage.json"), "--format", "json"])
        try Self.expectMontage(result, written: written, labels: labels)
        #expect(result["affected_side"] as? String == "left")
        #expect(Self.overrides(result).contains("montage"))
    }

    @Test("channels.tsv on the BIDS WAV read without its sidecars: each of the 14 channels at its own index in the recording with the muscle and side written in target_muscle")
    func channelsTSV() throws {
        // As written in docs/examples/channels.tsv (target_muscle spells muscle and side in words).
        let written: [String: (muscle: String, side: String)] = [
            "FRO-L": ("FRO", "left"), "FRO-R": ("FRO", "right"), "OOc-L": ("OOc", "left"), "OOc-R": ("OOc", "right"),
            "ZYG-L": ("ZYG", "left"), "ZYG-R": ("ZYG", "right"), "LLS-L": ("LLS", "left"), "LLS-R": ("LLS", "right"),
            "OOr-L": ("OOr", "left"), "OOr-R": ("OOr", "right"), "MEN-L": ("MEN", "left"), "MEN-R": ("MEN", "right"),
            "PLA-L": ("PLA", "left"), "PLA-R": ("PLA", "right"),
        ]
        let info = try Self.result(["info", Self.bidsWAV, "--no-sidecars", "--json"])
        let labels = try #require(info["channels"] as? [[String: Any]]).compactMap { $0["label"] as? String }
        let result = try Self.result(["synkinesis", Self.bidsWAV, "--no-sidecars", "--montage", Self.example("channels.tsv"),
                                      "--affected", "left", "--format", "json"])
        #expect(((result["input"] as? [String: Any])?["sidecars"] as? [Any])?.isEmpty == true, "read without its sidecars")
        try Self.expectMontage(result, written: written, labels: labels)
    }

    @Test("events.tsv on the session-1 HDF5: two tasks (eye closure, smile) of three repetitions each, the first starting at 12.19 s, recorded as an events override")
    func eventsTSV() throws {
        let result = try Self.result(["synkinesis", Self.sunnybrook, "--events", Self.example("events.tsv"), "--format", "json"])
        #expect(result["tasks_source"] as? String == "events")
        let tasks = try #require(result["tasks"] as? [[String: Any]])
        #expect(Set(tasks.compactMap { $0["task"] as? String }) == ["eye_closure", "smile"])
        for task in tasks { #expect(task["repetitions"] as? Int == 3, "\(task)") }
        let eyeClosure = try #require(tasks.first { $0["task"] as? String == "eye_closure" })
        let firstOnset = try #require((eyeClosure["spans_s"] as? [[Double]])?.first?.first)
        // Spans are placed on the 200 Hz envelope grid: within one envelope sample.
        #expect(abs(firstOnset - 12.19) <= 0.005, "\(firstOnset)")
        #expect(Self.overrides(result).contains("events"))
    }

    @Test("stimuli.csv on the ENoG HDF5: 24 stimuli at 20, 25, 30 and 35 mA, 12 sweeps per channel, recorded as a stimuli override")
    func stimuliCSV() throws {
        let result = try Self.result(["ncs", Self.enog, "--stimuli", Self.example("stimuli.csv"), "--format", "json"])
        #expect(result["stimulus_count"] as? Int == 24)
        #expect(result["stimulus_source"] as? String == "header")
        let responses = try #require(result["responses"] as? [[String: Any]])
        #expect(responses.count == 8)
        for response in responses {
            let intensities = (response["recruitment"] as? [[String: Any]] ?? []).compactMap { $0["intensity_ma"] as? Double }
            #expect(intensities == [20, 25, 30, 35], "\(response["channel"] ?? "?")")
            #expect(response["sweeps_available"] as? Int == 12)
        }
        #expect(Self.overrides(result).contains("stimuli"))
    }

    @Test("manifest.csv: a batch of synkinesis and ncs gives one result per row (the other analysis not applicable), with the montage and events of its first row applied")
    func manifestCSV() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // As written in docs/examples/manifest.csv: three rows, paths relative to docs/examples.
        let rows = ["../../SampleData/hdf5/sub-01_ses-1_enog.h5", "../../SampleData/hdf5/sub-01_ses-1_sunnybrook.h5",
                    "../../SampleData/hdf5/sub-01_ses-2_sunnybrook.h5"]
        let run = try CLI.run(["batch", Self.example("manifest.csv"), "-o", dir.path, "--analyses", "synkinesis,ncs", "--jobs", "1"], timeout: 600)
        #expect(run.status == 0 || run.status == 1, "exit \(run.status): \(run.stderr)")
        let stored = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("results").path).filter { $0.hasSuffix(".json") }
        #expect(stored.count == rows.count, "\(stored)")
        let notApplicable = try String(contentsOf: dir.appendingPathComponent("not_applicable.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst()
        #expect(notApplicable.count == rows.count, "\(notApplicable)")
        let errors = try String(contentsOf: dir.appendingPathComponent("errors.csv"), encoding: .utf8).split(separator: "\n")
        #expect(errors.count == 1, "\(errors)")
        let pairs = try String(contentsOf: dir.appendingPathComponent("synkinesis_pairs.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(Set(pairs.map { String($0.prefix { $0 != "," }) }) == Set(rows.dropFirst()))
        let ncs = try String(contentsOf: dir.appendingPathComponent("ncs_responses.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(ncs.count == 8 && ncs.allSatisfy { $0.hasPrefix(rows[0] + ",") })
        // The first row's montage lists six channels: its result has six.
        let session1 = try #require(stored.first { $0.contains("ses-1_sunnybrook") && $0.hasSuffix(".synkinesis.json") }, "\(stored)")
        let data = try Data(contentsOf: dir.appendingPathComponent("results/\(session1)"))
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((result["montage"] as? [Any])?.count == 6)
        #expect((result["tasks"] as? [Any])?.count == 2)
    }
}
