import CHDF5
import Foundation
import SynkCore

/// Reads EMG recordings stored in HDF5 files, streaming them in blocks.
///
/// The flavour is recognised from the file's content and reported in `header.source.format`:
/// - ``FileFormat/synkHDF5``: synk's own layout (root attribute `synk_format = "emg-recording"`, `/emg/data`,
///   `/emg/channels`, optional `/events`, `/stimuli`, and `/metadata` string attributes; see design.md). Passing
///   `dataset: "/emg/data"` for such a file reads it the same way.
/// - ``FileFormat/nwb``: an NWB `ElectricalSeries` under `/acquisition/<name>/` (rate from `starting_time@rate` or a
///   uniform `timestamps` dataset; labels from the electrodes table).
/// - ``FileFormat/openSignalsHDF5``: a PLUX OpenSignals file (`/<MAC>/raw/channel_<n>`, raw ADC counts).
/// - ``FileFormat/hdf5Dataset``: any 1-D or 2-D numeric dataset named by `dataset:`.
///
/// Voltages are delivered in µV; OpenSignals raw data stays in `counts`; datasets without a unit keep their values.
/// Every HDF5 call runs under one global lock (serial HDF5 is not thread-safe; see `HDF5Library`). The file is
/// opened read-only and never modified.
public final class HDF5Reader: SampleSource {
    public let header: RecordingHeader
    private let path: String
    private let layout: HDF5SampleLayout
    private var position = 0

    /// Opens `path` and reads everything but the samples.
    ///
    /// - Parameters:
    ///   - dataset: the path of a dataset to read (`/group/data`); required for files that match no known layout.
    ///     For an NWB file it may name an `ElectricalSeries` group or its `data` to choose among several.
    ///   - sampleRate: the rate in Hz for a dataset that does not carry one; ignored when the file states its rate.
    /// - Throws: ``SynkError`` of kind `.input` naming the file and the dataset for anything unreadable or invalid.
    public init(path: String, dataset: String? = nil, sampleRate: Double? = nil) throws(SynkError) {
        self.path = path
        let opened = try HDF5Library.locked { () throws(SynkError) -> HDF5Opened in
            var opener = HDF5Opener(path: path)
            return try opener.open(dataset: dataset, sampleRate: sampleRate)
        }
        header = opened.header
        layout = opened.layout
    }

    deinit {
        let layout = self.layout
        HDF5Library.locked { layout.close() }
    }

    /// Reads up to `maxFrames` frames of every channel, converted to each channel's unit.
    public func readBlock(maxFrames: Int) throws(SynkError) -> SignalBlock? {
        guard maxFrames > 0, position < header.frameCount else { return nil }
        let count = min(maxFrames, header.frameCount - position)
        let first = position
        let channels = try HDF5Library.locked { () throws(SynkError) -> [[Float]] in
            try layout.read(first: first, count: count, path: path)
        }
        position += count
        return SignalBlock(firstFrame: first, channels: channels)
    }
}

/// Where the samples are and how raw values become physical ones (`value · gain + offset`, per channel).
struct HDF5SampleLayout {
    enum Storage {
        /// One 2-D dataset; `transposed` when it is stored [channels × samples]. A 1-D dataset is one channel.
        case matrix(dataset: hid_t, name: String, rank: Int, transposed: Bool)
        /// One 1-D (or [n × 1]) dataset per channel.
        case columns(datasets: [hid_t], names: [String], ranks: [Int])
    }

    var storage: Storage
    var channelCount: Int
    var gains: [Double]
    var offsets: [Double]

    func close() {
        switch storage {
        case .matrix(let dataset, _, _, _): H5Dclose(dataset)
        case .columns(let datasets, _, _): for dataset in datasets { H5Dclose(dataset) }
        }
    }

    /// Reads frames `first ..< first + count` of every channel. Call holding the HDF5 lock.
    func read(first: Int, count: Int, path: String) throws(SynkError) -> [[Float]] {
        var output = [[Float]](repeating: [], count: channelCount)
        let start = UInt64(first), length = UInt64(count), channels = UInt64(channelCount)
        switch storage {
        case .matrix(let dataset, let name, let rank, let transposed):
            let values: [Double]?
            if rank == 1 {
                values = h5ReadDoubles(dataset, start: [start], count: [length])
            } else if transposed {
                values = h5ReadDoubles(dataset, start: [0, start], count: [channels, length])
            } else {
                values = h5ReadDoubles(dataset, start: [start, 0], count: [length, channels])
            }
            guard let values else { throw readFailure(path: path, name: name, first: first, count: count) }
            for c in 0..<channelCount {
                var channel = [Float](repeating: 0, count: count)
                let gain = gains[c], offset = offsets[c]
                for i in 0..<count {
                    let raw = (rank == 1 || transposed) ? values[c * count + i] : values[i * channelCount + c]
                    channel[i] = Float(raw * gain + offset)
                }
                try checkFinite(channel, path: path, name: name, channel: c, first: first)
                output[c] = channel
            }
        case .columns(let datasets, let names, let ranks):
            for c in 0..<channelCount {
                let slab = ranks[c] == 1
                    ? h5ReadDoubles(datasets[c], start: [start], count: [length])
                    : h5ReadDoubles(datasets[c], start: [start, 0], count: [length, 1])
                guard let values = slab else { throw readFailure(path: path, name: names[c], first: first, count: count) }
                let gain = gains[c], offset = offsets[c]
                let channel = values.map { Float($0 * gain + offset) }
                try checkFinite(channel, path: path, name: names[c], channel: c, first: first)
                output[c] = channel
            }
        }
        return output
    }

    private func readFailure(path: String, name: String, first: Int, count: Int) -> SynkError {
        .input(path, "could not read frames \(first)..<\(first + count)", place: name,
               hint: "the file may be truncated or corrupt")
    }

    /// synk never lets a NaN or infinity through silently: a file holding one is reported.
    private func checkFinite(_ channel: [Float], path: String, name: String, channel c: Int, first: Int) throws(SynkError) {
        if let bad = channel.withUnsafeBufferPointer({ SampleScan.firstNonFiniteIndex($0) }) {
            throw .input(path, "non-finite value (\(channel[bad])) at frame \(first + bad) of channel \(c + 1)",
                         place: name, hint: "the recording contains NaN or infinite samples")
        }
    }
}

struct HDF5Opened {
    var header: RecordingHeader
    var layout: HDF5SampleLayout
}

/// Recognises the flavour of an HDF5 file and builds its header and sample layout. Used under the HDF5 lock.
private struct HDF5Opener {
    let path: String
    private var file: hid_t = -1

    init(path: String) { self.path = path }

    func fail(_ place: String?, _ problem: String, hint: String? = nil) -> SynkError {
        .input(path, problem, place: place, hint: hint)
    }

    mutating func open(dataset: String?, sampleRate: Double?) throws(SynkError) -> HDF5Opened {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw fail(nil, "no such file") }
        guard !isDirectory.boolValue else { throw fail(nil, "is a directory, not an HDF5 file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw fail(nil, "cannot open for reading", hint: "check the file's permissions")
        }
        guard H5Fis_hdf5(path) > 0 else {
            throw fail(nil, "not an HDF5 file (no HDF5 signature)", hint: "synk recognises files by content, not extension")
        }
        if let problem = h5GlobalHeapProblem(path: path) {
            throw fail(nil, "corrupt HDF5 file: \(problem)", hint: "the file is damaged; re-export or re-copy it")
        }
        file = H5Fopen(path, synk_H5F_ACC_RDONLY(), synk_H5P_DEFAULT())
        guard file >= 0 else { throw fail(nil, "cannot open the HDF5 file", hint: "it may be truncated or corrupt") }
        // The file handle is closed once the datasets the layout needs are open: HDF5 keeps the file open while
        // any of its objects is (default "weak" close degree), and closes it when the last one goes.
        defer { H5Fclose(file) }

        let opened: HDF5Opened
        if let dataset {
            if H5Aexists(file, "synk_format") > 0, ["/emg/data", "emg/data", "/emg", "emg"].contains(dataset) {
                // Naming synk's own data must not lose its scale, offset, unit and channel table.
                opened = try openSynk()
            } else if let series = nwbSeries(named: dataset) {
                opened = try openNWB(series: series, others: [], sampleRate: sampleRate)
            } else {
                opened = try openGeneric(dataset: dataset, sampleRate: sampleRate)
            }
        } else if H5Aexists(file, "synk_format") > 0 {
            opened = try openSynk()
        } else if isNWB() {
            let series = nwbSeriesList()
            guard let first = series.first else {
                throw fail("/acquisition", "NWB file has no ElectricalSeries under /acquisition",
                           hint: "pass --dataset with the path of a 2-D dataset to read")
            }
            opened = try openNWB(series: first, others: Array(series.dropFirst()), sampleRate: sampleRate)
        } else if let device = openSignalsDevices().first {
            opened = try openOpenSignals(device: device, others: openSignalsDevices().count - 1)
        } else {
            let candidates = twoDimensionalDatasets()
            let list = candidates.isEmpty ? "it holds no 2-D numeric dataset" : "2-D datasets found: " + candidates.prefix(20).joined(separator: ", ")
            throw fail(nil, "HDF5 file matches no known EMG layout (synk, NWB, OpenSignals); \(list)",
                       hint: "pass --dataset PATH --rate HZ to read one of them")
        }
        var header = opened.header
        do { try header.validate() } catch {
            opened.layout.close()
            throw error
        }
        header.source = SourceDescription(path: path, format: header.source?.format ?? .hdf5Dataset)
        return HDF5Opened(header: header, layout: opened.layout)
    }

    // MARK: Common checks

    /// Opens a dataset holding samples and checks rank, type and declared size. Returns the dataset id (owned by the
    /// caller) and its shape.
    func openSampleDataset(_ name: String, allowedRanks: Set<Int>) throws(SynkError) -> (hid_t, H5DatasetShape) {
        guard let kind = h5ObjectKind(file, name) else {
            throw fail(name, "missing dataset", hint: "the file has no object at \(name)")
        }
        guard kind == H5I_DATASET else { throw fail(name, "is a group, not a dataset") }
        let dataset = H5Dopen2(file, name, synk_H5P_DEFAULT())
        guard dataset >= 0 else { throw fail(name, "cannot open dataset", hint: "the file may be corrupt") }
        guard let shape = H5DatasetShape(dataset) else {
            H5Dclose(dataset)
            throw fail(name, "cannot read the dataset's shape or type", hint: "the file may be corrupt")
        }
        guard allowedRanks.contains(shape.dimensions.count) else {
            H5Dclose(dataset)
            let expected = allowedRanks.sorted().map { "\($0)-D" }.joined(separator: " or ")
            throw fail(name, "dataset is \(shape.dimensions.count)-D \(shape.shapeDescription), expected \(expected) [samples × channels]")
        }
        guard shape.isSupportedSampleType else {
            H5Dclose(dataset)
            throw fail(name, "unsupported sample type \(shape.typeDescription)",
                       hint: "synk reads float32, float64, int16, int32 and uint16 samples")
        }
        return (dataset, shape)
    }

    /// Refuses sizes no recording has, before anything is allocated.
    func checkPlausible(_ name: String, frames: UInt64, channels: UInt64, shape: H5DatasetShape) throws(SynkError) {
        guard channels > 0 else { throw fail(name, "dataset has no channels \(shape.shapeDescription)") }
        guard channels <= UInt64(HDF5Limits.maxChannels) else {
            throw fail(name, "implausible shape \(shape.shapeDescription): \(channels) channels", hint: "at most \(HDF5Limits.maxChannels) channels are supported; is the dataset [samples × channels]?")
        }
        guard frames <= HDF5Limits.maxFrames else {
            throw fail(name, "implausible shape \(shape.shapeDescription): \(frames) samples per channel", hint: "the file is corrupt or not a recording")
        }
        // A dataset may be compressed, but not by more than 1000:1 over many megabytes of real signal.
        let logical = frames.multipliedReportingOverflow(by: channels * UInt64(shape.elementSize))
        if !logical.overflow, logical.partialValue > 16 << 20, shape.storageBytes.multipliedReportingOverflow(by: 1000).partialValue < logical.partialValue {
            throw fail(name, "declares \(shape.shapeDescription) samples but stores only \(shape.storageBytes) bytes",
                       hint: "the file is truncated or its data were never written")
        }
    }

    func checkRate(_ rate: Double?, place: String, attribute: String) throws(SynkError) -> Double {
        guard let rate else {
            throw fail(place, "missing sample rate (attribute \(attribute))", hint: "pass --rate HZ")
        }
        guard rate.isFinite, rate > 0 else {
            throw fail(place, "invalid sample rate \(rate) Hz in attribute \(attribute)", hint: "the rate must be a positive number of Hz")
        }
        return rate
    }

    /// Physical unit → (delivered unit, factor to it).
    func deliveredUnit(_ unit: PhysicalUnit) -> (PhysicalUnit, Double) {
        if let factor = unit.microvoltsPerUnit { return (.microvolt, factor) }
        return (unit, 1)
    }

    // MARK: synk's own layout

    func openSynk() throws(SynkError) -> HDF5Opened {
        let format = h5StringAttribute(file, "synk_format")
        guard format == "emg-recording" else {
            throw fail("/", "unknown synk_format \"\(format ?? "?")\"", hint: "expected \"emg-recording\"")
        }
        var metadata: [String: String] = [:]
        if let version = h5DoubleAttribute(file, "synk_format_version")?.first {
            guard version == 1 else {
                throw fail("/", "synk_format_version \(version) is not supported", hint: "this synk reads version 1; update synk")
            }
        } else {
            metadata["note"] = "synk_format_version missing; read as version 1"
        }
        let name = "/emg/data"
        let (dataset, shape) = try openSampleDataset(name, allowedRanks: [2])
        var keep = false
        defer { if !keep { H5Dclose(dataset) } }
        let frames = shape.dimensions[0], channelCount = shape.dimensions[1]
        try checkPlausible(name, frames: frames, channels: channelCount, shape: shape)
        let rate = try checkRate(h5DoubleAttribute(dataset, "sample_rate_hz")?.first, place: name, attribute: "sample_rate_hz")
        let unitText = h5StringAttribute(dataset, "unit")
        if unitText == nil { metadata["unit_note"] = "no unit attribute on /emg/data; read as uV" }
        let fileUnit = PhysicalUnit(parsing: unitText ?? "uV")
        let scale = h5DoubleAttribute(dataset, "scale")?.first ?? 1
        let offset = h5DoubleAttribute(dataset, "offset")?.first ?? 0
        guard scale.isFinite, offset.isFinite else { throw fail(name, "non-finite scale \(scale) or offset \(offset)") }

        let count = Int(channelCount)
        var channels: [ChannelInfo] = (1...count).map { ChannelInfo.labelled("ch\($0)") }
        var gains = [Double](repeating: scale, count: count)
        var offsets = [Double](repeating: offset, count: count)
        let table = try readCompoundTable("/emg/channels", fields: ["label", "muscle", "side", "branch", "unit", "kind"], required: ["label"])
        if let table {
            guard table.count == count else {
                throw fail("/emg/channels", "has \(table.count) rows for \(count) channels in /emg/data")
            }
        }
        for c in 0..<count {
            func field(_ key: String) -> String? {
                guard let value = table?.columns[key]?.strings?[c], !value.isEmpty else { return nil }
                return value
            }
            // A per-channel unit (written by synk for non-voltage channels) overrides the dataset's.
            let channelUnit = field("unit").map(PhysicalUnit.init(parsing:)).flatMap { $0.isVoltage ? nil : $0 } ?? fileUnit
            let (unit, factor) = deliveredUnit(channelUnit)
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

        var events: [Event] = []
        if let table = try readCompoundTable("/events", fields: ["onset_s", "duration_s", "label", "driver"], required: ["onset_s"]) {
            let onsets = table.columns["onset_s"]?.numbers ?? []
            let durations = table.columns["duration_s"]?.numbers
            let labels = table.columns["label"]?.strings
            let drivers = table.columns["driver"]?.strings
            for i in 0..<table.count {
                let duration = durations?[i] ?? 0
                guard onsets[i].isFinite, duration.isFinite, duration >= 0 else {
                    throw fail("/events", "row \(i + 1) has an invalid onset \(onsets[i]) or duration \(duration)")
                }
                var driver: Muscle?
                if let text = drivers?[i], !text.isEmpty {
                    guard let muscle = Muscle(rawValue: text) ?? Muscle(parsing: text) else {
                        throw fail("/events", "row \(i + 1) names driver '\(text)', which is not a muscle")
                    }
                    driver = muscle
                }
                events.append(Event(onset: onsets[i], duration: duration, label: labels?[i] ?? "", driver: driver))
            }
        }
        var stimuli: [Stimulus] = []
        if let table = try readCompoundTable("/stimuli", fields: ["time_s", "intensity_ma", "site", "side", "branch"], required: ["time_s"]) {
            let times = table.columns["time_s"]?.numbers ?? []
            for i in 0..<table.count {
                guard times[i].isFinite else { throw fail("/stimuli", "row \(i + 1) has an invalid time \(times[i])") }
                func text(_ key: String) -> String? {
                    guard let value = table.columns[key]?.strings?[i], !value.isEmpty else { return nil }
                    return value
                }
                let intensity = table.columns["intensity_ma"]?.numbers?[i]
                stimuli.append(Stimulus(time: times[i], intensityMilliampere: intensity.flatMap { $0.isFinite ? $0 : nil },
                                        site: text("site"), side: text("side").flatMap(Side.init(parsing:)),
                                        branch: text("branch").flatMap(Branch.init(parsing:))))
            }
        }

        let nonEmpty: (String) -> String? = { name in
            guard let value = h5StringAttribute(file, name), !value.isEmpty else { return nil }
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
        if h5ObjectKind(file, "/metadata") == H5I_GROUP {
            let group = H5Gopen2(file, "/metadata", synk_H5P_DEFAULT())
            if group >= 0 {
                defer { H5Gclose(group) }
                let count = H5Aget_num_attrs(group)
                for index in 0..<max(0, min(Int(count), 10_000)) {
                    let length = H5Aget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), nil, 0, synk_H5P_DEFAULT())
                    guard length > 0, length < 65_536 else { continue }
                    var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                    guard H5Aget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), &buffer, buffer.count, synk_H5P_DEFAULT()) > 0 else { continue }
                    let key = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    if metadata[key] == nil, let value = h5StringAttribute(group, key) { metadata[key] = value }
                }
            }
        }
        let header = RecordingHeader(
            source: SourceDescription(path: path, format: .synkHDF5), sampleRate: rate, frameCount: Int(frames),
            channels: channels, startTime: startTime, subject: nonEmpty("subject"), session: nonEmpty("session"),
            affectedSide: affected, events: events, stimuli: stimuli, metadata: metadata)
        keep = true
        return HDF5Opened(header: header, layout: HDF5SampleLayout(
            storage: .matrix(dataset: dataset, name: name, rank: 2, transposed: false),
            channelCount: count, gains: gains, offsets: offsets))
    }

    /// The named fields of an optional 1-D compound dataset; `nil` when the dataset is absent.
    func readCompoundTable(_ name: String, fields: [String], required: [String]) throws(SynkError) -> (count: Int, columns: [String: H5CompoundColumn])? {
        guard h5ObjectExists(file, name) else { return nil }
        let dataset = H5Dopen2(file, name, synk_H5P_DEFAULT())
        guard dataset >= 0 else { throw fail(name, "cannot open dataset (is it a group?)") }
        defer { H5Dclose(dataset) }
        guard let shape = H5DatasetShape(dataset) else { throw fail(name, "cannot read the dataset's shape") }
        guard shape.typeClass == H5T_COMPOUND, shape.dimensions.count == 1 else {
            throw fail(name, "expected a 1-D compound table, found \(shape.dimensions.count)-D \(shape.typeDescription)")
        }
        guard shape.dimensions[0] <= 10_000_000 else { throw fail(name, "implausible table length \(shape.dimensions[0])") }
        let count = Int(shape.dimensions[0])
        let type = H5Dget_type(dataset)
        guard type >= 0 else { throw fail(name, "cannot read the table's type") }
        defer { H5Tclose(type) }
        var columns: [String: H5CompoundColumn] = [:]
        for field in fields {
            guard H5Tget_member_index(type, field) >= 0 else {
                if required.contains(field) { throw fail(name, "table has no field \"\(field)\"") }
                continue
            }
            guard let column = h5ReadCompoundField(dataset, fileType: type, count: count, name: field) else {
                throw fail(name, "cannot read field \"\(field)\"", hint: "the file may be truncated or corrupt")
            }
            columns[field] = column
        }
        return (count, columns)
    }

    // MARK: NWB

    func isNWB() -> Bool {
        h5StringAttribute(file, "neurodata_type") == "NWBFile" || h5ObjectKind(file, "/acquisition") == H5I_GROUP
    }

    /// `/acquisition/<name>` groups that are ElectricalSeries (by `neurodata_type`, or by holding `data` plus a rate).
    func nwbSeriesList() -> [String] {
        let acquisition = H5Gopen2(file, "/acquisition", synk_H5P_DEFAULT())
        guard acquisition >= 0 else { return [] }
        defer { H5Gclose(acquisition) }
        var tagged: [String] = [], untagged: [String] = []
        for child in h5ChildNames(acquisition) {
            let group = "/acquisition/" + child
            guard h5ObjectKind(file, group) == H5I_GROUP else { continue }
            let object = H5Oopen(file, group, synk_H5P_DEFAULT())
            guard object >= 0 else { continue }
            let type = h5StringAttribute(object, "neurodata_type")
            H5Oclose(object)
            guard h5ObjectKind(file, group + "/data") == H5I_DATASET else { continue }
            if type == "ElectricalSeries" {
                tagged.append(group)
            } else if type == nil, h5ObjectExists(file, group + "/starting_time") || h5ObjectExists(file, group + "/timestamps") {
                untagged.append(group)
            }
        }
        return tagged + untagged
    }

    /// The series a `--dataset` argument names, when the file is NWB and the path is a series or its `data`.
    func nwbSeries(named dataset: String) -> String? {
        guard isNWB() else { return nil }
        var group = dataset.hasPrefix("/") ? dataset : "/" + dataset
        if group.hasSuffix("/data") { group = String(group.dropLast(5)) }
        return nwbSeriesList().contains(group) ? group : nil
    }

    func openNWB(series: String, others: [String], sampleRate: Double?) throws(SynkError) -> HDF5Opened {
        let name = series + "/data"
        let (dataset, shape) = try openSampleDataset(name, allowedRanks: [1, 2])
        var keep = false
        defer { if !keep { H5Dclose(dataset) } }
        let frames = shape.dimensions[0]
        let channelCount = shape.dimensions.count == 2 ? shape.dimensions[1] : 1
        try checkPlausible(name, frames: frames, channels: channelCount, shape: shape)
        let count = Int(channelCount)
        var metadata: [String: String] = ["nwb_series": series]
        if !others.isEmpty { metadata["nwb_other_series"] = others.joined(separator: ", ") }

        let conversion = h5DoubleAttribute(dataset, "conversion")?.first ?? 1
        let offset = h5DoubleAttribute(dataset, "offset")?.first ?? 0
        guard conversion.isFinite, offset.isFinite else { throw fail(name, "non-finite conversion \(conversion) or offset \(offset)") }
        let unitText = h5StringAttribute(dataset, "unit") ?? "volts"
        let (unit, factor) = deliveredUnit(PhysicalUnit(parsing: unitText))
        var gains = [Double](repeating: conversion * factor, count: count)
        let offsets = [Double](repeating: offset * factor, count: count)
        if let perChannel = readNumbers1D(series + "/channel_conversion"), perChannel.count == count {
            for c in 0..<count { gains[c] *= perChannel[c] }
        }

        var rate: Double
        let startingTime = series + "/starting_time", timestamps = series + "/timestamps"
        if h5ObjectKind(file, startingTime) == H5I_DATASET {
            let object = H5Dopen2(file, startingTime, synk_H5P_DEFAULT())
            guard object >= 0 else { throw fail(startingTime, "cannot open dataset") }
            let stated = h5DoubleAttribute(object, "rate")?.first
            if let start = h5ReadDoubles(object, start: [], count: []).flatMap(\.first) { metadata["nwb_starting_time_s"] = String(start) }
            H5Dclose(object)
            rate = try checkRate(stated, place: startingTime, attribute: "rate")
        } else if h5ObjectKind(file, timestamps) == H5I_DATASET {
            rate = try rateFromTimestamps(timestamps, frames: frames)
        } else if let sampleRate {
            rate = try checkRate(sampleRate, place: series, attribute: "--rate")
            metadata["rate_note"] = "rate given by the user; the series has neither starting_time nor timestamps"
        } else {
            throw fail(series, "missing sample rate: no starting_time@rate and no timestamps", hint: "pass --rate HZ")
        }
        rate = try checkRate(rate, place: series, attribute: "rate")

        let labels = nwbElectrodeLabels(series: series, count: count)
        let channels = (0..<count).map { ChannelInfo.labelled(labels?[$0] ?? "ch\($0 + 1)", unit: unit) }
        var subject: String?, session: String?, start: Date?
        if let text = readStringScalar("/general/subject/subject_id"), !text.isEmpty { subject = text }
        if let text = readStringScalar("/general/session_id"), !text.isEmpty { session = text }
        if let text = readStringScalar("/session_start_time") { start = hdf5ParseISO8601(text) }
        let header = RecordingHeader(
            source: SourceDescription(path: path, format: .nwb), sampleRate: rate, frameCount: Int(frames),
            channels: channels, startTime: start, subject: subject, session: session, metadata: metadata)
        keep = true
        return HDF5Opened(header: header, layout: HDF5SampleLayout(
            storage: .matrix(dataset: dataset, name: name, rank: shape.dimensions.count, transposed: false),
            channelCount: count, gains: gains, offsets: offsets))
    }

    /// The rate implied by a timestamps dataset, which must be strictly increasing and uniform to within 0.5 % of
    /// the mean interval (NWB allows irregular sampling; synk's filters need a regular grid).
    func rateFromTimestamps(_ name: String, frames: UInt64) throws(SynkError) -> Double {
        let dataset = H5Dopen2(file, name, synk_H5P_DEFAULT())
        guard dataset >= 0 else { throw fail(name, "cannot open dataset") }
        defer { H5Dclose(dataset) }
        guard let shape = H5DatasetShape(dataset), shape.dimensions.count == 1,
              shape.typeClass == H5T_FLOAT || shape.typeClass == H5T_INTEGER else {
            throw fail(name, "timestamps must be a 1-D numeric dataset")
        }
        guard shape.dimensions[0] == frames else {
            throw fail(name, "has \(shape.dimensions[0]) timestamps for \(frames) samples")
        }
        guard frames >= 2 else { throw fail(name, "at least two timestamps are needed to know the rate", hint: "pass --rate HZ") }
        // First pass: the mean interval from the ends. Second pass (streamed): every interval against it.
        guard let firstTime = h5ReadDoubles(dataset, start: [0], count: [1])?.first,
              let lastTime = h5ReadDoubles(dataset, start: [frames - 1], count: [1])?.first else {
            throw fail(name, "cannot read timestamps", hint: "the file may be truncated or corrupt")
        }
        let mean = (lastTime - firstTime) / Double(frames - 1)
        guard mean.isFinite, mean > 0 else { throw fail(name, "timestamps do not increase (\(firstTime) … \(lastTime) s)") }
        let tolerance = 0.005 * mean
        var previous = firstTime
        var index: UInt64 = 1
        let block: UInt64 = 65_536
        while index < frames {
            let length = min(block, frames - index)
            guard let times = h5ReadDoubles(dataset, start: [index], count: [length]) else {
                throw fail(name, "cannot read timestamps \(index)..<\(index + length)", hint: "the file may be truncated or corrupt")
            }
            for (k, time) in times.enumerated() {
                let interval = time - previous
                guard interval.isFinite, abs(interval - mean) <= tolerance else {
                    throw fail(name, String(format: "timestamps are not uniform: interval %.6g s at sample %llu, mean %.6g s", interval, index + UInt64(k), mean),
                               hint: "synk needs regularly sampled data; resample the recording first")
                }
                previous = time
            }
            index += length
        }
        return 1 / mean
    }

    /// Channel labels from `/general/extracellular_ephys/electrodes` (`label`, else `location`), in the order the
    /// series' `electrodes` region gives, else row order.
    func nwbElectrodeLabels(series: String, count: Int) -> [String]? {
        let table = "/general/extracellular_ephys/electrodes"
        guard let column = readStrings1D(table + "/label") ?? readStrings1D(table + "/location") else { return nil }
        if let region = readNumbers1D(series + "/electrodes"), region.count == count {
            let rows = region.map { Int(exactly: $0) ?? -1 }
            guard rows.allSatisfy({ $0 >= 0 && $0 < column.count }) else { return nil }
            return rows.map { column[$0] }
        }
        return column.count == count ? column : nil
    }

    func readNumbers1D(_ name: String) -> [Double]? {
        guard h5ObjectKind(file, name) == H5I_DATASET else { return nil }
        let dataset = H5Dopen2(file, name, synk_H5P_DEFAULT())
        guard dataset >= 0 else { return nil }
        defer { H5Dclose(dataset) }
        guard let shape = H5DatasetShape(dataset), shape.dimensions.count == 1, shape.dimensions[0] <= 100_000,
              shape.typeClass == H5T_INTEGER || shape.typeClass == H5T_FLOAT else { return nil }
        return h5ReadDoubles(dataset, start: [0], count: [shape.dimensions[0]])
    }

    func readStrings1D(_ name: String) -> [String]? {
        guard h5ObjectKind(file, name) == H5I_DATASET else { return nil }
        let dataset = H5Dopen2(file, name, synk_H5P_DEFAULT())
        guard dataset >= 0 else { return nil }
        defer { H5Dclose(dataset) }
        guard let shape = H5DatasetShape(dataset), shape.dimensions.count <= 1 else { return nil }
        let count = shape.dimensions.first ?? 1
        guard count <= 100_000 else { return nil }
        let type = H5Dget_type(dataset)
        guard type >= 0 else { return nil }
        defer { H5Tclose(type) }
        if H5Tis_variable_str(type) > 0,
           !h5VariableStringLengthsPlausible(dataset, file: file, path: path, count: Int(count)) { return nil }
        return h5ReadStrings(fileType: type, count: Int(count)) {
            H5Dread(dataset, $0, synk_H5S_ALL(), synk_H5S_ALL(), synk_H5P_DEFAULT(), $1)
        }
    }

    func readStringScalar(_ name: String) -> String? { readStrings1D(name)?.first }

    // MARK: OpenSignals

    /// Root groups with a `sampling rate` attribute and a `raw` subgroup (one per device, named by MAC address).
    func openSignalsDevices() -> [String] {
        let root = H5Gopen2(file, "/", synk_H5P_DEFAULT())
        guard root >= 0 else { return [] }
        defer { H5Gclose(root) }
        return h5ChildNames(root, limit: 1000).filter { child in
            let group = "/" + child
            guard h5ObjectKind(file, group) == H5I_GROUP, h5ObjectKind(file, group + "/raw") == H5I_GROUP else { return false }
            let object = H5Gopen2(file, group, synk_H5P_DEFAULT())
            guard object >= 0 else { return false }
            defer { H5Gclose(object) }
            return H5Aexists(object, "sampling rate") > 0
        }.map { "/" + $0 }
    }

    func openOpenSignals(device: String, others: Int) throws(SynkError) -> HDF5Opened {
        let group = H5Gopen2(file, device, synk_H5P_DEFAULT())
        guard group >= 0 else { throw fail(device, "cannot open group") }
        defer { H5Gclose(group) }
        let rate = try checkRate(h5DoubleAttribute(group, "sampling rate")?.first, place: device, attribute: "sampling rate")
        let rawGroup = H5Gopen2(file, device + "/raw", synk_H5P_DEFAULT())
        guard rawGroup >= 0 else { throw fail(device + "/raw", "cannot open group") }
        let channelNames = h5ChildNames(rawGroup).compactMap { name -> (Int, String)? in
            guard name.hasPrefix("channel_"), let number = Int(name.dropFirst(8)) else { return nil }
            return (number, name)
        }.sorted { $0.0 < $1.0 }
        H5Gclose(rawGroup)
        guard !channelNames.isEmpty else { throw fail(device + "/raw", "OpenSignals device has no channel_<n> datasets") }
        guard channelNames.count <= HDF5Limits.maxChannels else { throw fail(device + "/raw", "implausible number of channels \(channelNames.count)") }

        var datasets: [hid_t] = [], names: [String] = [], ranks: [Int] = []
        var keep = false
        defer { if !keep { for dataset in datasets { H5Dclose(dataset) } } }
        var frames: UInt64?
        var bits: [Double?] = []
        let groupResolution = h5DoubleAttribute(group, "resolution")
        for (index, (_, child)) in channelNames.enumerated() {
            let name = device + "/raw/" + child
            let (dataset, shape) = try openSampleDataset(name, allowedRanks: [1, 2])
            datasets.append(dataset)
            names.append(name)
            ranks.append(shape.dimensions.count)
            if shape.dimensions.count == 2, shape.dimensions[1] != 1 {
                throw fail(name, "expected one column, found \(shape.shapeDescription)")
            }
            try checkPlausible(name, frames: shape.dimensions[0], channels: 1, shape: shape)
            if let frames, frames != shape.dimensions[0] {
                throw fail(name, "has \(shape.dimensions[0]) samples but \(names[0]) has \(frames)",
                           hint: "OpenSignals channels of one device must have equal length")
            }
            frames = shape.dimensions[0]
            let own = h5DoubleAttribute(dataset, "resolution")?.first
            let shared = groupResolution.flatMap { $0.count == channelNames.count ? $0[index] : $0.first }
            bits.append(own ?? shared)
        }
        let channels = zip(channelNames, bits).map { entry, resolution -> ChannelInfo in
            var info = ChannelInfo(label: entry.1, unit: .counts, kind: .emg)
            if let resolution, resolution >= 1, resolution <= 32 {
                info.physicalRange = 0...(pow(2, resolution) - 1)
            }
            return info
        }
        var metadata: [String: String] = ["opensignals_device_address": String(device.dropFirst())]
        if others > 0 { metadata["opensignals_other_devices"] = String(others) }
        if bits.contains(where: { $0 != nil }) {
            metadata["resolution_bits"] = bits.map { $0.map { String(Int($0)) } ?? "?" }.joined(separator: ",")
        }
        for key in ["device", "date", "time", "comments", "firmware version"] {
            if let value = h5StringAttribute(group, key), !value.isEmpty { metadata["opensignals_" + key.replacingOccurrences(of: " ", with: "_")] = value }
        }
        let header = RecordingHeader(
            source: SourceDescription(path: path, format: .openSignalsHDF5), sampleRate: rate,
            frameCount: Int(frames ?? 0), channels: channels, metadata: metadata)
        keep = true
        return HDF5Opened(header: header, layout: HDF5SampleLayout(
            storage: .columns(datasets: datasets, names: names, ranks: ranks), channelCount: channels.count,
            gains: [Double](repeating: 1, count: channels.count), offsets: [Double](repeating: 0, count: channels.count)))
    }

    // MARK: Any dataset

    func openGeneric(dataset requested: String, sampleRate: Double?) throws(SynkError) -> HDF5Opened {
        let name = requested.hasPrefix("/") ? requested : "/" + requested
        guard h5ObjectExists(file, name) else {
            let candidates = twoDimensionalDatasets()
            throw fail(name, "no such dataset",
                       hint: candidates.isEmpty ? "the file holds no 2-D numeric dataset" : "2-D datasets in the file: " + candidates.prefix(20).joined(separator: ", "))
        }
        let (dataset, shape) = try openSampleDataset(name, allowedRanks: [1, 2])
        var keep = false
        defer { if !keep { H5Dclose(dataset) } }
        var metadata: [String: String] = ["dataset": name]
        var transposed = false
        var frames = shape.dimensions[0]
        var channelCount: UInt64 = 1
        if shape.dimensions.count == 2 {
            channelCount = shape.dimensions[1]
            // [channels × samples] is common (MATLAB, NumPy exports); a short first dimension that could be channels
            // next to a long second one is read that way, and said so.
            if shape.dimensions[0] < shape.dimensions[1], shape.dimensions[0] <= UInt64(HDF5Limits.maxChannels) {
                transposed = true
                frames = shape.dimensions[1]
                channelCount = shape.dimensions[0]
                metadata["orientation"] = "transposed: dataset is [channels × samples] \(shape.shapeDescription)"
            }
        }
        try checkPlausible(name, frames: frames, channels: channelCount, shape: shape)
        let rate: Double
        if let sampleRate {
            rate = try checkRate(sampleRate, place: name, attribute: "--rate")
        } else {
            let keys = ["sample_rate_hz", "sampling_rate", "sampling rate", "sample_rate", "rate", "fs", "SamplingFrequency"]
            let found = keys.lazy.compactMap { key in h5DoubleAttribute(dataset, key)?.first.map { (key, $0) } }.first
            rate = try checkRate(found?.1, place: name, attribute: found?.0 ?? "sample_rate_hz")
        }
        let unitText = h5StringAttribute(dataset, "unit") ?? h5StringAttribute(dataset, "units")
        if unitText == nil { metadata["unit_note"] = "no unit attribute; values kept as stored" }
        let (unit, factor) = deliveredUnit(PhysicalUnit(parsing: unitText ?? ""))
        let count = Int(channelCount)
        let header = RecordingHeader(
            source: SourceDescription(path: path, format: .hdf5Dataset), sampleRate: rate, frameCount: Int(frames),
            channels: (1...count).map { ChannelInfo.labelled("ch\($0)", unit: unit) }, metadata: metadata)
        keep = true
        return HDF5Opened(header: header, layout: HDF5SampleLayout(
            storage: .matrix(dataset: dataset, name: name, rank: shape.dimensions.count, transposed: transposed),
            channelCount: count, gains: [Double](repeating: factor, count: count),
            offsets: [Double](repeating: 0, count: count)))
    }

    /// Paths of the 2-D datasets of a readable sample type in the file (depth ≤ 8, at most 200), sorted: what `--dataset` could name.
    func twoDimensionalDatasets() -> [String] {
        var found: [String] = []
        var visited = 0
        func walk(_ group: String, depth: Int) {
            guard depth <= 8, found.count < 200, visited < 5000 else { return }
            let id = H5Gopen2(file, group, synk_H5P_DEFAULT())
            guard id >= 0 else { return }
            let children = h5ChildNames(id, limit: 2000)
            H5Gclose(id)
            for child in children {
                visited += 1
                let childPath = (group == "/" ? "" : group) + "/" + child
                switch h5ObjectKind(file, childPath) {
                case H5I_GROUP: walk(childPath, depth: depth + 1)
                case H5I_DATASET:
                    let dataset = H5Dopen2(file, childPath, synk_H5P_DEFAULT())
                    guard dataset >= 0 else { continue }
                    if let shape = H5DatasetShape(dataset), shape.dimensions.count == 2, shape.isSupportedSampleType {
                        found.append(childPath)
                    }
                    H5Dclose(dataset)
                default: continue
                }
            }
        }
        walk("/", depth: 0)
        return found.sorted()
    }
}
