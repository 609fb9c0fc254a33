import ArgumentParser
import Foundation
import SynkCore
import SynkIO
import SynkDSP

extension Synk {
    struct Filter: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Band-pass (zero-phase), optionally notch, envelope and decimate the EMG channels of a recording.",
            discussion: """
            Every filter is applied forward and backward (zero phase, |H|²), implemented as streaming FFT \
            convolution, so recordings of any length are processed block by block in bounded memory. Only EMG \
            channels are written; the processing is recorded in the output's metadata.

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
            let bandPass = try Self.parseBand(band, order: order)
            let (notchDesign, comb) = try Self.parseNotch(notch)
            let method = try Self.parseEnvelope(envelope)
            if decimate != nil && method == nil { throw .usage("--decimate applies to envelopes: give --envelope too") }
            return ConditioningDescription(bandPass: bandPass, notch: notchDesign, comb: comb, envelope: method,
                                           decimation: decimate.map { Decimation(targetRate: $0) })
        }

        /// `--notch FREQ` (one notch) or `FREQ:HARMONICS` (a comb); `nil` for no notch.
        static func parseNotch(_ text: String?) throws(SynkError) -> (Notch?, HarmonicComb?) {
            guard let text else { return (nil, nil) }
            let parts = text.split(separator: ":")
            guard (1...2).contains(parts.count), let f = Double(parts[0]) else {
                throw .usage("--notch takes FREQ or FREQ:HARMONICS, not '\(text)'")
            }
            guard parts.count == 2 else { return (Notch(frequency: f), nil) }
            guard let n = Int(parts[1]), n >= 1 else { throw .usage("--notch harmonics must be a positive whole number, not '\(parts[1])'") }
            return (nil, HarmonicComb(fundamental: f, harmonics: n))
        }

        static func parseBand(_ text: String, order: Int) throws(SynkError) -> Butterworth? {
            if text.lowercased() == "none" { return nil }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw .usage("--band takes LOW:HIGH in Hz (or LOW:, :HIGH, none), not '\(text)'") }
            let low = parts[0].isEmpty ? nil : Double(parts[0])
            let high = parts[1].isEmpty ? nil : Double(parts[1])
            if (!parts[0].isEmpty && low == nil) || (!parts[1].isEmpty && high == nil) {
                throw .usage("--band takes numbers in Hz, not '\(text)'")
            }
            switch (low, high) {
            case let (l?, h?):
                guard l < h else { throw .usage("--band \(text): the low edge must be below the high edge") }
                return Butterworth(order: order, band: .bandPass(l...h))
            case let (l?, nil): return Butterworth(order: order, band: .highPass(l))
            case let (nil, h?): return Butterworth(order: order, band: .lowPass(h))
            default: throw .usage("--band needs at least one edge")
            }
        }

        static func parseEnvelope(_ text: String) throws(SynkError) -> EnvelopeMethod? {
            let lower = text.lowercased()
            if lower == "none" { return nil }
            if lower == "hilbert" { return .hilbert }
            if lower == "tkeo" { return .tkeo }
            let parts = lower.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw .usage("--envelope takes rms:WINDOW, linear:CUTOFF, hilbert, tkeo or none, not '\(text)'") }
            switch parts[0] {
            case "rms":
                guard let seconds = Self.seconds(parts[1]) else { throw .usage("--envelope rms needs a window like 100ms or 0.1s, not '\(parts[1])'") }
                return .movingRMS(window: seconds)
            case "linear":
                let number = parts[1].hasSuffix("hz") ? String(parts[1].dropLast(2)) : parts[1]
                guard let cutoff = Double(number) else { throw .usage("--envelope linear needs a cut-off like 6hz, not '\(parts[1])'") }
                return .linear(cutoff: cutoff)
            default:
                throw .usage("unknown envelope '\(parts[0])'", hint: "use rms, linear, hilbert or tkeo")
            }
        }

        /// `100ms`, `0.1s`, `0.1` (seconds).
        static func seconds(_ text: String) -> Double? {
            if text.hasSuffix("ms") { return Double(text.dropLast(2)).map { $0 / 1000 } }
            if text.hasSuffix("s") { return Double(text.dropLast(1)) }
            return Double(text)
        }

        func run() throws {
            let description = try conditioning()
            let outputFormat = try OutputFormat(forPath: output)
            try Synk.checkFiles(recordings: [file], input: input, otherInputs: [], outputs: [output], force: overwrite.force)
            let source = try RecordingReader.open(file, options: input.readOptions.synkIO)
            let header = source.header
            try description.validate(sampleRate: header.sampleRate)
            let emg = header.channels.indices.filter { header.channels[$0].kind == .emg }
            guard !emg.isEmpty else {
                throw SynkError.input(file, "no EMG channels to filter", hint: "channel kinds come from the file, its labels or a BIDS channels.tsv")
            }
            var outHeader = header
            let outputRate = try description.outputRate(sampleRate: header.sampleRate)
            let factor = max(1, Int((header.sampleRate / outputRate).rounded()))
            outHeader.sampleRate = outputRate
            outHeader.frameCount = (header.frameCount + factor - 1) / factor
            outHeader.channels = emg.map { index in
                var channel = header.channels[index]
                if case .tkeo = description.envelope, channel.unit == .microvolt {
                    channel.unit = PhysicalUnit(symbol: "uV^2", microvoltsPerUnit: nil)
                }
                // The processed signal no longer spans the acquisition's range.
                channel.physicalRange = nil
                return channel
            }
            // Sorted keys: the same processing is described by the same bytes in every run.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let conditioningJSON = (try? encoder.encode(description)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            outHeader.metadata["synk_version"] = SynkVersion.current
            outHeader.metadata["synk_conditioning"] = conditioningJSON
            outHeader.metadata["synk_source"] = file
            if !header.sidecars.isEmpty {
                outHeader.metadata["synk_sidecars"] = header.sidecars.map(\.summary).joined(separator: "; ")
            }
            if header.channels.count > emg.count {
                outHeader.metadata["synk_dropped_channels"] = header.channels.indices.filter { !emg.contains($0) }
                    .map { header.channels[$0].label }.joined(separator: ", ")
            }
            let conditioner = try MultichannelConditioner(description, sampleRate: header.sampleRate, channelCount: emg.count)
            // Encoding and writing run behind the filtering, reading ahead of it. The input is hashed on another
            // core meanwhile; WAV and FLAC outputs fill the hash into their header when finished, so writing
            // never waits for it.
            let digest = BackgroundFileDigest(path: file)
            let sourceHash = PendingMetadata(key: "synk_source_sha256", length: 64) { () throws(SynkError) in try digest.value() }
            let outputPath = output
            let sink = BackgroundSink(depth: 8) { () throws(SynkError) -> any SampleSink in
                try RecordingWriter.create(outputPath, header: outHeader, format: outputFormat, pending: sourceHash)
            }
            var written = 0
            func emit(_ channels: [[Float]]) throws(SynkError) {
                guard let n = channels.first?.count, n > 0 else { return }
                try sink.write(SignalBlock(firstFrame: written, channels: channels))
                written += n
            }
            do {
                let reader = PrefetchingReader(source, blockFrames: 1 << 16)
                while let block = try reader.next() {
                    // Readers that verified every sample (sound files) say so; other blocks are scanned here.
                    if !block.allFinite {
                        for (k, index) in emg.enumerated() {
                            let samples = block.channels[index]
                            if let bad = Signal.firstNonFiniteIndex(in: samples) {
                                let seconds = Double(block.firstFrame + bad) / header.sampleRate
                                throw SynkError.input(file, "non-finite sample (\(samples[bad])) at \(String(format: "%.4f", seconds)) s",
                                                      place: "channel \(header.channels[emg[k]].label)",
                                                      hint: "`synk info` lists the gaps; cut or repair them before filtering")
                            }
                        }
                    }
                    try emit(conditioner.process(emg.map { block.channels[$0] }))
                }
                try emit(conditioner.finish())
                try sink.finish()
            } catch {
                // Let the writing and hashing threads stop before the process exits with the error.
                sink.drain()
                digest.wait()
                throw error
            }
        }
    }
}
