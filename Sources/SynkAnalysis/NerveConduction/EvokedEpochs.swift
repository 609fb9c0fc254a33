import Foundation
import SynkCore

/// The analysis window around each stimulus: from `preStimulusMs` before to `postStimulusMs` after.
public struct EpochWindow: Sendable, Hashable, Codable {
    public var preStimulusMs: Double
    public var postStimulusMs: Double

    /// −5…+20 ms: a 5 ms pre-stimulus baseline, and 20 ms after, enough for facial CMAPs (onset 2.5-5 ms,
    /// duration ≲ 12 ms).
    public init(preStimulusMs: Double = 5, postStimulusMs: Double = 20) {
        self.preStimulusMs = preStimulusMs
        self.postStimulusMs = postStimulusMs
    }

    enum CodingKeys: String, CodingKey {
        case preStimulusMs = "pre_stimulus_ms"
        case postStimulusMs = "post_stimulus_ms"
    }

    public func preSamples(sampleRate: Double) -> Int { Int((preStimulusMs / 1000 * sampleRate).rounded()) }
    public func postSamples(sampleRate: Double) -> Int { Int((postStimulusMs / 1000 * sampleRate).rounded()) }
}

/// Sweeps of one channel cut around stimuli: `sweeps[s][i]` in µV, sample `preStimulusSamples` is the
/// stimulus. Also the form in which already-epoched data (from an averaging EMG machine) enters the analysis.
public struct EvokedEpochs: Sendable, Hashable {
    public var channel: ChannelInfo
    public var sampleRate: Double
    /// Samples before the stimulus in each sweep.
    public var preStimulusSamples: Int
    /// One array per sweep, all the same length, µV.
    public var sweeps: [[Float]]
    /// The stimulus of each sweep (time within the source recording, intensity, site, side, branch).
    public var stimuli: [Stimulus]

    /// Checks the shape: at least one sweep, equal lengths, one stimulus per sweep, a finite rate.
    public init(channel: ChannelInfo, sampleRate: Double, preStimulusSamples: Int, sweeps: [[Float]], stimuli: [Stimulus]) throws(SynkError) {
        guard sampleRate.isFinite, sampleRate > 0 else { throw .input(nil, "invalid sample rate \(sampleRate) Hz", place: channel.label) }
        guard !sweeps.isEmpty else { throw .input(nil, "no sweeps", place: channel.label) }
        guard sweeps.count == stimuli.count else {
            throw .input(nil, "\(sweeps.count) sweeps but \(stimuli.count) stimuli", place: channel.label)
        }
        let length = sweeps[0].count
        for (s, sweep) in sweeps.enumerated() where sweep.count != length {
            throw .input(nil, "sweep \(s + 1) has \(sweep.count) samples, sweep 1 has \(length)", place: channel.label)
        }
        guard preStimulusSamples >= 0, preStimulusSamples <= length else {
            throw .input(nil, "pre-stimulus length \(preStimulusSamples) outside the sweep of \(length) samples", place: channel.label)
        }
        self.channel = channel
        self.sampleRate = sampleRate
        self.preStimulusSamples = preStimulusSamples
        self.sweeps = sweeps
        self.stimuli = stimuli
    }

    public var samplesPerSweep: Int { sweeps.first?.count ?? 0 }

    /// Time of sample `index` relative to the stimulus, ms.
    public func timeMs(ofSample index: Double) -> Double { (index - Double(preStimulusSamples)) / sampleRate * 1000 }

    /// Sample index (fractional) of a time relative to the stimulus, ms.
    public func sampleIndex(ofMs ms: Double) -> Double { Double(preStimulusSamples) + ms / 1000 * sampleRate }

    /// Cuts `window` around each stimulus from channel `channelIndex` of `recording`.
    ///
    /// Throws `.input` when a stimulus lies outside the recording, or when its window runs past either end
    /// (the sweep would be shorter than the analysis window).
    public static func cut(
        _ recording: Recording, channelIndex: Int, stimuli: [Stimulus], window: EpochWindow
    ) throws(SynkError) -> EvokedEpochs {
        let source = try RecordingSweeps(recording, channelIndex: channelIndex, stimuli: stimuli, allStimuli: stimuli, window: window, mains: nil)
        let sweeps = source.stimulusIndices.map { index in
            Array(recording.samples[channelIndex][(index - source.preStimulusSamples)..<(index - source.preStimulusSamples + source.samplesPerSweep)])
        }
        return try EvokedEpochs(channel: source.channel, sampleRate: source.sampleRate, preStimulusSamples: source.preStimulusSamples,
                                sweeps: sweeps, stimuli: stimuli)
    }
}

/// Conditioning applied to each sweep before averaging and measuring.
///
/// 1. **Baseline**: the mean of the pre-stimulus window (`baselineStartMs`…`baselineEndMs`, relative to the
///    stimulus) is subtracted.
/// 2. **Artefact**: from `artefactBlankStartMs` to where the artefact has returned to baseline (found on each
///    average, never before `artefactBlankEndMs`, see ``ArtefactSpan``) samples are **blanked** (set to 0). Nothing
///    is measured inside the blanked span; onset search starts after it.
/// 3. **Low-pass**: a zero-phase second-order Butterworth at `lowPassHz` (applied to the averaged response
///    for detection and peak measurement; onset slopes are fitted on the unfiltered average).
public struct EvokedConditioning: Sendable, Hashable, Codable {
    public var baselineStartMs: Double
    public var baselineEndMs: Double
    public var artefactBlankStartMs: Double
    public var artefactBlankEndMs: Double
    public var lowPassHz: Double

    public init(baselineStartMs: Double = -5, baselineEndMs: Double = -0.2, artefactBlankStartMs: Double = -0.1, artefactBlankEndMs: Double = 0.5, lowPassHz: Double = 1500) {
        self.baselineStartMs = baselineStartMs
        self.baselineEndMs = baselineEndMs
        self.artefactBlankStartMs = artefactBlankStartMs
        self.artefactBlankEndMs = artefactBlankEndMs
        self.lowPassHz = lowPassHz
    }

    enum CodingKeys: String, CodingKey {
        case baselineStartMs = "baseline_start_ms"
        case baselineEndMs = "baseline_end_ms"
        case artefactBlankStartMs = "artefact_blank_start_ms"
        case artefactBlankEndMs = "artefact_blank_end_ms"
        case lowPassHz = "low_pass_hz"
    }
}

/// One averaged, baseline-corrected response (µV, as `Double`); the artefact is still in it (the measurement finds
/// its end and blanks it).
public struct AveragedResponse: Sendable, Hashable {
    public var sampleRate: Double
    public var preStimulusSamples: Int
    /// Mean of the baseline-corrected sweeps, µV.
    public var samples: [Double]
    public var sweepCount: Int
    /// Standard deviation of the averaged signal over the baseline window, µV.
    public var baselineStandardDeviation: Double

    public func timeMs(ofSample index: Double) -> Double { (index - Double(preStimulusSamples)) / sampleRate * 1000 }
    public func sampleIndex(ofMs ms: Double) -> Double { Double(preStimulusSamples) + ms / 1000 * sampleRate }
}

extension EvokedEpochs {
    /// Baseline-corrects every sweep of `indices` (all when `nil`), then averages them.
    /// Throws when the sweeps do not cover the baseline.
    public func averaged(sweepIndices indices: [Int]? = nil, conditioning: EvokedConditioning) throws(SynkError) -> AveragedResponse {
        try SweepAverager.average(self, indices: indices ?? Array(sweeps.indices), conditioning: conditioning)
    }
}
