import Foundation
import SynkCore
import SynkIO
import SynkDSP
import SynkAnalysis

/// Everything a synkinesis measurement can be told, as typed values. The CLI, `synk batch`, `synk report`
/// and Swift callers fill the same value, so that they cannot drift apart.
public struct SynkinesisSettings: Sendable, Hashable {
    /// How the recording is read (HDF5 dataset, sample rate for files that do not state it, BIDS sidecars).
    public var reading: ReadOptions
    /// A montage file (JSON or BIDS `*_channels.tsv`); it takes precedence over sidecars, file metadata and labels.
    public var montageFile: String?
    /// A task events file (`onset`, `duration`, `trial_type`); it takes precedence over the file's own events.
    public var eventsFile: String?
    /// The affected side, overriding what the files state.
    public var affectedSide: AffectedSide?
    /// Band-pass, optional notch, envelope and decimation of the envelopes.
    public var conditioning: ConditioningDescription
    /// Every setting of the analysis itself (lags, onset detection, cut-offs, task drivers).
    public var parameters: SynkinesisParameters
    /// The limits of the per-channel quality checks.
    public var quality: QualityCriteria

    public init(
        reading: ReadOptions = ReadOptions(), montageFile: String? = nil, eventsFile: String? = nil,
        affectedSide: AffectedSide? = nil, conditioning: ConditioningDescription = .default,
        parameters: SynkinesisParameters = SynkinesisParameters(), quality: QualityCriteria = QualityCriteria()
    ) {
        self.reading = reading
        self.montageFile = montageFile
        self.eventsFile = eventsFile
        self.affectedSide = affectedSide
        self.conditioning = conditioning
        self.parameters = parameters
        self.quality = quality
    }

    /// Checks what can be checked before a file is read: an amplitude envelope (moving RMS or linear envelope)
    /// is required, decimation of the envelope must be set, the lag window must be a finite non-negative time.
    public func validate() throws(SynkError) {
        guard let envelope = conditioning.envelope else { throw .usage("the synkinesis analysis needs an envelope (rms:… or linear:…)") }
        guard envelope.isAmplitudeEnvelope else {
            throw .usage("the synkinesis analysis takes an amplitude envelope: rms:WINDOW or linear:CUTOFF",
                         hint: "hilbert and tkeo envelopes are available in synk filter")
        }
        if let rate = conditioning.decimation?.targetRate, !(rate.isFinite && rate > 0) {
            throw .usage("the envelope rate must be a positive number of Hz, not \(rate)")
        }
        guard parameters.maxLagSeconds.isFinite, parameters.maxLagSeconds >= 0 else {
            throw .usage("the maximum lag must be a non-negative time, not \(parameters.maxLagSeconds) s")
        }
    }
}

/// Synkinetic correlation of a recording, from the file to the complete result.
///
/// ```swift
/// import Synk
///
/// let result = try Synkinesis.measure(file: "session1.h5")
/// for pair in result.pairs where pair.flag {
///     print(pair.task, pair.driver, "→", pair.follower, pair.amplitudeRatio ?? .nan)
/// }
/// ```
///
/// The montage comes, in order of precedence, from ``SynkinesisSettings/montageFile``, BIDS sidecars, the
/// file's channel metadata, or channel labels such as `OOc-L`; the tasks from
/// ``SynkinesisSettings/eventsFile``, the file's events, or detected activation bursts. The result carries the
/// input (path, SHA-256), every parameter, the conditioning and the quality of every channel.
public enum Synkinesis {
    /// Measures the recording at `file`. Throws a one-line `SynkError`: `.usage` for impossible settings,
    /// `.input` for an unreadable or unusable recording, `.quality` when every channel failed its checks.
    public static func measure(file: InputFile, settings: SynkinesisSettings = SynkinesisSettings()) throws(SynkError) -> SynkinesisResult {
        try measureKeepingEnvelopes(file: file, settings: settings).result
    }

    /// ``measure(file:settings:)`` that also returns the conditioned recording (the decimated envelopes of every
    /// montage channel, in memory or spilled to temporary files), for plotting without a second read.
    public static func measureKeepingEnvelopes(
        file: InputFile, settings: SynkinesisSettings = SynkinesisSettings()
    ) throws(SynkError) -> (result: SynkinesisResult, conditioned: ConditionedRecording) {
        try settings.validate()
        let source = try RecordingReader.open(file.path, options: settings.reading)
        let digest = file.startDigest()
        var (result, conditioned) = try digest.around { () throws(SynkError) in
            try measure(source, reportedPath: file.reportedPath, settings: settings)
        }
        result.input?.sha256 = try digest.value()
        return (result, conditioned)
    }

    /// Measures a recording already in memory. Its `input.sha256` is the digest of the samples
    /// (`InputDescription(memory:)`).
    public static func measure(recording: Recording, settings: SynkinesisSettings = SynkinesisSettings()) throws(SynkError) -> SynkinesisResult {
        try settings.validate()
        let source = RecordingSource(recording)
        var (result, _) = try measure(source, reportedPath: recording.header.source?.path ?? "(memory)", settings: settings)
        result.input = InputDescription(memory: recording)
        return result
    }

    static func measure(
        _ source: any SampleSource, reportedPath: String, settings: SynkinesisSettings
    ) throws(SynkError) -> (result: SynkinesisResult, conditioned: ConditionedRecording) {
        let header = source.header
        let montage = try montage(for: header, settings: settings)
        let tasks = try tasks(for: header, settings: settings)
        return try SynkinesisPipeline.runKeepingEnvelopes(
            source, montage: montage, tasks: tasks, input: InputDescription(path: reportedPath, sha256: "", header: header),
            conditioning: settings.conditioning, parameters: settings.parameters, criteria: settings.quality)
    }

    /// The montage by precedence: the montage file, else the channel metadata and labels of the recording
    /// (BIDS sidecars were applied to those when the file was opened). The settings' affected side overrides
    /// what the montage or the file states.
    public static func montage(for header: RecordingHeader, settings: SynkinesisSettings) throws(SynkError) -> Montage {
        let labels = header.channels.map(\.label)
        var montage: Montage
        if let path = settings.montageFile {
            guard let data = FileManager.default.contents(atPath: path) else { throw .input(path, "cannot read the montage file") }
            let text = String(decoding: data, as: UTF8.self)
            if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
                montage = try Montage(json: data, file: path, recordingLabels: labels)
            } else {
                montage = try Montage(channelsTSV: text, file: path, recordingLabels: labels, affectedSide: nil)
            }
        } else {
            montage = try Montage(channels: header.channels, affectedSide: header.affectedSide)
            // A one-sided recording whose labels name muscles but no side (e.g. BIOPAC "Zyg Raw"): measure it
            // as a single side. The side comparison is then impossible, and the output says why.
            if montage.channels.isEmpty {
                let oneSided = header.channels.enumerated().compactMap { index, info -> MontageChannel? in
                    guard info.kind == .emg, info.side == nil, let muscle = info.muscle ?? ChannelPlacement(label: info.label).muscle else { return nil }
                    return MontageChannel(channelIndex: index, label: info.label, muscle: muscle, side: .left)
                }
                if !oneSided.isEmpty {
                    let note = MontageGap(kind: .note, muscle: nil, missingSide: nil, label: nil,
                                          reason: "no channel states a side: the \(oneSided.count) muscle channels are analysed as one side (listed as 'left'); no side comparison is possible")
                    montage = try Montage(channels: oneSided, affectedSide: nil, unmapped: [note])
                }
            }
        }
        if let affected = settings.affectedSide {
            montage.affectedSide = affected
        } else if montage.affectedSide == nil {
            montage.affectedSide = header.affectedSide
        }
        return montage
    }

    /// The tasks: the events file when given, else the recording's own events, else detected from bursts.
    public static func tasks(for header: RecordingHeader, settings: SynkinesisSettings) throws(SynkError) -> TaskSource {
        if let path = settings.eventsFile { return .events(try BIDSSidecars.readEvents(path)) }
        return header.events.isEmpty ? .detect : .events(header.events)
    }
}
