import ArgumentParser
import Foundation
import SynkCore
import SynkIO
import SynkDSP
import SynkAnalysis
import SynkReport

extension Synk {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The clinical report: one self-contained HTML page (or Markdown) of a patient's sessions and their progress.",
            discussion: """
            Each recording is classified by content: evoked when it lists stimuli (or --stimuli is given) or has a \
            trigger channel and runs at ≥ 5 kHz — blink reflex when a stimulus site is supraorbital or the EMG \
            channels are only OOc/OOr/PLA, nerve conduction otherwise — and a synkinesis session in every other case. \
            Recordings are grouped into sessions by their session identifier (else the recording day) and ordered by \
            recording time; with two sessions or more the report adds trends and the change since the first session.

            The HTML page has inline CSS and SVG only (no scripts, no network access) and prints to PDF from a \
            browser. A recording whose channels fail quality checks, or that cannot be analysed, still appears with \
            the reason; the exit status is then 1 (the report is still written). An unreadable file exits 3.

            Examples:
              synk report ses-1.h5 ses-2.h5 enog.h5 blink.h5 -o report.html
              synk report session.wav --affected left --patient P-017 --format md -o report.md
            """
        )

        enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case html, md }

        @Argument(help: "Recordings of one patient (synkinesis sessions, nerve-conduction and blink-reflex studies).")
        var files: [String]

        @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file (atomically) instead of standard output.", valueName: "OUT"))
        var output: String?

        @Option(help: "Output format: html or md.")
        var format: ReportFormat = .html

        @Option(help: ArgumentHelp("Patient identifier shown in the header (default: the recordings' subject).", valueName: "ID"))
        var patient: String?

        @Option(help: ArgumentHelp("The affected side: left, right or none (overrides the files).", valueName: "SIDE"))
        var affected: String?

        @Option(help: ArgumentHelp("Montage for the synkinesis sessions: JSON or a BIDS channels.tsv.", valueName: "FILE"))
        var montage: String?

        @Option(help: ArgumentHelp("Task events for the synkinesis sessions (onset, duration, trial_type).", valueName: "FILE"))
        var events: String?

        @Option(help: ArgumentHelp("Stimuli table for the evoked studies (recordings at ≥ 5 kHz).", valueName: "FILE"))
        var stimuli: String?

        @Option(help: ArgumentHelp("A clinic's own normative table (JSON) for the evoked studies.", valueName: "FILE"))
        var norms: String?

        @OptionGroup(title: "Synkinesis settings") var synkinesis: SynkinesisSettings

        @OptionGroup var input: InputOptions
        @OptionGroup var overwrite: ForceOption

        func run() throws {
            guard !files.isEmpty else { throw SynkError.usage("give at least one recording") }
            let conditioning = try synkinesis.conditioningDescription()
            let parameters = try synkinesis.analysisParameters()
            let affectedSide = try affected.map(AnalysisOptions.parseAffected)
            try Synk.checkFiles(recordings: files, input: input, otherInputs: [montage, events, stimuli, norms], outputs: [output], force: overwrite.force)
            let normativeTable = try norms.map { path throws(SynkError) in try NormativeTable.load(path: path) } ?? .standard
            let stimulusList = try stimuli.map { path throws(SynkError) in try StimuliFile.read(path) }

            var studies: [ClinicalStudy] = []
            for file in files {
                studies.append(try study(file, conditioning: conditioning, parameters: parameters, affected: affectedSide,
                                         norms: normativeTable, stimuli: stimulusList))
            }
            let subjects = Set(studies.compactMap(\.header.subject))
            if patient == nil, subjects.count > 1 {
                throw SynkError.usage("the recordings belong to different subjects (\(subjects.sorted().joined(separator: ", ")))",
                                      hint: "report one patient at a time, or name the patient with --patient")
            }
            let report = ClinicalReport(studies: studies, patient: patient, affectedSide: affectedSide)
            let text = format == .html ? ClinicalHTML.render(report) : ClinicalMarkdown.render(report)
            try Output.emit(text, to: output)
            if report.qualityFailed {
                let failed = report.studies.filter(\.qualityFailed).map { URL(fileURLWithPath: $0.input.path).lastPathComponent }
                FileHandle.standardError.write(Data("synk: report written; quality check failed for \(failed.joined(separator: ", ")) (the report says why)\n".utf8))
                throw ExitCode(1)
            }
        }

        /// Reads, classifies and analyses one recording. Reading errors are thrown (exit 3); analysis errors are
        /// kept in the study so that the report says what could not be measured.
        func study(
            _ file: String, conditioning: ConditioningDescription, parameters: SynkinesisParameters, affected: AffectedSide?,
            norms: NormativeTable, stimuli: [Stimulus]?
        ) throws(SynkError) -> ClinicalStudy {
            let source = try RecordingReader.open(file, options: input.readOptions.synkIO)
            var header = source.header
            if let stimuli, header.sampleRate >= StudyClassifier.evokedMinimumSampleRateHz { header.stimuli = stimuli }
            if let affected { header.affectedSide = affected }
            let kind = StudyClassifier.classify(header)
            let sha = try SHA256.hexOfFile(atPath: file)
            let description = InputDescription(path: file, sha256: sha, header: header)
            switch kind {
            case .synkinesis:
                do {
                    let montage = try AnalysisOptions.montage(for: header, path: self.montage, affected: affected)
                    let tasks = try AnalysisOptions.tasks(for: header, eventsPath: events)
                    let (result, conditioned) = try SynkinesisPipeline.runKeepingEnvelopes(
                        source, montage: montage, tasks: tasks, input: description, conditioning: conditioning, parameters: parameters)
                    return ClinicalStudy(input: description, header: header, kind: kind,
                                         finding: .synkinesis(result, SynkinesisTraces(conditioned: conditioned, result: result)))
                } catch {
                    // A wrong command line, or a montage or events file that cannot be read, is the user's to fix
                    // (exit 2 or 3, as for `synk synkinesis`), not a finding of this recording.
                    if error.kind == .usage { throw error }
                    if error.kind == .input, let named = error.file, [self.montage, events].contains(named) { throw error }
                    return ClinicalStudy(input: description, header: header, kind: kind, finding: .notMeasured(error.withFile(file)))
                }
            case .nerveConduction, .blinkReflex:
                var recording = try source.readAll()
                recording.header.stimuli = header.stimuli
                recording.header.affectedSide = header.affectedSide
                let quality = QualityAccumulator.assess(recording)
                do {
                    let finding: ClinicalFinding
                    if kind == .nerveConduction {
                        var (result, waveforms) = try NerveConductionAnalysis.analyzeKeepingWaveforms(recording, norms: norms)
                        result.input = description
                        finding = .nerveConduction(result, waveforms)
                    } else {
                        var result = try BlinkReflexAnalysis.analyze(recording, norms: norms)
                        result.input = description
                        finding = .blinkReflex(result)
                    }
                    return ClinicalStudy(input: description, header: header, kind: kind, finding: finding, quality: quality, norms: norms)
                } catch {
                    return ClinicalStudy(input: description, header: header, kind: kind, finding: .notMeasured(error.withFile(file)),
                                         quality: quality, norms: norms)
                }
            }
        }
    }
}
