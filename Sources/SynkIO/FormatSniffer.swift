import Foundation
import SynkCore

/// Recognises a recording's container format from its first bytes, never from the extension alone.
public enum FormatSniffer {
    /// How a file was recognised: the container family; HDF5 flavours are told apart by the HDF5 reader.
    public enum Family: String, Sendable, Equatable {
        case sndfile, hdf5, edf, bdf, text
    }

    /// Reads the head of `path` and names its family.
    public static func family(ofFileAt path: String) throws(SynkError) -> (Family, FileFormat) {
        // Never a FIFO, socket or device: opening one could block or read forever.
        try RegularFile.require(path, role: "recording")
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .input(path, "cannot open for reading", hint: "check the file's permissions")
        }
        defer { try? handle.close() }
        let head: Data
        do { head = try handle.read(upToCount: 4096) ?? Data() } catch {
            throw .input(path, "read failed: \(error.localizedDescription)")
        }
        guard !head.isEmpty else { throw .input(path, "empty file") }
        try refuseJSON([UInt8](head), path: path)
        if let found = family(ofHead: [UInt8](head)) { return found }
        throw .input(path, notARecording + " (unknown file format)", hint: formatsRead)
    }

    /// A JSON document is no recording. A synk result (it has `synk_version`) given where a recording belongs — most
    /// often to `synk report`, which takes recordings and measures them itself — is refused with the command to use:
    /// the recording the result names in `input.path`.
    static func refuseJSON(_ head: [UInt8], path: String) throws(SynkError) {
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let first = bytes.first(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }),
              first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return }
        // Results are small JSON objects with `synk_version` (keys sorted: anywhere in the file); read at most 4 MiB.
        guard let data = try? RegularFile.contents(of: path, role: "JSON document", maximumBytes: InputLimits.maximumJSONBytes),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], object["synk_version"] != nil else {
            throw .input(path, "\(notARecording): a JSON document, not a recording", hint: formatsRead)
        }
        var recording: String?
        // The result names its recording in input.path.
        if let input = object["input"] as? [String: Any], let named = input["path"] as? String, !named.isEmpty {
            recording = named
        }
        let command = "synk report \(recording.map { $0.contains(" ") ? "'\($0)'" : $0 } ?? "RECORDING…")"
        throw .input(path, "a synk result (JSON), not a recording: synk report and the analyses take recordings and measure them",
                     hint: recording == nil ? "give the recordings: \(command)" : "give the recording it was made from: \(command)")
    }

    /// The problem stated for a file that is no recording synk knows (notes, a README, a document).
    public static let notARecording = "not a recognised recording"

    /// The formats synk reads, as the hint of ``notARecording``.
    public static let formatsRead = "synk reads WAV/W64/RF64/FLAC/CAF, HDF5 (synk, NWB, OpenSignals), EDF/BDF and CSV/TSV/BIOPAC/OpenSignals text"


    /// Names the family of a file from its first bytes (up to 4 KiB), or `nil` if unknown.
    public static func family(ofHead bytes: [UInt8]) -> (Family, FileFormat)? {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + magic.count && Array(bytes[offset..<offset + magic.count]) == magic
        }
        let ascii: (String) -> [UInt8] = { Array($0.utf8) }
        if starts(ascii("RIFF")) && starts(ascii("WAVE"), at: 8) { return (.sndfile, .wav) }
        if starts(ascii("RIFX")) && starts(ascii("WAVE"), at: 8) { return (.sndfile, .wav) }
        if starts(ascii("RF64")) || starts(ascii("BW64")) { return (.sndfile, .rf64) }
        if starts(ascii("riff")) && starts([0x2E, 0x91, 0xCF, 0x11], at: 4) { return (.sndfile, .w64) }
        if starts(ascii("fLaC")) { return (.sndfile, .flac) }
        if starts(ascii("caff")) { return (.sndfile, .caf) }
        let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        if starts(hdf5Signature) { return (.hdf5, .hdf5Dataset) }
        if starts([0xFF] + ascii("BIOSEMI")) {
            let plus = bytes.count >= 197 && String(decoding: bytes[192..<197], as: UTF8.self).hasPrefix("BDF+")
            return (.bdf, plus ? .bdfPlus : .bdf)
        }
        if starts(ascii("0       ")) && bytes.count >= 256 {
            let plus = String(decoding: bytes[192..<197], as: UTF8.self).hasPrefix("EDF+")
            return (.edf, plus ? .edfPlus : .edf)
        }
        // An EDF header cut before its 256 bytes: the EDF reader explains it, the text reader would
        // ask for a sample rate instead.
        if starts(ascii("0       ")) && bytes.count < 256 { return (.edf, .edf) }
        return textFormat(of: bytes).map { (.text, $0) }
    }

    /// Text exports: OpenSignals, BIOPAC AcqKnowledge, labelled-channel headers, CSV or TSV.
    static func textFormat(of bytes: [UInt8]) -> FileFormat? {
        // A UTF-8 byte-order mark (spreadsheet exports) is not part of the text.
        let bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        // Text has no NUL and few control bytes other than tab/CR/LF.
        let control = bytes.filter { $0 < 0x09 || ($0 > 0x0D && $0 < 0x20) }.count
        guard !bytes.contains(0), control * 100 <= bytes.count else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let first = lines.first else { return nil }
        if first.hasPrefix("# OpenSignals Text File Format") || first.hasPrefix("# Simple Text Format") {
            return .openSignalsText
        }
        if lines.count > 2, lines[1].range(of: #"^\S+ (msec|ms|sec|s|µsec|μsec|usec)/sample$"#, options: .regularExpression) != nil {
            return .biopacText
        }
        // The `File Name:` line before the channel declarations is optional.
        if lines.prefix(5).contains(where: { $0.range(of: #"^Channel [0-9]+: '"#, options: .regularExpression) != nil }) {
            return .labelledText
        }
        let body = lines.filter { !$0.isEmpty && !$0.hasPrefix("#") }.prefix(20)
        guard !body.isEmpty else { return nil }
        let tabs = body.filter { $0.contains("\t") }.count
        let commas = body.filter { $0.contains(",") }.count
        let semicolons = body.filter { $0.contains(";") }.count
        if tabs >= commas, tabs >= semicolons, tabs > 0 { return .tsv }
        if commas > 0 || semicolons > 0 { return .csv }
        // A single numeric column is a one-channel CSV.
        if body.allSatisfy({ Double($0) != nil }) { return .csv }
        return body.count > 1 && body.dropFirst().allSatisfy({ Double($0) != nil }) ? .csv : nil
    }
}
