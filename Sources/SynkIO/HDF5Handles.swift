import CHDF5
import Foundation

// MARK: - Owned identifiers

/// A kind of HDF5 identifier and the one call that releases it.
protocol HDF5IdentifierKind {
    /// How ``HDF5Library/openHandleCounts()`` names the kind.
    static var name: String { get }
    static func close(_ id: hid_t) -> herr_t
}

/// Kinds whose identifiers are a place in a file: links are looked up from them and attributes hang on them.
protocol HDF5LocationKind: HDF5IdentifierKind {}

/// The identifier kinds synk opens, as type parameters of ``HDF5Handle``.
enum HDF5Kind {
    enum File: HDF5LocationKind {
        static let name = "file"
        static func close(_ id: hid_t) -> herr_t { H5Fclose(id) }
    }
    enum Group: HDF5LocationKind {
        static let name = "group"
        static func close(_ id: hid_t) -> herr_t { H5Gclose(id) }
    }
    enum Dataset: HDF5LocationKind {
        static let name = "dataset"
        static func close(_ id: hid_t) -> herr_t { H5Dclose(id) }
    }
    /// Any object opened by path without knowing its kind (`H5Oopen`).
    enum Object: HDF5LocationKind {
        static let name = "object"
        static func close(_ id: hid_t) -> herr_t { H5Oclose(id) }
    }
    enum Attribute: HDF5IdentifierKind {
        static let name = "attribute"
        static func close(_ id: hid_t) -> herr_t { H5Aclose(id) }
    }
    enum Dataspace: HDF5IdentifierKind {
        static let name = "dataspace"
        static func close(_ id: hid_t) -> herr_t { H5Sclose(id) }
    }
    enum Datatype: HDF5IdentifierKind {
        static let name = "datatype"
        static func close(_ id: hid_t) -> herr_t { H5Tclose(id) }
    }
    enum PropertyList: HDF5IdentifierKind {
        static let name = "property list"
        static func close(_ id: hid_t) -> herr_t { H5Pclose(id) }
    }
}

/// An HDF5 identifier synk owns: closed exactly once, under the HDF5 lock, when the last reference goes.
///
/// Every identifier the reader opens is wrapped the moment the call that makes it returns, so no path — an early
/// `return`, a thrown error, a layout given up halfway — can leak one, and none can be closed twice: there is no
/// `close()` to call. A handle is made and used only while holding ``HDF5Library/locked(_:)``.
///
/// Swift may end an object's life after its last use, not at the end of its scope. So an `id` is handed to libhdf5
/// only inside a method of its own handle, or of a handle it is passed to as an argument (both stay alive for the
/// whole call), never taken from a temporary.
final class HDF5Handle<Kind: HDF5IdentifierKind> {
    let id: hid_t

    /// Takes ownership of `id`, the result of an HDF5 call that makes an identifier; `nil` when that call failed.
    init?(_ id: hid_t) {
        guard id >= 0 else { return nil }
        self.id = id
        HDF5Library.handleOpened(Kind.name)
    }

    deinit {
        let id = self.id
        HDF5Library.locked {
            _ = Kind.close(id)
            HDF5Library.handleClosed(Kind.name)
        }
    }
}

typealias HDF5File = HDF5Handle<HDF5Kind.File>
typealias HDF5Group = HDF5Handle<HDF5Kind.Group>
typealias HDF5Dataset = HDF5Handle<HDF5Kind.Dataset>
typealias HDF5Object = HDF5Handle<HDF5Kind.Object>
typealias HDF5Attribute = HDF5Handle<HDF5Kind.Attribute>
typealias HDF5Dataspace = HDF5Handle<HDF5Kind.Dataspace>
typealias HDF5Datatype = HDF5Handle<HDF5Kind.Datatype>
typealias HDF5PropertyList = HDF5Handle<HDF5Kind.PropertyList>

// MARK: - Files

extension HDF5Handle where Kind == HDF5Kind.File {
    /// Opens an existing file read-only.
    static func openReadOnly(_ path: String) -> HDF5File? {
        HDF5File(H5Fopen(path, synk_H5F_ACC_RDONLY(), synk_H5P_DEFAULT()))
    }

    /// The file-creation properties (address and length sizes, user block) the file was made with.
    func creationProperties() -> HDF5PropertyList? { HDF5PropertyList(H5Fget_create_plist(id)) }
}

extension HDF5Handle where Kind == HDF5Kind.PropertyList {
    /// Bytes per file address and per length field, from file-creation properties.
    func addressAndLengthSizes() -> (address: Int, length: Int)? {
        var address = 0, length = 0
        guard H5Pget_sizes(id, &address, &length) >= 0 else { return nil }
        return (address, length)
    }

    /// Bytes before the HDF5 superblock, from file-creation properties.
    func userBlockSize() -> UInt64? {
        var size: hsize_t = 0
        guard H5Pget_userblock(id, &size) >= 0 else { return nil }
        return UInt64(size)
    }
}

// MARK: - Locations: links and attributes

extension HDF5Handle where Kind: HDF5LocationKind {
    /// Whether `path` (absolute or relative to this location) names an existing object; every component is checked
    /// because `H5Lexists` fails when an intermediate group is missing.
    func containsObject(at path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.isEmpty else { return path == "/" }
        var current = path.hasPrefix("/") ? "" : "."
        for part in parts {
            current += "/" + part
            if H5Lexists(id, current, synk_H5P_DEFAULT()) <= 0 { return false }
        }
        return H5Oexists_by_name(id, current, synk_H5P_DEFAULT()) > 0
    }

    /// What kind of object `path` is, or `nil` if it does not exist or cannot be opened.
    func objectKind(at path: String) -> H5I_type_t? {
        guard containsObject(at: path), let object = openObject(path) else { return nil }
        return object.identifierType
    }

    func openObject(_ path: String) -> HDF5Object? { HDF5Object(H5Oopen(id, path, synk_H5P_DEFAULT())) }
    func openGroup(_ path: String) -> HDF5Group? { HDF5Group(H5Gopen2(id, path, synk_H5P_DEFAULT())) }
    func openDataset(_ path: String) -> HDF5Dataset? { HDF5Dataset(H5Dopen2(id, path, synk_H5P_DEFAULT())) }

    /// What HDF5 says this identifier is (`H5I_GROUP`, `H5I_DATASET`, …).
    var identifierType: H5I_type_t { H5Iget_type(id) }

    func hasAttribute(_ name: String) -> Bool { H5Aexists(id, name) > 0 }

    func openAttribute(_ name: String) -> HDF5Attribute? { HDF5Attribute(H5Aopen(id, name, synk_H5P_DEFAULT())) }

    /// A numeric attribute as `Double` values (any integer or float type, or numbers written as text), or `nil` if
    /// absent or not numeric.
    func doubleAttribute(_ name: String) -> [Double]? {
        guard hasAttribute(name), let attribute = openAttribute(name) else { return nil }
        return attribute.doubles()
    }

    /// A string attribute (first element if it is an array), or `nil` if absent or not a string.
    func stringAttribute(_ name: String) -> String? {
        guard hasAttribute(name), let attribute = openAttribute(name) else { return nil }
        return attribute.strings()?.first
    }
}

extension HDF5Handle where Kind == HDF5Kind.Group {
    /// Names of the links in the group, in name order (at most `limit`).
    func childNames(limit: Int = 10_000) -> [String] {
        var info = H5G_info_t()
        guard H5Gget_info(id, &info) >= 0 else { return [] }
        var names: [String] = []
        // A damaged group may claim up to 2^64 - 1 links: compare before converting.
        let count = Int(min(info.nlinks, hsize_t(max(0, limit))))
        for index in 0..<count {
            let length = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), nil, 0, synk_H5P_DEFAULT())
            guard length > 0, length < 65_536 else { continue }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            let written = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), &buffer, buffer.count, synk_H5P_DEFAULT())
            guard written > 0 else { continue }
            names.append(String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// Names of the group's attributes, in name order (at most `limit`).
    func attributeNames(limit: Int) -> [String] {
        let count = H5Aget_num_attrs(id)
        var names: [String] = []
        for index in 0..<max(0, min(Int(count), limit)) {
            let length = H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), nil, 0, synk_H5P_DEFAULT())
            guard length > 0, length < 65_536 else { continue }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            guard H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), &buffer, buffer.count, synk_H5P_DEFAULT()) > 0 else { continue }
            names.append(String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }
}

// MARK: - Attributes

extension HDF5Handle where Kind == HDF5Kind.Attribute {
    func type() -> HDF5Datatype? { HDF5Datatype(H5Aget_type(id)) }
    func space() -> HDF5Dataspace? { HDF5Dataspace(H5Aget_space(id)) }

    /// The stored type and element count, if the attribute holds 1 to 10^6 elements.
    private func contents() -> (type: HDF5Datatype, count: Int)? {
        guard let type = type(), let space = space() else { return nil }
        let count = space.elementCount
        guard count >= 1, count <= 1_000_000 else { return nil }
        return (type, Int(count))
    }

    /// Every element as `Double`: numbers of any integer or float type, or text that parses as numbers (some
    /// writers store numbers as text, "1000").
    func doubles() -> [Double]? {
        guard let (type, count) = contents() else { return nil }
        let typeClass = type.typeClass
        if typeClass == H5T_STRING {
            guard let texts = strings(type: type, count: count) else { return nil }
            let values = texts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            return values.count == texts.count ? values : nil
        }
        guard typeClass == H5T_INTEGER || typeClass == H5T_FLOAT else { return nil }
        var values = [Double](repeating: 0, count: count)
        let status = values.withUnsafeMutableBytes { H5Aread(id, synk_H5T_NATIVE_DOUBLE(), $0.baseAddress!) }
        return status >= 0 ? values : nil
    }

    /// Every element of a string attribute (fixed or variable length).
    func strings() -> [String]? {
        guard let (type, count) = contents() else { return nil }
        return strings(type: type, count: count)
    }

    private func strings(type: HDF5Datatype, count: Int) -> [String]? {
        type.readStrings(count: count) { memoryType, buffer in memoryType.read(into: buffer, from: self) }
    }
}

// MARK: - Datasets

extension HDF5Handle where Kind == HDF5Kind.Dataset {
    func space() -> HDF5Dataspace? { HDF5Dataspace(H5Dget_space(id)) }
    func type() -> HDF5Datatype? { HDF5Datatype(H5Dget_type(id)) }

    /// Bytes actually allocated in the file for the data.
    var storageSize: UInt64 { UInt64(H5Dget_storage_size(id)) }

    /// Where contiguous data starts in the file (after the user block), or `nil` for other storage or no data yet.
    var contiguousOffset: UInt64? {
        let offset = H5Dget_offset(id)
        return offset == haddr_t.max ? nil : UInt64(offset)
    }

    /// Reads with `memoryType` (a predefined type) the selection `file` of the dataset into `memory`'s shape;
    /// `nil` spaces mean the whole dataset.
    func read(_ memoryType: hid_t, memory: HDF5Dataspace? = nil, file: HDF5Dataspace? = nil, into buffer: UnsafeMutableRawPointer) -> herr_t {
        H5Dread(id, memoryType, memory?.id ?? synk_H5S_ALL(), file?.id ?? synk_H5S_ALL(), synk_H5P_DEFAULT(), buffer)
    }

    /// Reads a hyperslab `start`/`count` (one entry per dimension) as `Double`s, row-major.
    func readDoubles(start: [UInt64], count: [UInt64]) -> [Double]? {
        let total = count.reduce(1, *)
        guard total <= UInt64(Int.max / 8) else { return nil }
        if total == 0 { return [] }
        if count.isEmpty {
            // A scalar dataset has no hyperslabs: read its one value whole. Whole means whole, so a dataset of any
            // other size would overrun `value` (an NWB `starting_time` stored as an array did, in the stack).
            guard space()?.elementCount == 1 else { return nil }
            var value = 0.0
            let status = read(synk_H5T_NATIVE_DOUBLE(), into: &value)
            return status >= 0 ? [value] : nil
        }
        guard let fileSpace = space() else { return nil }
        let startSlab = start.map { hsize_t($0) }
        let countSlab = count.map { hsize_t($0) }
        guard fileSpace.selectHyperslab(start: startSlab, count: countSlab),
              let memorySpace = HDF5Dataspace.simple(countSlab) else { return nil }
        var values = [Double](repeating: 0, count: Int(total))
        let status = values.withUnsafeMutableBytes {
            read(synk_H5T_NATIVE_DOUBLE(), memory: memorySpace, file: fileSpace, into: $0.baseAddress!)
        }
        return status >= 0 ? values : nil
    }

    /// Every element of a 1-D or scalar string dataset of `count` elements with stored type `type`.
    func readStrings(type: HDF5Datatype, count: Int) -> [String]? {
        type.readStrings(count: count) { memoryType, buffer in memoryType.read(into: buffer, from: self) }
    }

    /// Reads the field `name` of a 1-D compound dataset of stored type `fileType` (`nil` if the field is absent or
    /// unreadable). Each field is read on its own through a one-member memory type, so files may carry extra fields
    /// and any mix of fixed- and variable-length strings.
    func readCompoundField(_ name: String, fileType: HDF5Datatype, count: Int) -> H5CompoundColumn? {
        let index = fileType.memberIndex(name)
        guard index >= 0, let memberType = fileType.memberType(at: index) else { return nil }
        let memberClass = memberType.typeClass
        if count == 0 { return memberClass == H5T_STRING ? .strings([]) : .numbers([]) }
        switch memberClass {
        case H5T_STRING:
            let strings = memberType.readStrings(count: count) { memoryType, buffer in
                guard let wrapper = HDF5Datatype.compound(size: memoryType.size),
                      wrapper.insert(name, offset: 0, memoryType) else { return -1 }
                return wrapper.read(into: buffer, from: self)
            }
            return strings.map { .strings($0) }
        case H5T_INTEGER, H5T_FLOAT:
            guard let wrapper = HDF5Datatype.compound(size: 8),
                  wrapper.insert(name, offset: 0, predefined: synk_H5T_NATIVE_DOUBLE()) else { return nil }
            var values = [Double](repeating: 0, count: count)
            let status = values.withUnsafeMutableBytes { wrapper.read(into: $0.baseAddress!, from: self) }
            return status >= 0 ? .numbers(values) : nil
        default:
            return nil
        }
    }
}

// MARK: - Dataspaces

extension HDF5Handle where Kind == HDF5Kind.Dataspace {
    /// A simple dataspace of the given dimensions.
    static func simple(_ dimensions: [hsize_t]) -> HDF5Dataspace? {
        var dimensions = dimensions
        return HDF5Dataspace(H5Screate_simple(Int32(dimensions.count), &dimensions, nil))
    }

    var elementCount: Int64 { Int64(H5Sget_simple_extent_npoints(id)) }

    /// The dimensions, or `nil` when they cannot be read or there are more than `maxRank`.
    func dimensions(maxRank: Int32) -> [UInt64]? {
        let rank = H5Sget_simple_extent_ndims(id)
        guard rank >= 0, rank <= maxRank else { return nil }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { guard H5Sget_simple_extent_dims(id, &dims, nil) >= 0 else { return nil } }
        return dims.map { UInt64($0) }
    }

    func selectHyperslab(start: [hsize_t], count: [hsize_t]) -> Bool {
        var start = start, count = count
        return H5Sselect_hyperslab(id, H5S_SELECT_SET, &start, nil, &count, nil) >= 0
    }
}

// MARK: - Datatypes

extension HDF5Handle where Kind == HDF5Kind.Datatype {
    /// A modifiable copy of a type (predefined types cannot be changed).
    static func copy(of predefined: hid_t) -> HDF5Datatype? { HDF5Datatype(H5Tcopy(predefined)) }

    /// An empty compound type of `size` bytes.
    static func compound(size: Int) -> HDF5Datatype? { HDF5Datatype(H5Tcreate(H5T_COMPOUND, size)) }

    var typeClass: H5T_class_t { H5Tget_class(id) }
    var size: Int { H5Tget_size(id) }
    var isSigned: Bool { H5Tget_sign(id) != H5T_SGN_NONE }
    var isVariableLengthString: Bool { H5Tis_variable_str(id) > 0 }

    func setSize(_ size: Int) { H5Tset_size(id, size) }
    func setCharacterSet(like other: HDF5Datatype) { H5Tset_cset(id, H5Tget_cset(other.id)) }
    func setNullPadded() { H5Tset_strpad(id, H5T_STR_NULLPAD) }

    func memberIndex(_ name: String) -> Int32 { H5Tget_member_index(id, name) }
    func memberType(at index: Int32) -> HDF5Datatype? { HDF5Datatype(H5Tget_member_type(id, UInt32(index))) }

    func insert(_ name: String, offset: Int, _ member: HDF5Datatype) -> Bool { H5Tinsert(id, name, offset, member.id) >= 0 }
    func insert(_ name: String, offset: Int, predefined member: hid_t) -> Bool { H5Tinsert(id, name, offset, member) >= 0 }

    /// Reads all of `attribute` converted to this (memory) type.
    func read(into buffer: UnsafeMutableRawPointer, from attribute: HDF5Attribute) -> herr_t { H5Aread(attribute.id, id, buffer) }

    /// Reads all of `dataset` converted to this (memory) type.
    func read(into buffer: UnsafeMutableRawPointer, from dataset: HDF5Dataset) -> herr_t {
        H5Dread(dataset.id, id, synk_H5S_ALL(), synk_H5S_ALL(), synk_H5P_DEFAULT(), buffer)
    }

    /// Reads `count` strings stored with this type (fixed or variable length). `read` performs the actual
    /// `H5Aread`/`H5Dread` with the memory type it is given.
    func readStrings(count: Int, read: (HDF5Datatype, UnsafeMutableRawPointer) -> herr_t) -> [String]? {
        guard typeClass == H5T_STRING, count >= 0, count <= 10_000_000 else { return nil }
        if count == 0 { return [] }
        guard let memoryType = HDF5Datatype.copy(of: synk_H5T_C_S1()) else { return nil }
        memoryType.setCharacterSet(like: self)
        if isVariableLengthString {
            memoryType.setSize(synk_H5T_VARIABLE())
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let status = pointers.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
            defer { for pointer in pointers where pointer != nil { H5free_memory(pointer) } }
            guard status >= 0 else { return nil }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = self.size
        guard size > 0, size <= 1 << 16 else { return nil }
        memoryType.setSize(size)
        memoryType.setNullPadded()
        var bytes = [UInt8](repeating: 0, count: count * size)
        let status = bytes.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
        guard status >= 0 else { return nil }
        return (0..<count).map { index in
            let field = bytes[index * size..<(index + 1) * size]
            let text = field.prefix(while: { $0 != 0 })
            return String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
    }
}

// MARK: - Shapes

/// The shape and element type of an open dataset.
struct H5DatasetShape {
    var dimensions: [UInt64]
    var typeClass: H5T_class_t
    var elementSize: Int
    var isSigned: Bool
    /// Bytes actually allocated in the file for the data.
    var storageBytes: UInt64

    init?(_ dataset: HDF5Dataset) {
        guard let space = dataset.space(), let dimensions = space.dimensions(maxRank: 32) else { return nil }
        self.dimensions = dimensions
        guard let type = dataset.type() else { return nil }
        typeClass = type.typeClass
        elementSize = type.size
        isSigned = typeClass == H5T_INTEGER ? type.isSigned : true
        storageBytes = dataset.storageSize
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
