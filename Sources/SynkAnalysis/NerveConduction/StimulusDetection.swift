import Foundation
import SynkCore

/// Where the stimulus times of an evoked-response recording come from.
public enum StimulusSource: String, Sendable, Codable, Hashable {
    /// `header.stimuli` (from the file or a `--stimuli` sidecar).
    case header
    /// Rising edges of a channel of kind `.trigger`.
    case trigger
    /// Stimulus artefacts detected in the EMG channels.
    case artefact
    /// The first of header, trigger, artefact that finds any stimulus.
    case automatic
    /// Already-epoched sweeps (a result of ``NerveConductionAnalysis/analyze(epochs:affectedSide:parameters:norms:stimulusSource:stimulusCount:)``).
    case epochs
}

/// Finds the stimuli of a nerve-conduction or blink-reflex recording.
public enum StimulusDetection {
    /// The stimuli of `recording` from `source`, sorted by time. With `.automatic`, the header wins, then a
    /// trigger channel, then detected artefacts. Stimuli from a trigger or artefacts carry no intensity; their
    /// side is guessed from the artefact (see ``assignSides(_:in:)``).
    public static func stimuli(in recording: Recording, source: StimulusSource = .automatic) -> (stimuli: [Stimulus], source: StimulusSource) {
        switch source {
        case .header: return (recording.header.stimuli.sorted { $0.time < $1.time }, .header)
        case .trigger: return (assignSides(fromTrigger(recording), in: recording), .trigger)
        case .artefact: return (assignSides(fromArtefacts(recording), in: recording), .artefact)
        case .automatic, .epochs:
            if !recording.header.stimuli.isEmpty { return stimuli(in: recording, source: .header) }
            let trigger = fromTrigger(recording)
            if !trigger.isEmpty { return (assignSides(trigger, in: recording), .trigger) }
            return (assignSides(fromArtefacts(recording), in: recording), .artefact)
        }
    }

    /// Rising edges of the first `.trigger` channel: samples where the signal crosses half-way between its
    /// minimum and maximum going up.
    public static func fromTrigger(_ recording: Recording) -> [Stimulus] {
        guard let c = recording.channels.firstIndex(where: { $0.kind == .trigger }) else { return [] }
        let x = recording.samples[c]
        guard let lo = x.min(), let hi = x.max(), hi > lo else { return [] }
        let mid = (lo + hi) / 2
        var result: [Stimulus] = []
        for i in 1..<max(x.count, 1) where x[i - 1] < mid && x[i] >= mid {
            result.append(Stimulus(time: Double(i) / recording.sampleRate))
        }
        return result
    }

    /// Stimulus artefacts: samples where, on some EMG channel, the jump from the previous sample exceeds
    /// `threshold` times that channel's median absolute jump (a robust noise scale). After a detection the
    /// next `refractoryMs` are skipped.
    public static func fromArtefacts(_ recording: Recording, threshold: Double = 30, refractoryMs: Double = 20) -> [Stimulus] {
        let emg = recording.channels.indices.filter { recording.channels[$0].kind == .emg }
        let n = recording.frameCount
        guard n > 2, !emg.isEmpty else { return [] }
        var score = [Double](repeating: 0, count: n)
        for c in emg {
            let x = recording.samples[c]
            var jumps = [Double](repeating: 0, count: n)
            for i in 1..<n { jumps[i] = Double(abs(x[i] - x[i - 1])) }
            var sorted = Array(jumps[1...])
            sorted.sort()
            let median = max(sorted[sorted.count / 2], 1e-9)
            for i in 1..<n { score[i] = max(score[i], jumps[i] / median) }
        }
        let refractory = max(1, Int((refractoryMs / 1000 * recording.sampleRate).rounded()))
        var result: [Stimulus] = []
        var i = 1
        while i < n {
            if score[i] > threshold {
                result.append(Stimulus(time: Double(i) / recording.sampleRate))
                i += refractory
            } else {
                i += 1
            }
        }
        return result
    }

    /// Gives each stimulus without a side the side whose EMG channels carry the larger artefact in the first
    /// 0.5 ms (the stimulated side, as the artefact spreads weaker to the other side); left unset when
    /// neither side is at least twice the other.
    public static func assignSides(_ stimuli: [Stimulus], in recording: Recording) -> [Stimulus] {
        let rate = recording.sampleRate
        let span = max(1, Int((0.0005 * rate).rounded()))
        return stimuli.map { stimulus in
            guard stimulus.side == nil else { return stimulus }
            let start = Int((stimulus.time * rate).rounded())
            var peak: [Side: Double] = [:]
            for (c, channel) in recording.channels.enumerated() where channel.kind == .emg {
                guard let side = channel.side, start >= 1, start + span < recording.frameCount else { continue }
                let before = Double(recording.samples[c][start - 1])
                var m = 0.0
                for k in start..<(start + span) { m = max(m, abs(Double(recording.samples[c][k]) - before)) }
                peak[side] = max(peak[side] ?? 0, m)
            }
            var copy = stimulus
            let l = peak[.left] ?? 0, r = peak[.right] ?? 0
            if l > 2 * r { copy.side = .left } else if r > 2 * l { copy.side = .right }
            return copy
        }
    }
}
