import CFFTW
import Foundation

/// A series of `Double`s read a range at a time: a buffer in memory, or a series that is computed or read from
/// disk on demand (the centred envelopes of a long task). Whoever reads it holds at most a chunk of it.
public protocol SeriesReader {
    /// Samples in the series.
    var count: Int { get }
    /// Copies `self[range]` (inside `0..<count`) to `destination`.
    func copy(_ range: Range<Int>, to destination: UnsafeMutablePointer<Double>)
}

extension UnsafeBufferPointer: SeriesReader where Element == Double {
    public func copy(_ range: Range<Int>, to destination: UnsafeMutablePointer<Double>) {
        guard !range.isEmpty else { return }
        destination.update(from: baseAddress! + range.lowerBound, count: range.count)
    }
}

/// Lagged products `s[k] = Σᵢ x[i]·x[i+k]` of one series (the unnormalised autocovariance of a centred
/// series), in double precision.
///
/// Bartlett's effective sample size needs them only up to the first lag at which they are ≤ 0, which for
/// smooth envelopes can be a thousand lags or more into a segment of an hour. So they are computed lag window
/// by lag window (64, 128, 256, … lags) until that lag appears: short segments directly (O(n) per lag), long
/// ones by FFT cross-correlation of fixed-size chunks (O(n log N) per window, memory bounded by the chunk,
/// never by the segment). FFT sums differ from direct ones by rounding only (about 1e-15 of Σx² per lag).
///
/// Every function reads its series through ``SeriesReader`` one chunk at a time, so a series spilled to disk is
/// summed in memory bounded by the chunk length.
public enum LaggedSums {
    /// Segments whose direct cost n·lags stays below this are summed directly.
    static let directWork = 1 << 21
    /// Longest FFT used for long segments (larger only when one lag window needs it).
    static let chunkLength = 1 << 16

    /// Lags below this many come from one pass of ``belowChunk(_:chunk:)`` for long series.
    static let spectralChunk = 1 << 15
    /// The chunk tried first: lags below it settle most envelopes (a fraction of a second at 200 Hz).
    static let firstSpectralChunk = 1 << 12

    /// `s[0…K]`, where K is the first lag k ≥ 1 with s[k] ≤ 0, or `maxLag` (at most n − 1) if there is none.
    public static func untilFirstNonPositive<Series: SeriesReader>(_ x: Series, maxLag: Int) -> [Double] {
        let n = x.count
        guard n > 0 else { return [] }
        let lags = max(0, min(maxLag, n - 1))
        var sums: [Double] = []
        var k0 = 0
        var window = 64
        if n * 64 > directWork {
            // Every lag below the chunk length at the cost of one FFT per chunk: usually the answer at once.
            var chunk = 64
            while chunk < min(spectralChunk, lags + 1) { chunk <<= 1 }
            // A short chunk first (its transforms stay in cache and cost fewer operations per sample); the long
            // one only when no lag below the short one is ≤ 0.
            for attempt in chunk > firstSpectralChunk ? [firstSpectralChunk, chunk] : [chunk] {
                let all = belowChunk(x, chunk: attempt)
                let available = min(lags, all.count - 1)
                if available >= 1 {
                    for k in 1...available where all[k] <= 0 { return Array(all[0...k]) }
                }
                sums = Array(all[0...available])
            }
            k0 = sums.count
            window = chunkLength / 16
        }
        while k0 <= lags {
            let k1 = min(lags + 1, k0 + window)
            let part = n * (k1 - k0) <= directWork ? direct(x, lags: k0..<k1) : chunked(x, lags: k0..<k1)
            for (j, value) in part.enumerated() {
                sums.append(value)
                if k0 + j >= 1 && value <= 0 { return sums }
            }
            k0 = k1
            window *= 2
        }
        return sums
    }

    /// Every lag 0…maxLag (at most n − 1).
    public static func of<Series: SeriesReader>(_ x: Series, maxLag: Int) -> [Double] {
        let n = x.count
        guard n > 0 else { return [] }
        let lags = max(0, min(maxLag, n - 1))
        return n * (lags + 1) <= directWork ? direct(x, lags: 0..<(lags + 1)) : chunked(x, lags: 0..<(lags + 1))
    }

    /// Σᵢ x[i]·x[i+k] for every lag k below `chunk` (and below n), by one forward FFT per chunk of `chunk` samples.
    ///
    /// With the chunks c_j zero-padded to N = 2·chunk and F_j their spectra, the products within chunk j are
    /// IFFT(|F_j|²) and those reaching into chunk j + 1 are IFFT(conj(F_j)·F_{j+1}) shifted by `chunk`, i.e.
    /// multiplied by (−1)^f in frequency. Both are summed over the chunks in frequency and transformed back once.
    static func belowChunk<Series: SeriesReader>(_ x: Series, chunk: Int) -> [Double] {
        let n = x.count
        guard n > 0 else { return [] }
        precondition(chunk >= 1 && chunk.nonzeroBitCount == 1, "a power-of-two chunk")
        let length = 2 * chunk, bins = chunk + 1
        let forward = FFTPlans.plan(.forwardRealDouble, length: length)
        let inverse = FFTPlans.plan(.inverseRealDouble, length: length)
        let input = AlignedDoubles(count: length)
        var spectra = (AlignedDoubles(count: 2 * bins), AlignedDoubles(count: 2 * bins))
        let total = AlignedDoubles(count: 2 * bins)
        var hasPrevious = false
        var start = 0
        // The upper half is the zero padding (AlignedDoubles starts zeroed); only a short last chunk leaves part of
        // the lower half to clear.
        while start < n {
            let count = min(chunk, n - start)
            x.copy(start..<(start + count), to: input.pointer)
            if count < chunk { (input.pointer + count).update(repeating: 0, count: chunk - count) }
            let current = spectra.1.pointer, previous = spectra.0.pointer, sum = total.pointer
            forward.forward(input.pointer, spectra.1.complexPointer)
            for f in 0..<bins {
                let re = current[2 * f], im = current[2 * f + 1]
                sum[2 * f] += re * re + im * im
                if hasPrevious {
                    // conj(F_{j−1})·F_j·(−1)^f: the previous chunk's products that reach into this one.
                    let pr = previous[2 * f], pi = previous[2 * f + 1]
                    let sign: Double = f & 1 == 0 ? 1 : -1
                    sum[2 * f] += sign * (pr * re + pi * im)
                    sum[2 * f + 1] += sign * (pr * im - pi * re)
                }
            }
            swap(&spectra.0, &spectra.1)
            hasPrevious = true
            start += count
        }
        inverse.inverse(total.complexPointer, input.pointer)
        let scale = 1 / Double(length)
        return (0..<min(chunk, n)).map { input.pointer[$0] * scale }
    }

    /// Samples per block of ``direct(_:lags:)``.
    static let directBlock = 1 << 13

    /// Σᵢ x[i]·x[i+k] for k in `lags` by plain products, a block of i at a time (each lag's sum still runs over i
    /// in ascending order, so the result does not depend on the block length).
    static func direct<Series: SeriesReader>(_ x: Series, lags: Range<Int>) -> [Double] {
        let n = x.count
        var sums = [Double](repeating: 0, count: lags.count)
        guard n > 0, !lags.isEmpty else { return sums }
        let reach = max(0, lags.upperBound - 1)
        let buffer = AlignedDoubles(count: directBlock + reach)
        var a = 0
        while a < n {
            let blockEnd = min(n, a + directBlock)
            let loaded = min(n, blockEnd + reach)
            x.copy(a..<loaded, to: buffer.pointer)
            let b = buffer.pointer
            for (j, k) in lags.enumerated() where k < n {
                var sum = sums[j]
                let end = min(blockEnd, n - k)
                if end > a { for i in 0..<(end - a) { sum += b[i] * b[i + k] } }
                sums[j] = sum
            }
            a = blockEnd
        }
        return sums
    }

    /// Σᵢ x[i]·x[i+k] for k in `lags`, chunk by chunk: for the chunk c = x[a ..< a+B] and y = x[a+k₀ ..< a+B+k₁−1],
    /// the circular cross-correlation of c and y (zero-padded to N ≥ B + W) at m < W is Σᵢ c[i]·y[i+m] without
    /// wrap-around.
    static func chunked<Series: SeriesReader>(_ x: Series, lags: Range<Int>) -> [Double] {
        let n = x.count
        let w = lags.count
        var length = 1
        while length < max(2 * w, min(n + w, chunkLength)) { length <<= 1 }
        let chunk = length - w
        let forward = FFTPlans.plan(.forwardRealDouble, length: length)
        let inverse = FFTPlans.plan(.inverseRealDouble, length: length)
        let c = AlignedDoubles(count: length), y = AlignedDoubles(count: length)
        let cs = AlignedDoubles(count: 2 * (length / 2 + 1)), ys = AlignedDoubles(count: 2 * (length / 2 + 1))
        var result = [Double](repeating: 0, count: w)
        let scale = 1 / Double(length)
        var a = 0
        while a < n {
            let cCount = min(chunk, n - a)
            c.pointer.update(repeating: 0, count: length)
            x.copy(a..<(a + cCount), to: c.pointer)
            y.pointer.update(repeating: 0, count: length)
            let yStart = a + lags.lowerBound
            let yCount = max(0, min(n - yStart, cCount + w - 1))
            if yCount > 0 { x.copy(yStart..<(yStart + yCount), to: y.pointer) }
            forward.forward(c.pointer, cs.complexPointer)
            forward.forward(y.pointer, ys.complexPointer)
            // conj(C)·Y ↔ Σᵢ c[i]·y[i+m].
            for k in 0..<(length / 2 + 1) {
                let cr = cs.pointer[2 * k], ci = cs.pointer[2 * k + 1]
                let yr = ys.pointer[2 * k], yi = ys.pointer[2 * k + 1]
                ys.pointer[2 * k] = (cr * yr + ci * yi) * scale
                ys.pointer[2 * k + 1] = (cr * yi - ci * yr) * scale
            }
            inverse.inverse(ys.complexPointer, y.pointer)
            for m in 0..<w { result[m] += y.pointer[m] }
            a += chunk
        }
        return result
    }
}
