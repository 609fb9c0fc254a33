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
            try AtomicOutput.write(text: lines.joined(separator: "\n") + "\n", to: "\(resultsDirectory)/\(name).csv")
        }
        let failures = loadFailures(resultsDirectory)
        var errorLines = [CSVText.line(["file", "analysis", "exit_code", "message"])]
        for f in failures { errorLines.append(CSVText.line([f.file, f.analysis, String(f.exitCode), f.message])) }
        try AtomicOutput.write(text: errorLines.joined(separator: "\n") + "\n", to: "\(resultsDirectory)/errors.csv")
        var skippedLines = [CSVText.line(["file", "analysis", "reason"])]
        for record in records { if let reason = record.notApplicable { skippedLines.append(CSVText.line([record.file, record.analysis, reason])) } }
        try AtomicOutput.write(text: skippedLines.joined(separator: "\n") + "\n", to: "\(resultsDirectory)/not_applicable.csv")
        return columns.keys.sorted()
    }

    static func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .sorted()
            .map { "\(folder)/\($0)" }
    }

    static func loadRecords(_ directory: String) throws(SynkError) -> [BatchRecord] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: "\(directory)/records", isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .input(directory, "not a batch results folder (no records/ inside)")
        }
        var records: [BatchRecord] = []
        for path in files(in: "\(directory)/records") {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            do { records.append(try JSONDecoder().decode(BatchRecord.self, from: data)) } catch {
                throw .input(path, "unreadable batch record: \(error.localizedDescription)")
            }
        }
        return records.sorted { ($0.file, $0.analysis) < ($1.file, $1.analysis) }
    }

    /// The failures recorded in a results folder, sorted by file and analysis.
    public static func failures(resultsDirectory: String) -> [BatchFailure] {
        loadFailures(resultsDirectory)
    }

    static func loadFailures(_ directory: String) -> [BatchFailure] {
        files(in: "\(directory)/errors").compactMap { path in
            FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(BatchFailure.self, from: $0) }
        }.sorted { ($0.file, $0.analysis) < ($1.file, $1.analysis) }
    }
}
