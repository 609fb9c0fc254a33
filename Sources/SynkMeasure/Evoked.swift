import Foundation
import SynkCore
import SynkIO
import SynkAnalysis

/// Everything a nerve-conduction (ENoG) measurement can be told, as typed values.
public struct NerveConductionSettings: Sendable, Hashable {
    /// How the recording is read (HDF5 dataset, sample rate, BIDS sidecars).
    public var reading: ReadOptions
    /// A stimuli table (`time_s` or `onset`, optionally `intensity_ma`, `site`, `side`, `branch`); it replaces
    /// the stimuli the file lists.
    public var stimuliFile: String?
    /// The affected side, overriding what the files state.
    public var affectedSide: AffectedSide?
    /// Normative limits the responses are checked against.
    public var norms: NormativeTable
    /// Every setting of the analysis (window, conditioning, measurement rules, plateau, minimum rate).
    public var parameters: NerveConductionParameters

    public init(
        reading: ReadOptions = ReadOptions(), stimuliFile: String? = nil, affectedSide: AffectedSide? = nil,
        norms: NormativeTable = .standard, parameters: NerveConductionParameters = NerveConductionParameters()
    ) {
        self.reading = reading
        self.stimuliFile = stimuliFile
        self.affectedSide = affectedSide
        self.norms = norms
        self.parameters = parameters
    }
}

/// Everything a blink-reflex measurement can be told, as typed values.
public struct BlinkReflexSettings: Sendable, Hashable {
    public var reading: ReadOptions
    /// A stimuli table; it replaces the stimuli the file lists.
    public var stimuliFile: String?
    public var affectedSide: AffectedSide?
    public var norms: NormativeTable
    public var parameters: BlinkReflexParameters

    public init(
        reading: ReadOptions = ReadOptions(), stimuliFile: String? = nil, affectedSide: AffectedSide? = nil,
        norms: NormativeTable = .standard, parameters: BlinkReflexParameters = BlinkReflexParameters()
    ) {
        self.reading = reading
        self.stimuliFile = stimuliFile
        self.affectedSide = affectedSide
        self.norms = norms
        self.parameters = parameters
    }
}

/// What every evoked-response measurement is told besides its analysis settings: how the recording is read, which
/// stimuli table replaces the file's own, and the affected side.
public protocol EvokedStudySettings: Sendable {
    var reading: ReadOptions { get set }
    var stimuliFile: String? { get set }
    var affectedSide: AffectedSide? { get set }
}

extension NerveConductionSettings: EvokedStudySettings {}
extension BlinkReflexSettings: EvokedStudySettings {}

extension EvokedStudySettings {
    /// The header of the recording at `path` as the measurement will see it: read with ``reading``, with the
    /// stimuli of ``stimuliFile`` when given. Reads no samples (for deciding whether an analysis applies).
    public func header(of path: String) throws(SynkError) -> RecordingHeader {
        var header = try RecordingReader.open(path, options: reading).header
        if let stimuliFile { header.stimuli = try StimuliFile.read(stimuliFile) }
        if let affectedSide { header.affectedSide = affectedSide }
        return header
    }
}

/// An evoked-response recording read into memory with the stimuli and side the settings give, and its digest.
struct EvokedInput {
    var recording: Recording
    var description: InputDescription

    /// Reads `file`, applies `stimuliFile` and `affectedSide`, and hashes the file while it is read.
    static func read(_ file: InputFile, reading: ReadOptions, stimuliFile: String?, affectedSide: AffectedSide?) throws(SynkError) -> EvokedInput {
        let stimuli = try stimuliFile.map { path throws(SynkError) in try StimuliFile.read(path) }
        let source = try RecordingReader.open(file.path, options: reading)
        let digest = file.startDigest()
        var recording = try digest.around { () throws(SynkError) in try source.readAll() }
        let overrides = apply(stimuli: stimuli, from: stimuliFile, affectedSide: affectedSide, to: &recording.header, recording: file.reportedPath)
        var description = InputDescription(path: file.reportedPath, sha256: try digest.value(), header: recording.header)
        description.overrides = overrides
        return EvokedInput(recording: recording, description: description)
    }

    /// A recording already in memory with the settings' stimuli and side applied; its `input.sha256` is the digest
    /// of its samples.
    static func memory(_ recording: Recording, stimuliFile: String?, affectedSide: AffectedSide?) throws(SynkError) -> EvokedInput {
        var recording = recording
        let stimuli = try stimuliFile.map { path throws(SynkError) in try StimuliFile.read(path) }
        let overrides = apply(stimuli: stimuli, from: stimuliFile, affectedSide: affectedSide, to: &recording.header,
                              recording: recording.header.source?.path ?? "(memory)")
        var description = InputDescription(memory: recording)
        description.overrides = overrides
        return EvokedInput(recording: recording, description: description)
    }

    /// Puts the settings' stimuli and side into `header`, returning the overrides that makes of what the recording
    /// states (``SettingOverrides``).
    static func apply(stimuli: [Stimulus]?, from stimuliFile: String?, affectedSide: AffectedSide?, to header: inout RecordingHeader,
                      recording: String) -> [AppliedOverride] {
        var overrides: [AppliedOverride] = []
        if let stimuli {
            if let stimuliFile, let override = SettingOverrides.stimuli(stimuli, file: stimuliFile, stated: header.stimuli, statedBy: recording) {
                overrides.append(override)
            }
            header.stimuli = stimuli
        }
        if let affectedSide {
            if let override = SettingOverrides.affectedSide(affectedSide, stated: header.affectedSide, statedBy: recording) { overrides.append(override) }
            header.affectedSide = affectedSide
        }
        return overrides
    }
}

/// Facial nerve conduction (ENoG) of a recording, from the file to the complete result: the supramaximal CMAP
/// per branch and side, ENoG % per branch, checked against normative limits.
///
/// ```swift
/// let enog = try NerveConduction.measure(file: "enog.h5")
/// for branch in enog.branches { print(branch.branch, branch.enogPercent ?? .nan) }
/// ```
public enum NerveConduction {
    /// Measures the recording at `file`.
    public static func measure(file: InputFile, settings: NerveConductionSettings = NerveConductionSettings()) throws(SynkError) -> NerveConductionResult {
        try measureKeepingWaveforms(file: file, settings: settings).result
    }

    /// ``measure(file:settings:)`` that also returns the averaged waveform each response was measured on.
    public static func measureKeepingWaveforms(
        file: InputFile, settings: NerveConductionSettings = NerveConductionSettings()
    ) throws(SynkError) -> (result: NerveConductionResult, waveforms: [CMAPWaveform]) {
        let input = try EvokedInput.read(file, reading: settings.reading, stimuliFile: settings.stimuliFile, affectedSide: settings.affectedSide)
        // Every error names the file (a window or notch that does not fit this recording's rate is about this file).
        do {
            var (result, waveforms) = try NerveConductionAnalysis.analyzeKeepingWaveforms(input.recording, parameters: settings.parameters, norms: settings.norms)
            result.input = input.description
            return (result, waveforms)
        } catch { throw error.withFile(file.path) }
    }

    /// Measures a recording already in memory (its `input.sha256` is the digest of the samples).
    public static func measure(recording: Recording, settings: NerveConductionSettings = NerveConductionSettings()) throws(SynkError) -> NerveConductionResult {
        let input = try EvokedInput.memory(recording, stimuliFile: settings.stimuliFile, affectedSide: settings.affectedSide)
        var result = try NerveConductionAnalysis.analyze(input.recording, parameters: settings.parameters, norms: settings.norms)
        result.input = input.description
        return result
    }

    /// Why nerve conduction does not apply to a recording with this header, or nil when it does: a rate below
    /// the analysis's minimum (a 1 kHz synkinesis session), or a blink-reflex study (every stimulus supraorbital).
    public static func inapplicability(_ header: RecordingHeader, settings: NerveConductionSettings = NerveConductionSettings()) -> String? {
        if header.sampleRate < settings.parameters.minimumSampleRateHz {
            return "sampled at \(header.sampleRate) Hz, below the \(settings.parameters.minimumSampleRateHz) Hz nerve conduction needs"
        }
        let sites = Set(header.stimuli.map { $0.site?.lowercased() ?? "" })
        if sites == ["supraorbital"] {
            return "a blink-reflex study (every stimulus supraorbital): use synk blink"
        }
        return nil
    }
}

/// The blink reflex of a recording, from the file to the complete result: R1 and ipsi-/contralateral R2
/// latencies and amplitudes per stimulated side, side differences, norms, R2 spread into lower-face muscles.
public enum BlinkReflex {
    /// Measures the recording at `file`.
    public static func measure(file: InputFile, settings: BlinkReflexSettings = BlinkReflexSettings()) throws(SynkError) -> BlinkReflexResult {
        let input = try EvokedInput.read(file, reading: settings.reading, stimuliFile: settings.stimuliFile, affectedSide: settings.affectedSide)
        do {
            var result = try BlinkReflexAnalysis.analyze(input.recording, parameters: settings.parameters, norms: settings.norms)
            result.input = input.description
            return result
        } catch { throw error.withFile(file.path) }
    }

    /// Measures a recording already in memory (its `input.sha256` is the digest of the samples).
    public static func measure(recording: Recording, settings: BlinkReflexSettings = BlinkReflexSettings()) throws(SynkError) -> BlinkReflexResult {
        let input = try EvokedInput.memory(recording, stimuliFile: settings.stimuliFile, affectedSide: settings.affectedSide)
        var result = try BlinkReflexAnalysis.analyze(input.recording, parameters: settings.parameters, norms: settings.norms)
        result.input = input.description
        return result
    }

    /// Why the blink-reflex analysis does not apply to a recording with this header, or nil when it does.
    public static func inapplicability(_ header: RecordingHeader, settings: BlinkReflexSettings = BlinkReflexSettings()) -> String? {
        if header.sampleRate < settings.parameters.minimumSampleRateHz {
            return "sampled at \(header.sampleRate) Hz, below the \(settings.parameters.minimumSampleRateHz) Hz a blink-reflex study needs"
        }
        if StudyClassifier.classify(header) != .blinkReflex {
            return "not a blink-reflex study (no supraorbital stimulation, or channels beyond OOc/OOr/PLA)"
        }
        return nil
    }
}
