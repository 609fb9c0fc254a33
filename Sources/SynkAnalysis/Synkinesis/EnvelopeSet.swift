import Foundation
import SynkCore

/// How an envelope was made; it decides what "amplitude" of an envelope means.
public enum EnvelopeKind: Sendable, Hashable, Codable {
    /// Moving RMS over a window: e² is the local mean square, so the amplitude of a span is
    /// √(mean e²) (the RMS of the underlying signal over the span).
    case movingRMS(windowSeconds: Double)
    /// Full-wave rectified and low-passed: e is the local mean absolute value, so the amplitude of a
    /// span is mean(e) (the average rectified value, proportional to IEMG / duration).
    case linear(lowPassHz: Double)
    /// Anything else (a device's own envelope): treated like ``linear(lowPassHz:)``, amplitude mean(e).
    case other(String)

    /// A short description for the parameters of a result.
    public var description: String {
        switch self {
        case .movingRMS(let window): "rms:\(window * 1000)ms"
        case .linear(let cutoff): "linear:\(cutoff)hz"
        case .other(let text): "other:\(text)"
        }
    }

    /// Name of the amplitude measure used in `rms` fields for this kind.
    public var amplitudeMeasure: String {
        switch self {
        case .movingRMS: "sqrt(mean(e^2)) of a moving-RMS envelope = signal RMS"
        case .linear, .other: "mean(e) of a rectified low-passed envelope = average rectified value"
        }
    }

    /// The amplitude of `envelope` over `segments` (see the cases); `nil` when the segments are empty.
    public func amplitude(_ envelope: [Float], segments: [Range<Int>]) -> Double? {
        var sum = 0.0
        var count = 0
        let squared: Bool = if case .movingRMS = self { true } else { false }
        envelope.withUnsafeBufferPointer { e in
            for segment in segments {
                let clipped = segment.clamped(to: 0..<e.count)
                count += clipped.count
                if squared {
                    for i in clipped { sum += Double(e[i]) * Double(e[i]) }
                } else {
                    for i in clipped { sum += Double(e[i]) }
                }
            }
        }
        guard count > 0 else { return nil }
        let mean = sum / Double(count)
        return squared ? max(0, mean).squareRoot() : mean
    }
}

/// The resting level of one envelope channel.
public struct RestLevel: Sendable, Hashable, Codable {
    /// Mean envelope at rest.
    public var mean: Double
    /// Standard deviation of the envelope at rest.
    public var standardDeviation: Double
    /// The envelope kind's amplitude measure at rest (same unit as ``mean``).
    public var amplitude: Double

    public init(mean: Double, standardDeviation: Double, amplitude: Double) {
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.amplitude = amplitude
    }

    enum CodingKeys: String, CodingKey {
        case mean, standardDeviation = "sd", amplitude
    }
}

/// Decimated envelopes of every recording channel: the input of the synkinesis analysis.
public struct EnvelopeSet: Sendable {
    /// Envelope sample rate in Hz (after decimation).
    public var sampleRate: Double
    /// `envelopes[c]` belongs to recording channel `c` (µV); all the same length.
    public var envelopes: [[Float]]
    public var kind: EnvelopeKind
    /// Rest level per channel when known (a rest recording or a marked rest span); `nil` to let the
    /// analysis estimate it (``ActivityDetection/estimateRest(_:sampleRate:kind:windowSeconds:)``).
    public var rest: [RestLevel]?

    public init(sampleRate: Double, envelopes: [[Float]], kind: EnvelopeKind, rest: [RestLevel]? = nil) {
        self.sampleRate = sampleRate
        self.envelopes = envelopes
        self.kind = kind
        self.rest = rest
    }

    /// Samples per channel.
    public var frameCount: Int { envelopes.first?.count ?? 0 }

    /// Checks rate, shape and finiteness.
    public func validate() throws(SynkError) {
        guard sampleRate.isFinite, sampleRate > 0 else { throw .input(nil, "invalid envelope sample rate \(sampleRate) Hz") }
        guard !envelopes.isEmpty else { throw .input(nil, "no envelope channels") }
        let n = frameCount
        for (c, envelope) in envelopes.enumerated() {
            guard envelope.count == n else {
                throw .input(nil, "envelope has \(envelope.count) samples, expected \(n)", place: "channel \(c)")
            }
            if let bad = SampleScan.firstNonFiniteIndex(in: envelope) {
                throw .input(nil, "envelope sample is not finite", place: "channel \(c), sample \(bad)")
            }
        }
        if let rest, rest.count != envelopes.count {
            throw .input(nil, "\(rest.count) rest levels for \(envelopes.count) envelope channels")
        }
    }
}

/// Rest estimation and threshold onset detection on envelopes.
public enum ActivityDetection {
    /// The rest level of an envelope as the mean, SD and amplitude of its quietest window: windows
    /// of `windowSeconds` start every half window, and the one with the lowest mean wins. `nil` when
    /// the envelope is shorter than one window of at least 2 samples.
    public static func estimateRest(
        _ envelope: [Float], sampleRate: Double, kind: EnvelopeKind, windowSeconds: Double
    ) -> RestLevel? {
        let window = max(2, samples(windowSeconds, rate: sampleRate, limit: envelope.count + 1))
        guard envelope.count >= window else { return nil }
        let step = max(1, window / 2)
        var bestStart = 0
        var bestSum = Double.infinity
        envelope.withUnsafeBufferPointer { e in
            var start = 0
            while start + window <= e.count {
                var sum = 0.0
                for i in start..<(start + window) { sum += Double(e[i]) }
                if sum < bestSum {
                    bestSum = sum
                    bestStart = start
                }
                start += step
            }
        }
        let range = bestStart..<(bestStart + window)
        let mean = bestSum / Double(window)
        var ss = 0.0
        for i in range { ss += (Double(envelope[i]) - mean) * (Double(envelope[i]) - mean) }
        let sd = (ss / Double(window - 1)).squareRoot()
        return RestLevel(mean: mean, standardDeviation: sd, amplitude: kind.amplitude(envelope, segments: [range]) ?? mean)
    }

    /// Active samples: envelope above `threshold`, keeping only runs of at least `minimumRun`
    /// samples. Samples outside `segments` are never active (`segments` nil = the whole envelope).
    public static func activeMask(_ envelope: [Float], threshold: Double, minimumRun: Int, segments: [Range<Int>]? = nil) -> [Bool] {
        var mask = [Bool](repeating: false, count: envelope.count)
        let spans = segments ?? [0..<envelope.count]
        for segment in spans {
            let clipped = segment.clamped(to: 0..<envelope.count)
            var runStart: Int?
            for i in clipped.lowerBound...clipped.upperBound {
                let above = i < clipped.upperBound && Double(envelope[i]) > threshold
                if above {
                    if runStart == nil { runStart = i }
                } else if let start = runStart {
                    if i - start >= max(1, minimumRun) { for j in start..<i { mask[j] = true } }
                    runStart = nil
                }
            }
        }
        return mask
    }

    /// `seconds · rate` rounded to whole samples, clamped to 0...limit before conversion so that a
    /// huge or non-finite setting cannot overflow `Int`.
    public static func samples(_ seconds: Double, rate: Double, limit: Int) -> Int {
        let value = (seconds * rate).rounded()
        guard value.isFinite else { return value > 0 ? limit : 0 }
        return Int(max(0, min(Double(limit), value)))
    }

    /// Maximal runs of `true` as ranges.
    public static func runs(_ mask: [Bool]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start: Int?
        for i in 0...mask.count {
            let on = i < mask.count && mask[i]
            if on, start == nil { start = i }
            if !on, let s = start {
                out.append(s..<i)
                start = nil
            }
        }
        return out
    }
}
