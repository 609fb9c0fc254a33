/// Read access to one long envelope a range at a time.
///
/// The correlation kernels ask for consecutive chunks of at most ``preferredChunk`` samples (plus the lag reach),
/// so an envelope spilled to disk is correlated in memory bounded by the chunk, and an envelope in memory is read
/// in place, in one piece.
public protocol SampleWindows {
    /// Samples in the series.
    var count: Int { get }
    /// The longest range worth asking for at once: `Int.max` when the whole series is in memory.
    var preferredChunk: Int { get }
    /// A pointer to the samples of `range` (inside `0..<count`), valid until the next call on this value.
    mutating func samples(_ range: Range<Int>) -> UnsafePointer<Float>
}

/// A series that is already in memory, read in place.
public struct ContiguousSamples: SampleWindows {
    public let base: UnsafePointer<Float>
    public let count: Int

    /// Reads `buffer` in place; it must outlive this value.
    public init(_ buffer: UnsafeBufferPointer<Float>) {
        // A dangling but never dereferenced pointer stands in for an empty buffer's missing base address.
        base = buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Float>.alignment)!
        count = buffer.count
    }

    public var preferredChunk: Int { Int.max }

    public func samples(_ range: Range<Int>) -> UnsafePointer<Float> { base + range.lowerBound }
}

extension Range where Bound == Int {
    /// Consecutive pieces of at most `length` elements (the whole range when `length` ≥ its count).
    func chunks(of length: Int) -> [Range<Int>] {
        guard !isEmpty else { return [] }
        guard length < count else { return [self] }
        return stride(from: lowerBound, to: upperBound, by: length).map { $0..<Swift.min(upperBound, $0 + length) }
    }
}
