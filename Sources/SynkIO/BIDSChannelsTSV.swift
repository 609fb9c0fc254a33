import Foundation
import SynkCore

/// A BIDS `*_channels.tsv`: one row per channel, in the order of the recording's channels.
///
/// Used by ``BIDSSidecars`` and by montage readers (a `--montage` may be a channels.tsv).
public struct ChannelsTSV: Sendable, Hashable {
    /// One channel's row.
    public struct Row: Sendable, Hashable {
        public var name: String
        /// `EMG`, `TRIG`, `MISC`, ... as written (upper-cased).
        public var type: String?
        /// The `units` cell, `nil` for `n/a`.
        public var units: String?
        /// The `target_muscle` cell, `nil` for `n/a`.
        public var targetMuscle: String?
        /// `good` or `bad`; `nil` when the column is absent or `n/a`.
        public var status: String?
        public var statusDescription: String?
        /// Every non-`n/a` cell by column name, the columns above included.
        public var columns: [String: String]
        /// The 1-based line of the row in the file.
        public var line: Int

        /// `EMG` → `.emg`; `TRIG` (and `TRIGGER`, `STIM`) → `.trigger`; anything else → `.auxiliary`.
        public var kind: ChannelKind {
            switch type?.uppercased() {
            case "EMG", nil: .emg
            case "TRIG", "TRIGGER", "STIM", "EVENT": .trigger
            default: .auxiliary
            }
        }

        /// Muscle and side from `target_muscle`, each falling back to what the channel name says.
        public var placement: ChannelPlacement {
            let fromName = ChannelPlacement(label: name)
            guard let targetMuscle else { return fromName }
            let fromTarget = ChannelPlacement(label: targetMuscle)
            return ChannelPlacement(muscle: fromTarget.muscle ?? fromName.muscle, side: fromTarget.side ?? fromName.side)
        }

        /// Whether the row marks the channel as bad.
        public var isBad: Bool { status?.lowercased() == "bad" }
    }

    public var path: String
    public var rows: [Row]

    /// Reads and parses `path`; the `name` column is required.
    public static func read(path: String) throws(SynkError) -> ChannelsTSV {
        let table = try BIDSTable.read(path: path)
        guard let nameColumn = table.columns.firstIndex(of: "name") else {
            throw .input(path, "no 'name' column", place: "line 1", hint: "a BIDS channels.tsv starts with name, type, units")
        }
        var rows: [Row] = []
        for (cells, line) in zip(table.rows, table.lines) {
            var columns: [String: String] = [:]
            for (index, column) in table.columns.enumerated() where BIDSTable.value(cells[index]) != nil {
                columns[column] = cells[index]
            }
            guard let name = BIDSTable.value(cells[nameColumn]) else {
                throw .input(path, "a channel without a name", place: "line \(line)")
            }
            rows.append(Row(name: name, type: columns["type"]?.uppercased(), units: columns["units"],
                            targetMuscle: columns["target_muscle"], status: columns["status"],
                            statusDescription: columns["status_description"], columns: columns, line: line))
        }
        return ChannelsTSV(path: path, rows: rows)
    }
}

/// A tab-separated BIDS table: a header row of column names, then rows of as many cells.
struct BIDSTable {
    var columns: [String]
    var rows: [[String]]
    var lines: [Int]

    /// `n/a` and empty cells are absent values.
    static func value(_ cell: String) -> String? {
        let trimmed = cell.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || trimmed.lowercased() == "n/a" ? nil : trimmed
    }

    static func read(path: String) throws(SynkError) -> BIDSTable {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .input(path, "cannot read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .input(path, "not UTF-8 text") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { throw .input(path, "empty file") }
        // BIDS tables are tab-separated; an events file written by hand is often comma-separated.
        let delimiter: Character = first.contains("\t") || !first.contains(",") ? "\t" : ","
        let columns = first.split(separator: delimiter, omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        var table = BIDSTable(columns: columns, rows: [], lines: [])
        for (offset, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let cells = line.split(separator: delimiter, omittingEmptySubsequences: false).map(String.init)
            guard cells.count == columns.count else {
                throw .input(path, "\(cells.count) columns where the header has \(columns.count)", place: "line \(offset + 1)")
            }
            table.rows.append(cells)
            table.lines.append(offset + 1)
        }
        return table
    }
}
