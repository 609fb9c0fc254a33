import Foundation
import SynkCore
import SynkAnalysis

/// Plain words for what the results encode: movements, muscles, flags. The codes stay behind the words
/// (in `title` attributes and the JSON), never in place of them.
public enum ClinicalLanguage {
    /// "Marginal mandibular": the first letter only, as a sentence starts.
    public static func capitalised(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }

    /// "eye closure" for `eye_closure`.
    public static func task(_ task: String) -> String { task.replacingOccurrences(of: "_", with: " ") }

    /// Where a follower muscle moves the face, as a patient would say it.
    public static func region(_ muscle: Muscle) -> String {
        switch muscle {
        case .FRO: "forehead"
        case .COR: "brow"
        case .OOc: "eye"
        case .NAS: "nose"
        case .LLS: "upper lip"
        case .ZYG: "mouth corner"
        case .BUC: "cheek"
        case .OOr: "mouth"
        case .DAO: "lower mouth corner"
        case .MEN: "chin"
        case .PLA: "neck"
        case .MAS: "jaw"
        }
    }

    /// A sentence from an analysis with its pattern codes in words ("ocular_to_oral" → "ocular→oral").
    public static func plain(_ sentence: String) -> String {
        sentence.replacingOccurrences(of: "ocular_to_oral", with: "ocular→oral").replacingOccurrences(of: "oral_to_ocular", with: "oral→ocular")
    }

    /// "eye closure → mouth (OOc→OOr)".
    public static func pair(task: String, driver: Muscle, follower: Muscle) -> String {
        "\(self.task(task)) → \(region(follower)) (\(driver.rawValue)→\(follower.rawValue))"
    }

    public static func pair(_ p: SynkinesisPair) -> String { pair(task: p.task, driver: p.driver, follower: p.follower) }

    static let measures: [String: String] = [
        "onset_latency_ms": "onset latency", "peak_latency_ms": "peak latency", "amplitude_bp_mv": "amplitude (baseline to peak)",
        "amplitude_pp_mv": "amplitude (peak to peak)", "duration_ms": "duration", "area_mv_ms": "area",
        "r1_latency_ms": "R1 latency", "r2_ipsilateral_latency_ms": "ipsilateral R2 latency",
        "r2_contralateral_latency_ms": "contralateral R2 latency", "r1_side_difference_ms": "R1 side difference",
        "r2_ipsilateral_side_difference_ms": "ipsilateral R2 side difference",
        "r2_contralateral_side_difference_ms": "contralateral R2 side difference",
    ]

    /// A measure's name in words (`r1_latency_ms` → "R1 latency").
    public static func measure(_ code: String) -> String {
        if let name = measures[code] { return name }
        var words = code
        for unit in ["_ms", "_mv", "_uv", "_percent", "_s"] where words.hasSuffix(unit) { words.removeLast(unit.count) }
        return words.replacingOccurrences(of: "_", with: " ")
    }

    /// ``measure(_:)`` of a typed norm measure.
    public static func measure(_ measure: NormMeasure) -> String { self.measure(measure.rawValue) }

    /// ``flag(_:)`` of a typed evoked-response flag.
    public static func flag(_ flag: EvokedFlag) -> String { self.flag(flag.rawValue) }

    /// One sentence for a result flag. Unknown codes (added by later analyses) are turned into words, never shown raw.
    public static func flag(_ code: String) -> String {
        switch code {
        case "missing": return "no response found"
        case "not_in_every_sweep": return "not present in every sweep"
        case "r2_spread_synkinesis": return "R2 spreads into this muscle (a sign of synkinesis)"
        case "r1_missing": return "R1 missing"
        case "r1_missing_on_one_side": return "R1 found on one side only"
        case "r2_missing_on_one_side": return "R2 found on one side only"
        case "degeneration_above_threshold": return "more than 90 % degeneration"
        case "affected_side_no_response": return "no response on the affected side"
        case "healthy_side_no_response": return "no response on the healthy side, so no ENoG"
        case "affected_side_unknown": return "affected side not stated, so no ENoG"
        case "amplitude_fell_at_highest_intensity": return "amplitude fell at the highest intensity (check stimulation and electrodes)"
        case "channels_excluded_by_quality": return "some channels failed the quality check and were not measured"
        case "negative_phase_unterminated": return "the negative phase does not return to baseline within the sweep"
        case "not_supramaximal": return "stimulation may not have been supramaximal (amplitude still rising at the highest intensity)"
        case "onset_fallback_threshold": return "onset found with the fallback threshold (noisy baseline)"
        case "onset_near_artefact": return "onset close to the stimulus artefact"
        case "positive_peak_at_window_end": return "positive peak at the end of the sweep"
        case "stimulus_side_unknown": return "stimulated side unknown"
        case "window_too_short": return "sweep too short for the response"
        case "intensity_unknown": return "stimulus intensities unknown: supramaximal stimulation not shown"
        case "no_response": return "no response found"
        default: break
        }
        for (suffix, words) in [("_above_norm", "above the normal limit"), ("_below_norm", "below the normal limit")] where code.hasSuffix(suffix) {
            return "\(measure(String(code.dropLast(suffix.count)))) \(words)"
        }
        return code.replacingOccurrences(of: "_", with: " ")
    }

    /// A norm check in words: "12.52 ms, above the limit ≤ 10.41 ms (source)".
    public static func norm(_ check: NormCheck, unit: String) -> String {
        let limit: String
        switch (check.lowerLimit, check.upperLimit) {
        case let (lo?, hi?): limit = "\(ClinicalFormat.fixed(lo))-\(ClinicalFormat.fixed(hi)) \(unit)"
        case let (lo?, nil): limit = "≥ \(ClinicalFormat.fixed(lo)) \(unit)"
        case let (nil, hi?): limit = "≤ \(ClinicalFormat.fixed(hi)) \(unit)"
        case (nil, nil): limit = "no limit"
        }
        let verdict: String
        if check.withinLimits {
            verdict = "within"
        } else if let hi = check.upperLimit, check.value > hi {
            verdict = "above"
        } else {
            verdict = "below"
        }
        return "\(measure(check.measure)) \(verdict) the normal limit \(limit) (\(check.source))"
    }

    /// A norm check in a few words, its source left to the methods' normative table: "12.52 ms above ≤ 10.41 ms".
    public static func normShort(_ check: NormCheck, unit: String) -> String {
        let limit: String
        switch (check.lowerLimit, check.upperLimit) {
        case let (lo?, hi?): limit = "\(ClinicalFormat.fixed(lo))-\(ClinicalFormat.fixed(hi))"
        case let (lo?, nil): limit = "≥ \(ClinicalFormat.fixed(lo))"
        case let (nil, hi?): limit = "≤ \(ClinicalFormat.fixed(hi))"
        case (nil, nil): limit = "–"
        }
        let above = check.upperLimit.map { check.value > $0 } ?? false
        return "\(measure(check.measure)) \(ClinicalFormat.fixed(check.value)) \(unit) \(check.withinLimits ? "within" : above ? "above" : "below") the limit \(limit) \(unit)"
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    /// "2 Mar 2026" (UTC; the same on every machine).
    public static func date(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day], from: date)
        return "\(c.day!) \(months[c.month! - 1]) \(c.year!)"
    }

    /// "Mar 2026".
    public static func month(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month], from: date)
        return "\(months[c.month! - 1]) \(c.year!)"
    }

    /// Whole days from `a` to `b` (UTC calendar days).
    public static func days(from a: Date, to b: Date) -> Int {
        utc.dateComponents([.day], from: utc.startOfDay(for: a), to: utc.startOfDay(for: b)).day ?? 0
    }
}
