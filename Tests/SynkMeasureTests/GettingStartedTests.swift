import Foundation
import Testing
import Synk

/// The code of the DocC article "Getting started" (Sources/Synk/Synk.docc/GettingStarted.md), run on the sample
/// data: if the API changes under the article, this stops compiling or fails.
@Suite("The getting-started article's code runs")
struct GettingStartedTests {
    @Test("measure synkinesis in ten lines; settings from their text forms; nerve conduction and blink reflex")
    func article() throws {
        let file = MeasurementEntryPointTests.session1
        let result = try Synkinesis.measure(file: InputFile(file))
        var lines: [String] = []
        for pair in result.pairs where pair.flag {
            let ratio = pair.amplitudeRatio.map { String(format: "%.2f", $0) } ?? "–"
            lines.append("\(pair.task): \(pair.driver) → \(pair.follower), amplitude ratio \(ratio): \(pair.flagReason ?? "")")
        }
        #expect(!lines.isEmpty)
        #expect(result.affectedSide == "left")

        var settings = SynkinesisSettings()
        settings.affectedSide = .left
        settings.conditioning.bandPass = try Butterworth.parsingBand("20:450")
        settings.conditioning.envelope = try EnvelopeMethod(parsing: "rms:100ms")
        settings.parameters.maxLagSeconds = try DurationText.seconds("100ms", option: "max lag")
        let again = try Synkinesis.measure(file: InputFile(file), settings: settings)
        #expect(again.pairs == result.pairs, "the settings written out are the defaults")

        let enog = try NerveConduction.measure(file: InputFile(MeasurementEntryPointTests.sample("hdf5/sub-01_ses-1_enog.h5")))
        #expect(enog.branches.count == 4)
        let blink = try BlinkReflex.measure(file: InputFile(MeasurementEntryPointTests.sample("hdf5/sub-01_ses-1_blink.h5")))
        #expect(!blink.components.isEmpty)
        #expect(try JSONOutput.encoded(result).hasPrefix("{"))
    }

    @Test("many files: scan, run resumably, merge")
    func batch() throws {
        let dataset = MeasurementEntryPointTests.root.appendingPathComponent("SampleData/bids").path
        let results = FileManager.default.temporaryDirectory.appendingPathComponent("synk-getting-started-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: results) }
        let items = try DatasetScanner.scan(dataset)
        let runner = BatchRunner(analyses: [SynkinesisBatchAnalysis(settings: SynkinesisSettings())], resultsDirectory: results, jobs: 2, resume: true)
        let summary = try runner.run(items) { _ in }
        #expect(summary.done == 2 && summary.failed == 0)
        #expect(try BatchMerger.merge(resultsDirectory: results).contains("synkinesis_pairs"))
    }
}
