import Foundation
import SynkCore

/// One normative limit: a measure must stay at or above `minimum` and/or at or below `maximum`. When only
/// `mean` and `sd` are known the limits are `mean ± sdMultiplier·sd` (upper only for latencies).
///
/// `measure` names a result field: `onset_latency_ms`, `peak_latency_ms`, `amplitude_bp_mv`,
/// `amplitude_pp_mv`, `r1_latency_ms`, `r2_ipsilateral_latency_ms`, `r2_contralateral_latency_ms`,
/// `r1_side_difference_ms`. `branch`/`muscle` restrict where it applies (`nil` = anywhere); the most
/// specific matching limit of a measure wins.
public struct NormativeLimit: Sendable, Hashable, Codable {
    public var measure: String
    public var branch: Branch?
    public var muscle: Muscle?
    public var minimum: Double?
    public var maximum: Double?
    public var mean: Double?
    public var sd: Double?
    public var sdMultiplier: Double?
    /// Where the figure comes from, printed next to every flag it raises.
    public var source: String

    public init(measure: String, branch: Branch? = nil, muscle: Muscle? = nil, minimum: Double? = nil, maximum: Double? = nil,
                mean: Double? = nil, sd: Double? = nil, sdMultiplier: Double? = nil, source: String) {
        self.measure = measure
        self.branch = branch
        self.muscle = muscle
        self.minimum = minimum
        self.maximum = maximum
        self.mean = mean
        self.sd = sd
        self.sdMultiplier = sdMultiplier
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case measure, branch, muscle, minimum, maximum, mean, sd, source
        case sdMultiplier = "sd_multiplier"
    }

    /// The effective upper limit (explicit, else mean + k·sd).
    public var upperLimit: Double? {
        if let maximum { return maximum }
        if let mean, let sd { return mean + (sdMultiplier ?? 2) * sd }
        return nil
    }

    /// The effective lower limit (explicit, else mean − k·sd for non-latency measures).
    public var lowerLimit: Double? {
        if let minimum { return minimum }
        if let mean, let sd, !measure.contains("latency"), !measure.contains("difference") { return mean - (sdMultiplier ?? 2) * sd }
        return nil
    }

    func specificity(branch: Branch?, muscle: Muscle?) -> Int? {
        if let b = self.branch, b != branch { return nil }
        if let m = self.muscle, m != muscle { return nil }
        return (self.branch == nil ? 0 : 1) + (self.muscle == nil ? 0 : 2)
    }
}

/// The outcome of checking one measure against one limit.
public struct NormCheck: Sendable, Hashable, Codable {
    public var measure: String
    public var value: Double
    public var lowerLimit: Double?
    public var upperLimit: Double?
    public var withinLimits: Bool
    public var source: String

    enum CodingKeys: String, CodingKey {
        case measure, value, source
        case lowerLimit = "lower_limit"
        case upperLimit = "upper_limit"
        case withinLimits = "within_limits"
    }
}

/// A table of normative limits. ``standard`` ships with synk; a clinic can load its own JSON with
/// ``load(path:)`` (`{"name": "...", "limits": [{"measure": "onset_latency_ms", "branch": "buccal",
/// "maximum": 4.5, "source": "..."}]}`).
public struct NormativeTable: Sendable, Hashable, Codable {
    public var name: String
    public var limits: [NormativeLimit]

    public init(name: String, limits: [NormativeLimit]) {
        self.name = name
        self.limits = limits
    }

    /// The limits from domain.md §5. Latency limits given as mean ± SD use mean + 2·SD (main trunk:
    /// 3.8 + 2·0.49 = 4.78 ms); the blink-reflex limits use mean + 2.5·SD.
    public static let standard = NormativeTable(name: "synk standard (domain.md §5)", limits: [
        NormativeLimit(measure: "onset_latency_ms", branch: .buccal, maximum: 4.5, source: "Medeiros 1996 (nasalis/nasolabial: latency < 4.5 ms)"),
        NormativeLimit(measure: "amplitude_bp_mv", branch: .buccal, minimum: 2.0, source: "Medeiros 1996 (nasalis/nasolabial: amplitude > 2 mV)"),
        NormativeLimit(measure: "onset_latency_ms", mean: 3.8, sd: 0.49, sdMultiplier: 2, source: "Ruboyianes (main trunk: latency 3.8 ± 0.49 ms; limit mean + 2 SD)"),
        NormativeLimit(measure: "onset_latency_ms", branch: .temporal, maximum: 3.9, source: "Arq Neuropsiquiatr (temporal → frontalis: latency < 3.9 ms)"),
        NormativeLimit(measure: "amplitude_bp_mv", branch: .temporal, minimum: 0.4, source: "Arq Neuropsiquiatr (temporal → frontalis: amplitude > 0.4 mV)"),
        NormativeLimit(measure: "r1_latency_ms", mean: 9.98, sd: 0.17, sdMultiplier: 2.5, source: "Pandey; Lu 1996 (R1 9.98 ± 0.17 ms; limit mean + 2.5 SD)"),
        NormativeLimit(measure: "r2_ipsilateral_latency_ms", mean: 29.5, sd: 3.1, sdMultiplier: 2.5, source: "Pandey; Lu 1996 (R2 ipsilateral 29.5 ± 3.1 ms; limit mean + 2.5 SD)"),
        NormativeLimit(measure: "r2_contralateral_latency_ms", mean: 29.3, sd: 2.8, sdMultiplier: 2.5, source: "Pandey; Lu 1996 (R2 contralateral 29.3 ± 2.8 ms; limit mean + 2.5 SD)"),
        NormativeLimit(measure: "r1_side_difference_ms", mean: 0.36, sd: 0.69, sdMultiplier: 2.5, source: "R1 side difference 0.36 ± 0.69 ms (domain.md §5); limit mean + 2.5 SD"),
    ])

    /// Reads a clinic's table from JSON. Throws `.input` naming the file when it is missing or malformed.
    public static func load(path: String) throws(SynkError) -> NormativeTable {
        let data = try InputFile.contents(of: path, role: "normative table", maximumBytes: InputLimits.maximumJSONBytes)
        do {
            let table = try JSONDecoder().decode(NormativeTable.self, from: data)
            for (i, limit) in table.limits.enumerated() where limit.lowerLimit == nil && limit.upperLimit == nil {
                throw SynkError.input(path, "limit \(i + 1) (\(limit.measure)) has neither minimum, maximum nor mean and sd", place: "limits[\(i)]")
            }
            return table
        } catch let error as SynkError {
            throw error
        } catch {
            throw .input(path, "not a normative table: \(error)", hint: "expected {\"name\": ..., \"limits\": [{\"measure\", \"minimum\"|\"maximum\"|\"mean\"+\"sd\", \"source\"}]}")
        }
    }

    /// The most specific limit for `measure` at `branch`/`muscle`, if any.
    public func limit(for measure: String, branch: Branch?, muscle: Muscle?) -> NormativeLimit? {
        var best: (Int, NormativeLimit)?
        for limit in limits where limit.measure == measure {
            guard let s = limit.specificity(branch: branch, muscle: muscle) else { continue }
            if best == nil || s > best!.0 { best = (s, limit) }
        }
        return best?.1
    }

    /// Checks `value` of `measure`; `nil` when the table has no limit for it.
    public func check(_ measure: String, value: Double, branch: Branch?, muscle: Muscle?) -> NormCheck? {
        guard let limit = limit(for: measure, branch: branch, muscle: muscle) else { return nil }
        let lo = limit.lowerLimit, hi = limit.upperLimit
        let inside = (lo.map { value >= $0 } ?? true) && (hi.map { value <= $0 } ?? true)
        return NormCheck(measure: measure, value: value, lowerLimit: lo, upperLimit: hi, withinLimits: inside, source: limit.source)
    }
}
