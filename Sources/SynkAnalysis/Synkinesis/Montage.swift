import Foundation
import SynkCore

/// One recorded muscle: which channel of the recording carries it.
public struct MontageChannel: Sendable, Hashable, Codable {
    /// Index of the channel in the recording (and in the envelope set).
    public var channelIndex: Int
    /// The channel's label in the recording.
    public var label: String
    public var muscle: Muscle
    public var side: Side
    /// Derived from the muscle (``Muscle/branch``); `nil` for masseter.
    public var branch: Branch?

    public init(channelIndex: Int, label: String, muscle: Muscle, side: Side) {
        self.channelIndex = channelIndex
        self.label = label
        self.muscle = muscle
        self.side = side
        self.branch = muscle.branch
    }

    enum CodingKeys: String, CodingKey {
        case channelIndex = "channel_index", label, muscle, side, branch
    }
}

/// A gap in the montage: a muscle recorded on one side only, or a channel whose muscle/side is unknown.
public struct MontageGap: Sendable, Hashable, Codable {
    /// Why a muscle, side or channel is missing from the analysis.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A muscle recorded on one side only: no side comparison for it.
        case missingSide = "missing_side"
        /// A channel whose muscle or side is unknown: not analysed.
        case unmapped
        /// A channel left out because it failed a quality check (the command exits 1).
        case excludedByQuality = "excluded_by_quality"
        /// A note on how the montage was read (e.g. one-sided recordings analysed as one side).
        case note
    }

    public var kind: Kind
    public var muscle: Muscle?
    public var missingSide: Side?
    public var label: String?
    public var reason: String

    public init(kind: Kind, muscle: Muscle?, missingSide: Side?, label: String?, reason: String) {
        self.kind = kind
        self.muscle = muscle
        self.missingSide = missingSide
        self.label = label
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case muscle, missingSide = "missing_side", label, reason, kind
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(muscle, forKey: .muscle)
        try c.encodeIfPresent(missingSide, forKey: .missingSide)
        try c.encodeIfPresent(label, forKey: .label)
        try c.encode(reason, forKey: .reason)
        try c.encode(kind, forKey: .kind)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        muscle = try c.decodeIfPresent(Muscle.self, forKey: .muscle)
        missingSide = try c.decodeIfPresent(Side.self, forKey: .missingSide)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        reason = try c.decode(String.self, forKey: .reason)
        // Results written before the kind was recorded: infer it from what is present.
        kind = try c.decodeIfPresent(Kind.self, forKey: .kind)
            ?? (reason.contains("excluded:") ? .excludedByQuality : label == nil ? (muscle == nil ? .note : .missingSide) : .unmapped)
    }
}

/// Which channel is which muscle on which side, and which side the palsy affected.
///
/// Built from a JSON montage file, a BIDS `*_channels.tsv`, or the muscle/side already in the
/// recording's ``ChannelInfo``. A muscle present on one side only is a ``gaps`` entry, not an error.
///
/// **JSON montage schema** (all keys lower case; `affected_side` optional: `left`, `right` or `none`):
/// ```json
/// {"affected_side": "left",
///  "channels": [{"label": "OOc-L", "muscle": "OOc", "side": "left"},
///               {"label": "EMG3",  "muscle": "orbicularis oris", "side": "R"}]}
/// ```
/// `label` must name a channel of the recording; `muscle` is a code or name that ``Muscle(parsing:)``
/// recognises; `side` is anything ``Side(parsing:)`` recognises. Recording channels the montage does
/// not list are not analysed.
public struct Montage: Sendable, Hashable, Codable {
    public var affectedSide: AffectedSide?
    /// Mapped channels, ordered by recording channel index.
    public var channels: [MontageChannel]
    /// Muscles recorded on one side only, and recording EMG channels that could not be mapped.
    public var gaps: [MontageGap]
    /// True when no channel stated a side and synk analysed the channels as one side of unknown identity
    /// (``oneSided(channels:affectedSide:file:)``): the `left` of its channels is a slot, not a finding.
    public var sidesAssumed = false

    enum CodingKeys: String, CodingKey {
        case affectedSide = "affected_side", channels, gaps
    }

    /// A montage from already resolved channels; throws on a duplicate channel or a duplicate
    /// muscle-and-side.
    public init(channels: [MontageChannel], affectedSide: AffectedSide?, file: String? = nil,
                unmapped: [MontageGap] = []) throws(SynkError) {
        var seenIndex: [Int: String] = [:]
        var seenPlacement: [String: String] = [:]
        for channel in channels {
            if let other = seenIndex[channel.channelIndex] {
                throw .input(file, "channel \(channel.label) is mapped twice", place: "channel \(other)",
                             hint: "list every recording channel at most once")
            }
            seenIndex[channel.channelIndex] = channel.label
            let key = "\(channel.muscle.rawValue)-\(channel.side.rawValue)"
            if let other = seenPlacement[key] {
                throw .input(file, "\(channel.muscle.rawValue) \(channel.side.rawValue) is assigned to both \(other) and \(channel.label)",
                             place: "channel \(channel.label)", hint: "each muscle may have one channel per side")
            }
            seenPlacement[key] = channel.label
        }
        self.affectedSide = affectedSide
        self.channels = channels.sorted { $0.channelIndex < $1.channelIndex }
        var gaps = unmapped
        let muscles = Set(channels.map(\.muscle)).sorted()
        for muscle in muscles {
            for side in Side.allCases where !channels.contains(where: { $0.muscle == muscle && $0.side == side }) {
                gaps.append(MontageGap(kind: .missingSide, muscle: muscle, missingSide: side, label: nil,
                                       reason: "\(muscle.rawValue) has no \(side.rawValue) channel: no side comparison for it"))
            }
        }
        self.gaps = gaps
    }

    /// The channel index of `muscle` on `side`, if recorded.
    public func channelIndex(muscle: Muscle, side: Side) -> Int? {
        channels.first { $0.muscle == muscle && $0.side == side }?.channelIndex
    }

    /// Muscles with at least one channel, in ``Muscle`` order.
    public var muscles: [Muscle] { Set(channels.map(\.muscle)).sorted() }

    /// Sides with at least one channel.
    public var sides: [Side] { Set(channels.map(\.side)).sorted() }

    // MARK: Sources

    /// A montage from the muscle and side already in the recording's channel metadata (or parsed
    /// from labels such as `OOc-L`). Non-EMG channels are skipped; EMG channels without a muscle or
    /// side become gaps.
    ///
    /// A channel whose label marks a derived signal (`EMG_zyg_processed`, `Zyg RMS`: ``ChannelPlacement/derivedSignalWord(in:)``)
    /// is never mapped as a muscle unless its metadata states muscle and side; it is listed as unmapped with the reason.
    /// - Parameter file: the recording, named in errors.
    public init(channels infos: [ChannelInfo], affectedSide: AffectedSide?, file: String? = nil) throws(SynkError) {
        var mapped: [MontageChannel] = []
        var unmapped: [MontageGap] = []
        for (index, info) in infos.enumerated() where info.kind == .emg {
            let placement = ChannelPlacement(label: info.label)
            if let reason = info.unmappedReason {
                let derived = ChannelPlacement.derivedSignalWord(in: info.label) != nil
                unmapped.append(MontageGap(kind: .unmapped, muscle: derived ? nil : info.muscle ?? placement.muscle, missingSide: nil,
                                           label: info.label, reason: "channel \(info.label): \(reason), not analysed"))
                continue
            }
            guard let muscle = info.muscle ?? placement.muscle, let side = info.side ?? placement.side else { continue }
            mapped.append(MontageChannel(channelIndex: index, label: info.label, muscle: muscle, side: side))
        }
        try self.init(channels: mapped, affectedSide: affectedSide, file: file, unmapped: unmapped)
    }

    /// The montage of a recording whose EMG channels name muscles but no channel states a side (a one-sided export such
    /// as BIOPAC's "Zyg Raw"), or nil when no such channel exists: each muscle channel is analysed as part of one side
    /// whose identity is unknown. synk invents no side: the channels sit in the `left` slot only because a montage
    /// channel needs one, ``sidesAssumed`` is set, a note says so, and no side comparison is made.
    ///
    /// Channels that mark a derived signal are left out (listed with the reason), and so are two channels naming the same
    /// muscle (which one is the raw recording cannot be told): each left out with the reason, never an error.
    public static func oneSided(channels infos: [ChannelInfo], affectedSide: AffectedSide?, file: String?) throws(SynkError) -> Montage? {
        var candidates: [(index: Int, label: String, muscle: Muscle)] = []
        var unmapped: [MontageGap] = []
        for (index, info) in infos.enumerated() where info.kind == .emg {
            if let word = ChannelPlacement.derivedSignalWord(in: info.label), info.side == nil {
                unmapped.append(MontageGap(kind: .unmapped, muscle: nil, missingSide: nil, label: info.label,
                                           reason: "channel \(info.label): its label marks a derived signal ('\(word)'), not raw EMG: not mapped as a muscle, not analysed"))
                continue
            }
            guard info.side == nil, let muscle = info.muscle ?? ChannelPlacement(label: info.label).muscle else {
                unmapped.append(MontageGap(kind: .unmapped, muscle: nil, missingSide: nil, label: info.label,
                                           reason: "channel \(info.label): \(info.unmappedReason ?? "its muscle is unknown"), not analysed"))
                continue
            }
            candidates.append((index, info.label, muscle))
        }
        var mapped: [MontageChannel] = []
        for candidate in candidates {
            let same = candidates.filter { $0.muscle == candidate.muscle }
            if same.count > 1 {
                unmapped.append(MontageGap(kind: .unmapped, muscle: candidate.muscle, missingSide: nil, label: candidate.label,
                                           reason: "channel \(candidate.label): \(same.map(\.label).joined(separator: " and ")) all name \(candidate.muscle.rawValue) and no side; which one is the raw recording of one side cannot be told, not analysed"))
                continue
            }
            mapped.append(MontageChannel(channelIndex: candidate.index, label: candidate.label, muscle: candidate.muscle, side: .left))
        }
        guard !mapped.isEmpty else { return nil }
        let list = mapped.map { "\($0.label) → \($0.muscle.rawValue)" }.joined(separator: ", ")
        let note = MontageGap(kind: .note, muscle: nil, missingSide: nil, label: nil,
                              reason: "no channel states a side: synk mapped \(list) from the labels and assumed they are all on one side, which side is unknown (listed as 'left' only as a slot); no side comparison is possible")
        var montage = try Montage(channels: mapped, affectedSide: affectedSide, file: file, unmapped: [note] + unmapped)
        // "ZYG has no right channel" would claim a side: the gaps that name one go.
        montage.gaps.removeAll { $0.kind == .missingSide }
        montage.sidesAssumed = true
        return montage
    }

    /// A montage from a JSON montage file's contents (schema in the type's discussion), resolved
    /// against the recording's channel labels (exact match first, then case-insensitive).
    public init(json data: Data, file: String?, recordingLabels: [String]) throws(SynkError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .input(file, "not valid JSON: \(error.localizedDescription)", hint: "see the montage schema in the documentation")
        }
        guard let root = object as? [String: Any], let list = root["channels"] as? [Any] else {
            throw .input(file, "montage needs an object with a \"channels\" array",
                         hint: #"{"affected_side":"left","channels":[{"label":"OOc-L","muscle":"OOc","side":"left"}]}"#)
        }
        var affected: AffectedSide?
        if let text = root["affected_side"] {
            guard let string = text as? String else { throw .input(file, "affected_side must be a string", place: "affected_side") }
            affected = try Montage.parseAffectedSide(string, file: file)
        }
        var mapped: [MontageChannel] = []
        for (position, item) in list.enumerated() {
            let place = "channels[\(position)]"
            guard let entry = item as? [String: Any], let label = entry["label"] as? String else {
                throw .input(file, "entry needs a \"label\" string", place: place)
            }
            guard let muscleText = entry["muscle"] as? String else {
                throw .input(file, "entry \(label) needs a \"muscle\" string", place: place)
            }
            guard let muscle = Montage.parseMuscle(muscleText) else {
                throw .input(file, "unknown muscle \"\(muscleText)\" for channel \(label)", place: place,
                             hint: "use one of \(Muscle.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let sideText = entry["side"] as? String
            guard let side = sideText.flatMap(Side.init(parsing:)) ?? ChannelPlacement(label: label).side else {
                throw .input(file, "channel \(label) has no recognisable side \"\(sideText ?? "")\"", place: place,
                             hint: "side is left or right")
            }
            let index = try Montage.resolve(label: label, in: recordingLabels, file: file, place: place)
            mapped.append(MontageChannel(channelIndex: index, label: recordingLabels[index], muscle: muscle, side: side))
        }
        try self.init(channels: mapped, affectedSide: affected, file: file)
    }

    /// A montage from a BIDS `*_channels.tsv` (tab-separated, header row). Columns used: `name`
    /// (required), `type` (rows whose type is present and not `EMG` are skipped), `target_muscle`
    /// or else `description` (muscle, parsed by ``Muscle(parsing:)``), `side` if present, else the
    /// side is parsed from `target_muscle`/`description`/`name` (`left orbicularis oculi`, `OOc-L`).
    public init(channelsTSV text: String, file: String?, recordingLabels: [String],
                affectedSide: AffectedSide? = nil) throws(SynkError) {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { String($0) }
        guard let headerLine = lines.first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw .input(file, "empty channels.tsv")
        }
        let header = headerLine.split(separator: "\t", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let nameColumn = header.firstIndex(of: "name") else {
            throw .input(file, "channels.tsv has no \"name\" column", place: "line 1")
        }
        let typeColumn = header.firstIndex(of: "type")
        let muscleColumn = header.firstIndex(of: "target_muscle")
        let descriptionColumn = header.firstIndex(of: "description")
        let sideColumn = header.firstIndex(of: "side")
        var mapped: [MontageChannel] = []
        let headerIndex = lines.firstIndex(of: headerLine) ?? 0
        for lineIndex in (headerIndex + 1)..<lines.count {
            let line = lines[lineIndex]
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let place = "line \(lineIndex + 1)"
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            func field(_ column: Int?) -> String? {
                guard let column, column < fields.count else { return nil }
                let value = fields[column]
                return value.isEmpty || value.lowercased() == "n/a" ? nil : value
            }
            guard let name = field(nameColumn) else { throw .input(file, "row without a name", place: place) }
            if let type = field(typeColumn), type.uppercased() != "EMG" { continue }
            let muscleText = field(muscleColumn) ?? field(descriptionColumn)
            let muscle: Muscle
            if let muscleText {
                guard let parsed = Montage.parseMuscle(muscleText) else {
                    throw .input(file, "unknown muscle \"\(muscleText)\" for channel \(name)", place: place,
                                 hint: "use a muscle name or one of \(Muscle.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                muscle = parsed
            } else if let parsed = ChannelPlacement(label: name).muscle {
                muscle = parsed
            } else {
                throw .input(file, "channel \(name) names no muscle", place: place, hint: "fill target_muscle")
            }
            let side = field(sideColumn).flatMap(Side.init(parsing:))
                ?? muscleText.flatMap { ChannelPlacement(label: $0).side }
                ?? ChannelPlacement(label: name).side
            guard let side else {
                throw .input(file, "channel \(name) has no recognisable side", place: place,
                             hint: "add a side column or put left/right in target_muscle")
            }
            let index = try Montage.resolve(label: name, in: recordingLabels, file: file, place: place)
            mapped.append(MontageChannel(channelIndex: index, label: recordingLabels[index], muscle: muscle, side: side))
        }
        try self.init(channels: mapped, affectedSide: affectedSide, file: file)
    }

    // MARK: Helpers

    static func parseMuscle(_ text: String) -> Muscle? {
        if let exact = Muscle(rawValue: text) { return exact }
        return Muscle(parsing: text)
    }

    static func parseAffectedSide(_ text: String, file: String?) throws(SynkError) -> AffectedSide {
        let lowered = text.lowercased().trimmingCharacters(in: .whitespaces)
        if lowered == "none" || lowered == "healthy" || lowered == "control" { return AffectedSide.none }
        if let side = Side(parsing: lowered) { return side == .left ? .left : .right }
        throw .input(file, "affected_side \"\(text)\" is not left, right or none", place: "affected_side")
    }

    static func resolve(label: String, in labels: [String], file: String?, place: String) throws(SynkError) -> Int {
        if let exact = labels.firstIndex(of: label) { return exact }
        let matches = labels.indices.filter { labels[$0].lowercased() == label.lowercased() }
        if matches.count == 1 { return matches[0] }
        throw .input(file, "channel \"\(label)\" is not in the recording", place: place,
                     hint: "the recording has: \(labels.joined(separator: ", "))")
    }
}
