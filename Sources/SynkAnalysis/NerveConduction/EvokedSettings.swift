import Foundation
import SynkCore

/// Which phase of an evoked response is its main phase.
///
/// A CMAP recorded with the active electrode over the motor point starts negative; off the motor point, or with the
/// leads reversed, the same response starts positive, and MEPs are polyphasic (AANEM glossary 2015, "compound muscle
/// action potential"; Rossini et al. 2015, Clin Neurophysiol 126:1071-1107). The automatic choice takes the phase
/// with the largest area; an explicit sign takes the largest phase of that sign.
public enum ResponsePolarity: String, Sendable, Hashable, Codable, CaseIterable {
    /// The phase with the largest area (|∫x dt|) after the artefact.
    case automatic = "auto"
    /// The largest negative phase (negative-first convention: voltage below baseline).
    case negative
    /// The largest positive phase.
    case positive

    /// Parses `auto`, `automatic`, `negative`/`neg`/`-`, `positive`/`pos`/`+`.
    public init?(parsing text: String) {
        switch text.lowercased().trimmingCharacters(in: .whitespaces) {
        case "auto", "automatic": self = .automatic
        case "negative", "neg", "-": self = .negative
        case "positive", "pos", "+": self = .positive
        default: return nil
        }
    }
}

/// What the stimulus times of a stimuli table (or the file's own stimuli) count from.
public enum StimulusTimeBase: String, Sendable, Hashable, Codable, CaseIterable {
    /// The recording's own time base: the time column of a text export, NWB `starting_time`/`timestamps`, EDF and
    /// synk HDF5 files from their start. A table of times copied from the acquisition software uses this base.
    case recording
    /// Seconds from the first sample, whatever the file's time column says.
    case firstSample = "first_sample"

    /// Parses `recording`, `file`, `first-sample`, `first_sample`, `zero`.
    public init?(parsing text: String) {
        switch text.lowercased().trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "-", with: "_") {
        case "recording", "file", "own": self = .recording
        case "first_sample", "zero", "from_first_sample": self = .firstSample
        default: return nil
        }
    }
}

/// Mains interference removed from every sweep before averaging: a sine and cosine at the fundamental and each
/// harmonic are fitted by least squares to the continuous signal around the sweep (the artefact and every evoked
/// response excluded from the fit) and subtracted. This is the "DFT filter" of FieldTrip (Oostenveld et al. 2011,
/// Comput Intell Neurosci 2011:156869): unlike an IIR notch it does not ring after the stimulus artefact and it does
/// not change the response's shape.
public struct MainsRemoval: Sendable, Hashable, Codable {
    /// Mains frequency, Hz (50 or 60).
    public var frequencyHz: Double
    /// Number of harmonics removed, the fundamental included (`60:20` removes 60, 120, … 1200 Hz).
    public var harmonics: Int
    /// How the removal was chosen: by the user (`--notch`), or automatically for a channel flagged mains-dominated.
    public var automatic: Bool
    /// Length of signal fitted around each stimulus, s (an integer number of mains cycles is used).
    public var fitSeconds: Double

    public init(frequencyHz: Double, harmonics: Int = 1, automatic: Bool = false, fitSeconds: Double = 0.2) {
        self.frequencyHz = frequencyHz
        self.harmonics = harmonics
        self.automatic = automatic
        self.fitSeconds = fitSeconds
    }

    /// Checks that the fundamental lies below the Nyquist frequency of a recording at `sampleRate` (a `--notch` above it
    /// would remove nothing, silently). Harmonics above the Nyquist frequency are left out by the fit.
    public func validate(sampleRate: Double, file: String?) throws(SynkError) {
        guard frequencyHz > 0, frequencyHz < sampleRate / 2 else {
            throw SynkError(.usage, file: file, "notch frequency \(frequencyHz) Hz must lie between 0 and the Nyquist frequency \(sampleRate / 2) Hz",
                            hint: "the sample rate is \(sampleRate) Hz")
        }
    }

    /// Parses `FREQ[:HARMONICS]`, e.g. `60`, `50:10`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        guard (1...2).contains(parts.count), let f = Double(parts[0].lowercased().replacingOccurrences(of: "hz", with: "")),
              f.isFinite, f > 0 else { return nil }
        var harmonics = 1
        if parts.count == 2 {
            guard let h = Int(parts[1]), h >= 1, h <= 200 else { return nil }
            harmonics = h
        }
        self.init(frequencyHz: f, harmonics: harmonics)
    }

    /// The frequencies removed at `sampleRate` (those below 0.45 × the rate).
    public func frequencies(sampleRate: Double) -> [Double] {
        (1...max(1, harmonics)).map { Double($0) * frequencyHz }.filter { $0 < 0.45 * sampleRate }
    }

    enum CodingKeys: String, CodingKey {
        case frequencyHz = "frequency_hz"
        case harmonics, automatic
        case fitSeconds = "fit_s"
    }
}

extension EpochWindow {
    /// Parses `START:END` with times relative to the stimulus, each with an optional `ms` or `s` unit
    /// (milliseconds when none), e.g. `-5ms:50ms`, `-10:100`, `-0.005s:0.05s`. START must be ≤ 0 < END.
    public init?(parsing text: String) {
        // The start is negative, so the separator is the last ':' (no unit contains one).
        guard let colon = text.lastIndex(of: ":") else { return nil }
        func milliseconds(_ part: Substring) -> Double? {
            var s = part.trimmingCharacters(in: .whitespaces).lowercased()
            var scale = 1.0
            if s.hasSuffix("ms") { s.removeLast(2) } else if s.hasSuffix("s") { s.removeLast(); scale = 1000 }
            guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v.isFinite else { return nil }
            return v * scale
        }
        guard let start = milliseconds(text[..<colon]), let end = milliseconds(text[text.index(after: colon)...]),
              start <= 0, end > 0, end - start <= 10_000 else { return nil }
        self.init(preStimulusMs: -start, postStimulusMs: end)
    }

    /// `-5ms:20ms`.
    public var description: String {
        "\(EpochWindow.format(-preStimulusMs))ms:\(EpochWindow.format(postStimulusMs))ms"
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }
}

/// The settings a user chooses for an evoked-response study (`ncs`, `blink`), carried in the result's `parameters`.
///
/// Each CLI option fills one field: `--window`, `--polarity`, `--notch`, `--stimulus-times`. A `nil` window means the
/// study's default (ENoG −5…+20 ms, blink reflex −10…+100 ms).
public struct EvokedSettings: Sendable, Hashable, Codable {
    public var window: EpochWindow?
    public var polarity: ResponsePolarity
    /// Mains removal for every channel; `nil` removes mains only on channels flagged mains-dominated (automatically,
    /// at the detected frequency, 20 harmonics) and says so.
    public var notch: MainsRemoval?
    public var stimulusTimeBase: StimulusTimeBase

    public init(window: EpochWindow? = nil, polarity: ResponsePolarity = .automatic, notch: MainsRemoval? = nil,
                stimulusTimeBase: StimulusTimeBase = .recording) {
        self.window = window
        self.polarity = polarity
        self.notch = notch
        self.stimulusTimeBase = stimulusTimeBase
    }

    enum CodingKeys: String, CodingKey {
        case window, polarity, notch
        case stimulusTimeBase = "stimulus_time_base"
    }
}

extension NerveConductionParameters {
    /// The default parameters with `settings` applied (window, polarity, mains removal, time base).
    public init(settings: EvokedSettings) {
        self.init()
        apply(settings)
    }

    /// Applies `settings`; a window replaces the default window (its baseline keeps ending 0.2 ms before the stimulus).
    public mutating func apply(_ settings: EvokedSettings) {
        if let window = settings.window {
            self.window = window
            conditioning.baselineStartMs = -window.preStimulusMs
        }
        polarity = settings.polarity
        notch = settings.notch
        stimulusTimeBase = settings.stimulusTimeBase
    }
}

extension BlinkReflexParameters {
    /// The default parameters with `settings` applied.
    public init(settings: EvokedSettings) {
        self.init()
        apply(settings)
    }

    public mutating func apply(_ settings: EvokedSettings) {
        if let window = settings.window {
            self.window = window
            baselineStartMs = -window.preStimulusMs
        }
        notch = settings.notch
        stimulusTimeBase = settings.stimulusTimeBase
    }
}
