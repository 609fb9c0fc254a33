import Foundation
import SynkCore
import Testing
@testable import SynkDSP

@Suite("Envelopes equal their numpy/scipy definitions")
struct EnvelopeTests {
    static let emg = Fixtures.floats("emg_2k.f32")

    /// Outside the first and last second, |ours − reference| ≤ `tolerance` × RMS of the reference (measured: up to
    /// 1.0e-6 for the envelopes, 7.3e-5 for the decimation's anti-alias filter in single precision).
    static func expectMatches(_ ours: [Float], _ reference: [Float], edge: Int = 2000, tolerance relative: Double = 1e-5) {
        #expect(ours.count == reference.count)
        guard ours.count == reference.count else { return }
        let interior = edge..<(reference.count - edge)
        let worst = Fixtures.maxDifference(ours, reference, interior)
        let tolerance = relative * Fixtures.rms(reference, interior)
        #expect(worst <= tolerance, "max difference \(worst) vs tolerance \(tolerance)")
    }

    /// Streams `signal` in blocks of pseudo-random sizes.
    static func streamed(_ signal: [Float], seed: UInt64, _ process: ([Float]) -> [Float], _ finish: () throws -> [Float]) rethrows -> [Float] {
        var generator = SplitMix(seed: seed)
        var out: [Float] = []
        var position = 0
        while position < signal.count {
            let end = min(signal.count, position + Int(generator.next() % 500))
            out += process(Array(signal[position..<end]))
            position = end
        }
        return out + (try finish())
    }

    @Test("Moving RMS, 100 ms centred = sqrt(np.convolve(x², ones(201)/201, 'same')), streamed in random blocks")
    func movingRMS() throws {
        let envelope = try EnvelopeFilter(method: .movingRMS(window: 0.1), sampleRate: 2000)
        let reference = Fixtures.floats("rms_100ms.f32")
        Self.expectMatches(try envelope.envelope(Self.emg), reference)
        let streamed = try Self.streamed(Self.emg, seed: 7, envelope.process, envelope.finish)
        Self.expectMatches(streamed, reference)
    }

    @Test("Moving RMS by hand: window 3 samples over [3, 4, 0, 0], edges average what exists")
    func movingRMSByHand() throws {
        // 1.5 ms at 1 kHz → half-width round(0.75) = 1 → 3-sample window.
        let y = try EnvelopeFilter(method: .movingRMS(window: 0.0015), sampleRate: 1000).envelope([3, 4, 0, 0])
        let expected: [Float] = [(25 / 2 as Float).squareRoot(), (25 / 3 as Float).squareRoot(), (16 / 3 as Float).squareRoot(), 0]
        #expect(zip(y, expected).allSatisfy { abs($0 - $1) <= 1e-6 })
    }

    @Test("Linear envelope 6 Hz = sosfiltfilt(butter(4, 6), |x|), streamed in random blocks")
    func linearEnvelope() throws {
        let envelope = try EnvelopeFilter(method: .linear(cutoff: 6), sampleRate: 2000)
        let reference = Fixtures.floats("linear_6hz.f32")
        Self.expectMatches(try envelope.envelope(Self.emg), reference)
        Self.expectMatches(try Self.streamed(Self.emg, seed: 11, envelope.process, envelope.finish), reference)
    }

    @Test("Hilbert envelope = np.abs(scipy.signal.hilbert(x)) (even and odd lengths)")
    func hilbert() throws {
        let envelope = try EnvelopeFilter(method: .hilbert, sampleRate: 2000)
        let reference = Fixtures.floats("hilbert.f32")
        Self.expectMatches(try envelope.envelope(Self.emg), reference, edge: 0)
        // A pure cosine of integer cycles has the constant envelope 1 (odd length 999, 37 cycles).
        let cosine = (0..<999).map { Float(cos(2 * Double.pi * 37 * Double($0) / 999)) }
        #expect(try EnvelopeFilter.hilbertMagnitude(cosine).allSatisfy { abs($0 - 1) <= 1e-4 })
    }

    @Test("TKEO = x[n]² − x[n−1]x[n+1], streamed; ends repeat their neighbours")
    func tkeo() throws {
        let envelope = try EnvelopeFilter(method: .tkeo, sampleRate: 2000)
        let reference = Fixtures.floats("tkeo.f32")
        let y = try envelope.envelope(Self.emg)
        Self.expectMatches(y, reference, edge: 1)
        #expect(y.first == y[1] && y.last == y[y.count - 2])
        Self.expectMatches(try Self.streamed(Self.emg, seed: 3, envelope.process, envelope.finish), reference, edge: 1)
        // A sinusoid A·sin(ωn) has TKEO A²·sin²(ω) exactly.
        let s = (0..<100).map { Float(3 * sin(0.2 * Double($0))) }
        #expect(try envelope.envelope(s).allSatisfy { abs(Double($0) - 9 * sin(0.2) * sin(0.2)) <= 1e-4 })
    }

    @Test("Invalid envelope parameters are usage errors")
    func invalid() {
        #expect(throws: SynkError.self) { try EnvelopeFilter(method: .movingRMS(window: 0), sampleRate: 2000) }
        #expect(throws: SynkError.self) { try EnvelopeFilter(method: .linear(cutoff: 1500), sampleRate: 2000) }
    }
}

@Suite("Anti-aliased decimation")
struct DecimationTests {
    @Test("2 kHz → 100 Hz equals sosfiltfilt(butter(8, 25), x)[::20] and carries its rate")
    func matchesScipy() throws {
        let x = Fixtures.floats("rms_100ms.f32")
        let decimator = try Decimator(Decimation(targetRate: 100), sampleRate: 2000)
        #expect(decimator.factor == 20)
        let y = decimator.decimate(x)
        #expect(y.sampleRate == 100)
        EnvelopeTests.expectMatches(y.samples, Fixtures.floats("decimate_100.f32"), edge: 100)
        // Streamed in random blocks: the same samples.
        let streamed = EnvelopeTests.streamed(x, seed: 5, decimator.process, decimator.finish)
        #expect(streamed == y.samples)
    }

    @Test("Tones above the new Nyquist frequency (50 Hz) lose more than 60 dB; a 5 Hz tone passes",
          arguments: [51.0, 60.0, 300.0, 990.0])
    func aliasRejection(frequency: Double) throws {
        let n = 8000
        let tone = (0..<n).map { Float(sin(2 * Double.pi * frequency * Double($0) / 2000)) }
        let slow = (0..<n).map { Float(sin(2 * Double.pi * 5 * Double($0) / 2000)) }
        let decimator = try Decimator(Decimation(targetRate: 100), sampleRate: 2000)
        let interior = 100..<300   // away from the reflected edges
        let y = decimator.decimate(tone).samples
        let attenuationDB = 20 * log10(Fixtures.rms(y, interior) / (0.5.squareRoot()))
        #expect(attenuationDB < -60, "\(frequency) Hz: \(attenuationDB) dB")
        let kept = decimator.decimate(slow).samples
        #expect(abs(Fixtures.rms(kept, interior) / 0.5.squareRoot() - 1) < 0.01)
    }

    @Test("Factor 1 passes the signal through; impossible targets are usage errors")
    func edgeCases() throws {
        let x: [Float] = [1, 2, 3, 4, 5]
        #expect(try Decimator(Decimation(targetRate: 2000), sampleRate: 2000).decimate(x) == Signal(samples: x, sampleRate: 2000))
        #expect(throws: SynkError.self) { try Decimator(Decimation(targetRate: 0), sampleRate: 2000) }
        #expect(throws: SynkError.self) { try Decimator(Decimation(targetRate: 100, cutoffFraction: 1.5), sampleRate: 2000) }
    }
}

@Suite("Conditioning chain")
struct ConditioningTests {
    @Test("Defaults are domain.md's: band-pass 20-450 order 4, no notch, RMS 100 ms, ~200 Hz envelopes; JSON round-trip")
    func defaults() throws {
        let d = ConditioningDescription.default
        #expect(d.bandPass == Butterworth(order: 4, band: .bandPass(20...450)))
        #expect(d.notch == nil && d.comb == nil)
        #expect(d.envelope == .movingRMS(window: 0.1))
        #expect(try d.outputRate(sampleRate: 2000) == 200)
        let data = try JSONEncoder().encode(d)
        #expect(try JSONDecoder().decode(ConditioningDescription.self, from: data) == d)
        #expect(String(decoding: data, as: UTF8.self).contains("\"zeroPhase\":true"))
    }

    @Test("The chain equals its stages applied one after the other, for every channel in parallel")
    func chainEqualsStages() throws {
        let x = Fixtures.floats("noise_2k.f32")
        let conditioning = ConditioningDescription(notch: Notch(frequency: 50), decimation: Decimation(targetRate: 100))
        let signals = try ChannelConditioner.condition([x, x.map { -$0 }], conditioning, sampleRate: 2000)
        let filtered = try ZeroPhaseFilter(designs: conditioning.filterDesigns, sampleRate: 2000).filter(x)
        let envelope = try EnvelopeFilter(method: .movingRMS(window: 0.1), sampleRate: 2000).envelope(filtered)
        let expected = try Decimator(Decimation(targetRate: 100), sampleRate: 2000).decimate(envelope)
        #expect(signals[0] == expected)
        #expect(signals[1].samples.count == x.count / 20 && signals[1].sampleRate == 100)
        let difference = Fixtures.maxDifference(signals[1].samples, expected.samples, 0..<expected.samples.count)
        #expect(difference <= 1e-4 * Double(expected.samples.max()!))
        // The multichannel bank (recursive lane filters) streamed in blocks of 777 frames gives the same samples
        // to within 1e-4 of the envelope's peak.
        let bank = try MultichannelConditioner(conditioning, sampleRate: 2000, channelCount: 2)
        var streamed: [[Float]] = [[], []]
        for start in stride(from: 0, to: x.count, by: 777) {
            let end = min(x.count, start + 777)
            for (c, out) in bank.process([Array(x[start..<end]), x[start..<end].map { -$0 }]).enumerated() { streamed[c] += out }
        }
        for (c, out) in try bank.finish().enumerated() { streamed[c] += out }
        for c in 0..<2 {
            #expect(streamed[c].count == signals[c].samples.count)
            #expect(Fixtures.maxDifference(streamed[c], signals[c].samples, 0..<streamed[c].count) <= 1e-4 * Double(signals[c].samples.max()!))
        }
        #expect(bank.outputRate == 100)
        #expect(throws: SynkError.self) { try ConditioningDescription(bandPass: Butterworth(order: 4, band: .bandPass(20...450))).validate(sampleRate: 800) }
    }
}
