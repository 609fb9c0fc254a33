import Foundation
import SynkCore
import SynkAnalysis
import SynkMeasure

extension StudyKind {
    /// How the report names the instrument.
    public var title: String {
        switch self {
        case .synkinesis: "Synkinetic correlation (sEMG)"
        case .nerveConduction: "Nerve conduction (ENoG)"
        case .blinkReflex: "Blink reflex"
        }
    }
}

/// Decimated envelopes of the montage channels a synkinesis result was measured on, by muscle and side.
public struct SynkinesisTraces: Sendable {
    /// Envelope sample rate, Hz.
    public var sampleRate: Double
    /// `envelopes["OOc-left"]`, µV: traces given as arrays (``init(sampleRate:envelopes:)``).
    public var envelopes: [String: [Float]]
    /// Traces left in the conditioned recording's storage (``init(conditioned:result:)``): a long recording's
    /// envelopes stay in their temporary files and a figure reads only the samples it plots, a chunk at a time.
    private var storage: EnvelopeStorage?
    private var storedChannels: [String: Int] = [:]

    public init(sampleRate: Double, envelopes: [String: [Float]]) {
        self.sampleRate = sampleRate
        self.envelopes = envelopes
    }

    /// Traces left in `storage`: `channels` gives each muscle and side its channel there.
    public init(sampleRate: Double, storage: EnvelopeStorage, channels: [(muscle: Muscle, side: Side, channel: Int)]) {
        self.sampleRate = sampleRate
        envelopes = [:]
        self.storage = storage
        for entry in channels where entry.channel >= 0 && entry.channel < storage.channelCount {
            storedChannels[Self.key(entry.muscle, entry.side)] = entry.channel
        }
    }

    /// Takes the envelopes of the channels `result.montage` kept (recording channel indices), without copying them.
    public init(conditioned: ConditionedRecording, result: SynkinesisResult) {
        let channels = result.montage.compactMap { channel -> (muscle: Muscle, side: Side, channel: Int)? in
            guard let k = conditioned.channelIndices.firstIndex(of: channel.channelIndex) else { return nil }
            return (channel.muscle, channel.side, k)
        }
        self.init(sampleRate: conditioned.envelopes.sampleRate, storage: conditioned.envelopes.storage, channels: channels)
    }

    public static func key(_ muscle: Muscle, _ side: Side) -> String { "\(muscle.rawValue)-\(side.rawValue)" }

    /// Samples in the envelope of `muscle` on `side`, if there is one.
    public func sampleCount(_ muscle: Muscle, _ side: Side) -> Int? {
        let key = Self.key(muscle, side)
        if let envelope = envelopes[key] { return envelope.count }
        guard let storage, let k = storedChannels[key] else { return nil }
        return storage.count(channel: k)
    }

    /// The points a line plot draws of samples `range` (seconds on x, µV on y): every sample when there are at
    /// most `maximum`, else exactly the points ``LinePlot/thin(x:y:maximum:)`` keeps (each of `maximum`/2
    /// buckets' first minimum and first maximum, in time order). The samples are read a bucket at a time, so
    /// memory holds the points, not the trace.
    public func plotPoints(_ muscle: Muscle, _ side: Side, samples range: Range<Int>, maximum: Int = 600) -> (x: [Double], y: [Double])? {
        let key = Self.key(muscle, side)
        let fs = sampleRate
        if let envelope = envelopes[key] {
            let clipped = range.clamped(to: 0..<envelope.count)
            return envelope.withUnsafeBufferPointer { buffer in
                Self.points(clipped, maximum: maximum, fs: fs, piece: 1 << 16) { r in UnsafePointer(buffer.baseAddress! + r.lowerBound) }
            }
        }
        guard let storage, let k = storedChannels[key] else { return nil }
        let reader = storage.reader(k)
        let clipped = range.clamped(to: 0..<reader.count)
        return Self.points(clipped, maximum: maximum, fs: fs, piece: min(1 << 16, reader.preferredChunk)) { reader.samples($0) }
    }

    /// ``plotPoints(_:_:samples:maximum:)`` over `range`, reading at most `piece` samples at a time through `read`.
    private static func points(_ range: Range<Int>, maximum: Int, fs: Double, piece: Int,
                               read: (Range<Int>) -> UnsafePointer<Float>) -> (x: [Double], y: [Double]) {
        let n = range.count
        var xs: [Double] = [], ys: [Double] = []
        let piece = max(1, piece)
        guard n > maximum, maximum >= 4 else {
            var start = range.lowerBound
            while start < range.upperBound {
                let end = min(range.upperBound, start + piece)
                let samples = read(start..<end)
                for i in start..<end { xs.append(Double(i) / fs); ys.append(Double(samples[i - start])) }
                start = end
            }
            return (xs, ys)
        }
        let buckets = maximum / 2
        for b in 0..<buckets {
            let lo = b * n / buckets, hi = (b + 1) * n / buckets
            guard hi > lo else { continue }
            var iMin = lo, iMax = lo
            var yMin = 0.0, yMax = 0.0
            var start = lo
            while start < hi {
                let end = min(hi, start + piece)
                let samples = read((range.lowerBound + start)..<(range.lowerBound + end))
                if start == lo { yMin = Double(samples[0]); yMax = yMin }
                for i in start..<end {
                    let y = Double(samples[i - start])
                    if y < yMin { iMin = i; yMin = y }
                    if y > yMax { iMax = i; yMax = y }
                }
                start = end
            }
            for (i, y) in [(iMin, yMin), (iMax, yMax)].sorted(by: { $0.0 < $1.0 }) {
                xs.append(Double(range.lowerBound + i) / fs)
                ys.append(y)
            }
        }
        return (xs, ys)
    }
}

/// What the report could measure on one recording.
public enum ClinicalFinding: Sendable {
    case synkinesis(SynkinesisResult, SynkinesisTraces?)
    case nerveConduction(NerveConductionResult, [CMAPWaveform])
    case blinkReflex(BlinkReflexResult, [BlinkWaveform])
    /// The analysis could not run; the error says why (the report shows it).
    case notMeasured(SynkError)
}

/// One analysed recording.
public struct ClinicalStudy: Sendable {
    public var input: InputDescription
    public var header: RecordingHeader
    public var kind: StudyKind
    public var finding: ClinicalFinding
    /// Quality of every channel (evoked studies; synkinesis results carry their own).
    public var quality: [ChannelQuality]?
    /// The normative table evoked studies were checked against.
    public var norms: NormativeTable?

    public init(input: InputDescription, header: RecordingHeader, kind: StudyKind, finding: ClinicalFinding,
                quality: [ChannelQuality]? = nil, norms: NormativeTable? = nil) {
        self.input = input
        self.header = header
        self.kind = kind
        self.finding = finding
        self.quality = quality
        self.norms = norms
    }

    public var synkinesis: SynkinesisResult? { if case .synkinesis(let r, _) = finding { r } else { nil } }
    public var nerveConduction: NerveConductionResult? { if case .nerveConduction(let r, _) = finding { r } else { nil } }
    public var blinkReflex: BlinkReflexResult? { if case .blinkReflex(let r, _) = finding { r } else { nil } }

    /// The first 8 hex digits of the input's SHA-256: the study's tag in row keys.
    public var tag: String { String(input.sha256.prefix(8)) }

    /// Channel quality from the result or the study.
    public var channelQuality: [ChannelQuality] { synkinesis?.quality ?? quality ?? [] }

    /// True when a channel failed a quality check or the analysis could not run (the command exits 1).
    public var qualityFailed: Bool {
        if case .notMeasured = finding { return true }
        if let result = synkinesis { return result.qualityFailed }
        return channelQuality.contains { !$0.flags.isEmpty && isEMG($0.channel) }
    }

    func isEMG(_ label: String) -> Bool { header.channels.first { $0.label == label }?.kind == .emg }

    /// EMG channels of the recording.
    public var emgChannels: [String] { header.channels.filter { $0.kind == .emg }.map(\.label) }

    /// One sentence per problem: each unusable EMG channel with why, montage gaps, an analysis that could not run.
    public var problems: [(channel: String?, sentence: String)] {
        var lines: [(String?, String)] = []
        let quality = Dictionary(channelQuality.map { ($0.channel, $0) }, uniquingKeysWith: { a, _ in a })
        for label in emgChannels {
            guard let q = quality[label], !q.flags.isEmpty else { continue }
            // Missing samples alone no longer exclude a channel from the synkinesis analysis: say what they cost.
            if let result = synkinesis, result.montage.contains(where: { $0.label == label }),
               q.flags.allSatisfy({ $0 == .nanGap || !$0.excludesChannel }), q.flags.contains(.nanGap) {
                let notes = (result.sampleGaps ?? []).filter { $0.channel == label }.map(\.note)
                lines.append((label, "kept with gaps: " + (notes.isEmpty ? q.explanations : notes).joined(separator: "; ")))
                continue
            }
            let why = q.explanations.isEmpty ? q.flags.map { ClinicalLanguage.flag($0.rawValue) } : q.explanations
            lines.append((label, "not usable: " + why.joined(separator: "; ")))
        }
        if let result = synkinesis {
            for gap in result.montageGaps where !gap.reason.contains("excluded:") { lines.append((nil, gap.reason)) }
        }
        if case .notMeasured(let error) = finding { lines.append((nil, "analysis not possible: \(error.problem)\(error.hint.map { " (\($0))" } ?? "")")) }
        return lines
    }

    /// One line: which channels were usable and why the others were not.
    public var qualityLine: String {
        let emg = emgChannels
        let problems = self.problems
        let bad = Set(problems.filter { !$0.sentence.hasPrefix("kept with gaps") }.compactMap(\.channel))
        var parts = [channelQuality.isEmpty ? "\(emg.count) EMG channel\(emg.count == 1 ? "" : "s") (quality not assessed)"
                                            : "\(emg.count - bad.count) of \(emg.count) EMG channels usable"]
        parts += problems.map { ($0.channel.map { "\($0) " } ?? "") + $0.sentence }
        return parts.joined(separator: " · ")
    }
}

/// The recordings of one visit.
public struct ClinicalSession: Sendable {
    public var label: String
    public var date: Date?
    public var studies: [ClinicalStudy]

    public var synkinesisStudy: ClinicalStudy? { studies.first { $0.synkinesis != nil } }
    public var synkinesis: SynkinesisResult? { studies.lazy.compactMap(\.synkinesis).first }
    public var nerveConductionStudy: ClinicalStudy? { studies.first { $0.nerveConduction != nil } }
    public var nerveConduction: NerveConductionResult? { studies.lazy.compactMap(\.nerveConduction).first }
    public var blinkReflex: BlinkReflexResult? { studies.lazy.compactMap(\.blinkReflex).first }

    /// "2 Mar 2026", or the label when the session is undated.
    public var dateText: String { date.map(ClinicalLanguage.date) ?? label }
}

/// A patient's clinical report: sessions in date order, each with the studies recorded at it.
public struct ClinicalReport: Sendable {
    public var patient: String?
    public var affectedSide: AffectedSide?
    public var sessions: [ClinicalSession]
    public var context: ClinicalContext
    public var synkVersion: String = SynkVersion.current

    /// Groups studies into sessions (by the header's session identifier, else the recording day, else the
    /// file) and orders the sessions by their earliest `startTime` (undated sessions last, in argument order).
    /// `patient` (else the context's patient id, else the recordings' subject) names the patient.
    public init(studies: [ClinicalStudy], patient: String? = nil, affectedSide: AffectedSide? = nil, context: ClinicalContext = ClinicalContext()) {
        self.context = context
        self.patient = patient ?? context.patientID ?? studies.lazy.compactMap(\.header.subject).first
        self.affectedSide = affectedSide ?? studies.lazy.compactMap(\.header.affectedSide).first
        var order: [String] = []
        var groups: [String: [ClinicalStudy]] = [:]
        for study in studies {
            let key: String
            if let session = study.header.session, !session.isEmpty {
                key = "ses-" + session.replacingOccurrences(of: "ses-", with: "")
            } else if let date = study.header.startTime {
                key = ClinicalFormat.day(date)
            } else {
                key = URL(fileURLWithPath: study.input.path).deletingPathExtension().lastPathComponent
            }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(study)
        }
        var built = order.enumerated().map { index, key in
            (index, ClinicalSession(label: key, date: groups[key]!.compactMap(\.header.startTime).min(), studies: groups[key]!))
        }
        built.sort { a, b in
            switch (a.1.date, b.1.date) {
            case let (x?, y?): return x != y ? x < y : a.0 < b.0
            case (_?, nil): return true
            case (nil, _?): return false
            case (nil, nil): return a.0 < b.0
            }
        }
        sessions = built.map(\.1)
    }

    public var studies: [ClinicalStudy] { sessions.flatMap(\.studies) }
    public var qualityFailed: Bool { studies.contains(where: \.qualityFailed) }
    public var instruments: [StudyKind] { StudyKind.allCases.filter { kind in studies.contains { $0.kind == kind } } }
    public var progress: ProgressSummary { ProgressSummary(sessions: sessions) }

    /// Days from the date of onset to `date`, when both are known.
    public func daysSinceOnset(_ date: Date?) -> Int? {
        guard let onset = context.onset, let date else { return nil }
        return ClinicalLanguage.days(from: onset, to: date)
    }
}

/// Clinically important first: pairs the decision calls synkinetic, then ocular↔oral priority pairs, then by how
/// far the decision's measure lies from "sides alike".
public enum PairPriority {
    /// The patterns the clinic watches (domain.md §2): ocular→oral, oral→ocular, and eye closure dragging
    /// platysma or mentalis.
    public static func isPriority(_ pair: SynkinesisPair) -> Bool {
        isPriority(pattern: pair.pattern, driver: pair.driver, follower: pair.follower)
    }

    public static func isPriority(pattern: SynkinesisPattern, driver: Muscle, follower: Muscle) -> Bool {
        pattern == .ocularToOral || pattern == .oralToOcular || (driver == .OOc && (follower == .PLA || follower == .MEN))
    }

    /// How far a decision's measure is from "sides alike" (a ratio of 2 and of 0.5 are equally far).
    static func distance(_ decision: PairDecision) -> Double {
        guard let v = decision.value, v.isFinite else { return -1 }
        if decision.multiplicative { return v > 0 ? abs(log(v)) : -1 }
        return abs(v)
    }

    public static func ordered(_ pairs: [SynkinesisPair]) -> [SynkinesisPair] {
        pairs.sorted { a, b in
            let da = pairDecision(a), db = pairDecision(b)
            let fa = da.verdict == .synkinesis, fb = db.verdict == .synkinesis
            if fa != fb { return fa }
            if isPriority(a) != isPriority(b) { return isPriority(a) }
            let ia = distance(da), ib = distance(db)
            if ia != ib { return ia > ib }
            return (a.task, a.follower) < (b.task, b.follower)
        }
    }

    public static func patternName(_ pattern: SynkinesisPattern) -> String {
        switch pattern {
        case .ocularToOral: "ocular→oral"
        case .oralToOcular: "oral→ocular"
        case .other: "other"
        }
    }
}

/// One pair over the sessions: the decision and its measure at each, and how the measure changed.
public struct PairProgress: Sendable {
    public var task: String
    public var driver: Muscle
    public var follower: Muscle
    public var pattern: SynkinesisPattern
    /// One entry per session (`nil`: not measured at that session).
    public var pairs: [SynkinesisPair?]
    /// The tag (SHA-256 prefix) of the synkinesis study each pair comes from.
    public var tags: [String?]

    public var decisions: [PairDecision?] { pairs.map { $0.map(pairDecision) } }
    /// True when the decision called the pair synkinetic at any session.
    public var synkineticAnywhere: Bool { decisions.contains { $0?.verdict == .synkinesis } }
    public var label: String { ClinicalLanguage.pair(task: task, driver: driver, follower: follower) }

    /// First and last sessions where the pair was measured.
    public var span: (first: Int, last: Int)? {
        let measured = pairs.indices.filter { pairs[$0] != nil }
        guard let first = measured.first, let last = measured.last else { return nil }
        return (first, last)
    }

    /// Change of the decision's measure from the first to the last session measured (``ChangeRule``).
    public var change: Change? {
        guard let (first, last) = span, first != last, let a = decisions[first], let b = decisions[last] else { return nil }
        return ChangeRule.decisionMeasure(from: a, to: b)
    }

    /// Change of the synkinetic correlation index, by its intervals.
    public var indexChange: Change? {
        guard let (first, last) = span, first != last, let a = pairs[first], let b = pairs[last] else { return nil }
        return ChangeRule.index(a.synkineticCorrelation, a.ci95, b.synkineticCorrelation, b.ci95)
    }
}

/// One branch's ENoG % over the sessions.
public struct BranchTrend: Sendable, Hashable {
    public var branch: Branch
    public var values: [Double?]
}

/// Change over sessions: every pair the decision called synkinetic at any session, and ENoG per branch.
public struct ProgressSummary: Sendable {
    public var sessionLabels: [String]
    public var sessionDates: [Date?]
    /// Pairs synkinetic at one session or more, in the order of ``PairPriority`` at the session where they were.
    public var pairs: [PairProgress]
    /// ENoG per branch, only when two sessions or more carry a nerve-conduction study.
    public var branchTrends: [BranchTrend]

    public init(sessions: [ClinicalSession]) {
        sessionLabels = sessions.map(\.label)
        sessionDates = sessions.map(\.date)
        var keys: [String] = []
        var progress: [String: PairProgress] = [:]
        for (s, session) in sessions.enumerated() {
            guard let study = session.synkinesisStudy, let result = study.synkinesis else { continue }
            for pair in PairPriority.ordered(result.pairs) {
                let key = "\(pair.task)|\(pair.driver.rawValue)|\(pair.follower.rawValue)"
                if progress[key] == nil {
                    keys.append(key)
                    progress[key] = PairProgress(task: pair.task, driver: pair.driver, follower: pair.follower, pattern: pair.pattern,
                                                 pairs: Array(repeating: nil, count: sessions.count), tags: Array(repeating: nil, count: sessions.count))
                }
                progress[key]!.pairs[s] = pair
                progress[key]!.tags[s] = study.tag
            }
        }
        let all = keys.map { progress[$0]! }
        // Synkinetic at the latest session first, then those that were synkinetic earlier.
        let latest = all.filter { p in p.span.map { p.decisions[$0.last]?.verdict == .synkinesis } ?? false }
        pairs = latest + all.filter { $0.synkineticAnywhere && !latest.map(\.label).contains($0.label) }
        let withNCS = sessions.filter { $0.nerveConduction != nil }.count
        branchTrends = withNCS < 2 ? [] : Branch.allCases.compactMap { branch in
            let values = sessions.map { $0.nerveConduction?.branches.first { $0.branch == branch }?.enogPercent }
            return values.compactMap { $0 }.count >= 2 ? BranchTrend(branch: branch, values: values) : nil
        }
    }

    /// "eye closure → mouth (OOc→OOr): activity ratio 7.13 → 3.12 (2 Mar 2026 → 14 Sep 2026), improved".
    public func statements() -> [String] {
        var lines: [String] = []
        for p in pairs {
            guard let (first, last) = p.span, first != last, let a = p.decisions[first], let b = p.decisions[last], let change = p.change else { continue }
            lines.append("\(p.label): \(a.measureName) \(ClinicalFormat.fixed(a.value)) → \(ClinicalFormat.fixed(b.value)) (\(when(first)) → \(when(last))), \(change.verdict.words): \(change.basis)")
        }
        for trend in branchTrends {
            let measured = trend.values.indices.filter { trend.values[$0] != nil }
            guard let first = measured.first, let last = measured.last, first != last else { continue }
            lines.append("\(ClinicalFormat.branchName(trend.branch)) ENoG \(ClinicalFormat.fixed(trend.values[first], 0)) % → \(ClinicalFormat.fixed(trend.values[last], 0)) % (\(when(first)) → \(when(last)))")
        }
        return lines
    }

    func when(_ session: Int) -> String { sessionDates[session].map(ClinicalLanguage.date) ?? sessionLabels[session] }
}

/// Number and date formats shared by the HTML and Markdown reports (the tests parse these back).
public enum ClinicalFormat {
    public static func fixed(_ x: Double?, _ digits: Int = 2) -> String {
        guard let x, x.isFinite else { return "–" }
        let s = String(format: "%.\(digits)f", x)
        // "-0.00" reads as a sign where there is none.
        return s.allSatisfy({ $0 == "-" || $0 == "0" || $0 == "." }) ? s.replacingOccurrences(of: "-", with: "") : s
    }

    public static func pValue(_ p: Double?) -> String {
        guard let p, p.isFinite else { return "–" }
        return p < 0.001 ? "<0.001" : String(format: "%.3f", p)
    }

    public static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }

    public static func dateTime(_ date: Date?) -> String {
        guard let date else { return "date not recorded" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date).prefix(16) + " UTC"
    }

    public static func branchName(_ branch: Branch) -> String {
        branch == .marginalMandibular ? "marginal mandibular" : branch.rawValue
    }
}

extension ClinicalStudy {
    /// The report's view of a measured study; `norms` is the table evoked studies were checked against.
    public init(_ study: MeasuredStudy, norms: NormativeTable?) {
        let finding: ClinicalFinding
        switch study.measurement {
        case .synkinesis(let result, let conditioned): finding = .synkinesis(result, SynkinesisTraces(conditioned: conditioned, result: result))
        case .nerveConduction(let result, let waveforms): finding = .nerveConduction(result, waveforms)
        case .blinkReflex(let result, let waveforms): finding = .blinkReflex(result, waveforms)
        case .notMeasured(let error): finding = .notMeasured(error)
        }
        let evoked = study.kind != .synkinesis
        self.init(input: study.input, header: study.header, kind: study.kind, finding: finding,
                  quality: study.quality, norms: evoked ? norms : nil)
    }
}
