import Foundation

/// What a channel carries.
public enum ChannelKind: String, Sendable, Codable, Hashable {
    /// Surface EMG of a muscle.
    case emg
    /// A stimulus or marker line (digital input, trigger).
    case trigger
    /// Anything else (goniometer, the device's own processed envelope, accelerometer).
    case auxiliary
}

/// Everything known about one channel besides its samples.
public struct ChannelInfo: Sendable, Hashable, Codable {
    /// The label as the file or montage gave it.
    public var label: String
    /// The unit of the samples as delivered by synk (µV for every voltage channel).
    public var unit: PhysicalUnit
    public var kind: ChannelKind
    public var muscle: Muscle?
    public var side: Side?
    public var branch: Branch?
    /// The range the acquisition could represent, in ``unit``, when the file says (EDF physical
    /// min/max, ADC full scale); used to detect clipping.
    public var physicalRange: ClosedRange<Double>?

    public init(
        label: String, unit: PhysicalUnit = .microvolt, kind: ChannelKind = .emg,
        muscle: Muscle? = nil, side: Side? = nil, branch: Branch? = nil,
        physicalRange: ClosedRange<Double>? = nil
    ) {
        self.label = label
        self.unit = unit
        self.kind = kind
        self.muscle = muscle
        self.side = side
        self.branch = branch ?? muscle?.branch
        self.physicalRange = physicalRange
    }

    /// A channel whose muscle and side are parsed from the label (`OOc-L`, `zygomaticus right`).
    public static func labelled(_ label: String, unit: PhysicalUnit = .microvolt, kind: ChannelKind = .emg) -> ChannelInfo {
        let placement = ChannelPlacement(label: label)
        return ChannelInfo(label: label, unit: unit, kind: kind, muscle: placement.muscle, side: placement.side)
    }
}

/// A time span of the recording with a name: a task repetition, an annotation, a marker.
public struct Event: Sendable, Hashable, Codable {
    /// Seconds from the first sample.
    public var onset: Double
    /// Seconds; 0 for an instant.
    public var duration: Double
    public var label: String
    /// The muscle that performs the task, when the events name it (a `driver` column); it overrides the task
    /// catalogue's driver.
    public var driver: Muscle?

    public init(onset: Double, duration: Double, label: String, driver: Muscle? = nil) {
        self.onset = onset
        self.duration = duration
        self.label = label
        self.driver = driver
    }

    public var end: Double { onset + duration }
}

/// An electrical stimulus delivered during a nerve-conduction or blink-reflex study.
public struct Stimulus: Sendable, Hashable, Codable {
    /// Seconds from the first sample.
    public var time: Double
    public var intensityMilliampere: Double?
    /// Stimulation site, e.g. `stylomastoid`, `supraorbital`.
    public var site: String?
    public var side: Side?
    public var branch: Branch?

    public init(time: Double, intensityMilliampere: Double? = nil, site: String? = nil, side: Side? = nil, branch: Branch? = nil) {
        self.time = time
        self.intensityMilliampere = intensityMilliampere
        self.site = site
        self.side = side
        self.branch = branch
    }
}

/// Container formats synk reads, recognised from content.
public enum FileFormat: String, Sendable, Codable, Hashable, CaseIterable {
    case wav, w64, rf64, flac, caf
    case synkHDF5 = "synk-hdf5"
    case nwb
    case openSignalsHDF5 = "opensignals-hdf5"
    case hdf5Dataset = "hdf5-dataset"
    case edf, edfPlus = "edf+", bdf, bdfPlus = "bdf+"
    case csv, tsv
    case biopacText = "biopac-text"
    case openSignalsText = "opensignals-text"
    case labelledText = "labelled-text"
}

/// Where a recording came from.
public struct SourceDescription: Sendable, Hashable, Codable {
    public var path: String
    public var format: FileFormat

    public init(path: String, format: FileFormat) {
        self.path = path
        self.format = format
    }
}

/// Everything about a recording except its samples; known before any sample is read.
public struct RecordingHeader: Sendable, Hashable, Codable {
    public var source: SourceDescription?
    /// Samples per second per channel, Hz. Every channel shares it.
    public var sampleRate: Double
    /// Samples per channel.
    public var frameCount: Int
    public var channels: [ChannelInfo]
    public var startTime: Date?
    /// Time of the first sample in the file's own time base, seconds (a text export's time column, NWB
    /// `starting_time` or first timestamp); `nil` when the file's times start at 0. Stimulus and event times in
    /// the file's base are this much later than times counted from the first sample.
    public var firstSampleTime: Double?
    public var subject: String?
    public var session: String?
    public var affectedSide: AffectedSide?
    public var events: [Event]
    public var stimuli: [Stimulus]
    /// Free-form facts from the file (device, comments, reader notes).
    public var metadata: [String: String]
    /// The EMG-BIDS sidecar files that completed this header, in the order they were applied.
    public var sidecars: [AppliedSidecar]

    public init(
        source: SourceDescription? = nil, sampleRate: Double, frameCount: Int, channels: [ChannelInfo],
        startTime: Date? = nil, subject: String? = nil, session: String? = nil, affectedSide: AffectedSide? = nil,
        events: [Event] = [], stimuli: [Stimulus] = [], metadata: [String: String] = [:], sidecars: [AppliedSidecar] = []
    ) {
        self.source = source
        self.sampleRate = sampleRate
        self.frameCount = frameCount
        self.channels = channels
        self.startTime = startTime
        self.subject = subject
        self.session = session
        self.affectedSide = affectedSide
        self.events = events
        self.stimuli = stimuli
        self.metadata = metadata
        self.sidecars = sidecars
    }

    /// Duration in seconds.
    public var duration: Double { sampleRate > 0 ? Double(frameCount) / sampleRate : 0 }

    /// The prefix of ``metadata`` keys that hold a warning about the file (`warning.rowCount`): something a reader
    /// noticed that does not stop the reading but that the user must be told (a header that declares more samples than
    /// the file holds). Every result lists them in `input.warnings`, and the CLI prints each on standard error.
    public static let warningPrefix = "warning."

    /// The warnings readers raised about the file (``warningPrefix``), one sentence each, ordered by key.
    public var warnings: [String] {
        metadata.filter { $0.key.hasPrefix(Self.warningPrefix) }.sorted { $0.key < $1.key }.map(\.value)
    }

    /// Whether the channels carry labels of their own: false when every label is the placeholder a reader gives a
    /// channel the file does not name (`ch1`, `ch2`, … in order: a plain WAV, a CSV without a header row). A BIDS
    /// `*_channels.tsv` then describes the channels by position, whether it is a sidecar or a `--montage`.
    public var hasOwnChannelLabels: Bool {
        !channels.enumerated().allSatisfy { $0.element.label == "ch\($0.offset + 1)" }
    }

    /// Checks what every analysis relies on: a finite positive rate, at least one channel, a
    /// non-negative length. Throws a ``SynkError`` of kind `.input` naming the file.
    public func validate() throws(SynkError) {
        let file = source?.path
        guard sampleRate.isFinite, sampleRate > 0 else {
            throw .input(file, "invalid sample rate \(sampleRate) Hz", hint: "the rate must be a positive number")
        }
        guard sampleRate <= 10_000_000 else {
            throw .input(file, "implausible sample rate \(sampleRate) Hz")
        }
        guard !channels.isEmpty else { throw .input(file, "no channels") }
        guard frameCount >= 0 else { throw .input(file, "negative sample count \(frameCount)") }
    }
}

/// A block of consecutive frames of every channel, as streamed by a reader.
public struct SignalBlock: Sendable {
    /// Index of the first frame of the block within the recording.
    public var firstFrame: Int
    /// One contiguous array per channel; all the same length.
    public var channels: [[Float]]
    /// True when the reader has verified that every sample is finite, so consumers need not scan the block
    /// again; false means "not known" (a text file's empty cells arrive as NaN).
    public var allFinite: Bool

    public init(firstFrame: Int, channels: [[Float]], allFinite: Bool = false) {
        self.firstFrame = firstFrame
        self.channels = channels
        self.allFinite = allFinite
    }

    public var frameCount: Int { channels.first?.count ?? 0 }
}

/// A whole recording in memory: the header and one contiguous `Float` array per channel.
public struct Recording: Sendable {
    public var header: RecordingHeader
    /// `samples[c][i]` is sample `i` of channel `c`, in `header.channels[c].unit`.
    public var samples: [[Float]]

    /// Creates a recording, checking that the shape agrees with the header.
    public init(header: RecordingHeader, samples: [[Float]]) throws(SynkError) {
        try header.validate()
        guard samples.count == header.channels.count else {
            throw .input(header.source?.path, "\(samples.count) sample arrays for \(header.channels.count) channels")
        }
        for (c, channel) in samples.enumerated() where channel.count != header.frameCount {
            throw .input(header.source?.path, "channel \(header.channels[c].label) has \(channel.count) samples, expected \(header.frameCount)")
        }
        self.header = header
        self.samples = samples
    }

    public var sampleRate: Double { header.sampleRate }
    public var channels: [ChannelInfo] { header.channels }
    public var frameCount: Int { header.frameCount }
    public var duration: Double { header.duration }
}
