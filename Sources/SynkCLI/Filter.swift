import ArgumentParser
import Foundation
import Synk

extension SynkCommand {
    struct Filter: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Band-pass (zero-phase), optionally notch, envelope and decimate the EMG channels of a recording.",
            discussion: """
            Every filter is applied forward and backward (zero phase, |H|²), implemented as streaming FFT \
            convolution, so recordings of any length are processed block by block in bounded memory. Only EMG \
            channels are written; the processing is recorded in the output's metadata. On a terminal, one line \
            on standard error says what was written (path, channels, rate, duration).

            Defaults: 4th-order Butterworth 20-450 Hz; no notch (facial EMG has real power near 50-64 Hz, so \
            a notch is opt-in); no envelope.

            Examples:
              synk filter in.wav -o filtered.wav
              synk filter in.edf -o envelopes.h5 --envelope rms:100ms --decimate 200
              synk filter in.h5 -o out.csv --band 10:500 --order 2 --notch 50:3
            """
        )

        @Argument(help: "The recording to filter.")
        var file: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Output file; the format follows the extension: .wav .flac .h5 .edf .bdf .csv.", valueName: "OUT"))
        var output: String

        @Option(help: ArgumentHelp("Pass band in Hz: LOW:HIGH (band-pass), LOW: (high-pass), :HIGH (low-pass), or none.", valueName: "LOW:HIGH"))
        var band = "20:450"

        @Option(help: "Butterworth order of the band filter (applied twice: zero phase).")
        var order = 4

        @Option(help: ArgumentHelp("Mains notch: FREQ (one notch) or FREQ:HARMONICS (a comb at FREQ, 2·FREQ, …).", valueName: "FREQ[:N]"))
        var notch: String?

        @Option(help: ArgumentHelp("Envelope: rms:WINDOW (e.g. rms:100ms), linear:CUTOFF (e.g. linear:6hz), hilbert, tkeo, or none.", valueName: "METHOD"))
        var envelope = "none"

        @Option(help: ArgumentHelp("Decimate the envelope to this rate (anti-aliased, zero phase).", valueName: "Hz"))
        var decimate: Double?

        @OptionGroup var input: InputOptions
        @OptionGroup var overwrite: ForceOption

        func conditioning() throws(SynkError) -> ConditioningDescription {
            let mains = try notch.map { text throws(SynkError) in try MainsFilter(parsing: text) }
            let method = envelope.lowercased() == "none" ? nil : try EnvelopeMethod(parsing: envelope)
            if decimate != nil && method == nil { throw .usage("--decimate applies to envelopes: give --envelope too") }
            if let decimate, !(decimate.isFinite && decimate > 0) { throw .usage("--decimate must be a positive number of Hz") }
            return ConditioningDescription(bandPass: try Butterworth.parsingBand(band, order: order), notch: mains?.parts.notch,
                                           comb: mains?.parts.comb, envelope: method,
                                           decimation: decimate.map { Decimation(targetRate: $0) })
        }

        func run() throws {
            let description = try conditioning()
            _ = try OutputFormat(forPath: output)
            try SynkCommand.checkFiles(recordings: [file], input: input, otherInputs: [], outputs: [output], force: overwrite.force)
            let written = try RecordingFilter.filter(file: InputFile(file), to: output, conditioning: description, reading: input.reading)
            Announcement.warnings(written.warnings, file: file)
            Announcement.written(written.path, sampleRate: written.sampleRateHz, channels: written.channels, seconds: written.durationS)
        }
    }
}
