import Foundation
import Testing

/// docs/json-results.md is the reference researchers script against. These tests run every command that writes JSON
/// (and a batch that writes every table) on the sample data and check that each key the binary writes has a row in
/// the document, under the heading of the object it belongs to. A field added to a result without a row in the
/// document fails here; so does a column added to a batch table.
@Suite("docs/json-results.md documents every JSON field and every batch CSV column synk writes")
struct JSONResultsDocumentationTests {
    static let sampleData = CLI.repositoryRoot.appendingPathComponent("SampleData")
    static let sunnybrook = sampleData.appendingPathComponent("hdf5/sub-01_ses-1_sunnybrook.h5").path
    static let enog = sampleData.appendingPathComponent("hdf5/sub-01_ses-1_enog.h5").path
    static let blink = sampleData.appendingPathComponent("hdf5/sub-01_ses-1_blink.h5").path
    static let bidsWAV = sampleData.appendingPathComponent("bids/sub-01/ses-1/emg/sub-01_ses-1_task-sunnybrook_emg.wav").path

    // MARK: The document

    /// What the document says: per command, per object path (`pairs[].affected`; `""` for the top level), the keys
    /// it lists, each marked when its keys are data (a dictionary keyed by muscle code, task name …); per CSV file,
    /// the columns it lists.
    struct Documentation {
        var objects: [String: [String: [String: Bool]]] = [:]
        var csvColumns: [String: Set<String>] = [:]

        static let commands = ["synkinesis", "ncs", "blink", "info"]

        init(markdown: String) {
            var scope: [String] = []
            var objectPaths: [String] = []
            var csvFiles: [String] = []
            for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                if line.hasPrefix("## ") {
                    // `synk synkinesis …` scopes to one command, "Shared … (`ncs`, `blink`)" to those named, "Shared by
                    // every result" to all; "CSV tables" to none (its H3 headings name files).
                    scope = line.contains("every result") ? Self.commands
                        : Self.commands.filter { line.contains("`synk \($0)") || line.contains("`\($0)`") }
                    objectPaths = []
                    csvFiles = []
                } else if line.hasPrefix("### ") {
                    let names = Self.backticked(line)
                    csvFiles = names.filter { $0.hasSuffix(".csv") }
                    objectPaths = line == "### Top level" ? [""] : names.filter { !$0.hasSuffix(".csv") && !$0.hasPrefix("synk ") }
                } else if line.hasPrefix("| `") {
                    let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard cells.count > 2, let key = Self.backticked(cells[1]).first else { continue }
                    let dataKeyed = cells[2].contains("keys are data")
                    for command in scope {
                        for path in objectPaths { objects[command, default: [:]][path, default: [:]][key] = dataKeyed }
                    }
                    for file in csvFiles { csvColumns[file, default: []].insert(key) }
                }
            }
        }

        static func backticked(_ text: String) -> [String] {
            text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }

        /// Every key of `value` (a parsed JSON result of `command`) the document does not list, as `path.key`, sorted
        /// and each once; arrays are entered as `path[]`, dictionaries whose keys are data are not entered.
        func undocumented(in value: Any, command: String) -> [String] {
            Set(missingKeys(in: value, command: command, at: "")).sorted()
        }

        private func missingKeys(in value: Any, command: String, at path: String) -> [String] {
            if let array = value as? [Any] {
                return array.flatMap { missingKeys(in: $0, command: command, at: path + "[]") }
            }
            guard let object = value as? [String: Any] else { return [] }
            var missing: [String] = []
            for key in object.keys.sorted() {
                let full = path.isEmpty ? key : "\(path).\(key)"
                guard let dataKeyed = objects[command]?[path]?[key] else {
                    missing.append(full)
                    continue
                }
                if !dataKeyed { missing += missingKeys(in: object[key]!, command: command, at: full) }
            }
            return missing
        }
    }

    static func documentation() throws -> Documentation {
        let url = CLI.repositoryRoot.appendingPathComponent("docs/json-results.md")
        return Documentation(markdown: try String(contentsOf: url, encoding: .utf8))
    }

    /// Runs synk, expects a result (exit 0, or 1 for a quality flag) and parses its standard output as JSON.
    static func result(_ arguments: [String]) throws -> Any {
        let run = try CLI.run(arguments, timeout: 300)
        #expect(run.status == 0 || run.status == 1, "\(arguments): exit \(run.status): \(run.stderr)")
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
    }

    /// The keys at `path` (`pairs[].affected`) of a parsed result: the union over every element of every array on
    /// the way, so that a test can check that the run it relies on really produced the object.
    static func keys(of value: Any, at path: [String]) -> Set<String> {
        if let array = value as? [Any] { return array.reduce(into: Set<String>()) { $0.formUnion(keys(of: $1, at: path)) } }
        guard let object = value as? [String: Any] else { return [] }
        guard let first = path.first else { return Set(object.keys) }
        return object[first].map { keys(of: $0, at: Array(path.dropFirst())) } ?? []
    }

    // MARK: Tests

    @Test("the document's parser sees what it should: data-keyed dictionaries marked, an unlisted key reported with its path")
    func parserReadsTheDocument() throws {
        let documentation = try Self.documentation()
        #expect(documentation.objects["synkinesis"]?["pairs[].affected"]?["crosstalk_sources"] == true)
        #expect(documentation.objects["synkinesis"]?["pairs[].healthy"]?["r"] == false)
        #expect(documentation.objects["info"]?[""]?["metadata"] == true)
        #expect(documentation.objects["ncs"]?["input"]?["sha256"] == false, "the shared input block applies to every command")
        #expect(documentation.objects["blink"]?["parameters.window"]?["pre_stimulus_ms"] == false)
        #expect(documentation.objects["info"]?["pairs[]"] == nil, "a synkinesis object is not listed for info")
        // A result with one new field at depth: reported by its full path, nothing else.
        let invented: [String: Any] = ["synk_version": "x", "pairs": [["task": "smile", "affected": ["r": 0.5, "new_measure": 1.0]]],
                                       "paresis": ["muscles": ["OOc": 0.5, "ANYTHING": 1.0], "factor": 1.0]]
        #expect(documentation.undocumented(in: invented, command: "synkinesis") == ["pairs[].affected.new_measure"])
        #expect(documentation.csvColumns["synkinesis_pairs.csv"]?.isSuperset(of: ["file", "bids_task", "decision", "p_bh"]) == true)
    }

    @Test("synk synkinesis --format json: every key is documented (HDF5 defaults; BIDS WAV with sidecars, montage and events overrides, a one-sided muscle, an unknown task, a notch and a linear envelope)")
    func synkinesisFieldsAreDocumented() throws {
        let documentation = try Self.documentation()
        let plain = try Self.result(["synkinesis", Self.sunnybrook, "--format", "json"])
        #expect(documentation.undocumented(in: plain, command: "synkinesis") == [])

        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // ZYG on the left only (a missing_side gap), the other channels unlisted (unmapped gaps).
        let montage = dir.appendingPathComponent("montage.json")
        try #"{"channels": [{"label": "OOc-L", "muscle": "OOc", "side": "left"}, {"label": "OOc-R", "muscle": "OOc", "side": "right"}, {"label": "OOr-L", "muscle": "OOr", "side": "left"}, {"label": "OOr-R", "muscle": "OOr", "side": "right"}, {"label": "ZYG-L", "muscle": "ZYG", "side": "left"}]}"#
            .write(to: montage, atomically: true, encoding: .utf8)
        // An event no catalogue knows: a task gap.
        let events = dir.appendingPathComponent("events.tsv")
        try "onset\tduration\ttrial_type\n12.19\t1.75\teye_closure\n15.32\t1.99\teye_closure\n18.77\t1.97\teye_closure\n40.0\t1.0\tyawn\n"
            .write(to: events, atomically: true, encoding: .utf8)
        let overridden = try Self.result(["synkinesis", Self.bidsWAV, "--montage", montage.path, "--events", events.path, "--affected", "right",
                                          "--notch", "50", "--envelope", "linear:6hz", "--format", "json"])
        // The run must really hold the objects it is here for.
        #expect(Self.keys(of: overridden, at: ["input", "sidecars"]).contains("supplied"))
        #expect(Self.keys(of: overridden, at: ["input", "overrides"]).contains("stated_by"))
        #expect(Self.keys(of: overridden, at: ["montage_gaps"]).isSuperset(of: ["missing_side", "label"]))
        #expect(Self.keys(of: overridden, at: ["task_gaps"]).contains("onset_s"))
        #expect(Self.keys(of: overridden, at: ["conditioning"]).contains("notch"))
        #expect(Self.keys(of: overridden, at: ["conditioning", "envelope"]) == ["linear"])
        #expect(documentation.undocumented(in: overridden, command: "synkinesis") == [])
    }

    @Test("synk synkinesis and synk info --json on a simulated recording with a flat channel and a NaN gap in another: every key is documented (an excluded_by_quality gap, first_non_finite_s)")
    func qualityFieldsAreDocumented() throws {
        let documentation = try Self.documentation()
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let parameters = dir.appendingPathComponent("p.json")
        try #"{"artefacts": [{"channel": "OOr-L", "kind": "flat"}, {"channel": "FRO-L", "kind": "nan_gap", "start_s": 2, "end_s": 2.5}]}"#
            .write(to: parameters, atomically: true, encoding: .utf8)
        let recording = dir.appendingPathComponent("r.csv").path  // CSV keeps NaN gaps
        let simulated = try CLI.run(["simulate", "synkinesis", "--parameters", parameters.path, "-o", recording, "--seed", "3",
                                     "--sample-rate", "1000", "--contraction", "1.5", "--rest", "1.5"], timeout: 300)
        try #require(simulated.status == 0, "\(simulated.stderr)")
        let result = try Self.result(["synkinesis", recording, "--format", "json"])
        let gaps = (result as? [String: Any])?["montage_gaps"] as? [[String: Any]] ?? []
        #expect(gaps.contains { $0["kind"] as? String == "excluded_by_quality" && $0["label"] as? String == "OOr-L" }, "\(gaps)")
        #expect(Self.keys(of: result, at: ["quality"]).contains("first_non_finite_s"))
        #expect(documentation.undocumented(in: result, command: "synkinesis") == [])
        let report = try Self.result(["info", recording, "--json"])
        #expect(documentation.undocumented(in: report, command: "info") == [])
    }

    @Test("synk ncs --format json: every key is documented (the ENoG sample; a CSV study with an unrecognised channel and a mains notch)")
    func ncsFieldsAreDocumented() throws {
        let documentation = try Self.documentation()
        let sample = try Self.result(["ncs", Self.enog, "--format", "json"])
        #expect(documentation.undocumented(in: sample, command: "ncs") == [])

        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (recording, _) = try EvokedCLITests.study()
        let labels = recording.channels.map { $0.label == "NAS-L" ? "soleus" : $0.label }
        let (csv, stimuli) = try EvokedCLITests.export(recording, to: dir, labels: labels)
        let excluded = try Self.result(["ncs", csv, "--stimuli", stimuli, "--notch", "50:3", "--format", "json"])
        #expect(Self.keys(of: excluded, at: ["excluded_channels"]).contains("reason"))
        #expect(Self.keys(of: excluded, at: ["responses", "mains"]).contains("fit_s"))
        #expect(Self.keys(of: excluded, at: ["parameters", "notch"]).contains("frequency_hz"))
        #expect(documentation.undocumented(in: excluded, command: "ncs") == [])
    }

    @Test("synk blink --format json: every key is documented (the blink-reflex sample)")
    func blinkFieldsAreDocumented() throws {
        let documentation = try Self.documentation()
        let sample = try Self.result(["blink", Self.blink, "--format", "json"])
        #expect(Self.keys(of: sample, at: ["spread"]).contains("onset_latency_ms"))
        #expect(Self.keys(of: sample, at: ["side_differences"]).contains("norm_check"))
        #expect(documentation.undocumented(in: sample, command: "blink") == [])
    }

    @Test("synk info --json: every key is documented (an HDF5 file; a BIDS WAV with sidecars and metadata)")
    func infoFieldsAreDocumented() throws {
        let documentation = try Self.documentation()
        for file in [Self.sunnybrook, Self.bidsWAV, Self.enog] {
            let report = try Self.result(["info", file, "--json"])
            #expect(documentation.undocumented(in: report, command: "info") == [], "\(file)")
        }
        let bids = try Self.result(["info", Self.bidsWAV, "--json"])
        #expect(Self.keys(of: bids, at: ["input", "sidecars"]).contains("path"))
    }

    @Test("synk batch: every column of synkinesis_pairs.csv, ncs_responses.csv, blink_components.csv, errors.csv, not_applicable.csv and skipped.csv is documented, and the stored results' keys too")
    func batchTablesAreDocumented() throws {
        let documentation = try Self.documentation()
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = dir.appendingPathComponent("manifest.csv")
        try (["path"] + [Self.sunnybrook, Self.enog, Self.blink]).joined(separator: "\n").appending("\n")
            .write(to: manifest, atomically: true, encoding: .utf8)
        let results = dir.appendingPathComponent("results")
        let run = try CLI.run(["batch", manifest.path, "-o", results.path, "--analyses", "synkinesis,ncs,blink", "--jobs", "1"], timeout: 600)
        #expect(run.status == 0 || run.status == 1, "exit \(run.status): \(run.stderr)")
        for table in ["synkinesis_pairs.csv", "ncs_responses.csv", "blink_components.csv", "errors.csv", "not_applicable.csv", "skipped.csv"] {
            let text = try String(contentsOf: results.appendingPathComponent(table), encoding: .utf8)
            let header = try #require(text.split(separator: "\n").first, "\(table) is empty")
            let columns = header.split(separator: ",").map(String.init)
            let documented = documentation.csvColumns[table] ?? []
            #expect(!columns.isEmpty && columns.allSatisfy(documented.contains), "\(table): undocumented columns \(columns.filter { !documented.contains($0) })")
        }
        let stored = try FileManager.default.contentsOfDirectory(atPath: results.appendingPathComponent("results").path).filter { $0.hasSuffix(".json") }
        #expect(stored.count == 3, "\(stored)")
        for name in stored {
            let command = try #require(Documentation.commands.first { name.hasSuffix(".\($0).json") }, "\(name)")
            let data = try Data(contentsOf: results.appendingPathComponent("results/\(name)"))
            #expect(documentation.undocumented(in: try JSONSerialization.jsonObject(with: data), command: command) == [], "\(name)")
        }
    }
}
