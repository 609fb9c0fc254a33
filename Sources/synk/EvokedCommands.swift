import ArgumentParser
import Foundation
import SynkCore
import SynkIO
import SynkAnalysis
import SynkReport

/// Options shared by the evoked-response commands.
struct EvokedOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Stimuli table: time_s (or onset) and optionally intensity_ma, site, side, branch columns. Without it: the file's stimuli, a trigger channel, or detected stimulus artefacts.", valueName: "FILE"))
    var stimuli: String?

    @Option(help: ArgumentHelp("The affected side: left, right or none.", valueName: "SIDE"))
    var affected: String?

    @Option(help: ArgumentHelp("A clinic's own normative table (JSON) instead of the shipped one.", valueName: "FILE"))
    var norms: String?

    @Option(help: "Output format: text, json or csv.")
    var format: ResultFormat = .text

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "OUT"))
    var output: String?

    @Flag(help: "Replace an existing output file even when it is read-only (never an input, a device or a folder).")
    var force = false

    /// The file rules (``Synk/checkFiles(recordings:input:otherInputs:outputs:force:)``), before any work.
    func checkFiles(_ file: String, input: InputOptions) throws(SynkError) {
        try Synk.checkFiles(recordings: [file], input: input, otherInputs: [stimuli, norms], outputs: [output], force: force)
    }

    /// Reads the recording and applies the stimuli and side given on the command line.
    func recording(_ file: String, input: InputOptions) throws(SynkError) -> (Recording, InputDescription) {
        var recording = try RecordingReader.read(file, options: input.readOptions.synkIO)
        if let stimuli { recording.header.stimuli = try StimuliFile.read(stimuli) }
        if let affected { recording.header.affectedSide = try AnalysisOptions.parseAffected(affected) }
        let sha = try SHA256.hexOfFile(atPath: file)
        return (recording, InputDescription(path: file, sha256: sha, header: recording.header))
    }

    func normativeTable() throws(SynkError) -> NormativeTable {
        guard let norms else { return .standard }
        return try NormativeTable.load(path: norms)
    }

    /// Renders a result in the chosen format and writes it (atomically with `-o`).
    func emit<Result: Encodable>(_ result: Result, text: (Result) -> String, csv: (Result) -> String) throws(SynkError) {
        let rendered: String
        switch format {
        case .text: rendered = text(result)
        case .csv: rendered = csv(result)
        case .json:
            do { rendered = try JSONOutput.text(result) } catch { throw SynkError(.output, "could not encode the result: \(error)") }
        }
        try Output.emit(rendered, to: output)
    }
}

extension Synk {
    struct NCS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ncs",
            abstract: "Facial nerve conduction (ENoG): CMAP latency and amplitude per branch and side, ENoG % per branch.",
            discussion: """
            Sweeps are cut around each stimulus, baseline-corrected, the stimulus artefact blanked (never \
            measured), and averaged per intensity; the supramaximal response (where amplitude stops growing) \
            is measured: onset latency, negative-peak latency, baseline-to-peak and peak-to-peak amplitude, \
            negative-phase duration and area. A channel with a quality flag (`synk info`) is not measured: it is \
            listed as excluded with the reason and the command exits 1. ENoG % = 100 · A_pp(affected) / A_pp(healthy); degeneration % = \
            100 − ENoG %. Flags compare with the shipped normative table (every limit with its source) or --norms.
            Recordings need ≥ 5 kHz.

            Examples:
              synk ncs enog.h5
              synk ncs enog.wav --stimuli stimuli.csv --affected right --format json -o enog.json
            """
        )

        @Argument(help: "The recording (continuous, with stimuli).")
        var file: String

        @OptionGroup var evoked: EvokedOptions
        @OptionGroup var input: InputOptions

        func run() throws {
            try evoked.checkFiles(file, input: input)
            let norms = try evoked.normativeTable()
            let (recording, description) = try evoked.recording(file, input: input)
            var result = try NerveConductionAnalysis.analyze(recording, norms: norms)
            result.input = description
            try evoked.emit(result, text: NerveConductionRendering.text, csv: NerveConductionRendering.csv)
            // As for synkinesis: the result is written, and exit 1 says a channel was left out for quality.
            if !result.excludedChannels.isEmpty { throw ExitCode(1) }
        }
    }

    struct Blink: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Blink reflex: R1, ipsilateral and contralateral R2 latencies and amplitudes; R2 spread into OOr/PLA.",
            discussion: """
            Supraorbital stimulation with both orbicularis oculi recorded. R1 is looked for ipsilaterally, R2 on \
            both sides; a missing component is reported missing, never invented. R2 in lower-face muscles \
            (OOr, PLA) is reported as a synkinesis sign. A channel with a quality flag is not measured: it is listed \
            as excluded with the reason and the command exits 1.

            Example:
              synk blink blink.h5 --format json
            """
        )

        @Argument(help: "The recording (continuous, with stimuli).")
        var file: String

        @OptionGroup var evoked: EvokedOptions
        @OptionGroup var input: InputOptions

        func run() throws {
            try evoked.checkFiles(file, input: input)
            let norms = try evoked.normativeTable()
            let (recording, description) = try evoked.recording(file, input: input)
            var result = try BlinkReflexAnalysis.analyze(recording, norms: norms)
            result.input = description
            try evoked.emit(result, text: NerveConductionRendering.blinkText, csv: NerveConductionRendering.blinkCSV)
            if !result.excludedChannels.isEmpty { throw ExitCode(1) }
        }
    }
}
