/// An optional result field that is always written: `nil` becomes an explicit JSON `null` under its key, so that a
/// reader sees "undefined" rather than a missing field (synthesised `Codable` leaves `nil` out). A missing key or a
/// `null` decodes as `nil`.
///
/// ```swift
/// struct Measures: Codable {
///     @ExplicitNull var onsetLatencyMs: Double?   // {"onsetLatencyMs": null}
/// }
/// ```
@propertyWrapper
public struct ExplicitNull<Value: Codable & Hashable & Sendable>: Codable, Hashable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A field written by ``ExplicitNull`` may be missing in results of older versions: decode it as `nil`.
    public func decode<Value>(_ type: ExplicitNull<Value>.Type, forKey key: Key) throws -> ExplicitNull<Value> {
        try decodeIfPresent(type, forKey: key) ?? ExplicitNull(wrappedValue: nil)
    }
}
