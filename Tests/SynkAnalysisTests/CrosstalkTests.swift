import Foundation
import SynkCore
import SynkDSP
import Testing
@testable import SynkAnalysis

/// A band-limited noise "EMG" (a moving average of white noise minus a longer one: a crude band-pass), unit-ish
/// variance, from the tests' own generator.
private func bandNoise(_ count: Int, seed: UInt64) -> [Double] {
    var random = TestRandom(seed: seed)
    let white = (0..<(count + 16)).map { _ in random.gaussian() }
    return (0..<count).map { i in
        let short = (0..<2).reduce(0.0) { $0 + white[i + 14 + $1] } / 2
        let long = (0..<16).reduce(0.0) { $0 + white[i + $1] } / 16
        return short - long
    }
}

/// A first-order causal low-pass y[n] = y[n−1] + α (x[n] − y[n−1]).
private func lowPass(_ x: [Double], alpha: Double) -> [Double] {
    var y = 0.0
    return x.map { v in y += alpha * (v - y); return y }
}

@Suite("Crosstalk: lagged products of the raw signals and the share of a follower its louder neighbours predict")
struct CrosstalkTests {
    /// The Swift loops, the AVX2 kernel and its 512-bit form (each when the processor has it).
    static let kernels: [(Bool, Bool)] = [(false, false)] + (VectorKernels.available ? [(true, false)] : [])
        + (VectorKernels.wideSweepsAvailable ? [(true, true)] : [])

    @Test("window records equal the naive Σ x_i(t)·x_j(t−τ), however the stream is cut into blocks (Swift, AVX2 and AVX-512 loops)",
          arguments: kernels)
    func productsMatchNaiveSums(vectorKernel: Bool, wideKernel: Bool) throws {
        let n = 1_000
        let signals = (0..<15).map { c in bandNoise(n, seed: UInt64(40 + c)).map { Float($0) } }
        // Group 0: channels 0, 2, 4; group 1: channels 1, 3 (any channel order); group 2: ten channels (two blocks of
        // eight lanes).
        let layout = CrosstalkLayout(groups: [[0, 2, 4], [1, 3], Array(5..<15)], rate: 500)
        #expect(layout.windowSamples == 250)
        let accumulator = CrosstalkAccumulator(layout: layout, expectedSamples: n, spillThreshold: Int.max, vectorKernel: vectorKernel,
                                               wideKernel: wideKernel)
        var start = 0
        for size in [7, 300, 1, 125, 250, 317] {  // 1000 samples: four windows
            let end = min(n, start + size)
            try accumulator.add(signals.map { Array($0[start..<end]) })
            start = end
        }
        let products = try accumulator.finish()
        #expect(products.windowCount == 4)
        #expect(products.lastWindowSamples == 250)
        for (g, group) in layout.groups.enumerated() {
            for w in g == 2 ? [2] : [0, 1, 3] {
                let sums = products.sums(group: g, windows: [w])
                #expect(sums.samples == 250)
                for lag in 0...Crosstalk.maxLag {
                    for (i, a) in group.enumerated() {
                        for (j, b) in group.enumerated() {
                            var expected = 0.0
                            for t in (w * 250)..<((w + 1) * 250) where t - lag >= 0 {
                                expected += Double(signals[a][t]) * Double(signals[b][t - lag])
                            }
                            #expect(abs(sums[lag, i, j] - expected) <= 1e-4 * max(1, abs(expected)),
                                    "group \(g) window \(w) lag \(lag) (\(i),\(j)): \(sums[lag, i, j]) vs \(expected)")
                        }
                    }
                }
            }
        }
    }

    @Test("the 512-bit kernel gives the AVX2 kernel's sums bit for bit", .enabled(if: VectorKernels.wideSweepsAvailable))
    func wideKernelBitForBit() throws {
        let n = 1_003
        let signals = (0..<8).map { c in bandNoise(n, seed: UInt64(90 + c)).map { Float($0) } }
        let layout = CrosstalkLayout(groups: [Array(0..<8), [0, 3, 5]], rate: 500)
        func products(_ wide: Bool) throws -> CrosstalkProducts {
            let accumulator = CrosstalkAccumulator(layout: layout, expectedSamples: n, spillThreshold: Int.max, vectorKernel: true, wideKernel: wide)
            try accumulator.add(signals)
            return try accumulator.finish()
        }
        let a = try products(false), b = try products(true)
        for g in 0..<2 { #expect(a.sums(group: g, windows: Array(0..<a.windowCount)) == b.sums(group: g, windows: Array(0..<b.windowCount))) }
    }

    @Test("spilled records read back the same sums as records kept in memory")
    func spilledRecordsAgree() throws {
        let signals = (0..<3).map { c in bandNoise(2_000, seed: UInt64(70 + c)).map { Float($0) } }
        let layout = CrosstalkLayout(groups: [[0, 1, 2]], rate: 500)
        let inMemory = CrosstalkAccumulator(layout: layout, expectedSamples: 2_000, spillThreshold: Int.max)
        let spilled = CrosstalkAccumulator(layout: layout, expectedSamples: 2_000, spillThreshold: 0)
        try inMemory.add(signals)
        try spilled.add(signals)
        let a = try inMemory.finish(), b = try spilled.finish()
        let windows = Array(0..<a.windowCount)
        #expect(a.sums(group: 0, windows: windows) == b.sums(group: 0, windows: windows))
    }

    @Test("windows are chosen by their centres: a segment of 0.6-2.4 s at 200 Hz takes the windows centred at 0.75-2.25 s")
    func windowsCoverSegments() {
        let layout = CrosstalkLayout(groups: [[0]], rate: 500)
        #expect(layout.windows(covering: [120..<480], rate: 200, windowCount: 100) == [1, 2, 3, 4])
        // Overlapping and touching segments give each window once; windows beyond the recording are dropped.
        #expect(layout.windows(covering: [0..<200, 100..<300], rate: 200, windowCount: 100) == [0, 1, 2])
        #expect(layout.windows(covering: [0..<1_000], rate: 200, windowCount: 3) == [0, 1, 2])
    }

    /// F = own + c·(low-passed N), N louder: the estimate recovers F's crosstalk share, N's is 0. At the 500 Hz tap,
    /// α = 0.3, 0.5, 0.85 are low-passes at about 30, 55 and 150 Hz.
    @Test("a low-passed copy of a louder neighbour is found in the follower; the louder channel is not said to receive it",
          arguments: [(0.05, 0.5), (0.15, 0.3), (0.10, 0.85)])
    func recoversKnownShare(fraction: Double, alpha: Double) throws {
        let (estimates, expected) = try Self.estimates(fraction: fraction, alpha: alpha)
        let (f, n0, u, without) = estimates
        // The constructed share varies with the sample by about ±0.02 (band noise of 20 000 samples).
        #expect(abs(f.fraction - expected) <= 0.03, "estimated \(f.fraction), constructed \(expected)")
        #expect(abs((f.sources["N"] ?? 0) - expected) <= 0.03)
        #expect(f.sources["U"] == nil)
        #expect(n0.fraction == 0, "the loudest channel has no louder source")
        #expect(u.fraction < 0.01, "an independent channel: \(u.fraction)")
        // A channel that may not be a source (excluded by quality) explains nothing.
        #expect(without.fraction < 0.01)
    }

    @Test("louder channels that all carry one source (nearly collinear) still explain the follower's copy of it")
    func collinearSources() throws {
        let n = 20_000
        let source = bandNoise(n, seed: 21).map { 40 * $0 }
        // Three louder channels that are the source plus a trace of their own noise, and a follower that is 10 % of the
        // source over 2 µV of its own.
        let louder = (0..<3).map { k -> [Double] in
            let gain = 1 + 0.1 * Double(k)
            let trace = bandNoise(n, seed: UInt64(30 + k))
            return (0..<n).map { i in gain * source[i] + 0.001 * trace[i] }
        }
        let own = bandNoise(n, seed: 25).map { 2 * $0 }
        let follower = zip(source, own).map { 0.1 * $0 + $1 }
        func power(_ x: [Double]) -> Double { x.reduce(0) { $0 + $1 * $1 } / Double(x.count) }
        let expected = power(source.map { 0.1 * $0 }) / power(follower)
        let layout = CrosstalkLayout(groups: [[0, 1, 2, 3]], rate: 500)
        let accumulator = CrosstalkAccumulator(layout: layout, expectedSamples: n, spillThreshold: Int.max)
        try accumulator.add(([follower] + louder).map { $0.map { Float($0) } })
        let products = try accumulator.finish()
        let sums = products.sums(group: 0, windows: Array(0..<products.windowCount))
        let f = try #require(Crosstalk.estimate(follower: 0, products: sums, allowed: [0, 1, 2, 3], names: ["F", "A", "B", "C"]))
        #expect(abs(f.fraction - expected) <= 0.03, "estimated \(f.fraction), constructed \(expected)")
    }

    @Test("a copy low-passed far below the EMG band is captured only in part: the estimate is a lower bound")
    func slowLowPassIsALowerBound() throws {
        // α = 0.1 at 500 Hz: about 8 Hz, a time constant of 10 samples, longer than the +5 lags reach.
        let (estimates, expected) = try Self.estimates(fraction: 0.3, alpha: 0.1)
        #expect(estimates.0.fraction < expected && estimates.0.fraction > 0.5 * expected, "\(estimates.0.fraction) of \(expected)")
    }

    static func estimates(fraction: Double, alpha: Double) throws
        -> ((CrosstalkEstimate, CrosstalkEstimate, CrosstalkEstimate, CrosstalkEstimate), Double) {
        let n = 20_000
        let source = bandNoise(n, seed: 11).map { 40 * $0 }
        let own = bandNoise(n, seed: 12).map { 3 * $0 }
        let leak = lowPass(source, alpha: alpha).map { fraction * $0 }
        let follower = zip(own, leak).map(+)
        let unrelated = bandNoise(n, seed: 13).map { 10 * $0 }
        func power(_ x: [Double]) -> Double { x.reduce(0) { $0 + $1 * $1 } / Double(x.count) }
        let expected = power(leak) / power(follower)
        let layout = CrosstalkLayout(groups: [[0, 1, 2]], rate: 500)
        let accumulator = CrosstalkAccumulator(layout: layout, expectedSamples: n, spillThreshold: Int.max)
        try accumulator.add([follower, source, unrelated].map { $0.map { Float($0) } })
        let products = try accumulator.finish()
        let sums = products.sums(group: 0, windows: Array(0..<products.windowCount))
        let names = ["F", "N", "U"]
        return ((try #require(Crosstalk.estimate(follower: 0, products: sums, allowed: [0, 1, 2], names: names)),
                 try #require(Crosstalk.estimate(follower: 1, products: sums, allowed: [0, 1, 2], names: names)),
                 try #require(Crosstalk.estimate(follower: 2, products: sums, allowed: [0, 1, 2], names: names)),
                 try #require(Crosstalk.estimate(follower: 0, products: sums, allowed: [0, 2], names: names))), expected)
    }
}

@Suite("Statistics for the decision: Student's t, Benjamini-Hochberg, ratio intervals")
struct DecisionStatisticsTests {
    @Test("Student's t quantiles equal scipy.stats.t.ppf to 1e-9")
    func studentT() {
        // scipy.stats.t.ppf(0.975, df) for df = 1, 2, 3, 10, 30 and t.ppf(0.9, 4).
        let cases: [(Double, Double, Double)] = [(0.975, 1, 12.706204736174694), (0.975, 2, 4.302652729749462),
                                                 (0.975, 3, 3.1824463052837078), (0.975, 10, 2.228138851986274),
                                                 (0.975, 30, 2.0422724563012378), (0.9, 4, 1.533206274058944)]
        for (p, df, expected) in cases {
            #expect(abs(Statistics.studentTQuantile(p, degrees: df) - expected) < 1e-9 * expected, "df \(df)")
            #expect(abs(Statistics.studentTQuantile(1 - p, degrees: df) + expected) < 1e-9 * expected)
        }
    }

    @Test("Benjamini-Hochberg adjusted p-values, by hand: sorted p·m/rank, made monotone, in the original order")
    func benjaminiHochberg() {
        let adjusted = Statistics.benjaminiHochberg([0.01, 0.04, 0.03, 0.005])
        // Ranks 2, 4, 3, 1: 0.01·4/2 = 0.02, 0.04·4/4 = 0.04, 0.03·4/3 = 0.04, 0.005·4/1 = 0.02.
        for (a, e) in zip(adjusted, [0.02, 0.04, 0.04, 0.02]) { #expect(abs(a - e) < 1e-15) }
        // Monotone step: 0.02·3/2 = 0.03 would exceed rank 3's 0.025·3/3 = 0.025, so rank 2 takes 0.025.
        let stepped = Statistics.benjaminiHochberg([0.02, 0.001, 0.025])
        for (a, e) in zip(stepped, [0.025, 0.003, 0.025]) { #expect(abs(a - e) < 1e-15) }
        #expect(Statistics.benjaminiHochberg([]).isEmpty)
    }

    @Test("geometric mean ratio and its t-interval: exp(mean log ± t·s/√n), by hand")
    func ratioInterval() throws {
        let ratios = [2.0, 3.0, 4.0]
        let logs = ratios.map { log($0) }
        let mean = logs.reduce(0, +) / 3
        let s = (logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 2).squareRoot()
        let half = 4.302652729749462 * s / 3.0.squareRoot()
        let result = try #require(Statistics.geometricMeanInterval(ratios, level: 0.95))
        #expect(abs(result.mean - exp(mean)) < 1e-12)
        let interval = try #require(result.interval)
        #expect(abs(interval.lower - exp(mean - half)) < 1e-9)
        #expect(abs(interval.upper - exp(mean + half)) < 1e-9)
        // One repetition: the ratio, no interval; a zero or negative ratio: nothing.
        #expect(Statistics.geometricMeanInterval([2.5], level: 0.95)?.interval == nil)
        #expect(Statistics.geometricMeanInterval([2.5, 0], level: 0.95) == nil)
    }

    @Test("the Cholesky solve reproduces a known solution, and refuses an indefinite matrix")
    func choleskySolve() throws {
        let a = [4.0, 2, 0.6, 2, 5, 1.5, 0.6, 1.5, 3]
        let x = [1.0, -2, 0.5]
        let b = (0..<3).map { i in (0..<3).reduce(0.0) { $0 + a[i * 3 + $1] * x[$1] } }
        let solved = try #require(Statistics.solveSymmetric(a, b, size: 3))
        for (s, e) in zip(solved, x) { #expect(abs(s - e) < 1e-8) }
        #expect(Statistics.solveSymmetric([1, 2, 2, 1], [1, 1], size: 2) == nil)
    }
}
