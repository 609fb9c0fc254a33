import Foundation
import SynkCore

/// Task names and the muscle that drives each, overridable per analysis.
///
/// **Fallbacks.** A recording does not always hold the catalogue's driver; another recorded muscle may perform the
/// task. ``fallbacks`` lists them, in order, for every catalogue task (the first one recorded on both sides, else on
/// one side, is used, and the result says so):
///
/// | task | driver | fallbacks (why) |
/// |---|---|---|
/// | brow_raise | FRO | none: frontalis is the only elevator of the brow |
/// | frown | COR | none: the corrugator draws the brows together, frontalis opposes it |
/// | eye_closure, gentle_/forceful_eye_closure, blink | OOc | none |
/// | smile, open_mouth_smile | ZYG | LLS (elevates the upper lip in an open smile) |
/// | closed_mouth_smile | ZYG | BUC (buccinator draws the mouth corner back) |
/// | snarl | LLS | NAS (nasalis and levator labii superioris alaeque nasi wrinkle the nose in a snarl) |
/// | nose_wrinkle | NAS | LLS |
/// | pucker, lip_pucker | OOr | MEN (mentalis protrudes the lower lip) |
/// | cheek_puff | BUC | OOr (orbicularis oris seals the lips) |
/// | lower_lip_depression | DAO | PLA (platysma assists the depression of the lip and mouth corner) |
/// | chin | MEN | none |
/// | platysma | PLA | DAO |
/// | chewing, jaw_clench | MAS | none |
///
/// Events may also name their driver themselves (a `driver` column), which wins over the catalogue.
public struct TaskCatalogue: Sendable, Hashable, Codable {
    /// Normalised task name → driver muscle.
    public var drivers: [String: Muscle]
    /// Normalised task name → muscles that may perform the task when its driver is not recorded, in order.
    public var fallbacks: [String: [Muscle]] = TaskCatalogue.standardFallbacks

    /// The documented fallbacks of the standard catalogue (see the type's table).
    public static let standardFallbacks: [String: [Muscle]] = [
        "smile": [.LLS], "open_mouth_smile": [.LLS], "closed_mouth_smile": [.BUC], "snarl": [.NAS], "nose_wrinkle": [.LLS],
        "pucker": [.MEN], "lip_pucker": [.MEN], "cheek_puff": [.OOr], "lower_lip_depression": [.PLA], "platysma": [.DAO],
    ]

    /// The default catalogue (Sunnybrook's five voluntary movements plus the extended set).
    public static let standard = TaskCatalogue(drivers: [
        "brow_raise": .FRO, "frown": .COR, "eye_closure": .OOc, "gentle_eye_closure": .OOc,
        "forceful_eye_closure": .OOc, "blink": .OOc, "smile": .ZYG, "open_mouth_smile": .ZYG,
        "closed_mouth_smile": .ZYG, "snarl": .LLS, "pucker": .OOr, "lip_pucker": .OOr,
        "nose_wrinkle": .NAS, "cheek_puff": .BUC, "lower_lip_depression": .DAO, "chin": .MEN,
        "platysma": .PLA, "chewing": .MAS, "jaw_clench": .MAS,
    ])

    public init(drivers: [String: Muscle]) {
        var normalised: [String: Muscle] = [:]
        for (name, muscle) in drivers { normalised[TaskCatalogue.normalise(name)] = muscle }
        self.drivers = normalised
    }

    /// The catalogue with `overrides` (task name → driver) replacing or adding entries.
    public func overriding(_ overrides: [String: Muscle]) -> TaskCatalogue {
        var copy = self
        for (name, muscle) in overrides { copy.drivers[TaskCatalogue.normalise(name)] = muscle }
        return copy
    }

    /// The driver of a task label (normalised first), or `nil` when the catalogue does not know it.
    public func driver(for label: String) -> Muscle? { drivers[TaskCatalogue.normalise(label)] }

    /// The driver of a task given the muscles recorded on each side: the catalogue's driver when it is recorded on
    /// both sides, else the first fallback that is, else the first candidate recorded on one side; nil when the
    /// catalogue does not know the task. ``DriverChoice/recorded`` is false when no candidate is recorded at all.
    public func choose(for label: String, left: Set<Muscle>, right: Set<Muscle>) -> DriverChoice? {
        let name = TaskCatalogue.normalise(label)
        guard let primary = drivers[name] else { return nil }
        let candidates = [primary] + (fallbacks[name] ?? []).filter { $0 != primary }
        let both = candidates.first { left.contains($0) && right.contains($0) }
        let either = candidates.first { left.contains($0) || right.contains($0) }
        guard let chosen = both ?? either else {
            let also = candidates.dropFirst().map(\.rawValue)
            return DriverChoice(driver: primary, source: .catalogue, recorded: false,
                                note: "driver \(primary.rawValue) is not in the montage" + (also.isEmpty ? "" : " (nor its fallback\(also.count == 1 ? "" : "s") \(also.joined(separator: ", ")))"))
        }
        if chosen == primary { return DriverChoice(driver: primary, source: .catalogue, recorded: true, note: nil) }
        let missing = left.contains(primary) || right.contains(primary) ? "recorded on one side only" : "not recorded"
        return DriverChoice(driver: chosen, source: .fallback, recorded: true,
                            note: "\(name): \(primary.rawValue) \(missing); \(chosen.rawValue) performs the task (documented fallback)")
    }

    /// The first task (alphabetically) whose driver is `muscle`; used to name detected bursts.
    public func task(drivenBy muscle: Muscle) -> String? {
        drivers.filter { $0.value == muscle }.keys.sorted().first
    }

    /// Lower case, separators to `_`, a trailing repetition number dropped:
    /// `Brow raise`, `brow-raise`, `brow_raise_2`, `Brow Raise 03` → `brow_raise`.
    public static func normalise(_ label: String) -> String {
        var words = label.lowercased()
            .split(whereSeparator: { !($0.isLetter || $0.isNumber) })
            .map(String.init)
        while words.count > 1, let last = words.last, last.allSatisfy(\.isNumber) { words.removeLast() }
        // "brow_raise2": a repetition number glued to the last word.
        if let last = words.last, last.contains(where: \.isLetter) {
            let stripped = String(last.reversed().drop(while: \.isNumber).reversed())
            if !stripped.isEmpty { words[words.count - 1] = stripped }
        }
        return words.joined(separator: "_")
    }
}

/// Where a task's driver came from.
public enum DriverSource: String, Sendable, Hashable, Codable {
    /// The events named it (a `driver` column).
    case event
    /// An override of the analysis parameters (``SynkinesisParameters/driverOverrides``).
    case override
    /// The task catalogue.
    case catalogue
    /// A documented fallback of the catalogue (its driver is not recorded).
    case fallback
    /// The dominant muscle of detected activation bursts.
    case detected
    /// Given with the segments by the caller.
    case given
}

/// The driver chosen for a task and why.
public struct DriverChoice: Sendable, Hashable {
    public var driver: Muscle
    public var source: DriverSource
    /// False when no candidate is in the montage (the task cannot be analysed).
    public var recorded: Bool
    /// A sentence when the choice is not the catalogue's recorded driver.
    public var note: String?
}

/// One task: its name, driver muscle and the sample ranges of its repetitions (pooled in analysis).
public struct TaskSegment: Sendable, Hashable, Codable {
    public var task: String
    public var driver: Muscle
    /// Repetitions as sample ranges of the envelope set, sorted and non-overlapping.
    public var repetitions: [Range<Int>]
    /// Where ``driver`` came from.
    public var driverSource: DriverSource = .given
    /// Why the driver is not the catalogue's, when it is not.
    public var driverNote: String?
    /// When gaps split repetitions into pieces (``repetitions`` then holds the pieces): the repetition (0, 1, …)
    /// each piece belongs to. nil: every range is a repetition of its own.
    public var repetitionOfPiece: [Int]?

    public init(task: String, driver: Muscle, repetitions: [Range<Int>], driverSource: DriverSource = .given, driverNote: String? = nil) {
        self.task = task
        self.driver = driver
        self.repetitions = repetitions
        self.driverSource = driverSource
        self.driverNote = driverNote
    }

    /// Total number of samples over all repetitions.
    public var sampleCount: Int { repetitions.reduce(0) { $0 + $1.count } }

    /// The repetition of each range of ``repetitions``.
    public var pieceOwners: [Int] { repetitionOfPiece ?? Array(repetitions.indices) }

    /// The number of repetitions (pieces of one repetition count once).
    public var repetitionCount: Int { (pieceOwners.max() ?? -1) + 1 }

    /// Each repetition's span, from its first piece's start to its last piece's end.
    public var repetitionSpans: [Range<Int>] {
        var spans: [Range<Int>?] = Array(repeating: nil, count: repetitionCount)
        for (piece, owner) in zip(repetitions, pieceOwners) {
            spans[owner] = spans[owner].map { min($0.lowerBound, piece.lowerBound)..<max($0.upperBound, piece.upperBound) } ?? piece
        }
        return spans.compactMap { $0 }
    }
}

/// An event or task that could not be analysed, and why.
public struct TaskGap: Sendable, Hashable, Codable {
    public var label: String
    public var onsetSeconds: Double?
    public var reason: String

    enum CodingKeys: String, CodingKey {
        case label, onsetSeconds = "onset_s", reason
    }
}

/// Turns events (or, without events, activation bursts) into pooled task segments.
public enum TaskSegmentation {
    /// Task segments from events, in sample indices of a signal at `sampleRate` with `frameCount` frames.
    ///
    /// Rules: labels are normalised (``TaskCatalogue/normalise(_:)``) and repetitions of the same
    /// task pooled; an event whose label the catalogue does not know (and that names no driver), whose span lies
    /// wholly outside the recording, or which covers fewer than 2 samples is a ``TaskGap`` (reported, not
    /// analysed); an event running past either end is clipped to the recording. A non-finite onset or
    /// a negative duration is an input error. Overlapping repetitions of one task are merged.
    ///
    /// The driver of each task: the event's own ``Event/driver``, else an entry of `overrides`, else the
    /// catalogue's choice among the muscles recorded on each side (`left`, `right`; nil: the catalogue's driver
    /// as it is, ``TaskCatalogue/choose(for:left:right:)``). Events of one task that name different drivers form one
    /// task per driver, named `task [DRIVER]`.
    public static func segments(
        events: [Event], sampleRate: Double, frameCount: Int, catalogue: TaskCatalogue = .standard, file: String? = nil,
        overrides: [String: Muscle] = [:], recorded: (left: Set<Muscle>, right: Set<Muscle>)? = nil
    ) throws(SynkError) -> (segments: [TaskSegment], gaps: [TaskGap]) {
        guard sampleRate.isFinite, sampleRate > 0 else { throw .input(file, "invalid envelope sample rate \(sampleRate) Hz") }
        var ranges: [String: [Range<Int>]] = [:]
        var choices: [String: [Muscle: DriverChoice]] = [:]
        var gaps: [TaskGap] = []
        let normalisedOverrides = Dictionary(overrides.map { (TaskCatalogue.normalise($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
        for (position, event) in events.enumerated() {
            let place = "event \(position + 1) (\(event.label))"
            guard event.onset.isFinite, event.duration.isFinite else {
                throw .input(file, "event onset or duration is not a number", place: place)
            }
            guard event.duration >= 0 else {
                throw .input(file, "negative duration \(event.duration) s", place: place)
            }
            let name = TaskCatalogue.normalise(event.label)
            let choice: DriverChoice
            if let driver = event.driver {
                choice = DriverChoice(driver: driver, source: .event, recorded: true, note: nil)
            } else if let driver = normalisedOverrides[name] {
                choice = DriverChoice(driver: driver, source: .override, recorded: true, note: nil)
            } else if let recorded {
                guard let chosen = catalogue.choose(for: name, left: recorded.left, right: recorded.right) else {
                    gaps.append(TaskGap(label: event.label, onsetSeconds: event.onset,
                                        reason: "unknown task \"\(name)\": no driver muscle (name one in a driver column of the events, or give an override)"))
                    continue
                }
                choice = chosen
            } else {
                guard let driver = catalogue.driver(for: name) else {
                    gaps.append(TaskGap(label: event.label, onsetSeconds: event.onset,
                                        reason: "unknown task \"\(name)\": no driver muscle (name one in a driver column of the events, or give an override)"))
                    continue
                }
                choice = DriverChoice(driver: driver, source: .catalogue, recorded: true, note: nil)
            }
            let startSample = (event.onset * sampleRate).rounded(), endSample = (event.end * sampleRate).rounded()
            if endSample <= 0 || startSample >= Double(frameCount) {
                gaps.append(TaskGap(label: event.label, onsetSeconds: event.onset,
                                    reason: "event lies outside the recording (0-\(Double(frameCount) / sampleRate) s)"))
                continue
            }
            let lower = Int(max(0, startSample)), upper = Int(min(Double(frameCount), endSample))
            guard upper - lower >= 2 else {
                gaps.append(TaskGap(label: event.label, onsetSeconds: event.onset,
                                    reason: "event covers fewer than 2 envelope samples (zero or too short duration)"))
                continue
            }
            let key = "\(name)\u{0}\(choice.driver.rawValue)"
            ranges[key, default: []].append(lower..<upper)
            choices[name, default: [:]][choice.driver] = choices[name]?[choice.driver] ?? choice
        }
        var segments: [TaskSegment] = []
        for name in choices.keys.sorted() {
            let drivers = choices[name]!
            for driver in drivers.keys.sorted() {
                let choice = drivers[driver]!
                let task = drivers.count == 1 ? name : "\(name) [\(driver.rawValue)]"
                segments.append(TaskSegment(task: task, driver: driver, repetitions: merge(ranges["\(name)\u{0}\(driver.rawValue)"]!),
                                            driverSource: choice.source, driverNote: choice.note))
            }
        }
        return (segments, gaps)
    }

    /// Sorted union of ranges.
    static func merge(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, range.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                out.append(range)
            }
        }
        return out
    }
}
