import Foundation
import SynkCore
import SynkIO
import SynkDSP

/// What ``RecordingFilter/filter(file:to:conditioning:reading:)`` wrote.
public struct FilteredRecording: Sendable, Hashable {
    /// The output path.
    public var path: String
    /// Its sample rate (the envelope rate after decimation), Hz.
    public var sampleRateHz: Double
    /// The EMG channels written (other channels are left out).
    public var channels: Int
    public var frames: Int
    /// The warnings the reader raised about the source (``RecordingHeader/warnings``).
    public var warnings: [String] = []
    public var durationS: Double { sampleRateHz > 0 ? Double(frames) / sampleRateHz : 0 }
}

/// Band-pass, notch, envelope and decimation of a recording's EMG channels into a new file, streamed block by
/// block (bounded memory, any length). The output records the processing, the synk version, the source path and
/// the source's SHA-256 in its metadata.
public enum RecordingFilter {
    /// Filters the EMG channels of `file` into `output`; the output format follows its extension
    /// (`OutputFormat`). A non-finite input sample is an input error naming channel and time.
    @discardableResult
    public static func filter(
        file input: InputFile, to output: String, conditioning description: ConditioningDescription, reading: ReadOptions = ReadOptions()
    ) throws(SynkError) -> FilteredRecording {
        let file = input.path
        let outputFormat = try OutputFormat(forPath: output)
        let source = try RecordingReader.open(file, options: reading)
        let header = source.header
        do { try description.validate(sampleRate: header.sampleRate) } catch { throw error.withFile(file) }
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
        outHeader.metadata["synk_source"] = input.reportedPath
        // The source's warnings describe the source (its header's sample counts), not the file written: recorded as
        // the source's, never raised again when the output is read.
        for key in header.metadata.keys where key.hasPrefix(RecordingHeader.warningPrefix) { outHeader.metadata[key] = nil }
        if !header.warnings.isEmpty { outHeader.metadata["synk_source_warnings"] = header.warnings.joined(separator: "; ") }
        if !header.sidecars.isEmpty {
            outHeader.metadata["synk_sidecars"] = header.sidecars.map(\.summary).joined(separator: "; ")
        }
        if header.channels.count > emg.count {
            outHeader.metadata["synk_dropped_channels"] = header.channels.indices.filter { !emg.contains($0) }
                .map { header.channels[$0].label }.joined(separator: ", ")
        }
        let conditioner: MultichannelConditioner
        do { conditioner = try MultichannelConditioner(description, sampleRate: header.sampleRate, channelCount: emg.count) } catch {
            throw error.withFile(file)
        }
        // Encoding and writing run behind the filtering, reading ahead of it. The input is hashed on another
        // core meanwhile; WAV and FLAC outputs fill the hash into their header when finished, so writing
        // never waits for it.
        let digest = input.startDigest()
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
        do throws(SynkError) {
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
            digest.cancel()
            throw error
        }
        return FilteredRecording(path: output, sampleRateHz: outHeader.sampleRate, channels: outHeader.channels.count, frames: written,
                                 warnings: header.warnings)
    }
}
