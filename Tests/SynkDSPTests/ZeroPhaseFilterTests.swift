import Foundation
import SynkCore
import Testing
@testable import SynkDSP

@Suite("Zero-phase filtering equals scipy.signal.sosfiltfilt")
struct ZeroPhaseFilterTests {
    static let bandPass = FilterDesign.butterworth(Butterworth(order: 4, band: .bandPass(20...450)))

    /// Outside the first and last second, |ours − scipy| ≤ `tolerance` × RMS of scipy's output. The FFT path
    /// measures 1.5e-6 to 1.8e-5 (single-precision blocks); the lane biquads up to 2.1e-5 in single precision and 2.4e-8
    /// in double precision.
    static func expectMatchesScipy(_ ours: [Float], _ scipy: [Float], sampleRate: Double, edgeSeconds: Double = 1, tolerance: Double = 1e-5) {
        #expect(ours.count == scipy.count)
        let edge = Int(edgeSeconds * sampleRate)
        let interior = edge..<(scipy.count - edge)
        let scale = Fixtures.rms(scipy, interior)
        let worst = Fixtures.maxDifference(ours, scipy, interior)
        #expect(worst <= tolerance * scale, "max difference \(worst) vs tolerance \(tolerance * scale)")
    }

    @Test("Band-pass 20-450 Hz order 4 at 2 kHz")
    func bandPassAt2kHz() throws {
        let x = Fixtures.floats("noise_2k.f32")
        let filter = try ZeroPhaseFilter(design: Self.bandPass, sampleRate: 2000)
        Self.expectMatchesScipy(filter.filter(x), Fixtures.floats("bandpass_2k.f32"), sampleRate: 2000)
    }

    @Test("High-pass 20 Hz order 4 at 20 kHz removes a 500 µV offset")
    func highPassAt20kHz() throws {
        let x = Fixtures.floats("noise_20k.f32")
        let design = FilterDesign.butterworth(Butterworth(order: 4, band: .highPass(20)))
        let y = try ZeroPhaseFilter(design: design, sampleRate: 20_000).filter(x)
        // 20 Hz at 20 kHz in single-precision FFT blocks: measured 1.8e-5.
        Self.expectMatchesScipy(y, Fixtures.floats("highpass_20k.f32"), sampleRate: 20_000, tolerance: 1e-4)
    }

    @Test("Notch 50 Hz, Q 30 at 2 kHz (long ringing: compared outside the first and last 2 s)")
    func notch() throws {
        let x = Fixtures.floats("noise_2k.f32")
        let y = try ZeroPhaseFilter(design: .notch(Notch(frequency: 50, quality: 30)), sampleRate: 2000).filter(x)
        Self.expectMatchesScipy(y, Fixtures.floats("notch_2k.f32"), sampleRate: 2000, edgeSeconds: 2)
    }

    @Test("Streaming with random block sizes equals the one-shot output", arguments: [1, 2, 3])
    func streamingEqualsOneShot(seed: UInt64) throws {
        let x = Fixtures.floats("noise_2k.f32")
        let oneShot = try ZeroPhaseFilter(design: Self.bandPass, sampleRate: 2000).filter(x)
        let filter = try ZeroPhaseFilter(design: Self.bandPass, sampleRate: 2000)
        var generator = SplitMix(seed: seed)
        var streamed: [Float] = []
        var position = 0
        while position < x.count {
            let size = Int(generator.next() % 700)   // includes empty blocks and single samples
            let end = min(x.count, position + size)
            streamed += filter.process(Array(x[position..<end]))
            position = end
        }
        streamed += filter.finish()
        #expect(streamed.count == oneShot.count)
        let peak = oneShot.map { abs(Double($0)) }.max()!
        #expect(Fixtures.maxDifference(streamed, oneShot, 0..<oneShot.count) <= 1e-5 * peak)
        // The filter resets after finish and gives the same answer again.
        #expect(filter.filter(x) == oneShot)
    }

    @Test("Kernel spectrum equals |H(f)|² of the design within 1e-6 of the peak gain")
    func kernelIsSquaredMagnitude() throws {
        let kernel = try ZeroPhaseKernel(designs: [Self.bandPass], sampleRate: 2000)
        for f in stride(from: 0.0, through: 1000, by: 12.5) {
            let w = 2 * Double.pi * f / 2000
            var dtft = kernel.taps[0]
            for k in 1..<kernel.taps.count { dtft += 2 * kernel.taps[k] * cos(w * Double(k)) }
            let h = kernel.sections.response(atFrequency: f, sampleRate: 2000).magnitude
            #expect(abs(dtft - h * h) <= 1e-6, "at \(f) Hz")
        }
    }

    @Test("Short and constant signals: a low-pass keeps a constant, a band-pass removes it", arguments: [1, 2, 7, 300, 5000])
    func shortConstantSignals(length: Int) throws {
        let constant = [Float](repeating: 80, count: length)
        let low = try ZeroPhaseFilter(design: .butterworth(Butterworth(order: 4, band: .lowPass(6))), sampleRate: 2000)
        let kept = low.filter(constant)
        #expect(kept.count == length)
        #expect(kept.allSatisfy { abs($0 - 80) <= 1e-3 })
        let removed = try ZeroPhaseFilter(design: Self.bandPass, sampleRate: 2000).filter(constant)
        #expect(removed.count == length)
        #expect(removed.allSatisfy { abs($0) <= 1e-3 })
        #expect(try ZeroPhaseFilter(design: Self.bandPass, sampleRate: 2000).filter([]).isEmpty)
    }

    @Test("Many channels in parallel equal each channel filtered alone; streamed banks equal one-shot")
    func multichannel() throws {
        let x = Fixtures.floats("noise_2k.f32")
        let channels = (0..<5).map { c in x.map { $0 * Float(c + 1) } }
        let parallel = try MultichannelZeroPhaseFilter.filter(channels, designs: [Self.bandPass], sampleRate: 2000)
        let single = try ZeroPhaseFilter(design: Self.bandPass, sampleRate: 2000)
        for c in channels.indices { #expect(parallel[c] == single.filter(channels[c])) }
        let bank = try MultichannelZeroPhaseFilter(designs: [Self.bandPass], sampleRate: 2000, channelCount: 5)
        var streamed = [[Float]](repeating: [], count: 5)
        for start in stride(from: 0, to: x.count, by: 1234) {
            let block = channels.map { Array($0[start..<min(x.count, start + 1234)]) }
            for (c, out) in bank.process(block).enumerated() { streamed[c] += out }
        }
        for (c, out) in bank.finish().enumerated() { streamed[c] += out }
        #expect(streamed == parallel)
    }

    @Test("Invalid designs and unstable cascades are usage errors")
    func errors() {
        #expect(throws: SynkError.self) { try ZeroPhaseFilter(design: Self.bandPass, sampleRate: 500) }
        #expect(throws: SynkError.self) { try ZeroPhaseFilter(designs: [], sampleRate: 2000) }
    }
}

/// A tiny seeded generator (SplitMix64) so that block sizes are reproducible.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Input checks")
struct InputCheckTests {
    @Test("The first NaN or infinity is found; finite signals have none")
    func nonFinite() {
        #expect(Signal.firstNonFiniteIndex(in: [1, 2, 3]) == nil)
        #expect(Signal.firstNonFiniteIndex(in: []) == nil)
        #expect(Signal.firstNonFiniteIndex(in: [1, .nan, .infinity]) == 1)
        #expect(Signal.firstNonFiniteIndex(in: [1, 2, -.infinity]) == 2)
        #expect(Signal.firstNonFiniteIndex(in: [.greatestFiniteMagnitude, .greatestFiniteMagnitude]) == nil)
    }
}
