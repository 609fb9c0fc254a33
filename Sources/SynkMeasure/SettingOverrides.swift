import Foundation
import SynkCore
import SynkIO
import SynkAnalysis

/// How a setting given to synk compares with what the recording states. A setting that replaces a statement of the
/// files (the affected side, the channel mapping, the task events, the stimuli) is an ``AppliedOverride``: every
/// result records it in `input.overrides` and the text outputs print it, so that `--affected right` on a recording
/// whose files say left can never pass unnoticed. A setting that agrees with the files, or supplies what they do not
/// state, is no override.
enum SettingOverrides {
    /// The file that stated `supplied` (a sidecar that supplied it, else the recording itself), as reported.
    static func statedBy(_ header: RecordingHeader, _ supplied: AppliedSidecar.Supplied, recording: String) -> String {
        header.sidecars.last { $0.supplied.contains(supplied) }?.path ?? recording
    }

    /// `used` for the affected side where `stated` was stated by `statedBy`; nil when they agree or nothing was stated.
    static func affectedSide(_ used: AffectedSide, stated: AffectedSide?, statedBy: String, usedFrom: String? = nil) -> AppliedOverride? {
        guard let stated, stated != used else { return nil }
        return AppliedOverride(setting: .affectedSide, stated: stated.rawValue, statedBy: statedBy, used: used.rawValue,
                               note: "affected side \(used.rawValue) \(usedFrom.map { "from \($0)" } ?? "as given") although \(statedBy) states \(stated.rawValue)")
    }

    /// Events read from `file` in place of the recording's own; nil when the recording lists none or the same ones.
    static func events(_ used: [Event], file: String, stated: [Event], statedBy: String) -> AppliedOverride? {
        guard !stated.isEmpty, stated != used else { return nil }
        return AppliedOverride(setting: .events, stated: count(stated.count, "event"), statedBy: statedBy,
                               used: "\(count(used.count, "event")) from \(file)",
                               note: "the \(count(used.count, "event")) of \(file) replace the \(count(stated.count, "event")) stated by \(statedBy)")
    }

    /// Stimuli read from `file` in place of the recording's own; nil when the recording lists none or the same ones.
    static func stimuli(_ used: [Stimulus], file: String, stated: [Stimulus], statedBy: String) -> AppliedOverride? {
        guard !stated.isEmpty, stated != used else { return nil }
        return AppliedOverride(setting: .stimuli, stated: count(stated.count, "stimulus", "stimuli"), statedBy: statedBy,
                               used: "\(count(used.count, "stimulus", "stimuli")) from \(file)",
                               note: "the \(count(used.count, "stimulus", "stimuli")) of \(file) replace the \(count(stated.count, "stimulus", "stimuli")) stated by \(statedBy)")
    }

    /// A montage read from `file` where the recording maps channels itself (channel metadata, a channels.tsv sidecar
    /// or labels such as `OOc-L`); nil when the montage maps every such channel as the recording does.
    static func montage(_ montage: Montage, file: String, header: RecordingHeader, statedBy: String) -> AppliedOverride? {
        var differences: [String] = []
        var stated = 0
        for (index, info) in header.channels.enumerated() where info.kind == .emg {
            let placement = ChannelPlacement(label: info.label)
            guard let muscle = info.muscle ?? placement.muscle, let side = info.side ?? placement.side else { continue }
            stated += 1
            let own = "\(muscle.rawValue) \(side.rawValue)"
            if let mapped = montage.channels.first(where: { $0.channelIndex == index }) {
                let used = "\(mapped.muscle.rawValue) \(mapped.side.rawValue)"
                if used != own { differences.append("\(info.label) = \(used) (file: \(own))") }
            } else {
                differences.append("\(info.label) not mapped (file: \(own))")
            }
        }
        guard !differences.isEmpty else { return nil }
        let shown = differences.prefix(4).joined(separator: ", ") + (differences.count > 4 ? ", …" : "")
        return AppliedOverride(setting: .montage, stated: "\(count(stated, "channel")) mapped", statedBy: statedBy,
                               used: "montage \(file)",
                               note: "the montage \(file) maps \(differences.count) of the \(count(stated, "channel")) \(statedBy) maps otherwise: \(shown)")
    }

    static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }
}
