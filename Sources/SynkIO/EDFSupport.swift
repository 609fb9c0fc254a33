import CEDFLib
import Foundation
import SynkCore

/// Helpers shared by ``EDFReader`` and ``EDFWriter``.
enum EDFSupport {
    /// Text of a fixed-size, NUL-terminated C `char` array imported as a tuple.
    static func string<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in
            let bytes = raw.prefix(while: { $0 != 0 })
            return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
    }

    /// Parameters of signal `index` of an open file's header.
    static func signal(_ header: UnsafeMutablePointer<edf_hdr_struct>, _ index: Int) -> edf_param_struct {
        withUnsafeMutablePointer(to: &header.pointee.signalparam) { tuple in
            tuple.withMemoryRebound(to: edf_param_struct.self, capacity: Int(EDFLIB_MAXSIGNALS)) { $0[index] }
        }
    }

    /// What an EDFlib open error code means.
    static func openErrorDescription(_ code: Int32) -> String {
        switch code {
        case EDFLIB_MALLOC_ERROR: "out of memory"
        case EDFLIB_NO_SUCH_FILE_OR_DIRECTORY: "cannot open the file"
        case EDFLIB_FILE_CONTAINS_FORMAT_ERRORS: "the EDF/BDF header is inconsistent or the file is not EDF/BDF"
        case EDFLIB_MAXFILES_REACHED: "too many EDF files open at once"
        case EDFLIB_FILE_READ_ERROR: "read error"
        case EDFLIB_FILE_ALREADY_OPENED: "the file is already open"
        case EDFLIB_FILETYPE_ERROR: "not an EDF, EDF+, BDF or BDF+ file"
        case EDFLIB_FILE_WRITE_ERROR: "write error"
        case EDFLIB_NUMBER_OF_SIGNALS_INVALID: "invalid number of signals"
        case EDFLIB_FILE_IS_DISCONTINUOUS: "EDF+D/BDF+D (discontinuous) recordings are not supported"
        case EDFLIB_INVALID_READ_ANNOTS_VALUE: "invalid annotation request"
        case EDFLIB_ARCH_ERROR: "unsupported platform"
        default: "EDFlib error \(code)"
        }
    }

    /// Explains a header/size mismatch from the raw fixed header, which EDFlib reports only as a
    /// "format error": `nil` when the sizes agree or the header cannot be parsed.
    static func truncationDescription(path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let fixed = try? handle.read(upToCount: 256), fixed.count == 256 else { return nil }
        func field(_ data: Data, _ start: Int, _ length: Int) -> String {
            String(decoding: data[data.startIndex + start..<data.startIndex + start + length], as: UTF8.self)
                .trimmingCharacters(in: .whitespaces)
        }
        let isBDF = fixed.first == 0xFF
        guard let headerBytes = Int(field(fixed, 184, 8)), let records = Int(field(fixed, 236, 8)),
              let signalCount = Int(field(fixed, 252, 4)), signalCount > 0, signalCount <= 4096,
              records > 0, headerBytes == 256 * (signalCount + 1) else { return nil }
        guard let signalHeader = try? handle.read(upToCount: 256 * signalCount), signalHeader.count == 256 * signalCount
        else { return nil }
        let samplesOffset = 216 * signalCount
        var samplesPerRecord = 0
        for s in 0..<signalCount {
            guard let n = Int(field(signalHeader, samplesOffset + 8 * s, 8)), n >= 0 else { return nil }
            samplesPerRecord += n
        }
        let recordBytes = samplesPerRecord * (isBDF ? 3 : 2)
        guard recordBytes > 0,
              let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        else { return nil }
        let held = (size - headerBytes) / recordBytes
        guard size < headerBytes + records * recordBytes else { return nil }
        return "truncated: header declares \(records) data records, data holds \(max(0, held))"
            + " (\(size) bytes, expected \(headerBytes + records * recordBytes))"
    }
}
