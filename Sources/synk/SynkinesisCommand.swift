import ArgumentParser
import Foundation
import SynkCore
import SynkIO
import SynkDSP
import SynkAnalysis
import SynkReport
import SynkBatch

/// Output formats of the analysis commands.
enum ResultFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, csv
}

extension Synk {
    struct Synkinesis: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure synkinetic correlation: affected versus healthy side, per task and muscle pair.",
            discussion: """
            For each task (from --events, BIDS events.tsv, HDF5 /events or EDF+ annotations; detected from \
            activation bursts when none are given) and each driver → follower pair, on each side: envelope \
            correlation r, peak cross-correlation and lag, follower RMS, active time, co-activation, and the \
            follower's crosstalk (the share of its power its louder neighbours' raw signals predict). Per pair: \
            the synkinetic correlation index r(affected) − r(healthy) with a 95 % CI and p (Benjamini-Hochberg \
            adjusted), the amplitude ratio affected/healthy (Bernardes' IEMG index), and one decision: \
            synkinesis, crosstalk, not_synkinetic or undetermined. Synkinesis when the follower's own activity \
            (crosstalk removed, the affected side's weakness corrected), affected ÷ healthy, exceeds the cut-off \
            (1.62 ocular→oral, 1.79 oral→ocular: Bernardes 2018; 1.79 for every other pattern) and its 95 % \
            interval over repetitions excludes 1 (docs/synkinesis-decision.md).

            Tasks: the catalogue's driver, or a documented fallback when it is not recorded (snarl → LLS, else \
            NAS); an events file may name each task's driver in a `driver` column.
            Montage (channel → muscle and side), in order: --montage (JSON or BIDS channels.tsv), BIDS sidecars, \
            channel metadata in the file, labels such as OOc-L, ZYG_R, "orbicularis oculi left".
            Channels failing a quality check (flat, clipped, NaN gaps, saturated, extreme noise, a disconnected \
            electrode) are excluded, named at the top of the output with the reason; the exit status is then 1. \
            Mains dominance alone (a quiet muscle with a few µV of hum) is information: the channel is kept, and a \
            mains notch comb is added when it shows in the first block (--no-automatic-notch to keep it off).

            Examples:
              synk synkinesis session1.h5 --affected left
              synk synkinesis rec.wav --montage montage.json --events tasks.tsv --format json -o result.json
            """
        )

        @Argument(help: "The recording.")
        var file: String

        @Option(help: ArgumentHelp("Montage: JSON ({\"affected_side\":…,\"channels\":[{\"label\",\"muscle\",\"side\"}]}) or a BIDS channels.tsv.", valueName: "FILE"))
        var montage: String?

        @Option(help: ArgumentHelp("Task events: onset, duration, trial_type columns (TSV or CSV), seconds from the first sample.", valueName: "FILE"))
        var events: String?

        @Option(help: ArgumentHelp("The affected side: left, right or none (overrides the file and montage).", valueName: "SIDE"))
        var affected: String?

        @OptionGroup(title: "Signal and analysis settings") var settings: SynkinesisSettings

        @Option(help: "Output format: text, json or csv.")
        var format: ResultFormat = .text

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "OUT"))
        var output: String?

        @OptionGroup var input: InputOptions

        func run() throws {
            let parameters = try settings.analysisParameters()
            let conditioning = try settings.conditioningDescription()
            let affectedSide = try affected.map(AnalysisOptions.parseAffected)
            let source = try RecordingReader.open(file, options: input.readOptions.synkIO)
            let result = try AnalysisOptions.runSynkinesis(
                source: source, file: file, montagePath: montage, eventsPath: events, affected: affectedSide,
                conditioning: conditioning, parameters: parameters)
            try Output.emit(SynkinesisOutput.render(result, format: format), to: output)
            if SynkinesisPipeline.qualityFailed(result) { throw ExitCode(1) }
        }
    }
}

/// The settings of a synkinesis measurement (signal conditioning and analysis), shared by `synk synkinesis` and
/// `synk report` so that both accept, validate and describe them the same way.
struct SynkinesisSettings: ParsableArguments {
    @Option(help: ArgumentHelp("Envelope: rms:WINDOW (e.g. rms:100ms) or linear:CUTOFF (e.g. linear:6hz).", valueName: "METHOD"))
    var envelope = "rms:100ms"

    @Option(name: .customLong("envelope-rate"), help: ArgumentHelp("Rate the envelopes are decimated to before correlation.", valueName: "Hz"))
    var envelopeRate = 200.0

    @Option(help: ArgumentHelp("Pass band of the zero-phase Butterworth filter (LOW:HIGH Hz).", valueName: "LOW:HIGH"))
    var band = "20:450"

    @Option(help: ArgumentHelp("Mains notch FREQ or comb FREQ:HARMONICS (opt-in: facial EMG has real power near 50-64 Hz).", valueName: "FREQ[:N]"))
    var notch: String?

    @Option(name: .customLong("max-lag"), help: ArgumentHelp("Largest follower lag searched by the cross-correlation (e.g. 100ms).", valueName: "TIME"))
    var maxLag = "100ms"

    @Flag(name: .customLong("no-automatic-notch"), help: "Never add a mains notch unasked (by default a comb is added when mains dominates a montage channel in the first block, and the output says so).")
    var noAutomaticNotch = false

    func analysisParameters() throws(SynkError) -> SynkinesisParameters {
        var parameters = SynkinesisParameters()
        guard let lag = Synk.Filter.seconds(maxLag.lowercased()), lag >= 0, lag.isFinite else {
            throw .usage("--max-lag takes a time like 100ms or 0.1s, not '\(maxLag)'")
        }
        parameters.maxLagSeconds = lag
        parameters.automaticNotch = !noAutomaticNotch
        return parameters
    }

    func conditioningDescription() throws(SynkError) -> ConditioningDescription {
        guard let method = try Synk.Filter.parseEnvelope(envelope) else { throw .usage("the synkinesis analysis needs an envelope (rms:… or linear:…)") }
        guard envelopeRate.isFinite, envelopeRate > 0 else { throw .usage("--envelope-rate must be a positive number of Hz") }
        let (notchDesign, comb) = try Synk.Filter.parseNotch(notch)
        return ConditioningDescription(bandPass: try Synk.Filter.parseBand(band, order: 4), notch: notchDesign, comb: comb,
                                       envelope: method, decimation: Decimation(targetRate: envelopeRate))
    }
}

/// The CLI's names for the wiring in ``SynkinesisWiring`` (SynkBatch), which `synk batch` uses too.
enum AnalysisOptions {
    static func parseAffected(_ text: String) throws(SynkError) -> AffectedSide {
        try SynkinesisWiring.parseAffected(text)
    }

    static func montage(for header: RecordingHeader, path: String?, affected: AffectedSide?) throws(SynkError) -> Montage {
        try SynkinesisWiring.montage(for: header, path: path, affected: affected)
    }

    static func tasks(for header: RecordingHeader, eventsPath: String?) throws(SynkError) -> TaskSource {
        try SynkinesisWiring.tasks(for: header, eventsPath: eventsPath)
    }

    static func runSynkinesis(
        source: any SampleSource, file: String, montagePath: String?, eventsPath: String?, affected: AffectedSide?,
        conditioning: ConditioningDescription, parameters: SynkinesisParameters
    ) throws(SynkError) -> SynkinesisResult {
        try SynkinesisWiring.run(source: source, file: file, montagePath: montagePath, eventsPath: eventsPath, affected: affected,
                                 conditioning: conditioning, parameters: parameters)
    }
}

enum SynkinesisOutput {
    static func render(_ result: SynkinesisResult, format: ResultFormat) throws(SynkError) -> String {
        switch format {
        case .text: return SynkinesisRendering.text(result)
        case .csv: return SynkinesisRendering.csv(result)
        case .json:
            do { return try JSONOutput.text(result) } catch {
                throw SynkError(.output, "could not encode the result as JSON: \(error)")
            }
        }
    }
}

/// Writes command output to a file atomically, or to standard output.
enum Output {
    static func emit(_ text: String, to path: String?) throws(SynkError) {
        if let path {
            try AtomicOutput.write(text: text, to: path)
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
