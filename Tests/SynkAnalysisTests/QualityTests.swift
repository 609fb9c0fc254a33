import Foundation
import Testing
import SynkCore
import SynkAnalysis
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
        #expect(quality.map(\.flags) == [[], [.flat], [.clipped], [.mainsDominated], [.nanGap]])
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
