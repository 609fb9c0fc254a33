import Foundation
import SynkCore
import SynkAnalysis

/// What `synk info` says about a recording: the header facts and each channel's quality.
public struct InfoReport: Sendable, Codable {
    public struct ChannelEntry: Sendable, Codable {
        public var label: String
        public var kind: String
        public var muscle: String?
        public var side: String?
        public var branch: String?
        public var unit: String
        public var rms: Double?
        public var flags: [String]
        public var explanations: [String]
        /// Why an EMG channel has no muscle or no side (the analyses leave it out); nil when it has both, and for
        /// channels that are not EMG.
        public var unmappedReason: String?

        enum CodingKeys: String, CodingKey {
            case label, kind, muscle, side, branch, unit, rms, flags, explanations
            case unmappedReason = "unmapped_reason"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(label, forKey: .label)
            try c.encode(kind, forKey: .kind)
            try c.encodeIfPresent(muscle, forKey: .muscle)
            try c.encodeIfPresent(side, forKey: .side)
            try c.encodeIfPresent(branch, forKey: .branch)
            try c.encode(unit, forKey: .unit)
            try c.encodeIfPresent(rms, forKey: .rms)
            try c.encode(flags, forKey: .flags)
            try c.encode(explanations, forKey: .explanations)
            // Explicit null: the key says the channel was checked and is mapped (or is not EMG).
            try c.encode(unmappedReason, forKey: .unmappedReason)
        }
    }

    public var synkVersion: String
    public var input: InputDescription
    public var startTime: Date?
    public var subject: String?
    public var session: String?
    public var affectedSide: String?
    public var events: Int
    public var stimuli: Int
    public var metadata: [String: String]
    public var qualityCriteria: QualityCriteria
    public var channels: [ChannelEntry]

    enum CodingKeys: String, CodingKey {
        case synkVersion = "synk_version", input, startTime = "start_time", subject, session
        case affectedSide = "affected_side", events, stimuli, metadata
        case qualityCriteria = "quality_criteria", channels
    }

    public init(header: RecordingHeader, input: InputDescription, quality: [ChannelQuality], criteria: QualityCriteria) {
        synkVersion = SynkVersion.current
        self.input = input
        startTime = header.startTime
        subject = header.subject
        session = header.session
        affectedSide = header.affectedSide?.rawValue
        events = header.events.count
        stimuli = header.stimuli.count
        metadata = header.metadata
        qualityCriteria = criteria
        channels = zip(header.channels, quality).map { info, q in
            ChannelEntry(label: info.label, kind: info.kind.rawValue, muscle: info.muscle?.rawValue,
                         side: info.side?.rawValue, branch: info.branch?.rawValue, unit: info.unit.symbol,
                         rms: q.rms, flags: q.flags.map(\.rawValue), explanations: q.explanations, unmappedReason: info.unmappedReason)
        }
    }

    /// Whether any EMG channel carries a quality flag.
    public var hasFlaggedEMG: Bool {
        channels.contains { $0.kind == ChannelKind.emg.rawValue && !$0.flags.isEmpty }
    }

    /// A plain-text summary for a terminal.
    public func text(verbose: Bool = false) -> String {
        var lines: [String] = []
        lines.append("\(input.path)")
        lines.append("  format      \(input.format)")
        lines.append("  rate        \(TextFormat.number(input.sampleRateHz)) Hz")
        lines.append("  duration    \(TextFormat.duration(input.durationS)) (\(input.frames) samples per channel)")
        lines.append("  channels    \(input.channels)")
        if let startTime { lines.append("  recorded    \(ISO8601DateFormatter().string(from: startTime))") }
        if let subject { lines.append("  subject     \(subject)") }
        if let session { lines.append("  session     \(session)") }
        lines.append("  affected    \(affectedSide ?? "not stated")")
        if events > 0 { lines.append("  events      \(events)") }
        if stimuli > 0 { lines.append("  stimuli     \(stimuli)") }
        lines.append("  sha256      \(input.sha256)")
        for sidecar in input.sidecars { lines.append("  sidecar     \(sidecar.summary)") }
        lines.append("")
        let rows = channels.map { c -> [String] in
            [c.label, c.kind, c.muscle ?? "-", c.side ?? "-", c.unit.isEmpty ? "-" : c.unit,
             c.rms.map { TextFormat.number($0, digits: 4) } ?? "-",
             c.flags.isEmpty ? "ok" : c.flags.joined(separator: ",")]
        }
        lines.append(contentsOf: TextFormat.table(header: ["channel", "kind", "muscle", "side", "unit", "rms", "quality"], rows: rows))
        let notes = channels.flatMap { c in c.explanations.map { "  \(c.label): \($0)" } }
        if !notes.isEmpty {
            lines.append("")
            lines.append(contentsOf: notes)
        }
        // EMG channels no analysis can use as they stand, grouped by reason (a plain WAV: every channel, one line).
        var unmapped: [(reason: String, labels: [String])] = []
        for c in channels {
            guard let reason = c.unmappedReason else { continue }
            if let k = unmapped.firstIndex(where: { $0.reason == reason }) { unmapped[k].labels.append(c.label) } else { unmapped.append((reason, [c.label])) }
        }
        if !unmapped.isEmpty {
            lines.append("")
            for (reason, labels) in unmapped {
                let shown = labels.count > 8 ? labels.prefix(3).joined(separator: ", ") + " … " + labels.last! : labels.joined(separator: ", ")
                let one = labels.count == 1
                lines.append("  not mapped: \(shown): \(one ? reason : reason.replacingOccurrences(of: "its label names", with: "their labels name")); the analyses leave \(one ? "it" : "them") out")
            }
            lines.append("    (\(ChannelInfo.mappingHint))")
        }
        if !metadata.isEmpty && !verbose {
            lines.append("")
            lines.append("  (\(metadata.count) metadata entries: --verbose lists them)")
        }
        if !metadata.isEmpty && verbose {
            lines.append("")
            for key in metadata.keys.sorted() { lines.append("  \(key): \(metadata[key]!)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Number and table formatting shared by the text renderers.
public enum TextFormat {
    /// A number with up to `digits` significant digits, without exponent for everyday magnitudes.
    public static func number(_ x: Double, digits: Int = 6) -> String {
        if x == x.rounded(), abs(x) < 1e9 { return String(Int(x)) }
        let magnitude = abs(x)
        if magnitude >= 1e-3 && magnitude < 1e7 {
            let decimals = max(0, digits - 1 - Int(floor(log10(magnitude))))
            var text = String(format: "%.\(decimals)f", x)
            if text.contains(".") {
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
            }
            return text
        }
        return String(format: "%.\(digits - 1)e", x)
    }

    /// `1 h 02 min 03.5 s`, `4 min 10 s`, `13.150 s`.
    public static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.3f s", seconds) }
        let h = Int(seconds) / 3600
        let m = Int(seconds) % 3600 / 60
        let s = seconds - Double(h * 3600 + m * 60)
        return h > 0 ? String(format: "%d h %02d min %04.1f s", h, m, s) : String(format: "%d min %04.1f s", m, s)
    }

    /// Left-aligned columns separated by two spaces, with a rule under the header.
    public static func table(header: [String], rows: [[String]]) -> [String] {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            var text = cells.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        return ["  " + line(header), "  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
            + rows.map { "  " + line($0) }
    }
}
