import Foundation
import Testing
import SynkCore
@testable import SynkIO

/// The four real text recordings in `SampleData/real/`; expected values are copied by hand from the
/// files (first and last rows) and from `SampleData/real/README.md` (row counts, rates).
@Suite("Real text recordings")
struct TextRealRecordingsTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SampleData/real").path

    static func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// Relative agreement of a Float sample with a value written in the file, converted by hand.
    static func close(_ actual: Float, _ expected: Double, relative: Double = 1e-6) -> Bool {
        abs(Double(actual) - expected) <= relative * max(abs(expected), 1e-12)
    }

    @Test("BIOPAC export: 13,150 rows at 1 kHz, 15 channels, mV and V converted to µV")
    func biopac() throws {
        let path = Self.path("biopac_facial_femg_sub_f_005.txt")
        let head = try FormatSniffer.family(ofFileAt: path)
        #expect(head.1 == .biopacText)
        let reader = try TextRecordingReader(path: path, format: .biopacText)
        let header = reader.header
        #expect(header.frameCount == 13_150)
        #expect(header.sampleRate == 1000)
        #expect(header.channels.count == 15)
        #expect(header.channels.allSatisfy { $0.unit == .microvolt })
        #expect(header.channels.map(\.kind) == [.emg, .emg, .emg] + Array(repeating: .trigger, count: 8) + [.auxiliary, .auxiliary, .auxiliary, .trigger])
        #expect(header.channels.prefix(3).map(\.muscle) == [.COR, .ZYG, .LLS])
        #expect(header.channels[3].label == "Digital input CH28")
        #expect(header.channels[14].label == "Marker")
        #expect(header.metadata["biopac.declaredSampleCounts"]?.hasPrefix("2054992,") == true)

        let recording = try reader.readAll()
        #expect(recording.frameCount == 13_150)
        // First row: -0.00384521 mV, -0.0012207 mV, 0.000610352 V, ..., 4.8883 V, 1.02357 V, 0.135157 V, 0.
        let first: [Double] = [-3.84521, -1.2207, 610.352, 0, 0, 0, 0, 0, 0, 0, 0, 4_888_300, 1_023_570, 135_157, 0]
        for (c, expected) in first.enumerated() {
            #expect(Self.close(recording.samples[c][0], expected), "channel \(c)")
        }
        // Last row: -0.00195312 mV, -0.00012207 mV, -0.010376 V, ..., 1.61852 V, 1.73032 V, 0.0696438 V, 0.
        let last: [Double] = [-1.95312, -0.12207, -10_376, 0, 0, 0, 0, 0, 0, 0, 0, 1_618_520, 1_730_320, 69_643.8, 0]
        for (c, expected) in last.enumerated() {
            #expect(Self.close(recording.samples[c][13_149], expected), "channel \(c)")
        }
        // awk over the file: the Marker column is non-zero in 16 rows.
        #expect(recording.samples[14].filter { $0 != 0 }.count == 16)
    }

    @Test("UCI 5N: 6,563 EMG samples per channel; the 18-row goniometer-only tail is trimmed and recorded")
    func uciRaggedTail() throws {
        let path = Self.path("uci_lowerlimb_5Nmar.txt")
        #expect(try FormatSniffer.family(ofFileAt: path).1 == .labelledText)
        let reader = try TextRecordingReader(path: path, format: .labelledText)
        let header = reader.header
        #expect(header.frameCount == 6563)
        #expect(header.sampleRate == 1000)
        #expect(header.metadata["text.sampleRateSource"]?.contains("1000 Hz") == true)
        #expect(header.metadata["text.droppedTailRows"] == "18")
        #expect(header.metadata["text.droppedTailNote"]?.contains("6571–6588") == true)
        #expect(header.channels.map(\.label) == ["RF", "BF", "VM", "ST", "FX"])
        #expect(header.channels.map(\.unit.symbol) == ["uV", "uV", "uV", "uV", "deg"])
        #expect(header.channels.map(\.kind) == [.emg, .emg, .emg, .emg, .auxiliary])

        let recording = try reader.readAll()
        #expect(recording.samples.allSatisfy { $0.count == 6563 })
        #expect(recording.samples.allSatisfy { !$0.contains(where: \.isNaN) })
        // Line 8: 0.0037 -0.0015 -0.0008 -0.0173 59.9; line 6570 (frame 6562): 0 -0.0015 -0.0105 -0.0181 38.6.
        for (c, expected) in [3.7, -1.5, -0.8, -17.3, 59.9].enumerated() {
            #expect(Self.close(recording.samples[c][0], expected))
        }
        for (c, expected) in [0, -1.5, -10.5, -18.1, 38.6].enumerated() {
            #expect(Self.close(recording.samples[c][6562], expected))
        }
    }

    @Test("UCI 5N with a given rate uses it")
    func uciGivenRate() throws {
        let reader = try TextRecordingReader(path: Self.path("uci_lowerlimb_5Nmar.txt"), format: .labelledText, sampleRate: 500)
        #expect(reader.header.sampleRate == 500)
        #expect(reader.header.metadata["text.sampleRateSource"] == "given by the caller")
    }

    @Test("UCI 3A: 43,665 rows; the one all-empty last row is dropped")
    func uci3A() throws {
        let reader = try TextRecordingReader(path: Self.path("uci_lowerlimb_3Amar.txt"), format: .labelledText)
        #expect(reader.header.frameCount == 43_665)
        #expect(reader.header.metadata["text.droppedTailRows"] == "1")
        #expect(reader.header.channels.map(\.label) == ["Recto Femoral", "Biceps Femoral", "Vasto Medial", "EMG Semitendinoso", "Flexo-Extension"])
        let recording = try reader.readAll()
        // Line 43672: 0.009 -0.027 -0.0293 0.018 5.3
        for (c, expected) in [9.0, -27, -29.3, 18, 5.3].enumerated() {
            #expect(Self.close(recording.samples[c][43_664], expected))
        }
    }

    @Test("OpenSignals simple text: 100 s at 1 kHz of 12-bit counts")
    func openSignals() throws {
        let path = Self.path("opensignals_emg.txt")
        #expect(try FormatSniffer.family(ofFileAt: path).1 == .openSignalsText)
        let reader = try TextRecordingReader(path: path, format: .openSignalsText)
        let header = reader.header
        #expect(header.sampleRate == 1000)
        #expect(header.frameCount == 100_000)
        #expect(header.duration == 100)
        #expect(header.channels.count == 1)
        #expect(header.channels[0].label == "EMG")
        #expect(header.channels[0].unit == .counts)
        #expect(header.channels[0].physicalRange == 0...4095)
        #expect(header.metadata["text.unitNote"]?.contains("counts") == true)
        let recording = try reader.readAll()
        #expect(recording.samples[0].first == 2055)
        #expect(recording.samples[0].last == 2057)
    }

    @Test("Streaming in blocks of 997 frames gives the same samples as one read", arguments: [
        ("biopac_facial_femg_sub_f_005.txt", FileFormat.biopacText),
        ("uci_lowerlimb_5Nmar.txt", FileFormat.labelledText),
    ])
    func streamingEqualsWhole(name: String, format: FileFormat) throws {
        let whole = try TextRecordingReader(path: Self.path(name), format: format).readAll(blockFrames: 1 << 20)
        let reader = try TextRecordingReader(path: Self.path(name), format: format)
        var samples = [[Float]](repeating: [], count: reader.header.channels.count)
        var expectedFirst = 0
        while let block = try reader.readBlock(maxFrames: 997) {
            #expect(block.firstFrame == expectedFirst)
            #expect(block.frameCount <= 997)
            expectedFirst += block.frameCount
            for c in samples.indices { samples[c].append(contentsOf: block.channels[c]) }
        }
        #expect(expectedFirst == whole.frameCount)
        for c in samples.indices {
            #expect(samples[c].elementsEqual(whole.samples[c]) { $0 == $1 || ($0.isNaN && $1.isNaN) })
        }
    }
}
