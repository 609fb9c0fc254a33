import Foundation
import Testing
@testable import SynkAnalysis

@Suite("Statistics: effective sample size and correlation inference")
struct StatisticsTests {
    let reference: CorrelationReference
    init() throws { reference = try CorrelationReference.load() }

    @Test("Bartlett n_eff and its truncation lag match the numpy implementation of the documented rule")
    func bartlettMatchesNumpy() throws {
        let whole = try #require(Statistics.bartlettEffectiveSampleSize(
            driver: reference.driverF, follower: reference.followerF, segments: [0..<reference.driver.count]))
        #expect(whole.truncationLag == reference.bartlett_whole.k)
        #expect(abs(whole.effective - reference.bartlett_whole.n_eff) < 1e-6 * reference.bartlett_whole.n_eff)
        let pooled = try #require(Statistics.bartlettEffectiveSampleSize(
            driver: reference.driverF, follower: reference.followerF, segments: reference.segmentRanges))
        #expect(pooled.truncationLag == reference.bartlett_segments.k)
        #expect(pooled.sampleCount == reference.segmentRanges.reduce(0) { $0 + $1.count })
        #expect(abs(pooled.effective - reference.bartlett_segments.n_eff) < 1e-6 * reference.bartlett_segments.n_eff)
    }

    @Test("n_eff of two AR(1) series approaches n(1−φ₁φ₂)/(1+φ₁φ₂) (Bartlett's closed form), within 15 %")
    func bartlettClosedForm() throws {
        var rng = TestRandom(seed: 99)
        let n = 20_000
        let x = rng.ar1(count: n, phi: 0.8).map(Float.init)
        let y = rng.ar1(count: n, phi: 0.8).map(Float.init)
        let estimate = try #require(Statistics.bartlettEffectiveSampleSize(driver: x, follower: y, segments: [0..<n]))
        let truth = Double(n) * (1 - 0.64) / (1 + 0.64)
        #expect(abs(estimate.effective - truth) / truth < 0.15)
    }

    @Test("Fisher CI and p of one correlation match scipy within 1e-6")
    func fisherMatchesScipy() throws {
        let inference = try #require(Statistics.correlationInference(r: reference.fisher.r, effectiveN: reference.fisher.n_eff))
        #expect(abs(inference.interval.lower - reference.fisher.ci[0]) < 1e-6)
        #expect(abs(inference.interval.upper - reference.fisher.ci[1]) < 1e-6)
        #expect(abs(inference.p - reference.fisher.p) < 1e-6 * max(1e-300, reference.fisher.p) + 1e-15)
    }

    @Test("Zou (2007) interval and z-test p for the difference of independent correlations match numpy")
    func zouMatchesNumpy() throws {
        let z = reference.zou
        let difference = try #require(Statistics.differenceOfIndependentCorrelations(
            r1: z.r1, effectiveN1: z.n1, r2: z.r2, effectiveN2: z.n2))
        #expect(abs(difference.difference - (z.r1 - z.r2)) < 1e-12)
        #expect(abs(difference.interval.lower - z.ci[0]) < 1e-6)
        #expect(abs(difference.interval.upper - z.ci[1]) < 1e-6)
        #expect(abs(difference.p - z.p) < 1e-6)
    }

    @Test("No interval when n_eff ≤ 3 (no finite standard error)")
    func tooFewEffectiveSamples() {
        #expect(Statistics.correlationInference(r: 0.5, effectiveN: 3) == nil)
        #expect(Statistics.differenceOfIndependentCorrelations(r1: 0.5, effectiveN1: 2.5, r2: 0.1, effectiveN2: 50) == nil)
    }

    @Test("Normal quantile inverts the CDF (1.959963984540054 at 0.975, textbook value)")
    func normalQuantile() {
        #expect(abs(Statistics.normalQuantile(0.975) - 1.959963984540054) < 1e-9)
        #expect(abs(Statistics.normalCDF(Statistics.normalQuantile(0.01)) - 0.01) < 1e-12)
    }
}
