import Foundation
import SynkCore

/// A second-order IIR notch, designed as `scipy.signal.iirnotch(frequency, quality, fs=sampleRate)`.
///
/// Opt-in only: facial EMG has real spectral peaks near 50-64 Hz that a mains notch also removes.
public struct Notch: Sendable, Hashable, Codable {
    /// The notched frequency in Hz.
    public var frequency: Double
    /// Quality factor: the −3 dB width is `frequency / quality`.
    public var quality: Double

    public init(frequency: Double, quality: Double = 30) {
        self.frequency = frequency
        self.quality = quality
    }

    public func validate(sampleRate: Double) throws(SynkError) {
        guard sampleRate.isFinite, sampleRate > 0 else { throw .usage("sample rate \(sampleRate) Hz is not a positive number") }
        guard frequency.isFinite, frequency > 0, frequency < sampleRate / 2 else {
            throw .usage("notch frequency \(frequency) Hz must lie between 0 and the Nyquist frequency \(sampleRate / 2) Hz")
        }
        guard quality.isFinite, quality > 0 else { throw .usage("notch quality \(quality) must be positive") }
    }

    /// The single biquad of the notch.
    public func sections(sampleRate: Double) throws(SynkError) -> SecondOrderSections {
        try validate(sampleRate: sampleRate)
        let w0 = 2 * frequency / sampleRate
        let bandwidth = w0 / quality * Double.pi
        // scipy: beta = sqrt(1 − gb²)/gb · tan(bw/2) with gb = 1/√2, i.e. tan(bw/2).
        let gb = 1 / 2.0.squareRoot()
        let beta = ((1 - gb * gb).squareRoot() / gb) * tan(bandwidth / 2)
        let gain = 1 / (1 + beta)
        let c = cos(w0 * Double.pi)
        return SecondOrderSections([
            Biquad(b0: gain, b1: -2 * c * gain, b2: gain, a1: -2 * gain * c, a2: 2 * gain - 1)
        ])
    }
}

/// Notches at `fundamental`, 2·`fundamental`, ... (up to `harmonics` of them, all below Nyquist), each as wide as
/// the first: harmonic k is `Notch(frequency: k·f, quality: k·quality)`.
public struct HarmonicComb: Sendable, Hashable, Codable {
    public var fundamental: Double
    public var harmonics: Int
    /// Quality of the first notch; every notch has the width `fundamental / quality`.
    public var quality: Double

    public init(fundamental: Double, harmonics: Int, quality: Double = 30) {
        self.fundamental = fundamental
        self.harmonics = harmonics
        self.quality = quality
    }

    /// The notches that lie below Nyquist.
    public func notches(sampleRate: Double) -> [Notch] {
        guard harmonics >= 1, fundamental > 0 else { return [] }
        return (1...harmonics).compactMap { k in
            let f = Double(k) * fundamental
            return f < sampleRate / 2 ? Notch(frequency: f, quality: Double(k) * quality) : nil
        }
    }

    public func sections(sampleRate: Double) throws(SynkError) -> SecondOrderSections {
        guard harmonics >= 1 else { throw .usage("a harmonic comb needs at least one harmonic, got \(harmonics)") }
        let notches = notches(sampleRate: sampleRate)
        guard !notches.isEmpty else {
            throw .usage("comb fundamental \(fundamental) Hz must lie between 0 and the Nyquist frequency \(sampleRate / 2) Hz")
        }
        var all = SecondOrderSections([])
        for notch in notches { all = all.followed(by: try notch.sections(sampleRate: sampleRate)) }
        return all
    }
}

/// Any IIR design synk applies, described by value so that results can say how they were made.
public enum FilterDesign: Sendable, Hashable, Codable {
    case butterworth(Butterworth)
    case notch(Notch)
    case comb(HarmonicComb)

    /// The second-order sections at `sampleRate` (validated; throws `.usage` for impossible parameters).
    public func sections(sampleRate: Double) throws(SynkError) -> SecondOrderSections {
        switch self {
        case .butterworth(let design): try design.sections(sampleRate: sampleRate)
        case .notch(let design): try design.sections(sampleRate: sampleRate)
        case .comb(let design): try design.sections(sampleRate: sampleRate)
        }
    }
}
