import Foundation
import Testing

/// Every committed fuzz input — the seeds of each target, the files that crash libhdf5, the findings kept as
/// hostile fixtures — replayed through the `synk` binary the way a user would hand it over: seconds, not a
/// fuzzing run. Each ends with a documented exit code (0, 1 or 3; never a signal), within 10 seconds, with
/// at most one line on standard error. CI runs it again against the release binary (`SYNK_TEST_BINARY`).
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
        do { result = try CLI.run(arguments, timeout: 10) } catch { return "\(arguments): did not end within 10 s" }
        if result.status == 2, result.stderr.contains("(pass --rate HZ)") {
            do { result = try CLI.run(arguments + ["--rate", "1000"], timeout: 10) } catch { return "\(arguments) --rate 1000: did not end within 10 s" }
        }
        if !allowed.contains(result.status) { return "\(arguments): exit \(result.status): \(result.stderr.prefix(300))" }
        if result.stderr.split(separator: "\n").count > 1 { return "\(arguments): \(result.stderr.split(separator: "\n").count) lines on stderr" }
        if result.status != 0 && result.stderr.isEmpty { return "\(arguments): exit \(result.status) without a message" }
        return nil
    }

    @Test("recording seeds, libhdf5 crashers and kept findings through synk info --json")
    func recordings() throws {
        let folders = ["Tests/SynkIOTests/Fixtures/sndfile", "Tests/SynkIOTests/Fixtures/edf", "Tests/SynkIOTests/Fixtures/text",
                       "Tests/SynkIOTests/Fixtures/hdf5", "Fuzz/known-libhdf5-crashes", "Tests/SynkCLITests/Fixtures/hostile"]
        var replayed = 0
        for folder in folders {
            let inputs = Self.files(folder)
            #expect(!inputs.isEmpty, "\(folder) holds no inputs")
            for input in inputs {
                replayed += 1
                if let breach = Self.breach(["info", input, "--json", "--no-sidecars"]) { Issue.record(Comment(rawValue: breach)) }
            }
        }
        #expect(replayed >= 40)
    }

    @Test("montage, events and stimuli seeds through synkinesis, ncs and report")
    func tables() throws {
        let sunnybrook = Self.root.appendingPathComponent("SampleData/hdf5/sub-01_ses-1_sunnybrook.h5").path
        let enog = Self.root.appendingPathComponent("SampleData/hdf5/sub-01_ses-1_enog.h5").path
        let seeds = Self.files("Fuzz/seeds/montage")
        #expect(seeds.count >= 4)
        for seed in seeds {
            for arguments in [["synkinesis", sunnybrook, "--montage", seed, "--format", "json"], ["synkinesis", sunnybrook, "--events", seed, "--format", "csv"],
                              ["ncs", enog, "--stimuli", seed, "--format", "json"]] {
                if let breach = Self.breach(arguments) { Issue.record(Comment(rawValue: breach)) }
            }
        }
    }

    @Test("the BIDS seeds, split into the three sidecars of a recording, through synk info")
    func bidsSidecars() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let recording = dir.appendingPathComponent("sub-01_task-smile_emg.csv")
        try "time,OOc-L,OOc-R,ZYG-L\n0,1,2,3\n0.001,2,3,4\n0.002,3,4,5\n".write(to: recording, atomically: true, encoding: .utf8)
        let seeds = Self.files("Fuzz/seeds/bids")
        #expect(!seeds.isEmpty)
        for seed in seeds {
            // As the fuzz target does: the input split at the first two 0x1E bytes.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: seed))
            let parts = bytes.split(separator: 0x1E, maxSplits: 2, omittingEmptySubsequences: false)
            for (index, name) in ["sub-01_task-smile_emg.json", "sub-01_task-smile_channels.tsv", "sub-01_task-smile_events.tsv"].enumerated() {
                let path = dir.appendingPathComponent(name)
                if index < parts.count { try Data(parts[index]).write(to: path) } else { try? FileManager.default.removeItem(at: path) }
            }
            if let breach = Self.breach(["info", recording.path, "--json"]) { Issue.record(Comment(rawValue: breach)) }
        }
    }
}
