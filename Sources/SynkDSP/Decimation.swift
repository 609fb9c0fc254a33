import Foundation
import SynkCore

/// Samples of one channel together with their sample rate.
public struct Signal: Sendable, Hashable, Codable {
    public var samples: [Float]
    /// Hz.
    public var sampleRate: Double

    public init(samples: [Float], sampleRate: Double) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    /// Seconds.
    public var duration: Double { Double(samples.count) / sampleRate }

    /// The index of the first NaN or infinite sample, if any. The FFT filters spread one non-finite sample over
    /// a whole block of output, so callers check input with this (and report the place) before filtering.
    public static func firstNonFiniteIndex(in samples: [Float]) -> Int? {
        SampleScan.firstNonFiniteIndex(in: samples)
    }
}

/// Anti-aliased decimation to about `targetRate`, described by value: a zero-phase Butterworth low-pass
/// (order ``order``, cut-off ``cutoffFraction`` × the new Nyquist frequency) and then every M-th sample, starting
/// with the first, where M = round(sampleRate / targetRate) ≥ 1. The output rate is sampleRate / M exactly.
///
/// With the defaults (order 8, cut-off at half the new Nyquist, forward-backward) everything above the new
/// Nyquist frequency is attenuated by more than 90 dB. M = 1 passes the signal through unfiltered.
public struct Decimation: Sendable, Hashable, Codable {
    public var targetRate: Double
    public var order: Int
    public var cutoffFraction: Double

    public init(targetRate: Double, order: Int = 8, cutoffFraction: Double = 0.5) {
        self.targetRate = targetRate
        self.order = order
        self.cutoffFraction = cutoffFraction
    }

    /// The integer factor M for `sampleRate`.
    public func factor(sampleRate: Double) throws(SynkError) -> Int {
        guard targetRate.isFinite, targetRate > 0 else { throw .usage("decimation target rate \(targetRate) Hz must be positive") }
        guard sampleRate.isFinite, sampleRate > 0 else { throw .usage("sample rate \(sampleRate) Hz is not a positive number") }
        guard cutoffFraction.isFinite, cutoffFraction > 0, cutoffFraction < 1 else {
            throw .usage("decimation cut-off fraction \(cutoffFraction) must lie between 0 and 1")
        }
        return max(1, Int((sampleRate / targetRate).rounded()))
    }

    /// The rate after decimating a signal sampled at `sampleRate`.
    public func outputRate(sampleRate: Double) throws(SynkError) -> Double {
        sampleRate / Double(try factor(sampleRate: sampleRate))
    }

    /// The anti-alias low-pass (nil when M = 1).
    public func antiAliasFilter(sampleRate: Double) throws(SynkError) -> Butterworth? {
        let m = try factor(sampleRate: sampleRate)
        guard m > 1 else { return nil }
        let design = Butterworth(order: order, band: .lowPass(cutoffFraction * sampleRate / Double(m) / 2))
        try design.validate(sampleRate: sampleRate)
        return design
    }
}

/// Streaming anti-aliased decimation of one channel (see ``Decimation``).
public final class Decimator {
    public let decimation: Decimation
    public let sampleRate: Double
    /// M.
    public let factor: Int
    private let filter: ZeroPhaseFilter?
    /// Index (in filtered samples) of the next sample to keep, relative to the samples seen so far.
    private var phase = 0

    public init(_ decimation: Decimation, sampleRate: Double) throws(SynkError) {
        self.decimation = decimation
        self.sampleRate = sampleRate
        factor = try decimation.factor(sampleRate: sampleRate)
        if let design = try decimation.antiAliasFilter(sampleRate: sampleRate) {
            filter = try ZeroPhaseFilter(design: .butterworth(design), sampleRate: sampleRate)
        } else {
            filter = nil
        }
    }

    /// Hz after decimation.
    public var outputRate: Double { sampleRate / Double(factor) }

    public func process(_ block: [Float]) -> [Float] { keep(filter?.process(block) ?? block) }

    public func finish() -> [Float] {
        defer { phase = 0 }
        return keep(filter?.finish() ?? [])
    }

    /// Decimates a whole signal; the result carries its new rate.
    public func decimate(_ samples: [Float]) -> Signal {
        var result = process(samples)
        result.append(contentsOf: finish())
        return Signal(samples: result, sampleRate: outputRate)
    }

    private func keep(_ filtered: [Float]) -> [Float] {
        var kept: [Float] = []
        kept.reserveCapacity(filtered.count / factor + 1)
        var i = phase
        while i < filtered.count {
            kept.append(filtered[i])
            i += factor
        }
        phase = i - filtered.count
        return kept
    }
}
