import Foundation
import SynkCore

/// Clinical grades entered for one session (not measured by synk; shown as entered).
public struct SessionGrades: Sendable, Hashable, Codable {
    /// The session these grades belong to: its identifier (`ses-2` or `2`) …
    public var session: String?
    /// … or its day, `YYYY-MM-DD`.
    public var date: String?
    /// House-Brackmann grade 1-6 (I-VI).
    public var houseBrackmann: Int?
    /// Sunnybrook composite score 0-100.
    public var sunnybrookComposite: Double?
    /// Sunnybrook synkinesis score 0-15 (0-3 on each of the five movements).
    public var sunnybrookSynkinesis: Double?
    /// eFACE total score 0-100.
    public var eFACETotal: Double?
    /// eFACE synkinesis sub-score 0-100.
    public var eFACESynkinesis: Double?
    public var note: String?

    public init(session: String? = nil, date: String? = nil, houseBrackmann: Int? = nil, sunnybrookComposite: Double? = nil,
                sunnybrookSynkinesis: Double? = nil, eFACETotal: Double? = nil, eFACESynkinesis: Double? = nil, note: String? = nil) {
        self.session = session
        self.date = date
        self.houseBrackmann = houseBrackmann
        self.sunnybrookComposite = sunnybrookComposite
        self.sunnybrookSynkinesis = sunnybrookSynkinesis
        self.eFACETotal = eFACETotal
        self.eFACESynkinesis = eFACESynkinesis
        self.note = note
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case session, date, note
        case houseBrackmann = "house_brackmann", sunnybrookComposite = "sunnybrook_composite"
        case sunnybrookSynkinesis = "sunnybrook_synkinesis", eFACETotal = "eface_total", eFACESynkinesis = "eface_synkinesis"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        session = try c.decodeIfPresent(String.self, forKey: .session)
        date = try c.decodeIfPresent(String.self, forKey: .date)
        note = try c.decodeIfPresent(String.self, forKey: .note)
        sunnybrookComposite = try c.decodeIfPresent(Double.self, forKey: .sunnybrookComposite)
        sunnybrookSynkinesis = try c.decodeIfPresent(Double.self, forKey: .sunnybrookSynkinesis)
        eFACETotal = try c.decodeIfPresent(Double.self, forKey: .eFACETotal)
        eFACESynkinesis = try c.decodeIfPresent(Double.self, forKey: .eFACESynkinesis)
        // Clinicians write the grade in Roman numerals as often as in digits.
        if let number = try? c.decodeIfPresent(Int.self, forKey: .houseBrackmann) {
            houseBrackmann = number
        } else if let text = try c.decodeIfPresent(String.self, forKey: .houseBrackmann) {
            guard let number = Self.roman[text.uppercased().trimmingCharacters(in: .whitespaces)] ?? Int(text) else {
                throw DecodingError.dataCorruptedError(forKey: .houseBrackmann, in: c, debugDescription: "house_brackmann \"\(text)\" is not a grade I-VI")
            }
            houseBrackmann = number
        }
    }

    static let roman = ["I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6]
    static let romanNames = ["I", "II", "III", "IV", "V", "VI"]

    /// "III" for grade 3.
    public var houseBrackmannRoman: String? { houseBrackmann.flatMap { (1...6).contains($0) ? Self.romanNames[$0 - 1] : nil } }

    /// The first value outside its scale, as a message.
    func rangeProblem() -> String? {
        if let hb = houseBrackmann, !(1...6).contains(hb) { return "house_brackmann \(hb) is not a grade I-VI" }
        let scales: [(String, Double?, ClosedRange<Double>)] = [
            ("sunnybrook_composite", sunnybrookComposite, 0...100), ("sunnybrook_synkinesis", sunnybrookSynkinesis, 0...15),
            ("eface_total", eFACETotal, 0...100), ("eface_synkinesis", eFACESynkinesis, 0...100),
        ]
        for (name, value, range) in scales {
            if let value, !(value.isFinite && range.contains(value)) {
                return "\(name) \(value) is outside its scale \(NiceScale.label(range.lowerBound))-\(NiceScale.label(range.upperBound))"
            }
        }
        if session == nil && date == nil { return "each session's grades need \"session\" or \"date\"" }
        if let date, ClinicalContext.day(date) == nil { return "date \"\(date)\" is not YYYY-MM-DD" }
        return nil
    }
}

/// The clinical context of a report: who, since when, why, and the clinical grades of each session.
///
/// Read from a small JSON sidecar (`synk report --context FILE`, schema in docs/report.md) and overridden by
/// command-line options. Nothing here is measured: the report prints it as entered.
public struct ClinicalContext: Sendable, Hashable, Codable {
    public var patientID: String?
    /// Date of onset of the palsy, `YYYY-MM-DD`.
    public var dateOfOnset: String?
    public var examiner: String?
    public var indication: String?
    public var sessions: [SessionGrades]

    public init(patientID: String? = nil, dateOfOnset: String? = nil, examiner: String? = nil, indication: String? = nil,
                sessions: [SessionGrades] = []) {
        self.patientID = patientID
        self.dateOfOnset = dateOfOnset
        self.examiner = examiner
        self.indication = indication
        self.sessions = sessions
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case patientID = "patient_id", dateOfOnset = "date_of_onset", examiner, indication, sessions
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        patientID = try c.decodeIfPresent(String.self, forKey: .patientID)
        dateOfOnset = try c.decodeIfPresent(String.self, forKey: .dateOfOnset)
        examiner = try c.decodeIfPresent(String.self, forKey: .examiner)
        indication = try c.decodeIfPresent(String.self, forKey: .indication)
        sessions = try c.decodeIfPresent([SessionGrades].self, forKey: .sessions) ?? []
    }

    /// The date of onset as a date (UTC midnight), when given and valid.
    public var onset: Date? { dateOfOnset.flatMap(Self.day) }

    /// `YYYY-MM-DD` → UTC midnight of that day.
    public static func day(_ text: String) -> Date? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), (1...31).contains(d) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: y, month: m, day: d)),
              calendar.component(.day, from: date) == d else { return nil }
        return date
    }

    /// Reads and checks a context sidecar; every problem is one `.input` error naming the file.
    public static func load(path: String) throws(SynkError) -> ClinicalContext {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .input(path, "cannot read the clinical context file")
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw .input(path, "not valid JSON", hint: "see docs/report.md for the context file's fields")
        }
        guard let top = object as? [String: Any] else { throw .input(path, "the clinical context must be a JSON object") }
        // A misspelt key would silently drop what the clinician entered.
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = top.keys.sorted().first(where: { !known.contains($0) }) {
            throw .input(path, "unknown field \"\(unknown)\"", hint: "fields: \(known.sorted().joined(separator: ", "))")
        }
        let sessionKeys = Set(SessionGrades.CodingKeys.allCases.map(\.rawValue))
        for (i, session) in ((top["sessions"] as? [Any]) ?? []).enumerated() {
            guard let fields = session as? [String: Any] else { throw .input(path, "sessions[\(i)] is not an object") }
            if let unknown = fields.keys.sorted().first(where: { !sessionKeys.contains($0) }) {
                throw .input(path, "unknown field \"\(unknown)\" in sessions[\(i)]", hint: "fields: \(sessionKeys.sorted().joined(separator: ", "))")
            }
        }
        let context: ClinicalContext
        do { context = try JSONDecoder().decode(ClinicalContext.self, from: data) } catch let error as DecodingError {
            throw .input(path, Self.describe(error))
        } catch {
            throw .input(path, "cannot be read as a clinical context")
        }
        if let onset = context.dateOfOnset, day(onset) == nil { throw .input(path, "date_of_onset \"\(onset)\" is not YYYY-MM-DD") }
        for (i, grades) in context.sessions.enumerated() {
            if let problem = grades.rangeProblem() { throw .input(path, "sessions[\(i)]: \(problem)") }
        }
        return context
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            let path = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return "\(path.isEmpty ? "" : String(path.drop { $0 == "." }) + ": ")\(c.debugDescription)"
        case .keyNotFound(let key, _): return "missing field \(key.stringValue)"
        @unknown default: return "cannot be read as a clinical context"
        }
    }

    /// The grades entered for `session`: matched by identifier (`ses-2` = `2`), else by day.
    public func grades(for session: ClinicalSession) -> SessionGrades? {
        let label = session.label.replacingOccurrences(of: "ses-", with: "")
        if let byLabel = sessions.first(where: { $0.session.map { $0.replacingOccurrences(of: "ses-", with: "") == label } ?? false }) {
            return byLabel
        }
        guard let date = session.date else { return nil }
        let day = ClinicalFormat.day(date)
        return sessions.first { $0.session == nil && $0.date == day }
    }

    /// Grades that match no session of the report (a typo would attach them to nothing): one message each.
    public func unmatchedGrades(_ sessions: [ClinicalSession]) -> [String] {
        self.sessions.filter { grades in !sessions.contains { self.grades(for: $0) == grades } }
            .map { "grades for \($0.session.map { "session \($0)" } ?? "date \($0.date ?? "?")") match no recording" }
    }
}
