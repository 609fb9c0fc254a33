import Foundation
import Testing
import SynkCore
import SynkIO
import SynkSim

/// The `synk` binary tried as a new user would, on the cases of issue 20: every mistake is caught before any work
/// with one line naming the file and the fix, every override of what a file states is said, nothing partial is left.
/// Each test fails on the binary built before issue 20 (run them against it with `SYNK_TEST_BINARY`).
@Suite("No surprises at the command line (issue 20)", .serialized)
struct NoSurprisesTests {
    static let sample = CLI.repositoryRoot.appendingPathComponent("SampleData")
    static var sunnybrook: String { sample.appendingPathComponent("hdf5/sub-01_ses-1_sunnybrook.h5").path }
    static var enog: String { sample.appendingPathComponent("hdf5/sub-01_ses-1_enog.h5").path }
    static var blink: String { sample.appendingPathComponent("hdf5/sub-01_ses-1_blink.h5").path }
    static var bidsWAV: String { sample.appendingPathComponent("bids/sub-01/ses-1/emg/sub-01_ses-1_task-sunnybrook_emg.wav").path }

    /// Runs synk in `dir` (relative paths as a user types them).
    static func synk(_ arguments: [String], in dir: URL, timeout: Double = 120) throws -> CLI.Result {
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(dir.path)
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        return try CLI.run(arguments, timeout: timeout)
    }

    static func files(in dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func overrides(_ result: [String: Any]) -> [[String: Any]] {
        ((result["input"] as? [String: Any])?["overrides"] as? [[String: Any]]) ?? []
    }

    /// A 32-bit float WAV with no metadata at all: its channels have no labels (synk calls them ch1…chN), as a WAV
    /// from most acquisition software.
    static func writePlainWAV(_ recording: Recording, to path: String) throws {
        let channels = recording.channels.count, frames = recording.frameCount
        var data = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        let bytes = UInt32(frames * channels * 4)
        data.append(contentsOf: Array("RIFF".utf8)); u32(36 + bytes); data.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(3); u16(UInt16(channels)); u32(UInt32(recording.sampleRate)); u32(UInt32(recording.sampleRate) * UInt32(channels * 4))
        u16(UInt16(channels * 4)); u16(32)
        data.append(contentsOf: Array("data".utf8)); u32(bytes)
        var samples = [Float](repeating: 0, count: frames * channels)
        for c in 0..<channels { for i in 0..<frames { samples[i * channels + c] = recording.samples[c][i] } }
        samples.withUnsafeBytes { data.append(contentsOf: $0) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    // MARK: simulate leaves nothing partial

    @Test("simulate -o long.wav (no BIDS name) works as help says: the WAV and its truth, no sidecars; every name is checked before anything is written")
    func simulatePlainWAV() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try Self.synk(["simulate", "blink", "-o", "long.wav", "--sample-rate", "5000"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.files(in: dir) == ["long.wav", "long_truth.json"])
        // The labels travel inside the WAV.
        let info = try Self.synk(["info", "long.wav", "--json"], in: dir)
        #expect(info.status == 0, "\(info.stderr)")
        let labels = (try Self.json(info.stdout)["channels"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
        #expect(labels.contains("OOc-L") && labels.contains("OOc-R"), "\(labels)")

        // A BIDS name gets its sidecars; a sidecar name that cannot be written (a folder in its place) stops the
        // command before the simulation runs, and nothing at all is written.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub-01_task-x_events.tsv"), withIntermediateDirectories: false)
        let blocked = try Self.synk(["simulate", "blink", "-o", "sub-01_task-x_emg.wav", "--sample-rate", "5000"], in: dir)
        #expect(blocked.status == 4, "\(blocked.stderr)")
        #expect(blocked.stderr.contains("sub-01_task-x_events.tsv") && blocked.stderr.split(separator: "\n").count == 1, "\(blocked.stderr)")
        #expect(try Self.files(in: dir) == ["long.wav", "long_truth.json", "sub-01_task-x_events.tsv"])
        try FileManager.default.removeItem(at: dir.appendingPathComponent("sub-01_task-x_events.tsv"))
        let bids = try Self.synk(["simulate", "blink", "-o", "sub-01_task-x_emg.wav", "--sample-rate", "5000"], in: dir)
        #expect(bids.status == 0, "\(bids.stderr)")
        #expect(try Self.files(in: dir) == ["long.wav", "long_truth.json", "sub-01_task-x_channels.tsv", "sub-01_task-x_emg.json",
                                            "sub-01_task-x_emg.wav", "sub-01_task-x_emg_truth.json", "sub-01_task-x_events.tsv"])
        // A bad --recorded-at is a usage error before the simulation, not after it.
        let badDate = try Self.synk(["simulate", "ncs", "-o", "late.h5", "--recorded-at", "yesterday"], in: dir)
        #expect(badDate.status == 2 && badDate.seconds < 20, "\(badDate.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("late.h5").path))
    }

    // MARK: format and extension agree

    @Test("--format and -o's extension agree or the command refuses (exit 2, one line, nothing written, before any work); without --format the extension chooses")
    func formatAndExtension() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let refused: [[String]] = [
            ["synkinesis", Self.sunnybrook, "--format", "csv", "-o", "out.json"],
            ["synkinesis", Self.sunnybrook, "--format", "json", "-o", "out.csv"],
            ["synkinesis", Self.sunnybrook, "-o", "out.wav"],
            ["ncs", Self.enog, "--format", "csv", "-o", "out.json"],
            ["blink", Self.blink, "--format", "text", "-o", "out.html"],
            ["report", Self.sunnybrook, "--format", "md", "-o", "r.html"],
            ["report", Self.sunnybrook, "--format", "html", "-o", "r.md"],
            ["report", Self.sunnybrook, "-o", "r.json"],
        ]
        for arguments in refused {
            // The recording is replaced by a missing file: the refusal must come before any file is looked at.
            let early = try Self.synk(arguments.map { $0.hasSuffix(".h5") ? "missing.h5" : $0 }, in: dir)
            #expect(early.status == 2, "\(arguments): \(early.status) \(early.stderr)")
            let run = try Self.synk(arguments, in: dir)
            #expect(run.status == 2, "\(arguments): \(run.status) \(run.stderr)")
            #expect(run.stderr.hasPrefix("synk: \(arguments.last!): ") && run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
            #expect(run.stderr.contains("name it"), "\(run.stderr)")
        }
        #expect(try Self.files(in: dir).isEmpty)

        // Without --format the extension chooses; .txt takes any plain-text format.
        #expect(try Self.synk(["synkinesis", Self.sunnybrook, "-o", "res.json"], in: dir).status == 0)
        #expect(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("res.json"))) is [String: Any])
        #expect(try Self.synk(["ncs", Self.enog, "-o", "ncs.csv"], in: dir).status == 0)
        #expect(try String(contentsOf: dir.appendingPathComponent("ncs.csv"), encoding: .utf8).hasPrefix("branch,") ||
                String(contentsOf: dir.appendingPathComponent("ncs.csv"), encoding: .utf8).contains(","))
        #expect(try Self.synk(["report", Self.sunnybrook, "-o", "r.md"], in: dir).status == 0)
        #expect(try String(contentsOf: dir.appendingPathComponent("r.md"), encoding: .utf8).hasPrefix("# "))
        #expect(try Self.synk(["synkinesis", Self.sunnybrook, "--format", "json", "-o", "res.txt"], in: dir).status == 0)
        #expect(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("res.txt"))) is [String: Any])
        // The explicit way to any name: standard output, redirected by the shell.
        let piped = try CLI.run(["synkinesis", Self.sunnybrook, "--format", "csv"])
        #expect(piped.status == 0 && piped.stdout.hasPrefix("task,driver,follower"))
    }

    // MARK: overrides are said

    @Test("--affected right on a recording that states left is shown in the text output, recorded in the JSON and noted on stderr for JSON; agreeing settings are no override")
    func affectedSideOverride() throws {
        let text = try CLI.run(["synkinesis", Self.sunnybrook, "--affected", "right"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("OVERRIDE: affected side right as given although \(Self.sunnybrook) states left"), "\(text.stdout.prefix(600))")
        let json = try CLI.run(["synkinesis", Self.sunnybrook, "--affected", "right", "--format", "json"])
        let overrides = Self.overrides(try Self.json(json.stdout))
        #expect(overrides.count == 1)
        #expect(overrides.first?["setting"] as? String == "affected_side" && overrides.first?["stated"] as? String == "left"
                && overrides.first?["used"] as? String == "right" && overrides.first?["stated_by"] as? String == Self.sunnybrook)
        #expect(json.stderr.hasPrefix("synk: note: affected side right as given") && json.stderr.split(separator: "\n").count == 1, "\(json.stderr)")
        let agreeing = try CLI.run(["synkinesis", Self.sunnybrook, "--affected", "left", "--format", "json"])
        #expect(Self.overrides(try Self.json(agreeing.stdout)).isEmpty && agreeing.stderr.isEmpty)
        #expect(((try Self.json(agreeing.stdout)["input"] as? [String: Any])?["overrides"] as? [Any]) != nil, "overrides is always present")

        // The evoked commands alike: the sample ENoG study states a left palsy.
        let ncs = try CLI.run(["ncs", Self.enog, "--affected", "right", "--format", "json"])
        let ncsOverrides = Self.overrides(try Self.json(ncs.stdout))
        #expect(ncsOverrides.contains { $0["setting"] as? String == "affected_side" && $0["stated"] as? String == "left" }, "\(ncs.stdout.prefix(400))")
        let ncsText = try CLI.run(["ncs", Self.enog, "--affected", "right"])
        #expect(ncsText.stdout.contains("OVERRIDE: affected side right as given"))
    }

    @Test("a montage file, an events file and a stimuli table that replace what the recording or its sidecars state are recorded as overrides, naming the file that stated it")
    func fileOverrides() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A montage that swaps two channels of the recording's own mapping, and says the right side is affected.
        let montage = dir.appendingPathComponent("m.json").path
        try #"{"affected_side":"right","channels":[{"label":"OOc-L","muscle":"ZYG","side":"left"},{"label":"ZYG-L","muscle":"OOc","side":"left"},{"label":"OOc-R","muscle":"OOc","side":"right"},{"label":"ZYG-R","muscle":"ZYG","side":"right"}]}"#
            .write(toFile: montage, atomically: true, encoding: .utf8)
        let run = try CLI.run(["synkinesis", Self.sunnybrook, "--montage", montage, "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try Self.json(run.stdout)
        let overrides = Self.overrides(result)
        let mapping = try #require(overrides.first { $0["setting"] as? String == "montage" })
        #expect((mapping["note"] as? String ?? "").contains("OOc-L = ZYG left (file: OOc left)"))
        #expect(mapping["stated_by"] as? String == Self.sunnybrook)
        #expect(overrides.contains { $0["setting"] as? String == "affected_side" && $0["used"] as? String == "right" && ($0["note"] as? String ?? "").contains("from \(montage)") })
        // The EMG channels the montage leaves out are listed, with the reason.
        let gaps = result["montage_gaps"] as? [[String: Any]] ?? []
        #expect(gaps.contains { $0["label"] as? String == "FRO-L" && $0["kind"] as? String == "unmapped" && ($0["reason"] as? String ?? "").contains("not in the montage") })

        // Events over a BIDS events.tsv sidecar: stated by the sidecar.
        let events = dir.appendingPathComponent("tasks.tsv").path
        try "onset\tduration\ttrial_type\n5\t3\tsmile\n15\t3\tsmile\n".write(toFile: events, atomically: true, encoding: .utf8)
        let bids = try CLI.run(["synkinesis", Self.bidsWAV, "--events", events, "--format", "json"])
        #expect([0, 1].contains(bids.status), "\(bids.stderr)")
        let eventOverride = try #require(Self.overrides(try Self.json(bids.stdout)).first { $0["setting"] as? String == "events" })
        #expect((eventOverride["stated_by"] as? String ?? "").hasSuffix("sub-01_ses-1_task-sunnybrook_events.tsv"))
        #expect(eventOverride["used"] as? String == "2 events from \(events)")

        // A stimuli table over the stimuli the ENoG recording lists.
        let stimuli = dir.appendingPathComponent("stimuli.csv").path
        try "time_s,intensity_ma,side\n0.5,40,left\n1.0,40,left\n1.5,40,right\n2.0,40,right\n".write(toFile: stimuli, atomically: true, encoding: .utf8)
        let ncs = try CLI.run(["ncs", Self.enog, "--stimuli", stimuli, "--format", "json"])
        #expect(Self.overrides(try Self.json(ncs.stdout)).contains { $0["setting"] as? String == "stimuli" && $0["used"] as? String == "4 stimuli from \(stimuli)" },
                "\(ncs.stderr)")

        // The report says it too.
        let report = try CLI.run(["report", Self.sunnybrook, "--affected", "right", "--format", "md"])
        #expect(report.stdout.contains("Overrides of what the recording states: affected side right as given"), "\(report.stderr)")
    }

    // MARK: text that is not a recording

    @Test("a README, a changelog or source code given as a recording: exit 3 'not a recognised recording', with or without --rate, as for notes.txt")
    func proseIsNotARecording() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let notes = dir.appendingPathComponent("notes.txt").path
        try "Patient seen today\nall good\n".write(toFile: notes, atomically: true, encoding: .utf8)
        for file in ["README.md", "CHANGELOG.md", "Package.swift", "docs/architecture.md"].map({ CLI.repositoryRoot.appendingPathComponent($0).path }) + [notes] {
            for arguments in [["synkinesis", file], ["synkinesis", file, "--rate", "1000"], ["info", file], ["ncs", file, "--rate", "20000"]] {
                let run = try CLI.run(arguments)
                #expect(run.status == 3, "\(arguments): \(run.status) \(run.stderr)")
                #expect(run.stderr.hasPrefix("synk: \(file): not a recognised recording") && run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
            }
        }
        // A table of numbers with a prose-like header is still a recording.
        let csv = dir.appendingPathComponent("emg.csv").path
        try "time, left eye (uV), right eye (uV)\n0,1,2\n0.001,NaN,3\n0.002,2,4\n".write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["info", csv]).status == 0)
    }

    // MARK: channels.tsv as montage

    @Test("--montage channels.tsv on a WAV without labels maps the channels by position, exactly as the same file does as a BIDS sidecar")
    func positionalChannelsTSV() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var parameters = try #require(SynkinesisSimulation.preset(named: "patient-left-session1"))
        parameters.sampleRate = 1000
        parameters.tasks = parameters.tasks.prefix(2).map { var t = $0; t.contractionSeconds = 1.5; t.restSeconds = 1.5; return t }
        let (recording, _) = try SynkinesisSimulation.simulate(parameters, seed: 3)
        let plain = dir.appendingPathComponent("rec.wav").path
        try Self.writePlainWAV(recording, to: plain)
        var tsv = "name\ttype\tunits\ttarget_muscle\n"
        for channel in recording.channels {
            tsv += "\(channel.label)\tEMG\tµV\t\(channel.muscle!.name) \(channel.side!.rawValue)\n"
        }
        let montage = dir.appendingPathComponent("rec_channels.tsv").path
        try tsv.write(toFile: montage, atomically: true, encoding: .utf8)
        // The same file as the sidecar of the same WAV under a BIDS name.
        let bidsFolder = dir.appendingPathComponent("bids")
        try FileManager.default.createDirectory(at: bidsFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: plain, toPath: bidsFolder.appendingPathComponent("sub-01_task-x_emg.wav").path)
        try FileManager.default.copyItem(atPath: montage, toPath: bidsFolder.appendingPathComponent("sub-01_task-x_channels.tsv").path)

        let viaMontage = try CLI.run(["synkinesis", plain, "--montage", montage, "--format", "json"])
        #expect(viaMontage.status == 0, "\(viaMontage.stderr)")
        let viaSidecar = try CLI.run(["synkinesis", bidsFolder.appendingPathComponent("sub-01_task-x_emg.wav").path, "--format", "json"])
        #expect(viaSidecar.status == 0, "\(viaSidecar.stderr)")
        var a = try Self.json(viaMontage.stdout), b = try Self.json(viaSidecar.stdout)
        a["input"] = nil
        b["input"] = nil
        #expect(NSDictionary(dictionary: a).isEqual(to: b), "the montage and the sidecar give different results")
        #expect((a["montage"] as? [[String: Any]])?.count == recording.channels.count)
        #expect(((a["quality"] as? [[String: Any]])?.first?["channel"] as? String) == recording.channels[0].label)

        // A recording with labels of its own is still matched by name: a channels.tsv of other names is an error naming it.
        let renamed = dir.appendingPathComponent("other_channels.tsv").path
        try tsv.replacingOccurrences(of: "OOc-L", with: "EMG7").write(toFile: renamed, atomically: true, encoding: .utf8)
        let labelled = try CLI.run(["synkinesis", Self.sunnybrook, "--montage", renamed])
        #expect(labelled.status == 3 && labelled.stderr.contains("EMG7"), "\(labelled.stderr)")
        // By position, the row count must match, as for a sidecar.
        try tsv.split(separator: "\n").dropLast().joined(separator: "\n").write(toFile: renamed, atomically: true, encoding: .utf8)
        let short = try CLI.run(["synkinesis", plain, "--montage", renamed])
        #expect(short.status == 3 && short.stderr.contains("lists \(recording.channels.count - 1) channels"), "\(short.stderr)")
    }

    // MARK: Ctrl-C in batch

    @Test("Ctrl-C during batch: the analyses in progress finish, nothing else starts, the command to resume is printed (exit 130); a second Ctrl-C stops at once; resuming completes the run")
    func interruptedBatch() throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dataset = root.appendingPathComponent("dataset")
        let files = try BatchCLITests.makeDataset(dataset, count: 4, broken: false)
        let results = root.appendingPathComponent("results").path
        let process = try BatchCLITests.start(["batch", dataset.path, "-o", results, "--jobs", "1"], environment: ["SYNK_BATCH_TEST_DELAY_MS": "1500"])
        let stderr = process.standardError as! Pipe
        nonisolated(unsafe) var output = Data()
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { output = stderr.fileHandleForReading.readDataToEndOfFile(); finished.signal() }
        let deadline = Date().addingTimeInterval(90)
        while try BatchCLITests.recordedFiles(results).isEmpty, process.isRunning, Date() < deadline { usleep(20_000) }
        #expect(process.isRunning, "the batch finished before it could be interrupted")
        kill(process.processIdentifier, SIGINT)
        #expect(finished.wait(timeout: .now() + 60) == .success)
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(text)")
        #expect(text.contains("synk batch: stopping: the analyses in progress finish"), "\(text)")
        #expect(text.contains("To continue: synk batch \(dataset.path) -o \(results) --jobs 1 --resume"), "\(text)")
        let before = try BatchCLITests.recordedFiles(results)
        #expect(!before.isEmpty && before.count < files.count, "\(before)")
        #expect(!FileManager.default.fileExists(atPath: results + "/synkinesis_pairs.csv"), "a stopped run must not merge")
        for folder in ["", "/results", "/records", "/errors"] {
            #expect(try FileManager.default.contentsOfDirectory(atPath: results + folder).allSatisfy { !$0.hasSuffix(".tmp") })
        }

        // Two Ctrl-C: the second stops at once, long before the analysis in progress would end.
        // Signalled once an analysis has started (its trace line is written), so the handler is surely in place.
        let started = root.appendingPathComponent("started.tsv").path
        let again = try BatchCLITests.start(["batch", dataset.path, "-o", results, "--jobs", "1", "--resume"],
                                            environment: ["SYNK_BATCH_TEST_DELAY_MS": "20000", "SYNK_BATCH_TRACE": started])
        let againErr = again.standardError as! Pipe
        nonisolated(unsafe) var againOutput = Data()
        let againDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { againOutput = againErr.fileHandleForReading.readDataToEndOfFile(); againDone.signal() }
        while (try? String(contentsOfFile: started, encoding: .utf8))?.isEmpty ?? true, again.isRunning, Date() < deadline { usleep(20_000) }
        kill(again.processIdentifier, SIGINT)
        usleep(300_000)
        let sent = Date()
        kill(again.processIdentifier, SIGINT)
        #expect(againDone.wait(timeout: .now() + 15) == .success)
        again.waitUntilExit()
        #expect(Date().timeIntervalSince(sent) < 10)
        let againText = String(decoding: againOutput, as: UTF8.self)
        #expect(again.terminationStatus == 130 && againText.contains("stopped at once") && againText.contains("--resume"), "\(againText)")

        // Resuming completes the run without analysing again what was finished.
        let traceFile = root.appendingPathComponent("trace.tsv").path
        let resumed = try BatchCLITests.synk(["batch", dataset.path, "-o", results, "--jobs", "1", "--resume"], environment: ["SYNK_BATCH_TRACE": traceFile])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let analysed = Set(try String(contentsOfFile: traceFile, encoding: .utf8).split(separator: "\n").map { String($0.split(separator: "\t")[0]) })
        #expect(analysed.isDisjoint(with: before))
        #expect(try BatchCLITests.recordedFiles(results) == Set(files))
        #expect(FileManager.default.fileExists(atPath: results + "/synkinesis_pairs.csv"))
    }

    @Test("Ctrl-C during synk filter: exit 130 and no file left behind, not even the hidden temporary one")
    func interruptedFilter() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("long.wav").path
        #expect(try CLI.run(["simulate", "synkinesis", "-o", input, "--sample-rate", "8000"], timeout: 300).status == 0)
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["filter", input, "-o", dir.appendingPathComponent("out.wav").path, "--envelope", "rms:100ms"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Signalled once the output's temporary file exists: the writing has begun.
        var seen = false
        let deadline = Date().addingTimeInterval(60)
        while !seen, process.isRunning, Date() < deadline {
            seen = try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasPrefix(".out.wav.") }
            if !seen { usleep(5_000) }
        }
        #expect(seen, "the filter finished before it could be interrupted")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 130)
        #expect(try Self.files(in: dir) == ["long.wav", "long_truth.json"])
    }

    // MARK: what was written

    @Test("synk filter and synk simulate say what they wrote (path, channels, rate, duration) on standard error when it is a terminal, and nothing otherwise")
    func summaryOnTerminal() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let simulated = dir.appendingPathComponent("sim.h5").path
        let terminal = try CLI.runWithTerminalStderr(["simulate", "ncs", "-o", simulated, "--sample-rate", "10000"])
        #expect(terminal.status == 0, "\(terminal.stderr)")
        #expect(terminal.stderr.trimmingCharacters(in: .whitespacesAndNewlines) == "synk: wrote \(simulated): 8 channels, 10000 Hz, 4.850 s (with sim_truth.json)",
                "\(terminal.stderr)")
        let filtered = dir.appendingPathComponent("envelopes.wav").path
        let filter = try CLI.runWithTerminalStderr(["filter", Self.sunnybrook, "-o", filtered, "--envelope", "rms:100ms", "--decimate", "100"])
        #expect(filter.status == 0, "\(filter.stderr)")
        #expect(filter.stderr.trimmingCharacters(in: .whitespacesAndNewlines) == "synk: wrote \(filtered): 14 channels, 100 Hz, 53.290 s", "\(filter.stderr)")
        // Into a pipe (a script, a log): silent, as before.
        let quiet = try CLI.run(["filter", Self.sunnybrook, "-o", filtered])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
    }

    // MARK: typos

    @Test("a mistyped command names the nearest one (exit 2, one line); a file given without a command is pointed to synk info")
    func commandTypos() throws {
        for (typed, meant) in [("synkinesys", "synkinesis"), ("synkinsis", "synkinesis"), ("ncss", "ncs"), ("simulat", "simulate"), ("repot", "report"),
                               ("fitler", "filter"), ("Info", "info"), ("bacth", "batch")] {
            let run = try CLI.run([typed, Self.sunnybrook])
            #expect(run.status == 2, "\(typed): \(run.stderr)")
            #expect(run.stderr.hasPrefix("synk: '\(typed)' is not a synk command (did you mean '\(meant)'?") && run.stderr.split(separator: "\n").count == 1,
                    "\(typed): \(run.stderr)")
        }
        let file = try CLI.run([Self.sunnybrook])
        #expect(file.status == 2 && file.stderr.contains("synk info \(Self.sunnybrook)"), "\(file.stderr)")
        let nothing = try CLI.run(["frobnicate"])
        #expect(nothing.status == 2 && nothing.stderr.contains("commands: info, filter, synkinesis"), "\(nothing.stderr)")
        let merge = try CLI.run(["batch", "merg", "results/"])
        #expect(merge.status == 2 && merge.stderr.contains("did you mean 'synk batch merge'?"), "\(merge.stderr)")
        // Commands, help and options are untouched.
        #expect(try CLI.run(["help", "ncs"]).status == 0)
        #expect(try CLI.run(["--version"]).status == 0)
    }

    // MARK: unmapped channels

    @Test("a channel naming a muscle but no side is listed with the reason by ncs (exit 1, not a silent empty row) and by info (text and JSON)")
    func unmappedChannels() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (recording, _) = try EvokedCLITests.study()
        let labels = recording.channels.map { $0.label == "NAS-R" ? "NAS" : $0.label }
        let (csv, stimuli) = try EvokedCLITests.export(recording, to: dir, labels: labels)
        let ncs = try CLI.run(["ncs", csv, "--stimuli", stimuli, "--format", "json"], timeout: 120)
        #expect(ncs.status == 1, "\(ncs.stderr)")
        let result = try Self.json(ncs.stdout)
        let excluded = result["excluded_channels"] as? [[String: Any]] ?? []
        #expect(excluded.contains { $0["channel"] as? String == "NAS" && ($0["reason"] as? String ?? "").contains("names NAS but no side") }, "\(excluded)")
        #expect((result["flags"] as? [String] ?? []).contains("channels_unrecognised"))

        let info = try CLI.run(["info", csv])
        #expect(info.status == 0)
        #expect(info.stdout.contains("not mapped: NAS: its label names NAS but no side (left or right); the analyses leave it out"), "\(info.stdout)")
        let infoJSON = try Self.json(try CLI.run(["info", csv, "--json"]).stdout)
        let channels = infoJSON["channels"] as? [[String: Any]] ?? []
        #expect(channels.first { $0["label"] as? String == "NAS" }?["unmapped_reason"] as? String == "its label names NAS but no side (left or right)")
        #expect(channels.first { $0["label"] as? String == "NAS-L" }.map { $0["unmapped_reason"] is NSNull } == true)

        // A plain WAV: every channel unmapped, said in one line.
        let plain = dir.appendingPathComponent("plain.wav").path
        try Self.writePlainWAV(recording, to: plain)
        let wavInfo = try CLI.run(["info", plain])
        #expect(wavInfo.stdout.contains("not mapped: ch1, ch2: their labels name no facial muscle and no side synk knows"), "\(wavInfo.stdout)")
    }

    // MARK: the audit: later validation steps

    @Test("a merge that cannot write one table writes none (the previous tables stay as they were); an unreadable manifest leaves no results folder; a report of two patients is refused before any analysis")
    func laterValidation() throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dataset = root.appendingPathComponent("dataset")
        _ = try BatchCLITests.makeDataset(dataset, count: 2, broken: false)
        let results = root.appendingPathComponent("results").path
        #expect(try BatchCLITests.synk(["batch", dataset.path, "-o", results]).status == 0)
        let pairs = results + "/synkinesis_pairs.csv"
        let errors = results + "/errors.csv"
        let notApplicable = results + "/not_applicable.csv"
        let tableBefore = try Data(contentsOf: URL(fileURLWithPath: notApplicable))
        try FileManager.default.removeItem(atPath: pairs)
        // A damaged error file is found before anything is written (as since issue 21) …
        try "{ damaged".write(toFile: results + "/errors/sub-09.synkinesis.json", atomically: true, encoding: .utf8)
        let merge = try BatchCLITests.synk(["batch", "merge", results])
        #expect(merge.status == 3 && merge.stderr.contains("damaged"), "\(merge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: pairs), "a failed merge wrote a table")
        try FileManager.default.removeItem(atPath: results + "/errors/sub-09.synkinesis.json")
        // … and a table that cannot be written (a folder in place of errors.csv) stops the merge before any table
        // is replaced: the tables appear together or not at all.
        try FileManager.default.removeItem(atPath: errors)
        try FileManager.default.createDirectory(atPath: errors, withIntermediateDirectories: false)
        let blocked = try BatchCLITests.synk(["batch", "merge", results])
        #expect(blocked.status == 4 && blocked.stderr.contains("errors.csv"), "\(blocked.stderr)")
        #expect(!FileManager.default.fileExists(atPath: pairs), "a failed merge wrote a table")
        #expect(try Data(contentsOf: URL(fileURLWithPath: notApplicable)) == tableBefore)
        #expect(try FileManager.default.contentsOfDirectory(atPath: results).allSatisfy { !$0.hasPrefix(".synk-staged") })

        let manifest = root.appendingPathComponent("manifest.csv").path
        try "file,affected\na.h5,left\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        let fresh = root.appendingPathComponent("fresh").path
        let bad = try BatchCLITests.synk(["batch", manifest, "-o", fresh])
        #expect(bad.status == 3 && bad.stderr.contains("no 'path' column"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fresh), "an unreadable manifest left a results folder")

        // Two patients: refused before the analyses, so a montage that would fail the analysis is never read.
        let other = root.appendingPathComponent("other.h5").path
        #expect(try CLI.run(["simulate", "blink", "-o", other, "--subject", "02", "--sample-rate", "5000"]).status == 0)
        let montage = root.appendingPathComponent("wrong.json").path
        try #"{"channels":[{"label":"nothing","muscle":"OOc","side":"left"}]}"#.write(toFile: montage, atomically: true, encoding: .utf8)
        let report = try CLI.run(["report", Self.sunnybrook, other, "--montage", montage, "-o", root.appendingPathComponent("r.html").path])
        #expect(report.status == 2 && report.stderr.contains("different subjects (01, 02)"), "\(report.stderr)")
    }

    // MARK: done by others, checked here

    @Test("--envelope hilbert or tkeo is refused by synkinesis, report and batch before any file is read (exit 2); synk filter still takes them")
    func amplitudeEnvelopeOnly() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for envelope in ["hilbert", "tkeo"] {
            for arguments in [["synkinesis", "missing.h5"], ["report", "missing.h5"], ["batch", "missing", "-o", "results"]] {
                let run = try Self.synk(arguments + ["--envelope", envelope], in: dir)
                #expect(run.status == 2 && run.stderr.contains("amplitude envelope"), "\(arguments) \(envelope): \(run.stderr)")
            }
        }
        #expect(try Self.files(in: dir).isEmpty)
        let filter = try Self.synk(["filter", Self.sunnybrook, "-o", "tkeo.h5", "--envelope", "tkeo"], in: dir)
        #expect(filter.status == 0, "\(filter.stderr)")
    }
}
