import Foundation

// The text forms of settings, parsed in one place: the CLI, batch manifests, montage files, sidecars and
// library users all read sides and durations through these.

extension AffectedSide {
    /// Parses `left`, `right`, `none` and the spellings ``Side/init(parsing:)`` knows (`L`, `R`, `links`, …);
    /// `healthy` and `control` mean `none` (a healthy control has no affected side). Case-insensitive.
    ///
    /// Throws a `.usage` error naming `option` (e.g. `--affected`), or an `.input` error naming `file` and
    /// `place` when the text comes from a file.
    public init(parsing text: String, option: String = "--affected", file: String? = nil, place: String? = nil) throws(SynkError) {
        let lowered = text.lowercased().trimmingCharacters(in: .whitespaces)
        if let side = AffectedSide(rawValue: lowered) {
            self = side
        } else if lowered == "healthy" || lowered == "control" {
            self = .none
        } else if let side = Side(parsing: lowered) {
            self = side == .left ? .left : .right
        } else if let file {
            throw .input(file, "affected side \(SynkError.quoted(text)) is not left, right or none", place: place)
        } else {
            throw .usage("\(option) takes left, right or none, not \(SynkError.quoted(text))")
        }
    }
}

/// Durations written as text: `100ms`, `0.1s`, `0.1` (seconds), `-5ms`.
public enum DurationText {
    /// Seconds, or nil when `text` is not a finite duration.
    public static func seconds(_ text: String) -> Double? {
        let lowered = text.lowercased().trimmingCharacters(in: .whitespaces)
        let value: Double?
        if lowered.hasSuffix("ms") {
            value = Double(lowered.dropLast(2)).map { $0 / 1000 }
        } else if lowered.hasSuffix("s") {
            value = Double(lowered.dropLast(1))
        } else {
            value = Double(lowered)
        }
        guard let value, value.isFinite else { return nil }
        return value
    }

    /// Seconds, or a `.usage` error that names `option` and shows the accepted forms.
    public static func seconds(_ text: String, option: String) throws(SynkError) -> Double {
        guard let value = seconds(text) else {
            throw .usage("\(option) takes a duration like 100ms or 0.1s, not \(SynkError.quoted(text))")
        }
        return value
    }
}
