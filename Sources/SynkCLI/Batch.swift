import ArgumentParser
import Foundation
import Synk

extension SynkCommand {
    struct Batch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Analyse a whole dataset: in parallel, resumably, and sharded across a Slurm array.",
            usage: """
            synk batch DATASET -o RESULTS/ [--analyses synkinesis,ncs,blink] [--jobs N] [--resume] [--shard I/N]
                       [--band 20:450] [--envelope rms:100ms] [--notch 50:3] [--max-lag 100ms] [--norms N]
            synk batch merge RESULTS/
            """,
            discussion: """
            DATASET is a folder (searched recursively; BIDS sidecars are not recordings), a BIDS root, or a \
            manifest CSV with a `path` column and optional per-file columns affected, montage, events, stimuli, \
            rate (paths relative to the manifest's folder).

            RESULTS/ receives results/<file>.<analysis>.json (the analysis's JSON), records/ (provenance, \
            written last), errors/, skipped.csv (files found that are not recordings, with the reason), and after \
            merging the tables synkinesis_pairs.csv, ncs_responses.csv, blink_components.csv, errors.csv and \
            not_applicable.csv. Symbolic links are followed; names starting with a dot and folders of batch results are \
            never scanned. A bad file never stops the batch; a file an analysis does not apply to (ncs below 2.5 kHz or \
            on a blink study, blink on anything but a blink study, synkinesis on a recording with stimuli and no tasks) \
            is listed in \
            not_applicable.csv, not as an error.

            The signal and analysis settings (--band, --envelope, --notch, --max-lag, --norms …) apply to every \
            file and are part of each record's fingerprint.

            --resume skips every (file, analysis) whose record matches the file's SHA-256, the parameters and \
            the synk version; a run killed at any moment, even with kill -9, resumes without loss or repetition. \
            --shard I/N (or SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT) takes every N-th file; a sharded run \
            does not merge: run `synk batch merge RESULTS/` once all shards are done. An unsharded run merges.

            Ctrl-C (or SIGTERM, as Slurm sends) stops the run after the analyses in progress, which are kept; a \
            second Ctrl-C stops at once. Either way synk prints the command that continues the run (--resume).

            Exit codes: 0 every file analysed (or not applicable); 1 some results have quality flags or failed \
            on quality alone; 3 some (file, analysis) failed otherwise (listed in errors.csv); 2 usage; \
            4 results not writable; 130 stopped by Ctrl-C (143 by SIGTERM).

            Examples:
              synk batch bids/ -o results/ --jobs 2
              synk batch manifest.csv -o results/ --analyses synkinesis,ncs --resume
              synk batch bids/ -o results/ --resume --shard 3/8 && synk batch merge results/
            """,
            subcommands: [Run.self, Merge.self],
            defaultSubcommand: Run.self
        )
    }
}

extension SynkCommand.Batch {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Analyse DATASET into RESULTS/ (the default: `synk batch DATASET -o RESULTS/`)."
        )

        @Argument(help: "A folder, a BIDS root, or a manifest CSV.")
        var dataset: String

        @Option(name: .shortAndLong, help: ArgumentHelp("The results folder.", valueName: "RESULTS"))
        var output: String

        @Option(help: ArgumentHelp("Comma-separated analyses: \(BatchAnalyses.names.joined(separator: ", ")).", valueName: "LIST"))
        var analyses = "synkinesis"

        @Option(help: ArgumentHelp("Files analysed at once (default: the number of processors).", valueName: "N"))
        var jobs: Int?

        @Flag(help: "Skip (file, analysis) pairs whose record matches the file's hash, the parameters and the synk version.")
        var resume = false

        @Option(help: ArgumentHelp("Analyse only shard I of N (1-based); default: from SLURM_ARRAY_TASK_ID/COUNT when set.", valueName: "I/N"))
        var shard: String?

        @Flag(name: .customLong("no-merge"), help: "Do not merge the tables after an unsharded run.")
        var noMerge = false

        @OptionGroup(title: "Synkinesis settings (every file; the manifest's columns override side, montage, events)")
        var synkinesis: SynkinesisOptions

        @Option(help: ArgumentHelp("A clinic's own normative table (JSON) for ncs and blink.", valueName: "FILE"))
        var norms: String?

        @Flag(name: .long, help: "Ignore EMG-BIDS sidecars (*_channels.tsv, *_emg.json, *_events.tsv) next to the files.")
        var noSidecars = false

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let reading = ReadOptions(applyBIDSSidecars: !noSidecars)
            let normativeTable = try norms.map { path throws(SynkError) in try NormativeTable.load(path: path) } ?? .standard
            let selected = try BatchAnalyses.parse(
                analyses,
                synkinesis: synkinesis.settings(reading: reading),
                nerveConduction: NerveConductionSettings(reading: reading, norms: normativeTable),
                blinkReflex: BlinkReflexSettings(reading: reading, norms: normativeTable))
            let chosenShard: Shard? = try shard.map { text throws(SynkError) in try Shard(parsing: text) } ?? Shard.fromSlurm(environment: environment)
            if let jobs, jobs < 1 { throw SynkError.usage("--jobs must be at least 1") }
            // Before any work: the results folder is neither the dataset nor its manifest, and accepts files.
            let source = ResolvedPath(dataset), results = ResolvedPath(output)
            if results.isSameFile(as: source) {
                throw SynkError(.usage, file: output, "is the dataset \(source.kind == .directory ? "folder" : "manifest") itself",
                                hint: "give the results a folder of their own, e.g. \(dataset)/derivatives/synk")
            }
            var runner = BatchRunner(analyses: selected, resultsDirectory: output,
                                     jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, resume: resume)
            let resultsExisted = ResolvedPath(output).kind != .missing
            try runner.prepare()
            let scan: DatasetScan
            do { scan = try DatasetScanner.scanDataset(dataset, excluding: output) } catch {
                // A dataset or manifest that cannot be read leaves no empty results folder behind.
                if !resultsExisted { runner.removeEmptyResultsFolder() }
                throw error
            }
            let all = scan.items
            let items = (chosenShard ?? .whole).select(all)
            try BatchMerger.writeSkipped(scan.skipped, resultsDirectory: output)
            runner.tracePath = environment["SYNK_BATCH_TRACE"]
            runner.delayPerAnalysis = (environment["SYNK_BATCH_TEST_DELAY_MS"].flatMap(Double.init) ?? 0) / 1000
            let reporter = ProgressReporter(terminal: isatty(STDERR_FILENO) == 1)
            let shardText = chosenShard.map { " (shard \($0) of \(all.count) files)" } ?? ""
            reporter.line("synk batch: \(items.count) files × \(selected.count) analyses\(shardText) → \(output)")
            if !scan.skipped.isEmpty {
                reporter.line("synk batch: \(scan.skipped.count) other files were not analysed (each listed with the reason in \(output)/skipped.csv)")
            }
            let interruption = BatchInterruption(reporter: reporter, resume: SynkCommand.Batch.resumeCommand(CommandLine.arguments))
            runner.stop = interruption.stop
            let summary = try runner.run(items) { reporter.report($0) }
            reporter.finish()
            reporter.line(String(format: "synk batch: %d done, %d resumed, %d not applicable, %d failed, %d with quality flags in %.1f s",
                                 summary.done, summary.skipped, summary.notApplicable, summary.failed, summary.qualityFailed, summary.seconds))
            if summary.stopped {
                // Nothing is merged: tables of part of the dataset would look complete.
                reporter.line("synk batch: stopped with \(summary.notStarted) of \(items.count * selected.count) analyses not started; every finished result is kept and nothing was merged. To continue: \(interruption.resume)")
                throw ExitCode(128 + interruption.signal)
            }
            if chosenShard == nil || chosenShard?.count == 1 {
                if !noMerge {
                    let tables = try BatchMerger.merge(resultsDirectory: output)
                    reporter.line("synk batch: merged \((tables + ["errors", "not_applicable"]).map { $0 + ".csv" }.joined(separator: ", "))")
                }
            } else {
                reporter.line("synk batch: shard done; when every shard is, run: synk batch merge \(output)")
            }
            if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
        }
    }

    /// The command line that continues an interrupted run: the same arguments with `--resume`.
    static func resumeCommand(_ arguments: [String]) -> String {
        var words = Array(arguments.dropFirst())
        if !words.contains("--resume") { words.append("--resume") }
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,@%+-")
        return (["synk"] + words.map { word in
            word.unicodeScalars.allSatisfy(plain.contains) && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }).joined(separator: " ")
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine the records of every shard in RESULTS/ into the tables.",
            discussion: "Writes synkinesis_pairs.csv, ncs_responses.csv (when present), errors.csv and not_applicable.csv; exit 3 when errors.csv lists failures other than quality failures, 1 when it lists only quality failures, else 0."
        )

        @Argument(help: "The results folder of one or more `synk batch` runs.")
        var results: String

        func run() throws {
            let tables = try BatchMerger.merge(resultsDirectory: results)
            let failures = BatchMerger.failures(resultsDirectory: results)
            FileHandle.standardError.write(Data("synk batch merge: \((tables + ["errors", "not_applicable"]).map { $0 + ".csv" }.joined(separator: ", ")); \(failures.count) failures\n".utf8))
            // As for a run: 3 when anything failed for another reason than quality, else 1 for quality failures.
            if failures.contains(where: { $0.exitCode != 1 }) { throw ExitCode(3) }
            if !failures.isEmpty { throw ExitCode(1) }
        }
    }
}

/// Ctrl-C (SIGINT) or SIGTERM (Slurm's `scancel`, a time limit) during `synk batch`: the first stops the run after
/// the analyses in progress, which finish and are recorded; a second Ctrl-C stops at once, removing this process's
/// temporary files. Either way the results folder is a state `--resume` continues from, and the user is told how.
final class BatchInterruption: @unchecked Sendable {
    // @unchecked: `signal` and `sources` are written before any handler can run, or by the one handler queue.
    let stop = BatchStop()
    let resume: String
    private(set) var signal: Int32 = SIGINT
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "synk.batch.signals")

    init(reporter: ProgressReporter, resume: String) {
        self.resume = resume
        for number in [SIGINT, SIGTERM] {
            // The signal is delivered to the dispatch source, not to the default action (ending the process).
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [self] in
                let line = reporter.terminal ? "\r\u{1B}[K" : ""
                if !stop.isRequested {
                    signal = number
                    stop.request()
                    FileHandle.standardError.write(Data((line + "synk batch: stopping: the analyses in progress finish and are kept (Ctrl-C again to stop at once)\n").utf8))
                } else {
                    AtomicOutput.removeUnfinishedFiles()
                    FileHandle.standardError.write(Data((line + "synk batch: stopped at once; every finished result is kept and nothing was merged. To continue: \(resume)\n").utf8))
                    _exit(128 + number)
                }
            }
            source.resume()
            sources.append(source)
        }
    }
}

/// Progress on standard error: a redrawn bar on a terminal, one plain line per (file, analysis) otherwise
/// (logs of Slurm jobs, CI).
final class ProgressReporter: @unchecked Sendable {
    // @unchecked: the runner delivers reports one at a time (under its lock); `line` runs before and after.
    let terminal: Bool
    private var drawn = false
    private let start = Date()

    init(terminal: Bool) { self.terminal = terminal }

    func line(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    func report(_ progress: BatchProgress) {
        if terminal {
            let width = 30
            let filled = progress.total > 0 ? progress.completed * width / progress.total : width
            let elapsed = Date().timeIntervalSince(start)
            let rate = elapsed > 0 ? Double(progress.completed) / elapsed : 0
            let remaining = rate > 0 ? Double(progress.total - progress.completed) / rate : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            var text = String(format: "\r[%@] %d/%d  %.1f/s  ETA %.0f s ", bar, progress.completed, progress.total, rate, remaining)
            if progress.outcome == .failed { text = "\r\u{1B}[K" + "failed: \(progress.item.relativePath) \(progress.analysis): \(progress.message ?? "")\n" + text }
            FileHandle.standardError.write(Data(text.utf8))
            drawn = true
        } else {
            var text = String(format: "[%d/%d] %@ %@: %@ (%.2f s)", progress.completed, progress.total, progress.item.relativePath,
                              progress.analysis, progress.outcome.rawValue, progress.seconds)
            if let message = progress.message { text += ": " + message }
            line(text)
        }
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
