import Foundation
import SynkCore
import SynkIO
import SynkAnalysis

/// What instrument a recording belongs to, decided from its content.
public enum StudyKind: String, Sendable, Codable, Hashable, CaseIterable {
    case synkinesis
    case nerveConduction = "nerve_conduction"
    case blinkReflex = "blink_reflex"
}

/// Classifies a recording by what it contains, so that a report can take a patient's files in any order.
///
/// The rule, in order:
/// 1. A recording is **evoked** when it lists stimuli or has a trigger channel *and* runs at
///    ≥ ``evokedMinimumSampleRateHz`` (CMAP and blink latencies need sub-0.2 ms resolution; facial sEMG
///    sessions run at 1-4 kHz). Anything else is a **synkinesis** session.
/// 2. An evoked recording is a **blink reflex** study when any stimulus site names the supraorbital nerve,
///    or, when no stimulus has a site, when its EMG channels are only OOc, OOr and PLA (the blink montage).
/// 3. Every other evoked recording is a **nerve-conduction** study.
public enum StudyClassifier {
    public static let evokedMinimumSampleRateHz = 5000.0
    static let blinkMuscles: Set<Muscle> = [.OOc, .OOr, .PLA]

    public static func classify(_ header: RecordingHeader) -> StudyKind {
        let hasStimuli = !header.stimuli.isEmpty || header.channels.contains { $0.kind == .trigger }
        guard hasStimuli, header.sampleRate >= evokedMinimumSampleRateHz else { return .synkinesis }
        let sites = header.stimuli.compactMap { $0.site?.lowercased() }
        if sites.contains(where: { $0.contains("supraorbital") || $0.contains("supra-orbital") }) { return .blinkReflex }
        let muscles = Set(header.channels.filter { $0.kind == .emg }.compactMap(\.muscle))
        if sites.isEmpty, !muscles.isEmpty, muscles.isSubset(of: blinkMuscles), muscles.contains(.OOc) { return .blinkReflex }
        return .nerveConduction
    }
}

/// The settings of every analysis a study may need; the side and the stimuli given here apply to all of them.
public struct StudySettings: Sendable, Hashable {
    public var synkinesis: SynkinesisSettings
    public var nerveConduction: NerveConductionSettings
    public var blinkReflex: BlinkReflexSettings

    public init(
        synkinesis: SynkinesisSettings = SynkinesisSettings(), nerveConduction: NerveConductionSettings = NerveConductionSettings(),
        blinkReflex: BlinkReflexSettings = BlinkReflexSettings()
    ) {
        self.synkinesis = synkinesis
        self.nerveConduction = nerveConduction
        self.blinkReflex = blinkReflex
    }
}

/// One recording of a patient, classified and measured by the analysis its content calls for.
public struct MeasuredStudy: Sendable {
    /// What the study measured, or why it could not.
    public enum Measurement: Sendable {
        /// The synkinesis result and the envelopes it was measured on (for figures).
        case synkinesis(SynkinesisResult, ConditionedRecording)
        /// The ENoG result and the averaged waveform of every response.
        case nerveConduction(NerveConductionResult, [CMAPWaveform])
        /// The blink-reflex result and the rectified average of every orbicularis oculi channel (for figures).
        case blinkReflex(BlinkReflexResult, [BlinkWaveform])
        /// The analysis could not run; the error says why.
        case notMeasured(SynkError)
    }

    public var input: InputDescription
    /// The recording's header with the settings' side and stimuli applied.
    public var header: RecordingHeader
    public var kind: StudyKind
    public var measurement: Measurement
    /// Quality of every channel (evoked studies; a synkinesis result carries its own).
    public var quality: [ChannelQuality]?
}

/// Classifies and measures one recording (``StudyClassifier``), the way `synk report` takes a patient's files.
public enum Study {
    /// Reads, classifies and measures `file`. Reading errors and usage errors are thrown; an analysis that cannot
    /// run on the recording becomes ``MeasuredStudy/Measurement/notMeasured(_:)``, so that a report of several
    /// studies can say what could not be measured and go on.
    public static func measure(file: InputFile, settings: StudySettings = StudySettings()) throws(SynkError) -> MeasuredStudy {
        let stimuli = try settings.nerveConduction.stimuliFile.map { path throws(SynkError) in try StimuliFile.read(path) }
        let source = try RecordingReader.open(file.path, options: settings.synkinesis.reading)
        var header = source.header
        let evokedRate = header.sampleRate >= StudyClassifier.evokedMinimumSampleRateHz
        let evokedOverrides = EvokedInput.apply(stimuli: evokedRate ? stimuli : nil, from: settings.nerveConduction.stimuliFile,
                                                affectedSide: settings.synkinesis.affectedSide, to: &header, recording: file.reportedPath)
        let kind = StudyClassifier.classify(header)
        let digest = file.startDigest()
        switch kind {
        case .synkinesis:
            let outcome: Result<(SynkinesisResult, ConditionedRecording), SynkError>
            do {
                outcome = .success(try Synkinesis.measure(source, reportedPath: file.reportedPath, settings: settings.synkinesis))
            } catch {
                // A wrong command line, or a montage or events file that cannot be read, is the caller's to fix (as for
                // `Synkinesis.measure`), not a finding of this recording.
                let namesOptionFile = error.file.map { [settings.synkinesis.montageFile, settings.synkinesis.eventsFile].contains($0) } ?? false
                if error.kind == .usage || (error.kind == .input && namesOptionFile) { digest.cancel(); throw error }
                outcome = .failure(error.withFile(file.path))
            }
            var description = InputDescription(path: file.reportedPath, sha256: try digest.value(), header: header)
            switch outcome {
            case .success(let (measured, _)) where measured.nothingMeasured:
                // The report says a session could not be measured in its own words, never "no pair meets the rule".
                return MeasuredStudy(input: description, header: header, kind: kind,
                                     measurement: .notMeasured(SynkError(.quality, file: file.path, measured.nothingMeasuredSentence)))
            case .success(let (measured, conditioned)):
                var result = measured
                description.overrides = result.input?.overrides ?? []
                result.input = description
                return MeasuredStudy(input: description, header: header, kind: kind, measurement: .synkinesis(result, conditioned))
            case .failure(let error):
                return MeasuredStudy(input: description, header: header, kind: kind, measurement: .notMeasured(error))
            }
        case .nerveConduction, .blinkReflex:
            var recording = try digest.around { () throws(SynkError) in try source.readAll() }
            recording.header.stimuli = header.stimuli
            recording.header.affectedSide = header.affectedSide
            var description = InputDescription(path: file.reportedPath, sha256: try digest.value(), header: recording.header)
            description.overrides = evokedOverrides
            let quality = QualityAccumulator.assess(recording)
            let measurement: MeasuredStudy.Measurement
            do {
                if kind == .nerveConduction {
                    let ncs = settings.nerveConduction
                    var (result, waveforms) = try NerveConductionAnalysis.analyzeKeepingWaveforms(recording, parameters: ncs.parameters, norms: ncs.norms)
                    result.input = description
                    measurement = .nerveConduction(result, waveforms)
                } else {
                    let blink = settings.blinkReflex
                    var result = try BlinkReflexAnalysis.analyze(recording, parameters: blink.parameters, norms: blink.norms)
                    result.input = description
                    measurement = .blinkReflex(result, BlinkWaveform.averages(recording, parameters: blink.parameters))
                }
            } catch {
                measurement = .notMeasured(error.withFile(file.path))
            }
            return MeasuredStudy(input: description, header: header, kind: kind, measurement: measurement, quality: quality)
        }
    }
}
