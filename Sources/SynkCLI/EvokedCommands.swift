import ArgumentParser
import Foundation
import Synk

/// Options shared by the evoked-response commands.
struct EvokedOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Stimuli table: time_s (or onset) and optionally intensity_ma, site, side, branch columns. Without it: the file's stimuli, a trigger channel, or detected stimulus artefacts.", valueName: "FILE"))
    var stimuli: String?

    @Option(help: ArgumentHelp("The affected side: left, right or none (overrides what the recording states; the output says so).", valueName: "SIDE"))
    var affected: String?

    @Option(help: ArgumentHelp("A clinic's own normative table (JSON) instead of the shipped one.", valueName: "FILE"))
    var norms: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Analysis window around each stimulus, START:END (e.g. -5ms:50ms for MEPs; ms when no unit). Default: ncs -5ms:20ms, blink -10ms:100ms.", valueName: "START:END"))
    var window: String?

    @Option(help: ArgumentHelp("Main phase of the response: auto (largest area), negative or positive.", valueName: "POLARITY"))
    var polarity: String?

    @Option(help: ArgumentHelp("Remove mains from every sweep by a sinusoid fit at FREQ and its harmonics (e.g. 50, 60:20). Without it, mains is removed only on channels flagged mains-dominated.", valueName: "FREQ[:HARMONICS]"))
    var notch: String?

    @Option(name: .customLong("stimulus-times"), help: ArgumentHelp("What stimulus times count from: recording (the file's own time base, e.g. its time column; default) or first-sample.", valueName: "BASE"))
    var stimulusTimes: String?

    @Option(help: ResultFormat.help)
    var format: ResultFormat?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "OUT"))
    var output: String?

    @Flag(help: "Replace an existing output file even when it is read-only (never an input, a device or a folder).")
    var force = false

    /// The file rules (``SynkCommand/checkFiles(recordings:input:otherInputs:outputs:force:)``), before any work.
    func checkFiles(_ file: String, input: InputOptions) throws(SynkError) {
        _ = try SynkCommand.outputFormat({ () throws(SynkError) in try ResultFormat.chosen(format, output: output) },
                                         recordings: [file], input: input, otherInputs: [stimuli, norms], output: output)
        try SynkCommand.checkFiles(recordings: [file], input: input, otherInputs: [stimuli, norms], outputs: [output], force: force)
    }

    /// The side given on the command line, parsed.
    func affectedSide() throws(SynkError) -> AffectedSide? {
        try affected.map { text throws(SynkError) in try AffectedSide(parsing: text) }
    }

    /// The evoked-response settings the options state (each parsed in one place: the settings' `init?(parsing:)`).
    func settings() throws(SynkError) -> EvokedSettings {
        var settings = EvokedSettings()
        if let window {
            guard let parsed = EpochWindow(parsing: window) else {
                throw .usage("--window '\(window)' is not START:END around the stimulus", hint: "e.g. --window -5ms:50ms (start ≤ 0 < end)")
            }
            settings.window = parsed
        }
        if let polarity {
            guard let parsed = ResponsePolarity(parsing: polarity) else { throw .usage("--polarity '\(polarity)' is not auto, negative or positive") }
            settings.polarity = parsed
        }
        if let notch {
            guard let parsed = MainsRemoval(parsing: notch) else { throw .usage("--notch '\(notch)' is not FREQ[:HARMONICS]", hint: "e.g. --notch 50 or --notch 60:20") }
            settings.notch = parsed
        }
        if let stimulusTimes {
            guard let parsed = StimulusTimeBase(parsing: stimulusTimes) else {
                throw .usage("--stimulus-times '\(stimulusTimes)' is not recording or first-sample")
            }
            settings.stimulusTimeBase = parsed
        }
        return settings
    }

    func normativeTable() throws(SynkError) -> NormativeTable {
        guard let norms else { return .standard }
        return try NormativeTable.load(path: norms)
    }

    func nerveConductionSettings(reading: ReadOptions) throws(SynkError) -> NerveConductionSettings {
        NerveConductionSettings(reading: reading, stimuliFile: stimuli, affectedSide: try affectedSide(), norms: try normativeTable(),
                                parameters: NerveConductionParameters(settings: try settings()))
    }

    func blinkReflexSettings(reading: ReadOptions) throws(SynkError) -> BlinkReflexSettings {
        BlinkReflexSettings(reading: reading, stimuliFile: stimuli, affectedSide: try affectedSide(), norms: try normativeTable(),
                            parameters: BlinkReflexParameters(settings: try settings()))
    }

    /// Renders a result in the chosen format and writes it (atomically with `-o`).
    func emit<Result: Encodable>(_ result: Result, text: (Result) -> String, csv: (Result) -> String) throws(SynkError) {
        let rendered: String
        switch try ResultFormat.chosen(format, output: output) {
        case .text: rendered = text(result)
        case .csv: rendered = csv(result)
        case .json: rendered = try JSONOutput.encoded(result)
        }
        try Output.emit(rendered, to: output)
    }

    /// Says on standard error what the reader warned about and which settings overrode what the recording states, unless the output shown says it.
    func announceOverrides(_ input: InputDescription?) throws(SynkError) {
        if let input { Announcement.warnings(input.warnings, file: input.path) }
        Announcement.overrides(input, shownInOutput: try ResultFormat.chosen(format, output: output) == .text && output == nil)
    }
}

extension SynkCommand {
    struct NCS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ncs",
            abstract: "Facial nerve conduction (ENoG): CMAP latency and amplitude per branch and side, ENoG % per branch.",
            discussion: """
            Sweeps are read around each stimulus in --window (default -5ms:20ms; MEPs and H-reflexes need e.g. \
            -5ms:50ms), baseline-corrected and averaged per intensity; the supramaximal response (where amplitude \
            stops growing) is measured, or without intensities the largest stable group of sweeps (flag \
            intensity_unknown). On each average the stimulus artefact's end is measured and nothing before it is \
            measured. The main phase is the one with the largest area (--polarity to choose); the onset is the first \
            departure from baseline whatever its sign; p-p is never below b-p. Mains is removed from every sweep \
            (--notch, or automatically on a mains-dominated channel) instead of excluding the channel. Stimulus \
            times are in the recording's own time base (--stimulus-times first-sample for tables counted from the \
            first sample). A channel with another quality flag, or whose label names no muscle, is listed as \
            excluded with the reason; a response still active at the window's end, an onset inside the artefact or \
            a level that points at a unit error is flagged; each makes the command exit 1 with the result written. \
            ENoG % = 100 · A_pp(affected) / A_pp(healthy); degeneration % = 100 − ENoG %. Norms: the shipped table \
            (every limit with its citation, applied only where it was measured) or --norms. Recordings below 5 kHz \
            are flagged, below 2.5 kHz refused. Methods: docs/evoked-responses.md.

            Examples:
              synk ncs enog.h5
              synk ncs enog.wav --stimuli stimuli.csv --affected right --format json -o enog.json
              synk ncs mep.csv --stimuli pulses.csv --window -5ms:50ms --notch 60:20
            """
        )

        @Argument(help: "The recording (continuous, with stimuli).")
        var file: String

        @OptionGroup var evoked: EvokedOptions
        @OptionGroup var input: InputOptions

        func run() throws {
            let settings = try evoked.nerveConductionSettings(reading: input.reading)
            try evoked.checkFiles(file, input: input)
            let result = try SynkMeasure.NerveConduction.measure(file: InputFile(file), settings: settings)
            try evoked.emit(result, text: NerveConductionRendering.text, csv: NerveConductionRendering.csv)
            try evoked.announceOverrides(result.input)
            // As for synkinesis: the result is written, and exit 1 says a channel was left out or a number is not
            // to be trusted as it stands (unit, artefact, window).
            if result.qualityFailed { throw ExitCode(1) }
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
            let settings = try evoked.blinkReflexSettings(reading: input.reading)
            try evoked.checkFiles(file, input: input)
            let result = try SynkMeasure.BlinkReflex.measure(file: InputFile(file), settings: settings)
            try evoked.emit(result, text: NerveConductionRendering.blinkText, csv: NerveConductionRendering.blinkCSV)
            try evoked.announceOverrides(result.input)
            if result.qualityFailed { throw ExitCode(1) }
        }
    }
}
