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

            Page one holds the conclusion, the pairs the synkinesis decision calls synkinetic, ENoG per branch, the \
            blink reflex and data quality; detail pages follow. The HTML page has inline CSS and SVG only (no scripts, \
            no network access) and prints on A4 (or --paper letter); --format pdf prints it with a headless Chromium \
            (SYNK_CHROMIUM, or chromium / google-chrome on PATH; exit 4 when none is found). Clinical context \
            (patient id, date of onset, examiner, indication, grades per session) comes from --context FILE \
            (docs/report.md) and the options below, which override it. A recording whose channels fail quality \
            checks, or that cannot be analysed, still appears with the reason; the exit status is then 1 (the report \
            is still written). An unreadable file or context exits 3.

            Examples:
              synk report ses-1.h5 ses-2.h5 enog.h5 blink.h5 -o report.html
              synk report ses-1.h5 ses-2.h5 --context patient.json --format pdf -o report.pdf
              synk report session.wav --affected left --patient P-017 --onset 2026-01-20 --format md -o report.md
            """
        )

        enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
            case html, md, pdf

            var kind: OutputNaming.Kind {
                switch self {
                case .html: .html
                case .md: .markdown
                case .pdf: .pdf
                }
            }
        }
        enum Paper: String, ExpressibleByArgument, CaseIterable { case a4, letter }

        @Argument(help: "Recordings of one patient (synkinesis sessions, nerve-conduction and blink-reflex studies).")
        var files: [String]

        @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file (atomically) instead of standard output.", valueName: "OUT"))
        var output: String?

        @Option(help: "Output format: html, md or pdf (pdf needs -o and a headless Chromium; default: the one -o's extension names, else html; an extension that names another format is refused).")
        var format: ReportFormat?

        @Option(help: "Paper the page is laid out for when printed: a4 or letter.")
        var paper: Paper = .a4

        @Option(help: ArgumentHelp("Clinical context sidecar (JSON: patient_id, date_of_onset, examiner, indication, grades per session; docs/report.md).", valueName: "FILE"))
        var context: String?

        @Option(help: ArgumentHelp("Date of onset of the palsy (overrides the context file).", valueName: "YYYY-MM-DD"))
        var onset: String?

        @Option(help: ArgumentHelp("Examiner shown in the header (overrides the context file).", valueName: "NAME"))
        var examiner: String?

        @Option(help: ArgumentHelp("Indication shown in the header (overrides the context file).", valueName: "TEXT"))
        var indication: String?

        @Option(help: ArgumentHelp("Patient identifier shown in the header (default: the recordings' subject).", valueName: "ID"))
        var patient: String?

        @OptionGroup(title: "Montage, tasks and side") var study: SynkinesisStudyOptions

        @Option(help: ArgumentHelp("Stimuli table for the evoked studies (recordings at ≥ 5 kHz).", valueName: "FILE"))
        var stimuli: String?

        @Option(help: ArgumentHelp("A clinic's own normative table (JSON) for the evoked studies.", valueName: "FILE"))
        var norms: String?

        @OptionGroup(title: "Synkinesis settings") var synkinesis: SynkinesisOptions

        @OptionGroup var input: InputOptions
        @OptionGroup var overwrite: ForceOption

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
            let format = try SynkCommand.outputFormat({ () throws(SynkError) in
                try OutputNaming.format(explicit: self.format, output: output, fallback: ReportFormat.html, formats: ReportFormat.allCases,
                                        name: \.rawValue, kind: \.kind)
            }, recordings: files, input: input, otherInputs: [study.montage, study.events, stimuli, norms, context], output: output)
            // Usage first: settings that cannot work are refused before any file is looked at.
            let settings = try settings()
            try SynkCommand.checkFiles(recordings: files, input: input, otherInputs: [study.montage, study.events, stimuli, norms, context],
                                       outputs: [output], force: overwrite.force)
            var browser: String?
            if format == .pdf {
                guard let output else { throw SynkError.usage("--format pdf needs -o FILE", hint: "a PDF is not written to standard output") }
                // Before the analyses: a missing browser should not cost the user the whole run.
                guard let found = PDFPrinter.findBrowser() else {
                    throw SynkError.output(output, "--format pdf needs a headless Chromium and none was found",
                                          hint: "install chromium, set SYNK_CHROMIUM, or write --format html and print it from a browser")
                }
                browser = found
            }
            var clinicalContext = try context.map { path throws(SynkError) in try ClinicalContext.load(path: path) } ?? ClinicalContext()
            if let onset {
                guard ClinicalContext.day(onset) != nil else { throw SynkError.usage("--onset \(onset) is not a date YYYY-MM-DD") }
                clinicalContext.dateOfOnset = onset
            }
            if let examiner { clinicalContext.examiner = examiner }
            if let indication { clinicalContext.indication = indication }
            // One patient per report, known from the recordings' headers before any analysis runs.
            if patient == nil, clinicalContext.patientID == nil {
                var subjects = Set<String>()
                for file in files {
                    if let subject = try RecordingReader.open(file, options: input.reading).header.subject { subjects.insert(subject) }
                }
                if subjects.count > 1 {
                    throw SynkError.usage("the recordings belong to different subjects (\(subjects.sorted().joined(separator: ", ")))",
                                          hint: "report one patient at a time, or name the patient with --patient")
                }
            }
            var studies: [ClinicalStudy] = []
            for file in files {
                let measured = try Study.measure(file: InputFile(file), settings: settings)
                studies.append(ClinicalStudy(measured, norms: settings.nerveConduction.norms))
            }
            let report = ClinicalReport(studies: studies, patient: patient, affectedSide: settings.synkinesis.affectedSide, context: clinicalContext)
            // A context file usually covers every session of the patient; grades of sessions not reported are left out.
            for unmatched in clinicalContext.unmatchedGrades(report.sessions) {
                FileHandle.standardError.write(Data("synk: note: \(context ?? "context"): \(unmatched) (sessions reported: \(report.sessions.map(\.label).joined(separator: ", ")))\n".utf8))
            }
            let paperSize: PaperSize = paper == .a4 ? .a4 : .letter
            switch format {
            case .html: try Output.emit(ClinicalHTML.render(report, paper: paperSize), to: output)
            case .md: try Output.emit(ClinicalMarkdown.render(report), to: output)
            case .pdf:
                let pdf = try PDFPrinter.pdf(html: ClinicalHTML.render(report, paper: paperSize), browser: browser!)
                try AtomicOutput.write(pdf, to: output!)
            }
            if report.qualityFailed {
                let failed = report.studies.filter(\.qualityFailed).map { URL(fileURLWithPath: $0.input.path).lastPathComponent }
                FileHandle.standardError.write(Data("synk: report written; quality check failed for \(failed.joined(separator: ", ")) (the report says why)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
