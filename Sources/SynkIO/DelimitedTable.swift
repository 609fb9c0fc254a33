import Foundation
import SynkCore

/// A small table read from a text file: a header row of column names, then rows of as many cells. The one reader
/// of every table synk takes (BIDS `*_channels.tsv` and `*_events.tsv`, stimuli tables, batch manifests).
///
/// Sizes are checked before anything is parsed: the file against `maximumBytes`, the rows (counted on the bytes)
/// against `maximumRows`, every cell against ``InputLimits/maximumCellBytes``. Lines end in LF, CRLF or CR; blank
/// lines are skipped; a UTF-8 byte-order mark is ignored.
public struct DelimitedTable: Sendable, Hashable {
    /// How cells are separated.
    public enum Delimiter: Sendable, Hashable {
        /// Tab-separated when the header holds a tab or no comma (BIDS tables are tab-separated; a table written by
        /// hand is often comma-separated).
        case tabOrComma
        /// Comma-separated, with RFC 4180 quoting (``CSVText``).
        case comma
    }

    /// Column names, trimmed and lower-cased.
    public var columns: [String]
    /// The rows, cells as written (not trimmed).
    public var rows: [[String]]
    /// The 1-based line number of each row, for messages.
    public var lines: [Int]

    /// The index of the first of `names` that is a column.
    public func column(_ names: String...) -> Int? {
        for name in names { if let index = columns.firstIndex(of: name) { return index } }
        return nil
    }

    /// A cell's value: trimmed, with `n/a` and empty cells absent (BIDS's convention for missing values).
    public static func value(_ cell: String) -> String? {
        let trimmed = cell.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || trimmed.lowercased() == "n/a" ? nil : trimmed
    }

    /// Reads the table at `path`; `role` names it in errors (`events table`, `manifest`).
    ///
    /// - Parameter commentPrefix: lines starting with it are skipped (manifests allow `#` comments).
    public static func read(
        path: String, role: String, delimiter: Delimiter = .tabOrComma, maximumRows: Int,
        maximumBytes: Int = InputLimits.maximumTableBytes, commentPrefix: Character? = nil
    ) throws(SynkError) -> DelimitedTable {
        let data = try RegularFile.contents(of: path, role: role, maximumBytes: maximumBytes)
        // The rows are counted on the bytes first: a table of a million rows is refused without being parsed.
        let counted = data.withUnsafeBytes { nonBlankLines(in: $0) } - 1
        guard counted <= maximumRows else {
            throw .input(path, "the \(role) has \(counted) rows; synk reads at most \(maximumRows)", hint: "is this the right file?")
        }
        guard var text = String(data: data, encoding: .utf8) else { throw .input(path, "the \(role) is not UTF-8 text") }
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        // Split by Unicode scalars, not Characters: the same result for these ASCII separators, without grapheme
        // breaking over a hostile megabyte line.
        let numbered = lines(of: text)
            .enumerated().map { (line: $0.offset + 1, text: $0.element) }
            .filter { row in
                !row.text.allSatisfy { $0 == " " || $0 == "\t" } && !(commentPrefix.map { row.text.hasPrefix(String($0)) } ?? false)
            }
        guard let header = numbered.first else { throw .input(path, "the \(role) is empty") }
        let separator: Character
        switch delimiter {
        case .comma: separator = ","
        case .tabOrComma: separator = header.text.contains("\t") || !header.text.contains(",") ? "\t" : ","
        }
        func cells(_ line: Substring, number: Int) throws(SynkError) -> [String] {
            // Quotes are honoured in comma-separated tables only: a BIDS TSV cell may hold a quote as text.
            let cells = separator == "," ? CSVText.split(String(line)) :
                line.unicodeScalars.split(separator: "\t", omittingEmptySubsequences: false).map { String(Substring($0)) }
            for cell in cells where cell.utf8.count > InputLimits.maximumCellBytes {
                throw .input(path, "a cell of \(cell.utf8.count) bytes (synk reads at most \(InputLimits.maximumCellBytes)): \(SynkError.quoted(cell))",
                             place: "line \(number)")
            }
            return cells
        }
        var table = DelimitedTable(
            columns: try cells(header.text, number: header.line).map { $0.trimmingCharacters(in: .whitespaces).lowercased() },
            rows: [], lines: [])
        table.rows.reserveCapacity(numbered.count - 1)
        for row in numbered.dropFirst() {
            let parsed = try cells(row.text, number: row.line)
            guard parsed.count == table.columns.count else {
                throw .input(path, "\(parsed.count) columns where the header has \(table.columns.count)", place: "line \(row.line)")
            }
            table.rows.append(parsed)
            table.lines.append(row.line)
        }
        return table
    }

    /// The lines of `text`, ended by LF, CRLF or a lone CR (each ending counts once, so line numbers are an
    /// editor's).
    static func lines(of text: String) -> [Substring] {
        var lines: [Substring] = []
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var index = start
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if scalar == "\n" || scalar == "\r" {
                lines.append(Substring(scalars[start..<index]))
                var next = scalars.index(after: index)
                if scalar == "\r", next < scalars.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
                start = next
                index = next
            } else {
                index = scalars.index(after: index)
            }
        }
        if start < scalars.endIndex { lines.append(Substring(scalars[start..<scalars.endIndex])) }
        return lines
    }

    /// Lines holding anything but spaces, tabs and carriage returns (LF, CRLF or CR line ends).
    static func nonBlankLines(in bytes: UnsafeRawBufferPointer) -> Int {
        var count = 0
        var blank = true
        for byte in bytes {
            switch byte {
            case 0x0A, 0x0D:
                if !blank { count += 1 }
                blank = true
            case 0x20, 0x09: break
            default: blank = false
            }
        }
        return blank ? count : count + 1
    }
}
