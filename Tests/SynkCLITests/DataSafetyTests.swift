import Foundation
import SynkCore
import SynkIO
import Testing

/// The `synk` binary run as a user would, on the cases of issue 21: an output never replaces an input, nothing
/// hangs on a FIFO, sidecars come only from the recording's own dataset and are named, hostile tables end
/// quickly, special and read-only outputs are refused.
@Suite("Data safety of every command (issue 21)", .serialized)
struct DataSafetyTests {
    static let sample = CLI.repositoryRoot.appendingPathComponent("SampleData")
    static var sunnybrook: String { sample.appendingPathComponent("hdf5/sub-01_ses-1_sunnybrook.h5").path }
    static var enog: String { sample.appendingPathComponent("hdf5/sub-01_ses-1_enog.h5").path }
    static var blink: String { sample.appendingPathComponent("hdf5/sub-01_ses-1_blink.h5").path }

    /// A folder with copies of the sample recordings and a small plain WAV (`x.wav`, no sidecars).
    static func workspace() throws -> URL {
        let dir = try CLI.temporaryDirectory()
        for (source, name) in [(sunnybrook, "r1.h5"), (enog, "enog.h5"), (blink, "blink.h5")] {
            try FileManager.default.copyItem(atPath: source, toPath: dir.appendingPathComponent(name).path)
        }
        let channels = ["OOc-L", "OOc-R"].map { ChannelInfo.labelled($0) }
        let samples = (0..<2).map { c in (0..<4000).map { Float(50 * sin(Double($0 + 13 * c) * 0.37)) } }
        try RecordingWriter.write(Recording(header: RecordingHeader(sampleRate: 1000, frameCount: 4000, channels: channels), samples: samples),
                                  to: dir.appendingPathComponent("x.wav").path)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("dir"), withIntermediateDirectories: true)
        return dir
    }

    /// Content and modification time, to prove an input untouched.
    static func fingerprint(_ path: String) throws -> (Data, Date) {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (try Data(contentsOf: URL(fileURLWithPath: path)), attributes[.modificationDate] as! Date)
    }

    /// Runs synk in `dir` (relative paths as a user types them).
    static func synk(_ arguments: [String], in dir: URL, timeout: Double = 60) throws -> CLI.Result {
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(dir.path)
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        return try CLI.run(arguments, timeout: timeout)
    }

    // MARK: an output is never an input

    @Test("every command refuses an output that is one of its inputs, in any spelling, with exit 2 before any work; the input is untouched")
    func outputIsInput() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "{\"channels\":[]}".write(to: dir.appendingPathComponent("montage.json"), atomically: true, encoding: .utf8)
        try "onset\tduration\ttrial_type\n1\t1\tsmile\n".write(to: dir.appendingPathComponent("events.tsv"), atomically: true, encoding: .utf8)
        try "time_s\n0.5\n".write(to: dir.appendingPathComponent("stimuli.csv"), atomically: true, encoding: .utf8)
        try "{\"name\":\"n\",\"limits\":[]}".write(to: dir.appendingPathComponent("norms.json"), atomically: true, encoding: .utf8)
        try "{}".write(to: dir.appendingPathComponent("sim_truth.json"), atomically: true, encoding: .utf8)
        let cases: [(arguments: [String], input: String)] = [
            (["filter", "x.wav", "-o", "x.wav"], "x.wav"),
            (["filter", "x.wav", "-o", "./x.wav"], "x.wav"),
            (["filter", "x.wav", "-o", "dir/../x.wav"], "x.wav"),
            (["filter", "./x.wav", "-o", dir.path + "/x.wav"], "x.wav"),
            (["synkinesis", "r1.h5", "-o", "r1.h5"], "r1.h5"),
            (["synkinesis", "r1.h5", "--montage", "montage.json", "-o", "dir/../montage.json"], "montage.json"),
            (["synkinesis", "r1.h5", "--events", "events.tsv", "--format", "csv", "-o", "events.tsv"], "events.tsv"),
            (["ncs", "enog.h5", "--stimuli", "stimuli.csv", "-o", "./stimuli.csv"], "stimuli.csv"),
            (["ncs", "enog.h5", "--norms", "norms.json", "--format", "json", "-o", "norms.json"], "norms.json"),
            (["blink", "blink.h5", "-o", "blink.h5"], "blink.h5"),
            (["report", "r1.h5", "-o", "r1.h5"], "r1.h5"),
            (["report", "enog.h5", "r1.h5", "--format", "md", "-o", "./enog.h5"], "enog.h5"),
            (["simulate", "ncs", "--parameters", "sim_truth.json", "-o", "sim.h5"], "sim_truth.json"),
        ]
        for (arguments, input) in cases {
            let path = dir.appendingPathComponent(input).path
            let before = try Self.fingerprint(path)
            let r = try Self.synk(arguments, in: dir)
            #expect(r.status == 2, "\(arguments): exit \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("is the same file as the input") && r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r.stderr)")
            let after = try Self.fingerprint(path)
            #expect(before.0 == after.0 && before.1 == after.1, "\(arguments) changed \(input)")
        }
        // A BIDS sidecar the recording reads is an input too.
        let bids = dir.appendingPathComponent("bids")
        try FileManager.default.createDirectory(at: bids, withIntermediateDirectories: true)
        let emg = Self.sample.appendingPathComponent("bids/sub-01/ses-1/emg")
        for name in try FileManager.default.contentsOfDirectory(atPath: emg.path) where !name.contains("truth") {
            try FileManager.default.copyItem(at: emg.appendingPathComponent(name), to: bids.appendingPathComponent(name))
        }
        let events = "bids/sub-01_ses-1_task-sunnybrook_events.tsv"
        let before = try Self.fingerprint(dir.appendingPathComponent(events).path)
        let r = try Self.synk(["synkinesis", "bids/sub-01_ses-1_task-sunnybrook_emg.wav", "--format", "csv", "-o", events], in: dir)
        #expect(r.status == 2 && r.stderr.contains("is the same file as the input"), "\(r.stderr)")
        #expect(try Self.fingerprint(dir.appendingPathComponent(events).path).0 == before.0)
    }

    // MARK: nothing hangs

    @Test("a FIFO nobody writes, in the place of any input of any command, is refused at once with exit 3 naming it")
    func fifoInputs() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("f").path
        #expect(mkfifo(fifo, 0o600) == 0)
        try "path\nf\n".write(to: dir.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)
        let cases: [[String]] = [
            ["info", "f"], ["info", "f", "--json"], ["filter", "f", "-o", "out.wav"], ["synkinesis", "f"], ["ncs", "f"], ["blink", "f"],
            ["report", "f", "-o", "report.html"], ["synkinesis", "r1.h5", "--montage", "f"], ["synkinesis", "r1.h5", "--events", "f"],
            ["ncs", "enog.h5", "--stimuli", "f"], ["ncs", "enog.h5", "--norms", "f"], ["blink", "blink.h5", "--norms", "f"],
            ["report", "r1.h5", "--montage", "f"], ["report", "enog.h5", "--stimuli", "f"], ["simulate", "ncs", "--parameters", "f", "-o", "s.h5"],
            ["batch", "f", "-o", "results"],
        ]
        for arguments in cases {
            let r: CLI.Result
            do { r = try Self.synk(arguments, in: dir, timeout: 10) } catch {
                Issue.record("\(arguments) hung on the FIFO")
                continue
            }
            #expect(r.status == 3, "\(arguments): exit \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("f: ") && r.stderr.contains("FIFO") && r.seconds < 5, "\(arguments): \(r.stderr)")
        }
        // A manifest listing a FIFO or /dev/zero: each is an error row, and the batch ends.
        try "path\nf\n/dev/zero\n".write(to: dir.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)
        let batch = try Self.synk(["batch", "manifest.csv", "-o", "results"], in: dir, timeout: 30)
        #expect(batch.status == 3)
        let errors = try String(contentsOfFile: dir.appendingPathComponent("results/errors.csv").path, encoding: .utf8)
        #expect(errors.contains("/dev/zero,synkinesis,3,") && errors.contains("character device"))
        #expect(errors.contains("\nf,synkinesis,3,") && errors.contains("FIFO"))
    }

    // MARK: outputs

    @Test("a read-only output is refused with exit 4 unless --force; a FIFO or device output is never replaced; a folder that cannot take files is refused before the analysis runs")
    func protectedOutputs() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let readOnly = dir.appendingPathComponent("ro.json").path
        try "keep".write(toFile: readOnly, atomically: true, encoding: .utf8)
        #expect(chmod(readOnly, 0o444) == 0)
        // (A report is HTML: since issue 20 an output named .json is refused for it before the files are checked.)
        for arguments in [["synkinesis", "r1.h5", "--format", "json", "-o", "ro.json"], ["ncs", "enog.h5", "-o", "ro.json"],
                          ["report", "r1.h5", "-o", "ro.html"], ["filter", "x.wav", "-o", "ro.csv"]] {
            if ["ro.csv", "ro.html"].contains(arguments.last!) {
                try "keep".write(toFile: dir.appendingPathComponent(arguments.last!).path, atomically: true, encoding: .utf8)
                #expect(chmod(dir.appendingPathComponent(arguments.last!).path, 0o444) == 0)
            }
            let r = try Self.synk(arguments, in: dir)
            #expect(r.status == 4 && r.stderr.contains("exists and is read-only"), "\(arguments): \(r.status) \(r.stderr)")
            #expect(try String(contentsOfFile: dir.appendingPathComponent(arguments.last!).path, encoding: .utf8) == "keep")
        }
        let forced = try Self.synk(["synkinesis", "r1.h5", "--format", "json", "-o", "ro.json", "--force"], in: dir)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOfFile: readOnly, encoding: .utf8).hasPrefix("{"))

        let fifo = dir.appendingPathComponent("out.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        var specials = [fifo]
        if geteuid() == 0 {
            let device = dir.appendingPathComponent("nul").path
            // makedev(1, 3), the null device, as glibc encodes small numbers.
            #expect(mknod(device, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0)
            specials.append(device)
        }
        for special in specials {
            for arguments in [["synkinesis", "r1.h5", "-o", special], ["report", "r1.h5", "-o", special]] {
                let r = try Self.synk(arguments + ["--force"], in: dir)
                #expect(r.status == 4 && r.stderr.contains("not a regular file"), "\(arguments): \(r.status) \(r.stderr)")
            }
            let kind = ResolvedPath(special).entryKind
            #expect(kind == .fifo || kind == .characterDevice)
        }
        // A folder that does not exist, or where files cannot be created, is exit 4 before the analysis: here the
        // analysis itself would fail (a montage naming channels the recording lacks, exit 3) if it ran first.
        try "{\"channels\":[{\"label\":\"nothing\",\"muscle\":\"OOc\",\"side\":\"left\"}]}".write(to: dir.appendingPathComponent("wrong.json"), atomically: true, encoding: .utf8)
        for output in ["no/such/folder/out.json", "/proc/x.json"] {
            let r = try Self.synk(["synkinesis", "r1.h5", "--montage", "wrong.json", "-o", output], in: dir)
            #expect(r.status == 4, "\(output): \(r.status) \(r.stderr)")
            #expect(r.stderr.hasPrefix("synk: \(output): ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
        #expect(try Self.synk(["synkinesis", "r1.h5", "-o", "/proc/x.json"], in: dir).stderr.contains("cannot create files in /proc"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.hasPrefix(".") })
    }

    // MARK: sidecars

    @Test("stray events.tsv files in the recording's folder and the one above are not applied; applied sidecars are named in JSON and text")
    func sidecars() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("p/q"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.sunnybrook, toPath: dir.appendingPathComponent("p/q/sub-01_ses-1_sunnybrook.h5").path)
        let stray = "onset\tduration\ttrial_type\n1\t2\tstray_task\n"
        try stray.write(to: dir.appendingPathComponent("p/events.tsv"), atomically: true, encoding: .utf8)
        try stray.write(to: dir.appendingPathComponent("p/q/events.tsv"), atomically: true, encoding: .utf8)
        let withStray = try Self.synk(["synkinesis", "p/q/sub-01_ses-1_sunnybrook.h5", "--format", "json"], in: dir)
        let own = try Self.synk(["synkinesis", "p/q/sub-01_ses-1_sunnybrook.h5", "--format", "json", "--no-sidecars"], in: dir)
        #expect(withStray.status == 0 && own.status == 0)
        let result = try JSONSerialization.jsonObject(with: Data(withStray.stdout.utf8)) as! [String: Any]
        let input = result["input"] as! [String: Any]
        #expect((input["sidecars"] as? [Any])?.isEmpty == true)
        #expect(!withStray.stdout.contains("stray_task"))
        #expect(withStray.stdout == own.stdout)

        let wav = Self.sample.appendingPathComponent("bids/sub-01/ses-1/emg/sub-01_ses-1_task-sunnybrook_emg.wav").path
        let json = try CLI.run(["synkinesis", wav, "--format", "json"])
        let sidecars = try #require(((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any])["input"] as! [String: Any])["sidecars"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: sidecars.map { (URL(fileURLWithPath: $0["path"] as! String).lastPathComponent, $0["supplied"] as! [String]) })
        #expect(byName == ["sub-01_ses-1_task-sunnybrook_channels.tsv": ["channels", "muscles", "side"],
                           "sub-01_ses-1_task-sunnybrook_emg.json": ["rate", "metadata"],
                           "sub-01_ses-1_task-sunnybrook_events.tsv": ["events"]])
        let text = try CLI.run(["synkinesis", wav])
        #expect(text.stdout.split(separator: "\n").contains { $0.hasPrefix("  sidecars: ") && $0.contains("_events.tsv (events)") })
        let info = try CLI.run(["info", wav])
        #expect(info.stdout.split(separator: "\n").filter { $0.hasPrefix("  sidecar ") }.count == 3)
    }

    // MARK: hostile tables, names and montages

    @Test("hostile tables end within seconds with exit 3 and a short line: 1e6 events, a 20 MB label, 1e6 stimuli, a 5 MB bad field, 100 000 columns")
    func hostileTables() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ text: String) throws { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        try write("many-events.tsv", "onset\tduration\ttrial_type\n" + String(repeating: "1\t1\tsmile\n", count: 1_000_000))
        try write("long-label.tsv", "onset\tduration\ttrial_type\n1\t1\t" + String(repeating: "L", count: 20 << 20) + "\n")
        try write("many-stimuli.csv", "time_s\n" + String(repeating: "0.5\n", count: 1_000_000))
        try write("bad-field.tsv", "onset\tduration\ttrial_type\n" + String(repeating: "9", count: 5 << 20) + "x\t1\tsmile\n")
        try write("wide.csv", "time," + (1...100_000).map { "c\($0)" }.joined(separator: ",") + "\n0," + Array(repeating: "1", count: 100_000).joined(separator: ",") + "\n")
        let cases: [([String], String)] = [
            (["synkinesis", "r1.h5", "--events", "many-events.tsv"], "synk reads at most 100000"),
            (["synkinesis", "r1.h5", "--events", "long-label.tsv"], "synk reads events tables of at most 16.0 MiB"),
            (["ncs", "enog.h5", "--stimuli", "many-stimuli.csv"], "synk reads at most 10000"),
            (["synkinesis", "r1.h5", "--events", "bad-field.tsv"], "a cell of 5242881 bytes"),
            (["info", "wide.csv"], "the file declares 100000 channels; synk reads recordings of at most 1024"),
        ]
        for (arguments, problem) in cases {
            let r: CLI.Result
            do { r = try Self.synk(arguments, in: dir, timeout: 20) } catch {
                Issue.record("\(arguments) did not end within 20 s")
                continue
            }
            #expect(r.status == 3 && r.stderr.contains(problem), "\(arguments): \(r.status) \(r.stderr.prefix(300))")
            #expect(r.stderr.utf8.count < 1200 && r.seconds < 5, "\(arguments): \(r.stderr.utf8.count) bytes in \(r.seconds) s")
        }
    }

    @Test("a file name that is not UTF-8 is named as such (exit 3), not 'no such file'")
    func nonUTF8Name() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Arguments reach synk as raw bytes through /bin/sh (Process would re-encode a Swift string).
        let script = "cd '\(dir.path)' && cp x.wav \"$(printf 'bad\\377.wav')\" && exec '\(CLI.executable.path)' info \"$(printf 'bad\\377.wav')\""
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 3)
        #expect(message == "synk: bad\\xFF.wav: the name is not valid UTF-8 (argument 2) (synk opens files whose names are UTF-8; rename the file)\n")
    }

    @Test("synk report with a broken montage file exits 3, as synk synkinesis does")
    func reportBrokenMontage() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "{\"channels\": [".write(to: dir.appendingPathComponent("broken.json"), atomically: true, encoding: .utf8)
        let synkinesis = try Self.synk(["synkinesis", "r1.h5", "--montage", "broken.json"], in: dir)
        let report = try Self.synk(["report", "r1.h5", "--montage", "broken.json", "-o", "report.html"], in: dir)
        #expect(synkinesis.status == 3)
        #expect(report.status == 3 && report.stderr.hasPrefix("synk: broken.json: "), "\(report.status) \(report.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("report.html").path))
    }

    // MARK: batch

    @Test("batch: a manifest with .. paths merges every result and failure; option paths are relative to the manifest's folder")
    func batchManifest() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("m/data"), withIntermediateDirectories: true)
        let emg = Self.sample.appendingPathComponent("bids/sub-01/ses-1/emg")
        try fm.copyItem(at: emg.appendingPathComponent("sub-01_ses-1_task-sunnybrook_emg.wav"), to: dir.appendingPathComponent("m/data/x.wav"))
        try fm.copyItem(at: emg.appendingPathComponent("sub-01_ses-1_task-sunnybrook_events.tsv"), to: dir.appendingPathComponent("m/data/tasks.tsv"))
        try Data(repeating: 7, count: 100).write(to: dir.appendingPathComponent("broken.h5"))
        try "path,events\n./data/x.wav,data/tasks.tsv\n../r1.h5,\n../broken.h5,\n../missing.h5,\n".write(to: dir.appendingPathComponent("m/manifest.csv"), atomically: true, encoding: .utf8)
        let run = try Self.synk(["batch", "m/manifest.csv", "-o", "results", "--jobs", "2"], in: dir, timeout: 180)
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("2 done, 0 resumed, 0 not applicable, 2 failed"), "\(run.stderr)")
        let pairs = try String(contentsOfFile: dir.appendingPathComponent("results/synkinesis_pairs.csv").path, encoding: .utf8)
        #expect(pairs.contains("\n../r1.h5,") && pairs.contains("\ndata/x.wav,"))
        let errors = try String(contentsOfFile: dir.appendingPathComponent("results/errors.csv").path, encoding: .utf8).split(separator: "\n")
        #expect(errors.dropFirst().map { String($0.split(separator: ",")[0]) } == ["../broken.h5", "../missing.h5"])
        let merge = try Self.synk(["batch", "merge", "results"], in: dir)
        #expect(merge.status == 3 && merge.stderr.contains("; 2 failures"), "\(merge.stderr)")
        for folder in ["records", "results", "errors"] {
            #expect(try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("results/\(folder)").path).allSatisfy { !$0.hasPrefix(".") })
        }
    }

    @Test("batch: symlinked recordings and a symlinked dataset root are found; empty, unrecognised and non-UTF-8 files are reported; the results folder inside the dataset is never scanned, so reruns give exit 0 and the same tables")
    func batchFolder() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        let ds = dir.appendingPathComponent("ds")
        try fm.createDirectory(at: ds.appendingPathComponent(".git/annex/objects"), withIntermediateDirectories: true)
        try fm.createDirectory(at: ds.appendingPathComponent("sub-01/ses-1"), withIntermediateDirectories: true)
        try fm.moveItem(at: dir.appendingPathComponent("r1.h5"), to: ds.appendingPathComponent(".git/annex/objects/key1"))
        try fm.createSymbolicLink(atPath: ds.appendingPathComponent("sub-01/ses-1/sub-01_ses-1_sunnybrook.h5").path, withDestinationPath: "../../.git/annex/objects/key1")
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("link").path, withDestinationPath: "ds")
        let symlinked = try Self.synk(["batch", "link", "-o", "ds/derivatives/synk"], in: dir, timeout: 180)
        #expect(symlinked.status == 0, "\(symlinked.stderr)")
        #expect(symlinked.stderr.contains("synk batch: 1 files × 1 analyses"), "\(symlinked.stderr)")
        let first = try String(contentsOfFile: ds.appendingPathComponent("derivatives/synk/synkinesis_pairs.csv").path, encoding: .utf8)
        #expect(first.split(separator: "\n").count > 10)
        for arguments in [["batch", "ds", "-o", "ds/derivatives/synk"], ["batch", "ds", "-o", "ds/derivatives/synk", "--resume"]] {
            let again = try Self.synk(arguments, in: dir, timeout: 180)
            #expect(again.status == 0, "\(arguments): \(again.stderr)")
            #expect(try String(contentsOfFile: ds.appendingPathComponent("derivatives/synk/synkinesis_pairs.csv").path, encoding: .utf8) == first)
            #expect(try String(contentsOfFile: ds.appendingPathComponent("derivatives/synk/errors.csv").path, encoding: .utf8) == "file,analysis,exit_code,message\n")
        }
        try Data().write(to: ds.appendingPathComponent("sub-01/empty.wav"))
        try Data([0x50, 0x4B, 3, 4, 0, 0, 1, 2]).write(to: ds.appendingPathComponent("notes.docx"))
        try Data("not a recording at all \u{1}\u{2}\u{3}".utf8).write(to: ds.appendingPathComponent("garbage.edf"))
        // A name that is not UTF-8 (created from raw bytes: Swift strings cannot hold it).
        let rawName = Array(ds.path.utf8) + [0x2F, 0x78, 0xFF, 0x2E, 0x77, 0x61, 0x76, 0]
        let descriptor = rawName.withUnsafeBufferPointer { $0.baseAddress!.withMemoryRebound(to: CChar.self, capacity: rawName.count) { open($0, O_CREAT | O_WRONLY, 0o644) } }
        #expect(descriptor >= 0)
        close(descriptor)
        let reported = try Self.synk(["batch", "ds", "-o", "ds/derivatives/synk", "--resume"], in: dir, timeout: 180)
        #expect(reported.status == 3)
        let errors = try String(contentsOfFile: ds.appendingPathComponent("derivatives/synk/errors.csv").path, encoding: .utf8)
        #expect(errors.contains("\ngarbage.edf,synkinesis,3,") && errors.contains("\nsub-01/empty.wav,synkinesis,3,"), "\(errors)")
        #expect(errors.contains("\nx\\xFF.wav,synkinesis,3,") && errors.contains("not valid UTF-8"), "\(errors)")
        let skipped = try String(contentsOfFile: ds.appendingPathComponent("derivatives/synk/skipped.csv").path, encoding: .utf8)
        #expect(skipped == "file,reason\nnotes.docx,not a recording synk recognises (by its content)\n")
    }
}
