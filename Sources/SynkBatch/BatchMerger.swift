import Foundation
import SynkCore
import SynkReport

/// Combines the per-file records of one or more shards into the dataset's tidy tables.
///
/// Each table gets the columns `file`, `sub`, `ses`, `task`, `run` (BIDS entities, empty where absent),
/// then the analysis's own columns. Rows are ordered by file path, then as the analysis produced them,
/// so a merged sharded run equals a single-process run byte for byte.
public enum BatchMerger {
    /// The BIDS entities, as columns: `task` is named `bids_task` because analyses have a `task` column
    /// of their own (the expression task).
    public static let entityColumns = ["sub", "ses", "bids_task", "run"]
    static let entityKeys = ["sub", "ses", "task", "run"]

    /// Writes `<table>.csv` for every table found, `errors.csv` (file, analysis, exit_code, message) and
    /// `not_applicable.csv` (file, analysis, reason); returns the table names written.
    @discardableResult
    public static func merge(resultsDirectory: String) throws(SynkError) -> [String] {
        let records = try loadRecords(resultsDirectory)
        // Every check runs (damaged records, errors, results) before anything is written, and the tables replace the
        // old ones together: a merge that fails leaves the previous tables as they were, never half of each.
        let tables = OutputSet()
        var columns: [String: [String]] = [:]
        for record in records {
            for (name, table) in record.tables {
                var known = columns[name] ?? []
                for column in table.columns where !known.contains(column) { known.append(column) }
                columns[name] = known
            }
        }
        for (name, tableColumns) in columns {
            var lines = [CSVText.line(["file"] + entityColumns + tableColumns)]
            for record in records {
                guard let table = record.tables[name] else { continue }
                let prefix = [record.file] + entityKeys.map { record.entities[$0] ?? "" }
                for row in table.rows {
                    let byName = Dictionary(zip(table.columns, row), uniquingKeysWith: { a, _ in a })
                    lines.append(CSVText.line(prefix + tableColumns.map { byName[$0] ?? "" }))
                }
            }
            try tables.stage(Data((lines.joined(separator: "\n") + "\n").utf8), as: "\(resultsDirectory)/\(name).csv")
        }
        let failures = try loadFailures(resultsDirectory, records: Dictionary(uniqueKeysWithValues: records.map {
            ("\($0.file)\u{1F}\($0.analysis)", $0.storedName)
        }))
        var errorLines = [CSVText.line(["file", "analysis", "exit_code", "message"])]
        for f in failures { errorLines.append(CSVText.line([f.file, f.analysis, String(f.exitCode), f.message])) }
        try tables.stage(Data((errorLines.joined(separator: "\n") + "\n").utf8), as: "\(resultsDirectory)/errors.csv")
        var skippedLines = [CSVText.line(["file", "analysis", "reason"])]
        for record in records { if let reason = record.notApplicable { skippedLines.append(CSVText.line([record.file, record.analysis, reason])) } }
        try tables.stage(Data((skippedLines.joined(separator: "\n") + "\n").utf8), as: "\(resultsDirectory)/not_applicable.csv")
        try tables.commit()
        return columns.keys.sorted()
    }

    /// Writes `skipped.csv` (`file,reason`): the files a folder scan passed over and why.
    public static func writeSkipped(_ skipped: [SkippedFile], resultsDirectory: String) throws(SynkError) {
        var lines = [CSVText.line(["file", "reason"])]
        for file in skipped { lines.append(CSVText.line([file.path, file.reason])) }
        try AtomicOutput.write(text: lines.joined(separator: "\n") + "\n", to: "\(resultsDirectory)/skipped.csv")
    }

    /// The JSON files of `folder`, hidden names included (earlier versions stored records of paths starting
    /// with `..` under hidden names), sorted; temporary files of an interrupted write end in `.tmp`, not `.json`.
    static func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".json") }
            .sorted()
            .map { "\(folder)/\($0)" }
    }

    /// Whether `name` is where the record (or result, or error) of (`file`, `analysis`) belongs.
    static func isStoredName(_ name: String, file: String, analysis: String) -> Bool {
        name == "\(BatchItem.resultKey(for: file)).\(analysis).json" || name == "\(BatchItem.legacyResultKey(for: file)).\(analysis).json"
    }

    /// Every record of the folder, checked against everything else in it: each record decodes, is stored
    /// under its own name (not a copy under another), is the only one of its (file, analysis), and its result
    /// file is the one it was written with; every error decodes, is stored under its own name and has no record
    /// beside it; no result lacks a record. Any breach is an `.input` error naming the file, so that the merged
    /// tables hold exactly what the runs reported.
    static func loadRecords(_ directory: String) throws(SynkError) -> [BatchRecord] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: "\(directory)/records", isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .input(directory, "not a batch results folder (no records/ inside)")
        }
        let rerun = "run the batch again with --resume, which redoes what is missing or damaged"
        var records: [BatchRecord] = []
        var byKey: [String: String] = [:]
        var storedNames = Set<String>()
        for path in files(in: "\(directory)/records") {
            let name = (path as NSString).lastPathComponent
            guard let data = FileManager.default.contents(atPath: path) else { throw .input(path, "cannot read the batch record") }
            let record: BatchRecord
            do { record = try JSONDecoder().decode(BatchRecord.self, from: data) } catch {
                throw .input(path, "unreadable batch record (damaged): \(error.localizedDescription)", hint: rerun)
            }
            guard isStoredName(name, file: record.file, analysis: record.analysis) else {
                throw .input(path, "is a record of \(record.file) (\(record.analysis)) stored under another name: a copy?",
                             hint: "remove it; each record lives at records/\(record.storedName)")
            }
            let key = "\(record.file)\u{1F}\(record.analysis)"
            if let other = byKey[key] {
                throw .input(path, "a second record of \(record.file) (\(record.analysis)); the first is \(other)", hint: "remove the older one, or \(rerun)")
            }
            byKey[key] = path
            if let problem = record.problemWithResult(at: "\(directory)/results/\(name)") {
                throw .input("\(directory)/results/\(name)", problem, hint: rerun)
            }
            storedNames.insert(name)
            records.append(record)
        }
        for path in files(in: "\(directory)/results") where !storedNames.contains((path as NSString).lastPathComponent) {
            throw .input(path, "a result without a record (the run that wrote it was interrupted)", hint: rerun)
        }
        _ = try loadFailures(directory, records: byKey)
        return records.sorted { ($0.file, $0.analysis) < ($1.file, $1.analysis) }
    }

    /// The failures recorded in a results folder, sorted by file and analysis (after ``merge(resultsDirectory:)``
    /// checked them; an unreadable error file is left out here).
    public static func failures(resultsDirectory: String) -> [BatchFailure] {
        files(in: "\(resultsDirectory)/errors").compactMap { path in
            FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(BatchFailure.self, from: $0) }
        }.sorted { ($0.file, $0.analysis) < ($1.file, $1.analysis) }
    }

    /// Every failure of the folder; an error file that does not decode, is stored under another name, repeats
    /// another or sits beside a record of the same (file, analysis) is an `.input` error naming it.
    static func loadFailures(_ directory: String, records: [String: String]) throws(SynkError) -> [BatchFailure] {
        var failures: [BatchFailure] = []
        var seen = Set<String>()
        for path in files(in: "\(directory)/errors") {
            let name = (path as NSString).lastPathComponent
            guard let data = FileManager.default.contents(atPath: path) else { throw .input(path, "cannot read the error file") }
            let failure: BatchFailure
            do { failure = try JSONDecoder().decode(BatchFailure.self, from: data) } catch {
                throw .input(path, "unreadable batch error file (damaged): \(error.localizedDescription)",
                             hint: "run the batch again with --resume: failed files are tried again")
            }
            guard isStoredName(name, file: failure.file, analysis: failure.analysis) else {
                throw .input(path, "is the error of \(failure.file) (\(failure.analysis)) stored under another name: a copy?", hint: "remove it")
            }
            let key = "\(failure.file)\u{1F}\(failure.analysis)"
            guard seen.insert(key).inserted else { throw .input(path, "a second error of \(failure.file) (\(failure.analysis))", hint: "remove it") }
            if let record = records[key] {
                throw .input(path, "\(failure.file) (\(failure.analysis)) has both this error and the record \(record)",
                             hint: "run the batch again with --resume, which keeps the one that is current")
            }
            failures.append(failure)
        }
        return failures.sorted { ($0.file, $0.analysis) < ($1.file, $1.analysis) }
    }
}
