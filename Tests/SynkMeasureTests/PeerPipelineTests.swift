import Foundation
import Testing
import Synk

/// synk's conditioning and correlation kernel against the independent scipy pipeline it is benchmarked against
/// (`Benchmarks/peer/scipy_pipeline.py`), on SampleData's session 1: band-pass, linear 6 Hz envelope, 100 Hz, the
/// whole-recording correlation matrix, 10 s window matrices and peak cross-correlations. The reference numbers
/// were made by `Fixtures/peer_pipeline.py`. Measured: matrix 1.3e-7, interior windows 1.8e-6, peaks 1.3e-7 (limits
/// 1e-5).
@Suite("synk against the scipy peer pipeline on a short recording")
struct PeerPipelineTests {
    struct Reference: Decodable {
        struct Pair: Decodable { var a: Int; var b: Int; var peak: Double }
        var trimSamples: Int
        var interior: [[Double]]
        var windows: [[[Double]]]
        var xcorr: [Pair]
        enum CodingKeys: String, CodingKey { case trimSamples = "trim_samples", interior, windows, xcorr }
    }

    static func envelopes() throws -> (envelopes: [[Float]], rate: Double) {
        let recording = try RecordingReader.read(MeasurementEntryPointTests.session1)
        let conditioning = ConditioningDescription(envelope: .linear(cutoff: 6), decimation: Decimation(targetRate: 100))
        let conditioner = try MultichannelConditioner(conditioning, sampleRate: recording.sampleRate, channelCount: recording.channels.count)
        var envelopes = conditioner.process(recording.samples)
        for (c, tail) in try conditioner.finish().enumerated() { envelopes[c] += tail }
        return (envelopes, try conditioning.outputRate(sampleRate: recording.sampleRate))
    }

    @Test("correlations agree with scipy's: whole matrix, interior 10 s windows, peak cross-correlations")
    func agree() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/peer_session1", withExtension: "json"))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        let (envelopes, rate) = try Self.envelopes()
        #expect(rate == 100)
        let c = envelopes.count
        #expect(c == reference.interior.count)

        // The ends of a zero-phase filtered signal differ between the two (sosfiltfilt pads 3·(2·sections+1)
        // samples from steady state, synk reflects over the whole kernel): the reference leaves out the first and
        // last 2 s, and so does this side.
        let trim = reference.trimSamples
        let interiorEnvelopes = envelopes.map { Array($0[trim..<($0.count - trim)]) }
        let whole = EnvelopeCorrelation.matrix(interiorEnvelopes)
        var wholeDifference = 0.0
        for i in 0..<c { for j in 0..<c { wholeDifference = max(wholeDifference, abs((whole[i, j] ?? .nan) - reference.interior[i][j])) } }
        #expect(wholeDifference < 1e-5, "correlation matrix differs by \(wholeDifference)")

        let window = 1000
        #expect(reference.windows.count == envelopes[0].count / window)
        var interior = 0.0
        for w in 1..<(reference.windows.count - 1) {
            let m = EnvelopeCorrelation.matrix(envelopes.map { Array($0[(w * window)..<((w + 1) * window)]) })
            for i in 0..<c { for j in 0..<c { interior = max(interior, abs((m[i, j] ?? .nan) - reference.windows[w][i][j])) } }
        }
        #expect(interior < 1e-5, "interior window matrices differ by \(interior)")

        var peaks = 0.0
        for pair in reference.xcorr {
            let peak = try #require(EnvelopeCorrelation.peakCrossCorrelation(driver: interiorEnvelopes[pair.a], follower: interiorEnvelopes[pair.b], maxLag: 20))
            peaks = max(peaks, abs(peak.coefficient - pair.peak))
        }
        #expect(reference.xcorr.count == 42)
        #expect(peaks < 1e-5, "peak cross-correlations differ by \(peaks)")
        print("peer pipeline, session 1: matrix \(wholeDifference), interior windows \(interior), peaks \(peaks)")
    }
}
