import ArgumentParser
import Foundation
import Synk

extension SynkCommand {
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe a recording: format, rate, duration, channels, units and signal quality.",
            discussion: """
            Each channel is checked for flat signal, clipping, missing or non-finite samples and mains \
            dominance (a disconnected electrode). The file is read in blocks, so any length works.

            Examples:
              synk info session1.h5
              synk info recording.csv --rate 2000 --json > info.json
            """
        )

        @Argument(help: "The recording to describe.")
        var file: String

        @OptionGroup var input: InputOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @Flag(name: .shortAndLong, help: "Also list the file's metadata.")
        var verbose = false

        func run() throws {
            try SynkCommand.checkFiles(recordings: [file], input: input, otherInputs: [], outputs: [], force: false)
            let inspection = try Inspection.inspect(file: InputFile(file), reading: input.reading)
            let report = InfoReport(header: inspection.header, input: inspection.input, quality: inspection.quality,
                                    criteria: inspection.criteria)
            Announcement.warnings(inspection.input.warnings, file: file)
            if json {
                print(try JSONOutput.encoded(report), terminator: "")
            } else {
                print(report.text(verbose: verbose), terminator: "")
            }
        }
    }
}
