import Foundation
import Testing
import SynkCore
@testable import SynkAnalysis
import SynkSim

@Suite("Channel quality flags name the broken channel and only that one")
struct QualityTests {
    static let rate = 2000.0

    /// Five channels of 10 s: clean noise, flat, clipped noise, mains-only (disconnected), NaN gap.
    static func recording() throws -> Recording {
        var rng = SeededGenerator(seed: 7)
        let n = Int(rate * 10)
        let noise = (0..<n).map { _ in Float(50 * rng.nextGaussian()) }
        let flat = [Float](repeating: 12.5, count: n)
        let clipped = noise.map { min(max($0, -60), 60) }   // ±1.2 σ: about 23 % pinned
        let mains = (0..<n).map { i in Float(200 * sin(2 * Double.pi * 50 * Double(i) / rate) + 2 * rng.nextGaussian()) }
        var gap = noise
        for i in 4000..<4100 { gap[i] = .nan }
        let labels = ["OOc-L", "OOr-L", "ZYG-L", "FRO-L", "MEN-L"]
        let header = RecordingHeader(sampleRate: rate, frameCount: n, channels: labels.map { .labelled($0) })
        return try Recording(header: header, samples: [noise, flat, clipped, mains, gap])
    }

    @Test("each artefact raises exactly its flag")
    func flags() throws {
        let quality = QualityAccumulator.assess(try Self.recording())
        #expect(quality.map(\.flags) == [[], [.flat], [.clipped], [.mainsDominated, .disconnected], [.nanGap]])
        #expect(quality.map(\.isUsable) == [true, false, false, false, false])
    }

    @Test("a quiet muscle with a few µV of hum is mains-dominated but kept; the hum's RMS is measured (a/√2 of a sine)")
    func quietMuscleWithHumIsKept() throws {
        var rng = SeededGenerator(seed: 9)
        let n = Int(Self.rate * 10)
        // 2 µV of electrode noise (20-450 Hz would hold less; white here) and 3 µV peak of 50 Hz hum: 4.5 µV² of hum
        // against 4 µV² of noise, so just over half the power is at mains.
        let quiet = (0..<n).map { i in Float(3 * sin(2 * Double.pi * 50 * Double(i) / Self.rate) + 2 * rng.nextGaussian()) }
        let loud = (0..<n).map { i in Float(40 * sin(2 * Double.pi * 60 * Double(i) / Self.rate) + 2 * rng.nextGaussian()) }
        let header = RecordingHeader(sampleRate: Self.rate, frameCount: n, channels: [.labelled("MEN-R"), .labelled("MEN-L")])
        let quality = QualityAccumulator.assess(try Recording(header: header, samples: [quiet, loud]))
        #expect(quality[0].flags == [.mainsDominated] && quality[0].isUsable)
        #expect(quality[0].explanations[0].contains("kept"))
        // Hum RMS: 3/√2 = 2.121 µV plus the noise in the 15 measured bins (15/1000 of 4 µV²): √(4.5 + 0.06) = 2.135.
        #expect(abs(try #require(quality[0].mainsRMS) - 2.135) < 0.03)
        // 40 µV peak (28.3 µV RMS) of 60 Hz: beyond what a connected electrode picks up.
        #expect(quality[1].flags == [.mainsDominated, .disconnected] && !quality[1].isUsable)
        #expect(quality[1].mainsFrequency == 60)
        #expect(abs(try #require(quality[1].mainsRMS) - 40 / 2.0.squareRoot()) < 0.3)
    }

    @Test("statistics are those of the samples (hand calculation)")
    func statistics() throws {
        let recording = try Self.recording()
        let quality = QualityAccumulator.assess(recording)
        // The flat channel: mean 12.5, SD 0.
        #expect(quality[1].mean == 12.5)
        #expect(quality[1].rms == 0)
        // NaN gap: 100 samples starting at sample 4000 = 2.000 s.
        #expect(quality[4].nonFiniteSamples == 100)
        #expect(quality[4].firstNonFiniteSeconds == 2.0)
        // Mains channel: a 200 µV-amplitude sine carries 200²/2 = 20000 µV² against 4 µV² of noise:
        // fraction 20000 / 20004 ≈ 0.9998.
        #expect(abs(quality[3].mainsPowerFraction! - 20000.0 / 20004.0) < 0.002)
        #expect(abs(quality[3].mainsRMS! - 200 / 2.0.squareRoot()) < 0.2)
        #expect(quality[3].mainsFrequency == 50)
        // Clean noise: SD 50 µV within sampling error (n = 20000, relative SE ≈ 0.5 %).
        #expect(abs(quality[0].rms! - 50) < 1.5)
        // White noise spreads evenly over the 1000 one-hertz bins of a one-second window; the mains
        // measure takes 3 bins at each of 5 harmonics: 15/1000 = 0.015 expected.
        #expect(abs(quality[0].mainsPowerFraction! - 0.015) < 0.003)
        // Clipped channel: the samples pinned at ±60 are those whose noise exceeded ±60, counted independently.
        let pinned = recording.samples[2].filter { abs($0) == 60 }.count
        #expect(quality[2].clippedSamples == pinned)
    }

    @Test("streaming in odd-sized blocks gives the same verdict as one block")
    func streaming() throws {
        let recording = try Self.recording()
        var accumulator = QualityAccumulator(header: recording.header)
        var start = 0
        var size = 1
        while start < recording.frameCount {
            let end = min(recording.frameCount, start + size)
            accumulator.add(SignalBlock(firstFrame: start, channels: recording.samples.map { Array($0[start..<end]) }))
            start = end
            size = size * 7 % 3001 + 13
        }
        let streamed = accumulator.finish()
        let whole = QualityAccumulator.assess(recording)
        #expect(streamed.map(\.flags) == whole.map(\.flags))
        for (a, b) in zip(streamed, whole) {
            #expect(abs((a.rms ?? 0) - (b.rms ?? 0)) <= 1e-9 * max(1, b.rms ?? 0))
            #expect(abs((a.mainsPowerFraction ?? 0) - (b.mainsPowerFraction ?? 0)) < 1e-9)
        }
    }
}

@Suite("Saturation and extreme noise: physiological limits, hand-calculated")
struct SaturationAndNoiseQualityTests {
    static let rate = 2000.0
    static let n = 20_000 // 10 s

    static func assess(_ channels: [[Float]]) throws -> [ChannelQuality] {
        let labels = ["OOc-L", "OOr-L", "ZYG-L", "FRO-L", "MEN-L", "PLA-L"].prefix(channels.count)
        let header = RecordingHeader(sampleRate: rate, frameCount: n, channels: labels.map { .labelled($0) })
        return QualityAccumulator.assess(try Recording(header: header, samples: channels))
    }

    @Test("a 50 ms run of one value inside 50 µV noise is saturation (100 samples at 2 kHz), not clipping; clean noise has none")
    func saturation() throws {
        var rng = SeededGenerator(seed: 11)
        let noise = (0..<Self.n).map { _ in Float(50 * rng.nextGaussian()) }
        var held = noise
        for i in 10_000..<10_100 { held[i] = 80 } // 1.6 σ: inside the range of the noise, so not an extreme
        let q = try Self.assess([noise, held])
        #expect(q[0].flags == [])
        #expect(q[1].flags == [.saturated])
        #expect(q[1].saturatedSamples == 100)
        #expect(q[1].longestConstantRunSeconds == 0.05)
        // Criteria: ≥ 20 ms (40 samples) runs covering ≥ 0.1 % (20 samples): 100 qualifies; a 39-sample run would not.
        var short = noise
        for i in 10_000..<10_039 { short[i] = 80 }
        #expect(try Self.assess([short])[0].flags == [])
        // Streaming in blocks that split the run gives the same count.
        let header = RecordingHeader(sampleRate: Self.rate, frameCount: Self.n, channels: [.labelled("OOc-L")])
        var accumulator = QualityAccumulator(header: header)
        for start in stride(from: 0, to: Self.n, by: 777) {
            accumulator.add(SignalBlock(firstFrame: start, channels: [Array(held[start..<min(Self.n, start + 777)])]))
        }
        #expect(accumulator.finish()[0].saturatedSamples == 100)
    }

    @Test("sums, extremes and how often each extreme occurs equal a plain count, for any length and repeated extremes (Swift loop and AVX2 kernel)",
          arguments: VectorKernels.available ? [false, true] : [false])
    func blockStatisticsEqualPlainCount(vectorKernel: Bool) {
        var rng = SeededGenerator(seed: 5)
        for n in [1, 7, 8, 9, 64, 1001, 4099] {
            for repeats in [1, 3] {
                // Values on a coarse grid so that extremes repeat, placed in every lane position.
                var x = (0..<n).map { _ in Float((10 * rng.nextGaussian()).rounded()) }
                for r in 0..<repeats where n > r { x[(r * 37) % n] = 40; x[(r * 53 + 5) % n] = -40 }
                let stats = x.withUnsafeBufferPointer {
                    QualityAccumulator.Accumulator.blockStatistics($0, shift: 3, lower: -35, upper: 35, vectorKernel: vectorKernel)
                }
                let minimum = x.min()!, maximum = x.max()!
                #expect(stats.minimum == Double(minimum) && stats.maximum == Double(maximum), "n \(n)")
                #expect(stats.minimumCount == x.filter { $0 == minimum }.count, "n \(n)")
                #expect(stats.maximumCount == x.filter { $0 == maximum }.count, "n \(n)")
                #expect(stats.atRails == x.filter { $0 >= 35 || $0 <= -35 }.count)
                let sum = x.reduce(0.0) { $0 + Double($1) - 3 }
                #expect(abs(stats.sum - sum) <= 1e-9 * max(1, abs(sum)))
                let squares = x.reduce(0.0) { $0 + (Double($1) - 3) * (Double($1) - 3) }
                #expect(abs(stats.sumSquares - squares) <= 1e-9 * squares)
            }
        }
    }

    @Test("run counting equals a plain sample-by-sample count for runs of every length at every position, in blocks of any size",
          arguments: [1, 7, 8, 9, 777])
    func runsEqualPlainCount(block: Int) throws {
        var rng = SeededGenerator(seed: UInt64(block))
        var x = (0..<Self.n).map { _ in Float(50 * rng.nextGaussian()) }
        // Runs of 2…120 equal samples, some starting on and some off an eight-sample boundary, some adjacent.
        var start = 3
        var length = 2
        while start + length < Self.n {
            for i in start..<(start + length) { x[i] = Float(length) }
            start += length + (length % 3 == 0 ? 0 : 1 + length % 11)
            length = length % 120 + 1 + length % 5
        }
        // The plain count: maximal runs of one value, those of at least 40 samples (20 ms) adding up.
        var saturated = 0, longest = 0, i = 0
        while i < x.count {
            var j = i + 1
            while j < x.count && x[j] == x[i] { j += 1 }
            if j - i >= 40 { saturated += j - i }
            longest = max(longest, j - i)
            i = j
        }
        let header = RecordingHeader(sampleRate: Self.rate, frameCount: Self.n, channels: [.labelled("OOc-L")])
        var accumulator = QualityAccumulator(header: header)
        for first in stride(from: 0, to: Self.n, by: block) {
            accumulator.add(SignalBlock(firstFrame: first, channels: [Array(x[first..<min(Self.n, first + block)])]))
        }
        let q = accumulator.finish()[0]
        #expect(saturated > 1000 && longest >= 100)
        #expect(q.saturatedSamples == saturated)
        #expect(q.longestConstantRunSeconds == Double(longest) / Self.rate)
    }

    @Test("broadband noise beyond 2000 µV RMS is extreme noise; 1500 µV is not")
    func extremeRMS() throws {
        var rng = SeededGenerator(seed: 12)
        let loud = (0..<Self.n).map { _ in Float(2500 * rng.nextGaussian()) }
        let strong = (0..<Self.n).map { _ in Float(1500 * rng.nextGaussian()) }
        let q = try Self.assess([loud, strong])
        #expect(q[0].flags == [.extremeNoise])
        #expect(abs(q[0].rms! - 2500) < 2500 * 0.02) // n = 20000: relative SE of an SD ≈ 0.5 %
        #expect(q[1].flags == [])
    }

    @Test("a 3 Hz movement of 100 µV over 20 µV noise: 92.6 % of the power below 10 Hz, extreme noise")
    func motion() throws {
        var rng = SeededGenerator(seed: 13)
        let moving = (0..<Self.n).map { i in Float(100 * sin(2 * Double.pi * 3 * Double(i) / Self.rate) + 20 * rng.nextGaussian()) }
        let quiet = (0..<Self.n).map { _ in Float(20 * rng.nextGaussian()) }
        let q = try Self.assess([moving, quiet])
        // Sine power 100²/2 = 5000 µV² on bin 3; white noise 400 µV² spread over 1000 one-hertz bins, 9 of
        // them (1-9 Hz) below the band edge: (5000 + 3.6) / 5400 = 0.9266.
        #expect(abs(q[0].motionPowerFraction! - 5003.6 / 5400) < 0.005)
        #expect(q[0].flags == [.extremeNoise])
        #expect(abs(q[1].motionPowerFraction! - 0.009) < 0.003)
        #expect(q[1].flags == [])
    }

    @Test("envelopes written by synk filter --envelope are slow by construction: no movement flag for them")
    func envelopesAreNotMovement() throws {
        let slow = (0..<Self.n).map { i in Float(50 + 40 * sin(2 * Double.pi * 0.5 * Double(i) / Self.rate)) }
        var header = RecordingHeader(sampleRate: Self.rate, frameCount: Self.n, channels: [.labelled("ZYG-L")])
        #expect(QualityAccumulator.assess(try Recording(header: header, samples: [slow]))[0].flags == [.extremeNoise])
        header.metadata["synk_conditioning"] = #"{"bandPass":{"order":4},"envelope":{"movingRMS":{"window":0.1}},"zeroPhase":true}"#
        #expect(QualityAccumulator.holdsEnvelopes(header))
        let q = QualityAccumulator.assess(try Recording(header: header, samples: [slow]))[0]
        #expect(q.flags == [] && q.motionPowerFraction! > 0.99)
        header.metadata["synk_conditioning"] = #"{"bandPass":{"order":4},"zeroPhase":true}"#
        #expect(!QualityAccumulator.holdsEnvelopes(header))
    }

    @Test("trigger and auxiliary channels are not judged against sEMG limits")
    func onlyEMG() throws {
        var rng = SeededGenerator(seed: 14)
        let loud = (0..<Self.n).map { _ in Float(5000 * rng.nextGaussian()) }
        var held = loud
        for i in 0..<2000 { held[i] = 0 }
        let header = RecordingHeader(sampleRate: Self.rate, frameCount: Self.n, channels: [
            ChannelInfo(label: "envelope", kind: .auxiliary), ChannelInfo(label: "TRIG", kind: .trigger)])
        let q = QualityAccumulator.assess(try Recording(header: header, samples: [loud, held]))
        #expect(q.map(\.flags) == [[], []])
    }

    @Test("criteria travel with their documented JSON keys")
    func criteriaKeys() throws {
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(QualityCriteria())) as? [String: Any]
        #expect(json?["saturated_run_s"] as? Double == 0.02)
        #expect(json?["saturated_fraction"] as? Double == 0.001)
        #expect(json?["extreme_noise_rms_uv"] as? Double == 2000)
        #expect(json?["motion_band_hz"] as? Double == 10)
        #expect(json?["motion_fraction"] as? Double == 0.5)
    }
}
