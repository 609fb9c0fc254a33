import Foundation
import SynkCore

/// A table a batch assembles: one row per file × something (task × pair, branch, …).
public struct BatchTable: Sendable, Codable, Hashable {
    public var columns: [String]
    public var rows: [[String]]

    public init(columns: [String], rows: [[String]]) {
        self.columns = columns
        self.rows = rows
    }
}

/// What one analysis of one file produced.
public struct BatchOutput: Sendable {
    /// The complete result, exactly as the analysis command writes it with `--format json`.
    public var resultJSON: Data
    /// Rows for the dataset's tidy tables, by table name.
    public var tables: [String: BatchTable]
    /// Whether a quality check failed (the result is still written).
    public var qualityFailed: Bool
    /// Why the analysis does not apply to this file (e.g. ncs on a 1 kHz recording); nil when it ran.
    public var notApplicable: String?

    public init(resultJSON: Data, tables: [String: BatchTable], qualityFailed: Bool = false) {
        self.resultJSON = resultJSON
        self.tables = tables
        self.qualityFailed = qualityFailed
    }

    /// The analysis does not apply to the file: recorded (and skipped on resume), listed in
    /// `not_applicable.csv`, neither a result nor an error.
    public static func notApplicable(_ reason: String) -> BatchOutput {
        var output = BatchOutput(resultJSON: Data(), tables: [:])
        output.notApplicable = reason
        return output
    }
}

/// An analysis a batch can run on every file.
public protocol BatchAnalysis: Sendable {
    /// Short name used in file names and `--analyses` (`synkinesis`, `ncs`).
    var name: String { get }
    /// Every setting that changes the result; part of the resume fingerprint.
    var parameters: [String: String] { get }
    /// Analyses one file whose content hash is `sha256`.
    func analyze(_ item: BatchItem, sha256: String) throws(SynkError) -> BatchOutput
}

/// The provenance record stored for each completed (file, analysis): resume compares it, merge reads it.
public struct BatchRecord: Sendable, Codable {
    public var file: String
    public var analysis: String
    public var sha256: String
    public var fingerprint: String
    public var synkVersion: String
    public var entities: [String: String]
    public var options: [String: String]
    public var seconds: Double
    public var qualityFailed: Bool
    /// Why the analysis did not apply to the file; nil when it ran.
    public var notApplicable: String?
    public var tables: [String: BatchTable]
    /// SHA-256 of the result file this record belongs to (`results/<key>.<analysis>.json`); nil for a file the
    /// analysis does not apply to, and in records of earlier synk versions.
    public var resultSHA256: String?

    enum CodingKeys: String, CodingKey {
        case file, analysis, sha256, fingerprint, synkVersion = "synk_version", entities, options, seconds
        case qualityFailed = "quality_failed", notApplicable = "not_applicable", tables
        case resultSHA256 = "result_sha256"
    }

    /// The file name records, results and errors of this (file, analysis) are stored under.
    public var storedName: String { "\(BatchItem.resultKey(for: file)).\(analysis).json" }

    /// Why the result file at `resultPath` is not the one this record was made with, or nil when it is: it must
    /// exist (unless the analysis did not apply, and then it must not), be JSON naming this record's file and
    /// input hash, and have the bytes the record hashed.
    public func problemWithResult(at resultPath: String) -> String? {
        let exists = ResolvedPath(resultPath).kind != .missing
        if notApplicable != nil {
            return exists ? "a result exists although its record says the analysis did not apply" : nil
        }
        guard exists else { return "the result file is missing" }
        guard let data = FileManager.default.contents(atPath: resultPath) else { return "the result file cannot be read" }
        if let resultSHA256, SHA256.hex(of: [UInt8](data)) != resultSHA256 {
            return "the result file is not the one its record was written with (changed or damaged)"
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return "the result file is not valid JSON (damaged)"
        }
        if let input = object["input"] as? [String: Any],
           input["sha256"] as? String != sha256 || input["path"] as? String != file {
            return "the result file describes another input than its record"
        }
        return nil
    }
}

/// A failure of one (file, analysis); a bad file never stops the batch.
public struct BatchFailure: Sendable, Codable {
    public var file: String
    public var analysis: String
    public var exitCode: Int32
    public var message: String

    enum CodingKeys: String, CodingKey { case file, analysis, exitCode = "exit_code", message }
}

/// Progress reports, delivered one at a time.
public struct BatchProgress: Sendable {
    public enum Outcome: String, Sendable {
        /// Analysed now.
        case done
        /// A matching record existed (`--resume`).
        case skipped
        /// The analysis does not apply to the file; recorded, not an error.
        case notApplicable = "not-applicable"
        /// Failed; see `errors.csv`.
        case failed
    }
    public var completed: Int
    public var total: Int
    public var item: BatchItem
    public var analysis: String
    public var outcome: Outcome
    public var seconds: Double
    public var message: String?
}

/// Totals of a run.
public struct BatchSummary: Sendable, Codable {
    public var files: Int
    public var done: Int
    public var skipped: Int
    public var notApplicable: Int
    /// Every failed (file, analysis), whatever the reason.
    public var failed: Int
    /// Results (new or resumed) with a quality flag raised, plus failures of kind `.quality` (e.g. every
    /// channel of a file excluded).
    public var qualityFailed: Int
    public var seconds: Double

    public init(files: Int, done: Int, skipped: Int, notApplicable: Int, failed: Int, qualityFailed: Int, qualityFailures: Int = 0, seconds: Double) {
        self.qualityFailures = qualityFailures
        self.files = files
        self.done = done
        self.skipped = skipped
        self.notApplicable = notApplicable
        self.failed = failed
        self.qualityFailed = qualityFailed
        self.seconds = seconds
    }

    /// The process exit code `synk batch` documents: 3 when any (file, analysis) failed for another
    /// reason than quality (unreadable or invalid input, result not writable), else 1 when any result has
    /// a quality flag or failed on quality alone, else 0.
    public var exitCode: Int32 {
        let qualityOnlyFailures = min(failed, qualityFailures)
        return failed > qualityOnlyFailures ? 3 : qualityFailed > 0 ? 1 : 0
    }
    /// Failures of kind `.quality` (included in both ``failed`` and ``qualityFailed``).
    public var qualityFailures: Int = 0
    /// (file, analysis) pairs not started because the run was stopped (``BatchStop``); 0 for a complete run.
    public var notStarted: Int = 0
    /// Whether the run was stopped before every (file, analysis) was started.
    public var stopped: Bool { notStarted > 0 }
}

/// A request to stop a running batch (Ctrl-C, SIGTERM from Slurm): no (file, analysis) starts after it; those in
/// progress finish and are recorded, so that `--resume` continues exactly where the run stopped.
public final class BatchStop: @unchecked Sendable {
    // @unchecked: `requested` is only touched while `lock` is held.
    private let lock = NSLock()
    private var requested = false

    public init() {}

    public func request() {
        lock.lock()
        requested = true
        lock.unlock()
    }

    public var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }
}

/// Runs analyses over a dataset in parallel, resumably: every result is written atomically, and a file
/// whose record matches its current content hash, parameters and synk version is not analysed again.
///
/// Folder layout of the results: `results/<key>.<analysis>.json` (the analysis's own JSON),
/// `records/<key>.<analysis>.json` (provenance and table rows, written last), `errors/<key>.<analysis>.json`,
/// and after merging the tables `<table>.csv` and `errors.csv`.
public struct BatchRunner: Sendable {
    public var analyses: [any BatchAnalysis]
    public var resultsDirectory: String
    public var jobs: Int
    public var resume: Bool
    /// When set, one line `<file>\t<analysis>` is appended to this file (O_APPEND) whenever an analysis
    /// starts: tests use it to prove that a resumed run analyses nothing that was already complete.
    public var tracePath: String?
    /// Sleep after each analysis; only for tests that must interrupt a run mid-way.
    public var delayPerAnalysis: Double = 0
    /// Checked before each (file, analysis) starts: once requested, nothing more starts.
    public var stop: BatchStop?

    public init(analyses: [any BatchAnalysis], resultsDirectory: String, jobs: Int, resume: Bool) {
        self.analyses = analyses
        self.resultsDirectory = resultsDirectory
        self.jobs = max(1, jobs)
        self.resume = resume
    }

    /// The fingerprint of everything besides the input bytes that determines a result: the analysis, its settings,
    /// the file's manifest options and the synk version (a new version may compute a different result).
    public static func fingerprint(_ analysis: any BatchAnalysis, item: BatchItem) -> String {
        let settings = analysis.parameters.merging(item.options.mapKeys { "option." + $0 }) { a, _ in a }
        let canonical = ([analysis.name, "synk_version=" + SynkVersion.current]
            + settings.keys.sorted().map { "\($0)=\(settings[$0]!)" }).joined(separator: "\n")
        return String(SHA256.hex(of: Array(canonical.utf8)).prefix(16))
    }

    func path(_ folder: String, _ item: BatchItem, _ analysis: any BatchAnalysis) -> String {
        "\(resultsDirectory)/\(folder)/\(item.resultKey).\(analysis.name).json"
    }

    /// Creates the results folders and the marker that keeps later scans out of them; an `.output` error
    /// (exit 4) when files cannot be created there.
    public func prepare() throws(SynkError) {
        try FileSafety.prepareOutputFolder(resultsDirectory)
        for folder in ["/results", "/records", "/errors"] {
            do {
                try FileManager.default.createDirectory(atPath: resultsDirectory + folder, withIntermediateDirectories: true)
            } catch {
                throw .output(resultsDirectory + folder, "cannot create the results folder: \(error.localizedDescription)")
            }
        }
        let marker = resultsDirectory + "/" + DatasetScanner.resultsMarker
        if ResolvedPath(marker).kind == .missing {
            try AtomicOutput.write(text: "synk batch results (this folder is never scanned as a dataset)\n", to: marker)
        }
    }

    /// Analyses `items`, calling `progress` after each (file, analysis). Never throws for a bad file.
    public func run(_ items: [BatchItem], progress: @escaping @Sendable (BatchProgress) -> Void) throws(SynkError) -> BatchSummary {
        try prepare()
        let start = Date()
        let work = items.flatMap { item in analyses.map { (item, $0) } }
        let state = Locked(Counts())
        let next = Locked(0)
        let workers = min(jobs, max(1, work.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                if stop?.isRequested == true { return }
                let index: Int = next.withLock { value in defer { value += 1 }; return value }
                guard index < work.count else { return }
                let (item, analysis) = work[index]
                let began = Date()
                let (outcome, message, qualityFailed) = process(item, analysis)
                let seconds = Date().timeIntervalSince(began)
                state.withLock { counts in
                    counts.completed += 1
                    if qualityFailed { counts.qualityFailed += 1 }
                    if qualityFailed, outcome == .failed { counts.qualityFailures += 1 }
                    switch outcome {
                    case .done: counts.done += 1
                    case .skipped: counts.skipped += 1
                    case .notApplicable: counts.notApplicable += 1
                    case .failed: counts.failed += 1
                    }
                    progress(BatchProgress(completed: counts.completed, total: work.count, item: item, analysis: analysis.name,
                                           outcome: outcome, seconds: seconds, message: message))
                }
            }
        }
        let counts = state.withLock { $0 }
        var summary = BatchSummary(files: items.count, done: counts.done, skipped: counts.skipped, notApplicable: counts.notApplicable,
                                   failed: counts.failed, qualityFailed: counts.qualityFailed, qualityFailures: counts.qualityFailures,
                                   seconds: Date().timeIntervalSince(start))
        summary.notStarted = work.count - counts.completed
        return summary
    }

    struct Counts { var completed = 0, done = 0, skipped = 0, notApplicable = 0, failed = 0, qualityFailed = 0, qualityFailures = 0 }

    func trace(_ item: BatchItem, _ analysis: any BatchAnalysis) {
        guard let tracePath else { return }
        let fd = open(tracePath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { return }
        // One write() of a short line with O_APPEND: lines of concurrent workers never interleave.
        let line = Array("\(item.relativePath)\t\(analysis.name)\n".utf8)
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// Analyses one (file, analysis): the outcome, a message, and whether the (new or resumed) result has a quality flag.
    func process(_ item: BatchItem, _ analysis: any BatchAnalysis) -> (BatchProgress.Outcome, String?, Bool) {
        let recordPath = path("records", item, analysis)
        let errorPath = path("errors", item, analysis)
        let resultPath = path("results", item, analysis)
        let fingerprint = Self.fingerprint(analysis, item: item)
        // Files stored by earlier versions under a hidden name go: this run's files replace them.
        let legacy = BatchItem.legacyResultKey(for: item.relativePath)
        if legacy != item.resultKey {
            for folder in ["records", "results", "errors"] { unlink("\(resultsDirectory)/\(folder)/\(legacy).\(analysis.name).json") }
        }
        do throws(SynkError) {
            if let problem = item.problem { throw SynkError.input(item.relativePath, problem) }
            // Never hash a FIFO or a device (`/dev/zero` in a manifest would be read forever).
            try RegularFile.require(item.absolutePath, role: "recording")
            let sha = try SHA256.hexOfFile(atPath: item.absolutePath)
            // A record counts only with the result it was written with; otherwise the file is analysed again.
            if resume, let data = FileManager.default.contents(atPath: recordPath),
               let record = try? JSONDecoder().decode(BatchRecord.self, from: data),
               record.file == item.relativePath, record.analysis == analysis.name,
               record.sha256 == sha, record.fingerprint == fingerprint, record.synkVersion == SynkVersion.current,
               record.problemWithResult(at: resultPath) == nil {
                unlink(errorPath) // left behind when a run stopped between writing the record and removing it
                return (.skipped, record.notApplicable, record.qualityFailed)
            }
            trace(item, analysis)
            let began = Date()
            let output = try analysis.analyze(item, sha256: sha)
            if delayPerAnalysis > 0 { Thread.sleep(forTimeInterval: delayPerAnalysis) }
            // An earlier record goes first: were the run killed next, no record would vouch for a new result.
            unlink(recordPath)
            if output.notApplicable == nil {
                try AtomicOutput.write(output.resultJSON, to: resultPath)
            } else {
                unlink(resultPath)
            }
            let record = BatchRecord(file: item.relativePath, analysis: analysis.name, sha256: sha, fingerprint: fingerprint,
                                     synkVersion: SynkVersion.current, entities: item.entities, options: item.options,
                                     seconds: Date().timeIntervalSince(began), qualityFailed: output.qualityFailed,
                                     notApplicable: output.notApplicable, tables: output.tables,
                                     resultSHA256: output.notApplicable == nil ? SHA256.hex(of: [UInt8](output.resultJSON)) : nil)
            let data: Data
            do { data = try Self.sortedKeysEncoder().encode(record) } catch {
                throw SynkError.output(recordPath, "cannot encode the batch record: \(error)")
            }
            // The record is written last: its presence means the result is complete.
            try AtomicOutput.write(data, to: recordPath)
            unlink(errorPath)
            if let reason = output.notApplicable { return (.notApplicable, reason, false) }
            return (.done, output.qualityFailed ? "quality flags raised" : nil, output.qualityFailed)
        } catch {
            // A failure replaces any earlier result of this (file, analysis), so merge never mixes the two.
            unlink(recordPath)
            unlink(resultPath)
            let failure = BatchFailure(file: item.relativePath, analysis: analysis.name, exitCode: error.exitCode,
                                       message: Self.relative(error, item).description)
            if let data = try? Self.sortedKeysEncoder().encode(failure) { try? AtomicOutput.write(data, to: errorPath) }
            return (.failed, failure.message, error.kind == .quality)
        }
    }
}

extension BatchRunner {
    /// Removes what ``prepare()`` created when nothing was written into it (each folder only if empty): for a run that
    /// stopped before its first analysis (an unreadable manifest) in a results folder it created itself.
    public func removeEmptyResultsFolder() {
        for folder in ["/results", "/records", "/errors"] { rmdir(resultsDirectory + folder) }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: resultsDirectory)) ?? []
        if names == [DatasetScanner.resultsMarker] { unlink(resultsDirectory + "/" + DatasetScanner.resultsMarker) }
        rmdir(resultsDirectory)
    }

    /// Records and error files with sorted keys: the same outcome is written as the same bytes in every run.
    static func sortedKeysEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// The error naming the file by its dataset-relative path, so errors.csv does not depend on where the
    /// dataset is mounted (shards on different nodes, a moved dataset).
    static func relative(_ error: SynkError, _ item: BatchItem) -> SynkError {
        var copy = error
        if copy.file == nil || copy.file == item.absolutePath { copy.file = item.relativePath }
        return copy
    }
}

/// A value behind a lock, for the few counters the workers share.
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

extension Dictionary {
    func mapKeys<K: Hashable>(_ transform: (Key) -> K) -> [K: Value] {
        Dictionary<K, Value>(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
