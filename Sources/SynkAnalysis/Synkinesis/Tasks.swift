import Foundation
import SynkCore

/// Task names and the muscle that drives each, overridable per analysis.
public struct TaskCatalogue: Sendable, Hashable, Codable {
    /// Normalised task name → driver muscle.
    public var drivers: [String: Muscle]

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

/// One task: its name, driver muscle and the sample ranges of its repetitions (pooled in analysis).
public struct TaskSegment: Sendable, Hashable, Codable {
    public var task: String
    public var driver: Muscle
    /// Repetitions as sample ranges of the envelope set, sorted and non-overlapping.
    public var repetitions: [Range<Int>]

    public init(task: String, driver: Muscle, repetitions: [Range<Int>]) {
        self.task = task
        self.driver = driver
        self.repetitions = repetitions
    }

    /// Total number of samples over all repetitions.
    public var sampleCount: Int { repetitions.reduce(0) { $0 + $1.count } }
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
    /// task pooled; an event whose label the catalogue does not know, whose span lies wholly outside
    /// the recording, or which covers fewer than 2 samples is a ``TaskGap`` (reported, not analysed);
    /// an event running past either end is clipped to the recording. A non-finite onset or
    /// a negative duration is an input error. Overlapping repetitions of one task are merged.
    public static func segments(
        events: [Event], sampleRate: Double, frameCount: Int, catalogue: TaskCatalogue = .standard, file: String? = nil
    ) throws(SynkError) -> (segments: [TaskSegment], gaps: [TaskGap]) {
        guard sampleRate.isFinite, sampleRate > 0 else { throw .input(file, "invalid envelope sample rate \(sampleRate) Hz") }
        var ranges: [String: [Range<Int>]] = [:]
        var gaps: [TaskGap] = []
        for (position, event) in events.enumerated() {
            let place = "event \(position + 1) (\(event.label))"
            guard event.onset.isFinite, event.duration.isFinite else {
                throw .input(file, "event onset or duration is not a number", place: place)
            }
            guard event.duration >= 0 else {
                throw .input(file, "negative duration \(event.duration) s", place: place)
            }
            let name = TaskCatalogue.normalise(event.label)
            guard catalogue.driver(for: name) != nil else {
                gaps.append(TaskGap(label: event.label, onsetSeconds: event.onset,
                                    reason: "unknown task \"\(name)\": no driver muscle (give one as an override)"))
                continue
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
            ranges[name, default: []].append(lower..<upper)
        }
        let segments = ranges.keys.sorted().map { name in
            TaskSegment(task: name, driver: catalogue.driver(for: name)!, repetitions: merge(ranges[name]!))
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
