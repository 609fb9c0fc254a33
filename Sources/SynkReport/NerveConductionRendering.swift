import Foundation
import SynkCore
import SynkAnalysis

/// Renders nerve-conduction and blink-reflex results as text tables and CSV.
public enum NerveConductionRendering {
    static func fixed(_ x: Double?, _ digits: Int = 2) -> String {
        guard let x, x.isFinite else { return "-" }
        return String(format: "%.\(digits)f", x)
    }

    static func cell(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "" }
        return String(format: "%.6g", x)
    }

    public static let csvColumns = [
        "branch", "muscle", "side", "channel", "onset_latency_ms", "peak_latency_ms", "amplitude_bp_mv", "amplitude_pp_mv",
        "duration_ms", "area_mv_ms", "sweeps", "intensity_ma", "baseline_noise_uv", "flags",
        "enog_percent", "degeneration_percent", "branch_flags", "polarity", "initial_phase", "artefact_end_ms", "sweeps_available",
    ]

    /// One row per branch × side, with the branch's ENoG % on each of its rows.
    public static func csvRows(_ result: NerveConductionResult) -> [[String]] {
        result.responses.map { r in
            let branch = result.branches.first { $0.branch == r.branch }
            return [r.branch.rawValue, r.muscle.rawValue, r.side.rawValue, r.channel, cell(r.onsetLatencyMs), cell(r.peakLatencyMs),
                    cell(r.amplitudeBaselineToPeakMillivolt), cell(r.amplitudePeakToPeakMillivolt), cell(r.durationMs),
                    cell(r.areaMillivoltMs), String(r.sweeps), cell(r.intensityMilliampere), cell(r.baselineNoiseMicrovolt),
                    r.flags.joined(separator: ";"), cell(branch?.enogPercent), cell(branch?.degenerationPercent),
                    (branch?.flags ?? []).joined(separator: ";"), r.polarity?.rawValue ?? "", r.initialPhase?.rawValue ?? "",
                    cell(r.artefactEndMs), String(r.sweepsAvailable)]
        }
    }

    public static func csv(_ result: NerveConductionResult) -> String {
        ([csvColumns] + csvRows(result)).map { CSVText.line($0) }.joined(separator: "\n") + "\n"
    }

    public static func text(_ result: NerveConductionResult) -> String {
        var lines: [String] = []
        if let input = result.input {
            lines.append("synk ncs — \(input.path)")
            lines.append("  \(input.format), \(TextFormat.number(input.sampleRateHz)) Hz, \(TextFormat.duration(input.durationS)), sha256 \(input.sha256.prefix(16))…")
            if let sidecars = input.sidecarSummary { lines.append("  sidecars: \(sidecars)") }
            for override in input.overrides { lines.append("  OVERRIDE: \(override.note)") }
        }
        lines.append("  stimuli: \(result.stimulusCount) (\(result.stimulusSource.rawValue))   affected side: \(result.affectedSide?.rawValue ?? "not stated")   norms: \(result.normativeTable)")
        if !result.flags.isEmpty { lines.append("  flags: \(result.flags.joined(separator: ", "))") }
        for excluded in result.excludedChannels { lines.append("  \(excluded.reason)") }
        lines.append("")
        let unknownIntensity = result.responses.contains { $0.flags.contains(.intensityUnknown) }
        lines.append(unknownIntensity
            ? "Responses (stimulus intensities unknown: largest stable response group, not a verified supramaximal response)"
            : "Responses (supramaximal, averaged sweeps; window \(result.parameters.window.description))")
        let rows = result.responses.map { r in
            [r.branch.rawValue, r.muscle.rawValue, r.side.rawValue, fixed(r.onsetLatencyMs), fixed(r.peakLatencyMs),
             fixed(r.amplitudeBaselineToPeakMillivolt), fixed(r.amplitudePeakToPeakMillivolt), fixed(r.durationMs),
             fixed(r.areaMillivoltMs), r.polarity?.rawValue ?? "-", "\(r.sweeps)/\(r.sweepsAvailable)",
             r.flags.isEmpty ? (r.normChecks.isEmpty ? "no norm" : "ok") : r.flags.joined(separator: ",")]
        }
        lines.append(contentsOf: TextFormat.table(
            header: ["branch", "muscle", "side", "onset ms", "peak ms", "amp b-p mV", "amp p-p mV", "dur ms", "area mV·ms", "main phase", "sweeps", "flags"],
            rows: rows))
        let explained = Set(result.responses.flatMap(\.flags) + result.flags).filter(\.failsQuality)
        for flag in explained.sorted(by: { $0.rawValue < $1.rawValue }) { lines.append("  \(flag.rawValue): \(flag.sentence)") }
        lines.append("")
        lines.append("ENoG per branch (100 · A_pp affected / A_pp healthy)")
        let branchRows = result.branches.map { b in
            [b.branch.rawValue, b.affectedSide.rawValue, fixed(b.enogPercent, 1), fixed(b.degenerationPercent, 1),
             fixed(b.latencyDifferenceMs), b.flags.isEmpty ? "ok" : b.flags.joined(separator: ",")]
        }
        lines.append(contentsOf: TextFormat.table(header: ["branch", "affected", "ENoG %", "degeneration %", "latency diff ms", "flags"], rows: branchRows))
        let checks = result.responses.flatMap { r in r.normChecks.filter { !$0.withinLimits }.map { (r, $0) } }
        if !checks.isEmpty {
            lines.append("")
            lines.append("Outside normative limits")
            for (r, c) in checks {
                let limit = [c.lowerLimit.map { "> \(fixed($0))" }, c.upperLimit.map { "< \(fixed($0))" }].compactMap { $0 }.joined(separator: " and ")
                lines.append("  \(r.branch.rawValue) \(r.side.rawValue) \(c.measure.rawValue) = \(fixed(c.value)) (limit \(limit); \(c.source))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static let blinkColumns = [
        "component", "stimulated_side", "recorded_side", "muscle", "ipsilateral", "onset_latency_ms", "shortest_latency_ms",
        "amplitude_pp_mv", "rectified_area_mv_ms", "sweeps_with_response", "sweeps", "flags",
    ]

    public static func blinkRows(_ result: BlinkReflexResult) -> [[String]] {
        (result.components + result.spread).map { c in
            [c.component.rawValue, c.stimulatedSide.rawValue, c.recordedSide.rawValue, c.muscle.rawValue, c.ipsilateral ? "1" : "0",
             cell(c.onsetLatencyMs), cell(c.shortestLatencyMs), cell(c.amplitudePeakToPeakMillivolt), cell(c.rectifiedAreaMillivoltMs),
             String(c.sweepsWithResponse), String(c.sweeps), c.flags.joined(separator: ";")]
        }
    }

    public static func blinkCSV(_ result: BlinkReflexResult) -> String {
        ([blinkColumns] + blinkRows(result)).map { CSVText.line($0) }.joined(separator: "\n") + "\n"
    }

    public static func blinkText(_ result: BlinkReflexResult) -> String {
        var lines: [String] = []
        if let input = result.input {
            lines.append("synk blink — \(input.path)")
            lines.append("  \(input.format), \(TextFormat.number(input.sampleRateHz)) Hz, sha256 \(input.sha256.prefix(16))…")
            if let sidecars = input.sidecarSummary { lines.append("  sidecars: \(sidecars)") }
            for override in input.overrides { lines.append("  OVERRIDE: \(override.note)") }
        }
        lines.append("  stimuli: \(result.stimulusSource.rawValue)   affected side: \(result.affectedSide?.rawValue ?? "not stated")")
        if !result.flags.isEmpty { lines.append("  flags: \(result.flags.joined(separator: ", "))") }
        for excluded in result.excludedChannels { lines.append("  \(excluded.reason)") }
        lines.append("")
        let rows = (result.components + result.spread).map { c in
            [c.component.rawValue, c.stimulatedSide.rawValue, "\(c.muscle.rawValue) \(c.recordedSide.rawValue)", fixed(c.onsetLatencyMs),
             fixed(c.amplitudePeakToPeakMillivolt, 3), fixed(c.rectifiedAreaMillivoltMs, 3), "\(c.sweepsWithResponse)/\(c.sweeps)",
             c.flags.isEmpty ? "ok" : c.flags.joined(separator: ",")]
        }
        lines.append(contentsOf: TextFormat.table(header: ["component", "stimulated", "recorded", "latency ms", "amp p-p mV", "area mV·ms", "sweeps", "flags"], rows: rows))
        if !result.sideDifferences.isEmpty {
            lines.append("")
            for d in result.sideDifferences {
                lines.append("  \(d.measure.rawValue): \(fixed(d.differenceMs)) ms \(d.flags.isEmpty ? "" : "(" + d.flags.joined(separator: ",") + ")")")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
