import CSynkKernels
import Foundation
import SynkCore
import Testing
@testable import SynkDSP

/// The recursive eight-channel path of ``MultichannelConditioner`` against scipy and against the FFT path.
@Suite("Recursive lane filtering equals sosfiltfilt and the FFT zero-phase filter")
struct LaneFilterTests {
    /// The AVX2+FMA kernels exist on this processor (whatever SYNK_KERNELS chooses for production runs).
    static let kernelHardware = synk_kernels_have_avx2_fma() != 0
    /// Conditions `channels` through ``MultichannelConditioner`` in blocks of `block` frames.
    static func conditioned(_ channels: [[Float]], _ conditioning: ConditioningDescription, rate: Double, block: Int) throws -> [[Float]] {
        let bank = try MultichannelConditioner(conditioning, sampleRate: rate, channelCount: channels.count)
        var out = [[Float]](repeating: [], count: channels.count)
        for start in stride(from: 0, to: channels[0].count, by: block) {
            let end = min(channels[0].count, start + block)
            for (c, part) in bank.process(channels.map { Array($0[start..<end]) }).enumerated() { out[c] += part }
        }
        for (c, part) in try bank.finish().enumerated() { out[c] += part }
        return out
    }

    @Test("Band-pass 20-450 Hz at 2 kHz (single precision) matches sosfiltfilt within 1e-4 RMS")
    func bandPass() throws {
        let x = Fixtures.floats("noise_2k.f32")
        let conditioning = ConditioningDescription(envelope: nil, decimation: nil)
        let out = try Self.conditioned([x, x.map { -$0 }], conditioning, rate: 2000, block: 4096)
        ZeroPhaseFilterTests.expectMatchesScipy(out[0], Fixtures.floats("bandpass_2k.f32"), sampleRate: 2000, tolerance: 1e-4)
        // The second lane carries the negated signal: exactly the negated output (lanes do not mix).
        #expect(out[1] == out[0].map { -$0 })
    }

    @Test("The AVX2+FMA kernel equals the Swift loops within 1e-5 of the signal's peak, forward and reversed, for 1-5 sections",
          .enabled(if: kernelHardware, "the processor has no AVX2+FMA: the Swift loops are the only path"),
          arguments: [1, 2, 3, 4, 5])
    func vectorKernelEqualsSwiftLoops(sectionCount: Int) throws {
        let sections = try Butterworth(order: 10, band: .bandPass(20...450)).sections(sampleRate: 2000).sections
        let chosen = Array(sections.prefix(sectionCount))
        let x = Fixtures.floats("noise_2k.f32")
        // Eight different lanes: the signal scaled and shifted in time per lane.
        let frames = (0..<x.count).map { i in ChannelLanes((0..<8).map { lane in x[(i + 97 * lane) % x.count] * Float(lane + 1) }) }
        let peak = frames.map { $0.max() }.max()! * 1
        for reversed in [false, true] {
            var kernelOut = [ChannelLanes](repeating: .zero, count: frames.count), swiftOut = kernelOut
            var kernelState = [ChannelLanes](repeating: .zero, count: 2 * chosen.count), swiftState = kernelState
            // In two calls, so that the state carried between blocks is checked too.
            let split = frames.count / 3
            for range in [0..<split, split..<frames.count] {
                frames.withUnsafeBufferPointer { input in
                    kernelOut.withUnsafeMutableBufferPointer { out in
                        LaneBiquads.run(chosen, state: &kernelState, input.baseAddress! + range.lowerBound,
                                        out.baseAddress! + range.lowerBound, count: range.count, reversed: reversed, vectorKernel: true)
                    }
                    swiftOut.withUnsafeMutableBufferPointer { out in
                        LaneBiquads.run(chosen, state: &swiftState, input.baseAddress! + range.lowerBound,
                                        out.baseAddress! + range.lowerBound, count: range.count, reversed: reversed, vectorKernel: false)
                    }
                }
            }
            var worst: Float = 0
            for i in frames.indices { worst = max(worst, (kernelOut[i] - swiftOut[i]).max(), (swiftOut[i] - kernelOut[i]).max()) }
            #expect(worst <= 1e-5 * peak, "reversed \(reversed): largest difference \(worst), peak \(peak)")
        }
    }

    @Test("The AVX-512 sweeps (four sections in two registers, skewed in time) equal the AVX2 sweeps bit for bit: 1-10 sections, forward and reversed, in place, any length, state carried across calls",
          .enabled(if: VectorKernels.wideSweepsAvailable, "the processor has no AVX-512: the AVX2 sweeps are the only kernel"),
          arguments: [1, 3, 4, 5, 8, 10])
    func wideSweepsEqualAVX2Sweeps(sectionCount: Int) throws {
        let sections = try Butterworth(order: 10, band: .bandPass(20...450)).sections(sampleRate: 2000).sections
            + (try Butterworth(order: 10, band: .lowPass(50)).sections(sampleRate: 2000).sections)
        let chosen = Array(sections.prefix(sectionCount))
        let x = Fixtures.floats("noise_2k.f32")
        for length in [1, 2, 5, 6, 7, 13, 4097] {
            let frames = (0..<length).map { i in ChannelLanes((0..<8).map { lane in x[(i + 97 * lane) % x.count] * Float(lane + 1) }) }
            for reversed in [false, true] {
                var results: [[ChannelLanes]] = []
                var states: [[ChannelLanes]] = []
                for wide in [false, true] {
                    // In place, in two calls of uneven length.
                    var buffer = frames
                    var state = (0..<(2 * chosen.count)).map { ChannelLanes(repeating: Float($0) * 1e-3) }
                    let split = length / 3
                    for range in [0..<split, split..<length] where !range.isEmpty {
                        buffer.withUnsafeMutableBufferPointer { b in
                            LaneBiquads.run(chosen, state: &state, b.baseAddress! + range.lowerBound, b.baseAddress! + range.lowerBound,
                                            count: range.count, reversed: reversed, vectorKernel: true, wideSweeps: wide)
                        }
                    }
                    results.append(buffer)
                    states.append(state)
                }
                #expect(results[0] == results[1], "\(chosen.count) sections, \(length) frames, reversed \(reversed)")
                #expect(states[0] == states[1], "\(chosen.count) sections, \(length) frames, reversed \(reversed): state")
            }
        }
    }

    @Test("The AVX2 moving RMS equals the Swift loop within 1e-6 relative, for any half-width and block split",
          .enabled(if: kernelHardware, "the processor has no AVX2+FMA: the Swift loop is the only path"),
          arguments: [0, 1, 100, 999])
    func vectorMovingRMSEqualsSwiftLoop(halfWidth: Int) throws {
        let x = Fixtures.floats("noise_2k.f32")
        let frames = (0..<x.count).map { i in ChannelLanes((0..<8).map { lane in x[(i + 31 * lane) % x.count] * Float(lane + 1) }) }
        func rms(vectorKernel: Bool, blocks: [Int]) -> [ChannelLanes] {
            let filter = LaneMovingRMS(halfWidth: halfWidth)
            let out = LaneFrames<ChannelLanes>()
            var start = 0
            frames.withUnsafeBufferPointer { input in
                for length in blocks + [frames.count] {
                    let count = min(length, frames.count - start)
                    guard count > 0 else { continue }
                    filter.process(input.baseAddress! + start, count: count, into: out, vectorKernel: vectorKernel)
                    start += count
                }
            }
            filter.finish(into: out)
            return out.array
        }
        let reference = rms(vectorKernel: false, blocks: [frames.count])
        #expect(reference.count == frames.count)
        for blocks in [[frames.count], [1, 2, 3, halfWidth, 5000], [halfWidth + 1, 777]] {
            let fast = rms(vectorKernel: true, blocks: blocks)
            #expect(fast.count == reference.count)
            var worst: Float = 0
            for i in reference.indices {
                let scale = max(reference[i].max(), 1e-20)
                worst = max(worst, ((fast[i] - reference[i]) / scale).max(), ((reference[i] - fast[i]) / scale).max())
            }
            #expect(worst <= 1e-6, "blocks \(blocks): largest relative difference \(worst)")
        }
    }

    @Test("High-pass 20 Hz at 20 kHz (poles close to 1: double precision) matches sosfiltfilt within 1e-6 RMS")
    func highPassAt20kHz() throws {
        let x = Fixtures.floats("noise_20k.f32")
        let design = Butterworth(order: 4, band: .highPass(20))
        let kernel = try ZeroPhaseKernel(designs: [.butterworth(design)], sampleRate: 20_000)
        #expect(kernel.sections.smallestPoleDistanceFromOne < singlePrecisionPoleDistance)
        #expect(makeLaneFilter(kernel, singlePrecisionAllowed: true) is SpecialisedLaneFilter<Double>)
        let out = try Self.conditioned([x], ConditioningDescription(bandPass: design, envelope: nil, decimation: nil), rate: 20_000, block: 3000)
        ZeroPhaseFilterTests.expectMatchesScipy(out[0], Fixtures.floats("highpass_20k.f32"), sampleRate: 20_000, tolerance: 1e-6)
    }

    @Test("Linear 6 Hz envelope and 2 kHz → 100 Hz decimation match their scipy references")
    func envelopeAndDecimation() throws {
        let emg = EnvelopeTests.emg
        let linear = try Self.conditioned([emg], ConditioningDescription(bandPass: nil, envelope: .linear(cutoff: 6), decimation: nil),
                                          rate: 2000, block: 1000)
        EnvelopeTests.expectMatches(linear[0], Fixtures.floats("linear_6hz.f32"))
        let rms = try Self.conditioned([emg], ConditioningDescription(bandPass: nil, envelope: .movingRMS(window: 0.1), decimation: nil),
                                       rate: 2000, block: 1000)
        EnvelopeTests.expectMatches(rms[0], Fixtures.floats("rms_100ms.f32"))
        // Decimation alone runs on an envelope: feed the RMS fixture through a 1-sample RMS (|x|, x ≥ 0).
        let x = Fixtures.floats("rms_100ms.f32")
        let decimated = try Self.conditioned([x], ConditioningDescription(bandPass: nil, envelope: .movingRMS(window: 0.0001),
                                                                         decimation: Decimation(targetRate: 100)), rate: 2000, block: 777)
        EnvelopeTests.expectMatches(decimated[0], Fixtures.floats("decimate_100.f32"), edge: 100, tolerance: 3e-4)
    }

    @Test("Channels reach the lanes unchanged on both paths (AVX2 transposes and Swift), for 1-8 lanes",
          arguments: [1, 5, 8])
    func channelsToLanes(lanes: Int) throws {
        // With no filter, envelope or decimation the conditioner passes samples through: what comes out is what
        // went into the lanes.
        let channels = (0..<lanes).map { c in (0..<20_011).map { Float($0 % 997) + Float(c) / 8 } }
        let out = try Self.conditioned(channels, ConditioningDescription(bandPass: nil, envelope: nil, decimation: nil),
                                       rate: 1000, block: 10_007)
        #expect(out == channels)
    }

    @Test("The default chain equals the FFT path within 1e-4 of the envelope's peak, for 11 channels in blocks of any size",
          arguments: [1, 777, 65_536])
    func equalsFFTPath(block: Int) throws {
        let x = Fixtures.floats("noise_2k.f32")
        let channels = (0..<11).map { c in x.enumerated().map { i, v in v * Float(1 + c) + (i % 97 == 0 ? Float(c) : 0) } }
        let conditioning = ConditioningDescription.default
        let lanes = try Self.conditioned(channels, conditioning, rate: 2000, block: block)
        let fft = try ChannelConditioner.condition(channels, conditioning, sampleRate: 2000)
        for c in channels.indices {
            #expect(lanes[c].count == fft[c].samples.count)
            let peak = Double(fft[c].samples.max()!)
            #expect(Fixtures.maxDifference(lanes[c], fft[c].samples, 0..<lanes[c].count) <= 1e-4 * peak)
        }
        // Block size never changes a sample.
        #expect(lanes == (try Self.conditioned(channels, conditioning, rate: 2000, block: 4096)))
    }

    @Test("Signals shorter than the look-ahead are reflected as the FFT path reflects them", arguments: [1, 2, 7, 300])
    func shortSignals(length: Int) throws {
        let x = (0..<length).map { Float(sin(Double($0) * 0.7)) * 50 + 3 }
        let conditioning = ConditioningDescription(envelope: nil, decimation: nil)
        let lanes = try Self.conditioned([x], conditioning, rate: 2000, block: 5)
        let fft = try ChannelConditioner.condition([x], conditioning, sampleRate: 2000)
        #expect(lanes[0].count == length)
        #expect(Fixtures.maxDifference(lanes[0], fft[0].samples, 0..<length) <= 1e-4 * 50)
    }
}

@Suite("Lagged sums Σ x[i]·x[i+k]")
struct LaggedSumsTests {
    static func direct(_ x: [Double], _ k: Int) -> Double {
        x.withUnsafeBufferPointer { p in
            var sum = 0.0
            for i in 0..<(p.count - k) { sum += p[i] * p[i + k] }
            return sum
        }
    }

    @Test("FFT chunks equal the direct sums within 1e-12 of Σx², for short and long series")
    func chunkedEqualsDirect() {
        var generator = SystemRandomNumberGenerator()
        for n in [10, 1000, 70_000] {
            var smooth = 0.0
            let x = (0..<n).map { _ -> Double in smooth = 0.99 * smooth + Double.random(in: -1...1, using: &generator); return smooth }
            let energy = Self.direct(x, 0)
            let lags = min(n - 1, 300)
            let chunked = x.withUnsafeBufferPointer { LaggedSums.chunked($0, lags: 0..<(lags + 1)) }
            for k in [0, 1, 2, lags / 2, lags] { #expect(abs(chunked[k] - Self.direct(x, k)) <= 1e-12 * energy) }
            // A window of lags not starting at 0.
            let window = x.withUnsafeBufferPointer { LaggedSums.chunked($0, lags: 5..<9) }
            for m in 0..<4 { #expect(abs(window[m] - Self.direct(x, 5 + m)) <= 1e-12 * energy) }
        }
    }

    @Test("One FFT per chunk (spectra summed over chunks) equals the direct sums within 1e-12 of Σx², for every chunk size",
          arguments: [64, 4096, 32_768])
    func belowChunkEqualsDirect(chunk: Int) {
        var generator = SystemRandomNumberGenerator()
        for n in [10, 1000, 70_000, 100_003] {
            var smooth = 0.0
            let x = (0..<n).map { _ -> Double in smooth = 0.99 * smooth + Double.random(in: -1...1, using: &generator); return smooth }
            let energy = Self.direct(x, 0)
            let sums = x.withUnsafeBufferPointer { LaggedSums.belowChunk($0, chunk: chunk) }
            #expect(sums.count == min(chunk, n))
            for k in Set([0, 1, 2, sums.count / 2, sums.count - 1]) {
                #expect(abs(sums[k] - Self.direct(x, k)) <= 1e-12 * energy, "n \(n), chunk \(chunk), lag \(k)")
            }
        }
    }

    @Test("Long series: the first non-positive lag from one spectral pass (the direct sums' first, near 1000 for a cosine of period 4000), and beyond the chunk by the windowed passes")
    func longSeriesStops() {
        let x = (0..<40_000).map { cos(2 * Double.pi * (Double($0) + 0.25) / 4000) }
        let sums = x.withUnsafeBufferPointer { LaggedSums.untilFirstNonPositive($0, maxLag: 10_000) }
        // The reference: the first lag whose direct sum is ≤ 0 (the finite series' edges move it a few lags from 1000).
        let first = (1...1100).first { Self.direct(x, $0) <= 0 }!
        #expect((990...1010).contains(first))
        #expect(sums.count - 1 == first)
        #expect(sums.dropLast().allSatisfy { $0 > 0 } && sums.last! <= 0)
        // A cosine of period 400 000 stays positive past the 4 096 lags of the first pass and the 32 768 of the second:
        // the sums run to maxLag.
        let slow = (0..<100_000).map { cos(2 * Double.pi * Double($0) / 400_000) }
        let long = slow.withUnsafeBufferPointer { LaggedSums.untilFirstNonPositive($0, maxLag: 40_000) }
        #expect(long.count == 40_001)
        for k in [0, 4_095, 4_096, 32_767, 32_768, 40_000] {
            let direct = Self.direct(slow, k)
            #expect(abs(long[k] - direct) <= 1e-12 * Self.direct(slow, 0), "lag \(k)")
        }
    }

    @Test("Stops at the first non-positive lag: a cosine of period 40 samples stops at lag 10")
    func stopsAtFirstNonPositive() {
        // Σ cos(2πi/40)·cos(2π(i+k)/40) ∝ cos(2πk/40): positive for k < 10, 0 (±rounding) at 10, negative after.
        let x = (0..<4000).map { cos(2 * Double.pi * (Double($0) + 0.25) / 40) }
        let sums = x.withUnsafeBufferPointer { LaggedSums.untilFirstNonPositive($0, maxLag: 1000) }
        #expect((10...11).contains(sums.count - 1))
        #expect(sums.dropLast().allSatisfy { $0 > 0 } && sums.last! <= 0)
    }
}
