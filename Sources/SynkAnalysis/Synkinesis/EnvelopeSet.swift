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
        envelope.withUnsafeBufferPointer { e in
            var samples = ContiguousSamples(e)
            return amplitude(&samples, segments: segments)
        }
    }

    /// ``amplitude(_:segments:)`` of an envelope read through windows.
    public func amplitude<Envelope: SampleWindows>(_ envelope: inout Envelope, segments: [Range<Int>]) -> Double? {
        var sum = 0.0
        var count = 0
        let squared: Bool = if case .movingRMS = self { true } else { false }
        for segment in segments {
            let clipped = segment.clamped(to: 0..<envelope.count)
            count += clipped.count
            envelope.forEachChunk(of: clipped) { e, piece in
                if squared {
                    for i in 0..<piece.count { sum += Double(e[i]) * Double(e[i]) }
                } else {
                    for i in 0..<piece.count { sum += Double(e[i]) }
                }
            }
        }
        guard count > 0 else { return nil }
        let mean = sum / Double(count)
        return squared ? max(0, mean).squareRoot() : mean
    }
}

extension SampleWindows {
    /// Calls `body` with consecutive chunks of `range` (each at most ``preferredChunk`` samples), in order.
    mutating func forEachChunk(of range: Range<Int>, _ body: (UnsafePointer<Float>, Range<Int>) -> Void) {
        for piece in range.chunks(of: max(1, preferredChunk)) { body(samples(piece), piece) }
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
    /// The envelopes (µV), in memory or spilled to disk; channel c belongs to recording channel c.
    public var storage: EnvelopeStorage
    public var kind: EnvelopeKind
    /// Rest level per channel when known (a rest recording or a marked rest span); `nil` to let the
    /// analysis estimate it (``ActivityDetection/estimateRest(_:sampleRate:kind:windowSeconds:)``).
    public var rest: [RestLevel]?

    public init(sampleRate: Double, envelopes: [[Float]], kind: EnvelopeKind, rest: [RestLevel]? = nil) {
        self.init(sampleRate: sampleRate, storage: EnvelopeStorage(envelopes), kind: kind, rest: rest)
    }

    public init(sampleRate: Double, storage: EnvelopeStorage, kind: EnvelopeKind, rest: [RestLevel]? = nil) {
        self.sampleRate = sampleRate
        self.storage = storage
        self.kind = kind
        self.rest = rest
    }

    /// Every envelope read whole into memory (for plots and tests; the analysis reads them in windows).
    public var envelopes: [[Float]] { (0..<storage.channelCount).map { storage.samples(channel: $0) } }

    /// Number of envelope channels.
    public var channelCount: Int { storage.channelCount }

    /// Samples per channel.
    public var frameCount: Int { storage.channelCount > 0 ? storage.count(channel: 0) : 0 }

    /// The same envelopes with only the `selected` channels, in that order (nothing is copied).
    public func selecting(_ selected: [Int]) -> EnvelopeSet {
        EnvelopeSet(sampleRate: sampleRate, storage: storage.selecting(selected), kind: kind, rest: rest.map { r in selected.map { r[$0] } })
    }

    /// Checks rate, shape and finiteness.
    public func validate() throws(SynkError) {
        guard sampleRate.isFinite, sampleRate > 0 else { throw .input(nil, "invalid envelope sample rate \(sampleRate) Hz") }
        guard storage.channelCount > 0 else { throw .input(nil, "no envelope channels") }
        let n = frameCount
        for c in 0..<storage.channelCount {
            guard storage.count(channel: c) == n else {
                throw .input(nil, "envelope has \(storage.count(channel: c)) samples, expected \(n)", place: "channel \(c)")
            }
            var reader = storage.reader(c)
            var bad: Int?
            reader.forEachChunk(of: 0..<n) { e, piece in
                guard bad == nil else { return }
                if let i = SampleScan.firstNonFiniteIndex(UnsafeBufferPointer(start: e, count: piece.count)) { bad = piece.lowerBound + i }
            }
            if let bad { throw .input(nil, "envelope sample is not finite", place: "channel \(c), sample \(bad)") }
        }
        if let rest, rest.count != storage.channelCount {
            throw .input(nil, "\(rest.count) rest levels for \(storage.channelCount) envelope channels")
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
        envelope.withUnsafeBufferPointer { e in
            var samples = ContiguousSamples(e)
            return estimateRest(&samples, sampleRate: sampleRate, kind: kind, windowSeconds: windowSeconds)
        }
    }

    /// ``estimateRest(_:sampleRate:kind:windowSeconds:)`` of an envelope read through windows.
    /// Windows overlapping a range of `avoiding` (gaps in the recording, whose bridged envelope is no rest) are
    /// not candidates; nil when no window is left.
    public static func estimateRest<Envelope: SampleWindows>(
        _ envelope: inout Envelope, sampleRate: Double, kind: EnvelopeKind, windowSeconds: Double,
        avoiding: [Range<Int>] = []
    ) -> RestLevel? {
        let window = max(2, samples(windowSeconds, rate: sampleRate, limit: envelope.count + 1))
        guard envelope.count >= window else { return nil }
        let step = max(1, window / 2)
        var bestStart = 0
        var bestSum = Double.infinity
        var start = 0
        // The windows move forward, so one pointer into the sorted, merged ranges finds any overlap.
        let avoided = union(avoiding.filter { !$0.isEmpty })
        var next = 0
        while start + window <= envelope.count {
            while next < avoided.count && avoided[next].upperBound <= start { next += 1 }
            if next < avoided.count && avoided[next].lowerBound < start + window { start += step; continue }
            let e = envelope.samples(start..<(start + window))
            var sum = 0.0
            for i in 0..<window { sum += Double(e[i]) }
            if sum < bestSum {
                bestSum = sum
                bestStart = start
            }
            start += step
        }
        guard bestSum.isFinite || avoiding.isEmpty else { return nil }
        let range = bestStart..<(bestStart + window)
        let mean = bestSum / Double(window)
        let e = envelope.samples(range)
        var ss = 0.0
        for i in 0..<window { ss += (Double(e[i]) - mean) * (Double(e[i]) - mean) }
        let sd = (ss / Double(window - 1)).squareRoot()
        return RestLevel(mean: mean, standardDeviation: sd, amplitude: kind.amplitude(&envelope, segments: [range]) ?? mean)
    }

    /// Active samples: envelope above `threshold`, keeping only runs of at least `minimumRun`
    /// samples. Samples outside `segments` are never active (`segments` nil = the whole envelope).
    public static func activeMask(_ envelope: [Float], threshold: Double, minimumRun: Int, segments: [Range<Int>]? = nil) -> [Bool] {
        var mask = [Bool](repeating: false, count: envelope.count)
        for run in activeRuns(envelope, threshold: threshold, minimumRun: minimumRun, segments: segments) {
            for i in run { mask[i] = true }
        }
        return mask
    }

    /// ``activeMask(_:threshold:minimumRun:segments:)`` as its maximal runs of `true`, in order.
    public static func activeRuns(_ envelope: [Float], threshold: Double, minimumRun: Int, segments: [Range<Int>]? = nil) -> [Range<Int>] {
        envelope.withUnsafeBufferPointer { e in
            var samples = ContiguousSamples(e)
            return activeRuns(&samples, threshold: threshold, minimumRun: minimumRun, segments: segments)
        }
    }

    /// ``activeRuns(_:threshold:minimumRun:segments:)`` of an envelope read through windows: memory grows with the
    /// number of runs, never with the envelope.
    public static func activeRuns<Envelope: SampleWindows>(
        _ envelope: inout Envelope, threshold: Double, minimumRun: Int, segments: [Range<Int>]? = nil
    ) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        let shortest = max(1, minimumRun)
        for segment in segments ?? [0..<envelope.count] {
            let clipped = segment.clamped(to: 0..<envelope.count)
            var runStart: Int?
            envelope.forEachChunk(of: clipped) { e, piece in
                for j in 0..<piece.count {
                    if Double(e[j]) > threshold {
                        if runStart == nil { runStart = piece.lowerBound + j }
                    } else if let start = runStart {
                        if piece.lowerBound + j - start >= shortest { runs.append(start..<(piece.lowerBound + j)) }
                        runStart = nil
                    }
                }
            }
            if let start = runStart, clipped.upperBound - start >= shortest { runs.append(start..<clipped.upperBound) }
        }
        return union(runs)
    }

    /// The union of `ranges` as sorted maximal ranges (touching ranges joined), what `runs` of the OR of their
    /// masks would give.
    public static func union(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for range in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, range.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                out.append(range)
            }
        }
        return out
    }

    /// Samples in the union of `runs` (sorted, disjoint).
    public static func sampleCount(_ runs: [Range<Int>]) -> Int { runs.reduce(0) { $0 + $1.count } }

    /// Samples in both of two sorted, disjoint run lists.
    public static func overlapCount(_ a: [Range<Int>], _ b: [Range<Int>]) -> Int {
        var i = 0, j = 0, total = 0
        while i < a.count, j < b.count {
            total += max(0, min(a[i].upperBound, b[j].upperBound) - max(a[i].lowerBound, b[j].lowerBound))
            if a[i].upperBound < b[j].upperBound { i += 1 } else { j += 1 }
        }
        return total
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
