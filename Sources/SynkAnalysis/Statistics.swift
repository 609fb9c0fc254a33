import Foundation
import SynkDSP

/// Small, exact statistics used by the analyses (double precision throughout).
public enum Statistics {
    /// Solves A·x = b for a symmetric positive semi-definite `size`×`size` matrix A (row-major) by Cholesky
    /// factorisation, with a ridge (a multiple of the mean diagonal: 1e-10, raised tenfold up to 1e-4 while the
    /// factorisation fails) so that nearly collinear regressors (channels that all carry one loud source's signal)
    /// stay solvable; a ridge of 1e-4 changes an explained power by about that fraction. nil when A is not positive
    /// definite even then, or has a non-finite entry.
    static func solveSymmetric(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        guard n > 0, a.count == n * n, b.count == n, a.allSatisfy(\.isFinite), b.allSatisfy(\.isFinite) else { return nil }
        let meanDiagonal = (0..<n).reduce(0) { $0 + a[$1 * n + $1] } / Double(n)
        var relative = 1e-10
        while relative <= 1e-4 {
            if let x = cholesky(a, b, size: n, ridge: relative * meanDiagonal) { return x }
            relative *= 10
        }
        return nil
    }

    /// Solves A·x = b by Cholesky factorisation of A + ridge·I; nil when that is not positive definite.
    static func cholesky(_ a: [Double], _ b: [Double], size n: Int, ridge: Double) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j] + (i == j ? ridge : 0)
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }

    /// Standard normal cumulative distribution Φ(x).
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// Two-sided p-value of a standard normal statistic z.
    public static func twoSidedP(z: Double) -> Double {
        min(1, erfc(abs(z) / 2.0.squareRoot()))
    }

    /// Standard normal quantile Φ⁻¹(p) for 0 < p < 1 (Acklam's rational approximation refined by one
    /// Halley step against `erfc`; absolute error below 1e-12).
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "quantile needs 0 < p < 1")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5
            let r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
                (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = normalCDF(x) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// Fisher's z transform of a correlation, clamped so |r| = 1 stays finite.
    public static func fisherZ(_ r: Double) -> Double {
        let clamped = max(-0.999_999, min(0.999_999, r))
        return atanh(clamped)
    }
}

// MARK: - Correlation inference with autocorrelated samples

/// A two-sided confidence interval.
public struct ConfidenceInterval: Sendable, Hashable, Codable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// Whether `value` lies inside the closed interval.
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
}

/// Bartlett's effective sample size for the correlation of two autocorrelated series.
public struct EffectiveSampleSize: Sendable, Hashable, Codable {
    /// Number of sample pairs the correlation used (pooled over segments).
    public var sampleCount: Int
    /// n / (1 + 2·Σ_{k=1}^{K} ρ_D(k)·ρ_F(k)), capped at n.
    public var effective: Double
    /// The last lag K included in the sum (0 when the sum is empty).
    public var truncationLag: Int
}

/// Fisher-z inference for one correlation.
public struct CorrelationInference: Sendable, Hashable, Codable {
    public var r: Double
    public var effectiveN: Double
    /// Fisher CI at the requested level, back-transformed to r.
    public var interval: ConfidenceInterval
    /// Two-sided p of H0: ρ = 0, from z·√(n_eff − 3).
    public var p: Double
}

/// The difference of two independent correlations r₁ − r₂ with its confidence interval and p.
public struct CorrelationDifference: Sendable, Hashable, Codable {
    public var difference: Double
    /// Zou (2007) interval built from each side's own Fisher interval.
    public var interval: ConfidenceInterval
    /// Two-sided p of H0: ρ₁ = ρ₂, from (z₁ − z₂) / √(1/(n₁−3) + 1/(n₂−3)).
    public var p: Double
}

extension Statistics {
    /// One segment of a series read through windows, minus a mean, as Bartlett's lagged sums read it.
    struct CentredSegment<Envelope: SampleWindows>: SeriesReader {
        final class Source {
            var envelope: Envelope
            init(_ envelope: Envelope) { self.envelope = envelope }
        }
        let source: Source
        let segment: Range<Int>
        let mean: Double
        var count: Int { segment.count }

        func copy(_ range: Range<Int>, to destination: UnsafeMutablePointer<Double>) {
            guard !range.isEmpty else { return }
            let lower = segment.lowerBound + range.lowerBound
            let x = source.envelope.samples(lower..<(lower + range.count))
            for i in 0..<range.count { destination[i] = Double(x[i]) - mean }
        }
    }

    /// The within-segment lagged sums of one series pooled over segments, what Bartlett's formula needs from
    /// it: computed once per series and task, shared by every pair the series is part of.
    public struct PooledAutocovariance: Sendable {
        /// Samples inside the segments.
        public let sampleCount: Int
        /// Σ (x − mean)² over the segments (mean pooled over the segments).
        public let sumOfSquares: Double
        /// `lagged[k]` = Σ over segments of Σᵢ d[i]·d[i+k] (both samples in the same segment), k = 0…maxLag,
        /// with d = x − pooled mean.
        public let lagged: [Double]
        /// `pairs[k]`: how many products `lagged[k]` sums. Both arrays end at the first lag k ≥ 1 with
        /// `lagged[k]` ≤ 0 (Bartlett's sum never reads beyond it) or at K_max.
        public let pairs: [Int]
        /// Whether the sums reach K_max (no further lag exists).
        public let complete: Bool
    }

    /// K_max of Bartlett's sum for `segments` (already clipped to the series): ⌊n/4⌋, at most the longest
    /// segment − 1.
    static func bartlettMaximumLag(_ segments: [Range<Int>]) -> Int {
        let n = segments.reduce(0) { $0 + $1.count }
        let longest = segments.map(\.count).max() ?? 0
        return max(0, min(n / 4, longest - 1))
    }

    /// ``PooledAutocovariance`` of `x` over `segments` (clipped to `length`, default the series length) up
    /// to Bartlett's K_max; `nil` when there are fewer than 2 samples or the series is constant there.
    ///
    /// The sums end at the first lag k ≥ `atLeast` (and ≥ 1) where the pooled sum is ≤ 0, or at K_max: Bartlett's
    /// sum usually stops there; when both series are negative at that lag it needs more, and asks again with a
    /// larger `atLeast` (``bartlettEffectiveSampleSize(driver:follower:segments:)`` does so).
    public static func pooledAutocovariance(_ x: [Float], segments: [Range<Int>], length: Int? = nil, atLeast: Int = 0) -> PooledAutocovariance? {
        x.withUnsafeBufferPointer { buffer in
            var samples = ContiguousSamples(UnsafeBufferPointer(rebasing: buffer[0..<min(length ?? x.count, x.count)]))
            return pooledAutocovariance(&samples, segments: segments, atLeast: atLeast)
        }
    }

    /// ``pooledAutocovariance(_:segments:length:atLeast:)`` of a series read through windows: a pass for the pooled
    /// mean and sum of squares, then the lagged sums of each segment a chunk at a time.
    public static func pooledAutocovariance<Envelope: SampleWindows>(
        _ x: inout Envelope, segments: [Range<Int>], atLeast: Int = 0
    ) -> PooledAutocovariance? {
        let clipped = segments.map { $0.clamped(to: 0..<x.count) }.filter { !$0.isEmpty }
        let n = clipped.reduce(0) { $0 + $1.count }
        guard n >= 2 else { return nil }
        var sum = 0.0
        for segment in clipped {
            x.forEachChunk(of: segment) { e, piece in for i in 0..<piece.count { sum += Double(e[i]) } }
        }
        let mean = sum / Double(n)
        var sumOfSquares = 0.0
        for segment in clipped {
            x.forEachChunk(of: segment) { e, piece in
                for i in 0..<piece.count {
                    let d = Double(e[i]) - mean
                    sumOfSquares += d * d
                }
            }
        }
        guard sumOfSquares > 0, sumOfSquares.isFinite else { return nil }
        let maxLag = bartlettMaximumLag(clipped)
        let source = CentredSegment<Envelope>.Source(x)
        defer { x = source.envelope }
        let centred = clipped.map { CentredSegment(source: source, segment: $0, mean: mean) }
        // Bartlett's sum stops before the first lag at which either series' autocorrelation is ≤ 0, so each
        // segment's sums are needed only up to its own first non-positive lag — except that the pooled sum is
        // what counts: a segment that stops early contributes its later lags exactly (computed on demand).
        var lagged: [Double] = []
        var pairs: [Int] = []
        var perSegment = centred.map { LaggedSums.untilFirstNonPositive($0, maxLag: maxLag) }
        var k = 0
        while k <= maxLag {
            var sum = 0.0, count = 0
            for (s, segment) in clipped.enumerated() where segment.count > k {
                if k >= perSegment[s].count {
                    // This segment went non-positive earlier; extend it for the pooled sum.
                    perSegment[s] = LaggedSums.of(centred[s], maxLag: min(maxLag, 2 * k + 64))
                }
                sum += perSegment[s][k]
                count += segment.count - k
            }
            lagged.append(sum)
            pairs.append(count)
            if k >= max(1, atLeast) && sum <= 0 { break }
            k += 1
        }
        return PooledAutocovariance(sampleCount: n, sumOfSquares: sumOfSquares, lagged: lagged, pairs: pairs,
                                    complete: lagged.count == maxLag + 1)
    }

    /// Bartlett's effective sample size n / (1 + 2·Σ_{k=1}^{K} ρ_D(k)·ρ_F(k)) for the correlation of
    /// `driver` and `follower` pooled over `segments`.
    ///
    /// ρ(k) here is the lagged mean product over the pairs that exist at lag k (pairs within a
    /// repetition only) divided by the pooled variance, i.e. the n/(n−k)-scaled estimator.
    ///
    /// **Truncation rule.** Sample autocorrelations at long lags are mostly noise, and summing noise
    /// products biases n_eff. The sum runs over k = 1, 2, … and stops *before* the first lag at which
    /// the product ρ_D(k)·ρ_F(k) is ≤ 0 (the first sign change of either autocorrelation), and never
    /// beyond K_max = ⌊n / 4⌋ nor beyond the longest segment − 1. A negative total is ignored (the
    /// denominator is at least 1), so n_eff ≤ n. `nil` when either series is constant.
    public static func bartlettEffectiveSampleSize(
        driver: [Float], follower: [Float], segments: [Range<Int>]
    ) -> EffectiveSampleSize? {
        let length = min(driver.count, follower.count)
        var atLeast = 0
        while true {
            guard let d = pooledAutocovariance(driver, segments: segments, length: length, atLeast: atLeast),
                  let f = pooledAutocovariance(follower, segments: segments, length: length, atLeast: atLeast) else { return nil }
            switch bartlettEffectiveSampleSize(driver: d, follower: f) {
            case .done(let result): return result
            case .needsLags(let k): atLeast = 2 * k
            }
        }
    }

    /// The outcome of Bartlett's sum over precomputed autocovariances.
    public enum BartlettOutcome: Sendable {
        case done(EffectiveSampleSize?)
        /// The sum is still running at lag k, beyond the lags computed: compute at least 2k and ask again.
        case needsLags(Int)
    }

    /// Bartlett's effective sample size from the two series' autocovariances over the same segments
    /// (see ``bartlettEffectiveSampleSize(driver:follower:segments:)``).
    public static func bartlettEffectiveSampleSize(driver d: PooledAutocovariance, follower f: PooledAutocovariance) -> BartlettOutcome {
        let n = d.sampleCount
        guard n >= 2, f.sampleCount == n else { return .done(nil) }
        var sum = 0.0
        var lastLag = 0
        var k = 1
        while true {
            if k >= d.lagged.count || k >= f.lagged.count {
                // Out of computed lags: the end if one series reached K_max, otherwise more are needed.
                if (k >= d.lagged.count && d.complete) || (k >= f.lagged.count && f.complete) { break }
                return .needsLags(k)
            }
            let pairs = d.pairs[k]
            guard pairs > 0 else { break }
            // Lagged means over the pairs that exist (n/(n−k) scaling): the n-normalised
            // estimator shrinks long lags toward 0 and so overstates n_eff in short segments.
            let scale = Double(n) / Double(pairs)
            let product = (scale * d.lagged[k] / d.sumOfSquares) * (scale * f.lagged[k] / f.sumOfSquares)
            if product <= 0 { break }
            sum += product
            lastLag = k
            k += 1
        }
        let effective = Double(n) / max(1, 1 + 2 * sum)
        return .done(EffectiveSampleSize(sampleCount: n, effective: effective, truncationLag: lastLag))
    }

    /// Fisher-z confidence interval and two-sided p (H0: ρ = 0) for a correlation `r` from
    /// `effectiveN` independent-equivalent pairs. `nil` when `effectiveN ≤ 3` (no finite standard
    /// error) or r is not finite.
    public static func correlationInference(r: Double, effectiveN: Double, level: Double = 0.95) -> CorrelationInference? {
        guard r.isFinite, effectiveN.isFinite, effectiveN > 3, level > 0, level < 1 else { return nil }
        let z = fisherZ(r)
        let se = 1 / (effectiveN - 3).squareRoot()
        let q = normalQuantile(0.5 + level / 2)
        let interval = ConfidenceInterval(lower: tanh(z - q * se), upper: tanh(z + q * se))
        return CorrelationInference(r: r, effectiveN: effectiveN, interval: interval, p: twoSidedP(z: z / se))
    }

    /// The difference r₁ − r₂ of two correlations from independent samples (the affected and the
    /// healthy side), each with its own effective n.
    ///
    /// The interval is Zou's (2007, Psychol Methods 12:399) "modified asymptotic" interval: with
    /// (l₁, u₁) and (l₂, u₂) each side's Fisher interval,
    /// L = r₁ − r₂ − √((r₁ − l₁)² + (u₂ − r₂)²), U = r₁ − r₂ + √((u₁ − r₁)² + (r₂ − l₂)²).
    /// It respects the asymmetry of r's sampling distribution, unlike a symmetric Wald interval.
    /// The p-value is the classic two-sided z test of z₁ − z₂. `nil` when either n_eff ≤ 3.
    public static func differenceOfIndependentCorrelations(
        r1: Double, effectiveN1: Double, r2: Double, effectiveN2: Double, level: Double = 0.95
    ) -> CorrelationDifference? {
        guard let a = correlationInference(r: r1, effectiveN: effectiveN1, level: level),
              let b = correlationInference(r: r2, effectiveN: effectiveN2, level: level) else { return nil }
        let d = r1 - r2
        let lower = d - ((r1 - a.interval.lower) * (r1 - a.interval.lower)
            + (b.interval.upper - r2) * (b.interval.upper - r2)).squareRoot()
        let upper = d + ((a.interval.upper - r1) * (a.interval.upper - r1)
            + (r2 - b.interval.lower) * (r2 - b.interval.lower)).squareRoot()
        let se = (1 / (effectiveN1 - 3) + 1 / (effectiveN2 - 3)).squareRoot()
        let z = (fisherZ(r1) - fisherZ(r2)) / se
        return CorrelationDifference(difference: d, interval: ConfidenceInterval(lower: lower, upper: upper), p: twoSidedP(z: z))
    }
}

extension Statistics {
    /// The regularised incomplete beta function I_x(a, b) (continued fraction by Lentz's method, as in Numerical
    /// Recipes §6.4; relative error ~1e-14).
    static func incompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        guard x > 0 else { return 0 }
        guard x < 1 else { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let front = exp(logGammas + logPowers)
        if x > (a + 1) / (a + b + 2) { return 1 - incompleteBeta(1 - x, b, a) }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        for m in 1...300 {
            let m = Double(m)
            var numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + numerator * d; if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            f *= d * c
            numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + numerator * d; if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            f *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return front * f / a
    }

    /// Student's t cumulative distribution with `degrees` degrees of freedom.
    public static func studentTCDF(_ t: Double, degrees: Double) -> Double {
        let tail = 0.5 * incompleteBeta(degrees / (degrees + t * t), degrees / 2, 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// Student's t quantile for 0 < p < 1 (bisection on ``studentTCDF(_:degrees:)`` to 1e-12).
    public static func studentTQuantile(_ p: Double, degrees: Double) -> Double {
        precondition(p > 0 && p < 1 && degrees > 0, "quantile needs 0 < p < 1 and positive degrees of freedom")
        if p == 0.5 { return 0 }
        var lower = -1.0, upper = 1.0
        while studentTCDF(lower, degrees: degrees) > p { lower *= 2 }
        while studentTCDF(upper, degrees: degrees) < p { upper *= 2 }
        for _ in 0..<200 {
            let middle = (lower + upper) / 2
            if studentTCDF(middle, degrees: degrees) < p { lower = middle } else { upper = middle }
            if upper - lower < 1e-12 * max(1, abs(middle)) { break }
        }
        return (lower + upper) / 2
    }

    /// Benjamini-Hochberg (1995, J R Stat Soc B 57:289-300) adjusted p-values, in the order given: the false
    /// discovery rate at which each hypothesis would just be rejected among all of them.
    public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let m = p.count
        guard m > 0 else { return [] }
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let index = order[rank - 1]
            running = min(running, p[index] * Double(m) / Double(rank))
            adjusted[index] = min(1, running)
        }
        return adjusted
    }

    /// A confidence interval of a ratio from per-repetition ratios: the geometric mean and the t-interval of the
    /// mean log ratio (n − 1 degrees of freedom). With one repetition the interval is nil.
    public static func geometricMeanInterval(_ ratios: [Double], level: Double) -> (mean: Double, interval: ConfidenceInterval?)? {
        let logs = ratios.filter { $0 > 0 && $0.isFinite }.map { log($0) }
        guard !logs.isEmpty, logs.count == ratios.count else { return nil }
        let n = Double(logs.count)
        let mean = logs.reduce(0, +) / n
        guard logs.count >= 2 else { return (exp(mean), nil) }
        let variance = logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        let half = studentTQuantile(0.5 + level / 2, degrees: n - 1) * (variance / n).squareRoot()
        // A hugely scattered ratio keeps finite bounds (JSON holds no infinity).
        return (exp(mean), ConfidenceInterval(lower: exp(mean - half), upper: min(Double.greatestFiniteMagnitude, exp(mean + half))))
    }
}
