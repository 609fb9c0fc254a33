import CHDF5
import Foundation
import SynkCore

/// Writes a recording in synk's own HDF5 layout (design.md), streaming block by block.
///
/// Samples are stored as float32 µV in `/emg/data` [samples × channels], chunked and extendable so the length need
/// not be known in advance (`sample_rate_hz`, `unit = "uV"`, `scale = 1`, `offset = 0`). Voltage channels in other
/// units are converted to µV; non-voltage channels (counts, degrees) are stored as they are, with their unit in the
/// `unit` field of `/emg/channels`; a channel whose unit nobody stated has `unknown` there (never µV: the writer
/// invents no unit), and `/emg/data`'s `unit` is `unknown` too when no channel is a voltage. Root attributes, `/emg/channels`, `/events` and `/stimuli` are written from the
/// header, and `RecordingHeader.metadata` as string attributes of `/metadata`. Non-finite samples are refused.
/// The file is built at a hidden temporary path and renamed into place by ``finish()``; on any failure, or if
/// the writer is dropped unfinished, nothing appears at the destination. HDF5 calls run under synk's HDF5 lock.
public final class HDF5Writer: SampleSink {
    private let destination: String
    private let output: AtomicOutput
    private let channelCount: Int
    private let header: RecordingHeader
    /// Per-channel factor from the channel's unit to what is stored (µV for voltages, 1 otherwise).
    private let storageFactors: [Float]
    private var file: hid_t = -1
    private var dataset: hid_t = -1
    private var framesWritten: UInt64 = 0
    private var finished = false
    /// Set when a write failed: the file was abandoned and ``finish()`` must not report success.
    private var failed = false

    /// Creates the file (at a temporary path) with everything but the samples.
    /// - Throws: ``SynkError`` of kind `.output` when the header cannot be stored or the file cannot be created.
    public init(path: String, header: RecordingHeader) throws(SynkError) {
        destination = path
        do { try header.validate() } catch {
            throw .output(path, "cannot write this recording: \(error.problem)")
        }
        output = try AtomicOutput(destination: path)
        channelCount = header.channels.count
        self.header = header
        storageFactors = header.channels.map { Float($0.unit.microvoltsPerUnit ?? 1) }
        let output = self.output
        do {
            let (file, dataset) = try HDF5Library.locked { () throws(SynkError) -> (hid_t, hid_t) in
                try HDF5Writer.create(at: output.temporaryPath, destination: path, header: header)
            }
            self.file = file
            self.dataset = dataset
        } catch {
            output.abandon()
            throw error
        }
    }

    deinit {
        if !finished {
            closeHandles()
            output.abandon()
        }
    }

    /// Appends a block; it must carry every channel of the header, all of one length.
    public func write(_ block: SignalBlock) throws(SynkError) {
        guard !finished else { throw .output(destination, failed ? "write after a failed write" : "write after finish") }
        guard block.channels.count == channelCount else {
            throw failure("block has \(block.channels.count) channels, the file has \(channelCount)")
        }
        let frames = block.frameCount
        guard block.channels.allSatisfy({ $0.count == frames }) else { throw failure("block channels differ in length") }
        guard frames > 0 else { return }
        var interleaved = [Float](repeating: 0, count: frames * channelCount)
        for c in 0..<channelCount {
            let factor = storageFactors[c]
            let channel = block.channels[c]
            for i in 0..<frames {
                let value = channel[i] * factor
                // A NaN stored now would only fail later, far from its cause: refuse it here.
                guard value.isFinite else {
                    throw failure("non-finite sample \(channel[i]) in channel \(header.channels[c].label) at frame \(block.firstFrame + i)")
                }
                interleaved[i * channelCount + c] = value
            }
        }
        let start = framesWritten
        let ok = HDF5Library.locked { () -> Bool in
            var newSize: [hsize_t] = [hsize_t(start) + hsize_t(frames), hsize_t(channelCount)]
            guard H5Dset_extent(dataset, &newSize) >= 0 else { return false }
            let fileSpace = H5Dget_space(dataset)
            guard fileSpace >= 0 else { return false }
            defer { H5Sclose(fileSpace) }
            var offset: [hsize_t] = [hsize_t(start), 0]
            var count: [hsize_t] = [hsize_t(frames), hsize_t(channelCount)]
            guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &offset, nil, &count, nil) >= 0 else { return false }
            let memorySpace = H5Screate_simple(2, &count, nil)
            guard memorySpace >= 0 else { return false }
            defer { H5Sclose(memorySpace) }
            return interleaved.withUnsafeBytes {
                H5Dwrite(dataset, synk_H5T_NATIVE_FLOAT(), memorySpace, fileSpace, synk_H5P_DEFAULT(), $0.baseAddress!) >= 0
            }
        }
        guard ok else { throw failure("could not write frames \(start)..<\(start + UInt64(frames))") }
        framesWritten += UInt64(frames)
    }

    /// Flushes, closes and renames the file into place.
    public func finish() throws(SynkError) {
        guard !failed else { throw .output(destination, "not written: an earlier write failed") }
        guard !finished else { return }
        let flushed = HDF5Library.locked { H5Fflush(file, H5F_SCOPE_LOCAL) >= 0 }
        let closed = closeHandles()
        guard flushed, closed else {
            finished = true
            failed = true
            output.abandon()
            throw .output(destination, "could not finish the HDF5 file", hint: "is the disk full?")
        }
        finished = true
        try output.commit()
    }

    private func failure(_ problem: String) -> SynkError {
        finished = true
        failed = true
        closeHandles()
        output.abandon()
        return .output(destination, problem)
    }

    @discardableResult
    private func closeHandles() -> Bool {
        HDF5Library.locked { () -> Bool in
            var ok = true
            if dataset >= 0 { ok = H5Dclose(dataset) >= 0 && ok; dataset = -1 }
            if file >= 0 { ok = H5Fclose(file) >= 0 && ok; file = -1 }
            return ok
        }
    }

    // MARK: Creation (under the HDF5 lock)

    private static func create(at temporary: String, destination: String, header: RecordingHeader) throws(SynkError) -> (hid_t, hid_t) {
        let fail = { (what: String) -> SynkError in .output(destination, "could not write \(what)") }
        // No object timestamps anywhere: the same recording must give the same bytes (reproducible
        // simulations, hashes that identify content).
        let fileCreation = untimedPropertyList(synk_H5P_FILE_CREATE())
        defer { H5Pclose(fileCreation) }
        let file = H5Fcreate(temporary, synk_H5F_ACC_EXCL(), fileCreation, synk_H5P_DEFAULT())
        guard file >= 0 else { throw .output(destination, "could not create the HDF5 file") }
        var keep = false
        defer { if !keep { H5Fclose(file) } }

        guard h5WriteStringAttribute(file, "synk_format", "emg-recording"),
              h5WriteIntAttribute(file, "synk_format_version", 1) else { throw fail("root attributes") }
        let rootStrings: [(String, String?)] = [
            ("subject", header.subject), ("session", header.session),
            ("recorded_at", header.startTime.map(hdf5FormatISO8601)), ("affected_side", header.affectedSide?.rawValue),
        ]
        for case let (name, value?) in rootStrings {
            guard h5WriteStringAttribute(file, name, value) else { throw fail("attribute \(name)") }
        }

        let groupCreation = untimedPropertyList(synk_H5P_GROUP_CREATE())
        defer { H5Pclose(groupCreation) }
        let group = H5Gcreate2(file, "emg", synk_H5P_DEFAULT(), groupCreation, synk_H5P_DEFAULT())
        guard group >= 0 else { throw fail("group /emg") }
        H5Gclose(group)

        let channels = header.channels.count
        var dims: [hsize_t] = [0, hsize_t(channels)]
        var maxDims: [hsize_t] = [synk_H5S_UNLIMITED(), hsize_t(channels)]
        // About 64 KiB per chunk: large enough for fast streaming, small enough to extend in fine steps.
        var chunk: [hsize_t] = [hsize_t(max(64, min(8192, 16_384 / max(1, channels)))), hsize_t(channels)]
        let space = H5Screate_simple(2, &dims, &maxDims)
        guard space >= 0 else { throw fail("/emg/data") }
        defer { H5Sclose(space) }
        let properties = untimedPropertyList(synk_H5P_DATASET_CREATE())
        guard properties >= 0 else { throw fail("/emg/data") }
        defer { H5Pclose(properties) }
        guard H5Pset_chunk(properties, 2, &chunk) >= 0 else { throw fail("/emg/data") }
        let dataset = H5Dcreate2(file, "/emg/data", synk_H5T_IEEE_F32LE(), space, synk_H5P_DEFAULT(), properties, synk_H5P_DEFAULT())
        guard dataset >= 0 else { throw fail("/emg/data") }
        defer { if !keep { H5Dclose(dataset) } }
        guard h5WriteDoubleAttribute(dataset, "sample_rate_hz", header.sampleRate),
              h5WriteStringAttribute(dataset, "unit", HDF5Writer.datasetUnit(header.channels)),
              h5WriteDoubleAttribute(dataset, "scale", 1),
              h5WriteDoubleAttribute(dataset, "offset", 0) else { throw fail("attributes of /emg/data") }

        let info = header.channels
        guard h5WriteCompound(file, "/emg/channels", rows: info.count, columns: [
            ("label", .strings(info.map(\.label))),
            ("muscle", .strings(info.map { $0.muscle?.rawValue ?? "" })),
            ("side", .strings(info.map { $0.side?.rawValue ?? "" })),
            ("branch", .strings(info.map { $0.branch?.rawValue ?? "" })),
            ("unit", .strings(info.map(HDF5Writer.channelUnit))),
            ("kind", .strings(info.map(\.kind.rawValue))),
        ]) else { throw fail("/emg/channels") }
        if !header.metadata.isEmpty {
            let metadata = H5Gcreate2(file, "metadata", synk_H5P_DEFAULT(), groupCreation, synk_H5P_DEFAULT())
            guard metadata >= 0 else { throw fail("group /metadata") }
            defer { H5Gclose(metadata) }
            for (key, value) in header.metadata.sorted(by: { $0.key < $1.key }) {
                guard h5WriteStringAttribute(metadata, key, value) else { throw fail("attribute \(key) of /metadata") }
            }
        }
        if !header.events.isEmpty {
            let events = header.events
            var columns: [(String, H5CompoundColumn)] = [
                ("onset_s", .numbers(events.map(\.onset))),
                ("duration_s", .numbers(events.map(\.duration))),
                ("label", .strings(events.map(\.label))),
            ]
            // The optional driver column only when an event names its driver (files stay as they were otherwise).
            if events.contains(where: { $0.driver != nil }) { columns.append(("driver", .strings(events.map { $0.driver?.rawValue ?? "" }))) }
            guard h5WriteCompound(file, "/events", rows: events.count, columns: columns) else { throw fail("/events") }
        }
        if !header.stimuli.isEmpty {
            let stimuli = header.stimuli
            guard h5WriteCompound(file, "/stimuli", rows: stimuli.count, columns: [
                ("time_s", .numbers(stimuli.map(\.time))),
                ("intensity_ma", .numbers(stimuli.map { $0.intensityMilliampere ?? .nan })),
                ("site", .strings(stimuli.map { $0.site ?? "" })),
                ("side", .strings(stimuli.map { $0.side?.rawValue ?? "" })),
                ("branch", .strings(stimuli.map { $0.branch?.rawValue ?? "" })),
            ]) else { throw fail("/stimuli") }
        }
        keep = true
        return (file, dataset)
    }
}

extension HDF5Writer {
    /// The token for a unit nobody stated, in `/emg/channels`' `unit` column and the dataset's `unit` attribute.
    /// An empty cell would mean "the dataset's unit" (µV) to a reader: a unitless channel would come back as µV
    /// (then flat for the quality check), so the unknown unit is written as what it is.
    static let unknownUnit = "unknown"

    /// A channel's `unit` cell: `uV` for voltages (stored in µV), the channel's own symbol otherwise, ``unknownUnit``
    /// for a channel with no unit.
    static func channelUnit(_ channel: ChannelInfo) -> String {
        if channel.unit.isVoltage { return "uV" }
        return channel.unit.symbol.isEmpty ? unknownUnit : channel.unit.symbol
    }

    /// The `unit` attribute of `/emg/data`: `uV` when any channel is a voltage (they are stored in µV; the others
    /// state their unit in `/emg/channels`), else the one unit all channels share, else ``unknownUnit``.
    static func datasetUnit(_ channels: [ChannelInfo]) -> String {
        if channels.isEmpty || channels.contains(where: \.unit.isVoltage) { return "uV" }
        let units = Set(channels.map(channelUnit))
        return units.count == 1 ? units.first! : unknownUnit
    }
}

// MARK: - Writing helpers (call only while holding HDF5Library's lock)

/// A variable-length UTF-8 string type (caller closes).
private func h5VariableStringType() -> hid_t {
    let type = H5Tcopy(synk_H5T_C_S1())
    H5Tset_size(type, synk_H5T_VARIABLE())
    H5Tset_cset(type, H5T_CSET_UTF8)
    return type
}

func h5WriteStringAttribute(_ object: hid_t, _ name: String, _ value: String) -> Bool {
    let type = h5VariableStringType()
    guard type >= 0 else { return false }
    defer { H5Tclose(type) }
    let space = H5Screate(H5S_SCALAR)
    guard space >= 0 else { return false }
    defer { H5Sclose(space) }
    let attribute = H5Acreate2(object, name, type, space, synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
    guard attribute >= 0 else { return false }
    defer { H5Aclose(attribute) }
    return value.withCString { text in
        var pointer: UnsafePointer<CChar>? = text
        return withUnsafePointer(to: &pointer) { H5Awrite(attribute, type, $0) >= 0 }
    }
}

func h5WriteDoubleAttribute(_ object: hid_t, _ name: String, _ value: Double) -> Bool {
    let space = H5Screate(H5S_SCALAR)
    guard space >= 0 else { return false }
    defer { H5Sclose(space) }
    let attribute = H5Acreate2(object, name, synk_H5T_IEEE_F64LE(), space, synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
    guard attribute >= 0 else { return false }
    defer { H5Aclose(attribute) }
    var copy = value
    return H5Awrite(attribute, synk_H5T_NATIVE_DOUBLE(), &copy) >= 0
}

func h5WriteIntAttribute(_ object: hid_t, _ name: String, _ value: Int32) -> Bool {
    let space = H5Screate(H5S_SCALAR)
    guard space >= 0 else { return false }
    defer { H5Sclose(space) }
    let attribute = H5Acreate2(object, name, synk_H5T_STD_I32LE(), space, synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
    guard attribute >= 0 else { return false }
    defer { H5Aclose(attribute) }
    var copy = value
    return H5Awrite(attribute, synk_H5T_NATIVE_INT32(), &copy) >= 0
}

/// Writes a 1-D compound table whose fields are float64 numbers or variable-length UTF-8 strings, 8 bytes each in
/// memory (a double or a `char *`).
func h5WriteCompound(_ file: hid_t, _ name: String, rows: Int, columns: [(String, H5CompoundColumn)]) -> Bool {
    let rowSize = 8 * columns.count
    let stringType = h5VariableStringType()
    guard stringType >= 0 else { return false }
    defer { H5Tclose(stringType) }
    let type = H5Tcreate(H5T_COMPOUND, rowSize)
    guard type >= 0 else { return false }
    defer { H5Tclose(type) }
    for (index, (field, column)) in columns.enumerated() {
        let member: hid_t
        switch column {
        case .numbers: member = synk_H5T_NATIVE_DOUBLE()
        case .strings: member = stringType
        }
        guard H5Tinsert(type, field, 8 * index, member) >= 0 else { return false }
    }
    var buffer = [UInt8](repeating: 0, count: max(1, rows * rowSize))
    var copies: [UnsafeMutablePointer<CChar>] = []
    defer { for copy in copies { free(copy) } }
    buffer.withUnsafeMutableBytes { raw in
        for (index, (_, column)) in columns.enumerated() {
            for row in 0..<rows {
                let offset = row * rowSize + 8 * index
                switch column {
                case .numbers(let values):
                    raw.storeBytes(of: values[row], toByteOffset: offset, as: Double.self)
                case .strings(let values):
                    let copy = strdup(values[row])!
                    copies.append(copy)
                    raw.storeBytes(of: UnsafePointer(copy), toByteOffset: offset, as: UnsafePointer<CChar>.self)
                }
            }
        }
    }
    var dims: [hsize_t] = [hsize_t(rows)]
    let space = H5Screate_simple(1, &dims, nil)
    guard space >= 0 else { return false }
    defer { H5Sclose(space) }
    let creation = untimedPropertyList(synk_H5P_DATASET_CREATE())
    defer { H5Pclose(creation) }
    let dataset = H5Dcreate2(file, name, type, space, synk_H5P_DEFAULT(), creation, synk_H5P_DEFAULT())
    guard dataset >= 0 else { return false }
    defer { H5Dclose(dataset) }
    if rows == 0 { return true }
    return buffer.withUnsafeBytes { H5Dwrite(dataset, type, synk_H5S_ALL(), synk_H5S_ALL(), synk_H5P_DEFAULT(), $0.baseAddress!) >= 0 }
}

/// An object-creation property list of class `propertyClass` that records no access/modification times.
func untimedPropertyList(_ propertyClass: hid_t) -> hid_t {
    let list = H5Pcreate(propertyClass)
    if list >= 0 { H5Pset_obj_track_times(list, false) }
    return list
}
