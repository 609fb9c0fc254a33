import CSndFile
import Foundation
import SynkCore

/// synk's description of a recording, stored as JSON after the prefix `synk:` in a sound file: in WAV
/// and RF64 as a chunk with id `synk` (libsndfile keeps WAV comments only up to about 2 kB), in FLAC as
/// the comment string (`SF_STR_COMMENT`, the `COMMENT` Vorbis comment).
///
/// Sound-file headers know only an integer sample rate and a channel count; everything else an EMG
/// recording needs (labels, units, muscles, the scale of integer samples, events) travels here.
/// Field names are snake_case and stable: files written today must read tomorrow.
struct SndFileMetadata: Codable, Equatable {
    static let prefix = "synk:"
    static let formatName = "synk-emg-soundfile"

    struct Channel: Codable, Equatable {
        var label: String
        /// Unit symbol of the physical values (`uV` for EMG).
        var unit: String
        /// `nil` for a unit that is not a voltage.
        var microvoltsPerUnit: Double?
        var kind: String?
        var muscle: String?
        var side: String?
        var branch: String?
        /// Physical value of a normalised sample of 1.0 (integer formats); absent for float samples,
        /// which are stored in physical units.
        var scale: Double?
        var physicalMin: Double?
        var physicalMax: Double?
    }

    struct EventEntry: Codable, Equatable {
        var onsetS: Double
        var durationS: Double
        var label: String
    }

    struct StimulusEntry: Codable, Equatable {
        var timeS: Double
        var intensityMa: Double?
        var site: String?
        var side: String?
        var branch: String?
    }

    /// The largest `synk` chunk written: libsndfile 1.2 fails to write WAV headers much beyond 50 kB.
    static let maximumChunkBytes = 48 * 1024
    static let chunkID = "synk"

    /// Adds the `synk` chunk to a WAV/RF64 file opened for writing, before any sample is written.
    static func writeChunk(_ bytes: [UInt8], to file: OpaquePointer) -> Bool {
        var info = SF_CHUNK_INFO()
        setID(&info)
        info.datalen = UInt32(bytes.count)
        var data = bytes
        return data.withUnsafeMutableBytes { raw in
            info.data = raw.baseAddress
            return sf_set_chunk(file, &info) == 0
        }
    }

    /// The content of the `synk` chunk, if the file has one.
    static func readChunk(from file: OpaquePointer) -> String? {
        var info = SF_CHUNK_INFO()
        setID(&info)
        guard let iterator = sf_get_chunk_iterator(file, &info),
              sf_get_chunk_size(iterator, &info) == 0, info.datalen > 0, info.datalen <= 16 << 20 else { return nil }
        var data = [UInt8](repeating: 0, count: Int(info.datalen))
        let status = data.withUnsafeMutableBytes { raw in
            info.data = raw.baseAddress
            return sf_get_chunk_data(iterator, &info)
        }
        guard status == 0 else { return nil }
        return String(decoding: data.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    private static func setID(_ info: inout SF_CHUNK_INFO) {
        withUnsafeMutableBytes(of: &info.id) { raw in
            for (i, byte) in chunkID.utf8.enumerated() { raw[i] = byte }
        }
        info.id_size = UInt32(chunkID.utf8.count)
    }

    var format: String = SndFileMetadata.formatName
    var version: Int = 1
    /// The exact rate; sound-file headers store an integer.
    var sampleRateHz: Double
    var channels: [Channel]
    var events: [EventEntry] = []
    var stimuli: [StimulusEntry] = []
    var subject: String?
    var session: String?
    var affectedSide: String?
    /// Seconds since 1970-01-01T00:00:00Z (exact), with ``startTimeIso`` for people reading the file.
    var startTimeUnix: Double?
    var startTimeIso: String?
    var metadata: [String: String] = [:]

    init(header: RecordingHeader, scales: [Double?]) {
        sampleRateHz = header.sampleRate
        channels = zip(header.channels, scales).map { info, scale in
            Channel(
                label: info.label, unit: info.unit.symbol, microvoltsPerUnit: info.unit.microvoltsPerUnit,
                kind: info.kind.rawValue, muscle: info.muscle?.rawValue, side: info.side?.rawValue,
                branch: info.branch?.rawValue, scale: scale,
                physicalMin: info.physicalRange?.lowerBound, physicalMax: info.physicalRange?.upperBound)
        }
        events = header.events.map { EventEntry(onsetS: $0.onset, durationS: $0.duration, label: $0.label) }
        stimuli = header.stimuli.map {
            StimulusEntry(timeS: $0.time, intensityMa: $0.intensityMilliampere, site: $0.site,
                          side: $0.side?.rawValue, branch: $0.branch?.rawValue)
        }
        subject = header.subject
        session = header.session
        affectedSide = header.affectedSide?.rawValue
        if let start = header.startTime {
            startTimeUnix = start.timeIntervalSince1970
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            startTimeIso = formatter.string(from: start)
        }
        metadata = header.metadata
    }

    /// The comment string: `synk:` followed by compact JSON with sorted keys.
    func commentString() -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and finite numbers cannot fail; non-finite numbers were rejected before.
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return SndFileMetadata.prefix + String(decoding: data, as: UTF8.self)
    }

    /// Parses a comment; `nil` when it is not synk's (a plain comment from another program).
    static func parse(comment: String, file: String) throws(SynkError) -> SndFileMetadata? {
        guard comment.hasPrefix(prefix) else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let parsed: SndFileMetadata
        do {
            parsed = try decoder.decode(SndFileMetadata.self, from: Data(comment.dropFirst(prefix.count).utf8))
        } catch {
            throw .input(file, "the synk metadata in the comment string is not valid JSON: \(error)",
                         place: "comment")
        }
        guard parsed.format == formatName else {
            throw .input(file, "the comment's metadata has format \"\(parsed.format)\", expected \"\(formatName)\"",
                         place: "comment")
        }
        guard parsed.version == 1 else {
            throw .input(file, "synk metadata version \(parsed.version) is newer than this synk reads (1)",
                         place: "comment", hint: "update synk")
        }
        return parsed
    }

    /// The channel descriptions as synk values.
    func channelInfos() -> [ChannelInfo] {
        channels.map { entry in
            var range: ClosedRange<Double>?
            if let low = entry.physicalMin, let high = entry.physicalMax, low <= high { range = low...high }
            return ChannelInfo(
                label: entry.label,
                unit: PhysicalUnit(symbol: entry.unit, microvoltsPerUnit: entry.microvoltsPerUnit),
                kind: entry.kind.flatMap(ChannelKind.init(rawValue:)) ?? .emg,
                muscle: entry.muscle.flatMap(Muscle.init(rawValue:)),
                side: entry.side.flatMap(Side.init(rawValue:)),
                branch: entry.branch.flatMap(Branch.init(rawValue:)),
                physicalRange: range)
        }
    }

    /// Fills the header fields other than channels and rate.
    func apply(to header: inout RecordingHeader) {
        header.events = events.map { Event(onset: $0.onsetS, duration: $0.durationS, label: $0.label) }
        header.stimuli = stimuli.map {
            Stimulus(time: $0.timeS, intensityMilliampere: $0.intensityMa, site: $0.site,
                     side: $0.side.flatMap(Side.init(rawValue:)), branch: $0.branch.flatMap(Branch.init(rawValue:)))
        }
        header.subject = subject
        header.session = session
        header.affectedSide = affectedSide.flatMap(AffectedSide.init(rawValue:))
        if let startTimeUnix { header.startTime = Date(timeIntervalSince1970: startTimeUnix) }
        header.metadata.merge(metadata) { _, stored in stored }
    }
}
