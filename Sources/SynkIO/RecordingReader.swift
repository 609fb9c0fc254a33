import Foundation
import SynkCore

/// Options that a reader cannot know from the file alone.
public struct ReadOptions: Sendable, Hashable {
    /// For HDF5 files that follow no known layout: the path of the 2-D [samples × channels] dataset.
    public var dataset: String?
    /// Sample rate in Hz for files that do not state it (generic HDF5 datasets, CSV without a time column).
    public var sampleRate: Double?
    /// Whether EMG-BIDS sidecars next to the recording (`*_channels.tsv`, `*_emg.json`, `*_events.tsv`)
    /// are applied to the header.
    public var applyBIDSSidecars: Bool

    public init(dataset: String? = nil, sampleRate: Double? = nil, applyBIDSSidecars: Bool = true) {
        self.dataset = dataset
        self.sampleRate = sampleRate
        self.applyBIDSSidecars = applyBIDSSidecars
    }

    /// The hint of a reader's error for a file that states no sample rate: the BIDS sidecar's
    /// `SamplingFrequency` can supply it.
    public static let rateHint = "pass --rate HZ"
}

/// Plausibility limits every recording must meet before synk trusts its header: a damaged or hostile
/// header (a rate of 1e300 Hz, a record duration of 1e300 s, a data chunk cut inside its size field)
/// would otherwise become a recording no analysis or writer can use.
public enum ReadLimits {
    /// Lowest sample rate accepted, in Hz: below it no EMG, trigger or envelope signal is meaningful.
    public static let minimumSampleRate = 1.0
    /// Highest sample rate accepted, in Hz (10 MHz, far above any EMG amplifier).
    public static let maximumSampleRate = 10_000_000.0

    /// Throws an `.input` error naming `path` when a header declares more than
    /// ``InputLimits/maximumChannels`` channels. Readers call it as soon as they know the count, before
    /// anything is allocated per channel.
    public static func checkChannelCount(_ count: Int, path: String) throws(SynkError) {
        guard count <= InputLimits.maximumChannels else {
            throw .input(path, "the file declares \(count) channels; synk reads recordings of at most \(InputLimits.maximumChannels)",
                         hint: "is it a recording with one column per channel?")
        }
    }

    /// Throws an `.input` error naming `path` when the header has no samples, an implausible rate or too
    /// many channels.
    public static func check(_ header: RecordingHeader, path: String) throws(SynkError) {
        try checkChannelCount(header.channels.count, path: path)
        guard header.sampleRate >= minimumSampleRate, header.sampleRate <= maximumSampleRate else {
            throw .input(path, "sample rate \(header.sampleRate) Hz is outside the \(minimumSampleRate)–\(maximumSampleRate) Hz synk accepts",
                         hint: "the header is damaged or states the rate in other units")
        }
        guard header.frameCount > 0 else {
            throw .input(path, "the recording holds no samples", hint: "the file may have been cut short")
        }
    }
}

/// Opens any recording synk reads, recognising the format from the file's content.
public enum RecordingReader {
    /// Opens `path` for streaming. Throws a one-line ``SynkError`` of kind `.input` for a missing,
    /// unreadable or invalid file, and `.usage` when an option the file needs is missing.
    public static func open(_ path: String, options: ReadOptions = ReadOptions()) throws(SynkError) -> any SampleSource {
        if let rate = options.sampleRate, !(rate.isFinite && rate > 0) {
            throw .usage("--rate must be a positive number of Hz, not \(rate)")
        }
        // Before anything opens it: a FIFO, socket or device would block or never end.
        try RegularFile.require(path, role: "recording")
        let (family, format) = try FormatSniffer.family(ofFileAt: path)
        func openSource(rate: Double?) throws(SynkError) -> any SampleSource {
            switch family {
            case .sndfile: return try SndFileReader(path: path)
            case .hdf5:
                try HDF5Isolation.checkBeforeOpening(path, dataset: options.dataset, sampleRate: rate)
                return try HDF5Reader(path: path, dataset: options.dataset, sampleRate: rate)
            case .edf, .bdf: return try EDFReader(path: path)
            case .text: return try TextRecordingReader(path: path, format: format, sampleRate: rate)
            }
        }
        var sidecars: BIDSSidecars?
        var sidecarsSearched = false
        var rateFromSidecar = false
        let source: any SampleSource
        do {
            source = try openSource(rate: options.sampleRate)
        } catch {
            // A file that states no rate (a CSV without a time column, a bare HDF5 dataset) takes its BIDS
            // sidecar's SamplingFrequency, as a rate given on the command line.
            guard error.hint == ReadOptions.rateHint, options.sampleRate == nil, options.applyBIDSSidecars else { throw error }
            sidecars = try BIDSSidecars.find(nextTo: path)
            sidecarsSearched = true
            guard let stated = sidecars?.samplingFrequency else { throw error }
            source = try openSource(rate: stated)
            rateFromSidecar = true
        }
        var header = source.header
        if options.applyBIDSSidecars {
            if !sidecarsSearched { sidecars = try BIDSSidecars.find(nextTo: path) }
            if var sidecars {
                sidecars.rateSupplied = rateFromSidecar
                try sidecars.apply(to: &header)
            }
        }
        try header.validate()
        try ReadLimits.check(header, path: path)
        return described(source, as: header)
    }

    /// `source` with its header replaced by `header` (the same channels, described further: by BIDS sidecars, or by
    /// a montage channels.tsv). A channels.tsv may name a voltage unit (V, mV) for samples the reader could not
    /// calibrate; synk keeps every voltage in µV, so such channels are scaled on the way through.
    public static func described(_ source: any SampleSource, as described: RecordingHeader) -> any SampleSource {
        var header = described
        var scales = [Float](repeating: 1, count: header.channels.count)
        for c in header.channels.indices {
            if let factor = header.channels[c].unit.microvoltsPerUnit, factor != 1 {
                scales[c] = Float(factor)
                header.channels[c].unit = .microvolt
                header.channels[c].physicalRange = header.channels[c].physicalRange.map { ($0.lowerBound * factor)...($0.upperBound * factor) }
            }
        }
        if header == source.header { return source }
        return RelabelledSource(source, header: header, scales: scales.allSatisfy { $0 == 1 } ? nil : scales)
    }

    /// Every file reading `path` with `options` will read: the recording and the BIDS sidecars that apply to
    /// it (directory listings only, nothing is opened). Commands check these against their outputs before
    /// any work (``FileSafety/check(inputs:outputs:force:)``).
    public static func inputFiles(of path: String, options: ReadOptions = ReadOptions()) throws(SynkError) -> [String] {
        guard options.applyBIDSSidecars else { return [path] }
        let sidecars = try BIDSSidecars.applicableFiles(for: path)
        return [path] + [sidecars.channels].compactMap { $0 } + sidecars.json + [sidecars.events].compactMap { $0 }
    }

    /// Reads the whole of `path` into memory.
    public static func read(_ path: String, options: ReadOptions = ReadOptions()) throws(SynkError) -> Recording {
        try open(path, options: options).readAll()
    }
}

/// A source whose header was completed from sidecars; samples pass through, scaled to µV where the
/// sidecar named another voltage unit.
final class RelabelledSource: SampleSource {
    let header: RecordingHeader
    private let inner: any SampleSource
    private let scales: [Float]?

    init(_ inner: any SampleSource, header: RecordingHeader, scales: [Float]?) {
        self.inner = inner
        self.header = header
        self.scales = scales
    }

    func readBlock(maxFrames: Int) throws(SynkError) -> SignalBlock? {
        guard var block = try inner.readBlock(maxFrames: maxFrames) else { return nil }
        if let scales {
            for c in block.channels.indices where scales[c] != 1 {
                let scale = scales[c]
                block.channels[c].withUnsafeMutableBufferPointer { samples in
                    for i in samples.indices { samples[i] *= scale }
                }
            }
        }
        return block
    }
}

/// Output formats synk writes, chosen from the output file's extension.
public enum OutputFormat: String, Sendable, CaseIterable {
    case wavFloat = "wav"
    case flac
    case synkHDF5 = "h5"
    case edf
    case bdf
    case csv

    /// The format for an output path, by extension (`.wav`, `.flac`, `.h5`/`.hdf5`, `.edf`, `.bdf`, `.csv`).
    public init(forPath path: String) throws(SynkError) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "wav": self = .wavFloat
        case "flac": self = .flac
        case "h5", "hdf5", "hdf": self = .synkHDF5
        case "edf": self = .edf
        case "bdf": self = .bdf
        case "csv": self = .csv
        case let other:
            throw .usage("cannot tell the output format from '.\(other)'",
                         hint: "use .wav, .flac, .h5, .edf, .bdf or .csv")
        }
    }
}

/// Creates the writer for an output file; nothing appears at `path` until the writer finishes.
public enum RecordingWriter {
    /// A streaming writer for `path` in `format` (default: from the extension).
    ///
    /// - Parameter pending: a metadata value still being computed. WAV and FLAC writers start at once and fill
    ///   it in when finished; the other writers wait for it before they start.
    public static func create(
        _ path: String, header: RecordingHeader, format: OutputFormat? = nil, pending: PendingMetadata? = nil
    ) throws(SynkError) -> any SampleSink {
        let chosen = try resolve(format, path)
        // FLAC stores integers scaled to a full scale fixed before the data, as EDF does: without known ranges
        // the stream is collected and written once complete.
        let flacStreams = header.channels.allSatisfy { $0.physicalRange != nil }
        let completesAfterSamples = chosen == .wavFloat || (chosen == .flac && flacStreams)
        if let pending, !completesAfterSamples {
            var resolved = header
            resolved.metadata[pending.key] = try pending.resolvedValue(for: path)
            return try create(path, header: resolved, format: chosen)
        }
        switch chosen {
        case .wavFloat: return try SndFileWriter(path: path, header: header, format: .wavFloat, pending: pending)
        case .flac:
            if flacStreams {
                return try SndFileWriter(path: path, header: header, format: .flac, pending: pending)
            }
            return try CollectingSink(path: path, header: header, format: .flac)
        case .synkHDF5: return try HDF5Writer(path: path, header: header)
        case .edf, .bdf:
            // EDF stores samples as integers scaled by a per-channel range written before the data; a
            // stream whose range is not known yet is collected and written once complete.
            if header.channels.allSatisfy({ $0.physicalRange != nil }) {
                return try EDFWriter(path: path, header: header, bdf: chosen == .bdf)
            } else {
                return try CollectingSink(path: path, header: header, format: chosen)
            }
        case .csv: return try CSVWriter(path: path, header: header)
        }
    }

    static func resolve(_ format: OutputFormat?, _ path: String) throws(SynkError) -> OutputFormat {
        if let format { return format }
        return try OutputFormat(forPath: path)
    }

    /// Writes a whole recording.
    public static func write(_ recording: Recording, to path: String, format: OutputFormat? = nil, blockFrames: Int = 65_536) throws(SynkError) {
        switch try resolve(format, path) {
        case .edf: return try EDFWriter.write(recording, to: path, bdf: false)
        case .bdf: return try EDFWriter.write(recording, to: path, bdf: true)
        default: break
        }
        let sink = try create(path, header: recording.header, format: format)
        var start = 0
        repeat {
            let end = min(recording.frameCount, start + blockFrames)
            try sink.write(SignalBlock(firstFrame: start, channels: recording.samples.map { Array($0[start..<end]) }))
            start = end
        } while start < recording.frameCount
        try sink.finish()
    }
}

/// Collects a stream whose channels have no physical range yet and writes it, with ranges taken from the
/// data, when finished: EDF/BDF and FLAC store integers scaled to a range that precedes the samples.
/// Memory grows with the recording: long processed streams are better written as WAV or HDF5.
final class CollectingSink: SampleSink {
    private let path: String
    private var header: RecordingHeader
    private let format: OutputFormat
    private var samples: [[Float]]

    init(path: String, header: RecordingHeader, format: OutputFormat) throws(SynkError) {
        _ = try AtomicOutput(destination: path) // fail early on an unwritable destination
        self.path = path
        self.header = header
        self.format = format
        samples = Array(repeating: [], count: header.channels.count)
    }

    func write(_ block: SignalBlock) throws(SynkError) {
        guard block.channels.count == samples.count else {
            throw .output(path, "a block with \(block.channels.count) channels for \(samples.count)")
        }
        for c in samples.indices { samples[c].append(contentsOf: block.channels[c]) }
    }

    func finish() throws(SynkError) {
        header.frameCount = samples.first?.count ?? 0
        for c in header.channels.indices where header.channels[c].physicalRange == nil {
            let peak = Double(samples[c].reduce(Float(0)) { max($0, abs($1)) })
            let limit = peak > 0 ? peak : 1
            header.channels[c].physicalRange = -limit...limit
        }
        let recording = try Recording(header: header, samples: samples)
        switch format {
        case .edf: try EDFWriter.write(recording, to: path, bdf: false)
        case .bdf: try EDFWriter.write(recording, to: path, bdf: true)
        default: try SndFileWriter.write(recording, to: path, format: .flac)
        }
    }
}
