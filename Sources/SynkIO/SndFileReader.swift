import CSndFile
import Foundation
import SynkCore

/// Streams a recording stored in a sound file (WAV, W64, RF64/BW64, FLAC, CAF) through libsndfile.
///
/// - Samples: integer PCM is normalised by libsndfile to [-1, 1) and then multiplied by the per-channel
///   scale found in synk's metadata; float and double samples are delivered as stored.
/// - Metadata: a comment string beginning `synk:` (written by ``SndFileWriter``) restores labels, units,
///   muscles, sides, branches, events, stimuli, subject, session, affected side, start time and the
///   exact sample rate. Without it channels are `ch1…chN` with unit ``PhysicalUnit/unknown``.
/// - Truncation: when the data chunk declares more frames than the file holds the reader throws an
///   `.input` error at once instead of delivering a shorter recording; for containers whose header gives
///   no byte count (FLAC) the same error comes from ``readBlock(maxFrames:)`` when the data ends early.
///
/// Memory is bounded by the block size; the file is opened read-only.
public final class SndFileReader: SampleSource {
    public let header: RecordingHeader
    private let path: String
    private var file: OpaquePointer?
    private let channelCount: Int
    /// Multiplies each sample read by libsndfile; 1 for float files without a stored scale.
    private let scales: [Float]
    private var position = 0
    private var interleaved: [Float] = []

    /// Opens `path` read-only and reads its header and metadata.
    public init(path: String) throws(SynkError) {
        self.path = path
        // Never a FIFO, socket or device: opening one could block or read forever.
        try RegularFile.require(path, role: "recording")
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? -1
        guard size != 0 else { throw .input(path, "empty file (0 bytes)") }

        var info = SF_INFO()
        guard let opened = sf_open(path, Int32(SFM_READ), &info) else {
            let reason = String(cString: sf_strerror(nil))
            // libsndfile rejects some cut files outright (CAF); say what is wrong when the header shows it.
            if let (dataBytes, bytesPerFrame, dataOffset) = SndFileDeclaredLength.declaredData(ofFileAt: path),
               size >= 0, dataOffset + dataBytes > UInt64(size) {
                let held = UInt64(size) > dataOffset ? (UInt64(size) - dataOffset) / bytesPerFrame : 0
                throw .input(path, "truncated: header declares \(dataBytes / bytesPerFrame) frames, data holds \(held)",
                             hint: "the file was cut short; copy it again from the source")
            }
            throw .input(path, "not a readable sound file: \(reason)",
                         hint: "synk reads WAV, W64, RF64, FLAC and CAF through libsndfile")
        }
        do {
            (header, scales) = try Self.describe(opened, info: info, path: path)
        } catch {
            sf_close(opened)
            throw error
        }
        file = opened
        channelCount = Int(info.channels)
    }

    /// The header and per-channel scales of an opened file (which the caller closes if this throws).
    private static func describe(_ opened: OpaquePointer, info: SF_INFO, path: String) throws(SynkError) -> (RecordingHeader, [Float]) {
        let format: FileFormat
        switch Int(info.format) & Int(SF_FORMAT_TYPEMASK) {
        case Int(SF_FORMAT_WAV), Int(SF_FORMAT_WAVEX): format = .wav
        case Int(SF_FORMAT_W64): format = .w64
        case Int(SF_FORMAT_RF64): format = .rf64
        case Int(SF_FORMAT_FLAC): format = .flac
        case Int(SF_FORMAT_CAF): format = .caf
        default:
            throw .input(path, "sound container 0x\(String(Int(info.format) >> 16, radix: 16)) is not one synk reads",
                         hint: "convert it to WAV or FLAC")
        }
        let subtype = Int(info.format) & Int(SF_FORMAT_SUBMASK)
        let isFloat = subtype == Int(SF_FORMAT_FLOAT) || subtype == Int(SF_FORMAT_DOUBLE)

        let channelCount = Int(info.channels)
        guard channelCount > 0 else { throw .input(path, "the header declares no channels") }
        try ReadLimits.checkChannelCount(channelCount, path: path)
        guard info.samplerate > 0 else { throw .input(path, "the header declares sample rate \(info.samplerate) Hz") }
        guard info.frames >= 0 else { throw .input(path, "the header declares \(info.frames) frames") }

        if let (dataBytes, bytesPerFrame, _) = SndFileDeclaredLength.declaredData(ofFileAt: path),
           bytesPerFrame == UInt64(Int(info.channels)) * UInt64(Self.bytesPerSample(subtype: subtype) ?? 0) {
            let declaredFrames = dataBytes / bytesPerFrame
            if declaredFrames > UInt64(info.frames) {
                throw .input(path, "truncated: header declares \(declaredFrames) frames, data holds \(info.frames)",
                             hint: "the file was cut short; copy it again from the source")
            }
        }

        let comment = sf_get_string(opened, Int32(SF_STR_COMMENT)).map { String(cString: $0) }
        // The `synk` chunk (WAV/RF64) takes precedence over the comment (FLAC, short WAV copies).
        let stored = try (SndFileMetadata.readChunk(from: opened) ?? comment).flatMap {
            (text: String) throws(SynkError) -> SndFileMetadata? in try SndFileMetadata.parse(comment: text, file: path)
        }

        var header = RecordingHeader(
            source: SourceDescription(path: path, format: format), sampleRate: Double(info.samplerate),
            frameCount: Int(info.frames), channels: [])
        var scales = [Float](repeating: 1, count: channelCount)
        if let stored {
            guard stored.channels.count == channelCount else {
                throw .input(path, "the synk metadata describes \(stored.channels.count) channels, the file holds \(channelCount)",
                             place: "comment")
            }
            // The header's integer rate is the stored exact rate rounded; anything else means the
            // metadata belongs to another file.
            guard stored.sampleRateHz.isFinite, stored.sampleRateHz > 0,
                  abs(stored.sampleRateHz - Double(info.samplerate)) < 1 else {
                throw .input(path, "the synk metadata gives \(stored.sampleRateHz) Hz, the header \(info.samplerate) Hz",
                             place: "comment")
            }
            header.sampleRate = stored.sampleRateHz
            header.channels = stored.channelInfos()
            for (c, entry) in stored.channels.enumerated() {
                if let scale = entry.scale {
                    guard scale.isFinite, scale > 0 else {
                        throw .input(path, "channel \(entry.label) has invalid scale \(scale)", place: "comment")
                    }
                    // A float file was written in physical units: the scale applies to integers only.
                    if !isFloat {
                        scales[c] = Float(scale)
                        // Digital full scale is what the file can represent: the clipping limit.
                        if header.channels[c].physicalRange == nil { header.channels[c].physicalRange = -scale...scale }
                    }
                }
            }
            stored.apply(to: &header)
        } else {
            header.channels = (1...channelCount).map { c in
                ChannelInfo(label: "ch\(c)", unit: .unknown, kind: .emg,
                            physicalRange: isFloat ? nil : -1.0...1.0)
            }
            if let comment, !comment.isEmpty { header.metadata["comment"] = comment }
        }
        for (key, name) in [(SF_STR_TITLE, "title"), (SF_STR_SOFTWARE, "software"), (SF_STR_DATE, "date")] {
            if let value = sf_get_string(opened, Int32(key)), header.metadata[name] == nil {
                header.metadata[name] = String(cString: value)
            }
        }
        header.metadata["sample_encoding"] = Self.encodingName(subtype: subtype)
        try header.validate()
        return (header, scales)
    }

    deinit {
        if let file { sf_close(file) }
    }

    /// Reads up to `maxFrames` frames, de-interleaved into one array per channel.
    public func readBlock(maxFrames: Int) throws(SynkError) -> SignalBlock? {
        guard let file, maxFrames > 0, position < header.frameCount else { return nil }
        let wanted = min(maxFrames, header.frameCount - position)
        if interleaved.count < wanted * channelCount {
            interleaved = [Float](repeating: 0, count: wanted * channelCount)
        }
        let got = Int(interleaved.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, sf_count_t(wanted)) })
        if got < wanted {
            let reason = sf_error(file) != 0 ? " (\(String(cString: sf_strerror(file))))" : ""
            throw .input(path, "truncated: header declares \(header.frameCount) frames, data holds \(position + got)\(reason)",
                         hint: "the file was cut short; copy it again from the source")
        }
        // Finiteness comes out of the de-interleaving pass; only a block with a bad sample is searched again.
        let (channels, allFinite) = interleaved.withUnsafeBufferPointer { source in
            Interleaving.splitCheckingFinite(source.baseAddress!, frames: got, channelCount: channelCount, scales: scales)
        }
        if !allFinite {
            for (c, samples) in channels.enumerated() {
                if let bad = SampleScan.firstNonFiniteIndex(in: samples) {
                    throw .input(path, "sample is \(samples[bad]) (not a finite number)",
                                 place: "channel \(header.channels[c].label), frame \(position + bad)")
                }
            }
        }
        let block = SignalBlock(firstFrame: position, channels: channels, allFinite: true)
        position += got
        return block
    }

    private static func bytesPerSample(subtype: Int) -> Int? {
        switch subtype {
        case Int(SF_FORMAT_PCM_S8), Int(SF_FORMAT_PCM_U8): 1
        case Int(SF_FORMAT_PCM_16): 2
        case Int(SF_FORMAT_PCM_24): 3
        case Int(SF_FORMAT_PCM_32), Int(SF_FORMAT_FLOAT): 4
        case Int(SF_FORMAT_DOUBLE): 8
        default: nil
        }
    }

    private static func encodingName(subtype: Int) -> String {
        switch subtype {
        case Int(SF_FORMAT_PCM_S8): "pcm8"
        case Int(SF_FORMAT_PCM_U8): "pcm8u"
        case Int(SF_FORMAT_PCM_16): "pcm16"
        case Int(SF_FORMAT_PCM_24): "pcm24"
        case Int(SF_FORMAT_PCM_32): "pcm32"
        case Int(SF_FORMAT_FLOAT): "float32"
        case Int(SF_FORMAT_DOUBLE): "float64"
        default: "0x" + String(subtype, radix: 16)
        }
    }
}
