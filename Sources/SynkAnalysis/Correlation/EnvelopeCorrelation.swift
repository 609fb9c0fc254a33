/// The peak of a normalised cross-correlation and where it lies.
public struct CrossCorrelationPeak: Sendable, Hashable, Codable {
    /// Lag in samples; positive when the follower trails the driver (follower[i + lag] pairs with driver[i]).
    public var lag: Int
    /// The Pearson coefficient at that lag, in [-1, 1].
    public var coefficient: Double
    /// How many sample pairs the coefficient at that lag was computed from.
    public var pairCount: Int

    public init(lag: Int, coefficient: Double, pairCount: Int) {
        self.lag = lag
        self.coefficient = coefficient
        self.pairCount = pairCount
    }
}

/// Pearson correlations of every channel pair, stored as a dense symmetric matrix.
public struct CorrelationMatrix: Sendable, Hashable {
    /// Number of channels.
    public let count: Int
    /// Row-major `count × count` coefficients; entries involving an undefined channel are 0 and
    /// ``isDefined`` is false for them.
    public let coefficients: [Double]
    /// Whether a channel had at least two samples and a non-zero variance.
    public let channelDefined: [Bool]

    /// `r` between channels `i` and `j`, or `nil` when either channel is constant or too short.
    public subscript(i: Int, j: Int) -> Double? {
        guard channelDefined[i], channelDefined[j] else { return nil }
        return coefficients[i * count + j]
    }
}

/// Correlation kernels for envelopes: Pearson r, all-pairs matrices, peak normalised cross-correlation
/// and sliding-window correlation.
///
/// Every kernel reads contiguous `Float` buffers, accumulates in `Double` and allocates only per call
/// (never per sample). Every coefficient is a Pearson coefficient of the sample pairs it names; a
/// coefficient is `nil` (never NaN) when fewer than two pairs exist or either side is constant.
///
/// **Normalisation of the cross-correlation.** At lag `k` the coefficient is the Pearson correlation
/// of exactly the pairs `(driver[i], follower[i + k])` that lie inside the data (inside the same
/// segment when segments are given), each side centred on the mean of *those* pairs and divided by
/// the standard deviation of *those* pairs ("per-lag Pearson over the overlap"). Unlike the biased
/// estimator `Σ/(N σσ)` it is not shrunk toward zero at large lags, and at lag 0 it equals ``pearson(_:_:)``.
public enum EnvelopeCorrelation {
    /// Pearson r of two equally long envelopes, or `nil` when shorter than 2 or either is constant.
    public static func pearson(_ x: [Float], _ y: [Float]) -> Double? {
        precondition(x.count == y.count, "pearson needs equally long inputs")
        return x.withUnsafeBufferPointer { xb in
            y.withUnsafeBufferPointer { yb in pearson(xb, yb) }
        }
    }

    /// Pearson r of two equally long buffers (two-pass: means first, then centred sums).
    public static func pearson(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> Double? {
        let n = min(x.count, y.count)
        guard n >= 2, let xp = x.baseAddress, let yp = y.baseAddress else { return nil }
        let (sx, sy) = SIMDReductions.sums(xp, yp, 0, n)
        let moments = SIMDReductions.centredMoments(xp, yp, sx / Double(n), sy / Double(n), 0, n)
        return coefficient(sxy: moments.sxy, sxx: moments.sxx, syy: moments.syy)
    }

    /// Pearson r over the union of `segments` (sample ranges of both envelopes), the segments'
    /// samples pooled into one set with one pooled mean per envelope.
    public static func pearson(_ x: [Float], _ y: [Float], segments: [Range<Int>]) -> Double? {
        precondition(x.count == y.count, "pearson needs equally long inputs")
        return peakCrossCorrelation(driver: x, follower: y, segments: segments, maxLag: 0)?.coefficient
    }

    /// All-pairs Pearson correlation of `channels` (each the same length): each channel is centred
    /// and scaled to unit norm once, then every pair costs one dot product.
    public static func matrix(_ channels: [[Float]]) -> CorrelationMatrix {
        let c = channels.count
        let n = channels.first?.count ?? 0
        precondition(channels.allSatisfy { $0.count == n }, "matrix needs equally long channels")
        var normalised = [Double](repeating: 0, count: c * n)
        var defined = [Bool](repeating: false, count: c)
        normalised.withUnsafeMutableBufferPointer { out in
            for (ch, samples) in channels.enumerated() {
                samples.withUnsafeBufferPointer { s in
                    guard n >= 2, let samplesBase = s.baseAddress else { return }
                    let mean = SIMDReductions.sums(samplesBase, samplesBase, 0, n).0 / Double(n)
                    var ss = 0.0
                    let base = ch * n
                    for i in 0..<n {
                        let d = Double(s[i]) - mean
                        out[base + i] = d
                        ss += d * d
                    }
                    guard ss > 0, ss.isFinite else { return }
                    let scale = 1 / ss.squareRoot()
                    for i in 0..<n { out[base + i] *= scale }
                    defined[ch] = true
                }
            }
        }
        var coefficients = [Double](repeating: 0, count: c * c)
        // Blocks of samples small enough that every channel's block stays in cache while all pairs
        // are accumulated (C channels × 2048 × 8 bytes = 256 KiB for 16 channels).
        let block = 2048
        normalised.withUnsafeBufferPointer { z in
            guard n >= 2, let base = z.baseAddress else { return }
            var start = 0
            while start < n {
                let length = min(block, n - start)
                for i in 0..<c where defined[i] {
                    for j in (i + 1)..<max(i + 1, c) where defined[j] {
                        coefficients[i * c + j] += SIMDReductions.dot(base + i * n + start, base + j * n + start, length)
                    }
                }
                start += length
            }
        }
        for i in 0..<c where defined[i] {
            coefficients[i * c + i] = 1
            for j in (i + 1)..<max(i + 1, c) where defined[j] {
                let r = max(-1, min(1, coefficients[i * c + j]))
                coefficients[i * c + j] = r
                coefficients[j * c + i] = r
            }
        }
        return CorrelationMatrix(count: c, coefficients: coefficients, channelDefined: defined)
    }

    /// The largest per-lag Pearson coefficient between `driver` and `follower` over lags
    /// `-maxLag...maxLag` (see the type's discussion for the normalisation), the whole buffers
    /// forming one segment. Ties go to the lag of smallest magnitude. `nil` when no lag is defined.
    public static func peakCrossCorrelation(driver: [Float], follower: [Float], maxLag: Int) -> CrossCorrelationPeak? {
        peakCrossCorrelation(driver: driver, follower: follower, segments: [0..<driver.count], maxLag: maxLag)
    }

    /// Like ``peakCrossCorrelation(driver:follower:maxLag:)`` but pooled over `segments`: at each lag
    /// only pairs whose two samples lie in the same segment count, and the sums of all segments are
    /// pooled into one coefficient.
    public static func peakCrossCorrelation(
        driver: [Float], follower: [Float], segments: [Range<Int>], maxLag: Int
    ) -> CrossCorrelationPeak? {
        let curve = crossCorrelation(driver: driver, follower: follower, segments: segments, maxLag: maxLag)
        guard var peak = peak(of: curve, maxLag: maxLag) else { return nil }
        peak.pairCount = segments.reduce(0) { total, segment in
            let clipped = segment.clamped(to: 0..<min(driver.count, follower.count))
            return total + max(0, clipped.count - abs(peak.lag))
        }
        return peak
    }

    /// The largest coefficient of a ``crossCorrelation(driver:follower:segments:maxLag:)`` curve, ties going to the
    /// lag of smallest magnitude (``CrossCorrelationPeak/pairCount`` left 0); `nil` when no lag is defined.
    public static func peak(of curve: [Double?], maxLag: Int) -> CrossCorrelationPeak? {
        var best: CrossCorrelationPeak?
        for (index, value) in curve.enumerated() {
            guard let value else { continue }
            let lag = index - max(0, maxLag)
            if let current = best {
                if value > current.coefficient || (value == current.coefficient && abs(lag) < abs(current.lag)) {
                    best = CrossCorrelationPeak(lag: lag, coefficient: value, pairCount: 0)
                }
            } else {
                best = CrossCorrelationPeak(lag: lag, coefficient: value, pairCount: 0)
            }
        }
        return best
    }

    /// The per-lag Pearson coefficient for every lag `-maxLag...maxLag` (index `lag + maxLag`),
    /// pooled over `segments`; `nil` where a lag has fewer than two pairs or a constant side.
    ///
    /// Both envelopes are centred on their pooled means (so that the raw per-lag sums do not cancel).
    /// Per lag, Σx, Σy, Σx², Σy² over the overlap are the segment totals minus the few samples that the lag
    /// pushes out of the overlap at the segment's ends, so only Σxy costs a pass per lag; that pass runs over
    /// cache-sized chunks of the segment, every lag on one chunk before the next, instead of streaming
    /// both envelopes from memory once per lag.
    public static func crossCorrelation(
        driver: [Float], follower: [Float], segments: [Range<Int>], maxLag: Int
    ) -> [Double?] {
        precondition(driver.count == follower.count, "cross-correlation needs equally long inputs")
        return driver.withUnsafeBufferPointer { xb in
            follower.withUnsafeBufferPointer { yb in
                var x = ContiguousSamples(xb), y = ContiguousSamples(yb)
                return crossCorrelation(driver: &x, follower: &y, segments: segments, maxLag: maxLag)
            }
        }
    }

    /// Σx and Σy over each of `segments` (clipped to both series), read a chunk at a time; what
    /// ``crossCorrelation(driver:follower:segments:maxLag:segmentSums:)`` needs first.
    public static func segmentSums<X: SampleWindows, Y: SampleWindows>(
        _ x: inout X, _ y: inout Y, segments: [Range<Int>]
    ) -> [(Double, Double)] {
        let chunk = max(1, min(x.preferredChunk, y.preferredChunk))
        return clippedSegments(segments, x.count, y.count).map { segment in
            var total = (0.0, 0.0)
            for piece in segment.chunks(of: chunk) {
                let sums = SIMDReductions.sums(x.samples(piece), y.samples(piece), 0, piece.count)
                total.0 += sums.0
                total.1 += sums.1
            }
            return total
        }
    }

    static func clippedSegments(_ segments: [Range<Int>], _ xCount: Int, _ yCount: Int) -> [Range<Int>] {
        segments.map { $0.clamped(to: 0..<min(xCount, yCount)) }.filter { !$0.isEmpty }
    }

    /// ``crossCorrelation(driver:follower:segments:maxLag:)`` of two series read through windows: every pass
    /// reads consecutive chunks, so the memory it needs is bounded by the chunk, not by the segments.
    ///
    /// - Parameter segmentSums: the segments' ``segmentSums(_:_:segments:)`` when the caller already has them
    ///   (they are one pass over both series); computed here otherwise.
    public static func crossCorrelation<X: SampleWindows, Y: SampleWindows>(
        driver x: inout X, follower y: inout Y, segments: [Range<Int>], maxLag: Int,
        segmentSums knownSums: [(Double, Double)]? = nil
    ) -> [Double?] {
        let maxLag = max(0, maxLag)
        let lagCount = 2 * maxLag + 1
        let clipped = clippedSegments(segments, x.count, y.count)
        var curve = [Double?](repeating: nil, count: lagCount)
        let segmentSums = knownSums ?? segmentSums(&x, &y, segments: segments)
        precondition(segmentSums.count == clipped.count, "one pair of sums per non-empty segment")
        var count = 0
        var sumX = 0.0, sumY = 0.0
        for (segment, sums) in zip(clipped, segmentSums) {
            sumX += sums.0
            sumY += sums.1
            count += segment.count
        }
        guard count >= 2 else { return curve }
        let meanX = sumX / Double(count), meanY = sumY / Double(count)
        let chunk = max(1, min(x.preferredChunk, y.preferredChunk))
        var pairs = [Int](repeating: 0, count: lagCount)
        var sx = [Double](repeating: 0, count: lagCount), sy = sx, sxx = sx, syy = sx, sxy = sx
        let scratch = CrossCorrelationScratch(chunk: crossCorrelationChunk, maxLag: maxLag)
        for (segment, sums) in zip(clipped, segmentSums) {
            var moments = (sxx: 0.0, syy: 0.0, sxy: 0.0)
            for piece in segment.chunks(of: chunk) {
                let m = SIMDReductions.centredMoments(x.samples(piece), y.samples(piece), meanX, meanY, 0, piece.count)
                moments.sxx += m.sxx
                moments.syy += m.syy
                moments.sxy += m.sxy
            }
            let reach = min(maxLag, segment.count)
            let head = segment.lowerBound..<(segment.lowerBound + reach), tail = (segment.upperBound - reach)..<segment.upperBound
            let edges = scratch.edges
            edges.update(from: x.samples(head), count: reach)
            (edges + maxLag).update(from: x.samples(tail), count: reach)
            (edges + 2 * maxLag).update(from: y.samples(head), count: reach)
            (edges + 3 * maxLag).update(from: y.samples(tail), count: reach)
            addEdgeCorrectedSums(
                xHead: edges, xTail: edges + maxLag, yHead: edges + 2 * maxLag, yTail: edges + 3 * maxLag, reach: reach,
                meanX, meanY, segment.count, sums, moments, maxLag, &pairs, &sx, &sy, &sxx, &syy)
            addLaggedProducts(&x, &y, meanX, meanY, segment, maxLag, scratch, &sxy)
        }
        for index in 0..<lagCount where pairs[index] >= 2 {
            let m = Double(pairs[index])
            curve[index] = coefficient(sxy: sxy[index] - sx[index] * sy[index] / m,
                                       sxx: sxx[index] - sx[index] * sx[index] / m,
                                       syy: syy[index] - sy[index] * sy[index] / m)
        }
        return curve
    }

    /// Samples of the driver per chunk of the lagged-product pass: chunk + 2·maxLag Doubles of each side stay
    /// in the first-level cache for lags up to a few hundred.
    static let crossCorrelationChunk = 1024

    /// Reused centred copies of one chunk of each envelope, and the `maxLag` samples at each end of a segment.
    final class CrossCorrelationScratch {
        let x: UnsafeMutablePointer<Double>
        let y: UnsafeMutablePointer<Double>
        /// x head, x tail, y head, y tail, `maxLag` samples each.
        let edges: UnsafeMutablePointer<Float>
        /// One chunk's Σxy for every lag.
        let lagged: UnsafeMutablePointer<Double>
        init(chunk: Int, maxLag: Int) {
            x = .allocate(capacity: chunk)
            y = .allocate(capacity: chunk + 2 * maxLag)
            edges = .allocate(capacity: max(1, 4 * maxLag))
            lagged = .allocate(capacity: 2 * maxLag + 1)
        }
        deinit {
            x.deallocate()
            y.deallocate()
            edges.deallocate()
            lagged.deallocate()
        }
    }

    /// Adds, for every lag, the pair count and Σx, Σy, Σx², Σy² (centred) over the pairs (x[i], y[i + lag])
    /// with both indices inside one segment of `length` samples: the segment totals less the samples at its ends
    /// that have no partner. `sums` are the segment's raw Σx and Σy, `moments` its centred second moments, and
    /// the heads and tails its first and last `reach` = min(maxLag, length) samples.
    @inline(__always)
    static func addEdgeCorrectedSums(
        xHead: UnsafePointer<Float>, xTail: UnsafePointer<Float>, yHead: UnsafePointer<Float>, yTail: UnsafePointer<Float>,
        reach: Int, _ meanX: Double, _ meanY: Double, _ length: Int, _ sums: (Double, Double),
        _ moments: (sxx: Double, syy: Double, sxy: Double), _ maxLag: Int, _ pairs: inout [Int], _ sx: inout [Double],
        _ sy: inout [Double], _ sxx: inout [Double], _ syy: inout [Double]
    ) {
        let (rawX, rawY) = sums
        let totalX = rawX - Double(length) * meanX, totalY = rawY - Double(length) * meanY
        // Lag k ≥ 0 drops x[hi−k ..< hi] and y[lo ..< lo+k]; lag −k drops x[lo ..< lo+k] and y[hi−k ..< hi].
        var droppedPositive = (x: 0.0, xx: 0.0, y: 0.0, yy: 0.0), droppedNegative = droppedPositive
        func add(_ index: Int, pairCount: Int, dropped: (x: Double, xx: Double, y: Double, yy: Double)) {
            pairs[index] += pairCount
            sx[index] += totalX - dropped.x
            sy[index] += totalY - dropped.y
            sxx[index] += moments.sxx - dropped.xx
            syy[index] += moments.syy - dropped.yy
        }
        add(maxLag, pairCount: length, dropped: droppedPositive)
        guard maxLag >= 1, reach >= 1 else { return }
        for k in 1...reach {
            let a = Double(xTail[reach - k]) - meanX, b = Double(yHead[k - 1]) - meanY
            droppedPositive.x += a
            droppedPositive.xx += a * a
            droppedPositive.y += b
            droppedPositive.yy += b * b
            let c = Double(xHead[k - 1]) - meanX, d = Double(yTail[reach - k]) - meanY
            droppedNegative.x += c
            droppedNegative.xx += c * c
            droppedNegative.y += d
            droppedNegative.yy += d * d
            add(maxLag + k, pairCount: length - k, dropped: droppedPositive)
            add(maxLag - k, pairCount: length - k, dropped: droppedNegative)
        }
    }

    /// Adds Σ (x[i]−mx)(y[i+lag]−my) over the pairs inside `segment` for every lag, chunk by chunk.
    @inline(__always)
    static func addLaggedProducts<X: SampleWindows, Y: SampleWindows>(
        _ x: inout X, _ y: inout Y, _ meanX: Double, _ meanY: Double,
        _ segment: Range<Int>, _ maxLag: Int, _ scratch: CrossCorrelationScratch, _ sxy: inout [Double]
    ) {
        let lo = segment.lowerBound, hi = segment.upperBound
        var c0 = lo
        while c0 < hi {
            let c1 = min(hi, c0 + crossCorrelationChunk)
            let xc = x.samples(c0..<c1)
            for i in 0..<(c1 - c0) { scratch.x[i] = Double(xc[i]) - meanX }
            let y0 = max(lo, c0 - maxLag), y1 = min(hi, c1 + maxLag)
            let yc = y.samples(y0..<y1)
            for i in 0..<(y1 - y0) { scratch.y[i] = Double(yc[i]) - meanY }
            if c0 - maxLag >= lo && c1 + maxLag <= hi {
                // Inside the segment every lag pairs the whole chunk: all lags in one pass, the same sums.
                SIMDReductions.laggedDots(scratch.x, scratch.y, c1 - c0, lags: 2 * maxLag + 1, into: scratch.lagged)
                for k in 0...(2 * maxLag) { sxy[k] += scratch.lagged[k] }
                c0 = c1
                continue
            }
            for lag in -maxLag...maxLag {
                // i in [c0, c1) with i + lag in [lo, hi).
                let i0 = max(c0, lo - lag), i1 = min(c1, hi - lag)
                guard i1 > i0 else { continue }
                sxy[lag + maxLag] += SIMDReductions.dot(scratch.x + (i0 - c0), scratch.y + (i0 + lag - y0), i1 - i0)
            }
            c0 = c1
        }
    }

    /// Pearson r in consecutive windows of `window` samples starting every `step` samples (the last
    /// window ends at or before the end). Element `w` covers `w·step ..< w·step + window`.
    public static func slidingCorrelation(_ x: [Float], _ y: [Float], window: Int, step: Int) -> [Double?] {
        precondition(x.count == y.count, "sliding correlation needs equally long inputs")
        precondition(window >= 2 && step >= 1, "window must be at least 2 samples and step at least 1")
        guard x.count >= window else { return [] }
        let windows = (x.count - window) / step + 1
        var out = [Double?](repeating: nil, count: windows)
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeBufferPointer { yb in
                for w in 0..<windows {
                    let start = w * step
                    out[w] = pearson(
                        UnsafeBufferPointer(rebasing: xb[start..<(start + window)]),
                        UnsafeBufferPointer(rebasing: yb[start..<(start + window)]))
                }
            }
        }
        return out
    }

    /// r from centred sums; `nil` when a side has no variance (relative to its scale) or is not finite.
    @inline(__always)
    static func coefficient(sxy: Double, sxx: Double, syy: Double) -> Double? {
        guard sxx > 0, syy > 0, sxx.isFinite, syy.isFinite, sxy.isFinite else { return nil }
        let r = sxy / (sxx * syy).squareRoot()
        guard r.isFinite else { return nil }
        return max(-1, min(1, r))
    }
}
