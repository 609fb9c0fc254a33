import Foundation

/// What an output file's name says about its content, and the rule that keeps the two in agreement.
///
/// A user who writes `-o result.json` expects JSON in it, and one who writes `--format csv -o out.json` has made a
/// mistake that would leave CSV in a `.json` file. So, for every command that writes a document:
///
/// - without `--format`, the format follows the output's extension when the command writes that kind
///   (`-o result.json` → JSON), else the command's default (`-o result`, `-o notes.log` → text);
/// - an extension that names another kind of content than the format chosen (`--format csv -o out.json`,
///   `report --format md -o r.html`, `synkinesis -o out.wav`) is refused (exit 2) before any work; `.txt` takes any
///   plain-text format;
/// - to put a format into a file of any name, the user says so explicitly by writing to standard output and
///   redirecting it (`synk synkinesis rec.h5 --format csv > out.json`).
public enum OutputNaming {
    /// The kinds of content synk tells apart by extension.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case text, json, csv, tsv, html, markdown, pdf
        /// A recording (`.wav`, `.h5`, `.edf`, …): what `synk filter` and `synk simulate` write.
        case recording

        /// The words used in messages: `JSON`, `a recording`.
        public var name: String {
            switch self {
            case .text: "text"
            case .json: "JSON"
            case .csv: "CSV"
            case .tsv: "TSV"
            case .html: "HTML"
            case .markdown: "Markdown"
            case .pdf: "PDF"
            case .recording: "a recording"
            }
        }

        /// Whether a file named as this kind may hold `content`: the same kind, or any plain-text kind in a `.txt`
        /// file (JSON, CSV and Markdown are text too).
        public func accepts(_ content: Kind) -> Bool {
            content == self || (self == .text && [.json, .csv, .tsv, .markdown].contains(content))
        }

        /// The extension a file of this kind is usually given (for hints).
        public var usualExtension: String {
            switch self {
            case .text: "txt"
            case .markdown: "md"
            case .recording: "wav"
            default: rawValue
            }
        }
    }

    /// The kind an extension names (case-insensitive, without the dot), or nil for an extension that says nothing
    /// synk knows (`.log`, `.out`, none).
    public static func kind(ofExtension ext: String) -> Kind? {
        switch ext.lowercased() {
        case "txt", "text": .text
        case "json": .json
        case "csv": .csv
        case "tsv", "tab": .tsv
        case "html", "htm", "xhtml": .html
        case "md", "markdown": .markdown
        case "pdf": .pdf
        case "wav", "w64", "rf64", "flac", "caf", "h5", "hdf5", "hdf", "nwb", "edf", "bdf": .recording
        default: nil
        }
    }

    /// The kind the name of `path` announces, or nil.
    public static func kind(ofPath path: String) -> Kind? {
        kind(ofExtension: URL(fileURLWithPath: path).pathExtension)
    }

    /// The format a command writes: `explicit` (the user's `--format`) when given, else the one of `formats` whose
    /// kind the output's extension names, else `fallback`. Throws a usage error (exit 2) when the output's extension
    /// names another kind than the format chosen. `option` names the format option in messages (`--format`).
    public static func format<Format: Equatable>(
        explicit: Format?, output: String?, fallback: Format, formats: [Format], option: String = "--format",
        name: (Format) -> String, kind kindOf: (Format) -> Kind
    ) throws(SynkError) -> Format {
        guard let output, let named = kind(ofPath: output) else { return explicit ?? fallback }
        let chosen = explicit ?? formats.first { kindOf($0) == named } ?? fallback
        guard !named.accepts(kindOf(chosen)) else { return chosen }
        let ext = URL(fileURLWithPath: output).pathExtension
        let stem = URL(fileURLWithPath: output).deletingPathExtension().lastPathComponent
        let what = named == .recording ? "names a recording" : "is the extension of \(named.name)"
        let writable = formats.contains { kindOf($0) == named }
        if let explicit {
            var hint = "name it \(stem).\(kindOf(explicit).usualExtension)"
            if writable { hint += ", or drop \(option) to write \(named.name)" }
            hint += "; to write \(name(explicit)) under this name, write to standard output and redirect it"
            throw SynkError(.usage, file: output, "\(option) \(name(explicit)) writes \(kindOf(explicit).name), but .\(ext) \(what)", hint: hint)
        }
        var names = formats.map { "\(stem).\(kindOf($0).usualExtension)" }
        let last = names.removeLast()
        let choice = names.isEmpty ? last : names.joined(separator: ", ") + " or " + last
        throw SynkError(.usage, file: output, ".\(ext) \(what), which this command does not write (it writes \(formats.map(name).joined(separator: ", ")))",
                        hint: "name it \(choice)")
    }
}
