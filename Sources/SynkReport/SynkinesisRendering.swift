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
            if isPriority(a) != isPriority(b) { return isPriority(a) }
            let ra = ratioDistance(a), rb = ratioDistance(b)
            if ra != rb { return ra > rb }
            return a.follower < b.follower
        }
    }

    public static func csvRows(_ result: SynkinesisResult) -> [[String]] {
        orderedPairs(result).map { p in
            [p.task, p.driver.rawValue, p.follower.rawValue, p.pattern,
             cell(p.affected?.r), cell(p.healthy?.r), cell(p.affected?.peakXcorr), cell(p.affected?.lagMs),
             cell(p.healthy?.peakXcorr), cell(p.healthy?.lagMs), cell(p.affected?.rms), cell(p.healthy?.rms),
             cell(p.affected?.activeS), cell(p.healthy?.activeS), cell(p.affected?.coactivation), cell(p.healthy?.coactivation),
             cell(p.affected?.nEff), cell(p.healthy?.nEff),
             cell(p.synkineticCorrelation), cell(p.ci95?.first), cell(p.ci95?.last), cell(p.p), cell(p.amplitudeRatio),
             cell(p.amplitudeCutoff), p.flag ? "1" : "0", p.flagReason ?? "", result.affectedSide]
        }
    }

    public static func csv(_ result: SynkinesisResult) -> String {
        ([csvColumns] + csvRows(result)).map { CSVText.line($0) }.joined(separator: "\n") + "\n"
    }

    static func fixed(_ x: Double?, _ digits: Int = 2) -> String {
        guard let x, x.isFinite else { return "-" }
        return String(format: "%.\(digits)f", x)
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
        lines.append("  affected side: \(result.affectedSide)   tasks: \(result.tasksSource == "detected" ? "detected from activation bursts (no events given)" : "from events")")
        if !comparison.possible {
            lines.append("  SIDE COMPARISON IMPOSSIBLE: \(comparison.reason ?? "only one side recorded: per-side measures only")")
        } else if result.affectedSide == "unknown" || result.affectedSide == "none" {
            lines.append("  note: \(comparison.basis)")
        }
        if let quality = result.quality {
            let emgLabels = Set(result.montage.map(\.label))
            let flagged = quality.filter { !$0.flags.isEmpty }
            lines.append("  quality: \(flagged.isEmpty ? "all channels usable" : flagged.map { "\($0.channel) \($0.flags.map(\.rawValue).joined(separator: ","))" }.joined(separator: "; "))  (\(emgLabels.count) EMG channels analysed)")
        }
        let flaggedCount = result.pairs.filter(\.flag).count
        lines.append("  flagged pairs: \(flaggedCount) of \(result.pairs.count)")
        let pairs = orderedPairs(result)
        for task in result.tasks {
            let rows = pairs.filter { $0.task == task.task }
            lines.append("")
            lines.append("\(task.task) — driver \(task.driver.rawValue), \(task.repetitions) repetition\(task.repetitions == 1 ? "" : "s"), \(String(format: "%.1f", task.durationS)) s")
            let table = rows.map { p -> [String] in
                [p.flag ? "*" : "", p.follower.rawValue, fixed(p.affected?.r), fixed(p.healthy?.r), fixed(p.synkineticCorrelation),
                 p.ci95.map { "[\(fixed($0.first)), \(fixed($0.last))]" } ?? "-", pValue(p.p),
                 fixed(p.affected?.lagMs, 0), fixed(p.amplitudeRatio), p.flagReason ?? ""]
            }
            lines.append(contentsOf: TextFormat.table(
                header: ["", "follower", "r aff", "r healthy", "index", "95% CI", "p", "lag ms", "ratio", "flag"], rows: table))
        }
        if !result.montageGaps.isEmpty || !result.taskGaps.isEmpty {
            lines.append("")
            lines.append("not measured:")
            for gap in result.montageGaps { lines.append("  - \(gap.reason)") }
            for gap in result.taskGaps { lines.append("  - \(gap.reason)") }
        }
        let method = result.parameters
        lines.append("")
        lines.append("method: envelope \(method.envelope) at \(TextFormat.number(method.envelopeSampleRateHz)) Hz; max lag ±\(TextFormat.number(method.settings.maxLagSeconds * 1000)) ms; index = r(affected) − r(healthy), 95 % CI (Zou) with Bartlett n_eff; * = amplitude ratio above the Bernardes 2018 cut-off (1.62 ocular→oral, 1.79 oral→ocular)")
        return lines.joined(separator: "\n") + "\n"
    }
}
