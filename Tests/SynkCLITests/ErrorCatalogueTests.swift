import Foundation
import Testing

/// Every error message names the file it is about (README: "one line on standard error naming the file, the place and
/// the problem"). The catalogue runs bad inputs across commands and checks each line (issue 22: "cut-off 450.0 Hz must
/// lie between 0 and the Nyquist frequency …" named no file, nor did a montage clash found from labels).
@Suite("The error catalogue: every line names its file")
struct ErrorCatalogueTests {
    /// The files the catalogue runs on, made in `folder`.
    struct Files {
        var hundredHertz: String, kilohertz: String, auxiliaryOnly: String, clashingLabels: String, empty: String, prose: String
        var badEvents: String, badMontage: String, farStimuli: String, nonNumeric: String, result: String, missing: String
    }

    static func files(in folder: URL) throws -> Files {
        func write(_ name: String, _ text: String) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        func table(_ header: String, rows: Int, rate: Double, decimals: Int, columns: Int) -> String {
            var text = header + "\n"
            for n in 0..<rows {
                text += String(format: "%.\(decimals)f", Double(n) / rate)
                for c in 0..<columns { text += String(format: ",%.3f", 20 * sin(Double(n) * (0.3 + 0.2 * Double(c)))) }
                text += "\n"
            }
            return text
        }
        return Files(
            hundredHertz: try write("r100.csv", table("time,ZYG-L,ZYG-R,OOc-L,OOc-R", rows: 3000, rate: 100, decimals: 2, columns: 4)),
            kilohertz: try write("r1k.csv", table("time,ZYG-L,ZYG-R,OOc-L,OOc-R", rows: 5000, rate: 1000, decimals: 3, columns: 4)),
            auxiliaryOnly: try write("aux.csv", table("time,Trigger,Angle (deg)", rows: 2000, rate: 1000, decimals: 3, columns: 2)),
            clashingLabels: try write("clash.csv", table("time,ZYG-L,zygomaticus left", rows: 2000, rate: 1000, decimals: 3, columns: 2)),
            empty: try write("empty.csv", ""),
            prose: try write("notes.csv", "This folder holds the recordings, one per session, and notes, with commas.\nMore words here, and more.\n"),
            badEvents: try write("events.tsv", "onset\tduration\ttrial_type\nsoon\t2\tsmile\n"),
            badMontage: try write("montage.json", #"{"channels": [{"label": "XYZ", "muscle": "ZYG", "side": "left"}]}"#),
            farStimuli: try write("stimuli.csv", "time_s\n99\n"),
            nonNumeric: try write("cells.csv", "time,ZYG-L\n0,1\n0.001,abc\n0.002,3\n"),
            result: try write("result.json", #"{"synk_version": "0.2.0", "input": {"path": "rec.h5"}}"#),
            missing: folder.appendingPathComponent("missing.csv").path)
    }

    @Test("each bad input across commands: the documented exit code and one stderr line that names the file")
    func catalogue() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let f = try Self.files(in: folder)
        let out = folder.appendingPathComponent("out.wav").path
        let ncs = folder.appendingPathComponent("ncs.h5").path
        try #require(try CLI.run(["simulate", "ncs", "-o", ncs, "--seed", "2"]).status == 0)
        // (arguments, exit code, the file the line must name)
        let cases: [([String], Int32, String)] = [
            (["filter", f.hundredHertz, "-o", out], 2, f.hundredHertz),                       // band above Nyquist (today: no file)
            (["synkinesis", f.hundredHertz], 2, f.hundredHertz),                              // the same in synkinesis
            (["report", f.hundredHertz, "-o", folder.appendingPathComponent("r.html").path], 2, f.hundredHertz),
            (["filter", f.kilohertz, "--notch", "600", "-o", out], 2, f.kilohertz),           // notch above Nyquist
            (["synkinesis", f.kilohertz, "--notch", "600"], 2, f.kilohertz),
            (["synkinesis", f.kilohertz, "--envelope", "linear:900hz"], 2, f.kilohertz),     // envelope low-pass above Nyquist
            (["filter", f.kilohertz, "--band", "600:700", "-o", out], 2, f.kilohertz),
            (["synkinesis", f.clashingLabels], 3, f.clashingLabels),                          // ZYG left twice from labels
            (["synkinesis", f.auxiliaryOnly], 3, f.auxiliaryOnly),                            // no muscle channel
            (["filter", f.auxiliaryOnly, "-o", out], 3, f.auxiliaryOnly),
            (["ncs", f.kilohertz], 3, f.kilohertz),                                            // rate too low for ncs
            (["blink", f.kilohertz], 3, f.kilohertz),
            (["info", f.empty], 3, f.empty),
            (["info", f.prose], 3, f.prose),
            (["info", f.missing], 3, f.missing),
            (["info", f.nonNumeric], 3, f.nonNumeric),
            (["report", f.result], 3, f.result),
            (["synkinesis", f.kilohertz, "--events", f.badEvents], 3, f.badEvents),
            (["synkinesis", f.kilohertz, "--montage", f.badMontage], 3, f.badMontage),
            (["synkinesis", f.kilohertz, "--rate", "500"], 2, f.kilohertz),                    // --rate against the time column
            (["ncs", ncs, "--stimuli", f.farStimuli], 3, ncs),                                  // a stimulus outside the recording
            (["ncs", ncs, "--window", "-5ms:900ms"], 3, ncs),                                   // a window past the end
            (["ncs", ncs, "--notch", "30000"], 2, ncs),                                         // a notch above Nyquist (today: exit 0, nothing removed)
        ]
        // A window reaching before the first stimulus says "start", not "end".
        let early = try CLI.run(["ncs", ncs, "--window", "-90ms:20ms"])
        #expect(early.status == 3 && early.stderr.contains("runs past the start of the recording"), "\(early.stderr)")
        for (arguments, status, file) in cases {
            let run = try CLI.run(arguments, timeout: 120)
            #expect(run.status == status, "\(arguments): \(run.stderr)")
            let lines = run.stderr.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("synk: warning:") }
            #expect(lines.count == 1, "\(arguments): \(run.stderr)")
            for line in lines {
                #expect(line.hasPrefix("synk: \(file): ") || line.hasPrefix("synk: \(file) "), "\(arguments) → \(line)")
            }
        }
    }
}
