import Foundation
import SynkCore

/// What the decision needs from one side of a pair.
struct DecisionSide: Sendable {
    /// The follower's power (amplitude² of the envelope kind) in each repetition of the task.
    var repetitionPowers: [Double]
    /// The follower's rest power.
    var restPower: Double
    /// Its crosstalk fraction in the task (nil: not estimated).
    var crosstalk: Double?
    var muscle: Muscle
}

struct DecisionInputs: Sendable {
    var affected: DecisionSide?
    var healthy: DecisionSide?
    var comparison: SideComparison
    var paresis: ParesisEstimate?
    var crosstalkEstimated: Bool
}

/// A ratio with its interval over repetitions.
struct RepetitionRatio: Sendable {
    var ratio: Double
    var interval: ConfidenceInterval?
    var repetitions: Int

    /// Above `cutoff` (the published rule compares the ratio itself) and consistently larger on the affected side:
    /// the interval over repetitions excludes 1, no asymmetry (with one repetition the ratio alone decides).
    func exceeds(_ cutoff: Double) -> Bool { ratio > cutoff && (interval?.lower ?? ratio) > 1 }

    /// Above `cutoff` but not consistently asymmetric over the repetitions.
    func inconsistent(_ cutoff: Double) -> Bool { ratio > cutoff && !exceeds(cutoff) }

    var text: String {
        guard let interval else { return String(format: "%.2f (one repetition, no interval)", ratio) }
        return String(format: "%.2f [%.2f, %.2f]", ratio, interval.lower, interval.upper)
    }

    /// The ratio the other way round (for comparisons without a stated affected side).
    var inverted: RepetitionRatio {
        RepetitionRatio(ratio: 1 / ratio, interval: interval.map { ConfidenceInterval(lower: 1 / $0.upper, upper: 1 / $0.lower) },
                        repetitions: repetitions)
    }
}

extension SynkinesisAnalysis {
    /// Bernardes DFF, Bento RF, Goffi-Gomez MVS (2018). Int Arch Otorhinolaryngol 22(4):348-357.
    static let bernardes = "Bernardes DFF, Bento RF, Goffi-Gomez MVS (2018). The contribution of surface electromyographic assessment for defining the stage of peripheral facial paralysis: flaccid or sequelae stage. Int Arch Otorhinolaryngol 22(4):348-357"
    static let kim = "Kim BH, Kim KH, Kim LH, Kim JU, Yook TH (2018). Difference between right and left facial surface electromyography in healthy people. Evid Based Complement Alternat Med 2018:4069530"

    /// The rule of a pattern: its cut-off and where it comes from.
    static func rule(for pattern: SynkinesisPattern, parameters: SynkinesisParameters) -> (cutoff: Double, rule: DecisionRule) {
        let level = String(format: "%.0f %%", 100 * parameters.confidenceLevel)
        // Every rule is subject to the crosstalk the estimate may miss (``SynkinesisParameters/crosstalkCapture``).
        let unlessCrosstalk = String(format: "; undetermined instead when the ratio does not also pass with up to %.3g × the estimated crosstalk removed from the side with the excess (the estimate is a lower bound)",
                                     1 / parameters.crosstalkCapture)
        switch pattern {
        case .ocularToOral:
            let c = parameters.cutoffOcularToOral
            return (c, DecisionRule(
                id: "bernardes2018_ocular_oral",
                description: "ocular→oral: the follower's own-activity ratio affected ÷ healthy (crosstalk removed, paresis corrected) exceeds \(c), and its \(level) interval over repetitions excludes 1 (the asymmetry is consistent)\(unlessCrosstalk)",
                source: "\(bernardes): IEMG index cut-off 1.62 for ocular-oral synkinesis, sensitivity and specificity 100 %"))
        case .oralToOcular:
            let c = parameters.cutoffOralToOcular
            return (c, DecisionRule(
                id: "bernardes2018_oral_ocular",
                description: "oral→ocular: the follower's own-activity ratio affected ÷ healthy (crosstalk removed, paresis corrected) exceeds \(c), and its \(level) interval over repetitions excludes 1 (the asymmetry is consistent)\(unlessCrosstalk)",
                source: "\(bernardes): IEMG index cut-off 1.79 for oral-ocular synkinesis, sensitivity 93.3 %, specificity 95.9 %"))
        case .other:
            let c = parameters.cutoffOtherPatterns
            return (c, DecisionRule(
                id: "healthy_asymmetry_limit",
                description: "patterns without a published cut-off (platysma, mentalis, brow, within a region): the follower's own-activity ratio affected ÷ healthy exceeds \(c), the larger of Bernardes' cut-offs and the upper limit of healthy side-to-side asymmetry, and its \(level) interval over repetitions excludes 1\(unlessCrosstalk)",
                source: "\(bernardes) (cut-off 1.79, the larger of the two); \(kim): in 154 healthy people the 5th percentile of the lower ÷ higher side RMS is about 0.58 for frontalis and 0.55 for orbicularis oris (higher ÷ lower 1.73 and 1.80; 2.4 for zygomaticus)"))
        }
    }

    /// The decision's quantity, per repetition: the follower's power with its crosstalk removed, its excess over
    /// rest (the numerator side's divided by the paresis factor), over the larger of the two rest powers; the ratio
    /// numerator ÷ denominator of the square roots, combined over repetitions by
    /// ``Statistics/geometricMeanInterval(_:level:)``.
    ///
    /// - Parameter captured: the share of the true crosstalk the estimate is taken to capture on the numerator side
    ///   (the side judged for excess): 1 takes the estimate as it is; 0.5 removes up to twice the estimated share.
    ///   The denominator side always keeps its estimate as it is, so that the ratio with `captured` < 1 is the
    ///   smallest the numerator's own activity can be against the largest the denominator's can be.
    static func followerRatio(_ numerator: DecisionSide, over denominator: DecisionSide, removeCrosstalk: Bool,
                              captured: Double = 1, paresis: Double, level: Double) -> RepetitionRatio? {
        let n = min(numerator.repetitionPowers.count, denominator.repetitionPowers.count)
        guard n > 0 else { return nil }
        let floor = max(numerator.restPower, denominator.restPower)
        func excess(_ side: DecisionSide, _ r: Int, scale: Double) -> Double {
            let kept = removeCrosstalk ? 1 - min(1, max(0, (side.crosstalk ?? 0) / scale)) : 1
            return max(0, side.repetitionPowers[r] * kept - side.restPower)
        }
        var ratios: [Double] = []
        for r in 0..<n {
            let a = floor + excess(numerator, r, scale: captured) / paresis
            let h = floor + excess(denominator, r, scale: 1)
            guard a > 0, h > 0 else { return nil }
            ratios.append((a / h).squareRoot())
        }
        guard let combined = Statistics.geometricMeanInterval(ratios, level: level) else { return nil }
        return RepetitionRatio(ratio: combined.mean, interval: combined.interval, repetitions: n)
    }

    /// The paresis factor a follower's affected-side excess is divided by: with
    /// ``SynkinesisParameters/paresisPerMuscle`` the follower's own voluntary power ratio when it drives a task
    /// recorded on both sides, else the side's median; clipped to [``SynkinesisParameters/paresisFloor``, 1]
    /// (only weakness is corrected). 1 when no correction applies.
    static func paresisFactor(for follower: Muscle, estimate: ParesisEstimate?, stated: Bool, parameters: SynkinesisParameters) -> Double {
        guard stated, parameters.paresisCorrection, let estimate, estimate.applied else { return 1 }
        let own = parameters.paresisPerMuscle ? estimate.muscles[follower.rawValue] : nil
        return min(1, max(parameters.paresisFloor, own ?? estimate.factor))
    }

    /// Decides a pair (``SynkinesisDecision``) and writes the sentence, the rule and the ratios into it.
    ///
    /// With the affected side stated: synkinesis when the own-activity ratio exceeds the cut-off and its interval
    /// over repetitions excludes 1; crosstalk when the ratio with crosstalk left in does so but the own-activity ratio
    /// is not above the cut-off; undetermined when the own-activity ratio is above the cut-off but its interval reaches
    /// 1 (the repetitions disagree); not synkinetic otherwise. Without a stated side (a control, or unknown), the
    /// larger of left ÷ right and right ÷ left is judged the same way, without paresis correction, and a flag says
    /// so. No side comparison: undetermined.
    static func decide(_ pair: inout SynkinesisPair, inputs: DecisionInputs, parameters: SynkinesisParameters) {
        let (cutoff, rule) = rule(for: pair.pattern, parameters: parameters)
        pair.amplitudeCutoff = cutoff
        let follower = pair.follower.rawValue
        func settle(_ decision: SynkinesisDecision, _ reason: String, rule applied: DecisionRule? = nil) {
            pair.decision = decision
            pair.decisionReason = reason
            pair.decisionRule = applied
            pair.flag = decision == .synkinesis
            pair.flagReason = pair.flag ? reason : nil
        }
        guard inputs.comparison.possible, let affected = inputs.affected, let healthy = inputs.healthy else {
            settle(.undetermined, pair.notes.first { $0.hasPrefix("no side comparison") }
                   ?? "no side comparison: \(follower) or the driver is not measurable on both sides")
            return
        }
        let stated = inputs.comparison.basis == .stated
        let paresis = paresisFactor(for: pair.follower, estimate: inputs.paresis, stated: stated, parameters: parameters)
        let level = parameters.confidenceLevel
        guard var own = followerRatio(affected, over: healthy, removeCrosstalk: true, paresis: paresis, level: level),
              var total = followerRatio(affected, over: healthy, removeCrosstalk: false, paresis: paresis, level: level) else {
            settle(.undetermined, "no follower amplitude in a repetition on one of the sides: the ratio is undefined")
            return
        }
        var prefix = ""
        // The side whose excess is judged: the affected side, or without a stated side the larger one.
        var (excessSide, otherSide) = (affected, healthy)
        if !stated {
            // Unknown or healthy control: judge the larger side against the smaller.
            if own.ratio < 1 { own = own.inverted; total = total.inverted; (excessSide, otherSide) = (healthy, affected) }
            prefix = inputs.comparison.basis == .healthyControl
                ? "healthy control (no affected side): left/right asymmetry of the follower's own activity "
                : "affected side not stated: left/right asymmetry of the follower's own activity "
        }
        // The crosstalk estimate is a lower bound: the excess must also hold with the crosstalk it may miss.
        let conservative = inputs.crosstalkEstimated
            ? followerRatio(excessSide, over: otherSide, removeCrosstalk: true, captured: parameters.crosstalkCapture,
                            paresis: paresis, level: level)
            : nil
        pair.followerOwnRatio = own.ratio
        pair.followerOwnRatioCi95 = own.interval.map { [$0.lower, $0.upper] }
        pair.followerOwnRatioConservative = conservative?.ratio
        pair.followerOwnRatioConservativeCi95 = conservative?.interval.map { [$0.lower, $0.upper] }
        pair.followerTotalRatio = total.ratio
        pair.followerTotalRatioCi95 = total.interval.map { [$0.lower, $0.upper] }
        pair.repetitions = own.repetitions
        pair.paresisFactor = paresis < 1 ? paresis : nil
        let pattern = pair.pattern == .other ? "no published cut-off for this pattern" : pair.pattern.rawValue.replacingOccurrences(of: "_", with: " ")
        var details: [String] = []
        if paresis < 1 {
            let whose = parameters.paresisPerMuscle && inputs.paresis?.muscles[pair.follower.rawValue] != nil
                ? "\(follower)'s own voluntary power" : "the side's voluntary power"
            details.append(String(format: "affected side's excess corrected for paresis (%@ %.2f of healthy)", whose, paresis))
        }
        if inputs.crosstalkEstimated, let a = affected.crosstalk, let h = healthy.crosstalk, max(a, h) >= 0.05 {
            details.append(String(format: "crosstalk removed: %.0f %% affected, %.0f %% healthy", 100 * a, 100 * h))
        } else if !inputs.crosstalkEstimated {
            details.append("crosstalk not estimated")
        }
        let detail = details.isEmpty ? "" : "; " + details.joined(separator: "; ")
        let ruleName = rule.id.hasPrefix("bernardes") ? "Bernardes 2018" : "healthy asymmetry limit"
        if own.exceeds(cutoff), let conservative, !conservative.exceeds(cutoff) {
            let share = excessSide.crosstalk ?? 0
            settle(.undetermined, String(format: "%@%@ own-activity ratio %@ > %@, but %.0f %% of its power on the %@ side is its neighbours' signal and the estimate may capture as little as %.0f %% of the crosstalk the tissue filters (Farina et al. 2004): with up to %.0f %% removed the ratio is %@, so the excess may be crosstalk: look at the raw traces (%@, %@)%@",
                                            prefix, follower, own.text, "\(cutoff)", 100 * share, stated ? "affected" : "larger",
                                            100 * parameters.crosstalkCapture, 100 * min(1, share / parameters.crosstalkCapture),
                                            conservative.text, pattern, ruleName, detail), rule: rule)
        } else if own.exceeds(cutoff) {
            settle(.synkinesis, "\(prefix)\(follower) own-activity ratio \(own.text) > \(cutoff) (\(pattern), \(ruleName))\(detail)", rule: rule)
        } else if inputs.crosstalkEstimated, total.exceeds(cutoff), own.ratio <= cutoff {
            let sources = (stated ? affected.crosstalk : max(affected.crosstalk ?? 0, healthy.crosstalk ?? 0)).map { String(format: "%.0f %%", 100 * $0) } ?? "much"
            settle(.crosstalk, "\(prefix)\(follower) ratio \(total.text) exceeds \(cutoff) only with crosstalk: \(sources) of its power on the affected side is its neighbours' signal; its own-activity ratio is \(own.text) (\(pattern), \(ruleName))", rule: rule)
        } else if own.inconsistent(cutoff) {
            settle(.undetermined, "\(prefix)\(follower) own-activity ratio \(own.text) is above \(cutoff) but its interval over \(own.repetitions) repetitions reaches 1: the repetitions disagree (\(pattern), \(ruleName))\(detail)", rule: rule)
        } else {
            settle(.notSynkinetic, "\(prefix)\(follower) own-activity ratio \(own.text) ≤ \(cutoff) (\(pattern), \(ruleName))\(detail)", rule: rule)
        }
    }

    /// The decision method for the result's parameters.
    static func decisionMethod(_ p: SynkinesisParameters) -> String {
        "per repetition, the follower's power in the task minus its crosstalk share, its excess over its rest power (on the affected side divided by a paresis factor: \(p.paresisPerMuscle ? "the follower's own voluntary power ratio when it drives a task, else the side's median" : "the side's median voluntary power ratio")), added to the larger rest power of the two sides; the square root of affected ÷ healthy, combined over repetitions as a geometric mean with a t-interval (\(Int((100 * p.confidenceLevel).rounded())) %); synkinesis when the ratio exceeds the cut-off (ocular→oral \(p.cutoffOcularToOral), oral→ocular \(p.cutoffOralToOcular): Bernardes 2018; other patterns \(p.cutoffOtherPatterns)) and its interval excludes 1, and the same holds with the side with the excess keeping only 1 − crosstalk ÷ \(p.crosstalkCapture) of its power (the crosstalk estimate is a lower bound; otherwise undetermined); crosstalk when only the same ratio without crosstalk removal exceeds the cut-off; undetermined when the ratio is above the cut-off but its interval reaches 1; see docs/synkinesis-decision.md"
    }
}
