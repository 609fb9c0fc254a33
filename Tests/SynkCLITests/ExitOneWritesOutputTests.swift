import Foundation
import Testing
import SynkSim

/// Exit 1 means "the analysis ran but a quality check failed (output still written, flags say why)" (README): every
/// analysis command writes its output with `-o` in every format when it exits 1 (issue 22: synkinesis on a recording
/// whose channels all failed quality exited 1 and wrote nothing).
@Suite("Exit 1 writes the output")
struct ExitOneWritesOutputTests {
    /// 10 s at 1 kHz of a one-sided montage (ZYG-L, COR-L) whose channels are both flat (all zeros).
    static func flatOneSided(in folder: URL) throws -> String {
        var text = "time,ZYG-L,COR-L\n"
        for n in 0..<10_000 { text += String(format: "%.3f", Double(n) / 1000) + ",0,0\n" }
        let path = folder.appendingPathComponent("clean.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("synkinesis --affected none on a one-sided recording whose channels all fail quality: exit 1, the output written in every format, each exclusion in it",
          arguments: ["json", "csv", "txt"])
    func synkinesisEveryChannelExcluded(extension ext: String) throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let recording = try Self.flatOneSided(in: folder)
        let output = folder.appendingPathComponent("out.\(ext)").path
        let run = try CLI.run(["synkinesis", recording, "--affected", "none", "-o", output])
        #expect(run.status == 1, "\(run.stderr)")
        let written = try #require(try? String(contentsOfFile: output, encoding: .utf8), "nothing written at \(output)")
        // The exclusions are said on standard error too (nothing else on a terminal shows a file's content).
        #expect(run.stderr.contains("synk: \(recording): every mapped EMG channel failed a quality check, nothing was measured"), "\(run.stderr)")
        switch ext {
        case "json":
            let json = try #require(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: Any])
            let gaps = try #require(json["montage_gaps"] as? [[String: Any]])
            for label in ["ZYG-L", "COR-L"] {
                #expect(gaps.contains { $0["label"] as? String == label && $0["kind"] as? String == "excluded_by_quality"
                    && ($0["reason"] as? String ?? "").contains("flat") }, "\(gaps)")
            }
            #expect((json["pairs"] as? [Any])?.isEmpty == true)
            #expect(json["affected_side"] as? String == "none")
            let comparison = try #require(json["side_comparison"] as? [String: Any])
            #expect(comparison["possible"] as? Bool == false)
            #expect((comparison["reason"] as? String ?? "").contains("every mapped EMG channel failed a quality check"))
            #expect((json["quality"] as? [[String: Any]])?.count == 2)
        case "txt":
            #expect(written.contains("EXCLUDED: channel ZYG-L excluded: flat") && written.contains("EXCLUDED: channel COR-L excluded: flat"), "\(written)")
        default:
            // The CSV table has its header and no rows: nothing was measured; the flags are in stderr and the exit code.
            #expect(written.hasPrefix("task,driver,follower"))
        }
    }

    @Test("ncs and blink with a flagged channel: exit 1 and the output written with -o in every format, naming the excluded channel",
          arguments: [("ncs", "json"), ("ncs", "csv"), ("ncs", "txt"), ("blink", "json"), ("blink", "csv"), ("blink", "txt")])
    func evokedExcludedChannel(study: String, ext: String) throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let artefact: ChannelArtefact = study == "ncs" ? .flat("OOc-R") : .extremeNoise("OOr-L", rmsMicrovolts: 3000)
        let (_, spoiled) = try ArtefactExclusionTests.spoiledStudy(study, artefact, in: folder)
        let output = folder.appendingPathComponent("out.\(ext)").path
        let run = try CLI.run([study, spoiled, "-o", output])
        #expect(run.status == 1, "\(run.stderr)")
        let written = try #require(try? String(contentsOfFile: output, encoding: .utf8), "nothing written at \(output)")
        // JSON and text name the excluded channel; the CSV table holds the measured rows (its exclusions are the JSON's).
        if ext == "csv" {
            #expect(written.split(separator: "\n").count > 1)
        } else {
            #expect(written.contains(artefact.channel), "\(written.prefix(400))")
        }
    }
}
