import CHDF5
import Foundation
import SynkCore

/// The one lock around every HDF5 call in synk.
///
/// The HDF5 library installed by Debian (`libhdf5-dev`, serial) is built without its thread-safety option: its
/// ID tables, free lists, metadata cache and error stack are global and unprotected. Two threads calling into it at
/// once — even on different files — can corrupt that state. So every HDF5 call made by ``HDF5Reader`` and
/// ``HDF5Writer`` runs inside ``locked(_:)``; readers and writers of different files may still live on different
/// tasks, they just take turns inside the library. The lock is recursive so helpers may nest.
enum HDF5Library {
    /// Holds the lock; `NSRecursiveLock` is thread-safe, whether or not a platform's Foundation marks it `Sendable`.
    private final class Lock: @unchecked Sendable {
        let lock = NSRecursiveLock()
    }

    private static let shared = Lock()

    /// Stops HDF5 from closing files at process exit. synk closes every file it opens; a file whose
    /// close failed (a full disk) stays registered inside HDF5, and HDF5 1.10's exit handler then
    /// crashes on it (SIGSEGV in `H5F__close_cb`) after synk has already reported the error.
    /// `H5dont_atexit` only works before the library's first use, so it runs on the first lock.
    private static let noExitHandler: Void = { _ = H5dont_atexit() }()

    /// Runs `body` holding the HDF5 lock, with HDF5's own error printing switched off (synk reports its own
    /// one-line errors instead of HDF5's error stack on stderr).
    static func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        shared.lock.lock()
        defer { shared.lock.unlock() }
        noExitHandler
        synk_H5_silence_errors()
        return try body()
    }

    /// How many HDF5 objects tied to files are open in the process: files, datasets, groups, committed datatypes,
    /// attributes. Tests compare it before and after work to prove those identifiers are closed. (HDF5 offers no
    /// count of transient datatypes and dataspaces; those are closed by `defer` next to where they are made.)
    static func openObjectCounts() -> [Int] {
        locked {
            [H5F_OBJ_FILE, H5F_OBJ_DATASET, H5F_OBJ_GROUP, H5F_OBJ_DATATYPE, H5F_OBJ_ATTR].map { kind in
                // The file id H5F_OBJ_ALL (a macro Swift cannot import: the OR of the flags) means every open file.
                Int(H5Fget_obj_count(hid_t(H5F_OBJ_FILE | H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR), UInt32(kind)))
            }
        }
    }
}

/// Plausibility limits for sizes declared by a file, so a tiny corrupt or hostile file cannot make synk allocate
/// terabytes.
enum HDF5Limits {
    /// More electrodes than any surface-EMG montage (high-density grids have a few hundred).
    static let maxChannels = InputLimits.maximumChannels
    /// 10^11 frames is 116 days at 10 kHz.
    static let maxFrames: UInt64 = 100_000_000_000
}

// MARK: - Low-level helpers (call only while holding HDF5Library's lock)

/// Whether `path` (absolute or relative to `location`) names an existing object; every component is checked
/// because `H5Lexists` fails when an intermediate group is missing.
func h5ObjectExists(_ location: hid_t, _ path: String) -> Bool {
    let parts = path.split(separator: "/", omittingEmptySubsequences: true)
    guard !parts.isEmpty else { return path == "/" }
    var current = path.hasPrefix("/") ? "" : "."
    for part in parts {
        current += "/" + part
        if H5Lexists(location, current, synk_H5P_DEFAULT()) <= 0 { return false }
    }
    return H5Oexists_by_name(location, current, synk_H5P_DEFAULT()) > 0
}

/// What kind of object `path` is, or `nil` if it does not exist or cannot be opened.
func h5ObjectKind(_ location: hid_t, _ path: String) -> H5I_type_t? {
    guard h5ObjectExists(location, path) else { return nil }
    let object = H5Oopen(location, path, synk_H5P_DEFAULT())
    guard object >= 0 else { return nil }
    defer { H5Oclose(object) }
    return H5Iget_type(object)
}

/// Names of the links in a group, in name order (at most `limit`).
func h5ChildNames(_ group: hid_t, limit: Int = 10_000) -> [String] {
    var info = H5G_info_t()
    guard H5Gget_info(group, &info) >= 0 else { return [] }
    var names: [String] = []
    let count = min(Int(info.nlinks), limit)
    for index in 0..<count {
        let length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), nil, 0, synk_H5P_DEFAULT())
        guard length > 0, length < 65_536 else { continue }
        var buffer = [CChar](repeating: 0, count: Int(length) + 1)
        let written = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), &buffer, buffer.count, synk_H5P_DEFAULT())
        guard written > 0 else { continue }
        names.append(String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return names
}

/// Reads a string-typed value (an attribute or a dataset, fixed or variable length) of `count` elements.
/// `read` performs the actual `H5Aread`/`H5Dread` with the memory type it is given.
func h5ReadStrings(fileType: hid_t, count: Int, read: (hid_t, UnsafeMutableRawPointer) -> herr_t) -> [String]? {
    guard H5Tget_class(fileType) == H5T_STRING, count >= 0, count <= 10_000_000 else { return nil }
    if count == 0 { return [] }
    let memoryType = H5Tcopy(synk_H5T_C_S1())
    guard memoryType >= 0 else { return nil }
    defer { H5Tclose(memoryType) }
    H5Tset_cset(memoryType, H5Tget_cset(fileType))
    if H5Tis_variable_str(fileType) > 0 {
        H5Tset_size(memoryType, synk_H5T_VARIABLE())
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        let status = pointers.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
        defer { for pointer in pointers where pointer != nil { H5free_memory(pointer) } }
        guard status >= 0 else { return nil }
        return pointers.map { $0.map { String(cString: $0) } ?? "" }
    }
    let size = H5Tget_size(fileType)
    guard size > 0, size <= 1 << 16 else { return nil }
    H5Tset_size(memoryType, size)
    H5Tset_strpad(memoryType, H5T_STR_NULLPAD)
    var bytes = [UInt8](repeating: 0, count: count * size)
    let status = bytes.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
    guard status >= 0 else { return nil }
    return (0..<count).map { index in
        let field = bytes[index * size..<(index + 1) * size]
        let text = field.prefix(while: { $0 != 0 })
        return String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }
}

/// A numeric attribute as `Double` values (any integer or float type), or `nil` if absent or not numeric.
func h5DoubleAttribute(_ object: hid_t, _ name: String) -> [Double]? {
    guard H5Aexists(object, name) > 0 else { return nil }
    let attribute = H5Aopen(object, name, synk_H5P_DEFAULT())
    guard attribute >= 0 else { return nil }
    defer { H5Aclose(attribute) }
    let type = H5Aget_type(attribute)
    guard type >= 0 else { return nil }
    defer { H5Tclose(type) }
    let space = H5Aget_space(attribute)
    guard space >= 0 else { return nil }
    defer { H5Sclose(space) }
    let count = H5Sget_simple_extent_npoints(space)
    guard count >= 1, count <= 1_000_000 else { return nil }
    let typeClass = H5Tget_class(type)
    if typeClass == H5T_STRING {
        // Some writers store numbers as text ("1000"); accept them.
        guard let texts = h5ReadStrings(fileType: type, count: Int(count), read: { H5Aread(attribute, $0, $1) }) else { return nil }
        let values = texts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        return values.count == texts.count ? values : nil
    }
    guard typeClass == H5T_INTEGER || typeClass == H5T_FLOAT else { return nil }
    var values = [Double](repeating: 0, count: Int(count))
    let status = values.withUnsafeMutableBytes { H5Aread(attribute, synk_H5T_NATIVE_DOUBLE(), $0.baseAddress!) }
    return status >= 0 ? values : nil
}

/// A string attribute (first element if it is an array), or `nil` if absent or not a string.
func h5StringAttribute(_ object: hid_t, _ name: String) -> String? {
    guard H5Aexists(object, name) > 0 else { return nil }
    let attribute = H5Aopen(object, name, synk_H5P_DEFAULT())
    guard attribute >= 0 else { return nil }
    defer { H5Aclose(attribute) }
    let type = H5Aget_type(attribute)
    guard type >= 0 else { return nil }
    defer { H5Tclose(type) }
    let space = H5Aget_space(attribute)
    guard space >= 0 else { return nil }
    defer { H5Sclose(space) }
    let count = H5Sget_simple_extent_npoints(space)
    guard count >= 1, count <= 1_000_000 else { return nil }
    return h5ReadStrings(fileType: type, count: Int(count), read: { H5Aread(attribute, $0, $1) })?.first
}

/// The shape and element type of an open dataset.
struct H5DatasetShape {
    var dimensions: [UInt64]
    var typeClass: H5T_class_t
    var elementSize: Int
    var isSigned: Bool
    /// Bytes actually allocated in the file for the data.
    var storageBytes: UInt64

    init?(_ dataset: hid_t) {
        let space = H5Dget_space(dataset)
        guard space >= 0 else { return nil }
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0, rank <= 32 else { return nil }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else { return nil } }
        dimensions = dims.map { UInt64($0) }
        let type = H5Dget_type(dataset)
        guard type >= 0 else { return nil }
        defer { H5Tclose(type) }
        typeClass = H5Tget_class(type)
        elementSize = H5Tget_size(type)
        isSigned = typeClass == H5T_INTEGER ? H5Tget_sign(type) != H5T_SGN_NONE : true
        storageBytes = UInt64(H5Dget_storage_size(dataset))
    }

    /// The sample types synk reads: float32, float64, int16, int32, uint16.
    var isSupportedSampleType: Bool {
        switch typeClass {
        case H5T_FLOAT: elementSize == 4 || elementSize == 8
        case H5T_INTEGER: (elementSize == 2) || (elementSize == 4 && isSigned)
        default: false
        }
    }

    /// A short description of the element type for error messages, e.g. `int8`, `compound`, `string`.
    var typeDescription: String {
        switch typeClass {
        case H5T_FLOAT: "float\(elementSize * 8)"
        case H5T_INTEGER: "\(isSigned ? "int" : "uint")\(elementSize * 8)"
        case H5T_STRING: "string"
        case H5T_COMPOUND: "compound"
        case H5T_ENUM: "enum"
        case H5T_ARRAY: "array"
        case H5T_VLEN: "variable-length"
        case H5T_REFERENCE: "reference"
        case H5T_OPAQUE: "opaque"
        case H5T_BITFIELD: "bitfield"
        default: "unknown type"
        }
    }

    var shapeDescription: String { "[" + dimensions.map(String.init).joined(separator: " × ") + "]" }
}

/// Reads a hyperslab `start`/`count` (one entry per dimension) of a dataset as `Double`s, row-major.
func h5ReadDoubles(_ dataset: hid_t, start: [UInt64], count: [UInt64]) -> [Double]? {
    let total = count.reduce(1, *)
    guard total <= UInt64(Int.max / 8) else { return nil }
    if total == 0 { return [] }
    if count.isEmpty {
        // A scalar dataset has no hyperslabs: read its one value whole.
        var value = 0.0
        let status = H5Dread(dataset, synk_H5T_NATIVE_DOUBLE(), synk_H5S_ALL(), synk_H5S_ALL(), synk_H5P_DEFAULT(), &value)
        return status >= 0 ? [value] : nil
    }
    let fileSpace = H5Dget_space(dataset)
    guard fileSpace >= 0 else { return nil }
    defer { H5Sclose(fileSpace) }
    var startSlab = start.map { hsize_t($0) }
    var countSlab = count.map { hsize_t($0) }
    guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &startSlab, nil, &countSlab, nil) >= 0 else { return nil }
    let memorySpace = H5Screate_simple(Int32(count.count), &countSlab, nil)
    guard memorySpace >= 0 else { return nil }
    defer { H5Sclose(memorySpace) }
    var values = [Double](repeating: 0, count: Int(total))
    let status = values.withUnsafeMutableBytes {
        H5Dread(dataset, synk_H5T_NATIVE_DOUBLE(), memorySpace, fileSpace, synk_H5P_DEFAULT(), $0.baseAddress!)
    }
    return status >= 0 ? values : nil
}

/// One field of a compound dataset: numbers as `Double`, strings as `String`.
enum H5CompoundColumn {
    case numbers([Double])
    case strings([String])

    var strings: [String]? { if case .strings(let values) = self { values } else { nil } }
    var numbers: [Double]? { if case .numbers(let values) = self { values } else { nil } }
}

/// Reads the field `name` of a 1-D compound dataset (`nil` if the field is absent or unreadable).
/// Each field is read on its own through a one-member memory type, so files may carry extra fields and any mix of
/// fixed- and variable-length strings.
func h5ReadCompoundField(_ dataset: hid_t, fileType: hid_t, count: Int, name: String) -> H5CompoundColumn? {
    let index = H5Tget_member_index(fileType, name)
    guard index >= 0 else { return nil }
    let memberType = H5Tget_member_type(fileType, UInt32(index))
    guard memberType >= 0 else { return nil }
    defer { H5Tclose(memberType) }
    let memberClass = H5Tget_class(memberType)
    if count == 0 { return memberClass == H5T_STRING ? .strings([]) : .numbers([]) }
    switch memberClass {
    case H5T_STRING:
        let strings = h5ReadStrings(fileType: memberType, count: count) { memoryType, buffer in
            let wrapper = H5Tcreate(H5T_COMPOUND, H5Tget_size(memoryType))
            guard wrapper >= 0 else { return -1 }
            defer { H5Tclose(wrapper) }
            guard H5Tinsert(wrapper, name, 0, memoryType) >= 0 else { return -1 }
            return H5Dread(dataset, wrapper, synk_H5S_ALL(), synk_H5S_ALL(), synk_H5P_DEFAULT(), buffer)
        }
        return strings.map { .strings($0) }
    case H5T_INTEGER, H5T_FLOAT:
        let wrapper = H5Tcreate(H5T_COMPOUND, 8)
        guard wrapper >= 0 else { return nil }
        defer { H5Tclose(wrapper) }
        guard H5Tinsert(wrapper, name, 0, synk_H5T_NATIVE_DOUBLE()) >= 0 else { return nil }
        var values = [Double](repeating: 0, count: count)
        let status = values.withUnsafeMutableBytes {
            H5Dread(dataset, wrapper, synk_H5S_ALL(), synk_H5S_ALL(), synk_H5P_DEFAULT(), $0.baseAddress!)
        }
        return status >= 0 ? .numbers(values) : nil
    default:
        return nil
    }
}

/// Parses ISO 8601 timestamps with or without fractional seconds and time zone (no zone = UTC).
func hdf5ParseISO8601(_ text: String) -> Date? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let formatter = ISO8601DateFormatter()
    for options: ISO8601DateFormatter.Options in [
        [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime],
    ] {
        formatter.formatOptions = options
        if let date = formatter.date(from: trimmed) { return date }
        if let date = formatter.date(from: trimmed + "Z") { return date }
    }
    return nil
}

/// Formats a date as ISO 8601 UTC, with milliseconds only when the date has a fraction of a second.
func hdf5FormatISO8601(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    let whole = date.timeIntervalSince1970.rounded(.down) == date.timeIntervalSince1970
    formatter.formatOptions = whole ? [.withInternetDateTime] : [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
}

/// Checks the file's global heap collections, where HDF5 keeps variable-length strings (labels, units, event names).
///
/// The HDF5 1.10 library shipped by Debian trusts the object sizes in these collections: a corrupted size makes it
/// copy past its buffers and crash the process (fixed upstream in 1.14 with bounds checks). synk cannot recover from a
/// crash inside the library, so before opening a file it walks every collection (`GCOL`, version 1, found by its
/// 8-byte signature, which random sample data does not produce by chance) and refuses one whose objects overrun it.
/// Files over 1 GiB are not scanned (the scan maps the file and costs about a memory pass). This is a guard against
/// the common damage, not a proof of integrity: a corrupted reference *to* a heap object is not detected here.
/// - Returns: a description of the first problem, with its byte offset, or `nil`.
func h5GlobalHeapProblem(path: String) -> String? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
          let size = (attributes[.size] as? NSNumber)?.intValue, size > 0, size <= 1 << 30,
          let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
    return data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> String? in
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        let signature: [UInt8] = [0x47, 0x43, 0x4F, 0x4C, 0x01, 0x00, 0x00, 0x00]  // "GCOL", version 1, reserved
        func uint64(at offset: Int) -> UInt64 { bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian }
        func uint16(at offset: Int) -> UInt16 { bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian }
        var position = 0
        while position + 16 <= count {
            // memchr for the first byte, then compare the rest (memmem is not exported by every C library).
            guard let hit = memchr(base + position, Int32(signature[0]), count - position) else { break }
            let start = base.distance(to: UnsafeRawPointer(hit))
            position = start + 1
            guard start + 8 <= count else { break }
            guard signature.withUnsafeBytes({ memcmp(hit, $0.baseAddress!, 8) }) == 0 else { continue }
            position = start + 8
            guard start + 16 <= count else { return "global heap collection at byte \(start) is cut off" }
            let collectionSize = uint64(at: start + 8)
            guard collectionSize >= 16, collectionSize <= UInt64(count - start) else {
                return "global heap collection at byte \(start) declares \(collectionSize) bytes, beyond the end of the file"
            }
            let length = Int(collectionSize)
            var offset = 16
            while offset + 16 <= length {
                let index = uint16(at: start + offset)
                let objectSize = uint64(at: start + offset + 8)
                let room = UInt64(length - offset - 16)
                if index == 0 {
                    // The free-space object; its size counts from its own header, and libhdf5 1.10 steps
                    // by exactly that size: 0 makes the library loop forever (found by fuzz-hdf5).
                    guard objectSize <= UInt64(length - offset) else {
                        return "global heap collection at byte \(start) has a free-space size beyond its end"
                    }
                    guard objectSize >= 16 else {
                        return "global heap collection at byte \(start) has a free-space object of \(objectSize) bytes at byte \(start + offset)"
                    }
                    offset += Int(objectSize)
                    continue
                }
                guard objectSize <= room else {
                    return "global heap object \(index) at byte \(start + offset) is \(objectSize) bytes, larger than its collection"
                }
                offset += 16 + Int((objectSize + 7) & ~7)
            }
            position = start + length
        }
        return nil
    }
}

/// Whether every element of a variable-length string dataset declares a length the file could hold.
///
/// libhdf5 1.10 allocates each element's declared length before it reads the string (in `H5T__conv_vlen`), so
/// one corrupt length makes it allocate gigabytes (found by fuzzing: an NWB label dataset declaring 2.9 GB). The
/// declared lengths are therefore read first from the raw on-disk descriptors — 4-byte length, heap address,
/// 4-byte index per element — which lie in one piece for contiguous storage. Other layouts (compact, chunked)
/// cannot be checked this way and are refused; synk's writers and h5py store such small datasets contiguously.
func h5VariableStringLengthsPlausible(_ dataset: hid_t, file: hid_t, path: String, count: Int) -> Bool {
    let offset = H5Dget_offset(dataset)
    guard offset != haddr_t.max, count > 0 else { return count == 0 }
    let creation = H5Fget_create_plist(file)
    guard creation >= 0 else { return false }
    defer { H5Pclose(creation) }
    var addressSize = 0, lengthSize = 0
    var userBlock: hsize_t = 0
    guard H5Pget_sizes(creation, &addressSize, &lengthSize) >= 0, H5Pget_userblock(creation, &userBlock) >= 0,
          (1...16).contains(addressSize) else { return false }
    let descriptor = 4 + addressSize + 4
    guard H5Dget_storage_size(dataset) == hsize_t(count * descriptor),
          let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    guard let fileSize = try? handle.seekToEnd(), (try? handle.seek(toOffset: UInt64(userBlock) + UInt64(offset))) != nil,
          let bytes = try? handle.read(upToCount: count * descriptor), bytes.count == count * descriptor else { return false }
    return bytes.withUnsafeBytes { raw in
        (0..<count).allSatisfy { index in
            UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * descriptor, as: UInt32.self))) <= fileSize
        }
    }
}
