import Benchmark
import BenchSupport
import SynkAnalysis

// The correlation kernel on decimated envelopes (200 Hz): all-pairs matrix, peak lagged cross-correlation
// and sliding-window correlation, over channels × window length × lags. Throughput is counted in
// pairs·samples (one pair over one sample = one "pair-sample"; for the matrix one pair-sample is 2 flops,
// a multiply and an add; for the cross-correlation one pair-sample per lag is 10 flops, the five sums).
let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .instructions, .throughput, .mallocCountTotal]
    Benchmark.defaultConfiguration = .init(metrics: metrics, maxDuration: .seconds(2), maxIterations: 200)

    // All-pairs matrix: scaling from 4 to 64 channels, 6 minutes of envelope (72 000 samples).
    for channels in [4, 8, 16, 32, 64] {
        let n = 72_000
        let data = Generated.envelopes(channels: channels, length: n)
        let pairSamples = channels * (channels - 1) / 2 * n
        Benchmark("matrix \(channels) ch × \(n) samples (\(pairSamples / 1_000_000) M pair·samples)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(EnvelopeCorrelation.matrix(data)) }
        }
    }

    // Peak normalised cross-correlation of one pair: window length × maximum lag.
    for n in [2_000, 72_000] {
        for maxLag in [20, 40] {
            let data = Generated.envelopes(channels: 2, length: n)
            Benchmark("peak xcorr \(n) samples ±\(maxLag) lags") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(EnvelopeCorrelation.peakCrossCorrelation(driver: data[0], follower: data[1], maxLag: maxLag))
                }
            }
        }
    }

    // Sliding-window correlation of one pair over 1 h of envelope, 10 s windows (2000 samples).
    let hour = Generated.envelopes(channels: 2, length: 720_000)
    Benchmark("sliding 1 h pair, 10 s windows") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(EnvelopeCorrelation.slidingCorrelation(hour[0], hour[1], window: 2000, step: 2000))
        }
    }
}
