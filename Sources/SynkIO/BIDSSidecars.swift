import Foundation
import SynkCore

/// The EMG-BIDS sidecars of a recording: `*_channels.tsv`, `*_emg.json`, `*_events.tsv`.
///
/// Which files apply follows the BIDS inheritance principle (BIDS specification, "Common principles: the
/// inheritance principle"), and nothing more:
///
/// - **Inside a BIDS dataset** (the nearest folder above the recording that holds `dataset_description.json`
///   is its root), a sidecar applies when it lies in the recording's folder or in a folder above it up to the
///   root, has the wanted suffix and extension, and every entity of its name is an entity of the recording's
///   name with the same value (`task-smile_emg.json` applies to `sub-01_task-smile_emg.edf`). For a table
///   (`.tsv`) the nearest one applies, the most specific of its folder; JSON files are merged from the root
///   down, a nearer or more specific file overriding a key. Two applicable files of one folder that cannot be
///   ordered (neither's entities contain the other's) are refused as ambiguous.
/// - **Outside a BIDS dataset** only the recording's own sidecars apply: in its folder, named with exactly its
///   entities (`sub-01_ses-1_task-smile_run-1_channels.tsv` for `sub-01_ses-1_task-smile_run-1_emg.csv`).
///
/// A name without entities (`events.tsv`) never applies. Every file applied is listed, with what it supplied,
/// in ``RecordingHeader/sidecars`` and from there in every result's `input.sidecars`.
public struct BIDSSidecars: Sendable {
    public var recordingPath: String
    /// The entities of the recording's name in order, e.g. `[("sub", "01"), ("ses", "1"), ...]`.
    public var entities: [(key: String, value: String)]
    /// The name's last part (`emg`).
    public var suffix: String
    /// The root of the BIDS dataset the recording lies in (the folder holding `dataset_description.json`);
    /// nil outside a BIDS dataset.
    public var datasetRoot: String?
    public var channels: ChannelsTSV?
    /// The nearest applicable JSON sidecar (the last of ``jsonPaths``).
    public var jsonPath: String?
    /// Every applicable JSON sidecar, in the order they are merged (root first, nearest last).
    public var jsonPaths: [String]
    /// The JSON sidecars' merged fields; numbers and strings as text, arrays and objects as compact JSON.
    public var json: [String: String]
    /// `SamplingFrequency` from the JSON sidecars.
    public var samplingFrequency: Double?
    /// The JSON sidecar whose `SamplingFrequency` took effect.
    public var samplingFrequencyPath: String?
    /// Whether ``samplingFrequency`` was the recording's rate itself (the recording stated none), rather than
    /// a value checked against the recording's own.
    public var rateSupplied = false
    public var eventsPath: String?
    public var events: [Event]
    /// Per JSON sidecar, the keys it contributed to ``json`` (after nearer files overrode).
    var jsonKeys: [String: Set<String>] = [:]

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

    /// The root of the BIDS dataset holding `folder` (absolute): the nearest folder at or above it with a
    /// `dataset_description.json`; nil when there is none.
    public static func datasetRoot(containing folder: String) -> String? {
        var current = URL(fileURLWithPath: folder).standardizedFileURL
        while true {
            if ResolvedPath(current.appendingPathComponent("dataset_description.json").path).kind == .regular { return current.path }
            let parent = current.deletingLastPathComponent().standardizedFileURL
            if parent.path == current.path || current.path == "/" { return nil }
            current = parent
        }
    }

    /// The sidecar files that apply to `recordingPath` under the rules above, without reading them:
    /// `channels`, `json` (merge order) and `events`. Cheap (directory listings only): commands use it to
    /// know every file they will read before any work.
    public static func applicableFiles(for recordingPath: String) throws(SynkError) -> (channels: String?, json: [String], events: String?, root: String?) {
        guard let (entities, suffix) = parseName(lastComponent(recordingPath)), !entities.isEmpty else { return (nil, [], nil, nil) }
        let absoluteFolder = URL(fileURLWithPath: recordingPath).deletingLastPathComponent().standardizedFileURL.path
        let root = datasetRoot(containing: absoluteFolder)
        let known = Dictionary(entities.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })

        // The folders searched, root first, each with the spelling used in paths reported to the user.
        var levels: [(absolute: String, spelled: String)] = []
        let spelledFolder = folderOf(recordingPath)
        if let root {
            var absolute = absoluteFolder
            var spelled = spelledFolder
            while true {
                levels.insert((absolute, spelled), at: 0)
                if absolute == root { break }
                absolute = URL(fileURLWithPath: absolute).deletingLastPathComponent().standardizedFileURL.path
                spelled = parentSpelling(spelled, absolute: absolute)
            }
        } else {
            levels = [(absoluteFolder, spelledFolder)]
        }
        let prefix = entities.map { "\($0.key)-\($0.value)" }.joined(separator: "_")

        /// The applicable files named `<entities>_<wantedSuffix>.<ext>`, in the order BIDS applies them.
        func applicable(_ wantedSuffix: String, _ ext: String) throws(SynkError) -> [String] {
            let ending = "_\(wantedSuffix).\(ext)"
            guard root != nil else {
                let own = join(spelledFolder, prefix + ending)
                return ResolvedPath(join(absoluteFolder, prefix + ending)).kind == .missing ? [] : [own]
            }
            var ordered: [String] = []
            for level in levels {
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: level.absolute) else { continue }
                var here: [(name: String, keys: Set<String>)] = []
                for name in names where name.hasSuffix(ending) && !name.hasPrefix(".") {
                    guard let parsed = parseName(name), parsed.suffix == wantedSuffix, !parsed.entities.isEmpty,
                          name == parsed.entities.map({ "\($0.key)-\($0.value)" }).joined(separator: "_") + ending,
                          parsed.entities.allSatisfy({ known[$0.key] == $0.value }) else { continue }
                    here.append((name, Set(parsed.entities.map(\.key))))
                }
                here.sort { ($0.keys.count, $0.name) < ($1.keys.count, $1.name) }
                for (a, b) in zip(here, here.dropFirst()) where !(a.keys.count < b.keys.count && a.keys.isSubset(of: b.keys)) {
                    throw .input(join(level.spelled, b.name), "applies to \(lastComponent(recordingPath)) as does \(a.name) in the same folder, and neither name is more specific than the other",
                                 hint: "BIDS allows one order of inheritance only: remove or rename one of them")
                }
                ordered += here.map { join(level.spelled, $0.name) }
            }
            return ordered
        }

        let channels = try applicable("channels", "tsv").last
        let json = try applicable(suffix, "json")
        let events = try applicable("events", "tsv").last
        return (channels, json, events, root)
    }

    /// Finds and reads the sidecars of `recordingPath`; `nil` when its name is not a BIDS name or no sidecar
    /// applies.
    public static func find(nextTo recordingPath: String) throws(SynkError) -> BIDSSidecars? {
        guard let (entities, suffix) = parseName(lastComponent(recordingPath)), !entities.isEmpty else { return nil }
        let files = try applicableFiles(for: recordingPath)
        guard files.channels != nil || !files.json.isEmpty || files.events != nil else { return nil }
        var sidecars = BIDSSidecars(recordingPath: recordingPath, entities: entities, suffix: suffix, datasetRoot: files.root,
                                    channels: nil, jsonPath: files.json.last, jsonPaths: files.json, json: [:],
                                    samplingFrequency: nil, eventsPath: files.events, events: [])
        if let channelsPath = files.channels { sidecars.channels = try ChannelsTSV.read(path: channelsPath) }
        for path in files.json { try sidecars.readJSON(path) }
        if let eventsPath = files.events { sidecars.events = try readEvents(eventsPath) }
        return sidecars
    }

    /// Reads one JSON sidecar and merges it over the fields read so far.
    private mutating func readJSON(_ path: String) throws(SynkError) {
        let data = try RegularFile.contents(of: path, role: "JSON sidecar", maximumBytes: InputLimits.maximumJSONBytes)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .input(path, "not valid JSON: \(error.localizedDescription)")
        }
        guard let fields = object as? [String: Any] else { throw .input(path, "not a JSON object") }
        for (key, value) in fields {
            switch value {
            case let text as String: json[key] = text
            case let number as NSNumber: json[key] = number.stringValue
            default:
                guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else { continue }
                json[key] = String(decoding: data, as: UTF8.self)
            }
            // A nearer file overrides: the key now comes from this one.
            for other in jsonKeys.keys { jsonKeys[other]?.remove(key) }
            jsonKeys[path, default: []].insert(key)
        }
        if let value = fields["SamplingFrequency"] {
            guard let number = value as? NSNumber, number.doubleValue.isFinite, number.doubleValue > 0 else {
                throw .input(path, "SamplingFrequency \(SynkError.quoted("\(value)")) is not a positive number", place: "SamplingFrequency")
            }
            samplingFrequency = number.doubleValue
            samplingFrequencyPath = path
        }
    }

    /// The last path component of `path` (`x.wav` for `a/b/x.wav`).
    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    /// The folder part of `path` as spelled (`a/b` for `a/b/x.wav`, `""` for `x.wav`, `/` for `/x.wav`).
    static func folderOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func join(_ folder: String, _ name: String) -> String {
        if folder.isEmpty { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// The spelling of the folder above `spelled`: absolute paths stay absolute; a relative spelling drops
    /// its last component, or climbs with `..` once it has none left.
    static func parentSpelling(_ spelled: String, absolute: String) -> String {
        if spelled.hasPrefix("/") { return absolute }
        let parts = spelled.split(separator: "/").map(String.init)
        if let last = parts.last, last != "..", last != "." { return parts.dropLast().joined(separator: "/") }
        let kept = parts.filter { $0 != "." }
        return (kept + [".."]).joined(separator: "/")
    }

    /// `onset`, `duration` (`n/a` → 0) and `trial_type` (else `value`) of an events.tsv (or the same
    /// columns comma-separated), in seconds from the first sample; an optional `driver` column names the muscle
    /// that performs each task (a code or name ``Muscle(parsing:)`` knows; empty or `n/a`: the catalogue's).
    public static func readEvents(_ path: String) throws(SynkError) -> [Event] {
        let table = try DelimitedTable.read(path: path, role: "events table", maximumRows: InputLimits.maximumEvents)
        guard let onsetColumn = table.columns.firstIndex(of: "onset"), let durationColumn = table.columns.firstIndex(of: "duration") else {
            throw .input(path, "an events.tsv needs 'onset' and 'duration' columns", place: "line 1")
        }
        let labelColumn = table.columns.firstIndex(of: "trial_type") ?? table.columns.firstIndex(of: "value")
        let driverColumn = table.columns.firstIndex(of: "driver")
        var events: [Event] = []
        for (cells, line) in zip(table.rows, table.lines) {
            guard let onsetText = DelimitedTable.value(cells[onsetColumn]), let onset = Double(onsetText), onset.isFinite else {
                throw .input(path, "onset \(SynkError.quoted(cells[onsetColumn])) is not a number", place: "line \(line)")
            }
            var duration = 0.0
            if let durationText = DelimitedTable.value(cells[durationColumn]) {
                guard let value = Double(durationText), value.isFinite, value >= 0 else {
                    throw .input(path, "duration \(SynkError.quoted(durationText)) is not a non-negative number", place: "line \(line)")
                }
                duration = value
            }
            let label = labelColumn.flatMap { DelimitedTable.value(cells[$0]) } ?? "event"
            var driver: Muscle?
            if let driverText = driverColumn.flatMap({ DelimitedTable.value(cells[$0]) }) {
                guard let muscle = Muscle(rawValue: driverText) ?? Muscle(parsing: driverText) else {
                    throw .input(path, "driver \(SynkError.quoted(driverText)) is not a muscle", place: "line \(line)",
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
        var applied: [AppliedSidecar] = []
        if let channels {
            applied.append(try channels.apply(to: &header, recordingPath: recordingPath))
        }
        if let jsonPath {
            if let samplingFrequency {
                guard abs(samplingFrequency - header.sampleRate) <= 1e-6 * header.sampleRate else {
                    throw .input(samplingFrequencyPath ?? jsonPath, "SamplingFrequency \(samplingFrequency) Hz contradicts the recording's \(header.sampleRate) Hz",
                                 place: "SamplingFrequency")
                }
            }
            for (key, value) in json { header.metadata["bids.json.\(key)"] = value }
            header.metadata["bids.sidecar"] = jsonPath
            for path in jsonPaths {
                let keys = jsonKeys[path] ?? []
                var supplied: [AppliedSidecar.Supplied] = []
                if path == samplingFrequencyPath { supplied.append(.rate) }
                if !keys.subtracting(["SamplingFrequency"]).isEmpty { supplied.append(.metadata) }
                applied.append(AppliedSidecar(path: path, supplied: supplied))
            }
        }
        if let eventsPath {
            header.events = events
            header.metadata["bids.events"] = eventsPath
            applied.append(AppliedSidecar(path: eventsPath, supplied: [.events]))
        }
        for (key, value) in entities { header.metadata["bids.entity.\(key)"] = value }
        if let subject = entity("sub") { header.subject = subject }
        if let session = entity("ses") { header.session = session }
        header.sidecars = applied
    }

    /// A recording's unit and a sidecar's agree when both are voltages (the reader already converted to
    /// µV) or both are the same non-voltage unit.
    static func compatible(_ recording: PhysicalUnit, _ stated: PhysicalUnit) -> Bool {
        if recording.isVoltage || stated.isVoltage { return recording.isVoltage == stated.isVoltage }
        return recording.symbol.lowercased() == stated.symbol.lowercased()
    }

    /// The sidecar paths written for a recording at `recordingPath`, in the order ``files(for:header:)`` gives them
    /// (`<prefix>_channels.tsv`, `<prefix>_<suffix>.json`, `<prefix>_events.tsv`, spelled from `recordingPath`); nil
    /// when its name is not a BIDS name with entities (`long.wav`), which gets no sidecars.
    public static func sidecarPaths(for recordingPath: String) -> [String]? {
        guard let (entities, suffix) = parseName(lastComponent(recordingPath)), !entities.isEmpty else { return nil }
        let prefix = entities.map { "\($0.key)-\($0.value)" }.joined(separator: "_")
        let folder = folderOf(recordingPath)
        return ["\(prefix)_channels.tsv", "\(prefix)_\(suffix).json", "\(prefix)_events.tsv"].map { join(folder, $0) }
    }

    /// Writes the sidecars of ``files(for:header:)``, each atomically.
    public static func write(for recordingPath: String, header: RecordingHeader) throws(SynkError) {
        for (path, data) in try files(for: recordingPath, header: header) { try AtomicOutput.write(data, to: path) }
    }

    /// The contents of `<prefix>_channels.tsv`, `<prefix>_<suffix>.json` and `<prefix>_events.tsv` for a recording
    /// at `recordingPath` (a BIDS name such as `sub-01_task-smile_emg.edf`), without writing them. A name that is
    /// not a BIDS name is a usage error.
    public static func files(for recordingPath: String, header: RecordingHeader) throws(SynkError) -> [(path: String, data: Data)] {
        let url = URL(fileURLWithPath: recordingPath)
        guard let paths = sidecarPaths(for: recordingPath), let (entities, _) = parseName(url.lastPathComponent) else {
            throw .usage("'\(url.lastPathComponent)' is not a BIDS file name", hint: "name it like sub-01_task-smile_emg.edf")
        }
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
            throw .output(paths[1], "cannot encode JSON: \(error.localizedDescription)")
        }

        // The optional driver column only when an event names its driver (sidecars stay as they were otherwise).
        let withDriver = header.events.contains { $0.driver != nil }
        var events = withDriver ? "onset\tduration\ttrial_type\tdriver\n" : "onset\tduration\ttrial_type\n"
        for event in header.events {
            events += "\(event.onset)\t\(event.duration)\t\(clean(event.label))"
            events += withDriver ? "\t\(event.driver?.rawValue ?? "n/a")\n" : "\n"
        }

        return [(paths[0], Data(channels.utf8)), (paths[1], jsonData + Data("\n".utf8)), (paths[2], Data(events.utf8))]
    }
}
