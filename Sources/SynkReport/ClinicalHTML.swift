import Foundation
import SynkCore
import SynkAnalysis
import SynkMeasure

/// The paper a report is laid out for (print CSS `@page size`).
public enum PaperSize: String, Sendable, CaseIterable {
    case a4, letter

    var css: String { self == .a4 ? "A4" : "letter" }
}

/// Renders a ``ClinicalReport`` as one self-contained HTML page (inline CSS and SVG, no scripts, no network).
///
/// Page one (`<section class="page-one">`, followed by a page break in print) says what matters: patient and
/// context, a conclusion in plain words, the pairs the synkinesis decision calls synkinetic with the measure it
/// uses, ENoG per branch with the timing caveat, the blink reflex and one line per problem channel. Detail pages
/// follow: progress, figures, every pair, every response, and the methods as a table.
///
/// Every number taken from the results sits in an element with `data-field="NAME" data-value="FULL"`, inside a row
/// `<tr data-row="KEY">` or carrying `data-key="KEY"` itself, so that the page can be checked against the JSON.
/// Keys: `synkinesis|SHA8|TASK|DRIVER|FOLLOWER`, `ncs|SHA8|BRANCH|SIDE`, `enog|SHA8|BRANCH`,
/// `blink|SHA8|COMPONENT|STIMULATED|RECORDED|MUSCLE`, `blinkdiff|SHA8|MEASURE`, `input|SHA8`, with SHA8 the first
/// 8 hex digits of the input's SHA-256.
public enum ClinicalHTML {
    /// Pairs drawn as envelope figures (the synkinetic ones, most marked first).
    public static let plottedPairs = 4
    /// Rows of the synkinetic-pairs table on page one.
    public static let pageOnePairs = 8

    public static func render(_ report: ClinicalReport, paper: PaperSize = .a4) -> String {
        var doc = HTMLDocument(title: "synk clinical report" + (report.patient.map { " — \($0)" } ?? ""))
        doc.raw("<style>\(css)\n@page { size: \(paper.css); margin: 11mm 11mm 12mm; }</style>")
        doc.raw("<section class=\"page-one\">")
        header(report, into: &doc)
        conclusion(report, into: &doc)
        synkineticPairs(report, into: &doc)
        enogSummary(report, into: &doc)
        blinkSummary(report, into: &doc)
        qualitySummary(report, into: &doc)
        doc.raw("<p class=\"foot\">\(xmlEscape("synk \(report.synkVersion) · detail pages follow: progress, figures, every pair and response, methods."))</p>")
        doc.raw("</section>")
        if report.sessions.filter({ $0.synkinesis != nil }).count >= 2 || !report.progress.branchTrends.isEmpty { progress(report, into: &doc) }
        synkinesisDetails(report, into: &doc)
        nerveConductionDetails(report, into: &doc)
        blinkDetails(report, into: &doc)
        methods(report, into: &doc)
        return doc.html()
    }

    // MARK: Page one

    static func header(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        let context = report.context
        doc.raw("<h1>Facial EMG report</h1>")
        var facts: [(String, String)] = [
            ("Patient", report.patient ?? "not stated"),
            ("Affected side", report.affectedSide?.rawValue ?? "not stated"),
            ("Date of onset", context.onset.map(ClinicalLanguage.date) ?? "not stated"),
            ("Examiner", context.examiner ?? "not stated"),
        ]
        if let indication = context.indication { facts.append(("Indication", indication)) }
        var s = "<dl class=\"facts\">"
        for (name, value) in facts {
            s += "<dt>\(xmlEscape(name))</dt><dd\(name == "Indication" ? " class=\"wide\"" : "")>\(xmlEscape(value))</dd>"
        }
        s += "</dl>"
        doc.raw(s)
        // One row per session: when, what was recorded, and the grades entered for it.
        let grades = report.sessions.map { context.grades(for: $0) }
        let hasGrades = grades.contains { $0 != nil }
        var header = ["session", "days since onset", "recorded"]
        if hasGrades { header += ["House-Brackmann", "Sunnybrook composite · synkinesis", "eFACE total · synkinesis"] }
        var rows: [String] = []
        for (session, g) in zip(report.sessions, grades) {
            var cells = ["<td class=\"nowrap\">\(xmlEscape("\(session.dateText) (\(session.label))"))</td>",
                         "<td class=\"num\">\(report.daysSinceOnset(session.date).map(String.init) ?? "–")</td>",
                         text(session.studies.map { shortKind($0.kind) }.joined(separator: ", "))]
            if hasGrades {
                cells += [text(g?.houseBrackmannRoman ?? "–"), "<td class=\"num\">\(grade(g?.sunnybrookComposite)) · \(grade(g?.sunnybrookSynkinesis))</td>",
                          "<td class=\"num\">\(grade(g?.eFACETotal)) · \(grade(g?.eFACESynkinesis))</td>"]
            }
            rows.append(row(cells, key: nil, cls: nil))
        }
        doc.raw(table(header: header, rows: rows, cls: "sessions"))
        if hasGrades {
            doc.raw("<p class=\"meta\">Grades as entered by the examiner; synk does not measure them (House-Brackmann I-VI; Sunnybrook composite 0-100, synkinesis 0-15; eFACE 0-100).</p>")
        }
    }

    static func grade(_ x: Double?) -> String {
        guard let x else { return "–" }
        return x == x.rounded() ? String(Int(x)) : ClinicalFormat.fixed(x, 1)
    }

    static func shortKind(_ kind: StudyKind) -> String {
        switch kind {
        case .synkinesis: "synkinesis sEMG"
        case .nerveConduction: "ENoG"
        case .blinkReflex: "blink reflex"
        }
    }

    /// The conclusion in plain sentences, generated from the results (the decision, ENoG, blink, quality).
    public static func conclusionSentences(_ report: ClinicalReport) -> [String] {
        var lines: [String] = []
        let withSynkinesis = report.sessions.indices.filter { report.sessions[$0].synkinesis != nil }
        if let latestIndex = withSynkinesis.last, let latestResult = report.sessions[latestIndex].synkinesis {
            let latest = report.sessions[latestIndex]
            let progress = report.progress
            let side = latestResult.affectedSide == "left" || latestResult.affectedSide == "right" ? " on the \(latestResult.affectedSide) side" : ""
            let current = progress.pairs.filter { p in p.decisions[latestIndex]?.verdict == .synkinesis }
            if current.isEmpty {
                lines.append(withSynkinesis.count > 1
                             ? "No synkinesis at the latest session (\(latest.dateText)): no pair meets the decision rule."
                             : "No synkinesis: no pair meets the decision rule (\(latest.dateText)).")
            } else {
                let parts = current.prefix(4).map { p -> String in
                    var part = "\(p.label), \(p.decisions[latestIndex]!.measureName) \(ClinicalFormat.fixed(p.decisions[latestIndex]!.value))"
                    if let first = p.span?.first, first != latestIndex, let earlier = p.decisions[first], let change = p.change {
                        let since = report.sessions[first].dateText
                        switch change.verdict {
                        case .improved: part += ", improved from \(ClinicalFormat.fixed(earlier.value)) since \(since)"
                        case .worse: part += ", worse than \(ClinicalFormat.fixed(earlier.value)) on \(since)"
                        case .unchanged: part += ", unchanged from \(ClinicalFormat.fixed(earlier.value)) on \(since)"
                        case .notComparable: break
                        }
                    }
                    return part
                }
                let more = current.count > 4 ? "; and \(current.count - 4) more (below)" : ""
                let when = withSynkinesis.count > 1 ? " at the latest session (\(latest.dateText))" : " (\(latest.dateText))"
                lines.append("Synkinesis\(side)\(when): " + parts.joined(separator: "; ") + more + ".")
            }
            let resolved = progress.pairs.filter { p in
                p.decisions[latestIndex]?.verdict == .notSynkinetic && p.decisions.contains { $0?.verdict == .synkinesis }
            }
            if !resolved.isEmpty {
                lines.append("No longer synkinetic: " + resolved.map { p -> String in
                    let first = p.span!.first
                    return "\(p.label) \(ClinicalFormat.fixed(p.decisions[first]?.value)) → \(ClinicalFormat.fixed(p.decisions[latestIndex]?.value))"
                }.joined(separator: "; ") + ".")
            }
            let crosstalk = latestResult.pairs.filter { pairDecision($0).verdict == .crosstalk }
            if !crosstalk.isEmpty {
                lines.append("Crosstalk, not synkinesis: " + crosstalk.map(ClinicalLanguage.pair).joined(separator: "; ") + ".")
            }
            let undetermined = latestResult.pairs.filter { pairDecision($0).verdict == .undetermined }.count
            if undetermined > 0 {
                lines.append("\(undetermined) pair\(undetermined == 1 ? "" : "s") undetermined (no side comparison, or repetitions that disagree).")
            }
        }
        if let session = report.sessions.last(where: { $0.nerveConduction != nil }), let ncs = session.nerveConduction {
            lines.append(enogSentence(ncs, session: session, report: report) + " " + enogTimingShort(report.daysSinceOnset(session.date)))
        }
        if let session = report.sessions.last(where: { $0.blinkReflex != nil }), let blink = session.blinkReflex {
            lines.append("Blink reflex (\(session.dateText)): " + blinkFindings(blink) + ".")
        }
        // Counted as the data-quality list shows them: the same problem in several recordings once.
        let problems = Set(report.studies.flatMap(\.problems).map { ($0.channel ?? "") + "|" + $0.sentence })
        let channels = report.studies.map(\.emgChannels.count).reduce(0, +)
        lines.append(problems.isEmpty ? "All \(channels) EMG channels of the \(report.studies.count) recording\(report.studies.count == 1 ? "" : "s") usable."
                                      : "Data quality: \(problems.count) problem\(problems.count == 1 ? "" : "s") (listed below); results from the affected channels are missing, not guessed.")
        return lines
    }

    static func enogSentence(_ ncs: NerveConductionResult, session: ClinicalSession, report: ClinicalReport) -> String {
        let days = report.daysSinceOnset(session.date).map { ", \($0) days after onset" } ?? ""
        guard !ncs.branches.isEmpty else {
            return "ENoG (\(session.dateText)\(days)): no branch compared between the sides" + (ncs.flags.isEmpty ? "." : " (\(ncs.flags.map(ClinicalLanguage.flag).joined(separator: "; "))).")
        }
        let threshold = ncs.parameters.degenerationThresholdPercent
        let severe = ncs.branches.filter { ($0.degenerationPercent ?? 0) > threshold }
        let others = ncs.branches.filter { b in !severe.contains { $0.branch == b.branch } }
        var parts = severe.map { "\(ClinicalFormat.branchName($0.branch)) \(ClinicalFormat.fixed($0.enogPercent, 0)) % of the healthy side (\(ClinicalFormat.fixed($0.degenerationPercent, 0)) % degeneration, beyond \(NiceScale.label(threshold)) %)" }
        if !others.isEmpty { parts.append(others.map { "\(ClinicalFormat.branchName($0.branch)) \(ClinicalFormat.fixed($0.enogPercent, 0)) %" }.joined(separator: ", ")) }
        return "ENoG (\(session.dateText)\(days)): " + parts.joined(separator: "; ") + "."
    }

    /// The caveat in a few words, for the conclusion.
    static func enogTimingShort(_ days: Int?) -> String {
        guard let days else { return "Date of onset not given: the 90 % threshold holds only 3-14 days after onset." }
        if days < 3 { return "Too early (day \(days)): repeat between day 3 and 14." }
        if days <= 14 { return "Day \(days): inside the 3-14-day window of the 90 % threshold." }
        return "Day \(days): past the 3-14-day window of the 90 % threshold; it shows recovery, not whether to operate."
    }

    /// The 3-14-day caveat of the 90 % degeneration threshold.
    public static func enogTiming(_ days: Int?) -> String {
        let source = "Gantz et al. 1999, Laryngoscope 109:1177"
        guard let days else {
            return "Date of onset not given: the 90 % degeneration threshold for surgical decompression applies only 3-14 days after onset (\(source))."
        }
        if days < 3 { return "Recorded \(days) day\(days == 1 ? "" : "s") after onset: degeneration does not show in the ENoG before day 3; repeat between day 3 and 14 (\(source))." }
        if days <= 14 { return "Recorded \(days) days after onset, inside the 3-14-day window in which the 90 % degeneration threshold guides surgical decompression (\(source))." }
        return "Recorded \(days) days after onset: the 90 % threshold belongs to days 3-14 (\(source)); later, ENoG shows how far each branch has recovered, not whether to operate."
    }

    /// The abnormal blink-reflex findings in words, or that everything was within limits.
    static func blinkFindings(_ blink: BlinkReflexResult) -> String {
        var parts: [String] = []
        for c in blink.components {
            let name = "\(c.component)\(c.component == .R2 ? (c.ipsilateral ? " ipsilateral" : " contralateral") : "") in the \(c.recordedSide.rawValue) OOc after \(c.stimulatedSide.rawValue) stimulation"
            if c.flags.contains("missing") {
                parts.append("\(name) not found")
            } else if let check = c.normChecks.first(where: { !$0.withinLimits }) {
                parts.append("\(name) \(ClinicalFormat.fixed(c.onsetLatencyMs)) ms, \(check.upperLimit.map { c.onsetLatencyMs ?? 0 > $0 } ?? false ? "above" : "below") the limit \(limitText(check)) ms")
            }
        }
        for d in blink.sideDifferences where d.normCheck.map({ !$0.withinLimits }) ?? false {
            parts.append("\(ClinicalLanguage.measure(d.measure)) \(ClinicalFormat.fixed(d.differenceMs.map(abs))) ms, above the limit \(limitText(d.normCheck!)) ms")
        }
        let spread = blink.spread.filter { $0.flags.contains("r2_spread_synkinesis") }
        for side in Side.allCases {
            let muscles = Array(Set(spread.filter { $0.recordedSide == side }.map(\.muscle))).sorted()
            if !muscles.isEmpty {
                parts.append("R2 spreads into the \(side.rawValue) " + muscles.map(\.name).joined(separator: " and ") + " (a sign of synkinesis)")
            }
        }
        return parts.isEmpty ? "within normal limits, no spread of R2" : parts.joined(separator: "; ")
    }

    static func limitText(_ check: NormCheck) -> String {
        switch (check.lowerLimit, check.upperLimit) {
        case let (lo?, hi?): "\(ClinicalFormat.fixed(lo))-\(ClinicalFormat.fixed(hi))"
        case let (lo?, nil): "≥ \(ClinicalFormat.fixed(lo))"
        case let (nil, hi?): "≤ \(ClinicalFormat.fixed(hi))"
        case (nil, nil): "–"
        }
    }

    static func conclusion(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        let sentences = conclusionSentences(report)
        doc.raw("<div class=\"conclusion\" id=\"conclusion\"><h2>Conclusion</h2><ul>" + sentences.map { "<li>\(xmlEscape($0))</li>" }.joined() + "</ul></div>")
    }

    /// The pairs the decision calls synkinetic at any session, with the decision's measure at the first and latest.
    static func synkineticPairs(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        let indices = report.sessions.indices.filter { report.sessions[$0].synkinesis != nil }
        guard let firstIndex = indices.first, let lastIndex = indices.last else { return }
        let progress = report.progress
        doc.raw("<h2 id=\"synkinetic-pairs\">Synkinetic pairs</h2>")
        guard !progress.pairs.isEmpty else {
            doc.paragraph("No pair met the decision rule at \(indices.count == 1 ? "this session" : "any of the \(indices.count) sessions").", className: "ok")
            return
        }
        let columns = firstIndex == lastIndex ? [lastIndex] : [firstIndex, lastIndex]
        var header = ["pair: task → follower region", "cut-off"]
        header += columns.map { "ratio \(report.sessions[$0].dateText)" }
        header.append(columns.count == 2 ? "change" : "decision")
        var rows: [String] = []
        // Page one stays one page: the first rows (synkinetic at the latest session first), the rest under Progress.
        for p in progress.pairs.prefix(pageOnePairs) {
            let any = p.pairs.compactMap { $0 }.first!
            var cells = ["<td class=\"nowrap\">\(xmlEscape(p.label))</td>",
                         "<td class=\"num\">\(ClinicalFormat.fixed(p.decisions.compactMap { $0?.cutoff }.first))</td>"]
            for s in columns { cells.append(decisionCell(p.pairs[s], tag: p.tags[s])) }
            if columns.count == 2 {
                let change = p.change
                cells.append("<td class=\"change \(change?.verdict.rawValue ?? "")\" title=\"\(xmlEscape(change?.basis ?? ""))\"><strong>\(xmlEscape(change?.verdict.words ?? "not comparable"))</strong> <small>\(xmlEscape(change?.short ?? "measured once"))</small></td>")
            } else {
                cells.append("<td><small>\(xmlEscape(pairDecision(any).reason ?? ""))</small></td>")
            }
            rows.append(row(cells, key: nil, cls: nil))
        }
        if progress.pairs.count > pageOnePairs {
            rows.append("<tr><td colspan=\"\(header.count)\">\(xmlEscape("and \(progress.pairs.count - pageOnePairs) more synkinetic pairs: see Progress and the session tables"))</td></tr>")
        }
        doc.raw(table(header: header, rows: rows, cls: "pairs"))
        let change = columns.count == 2 ? " Change: \(changeRuleSummary)" : ""
        doc.raw("<p class=\"meta\">\(xmlEscape("Activity ratio: the follower's own activity during the task, affected ÷ healthy side, over the task's repetitions — Bernardes' amplitude (RMS) ratio with crosstalk from neighbouring muscles removed and the affected side's weakness corrected; synkinesis (bold) when it exceeds the pattern's cut-off (1.62 ocular→oral, 1.79 oral→ocular: Bernardes 2018; 1.79 for other patterns) with its 95 % interval excluding 1, as decided by the analysis.\(change)"))</p>")
    }

    static let changeRuleSummary = "improved (worse) when the 95 % interval of the ratio's change lies wholly below (above) no change; without intervals, when the decision changed or the ratio fell (rose) by at least the factor of the cut-off (rule in Methods)."

    /// The ratio of a pair at one session, bold when the decision calls it synkinetic, with its verdict in words.
    static func decisionCell(_ pair: SynkinesisPair?, tag: String?) -> String {
        guard let pair, let tag else { return "<td class=\"num\">not measured</td>" }
        let d = pairDecision(pair)
        let key = "synkinesis|\(tag)|\(pair.task)|\(pair.driver.rawValue)|\(pair.follower.rawValue)"
        let value = "<span data-field=\"\(d.measureField)\" data-value=\"\(raw(d.value))\">\(ClinicalFormat.fixed(d.value))</span>"
        let strong = d.verdict == .synkinesis
        return "<td class=\"num verdict-\(d.verdict.rawValue)\" data-key=\"\(xmlEscape(key))\" title=\"\(xmlEscape(d.reason ?? d.verdict.words))\">\(strong ? "<strong>\(value)</strong>" : value) <small>\(xmlEscape(d.verdict.words))</small></td>"
    }

    static func enogSummary(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        guard let session = report.sessions.last(where: { $0.nerveConduction != nil }), let study = session.nerveConductionStudy,
              let ncs = study.nerveConduction else { return }
        doc.raw("<h2 id=\"enog\">ENoG per branch (\(xmlEscape(session.dateText)))</h2>")
        if ncs.branches.isEmpty {
            doc.paragraph("No branch could be compared between the sides" + (ncs.flags.isEmpty ? "." : ": " + ncs.flags.map(ClinicalLanguage.flag).joined(separator: "; ") + "."), className: "warn")
        } else {
            let threshold = ncs.parameters.degenerationThresholdPercent
            var rows: [String] = []
            for b in ncs.branches {
                let muscle = ncs.responses.first { $0.branch == b.branch }?.muscle
                let severe = (b.degenerationPercent ?? 0) > threshold
                let finding = b.flags.isEmpty ? (severe ? ClinicalLanguage.flag("degeneration_above_threshold") : "") : b.flags.map(ClinicalLanguage.flag).joined(separator: "; ")
                rows.append(row([
                    text(ClinicalFormat.branchName(b.branch) + (muscle.map { " (\($0.rawValue))" } ?? "")),
                    number(b.enogPercent, 0, field: "enog_percent"), number(b.degenerationPercent, 0, field: "degeneration_percent"),
                    "<td class=\"num\">" + span(b.affectedAmplitudePeakToPeakMillivolt, field: "affected_amplitude_pp_mv") + " / " + span(b.healthyAmplitudePeakToPeakMillivolt, field: "healthy_amplitude_pp_mv") + "</td>",
                    number(b.latencyDifferenceMs, field: "latency_difference_ms"),
                    text(finding),
                ], key: "enog|\(study.tag)|\(b.branch.rawValue)", cls: severe ? "abnormal" : nil))
            }
            doc.raw(table(header: ["branch (muscle)", "ENoG %", "degeneration %", "p-p mV affected / healthy", "latency difference ms", "finding"], rows: rows, cls: "enog"))
        }
        doc.raw("<p class=\"caveat\">\(xmlEscape(enogTiming(report.daysSinceOnset(session.date))))</p>")
    }

    static func blinkSummary(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        guard let session = report.sessions.last(where: { $0.blinkReflex != nil }), let study = session.studies.first(where: { $0.blinkReflex != nil }),
              let blink = study.blinkReflex else { return }
        doc.raw("<h2 id=\"blink\">Blink reflex (\(xmlEscape(session.dateText)))</h2>")
        var rows: [String] = []
        for stimulated in Side.allCases {
            let comps = blink.components.filter { $0.stimulatedSide == stimulated }
            guard !comps.isEmpty else { continue }
            var cells = [text("\(stimulated.rawValue) supraorbital")]
            for (name, ipsi) in [("R1", true), ("R2", true), ("R2", false)] {
                let recorded = ipsi ? stimulated : stimulated.opposite
                if let c = comps.first(where: { $0.component.rawValue == name && $0.recordedSide == recorded && $0.muscle == .OOc }) {
                    cells.append(blinkCell(c, tag: study.tag))
                } else {
                    cells.append("<td class=\"num\">not recorded</td>")
                }
            }
            let spread = blink.spread.filter { $0.stimulatedSide == stimulated && $0.flags.contains("r2_spread_synkinesis") }
            cells.append(text(spread.isEmpty ? "none" : spread.map { "\($0.muscle.rawValue) \($0.recordedSide.rawValue)" }.joined(separator: ", ")))
            rows.append(row(cells, key: nil, cls: nil))
        }
        doc.raw(table(header: ["stimulated", "R1 (ipsilateral OOc) ms", "R2 ipsilateral ms", "R2 contralateral ms", "R2 spread (synkinesis sign)"], rows: rows, cls: "blink"))
        doc.raw("<p class=\"meta\">\(xmlEscape("Onset latencies, mean of the sweeps with a response; shaded: outside the normal limit (\(blink.normativeTable)); R2 spread into mouth or neck muscles is a sign of synkinesis."))</p>")
    }

    /// A blink component's onset, marked only when outside its limit or missing.
    static func blinkCell(_ c: BlinkComponent, tag: String) -> String {
        let key = "blink|\(tag)|\(c.component)|\(c.stimulatedSide.rawValue)|\(c.recordedSide.rawValue)|\(c.muscle.rawValue)"
        if c.onsetLatencyMs == nil {
            return "<td class=\"num abnormal\" data-key=\"\(xmlEscape(key))\">not found</td>"
        }
        let outside = c.normChecks.first { !$0.withinLimits }
        let note = outside.map { check -> String in
            let direction = (c.onsetLatencyMs ?? 0) > (check.upperLimit ?? .infinity) ? "above" : "below"
            return " <small>\(direction) \(xmlEscape(limitText(check)))</small>"
        } ?? ""
        return "<td class=\"num\(outside == nil ? "" : " abnormal")\" data-key=\"\(xmlEscape(key))\"><span data-field=\"onset_latency_ms\" data-value=\"\(raw(c.onsetLatencyMs))\">\(ClinicalFormat.fixed(c.onsetLatencyMs))</span>\(note)</td>"
    }

    static func qualitySummary(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        doc.raw("<h2 id=\"quality\">Data quality</h2>")
        // One line per problem channel, naming every recording it was seen in.
        var order: [String] = []
        var seen: [String: (channel: String?, sentence: String, recordings: [String])] = [:]
        for session in report.sessions {
            for study in session.studies {
                for problem in study.problems {
                    let key = (problem.channel ?? "") + "|" + problem.sentence
                    if seen[key] == nil { order.append(key); seen[key] = (problem.channel, problem.sentence, []) }
                    seen[key]!.recordings.append("\(shortKind(study.kind)) \(session.dateText)")
                }
            }
        }
        if order.isEmpty {
            let channels = report.studies.map(\.emgChannels.count).reduce(0, +)
            doc.raw("<p class=\"ok\">\(xmlEscape("All \(channels) EMG channels of the \(report.studies.count) recording\(report.studies.count == 1 ? "" : "s") passed the quality checks (flat, clipped, mains, motion, non-finite)."))</p>")
            return
        }
        doc.raw("<ul class=\"quality\">" + order.map { key in
            let p = seen[key]!
            return "<li>\(p.channel.map { "<strong>\(xmlEscape($0))</strong> " } ?? "")\(xmlEscape(p.sentence)) <span class=\"meta\">(\(xmlEscape(p.recordings.joined(separator: ", "))))</span></li>"
        }.joined() + "</ul>")
    }

    // MARK: Progress

    static func progress(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        let summary = report.progress
        doc.raw("<section class=\"detail\" id=\"progress\">")
        doc.heading("Progress", level: 2)
        let dated = summary.sessionDates.allSatisfy { $0 != nil }
        if !summary.pairs.isEmpty {
            doc.paragraph("Every pair the decision called synkinetic at one session or more, at every session. " + ruleText, className: "meta")
            let shown = summary.sessionLabels.indices.filter { s in summary.pairs.contains { $0.pairs[s] != nil } }
            var rows: [String] = []
            for p in summary.pairs {
                var cells = [text(p.label)]
                for s in shown { cells.append(decisionCell(p.pairs[s], tag: p.tags[s])) }
                cells.append("<td class=\"change \(p.change?.verdict.rawValue ?? "")\">\(xmlEscape(p.change?.verdict.words ?? "–"))</td>")
                for s in shown {
                    if let pair = p.pairs[s], let tag = p.tags[s] {
                        cells.append("<td class=\"num\" data-key=\"\(xmlEscape("synkinesis|\(tag)|\(pair.task)|\(pair.driver.rawValue)|\(pair.follower.rawValue)"))\">" + span(pair.synkineticCorrelation, field: "synkinetic_correlation") + " <small>[" + span(pair.ci95?.first, field: "ci95_low") + ", " + span(pair.ci95?.last, field: "ci95_high") + "]</small></td>")
                    } else {
                        cells.append("<td class=\"num\">–</td>")
                    }
                }
                cells.append("<td class=\"change \(p.indexChange?.verdict.rawValue ?? "")\">\(xmlEscape(p.indexChange?.verdict.words ?? "–"))</td>")
                rows.append(row(cells, key: nil, cls: nil))
            }
            let dates = shown.map { summary.sessionDates[$0].map(ClinicalLanguage.date) ?? summary.sessionLabels[$0] }
            doc.raw(table(header: ["pair"] + dates.map { "ratio \($0)" } + ["ratio change"] + dates.map { "index [95 % CI] \($0)" } + ["index change"], rows: rows, cls: "pairs progress"))
            doc.paragraph("Each synkinetic pair on two panels of its own: the activity ratio (the decision's measure; dashed: its cut-off and 1 = sides alike; filled marker: synkinesis at that session, open: not) and the synkinetic correlation index r(affected) − r(healthy) with its 95 % CI (dashed: 0), by session date.", className: "meta")
            var panels: [String] = []
            for p in summary.pairs {
                panels.append(trendPanel(p, summary: summary, dated: dated, index: false))
                panels.append(trendPanel(p, summary: summary, dated: dated, index: true))
            }
            // Rows of four panels, each kept whole on a page, so that a page break falls between rows.
            for start in stride(from: 0, to: panels.count, by: 4) {
                doc.figures(Array(panels[start..<min(panels.count, start + 4)]))
            }
        }
        if !summary.branchTrends.isEmpty {
            let panels = summary.branchTrends.map { trend -> String in
                let x = xPositions(summary, dated: dated)
                var plot = LinePlot(title: "\(ClinicalLanguage.capitalised(ClinicalFormat.branchName(trend.branch))) ENoG", xLabel: dated ? "session date" : "session", yLabel: "ENoG %",
                                    series: [PlotSeries(name: "ENoG", x: x, y: trend.values.map { $0 ?? .nan }, color: Palette.healthy, markers: true)])
                plot.yRange = (0, max(100, (trend.values.compactMap { $0 }.max() ?? 0).rounded(.up)))
                plot.references = [(10, "10 %")]
                plot.xTicks = xTicks(summary, dated: dated)
                plot.xRange = xRange(x)
                plot.width = 170
                plot.height = 150
                plot.leftMargin = 30
                plot.smallTitle = true
                plot.showLegend = false
                return plot.svg()
            }
            doc.figures(panels, caption: "ENoG per branch at every nerve-conduction study; dashed line: 10 % (90 % degeneration).")
        }
        doc.raw("</section>")
    }

    static let ruleText = "Change from the first to the latest session: with a 95 % interval at both sessions, improved (worse) when the interval of the change, d ± 1.96·√(se₁² + se₂²) on the log scale for ratios, lies wholly below (above) no change; a ratio without an interval at one of the sessions (a single repetition) is judged improved (worse) when the decision changed from synkinesis to not synkinetic (or back), or when the ratio fell (rose) by at least the factor of its pattern's cut-off, and unchanged otherwise."

    static func xPositions(_ summary: ProgressSummary, dated: Bool) -> [Double] {
        guard dated, let first = summary.sessionDates.first ?? nil else { return summary.sessionLabels.indices.map { Double($0 + 1) } }
        return summary.sessionDates.map { Double(ClinicalLanguage.days(from: first, to: $0!)) }
    }

    static func xRange(_ x: [Double]) -> (Double, Double) {
        let lo = x.min() ?? 0, hi = x.max() ?? 1
        let pad = max(1, (hi - lo) * 0.12)
        return (lo - pad, hi + pad)
    }

    /// Ticks at the sessions' dates (or labels when undated).
    static func xTicks(_ summary: ProgressSummary, dated: Bool) -> [(Double, String)] {
        let x = xPositions(summary, dated: dated)
        return x.indices.map { (x[$0], dated ? ClinicalLanguage.month(summary.sessionDates[$0]!) : summary.sessionLabels[$0]) }
    }

    static func trendPanel(_ p: PairProgress, summary: ProgressSummary, dated: Bool, index: Bool) -> String {
        let x = xPositions(summary, dated: dated)
        let title = "\(p.driver.rawValue)→\(p.follower.rawValue) \(ClinicalLanguage.task(p.task))"
        var plot: LinePlot
        if index {
            var series = PlotSeries(name: "index", x: x, y: p.pairs.map { $0?.synkineticCorrelation ?? .nan }, color: Palette.neutral, markers: true)
            series.lower = p.pairs.map { $0?.ci95?.first ?? .nan }
            series.upper = p.pairs.map { $0?.ci95?.last ?? .nan }
            plot = LinePlot(title: title, xLabel: dated ? "session date" : "session", yLabel: "index", series: [series])
            plot.subtitle = "index \(p.indexChange?.verdict.words ?? "–")"
            plot.references = [(0, "")]
            let values = (series.y + series.lower! + series.upper!).filter(\.isFinite)
            plot.yRange = NiceScale.range(min(-0.2, values.min() ?? 0), max(0.2, values.max() ?? 0))
        } else {
            let decisions = p.decisions
            var line = PlotSeries(name: "ratio", x: x, y: decisions.map { $0?.value ?? .nan }, color: Palette.affected, markers: false)
            line.width = 1.6
            // Filled markers where the decision called the pair synkinetic, open ones elsewhere: shape, not only colour.
            let marked = PlotSeries(name: "synkinesis", x: x.indices.map { decisions[$0]?.verdict == .synkinesis ? x[$0] : .nan },
                                    y: decisions.map { $0?.verdict == .synkinesis ? ($0?.value ?? .nan) : .nan }, color: Palette.affected, markers: true)
            plot = LinePlot(title: title, xLabel: dated ? "session date" : "session", yLabel: "ratio", series: [line, marked])
            plot.subtitle = "ratio \(p.change?.verdict.words ?? "–")\(decisions.compactMap { $0?.cutoff }.first.map { ", cut-off \(ClinicalFormat.fixed($0))" } ?? "")"
            let cutoff = decisions.compactMap { $0?.cutoff }.first
            if let cutoff { plot.references = [(cutoff, ""), (1, "")] }
            let values = decisions.compactMap { $0?.value } + [cutoff ?? 1, 1]
            plot.yRange = NiceScale.range(0, values.max() ?? 2)
            plot.cursors = []
            let unmarked = x.indices.filter { decisions[$0] != nil && decisions[$0]?.verdict != .synkinesis }
            if !unmarked.isEmpty {
                var open = PlotSeries(name: "not synkinetic", x: unmarked.map { x[$0] }, y: unmarked.map { decisions[$0]?.value ?? .nan }, color: "#ffffff", markers: true)
                open.width = 0
                plot.series.append(open)
            }
        }
        plot.xTicks = xTicks(summary, dated: dated)
        plot.xRange = xRange(x)
        plot.width = 172
        plot.height = 132
        plot.leftMargin = 30
        plot.smallTitle = true
        plot.showLegend = false
        var svg = plot.svg()
        if !index {
            // Open markers: a white dot drawn over an outlined circle.
            svg = svg.replacingOccurrences(of: "fill=\"#ffffff\"/>", with: "fill=\"#ffffff\" stroke=\"\(Palette.affected)\" stroke-width=\"1.5\"/>")
        }
        return svg
    }

    // MARK: Synkinesis details

    static func synkinesisDetails(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        let indices = report.sessions.indices.filter { report.sessions[$0].synkinesis != nil }
        let unmeasured = report.studies.filter { $0.kind == .synkinesis && $0.synkinesis == nil }
        guard !indices.isEmpty || !unmeasured.isEmpty else { return }
        doc.raw("<section class=\"detail\" id=\"synkinesis\">")
        doc.heading("Synkinesis", level: 2)
        for study in unmeasured {
            if case .notMeasured(let error) = study.finding {
                doc.paragraph("\(fileName(study.input.path)): not measured: \(error.problem)\(error.hint.map { " (\($0))" } ?? ""). Nothing from this recording enters the report.", className: "warn")
            }
        }
        // Amplitude ratio maps, first and latest session side by side.
        let mapSessions = indices.count > 2 ? [indices.first!, indices.last!] : indices
        var maps: [String] = []
        for (n, s) in mapSessions.enumerated() {
            maps.append(ratioMap(report.sessions[s], withKey: n == mapSessions.count - 1))
        }
        if !maps.isEmpty {
            doc.figures(maps, caption: "Amplitude ratio (affected ÷ healthy) of every task (row) and follower (column), the decision's measure; blue below 1, orange above. Outlined with * : synkinesis; × : crosstalk. Grey: not measured or the task's driver.")
        }
        envelopeFigures(report, indices: indices, into: &doc)
        for s in indices {
            let session = report.sessions[s]
            guard let study = session.synkinesisStudy, let result = study.synkinesis else { continue }
            pairTable(result, session: session, tag: study.tag, into: &doc)
        }
        doc.raw("</section>")
    }

    static func ratioMap(_ session: ClinicalSession, withKey: Bool) -> String {
        let result = session.synkinesis!
        let muscles = Set(result.montage.map(\.muscle)).sorted()
        let values: [[Double?]] = result.tasks.map { task in
            muscles.map { m in result.pairs.first { $0.task == task.task && $0.follower == m }.flatMap { pairDecision($0).value } }
        }
        let marks: [[String?]] = result.tasks.map { task in
            muscles.map { m -> String? in
                guard let pair = result.pairs.first(where: { $0.task == task.task && $0.follower == m }) else { return nil }
                switch pairDecision(pair).verdict {
                case .synkinesis: return "*"
                case .crosstalk: return "×"
                default: return nil
                }
            }
        }
        var map = HeatMap(title: "\(session.dateText): activity ratio", rowLabels: result.tasks.map { ClinicalLanguage.task($0.task) },
                          columnLabels: muscles.map(\.rawValue), values: values)
        map.marks = marks
        map.color = { Palette.ratio($0) }
        map.format = { $0 >= 9.95 ? String(format: "%.0f", $0) : String(format: "%.1f", $0) }
        map.cell = 28
        map.key = withKey ? [(0.5, "0.5"), (1, "1 (alike)"), (2, "2"), (4, "≥ 4")] : []
        return map.svg()
    }

    /// Driver and follower envelopes of the synkinetic pairs at the first and latest session, affected and healthy
    /// side: the follower on one scale shared by its panels, the driver scaled to its own peak (dashed).
    static func envelopeFigures(_ report: ClinicalReport, indices: [Int], into doc: inout HTMLDocument) {
        let summary = report.progress
        let sessions = indices.count > 1 ? [indices.first!, indices.last!] : indices
        var figures = 0
        var notPlotted: [String] = []
        if !summary.pairs.isEmpty {
            doc.paragraph("Envelopes of the synkinetic pairs during their task: the follower (solid; orange on the affected, blue on the healthy side; one µV scale for all panels of a pair) and the driver (grey dashed, scaled to its own peak); thin grey lines: repetition onsets.", className: "meta")
        }
        for p in summary.pairs {
            guard figures < plottedPairs else { notPlotted.append("\(p.driver.rawValue)→\(p.follower.rawValue)"); continue }
            var panels: [(String, [PlotSeries], [PlotCursor], (Double, Double))] = []
            var peak = 0.0
            for s in sessions {
                let session = report.sessions[s]
                guard let study = session.synkinesisStudy, case .synkinesis(let result, let traces?) = study.finding,
                      let task = result.tasks.first(where: { $0.task == p.task }),
                      let first = task.spansS.first, let last = task.spansS.last, first.count == 2, last.count == 2 else { continue }
                let fs = traces.sampleRate
                let t0 = max(0, first[0] - 0.5), t1 = last[1] + 0.5
                for (slot, side) in [("affected", result.sideComparison.affectedSlot), ("healthy", result.sideComparison.healthySlot)] {
                    var series: [PlotSeries] = []
                    var driverPeak = 0.0
                    var driver: (x: [Double], y: [Double])?
                    for (role, muscle) in [("driver", p.driver), ("follower", p.follower)] {
                        guard fs > 0, let count = traces.sampleCount(muscle, side) else { continue }
                        let i0 = max(0, Int(t0 * fs)), i1 = min(count, Int(t1 * fs) + 1)
                        guard i1 > i0, let points = traces.plotPoints(muscle, side, samples: i0..<i1, maximum: 300) else { continue }
                        // The plotted points hold every bucket's extremes, so their peak is the trace's.
                        let top = points.y.filter(\.isFinite).max() ?? 0
                        if role == "driver" { driver = points; driverPeak = top } else {
                            peak = max(peak, top)
                            var line = PlotSeries(name: "follower \(muscle.rawValue)", x: points.x, y: points.y, color: slot == "affected" ? Palette.affected : Palette.healthy)
                            line.width = 1.3
                            series.append(line)
                        }
                    }
                    if let driver, driverPeak > 0 { series.insert(PlotSeries(name: "driver", x: driver.x, y: driver.y.map { $0 / driverPeak }, color: "#888888", dashed: true), at: 0) }
                    let cursors = task.spansS.compactMap { $0.first }.map { PlotCursor(x: $0, label: "", color: "#bbbbbb") }
                    panels.append(("\(session.dateText) \(slot) \(side == .left ? "L" : "R")", series, cursors, (t0, t1)))
                }
            }
            guard !panels.isEmpty, peak > 0 else { continue }
            let range = NiceScale.range(0, peak)
            let width = panels.count > 2 ? 172.0 : 340.0
            let svgs = panels.map { title, series, cursors, xr -> String in
                // The driver was scaled to 0…1; drawn on the follower's axis it spans the panel's height.
                let scaled = series.map { s -> PlotSeries in
                    guard s.name == "driver" else { return s }
                    var d = s
                    d.y = s.y.map { $0 * range.1 }
                    return d
                }
                var plot = LinePlot(title: title, xLabel: "s", yLabel: "\(p.follower.rawValue) µV", series: scaled)
                plot.yRange = range
                plot.xRange = xr
                plot.cursors = cursors
                plot.width = width
                plot.height = 124
                plot.leftMargin = 30
                plot.smallTitle = width < 200
                plot.showLegend = false
                if series.isEmpty { plot.series = [PlotSeries(name: "not recorded", x: [], y: [], color: "#999")] }
                return plot.svg()
            }
            let ratios = sessions.compactMap { s -> String? in
                guard let d = p.decisions[s] else { return nil }
                return "\(ClinicalFormat.fixed(d.value)) on \(report.sessions[s].dateText) (\(d.verdict.words))"
            }
            doc.figures(svgs, caption: "\(p.label): activity ratio " + ratios.joined(separator: ", ") + ".")
            figures += 1
        }
        if !notPlotted.isEmpty {
            doc.paragraph("Also synkinetic, not drawn: \(notPlotted.joined(separator: ", ")) (values in the tables).", className: "meta")
        }
    }

    /// Every pair of a session: the decision, its measure, and the correlation measures.
    static func pairTable(_ result: SynkinesisResult, session: ClinicalSession, tag: String, into doc: inout HTMLDocument) {
        let comparison = result.sideComparison
        doc.heading("All pairs, \(session.dateText) (\(session.label))", level: 3)
        var notes = ["affected = \(comparison.affectedSlot.rawValue) side, healthy = \(comparison.healthySlot.rawValue) side (\(comparison.basis.rawValue.replacingOccurrences(of: "_", with: " ")))",
                     "tasks \(result.tasksSource == .detected ? "detected from activation bursts (no events given)" : "from events"): " +
                     result.tasks.map { "\(ClinicalLanguage.task($0.task)) ×\($0.repetitions)" }.joined(separator: ", ")]
        if let reason = comparison.reason { notes.append(reason) }
        notes += result.taskGaps.map { gap in "\(gap.label): \(gap.reason)" }
        doc.paragraph(notes.joined(separator: "; ") + ".", className: comparison.possible ? "meta" : "warn")
        var rows: [(task: TaskSummary, row: String)] = []
        for task in result.tasks {
            for p in PairPriority.ordered(result.pairs.filter { $0.task == task.task }) {
                let d = pairDecision(p)
                let cells = [
                    "<td class=\"nowrap\">\(p.driver.rawValue)→\(p.follower.rawValue)</td>",
                    "<td class=\"num\">" + span(p.affected?.r, field: "r_affected") + " / " + span(p.healthy?.r, field: "r_healthy") + "</td>",
                    number(p.synkineticCorrelation, field: "synkinetic_correlation"),
                    "<td class=\"num\">[" + span(p.ci95?.first, field: "ci95_low") + ", " + span(p.ci95?.last, field: "ci95_high") + "]</td>",
                    "<td class=\"num\" data-field=\"p\" data-value=\"\(raw(p.p))\">\(ClinicalFormat.pValue(p.p))</td>",
                    number(p.amplitudeRatio, field: "amplitude_ratio"),
                    "<td class=\"num\"><span data-field=\"follower_own_ratio\" data-value=\"\(raw(p.followerOwnRatio))\">\(ClinicalFormat.fixed(p.followerOwnRatio))</span>\(p.amplitudeCutoff.map { _ in " <small>/ " } ?? "")\(p.amplitudeCutoff == nil ? "" : span(p.amplitudeCutoff, field: "amplitude_cutoff") + "</small>")</td>",
                    "<td class=\"nowrap\" title=\"\(xmlEscape(d.reason ?? ""))\">\(d.verdict == .synkinesis ? "<strong>synkinesis</strong>" : xmlEscape(d.verdict.words))</td>",
                ]
                let cls: String? = switch d.verdict {
                case .synkinesis: "flag"
                case .crosstalk: "crosstalk"
                default: nil
                }
                rows.append((task, row(cells, key: "synkinesis|\(tag)|\(p.task)|\(p.driver.rawValue)|\(p.follower.rawValue)", cls: cls)))
            }
        }
        // Two tables side by side, split between tasks near the middle, each task under a heading row.
        let header = ["pair", "r aff / healthy", "index", "95 % CI", "p", "RMS ratio", "activity ratio / cut-off", "decision"]
        var halves: [[String]] = [[], []]
        var half = 0, count = 0
        for task in result.tasks {
            let taskRows = rows.filter { $0.task == task }.map(\.row)
            if half == 0, count > 0, count + taskRows.count / 2 > rows.count / 2 { half = 1 }
            halves[half].append("<tr class=\"group\"><td colspan=\"\(header.count)\">\(xmlEscape("\(ClinicalLanguage.task(task.task)) (driver \(task.driver.rawValue), ×\(task.repetitions))"))</td></tr>")
            halves[half] += taskRows
            count += taskRows.count
        }
        doc.raw("<div class=\"halves\">" + halves.filter { !$0.isEmpty }.map { table(header: header, rows: $0, cls: "all-pairs") }.joined() + "</div>")
    }

    // MARK: Nerve conduction and blink details

    static func nerveConductionDetails(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        let studies = report.sessions.flatMap { s in s.studies.filter { $0.kind == .nerveConduction }.map { (s, $0) } }
        guard !studies.isEmpty else { return }
        doc.raw("<section class=\"detail\" id=\"ncs\">")
        for (session, study) in studies {
            doc.heading("Nerve conduction, \(session.dateText) (\(fileName(study.input.path)))", level: 2)
            guard case .nerveConduction(let result, let waveforms) = study.finding else {
                if case .notMeasured(let error) = study.finding {
                    doc.paragraph("Not measured: \(error.problem)\(error.hint.map { " (\($0))" } ?? "").", className: "warn")
                }
                continue
            }
            var notes = ["\(result.stimulusCount) stimuli (\(result.stimulusSource.rawValue))", "norms: \(result.normativeTable)"]
            notes += result.flags.map(ClinicalLanguage.flag)
            notes += result.excludedChannels.map(\.reason)
            doc.paragraph(notes.joined(separator: "; ") + ".", className: "meta")
            var rows: [String] = []
            for branch in Branch.allCases {
                let comparison = result.branches.first { $0.branch == branch }
                for r in result.responses.filter({ $0.branch == branch }).sorted(by: { $0.side < $1.side }) {
                    let isAffected = comparison?.affectedSide == r.side
                    let remarks = r.normChecks.filter { !$0.withinLimits }.map { ClinicalLanguage.normShort($0, unit: unit($0.measure)) }
                        + r.flags.filter { !$0.rawValue.hasSuffix("_norm") }.map(ClinicalLanguage.flag)
                    let cells = [
                        text(ClinicalFormat.branchName(branch)), text("\(r.side.rawValue)\(comparison == nil ? "" : isAffected ? " (aff.)" : "")"),
                        text(r.muscle.rawValue),
                        number(r.onsetLatencyMs, field: "onset_latency_ms"), number(r.peakLatencyMs, field: "peak_latency_ms"),
                        number(r.amplitudeBaselineToPeakMillivolt, field: "amplitude_bp_mv"), number(r.amplitudePeakToPeakMillivolt, field: "amplitude_pp_mv"),
                        number(r.durationMs, field: "duration_ms"), number(r.areaMillivoltMs, field: "area_mv_ms"),
                        text(remarks.isEmpty ? "normal" : remarks.joined(separator: "; ")),
                    ]
                    rows.append(row(cells, key: "ncs|\(study.tag)|\(branch.rawValue)|\(r.side.rawValue)", cls: remarks.isEmpty ? nil : "abnormal"))
                }
            }
            doc.raw(table(header: ["branch", "side", "muscle", "onset ms", "peak ms", "amp b-p mV", "amp p-p mV", "duration ms", "area mV·ms", "remarks"], rows: rows, cls: "ncs"))
            var figures: [String] = []
            if !result.branches.isEmpty {
                let threshold = result.parameters.degenerationThresholdPercent
                var chart = BarChart(title: "ENoG per branch", valueLabel: "ENoG (% of the healthy side)",
                                     bars: result.branches.map { b in
                                         BarChart.Bar(label: ClinicalFormat.branchName(b.branch), value: b.enogPercent,
                                                      color: (b.degenerationPercent ?? 0) > threshold ? Palette.affected : Palette.healthy)
                                     },
                                     range: (0, max(100, (result.branches.compactMap(\.enogPercent).max() ?? 0).rounded(.up))))
                chart.references = [(100 - threshold, "\(NiceScale.label(100 - threshold)) % ENoG = \(NiceScale.label(threshold)) % degeneration (orange: beyond)")]
                chart.plotWidth = 200
                figures.append(chart.svg())
            }
            let affected = result.branches.first?.affectedSide ?? result.affectedSide?.side ?? .left
            for branch in Branch.allCases {
                let forms = waveforms.filter { $0.branch == branch }.sorted { $0.side < $1.side }
                guard !forms.isEmpty else { continue }
                var series: [PlotSeries] = []
                var cursors: [PlotCursor] = []
                for form in forms {
                    let isAffected = form.side == affected
                    let color = isAffected ? Palette.affected : Palette.healthy
                    let w = form.response
                    series.append(PlotSeries(name: "\(form.side.rawValue)\(isAffected ? " (affected)" : "")", x: w.samples.indices.map { w.timeMs(ofSample: Double($0)) },
                                             y: w.samples.map { $0 / 1000 }, color: color, dashed: isAffected))
                    if let r = result.response(branch: branch, side: form.side) {
                        let s = form.side == .left ? "L" : "R"
                        if let onset = r.onsetLatencyMs { cursors.append(PlotCursor(x: onset, label: "on \(s)", color: color)) }
                        if let peak = r.peakLatencyMs { cursors.append(PlotCursor(x: peak, label: "pk \(s)", color: color)) }
                    }
                }
                var plot = LinePlot(title: "\(ClinicalLanguage.capitalised(ClinicalFormat.branchName(branch))) CMAP", xLabel: "ms after stimulus", yLabel: "mV", series: series)
                plot.cursors = cursors
                plot.xRange = (-2, min(20, series.flatMap(\.x).max() ?? 20))
                plot.width = 172
                plot.height = 150
                plot.leftMargin = 30
                plot.showLegend = false
                plot.smallTitle = true
                figures.append(plot.svg())
            }
            if !figures.isEmpty {
                doc.figures(figures, caption: "Averaged supramaximal responses (baseline-corrected, stimulus artefact blanked): affected side dashed orange, healthy side solid blue, with onset and negative-peak cursors (L/R).")
            }
        }
        doc.raw("</section>")
    }

    static func sampleRate(_ form: BlinkWaveform) -> Double {
        guard form.timeMs.count > 1 else { return 1000 }
        return 1000 / (form.timeMs[1] - form.timeMs[0])
    }

    /// Centred moving average over 2·halfWidth + 1 samples (the analysis' own envelope smoothing, for display).
    static func movingAverage(_ x: [Double], halfWidth: Int) -> [Double] {
        guard halfWidth > 0, !x.isEmpty else { return x }
        var prefix = [0.0]
        prefix.reserveCapacity(x.count + 1)
        for v in x { prefix.append(prefix.last! + v) }
        return x.indices.map { i in
            let a = max(0, i - halfWidth), b = min(x.count, i + halfWidth + 1)
            return (prefix[b] - prefix[a]) / Double(b - a)
        }
    }

    static func unit(_ measure: NormMeasure) -> String {
        measure.rawValue.hasSuffix("_mv") ? "mV" : measure.rawValue.hasSuffix("_ms") ? "ms" : ""
    }

    static func blinkDetails(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        let studies = report.sessions.flatMap { s in s.studies.filter { $0.kind == .blinkReflex }.map { (s, $0) } }
        guard !studies.isEmpty else { return }
        doc.raw("<section class=\"detail\" id=\"blink-detail\">")
        for (session, study) in studies {
            doc.heading("Blink reflex, \(session.dateText) (\(fileName(study.input.path)))", level: 2)
            guard case .blinkReflex(let result, let waveforms) = study.finding else {
                if case .notMeasured(let error) = study.finding {
                    doc.paragraph("Not measured: \(error.problem)\(error.hint.map { " (\($0))" } ?? "").", className: "warn")
                }
                continue
            }
            var notes = ["stimuli: \(result.stimulusSource.rawValue)", "norms: \(result.normativeTable)"]
            notes += result.excludedChannels.map(\.reason)
            doc.paragraph(notes.joined(separator: "; ") + ".", className: "meta")
            var rows: [String] = []
            for c in result.components + result.spread {
                let isSpread = c.muscle != .OOc
                var remarks: [String] = c.normChecks.filter { !$0.withinLimits }.map { ClinicalLanguage.normShort($0, unit: "ms") }
                remarks += c.flags.filter { !$0.rawValue.hasSuffix("_norm") && !(isSpread && $0 == "missing") }.map(ClinicalLanguage.flag)
                // An absent R2 in the mouth or neck is the normal finding: no spread.
                let normal = remarks.isEmpty
                let remark = normal ? (isSpread ? "no spread (normal)" : "normal") : remarks.joined(separator: "; ")
                let cells = [
                    text(c.component.rawValue), text(c.stimulatedSide.rawValue), text("\(c.muscle.rawValue) \(c.recordedSide.rawValue)"),
                    text(c.ipsilateral ? "ipsilateral" : "contralateral"),
                    number(c.onsetLatencyMs, field: "onset_latency_ms"), number(c.shortestLatencyMs, field: "shortest_latency_ms"),
                    number(c.amplitudePeakToPeakMillivolt, 3, field: "amplitude_pp_mv"),
                    text("\(c.sweepsWithResponse)/\(c.sweeps)"), text(remark),
                ]
                rows.append(row(cells, key: "blink|\(study.tag)|\(c.component)|\(c.stimulatedSide.rawValue)|\(c.recordedSide.rawValue)|\(c.muscle.rawValue)", cls: normal ? nil : "abnormal"))
            }
            for d in result.sideDifferences {
                var remarks = d.normCheck.map { $0.withinLimits ? [] : [ClinicalLanguage.normShort($0, unit: "ms")] } ?? []
                remarks += d.flags.filter { !$0.rawValue.hasSuffix("_norm") }.map(ClinicalLanguage.flag)
                rows.append(row([text(ClinicalLanguage.measure(d.measure)), text("left − right"), text(""), text(""), number(d.differenceMs, field: "difference_ms"),
                                 text(""), text(""), text(""), text(remarks.isEmpty ? "normal" : remarks.joined(separator: "; "))],
                                key: "blinkdiff|\(study.tag)|\(d.measure.rawValue)", cls: remarks.isEmpty ? nil : "abnormal"))
            }
            doc.raw(table(header: ["component", "stimulated", "recorded", "", "onset ms", "shortest ms", "amp p-p mV", "sweeps with response", "remarks"], rows: rows, cls: "blink-all"))
            var panels: [String] = []
            for stimulated in Side.allCases {
                let forms = waveforms.filter { $0.stimulatedSide == stimulated }.sorted { ($0.recordedSide != stimulated ? 1 : 0) < ($1.recordedSide != stimulated ? 1 : 0) }
                guard !forms.isEmpty else { continue }
                var series: [PlotSeries] = []
                var cursors: [PlotCursor] = []
                for form in forms {
                    let ipsi = form.recordedSide == stimulated
                    let color = ipsi ? Palette.healthy : Palette.affected
                    let smoothed = movingAverage(form.rectifiedMicrovolt, halfWidth: Int((result.parameters.envelopeWidthMs / 2 / 1000 * sampleRate(form)).rounded()))
                    let (x, y) = LinePlot.thin(x: form.timeMs, y: smoothed, maximum: 500)
                    series.append(PlotSeries(name: "OOc \(form.recordedSide.rawValue) (\(ipsi ? "ipsilateral" : "contralateral"))", x: x, y: y, color: color, dashed: !ipsi))
                    for c in result.components where c.stimulatedSide == stimulated && c.recordedSide == form.recordedSide {
                        if let onset = c.onsetLatencyMs { cursors.append(PlotCursor(x: onset, label: "\(c.component)\(c.component == .R2 ? (ipsi ? " ipsi" : " contra") : "")", color: color)) }
                    }
                }
                var plot = LinePlot(title: "\(ClinicalLanguage.capitalised(stimulated.rawValue)) supraorbital stimulation (\(forms[0].sweeps) sweeps)", xLabel: "ms after stimulus", yLabel: "rectified µV", series: series)
                plot.showLegend = false
                plot.cursors = cursors
                plot.xRange = (-5, min(100, series.flatMap(\.x).max() ?? 100))
                plot.width = 346
                plot.height = 170
                plot.leftMargin = 40
                panels.append(plot.svg())
            }
            if !panels.isEmpty {
                doc.figures(panels, caption: "Rectified average of the orbicularis oculi on both sides, smoothed over \(NiceScale.label(result.parameters.envelopeWidthMs)) ms as the analysis does: ipsilateral solid blue, contralateral dashed orange (artefact blanked), with the measured R1 and R2 onsets.")
            }
        }
        doc.raw("</section>")
    }

    // MARK: Methods

    static func methods(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        doc.raw("<section class=\"detail\" id=\"methods\">")
        doc.heading("Methods and parameters", level: 2)
        doc.paragraph("synk \(report.synkVersion). Recordings were classified by content: evoked when they list stimuli or carry a trigger channel and run at ≥ \(Int(StudyClassifier.evokedMinimumSampleRateHz)) Hz (blink reflex when a stimulus site is supraorbital, or the EMG channels are only OOc/OOr/PLA; otherwise nerve conduction), synkinesis otherwise. Sessions are grouped by the session identifier (else the recording day) and ordered by recording time. Synkinesis decision: as made by the analysis (docs/synkinesis-decision.md): the follower's own activity, affected ÷ healthy, against 1.62 ocular→oral and 1.79 oral→ocular (Bernardes 2018) and 1.79 for every other pattern (the limit of healthy side-to-side asymmetry), its 95 % interval over repetitions excluding 1; crosstalk when only the neighbours' signal makes the excess. " + ruleText, className: "meta")
        var rows: [String] = []
        for study in report.studies {
            rows.append(row([text(fileName(study.input.path)), text(shortKind(study.kind)), text(study.input.format),
                             number(study.input.sampleRateHz, 0, field: "sample_rate_hz"), number(study.input.durationS, 1, field: "duration_s"),
                             "<td class=\"mono\">\(study.input.sha256)</td>"], key: "input|\(study.tag)", cls: nil))
        }
        doc.raw(table(header: ["file", "analysed as", "format", "rate Hz", "duration s", "SHA-256"], rows: rows, cls: "inputs"))
        // What BIDS sidecars supplied to each recording (channels, side, events, rate): part of how it was read.
        let sidecars = report.studies.compactMap { study in study.input.sidecarSummary.map { "\(fileName(study.input.path)): \($0)" } }
        if !sidecars.isEmpty { doc.paragraph("BIDS sidecars applied: " + sidecars.joined(separator: "; ") + ".", className: "meta") }
        // Settings that replaced what a recording states (side, montage, events, stimuli): never silent.
        let overrides = report.studies.compactMap { study in study.input.overrideSummary.map { "\(fileName(study.input.path)): \($0)" } }
        if !overrides.isEmpty { doc.paragraph("Overrides of what the recordings state: " + overrides.joined(separator: "; ") + ".", className: "meta") }
        for kind in StudyKind.allCases {
            let studies = report.studies.filter { $0.kind == kind }
            var flattened: [(String, [(String, String)])] = []
            for study in studies {
                switch study.finding {
                case .synkinesis(let result, _):
                    var entries = flatten(result.parameters)
                    if let conditioning = result.conditioning { entries = flatten(conditioning).map { ("conditioning · " + $0.0, $0.1) } + entries }
                    flattened.append((fileName(study.input.path), entries))
                case .nerveConduction(let result, _): flattened.append((fileName(study.input.path), flatten(result.parameters)))
                case .blinkReflex(let result, _): flattened.append((fileName(study.input.path), flatten(result.parameters)))
                case .notMeasured: continue
                }
            }
            guard !flattened.isEmpty else { continue }
            doc.heading("\(kind.title) parameters", level: 3)
            parameterTable(flattened, into: &doc)
        }
        var normTables: [String: NormativeTable] = [:]
        for study in report.studies { if let norms = study.norms { normTables[norms.name] = norms } }
        for name in normTables.keys.sorted() {
            let norms = normTables[name]!
            doc.heading("Normative table: \(name)", level: 3)
            // Each source is listed once below the table; rows refer to it by number.
            var sources: [String] = []
            let rows = norms.limits.map { l in
                if !sources.contains(l.source) { sources.append(l.source) }
                let number = sources.firstIndex(of: l.source)! + 1
                return row([text(ClinicalLanguage.measure(l.measure)), text([l.branch.map(ClinicalFormat.branchName), l.muscle?.rawValue].compactMap { $0 }.joined(separator: ", ")),
                            text([l.lowerLimit.map { "≥ \(NiceScale.label($0))" }, l.upperLimit.map { "≤ \(NiceScale.label($0))" }].compactMap { $0 }.joined(separator: ", ")),
                            text("[\(number)]")], key: nil, cls: nil)
            }
            doc.raw(table(header: ["measure", "applies to", "limit", "source"], rows: rows, cls: "norms"))
            doc.raw("<ol class=\"sources\">" + sources.map { "<li>\(xmlEscape($0))</li>" }.joined() + "</ol>")
        }
        doc.raw("</section>")
    }

    /// A JSON value as decoded (booleans told apart from numbers on every platform).
    indirect enum JSONValue: Decodable {
        case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let n = try? c.decode(Double.self) { self = .number(n) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
            else { self = .object(try c.decode([String: JSONValue].self)) }
        }

        var leaf: String? {
            switch self {
            case .null: "none"
            case .bool(let b): b ? "yes" : "no"
            case .number(let n): NiceScale.label(n)
            case .string(let s): s.isEmpty ? "–" : s
            case .array, .object: nil
            }
        }
    }

    /// Setting → value for every leaf of an encodable value (nested keys joined with " · ", underscores as spaces).
    static func flatten<T: Encodable>(_ value: T) -> [(String, String)] {
        guard let data = try? JSONEncoder().encode(value), let root = try? JSONDecoder().decode(JSONValue.self, from: data) else { return [] }
        var out: [(String, String)] = []
        func walk(_ node: JSONValue, _ path: String) {
            switch node {
            case .object(let dict):
                for key in dict.keys.sorted() {
                    let name = words(key)
                    walk(dict[key]!, path.isEmpty ? name : path + " · " + name)
                }
            case .array(let items) where items.allSatisfy({ $0.leaf != nil }):
                out.append((path, items.isEmpty ? "none" : items.map { $0.leaf! }.joined(separator: ", ")))
            case .array(let items):
                for (i, item) in items.enumerated() { walk(item, "\(path) [\(i + 1)]") }
            default:
                out.append((path, node.leaf ?? ""))
            }
        }
        walk(root, "")
        return out
    }

    /// "bandPass", "band_pass" → "band pass"; "movingRMS" → "moving RMS" (acronyms stay upper case).
    static func words(_ key: String) -> String {
        var words: [String] = []
        var current = ""
        let chars = Array(key)
        for (i, ch) in chars.enumerated() {
            if ch == "_" || ch == " " {
                if !current.isEmpty { words.append(current); current = "" }
                continue
            }
            let previous = i > 0 ? chars[i - 1] : " "
            if ch.isUppercase, previous.isLowercase, !current.isEmpty { words.append(current); current = "" }
            current.append(ch)
        }
        if !current.isEmpty { words.append(current) }
        return words.map { $0.count > 1 && $0.allSatisfy(\.isUppercase) ? $0 : $0.lowercased() }.joined(separator: " ")
    }

    /// One table per analysis: settings shared by every recording once, differing ones with a column per recording.
    static func parameterTable(_ entries: [(String, [(String, String)])], into doc: inout HTMLDocument) {
        var keys: [String] = []
        var values: [String: [String]] = [:]
        for (i, (_, list)) in entries.enumerated() {
            for (key, value) in list {
                if values[key] == nil { keys.append(key); values[key] = Array(repeating: "–", count: entries.count) }
                values[key]![i] = value
            }
        }
        let shared = keys.filter { Set(values[$0]!).count == 1 }
        let differing = keys.filter { Set(values[$0]!).count > 1 }
        // Two settings per table row halve the appendix's length; descriptions follow as sentences.
        let short = shared.filter { values[$0]![0].count <= 40 }, long = shared.filter { values[$0]![0].count > 40 }
        var rows: [String] = []
        var i = 0
        while i < short.count {
            var cells = [text(short[i]), text(values[short[i]]![0])]
            if i + 1 < short.count { cells += [text(short[i + 1]), text(values[short[i + 1]]![0])] } else { cells += [text(""), text("")] }
            rows.append(row(cells, key: nil, cls: nil))
            i += 2
        }
        let scope = entries.count > 1 ? "same for all \(entries.count) recordings" : entries[0].0
        doc.raw(table(header: ["setting", "value", "setting", "value"], rows: rows, cls: "params", caption: scope))
        if !long.isEmpty {
            doc.raw("<dl class=\"described\">" + long.map { "<dt>\(xmlEscape($0))</dt><dd>\(xmlEscape(values[$0]![0]))</dd>" }.joined() + "</dl>")
        }
        if !differing.isEmpty {
            let rows = differing.map { key in row([text(key)] + values[key]!.map(text), key: nil, cls: nil) }
            doc.raw(table(header: ["setting"] + entries.map(\.0), rows: rows, cls: "params"))
        }
    }

    // MARK: Helpers

    static func fileName(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }

    static func raw(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "" }
        return String(format: "%.17g", x)
    }

    static func number(_ x: Double?, _ digits: Int = 2, field: String) -> String {
        "<td class=\"num\" data-field=\"\(field)\" data-value=\"\(raw(x))\">\(ClinicalFormat.fixed(x, digits))</td>"
    }

    static func span(_ x: Double?, _ digits: Int = 2, field: String) -> String {
        "<span data-field=\"\(field)\" data-value=\"\(raw(x))\">\(ClinicalFormat.fixed(x, digits))</span>"
    }

    static func text(_ s: String) -> String { "<td>\(xmlEscape(s))</td>" }

    static func row(_ cells: [String], key: String?, cls: String?) -> String {
        let k = key.map { " data-row=\"\(xmlEscape($0))\"" } ?? ""
        let c = cls.map { " class=\"\($0)\"" } ?? ""
        return "<tr\(k)\(c)>" + cells.joined() + "</tr>"
    }

    static func table(header: [String], rows: [String], cls: String? = nil, caption: String? = nil) -> String {
        "<table\(cls.map { " class=\"\($0)\"" } ?? "")>" + (caption.map { "<caption>\(xmlEscape($0))</caption>" } ?? "") + "<thead><tr>" + header.map { "<th>\(xmlEscape($0))</th>" }.joined() + "</tr></thead><tbody>" + rows.joined() + "</tbody></table>"
    }

    static let css = """
    h1 { font-size: 20px; margin: 0 0 6px; }
    h2 { font-size: 14.5px; margin: 14px 0 5px; border-bottom: 2px solid #0072B2; }
    .page-one h2 { font-size: 13px; margin: 10px 0 3px; border-bottom: 1px solid #0072B2; }
    h3 { font-size: 12.5px; margin: 10px 0 3px; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 1px 10px; margin: 4px 0 6px; }
    dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; } dl.facts dd.wide { grid-column: span 3; }
    .conclusion { background: #f3f7fb; border-left: 4px solid #0072B2; padding: 2px 10px 4px; margin: 8px 0; }
    .conclusion h2 { border: none; margin: 4px 0 0; }
    .conclusion ul { margin: 3px 0; padding-left: 18px; } .conclusion li { margin: 2px 0; }
    ul.quality { margin: 2px 0; padding-left: 18px; }
    p.caveat { font-size: 11px; margin: 2px 0; }
    p.ok { color: #1b5e20; margin: 2px 0; }
    p.foot { color: #777; font-size: 10px; margin-top: 10px; }
    td.change.improved strong, td.change.improved { color: #00594a; } td.change.worse strong, td.change.worse { color: #a33b00; }
    td.abnormal, tr.abnormal td { background: #fdeee4; }
    tr.flag td { background: #fdeee4; } tr.crosstalk td { background: repeating-linear-gradient(45deg, #f4f4f4, #f4f4f4 4px, #fff 4px, #fff 8px); }
    table.all-pairs, table.ncs, table.blink-all, table.params, table.norms, table.inputs { font-size: 10.5px; }
    table.norms td:nth-child(2), table.norms td:nth-child(3) { white-space: nowrap; }
    ol.sources { font-size: 9.5px; margin: 4px 0 0 18px; padding: 0; }
    table.all-pairs td, table.all-pairs th, table.params td, table.params th { padding: 1px 5px; }
    small { font-size: 10px; color: #444; }
    svg .subtitle { font-size: 10.5px; fill: #333; } svg .strong { font-weight: 700; }
    svg rect.marked { stroke: #000; stroke-width: 2; } svg rect.keycell { stroke: #aaa; }
    td.nowrap, th.nowrap { white-space: nowrap; }
    .halves { display: flex; gap: 8px; align-items: flex-start; }
    table.all-pairs { font-size: 9.5px; } table.all-pairs tr.group td { font-weight: 600; background: #f4f6f8; padding-top: 3px; }
    table.sessions, table.pairs, table.enog, table.blink { width: 100%; }
    table.progress td:first-child { white-space: nowrap; }
    dl.described { display: grid; grid-template-columns: max-content 1fr; gap: 1px 10px; font-size: 9.5px; margin: 2px 0 8px; }
    dl.described dt { font-weight: 600; } dl.described dd { margin: 0; }
    table.params td:nth-child(odd) { color: #444; }
    @media print {
      body { font-size: 10px; }
      .page-one { font-size: 11px; } .page-one table { font-size: 10.5px; } .page-one .meta, .page-one p.caveat { font-size: 9.5px; }
      .page-one { break-after: page; }
      table.params, table.inputs, table.norms { font-size: 9.5px; }
      section.detail > h2:first-child { break-before: auto; }
      tr { break-inside: avoid; } h2, h3 { break-after: avoid; }
    }
    """
}
