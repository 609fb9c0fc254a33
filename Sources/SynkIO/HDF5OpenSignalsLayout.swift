import CHDF5
import Foundation
import SynkCore

/// A PLUX OpenSignals file: one root group per device, named by its MAC address, with a `sampling rate` attribute
/// and one dataset per channel, `raw/channel_<n>` (raw ADC counts, delivered as `counts` with the range the
/// `resolution` in bits gives).
struct HDF5OpenSignalsLayout: HDF5RecordingLayout {
    /// The device group read, `/<MAC>`.
    var device: String
    /// How many further devices the file holds (only the first is read).
    var others: Int

    /// A file with at least one device group, when the user named no dataset.
    static func recognise(_ input: HDF5InputFile, dataset: String?) -> HDF5OpenSignalsLayout? {
        guard dataset == nil else { return nil }
        let devices = devices(input)
        guard let first = devices.first else { return nil }
        return HDF5OpenSignalsLayout(device: first, others: devices.count - 1)
    }

    /// Root groups with a `sampling rate` attribute and a `raw` subgroup (one per device, named by MAC address).
    static func devices(_ input: HDF5InputFile) -> [String] {
        let file = input.file
        guard let root = file.openGroup("/") else { return [] }
        return root.childNames(limit: 1000).filter { child in
            let group = "/" + child
            guard file.objectKind(at: group) == H5I_GROUP, file.objectKind(at: group + "/raw") == H5I_GROUP,
                  let object = file.openGroup(group) else { return false }
            return object.hasAttribute("sampling rate")
        }.map { "/" + $0 }
    }

    func open(_ input: HDF5InputFile, sampleRate: Double?) throws(SynkError) -> HDF5Opened {
        let file = input.file
        guard let group = file.openGroup(device) else { throw input.fail(device, "cannot open group") }
        let rate = try input.checkRate(group.doubleAttribute("sampling rate")?.first, place: device, attribute: "sampling rate")
        guard let rawGroup = file.openGroup(device + "/raw") else { throw input.fail(device + "/raw", "cannot open group") }
        let channelNames = rawGroup.childNames().compactMap { name -> (Int, String)? in
            guard name.hasPrefix("channel_"), let number = Int(name.dropFirst(8)) else { return nil }
            return (number, name)
        }.sorted { $0.0 < $1.0 }
        guard !channelNames.isEmpty else { throw input.fail(device + "/raw", "OpenSignals device has no channel_<n> datasets") }
        guard channelNames.count <= HDF5Limits.maxChannels else { throw input.fail(device + "/raw", "implausible number of channels \(channelNames.count)") }

        var datasets: [HDF5Dataset] = [], names: [String] = [], ranks: [Int] = []
        var frames: UInt64?
        var bits: [Double?] = []
        let groupResolution = group.doubleAttribute("resolution")
        for (index, (_, child)) in channelNames.enumerated() {
            let name = device + "/raw/" + child
            let (dataset, shape) = try input.openSampleDataset(name, allowedRanks: [1, 2])
            datasets.append(dataset)
            names.append(name)
            ranks.append(shape.dimensions.count)
            if shape.dimensions.count == 2, shape.dimensions[1] != 1 {
                throw input.fail(name, "expected one column, found \(shape.shapeDescription)")
            }
            try input.checkPlausible(name, frames: shape.dimensions[0], channels: 1, shape: shape)
            if let frames, frames != shape.dimensions[0] {
                throw input.fail(name, "has \(shape.dimensions[0]) samples but \(names[0]) has \(frames)",
                                 hint: "OpenSignals channels of one device must have equal length")
            }
            frames = shape.dimensions[0]
            let own = dataset.doubleAttribute("resolution")?.first
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
            // Whole bits as stored (12.0 → "12"); a value no integer can hold (NaN, 1e300) is unknown, not a crash.
            metadata["resolution_bits"] = bits.map { $0.flatMap { Int(exactly: $0.rounded(.towardZero)) }.map(String.init) ?? "?" }.joined(separator: ",")
        }
        for key in ["device", "date", "time", "comments", "firmware version"] {
            if let value = group.stringAttribute(key), !value.isEmpty { metadata["opensignals_" + key.replacingOccurrences(of: " ", with: "_")] = value }
        }
        let header = RecordingHeader(
            source: SourceDescription(path: input.path, format: .openSignalsHDF5), sampleRate: rate,
            frameCount: Int(frames ?? 0), channels: channels, metadata: metadata)
        return HDF5Opened(header: header, layout: HDF5SampleLayout(
            storage: .columns(datasets: datasets, names: names, ranks: ranks), channelCount: channels.count,
            gains: [Double](repeating: 1, count: channels.count), offsets: [Double](repeating: 0, count: channels.count)))
    }
}
