import Foundation
import SynkCore

/// The rectified average response of one orbicularis oculi channel to stimulation of one side: what a clinician
/// looks at to see R1 and R2 (the figure only; every number comes from ``BlinkReflexResult``).
public struct BlinkWaveform: Sendable, Hashable {
    public var channel: String
    public var muscle: Muscle
    public var recordedSide: Side
    public var stimulatedSide: Side
    public var sweeps: Int
    /// Time after the stimulus, ms.
    public var timeMs: [Double]
    /// Mean over sweeps of |signal − its pre-stimulus mean|, µV; 0 inside the blanked artefact.
    public var rectifiedMicrovolt: [Double]

    /// The rectified averages of every OOc channel with a side, per stimulated side, cut and conditioned as the
    /// analysis did (its window, baseline and artefact blank from `parameters`). Channels the quality check
    /// excluded and sides without stimuli are left out; a window that cannot be cut leaves that trace out.
    public static func averages(_ recording: Recording, parameters: BlinkReflexParameters) -> [BlinkWaveform] {
        let (stimuli, _) = StimulusDetection.stimuli(in: recording, source: parameters.stimulusSource)
        let excluded = QualityAccumulator.excludedEMGChannels(recording)
        var waveforms: [BlinkWaveform] = []
        for stimulated in Side.allCases {
            let sideStimuli = stimuli.filter { $0.side == stimulated }
            guard !sideStimuli.isEmpty else { continue }
            for (c, channel) in recording.channels.enumerated() where channel.kind == .emg && channel.muscle == .OOc && excluded[c] == nil {
                guard let recorded = channel.side,
                      let epochs = try? EvokedEpochs.cut(recording, channelIndex: c, stimuli: sideStimuli, window: parameters.window) else { continue }
                let n = epochs.samplesPerSweep
                let b0 = max(0, Int(epochs.sampleIndex(ofMs: parameters.baselineStartMs).rounded()))
                let b1 = min(n, Int(epochs.sampleIndex(ofMs: parameters.baselineEndMs).rounded()))
                let blank0 = max(0, Int(epochs.sampleIndex(ofMs: 0).rounded()))
                let blank1 = min(n, Int(epochs.sampleIndex(ofMs: parameters.artefactBlankEndMs).rounded(.up)))
                guard n > 0, b1 > b0 else { continue }
                var sum = [Double](repeating: 0, count: n)
                for sweep in epochs.sweeps {
                    var mean = 0.0
                    for i in b0..<b1 { mean += Double(sweep[i]) }
                    mean /= Double(b1 - b0)
                    for i in 0..<n { sum[i] += abs(Double(sweep[i]) - mean) }
                }
                var average = sum.map { $0 / Double(epochs.sweeps.count) }
                if blank1 > blank0 { for i in blank0..<blank1 { average[i] = 0 } }
                waveforms.append(BlinkWaveform(channel: channel.label, muscle: .OOc, recordedSide: recorded, stimulatedSide: stimulated,
                                               sweeps: epochs.sweeps.count, timeMs: (0..<n).map { epochs.timeMs(ofSample: Double($0)) },
                                               rectifiedMicrovolt: average))
            }
        }
        return waveforms
    }
}
