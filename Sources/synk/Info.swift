import ArgumentParser
import Foundation
import SynkCore
import SynkIO
import SynkAnalysis
import SynkReport

extension Synk {
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
            try Synk.checkFiles(recordings: [file], input: input, otherInputs: [], outputs: [], force: false)
            let source = try RecordingReader.open(file, options: input.readOptions.synkIO)
            let criteria = QualityCriteria()
            var quality = QualityAccumulator(header: source.header, criteria: criteria)
            do {
                while let block = try source.readBlock(maxFrames: 65_536) { quality.add(block) }
            } catch { throw error.withFile(file) }
            let sha = try SHA256.hexOfFile(atPath: file)
            let report = InfoReport(header: source.header, input: InputDescription(path: file, sha256: sha, header: source.header),
                                    quality: quality.finish(), criteria: criteria)
            if json {
                print(try JSONOutput.text(report), terminator: "")
            } else {
                print(report.text(verbose: verbose), terminator: "")
            }
        }
    }
}

extension ReadOptionsValue {
    var synkIO: ReadOptions { ReadOptions(dataset: dataset, sampleRate: rate, applyBIDSSidecars: sidecars) }
}
