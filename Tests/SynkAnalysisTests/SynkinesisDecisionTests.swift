import Foundation
import SynkCore
import Testing
@testable import SynkAnalysis

/// The decision of one pair from hand-made inputs, and the analysis's stages one by one.
@Suite("Synkinesis decision: the follower's own activity against the pattern's rule")
struct SynkinesisDecisionTests {
    static let stated = SideComparison(possible: true, affectedSlot: .left, healthySlot: .right, basis: .stated, reason: nil)

    static func pair(_ driver: Muscle, _ follower: Muscle) -> SynkinesisPair {
        SynkinesisPair(task: "task", driver: driver, follower: follower, pattern: SynkinesisPattern(driver: driver, follower: follower),
                       affected: nil, healthy: nil, amplitudeCutoff: nil, flag: false, correlationFlag: false,
                       decision: .undetermined, decisionReason: "", notes: [])
    }

    static func side(_ powers: [Double], rest: Double, crosstalk: Double?, _ muscle: Muscle = .OOr) -> DecisionSide {
        DecisionSide(repetitionPowers: powers, restPower: rest, crosstalk: crosstalk, muscle: muscle)
    }

    /// The ratio of one repetition, written out from the documented formula.
    static func expectedRatio(_ a: Double, _ xa: Double, _ ra: Double, _ h: Double, _ xh: Double, _ rh: Double, paresis: Double = 1) -> Double {
        let floor = max(ra, rh)
        return ((floor + max(0, a * (1 - xa) - ra) / paresis) / (floor + max(0, h * (1 - xh) - rh))).squareRoot()
    }

    static func decide(_ pair: inout SynkinesisPair, _ a: DecisionSide?, _ h: DecisionSide?, comparison: SideComparison = stated,
                       paresis: ParesisEstimate? = nil, crosstalk: Bool = true) {
        SynkinesisAnalysis.decide(&pair, inputs: DecisionInputs(affected: a, healthy: h, comparison: comparison, paresis: paresis,
                                                                crosstalkEstimated: crosstalk), parameters: SynkinesisParameters())
    }

    @Test("a follower far more active on the affected side, consistently: synkinesis under Bernardes' ocular→oral rule")
    func synkinesis() throws {
        var p = Self.pair(.OOc, .OOr)
        let a = [400.0, 420, 380], h = [20.0, 22, 18]
        Self.decide(&p, Self.side(a, rest: 9, crosstalk: 0.1), Self.side(h, rest: 9, crosstalk: 0.05))
        let ratios = zip(a, h).map { Self.expectedRatio($0, 0.1, 9, $1, 0.05, 9) }
        let mean = exp(ratios.map { log($0) }.reduce(0, +) / 3)
        #expect(p.decision == .synkinesis && p.flag)
        #expect(abs(try #require(p.followerOwnRatio) - mean) < 1e-12)
        #expect(try #require(p.followerOwnRatioCi95)[0] > 1.62)
        #expect(p.decisionRule?.id == "bernardes2018_ocular_oral")
        #expect(p.decisionRule?.source.contains("Int Arch Otorhinolaryngol 22(4):348-357") == true)
        #expect(p.amplitudeCutoff == 1.62)
        #expect(p.flagReason == p.decisionReason && p.decisionReason.contains("> 1.62"))
        #expect(p.repetitions == 3)
    }

    @Test("an excess that is the neighbours' signal: crosstalk, not synkinesis")
    func crosstalk() throws {
        var p = Self.pair(.OOc, .MEN)
        Self.decide(&p, Self.side([100, 105, 95], rest: 9, crosstalk: 0.9, .MEN), Self.side([10, 10.5, 9.5], rest: 9, crosstalk: 0.1, .MEN))
        #expect(p.decision == .crosstalk && !p.flag && p.flagReason == nil)
        #expect(try #require(p.followerTotalRatioCi95)[0] > 1.62)
        #expect(try #require(p.followerOwnRatio) < 1.62)
        #expect(p.decisionReason.contains("only with crosstalk"))
    }

    @Test("an excess that holds only while the crosstalk estimate is taken as complete: undetermined with the reason; one that survives twice the estimate: synkinesis")
    func crosstalkTheEstimateMayMiss() throws {
        // Affected: 100 µV² in the task, 45 % crosstalk → 55 own; healthy 20 with 5 %. Own-activity ratio per repetition
        // √((9 + 55 − 9) / (9 + 19 − 9)) = √(55 / 19) = 1.70 > 1.62. With up to twice the estimate removed (the estimate
        // captures as little as half, crosstalk_capture 0.5) the affected side keeps 10 %: √((9 + 10 − 9) / 19) = 0.73.
        var p = Self.pair(.OOc, .OOr)
        Self.decide(&p, Self.side([100, 100, 100], rest: 9, crosstalk: 0.45), Self.side([20, 20, 20], rest: 9, crosstalk: 0.05))
        #expect(abs(try #require(p.followerOwnRatio) - (55.0 / 19).squareRoot()) < 1e-9)
        #expect(abs(try #require(p.followerOwnRatioConservative) - (10.0 / 19).squareRoot()) < 1e-9)
        #expect(p.decision == .undetermined && !p.flag && p.flagReason == nil)
        #expect(p.decisionReason.contains("45 % of its power on the affected side is its neighbours' signal"))
        #expect(p.decisionReason.contains("with up to 90 % removed the ratio is 0.73"))
        #expect(p.decisionReason.contains("Farina et al. 2004"))
        // 1000 µV² with 30 % crosstalk: own 700, conservative 1000 · (1 − 0.6) = 400: √(400 / 19) = 4.59 > 1.62.
        var q = Self.pair(.OOc, .OOr)
        Self.decide(&q, Self.side([1000, 1000, 1000], rest: 9, crosstalk: 0.3), Self.side([20, 20, 20], rest: 9, crosstalk: 0.05))
        #expect(abs(try #require(q.followerOwnRatioConservative) - (400.0 / 19).squareRoot()) < 1e-9)
        #expect(q.decision == .synkinesis && q.flag)
        // Half or more crosstalk leaves nothing that is surely the follower's own, however large the excess.
        var r = Self.pair(.OOc, .OOr)
        Self.decide(&r, Self.side([1000, 1000, 1000], rest: 9, crosstalk: 0.5), Self.side([20, 20, 20], rest: 9, crosstalk: 0.05))
        #expect(r.decision == .undetermined)
        #expect(abs(try #require(r.followerOwnRatioConservative) - (9.0 / 19).squareRoot()) < 1e-9)
        // A healthy control judged the other way round: the larger side's crosstalk counts.
        let control = SideComparison(possible: true, affectedSlot: .left, healthySlot: .right, basis: .healthyControl, reason: nil)
        var c = Self.pair(.OOc, .OOr)
        Self.decide(&c, Self.side([20, 20, 20], rest: 9, crosstalk: 0.05), Self.side([1000, 1000, 1000], rest: 9, crosstalk: 0.7), comparison: control)
        #expect(c.decision == .undetermined && c.decisionReason.contains("70 % of its power on the larger side"))
    }

    @Test("the same excess without a crosstalk estimate is judged on the whole signal, and says so")
    func withoutCrosstalkEstimate() {
        var p = Self.pair(.OOc, .MEN)
        Self.decide(&p, Self.side([100, 105, 95], rest: 9, crosstalk: nil, .MEN), Self.side([10, 10.5, 9.5], rest: 9, crosstalk: nil, .MEN),
                    crosstalk: false)
        #expect(p.decision == .synkinesis)
        #expect(p.decisionReason.contains("crosstalk not estimated"))
    }

    @Test("a ratio above the cut-off whose repetitions disagree (interval reaching 1): undetermined, not flagged")
    func undetermined() throws {
        var p = Self.pair(.ZYG, .OOc)
        // Per repetition √((9 + 191)/10) = 4.47, √(12/10) = 1.10, √(90/10) = 3.00: geometric mean 2.45, interval [0.41, 14.6].
        Self.decide(&p, Self.side([200, 12, 90], rest: 9, crosstalk: 0, .OOc), Self.side([10, 10, 10], rest: 9, crosstalk: 0, .OOc))
        #expect(p.decision == .undetermined && !p.flag)
        #expect(abs(try #require(p.followerOwnRatio) - 2.45) < 0.01)
        #expect(try #require(p.followerOwnRatioCi95)[0] < 1)
        #expect(p.decisionRule?.id == "bernardes2018_oral_ocular")
        #expect(p.decisionReason.contains("the repetitions disagree"))
    }

    @Test("the published cut-off applies to the ratio itself; a consistent but small excess (interval above 1, ratio below the cut-off) is not synkinesis")
    func cutOffOnTheRatio() throws {
        // Two repetitions: ratios 1.9 and 2.1 against 1.79 → synkinesis although t(1) makes the interval [1.0x, 3.x].
        var two = Self.pair(.ZYG, .OOc)
        let h = [10.0, 10.0]
        let a = [1.9, 2.1].map { r in 10 * r * r }   // (9 + (a − 9)) / (9 + (10 − 9)) = r²
        Self.decide(&two, Self.side(a, rest: 9, crosstalk: 0, .OOc), Self.side(h, rest: 9, crosstalk: 0, .OOc))
        #expect(two.decision == .synkinesis)
        #expect(try #require(two.followerOwnRatioCi95)[0] > 1 && (try #require(two.followerOwnRatioCi95)[0]) < 1.79)
        // Ratios 1.5 and 1.6: consistent, but within the healthy limit.
        var small = Self.pair(.ZYG, .OOc)
        Self.decide(&small, Self.side([1.5, 1.6].map { r in 10 * r * r }, rest: 9, crosstalk: 0, .OOc), Self.side(h, rest: 9, crosstalk: 0, .OOc))
        #expect(small.decision == .notSynkinetic)
    }

    @Test("no excess: not synkinetic; a pattern without a published cut-off uses the healthy asymmetry limit 1.79")
    func notSynkinetic() {
        var p = Self.pair(.OOc, .PLA)
        Self.decide(&p, Self.side([12, 13, 11], rest: 9, crosstalk: 0, .PLA), Self.side([11, 12, 12], rest: 8, crosstalk: 0, .PLA))
        #expect(p.decision == .notSynkinetic && !p.flag)
        #expect(p.pattern == .other && p.amplitudeCutoff == 1.79)
        #expect(p.decisionRule?.id == "healthy_asymmetry_limit")
        #expect(p.decisionRule?.source.contains("Evid Based Complement Alternat Med") == true)
    }

    @Test("a weak affected side: its excess is divided by the paresis factor before the comparison")
    func paresis() throws {
        let a = [40.0, 42, 38], h = [20.0, 22, 18]
        var plain = Self.pair(.OOc, .OOr), corrected = Self.pair(.OOc, .OOr)
        Self.decide(&plain, Self.side(a, rest: 9, crosstalk: 0), Self.side(h, rest: 9, crosstalk: 0))
        let estimate = ParesisEstimate(muscles: ["OOc": 0.25], factor: 0.25, applied: true, note: nil)
        Self.decide(&corrected, Self.side(a, rest: 9, crosstalk: 0), Self.side(h, rest: 9, crosstalk: 0), paresis: estimate)
        let expected = exp(zip(a, h).map { log(Self.expectedRatio($0, 0, 9, $1, 0, 9, paresis: 0.25)) }.reduce(0, +) / 3)
        #expect(abs(try #require(corrected.followerOwnRatio) - expected) < 1e-12)
        let correctedRatio = try #require(corrected.followerOwnRatio), plainRatio = try #require(plain.followerOwnRatio)
        #expect(correctedRatio > plainRatio)
        #expect(corrected.decisionReason.contains("paresis"))
        // Not applied (a control, or switched off): no correction.
        var notApplied = Self.pair(.OOc, .OOr)
        Self.decide(&notApplied, Self.side(a, rest: 9, crosstalk: 0), Self.side(h, rest: 9, crosstalk: 0),
                    paresis: ParesisEstimate(muscles: [:], factor: 0.25, applied: false, note: nil))
        #expect(notApplied.followerOwnRatio == plain.followerOwnRatio)
    }

    @Test("a follower that drives a task of its own is corrected with its own paresis factor; one that drives none with the side's; never for strength")
    func paresisPerMuscle() throws {
        let a = [40.0, 42, 38], h = [20.0, 22, 18]
        // The side's median is 0.25 (OOc), but OOr's own voluntary power is 0.8 of healthy: its branch recovered better.
        let estimate = ParesisEstimate(muscles: ["OOc": 0.25, "OOr": 0.8, "ZYG": 1.3], factor: 0.25, applied: true, note: nil)
        func expected(_ q: Double) -> Double { exp(zip(a, h).map { log(Self.expectedRatio($0, 0, 9, $1, 0, 9, paresis: q)) }.reduce(0, +) / 3) }
        var own = Self.pair(.OOc, .OOr)
        Self.decide(&own, Self.side(a, rest: 9, crosstalk: 0), Self.side(h, rest: 9, crosstalk: 0), paresis: estimate)
        #expect(abs(try #require(own.followerOwnRatio) - expected(0.8)) < 1e-12)
        #expect(own.paresisFactor == 0.8 && own.decisionReason.contains("OOr's own voluntary power 0.80 of healthy"))
        var side = Self.pair(.OOc, .MEN)
        Self.decide(&side, Self.side(a, rest: 9, crosstalk: 0, .MEN), Self.side(h, rest: 9, crosstalk: 0, .MEN), paresis: estimate)
        #expect(abs(try #require(side.followerOwnRatio) - expected(0.25)) < 1e-12)
        #expect(side.paresisFactor == 0.25 && side.decisionReason.contains("the side's voluntary power 0.25"))
        // A follower stronger on the affected side (1.3) is not corrected at all.
        var strong = Self.pair(.OOc, .ZYG)
        Self.decide(&strong, Self.side(a, rest: 9, crosstalk: 0, .ZYG), Self.side(h, rest: 9, crosstalk: 0, .ZYG), paresis: estimate)
        #expect(abs(try #require(strong.followerOwnRatio) - expected(1)) < 1e-12)
        #expect(strong.paresisFactor == nil && !strong.decisionReason.contains("paresis"))
    }

    @Test("one repetition: the ratio itself against the cut-off, without an interval")
    func oneRepetition() {
        var p = Self.pair(.OOc, .OOr)
        Self.decide(&p, Self.side([400], rest: 9, crosstalk: 0), Self.side([20], rest: 9, crosstalk: 0))
        #expect(p.decision == .synkinesis && p.followerOwnRatioCi95 == nil)
        #expect(p.decisionReason.contains("one repetition"))
    }

    @Test("no stated affected side: the larger side is judged against the smaller, and the sentence says so")
    func unknownSide() throws {
        let unknown = SideComparison(possible: true, affectedSlot: .left, healthySlot: .right, basis: .unknown, reason: nil)
        var p = Self.pair(.OOc, .OOr)
        // The right side ("healthy" slot) is the active one.
        Self.decide(&p, Self.side([20, 22, 18], rest: 9, crosstalk: 0), Self.side([400, 420, 380], rest: 9, crosstalk: 0),
                    comparison: unknown, paresis: ParesisEstimate(muscles: [:], factor: 0.25, applied: true, note: nil))
        #expect(p.decision == .synkinesis)
        #expect(try #require(p.followerOwnRatio) > 1)
        #expect(p.decisionReason.hasPrefix("affected side not stated"))
        // A control: symmetric activity is not flagged.
        let control = SideComparison(possible: true, affectedSlot: .left, healthySlot: .right, basis: .healthyControl, reason: nil)
        var symmetric = Self.pair(.OOc, .OOr)
        Self.decide(&symmetric, Self.side([60, 64, 58], rest: 9, crosstalk: 0), Self.side([62, 60, 61], rest: 8, crosstalk: 0), comparison: control)
        #expect(symmetric.decision == .notSynkinetic)
    }

    @Test("without both sides there is no comparison: undetermined with the reason")
    func noComparison() {
        var p = Self.pair(.OOc, .OOr)
        p.notes = ["no side comparison: OOc or OOr not recorded on the right side"]
        Self.decide(&p, Self.side([400], rest: 9, crosstalk: 0), nil)
        #expect(p.decision == .undetermined && !p.flag)
        #expect(p.decisionReason == "no side comparison: OOc or OOr not recorded on the right side")
    }
}

@Suite("Synkinesis analysis stages")
struct SynkinesisStageTests {
    /// Two channels (left, right) of a constant envelope with bursts, at 100 Hz.
    static func envelopes(_ values: [[Float]]) -> EnvelopeSet {
        EnvelopeSet(sampleRate: 100, envelopes: values, kind: .movingRMS(windowSeconds: 0.1))
    }

    @Test("rest power: the median window power away from tasks, not the quietest window and not the tasks")
    func restPower() throws {
        // Rest alternates 2 and 4 µV in 0.5 s blocks (powers 4 and 16) around a 50 µV task at 10-12 s.
        var e = [Float](repeating: 0, count: 3_000)
        for i in e.indices { e[i] = (i / 50) % 2 == 0 ? 2 : 4 }
        for i in 1_000..<1_200 { e[i] = 50 }
        // Windows 0.5 s away from the task (9.5-12.5 s excluded): 27 of 4 µV² and 27 of 16 µV², so the median is their
        // mean, 10; the quietest window would say 4, the mean over everything including the task far more.
        let task = TaskSegment(task: "eye_closure", driver: .OOc, repetitions: [1_000..<1_200])
        var parameters = SynkinesisParameters()
        parameters.restWindowSeconds = 0.5
        let powers = SynkinesisAnalysis.restPowers(Self.envelopes([e]), segments: [task], parameters: parameters)
        #expect(powers[0] == 10)
        // A constant rest of 3 µV: exactly 9 µV².
        var flat = [Float](repeating: 3, count: 3_000)
        for i in 1_000..<1_200 { flat[i] = 50 }
        #expect(SynkinesisAnalysis.restPowers(Self.envelopes([flat]), segments: [task], parameters: parameters)[0] == 9)
    }

    @Test("task segments: events get drivers among the recorded muscles; given segments are clipped and empty ones become gaps")
    func taskSegments() throws {
        let channels = [MontageChannel(channelIndex: 0, label: "NAS-L", muscle: .NAS, side: .left),
                        MontageChannel(channelIndex: 1, label: "NAS-R", muscle: .NAS, side: .right)]
        let montage = try Montage(channels: channels, affectedSide: .left)
        let envelopes = Self.envelopes([[Float](repeating: 3, count: 1_000), [Float](repeating: 3, count: 1_000)])
        let (rest, _) = SynkinesisAnalysis.restLevels(envelopes, parameters: SynkinesisParameters())
        let fromEvents = try SynkinesisAnalysis.taskSegments(.events([Event(onset: 1, duration: 2, label: "snarl")]), envelopes: envelopes,
                                                             montage: montage, rest: rest, parameters: SynkinesisParameters(), file: nil)
        #expect(fromEvents.origin == .events && fromEvents.segments.map(\.driver) == [.NAS])
        #expect(fromEvents.segments[0].repetitions == [100..<300] && fromEvents.segments[0].driverSource == .fallback)
        let given = [TaskSegment(task: "snarl", driver: .NAS, repetitions: [900..<1_200]),
                     TaskSegment(task: "pucker", driver: .OOr, repetitions: [2_000..<2_100])]
        let fromSegments = try SynkinesisAnalysis.taskSegments(.segments(given), envelopes: envelopes, montage: montage, rest: rest,
                                                               parameters: SynkinesisParameters(), file: nil)
        #expect(fromSegments.origin == .segments && fromSegments.segments.map(\.repetitions) == [[900..<1_000]])
        #expect(fromSegments.gaps.map(\.label) == ["pucker"])
    }

    @Test("sides: stated, healthy control, unknown, one side only")
    func sides() throws {
        func montage(_ sides: [Side], affected: AffectedSide?) throws -> Montage {
            try Montage(channels: sides.enumerated().map { MontageChannel(channelIndex: $0, label: "OOc-\($1)", muscle: .OOc, side: $1) },
                        affectedSide: affected)
        }
        let right = SynkinesisAnalysis.sideComparison(for: try montage([.left, .right], affected: .right))
        #expect(right.possible && right.affectedSlot == .right && right.basis == .stated && right.reason == nil)
        #expect(SynkinesisAnalysis.sideComparison(for: try montage([.left, .right], affected: AffectedSide.none)).basis == .healthyControl)
        #expect(SynkinesisAnalysis.sideComparison(for: try montage([.left, .right], affected: nil)).basis == .unknown)
        let one = SynkinesisAnalysis.sideComparison(for: try montage([.left], affected: .left))
        #expect(!one.possible && one.reason?.contains("only left-side channels") == true)
    }

    @Test("pair jobs: every recorded follower of a recorded driver; a task without its driver is a gap with the fallback note")
    func jobs() throws {
        let channels = [MontageChannel(channelIndex: 0, label: "OOc-L", muscle: .OOc, side: .left),
                        MontageChannel(channelIndex: 1, label: "ZYG-L", muscle: .ZYG, side: .left),
                        MontageChannel(channelIndex: 2, label: "OOr-L", muscle: .OOr, side: .left)]
        let montage = try Montage(channels: channels, affectedSide: .left)
        let segments = [TaskSegment(task: "eye_closure", driver: .OOc, repetitions: [0..<10]),
                        TaskSegment(task: "snarl", driver: .LLS, repetitions: [20..<30], driverSource: .catalogue,
                                    driverNote: "driver LLS is not in the montage (nor its fallback NAS)")]
        var gaps: [TaskGap] = []
        let jobs = SynkinesisAnalysis.pairJobs(segments, montage: montage, gaps: &gaps)
        #expect(jobs.map(\.follower) == [.ZYG, .OOr] && jobs.allSatisfy { $0.taskIndex == 0 })
        #expect(gaps.map(\.reason) == ["driver LLS is not in the montage (nor its fallback NAS)"])
    }

    @Test("paresis: the median over task drivers of (own-task power − rest) affected ÷ healthy, clipped to [floor, 1]")
    func paresisEstimate() throws {
        // Drivers OOc (channels 0 L, 1 R) and ZYG (2 L, 3 R); envelopes constant within each task.
        let n = 1_000
        var e = [[Float]](repeating: [Float](repeating: 3, count: n), count: 4)
        for i in 100..<300 { e[0][i] = 15; e[1][i] = 30 }   // OOc: (225 − 9)/(900 − 9) = 0.2424
        for i in 500..<700 { e[2][i] = 40; e[3][i] = 50 }   // ZYG: (1600 − 9)/(2500 − 9) = 0.6387
        let channels = [(Muscle.OOc, Side.left), (.OOc, .right), (.ZYG, .left), (.ZYG, .right)].enumerated().map {
            MontageChannel(channelIndex: $0, label: "\($1.0.rawValue)-\($1.1)", muscle: $1.0, side: $1.1)
        }
        let montage = try Montage(channels: channels, affectedSide: .left)
        let segments = [TaskSegment(task: "eye_closure", driver: .OOc, repetitions: [100..<300]),
                        TaskSegment(task: "smile", driver: .ZYG, repetitions: [500..<700])]
        let envelopes = Self.envelopes(e)
        var gaps: [TaskGap] = []
        let jobs = SynkinesisAnalysis.pairJobs(segments, montage: montage, gaps: &gaps)
        let (rest, _) = SynkinesisAnalysis.restLevels(envelopes, parameters: SynkinesisParameters())
        let measured = SynkinesisAnalysis.measureChannels(jobs, segments: segments, montage: montage, envelopes: envelopes, rest: rest,
                                                          parameters: SynkinesisParameters())
        let restPower = SynkinesisAnalysis.restPowers(envelopes, segments: segments, parameters: SynkinesisParameters())
        #expect(restPower.allSatisfy { $0 == 9 })
        let estimate = try #require(SynkinesisAnalysis.paresisEstimate(
            envelopes, segments: segments, montage: montage, comparison: SynkinesisAnalysis.sideComparison(for: montage),
            channels: measured, restPower: restPower, crosstalk: nil, parameters: SynkinesisParameters()))
        let ooc = 216.0 / 891, zyg = 1591.0 / 2491
        #expect(abs(try #require(estimate.muscles["OOc"]) - ooc) < 1e-9)
        #expect(abs(try #require(estimate.muscles["ZYG"]) - zyg) < 1e-9)
        #expect(abs(estimate.factor - (ooc + zyg) / 2) < 1e-9 && estimate.applied)
    }

    @Test("a follower trailing by more than the search reaches: lag_at_search_limit with its sentence")
    func lagAtSearchLimit() throws {
        // Follower = driver delayed by 30 samples (300 ms at 100 Hz), max lag 100 ms.
        var random = TestRandom(seed: 5)
        let n = 2_000
        let smooth = random.ar1(count: n + 40, phi: 0.95)
        let driver = (0..<n).map { Float(20 + 5 * smooth[$0 + 40]) }
        let follower = (0..<n).map { Float(10 + 3 * smooth[$0 + 10]) }
        let channels = [MontageChannel(channelIndex: 0, label: "OOc-L", muscle: .OOc, side: .left),
                        MontageChannel(channelIndex: 1, label: "OOr-L", muscle: .OOr, side: .left)]
        let montage = try Montage(channels: channels, affectedSide: .left)
        let result = try SynkinesisAnalysis.analyze(
            envelopes: Self.envelopes([driver, follower]), montage: montage,
            tasks: .segments([TaskSegment(task: "eye_closure", driver: .OOc, repetitions: [0..<n])]))
        let side = try #require(result.pairs.first?.affected)
        #expect(side.lagAtSearchLimit)
        #expect(abs(try #require(side.lagMs)) == 100)
        #expect(side.notes.contains { $0.hasPrefix("lag_at_search_limit") })
    }
}

@Suite("Task drivers: the catalogue, its documented fallbacks, and drivers named by the events")
struct TaskDriverTests {
    @Test("snarl without levator labii is performed by nasalis; a catalogue driver on one side only yields to a fallback on both")
    func fallbacks() throws {
        let catalogue = TaskCatalogue.standard
        let both: Set<Muscle> = [.OOc, .NAS, .ZYG]
        let nas = try #require(catalogue.choose(for: "Snarl 2", left: both, right: both))
        #expect(nas.driver == .NAS && nas.source == .fallback && nas.recorded)
        #expect(nas.note == "snarl: LLS not recorded; NAS performs the task (documented fallback)")
        let oneSided = try #require(catalogue.choose(for: "snarl", left: both.union([.LLS]), right: both))
        #expect(oneSided.driver == .NAS && oneSided.note?.contains("recorded on one side only") == true)
        let primary = try #require(catalogue.choose(for: "snarl", left: [.LLS, .NAS], right: [.LLS, .NAS]))
        #expect(primary.driver == .LLS && primary.source == .catalogue && primary.note == nil)
        let none = try #require(catalogue.choose(for: "brow_raise", left: [.OOc], right: [.OOc]))
        #expect(!none.recorded && none.driver == .FRO && none.note == "driver FRO is not in the montage")
        #expect(catalogue.choose(for: "wink", left: [], right: []) == nil)
        // Every fallback names a muscle other than the task's driver.
        for (task, list) in TaskCatalogue.standardFallbacks {
            let driver = try #require(catalogue.driver(for: task))
            #expect(!list.contains(driver))
        }
    }

    @Test("events naming their driver win over the catalogue; two drivers of one task give two tasks")
    func eventDrivers() throws {
        let events = [Event(onset: 1, duration: 2, label: "snarl", driver: .LLS), Event(onset: 5, duration: 2, label: "snarl", driver: .NAS),
                      Event(onset: 9, duration: 2, label: "mystery", driver: .ZYG), Event(onset: 13, duration: 2, label: "smile")]
        let (segments, gaps) = try TaskSegmentation.segments(events: events, sampleRate: 100, frameCount: 2_000,
                                                             recorded: ([.LLS, .NAS, .ZYG], [.LLS, .NAS, .ZYG]))
        #expect(gaps.isEmpty)
        // Drivers of one task in the order of ``Muscle`` (NAS before LLS).
        #expect(segments.map(\.task) == ["mystery", "smile", "snarl [NAS]", "snarl [LLS]"])
        #expect(segments.map(\.driver) == [.ZYG, .ZYG, .NAS, .LLS])
        #expect(segments.map(\.driverSource) == [.event, .catalogue, .event, .event])
    }
}
