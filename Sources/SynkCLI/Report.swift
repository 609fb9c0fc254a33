import ArgumentParser
import Foundation
import Synk

extension SynkCommand {
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

        @OptionGroup(title: "Montage, tasks and side") var study: SynkinesisStudyOptions

        @Option(help: ArgumentHelp("Stimuli table for the evoked studies (recordings at ≥ 5 kHz).", valueName: "FILE"))
        var stimuli: String?

        @Option(help: ArgumentHelp("A clinic's own normative table (JSON) for the evoked studies.", valueName: "FILE"))
        var norms: String?

        @OptionGroup(title: "Synkinesis settings") var synkinesis: SynkinesisOptions

        @OptionGroup var input: InputOptions

        /// One settings value for every analysis the report may run; side and stimuli apply to all.
        func settings() throws(SynkError) -> StudySettings {
            let synkinesisSettings = try synkinesis.settings(reading: input.reading, study: study)
            let normativeTable = try norms.map { path throws(SynkError) in try NormativeTable.load(path: path) } ?? .standard
            let side = synkinesisSettings.affectedSide
            return StudySettings(
                synkinesis: synkinesisSettings,
                nerveConduction: NerveConductionSettings(reading: input.reading, stimuliFile: stimuli, affectedSide: side, norms: normativeTable),
                blinkReflex: BlinkReflexSettings(reading: input.reading, stimuliFile: stimuli, affectedSide: side, norms: normativeTable))
        }

        func run() throws {
            guard !files.isEmpty else { throw SynkError.usage("give at least one recording") }
            let settings = try settings()
            var studies: [ClinicalStudy] = []
            for file in files {
                let measured = try Study.measure(file: InputFile(file), settings: settings)
                studies.append(ClinicalStudy(measured, norms: settings.nerveConduction.norms))
            }
            let subjects = Set(studies.compactMap(\.header.subject))
            if patient == nil, subjects.count > 1 {
                throw SynkError.usage("the recordings belong to different subjects (\(subjects.sorted().joined(separator: ", ")))",
                                      hint: "report one patient at a time, or name the patient with --patient")
            }
            let report = ClinicalReport(studies: studies, patient: patient, affectedSide: settings.synkinesis.affectedSide)
            let text = format == .html ? ClinicalHTML.render(report) : ClinicalMarkdown.render(report)
            try Output.emit(text, to: output)
            if report.qualityFailed {
                let failed = report.studies.filter(\.qualityFailed).map { URL(fileURLWithPath: $0.input.path).lastPathComponent }
                FileHandle.standardError.write(Data("synk: report written; quality check failed for \(failed.joined(separator: ", ")) (the report says why)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
