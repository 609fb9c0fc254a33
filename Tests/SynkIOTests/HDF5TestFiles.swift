import CHDF5
import Foundation
@testable import SynkIO

/// HDF5 files with a hostile structure, written with libhdf5 (call holding the HDF5 lock).
enum HDF5HostileFiles {
    struct WriteFailure: Error {}

    /// No recording; the groups form a loop: `/a/b/back` is a hard link to `/a`, or the soft links
    /// `/a/loop` → `/c/loop` → `/a/loop`.
    static func cyclicLinks(_ path: String, hard: Bool) throws -> String {
        let file = H5Fcreate(path, synk_H5F_ACC_TRUNC(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        guard file >= 0 else { throw WriteFailure() }
        defer { H5Fclose(file) }
        let a = H5Gcreate2(file, "a", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        defer { H5Gclose(a) }
        let b = H5Gcreate2(a, "b", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        defer { H5Gclose(b) }
        if hard {
            guard H5Lcreate_hard(file, "/a", b, "back", synk_H5P_DEFAULT(), synk_H5P_DEFAULT()) >= 0 else { throw WriteFailure() }
        } else {
            let c = H5Gcreate2(file, "c", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
            defer { H5Gclose(c) }
            guard H5Lcreate_soft("/c/loop", a, "loop", synk_H5P_DEFAULT(), synk_H5P_DEFAULT()) >= 0,
                  H5Lcreate_soft("/a/loop", c, "loop", synk_H5P_DEFAULT(), synk_H5P_DEFAULT()) >= 0 else { throw WriteFailure() }
        }
        return path
    }

    /// synk's layout declaring 10^12 × 3 float32 samples in a chunked `/emg/data` that was never written.
    static func unwrittenSynkData(_ path: String) throws -> String {
        let file = H5Fcreate(path, synk_H5F_ACC_TRUNC(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        guard file >= 0 else { throw WriteFailure() }
        defer { H5Fclose(file) }
        guard h5WriteStringAttribute(file, "synk_format", "emg-recording") else { throw WriteFailure() }
        let group = H5Gcreate2(file, "emg", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        defer { H5Gclose(group) }
        var dims: [hsize_t] = [1_000_000_000_000, 3]
        let space = H5Screate_simple(2, &dims, nil)
        defer { H5Sclose(space) }
        let properties = H5Pcreate(synk_H5P_DATASET_CREATE())
        defer { H5Pclose(properties) }
        var chunk: [hsize_t] = [64, 3]
        H5Pset_chunk(properties, 2, &chunk)
        let dataset = H5Dcreate2(group, "data", synk_H5T_IEEE_F32LE(), space, synk_H5P_DEFAULT(), properties, synk_H5P_DEFAULT())
        guard dataset >= 0 else { throw WriteFailure() }
        defer { H5Dclose(dataset) }
        guard h5WriteDoubleAttribute(dataset, "sample_rate_hz", 1000) else { throw WriteFailure() }
        return path
    }

    /// An NWB ElectricalSeries `/acquisition/emg` of 2 channels × `frames` samples (channel c, sample i holds
    /// 1000·c + i µV) whose `starting_time` is not the scalar NWB prescribes but an array of `startingTimes`
    /// values 12345.0, with `rate` 1000 Hz.
    static func nwbWithArrayStartingTime(_ path: String, frames: Int, startingTimes: Int) throws -> String {
        let file = H5Fcreate(path, synk_H5F_ACC_TRUNC(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        guard file >= 0 else { throw WriteFailure() }
        defer { H5Fclose(file) }
        guard h5WriteStringAttribute(file, "neurodata_type", "NWBFile") else { throw WriteFailure() }
        let series = H5Gcreate2(file, "/acquisition", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        H5Gclose(series)
        let group = H5Gcreate2(file, "/acquisition/emg", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        guard group >= 0 else { throw WriteFailure() }
        defer { H5Gclose(group) }
        guard h5WriteStringAttribute(group, "neurodata_type", "ElectricalSeries") else { throw WriteFailure() }
        let data = (0..<frames).flatMap { i in (0..<2).map { c in Float(1000 * c + i) } }
        let dataset = try write(group, "data", [hsize_t(frames), 2], synk_H5T_IEEE_F32LE(), synk_H5T_NATIVE_FLOAT(), data)
        defer { H5Dclose(dataset) }
        guard h5WriteStringAttribute(dataset, "unit", "uV") else { throw WriteFailure() }
        let times = try write(group, "starting_time", [hsize_t(startingTimes)], synk_H5T_IEEE_F64LE(), synk_H5T_NATIVE_DOUBLE(),
                              [Double](repeating: 12345, count: startingTimes))
        defer { H5Dclose(times) }
        guard h5WriteDoubleAttribute(times, "rate", 1000) else { throw WriteFailure() }
        return path
    }

    /// A PLUX OpenSignals device `/00:07:80:3B:46:61` at 1000 Hz with one int16 channel of 100 samples per entry
    /// of `resolutions`, each channel's `resolution` attribute set to that value.
    static func openSignals(_ path: String, resolutions: [Double]) throws -> String {
        let file = H5Fcreate(path, synk_H5F_ACC_TRUNC(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        guard file >= 0 else { throw WriteFailure() }
        defer { H5Fclose(file) }
        let device = H5Gcreate2(file, "/00:07:80:3B:46:61", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        guard device >= 0 else { throw WriteFailure() }
        defer { H5Gclose(device) }
        guard h5WriteDoubleAttribute(device, "sampling rate", 1000) else { throw WriteFailure() }
        let raw = H5Gcreate2(device, "raw", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        guard raw >= 0 else { throw WriteFailure() }
        defer { H5Gclose(raw) }
        for (index, resolution) in resolutions.enumerated() {
            let samples = (0..<100).map { Int16($0) }
            let dataset = try write(raw, "channel_\(index + 1)", [100], synk_H5T_STD_I16LE(), synk_H5T_NATIVE_INT16(), samples)
            defer { H5Dclose(dataset) }
            guard h5WriteDoubleAttribute(dataset, "resolution", resolution) else { throw WriteFailure() }
        }
        return path
    }

    /// Creates the contiguous dataset `name` in `location` and writes `values` (memory type `memoryType`).
    private static func write<T>(_ location: hid_t, _ name: String, _ dimensions: [hsize_t], _ fileType: hid_t, _ memoryType: hid_t,
                                 _ values: [T]) throws -> hid_t {
        var dimensions = dimensions
        let space = H5Screate_simple(Int32(dimensions.count), &dimensions, nil)
        guard space >= 0 else { throw WriteFailure() }
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(location, name, fileType, space, synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        guard dataset >= 0 else { throw WriteFailure() }
        let status = values.withUnsafeBytes { H5Dwrite(dataset, memoryType, synk_H5S_ALL(), synk_H5S_ALL(), synk_H5P_DEFAULT(), $0.baseAddress) }
        guard status >= 0 else {
            H5Dclose(dataset)
            throw WriteFailure()
        }
        return dataset
    }
}
