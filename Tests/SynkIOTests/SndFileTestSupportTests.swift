import Foundation
import SynkCore
import Testing

/// Helpers shared by the sound-file and EDF suites (namespaced so other IO suites cannot collide).
enum SndEDFTestSupport {
    /// A fixture file's path inside the copied `Fixtures` folder.
    static func fixture(_ relative: String) -> String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(relative).path
    }

    /// Columns of a numeric CSV fixture (one column per channel).
    static func csvColumns(_ relative: String) throws -> [[Double]] {
        let text = try String(contentsOfFile: fixture(relative), encoding: .utf8)
        let rows = text.split(separator: "\n").map { $0.split(separator: ",").map { Double($0)! } }
        return (0..<rows[0].count).map { c in rows.map { $0[c] } }
    }

    /// A fresh empty directory for one test's outputs.
    static func temporaryDirectory() -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synk-sndedf-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// A 3-channel test recording: sines of different frequencies and amplitudes plus deterministic
    /// pseudo-random noise, in µV, with a full header.
    static func recording(frames: Int = 2345, rate: Double = 1000, amplitude: Double = 800) -> Recording {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func noise() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        let labels = ["OOc-L", "OOr-R", "ZYG_L"]
        let samples: [[Float]] = (0..<3).map { c in
            (0..<frames).map { i in
                let t = Double(i) / rate
                return Float(amplitude / Double(c + 1) * sin(2 * .pi * (13 + 17 * Double(c)) * t) + 50 * noise())
            }
        }
        var channels = labels.map { ChannelInfo.labelled($0) }
        channels[2].kind = .auxiliary
        let header = RecordingHeader(
            sampleRate: rate, frameCount: frames, channels: channels,
            startTime: Date(timeIntervalSince1970: 1_795_000_000.25), subject: "P042", session: "S7",
            affectedSide: .left,
            events: [Event(onset: 0.25, duration: 1.5, label: "smile"), Event(onset: 1.125, duration: 0, label: "eye_closure")],
            stimuli: [Stimulus(time: 0.5, intensityMilliampere: 12.5, site: "stylomastoid", side: .left, branch: .zygomatic)],
            metadata: ["device": "fixture"])
        return try! Recording(header: header, samples: samples)
    }

    /// Deletes a directory made by ``temporaryDirectory()``.
    static func remove(_ directory: String) {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Copies the first `length` bytes of `source` to a new file in `directory`.
    static func truncatedCopy(of source: String, length: Int, in directory: String, name: String) -> String {
        let data = try! Data(contentsOf: URL(fileURLWithPath: source))
        let target = (directory as NSString).appendingPathComponent(name)
        try! data.prefix(length).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// Runs `body` and returns the `SynkError` it threw, or `nil`.
    static func error(_ body: () throws(SynkError) -> Void) -> SynkError? {
        do { try body() } catch { return error }
        return nil
    }
}

@Suite("Sound-file and EDF test helpers")
struct SndFileTestSupportTests {
    @Test("the CSV fixture reader returns the committed columns")
    func csvColumnsShape() throws {
        let columns = try SndEDFTestSupport.csvColumns("sndfile/pcm16_3ch_1000hz.csv")
        #expect(columns.count == 3)
        #expect(columns.allSatisfy { $0.count == 500 })
        // Row 0 was set by the fixture script to the int16 extremes and zero.
        #expect(columns[0][0] == -1.0)
        #expect(columns[1][0] == 32767.0 / 32768.0)
        #expect(columns[2][0] == 0)
    }
}
