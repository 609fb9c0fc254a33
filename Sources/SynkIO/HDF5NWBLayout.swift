import CHDF5
import Foundation
import SynkCore

/// An NWB `ElectricalSeries` under `/acquisition/<name>/`: samples in `data` [samples × channels] with `conversion`,
/// `offset` and `unit`, the rate from `starting_time@rate` or a uniform `timestamps` dataset, labels from the
/// electrodes table.
struct HDF5NWBLayout: HDF5RecordingLayout {
    /// The series read, `/acquisition/<name>`.
    var series: String
    /// Further series of the file, named in the metadata (only the first is read).
    var others: [String]

    /// An NWB file (by `neurodata_type` or an `/acquisition` group): its first series, or the series `dataset` names
    /// (the group or its `data`). With no dataset named, an NWB file without any series is refused.
    static func recognise(_ input: HDF5InputFile, dataset: String?) throws(SynkError) -> HDF5NWBLayout? {
        if let dataset {
            guard isNWB(input) else { return nil }
            var group = dataset.hasPrefix("/") ? dataset : "/" + dataset
            if group.hasSuffix("/data") { group = String(group.dropLast(5)) }
            return seriesList(input).contains(group) ? HDF5NWBLayout(series: group, others: []) : nil
        }
        guard isNWB(input) else { return nil }
        let series = seriesList(input)
        guard let first = series.first else {
            throw input.fail("/acquisition", "NWB file has no ElectricalSeries under /acquisition",
                             hint: "pass --dataset with the path of a 2-D dataset to read")
        }
        return HDF5NWBLayout(series: first, others: Array(series.dropFirst()))
    }

    static func isNWB(_ input: HDF5InputFile) -> Bool {
        input.file.stringAttribute("neurodata_type") == "NWBFile" || input.file.objectKind(at: "/acquisition") == H5I_GROUP
    }

    /// `/acquisition/<name>` groups that are ElectricalSeries (by `neurodata_type`, or by holding `data` plus a rate).
    static func seriesList(_ input: HDF5InputFile) -> [String] {
        let file = input.file
        guard let acquisition = file.openGroup("/acquisition") else { return [] }
        var tagged: [String] = [], untagged: [String] = []
        for child in acquisition.childNames() {
            let group = "/acquisition/" + child
            guard file.objectKind(at: group) == H5I_GROUP, let object = file.openObject(group) else { continue }
            let type = object.stringAttribute("neurodata_type")
            guard file.objectKind(at: group + "/data") == H5I_DATASET else { continue }
            if type == "ElectricalSeries" {
                tagged.append(group)
            } else if type == nil, file.containsObject(at: group + "/starting_time") || file.containsObject(at: group + "/timestamps") {
                untagged.append(group)
            }
        }
        return tagged + untagged
    }

    func open(_ input: HDF5InputFile, sampleRate: Double?) throws(SynkError) -> HDF5Opened {
        let file = input.file
        let name = series + "/data"
        let (dataset, shape) = try input.openSampleDataset(name, allowedRanks: [1, 2])
        let frames = shape.dimensions[0]
        let channelCount = shape.dimensions.count == 2 ? shape.dimensions[1] : 1
        try input.checkPlausible(name, frames: frames, channels: channelCount, shape: shape)
        let count = Int(channelCount)
        var metadata: [String: String] = ["nwb_series": series]
        if !others.isEmpty { metadata["nwb_other_series"] = others.joined(separator: ", ") }

        let conversion = dataset.doubleAttribute("conversion")?.first ?? 1
        let offset = dataset.doubleAttribute("offset")?.first ?? 0
        guard conversion.isFinite, offset.isFinite else { throw input.fail(name, "non-finite conversion \(conversion) or offset \(offset)") }
        let unitText = dataset.stringAttribute("unit") ?? "volts"
        let (unit, factor) = input.deliveredUnit(PhysicalUnit(parsing: unitText))
        var gains = [Double](repeating: conversion * factor, count: count)
        let offsets = [Double](repeating: offset * factor, count: count)
        if let perChannel = readNumbers1D(input, series + "/channel_conversion"), perChannel.count == count {
            for c in 0..<count { gains[c] *= perChannel[c] }
        }

        var rate: Double
        // The time of the first sample in the recording's own time base (stimulus tables use it).
        var firstSampleTime: Double?
        let startingTime = series + "/starting_time", timestamps = series + "/timestamps"
        if file.objectKind(at: startingTime) == H5I_DATASET {
            guard let object = file.openDataset(startingTime) else { throw input.fail(startingTime, "cannot open dataset") }
            let stated = object.doubleAttribute("rate")?.first
            if let start = object.readDoubles(start: [], count: []).flatMap(\.first) {
                metadata["nwb_starting_time_s"] = String(start)
                if start.isFinite, start != 0 { firstSampleTime = start }
            }
            rate = try input.checkRate(stated, place: startingTime, attribute: "rate")
        } else if file.objectKind(at: timestamps) == H5I_DATASET {
            rate = try rateFromTimestamps(input, timestamps, frames: frames)
            if let first = file.openDataset(timestamps)?.readDoubles(start: [0], count: [1])?.first, first.isFinite, first != 0 {
                firstSampleTime = first
            }
        } else if let sampleRate {
            rate = try input.checkRate(sampleRate, place: series, attribute: "--rate")
            metadata["rate_note"] = "rate given by the user; the series has neither starting_time nor timestamps"
        } else {
            throw input.fail(series, "missing sample rate: no starting_time@rate and no timestamps", hint: ReadOptions.rateHint)
        }
        rate = try input.checkRate(rate, place: series, attribute: "rate")

        let labels = electrodeLabels(input, count: count)
        let channels = (0..<count).map { ChannelInfo.labelled(labels?[$0] ?? "ch\($0 + 1)", unit: unit) }
        var subject: String?, session: String?, start: Date?
        if let text = readStringScalar(input, "/general/subject/subject_id"), !text.isEmpty { subject = text }
        if let text = readStringScalar(input, "/general/session_id"), !text.isEmpty { session = text }
        if let text = readStringScalar(input, "/session_start_time") { start = hdf5ParseISO8601(text) }
        var header = RecordingHeader(
            source: SourceDescription(path: input.path, format: .nwb), sampleRate: rate, frameCount: Int(frames),
            channels: channels, startTime: start, subject: subject, session: session, metadata: metadata)
        header.firstSampleTime = firstSampleTime
        return HDF5Opened(header: header, layout: HDF5SampleLayout(
            storage: .matrix(dataset: dataset, name: name, rank: shape.dimensions.count, transposed: false),
            channelCount: count, gains: gains, offsets: offsets))
    }

    /// The rate implied by a timestamps dataset, which must be strictly increasing and uniform to within 0.5 % of
    /// the mean interval (NWB allows irregular sampling; synk's filters need a regular grid).
    private func rateFromTimestamps(_ input: HDF5InputFile, _ name: String, frames: UInt64) throws(SynkError) -> Double {
        guard let dataset = input.file.openDataset(name) else { throw input.fail(name, "cannot open dataset") }
        guard let shape = H5DatasetShape(dataset), shape.dimensions.count == 1,
              shape.typeClass == H5T_FLOAT || shape.typeClass == H5T_INTEGER else {
            throw input.fail(name, "timestamps must be a 1-D numeric dataset")
        }
        guard shape.dimensions[0] == frames else {
            throw input.fail(name, "has \(shape.dimensions[0]) timestamps for \(frames) samples")
        }
        guard frames >= 2 else { throw input.fail(name, "at least two timestamps are needed to know the rate", hint: ReadOptions.rateHint) }
        // First pass: the mean interval from the ends. Second pass (streamed): every interval against it.
        guard let firstTime = dataset.readDoubles(start: [0], count: [1])?.first,
              let lastTime = dataset.readDoubles(start: [frames - 1], count: [1])?.first else {
            throw input.fail(name, "cannot read timestamps", hint: "the file may be truncated or corrupt")
        }
        let mean = (lastTime - firstTime) / Double(frames - 1)
        guard mean.isFinite, mean > 0 else { throw input.fail(name, "timestamps do not increase (\(firstTime) … \(lastTime) s)") }
        let tolerance = 0.005 * mean
        var previous = firstTime
        var index: UInt64 = 1
        let block: UInt64 = 65_536
        while index < frames {
            let length = min(block, frames - index)
            guard let times = dataset.readDoubles(start: [index], count: [length]) else {
                throw input.fail(name, "cannot read timestamps \(index)..<\(index + length)", hint: "the file may be truncated or corrupt")
            }
            for (k, time) in times.enumerated() {
                let interval = time - previous
                guard interval.isFinite, abs(interval - mean) <= tolerance else {
                    throw input.fail(name, String(format: "timestamps are not uniform: interval %.6g s at sample %llu, mean %.6g s", interval, index + UInt64(k), mean),
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
    private func electrodeLabels(_ input: HDF5InputFile, count: Int) -> [String]? {
        let table = "/general/extracellular_ephys/electrodes"
        guard let column = readStrings1D(input, table + "/label") ?? readStrings1D(input, table + "/location") else { return nil }
        if let region = readNumbers1D(input, series + "/electrodes"), region.count == count {
            let rows = region.map { Int(exactly: $0) ?? -1 }
            guard rows.allSatisfy({ $0 >= 0 && $0 < column.count }) else { return nil }
            return rows.map { column[$0] }
        }
        return column.count == count ? column : nil
    }

    /// A small 1-D numeric dataset (≤ 100 000 values), or `nil`.
    private func readNumbers1D(_ input: HDF5InputFile, _ name: String) -> [Double]? {
        guard input.file.objectKind(at: name) == H5I_DATASET, let dataset = input.file.openDataset(name),
              let shape = H5DatasetShape(dataset), shape.dimensions.count == 1, shape.dimensions[0] <= 100_000,
              shape.typeClass == H5T_INTEGER || shape.typeClass == H5T_FLOAT else { return nil }
        return dataset.readDoubles(start: [0], count: [shape.dimensions[0]])
    }

    /// A small scalar or 1-D string dataset (≤ 100 000 strings), or `nil`. Variable-length strings are read only
    /// when their declared lengths fit in the file.
    private func readStrings1D(_ input: HDF5InputFile, _ name: String) -> [String]? {
        guard input.file.objectKind(at: name) == H5I_DATASET, let dataset = input.file.openDataset(name),
              let shape = H5DatasetShape(dataset), shape.dimensions.count <= 1 else { return nil }
        let count = shape.dimensions.first ?? 1
        guard count <= 100_000, let type = dataset.type() else { return nil }
        if type.isVariableLengthString,
           !h5VariableStringLengthsPlausible(dataset, file: input.file, path: input.path, count: Int(count)) { return nil }
        return dataset.readStrings(type: type, count: Int(count))
    }

    private func readStringScalar(_ input: HDF5InputFile, _ name: String) -> String? { readStrings1D(input, name)?.first }
}
