import CHDF5
import Foundation
import SynkCore

/// An HDF5 file opened read-only for reading a recording, with the checks every layout shares. Used under the HDF5
/// lock; every problem is an input error naming the file.
struct HDF5InputFile {
    let path: String
    let file: HDF5File

    /// Checks that `path` is a readable, undamaged HDF5 file and opens it read-only.
    init(opening path: String) throws(SynkError) {
        self.path = path
        func fail(_ problem: String, hint: String? = nil) -> SynkError { .input(path, problem, hint: hint) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw fail("no such file") }
        guard !isDirectory.boolValue else { throw fail("is a directory, not an HDF5 file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw fail("cannot open for reading", hint: "check the file's permissions")
        }
        guard H5Fis_hdf5(path) > 0 else {
            throw fail("not an HDF5 file (no HDF5 signature)", hint: "synk recognises files by content, not extension")
        }
        if let problem = h5GlobalHeapProblem(path: path) {
            throw fail("corrupt HDF5 file: \(problem)", hint: "the file is damaged; re-export or re-copy it")
        }
        guard let file = HDF5File.openReadOnly(path) else {
            throw fail("cannot open the HDF5 file", hint: "it may be truncated or corrupt")
        }
        self.file = file
    }

    func fail(_ place: String?, _ problem: String, hint: String? = nil) -> SynkError {
        .input(path, problem, place: place, hint: hint)
    }

    /// Opens a dataset holding samples and checks rank, type and declared size.
    func openSampleDataset(_ name: String, allowedRanks: Set<Int>) throws(SynkError) -> (HDF5Dataset, H5DatasetShape) {
        guard let kind = file.objectKind(at: name) else {
            throw fail(name, "missing dataset", hint: "the file has no object at \(name)")
        }
        guard kind == H5I_DATASET else { throw fail(name, "is a group, not a dataset") }
        guard let dataset = file.openDataset(name) else { throw fail(name, "cannot open dataset", hint: "the file may be corrupt") }
        guard let shape = H5DatasetShape(dataset) else {
            throw fail(name, "cannot read the dataset's shape or type", hint: "the file may be corrupt")
        }
        guard allowedRanks.contains(shape.dimensions.count) else {
            let expected = allowedRanks.sorted().map { "\($0)-D" }.joined(separator: " or ")
            throw fail(name, "dataset is \(shape.dimensions.count)-D \(shape.shapeDescription), expected \(expected) [samples × channels]")
        }
        guard shape.isSupportedSampleType else {
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
            throw fail(place, "missing sample rate (attribute \(attribute))", hint: ReadOptions.rateHint)
        }
        guard rate.isFinite, rate > 0 else {
            throw fail(place, "invalid sample rate \(rate) Hz in attribute \(attribute)", hint: "the rate must be a positive number of Hz")
        }
        return rate
    }

    /// Physical unit → (delivered unit, factor to it): voltages are delivered in µV, anything else as stored.
    func deliveredUnit(_ unit: PhysicalUnit) -> (PhysicalUnit, Double) {
        if let factor = unit.microvoltsPerUnit { return (.microvolt, factor) }
        return (unit, 1)
    }
}
