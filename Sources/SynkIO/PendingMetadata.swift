import Foundation
import SynkCore

/// A metadata value known only once an output is complete: the SHA-256 of the input, computed on another core
/// while the output is already being written.
///
/// Writers whose metadata sits in a header of plain bytes (WAV/RF64 chunks before the data, FLAC metadata blocks)
/// store ``placeholder`` — exactly as long as the value — and overwrite it with the value after the samples, just
/// before the file is moved into place. Other writers ask for the value before they start.
public struct PendingMetadata: Sendable {
    /// The `RecordingHeader.metadata` key.
    public let key: String
    /// The value's length in UTF-8 bytes (64 for a hex SHA-256).
    public let length: Int
    /// Blocks until the value is known.
    public let value: @Sendable () throws(SynkError) -> String

    public init(key: String, length: Int, value: @escaping @Sendable () throws(SynkError) -> String) {
        precondition(length >= 16, "a placeholder shorter than 16 bytes could occur by chance")
        self.key = key
        self.length = length
        self.value = value
    }

    /// What the header holds until the value is known: `synk-pending-` then `~` to the value's length (bytes that
    /// neither JSON escaping nor libsndfile change).
    public var placeholder: String {
        let prefix = "synk-pending-"
        return prefix + String(repeating: "~", count: max(0, length - prefix.utf8.count))
    }

    /// The value, checked to be exactly ``length`` bytes.
    func resolvedValue(for path: String) throws(SynkError) -> String {
        let resolved = try value()
        guard resolved.utf8.count == length else {
            throw .output(path, "metadata \(key) is \(resolved.utf8.count) bytes, \(length) were reserved")
        }
        return resolved
    }
}

/// Overwrites a ``PendingMetadata`` placeholder in the header region of a finished sound file.
enum MetadataPatch {
    /// Replaces every occurrence of `placeholder` in the header region of the WAV/RF64/FLAC file at `path` by
    /// `value` (the same length); at least one must be found.
    static func replace(_ placeholder: String, with value: String, inFileAt path: String, reportingAs output: String) throws(SynkError) {
        let needle = Array(placeholder.utf8), replacement = Array(value.utf8)
        precondition(needle.count == replacement.count)
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw .output(output, "cannot reopen the written file to complete its metadata") }
        defer { close(descriptor) }
        let limit = 1 << 20
        var bytes = [UInt8](repeating: 0, count: limit)
        let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, limit, 0) }
        guard got > 0 else { throw .output(output, "cannot read back the written file's header") }
        let region = headerLength(Array(bytes[0..<got]))
        var offsets: [Int] = []
        var i = 0
        while i + needle.count <= region {
            if bytes[i] == needle[0] && bytes[i..<(i + needle.count)].elementsEqual(needle) {
                offsets.append(i)
                i += needle.count
            } else {
                i += 1
            }
        }
        guard !offsets.isEmpty else { throw .output(output, "the metadata placeholder is missing from the written header") }
        for offset in offsets {
            let written = replacement.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, replacement.count, off_t(offset)) }
            guard written == replacement.count else { throw .output(output, "cannot complete the metadata (write failed)") }
        }
        guard fsync(descriptor) == 0 else { throw .output(output, "cannot complete the metadata (fsync failed)") }
    }

    /// Bytes before the samples: the chunks of a RIFF/RF64 file before `data`, or a FLAC file's metadata blocks.
    /// Anything unrecognised counts as header up to what was read (the placeholder is still required to occur).
    static func headerLength(_ bytes: [UInt8]) -> Int {
        func le32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        let magic = bytes.count >= 4 ? String(decoding: bytes[0..<4], as: UTF8.self) : ""
        if (magic == "RIFF" || magic == "RF64") && bytes.count >= 12 {
            var at = 12
            while at + 8 <= bytes.count {
                if String(decoding: bytes[at..<(at + 4)], as: UTF8.self) == "data" { return at }
                let size = le32(at + 4)
                at += 8 + size + (size & 1)
            }
            return bytes.count
        }
        if magic == "fLaC" {
            var at = 4
            while at + 4 <= bytes.count {
                let last = bytes[at] & 0x80 != 0
                let size = Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
                at += 4 + size
                if last { return min(at, bytes.count) }
            }
            return bytes.count
        }
        return bytes.count
    }
}
