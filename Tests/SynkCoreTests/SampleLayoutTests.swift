import Testing
@testable import SynkCore

@Suite("Interleaving and finite scans")
struct SampleLayoutTests {
    /// Sample (frame i, channel c) = i·1000 + c: every value says where it belongs.
    static func interleaved(frames: Int, channels: Int) -> [Float] {
        (0..<(frames * channels)).map { k in Float((k / channels) * 1000 + k % channels) }
    }

    @Test("split puts every sample in its channel and place, for channel counts around the 8-lane transposes",
          arguments: [1, 3, 8, 9, 16, 17, 24])
    func split(channels: Int) {
        for frames in [1, 7, 8, 9, 300] {
            let source = Self.interleaved(frames: frames, channels: channels)
            let out = source.withUnsafeBufferPointer { Interleaving.split($0.baseAddress!, frames: frames, channelCount: channels) }
            #expect(out.count == channels)
            for c in 0..<channels {
                #expect(out[c] == (0..<frames).map { Float($0 * 1000 + c) }, "channel \(c) of \(channels), \(frames) frames")
            }
            // Scales other than 1 take the Swift path and multiply.
            let scaled = source.withUnsafeBufferPointer {
                Interleaving.split($0.baseAddress!, frames: frames, channelCount: channels, scales: (0..<channels).map { Float($0 + 2) })
            }
            for c in 0..<channels { #expect(scaled[c] == out[c].map { $0 * Float(c + 2) }) }
        }
    }

    @Test("splitCheckingFinite says whether every sample is finite, wherever a NaN or infinity sits (transposed tiles, frame tail, channel tail)",
          arguments: [Float.nan, .infinity, -.infinity])
    func splitCheckingFinite(bad: Float) {
        for (channels, frames) in [3, 8, 17].flatMap({ c in [7, 8, 300].map { (c, $0) } }) {
            let clean = Self.interleaved(frames: frames, channels: channels)
            let (out, allFinite) = clean.withUnsafeBufferPointer {
                Interleaving.splitCheckingFinite($0.baseAddress!, frames: frames, channelCount: channels)
            }
            #expect(allFinite, "\(channels) channels, \(frames) frames")
            #expect(out == clean.withUnsafeBufferPointer { Interleaving.split($0.baseAddress!, frames: frames, channelCount: channels) })
            // First, last, and a sample inside every region the kernel treats differently.
            for position in Set([0, clean.count - 1, (frames / 2) * channels + channels / 2, (frames - 1) * channels, channels - 1]) {
                var dirty = clean
                dirty[position] = bad
                let (split, finite) = dirty.withUnsafeBufferPointer {
                    Interleaving.splitCheckingFinite($0.baseAddress!, frames: frames, channelCount: channels)
                }
                #expect(!finite, "\(bad) at \(position) of \(channels) × \(frames)")
                #expect(split[position % channels][position / channels].isNaN == bad.isNaN)
            }
        }
    }

    @Test("merge is the inverse of split, and divides by the divisors")
    func merge() {
        let channels = (0..<11).map { c in (0..<513).map { Float($0 * 1000 + c) } }
        var target = [Float](repeating: 0, count: 11 * 513)
        target.withUnsafeMutableBufferPointer { Interleaving.merge(channels, frames: 513, into: $0.baseAddress!) }
        #expect(target == Self.interleaved(frames: 513, channels: 11))
        target.withUnsafeMutableBufferPointer { Interleaving.merge(channels, frames: 513, into: $0.baseAddress!, divisors: Array(repeating: 4, count: 11)) }
        #expect(target == Self.interleaved(frames: 513, channels: 11).map { $0 / 4 })
    }

    @Test("the first non-finite sample is found wherever it is; finite buffers give nil",
          arguments: [Float.nan, .infinity, -.infinity])
    func nonFinite(bad: Float) {
        for count in [0, 1, 15, 16, 17, 100] {
            let clean = (0..<count).map { Float($0) - 50 }
            #expect(SampleScan.firstNonFiniteIndex(in: clean) == nil)
            for position in [0, count / 2, count - 1] where count > 0 {
                var dirty = clean
                dirty[position] = bad
                if position + 1 < count { dirty[count - 1] = bad }
                #expect(SampleScan.firstNonFiniteIndex(in: dirty) == position)
            }
        }
    }
}
