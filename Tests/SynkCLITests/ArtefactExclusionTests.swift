import Foundation
import Testing
import SynkCore
import SynkIO
import SynkSim

/// One simulated artefact type on one known channel per case (SynkSim `ChannelArtefact`; the simulator's
/// ground truth says which channel carries it): `synk info` must flag exactly that channel with the
/// artefact's flag, and `synk synkinesis`, `synk ncs` and `synk blink` must not report a figure computed from
/// it — the channel is listed as excluded with the reason, and the command exits 1.
@Suite("Every artefact type: flagged on its channel only, excluded from synkinesis, ncs and blink")
struct ArtefactExclusionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var kind: String
        var channel: String
        var artefact: String
        var flag: String
        var testDescription: String { "\(kind) on \(channel) → \(flag)" }
    }

    /// The artefact types of the synkinesis simulator and the flag each must raise.
    static let synkinesisCases: [Case] = [
        Case(kind: "flat", channel: "OOr-L", artefact: #"{"channel": "OOr-L", "kind": "flat"}"#, flag: "flat"),
        Case(kind: "clipping", channel: "ZYG-R", artefact: #"{"channel": "ZYG-R", "kind": "clipping", "level_uv": 30}"#, flag: "clipped"),
        // Missing from 2 s to the end: too little of the channel remains, so it is excluded (a short gap is bridged
        // and a longer one leaves out only the repetitions it overlaps: GapHandlingCLITests).
        Case(kind: "nan_gap", channel: "FRO-L", artefact: #"{"channel": "FRO-L", "kind": "nan_gap", "start_s": 2, "end_s": 100000}"#, flag: "nan_gap"),
        Case(kind: "disconnected", channel: "LLS-R", artefact: #"{"channel": "LLS-R", "kind": "disconnected", "level_uv": 200}"#, flag: "disconnected"),
        // 300 ms held at the amplifier's 400 µV rail.
        Case(kind: "saturation", channel: "MEN-L", artefact: #"{"channel": "MEN-L", "kind": "saturation", "level_uv": 400, "start_s": 4, "end_s": 4.3}"#, flag: "saturated"),
        // 3 mV RMS broadband: beyond the 2 mV limit.
        Case(kind: "extreme_noise", channel: "PLA-R", artefact: #"{"channel": "PLA-R", "kind": "extreme_noise", "level_uv": 3000}"#, flag: "extreme_noise"),
        // Four 1.5 mV electrode movements: about 70 % of the channel's power below 10 Hz (limit 50 %).
        Case(kind: "motion_spikes", channel: "OOc-R", artefact: #"{"channel": "OOc-R", "kind": "motion_spikes", "level_uv": 1500, "times_s": [3, 9, 15, 21]}"#, flag: "extreme_noise"),
    ]

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func canonical(_ value: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }

    static func flaggedChannels(_ infoJSON: String) throws -> [String: [String]] {
        let channels = try #require(try object(infoJSON)["channels"] as? [[String: Any]])
        var flagged: [String: [String]] = [:]
        for channel in channels {
            let flags = channel["flags"] as? [String] ?? []
            if !flags.isEmpty { flagged[channel["label"] as? String ?? "?"] = flags }
        }
        return flagged
    }

    @Test("synk info flags exactly the artefact's channel; synk synkinesis excludes it with the reason (exit 1)",
          arguments: synkinesisCases)
    func synkinesis(_ c: Case) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = dir.appendingPathComponent("p.json")
        try #"{"artefacts": [\#(c.artefact)]}"#.write(to: parameters, atomically: true, encoding: .utf8)
        let recording = dir.appendingPathComponent("r.csv").path // CSV keeps NaN gaps
        let simulated = try CLI.run(["simulate", "synkinesis", "--parameters", parameters.path, "-o", recording, "--seed", "3",
                                     "--sample-rate", "1000", "--contraction", "1.5", "--rest", "1.5"])
        try #require(simulated.status == 0, "\(simulated.stderr)")
        // Ground truth: the simulator spoiled that channel and no other.
        let truth = try Self.object(try String(contentsOfFile: dir.appendingPathComponent("r_truth.json").path, encoding: .utf8))
        let locations = try #require(truth["artefacts"] as? [[String: Any]])
        #expect(!locations.isEmpty)
        #expect(locations.allSatisfy { $0["channel"] as? String == c.channel && $0["kind"] as? String == c.kind })

        let info = try CLI.run(["info", recording, "--json"])
        #expect(info.status == 0, "\(info.stderr)")
        let flagged = try Self.flaggedChannels(info.stdout)
        #expect(Array(flagged.keys) == [c.channel], "only \(c.channel) is flagged: \(flagged)")
        #expect(flagged[c.channel]?.contains(c.flag) == true, "\(c.channel) carries \(c.flag): \(flagged)")

        let output = dir.appendingPathComponent("result.json").path
        let analysis = try CLI.run(["synkinesis", recording, "--format", "json", "-o", output])
        #expect(analysis.status == 1, "\(analysis.stderr)")
        let result = try Self.object(try String(contentsOfFile: output, encoding: .utf8))
        #expect(HostileSignalQualityTests.allFinite(result))
        let montage = (result["montage"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
        #expect(montage.count == 13 && !montage.contains(c.channel), "\(montage)")
        let gaps = result["montage_gaps"] as? [[String: Any]] ?? []
        let gap = gaps.first { $0["label"] as? String == c.channel }
        #expect((gap?["reason"] as? String)?.hasPrefix("channel \(c.channel) excluded: ") == true, "\(String(describing: gap))")
        let pairs = result["pairs"] as? [[String: Any]] ?? []
        #expect(!pairs.isEmpty)
        let muscle = String(c.channel.prefix { $0 != "-" }), side = c.channel.hasSuffix("-L") ? "left" : "right"
        for pair in pairs where [pair["driver"] as? String, pair["follower"] as? String].contains(muscle) {
            for key in ["healthy", "affected"] {
                guard let measured = pair[key] as? [String: Any] else { continue }
                #expect(measured["side"] as? String != side, "\(pair["task"] ?? "?") \(pair["driver"] ?? "?")→\(pair["follower"] ?? "?") uses \(c.channel)")
            }
        }
    }

    /// An evoked study simulated by `synk simulate`, one channel spoiled by `artefact`, written as HDF5.
    static func spoiledStudy(_ study: String, _ artefact: ChannelArtefact, in dir: URL) throws -> (clean: String, spoiled: String) {
        let clean = dir.appendingPathComponent("clean.h5").path
        let simulated = try CLI.run(["simulate", study, "-o", clean, "--seed", "5"])
        try #require(simulated.status == 0, "\(simulated.stderr)")
        var recording = try RecordingReader.read(clean)
        let labels = recording.channels.map(\.label)
        let (locations, ranges) = ChannelArtefact.apply([artefact], to: &recording.samples, labels: labels,
                                                        sampleRate: recording.sampleRate, seed: 5)
        #expect(!locations.isEmpty && locations.allSatisfy { $0.channel == artefact.channel && $0.kind == artefact.kind })
        for (c, range) in ranges.enumerated() where range != nil { recording.header.channels[c].physicalRange = range }
        let spoiled = dir.appendingPathComponent("spoiled.h5").path
        try RecordingWriter.write(recording, to: spoiled)
        return (clean, spoiled)
    }

    static let evokedCases: [(study: String, artefact: ChannelArtefact, flag: String)] = [
        ("ncs", .flat("OOc-R"), "flat"),
        ("ncs", .saturation("NAS-L", atMicrovolts: 2500, from: 1.0, to: 1.4), "saturated"),
        ("ncs", .extremeNoise("MEN-R", rmsMicrovolts: 3000), "extreme_noise"),
        ("blink", .saturation("OOc-R", atMicrovolts: 900, from: 0.5, to: 0.8), "saturated"),
        ("blink", .extremeNoise("OOr-L", rmsMicrovolts: 3000), "extreme_noise"),
    ]

    @Test("synk ncs and synk blink: the flagged channel is listed as excluded with its reason, nothing is measured on it, the other channels' figures are unchanged (exit 1)",
          arguments: 0..<5)
    func evoked(_ index: Int) throws {
        let (study, artefact, flag) = Self.evokedCases[index]
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (clean, spoiled) = try Self.spoiledStudy(study, artefact, in: dir)
        let info = try CLI.run(["info", spoiled, "--json"])
        let flagged = try Self.flaggedChannels(info.stdout)
        #expect(Array(flagged.keys) == [artefact.channel] && flagged[artefact.channel]?.contains(flag) == true, "\(flagged)")

        let before = try CLI.run([study, clean, "--format", "json"])
        let after = try CLI.run([study, spoiled, "--format", "json"])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(after.status == 1, "\(after.stderr)")
        let cleanResult = try Self.object(before.stdout), result = try Self.object(after.stdout)
        #expect(HostileSignalQualityTests.allFinite(result))
        let excluded = try #require(result["excluded_channels"] as? [[String: Any]])
        #expect(excluded.count == 1)
        #expect(excluded.first?["channel"] as? String == artefact.channel)
        #expect((excluded.first?["flags"] as? [String])?.contains(flag) == true)
        #expect((excluded.first?["reason"] as? String)?.hasPrefix("channel \(artefact.channel) excluded: ") == true)
        #expect((result["flags"] as? [String])?.contains("channels_excluded_by_quality") == true)

        // Every measured item of the clean study not on the spoiled channel is still there, with the same
        // numbers; nothing names the spoiled channel.
        let key = study == "ncs" ? ["responses"] : ["components", "spread"]
        for list in key {
            let cleanItems = (cleanResult[list] as? [[String: Any]] ?? []).filter { $0["channel"] as? String != artefact.channel }
            let items = result[list] as? [[String: Any]] ?? []
            #expect(!items.contains { $0["channel"] as? String == artefact.channel })
            #expect(items.count == cleanItems.count)
            for (a, b) in zip(items, cleanItems) { #expect(try Self.canonical(a) == Self.canonical(b)) }
        }
        if study == "ncs" {
            // The spoiled channel's branch has no ENoG: one side is missing.
            let branch = try #require(RecordingReader.read(spoiled).channels.first { $0.label == artefact.channel }?.branch)
            let branches = (result["branches"] as? [[String: Any]] ?? []).compactMap { $0["branch"] as? String }
            #expect(!branches.contains(branch.rawValue), "\(branches)")
            #expect(branches.count == (cleanResult["branches"] as? [Any])?.count.advanced(by: -1))
        }
    }
}
