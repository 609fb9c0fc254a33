import Foundation
import Testing
@testable import SynkDSP

@Suite("GapBridge: missing samples bridged by straight lines while the recording streams")
struct GapBridgeTests {
    static var reference: [String: Any] { Fixtures.json("gap_bridge.json") }
    static var input: [Float] { (reference["input"] as! [Any]).map { ($0 as? Double).map(Float.init) ?? .nan } }
    static var expected: [Double] { reference["bridged"] as! [Double] }
    static var runs: [SampleGap] { (reference["runs"] as! [[Int]]).map { SampleGap(channel: 0, startFrame: $0[0], frameCount: $0[1]) } }

    /// Streams `samples` through a bridge in blocks of `block` frames, each with the next block as look-ahead.
    static func stream(_ samples: [Float], block: Int) -> (output: [Float], gaps: [SampleGap]) {
        var bridge = GapBridge(channelCount: 1)
        var output: [Float] = []
        var start = 0
        while start < samples.count {
            let end = min(samples.count, start + block)
            let next = end < samples.count ? Array(samples[end..<min(samples.count, end + block)]) : nil
            output += bridge.bridge(Array(samples[start..<end]), channel: 0, firstFrame: start, next: next)
            start = end
        }
        return (output, bridge.finish(frameCount: samples.count))
    }

    @Test("equals numpy.interp over the finite samples (leading, single, adjacent and trailing runs), in blocks of 6, 7, 64 and whole; every run listed once",
          arguments: [6, 7, 64, 200])
    func matchesNumpyInterp(block: Int) {
        let (output, gaps) = Self.stream(Self.input, block: block)
        #expect(output.count == Self.expected.count)
        let worst = zip(output, Self.expected).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst < 1e-3, "largest difference \(worst) µV (float32 of a 300 µV signal)")
        #expect(gaps == Self.runs)
    }

    @Test("a block without gaps comes back as it is; a block known finite is not scanned")
    func finiteBlocksPassThrough() {
        var bridge = GapBridge(channelCount: 2)
        let block: [Float] = [1, 2, 3, 4]
        #expect(bridge.bridge(block, channel: 1, firstFrame: 0, next: nil) == block)
        #expect(bridge.bridge(block, channel: 0, firstFrame: 0, next: nil, knownFinite: true) == block)
        #expect(bridge.finish(frameCount: 4).isEmpty)
    }

    @Test("a run longer than the look-ahead holds the last value, then runs straight to the first value after it: continuous, one run")
    func longRunStaysContinuous() {
        var samples = [Float](repeating: 10, count: 40)
        for i in 5..<33 { samples[i] = .nan }
        samples[33] = 24
        for i in 34..<40 { samples[i] = 24 }
        let (output, gaps) = Self.stream(samples, block: 8)
        #expect(gaps == [SampleGap(channel: 0, startFrame: 5, frameCount: 28)])
        #expect(output.allSatisfy { $0.isFinite })
        // Held at 10 until the end is within sight (the block before it), then a line to 24 with no step.
        #expect(output[5...23].allSatisfy { $0 == 10 })
        let steps = zip(output.dropFirst(), output).map { abs($0 - $1) }
        // The line starts at frame 23 (the last held one, when frame 33 came within the look-ahead): 1.4 per frame.
        #expect(abs(steps.max()! - 1.4) < 1e-4)
        #expect(output[33] == 24)
    }

    @Test("a channel missing entirely is filled with zeros and listed as one run")
    func allMissing() {
        let (output, gaps) = Self.stream([Float](repeating: .nan, count: 20), block: 6)
        #expect(output == [Float](repeating: 0, count: 20))
        #expect(gaps == [SampleGap(channel: 0, startFrame: 0, frameCount: 20)])
    }

    @Test("the guard of the default conditioning: 50 ms RMS half-window + 50 ms (one period of 20 Hz) + 20 ms anti-alias = 120 ms")
    func defaultGuard() {
        #expect(abs(ConditioningDescription.default.gapGuardSeconds - 0.12) < 1e-12)
        var notched = ConditioningDescription.default
        notched.notch = Notch(frequency: 50, quality: 30)
        #expect(abs(notched.gapGuardSeconds - (0.12 + 30 / (Double.pi * 50))) < 1e-12)
    }
}
