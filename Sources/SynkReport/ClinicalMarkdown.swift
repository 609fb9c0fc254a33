import Foundation
import SynkCore
import SynkAnalysis

/// Renders a ``ClinicalReport`` as a Markdown summary: the same header, tables and progress sentences as the
/// HTML page, without plots. Synkinesis tables list the flagged and priority pairs of each task (all pairs are in
/// the HTML page and the JSON output).
public enum ClinicalMarkdown {
    public static func render(_ report: ClinicalReport) -> String {
        var lines: [String] = []
        lines.append("# Facial EMG clinical report")
        lines.append("")
        lines.append("- **Patient:** \(report.patient ?? "not stated")")
        lines.append("- **Affected side:** \(report.affectedSide?.rawValue ?? "not stated")")
        lines.append("- **Date of onset:** \(report.context.onset.map(ClinicalLanguage.date) ?? "not stated")")
        if let examiner = report.context.examiner { lines.append("- **Examiner:** \(examiner)") }
        if let indication = report.context.indication { lines.append("- **Indication:** \(indication)") }
        lines.append("- **Sessions:** " + report.sessions.map { s in
            let days = report.daysSinceOnset(s.date).map { ", day \($0)" } ?? ""
            let g = report.context.grades(for: s).map { g in
                [g.houseBrackmannRoman.map { "HB \($0)" }, g.sunnybrookComposite.map { "Sunnybrook \(ClinicalHTML.grade($0))" },
                 g.sunnybrookSynkinesis.map { "synkinesis \(ClinicalHTML.grade($0))" }, g.eFACETotal.map { "eFACE \(ClinicalHTML.grade($0))" }]
                    .compactMap { $0 }.joined(separator: ", ")
            }.map { "; \($0)" } ?? ""
            return "\(s.dateText) (\(s.label)\(days)\(g))"
        }.joined(separator: "; "))
        lines.append("- **Instruments:** " + report.instruments.map(\.title).joined(separator: "; "))
        lines.append("")
        lines.append("## Conclusion")
        lines.append("")
        lines += ClinicalHTML.conclusionSentences(report).map { "- \($0)" }
        let problems = report.studies.flatMap { study in study.problems.map { "\(ClinicalHTML.fileName(study.input.path)): \($0.channel.map { "\($0) " } ?? "")\($0.sentence)" } }
        if !problems.isEmpty {
            lines.append("")
            lines.append("Data quality:")
            lines += problems.map { "- \($0)" }
        }
        for (index, session) in report.sessions.enumerated() {
            lines.append("")
            lines.append("## Session \(index + 1): \(session.label) — \(ClinicalFormat.dateTime(session.date))")
            for study in session.studies {
                lines.append("")
                lines.append("### \(study.kind.title) — \(ClinicalHTML.fileName(study.input.path))")
                lines.append("")
                lines.append("Quality: \(study.qualityLine)")
                if let sidecars = study.input.sidecarSummary { lines += ["", "BIDS sidecars applied: \(sidecars)"] }
                if let overrides = study.input.overrideSummary { lines += ["", "Overrides of what the recording states: \(overrides)"] }
                switch study.finding {
                case .synkinesis(let result, _): synkinesis(result, into: &lines)
                case .nerveConduction(let result, _): nerveConduction(result, into: &lines)
                case .blinkReflex(let result, _): blink(result, into: &lines)
                case .notMeasured(let error):
                    lines.append("")
                    lines.append("**Not measured:** \(error.problem)\(error.hint.map { " (\($0))" } ?? "")")
                }
            }
        }
        if report.sessions.count >= 2 {
            lines.append("")
            lines.append("## Progress over \(report.sessions.count) sessions")
            lines.append("")
            let statements = report.progress.statements()
            lines += statements.isEmpty ? ["No measure was taken at two sessions or more."] : statements.map { "- \($0)" }
        }
        lines.append("")
        lines.append("## Methods")
        lines.append("")
        lines.append("synk \(report.synkVersion); parameters in full in the HTML report and the JSON outputs.")
        lines.append("")
        lines += table(["file", "analysed as", "rate Hz", "SHA-256"], report.studies.map {
            [ClinicalHTML.fileName($0.input.path), $0.kind.rawValue, ClinicalFormat.fixed($0.input.sampleRateHz, 0), "`\($0.input.sha256)`"]
        })
        return lines.joined(separator: "\n") + "\n"
    }

    static func synkinesis(_ result: SynkinesisResult, into lines: inout [String]) {
        lines.append("")
        let synkinetic = result.pairs.filter { pairDecision($0).verdict == .synkinesis }.count
        lines.append("Affected side \(result.affectedSide); \(synkinetic) of \(result.pairs.count) pairs synkinetic by the analysis' decision.")
        for gap in result.montageGaps { lines.append("- not measured: \(gap.reason)") }
        for gap in result.taskGaps { lines.append("- not measured: \(gap.label): \(gap.reason)") }
        let pairs = PairPriority.ordered(result.pairs).filter { pairDecision($0).verdict == .synkinesis || PairPriority.isPriority($0) }
        guard !pairs.isEmpty else { return }
        lines.append("")
        lines += table(["pair", "pattern", "activity ratio", "cut-off", "decision", "index", "95 % CI"], pairs.map { p in
            let d = pairDecision(p)
            return [ClinicalLanguage.pair(p), PairPriority.patternName(p.pattern), ClinicalFormat.fixed(d.value), ClinicalFormat.fixed(d.cutoff),
                    d.verdict.words, ClinicalFormat.fixed(p.synkineticCorrelation),
                    "[\(ClinicalFormat.fixed(p.ci95?.first)), \(ClinicalFormat.fixed(p.ci95?.last))]"]
        })
    }

    static func nerveConduction(_ result: NerveConductionResult, into lines: inout [String]) {
        lines.append("")
        lines += table(["branch", "side", "muscle", "onset ms", "peak ms", "amp p-p mV", "ENoG %", "degeneration %", "flags"], result.responses.map { r in
            let b = result.branches.first { $0.branch == r.branch }
            let affected = b?.affectedSide == r.side
            return [ClinicalFormat.branchName(r.branch), r.side.rawValue, r.muscle.rawValue, ClinicalFormat.fixed(r.onsetLatencyMs),
                    ClinicalFormat.fixed(r.peakLatencyMs), ClinicalFormat.fixed(r.amplitudePeakToPeakMillivolt),
                    affected ? ClinicalFormat.fixed(b?.enogPercent, 1) : "", affected ? ClinicalFormat.fixed(b?.degenerationPercent, 1) : "",
                    (r.flags + (affected ? b?.flags ?? [] : [])).map(ClinicalLanguage.flag).joined(separator: "; ")]
        })
        lines.append("")
        lines.append("Normative table: \(result.normativeTable).")
    }

    static func blink(_ result: BlinkReflexResult, into lines: inout [String]) {
        lines.append("")
        lines += table(["component", "stimulated", "recorded", "onset ms", "amp p-p mV", "sweeps", "flags"], (result.components + result.spread).map { c in
            [c.component.rawValue, c.stimulatedSide.rawValue, "\(c.muscle.rawValue) \(c.recordedSide.rawValue) (\(c.ipsilateral ? "ipsi" : "contra"))",
             ClinicalFormat.fixed(c.onsetLatencyMs), ClinicalFormat.fixed(c.amplitudePeakToPeakMillivolt, 3), "\(c.sweepsWithResponse)/\(c.sweeps)",
             c.flags.filter { !(c.muscle != .OOc && $0 == "missing") }.map(ClinicalLanguage.flag).joined(separator: "; ")]
        })
    }

    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let escape = { (s: String) in s.replacingOccurrences(of: "|", with: "\\|") }
        return ["| " + header.map(escape).joined(separator: " | ") + " |", "|" + header.map { _ in " --- |" }.joined()]
            + rows.map { "| " + $0.map(escape).joined(separator: " | ") + " |" }
    }
}
