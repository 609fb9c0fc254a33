import CHDF5
import Foundation
import SynkCore

/// synk's own layout (design.md): root attribute `synk_format = "emg-recording"`, samples in `/emg/data`
/// [samples × channels] with `sample_rate_hz`, `unit`, `scale` and `offset`, channels in the compound table
/// `/emg/channels`, optional `/events` and `/stimuli` tables and `/metadata` string attributes.
struct HDF5SynkLayout: HDF5RecordingLayout {
    /// What `--dataset` may name and still read the file as synk's own.
    static let dataNames: Set<String> = ["/emg/data", "emg/data", "/emg", "emg"]

    /// A file with a `synk_format` attribute, unless the user named some other dataset than synk's data (naming
    /// synk's data must not lose its scale, offset, unit and channel table).
    static func recognise(_ input: HDF5InputFile, dataset: String?) -> HDF5SynkLayout? {
        guard input.file.hasAttribute("synk_format") else { return nil }
        if let dataset, !dataNames.contains(dataset) { return nil }
        return HDF5SynkLayout()
    }

    func open(_ input: HDF5InputFile, sampleRate: Double?) throws(SynkError) -> HDF5Opened {
        let file = input.file
        let format = file.stringAttribute("synk_format")
        guard format == "emg-recording" else {
            throw input.fail("/", "unknown synk_format \"\(format ?? "?")\"", hint: "expected \"emg-recording\"")
        }
        var metadata: [String: String] = [:]
        if let version = file.doubleAttribute("synk_format_version")?.first {
            guard version == 1 else {
                throw input.fail("/", "synk_format_version \(version) is not supported", hint: "this synk reads version 1; update synk")
            }
        } else {
            metadata["note"] = "synk_format_version missing; read as version 1"
        }
        let name = "/emg/data"
        let (dataset, shape) = try input.openSampleDataset(name, allowedRanks: [2])
        let frames = shape.dimensions[0], channelCount = shape.dimensions[1]
        try input.checkPlausible(name, frames: frames, channels: channelCount, shape: shape)
        let rate = try input.checkRate(dataset.doubleAttribute("sample_rate_hz")?.first, place: name, attribute: "sample_rate_hz")
        let unitText = dataset.stringAttribute("unit")
        if unitText == nil { metadata["unit_note"] = "no unit attribute on /emg/data; read as uV" }
        let fileUnit = PhysicalUnit(parsing: unitText ?? "uV")
        let scale = dataset.doubleAttribute("scale")?.first ?? 1
        let offset = dataset.doubleAttribute("offset")?.first ?? 0
        guard scale.isFinite, offset.isFinite else { throw input.fail(name, "non-finite scale \(scale) or offset \(offset)") }

        let count = Int(channelCount)
        var channels: [ChannelInfo] = (1...count).map { ChannelInfo.labelled("ch\($0)") }
        var gains = [Double](repeating: scale, count: count)
        var offsets = [Double](repeating: offset, count: count)
        let table = try readTable(input, "/emg/channels", fields: ["label", "muscle", "side", "branch", "unit", "kind"], required: ["label"])
        if let table {
            guard table.count == count else {
                throw input.fail("/emg/channels", "has \(table.count) rows for \(count) channels in /emg/data")
            }
        }
        for c in 0..<count {
            func field(_ key: String) -> String? {
                guard let value = table?.columns[key]?.strings?[c], !value.isEmpty else { return nil }
                return value
            }
            // A per-channel unit (written by synk for non-voltage channels) overrides the dataset's.
            let channelUnit = field("unit").map(PhysicalUnit.init(parsing:)).flatMap { $0.isVoltage ? nil : $0 } ?? fileUnit
            let (unit, factor) = input.deliveredUnit(channelUnit)
            gains[c] *= factor
            offsets[c] *= factor
            guard table != nil else {
                channels[c].unit = unit
                continue
            }
            let label = field("label") ?? "ch\(c + 1)"
            let muscle = field("muscle").flatMap { Muscle(rawValue: $0) ?? Muscle(parsing: $0) }
            let kind = field("kind").flatMap(ChannelKind.init(rawValue:)) ?? .emg
            channels[c] = ChannelInfo(label: label, unit: unit, kind: kind, muscle: muscle,
                                      side: field("side").flatMap(Side.init(parsing:)),
                                      branch: field("branch").flatMap(Branch.init(parsing:)))
        }

        let events = try readEvents(input)
        let stimuli = try readStimuli(input)

        let nonEmpty: (String) -> String? = { name in
            guard let value = file.stringAttribute(name), !value.isEmpty else { return nil }
            return value
        }
        var startTime: Date?
        if let recordedAt = nonEmpty("recorded_at") {
            startTime = hdf5ParseISO8601(recordedAt)
            if startTime == nil { metadata["recorded_at"] = recordedAt }
        }
        var affected: AffectedSide?
        if let text = nonEmpty("affected_side") {
            affected = AffectedSide(rawValue: text.lowercased()) ?? Side(parsing: text).map { $0 == .left ? .left : .right }
            if affected == nil { metadata["affected_side"] = text }
        }
        metadata["synk_format_version"] = "1"
        // Free-form facts written by HDF5Writer from RecordingHeader.metadata (string attributes of /metadata).
        if file.objectKind(at: "/metadata") == H5I_GROUP, let group = file.openGroup("/metadata") {
            for key in group.attributeNames(limit: 10_000) {
                if metadata[key] == nil, let value = group.stringAttribute(key) { metadata[key] = value }
            }
        }
        let header = RecordingHeader(
            source: SourceDescription(path: input.path, format: .synkHDF5), sampleRate: rate, frameCount: Int(frames),
            channels: channels, startTime: startTime, subject: nonEmpty("subject"), session: nonEmpty("session"),
            affectedSide: affected, events: events, stimuli: stimuli, metadata: metadata)
        return HDF5Opened(header: header, layout: HDF5SampleLayout(
            storage: .matrix(dataset: dataset, name: name, rank: 2, transposed: false),
            channelCount: count, gains: gains, offsets: offsets))
    }

    /// `/events` (`onset_s`, `duration_s`, `label`), if present.
    private func readEvents(_ input: HDF5InputFile) throws(SynkError) -> [Event] {
        guard let table = try readTable(input, "/events", fields: ["onset_s", "duration_s", "label", "driver"], required: ["onset_s"]) else { return [] }
        var events: [Event] = []
        let onsets = table.columns["onset_s"]?.numbers ?? []
        let durations = table.columns["duration_s"]?.numbers
        let labels = table.columns["label"]?.strings
        let drivers = table.columns["driver"]?.strings
        for i in 0..<table.count {
            let duration = durations?[i] ?? 0
            guard onsets[i].isFinite, duration.isFinite, duration >= 0 else {
                throw input.fail("/events", "row \(i + 1) has an invalid onset \(onsets[i]) or duration \(duration)")
            }
            // An event may name the muscle that drives its task (optional column).
            var driver: Muscle?
            if let text = drivers?[i], !text.isEmpty {
                guard let muscle = Muscle(rawValue: text) ?? Muscle(parsing: text) else {
                    throw input.fail("/events", "row \(i + 1) names driver \(SynkError.quoted(text)), which is not a muscle")
                }
                driver = muscle
            }
            events.append(Event(onset: onsets[i], duration: duration, label: labels?[i] ?? "", driver: driver))
        }
        return events
    }

    /// `/stimuli` (`time_s`, `intensity_ma`, `site`, `side`, `branch`), if present.
    private func readStimuli(_ input: HDF5InputFile) throws(SynkError) -> [Stimulus] {
        guard let table = try readTable(input, "/stimuli", fields: ["time_s", "intensity_ma", "site", "side", "branch"], required: ["time_s"]) else { return [] }
        var stimuli: [Stimulus] = []
        let times = table.columns["time_s"]?.numbers ?? []
        for i in 0..<table.count {
            guard times[i].isFinite else { throw input.fail("/stimuli", "row \(i + 1) has an invalid time \(times[i])") }
            func text(_ key: String) -> String? {
                guard let value = table.columns[key]?.strings?[i], !value.isEmpty else { return nil }
                return value
            }
            let intensity = table.columns["intensity_ma"]?.numbers?[i]
            stimuli.append(Stimulus(time: times[i], intensityMilliampere: intensity.flatMap { $0.isFinite ? $0 : nil },
                                    site: text("site"), side: text("side").flatMap(Side.init(parsing:)),
                                    branch: text("branch").flatMap(Branch.init(parsing:))))
        }
        return stimuli
    }

    /// The named fields of an optional 1-D compound dataset; `nil` when the dataset is absent.
    private func readTable(_ input: HDF5InputFile, _ name: String, fields: [String], required: [String]) throws(SynkError) -> (count: Int, columns: [String: H5CompoundColumn])? {
        guard input.file.containsObject(at: name) else { return nil }
        guard let dataset = input.file.openDataset(name) else { throw input.fail(name, "cannot open dataset (is it a group?)") }
        guard let shape = H5DatasetShape(dataset) else { throw input.fail(name, "cannot read the dataset's shape") }
        guard shape.typeClass == H5T_COMPOUND, shape.dimensions.count == 1 else {
            throw input.fail(name, "expected a 1-D compound table, found \(shape.dimensions.count)-D \(shape.typeDescription)")
        }
        guard shape.dimensions[0] <= 10_000_000 else { throw input.fail(name, "implausible table length \(shape.dimensions[0])") }
        let count = Int(shape.dimensions[0])
        guard let type = dataset.type() else { throw input.fail(name, "cannot read the table's type") }
        var columns: [String: H5CompoundColumn] = [:]
        for field in fields {
            guard type.memberIndex(field) >= 0 else {
                if required.contains(field) { throw input.fail(name, "table has no field \"\(field)\"") }
                continue
            }
            guard let column = dataset.readCompoundField(field, fileType: type, count: count) else {
                throw input.fail(name, "cannot read field \"\(field)\"", hint: "the file may be truncated or corrupt")
            }
            columns[field] = column
        }
        return (count, columns)
    }
}
