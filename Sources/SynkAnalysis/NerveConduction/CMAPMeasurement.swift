import Foundation
import SynkCore

/// Settings of the CMAP measurement. See ``CMAPMeasurement/measure(_:conditioning:settings:)`` for how they are used.
public struct CMAPMeasurementSettings: Sendable, Hashable, Codable {
    /// A response must reach a baseline-to-negative-peak amplitude of this many baseline standard deviations
    /// (of the low-passed average) to count as a response; below it the channel is `no_response`.
    public var responseThresholdSD: Double
    /// Level, in baseline SDs, of the fallback onset rule (used only when the slope fit fails).
    public var onsetThresholdSD: Double
    /// The rising edge between these fractions of the negative peak is fitted by a straight line and
    /// extrapolated to the baseline to give the onset.
    public var onsetFitLowFraction: Double
    public var onsetFitHighFraction: Double
    /// Half-widths of the least-squares parabolas fitted around the negative and positive peaks, ms.
    public var negativePeakFitHalfWidthMs: Double
    public var positivePeakFitHalfWidthMs: Double
    /// After the first line fit, the fit is repeated this many times from the first sample after the
    /// previous onset estimate up to the high level.
    public var onsetRefits: Int
    /// Gap after the blanked artefact before the search for the negative peak starts, ms (the low-pass
    /// spreads the blank edge by about this much).
    public var searchGuardMs: Double

    public init(
        responseThresholdSD: Double = 6, onsetThresholdSD: Double = 3, onsetFitLowFraction: Double = 0.1, onsetFitHighFraction: Double = 0.5,
        negativePeakFitHalfWidthMs: Double = 0.3, positivePeakFitHalfWidthMs: Double = 1.5, onsetRefits: Int = 2, searchGuardMs: Double = 0.25
    ) {
        self.onsetRefits = onsetRefits
        self.responseThresholdSD = responseThresholdSD
        self.onsetThresholdSD = onsetThresholdSD
        self.onsetFitLowFraction = onsetFitLowFraction
        self.onsetFitHighFraction = onsetFitHighFraction
        self.negativePeakFitHalfWidthMs = negativePeakFitHalfWidthMs
        self.positivePeakFitHalfWidthMs = positivePeakFitHalfWidthMs
        self.searchGuardMs = searchGuardMs
    }

    enum CodingKeys: String, CodingKey {
        case responseThresholdSD = "response_threshold_sd"
        case onsetThresholdSD = "onset_fallback_threshold_sd"
        case onsetFitLowFraction = "onset_fit_low_fraction"
        case onsetFitHighFraction = "onset_fit_high_fraction"
        case negativePeakFitHalfWidthMs = "negative_peak_fit_half_width_ms"
        case positivePeakFitHalfWidthMs = "positive_peak_fit_half_width_ms"
        case searchGuardMs = "search_guard_ms"
        case onsetRefits = "onset_refits"
    }
}

/// The measures of one CMAP (negative phase first). Times are ms from the stimulus; amplitudes mV.
/// With no response, amplitudes and area are 0, times and duration `nil`, and `noResponse` is set.
public struct CMAPMeasurement: Sendable, Hashable, Codable {
    public var onsetLatencyMs: Double?
    public var peakLatencyMs: Double?
    /// Baseline to negative peak, mV.
    public var amplitudeBaselineToPeakMillivolt: Double
    /// Negative peak to the following positive peak, mV.
    public var amplitudePeakToPeakMillivolt: Double
    /// Onset to the end of the negative phase (return to baseline), ms.
    public var negativeDurationMs: Double?
    /// Area of the negative phase, mV·ms.
    public var negativeAreaMillivoltMs: Double?
    public var noResponse: Bool
    /// Baseline standard deviation of the low-passed average, µV.
    public var baselineNoiseMicrovolt: Double
    public var flags: [String]

    /// Least-squares line through `y[lo...hi]`, extrapolated to 0; `nil` unless it falls (negative slope).
    static func extrapolatedOnset(_ y: [Double], lo: Int, hi: Int) -> Double? {
        var sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        for i in lo...hi {
            let x = Double(i - lo), v = y[i]
            sx += x; sy += v; sxx += x * x; sxy += x * v
        }
        let m = Double(hi - lo + 1)
        let slope = (m * sxy - sx * sy) / (m * sxx - sx * sx)
        let intercept = (sy - slope * sx) / m
        guard slope < 0, slope.isFinite, intercept.isFinite else { return nil }
        return Double(lo) - intercept / slope
    }

    /// Measures an averaged response.
    ///
    /// - **Negative peak**: the minimum of the low-passed average after the blanked artefact (+ guard),
    ///   refined by a least-squares parabola over ±`negativePeakFitHalfWidthMs` (its value is the amplitude; the
///   latency comes from a ±0.1 ms parabola, since a wide one leans towards the slower flank). If its depth is below
    ///   `responseThresholdSD` baseline SDs, the result is **no response**.
    /// - **Onset**: the rule "first sample beyond baseline + 3 SD" is late by the time the rising edge needs
    ///   to climb 3 SD. Instead the rising edge between `onsetFitLowFraction` and `onsetFitHighFraction` of the
    ///   negative peak (found by walking back from the peak on the low-passed average) is fitted by a straight
    ///   line on the *unfiltered* average and extrapolated to the baseline (0), giving a sub-sample onset.
    ///   If the fit fails (too few points, wrong slope, result before the edge), the 3 SD crossing walking
    ///   back from the peak is used, interpolated, and flagged `onset_fallback_threshold`.
    /// - **Positive peak**: the maximum after the negative peak, refined by a parabola over
    ///   ±`positivePeakFitHalfWidthMs`; peak-to-peak = positive − negative peak.
    /// - **Duration / area**: from onset to the first upward zero crossing after the negative peak
    ///   (interpolated); area is the integral of the negative deflection (trapezoid rule).
    public static func measure(_ response: AveragedResponse, conditioning: EvokedConditioning, settings: CMAPMeasurementSettings) -> CMAPMeasurement {
        let rate = response.sampleRate
        let raw = response.samples
        let n = raw.count
        let filtered = EvokedSignal.zeroPhaseLowPass(raw, cutoffHz: conditioning.lowPassHz, sampleRate: rate)
        let b0 = max(0, Int(response.sampleIndex(ofMs: conditioning.baselineStartMs).rounded()))
        let b1 = min(n, Int(response.sampleIndex(ofMs: conditioning.baselineEndMs).rounded()))
        // A short baseline of low-passed (correlated) noise can underestimate its SD badly; the raw baseline
        // SD scaled by the filter's white-noise gain is a floor under it.
        let filteredSigma = b1 - b0 > 2 ? EvokedSignal.standardDeviation(filtered[b0..<b1]) : 0
        let rawSigma = b1 - b0 > 2 ? EvokedSignal.standardDeviation(raw[b0..<b1]) : 0
        let sigma = max(filteredSigma, rawSigma * EvokedSignal.whiteNoiseGain(cutoffHz: conditioning.lowPassHz, sampleRate: rate))
        let start = Int(response.sampleIndex(ofMs: conditioning.artefactBlankEndMs + settings.searchGuardMs).rounded(.up))
        let samplesPerMs = rate / 1000
        var empty = CMAPMeasurement(
            onsetLatencyMs: nil, peakLatencyMs: nil, amplitudeBaselineToPeakMillivolt: 0, amplitudePeakToPeakMillivolt: 0,
            negativeDurationMs: nil, negativeAreaMillivoltMs: nil, noResponse: true, baselineNoiseMicrovolt: sigma, flags: ["no_response"])
        guard start < n - 3 else {
            empty.flags.append("window_too_short")
            return empty
        }

        // Negative peak.
        var p = start
        for i in start..<n where filtered[i] < filtered[p] { p = i }
        let negativeHalf = max(1, Int((settings.negativePeakFitHalfWidthMs * samplesPerMs).rounded()))
        let negative = EvokedSignal.parabolicExtremum(filtered, lo: max(start, p - negativeHalf), hi: p + negativeHalf, minimum: true)
        // The latency comes from a narrow parabola (±0.1 ms): a wide one leans towards the slower flank.
        let latencyHalf = max(1, Int((0.1 * samplesPerMs).rounded()))
        let negativeLatency = EvokedSignal.parabolicExtremum(filtered, lo: max(start, p - latencyHalf), hi: p + latencyHalf, minimum: true)
        let depth = -negative.value
        guard depth > 0, depth > settings.responseThresholdSD * sigma else { return empty }

        var flags: [String] = []
        // Onset: walk back from the peak to the fit levels.
        func lastIndexBefore(_ peak: Int, above level: Double) -> Int? {
            var i = peak
            while i > start { if filtered[i] >= level { return i }; i -= 1 }
            return nil
        }
        var onsetIndex: Double?
        if let i10 = lastIndexBefore(p, above: -settings.onsetFitLowFraction * depth),
           let i50 = lastIndexBefore(p, above: -settings.onsetFitHighFraction * depth) {
            let hi = max(i50, i10 + 3)
            var lo = i10 + 1
            // Refits start at the first sample after the previous estimate, so the line uses the whole
            // rising edge but no baseline sample (which would flatten it and move the onset early).
            for _ in 0...settings.onsetRefits {
                guard hi < n, hi - lo >= 2, let candidate = extrapolatedOnset(raw, lo: lo, hi: hi) else { break }
                // Plausible: not after the fitted edge, not far before it, not inside the artefact.
                guard candidate <= Double(hi), candidate >= Double(lo) - Double(hi - lo) - 2 * samplesPerMs,
                      candidate >= Double(start) - samplesPerMs else { break }
                onsetIndex = candidate
                lo = max(Int(candidate.rounded(.down)) + 1, 0)
            }
        }
        if onsetIndex == nil {
            flags.append("onset_fallback_threshold")
            let level = -settings.onsetThresholdSD * sigma
            if let i = lastIndexBefore(p, above: level), i + 1 < n {
                let a = filtered[i], b = filtered[i + 1]
                onsetIndex = Double(i) + (b != a ? (a - level) / (a - b) : 0)
            } else {
                onsetIndex = Double(start)
            }
        }
        if let o = onsetIndex, o < Double(start) - samplesPerMs * settings.searchGuardMs {
            flags.append("onset_near_artefact")
        }

        // Positive peak after the negative one.
        var q = p
        for i in p..<n where filtered[i] > filtered[q] { q = i }
        let positiveHalf = max(1, Int((settings.positivePeakFitHalfWidthMs * samplesPerMs).rounded()))
        let positive = q > p ? EvokedSignal.parabolicExtremum(filtered, lo: max(p + 1, q - positiveHalf), hi: q + positiveHalf, minimum: false) : (index: Double(p), value: negative.value)
        if q == n - 1 { flags.append("positive_peak_at_window_end") }

        // End of the negative phase: first upward zero crossing after the peak.
        var endIndex = Double(n - 1)
        var terminated = false
        for i in p..<(n - 1) where filtered[i] < 0 && filtered[i + 1] >= 0 {
            endIndex = Double(i) + (-filtered[i]) / (filtered[i + 1] - filtered[i])
            terminated = true
            break
        }
        if !terminated { flags.append("negative_phase_unterminated") }
        let onset = onsetIndex!
        var area = 0.0
        let first = max(Int(onset.rounded(.up)), 0), last = min(Int(endIndex.rounded(.down)), n - 1)
        if last >= first {
            for i in first...last { area += -filtered[i] * ((i == first || i == last) ? 0.5 : 1) }
        }
        let dtMs = 1000 / rate
        return CMAPMeasurement(
            onsetLatencyMs: response.timeMs(ofSample: onset),
            peakLatencyMs: response.timeMs(ofSample: negativeLatency.index),
            amplitudeBaselineToPeakMillivolt: depth / 1000,
            amplitudePeakToPeakMillivolt: (positive.value - negative.value) / 1000,
            negativeDurationMs: (endIndex - onset) * dtMs,
            negativeAreaMillivoltMs: max(0, area) * dtMs / 1000,
            noResponse: false, baselineNoiseMicrovolt: sigma, flags: flags)
    }
}
