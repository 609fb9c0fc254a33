import Foundation
import Testing
import SynkCore
import SynkSim

/// `synk ncs` and `synk blink` used as a new user would, on simulated studies exported as CSV: every case that used
/// to give a wrong number with exit 0 now gives the right number or a flag (exit 1) or an input error (exit 3).
@Suite("Evoked commands: window, time base, units, labels, batch blink")
struct EvokedCLITests {
    /// A two-sided buccal study (20 kHz, 8 sweeps at 40 mA) and its truth.
    static func study(onset: Double = 3.5, amplitude: Double = 2.0, snr: Double = 30) throws -> (Recording, EvokedGroundTruth) {
        let responses = [
            EvokedBranchResponse(branch: .buccal, side: .left, onsetLatencyMs: onset, amplitudePeakToPeakMillivolt: amplitude),
            EvokedBranchResponse(branch: .buccal, side: .right, onsetLatencyMs: onset + 0.3, amplitudePeakToPeakMillivolt: amplitude / 2),
        ]
        let config = EvokedStudyConfiguration(responses: responses, intensitiesMilliampere: [40], sweepsPerIntensity: 8, stimulusIntervalSeconds: 0.1,
                                              snrDecibel: snr, affectedSide: .right)
        return try EvokedSimulator.simulate(config, seed: 5)
    }

    /// Writes `recording` as CSV with a time column starting at `origin` s, channel labels `labels` (default: its own),
    /// values multiplied by `scale`, and the header unit `unit` (none when `nil`); the stimuli table has times in the
    /// file's time base plus `stimulusShift`.
    static func export(_ recording: Recording, to dir: URL, origin: Double = 0, labels: [String]? = nil, scale: Float = 1, unit: String? = "uV",
                       stimulusShift: Double? = nil) throws -> (csv: String, stimuli: String) {
        let names = labels ?? recording.channels.map(\.label)
        var text = "time_s," + names.map { name in unit.map { "\(name) (\($0))" } ?? name }.joined(separator: ",") + "\n"
        text.reserveCapacity(recording.frameCount * 40)
        for i in 0..<recording.frameCount {
            text += String(format: "%.6f", origin + Double(i) / recording.sampleRate)
            for c in recording.samples.indices { text += "," + String(format: "%.4f", recording.samples[c][i] * scale) }
            text += "\n"
        }
        let csv = dir.appendingPathComponent("study.csv")
        try text.write(to: csv, atomically: true, encoding: .utf8)
        var table = "time_s,intensity_ma,side\n"
        for s in recording.header.stimuli {
            table += String(format: "%.6f", s.time + (stimulusShift ?? origin)) + ",\(s.intensityMilliampere ?? 0),\(s.side?.rawValue ?? "")\n"
        }
        let stimuli = dir.appendingPathComponent("stimuli.csv")
        try table.write(to: stimuli, atomically: true, encoding: .utf8)
        return (csv.path, stimuli.path)
    }

    static func json(_ run: CLI.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
    }

    static func response(_ json: [String: Any], side: String) -> [String: Any]? {
        (json["responses"] as? [[String: Any]])?.first { $0["side"] as? String == side }
    }

    @Test("a CSV whose time column starts at 10 s with stimuli in that time base: measured right (exit 0); with --stimulus-times first-sample: exit 3")
    func timeColumnOrigin() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (recording, truth) = try Self.study()
        let (csv, stimuli) = try Self.export(recording, to: dir, origin: 10)
        let run = try CLI.run(["ncs", csv, "--stimuli", stimuli, "--format", "json"], timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        let left = try #require(Self.response(try Self.json(run), side: "left"))
        let expected = truth.responses(branch: .buccal, side: .left).map(\.onsetLatencyMs).reduce(0, +) / 8
        #expect(abs((left["onset_latency_ms"] as? Double ?? 0) - expected) <= 0.1)
        let wrong = try CLI.run(["ncs", csv, "--stimuli", stimuli, "--stimulus-times", "first-sample"], timeout: 120)
        #expect(wrong.status == 3)
        #expect(wrong.stderr.contains("study.csv") && wrong.stderr.contains("time base"))
    }

    @Test("a CSV in mV with no unit (read as µV): the responses are flagged noise_implausibly_low_unit and the command exits 1")
    func millivoltsWithoutUnit() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (recording, _) = try Self.study(amplitude: 8.2, snr: 40)
        let (csv, stimuli) = try Self.export(recording, to: dir, scale: 0.001, unit: nil)
        let run = try CLI.run(["ncs", csv, "--stimuli", stimuli, "--format", "json"], timeout: 120)
        #expect(run.status == 1, "\(run.stderr)")
        let left = try #require(Self.response(try Self.json(run), side: "left"))
        #expect((left["flags"] as? [String] ?? []).contains("noise_implausibly_low_unit"))
        let text = try CLI.run(["ncs", csv, "--stimuli", stimuli], timeout: 120)
        #expect(text.stdout.contains("declare its unit"))
    }

    @Test("an EMG column labelled 'soleus' is listed as an excluded channel with the reason, and the command exits 1 (not an empty success)")
    func unrecognisedLabel() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (recording, _) = try Self.study()
        let labels = recording.channels.map { $0.label == "NAS-L" ? "soleus" : $0.label }
        let (csv, stimuli) = try Self.export(recording, to: dir, labels: labels)
        let run = try CLI.run(["ncs", csv, "--stimuli", stimuli, "--format", "json"], timeout: 120)
        #expect(run.status == 1)
        let json = try Self.json(run)
        let excluded = try #require(json["excluded_channels"] as? [[String: Any]])
        #expect(excluded.contains { $0["channel"] as? String == "soleus" && ($0["reason"] as? String ?? "").contains("names no facial muscle") })
        #expect((json["flags"] as? [String] ?? []).contains("channels_unrecognised"))
    }

    @Test("--window: -5ms:50ms is accepted and recorded in the parameters; a malformed window is a usage error (exit 2)")
    func windowOption() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (recording, _) = try Self.study()
        let (csv, stimuli) = try Self.export(recording, to: dir)
        let run = try CLI.run(["ncs", csv, "--stimuli", stimuli, "--window", "-5ms:50ms", "--polarity", "negative", "--notch", "50:3", "--format", "json"], timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        let parameters = try #require(try Self.json(run)["parameters"] as? [String: Any])
        let window = try #require(parameters["window"] as? [String: Any])
        #expect(window["post_stimulus_ms"] as? Double == 50)
        #expect(parameters["polarity"] as? String == "negative")
        #expect((parameters["notch"] as? [String: Any])?["harmonics"] as? Int == 3)
        for bad in [["--window", "5ms:50ms"], ["--window", "fifty"], ["--polarity", "up"], ["--notch", "60:0"], ["--stimulus-times", "gps"]] {
            let wrong = try CLI.run(["ncs", csv, "--stimuli", stimuli] + bad)
            #expect(wrong.status == 2, "\(bad): \(wrong.stderr)")
        }
    }

    @Test("synk batch --analyses blink writes blink_components for the blink study and marks the ENoG study not applicable")
    func batchBlink() throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try CLI.run(["simulate", "blink", "--seed", "3", "-o", root.appendingPathComponent("sub-11_task-blink_emg.h5").path], timeout: 120).status == 0)
        #expect(try CLI.run(["simulate", "ncs", "--seed", "2", "-o", root.appendingPathComponent("sub-10_task-enog_emg.h5").path], timeout: 120).status == 0)
        let out = root.appendingPathComponent("results").path
        let run = try CLI.run(["batch", root.path, "-o", out, "--analyses", "blink,ncs", "--jobs", "1"], timeout: 300)
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
        let merge = try CLI.run(["batch", "merge", out], timeout: 120)
        #expect(merge.status == 0 || merge.status == 1, "\(merge.stderr)")
        let table = try String(contentsOfFile: out + "/blink_components.csv", encoding: .utf8)
        #expect(table.contains("sub-11_task-blink_emg.h5"))
        #expect(table.contains("R1") && table.contains("R2"))
        let notApplicable = try String(contentsOfFile: out + "/not_applicable.csv", encoding: .utf8)
        #expect(notApplicable.contains("sub-10_task-enog_emg.h5,blink"))
    }
}
