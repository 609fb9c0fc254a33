import Foundation
import SynkCore

/// Where the nerve was stimulated: a normative limit applies only to responses evoked the way it was measured.
public enum StimulationSite: String, Sendable, Hashable, Codable, CaseIterable {
    /// Facial nerve main trunk (stylomastoid foramen, pre- or retro-auricular).
    case mainTrunk = "main_trunk"
    /// A branch stimulated distally (e.g. the temporal branch at the temple).
    case branch
    /// Supraorbital nerve (blink reflex).
    case supraorbital

    /// The site of one stimulus from its `site` text and `branch` (`nil` when neither says).
    public init?(_ stimulus: Stimulus) {
        let text = (stimulus.site ?? "").lowercased()
        if text.contains("supraorbital") { self = .supraorbital; return }
        if let branch = stimulus.branch, branch != .trunk { self = .branch; return }
        if text.contains("stylomastoid") || text.contains("trunk") || text.contains("auricular") || text.contains("main") || stimulus.branch == .trunk {
            self = .mainTrunk
            return
        }
        if !text.isEmpty, Branch(parsing: text) != nil { self = .branch; return }
        return nil
    }

    /// The site shared by the stimuli `indices`; `nil` when they differ or none states it.
    static func common(_ stimuli: [Stimulus], indices: [Int]) -> StimulationSite? {
        let sites = Set(indices.map { StimulationSite(stimuli[$0]) })
        guard sites.count == 1, let site = sites.first else { return nil }
        return site
    }
}

/// One normative limit: a measure must stay at or above `minimum` and/or at or below `maximum`. When only
/// `mean` and `sd` are known the limits are `mean ± sdMultiplier·sd` (upper only for latencies).
///
/// `branch`, `muscle` and `site` restrict where it applies (`nil` = anywhere); a limit with a `site` applies only
/// to responses whose stimuli state that site. The most specific matching limit of a measure wins.
public struct NormativeLimit: Sendable, Hashable, Codable {
    public var measure: NormMeasure
    public var branch: Branch?
    public var muscle: Muscle?
    public var site: StimulationSite?
    public var minimum: Double?
    public var maximum: Double?
    public var mean: Double?
    public var sd: Double?
    public var sdMultiplier: Double?
    /// The full citation (authors, year, title, journal), printed next to every flag the limit raises.
    public var source: String

    public init(measure: NormMeasure, branch: Branch? = nil, muscle: Muscle? = nil, site: StimulationSite? = nil, minimum: Double? = nil,
                maximum: Double? = nil, mean: Double? = nil, sd: Double? = nil, sdMultiplier: Double? = nil, source: String) {
        self.measure = measure
        self.branch = branch
        self.muscle = muscle
        self.site = site
        self.minimum = minimum
        self.maximum = maximum
        self.mean = mean
        self.sd = sd
        self.sdMultiplier = sdMultiplier
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case measure, branch, muscle, site, minimum, maximum, mean, sd, source
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
        if let mean, let sd, !measure.isLatencyLike { return mean - (sdMultiplier ?? 2) * sd }
        return nil
    }

    func specificity(branch: Branch?, muscle: Muscle?, site: StimulationSite?) -> Int? {
        if let b = self.branch, b != branch { return nil }
        if let m = self.muscle, m != muscle { return nil }
        if let s = self.site, s != site { return nil }
        return (self.branch == nil ? 0 : 1) + (self.muscle == nil ? 0 : 2) + (self.site == nil ? 0 : 4)
    }
}

/// The outcome of checking one measure against one limit.
public struct NormCheck: Sendable, Hashable, Codable {
    public var measure: NormMeasure
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

    static let medeiros = "Medeiros JLA, Nóbrega JAM, Andrade LAF, Juliano Y (1996). Facial nerve electroneurography: variability in normal subjects. Arquivos de Neuro-Psiquiatria 54(3)"
    static let sobralDaSilva = "Sobral da Silva PF, Martins de Lima MC, Figueiroa JN, Lins OG (2010). Temporal branch of facial nerve: a normative study of nerve conduction. Arquivos de Neuro-Psiquiatria 68(4), doi:10.1590/S0004-282X2010000400026"
    static let kimura = "Kimura J (2013). Electrodiagnosis in Diseases of Nerve and Muscle: Principles and Practice, 4th ed. Oxford University Press (blink reflex, normal values: upper limits R1 13 ms, R2 ipsilateral 40-41 ms, R2 contralateral 41-44 ms; side differences R1 1.2 ms, R2 ipsilateral 5 ms, R2 contralateral 7 ms)"

    /// The limits synk ships, each applied only to what its source measured:
    /// - Medeiros et al. 1996: main-trunk stimulation, CMAP recorded over the nasolabial-fold muscles (NAS, LLS):
    ///   latency < 4.5 ms, amplitude > 2 mV (95 % limits of 65 volunteers).
    /// - Sobral da Silva et al. 2010: temporal branch stimulated at the temple, recorded on frontalis: distal latency
    ///   < 3.9 ms, amplitude ≥ 0.4 mV (115 volunteers).
    /// - Kimura 2013: blink reflex (supraorbital stimulation, orbicularis oculi) clinical upper limits.
    ///
    /// Left out: the main-trunk latency of Ruboyianes et al. 1994 (Laryngoscope 104 Suppl 61; 3.8 ± 0.49 ms) does not
    /// state a recording muscle synk can match, and the blink means of Pandey et al. and Lu et al. 1996 (Chin Med J
    /// 109:308-312) give study SDs far tighter than clinical variability; their limits would flag healthy people.
    public static let standard = NormativeTable(name: "synk standard (Medeiros 1996; Sobral da Silva 2010; Kimura 2013)", limits: [
        NormativeLimit(measure: .onsetLatency, branch: .buccal, muscle: .NAS, site: .mainTrunk, maximum: 4.5, source: medeiros),
        NormativeLimit(measure: .amplitudeBaselineToPeak, branch: .buccal, muscle: .NAS, site: .mainTrunk, minimum: 2.0, source: medeiros),
        NormativeLimit(measure: .onsetLatency, branch: .buccal, muscle: .LLS, site: .mainTrunk, maximum: 4.5, source: medeiros),
        NormativeLimit(measure: .amplitudeBaselineToPeak, branch: .buccal, muscle: .LLS, site: .mainTrunk, minimum: 2.0, source: medeiros),
        NormativeLimit(measure: .onsetLatency, branch: .temporal, muscle: .FRO, site: .branch, maximum: 3.9, source: sobralDaSilva),
        NormativeLimit(measure: .amplitudeBaselineToPeak, branch: .temporal, muscle: .FRO, site: .branch, minimum: 0.4, source: sobralDaSilva),
        NormativeLimit(measure: .r1Latency, maximum: 13, source: kimura),
        NormativeLimit(measure: .r2IpsilateralLatency, maximum: 41, source: kimura),
        NormativeLimit(measure: .r2ContralateralLatency, maximum: 44, source: kimura),
        NormativeLimit(measure: .r1SideDifference, maximum: 1.2, source: kimura),
        NormativeLimit(measure: .r2IpsilateralSideDifference, maximum: 5, source: kimura),
        NormativeLimit(measure: .r2ContralateralSideDifference, maximum: 7, source: kimura),
    ])

    /// Reads a clinic's table from JSON. Throws `.input` naming the file when it is missing or malformed.
    public static func load(path: String) throws(SynkError) -> NormativeTable {
        let data = try RegularFile.contents(of: path, role: "normative table", maximumBytes: InputLimits.maximumJSONBytes)
        do {
            let table = try JSONDecoder().decode(NormativeTable.self, from: data)
            for (i, limit) in table.limits.enumerated() where limit.lowerLimit == nil && limit.upperLimit == nil {
                throw SynkError.input(path, "limit \(i + 1) (\(limit.measure.rawValue)) has neither minimum, maximum nor mean and sd", place: "limits[\(i)]")
            }
            return table
        } catch let error as SynkError {
            throw error
        } catch {
            throw .input(path, "not a normative table: \(error)",
                         hint: "expected {\"name\": ..., \"limits\": [{\"measure\" (one of \(NormMeasure.allCases.map(\.rawValue).joined(separator: ", "))), \"minimum\"|\"maximum\"|\"mean\"+\"sd\", \"source\"}]}")
        }
    }

    /// The most specific limit for `measure` at `branch`/`muscle`/`site`, if any.
    public func limit(for measure: NormMeasure, branch: Branch?, muscle: Muscle?, site: StimulationSite? = nil) -> NormativeLimit? {
        var best: (Int, NormativeLimit)?
        for limit in limits where limit.measure == measure {
            guard let s = limit.specificity(branch: branch, muscle: muscle, site: site) else { continue }
            if best == nil || s > best!.0 { best = (s, limit) }
        }
        return best?.1
    }

    /// Checks `value` of `measure`; `nil` when the table has no limit for it.
    public func check(_ measure: NormMeasure, value: Double, branch: Branch?, muscle: Muscle?, site: StimulationSite? = nil) -> NormCheck? {
        guard let limit = limit(for: measure, branch: branch, muscle: muscle, site: site) else { return nil }
        let lo = limit.lowerLimit, hi = limit.upperLimit
        let inside = (lo.map { value >= $0 } ?? true) && (hi.map { value <= $0 } ?? true)
        return NormCheck(measure: measure, value: value, lowerLimit: lo, upperLimit: hi, withinLimits: inside, source: limit.source)
    }
}
