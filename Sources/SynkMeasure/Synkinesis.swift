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
    /// `.input` for an unreadable or unusable recording. When every channel failed its checks the result has no pairs
    /// and lists each exclusion (``SynkinesisResult/qualityFailed``).
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
        let overrides = result.input?.overrides ?? []
        result.input = InputDescription(memory: recording)
        result.input?.overrides = overrides
        return result
    }

    static func measure(
        _ source: any SampleSource, reportedPath: String, settings: SynkinesisSettings
    ) throws(SynkError) -> (result: SynkinesisResult, conditioned: ConditionedRecording) {
        // Every error names the file: a band or notch that does not fit this recording's rate is about this file.
        do { return try measureNamingNoFile(source, reportedPath: reportedPath, settings: settings) } catch { throw error.withFile(reportedPath) }
    }

    private static func measureNamingNoFile(
        _ source: any SampleSource, reportedPath: String, settings: SynkinesisSettings
    ) throws(SynkError) -> (result: SynkinesisResult, conditioned: ConditionedRecording) {
        let header = source.header
        let (montage, montageOverrides, described) = try resolvedMontage(for: header, settings: settings, recording: reportedPath)
        let (tasks, taskOverrides) = try resolvedTasks(for: header, settings: settings, recording: reportedPath)
        var input = InputDescription(path: reportedPath, sha256: "", header: header)
        input.overrides = montageOverrides + taskOverrides
        // A channels.tsv that described unlabelled channels by position names them everywhere, as a sidecar does.
        let labelled = described.map { RecordingReader.described(source, as: $0) } ?? source
        return try SynkinesisPipeline.runKeepingEnvelopes(
            labelled, montage: montage, tasks: tasks, input: input,
            conditioning: settings.conditioning, parameters: settings.parameters, criteria: settings.quality)
    }

    /// The montage by precedence: the montage file, else the channel metadata and labels of the recording
    /// (BIDS sidecars were applied to those when the file was opened). The settings' affected side overrides
    /// what the montage or the file states.
    ///
    /// A montage `*_channels.tsv` describes the channels by name; for a recording whose channels have no labels of
    /// their own (`ch1…chN`: a plain WAV, a CSV without a header row) it describes them by position, exactly as the
    /// same file does as a BIDS sidecar (``SynkIO/ChannelsTSV/apply(to:recordingPath:)``). EMG channels a montage
    /// file leaves out are listed as unmapped, with the reason.
    public static func montage(for header: RecordingHeader, settings: SynkinesisSettings) throws(SynkError) -> Montage {
        try resolvedMontage(for: header, settings: settings, recording: header.source?.path ?? "the recording").montage
    }

    /// ``montage(for:settings:)`` with the overrides it makes of what the files state.
    static func resolvedMontage(
        for header: RecordingHeader, settings: SynkinesisSettings, recording: String
    ) throws(SynkError) -> (montage: Montage, overrides: [AppliedOverride], described: RecordingHeader?) {
        var montage: Montage
        var overrides: [AppliedOverride] = []
        var described: RecordingHeader?
        if let path = settings.montageFile {
            (montage, described) = try montageFile(path, header: header, recording: recording)
            let statedBy = SettingOverrides.statedBy(header, .channels, recording: recording)
            if let override = SettingOverrides.montage(montage, file: path, header: header, statedBy: statedBy) { overrides.append(override) }
        } else {
            montage = try Montage(channels: header.channels, affectedSide: header.affectedSide, file: recording)
            // A one-sided recording whose labels name muscles but no side (e.g. BIOPAC "Zyg Raw"): measure it as one side
            // of unknown identity. The side comparison is then impossible, and the output says why.
            if montage.channels.isEmpty, let oneSided = try Montage.oneSided(channels: header.channels, affectedSide: nil, file: recording) {
                montage = oneSided
            }
        }
        // The side a montage file states overrides the recording's; the settings' side overrides both.
        if let path = settings.montageFile, let fromMontage = montage.affectedSide,
           let override = SettingOverrides.affectedSide(fromMontage, stated: header.affectedSide, statedBy: recording, usedFrom: path) {
            overrides.append(override)
        }
        let stated = montage.affectedSide ?? header.affectedSide
        let statedBy = montage.affectedSide != nil ? settings.montageFile ?? recording : recording
        if let affected = settings.affectedSide {
            montage.affectedSide = affected
            if let override = SettingOverrides.affectedSide(affected, stated: stated, statedBy: statedBy) { overrides.append(override) }
        } else if montage.affectedSide == nil {
            montage.affectedSide = header.affectedSide
        }
        return (montage, overrides, described)
    }

    /// A montage file (JSON, or a BIDS channels.tsv by name, or by position when the recording has no labels of its
    /// own), with every EMG channel it leaves out listed as unmapped; for a channels.tsv read by position, also the
    /// header it describes (labels, kinds, units, muscles and sides, as the same file applied as a sidecar gives).
    static func montageFile(_ path: String, header: RecordingHeader, recording: String) throws(SynkError) -> (Montage, RecordingHeader?) {
        let data = try RegularFile.contents(of: path, role: "montage", maximumBytes: InputLimits.maximumTableBytes)
        var text = String(decoding: data, as: UTF8.self)
        // A byte-order mark (spreadsheet exports) would become part of the first channel's name.
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        var montage: Montage
        if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
            montage = try Montage(json: Data(text.utf8), file: path, recordingLabels: header.channels.map(\.label))
        } else if !header.hasOwnChannelLabels {
            var described = header
            _ = try ChannelsTSV.read(path: path).apply(to: &described, recordingPath: recording)
            return (try Montage(channels: described.channels, affectedSide: nil), described)
        } else {
            montage = try Montage(channelsTSV: text, file: path, recordingLabels: header.channels.map(\.label), affectedSide: nil)
        }
        let mapped = Set(montage.channels.map(\.channelIndex))
        let unlisted = header.channels.enumerated().filter { $0.element.kind == .emg && !mapped.contains($0.offset) }.map { index, info in
            MontageGap(kind: .unmapped, muscle: nil, missingSide: nil, label: info.label,
                       reason: "channel \(info.label): not in the montage \(path), not analysed")
        }
        montage.gaps.insert(contentsOf: unlisted, at: 0)
        return (montage, nil)
    }

    /// The tasks: the events file when given, else the recording's own events, else detected from bursts.
    public static func tasks(for header: RecordingHeader, settings: SynkinesisSettings) throws(SynkError) -> TaskSource {
        try resolvedTasks(for: header, settings: settings, recording: header.source?.path ?? "the recording").tasks
    }

    /// ``tasks(for:settings:)`` with the override an events file makes of the recording's own events.
    static func resolvedTasks(
        for header: RecordingHeader, settings: SynkinesisSettings, recording: String
    ) throws(SynkError) -> (tasks: TaskSource, overrides: [AppliedOverride]) {
        if let path = settings.eventsFile {
            let events = try BIDSSidecars.readEvents(path)
            let statedBy = SettingOverrides.statedBy(header, .events, recording: recording)
            return (.events(events), [SettingOverrides.events(events, file: path, stated: header.events, statedBy: statedBy)].compactMap { $0 })
        }
        return (header.events.isEmpty ? .detect : .events(header.events), [])
    }
}
