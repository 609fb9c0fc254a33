import ArgumentParser
import Foundation
import SynkCore

/// The `synk` command: facial surface-EMG in, clinical measurements out.
@main
struct Synk: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synk",
        abstract: "Facial surface-EMG analysis: synkinetic correlation and facial nerve conduction.",
        discussion: """
        Exit codes: 0 success; 1 analysis ran but a quality check failed; 2 usage error;
        3 unreadable or invalid input; 4 output could not be written.
        """,
        version: SynkVersion.current,
        subcommands: []
    )
}
