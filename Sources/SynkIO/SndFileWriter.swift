import CSndFile
import Foundation
import SynkCore

/// How ``SndFileWriter`` encodes samples.
public struct SndFileFormat: Sendable, Hashable {
    /// The container written.
    public enum Container: String, Sendable, Hashable {
        /// RIFF WAV, turned into RF64 by libsndfile when the data outgrow 4 GB.
        case wav
        /// RF64 whatever the size.
        case rf64
        /// FLAC, 24-bit integers.
        case flac
    }

    public var container: Container
    /// FLAC only: the physical value of digital full scale per channel (overrides
    /// ``ChannelInfo/physicalRange``).
    public var fullScale: [Double]?

    public init(container: Container, fullScale: [Double]? = nil) {
        self.container = container
        self.fullScale = fullScale
    }

    /// 32-bit float samples in physical units (exact): WAV, or RF64 automatically above 4 GB.
    public static let wavFloat = SndFileFormat(container: .wav)
    /// 32-bit float samples in an RF64 file even when small.
    public static let rf64Float = SndFileFormat(container: .rf64)
    /// 24-bit FLAC with full scale from each channel's ``ChannelInfo/physicalRange`` (the larger magnitude
    /// of its bounds).
    public static let flac = SndFileFormat(container: .flac)

    /// 24-bit FLAC with the given full scale per channel, in each channel's unit.
    public static func flac(fullScale: [Double]) -> SndFileFormat {
        SndFileFormat(container: .flac, fullScale: fullScale)
    }
}

/// Writes a recording to a sound file through libsndfile, block by block, atomically.
///
/// synk's metadata (labels, units, muscles, events, exact sample rate, integer scale) is stored as
/// `synk:{json}`: in FLAC as the comment, in WAV/RF64 in a `synk` chunk (up to 48 KiB, also copied to the
/// comment when under 2 kB), so ``SndFileReader`` restores everything. FLAC stores 24-bit integers:
/// channel `c` is written as `x / fullScale[c]`, clipped to [-1, 1), so the quantisation step is
/// `fullScale[c] / 2^23`; FLAC allows at most 8 channels. Non-finite samples are refused.
/// Nothing appears at `path` until ``finish()`` succeeds.
public final class SndFileWriter: SampleSink {
    private let path: String
    private let header: RecordingHeader
    private let output: AtomicOutput
    private var file: OpaquePointer?
    /// Samples are divided by these before libsndfile sees them (1 for float files).
    private let divisors: [Float]
    private var interleaved: [Float] = []
    private var framesWritten = 0

    /// Completes the header after the samples (see ``PendingMetadata``).
    private let pending: PendingMetadata?

    /// Prepares a writer; fails with `.output` errors for a header synk cannot store in `format`.
    ///
    /// - Parameter pending: a metadata value not known yet; its placeholder is written now and replaced by the
    ///   value in ``finish()``, which waits for it.
    public init(path: String, header: RecordingHeader, format: SndFileFormat, pending: PendingMetadata? = nil) throws(SynkError) {
        self.path = path
        var header = header
        if let pending { header.metadata[pending.key] = pending.placeholder }
        self.header = header
        self.pending = pending
        let channelCount = header.channels.count
        guard channelCount > 0 else { throw .output(path, "cannot write a recording with no channels") }
        guard header.sampleRate.isFinite, header.sampleRate >= 1, header.sampleRate < Double(Int32.max) else {
            throw .output(path, "cannot write sample rate \(header.sampleRate) Hz", hint: "the rate must be at least 1 Hz")
        }

        var info = SF_INFO()
        info.channels = Int32(channelCount)
        info.samplerate = Int32(header.sampleRate.rounded())
        var scales: [Double?] = Array(repeating: nil, count: channelCount)
        switch format.container {
        case .wav, .rf64:
            info.format = Int32(SF_FORMAT_RF64 | SF_FORMAT_FLOAT)
        case .flac:
            guard channelCount <= 8 else {
                throw .output(path, "FLAC holds at most 8 channels, the recording has \(channelCount)",
                              hint: "write WAV (float) instead")
            }
            guard header.sampleRate <= 655_350 else {
                throw .output(path, "FLAC holds rates up to 655350 Hz, not \(header.sampleRate) Hz")
            }
            if let given = format.fullScale, given.count != channelCount {
                throw .output(path, "\(given.count) full-scale values for \(channelCount) channels")
            }
            for (c, channel) in header.channels.enumerated() {
                let scale = format.fullScale?[c]
                    ?? channel.physicalRange.map { max(abs($0.lowerBound), abs($0.upperBound)) }
                guard let scale else {
                    throw .output(path, "FLAC needs a full scale for channel \(channel.label)",
                                  hint: "set ChannelInfo.physicalRange or use SndFileFormat.flac(fullScale:)")
                }
                guard scale.isFinite, scale > 0 else {
                    throw .output(path, "invalid full scale \(scale) for channel \(channel.label)")
                }
                scales[c] = scale
            }
            info.format = Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_24)
        }
        guard sf_format_check(&info) == SF_TRUE else {
            throw .output(path, "libsndfile cannot write \(format.container.rawValue) with \(channelCount) channels at \(info.samplerate) Hz")
        }
        divisors = scales.map { Float($0 ?? 1) }

        output = try AtomicOutput(destination: path)
        guard let opened = sf_open(output.temporaryPath, Int32(SFM_WRITE), &info) else {
            throw .output(path, "cannot create the sound file: \(String(cString: sf_strerror(nil)))")
        }
        file = opened
        if format.container == .wav {
            // Starts as RF64 and is rewritten as plain WAV on close when the data stay under 4 GB.
            sf_command(opened, Int32(SFC_RF64_AUTO_DOWNGRADE), nil, Int32(SF_TRUE))
        }
        if format.container == .flac {
            sf_command(opened, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        }
        var metadataHeader = header
        // Non-finite numbers cannot be JSON; they would also be meaningless to a reader.
        metadataHeader.events = header.events.filter { $0.onset.isFinite && $0.duration.isFinite }
        let comment = SndFileMetadata(header: metadataHeader, scales: scales).commentString()
        if format.container == .flac {
            guard sf_set_string(opened, Int32(SF_STR_COMMENT), comment) == 0 else {
                throw .output(path, "cannot store the metadata: \(String(cString: sf_strerror(opened)))")
            }
        } else {
            // libsndfile drops WAV comments longer than about 2 kB without an error, so the metadata
            // goes into a chunk of its own; a short copy also in the comment helps other programs.
            let bytes = Array(comment.utf8)
            guard bytes.count <= SndFileMetadata.maximumChunkBytes else {
                throw .output(path, "synk metadata of \(bytes.count) bytes exceeds the \(SndFileMetadata.maximumChunkBytes) bytes a WAV header holds",
                              hint: "write FLAC or HDF5, or keep fewer events")
            }
            guard SndFileMetadata.writeChunk(bytes, to: opened) else {
                throw .output(path, "cannot store the metadata chunk: \(String(cString: sf_strerror(opened)))")
            }
            if bytes.count <= 2000 { sf_set_string(opened, Int32(SF_STR_COMMENT), comment) }
        }
        sf_set_string(opened, Int32(SF_STR_SOFTWARE), "synk \(SynkVersion.current)")
    }

    deinit {
        // An unfinished writer leaves nothing behind: close, then AtomicOutput's deinit removes the file.
        if let file { sf_close(file) }
    }

    /// Appends a block; every channel of the header must be present with the same length.
    public func write(_ block: SignalBlock) throws(SynkError) {
        guard let file else { throw .output(path, "write after finish") }
        let channelCount = header.channels.count
        guard block.channels.count == channelCount else {
            throw .output(path, "block has \(block.channels.count) channels, the header \(channelCount)")
        }
        let frames = block.frameCount
        for (c, samples) in block.channels.enumerated() {
            guard samples.count == frames else {
                throw .output(path, "channel \(header.channels[c].label) has \(samples.count) samples in a block of \(frames)")
            }
            if let bad = SampleScan.firstNonFiniteIndex(in: samples) {
                throw .output(path, "sample \(framesWritten + bad) of channel \(header.channels[c].label) is \(samples[bad])",
                              hint: "remove NaN/infinite values before writing")
            }
        }
        guard frames > 0 else { return }
        if interleaved.count < frames * channelCount {
            interleaved = [Float](repeating: 0, count: frames * channelCount)
        }
        interleaved.withUnsafeMutableBufferPointer { target in
            Interleaving.merge(block.channels, frames: frames, into: target.baseAddress!, divisors: divisors)
        }
        let written = interleaved.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(frames)) }
        guard written == sf_count_t(frames) else {
            throw .output(path, "write failed after \(framesWritten) frames: \(String(cString: sf_strerror(file)))")
        }
        framesWritten += frames
    }

    /// Closes the file and moves it into place.
    public func finish() throws(SynkError) {
        guard let file else { return }
        self.file = nil
        let status = sf_close(file)
        guard status == 0 else {
            output.abandon()
            throw .output(path, "closing the sound file failed: \(String(cString: sf_error_number(status)))")
        }
        if let pending {
            do throws(SynkError) {
                try MetadataPatch.replace(pending.placeholder, with: try pending.resolvedValue(for: path),
                                          inFileAt: output.temporaryPath, reportingAs: path)
            } catch {
                output.abandon()
                throw error
            }
        }
        try output.commit()
    }

    /// Writes a whole recording.
    public static func write(_ recording: Recording, to path: String, format: SndFileFormat) throws(SynkError) {
        let writer = try SndFileWriter(path: path, header: recording.header, format: format)
        let blockFrames = 65_536
        var start = 0
        while start < recording.frameCount {
            let end = min(recording.frameCount, start + blockFrames)
            try writer.write(SignalBlock(firstFrame: start, channels: recording.samples.map { Array($0[start..<end]) }))
            start = end
        }
        try writer.finish()
    }
}
