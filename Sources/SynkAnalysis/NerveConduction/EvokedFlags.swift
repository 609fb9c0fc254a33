import Foundation

/// A measure a normative limit can apply to (the JSON names of result fields).
public enum NormMeasure: String, Sendable, Hashable, Codable, CaseIterable {
    case onsetLatency = "onset_latency_ms"
    case peakLatency = "peak_latency_ms"
    case amplitudeBaselineToPeak = "amplitude_bp_mv"
    case amplitudePeakToPeak = "amplitude_pp_mv"
    case r1Latency = "r1_latency_ms"
    case r2IpsilateralLatency = "r2_ipsilateral_latency_ms"
    case r2ContralateralLatency = "r2_contralateral_latency_ms"
    case r1SideDifference = "r1_side_difference_ms"
    case r2IpsilateralSideDifference = "r2_ipsilateral_side_difference_ms"
    case r2ContralateralSideDifference = "r2_contralateral_side_difference_ms"

    /// Latencies and side differences have only an upper limit when given as mean ± SD.
    public var isLatencyLike: Bool { rawValue.contains("latency") || rawValue.contains("difference") }
}

/// A flag on an evoked-response result. The JSON value is the raw string (stable names); ``sentence`` says it for
/// people.
public enum EvokedFlag: Hashable, Sendable {
    // Measurement of one averaged response.
    case noResponse, windowTooShort, onsetFallbackThreshold, onsetWithinArtefact, artefactNotSettled
    case responseActiveAtWindowEnd, responseBeyondWindow, oppositePeakAtWindowEnd, mainPhaseUnterminated, otherResponseInWindow
    // Plausibility of the numbers.
    case noiseImplausiblyLowUnit, amplitudeImplausiblyHighUnit, lowSampleRate
    // Selection of the sweeps.
    case notSupramaximal, amplitudeFellAtHighestIntensity, intensityUnknown, noStableResponseGroup
    // Mains.
    case mainsRemoved
    // Study level.
    case stimulusSideUnknown, channelsExcludedByQuality, channelsUnrecognised, affectedSideUnknown, affectedSideAssumedSmallerResponse
    // ENoG.
    case degenerationAboveThreshold, healthySideNoResponse, affectedSideNoResponse
    // Blink reflex.
    case missing, notInEverySweep, r2SpreadSynkinesis, r1Missing, r1MissingOnOneSide, r2MissingOnOneSide
    /// A value outside a normative limit: `<measure>_above_norm` / `<measure>_below_norm`.
    case aboveNorm(NormMeasure), belowNorm(NormMeasure)
    /// A flag name this version does not know (kept when reading results of other versions).
    case unknown(String)

    static let names: [String: EvokedFlag] = {
        var table: [String: EvokedFlag] = [:]
        let fixed: [EvokedFlag] = [
            .noResponse, .windowTooShort, .onsetFallbackThreshold, .onsetWithinArtefact, .artefactNotSettled, .responseActiveAtWindowEnd,
            .responseBeyondWindow, .oppositePeakAtWindowEnd, .mainPhaseUnterminated, .otherResponseInWindow, .noiseImplausiblyLowUnit, .amplitudeImplausiblyHighUnit,
            .lowSampleRate, .notSupramaximal, .amplitudeFellAtHighestIntensity, .intensityUnknown, .noStableResponseGroup, .mainsRemoved,
            .stimulusSideUnknown, .channelsExcludedByQuality, .channelsUnrecognised, .affectedSideUnknown, .affectedSideAssumedSmallerResponse,
            .degenerationAboveThreshold, .healthySideNoResponse, .affectedSideNoResponse, .missing, .notInEverySweep, .r2SpreadSynkinesis,
            .r1Missing, .r1MissingOnOneSide, .r2MissingOnOneSide,
        ]
        for flag in fixed { table[flag.rawValue] = flag }
        for measure in NormMeasure.allCases {
            table["\(measure.rawValue)_above_norm"] = .aboveNorm(measure)
            table["\(measure.rawValue)_below_norm"] = .belowNorm(measure)
        }
        return table
    }()

    /// The flag's stable JSON name.
    public var rawValue: String {
        switch self {
        case .noResponse: "no_response"
        case .windowTooShort: "window_too_short"
        case .onsetFallbackThreshold: "onset_fallback_threshold"
        case .onsetWithinArtefact: "onset_within_artefact"
        case .artefactNotSettled: "artefact_not_settled"
        case .responseActiveAtWindowEnd: "response_active_at_window_end"
        case .responseBeyondWindow: "response_beyond_window"
        case .oppositePeakAtWindowEnd: "positive_peak_at_window_end"
        case .mainPhaseUnterminated: "negative_phase_unterminated"
        case .otherResponseInWindow: "other_response_in_window"
        case .noiseImplausiblyLowUnit: "noise_implausibly_low_unit"
        case .amplitudeImplausiblyHighUnit: "amplitude_implausibly_high_unit"
        case .lowSampleRate: "low_sample_rate"
        case .notSupramaximal: "not_supramaximal"
        case .amplitudeFellAtHighestIntensity: "amplitude_fell_at_highest_intensity"
        case .intensityUnknown: "intensity_unknown"
        case .noStableResponseGroup: "no_stable_response_group"
        case .mainsRemoved: "mains_removed"
        case .stimulusSideUnknown: "stimulus_side_unknown"
        case .channelsExcludedByQuality: "channels_excluded_by_quality"
        case .channelsUnrecognised: "channels_unrecognised"
        case .affectedSideUnknown: "affected_side_unknown"
        case .affectedSideAssumedSmallerResponse: "affected_side_assumed_smaller_response"
        case .degenerationAboveThreshold: "degeneration_above_threshold"
        case .healthySideNoResponse: "healthy_side_no_response"
        case .affectedSideNoResponse: "affected_side_no_response"
        case .missing: "missing"
        case .notInEverySweep: "not_in_every_sweep"
        case .r2SpreadSynkinesis: "r2_spread_synkinesis"
        case .r1Missing: "r1_missing"
        case .r1MissingOnOneSide: "r1_missing_on_one_side"
        case .r2MissingOnOneSide: "r2_missing_on_one_side"
        case .aboveNorm(let m): "\(m.rawValue)_above_norm"
        case .belowNorm(let m): "\(m.rawValue)_below_norm"
        case .unknown(let name): name
        }
    }

    public init(rawValue: String) {
        self = EvokedFlag.names[rawValue] ?? .unknown(rawValue)
    }

    /// True for flags that mean a number cannot be trusted as it stands (the command exits 1).
    public var failsQuality: Bool {
        switch self {
        case .noiseImplausiblyLowUnit, .amplitudeImplausiblyHighUnit, .onsetWithinArtefact, .artefactNotSettled, .responseActiveAtWindowEnd,
             .responseBeyondWindow, .channelsExcludedByQuality, .channelsUnrecognised, .otherResponseInWindow: true
        default: false
        }
    }

    /// The flag in a sentence.
    public var sentence: String {
        switch self {
        case .noResponse: "no response stands out of the baseline noise"
        case .windowTooShort: "the window after the artefact is too short to measure"
        case .onsetFallbackThreshold: "onset from the 3 SD threshold crossing (the rising edge could not be fitted)"
        case .onsetWithinArtefact: "the response starts before the stimulus artefact has settled: its onset and amplitude may include artefact"
        case .artefactNotSettled: "the stimulus artefact (or amplifier recovery) did not return to baseline within 5 ms"
        case .responseActiveAtWindowEnd: "the signal is still active at the end of the analysis window: widen --window"
        case .responseBeyondWindow: "a time-locked deflection lies after the end of the analysis window: widen --window"
        case .oppositePeakAtWindowEnd: "the opposite peak lies at the window's end: widen --window"
        case .mainPhaseUnterminated: "the main phase does not return to baseline within the window"
        case .otherResponseInWindow: "another response (at least a fifth of the measured one) lies elsewhere in the window, e.g. an M-wave and an H-reflex: the larger was measured; narrow --window to choose"
        case .noiseImplausiblyLowUnit: "single-sweep baseline noise below 0.1 µV is below any surface EMG amplifier's noise floor: the file is probably in mV or V; declare its unit"
        case .amplitudeImplausiblyHighUnit: "an amplitude above 50 mV is not a surface muscle response: the file is probably in µV read as mV (or V); declare its unit"
        case .lowSampleRate: "recorded below 5 kHz: onset resolution is coarser than nerve conduction needs"
        case .notSupramaximal: "the response was still growing at the highest intensity (not supramaximal)"
        case .amplitudeFellAtHighestIntensity: "the response was smaller at the highest intensity than below it"
        case .intensityUnknown: "stimulus intensities are unknown: the largest stable response group was measured, not a verified supramaximal response"
        case .noStableResponseGroup: "no group of sweeps gave a stable response; all sweeps were averaged"
        case .mainsRemoved: "mains interference was removed from every sweep (sinusoid fit)"
        case .stimulusSideUnknown: "some stimuli have no side: they were applied to both sides' channels"
        case .channelsExcludedByQuality: "some channels were not measured (see excluded_channels)"
        case .channelsUnrecognised: "some EMG channels have labels that name no muscle or no side (see excluded_channels)"
        case .affectedSideUnknown: "the affected side is not stated"
        case .affectedSideAssumedSmallerResponse: "the affected side was assumed to be the side with the smaller response"
        case .degenerationAboveThreshold: "degeneration above the threshold"
        case .healthySideNoResponse: "the healthy side has no response: ENoG undefined"
        case .affectedSideNoResponse: "the affected side has no response"
        case .missing: "the component was not found in enough sweeps"
        case .notInEverySweep: "the component was not found in every sweep"
        case .r2SpreadSynkinesis: "R2 spreads into a lower-face muscle (synkinesis sign)"
        case .r1Missing: "R1 is missing on at least one side"
        case .r1MissingOnOneSide: "R1 is missing on one side: no side difference"
        case .r2MissingOnOneSide: "R2 is missing on one side: no side difference"
        case .aboveNorm(let m): "\(m.rawValue) above the normative limit"
        case .belowNorm(let m): "\(m.rawValue) below the normative limit"
        case .unknown(let name): name
        }
    }
}

extension EvokedFlag: Codable {
    public init(from decoder: Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

extension EvokedFlag: ExpressibleByStringLiteral {
    /// A flag by its JSON name (for readable comparisons: `flags.contains("no_response")`).
    public init(stringLiteral value: String) { self.init(rawValue: value) }
}

extension EvokedFlag: CustomStringConvertible {
    public var description: String { rawValue }
}

extension Array where Element == EvokedFlag {
    /// The JSON names, joined (for text and CSV).
    public func joined(separator: String) -> String { map(\.rawValue).joined(separator: separator) }
}
