import Foundation
import SynkCore
import SynkAnalysis

/// What instrument a recording belongs to, decided from its content.
public enum StudyKind: String, Sendable, Codable, Hashable, CaseIterable {
    case synkinesis
    case nerveConduction = "nerve_conduction"
    case blinkReflex = "blink_reflex"

    /// How the report names the instrument.
    public var title: String {
        switch self {
        case .synkinesis: "Synkinetic correlation (sEMG)"
        case .nerveConduction: "Nerve conduction (ENoG)"
        case .blinkReflex: "Blink reflex"
        }
    }
}

/// Classifies a recording by what it contains, so that a report can take a patient's files in any order.
///
/// The rule, in order:
/// 1. A recording is **evoked** when it lists stimuli or has a trigger channel *and* runs at
///    ≥ ``evokedMinimumSampleRateHz`` (CMAP and blink latencies need sub-0.2 ms resolution; facial sEMG
///    sessions run at 1-4 kHz). Anything else is a **synkinesis** session.
/// 2. An evoked recording is a **blink reflex** study when any stimulus site names the supraorbital nerve,
///    or, when no stimulus has a site, when its EMG channels are only OOc, OOr and PLA (the blink montage).
/// 3. Every other evoked recording is a **nerve-conduction** study.
public enum StudyClassifier {
    public static let evokedMinimumSampleRateHz = 5000.0
    static let blinkMuscles: Set<Muscle> = [.OOc, .OOr, .PLA]

    public static func classify(_ header: RecordingHeader) -> StudyKind {
        let hasStimuli = !header.stimuli.isEmpty || header.channels.contains { $0.kind == .trigger }
        guard hasStimuli, header.sampleRate >= evokedMinimumSampleRateHz else { return .synkinesis }
        let sites = header.stimuli.compactMap { $0.site?.lowercased() }
        if sites.contains(where: { $0.contains("supraorbital") || $0.contains("supra-orbital") }) { return .blinkReflex }
        let muscles = Set(header.channels.filter { $0.kind == .emg }.compactMap(\.muscle))
        if sites.isEmpty, !muscles.isEmpty, muscles.isSubset(of: blinkMuscles), muscles.contains(.OOc) { return .blinkReflex }
        return .nerveConduction
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
    case blinkReflex(BlinkReflexResult)
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
    public var blinkReflex: BlinkReflexResult? { if case .blinkReflex(let r) = finding { r } else { nil } }

    /// Channel quality from the result or the study.
    public var channelQuality: [ChannelQuality] { synkinesis?.quality ?? quality ?? [] }

    /// True when a channel failed a quality check or the analysis could not run (the command exits 1).
    public var qualityFailed: Bool {
        if case .notMeasured = finding { return true }
        if let result = synkinesis { return SynkinesisPipeline.qualityFailed(result) }
        return channelQuality.contains { !$0.flags.isEmpty && isEMG($0.channel) }
    }

    func isEMG(_ label: String) -> Bool { header.channels.first { $0.label == label }?.kind == .emg }

    /// One line: which channels were usable and why the others were not.
    public var qualityLine: String {
        var parts: [String] = []
        let emg = header.channels.filter { $0.kind == .emg }.map(\.label)
        let quality = Dictionary(channelQuality.map { ($0.channel, $0) }, uniquingKeysWith: { a, _ in a })
        let bad = emg.filter { !(quality[$0]?.flags.isEmpty ?? true) }
        let good = emg.filter { !bad.contains($0) }
        if channelQuality.isEmpty {
            parts.append("\(emg.count) EMG channel\(emg.count == 1 ? "" : "s") (quality not assessed)")
        } else {
            parts.append("\(good.count) of \(emg.count) EMG channels usable")
        }
        for label in bad {
            parts.append("\(label) not usable: \(quality[label]!.explanations.joined(separator: "; "))")
        }
        if let result = synkinesis {
            for gap in result.montageGaps where !gap.reason.contains("excluded:") { parts.append(gap.reason) }
        }
        if case .notMeasured(let error) = finding { parts.append("analysis not possible: \(error.description)") }
        return parts.joined(separator: " · ")
    }
}

/// The recordings of one visit.
public struct ClinicalSession: Sendable {
    public var label: String
    public var date: Date?
    public var studies: [ClinicalStudy]

    public var synkinesis: SynkinesisResult? { studies.lazy.compactMap(\.synkinesis).first }
    public var nerveConduction: NerveConductionResult? { studies.lazy.compactMap(\.nerveConduction).first }
}

/// A patient's clinical report: sessions in date order, each with the studies recorded at it.
public struct ClinicalReport: Sendable {
    public var patient: String?
    public var affectedSide: AffectedSide?
    public var sessions: [ClinicalSession]
    public var synkVersion: String = SynkVersion.current

    /// Groups studies into sessions (by the header's session identifier, else the recording day, else the
    /// file) and orders the sessions by their earliest `startTime` (undated sessions last, in argument order).
    public init(studies: [ClinicalStudy], patient: String? = nil, affectedSide: AffectedSide? = nil) {
        self.patient = patient ?? studies.lazy.compactMap(\.header.subject).first
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
}

/// Clinically important first: flagged pairs, then ocular↔oral priority pairs, then by |index|.
public enum PairPriority {
    /// The patterns the clinic watches (domain.md §2): ocular→oral, oral→ocular, and eye closure dragging
    /// platysma or mentalis.
    public static func isPriority(_ pair: SynkinesisPair) -> Bool {
        isPriority(pattern: pair.pattern.rawValue, driver: pair.driver, follower: pair.follower)
    }

    public static func isPriority(pattern: String, driver: Muscle, follower: Muscle) -> Bool {
        pattern == "ocular_to_oral" || pattern == "oral_to_ocular" || (driver == .OOc && (follower == .PLA || follower == .MEN))
    }

    public static func ordered(_ pairs: [SynkinesisPair]) -> [SynkinesisPair] {
        pairs.sorted { a, b in
            let fa = a.flag, fb = b.flag
            if fa != fb { return fa }
            if isPriority(a) != isPriority(b) { return isPriority(a) }
            let ia = abs(a.synkineticCorrelation ?? -1), ib = abs(b.synkineticCorrelation ?? -1)
            if ia != ib { return ia > ib }
            return a.follower < b.follower
        }
    }

    /// The pairs of a task worth a plot: flagged or priority, at most `limit`.
    public static func plotted(_ pairs: [SynkinesisPair], limit: Int = 2) -> [SynkinesisPair] {
        Array(ordered(pairs).filter { $0.flag || isPriority($0) }.prefix(limit))
    }

    public static func patternName(_ pattern: String) -> String {
        switch pattern {
        case "ocular_to_oral": "ocular→oral"
        case "oral_to_ocular": "oral→ocular"
        default: pattern.replacingOccurrences(of: "_", with: " ")
        }
    }
}

/// One pair's synkinetic correlation index over the sessions.
public struct PairTrend: Sendable, Hashable {
    public var task: String
    public var driver: Muscle
    public var follower: Muscle
    public var pattern: String
    /// One value per session (`nil`: not measured at that session).
    public var values: [Double?]
    public var flaggedAnywhere: Bool
}

/// One branch's ENoG % over the sessions.
public struct BranchTrend: Sendable, Hashable {
    public var branch: Branch
    public var values: [Double?]
}

/// Change over sessions, as trends and as sentences.
public struct ProgressSummary: Sendable {
    public var sessionLabels: [String]
    public var pairTrends: [PairTrend]
    public var branchTrends: [BranchTrend]

    public init(sessions: [ClinicalSession]) {
        sessionLabels = sessions.map(\.label)
        var keys: [String] = []
        var trends: [String: PairTrend] = [:]
        for (s, session) in sessions.enumerated() {
            guard let result = session.synkinesis else { continue }
            for pair in result.pairs {
                let key = "\(pair.task)|\(pair.driver.rawValue)|\(pair.follower.rawValue)"
                if trends[key] == nil {
                    keys.append(key)
                    trends[key] = PairTrend(task: pair.task, driver: pair.driver, follower: pair.follower, pattern: pair.pattern.rawValue,
                                            values: Array(repeating: nil, count: sessions.count), flaggedAnywhere: false)
                }
                trends[key]!.values[s] = pair.synkineticCorrelation
                trends[key]!.flaggedAnywhere = trends[key]!.flaggedAnywhere || pair.flag
            }
        }
        pairTrends = keys.map { trends[$0]! }
        branchTrends = Branch.allCases.compactMap { branch in
            let values = sessions.map { $0.nerveConduction?.branches.first { $0.branch == branch }?.enogPercent }
            return values.contains { $0 != nil } ? BranchTrend(branch: branch, values: values) : nil
        }
    }

    /// Sessions with a value, first and last.
    static func span(_ values: [Double?]) -> (first: (Int, Double), last: (Int, Double))? {
        let measured = values.enumerated().compactMap { i, v in v.map { (i, $0) } }
        guard measured.count >= 2 else { return nil }
        return (measured.first!, measured.last!)
    }

    /// Pair trends worth stating: priority or flagged pairs measured at two sessions or more, largest change first.
    public func notablePairs(limit: Int = 8) -> [PairTrend] {
        let candidates = pairTrends.filter { trend in
            (trend.flaggedAnywhere || PairPriority.isPriority(pattern: trend.pattern, driver: trend.driver, follower: trend.follower))
                && Self.span(trend.values) != nil
        }
        return Array(candidates.sorted { a, b in
            let ca = Self.span(a.values).map { abs($0.last.1 - $0.first.1) } ?? 0
            let cb = Self.span(b.values).map { abs($0.last.1 - $0.first.1) } ?? 0
            return ca > cb
        }.prefix(limit))
    }

    /// "gentle eye closure: ocular→oral OOc→OOr synkinetic correlation 0.71 → 0.38 (ses-1 → ses-3)".
    public func statements(limit: Int = 8) -> [String] {
        var lines: [String] = []
        for trend in notablePairs(limit: limit) {
            guard let (first, last) = Self.span(trend.values) else { continue }
            lines.append("\(trend.task): \(PairPriority.patternName(trend.pattern)) \(trend.driver.rawValue)→\(trend.follower.rawValue) synkinetic correlation \(ClinicalFormat.fixed(first.1)) → \(ClinicalFormat.fixed(last.1)) (\(sessionLabels[first.0]) → \(sessionLabels[last.0]))")
        }
        for trend in branchTrends {
            guard let (first, last) = Self.span(trend.values) else { continue }
            lines.append("\(ClinicalFormat.branchName(trend.branch)) ENoG \(ClinicalFormat.fixed(first.1, 0)) % → \(ClinicalFormat.fixed(last.1, 0)) % (\(sessionLabels[first.0]) → \(sessionLabels[last.0]))")
        }
        return lines
    }
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
