import Foundation
import Testing
import SynkCore
@testable import SynkIO

/// Text that is not a table of samples is refused as what it is, before any rate or channel is asked for; BIDS
/// sidecar names are derived once for writing and for checking.
@Suite("Prose is not a recording; sidecar names")
struct NotARecordingTests {
    static func write(_ text: String, _ name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synk-prose-\(UUID().uuidString)-\(name)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("a README with commas, source code and a Markdown table are refused as 'not a recognised recording', naming the line", arguments: [
        ("# synk\n\nFacial EMG, from a file to a result.\nIt reads WAV, HDF5, EDF and CSV.\n", 4),
        ("import Foundation\nlet package = Package(name: \"x\", targets: [])\n", 2),
        ("| file | rate |\n|---|---|\n| a.wav, b.wav | fast |\n", 2),
    ])
    func prose(text: String, line: Int) throws {
        let path = try Self.write(text, "notes.md")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for rate in [nil, 1000.0] {
            do {
                _ = try RecordingReader.open(path, options: ReadOptions(sampleRate: rate))
                Issue.record("prose was read as a recording")
            } catch {
                #expect(error.kind == .input && error.file == path)
                #expect(error.problem == "not a recognised recording: line \(line) holds words where a recording has numbers", "\(error)")
            }
        }
    }

    @Test("tables of numbers still read: a header then numbers, gaps written as NaN, NA or empty, semicolons with decimal commas, no header")
    func tables() throws {
        for text in ["time,a,b\n0,1,2\n0.001,NaN,3\n", "t (s);x (uV)\n0;1,5\n0,001;2,5\n", "1,2\n3,4\n", "time,a,b,c\n0,nan,,3\n0.001,1,2,3\n"] {
            let path = try Self.write(text, "t.csv")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let source = try RecordingReader.open(path, options: ReadOptions(sampleRate: 1000))
            #expect(source.header.frameCount == 2, "\(text)")
        }
    }

    @Test("sidecar names: a BIDS name gets three, spelled from the recording's path; any other name none")
    func sidecarNames() {
        #expect(BIDSSidecars.sidecarPaths(for: "long.wav") == nil)
        #expect(BIDSSidecars.sidecarPaths(for: "out/my_recording.wav") == nil)
        #expect(BIDSSidecars.sidecarPaths(for: "out/sub-01_task-x_emg.wav") == ["out/sub-01_task-x_channels.tsv", "out/sub-01_task-x_emg.json", "out/sub-01_task-x_events.tsv"])
        #expect(BIDSSidecars.sidecarPaths(for: "sub-01_emg.wav") == ["sub-01_channels.tsv", "sub-01_emg.json", "sub-01_events.tsv"])
    }
}
