import Foundation
import Testing
import SynkCore
import SynkAnalysis
@testable import SynkReport

/// A pair as `synk synkinesis` writes it, with only the fields a test sets. The decision defaults to what `flag`
/// says (synkinesis when flagged, undetermined without a ratio, not synkinetic otherwise).
func pair(task: String = "eye_closure", driver: String = "OOc", follower: String = "OOr", pattern: String = "ocular_to_oral",
          ratio: Double?, cutoff: Double?, flag: Bool, decision: String? = nil, reason: String? = nil, ownCI: [Double]? = nil,
          index: Double? = nil, ci: [Double]? = nil) throws -> SynkinesisPair {
    let decided = decision ?? (flag ? "synkinesis" : ratio == nil ? "undetermined" : "not_synkinetic")
    var object: [String: Any] = ["task": task, "driver": driver, "follower": follower, "pattern": pattern, "flag": flag,
                                 "correlation_flag": false, "notes": [String](), "decision": decided,
                                 "decision_reason": reason ?? "\(decided) (test)"]
    if let ratio { object["amplitude_ratio"] = ratio; object["follower_own_ratio"] = ratio }
    if let cutoff { object["amplitude_cutoff"] = cutoff }
    if flag, let reason { object["flag_reason"] = reason }
    if let ownCI { object["follower_own_ratio_ci95"] = ownCI }
    if let index { object["synkinetic_correlation"] = index }
    if let ci { object["ci95"] = ci }
    return try JSONDecoder().decode(SynkinesisPair.self, from: JSONSerialization.data(withJSONObject: object))
}

@Suite("The report shows the synkinesis decision and judges change by a stated rule")
struct PairDecisionTests {
    @Test("the decision, its sentence and its measure are the analysis's own (decision, decision_reason, follower_own_ratio)")
    func decisionFromResults() throws {
        let flagged = pairDecision(try pair(ratio: 5.48, cutoff: 1.62, flag: true, reason: "own ratio 5.48 > 1.62 (ocular_to_oral, Bernardes 2018)",
                                            ownCI: [4.1, 7.3]))
        #expect(flagged.verdict == .synkinesis)
        #expect(flagged.value == 5.48 && flagged.cutoff == 1.62 && flagged.measureField == "follower_own_ratio")
        #expect(flagged.interval == 4.1...7.3)
        #expect(flagged.reason == "own ratio 5.48 > 1.62 (ocular→oral, Bernardes 2018)")
        #expect(pairDecision(try pair(ratio: 1.2, cutoff: 1.62, flag: false)).verdict == .notSynkinetic)
        // The analysis labels a neighbour's excess crosstalk; the report shows that, not synkinesis.
        let crosstalk = pairDecision(try pair(follower: "MEN", ratio: 1.4, cutoff: 1.62, flag: false, decision: "crosstalk",
                                              reason: "crosstalk: the excess is the neighbours' signal"))
        #expect(crosstalk.verdict == .crosstalk && crosstalk.reason?.contains("crosstalk") == true)
        let undetermined = pairDecision(try pair(ratio: nil, cutoff: 1.62, flag: false, reason: "no side comparison"))
        #expect(undetermined.verdict == .undetermined && undetermined.reason == "no side comparison")
        // The report's old second highlight (index CI above 0) is gone: a positive index with no decision is not synkinetic.
        let correlated = pairDecision(try pair(ratio: 1.38, cutoff: 1.79, flag: false, index: 0.34, ci: [0.06, 0.6]))
        #expect(correlated.verdict == .notSynkinetic)
    }

    @Test("with the ratio's interval at both sessions, the 95 % CI of its change (log scale) decides")
    func ratioIntervals() throws {
        // 5.48 [4.1, 7.3] → 2.72 [2.0, 3.7]: se ln 0.14717 and 0.15694; d = ln(2.72/5.48) = −0.70047, half-width
        // 1.959964·√(0.14717² + 0.15694²) = 0.42168 → [−1.122, −0.279] → improved
        let change = ChangeRule.decisionMeasure(from: pairDecision(try pair(ratio: 5.48, cutoff: 1.62, flag: true, ownCI: [4.1, 7.3])),
                                                to: pairDecision(try pair(ratio: 2.72, cutoff: 1.62, flag: true, ownCI: [2.0, 3.7])))
        #expect(change.verdict == .improved, "\(change.basis)")
        #expect(change.basis.contains("×0.33 to ×0.76"))
    }

    /// Rule 1 by hand: se = width / (2·1.959964) per session, d ± 1.959964·√(se₁² + se₂²).
    @Test("with intervals at both sessions, the 95 % CI of the change decides", arguments: [
        // index 0.5 [0.3, 0.7] → 0.1 [−0.1, 0.3]: se 0.10204 each, d = −0.4, half-width 0.28284: [−0.683, −0.117] → improved
        (0.5, [0.3, 0.7], 0.1, [-0.1, 0.3], ChangeVerdict.improved),
        // → 0.3 [0.1, 0.5]: d = −0.2, [−0.483, 0.083] includes 0 → unchanged
        (0.5, [0.3, 0.7], 0.3, [0.1, 0.5], .unchanged),
        // → 0.9 [0.7, 1.1]: d = +0.4 → worse
        (0.5, [0.3, 0.7], 0.9, [0.7, 1.1], .worse),
    ])
    func intervalRule(a: Double, ia: [Double], b: Double, ib: [Double], expected: ChangeVerdict) {
        let change = ChangeRule.index(a, ia, b, ib)
        #expect(change.verdict == expected, "\(change.basis)")
    }

    @Test("for ratios the interval rule works on the log scale")
    func logScale() throws {
        // 4 [3, 5.333] → 2 [1.5, 2.667]: ln widths 0.57536 → se 0.14678 each; d = ln 0.5 = −0.69315,
        // half-width 1.959964·√2·0.14678 = 0.40685 → [−1.100, −0.286] → improved
        let change = try #require(ChangeRule.byIntervals(4, 3...(16.0 / 3), 2, 1.5...(8.0 / 3), multiplicative: true))
        #expect(change.verdict == .improved)
        #expect(change.basis.contains("×0.33 to ×0.75"))
        // The same intervals around 4 → 3: d = −0.2877, [−0.695, 0.119] → unchanged
        #expect(ChangeRule.byIntervals(4, 3...(16.0 / 3), 3, 2.25...4, multiplicative: true)?.verdict == .unchanged)
    }

    @Test("without an interval for the ratio (one repetition): a changed decision, or a change by the cut-off's factor, decides", arguments: [
        // SampleData OOc→OOr: 5.48 → 2.72, synkinetic at both; ÷2.01 ≥ 1.62 → improved
        (5.48, true, 2.72, true, 1.62, ChangeVerdict.improved),
        // ZYG→OOc: 2.65 (synkinesis) → 1.56 (not): decision changed → improved, although ÷1.70 < 1.79
        (2.65, true, 1.56, false, 1.79, .improved),
        // 2.0 → 1.7, synkinetic at both: ÷1.18 < 1.62 → unchanged
        (2.0, true, 1.7, true, 1.62, .unchanged),
        // 1.2 (not) → 2.5 (synkinesis): worse
        (1.2, false, 2.5, true, 1.62, .worse),
        // 1.8 → 3.0, synkinetic at both: ×1.67 ≥ 1.62 → worse
        (1.8, true, 3.0, true, 1.62, .worse),
    ])
    func ratioRule(a: Double, flagA: Bool, b: Double, flagB: Bool, cutoff: Double, expected: ChangeVerdict) throws {
        let change = ChangeRule.decisionMeasure(from: pairDecision(try pair(ratio: a, cutoff: cutoff, flag: flagA)),
                                                to: pairDecision(try pair(ratio: b, cutoff: cutoff, flag: flagB)))
        #expect(change.verdict == expected, "\(change.basis)")
    }

    @Test("a pair measured at one session only is not compared")
    func notComparable() throws {
        let change = ChangeRule.decisionMeasure(from: pairDecision(try pair(ratio: nil, cutoff: 1.62, flag: false)),
                                                to: pairDecision(try pair(ratio: 2, cutoff: 1.62, flag: true)))
        #expect(change.verdict == .notComparable)
        #expect(ChangeRule.index(0.2, nil, 0.1, [0, 0.2]).verdict == .notComparable)
    }
}

@Suite("Plain words for codes, dates and the ENoG timing")
struct ClinicalLanguageTests {
    /// Every flag code the analyses write today (grep of `flags.append` in SynkAnalysis), plus patterned norm flags.
    static let codes = [
        "missing", "not_in_every_sweep", "r2_spread_synkinesis", "r1_missing", "r1_missing_on_one_side", "r2_missing_on_one_side",
        "degeneration_above_threshold", "affected_side_no_response", "healthy_side_no_response", "affected_side_unknown",
        "amplitude_fell_at_highest_intensity", "channels_excluded_by_quality", "negative_phase_unterminated", "not_supramaximal",
        "onset_fallback_threshold", "onset_near_artefact", "positive_peak_at_window_end", "stimulus_side_unknown", "window_too_short",
        "amplitude_bp_mv_below_norm", "onset_latency_ms_above_norm", "r1_latency_ms_above_norm", "r1_side_difference_ms_above_norm",
        "a_code_added_later",
    ]

    @Test("every flag becomes words without underscores", arguments: codes)
    func flagWords(code: String) {
        let sentence = ClinicalLanguage.flag(code)
        #expect(!sentence.contains("_"), "\(code) → \(sentence)")
        #expect(!sentence.isEmpty)
    }

    @Test("norm flags name the measure and the direction")
    func normFlags() {
        #expect(ClinicalLanguage.flag("amplitude_bp_mv_below_norm") == "amplitude (baseline to peak) below the normal limit")
        #expect(ClinicalLanguage.flag("r1_latency_ms_above_norm") == "R1 latency above the normal limit")
    }

    @Test("dates print the same on every machine; days since onset count calendar days")
    func dates() throws {
        let onset = try #require(ClinicalContext.day("2025-10-06"))
        let session = try #require(ClinicalContext.day("2026-03-02"))
        #expect(ClinicalLanguage.date(session) == "2 Mar 2026")
        #expect(ClinicalLanguage.month(session) == "Mar 2026")
        // Oct 6 → Mar 2: 25 (rest of Oct) + 30 + 31 + 31 + 28 + 2 = 147
        #expect(ClinicalLanguage.days(from: onset, to: session) == 147)
        #expect(ClinicalContext.day("2026-02-30") == nil)
        #expect(ClinicalContext.day("2026-3-2") == nil)
    }

    @Test("the ENoG caveat follows the 3-14-day window", arguments: [
        (nil as Int?, "Date of onset not given"), (1, "repeat between day 3 and 14"), (3, "inside the 3-14-day window"),
        (14, "inside the 3-14-day window"), (15, "the 90 % threshold belongs to days 3-14"),
    ])
    func timing(days: Int?, expected: String) {
        #expect(ClinicalHTML.enogTiming(days).contains(expected))
    }
}

@Suite("The clinical context sidecar")
struct ClinicalContextTests {
    static func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("context-\(UUID().uuidString).json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("a sidecar with every field reads back, grades in Roman or Arabic numerals")
    func reads() throws {
        let path = try Self.write("""
        {"patient_id": "P-017", "date_of_onset": "2026-01-20", "examiner": "Dr B", "indication": "left Bell's palsy",
         "sessions": [{"session": "ses-1", "house_brackmann": "IV", "sunnybrook_composite": 41, "sunnybrook_synkinesis": 9,
                       "eface_total": 55.5, "eface_synkinesis": 60, "note": "before the programme"},
                      {"date": "2026-09-14", "house_brackmann": 2}]}
        """)
        let context = try ClinicalContext.load(path: path)
        #expect(context.patientID == "P-017" && context.examiner == "Dr B" && context.indication == "left Bell's palsy")
        #expect(context.onset == ClinicalContext.day("2026-01-20"))
        #expect(context.sessions[0].houseBrackmann == 4 && context.sessions[0].houseBrackmannRoman == "IV")
        #expect(context.sessions[0].eFACETotal == 55.5 && context.sessions[1].houseBrackmann == 2)
        let first = ClinicalSession(label: "ses-1", date: ClinicalContext.day("2026-03-02"), studies: [])
        let second = ClinicalSession(label: "ses-2", date: ClinicalContext.day("2026-09-14")!.addingTimeInterval(9 * 3600), studies: [])
        #expect(context.grades(for: first)?.sunnybrookComposite == 41)
        #expect(context.grades(for: second)?.houseBrackmann == 2)
        #expect(context.unmatchedGrades([first, second]).isEmpty)
        #expect(context.unmatchedGrades([first]).count == 1)
    }

    @Test("a wrong sidecar is one input error naming the file and the problem", arguments: [
        ("{\"patient\": \"x\"}", "unknown field \"patient\""),
        ("{\"date_of_onset\": \"20.01.2026\"}", "date_of_onset \"20.01.2026\" is not YYYY-MM-DD"),
        ("{\"sessions\": [{\"session\": \"1\", \"sunnybrook_synkinesis\": 16}]}", "sunnybrook_synkinesis 16.0 is outside its scale 0-15"),
        ("{\"sessions\": [{\"session\": \"1\", \"house_brackmann\": \"VII\"}]}", "not a grade I-VI"),
        ("{\"sessions\": [{\"house_brackmann\": 3}]}", "need \"session\" or \"date\""),
        ("{\"sessions\": [{\"session\": \"1\", \"hb\": 3}]}", "unknown field \"hb\" in sessions[0]"),
        ("[1, 2]", "must be a JSON object"),
        ("{not json", "not valid JSON"),
    ])
    func rejects(text: String, message: String) throws {
        let path = try Self.write(text)
        do {
            _ = try ClinicalContext.load(path: path)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.kind == .input)
            #expect(error.file == path)
            #expect(error.description.contains(message), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }
}

@Suite("Labels in the report's figures do not overlap")
struct FigureLabelTests {
    /// Estimated boxes of every unrotated `<text>` of an SVG (font size from the report's CSS classes).
    static func boxes(_ svg: String) -> [(String, TextBox)] {
        let sizes = ["title": 11.5, "small": 9.5, "subtitle": 10.5, "tick": 10.0, "label": 10.5, "legend": 10.5, "cell": 9.0]
        var out: [(String, TextBox)] = []
        for chunk in svg.components(separatedBy: "<text ").dropFirst() {
            let tag = String(chunk.prefix { $0 != ">" })
            guard !tag.contains("transform"), let close = chunk.range(of: "</text>") else { continue }
            let content = String(chunk[chunk.index(after: chunk.firstIndex(of: ">")!)..<close.lowerBound])
            func attribute(_ name: String) -> String? {
                guard let r = tag.range(of: "\(name)=\"") else { return nil }
                return String(tag[r.upperBound...].prefix { $0 != "\"" })
            }
            let classes = (attribute("class") ?? "tick").split(separator: " ").map(String.init)
            let cls = classes.contains("small") ? "small" : classes.first ?? "tick"
            let box = TextBox.estimate(x: Double(attribute("x") ?? "0")!, y: Double(attribute("y") ?? "0")!,
                                       text: content.replacingOccurrences(of: "&amp;", with: "&"), fontSize: sizes[cls] ?? 10,
                                       anchor: attribute("text-anchor") ?? "start")
            out.append((content, box))
        }
        return out
    }

    static func overlaps(_ svg: String) -> [String] {
        let b = boxes(svg)
        var found: [String] = []
        for i in b.indices { for j in (i + 1)..<b.count where b[i].1.intersects(b[j].1) { found.append("\(b[i].0) × \(b[j].0)") } }
        return found
    }

    @Test("close cursors (CMAP onsets and peaks of both sides) get labels on separate lines")
    func cursorLabels() {
        var plot = LinePlot(title: "Temporal CMAP", xLabel: "ms after stimulus", yLabel: "mV",
                            series: [PlotSeries(name: "left", x: [-2, 0, 5, 20], y: [0, 0, -1, 0], color: Palette.affected)])
        plot.cursors = [PlotCursor(x: 3.07, label: "on R", color: "#000"), PlotCursor(x: 3.70, label: "on L", color: "#000"),
                        PlotCursor(x: 4.40, label: "pk R", color: "#000"), PlotCursor(x: 4.96, label: "pk L", color: "#000")]
        plot.width = 172
        plot.height = 150
        let svg = plot.svg()
        #expect(Self.overlaps(svg).isEmpty, "\(Self.overlaps(svg))")
        #expect(svg.components(separatedBy: ">on R<").count == 2 && svg.components(separatedBy: ">pk L<").count == 2)
    }

    @Test("a reference line's label stays clear of cursor labels and the title")
    func referenceLabels() {
        var plot = LinePlot(title: "ENoG", xLabel: "session", yLabel: "%", series: [PlotSeries(name: "a", x: [0, 1], y: [90, 95], color: "#000")])
        plot.references = [(100, "100 % (sides alike)"), (98, "98 %")]
        plot.cursors = [PlotCursor(x: 0.9, label: "cursor at the right end", color: "#000")]
        plot.yRange = (0, 100)
        #expect(Self.overlaps(plot.svg()).isEmpty, "\(Self.overlaps(plot.svg()))")
    }

    @Test("the ENoG bar chart explains its reference line under the axis, not over the title")
    func barChart() {
        var chart = BarChart(title: "ENoG per branch (affected ÷ healthy p-p amplitude)", valueLabel: "ENoG (%)",
                             bars: [BarChart.Bar(label: "temporal", value: 35, color: "#000"), BarChart.Bar(label: "marginal mandibular", value: 7, color: "#000")],
                             range: (0, 100))
        chart.references = [(10, "10 % ENoG = 90 % degeneration")]
        #expect(Self.overlaps(chart.svg()).isEmpty, "\(Self.overlaps(chart.svg()))")
    }

    @Test("x tick labels that would collide are dropped, the ticks stay")
    func crowdedTicks() {
        var plot = LinePlot(title: "t", xLabel: "date", yLabel: "ratio", series: [PlotSeries(name: "a", x: [0, 1, 2], y: [1, 2, 3], color: "#000")])
        plot.xTicks = [(0, "Mar 2026"), (0.1, "Mar 2026"), (1, "Jun 2026"), (2, "Sep 2026")]
        plot.width = 172
        let svg = plot.svg()
        #expect(Self.overlaps(svg).isEmpty)
        #expect(svg.components(separatedBy: "class=\"axis\"").count - 1 == 4)
    }

    /// The saturated ends are 255 − (255 − channel) · 0.85 of vermillion #D55E00 (→ #DB7626) and blue #0072B2 (→ #2687BE).
    @Test("the ratio palette is white at 1 and symmetric in log ratio")
    func ratioPalette() {
        #expect(Palette.ratio(1) == "#FFFFFF")
        #expect(Palette.ratio(4) == "#DB7626" && Palette.ratio(100) == Palette.ratio(4))
        #expect(Palette.ratio(0.25) == "#2687BE")
        #expect(Palette.ratio(.nan) == "#E6E6E6")
    }
}

@Suite("Finding the browser that prints the PDF")
struct PDFPrinterTests {
    @Test("SYNK_CHROMIUM wins when executable; otherwise the first known name on PATH; nothing found is nil")
    func findsBrowser() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("browsers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let chrome = dir.appendingPathComponent("google-chrome").path
        #expect(FileManager.default.createFile(atPath: chrome, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755]))
        let plain = dir.appendingPathComponent("chromium").path
        // Not executable: skipped.
        #expect(FileManager.default.createFile(atPath: plain, contents: Data(), attributes: [.posixPermissions: 0o644]))
        #expect(PDFPrinter.findBrowser(environment: ["PATH": "/nonexistent:\(dir.path)"]) == chrome)
        #expect(PDFPrinter.findBrowser(environment: ["PATH": "/nonexistent"]) == nil)
        #expect(PDFPrinter.findBrowser(environment: ["PATH": dir.path, "SYNK_CHROMIUM": plain]) == nil)
        #expect(PDFPrinter.findBrowser(environment: ["PATH": "/nonexistent", "SYNK_CHROMIUM": chrome]) == chrome)
    }
}
