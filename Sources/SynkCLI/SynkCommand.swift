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
        2 usage error; 3 unreadable or invalid input; 4 output could not be written.
        """,
        version: SynkVersion.current,
        subcommands: [Info.self, Filter.self, Synkinesis.self, NCS.self, Blink.self, Report.self, Simulate.self, Batch.self, CheckHDF5.self]
    )

    /// Runs the command and turns every failure into one line on standard error and a documented exit code.
    static func main() {
        do {
            var command = try parseAsRoot()
            if !(command is CheckHDF5) { isolateHDF5Parsing() }
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
