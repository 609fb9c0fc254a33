import Foundation
import SynkCore

/// Which frequencies a filter passes, in Hz.
public enum FilterBand: Sendable, Hashable {
    case lowPass(Double)
    case highPass(Double)
    case bandPass(ClosedRange<Double>)
    case bandStop(ClosedRange<Double>)

    /// The cut-off frequencies, low first.
    public var cutoffs: [Double] {
        switch self {
        case .lowPass(let f), .highPass(let f): [f]
        case .bandPass(let r), .bandStop(let r): [r.lowerBound, r.upperBound]
        }
    }

}

extension FilterBand: Codable {
    private enum CodingKeys: String, CodingKey { case kind, low, high, cutoff }

    /// Encoded as `{"kind": "bandPass", "low": 20, "high": 450}` or `{"kind": "lowPass", "cutoff": 6}`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .lowPass(let f):
            try container.encode("lowPass", forKey: .kind)
            try container.encode(f, forKey: .cutoff)
        case .highPass(let f):
            try container.encode("highPass", forKey: .kind)
            try container.encode(f, forKey: .cutoff)
        case .bandPass(let r), .bandStop(let r):
            try container.encode(self.isBandPass ? "bandPass" : "bandStop", forKey: .kind)
            try container.encode(r.lowerBound, forKey: .low)
            try container.encode(r.upperBound, forKey: .high)
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "lowPass": self = .lowPass(try container.decode(Double.self, forKey: .cutoff))
        case "highPass": self = .highPass(try container.decode(Double.self, forKey: .cutoff))
        case "bandPass", "bandStop":
            let low = try container.decode(Double.self, forKey: .low)
            let high = try container.decode(Double.self, forKey: .high)
            guard low <= high else {
                throw DecodingError.dataCorruptedError(forKey: .high, in: container, debugDescription: "high < low")
            }
            self = kind == "bandPass" ? .bandPass(low...high) : .bandStop(low...high)
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown band kind \(kind)")
        }
    }

    private var isBandPass: Bool { if case .bandPass = self { true } else { false } }
}

/// A digital Butterworth filter described by value; ``sections(sampleRate:)`` designs it exactly as
/// `scipy.signal.butter(order, cutoffs, btype, fs=sampleRate, output="sos")` does (same poles, zeros, gain,
/// section pairing and ordering as `zpk2sos` with `pairing="nearest"`).
public struct Butterworth: Sendable, Hashable, Codable {
    /// The prototype order 1...24 (band-pass and band-stop designs have twice as many poles).
    public var order: Int
    public var band: FilterBand

    public static let orderRange = 1...24

    public init(order: Int, band: FilterBand) {
        self.order = order
        self.band = band
    }

    /// Checks the order and that every cut-off lies strictly between 0 and the Nyquist frequency.
    public func validate(sampleRate: Double) throws(SynkError) {
        guard sampleRate.isFinite, sampleRate > 0 else {
            throw .usage("sample rate \(sampleRate) Hz is not a positive number")
        }
        guard Self.orderRange.contains(order) else {
            throw .usage("Butterworth order \(order) is outside \(Self.orderRange.lowerBound)...\(Self.orderRange.upperBound)")
        }
        let nyquist = sampleRate / 2
        for f in band.cutoffs {
            guard f.isFinite, f > 0, f < nyquist else {
                throw .usage("cut-off \(f) Hz must lie between 0 and the Nyquist frequency \(nyquist) Hz",
                             hint: "the sample rate is \(sampleRate) Hz")
            }
        }
        let cutoffs = band.cutoffs
        if cutoffs.count == 2, !(cutoffs[0] < cutoffs[1]) {
            throw .usage("the low cut-off \(cutoffs[0]) Hz must be below the high cut-off \(cutoffs[1]) Hz")
        }
    }

    /// The second-order sections for `sampleRate` (Hz).
    public func sections(sampleRate: Double) throws(SynkError) -> SecondOrderSections {
        try validate(sampleRate: sampleRate)
        let (zeros, poles, gain) = digitalZerosPolesGain(sampleRate: sampleRate)
        return ZPK.sections(zeros: zeros, poles: poles, gain: gain)
    }

    /// Zeros, poles and gain of the digital filter, following scipy's buttap → lp2xx_zpk → bilinear_zpk.
    func digitalZerosPolesGain(sampleRate: Double) -> ([Complex], [Complex], Double) {
        // Analogue prototype: poles on the left unit half-circle (scipy.signal.buttap).
        let prototypePoles: [Complex] = stride(from: -order + 1, to: order, by: 2).map { m in
            -Complex.exp(Complex(0, Double.pi * Double(m) / Double(2 * order)))
        }
        let prototypeZeros: [Complex] = []
        var zeros: [Complex]
        var poles: [Complex]
        var gain = 1.0
        // Pre-warp for the bilinear transform with fs = 2 (scipy normalises Wn to Nyquist = 1).
        let warped = band.cutoffs.map { 4 * tan(Double.pi * (2 * $0 / sampleRate) / 2) }
        let degree = prototypePoles.count - prototypeZeros.count
        // The gain ratio prod(-z)/prod(-p) of lp2hp_zpk and lp2bs_zpk.
        let inversionGain = (prototypeZeros.map { -$0 }.product / prototypePoles.map { -$0 }.product).re
        func split(_ xs: [Complex], _ wo: Double) -> [Complex] {
            let w2 = Complex(wo * wo)
            let roots: [Complex] = xs.map { x in (x * x - w2).squareRoot }
            let plus: [Complex] = zip(xs, roots).map { x, r in x + r }
            let minus: [Complex] = zip(xs, roots).map { x, r in x - r }
            return plus + minus
        }
        switch band {
        case .lowPass:
            let wo = warped[0]
            zeros = prototypeZeros.map { $0 * wo }
            poles = prototypePoles.map { $0 * wo }
            gain *= pow(wo, Double(degree))
        case .highPass:
            let wo = Complex(warped[0])
            zeros = prototypeZeros.map { wo / $0 } + Array(repeating: Complex(0), count: degree)
            poles = prototypePoles.map { wo / $0 }
            gain *= inversionGain
        case .bandPass:
            let bw = warped[1] - warped[0]
            let wo = (warped[0] * warped[1]).squareRoot()
            zeros = split(prototypeZeros.map { $0 * (bw / 2) }, wo) + Array(repeating: Complex(0), count: degree)
            poles = split(prototypePoles.map { $0 * (bw / 2) }, wo)
            gain *= pow(bw, Double(degree))
        case .bandStop:
            let bw = warped[1] - warped[0]
            let wo = (warped[0] * warped[1]).squareRoot()
            let upper = Array(repeating: Complex(0, wo), count: degree)
            let lower = Array(repeating: Complex(0, -wo), count: degree)
            zeros = split(prototypeZeros.map { Complex(bw / 2) / $0 }, wo) + upper + lower
            poles = split(prototypePoles.map { Complex(bw / 2) / $0 }, wo)
            gain *= inversionGain
        }
        // Bilinear transform with fs = 2 (fs2 = 4); zeros at infinity map to z = −1.
        let fs2 = Complex(4)
        let bilinearGain = ((zeros.map { fs2 - $0 }.product) / (poles.map { fs2 - $0 }.product)).re
        let atNyquist = Array(repeating: Complex(-1), count: poles.count - zeros.count)
        let digitalZeros = zeros.map { (fs2 + $0) / (fs2 - $0) } + atNyquist
        let digitalPoles = poles.map { (fs2 + $0) / (fs2 - $0) }
        return (digitalZeros, digitalPoles, gain * bilinearGain)
    }
}
