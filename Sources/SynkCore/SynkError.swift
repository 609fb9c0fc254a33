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
        return line.replacingOccurrences(of: "\n", with: " ")
    }

    /// `text` cut to `limit` characters with an ellipsis, for quoting user input in a message: a bad field of
    /// megabytes is not echoed whole.
    public static func clipped(_ text: String, limit: Int = 80) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }

    /// The same error with the file filled in when it was not known where it was thrown.
    public func withFile(_ path: String) -> SynkError {
        var copy = self
        if copy.file == nil { copy.file = path }
        return copy
    }
}
