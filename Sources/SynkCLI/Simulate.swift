import ArgumentParser
import Foundation
import Synk

extension SynkCommand {
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a simulated recording whose truth is known, with the ground truth as JSON beside it.",
            discussion: """
            Kinds: synkinesis (facial sEMG during expression tasks, synkinetic coupling on the affected side), \
            ncs (CMAPs per branch and side after stylomastoid stimulation, with an intensity series), blink \
            (supraorbital stimulation, R1/R2 on both orbicularis oculi).
            The output format follows the extension: .h5 (synk HDF5), .wav (float WAV; labels and events are \
            stored inside, and a BIDS name such as sub-01_task-smile_emg.wav also gets its EMG-BIDS sidecars), \
            .edf, .bdf, .csv. The ground truth goes to <name>_truth.json. Every name is checked before anything \
            is written, and the files appear together or not at all. The same seed gives byte-identical files.

            Examples:
              synk simulate synkinesis -o sub-01_ses-1_task-sunnybrook_emg.wav --preset patient-left-session1
              synk simulate ncs -o enog.h5 --seed 7
              synk simulate synkinesis -o custom.h5 --parameters sim.json
            """
        )

        enum Kind: String, ExpressibleByArgument, CaseIterable { case synkinesis, ncs, blink }

        @Argument(help: "What to simulate: synkinesis, ncs or blink.")
        var kind: Kind

        @Option(name: .shortAndLong, help: ArgumentHelp("Output recording (.h5, .wav, .edf, .bdf, .csv).", valueName: "FILE"))
        var output: String

        @Option(help: "Random seed (the same seed gives the same file).")
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp("Named parameter set. synkinesis: \(SynkinesisSimulation.presetNames.joined(separator: ", ")); ncs: enog-left-palsy; blink: blink-left-palsy.", valueName: "NAME"))
        var preset: String?

        @Option(help: ArgumentHelp("Simulation parameters as JSON (keys left out take their defaults); overrides --preset.", valueName: "FILE"))
        var parameters: String?

        @Option(name: .customLong("sample-rate"), help: ArgumentHelp("Sample rate, Hz.", valueName: "Hz"))
        var sampleRate: Double?

        @Option(help: ArgumentHelp("synkinesis: seconds of each contraction.", valueName: "S"))
        var contraction: Double?

        @Option(help: ArgumentHelp("synkinesis: seconds of rest after each contraction.", valueName: "S"))
        var rest: Double?

        @Option(help: "Subject identifier written into the file.")
        var subject: String?

        @Option(help: "Session identifier written into the file.")
        var session: String?

        @Option(name: .customLong("recorded-at"), help: ArgumentHelp("Recording date and time (ISO 8601) written into the file.", valueName: "DATE"))
        var recordedAt: String?

        @OptionGroup var overwrite: ForceOption

        func run() throws {
            // Every name and option is checked before anything is simulated or written.
            let format = try OutputFormat(forPath: output)
            let recordedDate = try recordedAt.map { text throws(SynkError) -> Date in
                guard let date = ISO8601DateFormatter().date(from: text) else {
                    throw .usage("--recorded-at takes an ISO 8601 time such as 2026-03-01T09:30:00Z, not '\(text)'")
                }
                return date
            }
            try SynkCommand.checkFiles(recordings: [], input: nil, otherInputs: [parameters], outputs: Self.outputs(of: output, format: format),
                                force: overwrite.force)
            var recording: Recording
            let truth: Data
            switch kind {
            case .synkinesis:
                var p = try synkinesisParameters()
                if let sampleRate { p.sampleRate = sampleRate }
                if contraction != nil || rest != nil {
                    p.tasks = p.tasks.map { task in
                        var t = task
                        if let contraction { t.contractionSeconds = contraction }
                        if let rest { t.restSeconds = rest }
                        return t
                    }
                }
                if let subject { p.subject = subject }
                if let session { p.session = session }
                let (r, t) = try SynkinesisSimulation.simulate(p, seed: seed)
                recording = r
                truth = try t.jsonData()
            case .ncs:
                var c = try decode(EvokedStudyConfiguration.self) ?? Self.enogPreset(preset)
                if let sampleRate { c.sampleRate = sampleRate }
                let (r, t) = try EvokedSimulator.simulate(c, seed: seed)
                recording = r
                truth = try encode(t)
            case .blink:
                var c = try decode(BlinkStudyConfiguration.self) ?? Self.blinkPreset(preset)
                if let sampleRate { c.sampleRate = sampleRate }
                let (r, t) = try BlinkSimulator.simulate(c, seed: seed)
                recording = r
                truth = try encode(t)
            }
            if let subject { recording.header.subject = subject }
            if let session { recording.header.session = session }
            if let recordedDate { recording.header.startTime = recordedDate }
            recording.header.metadata["synk_simulated"] = "\(kind.rawValue) seed \(seed) synk \(SynkVersion.current)"
            // The recording, its ground truth and its sidecars appear together or not at all.
            let files = OutputSet()
            try RecordingWriter.write(recording, to: files.stage(output), format: format)
            try files.stage(truth, as: Self.truthPath(for: output))
            if Self.writesSidecars(output, format: format) {
                for (path, data) in try BIDSSidecars.files(for: output, header: recording.header) { try files.stage(data, as: path) }
            }
            try files.commit()
            Announcement.written(output, sampleRate: recording.sampleRate, channels: recording.channels.count,
                                 seconds: recording.header.duration, also: Self.outputs(of: output, format: format).dropFirst().map { $0 })
        }

        /// A float WAV with a BIDS name (`sub-01_task-smile_emg.wav`) gets its EMG-BIDS sidecars; any other name
        /// (`long.wav`) carries its labels and events inside the file only.
        static func writesSidecars(_ output: String, format: OutputFormat) -> Bool {
            format == .wavFloat && BIDSSidecars.sidecarPaths(for: output) != nil
        }

        /// Every file a simulation writes: the recording, its ground truth, and for a BIDS-named WAV its sidecars.
        static func outputs(of output: String, format: OutputFormat) -> [String] {
            var files = [output, truthPath(for: output)]
            if writesSidecars(output, format: format) { files += BIDSSidecars.sidecarPaths(for: output) ?? [] }
            return files
        }

        /// `dir/name.ext` → `dir/name_truth.json`.
        static func truthPath(for output: String) -> String {
            URL(fileURLWithPath: output).deletingPathExtension().path + "_truth.json"
        }

        func synkinesisParameters() throws(SynkError) -> SynkinesisSimulation {
            if let parameters {
                let data = try RegularFile.contents(of: parameters, role: "parameter file", maximumBytes: InputLimits.maximumJSONBytes)
                return try SynkinesisSimulation.fromJSON(data, file: parameters)
            }
            let name = preset ?? "patient-left-session1"
            guard let p = SynkinesisSimulation.preset(named: name) else {
                throw .usage("unknown synkinesis preset '\(name)'", hint: "use \(SynkinesisSimulation.presetNames.joined(separator: ", "))")
            }
            return p
        }

        func decode<T: Decodable>(_ type: T.Type) throws(SynkError) -> T? {
            guard let parameters else { return nil }
            let data = try RegularFile.contents(of: parameters, role: "parameter file", maximumBytes: InputLimits.maximumJSONBytes)
            do { return try JSONDecoder().decode(T.self, from: data) } catch {
                throw .input(parameters, "not a valid \(T.self) JSON: \(error.localizedDescription)")
            }
        }

        func encode<T: Encodable>(_ value: T) throws(SynkError) -> Data {
            do { return try JSONOutput.encoder().encode(value) } catch { throw .output(output, "cannot encode the ground truth: \(error)") }
        }

        /// A patient with a left-sided palsy: every left branch answers later and smaller, the marginal
        /// mandibular branch barely at all (> 90 % degeneration).
        static func enogPreset(_ name: String?) throws(SynkError) -> EvokedStudyConfiguration {
            guard name == nil || name == "enog-left-palsy" else { throw .usage("unknown ncs preset '\(name!)'", hint: "use enog-left-palsy") }
            let responses = [
                EvokedBranchResponse(branch: .temporal, side: .right, onsetLatencyMs: 3.1, amplitudePeakToPeakMillivolt: 1.6),
                EvokedBranchResponse(branch: .temporal, side: .left, onsetLatencyMs: 3.7, amplitudePeakToPeakMillivolt: 0.55),
                EvokedBranchResponse(branch: .zygomatic, side: .right, onsetLatencyMs: 3.4, amplitudePeakToPeakMillivolt: 3.2),
                EvokedBranchResponse(branch: .zygomatic, side: .left, onsetLatencyMs: 4.1, amplitudePeakToPeakMillivolt: 1.3),
                EvokedBranchResponse(branch: .buccal, side: .right, onsetLatencyMs: 3.3, amplitudePeakToPeakMillivolt: 3.8),
                EvokedBranchResponse(branch: .buccal, side: .left, onsetLatencyMs: 3.9, amplitudePeakToPeakMillivolt: 2.1),
                EvokedBranchResponse(branch: .marginalMandibular, side: .right, onsetLatencyMs: 3.6, amplitudePeakToPeakMillivolt: 2.4),
                EvokedBranchResponse(branch: .marginalMandibular, side: .left, onsetLatencyMs: 4.6, amplitudePeakToPeakMillivolt: 0.17),
            ]
            return EvokedStudyConfiguration(responses: responses, intensitiesMilliampere: [4, 8, 12, 16, 20, 25, 30, 35],
                                            sweepsPerIntensity: 3, affectedSide: .left)
        }

        /// Left palsy: left R1 delayed, R2 spreading into the left orbicularis oris (synkinesis).
        static func blinkPreset(_ name: String?) throws(SynkError) -> BlinkStudyConfiguration {
            guard name == nil || name == "blink-left-palsy" else { throw .usage("unknown blink preset '\(name!)'", hint: "use blink-left-palsy") }
            return BlinkStudyConfiguration(sampleRate: 10_000,
                                           left: BlinkSideParameters(r1LatencyMs: 12.5, r1AmplitudeMillivolt: 0.15, r2LatencyMs: 33, r2AmplitudeMillivolt: 0.2),
                                           right: BlinkSideParameters(r1LatencyMs: 10.1, r1AmplitudeMillivolt: 0.3, r2LatencyMs: 29.8, r2AmplitudeMillivolt: 0.3),
                                           spreadSides: [.left], recordLowerFace: true, affectedSide: .left)
        }
    }
}
