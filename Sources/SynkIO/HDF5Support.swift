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
        /// Live ``HDF5Handle``s by kind; read and changed only while holding `lock`.
        var openHandles: [String: Int] = [:]
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
    /// attributes. Tests compare it before and after work to prove those identifiers are closed. (HDF5 1.10 offers
    /// no count of transient datatypes, dataspaces and property lists; ``openHandleCounts()`` counts synk's.)
    static func openObjectCounts() -> [Int] {
        locked {
            [H5F_OBJ_FILE, H5F_OBJ_DATASET, H5F_OBJ_GROUP, H5F_OBJ_DATATYPE, H5F_OBJ_ATTR].map { kind in
                // The file id H5F_OBJ_ALL (a macro Swift cannot import: the OR of the flags) means every open file.
                Int(H5Fget_obj_count(hid_t(H5F_OBJ_FILE | H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR), UInt32(kind)))
            }
        }
    }

    /// How many ``HDF5Handle``s of each kind are alive (kinds never opened are absent). Every identifier the reader
    /// makes, transient ones included, is a handle, so tests compare this before and after work to prove each was
    /// closed.
    static func openHandleCounts() -> [String: Int] {
        locked { shared.openHandles.filter { $0.value != 0 } }
    }

    static func handleOpened(_ kind: String) {
        locked { shared.openHandles[kind, default: 0] += 1 }
    }

    static func handleClosed(_ kind: String) {
        locked { shared.openHandles[kind, default: 0] -= 1 }
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

/// One field of a compound dataset: numbers as `Double`, strings as `String`.
enum H5CompoundColumn {
    case numbers([Double])
    case strings([String])

    var strings: [String]? { if case .strings(let values) = self { values } else { nil } }
    var numbers: [Double]? { if case .numbers(let values) = self { values } else { nil } }
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
func h5VariableStringLengthsPlausible(_ dataset: HDF5Dataset, file: HDF5File, path: String, count: Int) -> Bool {
    guard let offset = dataset.contiguousOffset, count > 0 else { return count == 0 }
    guard let creation = file.creationProperties() else { return false }
    guard let addressSize = creation.addressAndLengthSizes()?.address, let userBlock = creation.userBlockSize(),
          (1...16).contains(addressSize) else { return false }
    let descriptor = 4 + addressSize + 4
    guard dataset.storageSize == UInt64(count * descriptor),
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
