import Foundation
import SynkCore

/// JSON encoding shared by every result: sorted keys and stable formatting so that results diff
/// cleanly and two runs on the same input give the same bytes.
public enum JSONOutput {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .throw
        return encoder
    }

    /// Encodes `value` as UTF-8 JSON text ending in a newline.
    public static func text<T: Encodable>(_ value: T) throws -> String {
        let data = try encoder().encode(value)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// ``text(_:)``, with a failure reported as a ``SynkError`` of kind `.output` (a value that cannot be
    /// encoded, such as a non-finite number that escaped a `nil`, is a bug to report, not a crash).
    public static func encoded<T: Encodable>(_ value: T) throws(SynkError) -> String {
        do { return try text(value) } catch {
            throw SynkError(.output, "could not encode the result as JSON: \(error)")
        }
    }
}
