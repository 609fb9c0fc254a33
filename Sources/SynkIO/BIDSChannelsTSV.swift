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
        let table = try DelimitedTable.read(path: path, role: "channels table", maximumRows: InputLimits.maximumChannels)
        guard let nameColumn = table.columns.firstIndex(of: "name") else {
            throw .input(path, "no 'name' column", place: "line 1", hint: "a BIDS channels.tsv starts with name, type, units")
        }
        var rows: [Row] = []
        for (cells, line) in zip(table.rows, table.lines) {
            var columns: [String: String] = [:]
            for (index, column) in table.columns.enumerated() where DelimitedTable.value(cells[index]) != nil {
                columns[column] = cells[index]
            }
            guard let name = DelimitedTable.value(cells[nameColumn]) else {
                throw .input(path, "a channel without a name", place: "line \(line)")
            }
            rows.append(Row(name: name, type: columns["type"]?.uppercased(), units: columns["units"],
                            targetMuscle: columns["target_muscle"], status: columns["status"],
                            statusDescription: columns["status_description"], columns: columns, line: line))
        }
        return ChannelsTSV(path: path, rows: rows)
    }
}
