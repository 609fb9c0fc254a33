/// A side of the face.
public enum Side: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case left, right

    /// The other side.
    public var opposite: Side { self == .left ? .right : .left }

    public static func < (a: Side, b: Side) -> Bool { a == .left && b == .right }

    /// Parses `L`, `R`, `left`, `right`, `links`, `rechts`, `izq`, `der`, ... (case-insensitive).
    public init?(parsing text: String) {
        switch text.lowercased().trimmingCharacters(in: .whitespaces) {
        case "l", "left", "lt", "links", "izq", "izquierda", "gauche", "sin", "sinister": self = .left
        case "r", "right", "rt", "rechts", "der", "derecha", "droite", "dex", "dexter": self = .right
        default: return nil
        }
    }
}

/// Which side of the face the palsy affected, as stated by metadata or the user.
public enum AffectedSide: String, Sendable, Codable, Hashable {
    case left, right
    /// Stated explicitly that no side is affected (a healthy control).
    case none

    /// The affected ``Side`` if there is one.
    public var side: Side? {
        switch self {
        case .left: .left
        case .right: .right
        case .none: nil
        }
    }
}

/// Branches of the facial nerve (and the cervical branch that supplies platysma).
public enum Branch: String, Sendable, Codable, CaseIterable, Hashable {
    case temporal
    case zygomatic
    case buccal
    case marginalMandibular = "marginal_mandibular"
    case cervical
    /// The main trunk at the stylomastoid foramen.
    case trunk

    /// Parses names such as `temporal`, `marginal mandibular`, `marginal_mandibular`, `MM`, `zyg`.
    public init?(parsing text: String) {
        let key = text.lowercased().filter { $0.isLetter }
        switch key {
        case "temporal", "temp", "frontal": self = .temporal
        case "zygomatic", "zyg", "zygomaticus": self = .zygomatic
        case "buccal", "bucc", "buc": self = .buccal
        case "marginalmandibular", "mandibular", "mm", "marginal": self = .marginalMandibular
        case "cervical", "cerv": self = .cervical
        case "trunk", "maintrunk", "main": self = .trunk
        default: return nil
        }
    }

    /// The muscle conventionally recorded for this branch in ENoG (Guntinas-Lichius 2020).
    public var standardRecordingMuscle: Muscle? {
        switch self {
        case .temporal: .FRO
        case .zygomatic: .OOc
        case .buccal: .NAS
        case .marginalMandibular: .MEN
        case .cervical: .PLA
        case .trunk: nil
        }
    }
}

/// Facial muscles recorded by synk, by the codes of domain.md.
public enum Muscle: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case FRO, COR, OOc, NAS, LLS, ZYG, BUC, OOr, DAO, MEN, PLA, MAS

    public static func < (a: Muscle, b: Muscle) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The anatomical name, lower case.
    public var name: String {
        switch self {
        case .FRO: "frontalis"
        case .COR: "corrugator supercilii"
        case .OOc: "orbicularis oculi"
        case .NAS: "nasalis"
        case .LLS: "levator labii superioris"
        case .ZYG: "zygomaticus major"
        case .BUC: "buccinator"
        case .OOr: "orbicularis oris"
        case .DAO: "depressor anguli oris"
        case .MEN: "mentalis"
        case .PLA: "platysma"
        case .MAS: "masseter"
        }
    }

    /// The nerve branch that usually supplies the muscle (`nil` for masseter, which is trigeminal).
    public var branch: Branch? {
        switch self {
        case .FRO, .COR: .temporal
        case .OOc, .ZYG: .zygomatic
        case .NAS, .LLS, .BUC, .OOr: .buccal
        case .DAO, .MEN: .marginalMandibular
        case .PLA: .cervical
        case .MAS: nil
        }
    }

    /// Ocular muscles (around the eye and brow); the rest of the face counts as oral/lower face.
    public var region: FacialRegion {
        switch self {
        case .FRO, .COR, .OOc: .ocular
        case .NAS, .LLS, .ZYG, .BUC, .OOr, .DAO, .MEN: .oral
        case .PLA: .neck
        case .MAS: .masticatory
        }
    }

    /// Recognises a muscle code (`OOc`, `ooc`), a name (`orbicularis oculi`, `zygomaticus`) or a common
    /// abbreviation (`corr`, `zyg`, `frontal`) anywhere in `text`.
    public init?(parsing text: String) {
        let lowered = text.lowercased()
        let letters = lowered.filter { $0.isLetter }
        // Exact code first (case-insensitive).
        if let exact = Muscle.allCases.first(where: { $0.rawValue.lowercased() == letters }) {
            self = exact
            return
        }
        // Longest names first so "orbicularis oculi" is not taken for "orbicularis oris".
        let synonyms: [(String, Muscle)] = [
            ("orbicularisoculi", .OOc), ("orbicularisoris", .OOr), ("corrugatorsupercilii", .COR),
            ("levatorlabiisuperioris", .LLS), ("levatorlabii", .LLS), ("zygomaticusmajor", .ZYG),
            ("depressoranguli", .DAO), ("frontalis", .FRO), ("frontal", .FRO), ("corrugator", .COR),
            ("nasalis", .NAS), ("zygomaticus", .ZYG), ("zygomatic", .ZYG), ("buccinator", .BUC),
            ("mentalis", .MEN), ("platysma", .PLA), ("masseter", .MAS), ("corr", .COR), ("zyg", .ZYG),
            ("oculi", .OOc), ("oris", .OOr), ("ooc", .OOc), ("oor", .OOr), ("fro", .FRO), ("lls", .LLS),
            ("dao", .DAO), ("men", .MEN), ("pla", .PLA), ("mas", .MAS), ("buc", .BUC), ("nas", .NAS),
            ("cor", .COR), ("lev", .LLS),
        ]
        // Long names may appear anywhere; short codes only as a whole word.
        let words = lowered.split(whereSeparator: { !$0.isLetter }).map(String.init)
        for (key, muscle) in synonyms {
            if key.count > 5 ? letters.contains(key) : words.contains(key) {
                self = muscle
                return
            }
        }
        return nil
    }
}

/// Coarse facial regions, used to name synkinesis patterns (ocular→oral, oral→ocular).
public enum FacialRegion: String, Sendable, Codable, Hashable {
    case ocular, oral, neck, masticatory
}

/// What a channel's muscle and side are, as parsed from its label.
public struct ChannelPlacement: Sendable, Hashable, Codable {
    public var muscle: Muscle?
    public var side: Side?

    public init(muscle: Muscle?, side: Side?) {
        self.muscle = muscle
        self.side = side
    }

    /// Parses labels such as `OOc-L`, `ZYG_R`, `L OOr`, `orbicularis oculi left`, `Zygomaticus (right)`.
    public init(label: String) {
        muscle = Muscle(parsing: label)
        let tokens = label.split(whereSeparator: { !$0.isLetter }).map(String.init)
        // A side is a whole token, looked for from the end: `OOc-L`, `ZYG_R`, `left OOr`.
        side = tokens.reversed().lazy.compactMap { Side(parsing: $0) }.first
        // "OOcL" / "ZYGR": a code glued to a side letter.
        // Not when the whole word already names a muscle: "Corr" is the corrugator, not COR on the right.
        if side == nil, let last = tokens.last, last.count >= 3, Muscle(parsing: last) == nil {
            let stem = String(last.dropLast())
            if let s = Side(parsing: String(last.last!)), Muscle.allCases.contains(where: { $0.rawValue.lowercased() == stem.lowercased() }) {
                side = s
                if muscle == nil { muscle = Muscle(parsing: stem) }
            }
        }
    }
}

extension ChannelPlacement {
    /// Words that mark a column as a signal derived from EMG (an amplitude envelope, a moving RMS, an integrated or
    /// filtered copy) rather than the raw EMG itself: exporters put one next to the raw column (`EMG_zyg_processed`,
    /// `Zyg RMS`, `COR env`). Long words count anywhere in the label, short ones only as a whole word.
    public static let derivedSignalWords = (anywhere: ["envelope", "processed", "integrated", "filtered", "smooth", "rectified"],
                                            wholeWord: ["env", "rms", "mav", "iemg", "proc", "rect", "lenv"])

    /// The word of ``derivedSignalWords`` in `label`, or nil when the label does not mark a derived signal.
    public static func derivedSignalWord(in label: String) -> String? {
        let lowered = label.lowercased()
        let letters = String(lowered.filter(\.isLetter))
        if let word = derivedSignalWords.anywhere.first(where: { letters.contains($0) }) { return word }
        let words = Set(lowered.split(whereSeparator: { !$0.isLetter }).map(String.init))
        return derivedSignalWords.wholeWord.first { words.contains($0) }
    }
}

extension ChannelInfo {
    /// Why this EMG channel cannot be given a muscle and a side (its metadata, else its label, names neither or only
    /// one of them, or its label marks a derived signal such as an envelope: ``ChannelPlacement/derivedSignalWord(in:)``);
    /// nil when it can, and for channels that are not EMG. The analyses leave such a channel out and
    /// list it with this reason, and `synk info` shows it.
    public var unmappedReason: String? {
        guard kind == .emg else { return nil }
        // A processed copy of a muscle's EMG is not a second recording of that muscle (a montage file may still map it).
        if let word = ChannelPlacement.derivedSignalWord(in: label) {
            return "its label marks a derived signal ('\(word)'), not raw EMG: never mapped as a muscle"
        }
        let placement = ChannelPlacement(label: label)
        switch (muscle ?? placement.muscle, side ?? placement.side) {
        case (nil, nil): return "its label names no facial muscle and no side synk knows"
        case (nil, _?): return "its label names no facial muscle synk knows"
        case (let muscle?, nil): return "its label names \(muscle.rawValue) but no side (left or right)"
        case (_?, _?): return nil
        }
    }

    /// What the user can do about an unmapped channel.
    public static let mappingHint = "name muscle and side in a BIDS channels.tsv (target_muscle), or label the channel like OOc-L, ZYG_R, \"nasalis left\""
}

/// The muscle codes synk uses, with their anatomical names and nerve branches, for help texts and reports.
public enum MuscleGlossary {
    /// One line per code: `OOc  orbicularis oculi (zygomatic branch)`.
    public static var lines: [String] {
        Muscle.allCases.map { muscle in
            let branch = muscle.branch.map { "\($0.rawValue.replacingOccurrences(of: "_", with: " ")) branch" } ?? "trigeminal nerve, not facial"
            return muscle.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0) + "\(muscle.name) (\(branch))"
        }
    }

    /// The glossary as a help paragraph.
    public static var text: String {
        "Muscle codes (labels such as OOc-L, ZYG_R or \"orbicularis oculi left\" are recognised):\n"
            + lines.map { "  " + $0 }.joined(separator: "\n")
    }
}
