import Foundation
import SynkCore
import SynkIO
import SynkDSP
import SynkAnalysis
import SynkReport

/// The per-file manifest options the analyses honour (manifest column names).
///
/// - `affected`: left, right or none (both analyses).
/// - `montage`: montage JSON or BIDS channels.tsv (synkinesis).
/// - `events`: task events TSV/CSV (synkinesis).
/// - `stimuli`: stimuli table (ncs).
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

    /// Reading options from the manifest (`rate`); BIDS sidecars next to the file are applied.
    public func readOptions() throws(SynkError) -> ReadOptions {
        var options = ReadOptions()
        if let text = self.options[BatchOption.rate] {
            guard let rate = Double(text), rate.isFinite, rate > 0 else {
                throw .input(relativePath, "the manifest's rate \(SynkError.quoted(text)) is not a positive number of Hz", place: "manifest")
            }
            options.sampleRate = rate
        }
        return options
    }

    /// The manifest's `affected` side, if given.
    public func affectedSide() throws(SynkError) -> AffectedSide? {
        guard let text = options[BatchOption.affected] else { return nil }
        do { return try SynkinesisWiring.parseAffected(text) } catch {
            throw .input(relativePath, "the manifest's affected side \(SynkError.quoted(text)) is not left, right or none", place: "manifest")
        }
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
    public var conditioning: ConditioningDescription
    public var synkinesisParameters: SynkinesisParameters

    public init(conditioning: ConditioningDescription = .default, parameters: SynkinesisParameters = SynkinesisParameters()) {
        self.conditioning = conditioning
        self.synkinesisParameters = parameters
    }

    public var name: String { "synkinesis" }

    public var parameters: [String: String] {
        ["conditioning": canonicalJSON(conditioning), "parameters": canonicalJSON(synkinesisParameters)]
    }

    public func analyse(_ item: BatchItem, sha256: String) throws(SynkError) -> BatchOutput {
        let source = try RecordingReader.open(item.absolutePath, options: item.readOptions())
        let header = source.header
        if !header.stimuli.isEmpty && header.events.isEmpty && item.optionPath(BatchOption.events) == nil {
            return .notApplicable("an evoked-response recording (stimuli, no task events)")
        }
        let result = try SynkinesisWiring.run(
            source: source, file: item.absolutePath, reportedPath: item.relativePath,
            montagePath: item.optionPath(BatchOption.montage), eventsPath: item.optionPath(BatchOption.events),
            affected: try item.affectedSide(), conditioning: conditioning, parameters: synkinesisParameters, sha256: sha256)
        return BatchOutput(
            resultJSON: try Self.json(result),
            tables: [Self.tableName: BatchTable(columns: SynkinesisRendering.csvColumns, rows: SynkinesisRendering.csvRows(result))],
            qualityFailed: SynkinesisPipeline.qualityFailed(result))
    }

    static func json<T: Encodable>(_ value: T) throws(SynkError) -> Data {
        do { return Data(try JSONOutput.text(value).utf8) } catch {
            throw SynkError(.output, "could not encode the result as JSON: \(error)")
        }
    }
}

/// Facial nerve conduction per file: the result JSON of `synk ncs --format json` and the table
/// `ncs_responses` (one row per branch × side, the columns of `synk ncs --format csv`).
///
/// Not applicable to recordings below the analysis's minimum rate (5 kHz by default), such as
/// 1 kHz synkinesis recordings, nor to blink-reflex studies (every stimulus supraorbital).
public struct NerveConductionBatchAnalysis: BatchAnalysis {
    public static let tableName = "ncs_responses"
    public var ncsParameters: NerveConductionParameters
    public var norms: NormativeTable

    public init(parameters: NerveConductionParameters = NerveConductionParameters(), norms: NormativeTable = .standard) {
        self.ncsParameters = parameters
        self.norms = norms
    }

    public var name: String { "ncs" }

    public var parameters: [String: String] {
        ["parameters": canonicalJSON(ncsParameters), "norms": canonicalJSON(norms)]
    }

    public func analyse(_ item: BatchItem, sha256: String) throws(SynkError) -> BatchOutput {
        let source = try RecordingReader.open(item.absolutePath, options: item.readOptions())
        if source.header.sampleRate < ncsParameters.minimumSampleRateHz {
            return .notApplicable("sampled at \(source.header.sampleRate) Hz, below the \(ncsParameters.minimumSampleRateHz) Hz nerve conduction needs")
        }
        var recording = try RecordingReader.read(item.absolutePath, options: item.readOptions())
        if let stimuli = item.optionPath(BatchOption.stimuli) { recording.header.stimuli = try StimuliFile.read(stimuli) }
        let sites = Set(recording.header.stimuli.map { $0.site?.lowercased() ?? "" })
        if sites == ["supraorbital"] {
            return .notApplicable("a blink-reflex study (every stimulus supraorbital): use synk blink")
        }
        if let affected = try item.affectedSide() { recording.header.affectedSide = affected }
        var result = try NerveConductionAnalysis.analyze(recording, parameters: ncsParameters, norms: norms)
        result.input = InputDescription(path: item.relativePath, sha256: sha256, header: recording.header)
        return BatchOutput(
            resultJSON: try SynkinesisBatchAnalysis.json(result),
            tables: [Self.tableName: BatchTable(columns: NerveConductionRendering.csvColumns, rows: NerveConductionRendering.csvRows(result))],
            qualityFailed: !result.excludedChannels.isEmpty)
    }
}

/// The analyses `synk batch --analyses` knows, by name.
public enum BatchAnalyses {
    public static let names = ["synkinesis", "ncs"]

    /// Parses a comma-separated list such as `synkinesis,ncs`; a `.usage` error for an unknown name.
    public static func parse(_ list: String) throws(SynkError) -> [any BatchAnalysis] {
        var analyses: [any BatchAnalysis] = []
        var seen = Set<String>()
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            guard seen.insert(name).inserted else { continue }
            switch name {
            case "synkinesis": analyses.append(SynkinesisBatchAnalysis())
            case "ncs": analyses.append(NerveConductionBatchAnalysis())
            default: throw .usage("unknown analysis '\(name)'", hint: "use \(names.joined(separator: ", "))")
            }
        }
        guard !analyses.isEmpty else { throw .usage("--analyses needs at least one of \(names.joined(separator: ", "))") }
        return analyses
    }
}
