import Foundation
import SynkCore
import SynkAnalysis

/// What the synkinesis analysis decided about one pair. The report shows this decision; it never makes one.
public enum PairVerdict: String, Sendable, Hashable, CaseIterable {
    case synkinesis
    /// The follower's excess is explained by signal conducted from a neighbouring muscle.
    case crosstalk
    case notSynkinetic = "not_synkinetic"
    /// No rule applies to the pair, or its measure could not be taken.
    case undetermined

    /// How the report names the decision.
    public var words: String {
        switch self {
        case .synkinesis: "synkinesis"
        case .crosstalk: "crosstalk"
        case .notSynkinetic: "not synkinetic"
        case .undetermined: "not judged"
        }
    }
}

/// The decision of one pair together with the measure it rests on, as the report reads it from the results.
public struct PairDecision: Sendable, Hashable {
    public var verdict: PairVerdict
    /// The analysis' own sentence for the decision (`flag_reason`), when it gave one.
    public var reason: String?
    /// The measure the decision uses, named as the report prints it.
    public var measureName: String
    /// JSON field of that measure in `synk synkinesis` (the report's `data-field`).
    public var measureField: String
    public var value: Double?
    /// The 95 % confidence interval of `value`, when the results carry one.
    public var interval: ClosedRange<Double>?
    /// The cut-off the rule compares `value` with, when the rule has one.
    public var cutoff: Double?
    /// True for ratios: changes and intervals are judged on the log scale.
    public var multiplicative: Bool
}

/// The one place where the report reads the synkinesis decision of a pair.
///
/// The analysis decides (`decision`: synkinesis, crosstalk, not synkinetic or undetermined, with its sentence and
/// rule) on the follower's own activity, affected ÷ healthy (`follower_own_ratio`, with its interval over
/// repetitions), against the rule's cut-off (`amplitude_cutoff`). The report shows that decision and that measure.
public func pairDecision(_ pair: SynkinesisPair) -> PairDecision {
    let verdict: PairVerdict
    switch pair.decision {
    case .synkinesis: verdict = .synkinesis
    case .crosstalk: verdict = .crosstalk
    case .notSynkinetic: verdict = .notSynkinetic
    case .undetermined: verdict = .undetermined
    }
    let interval = pair.followerOwnRatioCi95.flatMap { bounds -> ClosedRange<Double>? in
        guard bounds.count == 2, bounds[0].isFinite, bounds[1].isFinite, bounds[0] <= bounds[1] else { return nil }
        return bounds[0]...bounds[1]
    }
    return PairDecision(verdict: verdict, reason: ClinicalLanguage.plain(pair.decisionReason), measureName: "activity ratio",
                        measureField: "follower_own_ratio", value: pair.followerOwnRatio, interval: interval,
                        cutoff: pair.amplitudeCutoff, multiplicative: true)
}

/// How a measure changed between two sessions.
public enum ChangeVerdict: String, Sendable, Hashable {
    case improved, unchanged, worse
    /// One of the two sessions has no value.
    case notComparable = "not_comparable"

    public var words: String { self == .notComparable ? "not comparable" : rawValue }
}

/// A change with the sentence that says how it was decided.
public struct Change: Sendable, Hashable {
    public var verdict: ChangeVerdict
    public var basis: String
    /// The basis in a few words ("÷2.01", "now below the cut-off").
    public var short: String

    public init(verdict: ChangeVerdict, basis: String, short: String? = nil) {
        self.verdict = verdict
        self.basis = basis
        self.short = short ?? basis
    }
}

/// The stated rules that call a change improved, unchanged or worse. Lower is better for every synkinesis
/// measure (a ratio towards 1, an index towards 0 or below).
public enum ChangeRule {
    /// z of the two-sided 95 % interval.
    static let z95 = 1.959963984540054

    /// Rule 1, when both sessions carry a 95 % interval: the change d = b − a (on the log scale for ratios) gets
    /// the interval d ± 1.96·√(se_a² + se_b²), each se taken as the interval's width ÷ (2 · 1.96) (the sessions are
    /// independent recordings). Improved when that interval lies wholly below 0, worse when wholly above, else
    /// unchanged.
    public static func byIntervals(_ a: Double, _ ia: ClosedRange<Double>, _ b: Double, _ ib: ClosedRange<Double>,
                                   multiplicative: Bool) -> Change? {
        let t: (Double) -> Double = multiplicative ? { log($0) } : { $0 }
        guard a.isFinite, b.isFinite, !multiplicative || (a > 0 && b > 0 && ia.lowerBound > 0 && ib.lowerBound > 0) else { return nil }
        let seA = (t(ia.upperBound) - t(ia.lowerBound)) / (2 * z95), seB = (t(ib.upperBound) - t(ib.lowerBound)) / (2 * z95)
        let d = t(b) - t(a), half = z95 * (seA * seA + seB * seB).squareRoot()
        guard d.isFinite, half.isFinite else { return nil }
        let scale = multiplicative ? "the 95 % CI of the ratio's change (×\(ClinicalFormat.fixed(exp(d - half))) to ×\(ClinicalFormat.fixed(exp(d + half))))"
                                   : "the 95 % CI of the change [\(ClinicalFormat.fixed(d - half)), \(ClinicalFormat.fixed(d + half))]"
        if d + half < 0 { return Change(verdict: .improved, basis: "\(scale) lies wholly below no change", short: "95 % CI of the change below 0") }
        if d - half > 0 { return Change(verdict: .worse, basis: "\(scale) lies wholly above no change", short: "95 % CI of the change above 0") }
        return Change(verdict: .unchanged, basis: "\(scale) includes no change", short: "95 % CI of the change includes 0")
    }

    /// The change of a pair's decision measure between two sessions: rule 1 when both carry an interval; else
    /// rule 2, for a ratio without an interval: improved when the decision went from synkinesis to not synkinetic
    /// or the ratio fell by at least the factor of the pattern's cut-off (the distance that separates sides alike,
    /// ratio 1, from synkinesis in Bernardes 2018), worse in the mirror cases, unchanged otherwise.
    public static func decisionMeasure(from a: PairDecision, to b: PairDecision) -> Change {
        guard let va = a.value, let vb = b.value, va.isFinite, vb.isFinite else {
            return Change(verdict: .notComparable, basis: "\(a.measureName) not measured at both sessions")
        }
        if let ia = a.interval, let ib = b.interval,
           let change = byIntervals(va, ia, vb, ib, multiplicative: a.multiplicative) {
            return change
        }
        let synkinetic: (PairVerdict) -> Bool = { $0 == .synkinesis }
        if synkinetic(a.verdict), b.verdict == .notSynkinetic {
            return Change(verdict: .improved, basis: "no longer synkinetic (now below the cut-off)", short: "now below the cut-off")
        }
        if a.verdict == .notSynkinetic, synkinetic(b.verdict) {
            return Change(verdict: .worse, basis: "now synkinetic (above the cut-off)", short: "now above the cut-off")
        }
        guard let cutoff = a.cutoff ?? b.cutoff, cutoff > 1, va > 0, vb > 0 else {
            return Change(verdict: .notComparable, basis: "no interval and no cut-off to judge the change by")
        }
        let factor = vb / va
        let f = ClinicalFormat.fixed(factor >= 1 ? factor : 1 / factor)
        if factor <= 1 / cutoff { return Change(verdict: .improved, basis: "ratio fell by a factor of \(f), at least the cut-off \(ClinicalFormat.fixed(cutoff))", short: "÷\(f)") }
        if factor >= cutoff { return Change(verdict: .worse, basis: "ratio rose by a factor of \(f), at least the cut-off \(ClinicalFormat.fixed(cutoff))", short: "×\(f)") }
        return Change(verdict: .unchanged, basis: "ratio changed by a factor of \(f), less than the cut-off \(ClinicalFormat.fixed(cutoff)); no interval yet", short: "\(factor < 1 ? "÷" : "×")\(f), less than the cut-off")
    }

    /// The synkinetic correlation index between two sessions, by rule 1 on its Zou 95 % intervals.
    public static func index(_ a: Double?, _ ia: [Double]?, _ b: Double?, _ ib: [Double]?) -> Change {
        guard let a, let b, let ia, let ib, ia.count == 2, ib.count == 2, ia[0] <= ia[1], ib[0] <= ib[1],
              let change = byIntervals(a, ia[0]...ia[1], b, ib[0]...ib[1], multiplicative: false) else {
            return Change(verdict: .notComparable, basis: "index or its interval missing at one session")
        }
        return change
    }
}
