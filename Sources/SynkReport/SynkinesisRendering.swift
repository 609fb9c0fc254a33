import Foundation
import SynkCore
import SynkAnalysis

/// Renders a ``SynkinesisResult`` for people (text) and for spreadsheets (CSV, one row per task × pair).
public enum SynkinesisRendering {
    /// CSV columns, stable: scripts rely on these names.
    public static let csvColumns = [
        "task", "driver", "follower", "pattern",
        "r_affected", "r_healthy", "peak_xcorr_affected", "lag_ms_affected", "peak_xcorr_healthy", "lag_ms_healthy",
        "rms_affected", "rms_healthy", "active_s_affected", "active_s_healthy",
        "coactivation_affected", "coactivation_healthy", "n_eff_affected", "n_eff_healthy",
        "synkinetic_correlation", "ci95_low", "ci95_high", "p", "amplitude_ratio", "amplitude_cutoff",
        "flag", "flag_reason", "affected_side",
        "decision", "decision_rule", "decision_reason", "follower_own_ratio", "follower_own_ratio_ci_low",
        "follower_own_ratio_ci_high", "follower_total_ratio", "crosstalk_fraction_affected", "crosstalk_fraction_healthy",
        "lag_at_search_limit_affected", "lag_at_search_limit_healthy", "p_bh",
        "follower_own_ratio_conservative", "paresis_factor",
    ]

    static func cell(_ x: Double?, _ digits: Int = 6) -> String {
        guard let x, x.isFinite else { return "" }
        return String(format: "%.\(digits)g", x)
    }

    /// The pairs clinics look at first (domain.md §2): ocular→oral OOc→OOr/ZYG/PLA, oral→ocular OOr/ZYG→OOc,
    /// plus the mentalis and platysma followers of eye closure.
    public static let priorityPairs: Set<String> = ["OOc>OOr", "OOc>ZYG", "OOc>PLA", "OOr>OOc", "ZYG>OOc", "OOc>MEN"]

    static func isPriority(_ pair: SynkinesisPair) -> Bool {
        priorityPairs.contains("\(pair.driver.rawValue)>\(pair.follower.rawValue)")
    }

    /// How far the amplitude ratio is from 1, either way (2 and 0.5 are equally far).
    static func ratioDistance(_ pair: SynkinesisPair) -> Double {
        guard let r = pair.amplitudeRatio, r > 0, r.isFinite else { return 0 }
        return max(r, 1 / r)
    }

    /// Pairs in reading order: tasks as performed; within a task, flagged pairs, then the clinical priority
    /// pairs, then by how far the amplitude ratio is from 1 (the measure that separates the sides best).
    public static func orderedPairs(_ result: SynkinesisResult) -> [SynkinesisPair] {
        let taskOrder = Dictionary(result.tasks.enumerated().map { ($1.task, $0) }, uniquingKeysWith: { a, _ in a })
        return result.pairs.sorted { a, b in
            let ta = taskOrder[a.task] ?? Int.max, tb = taskOrder[b.task] ?? Int.max
            if ta != tb { return ta < tb }
            if a.flag != b.flag { return a.flag }
            if (a.decision == .crosstalk) != (b.decision == .crosstalk) { return a.decision == .crosstalk }
            if isPriority(a) != isPriority(b) { return isPriority(a) }
            let ra = ratioDistance(a), rb = ratioDistance(b)
            if ra != rb { return ra > rb }
            return a.follower < b.follower
        }
    }

    public static func csvRows(_ result: SynkinesisResult) -> [[String]] {
        orderedPairs(result).map { p in
            [p.task, p.driver.rawValue, p.follower.rawValue, p.pattern.rawValue,
             cell(p.affected?.r), cell(p.healthy?.r), cell(p.affected?.peakXcorr), cell(p.affected?.lagMs),
             cell(p.healthy?.peakXcorr), cell(p.healthy?.lagMs), cell(p.affected?.rms), cell(p.healthy?.rms),
             cell(p.affected?.activeS), cell(p.healthy?.activeS), cell(p.affected?.coactivation), cell(p.healthy?.coactivation),
             cell(p.affected?.nEff), cell(p.healthy?.nEff),
             cell(p.synkineticCorrelation), cell(p.ci95?.first), cell(p.ci95?.last), cell(p.p), cell(p.amplitudeRatio),
             cell(p.amplitudeCutoff), p.flag ? "1" : "0", p.flagReason ?? "", result.affectedSide,
             p.decision.rawValue, p.decisionRule?.id ?? "", p.decisionReason, cell(p.followerOwnRatio),
             cell(p.followerOwnRatioCi95?.first), cell(p.followerOwnRatioCi95?.last), cell(p.followerTotalRatio),
             cell(p.affected?.crosstalkFraction), cell(p.healthy?.crosstalkFraction),
             p.affected.map { $0.lagAtSearchLimit ? "1" : "0" } ?? "", p.healthy.map { $0.lagAtSearchLimit ? "1" : "0" } ?? "",
             cell(p.pAdjusted), cell(p.followerOwnRatioConservative), cell(p.paresisFactor)]
        }
    }

    public static func csv(_ result: SynkinesisResult) -> String {
        ([csvColumns] + csvRows(result)).map { CSVText.line($0) }.joined(separator: "\n") + "\n"
    }

    static func fixed(_ x: Double?, _ digits: Int = 2) -> String {
        guard let x, x.isFinite else { return "-" }
        return String(format: "%.\(digits)f", x)
    }

    static func percent(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "-" }
        return String(format: "%.0f%%", 100 * x)
    }

    static func pValue(_ p: Double?) -> String {
        guard let p, p.isFinite else { return "-" }
        return p < 0.001 ? "<0.001" : String(format: "%.3f", p)
    }

    /// A readable summary: one table per task, flagged pairs first, then what could not be measured.
    public static func text(_ result: SynkinesisResult) -> String {
        var lines: [String] = []
        if let input = result.input {
            lines.append("synk synkinesis — \(input.path)")
            lines.append("  \(input.format), \(TextFormat.number(input.sampleRateHz)) Hz, \(TextFormat.duration(input.durationS)), sha256 \(input.sha256.prefix(16))…")
            if let sidecars = input.sidecarSummary { lines.append("  sidecars: \(sidecars)") }
            for override in input.overrides { lines.append("  OVERRIDE: \(override.note)") }
        }
        let comparison = result.sideComparison
        lines.append("  affected side: \(result.affectedSide)   tasks: \(result.tasksSource == .detected ? "detected from activation bursts (no events given)" : "from events")")
        if !comparison.possible {
            lines.append("  SIDE COMPARISON IMPOSSIBLE: \(comparison.reason ?? "only one side recorded: per-side measures only")")
        } else if result.affectedSide == "unknown" || result.affectedSide == "none" {
            lines.append("  note: \(comparison.basis.rawValue)")
        }
        // Muscles that lost their side comparison come first: a clinician must not miss them.
        for gap in result.montageGaps where gap.reason.contains("excluded:") {
            let muscle = gap.muscle.map { " → \($0.rawValue) has no side comparison" } ?? ""
            lines.append("  EXCLUDED: \(gap.reason)\(muscle)")
        }
        if let quality = result.quality {
            let emgLabels = Set(result.montage.map(\.label))
            let flagged = quality.filter { !$0.flags.isEmpty }
            let described = flagged.map { q in
                "\(q.channel) \(q.flags.map(\.rawValue).joined(separator: ","))\(q.isUsable || emgLabels.contains(q.channel) ? " (kept)" : "")"
            }
            lines.append("  quality: \(flagged.isEmpty ? "all channels usable" : described.joined(separator: "; "))  (\(emgLabels.count) EMG channels analysed)")
        }
        // Missing samples: what each run cost (a bridged gap is a note; a left-out span or channel is a quality flag).
        // Those that cost data first; a file with many dropped samples lists a few and counts the rest.
        let sampleGaps = (result.sampleGaps ?? []).sorted { ($0.action == .bridged ? 1 : 0) < ($1.action == .bridged ? 1 : 0) }
        for gap in sampleGaps.prefix(6) {
            let costly = gap.action == .channelExcluded || gap.repetitionsExcluded > 0
            lines.append("  \(costly ? "GAP" : "gap"): \(gap.note)")
        }
        if sampleGaps.count > 6 { lines.append("  … and \(sampleGaps.count - 6) more gaps (sample_gaps in the JSON output)") }
        if let automatic = result.conditioning?.automaticNotch { lines.append("  conditioning: \(automatic)") }
        if let paresis = result.paresis, paresis.factor < 1 || paresis.note != nil {
            let muscles = paresis.muscles.keys.sorted().map { "\($0) \(fixed(paresis.muscles[$0]))" }.joined(separator: ", ")
            lines.append("  paresis: the affected side's voluntary power is \(fixed(paresis.factor)) of the healthy side's (\(muscles))\(paresis.applied ? "; the decision corrects for it" : "")\(paresis.note.map { "; \($0)" } ?? "")")
        }
        let flaggedCount = result.pairs.filter(\.flag).count
        let crosstalkCount = result.pairs.filter { $0.decision == .crosstalk }.count
        let undeterminedCount = result.pairs.filter { $0.decision == .undetermined }.count
        lines.append("  synkinetic pairs: \(flaggedCount) of \(result.pairs.count) (\(crosstalkCount) crosstalk, \(undeterminedCount) undetermined)")
        let pairs = orderedPairs(result)
        for task in result.tasks {
            let rows = pairs.filter { $0.task == task.task }
            lines.append("")
            lines.append("\(task.task) — driver \(task.driver.rawValue), \(task.repetitions) repetition\(task.repetitions == 1 ? "" : "s"), \(String(format: "%.1f", task.durationS)) s\(task.driverNote.map { " (\($0))" } ?? "")")
            let table = rows.map { p -> [String] in
                [p.flag ? "*" : "", p.follower.rawValue, fixed(p.amplitudeRatio), fixed(p.followerOwnRatio),
                 p.followerOwnRatioCi95.map { "[\(fixed($0.first)), \(fixed($0.last))]" } ?? "-",
                 percent(p.affected?.crosstalkFraction) + " / " + percent(p.healthy?.crosstalkFraction),
                 fixed(p.affected?.r), fixed(p.healthy?.r), fixed(p.synkineticCorrelation),
                 fixed(p.affected?.lagMs, 0) + ((p.affected?.lagAtSearchLimit ?? false) ? "!" : ""),
                 p.decision.rawValue.replacingOccurrences(of: "_", with: " ")]
            }
            lines.append(contentsOf: TextFormat.table(
                header: ["", "follower", "ratio", "own ratio", "95% CI", "crosstalk aff/healthy", "r aff", "r healthy", "index", "lag ms", "decision"],
                rows: table))
            for p in rows where p.decision != .notSynkinetic {
                lines.append("  \(p.flag ? "*" : "-") \(p.follower.rawValue): \(p.decisionReason)")
            }
        }
        if !result.montageGaps.isEmpty || !result.taskGaps.isEmpty {
            lines.append("")
            lines.append("not measured:")
            for gap in result.montageGaps { lines.append("  - \(gap.reason)") }
            for gap in result.taskGaps { lines.append("  - \(gap.reason)") }
        }
        let method = result.parameters
        lines.append("")
        lines.append("method: envelope \(method.envelope) at \(TextFormat.number(method.envelopeSampleRateHz)) Hz; max lag ±\(TextFormat.number(method.settings.maxLagSeconds * 1000)) ms (! = peak at the limit); ratio = follower RMS affected ÷ healthy (Bernardes' IEMG index); own ratio = the follower's own activity (crosstalk removed, paresis corrected) affected ÷ healthy over repetitions; * = synkinesis: the own ratio above the cut-off (1.62 ocular→oral, 1.79 oral→ocular: Bernardes 2018; 1.79 other patterns) with its 95 % interval over repetitions excluding 1; crosstalk = above the cut-off only with the neighbours' signal left in; index = r(affected) − r(healthy), 95 % CI (Zou) with Bartlett n_eff, not used by the decision")
        return lines.joined(separator: "\n") + "\n"
    }
}
