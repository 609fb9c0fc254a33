import Foundation

/// The shape of a simulated compound muscle action potential (CMAP): biphasic, **negative phase first**
/// (the voltage goes below baseline first; clinical displays draw it upwards).
///
/// With `u` the time after onset in ms:
/// - `0 ≤ u < rise`: quarter sine from 0 down to −1 (a finite, steep initial slope: the onset is a
///   well-defined departure from baseline, as in a real CMAP);
/// - `rise ≤ u < negativeDuration`: quarter cosine from −1 back to 0 (the negative phase ends at the
///   first zero crossing);
/// - `negativeDuration ≤ u < negativeDuration + positiveDuration`: a positive half sine of height
///   `positiveRatio`;
/// - zero elsewhere.
///
/// Scaled by the baseline-to-negative-peak amplitude, the peak-to-peak amplitude is
/// `amplitude · (1 + positiveRatio)` and the negative-phase area is `amplitude · 2/π · negativeDuration`.
public struct CMAPShape: Sendable, Hashable, Codable {
    /// Onset to negative peak, ms.
    public var riseMs: Double
    /// Onset to the end of the negative phase (first zero crossing), ms.
    public var negativeDurationMs: Double
    /// Duration of the positive phase, ms.
    public var positiveDurationMs: Double
    /// Height of the positive phase relative to the negative peak.
    public var positiveRatio: Double
    /// Reverses the waveform's sign (positive phase first), as recorded off the motor point or with reversed leads.
    public var inverted: Bool

    public init(riseMs: Double = 1.2, negativeDurationMs: Double = 4.0, positiveDurationMs: Double = 6.0, positiveRatio: Double = 0.45,
                inverted: Bool = false) {
        self.riseMs = riseMs
        self.negativeDurationMs = negativeDurationMs
        self.positiveDurationMs = positiveDurationMs
        self.positiveRatio = positiveRatio
        self.inverted = inverted
    }

    /// Total duration of the waveform, ms.
    public var totalDurationMs: Double { negativeDurationMs + positiveDurationMs }

    /// The unit waveform (negative peak −1, or +1 when inverted) at `u` ms after onset.
    public func value(atMs u: Double) -> Double {
        inverted ? -uninverted(atMs: u) : uninverted(atMs: u)
    }

    func uninverted(atMs u: Double) -> Double {
        if u <= 0 { return 0 }
        if u < riseMs { return -sin(Double.pi / 2 * u / riseMs) }
        if u < negativeDurationMs {
            return -cos(Double.pi / 2 * (u - riseMs) / (negativeDurationMs - riseMs))
        }
        let v = u - negativeDurationMs
        if v < positiveDurationMs { return positiveRatio * sin(Double.pi * v / positiveDurationMs) }
        return 0
    }

    /// Root mean square of the unit waveform over its own duration (numerically, 1 µs steps).
    public var unitRMS: Double {
        let step = 0.001
        let n = Int((totalDurationMs / step).rounded())
        var sum = 0.0
        for i in 0..<n {
            let v = value(atMs: (Double(i) + 0.5) * step)
            sum += v * v
        }
        return (sum / Double(n)).squareRoot()
    }
}

/// A stimulus artefact: an instantaneous jump of `peakMicrovolt` at the stimulus that decays
/// exponentially with `decayMs`, preceded by a 0.1 ms square pulse of the same sign (the stimulus
/// itself). With the defaults it has fallen below 0.01 µV by 1.5 ms.
public struct StimulusArtefact: Sendable, Hashable, Codable {
    public var peakMicrovolt: Double
    public var decayMs: Double
    public var pulseMs: Double
    /// Fraction of the artefact seen on channels of the side not stimulated.
    public var contralateralFraction: Double
    /// Amplifier recovery: after the spike, an undershoot of the opposite sign with this peak (µV, 0 = none) that
    /// rises over `recoveryRiseMs` and returns to baseline with time constant `recoveryDecayMs`, as an AC-coupled
    /// amplifier recovering from the stimulus (the tail that outlasts a fixed blank).
    public var recoveryMicrovolt: Double
    public var recoveryRiseMs: Double
    public var recoveryDecayMs: Double

    public init(peakMicrovolt: Double = 5000, decayMs: Double = 0.1, pulseMs: Double = 0.1, contralateralFraction: Double = 0.1,
                recoveryMicrovolt: Double = 0, recoveryRiseMs: Double = 0.3, recoveryDecayMs: Double = 0.5) {
        self.peakMicrovolt = peakMicrovolt
        self.decayMs = decayMs
        self.pulseMs = pulseMs
        self.contralateralFraction = contralateralFraction
        self.recoveryMicrovolt = recoveryMicrovolt
        self.recoveryRiseMs = recoveryRiseMs
        self.recoveryDecayMs = recoveryDecayMs
    }

    /// The artefact in µV at `u` ms after the stimulus.
    public func value(atMs u: Double) -> Double {
        if u < 0 { return 0 }
        if u < pulseMs { return peakMicrovolt }
        var v = peakMicrovolt * exp(-(u - pulseMs) / decayMs)
        if recoveryMicrovolt != 0 {
            // (1 − e^(−t/rise))·e^(−t/decay), scaled so its peak is the recovery amplitude, of opposite sign.
            let t = u - pulseMs
            let shape = { (t: Double) in (1 - exp(-t / self.recoveryRiseMs)) * exp(-t / self.recoveryDecayMs) }
            let tPeak = recoveryRiseMs * log(1 + recoveryDecayMs / recoveryRiseMs)
            v -= (peakMicrovolt < 0 ? -1 : 1) * recoveryMicrovolt * shape(t) / shape(tPeak)
        }
        return v
    }

    /// How long after the stimulus the artefact lasts until it is below `microvolt`.
    public func durationMs(untilBelow microvolt: Double) -> Double {
        guard abs(peakMicrovolt) > microvolt, microvolt > 0 else { return pulseMs }
        var spike = pulseMs + decayMs * log(abs(peakMicrovolt) / microvolt)
        if recoveryMicrovolt > microvolt { spike = max(spike, pulseMs + max(recoveryDecayMs, recoveryRiseMs) * (log(recoveryMicrovolt / microvolt) + 2)) }
        return spike
    }
}
