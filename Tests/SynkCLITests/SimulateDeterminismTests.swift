import Foundation
import Testing

@Suite("synk simulate: the same seed gives byte-identical files")
struct SimulateDeterminismTests {
    @Test("every output format, and the ground truth, twice with one seed; another seed differs",
          arguments: ["sub-01_task-sunnybrook_emg.wav", "s.h5", "s.edf", "s.csv"])
    func identical(name: String) throws {
        var outputs: [[String: Data]] = []
        for (run, seed) in [(0, "7"), (1, "7"), (2, "8")] {
            let dir = try CLI.temporaryDirectory().appendingPathComponent("run\(run)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let result = try CLI.run(["simulate", "synkinesis", "-o", dir.appendingPathComponent(name).path, "--seed", seed,
                                      "--sample-rate", "1000", "--contraction", "1", "--rest", "1"])
            #expect(result.status == 0, "\(result.stderr)")
            var files: [String: Data] = [:]
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
                files[file] = try Data(contentsOf: dir.appendingPathComponent(file))
            }
            outputs.append(files)
        }
        #expect(outputs[0].keys.count >= 2) // the recording and its ground truth (plus BIDS sidecars for the WAV)
        if name.hasSuffix("_emg.wav") { #expect(outputs[0].keys.contains("sub-01_task-sunnybrook_channels.tsv")) }
        #expect(outputs[0] == outputs[1], "same seed, different bytes")
        #expect(outputs[0][name] != outputs[2][name], "another seed must give another recording")
    }
}
