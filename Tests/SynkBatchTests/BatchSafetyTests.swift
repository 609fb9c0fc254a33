import Foundation
import Testing
import SynkCore
@testable import SynkBatch

/// A batch loses nothing silently: every file found is analysed, failed or listed as skipped; manifest paths
/// mean what the README says; merge accounts for every record and refuses what it cannot trust.
@Suite("Batch safety: names that cannot hide, strict merge, verified resume, every file accounted for")
struct BatchSafetyTests {
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synk-batch-safety-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A small CSV recording (recognised by content).
    static func recording(_ url: URL, rows: Int = 20) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let lines = ["time,ZYG-L"] + (0..<rows).map { "\(Double($0) / 1000),\($0 % 7)" }
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    /// `root/m/manifest.csv` listing files inside, beside and outside its folder, one of them failing.
    static func manifestDataset() throws -> (root: URL, manifest: String) {
        let root = try scratch()
        try recording(root.appendingPathComponent("m/data/x.csv"))
        try recording(root.appendingPathComponent("m/y.csv"), rows: 30)
        try recording(root.appendingPathComponent("other/z.csv"), rows: 40)
        try recording(root.appendingPathComponent("other/bad.csv"))
        let manifest = root.appendingPathComponent("m/manifest.csv").path
        try "path,montage\n./data/x.csv,data/channels.tsv\ndata/../y.csv,\n../other/z.csv,\n../other/bad.csv,\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        return (root, manifest)
    }

    @Test("result keys never start with a dot, however the path starts, and stay apart where cleaning makes paths alike")
    func keys() {
        for path in ["../a.h5", ".hidden.wav", "./x.wav", "...", "../../x/y.h5"] {
            let key = BatchItem.resultKey(for: path)
            #expect(!key.hasPrefix("."), "\(path) → \(key)")
        }
        #expect(BatchItem.resultKey(for: "../a.h5").hasPrefix("___a.h5."))
        #expect(BatchItem.resultKey(for: "a b.wav") != BatchItem.resultKey(for: "a_b.wav"))
        #expect(BatchItem.resultKey(for: String(repeating: "long/", count: 100) + "x.wav").utf8.count <= 160 + 9)
        // Paths that did not start with a dot keep the keys earlier versions gave them (their results resume).
        #expect(BatchItem.resultKey(for: "sub-01/x.wav") == BatchItem.legacyResultKey(for: "sub-01/x.wav"))
    }

    @Test("manifest paths and option paths are relative to the manifest's folder, normalised; a file listed twice is refused")
    func manifestPaths() throws {
        let (root, manifest) = try Self.manifestDataset()
        defer { try? FileManager.default.removeItem(at: root) }
        let items = try DatasetScanner.scan(manifest)
        #expect(items.map(\.relativePath) == ["../other/bad.csv", "../other/z.csv", "data/x.csv", "y.csv"])
        let folder = URL(fileURLWithPath: manifest).deletingLastPathComponent().standardizedFileURL.path
        for item in items {
            #expect(FileManager.default.fileExists(atPath: item.absolutePath))
            #expect(item.rootDirectory == folder)
        }
        let x = try #require(items.first { $0.relativePath == "data/x.csv" })
        // README: "Paths in a manifest are relative to its folder" — data/channels.tsv next to ./data/x.csv is m/data/channels.tsv.
        #expect(x.optionPath("montage") == folder + "/data/channels.tsv")
        for duplicate in ["path\ndata/x.csv\n./data/x.csv\n", "path\ny.csv\ndata/../y.csv\n"] {
            try duplicate.write(toFile: manifest, atomically: true, encoding: .utf8)
            #expect(performing: { try DatasetScanner.scan(manifest) }, throws: { error in
                let error = error as! SynkError
                return error.kind == .input && error.place == "line 3" && error.problem.contains("listed twice (lines 2 and 3)")
            })
        }
        try FileManager.default.createSymbolicLink(atPath: folder + "/alias.csv", withDestinationPath: folder + "/y.csv")
        try "path\ny.csv\nalias.csv\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(performing: { try DatasetScanner.scan(manifest) }, throws: { error in
            (error as! SynkError).problem == "'alias.csv' is the same file as the one on line 2"
        })
    }

    @Test("merge accounts for every record and error of a manifest with .. paths: the tables hold exactly what the run reported")
    func mergeAccountsForEverything() throws {
        let (root, manifest) = try Self.manifestDataset()
        defer { try? FileManager.default.removeItem(at: root) }
        let items = try DatasetScanner.scan(manifest)
        let out = root.appendingPathComponent("results").path
        let summary = try BatchRunner(analyses: [ByteSumAnalysis(calls: Counter())], resultsDirectory: out, jobs: 2, resume: false).run(items) { _ in }
        #expect(summary.done == 3 && summary.failed == 1)
        for folder in ["records", "results", "errors"] {
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(out)/\(folder)").allSatisfy { !$0.hasPrefix(".") })
        }
        try BatchMerger.merge(resultsDirectory: out)
        let sums = try String(contentsOfFile: out + "/sums.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(sums.map { String($0.split(separator: ",")[0]) } == ["../other/z.csv", "data/x.csv", "y.csv"])
        let errors = try String(contentsOfFile: out + "/errors.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(errors.count == summary.failed && errors.first?.hasPrefix("../other/bad.csv,bytesum,3,") == true)
        #expect(BatchMerger.failures(resultsDirectory: out).count == summary.failed)
    }

    @Test("merge refuses, naming the file: a damaged record, error or result, a record copied under another name, a record beside an error, a result without a record")
    func mergeRefusesWhatItCannotTrust() throws {
        let (root, manifest) = try Self.manifestDataset()
        defer { try? FileManager.default.removeItem(at: root) }
        let items = try DatasetScanner.scan(manifest)
        let out = root.appendingPathComponent("results").path
        _ = try BatchRunner(analyses: [ByteSumAnalysis(calls: Counter())], resultsDirectory: out, jobs: 1, resume: false).run(items) { _ in }
        let name = BatchItem.resultKey(for: "y.csv") + ".bytesum.json"
        let errorName = BatchItem.resultKey(for: "../other/bad.csv") + ".bytesum.json"
        let record = "\(out)/records/\(name)", result = "\(out)/results/\(name)", error = "\(out)/errors/\(errorName)"
        let saved = try [record, result, error].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        func restore() throws {
            for (path, data) in zip([record, result, error], saved) { try data.write(to: URL(fileURLWithPath: path)) }
        }
        func refused(_ file: String, _ problem: String) {
            #expect(performing: { try BatchMerger.merge(resultsDirectory: out) }, throws: { thrown in
                let thrown = thrown as! SynkError
                return thrown.kind == .input && thrown.file == file && thrown.problem.contains(problem)
            })
        }
        try Data("{\"file\":".utf8).write(to: URL(fileURLWithPath: record))
        refused(record, "unreadable batch record")
        try restore()
        try Data("not json".utf8).write(to: URL(fileURLWithPath: error))
        refused(error, "unreadable batch error file")
        try restore()
        try Data("{\"bytes\":1,\"sum\":2}".utf8).write(to: URL(fileURLWithPath: result))
        refused(result, "not the one its record was written with")
        try restore()
        try FileManager.default.removeItem(atPath: result)
        refused(result, "the result file is missing")
        try restore()
        let copy = "\(out)/records/copy-of-y.json"
        try saved[0].write(to: URL(fileURLWithPath: copy))
        refused(copy, "stored under another name")
        try FileManager.default.removeItem(atPath: copy)
        let besides = "\(out)/errors/\(name)"
        try JSONEncoder().encode(BatchFailure(file: "y.csv", analysis: "bytesum", exitCode: 3, message: "old")).write(to: URL(fileURLWithPath: besides))
        refused(besides, "has both this error and the record")
        try FileManager.default.removeItem(atPath: besides)
        let orphan = "\(out)/results/" + BatchItem.resultKey(for: "gone.csv") + ".bytesum.json"
        try Data("{}".utf8).write(to: URL(fileURLWithPath: orphan))
        refused(orphan, "a result without a record")
        try FileManager.default.removeItem(atPath: orphan)
        try BatchMerger.merge(resultsDirectory: out)
    }

    @Test("--resume redoes a (file, analysis) whose result is missing or damaged, and removes an error left beside a record")
    func resumeChecksResults() throws {
        let (root, manifest) = try Self.manifestDataset()
        defer { try? FileManager.default.removeItem(at: root) }
        let items = try DatasetScanner.scan(manifest)
        let out = root.appendingPathComponent("results").path
        let counter = Counter()
        let runner = BatchRunner(analyses: [ByteSumAnalysis(calls: counter)], resultsDirectory: out, jobs: 1, resume: true)
        _ = try runner.run(items) { _ in }
        #expect(counter.total == 4)
        let name = BatchItem.resultKey(for: "y.csv") + ".bytesum.json"
        try Data("{\"bytes\":0}".utf8).write(to: URL(fileURLWithPath: "\(out)/results/\(name)"))
        try FileManager.default.removeItem(atPath: "\(out)/results/" + BatchItem.resultKey(for: "data/x.csv") + ".bytesum.json")
        try JSONEncoder().encode(BatchFailure(file: "../other/z.csv", analysis: "bytesum", exitCode: 3, message: "stale"))
            .write(to: URL(fileURLWithPath: "\(out)/errors/" + BatchItem.resultKey(for: "../other/z.csv") + ".bytesum.json"))
        let again = try runner.run(items) { _ in }
        #expect(again.done == 2 && again.skipped == 1 && again.failed == 1)
        #expect(counter.count("y.csv") == 2 && counter.count("data/x.csv") == 2 && counter.count("../other/z.csv") == 1)
        try BatchMerger.merge(resultsDirectory: out)
    }

    @Test("records stored under the hidden names of earlier versions are still merged")
    func legacyHiddenRecords() throws {
        let (root, manifest) = try Self.manifestDataset()
        defer { try? FileManager.default.removeItem(at: root) }
        let items = try DatasetScanner.scan(manifest)
        let out = root.appendingPathComponent("results").path
        _ = try BatchRunner(analyses: [ByteSumAnalysis(calls: Counter())], resultsDirectory: out, jobs: 1, resume: false).run(items) { _ in }
        let current = BatchItem.resultKey(for: "../other/z.csv") + ".bytesum.json"
        let legacy = BatchItem.legacyResultKey(for: "../other/z.csv") + ".bytesum.json"
        #expect(legacy.hasPrefix("."))
        for folder in ["records", "results"] {
            try FileManager.default.moveItem(atPath: "\(out)/\(folder)/\(current)", toPath: "\(out)/\(folder)/\(legacy)")
        }
        try BatchMerger.merge(resultsDirectory: out)
        #expect(try String(contentsOfFile: out + "/sums.csv", encoding: .utf8).contains("\n../other/z.csv,"))
    }

    @Test("a folder scan follows symbolic links (recordings and the root), ends loops, never enters a results folder, and reports every other file")
    func folderScan() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        // git-annex layout: the recordings are links into a hidden object store.
        try Self.recording(root.appendingPathComponent("ds/.git/annex/objects/k1"))
        try Self.recording(root.appendingPathComponent("ds/.git/annex/objects/k2"), rows: 25)
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("ds/sub-01/emg"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("ds/sub-01/emg/sub-01_task-a_emg.csv").path, withDestinationPath: "../../.git/annex/objects/k1")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("ds/sub-01/emg/sub-01_task-b_emg.csv").path, withDestinationPath: "../../.git/annex/objects/k2")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("ds/sub-01/emg/sub-01_task-c_emg.csv").path, withDestinationPath: "../../.git/annex/objects/absent")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("ds/sub-01/back").path, withDestinationPath: "..")
        try Data().write(to: root.appendingPathComponent("ds/sub-01/empty.wav"))
        try Data([0, 1, 2, 3]).write(to: root.appendingPathComponent("ds/photo.jpg"))
        try "# A dataset\n".write(to: root.appendingPathComponent("ds/README"), atomically: true, encoding: .utf8)
        #expect(mkfifo(root.appendingPathComponent("ds/live.wav").path, 0o600) == 0)
        // Results of earlier runs inside the dataset: one with the marker, one from before it (records only).
        try Self.recording(root.appendingPathComponent("ds/derivatives/synk/table.csv"))
        try Data().write(to: root.appendingPathComponent("ds/derivatives/synk/" + DatasetScanner.resultsMarker))
        try Self.recording(root.appendingPathComponent("ds/old-results/synkinesis_pairs.csv"))
        try fm.createDirectory(at: root.appendingPathComponent("ds/old-results/records"), withIntermediateDirectories: true)
        try JSONEncoder().encode(BatchRecord(file: "x", analysis: "synkinesis", sha256: "", fingerprint: "", synkVersion: "", entities: [:],
                                             options: [:], seconds: 0, qualityFailed: false, tables: [:]))
            .write(to: root.appendingPathComponent("ds/old-results/records/x.json"))
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("link").path, withDestinationPath: "ds")

        let scan = try DatasetScanner.scanDataset(root.appendingPathComponent("link").path)
        #expect(scan.items.map(\.relativePath) == ["live.wav", "sub-01/emg/sub-01_task-a_emg.csv", "sub-01/emg/sub-01_task-b_emg.csv",
                                                  "sub-01/emg/sub-01_task-c_emg.csv", "sub-01/empty.wav"])
        #expect(scan.items.map { $0.problem != nil } == [true, false, false, true, false])
        #expect(scan.items[0].problem == "a FIFO (named pipe), not a regular file")
        #expect(scan.items[3].problem?.hasPrefix("a symbolic link to a missing file") == true)
        #expect(scan.skipped.map(\.path) == ["photo.jpg", "sub-01/back"])
        #expect(scan.skipped[1].reason.hasPrefix("leads to the folder . already scanned"))
        // The run's own results folder is never scanned, even without a marker yet.
        try Self.recording(root.appendingPathComponent("ds/out/synkinesis_pairs.csv"))
        let excluded = try DatasetScanner.scanDataset(root.appendingPathComponent("ds").path, excluding: root.appendingPathComponent("ds/out").path)
        #expect(excluded.items.count == 5 && !excluded.items.contains { $0.relativePath.hasPrefix("out/") })
    }

    @Test("a file name that is not UTF-8 is reported, not passed over")
    func nonUTF8Names() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.recording(root.appendingPathComponent("good.csv"))
        for name in [[0x78, 0xFF, 0x2E, 0x77, 0x61, 0x76], [0x6E, 0xFE, 0x2E, 0x64, 0x61, 0x74]] as [[UInt8]] {
            let path = root.path + "/" + String(decoding: [], as: UTF8.self)
            let bytes = Array(path.utf8) + name + [0]
            let descriptor = bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) { open($0, O_CREAT | O_WRONLY, 0o644) }
            }
            #expect(descriptor >= 0)
            close(descriptor)
        }
        let scan = try DatasetScanner.scanDataset(root.path)
        #expect(scan.items.map(\.relativePath) == ["good.csv", "x\\xFF.wav"])
        #expect(scan.items[1].problem?.hasPrefix("the file name is not valid UTF-8") == true)
        #expect(scan.skipped.map(\.path) == ["n\\xFE.dat"])
    }
}
