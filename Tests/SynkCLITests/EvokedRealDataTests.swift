import Foundation
import Testing

/// `synk ncs` on real motor evoked potentials (MEPFeatX sample data, BSD-3-Clause; see
/// Fixtures/evoked-real/README.md), run as a user would (`--window -5ms:50ms`), against an independent numpy/scipy
/// measurement of the same averaged sweeps (`make_evoked_real.py`).
///
/// The converted recordings are data fetched from another repository, which this repository does not hold: they are
/// looked for in `$SYNK_EVOKED_REAL_DIR`, in the steering repository's `shared/data/evoked-real/` next to the
/// checkout, and in the untracked `Fixtures/evoked-real-data/` that the script writes.
@Suite("Real evoked recordings: synk ncs against an independent measurement")
struct EvokedRealDataTests {
    static let directory: URL? = {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["SYNK_EVOKED_REAL_DIR"] { candidates.append(URL(fileURLWithPath: env)) }
        candidates.append(CLI.repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data/evoked-real"))
        candidates.append(CLI.repositoryRoot.appendingPathComponent("Tests/SynkCLITests/Fixtures/evoked-real-data"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("evoked_real_reference.json").path) }
    }()

    static var available: Bool { directory != nil }

    struct Reference: Decodable {
        var onset_ms: Double
        var pp_mv: Double
        var file: String
    }

    static func reference(_ key: String) throws -> Reference {
        let data = try Data(contentsOf: directory!.appendingPathComponent("evoked_real_reference.json"))
        return try #require(try JSONDecoder().decode([String: Reference].self, from: data)[key])
    }

    static func measure(_ csv: String, stimuli: String, extra: [String] = []) throws -> (status: Int32, response: [String: Any], result: [String: Any]) {
        let run = try CLI.run(["ncs", csv, "--stimuli", stimuli, "--window", "-5ms:50ms", "--format", "json"] + extra, timeout: 120)
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let responses = try #require(json["responses"] as? [[String: Any]])
        return (run.status, try #require(responses.first), json)
    }

    /// Writes a copy of `name` with every sample transformed by `f(time, value)`.
    static func transformed(_ name: String, into dir: URL, suffix: String, _ f: (Double, Double) -> Double) throws -> String {
        let text = try String(contentsOf: directory!.appendingPathComponent(name), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        for k in 1..<lines.count {
            let cells = lines[k].split(separator: ",")
            let t = Double(cells[0])!, v = Double(cells[1])!
            lines[k] = "\(cells[0]),\(String(format: "%.3f", f(t, v)))"
        }
        let out = dir.appendingPathComponent(name.replacingOccurrences(of: ".csv", with: "_\(suffix).csv"))
        try (lines.joined(separator: "\n") + "\n").write(to: out, atomically: true, encoding: .utf8)
        return out.path
    }

    @Test("FDI and TA MEPs (late responses at 24-31 ms): onset within 0.2 ms and p-p within 3 % of the numpy reference, p-p ≥ b-p",
          .enabled(if: available, "the converted MEPFeatX recordings are not present (see Fixtures/evoked-real/README.md)"))
    func mepsAgainstReference() throws {
        for key in ["id01", "id06"] {
            let ref = try Self.reference(key)
            let dir = Self.directory!
            let (_, r, result) = try Self.measure(dir.appendingPathComponent(ref.file).path,
                                                  stimuli: dir.appendingPathComponent(ref.file.replacingOccurrences(of: ".csv", with: "_stimuli.csv")).path)
            let onset = try #require(r["onset_latency_ms"] as? Double)
            let pp = try #require(r["amplitude_pp_mv"] as? Double), bp = try #require(r["amplitude_bp_mv"] as? Double)
            print("real \(key): onset \(onset) ms vs \(ref.onset_ms) ms; p-p \(pp) mV vs \(ref.pp_mv) mV")
            #expect(abs(onset - ref.onset_ms) <= 0.2, "\(key): onset \(onset) vs \(ref.onset_ms)")
            #expect(abs(pp / ref.pp_mv - 1) <= 0.03, "\(key): p-p \(pp) vs \(ref.pp_mv)")
            #expect(pp >= bp)
            // The stimuli table is in the file's own time base (its time column starts at 10 s).
            #expect(result["first_sample_time_s"] as? Double == 10)
            let flags = r["flags"] as? [String] ?? []
            #expect(flags.contains("intensity_unknown"))
            #expect(!flags.contains("no_response"))
        }
    }

    @Test("the same FDI MEP recorded with reversed leads (positive first): same onset and p-p, main phase positive",
          .enabled(if: available, "the converted MEPFeatX recordings are not present"))
    func reversedLeads() throws {
        let ref = try Self.reference("id01")
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let csv = try Self.transformed(ref.file, into: tmp, suffix: "inverted") { _, v in -v }
        let (_, r, _) = try Self.measure(csv, stimuli: Self.directory!.appendingPathComponent(ref.file.replacingOccurrences(of: ".csv", with: "_stimuli.csv")).path)
        let onset = try #require(r["onset_latency_ms"] as? Double), pp = try #require(r["amplitude_pp_mv"] as? Double)
        #expect(abs(onset - ref.onset_ms) <= 0.2)
        #expect(abs(pp / ref.pp_mv - 1) <= 0.03)
        #expect(r["polarity"] as? String == "positive")
        #expect(pp >= (r["amplitude_bp_mv"] as? Double ?? .infinity))
    }

    @Test("the FDI MEP with 0.3 mV of 60 Hz mains (and 3rd/5th harmonics) added: --notch 60:20 recovers onset within 0.2 ms and p-p within 3 %",
          .enabled(if: available, "the converted MEPFeatX recordings are not present"))
    func mainsAdded() throws {
        let ref = try Self.reference("id01")
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let csv = try Self.transformed(ref.file, into: tmp, suffix: "mains") { t, v in
            let w = 2 * Double.pi * 60 * t + 0.7
            return v + 300 * (sin(w) + 0.2 * sin(3 * w) + 0.1 * sin(5 * w))
        }
        let stimuli = Self.directory!.appendingPathComponent(ref.file.replacingOccurrences(of: ".csv", with: "_stimuli.csv")).path
        for extra in [["--notch", "60:20"], []] {
            let (_, r, result) = try Self.measure(csv, stimuli: stimuli, extra: extra)
            let onset = try #require(r["onset_latency_ms"] as? Double), pp = try #require(r["amplitude_pp_mv"] as? Double)
            print("real id01 + mains \(extra): onset \(onset) vs \(ref.onset_ms); p-p \(pp) vs \(ref.pp_mv)")
            #expect(abs(onset - ref.onset_ms) <= 0.2)
            #expect(abs(pp / ref.pp_mv - 1) <= 0.03)
            #expect((result["excluded_channels"] as? [Any])?.isEmpty == true)
            #expect((r["flags"] as? [String] ?? []).contains("mains_removed"))
        }
    }

    @Test("a real TMS recording whose artefact decays for tens of ms (TA, paired pulse 1.4 ms) is flagged, and the command exits 1",
          .enabled(if: available, "the converted MEPFeatX recordings are not present"))
    func realArtefactTailFlagged() throws {
        let ref = try Self.reference("id04")
        let dir = Self.directory!
        let (status, r, _) = try Self.measure(dir.appendingPathComponent(ref.file).path,
                                              stimuli: dir.appendingPathComponent(ref.file.replacingOccurrences(of: ".csv", with: "_stimuli.csv")).path)
        let flags = r["flags"] as? [String] ?? []
        #expect(flags.contains("artefact_not_settled") || flags.contains("onset_within_artefact"), "\(flags)")
        #expect(status == 1)
    }

    @Test("stimulus times counted from the first sample while the table uses the file's time base: exit 3 naming --stimulus-times",
          .enabled(if: available, "the converted MEPFeatX recordings are not present"))
    func wrongTimeBaseIsAnError() throws {
        let ref = try Self.reference("id01")
        let dir = Self.directory!
        let run = try CLI.run(["ncs", dir.appendingPathComponent(ref.file).path, "--stimuli",
                               dir.appendingPathComponent(ref.file.replacingOccurrences(of: ".csv", with: "_stimuli.csv")).path,
                               "--window", "-5ms:50ms", "--stimulus-times", "first-sample"])
        #expect(run.status == 3)
        #expect(run.stderr.contains("time base"))
    }
}
