/// The one error type of synk: it says which file, where in it, what is wrong and what to do.
///
/// The CLI prints ``description`` as one line to standard error and exits with ``exitCode``.
public struct SynkError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is; it decides the process exit code.
    public enum Kind: String, Sendable, Codable {
        /// The command line was wrong (exit 2).
        case usage
        /// An input file is missing, unreadable or invalid (exit 3).
        case input
        /// An output could not be written (exit 4).
        case output
        /// The analysis ran but a quality check failed (exit 1).
        case quality
    }

    public var kind: Kind
    /// The file concerned, if any.
    public var file: String?
    /// Where in the file: a channel, dataset, line or sample.
    public var place: String?
    /// What is wrong, in a few words.
    public var problem: String
    /// What the user can do about it.
    public var hint: String?

    public init(_ kind: Kind, file: String? = nil, place: String? = nil, _ problem: String, hint: String? = nil) {
        self.kind = kind
        self.file = file
        self.place = place
        self.problem = problem
        self.hint = hint
    }

    /// Shorthand for an invalid or unreadable input file.
    public static func input(_ file: String?, _ problem: String, place: String? = nil, hint: String? = nil) -> SynkError {
        SynkError(.input, file: file, place: place, problem, hint: hint)
    }

    /// Shorthand for a command-line mistake.
    public static func usage(_ problem: String, hint: String? = nil) -> SynkError {
        SynkError(.usage, problem, hint: hint)
    }

    /// Shorthand for an output that could not be written.
    public static func output(_ file: String?, _ problem: String, hint: String? = nil) -> SynkError {
        SynkError(.output, file: file, problem, hint: hint)
    }

    /// Documented process exit codes: 1 quality, 2 usage, 3 input, 4 output.
    public var exitCode: Int32 {
        switch kind {
        case .quality: 1
        case .usage: 2
        case .input: 3
        case .output: 4
        }
    }

    /// One line: `FILE: PLACE: problem (hint)`.
    public var description: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if let place { parts.append(place) }
        parts.append(problem)
        var line = parts.joined(separator: ": ")
        if let hint { line += " (\(hint))" }
        // One line, whatever a library message contained.
        line = Self.shortened(line)
        return String(line.map { $0.isNewline ? " " : $0 })
    }

    /// The longest error line synk prints, in characters; longer lines keep their start and end.
    public static let maximumLineLength = 1000

    /// `line` itself when short enough, else its first and last parts around a note of what was left out,
    /// so that an error can never echo megabytes of a hostile file. (Lengths are measured in UTF-8 bytes,
    /// which cost nothing to count.)
    static func shortened(_ line: String) -> String {
        guard line.utf8.count > maximumLineLength else { return line }
        let head = line.prefix(maximumLineLength * 2 / 3)
        let tail = line.suffix(maximumLineLength / 4)
        let omitted = line.utf8.count - head.utf8.count - tail.utf8.count
        return "\(head)… [\(omitted) bytes left out] …\(tail)"
    }

    /// A field of a file quoted for an error message: `'text'`, or for a field longer than `limit`
    /// characters its start and its size, `'text…' (5242880 bytes)`. Control characters are shown as `?`.
    /// Use it wherever a message echoes what a file contains.
    public static func quoted<Text: StringProtocol>(_ text: Text, limit: Int = 60) -> String {
        let whole = Substring(text)
        let head = whole.prefix(limit)
        let visible = String(head.map { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 && $0 != 0x09 } ?? false) ? "?" : $0 })
        guard head.endIndex != whole.endIndex else { return "'\(visible)'" }
        return "'\(visible)…' (\(whole.utf8.count) bytes)"
    }

    /// The same error with the file filled in when it was not known where it was thrown.
    public func withFile(_ path: String) -> SynkError {
        var copy = self
        if copy.file == nil { copy.file = path }
        return copy
    }
}
