import Foundation
import SynkCore

/// Settings of the CMAP measurement. See ``CMAPMeasurement/measure(_:conditioning:settings:)`` for how they are used.
public struct CMAPMeasurementSettings: Sendable, Hashable, Codable {
    /// A response must reach a baseline-to-negative-peak amplitude of this many baseline standard deviations
    /// (of the low-passed average) to count as a response; below it the channel is `no_response`.
    public var responseThresholdSD: Double
    /// The onset is where the response, walked back from its first phase's peak, last lies within this many
    /// baseline SDs (or ``onsetPeakFraction`` of the main peak, whichever is larger) of the baseline.
    public var onsetThresholdSD: Double
    /// Floor of the onset level as a fraction of the main peak (a sub-µV drift of a very clean average is not the
    /// response's departure).
    public var onsetPeakFraction: Double

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
    /// The artefact has settled where the average stays within this many baseline SDs for ``artefactQuietMs``.
    public var artefactSettleSD: Double
    public var artefactQuietMs: Double
    /// Longest artefact (with amplifier recovery) searched for, ms after the stimulus; beyond it the artefact is
    /// flagged `artefact_not_settled`.
    public var maximumArtefactMs: Double
    /// A phase before the main one belongs to the response when its peak reaches this fraction of the main peak
    /// (and ``responseThresholdSD`` baseline SDs).
    public var earlierPhaseFraction: Double
    /// The response is still active at the window's end when the last ``windowEndMs`` hold a value beyond
    /// ``responseThresholdSD`` SDs and this fraction of the main peak.
    public var windowEndFraction: Double
    public var windowEndMs: Double
    /// A deflection outside the measured response reaching this fraction of its main peak is another response.
    public var otherResponseFraction: Double

    public init(
        responseThresholdSD: Double = 6, onsetThresholdSD: Double = 3, onsetFitLowFraction: Double = 0.1, onsetFitHighFraction: Double = 0.5,
        negativePeakFitHalfWidthMs: Double = 0.3, positivePeakFitHalfWidthMs: Double = 1.5, onsetRefits: Int = 2, searchGuardMs: Double = 0.25,
        artefactSettleSD: Double = 4, artefactQuietMs: Double = 0.2, maximumArtefactMs: Double = 5, earlierPhaseFraction: Double = 0.05,
        windowEndFraction: Double = 0.05, windowEndMs: Double = 0.5, onsetPeakFraction: Double = 0.01, otherResponseFraction: Double = 0.2
    ) {
        self.otherResponseFraction = otherResponseFraction
        self.onsetPeakFraction = onsetPeakFraction
        self.artefactSettleSD = artefactSettleSD
        self.artefactQuietMs = artefactQuietMs
        self.maximumArtefactMs = maximumArtefactMs
        self.earlierPhaseFraction = earlierPhaseFraction
        self.windowEndFraction = windowEndFraction
        self.windowEndMs = windowEndMs
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
        case artefactSettleSD = "artefact_settle_sd"
        case artefactQuietMs = "artefact_quiet_ms"
        case maximumArtefactMs = "maximum_artefact_ms"
        case earlierPhaseFraction = "earlier_phase_fraction"
        case windowEndFraction = "window_end_fraction"
        case windowEndMs = "window_end_ms"
        case onsetPeakFraction = "onset_peak_fraction"
        case otherResponseFraction = "other_response_fraction"
    }
}


/// Where the stimulus artefact (with its amplifier recovery) ends on an averaged response.
public struct ArtefactSpan: Sendable, Hashable, Codable {
    /// End of the artefact, ms after the stimulus: nothing before it is measured.
    public var endMs: Double
    /// Largest absolute value of the artefact, µV (0 when none stands out of the noise).
    public var peakMicrovolt: Double
    /// The artefact never returned to baseline within the search span.
    public var notSettled: Bool
    /// A new deflection rose out of the decaying artefact before it had settled (a response starting inside the tail).
    public var deflectionInTail: Bool

    enum CodingKeys: String, CodingKey {
        case endMs = "end_ms"
        case peakMicrovolt = "peak_uv"
        case notSettled = "not_settled"
        case deflectionInTail = "deflection_in_tail"
    }

    /// Finds the artefact's end on the baseline-corrected average `x` (µV).
    ///
    /// The artefact is the span after the stimulus until the signal returns to the baseline: the first point from
    /// which the average stays within `artefactSettleSD` baseline SDs for `artefactQuietMs` (adaptive blanking, as
    /// in the artefact-end rules of evoked-response software; McGill et al. 1982, IEEE Trans Biomed Eng 29:129-137,
    /// measure only after the artefact has returned to baseline). It never ends before `minimumMs`. When, after the
    /// artefact has decayed to a tenth of its peak, the envelope rises again before it settles, a response starts in
    /// the tail: the end is put at the quietest point and `deflectionInTail` is set. When nothing settles within
    /// `maximumArtefactMs`, the quietest point is used and `notSettled` is set.
    static func find(_ x: [Double], stimulusIndex p0: Int, sampleRate: Double, sigma: Double, minimumMs: Double, startMs: Double,
                     settings: CMAPMeasurementSettings) -> ArtefactSpan {
        let n = x.count
        let perMs = sampleRate / 1000
        let level = max(settings.artefactSettleSD * sigma, 1e-12)
        let quiet = max(1, Int((settings.artefactQuietMs * perMs).rounded()))
        let a0 = max(0, p0 + Int((startMs * perMs).rounded(.down)))
        let minEnd = min(n - 1, max(a0, p0 + Int((minimumMs * perMs).rounded(.up))))
        let maxEnd = min(n - quiet, p0 + Int((settings.maximumArtefactMs * perMs).rounded()))
        var peak = 0.0, peakIndex = a0
        for i in a0..<min(n, p0 + max(1, Int((0.5 * perMs).rounded())) + 1) where abs(x[i]) > peak { peak = abs(x[i]); peakIndex = i }
        let ms = { (i: Int) in Double(i - p0) / perMs }
        guard peak > level, maxEnd > minEnd else {
            return ArtefactSpan(endMs: ms(minEnd), peakMicrovolt: peak > level ? peak : 0, notSettled: false, deflectionInTail: false)
        }
        // envelope[i] = max |x| over [i, i + quiet): the artefact has settled at i when it is within the level.
        func envelope(_ i: Int) -> Double {
            var m = 0.0
            for j in i..<min(n, i + quiet) { m = max(m, abs(x[j])) }
            return m
        }
        var runningMin = Double.infinity, runningMinIndex = minEnd
        var i = max(minEnd, peakIndex)
        while i <= maxEnd {
            let e = envelope(i)
            if e <= level { return ArtefactSpan(endMs: ms(i), peakMicrovolt: peak, notSettled: false, deflectionInTail: false) }
            if e < runningMin {
                runningMin = e
                runningMinIndex = i
            } else if runningMin < 0.1 * peak, e > 2 * runningMin + level {
                return ArtefactSpan(endMs: ms(runningMinIndex), peakMicrovolt: peak, notSettled: false, deflectionInTail: true)
            }
            i += 1
        }
        return ArtefactSpan(endMs: ms(runningMinIndex), peakMicrovolt: peak, notSettled: true, deflectionInTail: false)
    }
}

/// The measures of one averaged evoked response (CMAP, M-wave, H-reflex, MEP). Times are ms from the stimulus;
/// amplitudes mV. With no response, amplitudes and area are 0, times and duration `nil`, and `noResponse` is set.
public struct CMAPMeasurement: Sendable, Hashable, Codable {
    public var onsetLatencyMs: Double?
    /// Latency of the main peak, ms.
    public var peakLatencyMs: Double?
    /// Baseline to the main peak, mV (always ≤ peak-to-peak).
    public var amplitudeBaselineToPeakMillivolt: Double
    /// Main peak to the largest peak of opposite sign within the response, mV.
    public var amplitudePeakToPeakMillivolt: Double
    /// Onset to the end of the main phase (its return to baseline), ms.
    public var negativeDurationMs: Double?
    /// Area of the main phase, mV·ms (positive).
    public var negativeAreaMillivoltMs: Double?
    /// Sign of the main phase; `nil` without a response.
    public var polarity: ResponsePolarity?
    /// Sign of the first phase (where the onset is), `nil` without a response.
    public var initialPhase: ResponsePolarity?
    public var artefact: ArtefactSpan
    public var noResponse: Bool
    /// Baseline standard deviation of the low-passed average, µV.
    public var baselineNoiseMicrovolt: Double
    public var flags: [EvokedFlag]

    /// Least-squares line through `y[lo...hi]`, extrapolated to 0; `nil` unless it moves away from 0 in the
    /// direction `sign` (−1 for a negative phase, +1 for a positive one).
    static func extrapolatedOnset(_ y: [Double], lo: Int, hi: Int, sign: Double = -1) -> Double? {
        var sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        for i in lo...hi {
            let x = Double(i - lo), v = sign * y[i]
            sx += x; sy += v; sxx += x * x; sxy += x * v
        }
        let m = Double(hi - lo + 1)
        let slope = (m * sxy - sx * sy) / (m * sxx - sx * sx)
        let intercept = (sy - slope * sx) / m
        guard slope > 0, slope.isFinite, intercept.isFinite else { return nil }
        return Double(lo) - intercept / slope
    }

    /// One run of samples of the same sign (a phase) of the low-passed average.
    struct Phase {
        var start: Int
        var end: Int        // exclusive
        var sign: Double
        var peakIndex: Int
        var peak: Double    // signed
        var area: Double    // Σ|x|
    }

    static func phases(_ f: [Double], from start: Int, to end: Int) -> [Phase] {
        var result: [Phase] = []
        var i = start
        while i < end {
            let sign: Double = f[i] < 0 ? -1 : 1
            var phase = Phase(start: i, end: i, sign: sign, peakIndex: i, peak: f[i], area: 0)
            while i < end, (f[i] < 0 ? -1.0 : 1.0) == sign {
                if abs(f[i]) > abs(phase.peak) { phase.peak = f[i]; phase.peakIndex = i }
                phase.area += abs(f[i])
                i += 1
            }
            phase.end = i
            result.append(phase)
        }
        return result
    }

    /// Measures an averaged response (baseline-corrected, artefact **not** blanked).
    ///
    /// 1. **Artefact**: ``ArtefactSpan/find`` locates its end on this average; it is blanked (0) and nothing before
    ///    its end (+ `searchGuardMs`) is measured.
    /// 2. **Main phase**: the low-passed average after the artefact is split into phases at its zero crossings; the
    ///    main phase is the one with the largest area (or the largest of the sign `polarity` asks for). Its peak,
    ///    refined by a least-squares parabola over ±`negativePeakFitHalfWidthMs`, is the baseline-to-peak
    ///    amplitude; below `responseThresholdSD` baseline SDs there is **no response**.
    /// 3. **Onset**: the first departure from baseline whatever its sign (AANEM glossary: "onset latency … to the
    ///    first deflection"): walking back from the main phase, each adjacent earlier phase whose peak reaches
    ///    `earlierPhaseFraction` of the main peak (and the response threshold) belongs to the response. On the
    ///    first phase, the edge between `onsetFitLowFraction` and `onsetFitHighFraction` of its peak is fitted by a
    ///    line on the unfiltered average and extrapolated to the baseline; if that fails, the 3 SD crossing is used
    ///    (`onset_fallback_threshold`).
    /// 4. **Peak-to-peak**: from the main peak to the largest peak of the opposite sign between the onset and twice
    ///    the main phase's length after it (≥ 3 ms; parabola over ±`positivePeakFitHalfWidthMs`); never less than the
    ///    baseline-to-peak amplitude (the baseline lies between the two peaks).
    /// 5. **Duration / area**: from the onset to the end of the main phase (its zero crossing), area of the main phase.
    /// 6. **Window end**: `response_active_at_window_end` when the last `windowEndMs` still hold a deflection.
    /// 7. **Another response**: `other_response_in_window` when, before the onset or after the response, a deflection
    ///    reaches `otherResponseFraction` of the main peak (M-wave and H-reflex in one window).
    public static func measure(
        _ response: AveragedResponse, conditioning: EvokedConditioning, settings: CMAPMeasurementSettings, polarity: ResponsePolarity = .automatic
    ) -> CMAPMeasurement {
        let rate = response.sampleRate
        let raw0 = response.samples
        let n = raw0.count
        let samplesPerMs = rate / 1000
        let p0 = response.preStimulusSamples
        let b0 = max(0, Int(response.sampleIndex(ofMs: conditioning.baselineStartMs).rounded()))
        let b1 = min(n, Int(response.sampleIndex(ofMs: conditioning.baselineEndMs).rounded()))
        let rawSigma = b1 - b0 > 2 ? EvokedSignal.standardDeviation(raw0[b0..<b1]) : 0
        let artefact = ArtefactSpan.find(raw0, stimulusIndex: p0, sampleRate: rate, sigma: rawSigma, minimumMs: conditioning.artefactBlankEndMs,
                                         startMs: conditioning.artefactBlankStartMs, settings: settings)
        var raw = raw0
        let a0 = max(0, Int(response.sampleIndex(ofMs: conditioning.artefactBlankStartMs).rounded(.down)))
        let a1 = min(n, Int(response.sampleIndex(ofMs: artefact.endMs).rounded()))
        for i in a0..<max(a0, a1) { raw[i] = 0 }
        let filtered = EvokedSignal.zeroPhaseLowPass(raw, cutoffHz: conditioning.lowPassHz, sampleRate: rate)
        // A short baseline of low-passed (correlated) noise can underestimate its SD badly; the raw baseline
        // SD scaled by the filter's white-noise gain is a floor under it.
        let filteredSigma = b1 - b0 > 2 ? EvokedSignal.standardDeviation(filtered[b0..<b1]) : 0
        let sigma = max(filteredSigma, rawSigma * EvokedSignal.whiteNoiseGain(cutoffHz: conditioning.lowPassHz, sampleRate: rate))
        let start = Int(response.sampleIndex(ofMs: artefact.endMs + settings.searchGuardMs).rounded(.up))
        var flags: [EvokedFlag] = []
        if artefact.notSettled { flags.append(.artefactNotSettled) }
        var empty = CMAPMeasurement(
            onsetLatencyMs: nil, peakLatencyMs: nil, amplitudeBaselineToPeakMillivolt: 0, amplitudePeakToPeakMillivolt: 0,
            negativeDurationMs: nil, negativeAreaMillivoltMs: nil, polarity: nil, initialPhase: nil, artefact: artefact, noResponse: true,
            baselineNoiseMicrovolt: sigma, flags: [.noResponse] + flags)
        guard start < n - 3 else {
            empty.flags.append(.windowTooShort)
            return empty
        }
        let threshold = settings.responseThresholdSD * sigma
        let tail = max(1, Int((settings.windowEndMs * samplesPerMs).rounded()))
        func activeAtEnd(_ level: Double) -> Bool {
            (max(start, n - tail)..<n).contains { abs(filtered[$0]) > level }
        }

        // Main phase.
        let all = phases(filtered, from: start, to: n)
        let candidates = all.indices.filter { k in
            switch polarity {
            case .automatic: true
            case .negative: all[k].sign < 0
            case .positive: all[k].sign > 0
            }
        }
        guard let m = candidates.max(by: { all[$0].area < all[$1].area }) else {
            if activeAtEnd(threshold) { empty.flags.append(.responseActiveAtWindowEnd) }
            return empty
        }
        let main = all[m]
        let s = main.sign
        let mainHalf = max(1, Int((settings.negativePeakFitHalfWidthMs * samplesPerMs).rounded()))
        let mainFit = EvokedSignal.parabolicExtremum(filtered, lo: max(main.start, main.peakIndex - mainHalf), hi: min(main.end - 1, main.peakIndex + mainHalf), minimum: s < 0)
        // The latency comes from a narrow parabola (±0.1 ms): a wide one leans towards the slower flank.
        let latencyHalf = max(1, Int((0.1 * samplesPerMs).rounded()))
        let latencyFit = EvokedSignal.parabolicExtremum(filtered, lo: max(start, main.peakIndex - latencyHalf), hi: main.peakIndex + latencyHalf, minimum: s < 0)
        let depth = s * mainFit.value
        // A phase already under way where the artefact ended may be the artefact's residual decay: it counts only
        // when it rises above its level there by more than the response threshold.
        let residual = main.start <= start ? max(0, s * filtered[main.start]) : 0
        guard depth > 0, depth - residual > threshold else {
            if activeAtEnd(threshold) { empty.flags.append(.responseActiveAtWindowEnd) }
            return empty
        }

        // Earlier phases that belong to the response: adjacent, and large enough.
        let earlierLevel = max(threshold, settings.earlierPhaseFraction * depth)
        var first = m
        while first > 0, abs(all[first - 1].peak) >= earlierLevel { first -= 1 }
        let lead = all[first]
        let leadSign = lead.sign
        let leadDepth = abs(lead.peak)

        // Onset: walk back from the first phase's peak to the fit levels.
        func lastIndexBefore(_ peak: Int, within level: Double) -> Int? {
            var i = peak
            while i > start { if leadSign * filtered[i] <= level { return i }; i -= 1 }
            return nil
        }
        // Onset, two estimates of the first departure from baseline:
        // (1) the edge between `onsetFitLowFraction` and `onsetFitHighFraction` of the first phase's peak, fitted by a
        //     line on the unfiltered average and extrapolated to the baseline (exact for a straight edge; a threshold
        //     crossing is late by the time the edge needs to climb the threshold);
        // (2) walking back from the first phase's peak, the last point within `level` of the baseline (the
        //     threshold rule; `level` is 3 SD, or 1 % of the main peak for a very clean average).
        // A curved foot (MEPs, H-reflexes) leaves the baseline before the line's foot: then (2) is earlier and wins.
        var fitted: Double?
        if let i10 = lastIndexBefore(lead.peakIndex, within: settings.onsetFitLowFraction * leadDepth),
           let i50 = lastIndexBefore(lead.peakIndex, within: settings.onsetFitHighFraction * leadDepth) {
            let hi = max(i50, i10 + 3)
            var lo = i10 + 1
            // Refits start at the first sample after the previous estimate, so the line uses the whole
            // rising edge but no baseline sample (which would flatten it and move the onset early).
            for _ in 0...settings.onsetRefits {
                guard hi < n, hi - lo >= 2, let candidate = extrapolatedOnset(raw, lo: lo, hi: hi, sign: leadSign) else { break }
                // Plausible: not after the fitted edge, not far before it, not inside the artefact.
                guard candidate <= Double(hi), candidate >= Double(lo) - Double(hi - lo) - 2 * samplesPerMs,
                      candidate >= Double(start) - samplesPerMs else { break }
                fitted = candidate
                lo = max(Int(candidate.rounded(.down)) + 1, 0)
            }
        }
        // On the unfiltered average: the zero-phase low-pass spreads an edge earlier in time.
        let level = max(settings.onsetThresholdSD * rawSigma, settings.onsetPeakFraction * depth)
        var crossing: Double?
        var i = lead.peakIndex
        while i > start, leadSign * raw[i] > level { i -= 1 }
        if i > start, i + 1 < n {
            let a = leadSign * raw[i], b = leadSign * raw[i + 1]
            crossing = Double(i) + (b != a ? (level - a) / (b - a) : 0)
        }
        var onsetIndex: Double?
        switch (fitted, crossing) {
        case let (f?, c?): onsetIndex = min(f, c)
        case let (f?, nil): onsetIndex = f
        case let (nil, c?):
            flags.append(.onsetFallbackThreshold)
            onsetIndex = c
        case (nil, nil):
            flags.append(.onsetFallbackThreshold)
            onsetIndex = Double(start)
        }
        let onset = onsetIndex!
        let artefactEndIndex = response.sampleIndex(ofMs: artefact.endMs)
        if artefact.deflectionInTail || onset < artefactEndIndex {
            flags.append(.onsetWithinArtefact)
        }

        // The response extends past the main phase by twice the main phase's length (at least 3 ms): the opposite
        // peak of a biphasic CMAP follows within it, and the later phases of a polyphasic MEP.
        let mainLength = Double(main.end) - onset
        let responseEnd = min(n, main.end + Int(max(2 * mainLength, 3 * samplesPerMs).rounded()))
        // Opposite peak within the response.
        var q = -1
        let lo = max(start, Int(onset.rounded(.down)))
        for i in lo..<max(lo, responseEnd) where -s * filtered[i] > 0 && (q < 0 || -s * filtered[i] > -s * filtered[q]) { q = i }
        var opposite = 0.0
        if q >= 0 {
            let half = max(1, Int((settings.positivePeakFitHalfWidthMs * samplesPerMs).rounded()))
            // The opposite phase around q: the parabola stays inside it.
            var qs = q, qe = q
            while qs > lo, -s * filtered[qs - 1] > 0 { qs -= 1 }
            while qe < n - 1, -s * filtered[qe + 1] > 0 { qe += 1 }
            let fit = EvokedSignal.parabolicExtremum(filtered, lo: max(qs, q - half), hi: min(qe, q + half), minimum: s > 0)
            opposite = max(0, -s * fit.value)
            if q >= n - tail { flags.append(.oppositePeakAtWindowEnd) }
        }
        if activeAtEnd(max(threshold, settings.windowEndFraction * depth)) { flags.append(.responseActiveAtWindowEnd) }
        // Another response elsewhere in the window (an M-wave and an H-reflex, a direct and a late response): the
        // one measured is the larger; say that there is another.
        let otherLevel = max(threshold, settings.otherResponseFraction * depth)
        let firstOnsetSample = Int(onset.rounded(.down)) - Int(samplesPerMs.rounded())
        if (start..<max(start, firstOnsetSample)).contains(where: { abs(filtered[$0]) > otherLevel })
            || (min(n, responseEnd)..<n).contains(where: { abs(filtered[$0]) > otherLevel }) {
            flags.append(.otherResponseInWindow)
        }

        // End of the main phase: its zero crossing after the peak (interpolated).
        var endIndex = Double(n - 1)
        if main.end < n {
            let a = filtered[main.end - 1], b = filtered[main.end]
            endIndex = Double(main.end - 1) + (b != a ? a / (a - b) : 0)
        } else {
            flags.append(.mainPhaseUnterminated)
        }
        var area = 0.0
        let firstSample = max(Int(onset.rounded(.up)), main.start, 0), lastSample = min(Int(endIndex.rounded(.down)), n - 1)
        if lastSample >= firstSample {
            for i in firstSample...lastSample { area += s * filtered[i] * ((i == firstSample || i == lastSample) ? 0.5 : 1) }
        }
        let dtMs = 1000 / rate
        return CMAPMeasurement(
            onsetLatencyMs: response.timeMs(ofSample: onset),
            peakLatencyMs: response.timeMs(ofSample: latencyFit.index),
            amplitudeBaselineToPeakMillivolt: depth / 1000,
            amplitudePeakToPeakMillivolt: (depth + opposite) / 1000,
            negativeDurationMs: (endIndex - onset) * dtMs,
            negativeAreaMillivoltMs: max(0, area) * dtMs / 1000,
            polarity: s < 0 ? .negative : .positive, initialPhase: leadSign < 0 ? .negative : .positive,
            artefact: artefact, noResponse: false, baselineNoiseMicrovolt: sigma, flags: flags)
    }
}
