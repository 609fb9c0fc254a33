import Foundation
import Testing
import SynkCore
import SynkBatch

/// An analysis whose result is known by construction: the byte count and the sum of the bytes of a
/// file; files whose name contains "bad" fail as unreadable input.
struct ByteSumAnalysis: BatchAnalysis {
    var name = "bytesum"
    var parameters: [String: String] = ["modulus": "251"]
    let calls: Counter

    func analyze(_ item: BatchItem, sha256: String) throws(SynkError) -> BatchOutput {
        calls.increment(item.relativePath)
        if item.relativePath.contains("bad") { throw .input(item.absolutePath, "unreadable on purpose") }
        let bytes = FileManager.default.contents(atPath: item.absolutePath) ?? Data()
        let sum = bytes.reduce(0) { ($0 + Int($1)) % 251 }
        let json = Data("{\"bytes\":\(bytes.count),\"sum\":\(sum)}".utf8)
        return BatchOutput(resultJSON: json, tables: ["sums": BatchTable(columns: ["bytes", "sum"], rows: [[String(bytes.count), String(sum)]])])
    }
}

final class Counter: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private var counts: [String: Int] = [:]
    private let lock = NSLock()
    func increment(_ key: String) { lock.lock(); counts[key, default: 0] += 1; lock.unlock() }
    var total: Int { lock.lock(); defer { lock.unlock() }; return counts.values.reduce(0, +) }
    func count(_ key: String) -> Int { lock.lock(); defer { lock.unlock() }; return counts[key] ?? 0 }
}

@Suite("Batch runs are parallel, resumable and shardable, and a bad file never stops them")
struct BatchRunnerTests {
    /// A small BIDS-like dataset of CSV recordings (the scanner recognises files by content).
    static func makeDataset(files: Int = 12) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("synk-batch-\(UUID().uuidString)")
        for i in 0..<files {
            let folder = root.appendingPathComponent("sub-\(i % 3 + 1)/ses-\(i % 2 + 1)/emg")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let name = "sub-\(i % 3 + 1)_ses-\(i % 2 + 1)_task-smile_run-\(i)_emg.csv"
            let rows = (0..<(20 + i)).map { "\(Double($0) / 1000),\($0 * i % 17)" }
            try (["time,ZYG-L"] + rows).joined(separator: "\n").write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            // Sidecars are not recordings.
            try "name\ttype\nZYG-L\tEMG\n".write(to: folder.appendingPathComponent(name.replacingOccurrences(of: "_emg.csv", with: "_channels.tsv")), atomically: true, encoding: .utf8)
        }
        try "time,ZYG-L\n0,1\n0.001,2\n".write(to: root.appendingPathComponent("sub-1/bad_emg.csv"), atomically: true, encoding: .utf8)
        try "Notes about the dataset.\nNothing numeric here.\n".write(to: root.appendingPathComponent("README.txt"), atomically: true, encoding: .utf8)
        return root
    }

    func expectedSums(_ items: [BatchItem]) -> [String: (Int, Int)] {
        Dictionary(uniqueKeysWithValues: items.filter { !$0.relativePath.contains("bad") }.map { item in
            let bytes = FileManager.default.contents(atPath: item.absolutePath)!
            return (item.relativePath, (bytes.count, bytes.reduce(0) { ($0 + Int($1)) % 251 }))
        })
    }

    @Test("the scanner finds every recording and no sidecar, in a stable order, with BIDS entities")
    func scanning() throws {
        let root = try Self.makeDataset()
        let items = try DatasetScanner.scan(root.path)
        #expect(items.count == 13)
        #expect(items.map(\.relativePath) == items.map(\.relativePath).sorted())
        #expect(!items.contains { $0.relativePath.hasSuffix(".tsv") || $0.relativePath.hasSuffix("README.txt") })
        let first = try #require(items.first { $0.relativePath.hasSuffix("run-4_emg.csv") })
        #expect(first.entities == ["sub": "2", "ses": "1", "task": "smile", "run": "4"])
    }

    @Test("a run writes one result per file, a table row per file, and errors.csv for the bad one")
    func run() throws {
        let root = try Self.makeDataset()
        let items = try DatasetScanner.scan(root.path)
        let out = root.appendingPathComponent("results").path
        let counter = Counter()
        let runner = BatchRunner(analyses: [ByteSumAnalysis(calls: counter)], resultsDirectory: out, jobs: 2, resume: false)
        let summary = try runner.run(items) { _ in }
        #expect(summary.done == 12 && summary.failed == 1 && summary.skipped == 0)
        try BatchMerger.merge(resultsDirectory: out)
        let table = try String(contentsOfFile: out + "/sums.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(table.first == "file,sub,ses,bids_task,run,bytes,sum")
        #expect(table.count == 13)
        let expected = expectedSums(items)
        for line in table.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let (bytes, sum) = try #require(expected[cells[0]])
            #expect(cells[5] == String(bytes) && cells[6] == String(sum))
        }
        let errors = try String(contentsOfFile: out + "/errors.csv", encoding: .utf8)
        #expect(errors.contains("sub-1/bad_emg.csv,bytesum,3,"))
        #expect(errors.contains("unreadable on purpose"))
    }

    @Test("resume analyses nothing twice, and redoes a file whose content changed")
    func resume() throws {
        let root = try Self.makeDataset()
        let items = try DatasetScanner.scan(root.path)
        let out = root.appendingPathComponent("results").path
        let counter = Counter()
        let runner = BatchRunner(analyses: [ByteSumAnalysis(calls: counter)], resultsDirectory: out, jobs: 2, resume: true)
        _ = try runner.run(items) { _ in }
        #expect(counter.total == 13)
        let again = try runner.run(items) { _ in }
        #expect(again.skipped == 12 && again.failed == 1)
        #expect(counter.total == 14) // only the failed file was tried again
        // Change one file: only it is analysed again.
        let changed = items[3]
        try "time,ZYG-L\n0,5\n0.001,6\n0.002,7\n".write(toFile: changed.absolutePath, atomically: true, encoding: .utf8)
        let third = try runner.run(items) { _ in }
        #expect(third.done == 1 && third.skipped == 11)
        #expect(counter.count(changed.relativePath) == 2)
        // A different parameter set is a different result.
        var other = ByteSumAnalysis(calls: counter)
        other.parameters["modulus"] = "97"
        let fourth = try BatchRunner(analyses: [other], resultsDirectory: out, jobs: 1, resume: true).run(items) { _ in }
        #expect(fourth.done == 12)
    }

    @Test("shards are disjoint, cover the dataset, and merge to the single-process tables byte for byte")
    func shards() throws {
        let root = try Self.makeDataset()
        let items = try DatasetScanner.scan(root.path)
        let single = root.appendingPathComponent("single").path
        let sharded = root.appendingPathComponent("sharded").path
        _ = try BatchRunner(analyses: [ByteSumAnalysis(calls: Counter())], resultsDirectory: single, jobs: 1, resume: false).run(items) { _ in }
        try BatchMerger.merge(resultsDirectory: single)
        var seen: [String] = []
        for i in 1...4 {
            let shard = try Shard(parsing: "\(i)/4")
            let mine = shard.select(items)
            seen += mine.map(\.relativePath)
            _ = try BatchRunner(analyses: [ByteSumAnalysis(calls: Counter())], resultsDirectory: sharded, jobs: 2, resume: true).run(mine) { _ in }
        }
        #expect(seen.sorted() == items.map(\.relativePath).sorted())
        #expect(Set(seen).count == seen.count)
        try BatchMerger.merge(resultsDirectory: sharded)
        for table in ["sums.csv", "errors.csv"] {
            #expect(FileManager.default.contents(atPath: "\(single)/\(table)") == FileManager.default.contents(atPath: "\(sharded)/\(table)"))
        }
    }

    @Test("Slurm array variables choose the shard; --shard is validated")
    func slurm() throws {
        #expect(try Shard.fromSlurm(environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"]) == Shard(index: 2, count: 4))
        #expect(try Shard.fromSlurm(environment: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"]) == Shard(index: 3, count: 4))
        #expect(try Shard.fromSlurm(environment: [:]) == nil)
        for bad in ["0/4", "5/4", "x/2", "1/0", "3"] {
            #expect(throws: SynkError.self) { try Shard(parsing: bad) }
        }
    }

    @Test("a manifest lists files with per-file options; a malformed manifest names its line")
    func manifest() throws {
        let root = try Self.makeDataset()
        let manifest = root.appendingPathComponent("manifest.csv")
        try "path,affected\nsub-1/ses-1/emg/sub-1_ses-1_task-smile_run-0_emg.csv,left\n\"sub-2/ses-2/emg/sub-2_ses-2_task-smile_run-1_emg.csv\",right\n"
            .write(to: manifest, atomically: true, encoding: .utf8)
        let items = try DatasetScanner.scan(manifest.path)
        #expect(items.map { $0.options["affected"] } == ["left", "right"])
        #expect(FileManager.default.fileExists(atPath: items[1].absolutePath))
        try "path,affected\na.csv,left,extra\n".write(to: manifest, atomically: true, encoding: .utf8)
        #expect(performing: { try DatasetScanner.scan(manifest.path) }, throws: { ($0 as? SynkError)?.place == "line 2" })
    }

    /// Fails on quality for "run-3"; not applicable to files of an odd byte count; quality flag on "run-2".
    struct ParityAnalysis: BatchAnalysis {
        var name = "parity"
        var parameters: [String: String] = [:]
        func analyze(_ item: BatchItem, sha256: String) throws(SynkError) -> BatchOutput {
            if item.relativePath.contains("run-3_") { throw SynkError(.quality, file: item.absolutePath, "every channel excluded") }
            let count = FileManager.default.contents(atPath: item.absolutePath)?.count ?? 0
            if count % 2 == 1 { return .notApplicable("odd size \(count)") }
            return BatchOutput(resultJSON: Data("{}".utf8), tables: ["even": BatchTable(columns: ["bytes"], rows: [[String(count)]])],
                               qualityFailed: item.relativePath.contains("run-2_"))
        }
    }

    @Test("inapplicable files are recorded apart from errors and skipped on resume; exit code 3 > 1 > 0")
    func notApplicableAndExitCodes() throws {
        let root = try Self.makeDataset()
        let items = try DatasetScanner.scan(root.path).filter { !$0.relativePath.contains("bad") }
        let sizes = items.map { FileManager.default.contents(atPath: $0.absolutePath)!.count }
        let odd = zip(items, sizes).filter { $0.1 % 2 == 1 && !$0.0.relativePath.contains("run-3_") }.count
        let flagged = zip(items, sizes).filter { $0.0.relativePath.contains("run-2_") && $0.1 % 2 == 0 }.count
        #expect(odd > 0 && odd < items.count)
        let out = root.appendingPathComponent("results").path
        let runner = BatchRunner(analyses: [ParityAnalysis()], resultsDirectory: out, jobs: 2, resume: true)
        let first = try runner.run(items) { _ in }
        #expect(first.notApplicable == odd && first.done == items.count - odd - 1 && first.failed == 1 && first.qualityFailed == flagged + 1)
        // A failure on quality alone is exit 1, not 3.
        #expect(first.exitCode == 1)
        try BatchMerger.merge(resultsDirectory: out)
        let skipped = try String(contentsOfFile: out + "/not_applicable.csv", encoding: .utf8).split(separator: "\n")
        #expect(skipped.count == 1 + odd && skipped.dropFirst().allSatisfy { $0.contains(",parity,odd size ") })
        #expect(try String(contentsOfFile: out + "/even.csv", encoding: .utf8).split(separator: "\n").count == 1 + items.count - odd - 1)
        let errors = try String(contentsOfFile: out + "/errors.csv", encoding: .utf8).split(separator: "\n")
        #expect(errors.count == 2 && errors[1].contains("run-3_emg.csv,parity,1,"))
        let again = try runner.run(items) { _ in }
        #expect(again.skipped == items.count - 1 && again.failed == 1 && again.qualityFailed == flagged + 1 && again.exitCode == 1)
        #expect(BatchSummary(files: 1, done: 0, skipped: 0, notApplicable: 0, failed: 1, qualityFailed: 1, seconds: 0).exitCode == 3)
        #expect(BatchSummary(files: 1, done: 1, skipped: 0, notApplicable: 0, failed: 0, qualityFailed: 1, seconds: 0).exitCode == 1)
        #expect(BatchSummary(files: 2, done: 0, skipped: 0, notApplicable: 0, failed: 2, qualityFailed: 1, qualityFailures: 1, seconds: 0).exitCode == 3)
        #expect(BatchSummary(files: 1, done: 1, skipped: 0, notApplicable: 0, failed: 0, qualityFailed: 0, seconds: 0).exitCode == 0)
    }

    @Test("a file that fails after an earlier success loses its old record, so merge never mixes the two")
    func failureReplacesRecord() throws {
        let root = try Self.makeDataset()
        let items = try DatasetScanner.scan(root.path).filter { !$0.relativePath.contains("bad") }
        let out = root.appendingPathComponent("results").path
        _ = try BatchRunner(analyses: [ByteSumAnalysis(calls: Counter())], resultsDirectory: out, jobs: 1, resume: false).run(items) { _ in }
        try FileManager.default.removeItem(atPath: items[0].absolutePath) // now unreadable: SHA-256 fails as input
        let second = try BatchRunner(analyses: [ByteSumAnalysis(calls: Counter())], resultsDirectory: out, jobs: 1, resume: true).run(items) { _ in }
        #expect(second.failed == 1 && second.skipped == items.count - 1)
        try BatchMerger.merge(resultsDirectory: out)
        let sums = try String(contentsOfFile: out + "/sums.csv", encoding: .utf8)
        #expect(!sums.contains(items[0].relativePath + ","))
        #expect(sums.split(separator: "\n").count == items.count)
        #expect(try String(contentsOfFile: out + "/errors.csv", encoding: .utf8).contains(items[0].relativePath + ",bytesum,3,"))
    }
}
