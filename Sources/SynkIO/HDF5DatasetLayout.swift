import CHDF5
import Foundation
import SynkCore

/// Any 1-D or 2-D numeric dataset the user names (`--dataset /path`), [samples × channels] or, when the first
/// dimension is the short one, [channels × samples]; the rate from an attribute (`sample_rate_hz`, `fs`, …) or
/// `--rate`, the unit from `unit`/`units`.
struct HDF5DatasetLayout: HDF5RecordingLayout {
    /// The dataset as the user named it.
    var requested: String

    /// Whatever dataset the user named; with none, no file is read this way.
    static func recognise(_ input: HDF5InputFile, dataset: String?) -> HDF5DatasetLayout? {
        dataset.map { HDF5DatasetLayout(requested: $0) }
    }

    func open(_ input: HDF5InputFile, sampleRate: Double?) throws(SynkError) -> HDF5Opened {
        let name = requested.hasPrefix("/") ? requested : "/" + requested
        guard input.file.containsObject(at: name) else {
            let candidates = Self.candidates(in: input)
            throw input.fail(name, "no such dataset",
                             hint: candidates.isEmpty ? "the file holds no 2-D numeric dataset" : "2-D datasets in the file: " + candidates.prefix(20).joined(separator: ", "))
        }
        let (dataset, shape) = try input.openSampleDataset(name, allowedRanks: [1, 2])
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
        try input.checkPlausible(name, frames: frames, channels: channelCount, shape: shape)
        let rate: Double
        if let sampleRate {
            rate = try input.checkRate(sampleRate, place: name, attribute: "--rate")
        } else {
            let keys = ["sample_rate_hz", "sampling_rate", "sampling rate", "sample_rate", "rate", "fs", "SamplingFrequency"]
            let found = keys.lazy.compactMap { key in dataset.doubleAttribute(key)?.first.map { (key, $0) } }.first
            rate = try input.checkRate(found?.1, place: name, attribute: found?.0 ?? "sample_rate_hz")
        }
        let unitText = dataset.stringAttribute("unit") ?? dataset.stringAttribute("units")
        if unitText == nil { metadata["unit_note"] = "no unit attribute; values kept as stored" }
        let (unit, factor) = input.deliveredUnit(PhysicalUnit(parsing: unitText ?? ""))
        let count = Int(channelCount)
        let header = RecordingHeader(
            source: SourceDescription(path: input.path, format: .hdf5Dataset), sampleRate: rate, frameCount: Int(frames),
            channels: (1...count).map { ChannelInfo.labelled("ch\($0)", unit: unit) }, metadata: metadata)
        return HDF5Opened(header: header, layout: HDF5SampleLayout(
            storage: .matrix(dataset: dataset, name: name, rank: shape.dimensions.count, transposed: transposed),
            channelCount: count, gains: [Double](repeating: factor, count: count),
            offsets: [Double](repeating: 0, count: count)))
    }

    /// Paths of the 2-D datasets of a readable sample type in the file (depth ≤ 8, at most 200), sorted: what
    /// `--dataset` could name.
    static func candidates(in input: HDF5InputFile) -> [String] {
        let file = input.file
        var found: [String] = []
        var visited = 0
        func walk(_ group: String, depth: Int) {
            guard depth <= 8, found.count < 200, visited < 5000 else { return }
            guard let children = file.openGroup(group)?.childNames(limit: 2000) else { return }
            for child in children {
                visited += 1
                let childPath = (group == "/" ? "" : group) + "/" + child
                switch file.objectKind(at: childPath) {
                case H5I_GROUP: walk(childPath, depth: depth + 1)
                case H5I_DATASET:
                    guard let dataset = file.openDataset(childPath) else { continue }
                    if let shape = H5DatasetShape(dataset), shape.dimensions.count == 2, shape.isSupportedSampleType {
                        found.append(childPath)
                    }
                default: continue
                }
            }
        }
        walk("/", depth: 0)
        return found.sorted()
    }
}
