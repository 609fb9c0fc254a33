import Foundation
import SynkCore
import SynkIO
import Testing

/// Damaged and hostile files through the real `synk info` and `synk filter`: each command ends within a
/// second with exit 3 and one stderr line naming the file, or — when the damage leaves a readable file —
/// exit 0 with finite output; never a signal, a hang, a partial output or a changed input.
@Suite("Hostile files: clear rejection or finite output, never a crash", .serialized)
struct HostileFileTests {
    /// What one command did with one file, for the failure message.
    struct Outcome {
        var arguments: [String]
        var result: CLI.Result
    }

    /// Builds the corpus in a fresh directory: the small valid FLAC comes from `synk filter` itself.
    static func buildCorpus() throws -> (URL, [HostileFile]) {
        let dir = try CLI.temporaryDirectory()
        // FLAC stores integers scaled to a full scale: a 3-channel, 1000 Hz sine recording with ±200 µV range.
        let flacPath = dir.appendingPathComponent("base.flac").path
        var channels = (1...3).map { ChannelInfo.labelled("EMG\($0)") }
        for c in channels.indices { channels[c].physicalRange = -200...200 }
        let header = RecordingHeader(sampleRate: 1000, frameCount: 300, channels: channels)
        let samples = (0..<3).map { c in (0..<300).map { Float(100 * sin(Double($0 + 7 * c) * 0.05)) } }
        try RecordingWriter.write(Recording(header: header, samples: samples), to: flacPath)
        let flac = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: flacPath)))) ?? []
        try? FileManager.default.removeItem(atPath: flacPath)
        // A float WAV with synk's JSON metadata (labels, units, the exact rate).
        let taggedPath = dir.appendingPathComponent("tagged.wav").path
        try RecordingWriter.write(Recording(header: header, samples: samples), to: taggedPath)
        let tagged = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: taggedPath)))) ?? []
        try? FileManager.default.removeItem(atPath: taggedPath)
        return (dir, HostileCorpus.all(flac: flac, taggedWAV: tagged))
    }

    /// Every number in a JSON document is finite (JSONSerialization turns overflowing text into ±inf).
    static func allFinite(_ value: Any) -> Bool {
        switch value {
        case let number as NSNumber: return number.doubleValue.isFinite
        case let array as [Any]: return array.allSatisfy(allFinite)
        case let object as [String: Any]: return object.values.allSatisfy(allFinite)
        default: return true
        }
    }

    /// Checks one command on one file against the contract; returns a description of any breach.
    static func breach(_ outcome: Outcome, file: HostileFile, path: String, output: String?) -> String? {
        let r = outcome.result
        let command = outcome.arguments.first ?? ""
        if r.seconds >= 1 { return "\(command) took \(r.seconds) s" }
        switch r.status {
        case 3:
            let lines = r.stderr.split(separator: "\n")
            if lines.count != 1 { return "\(command): \(lines.count) stderr lines: \(r.stderr)" }
            if !r.stderr.contains(path) { return "\(command): message does not name the file: \(r.stderr)" }
            if let output, FileManager.default.fileExists(atPath: output) { return "\(command): output left behind after exit 3" }
            return nil
        case 0 where file.expectation == .rejectedOrReadable:
            if command == "info" {
                guard let json = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8), options: [.fragmentsAllowed]) else {
                    return "info --json printed no valid JSON: \(r.stdout.prefix(300))"
                }
                if !allFinite(json) { return "info --json printed a non-finite number" }
            } else if let output {
                guard let recording = try? RecordingReader.read(output, options: ReadOptions(applyBIDSSidecars: false)) else {
                    return "filter exit 0 but its output cannot be read back"
                }
                if recording.frameCount == 0 { return "filter exit 0 with an empty output" }
                if recording.samples.contains(where: { $0.contains { !$0.isFinite } }) { return "filter wrote non-finite samples" }
            }
            return nil
        default:
            return "\(command): exit \(r.status) (expected 3\(file.expectation == .rejectedOrReadable ? " or 0" : "")), stderr: \(r.stderr.prefix(400))"
        }
    }

    @Test("the corpus holds at least 30 hostile files of every family")
    func corpusSize() throws {
        let (dir, files) = try Self.buildCorpus()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(files.count >= 30)
        for ext in [".wav", ".flac", ".edf", ".bdf", ".h5", ".csv", ".txt"] {
            #expect(files.filter { $0.name.hasSuffix(ext) }.count >= 3, "at least three \(ext) files")
        }
        #expect(Set(files.map(\.name)).count == files.count, "names are unique")
        #expect(files.filter { $0.name.hasPrefix("wav-meta-") }.count == 3, "the metadata cases were made")
        #expect(files.contains { $0.name == "fuzz-hdf5-attribute-name-overread.h5" && !$0.bytes.isEmpty }, "fuzzer findings are in the corpus")
        #expect(files.filter { $0.name.hasPrefix("h5-libhdf5-crash-") && !$0.bytes.isEmpty }.count == 5, "the libhdf5 crashes are in the corpus")
    }

    @Test("every hostile file: exit 3 with one line naming it, or exit 0 with finite output; inputs untouched")
    func corpus() throws {
        let (dir, files) = try Self.buildCorpus()
        defer { try? FileManager.default.removeItem(at: dir) }
        var breaches: [String] = []
        var slowest = 0.0
        for file in files {
            let path = dir.appendingPathComponent(file.name).path
            if let make = file.make { make(path) } else { FileManager.default.createFile(atPath: path, contents: Data(file.bytes)) }
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
            let output = dir.appendingPathComponent("out-\(file.name).wav").path
            for arguments in [["info", path, "--json"], ["filter", path, "-o", output, "--band", "none"]] {
                var result: CLI.Result
                do {
                    result = try CLI.run(arguments, timeout: 10)
                    // Other test suites share the machine: a run over a second is repeated once, so only
                    // a command that is slow every time counts as breaking the one-second limit.
                    if result.seconds >= 1 {
                        try? FileManager.default.removeItem(atPath: output)
                        result = try CLI.run(arguments, timeout: 10)
                    }
                } catch {
                    breaches.append("\(file.name): \(arguments[0]) hung (killed after 10 s)")
                    continue
                }
                slowest = max(slowest, result.seconds)
                let outcome = Outcome(arguments: arguments, result: result)
                if let problem = Self.breach(outcome, file: file, path: path, output: arguments[0] == "filter" ? output : nil) {
                    breaches.append("\(file.name): \(problem)")
                }
            }
            let after = try Data(contentsOf: URL(fileURLWithPath: path))
            if after != before { breaches.append("\(file.name): the input was changed") }
            if try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date != modified {
                breaches.append("\(file.name): the input's modification time changed")
            }
            try? FileManager.default.removeItem(atPath: output)
            try FileManager.default.removeItem(atPath: path)
        }
        #expect(breaches.isEmpty, "\(breaches.count) breaches:\n\(breaches.joined(separator: "\n"))")
        // Nothing but the corpus was ever written here (no temporary or partial outputs remain).
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        print("hostile corpus: \(files.count) files, slowest command \(slowest) s")
    }
}
