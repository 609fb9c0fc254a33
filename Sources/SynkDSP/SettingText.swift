import SynkCore

// The text forms of conditioning settings (`20:450`, `50:3`, `rms:100ms`), parsed in one place for the CLI,
// `synk batch` and library users. Every parser throws a `.usage` error that names the option and the forms
// it accepts.

extension Butterworth {
    /// A pass band written `LOW:HIGH` (band-pass), `LOW:` (high-pass) or `:HIGH` (low-pass), in Hz; `none`
    /// means no band filter (nil).
    public static func parsingBand(_ text: String, order: Int = 4, option: String = "--band") throws(SynkError) -> Butterworth? {
        if text.lowercased() == "none" { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .usage("\(option) takes LOW:HIGH in Hz (or LOW:, :HIGH, none), not \(SynkError.quoted(text))") }
        let low = parts[0].isEmpty ? nil : Double(parts[0])
        let high = parts[1].isEmpty ? nil : Double(parts[1])
        if (!parts[0].isEmpty && low == nil) || (!parts[1].isEmpty && high == nil) {
            throw .usage("\(option) takes numbers in Hz, not \(SynkError.quoted(text))")
        }
        guard orderRange.contains(order) else {
            throw .usage("Butterworth order \(order) is outside \(orderRange.lowerBound)...\(orderRange.upperBound)")
        }
        switch (low, high) {
        case let (l?, h?):
            guard l < h else { throw .usage("\(option) \(text): the low edge must be below the high edge") }
            return Butterworth(order: order, band: .bandPass(l...h))
        case let (l?, nil): return Butterworth(order: order, band: .highPass(l))
        case let (nil, h?): return Butterworth(order: order, band: .lowPass(h))
        default: throw .usage("\(option) needs at least one edge")
        }
    }
}

/// A mains filter: one notch, or a comb at a frequency and its harmonics.
public enum MainsFilter: Sendable, Hashable {
    case notch(Notch)
    case comb(HarmonicComb)

    /// `FREQ` (one notch at FREQ Hz) or `FREQ:HARMONICS` (a comb at FREQ, 2·FREQ, … HARMONICS·FREQ).
    public init(parsing text: String, option: String = "--notch") throws(SynkError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let frequency = Double(parts[0]), frequency.isFinite, frequency > 0 else {
            throw .usage("\(option) takes FREQ or FREQ:HARMONICS, not \(SynkError.quoted(text))")
        }
        guard parts.count == 2 else { self = .notch(Notch(frequency: frequency)); return }
        guard let harmonics = Int(parts[1]), harmonics >= 1 else {
            throw .usage("\(option) harmonics must be a positive whole number, not \(SynkError.quoted(parts[1]))")
        }
        self = .comb(HarmonicComb(fundamental: frequency, harmonics: harmonics))
    }

    /// The notch or the comb, for a ``ConditioningDescription``.
    public var parts: (notch: Notch?, comb: HarmonicComb?) {
        switch self {
        case .notch(let notch): (notch, nil)
        case .comb(let comb): (nil, comb)
        }
    }
}

extension EnvelopeMethod {
    /// `rms:WINDOW` (e.g. `rms:100ms`), `linear:CUTOFF` (e.g. `linear:6hz`), `hilbert` or `tkeo`.
    public init(parsing text: String, option: String = "--envelope") throws(SynkError) {
        let lower = text.lowercased()
        if lower == "hilbert" { self = .hilbert; return }
        if lower == "tkeo" { self = .tkeo; return }
        let parts = lower.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw .usage("\(option) takes rms:WINDOW, linear:CUTOFF, hilbert or tkeo, not \(SynkError.quoted(text))")
        }
        switch parts[0] {
        case "rms":
            guard let seconds = DurationText.seconds(parts[1]), seconds > 0 else {
                throw .usage("\(option) rms needs a window like 100ms or 0.1s, not \(SynkError.quoted(parts[1]))")
            }
            self = .movingRMS(window: seconds)
        case "linear":
            let number = parts[1].hasSuffix("hz") ? String(parts[1].dropLast(2)) : parts[1]
            guard let cutoff = Double(number), cutoff.isFinite, cutoff > 0 else {
                throw .usage("\(option) linear needs a cut-off like 6hz, not \(SynkError.quoted(parts[1]))")
            }
            self = .linear(cutoff: cutoff)
        default:
            throw .usage("unknown envelope \(SynkError.quoted(parts[0]))", hint: "use rms, linear, hilbert or tkeo")
        }
    }

    /// Whether the synkinesis analysis can use envelopes of this kind: amplitude envelopes in µV (moving RMS or
    /// linear envelope). The Hilbert amplitude is one FFT over the whole recording (no streaming) and TKEO is an
    /// energy in µV², so neither is offered for synkinesis.
    public var isAmplitudeEnvelope: Bool {
        switch self {
        case .movingRMS, .linear: true
        case .hilbert, .tkeo: false
        }
    }
}
