import Foundation
import Testing
import SynkSim

/// Missing samples in a real export (a dropped sample, a short dropout) cost only the samples missing, not the
/// muscle: a 10 s, 2 kHz CSV of four facial channels with one smile task (two repetitions, 1-3.5 s and 5.5-8 s).
@Suite("Gaps by length: one missing sample is bridged, a dropout costs its repetition, a lost channel is excluded")
struct GapHandlingCLITests {
    static let rate = 2000
    static let labels = ["ZYG-L", "ZYG-R", "OOc-L", "OOc-R"]

    /// The recording with `missing` samples of ZYG-L (sample indices) written as NaN, and its events file.
    static func recording(missing: Range<Int>?, in dir: URL, name: String) throws -> (csv: String, events: String) {
        var generator = SeededGenerator(seed: 22)
        let n = 10 * rate
        var text = "time_s," + labels.map { "\($0) [uV]" }.joined(separator: ",") + "\n"
        text.reserveCapacity(n * 48)
        for i in 0..<n {
            let t = Double(i) / Double(rate)
            let active = (t >= 1 && t < 3.5) || (t >= 5.5 && t < 8)
            // Smiling drives both zygomatici; the left (affected) orbicularis oculi follows, the right stays at rest.
            let levels: [Double] = active ? [60, 60, 25, 4] : [3, 3, 3, 3]
            var row = String(format: "%.4f", t)
            for (c, level) in levels.enumerated() {
                let value = level * generator.nextGaussian()
                row += c == 0 && missing?.contains(i) == true ? ",NaN" : String(format: ",%.3f", value)
            }
            text += row + "\n"
        }
        let csv = dir.appendingPathComponent("\(name).csv").path
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let events = dir.appendingPathComponent("events.tsv").path
        try "onset\tduration\ttrial_type\n1\t2.5\tsmile\n5.5\t2.5\tsmile\n".write(toFile: events, atomically: true, encoding: .utf8)
        return (csv, events)
    }

    static func analyze(missing: Range<Int>?, name: String) throws -> (status: Int32, result: [String: Any], text: String) {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (csv, events) = try recording(missing: missing, in: dir, name: name)
        let output = dir.appendingPathComponent("\(name).json").path
        let run = try CLI.run(["synkinesis", csv, "--events", events, "--affected", "left", "--format", "json", "-o", output])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any],
                                "\(run.stderr)")
        let text = try CLI.run(["synkinesis", csv, "--events", events, "--affected", "left"])
        return (run.status, json, text.stdout)
    }

    static func montage(_ result: [String: Any]) -> [String] {
        (result["montage"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
    }

    static func gaps(_ result: [String: Any]) -> [[String: Any]] { result["sample_gaps"] as? [[String: Any]] ?? [] }

    @Test("one NaN (1 of 20,000 samples, inside a repetition) no longer excludes ZYG-L: bridged, a note, exit 0; so are 4 samples")
    func oneMissingSampleIsBridged() throws {
        for (name, missing) in [("one", 4_001..<4_002), ("four", 4_001..<4_005)] {
            let (status, result, text) = try Self.analyze(missing: missing, name: name)
            #expect(status == 0, "\(name): a bridged gap is a note, not a quality failure")
            #expect(Self.montage(result).contains("ZYG-L"), "\(name): \(Self.montage(result))")
            let gaps = Self.gaps(result)
            #expect(gaps.count == 1)
            let gap = try #require(gaps.first)
            #expect(gap["channel"] as? String == "ZYG-L")
            #expect(gap["action"] as? String == "bridged")
            #expect(gap["samples"] as? Int == missing.count)
            #expect(abs((gap["start_s"] as? Double ?? -1) - 2.0005) < 1e-9)
            #expect(abs((gap["duration_s"] as? Double ?? -1) - Double(missing.count) / 2000) < 1e-9)
            let span = try #require(gap["excluded_s"] as? [Double])
            #expect(span[0] < 2.0005 && span[1] > 2.0005 + Double(missing.count) / 2000)
            // The smile is measured on both sides, with both repetitions, on ZYG-L too.
            let tasks = try #require(result["tasks"] as? [[String: Any]])
            #expect(tasks.first?["repetitions"] as? Int == 2)
            let pair = try #require((result["pairs"] as? [[String: Any]])?.first { $0["follower"] as? String == "OOc" })
            #expect((pair["affected"] as? [String: Any])?["r"] is Double)
            #expect((result["task_gaps"] as? [Any])?.isEmpty == true)
            #expect(text.contains("gap: ZYG-L misses"))
        }
    }

    @Test("a 150 ms dropout at 6.5 s leaves out only the second repetition (task_gaps says why), exit 1; the first is measured")
    func dropoutCostsItsRepetition() throws {
        let (status, result, text) = try Self.analyze(missing: 13_000..<13_300, name: "dropout")
        #expect(status == 1, "data were left out: a quality flag")
        #expect(Self.montage(result).contains("ZYG-L"))
        let gap = try #require(Self.gaps(result).first)
        #expect(gap["action"] as? String == "span_excluded")
        #expect(gap["repetitions_excluded"] as? Int == 1)
        #expect(gap["samples"] as? Int == 300)
        let tasks = try #require(result["tasks"] as? [[String: Any]])
        #expect(tasks.first?["repetitions"] as? Int == 1)
        let spans = try #require(tasks.first?["spans_s"] as? [[Double]])
        #expect(spans.count == 1 && abs(spans[0][0] - 1) < 0.01)
        let taskGaps = result["task_gaps"] as? [[String: Any]] ?? []
        #expect(taskGaps.contains { ($0["reason"] as? String)?.contains("repetition 2 of smile") == true && ($0["reason"] as? String)?.contains("ZYG-L misses 150 ms") == true })
        let pair = try #require((result["pairs"] as? [[String: Any]])?.first { $0["follower"] as? String == "OOc" })
        #expect((pair["affected"] as? [String: Any])?["r"] is Double)
        #expect(text.contains("GAP: ZYG-L misses 150 ms"))
    }

    @Test("a channel missing from 1 s to 9.5 s is still excluded, with the reason and the threshold; exit 1")
    func mostlyMissingChannelIsExcluded() throws {
        let (status, result, _) = try Self.analyze(missing: 2_000..<19_000, name: "mostly")
        #expect(status == 1)
        #expect(!Self.montage(result).contains("ZYG-L"))
        let reason = (result["montage_gaps"] as? [[String: Any]] ?? []).first { $0["label"] as? String == "ZYG-L" }?["reason"] as? String
        #expect(reason?.contains("remains outside the gaps") == true && reason?.contains("80 %") == true, "\(reason ?? "nil")")
        let gap = try #require(Self.gaps(result).first)
        #expect(gap["action"] as? String == "channel_excluded")
        #expect(gap["excluded_s"] is NSNull)
    }
}
