import Foundation

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
}
