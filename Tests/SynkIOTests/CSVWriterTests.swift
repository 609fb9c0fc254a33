import Foundation
import Testing
import SynkCore
@testable import SynkIO

@Suite("CSV writer")
struct CSVWriterTests {
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synk-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Deterministic values spanning many magnitudes, with NaN gaps every 97th sample of channel 0.
    static func samples(channels: Int, frames: Int) -> [[Float]] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<channels).map { c in
            (0..<frames).map { i in
                if c == 0, i % 97 == 50 { return .nan }
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let unit = Double(state >> 11) / Double(1 << 53) - 0.5
                return Float(unit * pow(10, Double(i % 7) - 2))
            }
        }
    }

    @Test("Written and read back: labels (quoted as RFC 4180 says), units, rate and every sample bit for bit", arguments: [1000.0, 2048.0, 44_100.0])
    func roundTrip(rate: Double) throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("out.csv").path
        let frames = 3001
        let channels = [
            ChannelInfo.labelled("OOc-L", unit: .microvolt),
            ChannelInfo(label: "Gonio, knee", unit: PhysicalUnit(parsing: "deg"), kind: .auxiliary),
            ChannelInfo(label: "raw \"B\"", unit: .unknown),
        ]
        let original = try Recording(
            header: RecordingHeader(sampleRate: rate, frameCount: frames, channels: channels),
            samples: Self.samples(channels: 3, frames: frames))
        let writer = try CSVWriter(path: path, header: original.header)
        var start = 0
        while start < frames {
            let end = min(frames, start + 700)
            try writer.write(SignalBlock(firstFrame: start, channels: original.samples.map { Array($0[start..<end]) }))
            start = end
        }
        // Nothing appears until finish().
        #expect(!FileManager.default.fileExists(atPath: path))
        try writer.finish()
        #expect(FileManager.default.fileExists(atPath: path))

        let firstLine = try String(contentsOfFile: path, encoding: .utf8).prefix { $0 != "\n" }
        #expect(firstLine == "time_s,OOc-L [uV],\"Gonio, knee [deg]\",\"raw \"\"B\"\"\"")

        #expect(try FormatSniffer.family(ofFileAt: path).1 == .csv)
        let back = try TextRecordingReader(path: path, format: .csv).readAll(blockFrames: 256)
        #expect(abs(back.sampleRate - rate) <= 1e-9 * rate)
        #expect(back.frameCount == frames)
        #expect(back.channels.map(\.label) == ["OOc-L", "Gonio, knee", "raw \"B\""])
        #expect(back.channels.map(\.unit.symbol) == ["uV", "deg", ""])
        #expect(back.channels[0].muscle == .OOc && back.channels[0].side == .left)
        for c in 0..<3 {
            #expect(back.samples[c].elementsEqual(original.samples[c]) { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
        }
        #expect(back.samples[0].filter(\.isNaN).count == (0..<frames).filter { $0 % 97 == 50 }.count)
    }

    @Test("An abandoned writer leaves no file")
    func abandoned() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("never.csv").path
        do {
            let writer = try CSVWriter(path: path, header: RecordingHeader(sampleRate: 100, frameCount: 1, channels: [ChannelInfo(label: "x")]))
            try writer.write(SignalBlock(firstFrame: 0, channels: [[1]]))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("An infinite sample is an output error naming the channel and frame")
    func infiniteSample() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("inf.csv").path
        let writer = try CSVWriter(path: path, header: RecordingHeader(sampleRate: 100, frameCount: 2, channels: [ChannelInfo(label: "x")]))
        #expect {
            try writer.write(SignalBlock(firstFrame: 0, channels: [[1, .infinity]]))
        } throws: { error in
            let error = error as! SynkError
            return error.kind == .output && error.problem == "channel x is infinite at frame 1"
        }
    }
}
