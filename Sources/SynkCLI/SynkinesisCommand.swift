import ArgumentParser
import Foundation
import Synk

/// Output formats of the analysis commands.
enum ResultFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, csv

    var kind: OutputNaming.Kind {
        switch self {
        case .text: .text
        case .json: .json
        case .csv: .csv
        }
    }

    /// The format to write: `--format` when given, else the one `-o`'s extension names (`-o result.json` → JSON),
    /// else text; an extension that contradicts the format is a usage error (``OutputNaming``).
    static func chosen(_ explicit: ResultFormat?, output: String?) throws(SynkError) -> ResultFormat {
        try OutputNaming.format(explicit: explicit, output: output, fallback: .text, formats: allCases, name: \.rawValue, kind: \.kind)
    }

    static let help = ArgumentHelp("Output format: text, json or csv (default: the one -o's extension names, else text; an extension that names another format is refused).")
}

extension SynkCommand {
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
            Channels failing a quality check (flat, clipped, saturated, extreme noise, a disconnected electrode) \
            are excluded, named at the top of the output with the reason; the exit status is then 1. \
            Missing samples (NaN, empty cells) cost only their time: a gap up to 50 ms is bridged and its samples \
            left out of every measure (a note); a longer gap leaves out the task repetitions it overlaps (exit 1); \
            a channel is excluded when less than 80 % of it remains (sample_gaps in the JSON; docs/gaps.md). \
            Mains dominance alone (a quiet muscle with a few µV of hum) is information: the channel is kept, and a \
            mains notch comb is added when it shows in the first block (--no-automatic-notch to keep it off).

            \(MuscleGlossary.text)

            Examples:
              synk synkinesis session1.h5 --affected left
              synk synkinesis rec.wav --montage montage.json --events tasks.tsv --format json -o result.json
            """
        )

        @Argument(help: "The recording.")
        var file: String

        @OptionGroup(title: "Montage, tasks and side") var study: SynkinesisStudyOptions
        @OptionGroup(title: "Signal and analysis settings") var analysis: SynkinesisOptions

        @Option(help: ResultFormat.help)
        var format: ResultFormat?

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "OUT"))
        var output: String?

        @OptionGroup var input: InputOptions
        @OptionGroup var overwrite: ForceOption

        func run() throws {
            let settings = try analysis.settings(reading: input.reading, study: study)
            let format = try SynkCommand.outputFormat({ () throws(SynkError) in try ResultFormat.chosen(self.format, output: output) },
                                                      recordings: [file], input: input, otherInputs: [study.montage, study.events], output: output)
            try SynkCommand.checkFiles(recordings: [file], input: input, otherInputs: [study.montage, study.events], outputs: [output],
                                       force: overwrite.force)
            let result = try SynkMeasure.Synkinesis.measure(file: InputFile(file), settings: settings)
            try Output.emit(SynkinesisOutput.render(result, format: format), to: output)
            Announcement.warnings(result.input?.warnings ?? [], file: file)
            if result.nothingMeasured, !(format == .text && output == nil) {
                // A JSON or CSV output (or a file) has no line a person reads first: say it here too.
                FileHandle.standardError.write(Data("synk: \(file): \(result.nothingMeasuredSentence)\n".utf8))
            }
            Announcement.overrides(result.input, shownInOutput: format == .text && output == nil)
            if result.qualityFailed { throw ExitCode(1) }
        }
    }
}

/// Where the montage, the tasks and the affected side come from when the files do not say (or say wrong).
struct SynkinesisStudyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Montage: JSON ({\"affected_side\":…,\"channels\":[{\"label\",\"muscle\",\"side\"}]}) or a BIDS channels.tsv (by name; by position when the recording has no labels of its own, as a sidecar).", valueName: "FILE"))
    var montage: String?

    @Option(help: ArgumentHelp("Task events: onset, duration, trial_type columns (TSV or CSV), seconds from the first sample.", valueName: "FILE"))
    var events: String?

    @Option(help: ArgumentHelp("The affected side: left, right or none (overrides the file and montage; the output says so).", valueName: "SIDE"))
    var affected: String?
}

/// The signal and analysis settings of a synkinesis measurement, shared by `synk synkinesis`, `synk report` and
/// `synk batch` so that all three accept, validate and describe them the same way. Text is parsed by the library's
/// parsers (one place), before any file is read.
struct SynkinesisOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Envelope: rms:WINDOW (e.g. rms:100ms) or linear:CUTOFF (e.g. linear:6hz).", valueName: "METHOD"))
    var envelope = "rms:100ms"

    @Option(name: .customLong("envelope-rate"), help: ArgumentHelp("Rate the envelopes are decimated to before correlation.", valueName: "Hz"))
    var envelopeRate = 200.0

    @Option(help: ArgumentHelp("Pass band of the zero-phase 4th-order Butterworth filter (LOW:HIGH Hz).", valueName: "LOW:HIGH"))
    var band = "20:450"

    @Option(help: ArgumentHelp("Mains notch FREQ or comb FREQ:HARMONICS (opt-in: facial EMG has real power near 50-64 Hz).", valueName: "FREQ[:N]"))
    var notch: String?

    @Option(name: .customLong("max-lag"), help: ArgumentHelp("Largest follower lag searched by the cross-correlation (e.g. 100ms).", valueName: "TIME"))
    var maxLag = "100ms"

    @Flag(name: .customLong("no-automatic-notch"), help: "Never add a mains notch unasked (by default a comb is added when mains dominates a montage channel in the first block, and the output says so).")
    var noAutomaticNotch = false

    /// The conditioning and analysis parameters these options describe.
    func conditioningAndParameters() throws(SynkError) -> (ConditioningDescription, SynkinesisParameters) {
        var parameters = SynkinesisParameters()
        let lag = try DurationText.seconds(maxLag, option: "--max-lag")
        guard lag >= 0 else { throw .usage("--max-lag must not be negative, not '\(maxLag)'") }
        parameters.maxLagSeconds = lag
        parameters.automaticNotch = !noAutomaticNotch
        guard envelopeRate.isFinite, envelopeRate > 0 else { throw .usage("--envelope-rate must be a positive number of Hz") }
        let mains = try notch.map { text throws(SynkError) in try MainsFilter(parsing: text) }
        let conditioning = ConditioningDescription(
            bandPass: try Butterworth.parsingBand(band, order: 4), notch: mains?.parts.notch, comb: mains?.parts.comb,
            envelope: try EnvelopeMethod(parsing: envelope), decimation: Decimation(targetRate: envelopeRate))
        return (conditioning, parameters)
    }

    /// The whole settings value of one synkinesis measurement, validated.
    func settings(reading: ReadOptions, study: SynkinesisStudyOptions? = nil) throws(SynkError) -> SynkinesisSettings {
        let (conditioning, parameters) = try conditioningAndParameters()
        let settings = SynkinesisSettings(
            reading: reading, montageFile: study?.montage, eventsFile: study?.events,
            affectedSide: try study?.affected.map { text throws(SynkError) in try AffectedSide(parsing: text) },
            conditioning: conditioning, parameters: parameters)
        try settings.validate()
        return settings
    }
}

enum SynkinesisOutput {
    static func render(_ result: SynkinesisResult, format: ResultFormat) throws(SynkError) -> String {
        switch format {
        case .text: return SynkinesisRendering.text(result)
        case .csv: return SynkinesisRendering.csv(result)
        case .json: return try JSONOutput.encoded(result)
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
