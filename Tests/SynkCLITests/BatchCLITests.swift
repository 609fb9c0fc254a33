import Foundation
import Testing

/// `synk batch` as a user runs it: on a generated BIDS-like dataset, killed with SIGKILL and resumed,
/// sharded by Slurm's array variables, and checked against the single-file commands.
@Suite("synk batch: kill -9 and resume loses nothing and repeats nothing; tables equal the single-file commands")
struct BatchCLITests {
    /// Small simulated recordings: 1 kHz, 3 muscles per side, 2 tasks × 2 repetitions (≈ 9.6 s each).
    static let simulation = """
    {"affected_side":"left","muscles":[{"muscle":"OOc"},{"muscle":"ZYG"},{"muscle":"OOr"}],
     "tasks":[{"name":"eye_closure","drivers":["OOc"],"repetitions":2},{"name":"smile","drivers":["ZYG"],"repetitions":2}],
     "couplings":[{"driver":"OOc","follower":"OOr","gain":0.4}]}
    """

    struct Run {
        var status: Int32
        var stderr: String
    }

    /// Runs `synk` with extra environment variables; stdout is discarded, stderr returned.
    static func synk(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 120) throws -> Run {
        let process = try start(arguments, environment: environment)
        let err = process.standardError as! Pipe
        nonisolated(unsafe) var stderr = Data()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { stderr = err.fileHandleForReading.readDataToEndOfFile(); done.signal() }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw CLI.CLIError.timedOut(arguments)
        }
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("SLURM_") { env[key] = nil }
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = Pipe()
        try process.run()
        return process
    }

    /// `count` recordings (seeds 1…count) as sub-XX/ses-Y/emg/sub-XX_ses-Y_task-faces_run-1_emg.wav with
    /// EMG-BIDS sidecars, plus one truncated WAV (sub-99) that must fail as input.
    static func makeDataset(_ root: URL, count: Int, broken: Bool = true) throws -> [String] {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let parameters = root.appendingPathComponent(".simulation.json")
        try simulation.write(to: parameters, atomically: true, encoding: .utf8)
        var files: [String] = []
        for i in 1...count {
            let sub = String(format: "%02d", (i - 1) / 2 + 1), ses = (i - 1) % 2 + 1
            let relative = "sub-\(sub)/ses-\(ses)/emg/sub-\(sub)_ses-\(ses)_task-faces_run-1_emg.wav"
            try FileManager.default.createDirectory(at: root.appendingPathComponent(relative).deletingLastPathComponent(), withIntermediateDirectories: true)
            let run = try synk(["simulate", "synkinesis", "--parameters", parameters.path, "--sample-rate", "1000", "--contraction", "1",
                                "--rest", "1", "--seed", String(i), "-o", root.appendingPathComponent(relative).path])
            #expect(run.status == 0, "\(run.stderr)")
            files.append(relative)
        }
        if broken {
            let relative = "sub-99/ses-1/emg/sub-99_ses-1_task-faces_run-1_emg.wav"
            try FileManager.default.createDirectory(at: root.appendingPathComponent(relative).deletingLastPathComponent(), withIntermediateDirectories: true)
            let whole = try Data(contentsOf: root.appendingPathComponent(files[0]))
            try whole.prefix(3000).write(to: root.appendingPathComponent(relative))
            files.append(relative)
        }
        return files.sorted()
    }

    static func read(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    struct Missing: Error { var path: String }

    static func text(_ path: String) throws -> String {
        guard let data = read(path) else { throw Missing(path: path) }
        return String(decoding: data, as: UTF8.self)
    }

    static func jsonObject(_ path: String) throws -> [String: Any] {
        guard let data = read(path), let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw Missing(path: path) }
        return object
    }

    /// The dataset files with a record in `results/records`.
    static func recordedFiles(_ results: String) throws -> Set<String> {
        let folder = results + "/records"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var files = Set<String>()
        for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let object = try jsonObject(folder + "/" + name)
            files.insert(try #require(object["file"] as? String))
        }
        return files
    }

    @Test("a batch killed with SIGKILL mid-way and resumed equals an uninterrupted run byte for byte, analysing nothing twice; Slurm array shards merge to the same tables")
    func killAndResume() throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dataset = root.appendingPathComponent("dataset")
        let files = try Self.makeDataset(dataset, count: 12)
        let good = files.filter { !$0.hasPrefix("sub-99") }

        // Uninterrupted reference run: exit 3 because one file is broken, which never stops the batch.
        let reference = root.appendingPathComponent("reference").path
        let whole = try Self.synk(["batch", dataset.path, "-o", reference, "--jobs", "2"])
        #expect(whole.status == 3, "\(whole.stderr)")
        let lines = try Self.text(reference + "/synkinesis_pairs.csv").split(separator: "\n")
        // 2 tasks × 2 drivers' followers: eye_closure OOc→{OOr, ZYG}, smile ZYG→{OOr, OOc}; per file.
        #expect(lines.count == 1 + 4 * good.count)
        #expect(lines[0].hasPrefix("file,sub,ses,bids_task,run,task,driver,follower,"))
        let errors = try Self.text(reference + "/errors.csv")
        #expect(errors.split(separator: "\n").count == 2)
        #expect(errors.contains("sub-99/ses-1/emg/sub-99_ses-1_task-faces_run-1_emg.wav,synkinesis,3,"))

        // Interrupted run: one job, slowed so that SIGKILL lands mid-way, after some records exist.
        let interrupted = root.appendingPathComponent("interrupted").path
        let process = try Self.start(["batch", dataset.path, "-o", interrupted, "--jobs", "1"],
                                     environment: ["SYNK_BATCH_TEST_DELAY_MS": "300"])
        let deadline = Date().addingTimeInterval(90)
        while try Self.recordedFiles(interrupted).count < 4, process.isRunning, Date() < deadline { usleep(20_000) }
        #expect(process.isRunning, "the batch finished before it could be interrupted")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
        let before = try Self.recordedFiles(interrupted)
        #expect(before.count >= 4 && before.count < good.count)
        #expect(!FileManager.default.fileExists(atPath: interrupted + "/synkinesis_pairs.csv"))

        // Resume: only what had no record is analysed, each once.
        let trace = root.appendingPathComponent("trace.tsv").path
        let resumed = try Self.synk(["batch", dataset.path, "-o", interrupted, "--jobs", "2", "--resume"],
                                    environment: ["SYNK_BATCH_TRACE": trace])
        #expect(resumed.status == 3, "\(resumed.stderr)")
        let analysed = try Self.text(trace).split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
        #expect(analysed.count == Set(analysed).count, "a file was analysed twice in the resumed run")
        #expect(Set(analysed).isDisjoint(with: before), "a file completed before the kill was analysed again")
        #expect(Set(analysed).union(before) == Set(files))
        #expect(resumed.stderr.contains("\(before.count) resumed"))

        for name in ["synkinesis_pairs.csv", "errors.csv", "not_applicable.csv"] {
            #expect(Self.read(reference + "/" + name) == Self.read(interrupted + "/" + name), "\(name) differs after kill and resume")
        }
        let referenceResults = try FileManager.default.contentsOfDirectory(atPath: reference + "/results").sorted()
        #expect(referenceResults.count == good.count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: interrupted + "/results").filter { !$0.hasPrefix(".") }.sorted() == referenceResults)
        for name in referenceResults {
            #expect(Self.read(reference + "/results/" + name) == Self.read(interrupted + "/results/" + name), "\(name) differs")
        }

        // A 2-task Slurm array (ids 1-2, so the minimum matters) into one folder, then merge.
        let sharded = root.appendingPathComponent("sharded").path
        var sizes: [Int] = []
        for id in 1...2 {
            let task = try Self.synk(["batch", dataset.path, "-o", sharded, "--resume"],
                                     environment: ["SLURM_ARRAY_TASK_ID": String(id), "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "1"])
            #expect(task.stderr.contains("(shard \(id)/2 of \(files.count) files)"), "\(task.stderr)")
            #expect(!FileManager.default.fileExists(atPath: sharded + "/synkinesis_pairs.csv"), "a shard merged on its own")
            sizes.append(try Self.recordedFiles(sharded).count)
        }
        #expect(sizes == [6, 12]) // 13 sorted files: shard 1 takes 7 (incl. the broken one, no record), shard 2 takes 6
        let merge = try Self.synk(["batch", "merge", sharded])
        #expect(merge.status == 3) // errors.csv lists the broken file
        for name in ["synkinesis_pairs.csv", "errors.csv", "not_applicable.csv"] {
            #expect(Self.read(reference + "/" + name) == Self.read(sharded + "/" + name), "\(name) differs between shards and one process")
        }
    }

    @Test("per-file results equal synk synkinesis / synk ncs with the manifest's options; inapplicable files are listed, not failed; exit codes")
    func manifestAndAnalyses() throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let files = try Self.makeDataset(root, count: 3, broken: false)
        // A recording with a flat channel (a quality failure) and a nerve conduction recording.
        let flatParameters = root.appendingPathComponent("flat.json").path
        try Self.simulation.replacingOccurrences(of: "{\"affected_side\"", with: "{\"artefacts\":[{\"channel\":\"OOr-R\",\"kind\":\"flat\"}],\"affected_side\"")
            .write(toFile: flatParameters, atomically: true, encoding: .utf8)
        #expect(try Self.synk(["simulate", "synkinesis", "--parameters", flatParameters, "--sample-rate", "1000", "--contraction", "1", "--rest", "1",
                               "--seed", "9", "-o", root.appendingPathComponent("sub-09_task-faces_emg.wav").path]).status == 0)
        #expect(try Self.synk(["simulate", "ncs", "--seed", "2", "-o", root.appendingPathComponent("sub-10_task-enog_emg.h5").path]).status == 0)
        #expect(try Self.synk(["simulate", "blink", "--seed", "3", "-o", root.appendingPathComponent("sub-11_task-blink_emg.h5").path]).status == 0)
        try "onset\tduration\ttrial_type\n5.8\t1.0\tsmile\n7.8\t0.9\tsmile\n".write(to: root.appendingPathComponent("smile-only.tsv"), atomically: true, encoding: .utf8)
        let manifest = root.appendingPathComponent("manifest.csv")
        try """
        path,affected,events
        \(files[0]),right,
        \(files[1]),,smile-only.tsv
        \(files[2]),,
        sub-09_task-faces_emg.wav,,
        sub-10_task-enog_emg.h5,,
        sub-11_task-blink_emg.h5,,

        """.write(to: manifest, atomically: true, encoding: .utf8)
        let out = root.appendingPathComponent("results").path
        let run = try Self.synk(["batch", manifest.path, "-o", out, "--analyses", "synkinesis,ncs", "--jobs", "2"])
        // No file failed; the flat channel raised a quality flag: exit 1.
        #expect(run.status == 1, "\(run.stderr)")
        #expect(try Self.text(out + "/errors.csv") == "file,analysis,exit_code,message\n")

        // Each file's rows equal the single-file command's CSV rows with the same options.
        let pairs = try Self.text(out + "/synkinesis_pairs.csv").split(separator: "\n").map(String.init)
        let commands: [(String, [String])] = [(files[0], ["--affected", "right"]), (files[1], ["--events", root.appendingPathComponent("smile-only.tsv").path]),
                                              (files[2], []), ("sub-09_task-faces_emg.wav", [])]
        for (file, options) in commands {
            let csv = root.appendingPathComponent("single.csv").path
            let single = try Self.synk(["synkinesis", root.appendingPathComponent(file).path, "--format", "csv", "-o", csv] + options)
            #expect(single.status == (file.hasPrefix("sub-09") ? 1 : 0))
            let expected = try Self.text(csv).split(separator: "\n").dropFirst().map(String.init)
            let rows = pairs.filter { $0.hasPrefix(file + ",") }.map { line in
                // Drop file, sub, ses, bids_task, run (none of them contain commas here).
                line.split(separator: ",", maxSplits: 5, omittingEmptySubsequences: false)[5]
            }.map(String.init)
            #expect(rows == expected, "\(file)")
            #expect(!expected.isEmpty)
        }
        // The affected side column (decision sentences contain commas, so look for the column's value after the flag).
        #expect(pairs.filter { $0.hasPrefix(files[0] + ",") }.allSatisfy { $0.contains(",right,") })
        #expect(pairs.filter { $0.hasPrefix(files[1] + ",") }.allSatisfy { $0.contains(",smile,") })

        // The nerve conduction table equals `synk ncs --format csv`.
        let ncsCSV = root.appendingPathComponent("ncs.csv").path
        #expect(try Self.synk(["ncs", root.appendingPathComponent("sub-10_task-enog_emg.h5").path, "--format", "csv", "-o", ncsCSV]).status == 0)
        let ncsExpected = try Self.text(ncsCSV).split(separator: "\n").dropFirst().map(String.init)
        let ncsRows = try Self.text(out + "/ncs_responses.csv").split(separator: "\n").dropFirst().map {
            String($0.split(separator: ",", maxSplits: 5, omittingEmptySubsequences: false)[5])
        }
        #expect(ncsRows == ncsExpected && ncsExpected.count == 8)

        // The per-file JSON equals the command's JSON but for input.path and the sidecars' paths, which are
        // dataset-relative.
        let jsonPath = root.appendingPathComponent("single.json").path
        _ = try Self.synk(["synkinesis", root.appendingPathComponent(files[2]).path, "--format", "json", "-o", jsonPath])
        let resultNames = try FileManager.default.contentsOfDirectory(atPath: out + "/results")
        let resultName = try #require(resultNames.first {
            $0.hasPrefix(files[2].replacingOccurrences(of: "/", with: "_")) && $0.hasSuffix(".synkinesis.json")
        })
        var single = try Self.jsonObject(jsonPath)
        let batched = try Self.jsonObject(out + "/results/" + resultName)
        var input = try #require(single["input"] as? [String: Any])
        input["path"] = files[2]
        let sidecars = try #require(input["sidecars"] as? [[String: Any]])
        #expect(!sidecars.isEmpty)
        input["sidecars"] = sidecars.map { sidecar in
            var relative = sidecar
            relative["path"] = (sidecar["path"] as? String)?.replacingOccurrences(of: root.path + "/", with: "")
            return relative
        }
        single["input"] = input
        #expect(NSDictionary(dictionary: single).isEqual(to: batched))

        // Not applicable: ncs on the 1 kHz recordings, synkinesis on the nerve conduction recording.
        let skipped = try Self.text(out + "/not_applicable.csv").split(separator: "\n").map(String.init)
        #expect(skipped.count == 1 + 7)
        #expect(skipped.filter { $0.contains(",ncs,") && $0.contains("1000.0 Hz") }.count == 4)
        #expect(skipped.contains { $0.hasPrefix("sub-10_task-enog_emg.h5,synkinesis,") && $0.contains("stimuli") })
        #expect(skipped.contains { $0.hasPrefix("sub-11_task-blink_emg.h5,synkinesis,") && $0.contains("stimuli") })
        #expect(skipped.contains { $0.hasPrefix("sub-11_task-blink_emg.h5,ncs,") && $0.contains("supraorbital") })
    }

    @Test("usage errors exit 2: a bad --shard, an unknown analysis, --jobs 0; merge of a non-results folder exits 3")
    func usage() throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        for arguments in [["--shard", "0/2"], ["--shard", "3/2"], ["--analyses", "emg"], ["--jobs", "0"]] {
            let run = try Self.synk(["batch", root.path, "-o", root.appendingPathComponent("r").path] + arguments)
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1)
        }
        let merge = try Self.synk(["batch", "merge", root.path])
        #expect(merge.status == 3 && merge.stderr.contains("not a batch results folder"))
    }
}
