import Foundation
import SynkCore

/// What an evoked-response analysis does with each channel of a recording, decided before anything is measured.
struct EvokedChannelPlan {
    /// EMG channels to measure, with the mains removal each gets.
    var measured: [(index: Int, mains: MainsRemoval?)]
    /// Channels left out, by channel index, with the reason.
    var excluded: [Int: ExcludedChannel]
    /// EMG channels whose label names no muscle, or no side.
    var unrecognised: [Int]

    /// Flags that exclude an evoked channel outright: numbers from a flat, clipped, saturated or gapped trace are
    /// not responses. Mains dominance (and the extreme noise it brings) is removed instead, and the channel is
    /// excluded only when no response can be measured after removal (see ``NerveConductionAnalysis``).
    static func plan(_ recording: Recording, notch: MainsRemoval?) -> EvokedChannelPlan {
        let quality = QualityAccumulator.assess(recording)
        var plan = EvokedChannelPlan(measured: [], excluded: [:], unrecognised: [])
        for (c, info) in recording.channels.enumerated() where info.kind == .emg {
            // A muscle without a side (or a side without a muscle) is as unusable as neither: which response, on which
            // side, would it be? Listed with the reason, never dropped silently.
            guard info.muscle != nil, info.side != nil else {
                plan.unrecognised.append(c)
                let reason = info.unmappedReason ?? "its muscle or side is not stated"
                plan.excluded[c] = ExcludedChannel(
                    channel: info.label, muscle: info.muscle, side: info.side, flags: [],
                    reason: "channel \(info.label) excluded: \(reason) (\(ChannelInfo.mappingHint))")
                continue
            }
            let flags = quality[c].flags
            // A `disconnected` flag is a level of hum, not a missing signal: stimulus-locked averaging with the hum
            // removed still finds a response of a connected electrode, and a truly disconnected one shows none
            // after removal and is then excluded with that reason.
            let mainsOnly = flags.contains(.mainsDominated)
                && flags.allSatisfy { $0 == .mainsDominated || $0 == .disconnected || $0 == .extremeNoise }
            if !flags.isEmpty && !mainsOnly {
                var channel = ExcludedChannel(info, quality: quality[c])
                if flags.contains(.extremeNoise), let rms = quality[c].rms, rms > 10_000 {
                    channel.reason += "; a level no muscle makes (\(Int(rms)) µV RMS): if the file is in µV, declare its unit (a unit error is likely)"
                }
                plan.excluded[c] = channel
                continue
            }
            var mains = notch
            if mains == nil, mainsOnly, let f = quality[c].mainsFrequency {
                mains = MainsRemoval(frequencyHz: f, harmonics: 20, automatic: true)
            }
            plan.measured.append((c, mains))
        }
        return plan
    }
}

/// Stimulus times in the recording's own time base or from its first sample.
enum StimulusTimes {
    /// Converts listed stimulus times (from the file or a table) to seconds from the first sample.
    ///
    /// With ``StimulusTimeBase/recording`` the time of the first sample (`header.firstSampleTime`, e.g. a text
    /// export's time column starting at 10 s) is subtracted. Every stimulus must then fall inside the recording;
    /// otherwise the time base does not match and this is an input error that says which base fits.
    static func resolve(_ stimuli: [Stimulus], header: RecordingHeader, base: StimulusTimeBase) throws(SynkError) -> [Stimulus] {
        let origin = header.firstSampleTime ?? 0
        let shift = base == .recording ? origin : 0
        let duration = header.duration
        let resolved = stimuli.map { s in
            var copy = s
            copy.time = s.time - shift
            return copy
        }
        if let bad = resolved.first(where: { !($0.time.isFinite && $0.time >= 0 && $0.time < duration) }) {
            let given = bad.time + shift
            let file = header.source?.path
            let span = "\(format(origin))–\(format(origin + duration)) s"
            if base == .recording, origin != 0, given >= 0, given < duration {
                throw .input(file, "stimulus at \(format(given)) s lies outside the recording's own time base (\(span): its time column starts at \(format(origin)) s)",
                             place: "stimuli", hint: "if the table counts seconds from the first sample, pass --stimulus-times first-sample")
            }
            if base == .firstSample, origin != 0, given >= origin, given < origin + duration {
                throw .input(file, "stimulus at \(format(given)) s lies outside the recording counted from its first sample (0–\(format(duration)) s) but inside its own time base (\(span))",
                             place: "stimuli", hint: "drop --stimulus-times first-sample: the table uses the file's time base")
            }
            throw .input(file, "stimulus at \(format(given)) s lies outside the recording (\(base == .recording ? span : "0–\(format(duration)) s"))",
                         place: "stimuli", hint: "check the stimulus list or its time unit")
        }
        return resolved
    }

    static func format(_ x: Double) -> String { String(format: "%.6g", x) }
}
