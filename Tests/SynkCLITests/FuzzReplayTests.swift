import Foundation
import Testing

/// Every committed fuzz input — the seeds of each target, the minimised corpora of earlier runs (`Fuzz/corpus/`), the
/// files that crash libhdf5, the findings kept as hostile fixtures — replayed through the `synk` binary the way a user would hand it over: seconds, not a
/// fuzzing run. Each ends with a documented exit code (0, 1 or 3; never a signal), within 30 seconds (a debug build
/// analyses the whole sample session with the automatic mains comb in about 7 s), with
/// at most one line on standard error besides one-line notes and warnings. CI runs it again against the release binary (`SYNK_TEST_BINARY`).
@Suite("Replay of every committed fuzz input through the binary")
struct FuzzReplayTests {
    static let root = CLI.repositoryRoot

    /// The committed files of `folder` (not the READMEs that describe them).
    static func files(_ folder: String) -> [String] {
        let url = root.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" && !$0.hasSuffix(".py") }.sorted().map { url.appendingPathComponent($0).path }
    }

    /// What went wrong with one run, or nil when it kept the contract.
    /// A file that states no sample rate is a usage error (exit 2) asking for `--rate`: it is replayed with one,
    /// as the text fuzz target parses every input with and without a rate.
    static func breach(_ arguments: [String], allowed: Set<Int32> = [0, 1, 3]) -> String? {
        var result: CLI.Result
        do { result = try CLI.run(arguments, timeout: 30) } catch { return "\(arguments): did not end within 30 s" }
        if result.status == 2, result.stderr.contains("(pass --rate HZ)") {
            do { result = try CLI.run(arguments + ["--rate", "1000"], timeout: 30) } catch { return "\(arguments) --rate 1000: did not end within 30 s" }
        }
        if !allowed.contains(result.status) { return "\(arguments): exit \(result.status): \(result.stderr.prefix(300))" }
        // One line says what went wrong; notes and warnings (an override of what the file states, a header that
        // declares another length) are announcements beside it, each one line.
        let lines = result.stderr.split(separator: "\n")
        let messages = lines.filter { !$0.hasPrefix("synk: note: ") && !$0.hasPrefix("synk: warning: ") }
        if messages.count > 1 || lines.count > 4 { return "\(arguments): \(lines.count) lines on stderr" }
        if result.status != 0 && result.stderr.isEmpty { return "\(arguments): exit \(result.status) without a message" }
        return nil
    }

    /// Runs every command line, a few at a time (each is a separate process), and records each breach.
    static func replay(_ runs: [[String]]) {
        let breaches = Locked([String]())
        let next = Locked(0)
        DispatchQueue.concurrentPerform(iterations: max(2, ProcessInfo.processInfo.activeProcessorCount * 2)) { _ in
            while true {
                let index: Int = next.withLock { value in defer { value += 1 }; return value }
                guard index < runs.count else { return }
                if let breach = breach(runs[index]) { breaches.withLock { $0.append(breach) } }
            }
        }
        for breach in breaches.withLock({ $0 }) { Issue.record(Comment(rawValue: breach)) }
    }

    @Test("recording seeds, the committed fuzz corpora, libhdf5 crashers and kept findings through synk info --json")
    func recordings() throws {
        let folders = ["Tests/SynkIOTests/Fixtures/sndfile", "Tests/SynkIOTests/Fixtures/edf", "Tests/SynkIOTests/Fixtures/text",
                       "Tests/SynkIOTests/Fixtures/hdf5", "Fuzz/known-libhdf5-crashes", "Tests/SynkCLITests/Fixtures/hostile",
                       "Fuzz/corpus/sndfile", "Fuzz/corpus/edf", "Fuzz/corpus/text", "Fuzz/corpus/hdf5"]
        var runs: [[String]] = []
        for folder in folders {
            let inputs = Self.files(folder)
            #expect(!inputs.isEmpty, "\(folder) holds no inputs")
            runs += inputs.map { ["info", $0, "--json", "--no-sidecars"] }
        }
        #expect(runs.count >= 40)
        Self.replay(runs)
    }

    @Test("montage, events and stimuli seeds through synkinesis, ncs and report")
    func tables() throws {
        let sunnybrook = Self.root.appendingPathComponent("SampleData/hdf5/sub-01_ses-1_sunnybrook.h5").path
        let enog = Self.root.appendingPathComponent("SampleData/hdf5/sub-01_ses-1_enog.h5").path
        let seeds = Self.files("Fuzz/seeds/montage")
        #expect(seeds.count >= 4)
        Self.replay(seeds.flatMap { seed in
            [["synkinesis", sunnybrook, "--montage", seed, "--format", "json"], ["synkinesis", sunnybrook, "--events", seed, "--format", "csv"],
             ["ncs", enog, "--stimuli", seed, "--format", "json"]]
        })
    }

    /// Small recordings for replaying many table inputs quickly: synkinesis channels as the montage fuzz target names
    /// them (labelled, and unlabelled for channels.tsv montages by position), and a short two-sided ENoG study.
    static func smallRecordings(in dir: URL) throws -> (labelled: String, unlabelled: String, evoked: String) {
        let labels = ["OOc-L", "OOc-R", "OOr-L", "OOr-R", "ZYG-L", "ZYG-R", "ch7"]
        var labelled = "time," + labels.joined(separator: ",") + "\n", unlabelled = ""
        for i in 0..<4000 {
            let values = (0..<labels.count).map { c in String(format: "%.3f", 40 * sin(Double(i) * (0.3 + 0.07 * Double(c))) * (i / 500 % 2 == 0 ? 1 : 0.2)) }
            labelled += String(format: "%.3f,", Double(i) / 1000) + values.joined(separator: ",") + "\n"
            unlabelled += values.joined(separator: ",") + "\n"
        }
        let (study, _) = try EvokedCLITests.study()
        let (evoked, _) = try EvokedCLITests.export(study, to: dir)
        let a = dir.appendingPathComponent("labelled.csv"), b = dir.appendingPathComponent("unlabelled.csv")
        try labelled.write(to: a, atomically: true, encoding: .utf8)
        try unlabelled.write(to: b, atomically: true, encoding: .utf8)
        return (a.path, b.path, evoked)
    }

    @Test("the committed montage corpus through synkinesis (--montage, by name and by position; --events) and ncs --stimuli")
    func montageCorpus() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (labelled, unlabelled, evoked) = try Self.smallRecordings(in: dir)
        let inputs = Self.files("Fuzz/corpus/montage")
        #expect(!inputs.isEmpty, "Fuzz/corpus/montage holds no inputs")
        Self.replay(inputs.flatMap { input in
            [["synkinesis", labelled, "--montage", input, "--format", "json"], ["synkinesis", unlabelled, "--rate", "1000", "--montage", input, "--format", "json"],
             ["synkinesis", labelled, "--events", input, "--format", "csv"], ["ncs", evoked, "--stimuli", input, "--format", "json"]]
        })
    }

    @Test("the BIDS seeds and the committed BIDS corpus, split into the three sidecars of a recording, through synk info")
    func bidsSidecars() throws {
        let inputs = Self.files("Fuzz/seeds/bids") + Self.files("Fuzz/corpus/bids")
        #expect(inputs.count > 1)
        var runs: [[String]] = []
        var folders: [URL] = []
        defer { for folder in folders { try? FileManager.default.removeItem(at: folder) } }
        for input in inputs {
            // As the fuzz target does: the input split at the first two 0x1E bytes, beside a recording of its own.
            let dir = try CLI.temporaryDirectory()
            folders.append(dir)
            let recording = dir.appendingPathComponent("sub-01_task-smile_emg.csv")
            try "time,OOc-L,OOc-R,ZYG-L\n0,1,2,3\n0.001,2,3,4\n0.002,3,4,5\n".write(to: recording, atomically: true, encoding: .utf8)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: input))
            let parts = bytes.split(separator: 0x1E, maxSplits: 2, omittingEmptySubsequences: false)
            for (index, name) in ["sub-01_task-smile_emg.json", "sub-01_task-smile_channels.tsv", "sub-01_task-smile_events.tsv"].enumerated() where index < parts.count {
                try Data(parts[index]).write(to: dir.appendingPathComponent(name))
            }
            runs.append(["info", recording.path, "--json"])
        }
        Self.replay(runs)
    }
}

/// A value behind a lock, for the replay's workers.
final class Locked<Value>: @unchecked Sendable {
    // @unchecked: every access to `value` goes through `lock`.
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
