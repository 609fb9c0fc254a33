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

extension ChannelsTSV {
    /// Applies the table to `header` as BIDS defines a `*_channels.tsv`: row *k* describes the recording's channel
    /// *k* (names, kinds, units where the recording's are unknown, muscles and sides from `target_muscle` or the
    /// names, bad channels). The one implementation for a BIDS sidecar and for a `--montage` channels.tsv given for a
    /// recording whose channels have no labels of their own.
    ///
    /// Errors (kind `.input`, naming the table): a row count that differs from the recording's channel count, a unit
    /// that contradicts a known unit.
    public func apply(to header: inout RecordingHeader, recordingPath: String) throws(SynkError) -> AppliedSidecar {
        guard rows.count == header.channels.count else {
            throw .input(path, "lists \(rows.count) channels; the recording \(recordingPath) has \(header.channels.count)",
                         hint: "channels.tsv needs one row per channel, in the recording's order")
        }
        var bad: [String] = []
        var relabelled: [String] = []
        var supplied: [AppliedSidecar.Supplied] = [.channels]
        for (index, row) in rows.enumerated() {
            var channel = header.channels[index]
            if let units = row.units {
                let stated = PhysicalUnit(parsing: units)
                if channel.unit == .unknown {
                    channel.unit = stated
                    relabelled.append(row.name)
                } else if !BIDSSidecars.compatible(channel.unit, stated) {
                    throw .input(path, "channel \(row.name): units \(SynkError.quoted(units)) contradict the recording's '\(channel.unit.symbol)'",
                                 place: "line \(row.line)")
                }
            }
            let placement = row.placement
            channel.label = row.name
            channel.kind = row.kind
            channel.muscle = placement.muscle
            channel.side = placement.side
            channel.branch = placement.muscle?.branch
            header.channels[index] = channel
            if placement.muscle != nil { supplied.append(.muscles) }
            if placement.side != nil { supplied.append(.side) }
            if row.isBad { bad.append(row.statusDescription.map { "\(row.name) (\($0))" } ?? row.name) }
            let standard: Set<String> = ["name", "type", "units", "target_muscle", "status", "status_description"]
            for (column, value) in row.columns where !standard.contains(column) {
                header.metadata["bids.channel.\(row.name).\(column)"] = value
            }
        }
        header.metadata["bids.channels"] = path
        if !bad.isEmpty { header.metadata["bids.badChannels"] = bad.joined(separator: "; ") }
        if !relabelled.isEmpty {
            header.metadata["bids.unitsFromSidecar"] = relabelled.joined(separator: ", ")
            supplied.append(.units)
        }
        return AppliedSidecar(path: path, supplied: supplied)
    }
}

