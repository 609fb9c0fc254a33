import Foundation

/// One second-order IIR section in direct form I, evaluated in `Double`.
struct CarrierBandPassSection: Sendable, Hashable {
    var b0, b1, b2, a1, a2: Double

    /// The band-pass section of the Audio EQ Cookbook (R. Bristow-Johnson) with 0 dB gain at the centre.
    ///
    /// The bilinear transform is pre-warped at the centre, so the digital magnitude peaks exactly at
    /// `centreHz` with unit gain whatever the sample rate.
    static func bandPass(centreHz: Double, quality: Double, sampleRate: Double) -> CarrierBandPassSection {
        let w0 = 2 * Double.pi * centreHz / sampleRate
        let alpha = sin(w0) / (2 * quality)
        let a0 = 1 + alpha
        return CarrierBandPassSection(b0: alpha / a0, b1: 0, b2: -alpha / a0, a1: -2 * cos(w0) / a0, a2: (1 - alpha) / a0)
    }

    /// A causal Butterworth low-pass of order 1 or 2 by the bilinear transform, pre-warped so that the
    /// digital response is −3 dB at `cutoffHz` (a first-order design leaves b2 = a2 = 0).
    static func lowPass(_ design: VolumeConductorLowPass, sampleRate: Double) -> CarrierBandPassSection {
        let k = tan(Double.pi * design.cutoffHz / sampleRate)
        if design.order == 1 {
            return CarrierBandPassSection(b0: k / (1 + k), b1: k / (1 + k), b2: 0, a1: (k - 1) / (k + 1), a2: 0)
        }
        let norm = 1 / (1 + 2.0.squareRoot() * k + k * k)
        let b0 = k * k * norm
        return CarrierBandPassSection(b0: b0, b1: 2 * b0, b2: b0, a1: 2 * (k * k - 1) * norm, a2: (1 - 2.0.squareRoot() * k + k * k) * norm)
    }

    /// Filters `x` causally (zero initial state).
    func filtered(_ x: [Double]) -> [Double] {
        var state = CarrierFilterState()
        return x.map { state.process($0, self) }
    }

    /// |H(e^{iω})|² at `hz`.
    func powerResponse(atHz hz: Double, sampleRate: Double) -> Double {
        let w = 2 * Double.pi * hz / sampleRate
        func magnitudeSquared(_ c0: Double, _ c1: Double, _ c2: Double) -> Double {
            let re = c0 + c1 * cos(w) + c2 * cos(2 * w)
            let im = -(c1 * sin(w) + c2 * sin(2 * w))
            return re * re + im * im
        }
        return magnitudeSquared(b0, b1, b2) / magnitudeSquared(1, a1, a2)
    }
}

/// Turns white Gaussian noise into a stationary, unit-variance surface-EMG carrier whose power
/// spectrum peaks at a chosen frequency.
///
/// Two identical band-pass sections in cascade give a spectrum |H(f)|⁴ that is symmetric on a log
/// frequency axis around the peak and falls 12 dB per octave on either side, the broad single-hump
/// shape of surface EMG. The output is scaled by the filter's noise gain (the square root of the
/// energy of its impulse response), so white input of unit variance gives output of unit variance.
struct EMGCarrierShaper: Sendable {
    let sections: [CarrierBandPassSection]
    /// 1 / sqrt(Σ h[n]²) of the cascade.
    let unitVarianceScale: Double
    /// Samples run through the filter and discarded before the first kept sample, so the kept
    /// output is already stationary (the start-up transient has decayed to < 1e-9 of its energy).
    let warmUpSamples: Int

    init(peakHz: Double, quality: Double, sampleRate: Double) {
        let section = CarrierBandPassSection.bandPass(centreHz: peakHz, quality: quality, sampleRate: sampleRate)
        sections = [section, section]
        // Impulse-response energy, summed until the tail is negligible.
        var states = [CarrierFilterState](repeating: CarrierFilterState(), count: sections.count)
        var energy = 0.0
        var tailStart = 0
        var n = 0
        let limit = Int(sampleRate * 20) + 1_000
        while n < limit {
            var value = n == 0 ? 1.0 : 0.0
            for s in sections.indices { value = states[s].process(value, sections[s]) }
            energy += value * value
            if value * value > 1e-18 * max(energy, 1e-300) { tailStart = n }
            if n - tailStart > Int(sampleRate) { break }
            n += 1
        }
        unitVarianceScale = 1 / energy.squareRoot()
        warmUpSamples = tailStart + 1
    }

    /// The fraction of the carrier's power between `band.lowerBound` and `band.upperBound` Hz.
    ///
    /// Integrates the digital power response |H(e^{iω})|⁴ of the cascade on a 0.05 Hz grid (midpoint rule).
    static func powerFraction(peakHz: Double, quality: Double, sampleRate: Double, band: ClosedRange<Double>) -> Double {
        let section = CarrierBandPassSection.bandPass(centreHz: peakHz, quality: quality, sampleRate: sampleRate)
        let step = 0.05
        let nyquist = sampleRate / 2
        var inside = 0.0, total = 0.0
        var f = step / 2
        while f < nyquist {
            let p = section.powerResponse(atHz: f, sampleRate: sampleRate)
            let power = p * p
            total += power
            if band.contains(f) { inside += power }
            f += step
        }
        return total > 0 ? inside / total : 0
    }

    /// The carrier passed through a low-pass `lowPass`: its power relative to the unit-variance carrier
    /// (`gain`), and the fraction of that filtered power inside `band` (the whole spectrum when `band` is nil).
    /// Same integration as ``powerFraction(peakHz:quality:sampleRate:band:)``.
    static func lowPassed(peakHz: Double, quality: Double, sampleRate: Double, lowPass: VolumeConductorLowPass,
                          band: ClosedRange<Double>? = nil) -> (gain: Double, bandFraction: Double) {
        let section = CarrierBandPassSection.bandPass(centreHz: peakHz, quality: quality, sampleRate: sampleRate)
        let filter = CarrierBandPassSection.lowPass(lowPass, sampleRate: sampleRate)
        let step = 0.05
        let nyquist = sampleRate / 2
        var carrier = 0.0, filtered = 0.0, inside = 0.0
        var f = step / 2
        while f < nyquist {
            let p = section.powerResponse(atHz: f, sampleRate: sampleRate)
            let power = p * p
            let response = filter.powerResponse(atHz: f, sampleRate: sampleRate)
            let through = power * (lowPass.zeroPhase == true ? response * response : response)
            carrier += power
            filtered += through
            if band?.contains(f) ?? true { inside += through }
            f += step
        }
        return (carrier > 0 ? filtered / carrier : 0, filtered > 0 ? inside / filtered : 0)
    }

    /// `count` samples of unit-variance shaped noise drawn from `generator`.
    func carrier(count: Int, generator: inout SeededGenerator) -> [Double] {
        var first = CarrierFilterState(), second = CarrierFilterState()
        let (a, b) = (sections[0], sections[1])
        for _ in 0..<warmUpSamples { _ = second.process(first.process(generator.nextGaussian(), a), b) }
        let scale = unitVarianceScale
        return [Double](unsafeUninitializedCapacity: count) { buffer, initialised in
            for n in 0..<count { buffer[n] = second.process(first.process(generator.nextGaussian(), a), b) * scale }
            initialised = count
        }
    }
}

/// Direct-form I delay line of one ``CarrierBandPassSection``.
struct CarrierFilterState: Sendable {
    var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0

    @inline(__always)
    mutating func process(_ x: Double, _ f: CarrierBandPassSection) -> Double {
        let y = f.b0 * x + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2
        x2 = x1
        x1 = x
        y2 = y1
        y1 = y
        return y
    }
}
