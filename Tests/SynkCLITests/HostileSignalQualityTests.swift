import Foundation
import Testing

/// Broken signals rather than broken files: a simulated synkinesis recording with one recording fault
/// per channel (SynkSim `ChannelArtefact`). The ground truth is the simulator's list of faults; the
/// quality check must name exactly those channels, and the synkinesis result must not contain a number
/// computed from any of them.
@Suite("Hostile signals: artefacts flagged on the right channel and kept out of the analysis")
struct HostileSignalQualityTests {
    /// Channel → the quality flag its simulated fault must raise.
    static let faults: [(channel: String, artefact: String, flag: String)] = [
        ("OOr-L", #"{"channel": "OOr-L", "kind": "flat"}"#, "flat"),
        ("ZYG-R", #"{"channel": "ZYG-R", "kind": "clipping", "level_uv": 30}"#, "clipped"),
        // Missing from 2 s to the end: excluded (short gaps are bridged, longer ones cost their repetitions only).
        ("FRO-L", #"{"channel": "FRO-L", "kind": "nan_gap", "start_s": 2, "end_s": 100000}"#, "nan_gap"),
        ("LLS-R", #"{"channel": "LLS-R", "kind": "disconnected", "level_uv": 200}"#, "mains_dominated"),
    ]
    /// Motion spikes are simulated too, two 800 µV transients: about 37 % of that channel's power lies below
    /// 10 Hz, under the 50 % that makes `extreme_noise` (ArtefactExclusionTests flags larger ones), so the
    /// channel stays usable and the test asserts only that the spikes do not break anything.
    static let motion = #"{"channel": "OOc-R", "kind": "motion_spikes", "level_uv": 800, "times_s": [3, 9]}"#

    static func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }

    static func allFinite(_ value: Any) -> Bool { HostileFileTests.allFinite(value) }

    @Test("flat, clipped, NaN-gap and disconnected channels: flagged by name, excluded from every pair")
    func artefacts() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = dir.appendingPathComponent("faults.json")
        try #"{"artefacts": [\#((Self.faults.map(\.artefact) + [Self.motion]).joined(separator: ", "))]}"#
            .write(to: parameters, atomically: true, encoding: .utf8)
        // CSV keeps the NaN gap (the HDF5 and WAV writers refuse non-finite samples).
        let recording = dir.appendingPathComponent("faults.csv").path
        let simulated = try CLI.run(["simulate", "synkinesis", "--parameters", parameters.path, "-o", recording, "--seed", "3",
                                     "--sample-rate", "1000", "--contraction", "1.5", "--rest", "1.5"])
        try #require(simulated.status == 0, "\(simulated.stderr)")
        let original = try Data(contentsOf: URL(fileURLWithPath: recording))

        // synk info: exactly the faulty channels carry flags, each the flag of its fault.
        let info = try CLI.run(["info", recording, "--json"])
        #expect(info.status == 0, "\(info.stderr)")
        let channels = try #require((Self.json(info.stdout) as? [String: Any])?["channels"] as? [[String: Any]])
        #expect(channels.count == 14)
        var flagged: [String: [String]] = [:]
        for channel in channels {
            let label = channel["label"] as? String ?? "?"
            let flags = channel["flags"] as? [String] ?? []
            if !flags.isEmpty { flagged[label] = flags }
        }
        for fault in Self.faults {
            #expect(flagged[fault.channel]?.contains(fault.flag) == true, "\(fault.channel) should be flagged \(fault.flag): \(flagged)")
        }
        #expect(Set(flagged.keys) == Set(Self.faults.map(\.channel)), "no clean channel is flagged: \(flagged)")

        // synk synkinesis: exit 1 (a flagged EMG channel) with the result still written.
        let output = dir.appendingPathComponent("result.json").path
        let analysis = try CLI.run(["synkinesis", recording, "--format", "json", "-o", output])
        #expect(analysis.status == 1, "\(analysis.stderr)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        let result = try #require(Self.json(text) as? [String: Any])
        #expect(Self.allFinite(result))
        let montage = result["montage"] as? [[String: Any]] ?? []
        let kept = Set(montage.compactMap { $0["label"] as? String })
        #expect(kept.isDisjoint(with: flagged.keys), "flagged channels left in the montage: \(kept)")
        #expect(kept.count == 14 - Self.faults.count)
        let gaps = result["montage_gaps"] as? [[String: Any]] ?? []
        for fault in Self.faults {
            let gap = gaps.first { $0["label"] as? String == fault.channel }
            #expect((gap?["reason"] as? String)?.contains("excluded") == true, "\(fault.channel) listed as excluded with a reason")
        }
        // No pair side computed from a faulty channel: a side object names its side; the pair its muscles.
        let faulty = Set(Self.faults.map { $0.channel })
        let pairs = result["pairs"] as? [[String: Any]] ?? []
        #expect(!pairs.isEmpty)
        for pair in pairs {
            let driver = pair["driver"] as? String ?? "", follower = pair["follower"] as? String ?? ""
            for key in ["healthy", "affected"] {
                guard let side = (pair[key] as? [String: Any])?["side"] as? String else { continue }
                let suffix = side == "left" ? "L" : "R"
                #expect(!faulty.contains("\(driver)-\(suffix)") && !faulty.contains("\(follower)-\(suffix)"),
                        "\(pair["task"] ?? "?") \(driver)→\(follower) \(key) (\(side)) uses a flagged channel")
            }
        }
        // The input was only read.
        #expect(try Data(contentsOf: URL(fileURLWithPath: recording)) == original)
    }
}
