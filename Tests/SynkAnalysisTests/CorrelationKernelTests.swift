import Foundation
import Testing
@testable import SynkAnalysis

/// The numpy/scipy reference made by `Fixtures/make_correlation_reference.py`.
struct CorrelationReference: Decodable {
    struct Peak: Decodable { var lag: Int; var r: Double }
    struct Sliding: Decodable { var window: Int; var step: Int; var r: [Double] }
    struct Bartlett: Decodable { var n_eff: Double; var k: Int }
    struct Fisher: Decodable { var r: Double; var n_eff: Double; var ci: [Double]; var p: Double }
    struct Zou: Decodable { var r1: Double; var n1: Double; var r2: Double; var n2: Double; var ci: [Double]; var p: Double }
    var driver: [Double]
    var follower: [Double]
    var other1: [Double]
    var other2: [Double]
    var segments: [[Int]]
    var max_lag: Int
    var r_whole: Double
    var r_segments: Double
    var peak_whole: Peak
    var peak_segments: Peak
    var curve_segments: [Double?]
    var matrix: [[Double]]
    var sliding: Sliding
    var bartlett_whole: Bartlett
    var bartlett_segments: Bartlett
    var fisher: Fisher
    var zou: Zou

    static func load() throws -> CorrelationReference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/correlation_reference.json")
        return try JSONDecoder().decode(CorrelationReference.self, from: Data(contentsOf: url))
    }

    var driverF: [Float] { driver.map(Float.init) }
    var followerF: [Float] { follower.map(Float.init) }
    var segmentRanges: [Range<Int>] { segments.map { $0[0]..<$0[1] } }
}

@Suite("Correlation kernels agree with numpy")
struct CorrelationKernelTests {
    let reference: CorrelationReference
    init() throws { reference = try CorrelationReference.load() }

    @Test("Pearson r of whole envelopes and of pooled segments matches scipy.stats.pearsonr within 1e-4")
    func pearsonMatchesNumpy() throws {
        let r = try #require(EnvelopeCorrelation.pearson(reference.driverF, reference.followerF))
        #expect(abs(r - reference.r_whole) < 1e-4)
        let pooled = try #require(EnvelopeCorrelation.pearson(reference.driverF, reference.followerF, segments: reference.segmentRanges))
        #expect(abs(pooled - reference.r_segments) < 1e-4)
    }

    @Test("Peak per-lag Pearson cross-correlation and its lag match numpy (whole and segmented)")
    func peakCrossCorrelationMatchesNumpy() throws {
        let whole = try #require(EnvelopeCorrelation.peakCrossCorrelation(
            driver: reference.driverF, follower: reference.followerF, maxLag: reference.max_lag))
        #expect(whole.lag == reference.peak_whole.lag)
        #expect(abs(whole.coefficient - reference.peak_whole.r) < 1e-4)
        #expect(whole.pairCount == reference.driver.count - abs(whole.lag))
        let segmented = try #require(EnvelopeCorrelation.peakCrossCorrelation(
            driver: reference.driverF, follower: reference.followerF, segments: reference.segmentRanges, maxLag: reference.max_lag))
        #expect(segmented.lag == reference.peak_segments.lag)
        #expect(abs(segmented.coefficient - reference.peak_segments.r) < 1e-4)
    }

    @Test("Every lag of the segmented cross-correlation curve matches numpy within 1e-4")
    func crossCorrelationCurveMatchesNumpy() throws {
        let curve = EnvelopeCorrelation.crossCorrelation(
            driver: reference.driverF, follower: reference.followerF, segments: reference.segmentRanges, maxLag: reference.max_lag)
        #expect(curve.count == reference.curve_segments.count)
        for (mine, theirs) in zip(curve, reference.curve_segments) {
            let a = try #require(mine), b = try #require(theirs)
            #expect(abs(a - b) < 1e-4)
        }
    }

    @Test("All-pairs matrix of four channels matches numpy.corrcoef within 1e-4")
    func matrixMatchesNumpy() throws {
        let channels = [reference.driver, reference.follower, reference.other1, reference.other2].map { $0.map(Float.init) }
        let matrix = EnvelopeCorrelation.matrix(channels)
        for i in 0..<4 {
            for j in 0..<4 {
                let value = try #require(matrix[i, j])
                #expect(abs(value - reference.matrix[i][j]) < 1e-4)
            }
        }
    }

    @Test("Sliding-window correlation matches numpy window by window")
    func slidingMatchesNumpy() throws {
        let sliding = EnvelopeCorrelation.slidingCorrelation(
            reference.driverF, reference.followerF, window: reference.sliding.window, step: reference.sliding.step)
        #expect(sliding.count == reference.sliding.r.count)
        for (mine, theirs) in zip(sliding, reference.sliding.r) {
            #expect(abs(try #require(mine) - theirs) < 1e-4)
        }
    }

    @Test("A constant envelope gives nil, never NaN, in every kernel")
    func constantEnvelopeIsUndefined() {
        let flat = [Float](repeating: 3, count: 50)
        let ramp = (0..<50).map { Float($0) }
        #expect(EnvelopeCorrelation.pearson(flat, ramp) == nil)
        #expect(EnvelopeCorrelation.peakCrossCorrelation(driver: flat, follower: ramp, maxLag: 5) == nil)
        let matrix = EnvelopeCorrelation.matrix([flat, ramp])
        #expect(matrix[0, 1] == nil)
        #expect(matrix[1, 1] == 1)
        #expect(EnvelopeCorrelation.pearson([1], [2]) == nil)
    }

    @Test("A pure shift is found at its lag with coefficient 1 (hand case)")
    func pureShift() throws {
        var rng = TestRandom(seed: 7)
        let x = rng.ar1(count: 300, phi: 0.5).map(Float.init)
        // follower[i] = driver[i - 6]: follower trails by 6 samples.
        let y = (0..<300).map { $0 >= 6 ? x[$0 - 6] : 0 }
        let peak = try #require(EnvelopeCorrelation.peakCrossCorrelation(driver: x, follower: y, maxLag: 10))
        #expect(peak.lag == 6)
        #expect(abs(peak.coefficient - 1) < 1e-9)
    }
}

@Suite("Lagged dot products: all lags of a chunk at once are the per-lag dot products, bit for bit")
struct CorrelationLaggedDotTests {
    @Test("laggedDots equals dot(x, y + k) for every lag k, for chunk lengths around the 8-sample blocks and 1-83 lags")
    func laggedDotsEqualPerLagDots() {
        var rng = TestRandom(seed: 11)
        let x = rng.ar1(count: 1_100, phi: 0.9)
        let y = rng.ar1(count: 1_300, phi: 0.7)
        var sums = [Double](repeating: .nan, count: 83)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                for count in [1, 7, 8, 9, 15, 16, 17, 1_024, 1_099] {
                    for lags in [1, 3, 4, 5, 8, 81, 83] {
                        sums.withUnsafeMutableBufferPointer {
                            SIMDReductions.laggedDots(xp.baseAddress!, yp.baseAddress!, count, lags: lags, into: $0.baseAddress!)
                        }
                        for k in 0..<lags {
                            let single = SIMDReductions.dot(xp.baseAddress!, yp.baseAddress! + k, count)
                            #expect(sums[k].bitPattern == single.bitPattern, "\(count) samples, lag \(k) of \(lags)")
                        }
                    }
                }
            }
        }
    }
}
