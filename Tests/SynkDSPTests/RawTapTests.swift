import Foundation
import SynkCore
import Testing
@testable import SynkDSP

/// The conditioning's second output for the crosstalk estimate: the band-passed signal, FIR low-passed and decimated.
@Suite("Raw tap: FIR anti-alias low-pass and decimation, the same in lanes and channel by channel")
struct RawTapTests {
    /// |H(f)| of an FIR at `f` (cycles per sample).
    static func magnitude(_ taps: [Float], at f: Double) -> Double {
        var re = 0.0, im = 0.0
        for (n, h) in taps.enumerated() {
            re += Double(h) * cos(2 * Double.pi * f * Double(n))
            im -= Double(h) * sin(2 * Double.pi * f * Double(n))
        }
        return (re * re + im * im).squareRoot()
    }

    @Test("the factor keeps the tap at 500 Hz or more; the FIR passes 0 Hz at unit gain, is −6 dB at 0.4 × the tap rate and ≥ 38 dB down from 0.6 × it",
          arguments: [(1000.0, 2), (2000.0, 4), (2048.0, 4), (4000.0, 8)])
    func design(rate: Double, factor: Int) {
        let tap = RawTap(sampleRate: rate, minimumRate: 500)
        #expect(tap.factor == factor)
        let taps = tap.firTaps(sampleRate: rate)
        #expect(taps.count == 6 * factor + 1)
        // Symmetric: linear phase, the same delay for every frequency and channel.
        for n in 0..<taps.count { #expect(taps[n] == taps[taps.count - 1 - n]) }
        let tapRate = rate / Double(factor)
        #expect(abs(Self.magnitude(taps, at: 0) - 1) < 1e-6)
        #expect(abs(Self.magnitude(taps, at: 0.4 * tapRate / rate) - 0.5) < 0.03)
        var f = 0.6 * tapRate / rate
        while f < 0.5 {
            #expect(20 * log10(Self.magnitude(taps, at: f) + 1e-12) < -38, "\(f * rate) Hz")
            f += 0.002
        }
        #expect(RawTap(sampleRate: 400, minimumRate: 500).factor == 1 && RawTap(factor: 1).firTaps(sampleRate: 400).isEmpty)
    }

    @Test("the tap equals the FIR applied to the band-passed signal at every M-th sample, in lanes (any block size) and channel by channel")
    func tapEqualsReference() throws {
        let rate = 2000.0
        var random = TestNoise(seed: 3)
        let channels = (0..<3).map { _ in (0..<9_000).map { _ in Float(random.gaussian()) } }
        let band = ConditioningDescription(envelope: .movingRMS(window: 0.1), decimation: Decimation(targetRate: 200))
        let tap = RawTap(sampleRate: rate)
        // The reference: the whole band-passed signal (filter only), then the FIR at samples 0, M, 2M, … (zeros before 0).
        let filtered = try ChannelConditioner.condition(channels, ConditioningDescription(envelope: nil, decimation: nil), sampleRate: rate)
        let taps = tap.firTaps(sampleRate: rate)
        let reference = filtered.map { signal in
            stride(from: 0, to: signal.samples.count, by: tap.factor).map { i in
                (0..<taps.count).reduce(Float(0)) { sum, j in i - j >= 0 ? sum + taps[j] * signal.samples[i - j] : sum }
            }
        }
        func run(_ conditioning: ConditioningDescription, block: Int) throws -> [[Float]] {
            let conditioner = try MultichannelConditioner(conditioning, sampleRate: rate, channelCount: 3, tap: tap)
            var out = [[Float]](repeating: [], count: 3)
            var start = 0
            while start < 9_000 {
                let end = min(9_000, start + block)
                _ = conditioner.process(channels.map { Array($0[start..<end]) })
                for (c, part) in conditioner.takeTapOutput().enumerated() { out[c] += part }
                start = end
            }
            _ = try conditioner.finish()
            for (c, part) in conditioner.takeTapOutput().enumerated() { out[c] += part }
            return out
        }
        for (conditioning, block) in [(band, 9_000), (band, 1_001), (band, 37)] {
            let lanes = try run(conditioning, block: block)
            for c in 0..<3 {
                #expect(lanes[c].count == reference[c].count)
                let scale = reference[c].map { abs($0) }.max()!
                let worst = zip(lanes[c], reference[c]).map { abs($0 - $1) }.max()!
                #expect(worst <= 1e-4 * scale, "lanes, block \(block), channel \(c): \(worst) of \(scale)")
            }
        }
        // Channel by channel (a Hilbert envelope takes that path).
        let hilbert = ConditioningDescription(envelope: .hilbert, decimation: Decimation(targetRate: 200))
        let single = try run(hilbert, block: 1_001)
        for c in 0..<3 {
            let scale = reference[c].map { abs($0) }.max()!
            let worst = zip(single[c], reference[c]).map { abs($0 - $1) }.max()!
            #expect(single[c].count == reference[c].count && worst <= 1e-4 * scale)
        }
    }
}

/// A deterministic Gaussian generator for these tests (SplitMix64 and Box-Muller).
struct TestNoise {
    private var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    mutating func gaussian() -> Double { (-2 * log(max(uniform(), 1e-300))).squareRoot() * cos(2 * Double.pi * uniform()) }
}
