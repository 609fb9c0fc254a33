import Foundation
import SynkCore
import SynkIO
import SynkDSP
import SynkAnalysis
import SynkMeasure
import SynkReport

/// The per-file manifest options the analyses honour (manifest column names).
///
/// - `affected`: left, right or none (both analyses).
/// - `montage`: montage JSON or BIDS channels.tsv (synkinesis).
/// - `events`: task events TSV/CSV (synkinesis).
/// - `stimuli`: stimuli table (ncs, blink).
/// - `rate`: sample rate in Hz for files that do not state it (both).
///
/// Relative paths are resolved against the manifest's folder (``BatchItem/rootDirectory``).
public enum BatchOption {
    public static let affected = "affected"
    public static let montage = "montage"
    public static let events = "events"
    public static let stimuli = "stimuli"
    public static let rate = "rate"
    public static let all = [affected, montage, events, stimuli, rate]
}

extension BatchItem {
    /// The manifest option `key` as a path, resolved against ``rootDirectory``.
    public func optionPath(_ key: String) -> String? {
        guard let value = options[key], !value.isEmpty else { return nil }
        return value.hasPrefix("/") ? value : URL(fileURLWithPath: rootDirectory).appendingPathComponent(value).standardizedFileURL.path
    }

    /// `base` with the manifest's `rate` for this file, if it gives one.
    public func readOptions(base: ReadOptions = ReadOptions()) throws(SynkError) -> ReadOptions {
        var options = base
        if let text = self.options[BatchOption.rate] {
            guard let rate = Double(text), rate.isFinite, rate > 0 else {
                throw .input(relativePath, "the manifest's rate \(SynkError.quoted(text)) is not a positive number of Hz", place: "manifest")
            }
            options.sampleRate = rate
        }
        return options
    }

    /// The file as the analyses read it: its absolute path, reported by its dataset-relative path, with the
    /// digest the batch already computed.
    public func input(sha256: String) -> InputFile {
        InputFile(absolutePath, reportedAs: relativePath, sha256: sha256)
    }

    /// `base` with this file's manifest columns applied: its rate, stimuli table and affected side.
    public func evokedSettings<Settings: EvokedStudySettings>(_ base: Settings) throws(SynkError) -> Settings {
        var settings = base
        settings.reading = try readOptions(base: settings.reading)
        settings.stimuliFile = optionPath(BatchOption.stimuli) ?? settings.stimuliFile
        settings.affectedSide = try affectedSide() ?? settings.affectedSide
        return settings
    }

    /// The manifest's `affected` side, if given.
    public func affectedSide() throws(SynkError) -> AffectedSide? {
        guard let text = options[BatchOption.affected] else { return nil }
        return try AffectedSide(parsing: text, file: relativePath, place: "manifest")
    }
}

extension BatchOutput {
    /// The output of one analysis: `result` as the command's `--format json` writes it, and its rows of `table`.
    init<Result: Encodable>(_ result: Result, table: String, columns: [String], rows: [[String]], qualityFailed: Bool) throws(SynkError) {
        self.init(resultJSON: Data(try JSONOutput.encoded(result).utf8), tables: [table: BatchTable(columns: columns, rows: rows)],
                  qualityFailed: qualityFailed)
    }
}

/// Sorted-key JSON of a settings value, for fingerprints.
func canonicalJSON<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? String(describing: value)
}

/// Synkinetic correlation per file: the result JSON of `synk synkinesis --format json` and the table
/// `synkinesis_pairs` (one row per task × pair, the columns of `synk synkinesis --format csv`).
///
/// Not applicable to evoked-response recordings: files with stimuli and no task events.
public struct SynkinesisBatchAnalysis: BatchAnalysis {
    public static let tableName = "synkinesis_pairs"
    /// The settings every file is measured with; the manifest's per-file columns (side, montage, events, rate)
    /// override them file by file.
    public var settings: SynkinesisSettings

    public init(settings: SynkinesisSettings = SynkinesisSettings()) {
        self.settings = settings
    }

    public var name: String { "synkinesis" }

    public var parameters: [String: String] {
        ["conditioning": canonicalJSON(settings.conditioning), "parameters": canonicalJSON(settings.parameters),
         "quality": canonicalJSON(settings.quality), "sidecars": String(settings.reading.applyBIDSSidecars)]
    }

    public func analyze(_ item: BatchItem, sha256: String) throws(SynkError) -> BatchOutput {
        var settings = self.settings
        settings.reading = try item.readOptions(base: settings.reading)
        settings.montageFile = item.optionPath(BatchOption.montage) ?? settings.montageFile
        settings.eventsFile = item.optionPath(BatchOption.events) ?? settings.eventsFile
        settings.affectedSide = try item.affectedSide() ?? settings.affectedSide
        let header = try RecordingReader.open(item.absolutePath, options: settings.reading).header
        if !header.stimuli.isEmpty && header.events.isEmpty && settings.eventsFile == nil {
            return .notApplicable("an evoked-response recording (stimuli, no task events)")
        }
        let result = try Synkinesis.measure(file: item.input(sha256: sha256), settings: settings)
        return try BatchOutput(result, table: Self.tableName, columns: SynkinesisRendering.csvColumns,
                               rows: SynkinesisRendering.csvRows(result), qualityFailed: result.qualityFailed)
    }
}

/// Facial nerve conduction per file: the result JSON of `synk ncs --format json` and the table
/// `ncs_responses` (one row per branch × side, the columns of `synk ncs --format csv`).
///
/// Not applicable to recordings below the analysis's minimum rate (2.5 kHz by default), such as
/// 1 kHz synkinesis recordings, nor to blink-reflex studies (every stimulus supraorbital).
public struct NerveConductionBatchAnalysis: BatchAnalysis {
    public static let tableName = "ncs_responses"
    public var settings: NerveConductionSettings

    public init(settings: NerveConductionSettings = NerveConductionSettings()) {
        self.settings = settings
    }

    public var name: String { "ncs" }

    public var parameters: [String: String] {
        ["parameters": canonicalJSON(settings.parameters), "norms": canonicalJSON(settings.norms),
         "sidecars": String(settings.reading.applyBIDSSidecars)]
    }

    public func analyze(_ item: BatchItem, sha256: String) throws(SynkError) -> BatchOutput {
        let settings = try item.evokedSettings(self.settings)
        if let reason = NerveConduction.inapplicability(try settings.header(of: item.absolutePath), settings: settings) {
            return .notApplicable(reason)
        }
        let result = try NerveConduction.measure(file: item.input(sha256: sha256), settings: settings)
        return try BatchOutput(result, table: Self.tableName, columns: NerveConductionRendering.csvColumns,
                               rows: NerveConductionRendering.csvRows(result), qualityFailed: result.qualityFailed)
    }
}

/// The blink reflex per file: the result JSON of `synk blink --format json` and the table `blink_components`
/// (the columns of `synk blink --format csv`).
///
/// Applicable to blink-reflex studies only (``StudyClassifier``: supraorbital stimulation, or an OOc/OOr/PLA
/// montage with stimuli, at a rate the analysis accepts).
public struct BlinkReflexBatchAnalysis: BatchAnalysis {
    public static let tableName = "blink_components"
    public var settings: BlinkReflexSettings

    public init(settings: BlinkReflexSettings = BlinkReflexSettings()) {
        self.settings = settings
    }

    public var name: String { "blink" }

    public var parameters: [String: String] {
        ["parameters": canonicalJSON(settings.parameters), "norms": canonicalJSON(settings.norms),
         "sidecars": String(settings.reading.applyBIDSSidecars)]
    }

    public func analyze(_ item: BatchItem, sha256: String) throws(SynkError) -> BatchOutput {
        let settings = try item.evokedSettings(self.settings)
        if let reason = BlinkReflex.inapplicability(try settings.header(of: item.absolutePath), settings: settings) {
            return .notApplicable(reason)
        }
        let result = try BlinkReflex.measure(file: item.input(sha256: sha256), settings: settings)
        return try BatchOutput(result, table: Self.tableName, columns: NerveConductionRendering.blinkColumns,
                               rows: NerveConductionRendering.blinkRows(result), qualityFailed: result.qualityFailed)
    }
}

/// The analyses `synk batch --analyses` knows, by name.
public enum BatchAnalyses {
    public static let names = ["synkinesis", "ncs", "blink"]

    /// Parses a comma-separated list such as `synkinesis,ncs`, each analysis with its settings; a `.usage` error
    /// for an unknown name.
    public static func parse(
        _ list: String, synkinesis: SynkinesisSettings = SynkinesisSettings(),
        nerveConduction: NerveConductionSettings = NerveConductionSettings(), blinkReflex: BlinkReflexSettings = BlinkReflexSettings()
    ) throws(SynkError) -> [any BatchAnalysis] {
        var analyses: [any BatchAnalysis] = []
        var seen = Set<String>()
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            guard seen.insert(name).inserted else { continue }
            switch name {
            case "synkinesis": analyses.append(SynkinesisBatchAnalysis(settings: synkinesis))
            case "ncs": analyses.append(NerveConductionBatchAnalysis(settings: nerveConduction))
            case "blink": analyses.append(BlinkReflexBatchAnalysis(settings: blinkReflex))
            default: throw .usage("unknown analysis \(SynkError.quoted(name))", hint: "use \(names.joined(separator: ", "))")
            }
        }
        guard !analyses.isEmpty else { throw .usage("--analyses needs at least one of \(names.joined(separator: ", "))") }
        return analyses
    }
}
