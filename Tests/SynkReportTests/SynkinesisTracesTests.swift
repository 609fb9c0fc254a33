import Foundation
import Testing
import SynkCore
import SynkAnalysis
@testable import SynkReport

@Suite("Envelope figures read only what they plot")
struct SynkinesisTracesTests {
    /// A deterministic envelope with bursts, plateaus (ties for the bucket extremes) and a long quiet stretch.
    static func envelope(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { i in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Float(state >> 40) / Float(1 << 24)
            let burst: Float = (i / 700) % 5 == 2 ? 40 : 0
            return i % 997 < 30 ? 12 : burst + 3 * noise
        }
    }

    @Test("plotPoints equals LinePlot.thin of the whole series, from arrays and from spilled storage read in small windows",
          arguments: [10, 600, 601, 5_000, 123_457])
    func plotPointsEqualThinning(count: Int) throws {
        let samples = Self.envelope(count, seed: UInt64(count))
        let fs = 200.0
        for range in [0..<count, (count / 7)..<(count - count / 5), 3..<4] where range.upperBound <= count && !range.isEmpty {
            let x = range.map { Double($0) / fs }, y = range.map { Double(samples[$0]) }
            let expected = LinePlot.thin(x: x, y: y)
            let fromArray = try #require(SynkinesisTraces(sampleRate: fs, envelopes: ["OOc-left": samples])
                .plotPoints(.OOc, .left, samples: range))
            #expect(fromArray.x == expected.0 && fromArray.y == expected.1, "arrays, \(count) samples, \(range)")

            let spill = try EnvelopeSpill(channelCount: 2, readWindow: 1_000, readChunk: 250)
            try spill.append([Array(samples.prefix(count / 2)), []])
            try spill.append([Array(samples.dropFirst(count / 2)), samples])
            let storage = try spill.finish()
            #expect(storage.isSpilled)
            let traces = SynkinesisTraces(sampleRate: fs, storage: storage, channels: [(.OOc, .left, 0), (.ZYG, .right, 1)])
            #expect(traces.sampleCount(.OOc, .left) == count)
            for (muscle, side) in [(Muscle.OOc, Side.left), (.ZYG, .right)] {
                let fromStorage = try #require(traces.plotPoints(muscle, side, samples: range))
                #expect(fromStorage.x == expected.0 && fromStorage.y == expected.1, "storage, \(count) samples, \(range)")
            }
            #expect(traces.plotPoints(.DAO, .left, samples: range) == nil)
        }
    }
}
