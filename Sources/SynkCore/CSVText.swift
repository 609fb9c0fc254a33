/// CSV text as RFC 4180 defines it: a cell holding the delimiter, a double quote or a line break is enclosed in
/// double quotes, and a double quote inside is doubled. Every CSV synk writes (results, tables, recordings) and the
/// header lines it reads go through these two functions.
public enum CSVText {
    /// One line of cells (without the line break).
    public static func line(_ cells: [String], delimiter: Character = ",") -> String {
        cells.map { cell in
            cell.contains(where: { $0 == delimiter || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
        }.joined(separator: String(delimiter))
    }

    /// The cells of one line: delimiters inside double quotes are text, and `""` inside quotes is one quote. Cells
    /// are returned as written (not trimmed).
    public static func split(_ line: String, delimiter: Character = ",") -> [String] {
        var cells: [String] = []
        var current = ""
        var quoted = false
        var characters = line.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            if character == "\"" {
                if quoted, pending == "\"" {
                    current.append("\"")
                    pending = characters.next()
                } else {
                    quoted.toggle()
                }
            } else if character == delimiter, !quoted {
                cells.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        cells.append(current)
        return cells
    }
}
