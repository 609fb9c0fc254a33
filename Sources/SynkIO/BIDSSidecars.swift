import Foundation
import SynkCore

/// The EMG-BIDS sidecars of a recording: `*_channels.tsv`, `*_emg.json`, `*_events.tsv`.
///
/// A recording `sub-01_ses-1_task-smile_run-1_emg.edf` has the sidecars of the same prefix with the
/// suffix replaced (`sub-01_ses-1_task-smile_run-1_channels.tsv`, `…_emg.json`, `…_events.tsv`). When
/// no such file is next to it, an inherited sidecar is used: one in the same folder or one folder up
/// whose entities are a subset of the recording's (`task-smile_emg.json`), the most specific first.
public struct BIDSSidecars: Sendable {
    public var recordingPath: String
    /// The entities of the recording's name in order, e.g. `[("sub", "01"), ("ses", "1"), ...]`.
    public var entities: [(key: String, value: String)]
    /// The name's last part (`emg`).
    public var suffix: String
    public var channels: ChannelsTSV?
    public var jsonPath: String?
    /// The JSON sidecar's fields; numbers and strings as text, arrays and objects as compact JSON.
    public var json: [String: String]
    /// `SamplingFrequency` from the JSON sidecar.
    public var samplingFrequency: Double?
    public var eventsPath: String?
    public var events: [Event]

    /// The value of entity `key` (`sub`, `ses`, `task`, `run`, ...).
    public func entity(_ key: String) -> String? { entities.first { $0.key == key }?.value }

    /// Splits a BIDS file name into entities and suffix; `nil` if the name does not follow BIDS
    /// (`key-value` parts joined by `_`, then a suffix, then the extension).
    public static func parseName(_ fileName: String) -> (entities: [(key: String, value: String)], suffix: String)? {
        let stem = fileName.split(separator: ".", maxSplits: 1).first.map(String.init) ?? fileName
        var parts = stem.split(separator: "_").map(String.init)
        guard let suffix = parts.popLast(), !suffix.contains("-"), !suffix.isEmpty else { return nil }
        var entities: [(key: String, value: String)] = []
        for part in parts {
            let pair = part.split(separator: "-", maxSplits: 1).map(String.init)
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else { return nil }
            entities.append((pair[0], pair[1]))
        }
        return (entities, suffix)
    }

    /// Finds the sidecars of `recordingPath`; `nil` when its name is not a BIDS name or no sidecar exists.
    public static func find(nextTo recordingPath: String) throws(SynkError) -> BIDSSidecars? {
        let url = URL(fileURLWithPath: recordingPath)
        guard let (entities, suffix) = parseName(url.lastPathComponent), !entities.isEmpty else { return nil }
        let folder = url.deletingLastPathComponent()
        let folders = [folder, folder.deletingLastPathComponent()]
        let known = Dictionary(entities.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })

        /// The most specific file named `<entities>_<wantedSuffix>.<ext>` whose entities the recording has.
        func locate(_ wantedSuffix: String, _ ext: String) -> String? {
            var best: (path: String, specificity: Int, depth: Int)?
            for (depth, directory) in folders.enumerated() {
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { continue }
                for name in names where name.hasSuffix("_\(wantedSuffix).\(ext)") || name == "\(wantedSuffix).\(ext)" {
                    guard let parsed = parseName(name), parsed.suffix == wantedSuffix else { continue }
                    guard parsed.entities.allSatisfy({ known[$0.key] == $0.value }) else { continue }
                    let candidate = (directory.appendingPathComponent(name).path, parsed.entities.count, depth)
                    if best == nil || candidate.1 > best!.specificity || (candidate.1 == best!.specificity && depth < best!.depth) {
                        best = candidate
                    }
                }
            }
            return best?.path
        }

        let channelsPath = locate("channels", "tsv")
        let jsonPath = locate(suffix, "json")
        let eventsPath = locate("events", "tsv")
        guard channelsPath != nil || jsonPath != nil || eventsPath != nil else { return nil }
        var sidecars = BIDSSidecars(recordingPath: recordingPath, entities: entities, suffix: suffix, channels: nil,
                                    jsonPath: jsonPath, json: [:], samplingFrequency: nil, eventsPath: eventsPath, events: [])
        if let channelsPath { sidecars.channels = try ChannelsTSV.read(path: channelsPath) }
        if let jsonPath { try sidecars.readJSON(jsonPath) }
        if let eventsPath { sidecars.events = try readEvents(eventsPath) }
        return sidecars
    }

    private mutating func readJSON(_ path: String) throws(SynkError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .input(path, "not valid JSON: \(error.localizedDescription)")
        }
        guard let fields = object as? [String: Any] else { throw .input(path, "not a JSON object") }
        for (key, value) in fields {
            switch value {
            case let text as String: json[key] = text
            case let number as NSNumber: json[key] = number.stringValue
            default:
                if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
                    json[key] = String(decoding: data, as: UTF8.self)
                }
            }
        }
        if let value = fields["SamplingFrequency"] {
            guard let number = value as? NSNumber, number.doubleValue.isFinite, number.doubleValue > 0 else {
                throw .input(path, "SamplingFrequency '\(value)' is not a positive number", place: "SamplingFrequency")
            }
            samplingFrequency = number.doubleValue
        }
    }

    /// `onset`, `duration` (`n/a` → 0) and `trial_type` (else `value`) of an events.tsv (or the same
    /// columns comma-separated), in seconds from the first sample; an optional `driver` column names the muscle
    /// that performs each task (a code or name ``Muscle(parsing:)`` knows; empty or `n/a`: the catalogue's).
    public static func readEvents(_ path: String) throws(SynkError) -> [Event] {
        let table = try BIDSTable.read(path: path)
        guard let onsetColumn = table.columns.firstIndex(of: "onset"), let durationColumn = table.columns.firstIndex(of: "duration") else {
            throw .input(path, "an events.tsv needs 'onset' and 'duration' columns", place: "line 1")
        }
        let labelColumn = table.columns.firstIndex(of: "trial_type") ?? table.columns.firstIndex(of: "value")
        let driverColumn = table.columns.firstIndex(of: "driver")
        var events: [Event] = []
        for (cells, line) in zip(table.rows, table.lines) {
            guard let onsetText = BIDSTable.value(cells[onsetColumn]), let onset = Double(onsetText), onset.isFinite else {
                throw .input(path, "onset '\(cells[onsetColumn])' is not a number", place: "line \(line)")
            }
            var duration = 0.0
            if let durationText = BIDSTable.value(cells[durationColumn]) {
                guard let value = Double(durationText), value.isFinite, value >= 0 else {
                    throw .input(path, "duration '\(durationText)' is not a non-negative number", place: "line \(line)")
                }
                duration = value
            }
            let label = labelColumn.flatMap { BIDSTable.value(cells[$0]) } ?? "event"
            var driver: Muscle?
            if let driverText = driverColumn.flatMap({ BIDSTable.value(cells[$0]) }) {
                guard let muscle = Muscle(rawValue: driverText) ?? Muscle(parsing: driverText) else {
                    throw .input(path, "driver '\(driverText)' is not a muscle", place: "line \(line)",
                                 hint: "use one of \(Muscle.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                driver = muscle
            }
            events.append(Event(onset: onset, duration: duration, label: label, driver: driver))
        }
        return events
    }

    /// Completes `header` from the sidecars: labels, kinds, units (only where the recording's unit is
    /// unknown), muscles and sides, bad channels, the JSON fields, the events (they replace the
    /// file's own) and the name's entities (`sub` → subject, `ses` → session).
    ///
    /// Errors (kind `.input`, naming the sidecar): a channel count that differs from the recording's,
    /// a `SamplingFrequency` off by more than 1e-6 relative, a unit that contradicts a known unit.
    public func apply(to header: inout RecordingHeader) throws(SynkError) {
        if let channels {
            guard channels.rows.count == header.channels.count else {
                throw .input(channels.path, "lists \(channels.rows.count) channels; the recording \(recordingPath) has \(header.channels.count)",
                             hint: "channels.tsv needs one row per channel, in the recording's order")
            }
            var bad: [String] = []
            var relabelled: [String] = []
            for (index, row) in channels.rows.enumerated() {
                var channel = header.channels[index]
                if let units = row.units {
                    let stated = PhysicalUnit(parsing: units)
                    if channel.unit == .unknown {
                        channel.unit = stated
                        relabelled.append(row.name)
                    } else if !BIDSSidecars.compatible(channel.unit, stated) {
                        throw .input(channels.path, "channel \(row.name): units '\(units)' contradict the recording's '\(channel.unit.symbol)'",
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
                if row.isBad { bad.append(row.statusDescription.map { "\(row.name) (\($0))" } ?? row.name) }
                let standard: Set<String> = ["name", "type", "units", "target_muscle", "status", "status_description"]
                for (column, value) in row.columns where !standard.contains(column) {
                    header.metadata["bids.channel.\(row.name).\(column)"] = value
                }
            }
            header.metadata["bids.channels"] = channels.path
            if !bad.isEmpty { header.metadata["bids.badChannels"] = bad.joined(separator: "; ") }
            if !relabelled.isEmpty {
                header.metadata["bids.unitsFromSidecar"] = relabelled.joined(separator: ", ")
            }
        }
        if let jsonPath {
            if let samplingFrequency {
                guard abs(samplingFrequency - header.sampleRate) <= 1e-6 * header.sampleRate else {
                    throw .input(jsonPath, "SamplingFrequency \(samplingFrequency) Hz contradicts the recording's \(header.sampleRate) Hz",
                                 place: "SamplingFrequency")
                }
            }
            for (key, value) in json { header.metadata["bids.json.\(key)"] = value }
            header.metadata["bids.sidecar"] = jsonPath
        }
        if let eventsPath {
            header.events = events
            header.metadata["bids.events"] = eventsPath
        }
        for (key, value) in entities { header.metadata["bids.entity.\(key)"] = value }
        if let subject = entity("sub") { header.subject = subject }
        if let session = entity("ses") { header.session = session }
    }

    /// A recording's unit and a sidecar's agree when both are voltages (the reader already converted to
    /// µV) or both are the same non-voltage unit.
    static func compatible(_ recording: PhysicalUnit, _ stated: PhysicalUnit) -> Bool {
        if recording.isVoltage || stated.isVoltage { return recording.isVoltage == stated.isVoltage }
        return recording.symbol.lowercased() == stated.symbol.lowercased()
    }

    /// Writes `<prefix>_channels.tsv`, `<prefix>_<suffix>.json` and `<prefix>_events.tsv` next to
    /// `recordingPath` (a BIDS name such as `sub-01_task-smile_emg.edf`), each atomically.
    public static func write(for recordingPath: String, header: RecordingHeader) throws(SynkError) {
        let url = URL(fileURLWithPath: recordingPath)
        guard let (entities, suffix) = parseName(url.lastPathComponent), !entities.isEmpty else {
            throw .usage("'\(url.lastPathComponent)' is not a BIDS file name", hint: "name it like sub-01_task-smile_emg.edf")
        }
        let prefix = entities.map { "\($0.key)-\($0.value)" }.joined(separator: "_")
        let folder = url.deletingLastPathComponent()
        func clean(_ text: String) -> String {
            text.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
        }

        var channels = "name\ttype\tunits\ttarget_muscle\tstatus\n"
        let badNames = Set((header.metadata["bids.badChannels"] ?? "").split(separator: ";").map {
            String($0.split(separator: "(").first ?? $0).trimmingCharacters(in: .whitespaces)
        })
        for channel in header.channels {
            let type = switch channel.kind { case .emg: "EMG"; case .trigger: "TRIG"; case .auxiliary: "MISC" }
            let units = channel.unit == .microvolt ? "µV" : (channel.unit.symbol.isEmpty ? "n/a" : channel.unit.symbol)
            let target = channel.muscle.map { muscle in channel.side.map { "\(muscle.name) \($0.rawValue)" } ?? muscle.name } ?? "n/a"
            let status = badNames.contains(channel.label) ? "bad" : "good"
            channels += [clean(channel.label), type, units, target, status].joined(separator: "\t") + "\n"
        }

        let powerLine = header.metadata["bids.json.PowerLineFrequency"].flatMap(Double.init)
        var json: [String: Any] = [
            "SamplingFrequency": header.sampleRate,
            "EMGChannelCount": header.channels.filter { $0.kind == .emg }.count,
            "TRIGChannelCount": header.channels.filter { $0.kind == .trigger }.count,
            "MISCChannelCount": header.channels.filter { $0.kind == .auxiliary }.count,
            "RecordingDuration": header.duration,
            // Required by BIDS; "n/a" when the recording's metadata does not say.
            "PowerLineFrequency": powerLine.map { $0 as Any } ?? "n/a",
            "SoftwareVersions": "synk \(SynkVersion.current)",
        ]
        if let task = entities.first(where: { $0.key == "task" })?.value { json["TaskName"] = task }
        let jsonData: Data
        do {
            jsonData = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw .output(folder.appendingPathComponent("\(prefix)_\(suffix).json").path, "cannot encode JSON: \(error.localizedDescription)")
        }

        // The optional driver column only when an event names its driver (sidecars stay as they were otherwise).
        let withDriver = header.events.contains { $0.driver != nil }
        var events = withDriver ? "onset\tduration\ttrial_type\tdriver\n" : "onset\tduration\ttrial_type\n"
        for event in header.events {
            events += "\(event.onset)\t\(event.duration)\t\(clean(event.label))"
            events += withDriver ? "\t\(event.driver?.rawValue ?? "n/a")\n" : "\n"
        }

        try AtomicOutput.write(text: channels, to: folder.appendingPathComponent("\(prefix)_channels.tsv").path)
        try AtomicOutput.write(jsonData + Data("\n".utf8), to: folder.appendingPathComponent("\(prefix)_\(suffix).json").path)
        try AtomicOutput.write(text: events, to: folder.appendingPathComponent("\(prefix)_events.tsv").path)
    }
}
