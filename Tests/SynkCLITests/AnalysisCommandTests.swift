import Foundation
import SynkIO
import Testing

@Suite("Analysis commands on real and simulated files")
struct AnalysisCommandTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("the real one-sided BIOPAC export: per-side measures, the side comparison declared impossible, no NaN; Lev Raw excluded as extreme noise")
    func oneSidedRealRecording() throws {
        let result = try CLI.run(["synkinesis", CLI.realFile("biopac_facial_femg_sub_f_005.txt"), "--format", "json"])
        // The export's header calls Lev Raw "Volts" while its values are millivolts like the other raw
        // channels (SampleData/real/README.md): read as volts it has 15 213 µV RMS, beyond the 2000 µV facial
        // sEMG can reach, so it is excluded (exit 1) and no pair uses it.
        #expect(result.status == 1, "\(result.stderr)")
        let gaps = try #require(try Self.json(result.stdout)["montage_gaps"] as? [[String: Any]])
        #expect(gaps.contains { $0["label"] as? String == "Lev Raw" && ($0["reason"] as? String ?? "").contains("extreme noise: RMS 1.521e+04 µV") }, "\(gaps)")
        for pair in try #require(try Self.json(result.stdout)["pairs"] as? [[String: Any]]) {
            #expect(pair["driver"] as? String != "LLS" && pair["follower"] as? String != "LLS")
        }
        #expect(!result.stdout.contains("NaN") && !result.stdout.lowercased().contains("nan,"))
        let json = try Self.json(result.stdout)
        let comparison = try #require(json["side_comparison"] as? [String: Any])
        #expect(comparison["possible"] as? Bool == false)
        #expect(json["tasks_source"] as? String == "detected")
        let pairs = try #require(json["pairs"] as? [[String: Any]])
        #expect(!pairs.isEmpty)
        for pair in pairs {
            let side = try #require(pair["affected"] as? [String: Any])
            #expect(side["r"] is Double)
            #expect(pair["synkinetic_correlation"] is NSNull)
        }
    }

    @Test("synkinesis: an excluded muscle is named first in the text; every pair has one decision with its rule in text, JSON and CSV; --no-automatic-notch is recorded")
    func decisionOutputs() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = dir.appendingPathComponent("p.json")
        try #"{"affected_side": "left", "couplings": [{"driver": "OOc", "follower": "OOr", "gain": 0.6, "mirror_gain": 0}], "artefacts": [{"channel": "MEN-R", "kind": "disconnected", "level_uv": 200}]}"#
            .write(to: parameters, atomically: true, encoding: .utf8)
        let recording = dir.appendingPathComponent("r.h5").path
        let simulated = try CLI.run(["simulate", "synkinesis", "--parameters", parameters.path, "-o", recording, "--seed", "4",
                                     "--sample-rate", "1000", "--contraction", "2", "--rest", "1.5"])
        try #require(simulated.status == 0, "\(simulated.stderr)")
        let text = try CLI.run(["synkinesis", recording])
        #expect(text.status == 1, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count > 5 && lines[3].hasPrefix("  EXCLUDED: channel MEN-R excluded:") && lines[3].contains("disconnected electrode"),
                "\(lines.prefix(6))")
        #expect(lines[3].hasSuffix("→ MEN has no side comparison"))
        #expect(text.stdout.contains("* OOr: OOr own-activity ratio"))
        let json = try Self.json(try CLI.run(["synkinesis", recording, "--format", "json", "--no-automatic-notch"]).stdout)
        let settings = try #require((json["parameters"] as? [String: Any])?["settings"] as? [String: Any])
        #expect(settings["automatic_notch"] as? Bool == false)
        let pairs = try #require(json["pairs"] as? [[String: Any]])
        for pair in pairs {
            let decision = try #require(pair["decision"] as? String)
            #expect(["synkinesis", "crosstalk", "not_synkinetic", "undetermined"].contains(decision))
            #expect(pair["flag"] as? Bool == (decision == "synkinesis"))
            #expect(!(pair["decision_reason"] as? String ?? "").isEmpty)
            if pair["follower"] as? String == "MEN" { #expect(decision == "undetermined") }
        }
        let oor = try #require(pairs.first { $0["task"] as? String == "eye_closure" && $0["follower"] as? String == "OOr" })
        #expect(oor["decision"] as? String == "synkinesis")
        let rule = try #require(oor["decision_rule"] as? [String: Any])
        #expect(rule["id"] as? String == "bernardes2018_ocular_oral" && (rule["source"] as? String ?? "").contains("Bernardes DFF"))
        let side = try #require(oor["affected"] as? [String: Any])
        #expect(side["crosstalk_fraction"] is Double && side["lag_at_search_limit"] is Bool)
        let csv = try CLI.run(["synkinesis", recording, "--format", "csv"]).stdout
        let header = try #require(csv.split(separator: "\n").first).split(separator: ",").map(String.init)
        for column in ["flag", "decision", "decision_rule", "follower_own_ratio", "crosstalk_fraction_affected", "lag_at_search_limit_affected", "p_bh"] {
            #expect(header.contains(column), "\(column)")
        }
    }

    @Test("a montage naming an unknown muscle is an input error naming the montage file")
    func badMontage() throws {
        let dir = try CLI.temporaryDirectory()
        let montage = dir.appendingPathComponent("montage.json").path
        try #"{"channels":[{"label":"Zyg Raw","muscle":"XYZ","side":"left"}]}"#.write(toFile: montage, atomically: true, encoding: .utf8)
        let result = try CLI.run(["synkinesis", CLI.realFile("biopac_facial_femg_sub_f_005.txt"), "--montage", montage])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains(montage) && result.stderr.contains("XYZ"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("a task outside the recording is reported as a gap, not a crash; a malformed events file is an input error")
    func badEvents() throws {
        let dir = try CLI.temporaryDirectory()
        let events = dir.appendingPathComponent("events.tsv").path
        try "onset\tduration\ttrial_type\n1.0\t2.0\tsmile\n500\t3\teye_closure\n".write(toFile: events, atomically: true, encoding: .utf8)
        let file = CLI.realFile("biopac_facial_femg_sub_f_005.txt")
        let result = try CLI.run(["synkinesis", file, "--events", events, "--format", "json"])
        #expect(result.status == 1, "\(result.stderr)") // Lev Raw is excluded (see oneSidedRealRecording)
        let gaps = try #require(try Self.json(result.stdout)["task_gaps"] as? [[String: Any]])
        #expect(gaps.contains { $0["label"] as? String == "eye_closure" && ($0["reason"] as? String ?? "").contains("outside") })
        try "onset\tduration\ttrial_type\nsoon\t2.0\tsmile\n".write(toFile: events, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["synkinesis", file, "--events", events])
        #expect(bad.status == 3 && bad.stderr.contains(events) && bad.stderr.contains("line 2"), "\(bad.stderr)")
    }

    @Test("synk filter writes every output format, and synk reads each back with the same channels and rate",
          arguments: ["wav", "flac", "h5", "edf", "bdf", "csv"])
    func filterRoundTrip(format: String) throws {
        let dir = try CLI.temporaryDirectory()
        let output = dir.appendingPathComponent("filtered.\(format)").path
        let result = try CLI.run(["filter", CLI.realFile("biopac_facial_femg_sub_f_005.txt"), "-o", output,
                                  "--envelope", "rms:100ms", "--decimate", "200"])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try CLI.run(["info", output, "--json"])
        #expect(info.status == 0, "\(info.stderr)")
        let json = try Self.json(info.stdout)
        let input = try #require(json["input"] as? [String: Any])
        #expect(input["sample_rate_hz"] as? Double == 200)
        #expect(input["channels"] as? Int == 3) // the three EMG channels; triggers and processed channels dropped
        // 13.150 s at 200 Hz = 2630 envelope samples.
        #expect(input["frames"] as? Int == 2630)
        let channels = try #require(json["channels"] as? [[String: Any]])
        #expect(channels.map { $0["label"] as? String } == ["Corr Raw", "Zyg Raw", "Lev Raw"])
        // Provenance: the input's SHA-256 (from sha256sum), which WAV and FLAC fill into their header after the
        // samples; no placeholder byte is left in the file.
        if ["wav", "flac", "h5"].contains(format) {
            let header = try RecordingReader.open(output).header
            #expect(header.metadata["synk_source_sha256"] == "5fe277af2d913ec62c011c117d6125b52a9136bd75da73a394b80e3b9ba15e14")
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(bytes.range(of: Data("synk-pending-".utf8)) == nil)
    }

    @Test("synk filter run twice on the same input writes the same bytes (provenance included)", arguments: ["wav", "h5"])
    func filterIsReproducible(format: String) throws {
        let dir = try CLI.temporaryDirectory()
        var outputs: [Data] = []
        for run in 0..<2 {
            let output = dir.appendingPathComponent("run\(run).\(format)").path
            let result = try CLI.run(["filter", CLI.realFile("biopac_facial_femg_sub_f_005.txt"), "-o", output,
                                      "--envelope", "rms:100ms", "--decimate", "200"])
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: output)))
        }
        #expect(outputs[0] == outputs[1])
    }

    @Test("the real recordings: synk info states their known facts", arguments: [
        ("biopac_facial_femg_sub_f_005.txt", 13_150, 15, 1000.0),
        ("uci_lowerlimb_5Nmar.txt", 6_563, 5, 1000.0),
        ("opensignals_emg.txt", 100_000, 1, 1000.0),
    ])
    func realInfo(name: String, frames: Int, channels: Int, rate: Double) throws {
        let result = try CLI.run(["info", CLI.realFile(name), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let input = try #require(try Self.json(result.stdout)["input"] as? [String: Any])
        #expect(input["frames"] as? Int == frames)
        #expect(input["channels"] as? Int == channels)
        #expect(input["sample_rate_hz"] as? Double == rate)
    }
}
