// The correlation kernel on fixed data, for the CI regression gate (Benchmarks/ci-kernel-check.sh) and for
// a quick scaling table. Compiled with `swiftc -O` together with Sources/SynkAnalysis/Correlation/*.swift
// (the kernel has no dependencies), so the gate needs no package build.
//
//   kernel-check            runs `kernelWorkload()` once (the gate counts its instructions under callgrind)
//   kernel-check --scaling  times the all-pairs matrix for 4…64 channels and prints pairs·samples/s and GFLOP/s
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fixed, smooth, pairwise-correlated envelopes (SplitMix64 noise through a one-pole low-pass).
func fixedEnvelopes(channels: Int, length: Int, seed: UInt64) -> [[Float]] {
    var state = seed
    func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
    var common = 0.0
    let shared = (0..<length).map { _ in common = 0.98 * common + 0.02 * (uniform() - 0.5); return common }
    return (0..<channels).map { c in
        var own = 0.0
        let weight = Double(c % 4) / 4
        return (0..<length).map { i in
            own = 0.98 * own + 0.02 * (uniform() - 0.5)
            return Float(10 + 100 * (weight * shared[i] + (1 - weight) * own))
        }
    }
}

/// The measured work: a 16-channel all-pairs matrix over 20 000 samples, the peak ±40-lag
/// cross-correlation of the 28 ipsilateral pairs over 4 000 samples, and 10 s sliding windows (2 000 samples)
/// of one pair over 40 000 samples. Returns a checksum so nothing is optimised away.
@inline(never)
func kernelWorkload(_ matrixData: [[Float]], _ lagData: [[Float]], _ slidingData: [[Float]]) -> Double {
    var checksum = 0.0
    let m = EnvelopeCorrelation.matrix(matrixData)
    checksum += m.coefficients.reduce(0, +)
    for side in [0..<8, 8..<16] {
        for i in side {
            for j in side where i < j {
                if let peak = EnvelopeCorrelation.peakCrossCorrelation(driver: lagData[i], follower: lagData[j], maxLag: 40) {
                    checksum += peak.coefficient + Double(peak.lag)
                }
            }
        }
    }
    for r in EnvelopeCorrelation.slidingCorrelation(slidingData[0], slidingData[1], window: 2000, step: 2000) {
        checksum += r ?? 0
    }
    return checksum
}

func seconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

if CommandLine.arguments.contains("--has-vector-kernels") {
    // Exit status 0 when the AVX2+FMA kernels run on this processor (for the gate's second baseline).
    exit(SIMDReductions.vectorKernel ? 0 : 1)
}

if CommandLine.arguments.contains("--scaling") {
    let n = 72_000 // 6 minutes of envelope at 200 Hz
    print("all-pairs matrix, \(n) samples per channel (best of 5 runs)")
    print("channels  pairs  ms        M pair·samples/s  GFLOP/s (2 flops per pair·sample)")
    for channels in [4, 8, 16, 32, 64] {
        let data = fixedEnvelopes(channels: channels, length: n, seed: 7)
        var best = Double.infinity
        var sink = 0.0
        for _ in 0..<5 {
            let t0 = seconds()
            sink += EnvelopeCorrelation.matrix(data).coefficients[1]
            best = min(best, seconds() - t0)
        }
        let pairs = channels * (channels - 1) / 2
        let rate = Double(pairs * n) / best
        let text = "\(channels)".padding(9) + "\(pairs)".padding(6) + String(best * 1000, places: 2).padding(10)
            + String(rate / 1e6, places: 1).padding(18) + String(2 * rate / 1e9, places: 2)
        print(text + (sink.isNaN ? " (nan)" : ""))
    }
    let pair = fixedEnvelopes(channels: 2, length: 720_000, seed: 9)
    for maxLag in [20, 40] {
        var best = Double.infinity
        for _ in 0..<3 {
            let t0 = seconds()
            _ = EnvelopeCorrelation.peakCrossCorrelation(driver: pair[0], follower: pair[1], maxLag: maxLag)
            best = min(best, seconds() - t0)
        }
        let lagSamples = Double((2 * maxLag + 1) * 720_000)
        // Per lag and sample the kernel does one multiply-add (Σxy); Σx, Σx² per lag come from the segment totals.
        print("peak xcorr, 1 pair × 720 000 samples × ±\(maxLag) lags: \(String(best * 1000, places: 1)) ms, "
              + "\(String(lagSamples / best / 1e6, places: 1)) M lag·samples/s, \(String(2 * lagSamples / best / 1e9, places: 2)) GFLOP/s (2 flops per lag·sample)")
    }
} else {
    let matrixData = fixedEnvelopes(channels: 16, length: 20_000, seed: 1)
    let lagData = fixedEnvelopes(channels: 16, length: 4_000, seed: 2)
    let slidingData = fixedEnvelopes(channels: 2, length: 40_000, seed: 3)
    print("checksum \(kernelWorkload(matrixData, lagData, slidingData))")
}

extension String {
    init(_ value: Double, places: Int) {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        self = "\(rounded)"
    }
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(1, width - count)) }
}
