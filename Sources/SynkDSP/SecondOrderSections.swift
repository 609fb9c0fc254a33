import Foundation
import SynkCore

/// One biquad `(b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²)`, a row `[b0, b1, b2, 1, a1, a2]` of scipy's `sos`.
public struct Biquad: Sendable, Hashable, Codable {
    public var b0: Double, b1: Double, b2: Double
    public var a1: Double, a2: Double

    public init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        (self.b0, self.b1, self.b2, self.a1, self.a2) = (b0, b1, b2, a1, a2)
    }

    /// From a scipy-style row `[b0, b1, b2, a0, a1, a2]` (normalised so that a0 = 1).
    public init(row: [Double]) {
        precondition(row.count == 6 && row[3] != 0, "a biquad row has six numbers and a0 ≠ 0")
        let a0 = row[3]
        self.init(b0: row[0] / a0, b1: row[1] / a0, b2: row[2] / a0, a1: row[4] / a0, a2: row[5] / a0)
    }

    /// The row `[b0, b1, b2, 1, a1, a2]`.
    public var row: [Double] { [b0, b1, b2, 1, a1, a2] }

    /// The largest pole radius (a stable section has it below 1).
    var largestPoleRadius: Double {
        let discriminant = a1 * a1 - 4 * a2
        if discriminant < 0 { return abs(a2).squareRoot() }
        let root = discriminant.squareRoot()
        return max(abs((-a1 + root) / 2), abs((-a1 - root) / 2))
    }
}

/// A cascade of biquads (scipy's `sos` array), in double precision.
public struct SecondOrderSections: Sendable, Hashable, Codable {
    public var sections: [Biquad]

    public init(_ sections: [Biquad]) { self.sections = sections }

    /// From scipy-style rows `[b0, b1, b2, a0, a1, a2]`.
    public init(rows: [[Double]]) { self.init(rows.map { Biquad(row: $0) }) }

    /// The rows `[b0, b1, b2, 1, a1, a2]`, as `scipy.signal.butter(..., output="sos")` returns them.
    public var rows: [[Double]] { sections.map(\.row) }

    /// The cascade followed by `other`.
    public func followed(by other: SecondOrderSections) -> SecondOrderSections {
        SecondOrderSections(sections + other.sections)
    }

    /// The largest pole radius of the cascade.
    public var largestPoleRadius: Double { sections.map(\.largestPoleRadius).max() ?? 0 }

    /// The complex gain at `frequency` Hz for sample rate `sampleRate` (like `scipy.signal.sosfreqz`).
    public func response(atFrequency frequency: Double, sampleRate: Double) -> (magnitude: Double, phase: Double) {
        let w = 2 * Double.pi * frequency / sampleRate
        let z1 = Complex(cos(w), -sin(w))   // z⁻¹
        let z2 = z1 * z1
        var h = Complex(1)
        for s in sections {
            let numerator = Complex(s.b0) + z1 * s.b1 + z2 * s.b2
            let denominator = Complex(1) + z1 * s.a1 + z2 * s.a2
            h = h * (numerator / denominator)
        }
        return (h.magnitude, atan2(h.im, h.re))
    }

    /// Causal filtering in double precision (direct form II transposed, zero initial state), like
    /// `scipy.signal.sosfilt`. Used to make impulse responses; signals go through ``ZeroPhaseFilter``.
    public func filter(_ input: [Double]) -> [Double] {
        var output = input
        for s in sections {
            var z1 = 0.0, z2 = 0.0
            for i in output.indices {
                let x = output[i]
                let y = s.b0 * x + z1
                z1 = s.b1 * x - s.a1 * y + z2
                z2 = s.b2 * x - s.a2 * y
                output[i] = y
            }
        }
        return output
    }
}
