import ArgumentParser
import Foundation
import Synk

/// The `synk` command: facial surface-EMG in, clinical measurements out.
@main
struct SynkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synk",
        abstract: "Facial surface-EMG analysis: synkinetic correlation and facial nerve conduction.",
        discussion: """
        Reads WAV/W64/RF64/FLAC/CAF, HDF5 (synk, NWB, OpenSignals, any 2-D dataset), EDF/EDF+/BDF and \
        CSV/TSV/BIOPAC/OpenSignals text exports, with EMG-BIDS sidecars when present.

        Exit codes: 0 success; 1 analysis ran but a quality check failed (output still written);
        2 usage error; 3 unreadable or invalid input; 4 output could not be written; 130 (143) stopped by \
        Ctrl-C (SIGTERM), with no unfinished file left behind.

        The format of -o follows its extension unless --format is given; a --format that contradicts the \
        extension is refused (write to standard output and redirect it to use any name). A setting that \
        overrides what the recording states (--affected, --montage, --events, --stimuli) is shown in the output \
        and recorded in the JSON (input.overrides).

        Before any work every command checks its files: inputs (with the BIDS sidecars that apply) must be \
        regular files, never a FIFO, device or folder (exit 3); no output may be an input, however its path \
        is spelled (exit 2); an output's folder must accept files and an existing output must be a regular, \
        writable file — a read-only one only with --force (exit 4).
        """,
        version: SynkVersion.current,
        subcommands: [Info.self, Filter.self, Synkinesis.self, NCS.self, Blink.self, Report.self, Simulate.self, Batch.self, CheckHDF5.self]
    )

    /// Runs the command and turns every failure into one line on standard error and a documented exit code.
    static func main() {
        do {
            try refuseNonUTF8Arguments()
            try refuseUnknownCommand(Array(CommandLine.arguments.dropFirst()))
            var command = try parseAsRoot()
            if !(command is CheckHDF5) { isolateHDF5Parsing() }
            // `synk batch` stops gracefully on its own (BatchInterruption); every other command that may be writing
            // removes its unfinished files first.
            if !(command is CheckHDF5) && !(command is Batch.Run) { Interruption.removeUnfinishedFilesOnSignal() }
            try command.run()
        } catch let error as SynkError {
            fail(error)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if error is ExitCode { Foundation.exit(code.rawValue) }
            // Argument-parser errors are usage errors: exit 2 as documented, not its default 64.
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }

    /// Swift decodes the command line as UTF-8 and replaces what is not, so a file name in another encoding
    /// could never be opened: say so instead of "no such file".
    static func refuseNonUTF8Arguments() throws(SynkError) {
        for index in 1..<Int(CommandLine.argc) {
            guard let raw = CommandLine.unsafeArgv[index], String(validatingCString: raw) == nil else { continue }
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw))
            let shown = bytes.map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }.joined()
            throw .input(shown, "the name is not valid UTF-8 (argument \(index))",
                         hint: "synk opens files whose names are UTF-8; rename the file")
        }
    }

    /// A first word that is no command (`synk synkinesys rec.h5`) is a usage error that names the nearest command,
    /// instead of the argument parser's "2 unexpected arguments". The same for `synk batch merg`.
    static func refuseUnknownCommand(_ arguments: [String]) throws(SynkError) {
        guard let word = arguments.first, !word.hasPrefix("-") else { return }
        let commands = configuration.subcommands.filter { $0.configuration.shouldDisplay }.map { $0._commandName }
        // `synk batch merg results/`: a missing dataset spelled like a word, not a path, close to a batch command.
        if word == "batch", arguments.count > 1, !arguments[1].hasPrefix("-"), !arguments[1].contains("/"), !arguments[1].contains("."),
           ResolvedPath(arguments[1]).kind == .missing,
           !["run", "merge", "help"].contains(arguments[1]), let meant = Spelling.suggestion(for: arguments[1], among: ["merge"]) {
            throw .usage("'\(arguments[1])' is neither a dataset nor a batch command", hint: "did you mean 'synk batch \(meant)'?")
        }
        guard !configuration.subcommands.contains(where: { $0._commandName == word }), word != "help" else { return }
        let list = "commands: " + commands.joined(separator: ", ")
        if let meant = Spelling.suggestion(for: word, among: commands) {
            throw .usage("'\(word)' is not a synk command", hint: "did you mean '\(meant)'? \(list)")
        }
        if ResolvedPath(word).kind != .missing {
            throw .usage("'\(word)' is not a synk command", hint: "to describe the file: synk info \(word); \(list)")
        }
        throw .usage("'\(word)' is not a synk command", hint: list)
    }

    /// The file rules of every command, before any work (``FileSafety``): each input (the recordings with
    /// the BIDS sidecars that apply to them, and every other file named by an option) is a regular file
    /// (exit 3), no output is one of them (exit 2), and each output can be written (exit 4; a read-only
    /// existing output only with `force`).
    static func checkFiles(recordings: [String], input: InputOptions?, otherInputs: [String?], outputs: [String?], force: Bool) throws(SynkError) {
        var inputs: [String] = []
        for recording in recordings {
            // A recording that is not a regular file is refused before its folder is searched for sidecars.
            try RegularFile.require(recording, role: "recording")
            inputs += try RecordingReader.inputFiles(of: recording, options: input?.reading ?? ReadOptions())
        }
        inputs += otherInputs.compactMap { $0 }
        try FileSafety.check(inputs: inputs, outputs: outputs.compactMap { $0 }, force: force)
    }

    /// The output format `choose` picks (``OutputNaming``), before any work. When it refuses the output's name and
    /// that output is also one of the inputs, the user is told the graver mistake: that synk never writes over an
    /// input.
    static func outputFormat<Format>(
        _ choose: () throws(SynkError) -> Format, recordings: [String], input: InputOptions?, otherInputs: [String?], output: String?
    ) throws(SynkError) -> Format {
        do { return try choose() } catch {
            if let output {
                var inputs = otherInputs.compactMap { $0 }
                for recording in recordings {
                    inputs += (try? RecordingReader.inputFiles(of: recording, options: input?.reading ?? ReadOptions())) ?? [recording]
                }
                try FileSafety.refuseClashes(outputs: [output], inputs: inputs)
            }
            throw error
        }
    }

    static func fail(_ error: SynkError) -> Never {
        FileHandle.standardError.write(Data("synk: \(error.description)\n".utf8))
        Foundation.exit(error.exitCode)
    }
}

/// Options every command that reads a recording shares.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("For HDF5 files in no known layout: the 2-D [samples × channels] dataset to read.", valueName: "/path"))
    var dataset: String?

    @Option(name: .long, help: ArgumentHelp("Sample rate in Hz, for files that do not state it (a generic HDF5 dataset, CSV without a time column).", valueName: "Hz"))
    var rate: Double?

    @Flag(name: .long, help: "Ignore EMG-BIDS sidecars (*_channels.tsv, *_emg.json, *_events.tsv) next to the file.")
    var noSidecars = false

    /// How to read the recording, as the library takes it.
    var reading: ReadOptions { ReadOptions(dataset: dataset, sampleRate: rate, applyBIDSSidecars: !noSidecars) }
}

/// `--force`, for every command that writes a file.
struct ForceOption: ParsableArguments {
    @Flag(help: "Replace an existing output file even when it is read-only (never an input, a device or a folder).")
    var force = false
}

/// What a command wrote, said in one line on standard error when standard error is a terminal (someone is
/// watching); scripts, pipes and batch logs get nothing.
enum Announcement {
    static var toTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// `synk: wrote out.wav: 14 channels, 2000 Hz, 1 min 30.0 s (with out_truth.json)`.
    static func written(_ path: String, sampleRate: Double, channels: Int, seconds: Double, also: [String] = []) {
        guard toTerminal else { return }
        var line = "synk: wrote \(path): \(channels) channel\(channels == 1 ? "" : "s"), \(TextFormat.number(sampleRate)) Hz, \(TextFormat.duration(seconds))"
        if !also.isEmpty {
            line += " (with " + also.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ") + ")"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

extension Announcement {
    /// Each warning a reader raised about `file` (``RecordingHeader/warnings``: e.g. a header that declares more
    /// samples than the file holds), one `synk: warning: FILE: …` line each on standard error, whatever the output.
    static func warnings(_ warnings: [String], file: String) {
        for warning in warnings {
            FileHandle.standardError.write(Data("synk: warning: \(file): \(warning)\n".utf8))
        }
    }

    /// The overrides of what the recording states, in one line on standard error, when the output the user sees
    /// does not show them already (JSON or CSV, or any output written to a file).
    static func overrides(_ input: InputDescription?, shownInOutput: Bool) {
        guard !shownInOutput, let summary = input?.overrideSummary else { return }
        FileHandle.standardError.write(Data("synk: note: \(summary)\n".utf8))
    }
}

/// Ctrl-C or SIGTERM during a command: the unfinished temporary files (``AtomicOutput``, ``OutputSet``) are removed
/// before the process ends with the conventional status (130, 143), so no partial file stays behind, not even a
/// hidden one.
enum Interruption {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    private static let queue = DispatchQueue(label: "synk.signals")

    static func removeUnfinishedFilesOnSignal() {
        for number in [SIGINT, SIGTERM] {
            // The signal goes to the dispatch source instead of ending the process at once.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                AtomicOutput.removeUnfinishedFiles()
                _exit(128 + number)
            }
            source.resume()
            sources.append(source)
        }
    }
}
