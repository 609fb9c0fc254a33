import Foundation
import SynkCore
import SynkAnalysis

/// Renders a ``ClinicalReport`` as one self-contained HTML page (inline CSS and SVG, no scripts, no network).
///
/// Every number of a results table sits in a cell `<td data-field="NAME" data-value="FULL">PRINTED</td>` inside a
/// row `<tr data-row="KEY">`, so that the page can be checked against the JSON results (and read by scripts).
/// Row keys: `synkinesis|SHA8|TASK|DRIVER|FOLLOWER`, `ncs|SHA8|BRANCH|SIDE`, `enog|SHA8|BRANCH`,
/// `blink|SHA8|COMPONENT|STIMULATED|RECORDED|MUSCLE`, with SHA8 the first 8 hex digits of the input's SHA-256.
public enum ClinicalHTML {
    /// Envelope plots per task: at most this many pairs (flagged or priority pairs only).
    public static let plottedPairsPerTask = 2

    public static func render(_ report: ClinicalReport) -> String {
        var doc = HTMLDocument(title: "synk clinical report" + (report.patient.map { " — \($0)" } ?? ""))
        doc.raw("<style>\(css)</style>")
        header(report, into: &doc)
        for (index, session) in report.sessions.enumerated() {
            doc.raw("<section class=\"session\">")
            doc.heading("Session \(index + 1): \(session.label) — \(ClinicalFormat.dateTime(session.date))", level: 2, id: "session-\(index + 1)")
            for study in session.studies { render(study, into: &doc) }
            doc.raw("</section>")
        }
        if report.sessions.count >= 2 { progress(report, into: &doc) }
        methods(report, into: &doc)
        return doc.html()
    }

    // MARK: Header

    static func header(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        doc.heading("Facial EMG clinical report", level: 1)
        var facts: [(String, String)] = [
            ("Patient", report.patient ?? "not stated"),
            ("Affected side", report.affectedSide?.rawValue ?? "not stated"),
            ("Sessions", report.sessions.map { "\($0.label) (\($0.date.map(ClinicalFormat.day) ?? "undated"))" }.joined(separator: ", ")),
            ("Instruments", report.instruments.map(\.title).joined(separator: "; ")),
        ]
        let quality = report.studies.map { "\(fileName($0.input.path)): \($0.qualityLine)" }
        facts.append(("Data quality", quality.joined(separator: " | ")))
        var s = "<dl class=\"facts\">"
        for (name, value) in facts {
            let warn = name == "Data quality" && report.qualityFailed ? " class=\"warn\"" : ""
            s += "<dt>\(xmlEscape(name))</dt><dd\(warn)>\(xmlEscape(value))</dd>"
        }
        doc.raw(s + "</dl>")
        var findings: [String] = []
        for session in report.sessions {
            if let result = session.synkinesis {
                let flagged = result.pairs.filter(\.flag).count
                findings.append("\(session.label): \(flagged) of \(result.pairs.count) pairs synkinetic.")
            }
            if let ncs = session.nerveConduction, !ncs.branches.isEmpty {
                findings.append("\(session.label): ENoG " + ncs.branches.map { "\(ClinicalFormat.branchName($0.branch)) \(ClinicalFormat.fixed($0.enogPercent, 0)) %" }.joined(separator: ", ") + ".")
            }
        }
        if report.sessions.count >= 2 { findings += report.progress.statements(limit: 4) }
        if !findings.isEmpty {
            doc.raw("<div class=\"summary\"><strong>Key findings</strong><ul>" + findings.map { "<li>\(xmlEscape($0))</li>" }.joined() + "</ul></div>")
        }
    }

    // MARK: Studies

    static func render(_ study: ClinicalStudy, into doc: inout HTMLDocument) {
        doc.heading("\(study.kind.title) — \(fileName(study.input.path))", level: 3)
        let cls = study.qualityFailed ? "warn" : "meta"
        doc.paragraph("Recorded \(ClinicalFormat.dateTime(study.header.startTime)); \(ClinicalFormat.fixed(study.input.sampleRateHz, 0)) Hz, \(ClinicalFormat.fixed(study.input.durationS, 1)) s. Quality: \(study.qualityLine)", className: cls)
        let tag = String(study.input.sha256.prefix(8))
        switch study.finding {
        case .synkinesis(let result, let traces): synkinesis(result, traces: traces, tag: tag, into: &doc)
        case .nerveConduction(let result, let waveforms): nerveConduction(result, waveforms: waveforms, tag: tag, into: &doc)
        case .blinkReflex(let result): blink(result, tag: tag, into: &doc)
        case .notMeasured(let error):
            doc.paragraph("Not measured: \(error.problem)\(error.hint.map { " (\($0))" } ?? ""). Nothing from this recording enters the report.", className: "warn")
        }
    }

    static func synkinesis(_ result: SynkinesisResult, traces: SynkinesisTraces?, tag: String, into doc: inout HTMLDocument) {
        let comparison = result.sideComparison
        doc.paragraph("Affected side: \(result.affectedSide) (\(comparison.basis.rawValue.replacingOccurrences(of: "_", with: " "))); \"affected\" = \(comparison.affectedSlot.rawValue) side, \"healthy\" = \(comparison.healthySlot.rawValue) side. Tasks \(result.tasksSource == .detected ? "detected from activation bursts (no events given)" : "from events"): \(result.tasks.count).")
        if let reason = comparison.reason { doc.paragraph(reason, className: comparison.possible ? "meta" : "warn") }
        let gaps = result.montageGaps.map(\.reason) + result.taskGaps.map { gap in
            gap.onsetSeconds.map { "\(gap.label) at \(ClinicalFormat.fixed($0, 1)) s: \(gap.reason)" } ?? "\(gap.label): \(gap.reason)"
        }
        if !gaps.isEmpty {
            doc.raw("<div class=\"warn\"><strong>Could not be measured</strong><ul>" + gaps.map { "<li>\(xmlEscape($0))</li>" }.joined() + "</ul></div>")
        }
        // Overview: task × follower correlation per side.
        let muscles = Set(result.montage.map(\.muscle)).sorted()
        if !result.tasks.isEmpty, !muscles.isEmpty {
            var maps: [String] = []
            for (slot, side) in [("affected", comparison.affectedSlot), ("healthy", comparison.healthySlot)] {
                let values: [[Double?]] = result.tasks.map { task in
                    muscles.map { muscle -> Double? in
                        if muscle == task.driver { return result.montage.contains { $0.muscle == muscle && $0.side == side } ? 1 : nil }
                        let pair = result.pairs.first { $0.task == task.task && $0.follower == muscle }
                        return slot == "affected" ? pair?.affected?.r : pair?.healthy?.r
                    }
                }
                maps.append(HeatMap(title: "r(driver, follower), \(slot) side (\(side.rawValue))",
                                    rowLabels: result.tasks.map { "\($0.task) (\($0.driver.rawValue))" },
                                    columnLabels: muscles.map(\.rawValue), values: values).svg())
            }
            doc.figures(maps, caption: "Envelope correlation of each task's driver (row) with every recorded muscle (column), per side. Grey: not measured. The driver's own cell is 1.")
        }
        for task in result.tasks {
            let pairs = PairPriority.ordered(result.pairs.filter { $0.task == task.task })
            doc.heading("\(task.task) — driver \(task.driver.rawValue) (\(task.driver.name)), \(task.repetitions) repetition\(task.repetitions == 1 ? "" : "s"), \(ClinicalFormat.fixed(task.durationS, 1)) s", level: 4)
            var rows: [String] = []
            for p in pairs {
                let flag = [p.flag ? (p.flagReason ?? "synkinesis") : (p.decision == .crosstalk ? "crosstalk" : nil)].compactMap { $0 }
                let cells = [
                    text(p.follower.rawValue), text(PairPriority.patternName(p.pattern.rawValue)),
                    number(p.affected?.r, field: "r_affected"), number(p.healthy?.r, field: "r_healthy"),
                    number(p.synkineticCorrelation, field: "synkinetic_correlation"),
                    "<td class=\"num\">[" + span(p.ci95?.first, field: "ci95_low") + ", " + span(p.ci95?.last, field: "ci95_high") + "]</td>",
                    "<td class=\"num\" data-field=\"p\" data-value=\"\(raw(p.p))\">\(ClinicalFormat.pValue(p.p))</td>",
                    number(p.amplitudeRatio, field: "amplitude_ratio"),
                    number(p.amplitudeCutoff, field: "amplitude_cutoff"),
                    text(flag.joined(separator: "; ")),
                ]
                let cls = p.flag ? "flag" : (PairPriority.isPriority(p) ? "priority" : nil)
                rows.append(row(cells, key: "synkinesis|\(tag)|\(p.task)|\(p.driver.rawValue)|\(p.follower.rawValue)", cls: cls))
            }
            doc.raw(table(header: ["follower", "pattern", "r affected", "r healthy", "index", "95 % CI", "p", "amplitude ratio", "cut-off", "flags"], rows: rows))
            if let traces {
                for pair in PairPriority.plotted(pairs, limit: plottedPairsPerTask) {
                    if let figure = envelopeFigure(pair, task: task, result: result, traces: traces) { doc.raw(figure) }
                }
            }
        }
    }

    /// Driver and follower envelopes on the affected and the healthy side, on one y scale.
    static func envelopeFigure(_ pair: SynkinesisPair, task: TaskSummary, result: SynkinesisResult, traces: SynkinesisTraces) -> String? {
        let fs = traces.sampleRate
        guard fs > 0, let firstSpan = task.spansS.first, let lastSpan = task.spansS.last, firstSpan.count == 2, lastSpan.count == 2 else { return nil }
        let t0 = max(0, firstSpan[0] - 0.5), t1 = lastSpan[1] + 0.5
        let sides = [("affected", result.sideComparison.affectedSlot), ("healthy", result.sideComparison.healthySlot)]
        var panels: [(String, Side, [PlotSeries])] = []
        var peak = 0.0
        for (slot, side) in sides {
            var series: [PlotSeries] = []
            for (role, muscle, dashed) in [("driver", pair.driver, false), ("follower", pair.follower, true)] {
                guard let count = traces.sampleCount(muscle, side) else { continue }
                let i0 = max(0, Int(t0 * fs)), i1 = min(count, Int(t1 * fs) + 1)
                guard i1 > i0, let (x, y) = traces.plotPoints(muscle, side, samples: i0..<i1) else { continue }
                // The plotted points hold every bucket's extremes, so their peak is the trace's.
                peak = max(peak, y.filter(\.isFinite).max() ?? 0)
                series.append(PlotSeries(name: "\(role) \(muscle.rawValue)-\(side == .left ? "L" : "R")", x: x, y: y,
                                         color: role == "driver" ? Palette.healthy : Palette.affected, dashed: dashed))
            }
            panels.append((slot, side, series))
        }
        guard panels.contains(where: { !$0.2.isEmpty }) else { return nil }
        let range = NiceScale.range(0, max(peak, 1e-6))
        let svgs = panels.map { slot, side, series -> String in
            var plot = LinePlot(title: "\(pair.driver.rawValue)→\(pair.follower.rawValue), \(slot) side (\(side.rawValue))",
                                xLabel: "time (s)", yLabel: "envelope (µV)", series: series)
            plot.yRange = range
            plot.xRange = (t0, t1)
            plot.width = 440
            plot.height = 210
            plot.cursors = task.spansS.compactMap { $0.first }.map { PlotCursor(x: $0, label: "task", color: "#777") }
            if series.isEmpty { plot.series = [PlotSeries(name: "not recorded", x: [], y: [], color: "#999")] }
            return plot.svg()
        }
        var html = "<figure class=\"row\">" + svgs.joined()
        html += "<figcaption>\(xmlEscape("\(task.task): driver \(pair.driver.rawValue) (solid) and follower \(pair.follower.rawValue) (dashed) envelopes, affected and healthy side on the same scale; index \(ClinicalFormat.fixed(pair.synkineticCorrelation)), amplitude ratio \(ClinicalFormat.fixed(pair.amplitudeRatio)).")) </figcaption>"
        return html + "</figure>"
    }

    static func nerveConduction(_ result: NerveConductionResult, waveforms: [CMAPWaveform], tag: String, into doc: inout HTMLDocument) {
        doc.paragraph("Stimuli: \(result.stimulusCount) (\(result.stimulusSource)); affected side \(result.affectedSide?.rawValue ?? "not stated"); normative table: \(result.normativeTable).\(result.flags.isEmpty ? "" : " Flags: \(result.flags.joined(separator: ", ")).")")
        var rows: [String] = []
        for branch in Branch.allCases {
            let responses = result.responses.filter { $0.branch == branch }
            guard !responses.isEmpty else { continue }
            let comparison = result.branches.first { $0.branch == branch }
            for r in responses.sorted(by: { a, b in (a.side == comparison?.affectedSide ? 0 : 1, a.side) < (b.side == comparison?.affectedSide ? 0 : 1, b.side) }) {
                let isAffected = comparison?.affectedSide == r.side
                let norms = r.normChecks.map { c in
                    "\(c.measure.replacingOccurrences(of: "_", with: " ")) \(c.withinLimits ? "within" : "OUTSIDE") \(limits(c)) (\(c.source))"
                }
                let cells = [
                    text(ClinicalFormat.branchName(branch)), text("\(r.side.rawValue)\(comparison == nil ? "" : isAffected ? " (affected)" : " (healthy)")"),
                    text(r.muscle.rawValue),
                    number(r.onsetLatencyMs, field: "onset_latency_ms"), number(r.peakLatencyMs, field: "peak_latency_ms"),
                    number(r.amplitudeBaselineToPeakMillivolt, field: "amplitude_bp_mv"), number(r.amplitudePeakToPeakMillivolt, field: "amplitude_pp_mv"),
                    number(r.durationMs, field: "duration_ms"), number(r.areaMillivoltMs, field: "area_mv_ms"),
                    isAffected ? number(comparison?.enogPercent, 1, field: "enog_percent") : text(""),
                    isAffected ? number(comparison?.degenerationPercent, 1, field: "degeneration_percent") : text(""),
                    text((norms + r.flags + (isAffected ? comparison?.flags ?? [] : [])).joined(separator: "; ")),
                ]
                let outside = r.normChecks.contains { !$0.withinLimits } || (isAffected && !(comparison?.flags.isEmpty ?? true))
                rows.append(row(cells, key: "ncs|\(tag)|\(branch.rawValue)|\(r.side.rawValue)", cls: outside ? "flag" : nil))
            }
        }
        doc.raw(table(header: ["branch", "side", "muscle", "onset ms", "peak ms", "amp b-p mV", "amp p-p mV", "duration ms", "area mV·ms", "ENoG %", "degeneration %", "normative checks (source) and flags"], rows: rows))
        var figures: [String] = []
        if !result.branches.isEmpty {
            var chart = BarChart(title: "ENoG per branch (affected ÷ healthy p-p amplitude)", valueLabel: "ENoG (%)",
                                 bars: result.branches.map { b in
                                     BarChart.Bar(label: ClinicalFormat.branchName(b.branch), value: b.enogPercent,
                                                  color: (b.enogPercent ?? 100) < 10 ? Palette.affected : Palette.healthy)
                                 },
                                 range: (0, max(100, (result.branches.compactMap(\.enogPercent).max() ?? 0).rounded(.up))))
            chart.references = [(10, "10 % = 90 % degeneration")]
            figures.append(chart.svg())
        }
        let affected = result.branches.first?.affectedSide ?? result.affectedSide?.side ?? .left
        for branch in Branch.allCases {
            let forms = waveforms.filter { $0.branch == branch }
            guard !forms.isEmpty else { continue }
            var series: [PlotSeries] = []
            var cursors: [PlotCursor] = []
            for form in forms.sorted(by: { $0.side < $1.side }) {
                let isAffected = form.side == affected
                let color = isAffected ? Palette.affected : Palette.healthy
                let w = form.response
                let x = w.samples.indices.map { w.timeMs(ofSample: Double($0)) }, y = w.samples.map { $0 / 1000 }
                series.append(PlotSeries(name: "\(form.side.rawValue) (\(isAffected ? "affected" : "healthy"))", x: x, y: y, color: color))
                if let r = result.response(branch: branch, side: form.side) {
                    let s = form.side == .left ? "L" : "R"
                    if let onset = r.onsetLatencyMs { cursors.append(PlotCursor(x: onset, label: "on \(s)", color: color)) }
                    if let peak = r.peakLatencyMs { cursors.append(PlotCursor(x: peak, label: "pk \(s)", color: color)) }
                }
            }
            var plot = LinePlot(title: "CMAP, \(ClinicalFormat.branchName(branch)) branch", xLabel: "time after stimulus (ms)", yLabel: "amplitude (mV)", series: series)
            plot.cursors = cursors
            plot.xRange = (-2, min(20, series.flatMap(\.x).max() ?? 20))
            plot.width = 360
            plot.height = 220
            figures.append(plot.svg())
        }
        if !figures.isEmpty {
            doc.figures(figures, caption: "Averaged supramaximal responses of both sides (baseline-corrected, stimulus artefact blanked) with onset (on) and negative-peak (pk) cursors; ENoG bars below 10 % (more than 90 % degeneration) in orange.")
        }
    }

    static func blink(_ result: BlinkReflexResult, tag: String, into doc: inout HTMLDocument) {
        doc.paragraph("Stimulus source: \(result.stimulusSource); affected side \(result.affectedSide?.rawValue ?? "not stated"); normative table: \(result.normativeTable).\(result.flags.isEmpty ? "" : " Flags: \(result.flags.joined(separator: ", ")).")")
        var rows: [String] = []
        for c in result.components + result.spread {
            let norms = c.normChecks.map { "\($0.withinLimits ? "within" : "OUTSIDE") \(limits($0)) (\($0.source))" }
            let cells = [
                text(c.component), text(c.stimulatedSide.rawValue), text("\(c.muscle.rawValue) \(c.recordedSide.rawValue)"),
                text(c.ipsilateral ? "ipsilateral" : "contralateral"),
                number(c.onsetLatencyMs, field: "onset_latency_ms"), number(c.shortestLatencyMs, field: "shortest_latency_ms"),
                number(c.amplitudePeakToPeakMillivolt, 3, field: "amplitude_pp_mv"),
                text("\(c.sweepsWithResponse)/\(c.sweeps)"), text((norms + c.flags).joined(separator: "; ")),
            ]
            let cls = c.flags.isEmpty && c.normChecks.allSatisfy(\.withinLimits) ? nil : "flag"
            rows.append(row(cells, key: "blink|\(tag)|\(c.component)|\(c.stimulatedSide.rawValue)|\(c.recordedSide.rawValue)|\(c.muscle.rawValue)", cls: cls))
        }
        doc.raw(table(header: ["component", "stimulated", "recorded", "", "onset ms", "shortest ms", "amp p-p mV", "sweeps with response", "normative checks and flags"], rows: rows))
        if !result.sideDifferences.isEmpty {
            let diffRows = result.sideDifferences.map { d in
                row([text(d.measure.replacingOccurrences(of: "_", with: " ")), number(d.differenceMs, field: "difference_ms"),
                     text(((d.normCheck.map { ["\($0.withinLimits ? "within" : "OUTSIDE") \(limits($0)) (\($0.source))"] } ?? []) + d.flags).joined(separator: "; "))],
                    key: "blinkdiff|\(tag)|\(d.measure)", cls: nil)
            }
            doc.raw(table(header: ["left − right", "ms", "normative check and flags"], rows: diffRows))
        }
    }

    // MARK: Progress

    static func progress(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        let summary = report.progress
        doc.heading("Progress over \(report.sessions.count) sessions", level: 2, id: "progress")
        let statements = summary.statements()
        if statements.isEmpty {
            doc.paragraph("No measure was taken at two sessions or more.", className: "warn")
        } else {
            doc.raw("<div class=\"summary\"><strong>Change since the first session</strong><ul>" + statements.map { "<li>\(xmlEscape($0))</li>" }.joined() + "</ul></div>")
        }
        let x = summary.sessionLabels.indices.map { Double($0 + 1) }
        var figures: [String] = []
        let pairs = summary.notablePairs(limit: 8)
        if !pairs.isEmpty {
            let series = pairs.enumerated().map { i, t in
                PlotSeries(name: "\(t.driver.rawValue)→\(t.follower.rawValue) \(shortTask(t.task))", x: x, y: t.values.map { $0 ?? .nan },
                           color: Palette.series[i % Palette.series.count], dashed: i >= Palette.series.count, markers: true)
            }
            var plot = LinePlot(title: "Synkinetic correlation index per session", xLabel: "session (\(sessionKey(summary)))",
                                yLabel: "index r(aff) − r(healthy)", series: series)
            plot.xRange = (0.8, Double(x.count) + 0.2)
            plot.references = [(0, "0 = sides alike")]
            plot.width = 560
            plot.height = 300
            figures.append(plot.svg())
        }
        if !summary.branchTrends.isEmpty {
            let series = summary.branchTrends.enumerated().map { i, t in
                PlotSeries(name: ClinicalFormat.branchName(t.branch), x: x, y: t.values.map { $0 ?? .nan },
                           color: Palette.series[i % Palette.series.count], markers: true)
            }
            var plot = LinePlot(title: "ENoG per branch per session", xLabel: "session (\(sessionKey(summary)))", yLabel: "ENoG (%)", series: series)
            plot.xRange = (0.8, Double(x.count) + 0.2)
            plot.yRange = (0, max(100, (summary.branchTrends.flatMap(\.values).compactMap { $0 }.max() ?? 0).rounded(.up)))
            plot.references = [(10, "10 % = 90 % degeneration")]
            plot.width = 460
            plot.height = 300
            figures.append(plot.svg())
        }
        if !figures.isEmpty { doc.figures(figures, caption: "Flagged and ocular↔oral pairs with the largest change, and ENoG of every branch measured at two sessions or more.") }
    }

    static func sessionKey(_ summary: ProgressSummary) -> String {
        summary.sessionLabels.enumerated().map { "\($0 + 1) = \($1)" }.joined(separator: ", ")
    }

    static func shortTask(_ task: String) -> String { task.count > 18 ? String(task.prefix(17)) + "…" : task }

    // MARK: Methods

    static func methods(_ report: ClinicalReport, into doc: inout HTMLDocument) {
        doc.heading("Methods", level: 2, id: "methods")
        doc.paragraph("synk \(report.synkVersion). Recordings were classified by content: evoked when they list stimuli or carry a trigger channel and run at ≥ \(Int(StudyClassifier.evokedMinimumSampleRateHz)) Hz (blink reflex when a stimulus site is supraorbital, or the EMG channels are only OOc/OOr/PLA; otherwise nerve conduction), synkinesis otherwise. Sessions are grouped by the session identifier (else the recording day) and ordered by recording time.")
        var rows: [String] = []
        for study in report.studies {
            rows.append(row([text(fileName(study.input.path)), text(study.kind.rawValue), text(study.input.format),
                             number(study.input.sampleRateHz, 0, field: "sample_rate_hz"), number(study.input.durationS, 1, field: "duration_s"),
                             "<td class=\"mono\">\(study.input.sha256)</td>"], key: "input|\(study.input.sha256.prefix(8))", cls: nil))
        }
        doc.raw(table(header: ["file", "analysed as", "format", "rate Hz", "duration s", "SHA-256"], rows: rows))
        var shown = Set<String>()
        for study in report.studies {
            var blocks: [(String, String)] = []
            switch study.finding {
            case .synkinesis(let result, _):
                let method = result.parameters
                doc.heading("Synkinesis — \(fileName(study.input.path))", level: 4)
                doc.paragraph("Envelope \(method.envelope) at \(ClinicalFormat.fixed(method.envelopeSampleRateHz, 0)) Hz; amplitude: \(method.amplitudeMeasure); rest: \(method.restSource); correlation: \(method.correlation); cross-correlation: \(method.crossCorrelation); effective sample size: \(method.effectiveSampleSize); intervals: \(method.intervals). Decision: \(method.decision). Crosstalk: \(method.crosstalk).", className: "meta")
                if let conditioning = result.conditioning { blocks.append(("Filters and envelope (zero-phase)", json(conditioning))) }
                blocks.append(("Synkinesis parameters", json(method)))
            case .nerveConduction(let result, _):
                doc.heading("Nerve conduction — \(fileName(study.input.path))", level: 4)
                blocks.append(("Nerve-conduction parameters", json(result.parameters)))
                if let norms = study.norms { blocks.append(("Normative table \(norms.name)", json(norms))) }
            case .blinkReflex(let result):
                doc.heading("Blink reflex — \(fileName(study.input.path))", level: 4)
                blocks.append(("Blink-reflex parameters", json(result.parameters)))
                if let norms = study.norms { blocks.append(("Normative table \(norms.name)", json(norms))) }
            case .notMeasured:
                continue
            }
            for (title, text) in blocks {
                // Identical settings across sessions are printed once.
                if shown.insert(title + text).inserted {
                    doc.raw("<details open><summary>\(xmlEscape(title))</summary><pre class=\"mono\">\(xmlEscape(text))</pre></details>")
                } else {
                    doc.paragraph("\(title): as above.", className: "meta")
                }
            }
        }
    }

    // MARK: Helpers

    static func json<T: Encodable>(_ value: T) -> String {
        (try? JSONOutput.text(value)) ?? "(could not be encoded)"
    }

    static func fileName(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }

    static func limits(_ check: NormCheck) -> String {
        switch (check.lowerLimit, check.upperLimit) {
        case let (lo?, hi?): "\(NiceScale.label(lo))–\(NiceScale.label(hi))"
        case let (lo?, nil): "> \(NiceScale.label(lo))"
        case let (nil, hi?): "< \(NiceScale.label(hi))"
        case (nil, nil): ""
        }
    }

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

    static func table(header: [String], rows: [String]) -> String {
        "<table><thead><tr>" + header.map { "<th>\(xmlEscape($0))</th>" }.joined() + "</tr></thead><tbody>" + rows.joined() + "</tbody></table>"
    }

    static let css = """
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
    dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
    dd.warn, p.warn, div.warn { background: #fff4e5; border-left: 4px solid #D55E00; padding: 4px 8px; }
    .summary ul, .warn ul { margin: 4px 0; padding-left: 20px; }
    tr.priority td:first-child { font-weight: 600; }
    h4 { font-size: 13px; margin: 12px 0 2px; }
    section.session { break-before: auto; }
    details summary { font-weight: 600; cursor: default; } pre.mono { white-space: pre-wrap; background: #f7f7f7; padding: 6px; max-height: none; }
    @media print { details > summary { list-style: none; } section.session h2 { break-before: page; } section.session:first-of-type h2 { break-before: avoid; } }
    """
}
