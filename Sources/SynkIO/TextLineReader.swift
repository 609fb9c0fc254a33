import Foundation
import SynkCore

/// Reads a text file line by line through a 1 MiB buffer, so memory stays bounded whatever the file size.
///
/// A line is handed out as a pointer into the buffer, valid until the next call; the trailing `\r` of a
/// CRLF line ending is removed, and so is a UTF-8 byte-order mark before the first line (spreadsheet programs
/// write one; left in, it would become part of the first label: `\u{FEFF}Time`). Line numbers are 1-based,
/// counting every physical line.
final class TextLineReader {
    let path: String
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0
    private var end = 0
    private var atEOF = false
    /// The number of the line most recently returned.
    private(set) var lineNumber = 0

    init(path: String, chunkSize: Int = 1 << 20) throws(SynkError) {
        guard let file = fopen(path, "rb") else {
            throw .input(path, "cannot open for reading: \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.file = file
        capacity = chunkSize
        buffer = .allocate(capacity: chunkSize)
    }

    deinit {
        fclose(file)
        buffer.deallocate()
    }

    /// The next line without its line ending, or `nil` at the end of the file.
    func nextLine() throws(SynkError) -> UnsafeBufferPointer<UInt8>? {
        while true {
            if end > start, let newline = memchr(buffer + start, 0x0A, end - start) {
                let position = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                let line = lineSlice(from: start, to: position)
                start = position + 1
                lineNumber += 1
                return line
            }
            if atEOF {
                guard end > start else { return nil }
                let line = lineSlice(from: start, to: end)
                start = end
                lineNumber += 1
                return line
            }
            try refill()
        }
    }

    private func lineSlice(from lower: Int, to upper: Int) -> UnsafeBufferPointer<UInt8> {
        var lower = lower
        var upper = upper
        if upper > lower, buffer[upper - 1] == 0x0D { upper -= 1 }
        if lineNumber == 0, upper - lower >= 3, buffer[lower] == 0xEF, buffer[lower + 1] == 0xBB, buffer[lower + 2] == 0xBF { lower += 3 }
        return UnsafeBufferPointer(start: buffer + lower, count: upper - lower)
    }

    private func refill() throws(SynkError) {
        // Keep the unfinished line: move it to the front, growing the buffer when one line fills it.
        let pending = end - start
        if pending > 0, start > 0 { memmove(buffer, buffer + start, pending) }
        start = 0
        end = pending
        if end == capacity {
            let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            larger.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = larger
            capacity *= 2
        }
        let count = fread(buffer + end, 1, capacity - end, file)
        if count == 0 {
            if ferror(file) != 0 { throw .input(path, "read failed after line \(lineNumber)") }
            atEOF = true
        }
        end += count
    }
}

/// Byte-level helpers for delimited numeric text.
enum TextCells {
    static let tab: UInt8 = 0x09
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22

    static func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab || byte == 0x0D }

    /// Whether the line holds nothing but spaces and tabs.
    static func isBlankLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in line where !isBlank(byte) { return false }
        return true
    }

    /// Whether the first non-blank byte is `#`.
    static func isComment(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in line where !isBlank(byte) { return byte == UInt8(ascii: "#") }
        return false
    }

    /// Splits `line` at `delimiter` into cell ranges (reusing `cells`); `nil` splits at runs of blanks.
    static func split(_ line: UnsafeBufferPointer<UInt8>, delimiter: UInt8?, into cells: inout [Range<Int>]) {
        cells.removeAll(keepingCapacity: true)
        if let delimiter {
            var cellStart = 0
            for index in 0..<line.count where line[index] == delimiter {
                cells.append(cellStart..<index)
                cellStart = index + 1
            }
            cells.append(cellStart..<line.count)
        } else {
            var index = 0
            while index < line.count {
                while index < line.count, isBlank(line[index]) { index += 1 }
                guard index < line.count else { break }
                let cellStart = index
                while index < line.count, !isBlank(line[index]) { index += 1 }
                cells.append(cellStart..<index)
            }
        }
    }

    /// The cell's text without surrounding blanks and double quotes.
    static func trimmedRange(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isBlank(line[lower]) { lower += 1 }
        while upper > lower, isBlank(line[upper - 1]) { upper -= 1 }
        if upper - lower >= 2, line[lower] == quote, line[upper - 1] == quote {
            lower += 1
            upper -= 1
        }
        return lower..<upper
    }

    static func text(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: line[range]), as: UTF8.self)
    }

    /// How a cell parsed.
    enum Value {
        case number(Double)
        /// Empty, or one of ``missingTokens`` in any case: a missing sample.
        case missing
        case invalid
    }

    /// The spellings exporters use for a missing value (compared lower-cased): pandas and R write `NaN`, `NA`,
    /// databases `NULL`, spreadsheets `N/A` or `#N/A`, Python `None`, C `-nan`.
    static let missingTokens: Set<String> = ["nan", "-nan", "+nan", "na", "n/a", "#n/a", "null", "none"]

    /// Parses one cell as a finite decimal number (`-1.5`, `2e-3`, with `decimalComma` also `-1,5`).
    static func parse(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, decimalComma: Bool = false) -> Value {
        let cell = trimmedRange(line, range)
        let count = cell.count
        if count == 0 { return .missing }
        let first = line[cell.lowerBound]
        let startsNumber = (first >= 0x30 && first <= 0x39) || first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
            || first == UInt8(ascii: ".") || (decimalComma && first == UInt8(ascii: ","))
        // Spellings that spreadsheets, databases and pandas use for a missing value.
        let letter = (first | 0x20) >= UInt8(ascii: "a") && (first | 0x20) <= UInt8(ascii: "z")
        let signedWord = (first == UInt8(ascii: "-") || first == UInt8(ascii: "+")) && count > 1 && (line[cell.lowerBound + 1] | 0x20) == UInt8(ascii: "n")
        if count <= 4, letter || first == UInt8(ascii: "#") || signedWord {
            let lowered = String(decoding: UnsafeBufferPointer(rebasing: line[cell]), as: UTF8.self).lowercased()
            if missingTokens.contains(lowered) { return .missing }
        }
        guard startsNumber else { return .invalid }
        guard count < 64 else { return .invalid }
        // strtod needs a NUL-terminated copy; 64 bytes on the stack hold any sensible number.
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { scratch -> Value in
            for offset in 0..<count {
                var byte = line[cell.lowerBound + offset]
                if decimalComma, byte == UInt8(ascii: ",") { byte = UInt8(ascii: ".") }
                scratch[offset] = CChar(bitPattern: byte)
            }
            scratch[count] = 0
            var endPointer: UnsafeMutablePointer<CChar>?
            let value = strtod(scratch.baseAddress!, &endPointer)
            guard let endPointer, scratch.baseAddress!.distance(to: endPointer) == count, value.isFinite else {
                return .invalid
            }
            return .number(value)
        }
    }
}
