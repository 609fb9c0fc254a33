import Foundation
import Testing
import SynkCore
@testable import SynkIO

/// Text exports as other people's software writes them: a UTF-8 byte-order mark, CRLF line ends and the missing-value
/// spellings of pandas, R, databases and spreadsheets. Every expected value is the fixture's text read by hand.
@Suite("Text reader: byte-order marks, CRLF and missing-value tokens of real exports")
struct TextExportTests {
    static func fixture(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures/text/\(name)", withExtension: nil)!.path
    }

    /// A copy of `name` with a UTF-8 byte-order mark in front, in a fresh temporary folder.
    static func withByteOrderMark(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synk-bom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let copy = folder.appendingPathComponent(name)
        try (Data([0xEF, 0xBB, 0xBF]) + Data(contentsOf: URL(fileURLWithPath: fixture(name)))).write(to: copy)
        return copy.path
    }

    @Test("BOM, CRLF and NULL/NA/N/A/n/a/NaN/null/empty cells: the time column is found and every token is a NaN gap")
    func byteOrderMarkAndMissingTokens() throws {
        let path = Self.fixture("bom_crlf_missing.csv")
        #expect(try FormatSniffer.family(ofFileAt: path).1 == .csv)
        let recording = try TextRecordingReader(path: path, format: .csv).readAll()
        // Seven rows 0.5 ms apart: 2000 Hz from the time column, which the BOM no longer hides.
        #expect(recording.sampleRate == 2000)
        #expect(recording.header.metadata["text.sampleRateSource"] == "time column 'Time'")
        #expect(recording.channels.map(\.label) == ["EMG_zyg", "EMG_cor"])
        let zyg = recording.samples[0], cor = recording.samples[1]
        #expect(zyg.count == 7 && cor.count == 7)
        // EMG_zyg: 1.5, NULL, 2.5, N/A, NaN, null, -1.
        #expect(zyg[0] == 1.5 && zyg[2] == 2.5 && zyg[6] == -1)
        #expect([1, 3, 4, 5].allSatisfy { zyg[$0].isNaN })
        // EMG_cor: -2, 3, NA, n/a, (empty), 4, na.
        #expect(cor[0] == -2 && cor[1] == 3 && cor[5] == 4)
        #expect([2, 3, 4, 6].allSatisfy { cor[$0].isNaN })
    }

    @Test("A BOM in front of a rate-less CSV does not make a channel of the time label")
    func byteOrderMarkWithGivenRate() throws {
        let recording = try TextRecordingReader(path: Self.fixture("bom_crlf_missing.csv"), format: .csv, sampleRate: 2000).readAll()
        #expect(recording.channels.map(\.label) == ["EMG_zyg", "EMG_cor"])
        #expect(!recording.channels.contains { $0.label.unicodeScalars.contains("\u{FEFF}") })
    }

    @Test("Each missing-value spelling, in any case, parses as missing; words and infinities stay invalid", arguments: [
        ("NULL", true), ("null", true), ("Null", true), ("NA", true), ("na", true), ("N/A", true), ("n/a", true),
        ("NaN", true), ("nan", true), ("-nan", true), ("#N/A", true), ("None", true), ("", true), ("  ", true),
        ("inf", false), ("-inf", false), ("abc", false), ("NULLS", false), ("1.5x", false),
    ])
    func missingToken(text: String, missing: Bool) {
        let bytes = Array(text.utf8)
        let value = bytes.withUnsafeBufferPointer { TextCells.parse($0, 0..<bytes.count) }
        if missing {
            guard case .missing = value else { Issue.record("'\(text)' should be missing, is \(value)"); return }
        } else {
            guard case .invalid = value else { Issue.record("'\(text)' should be invalid, is \(value)"); return }
        }
    }

    @Test("A BOM in front of BIOPAC, OpenSignals and labelled headers: the format is still recognised and read",
          arguments: [("biopac_time_tabs.txt", FileFormat.biopacText), ("opensignals_json.txt", .openSignalsText),
                      ("time_ms.csv", .csv)])
    func byteOrderMarkBeforeHeaders(name: String, format: FileFormat) throws {
        let plain = try TextRecordingReader(path: Self.fixture(name), format: format).readAll()
        let path = try Self.withByteOrderMark(name)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        #expect(try FormatSniffer.family(ofFileAt: path).1 == format)
        let marked = try TextRecordingReader(path: path, format: format).readAll()
        #expect(marked.channels == plain.channels)
        #expect(marked.sampleRate == plain.sampleRate)
        #expect(marked.samples == plain.samples)
    }
}

/// A header that declares another length than the file holds is said, with both numbers (issue 22).
@Suite("Text reader: declared length against the rows held")
struct DeclaredLengthTests {
    @Test("The real BIOPAC export declares 2,054,992 samples per channel and holds 13,150 rows: one warning with both numbers")
    func biopacPartialExport() throws {
        let path = TextRealRecordingsTests.path("biopac_facial_femg_sub_f_005.txt")
        let header = try TextRecordingReader(path: path, format: .biopacText).header
        #expect(header.frameCount == 13_150)
        #expect(header.warnings.count == 1)
        let warning = try #require(header.warnings.first)
        #expect(warning.contains("2054992") && warning.contains("13150"))
        // 13150 / 2054992 = 0.640 % (by hand).
        #expect(warning.contains("0.640 %"))
        #expect(InputDescription(path: path, sha256: "", header: header).warnings == header.warnings)
    }

    @Test("A BIOPAC export whose count line matches its rows raises no warning")
    func biopacMatchingCounts() throws {
        let header = try TextRecordingReader(path: TextExportTests.fixture("biopac_time_tabs.txt"), format: .biopacText).header
        #expect(header.frameCount == 4)
        #expect(header.warnings.isEmpty)
    }

    @Test("Declared counts: equal → none; one other count → both numbers; several → their range")
    func declaredCountSentence() {
        #expect(TextRecordingReader.declaredCountWarning("4,4,4", rows: 4) == nil)
        #expect(TextRecordingReader.declaredCountWarning(nil, rows: 4) == nil)
        #expect(TextRecordingReader.declaredCountWarning("8,8", rows: 4)?.hasPrefix("the header declares 8 samples per channel but the file holds 4 rows") == true)
        #expect(TextRecordingReader.declaredCountWarning("8,16", rows: 4)?.contains("between 8 and 16 samples per channel") == true)
    }
}

/// A rate derived from a time column is rounded to the decimal places the printed times support (issue 22:
/// 99.99999999999999 Hz and 2000.0000000000002 Hz appeared in results, and quality windows differed from `--rate`).
@Suite("Text reader: the rate of a time column")
struct TimeColumnRateTests {
    /// A CSV of `rows` rows starting at `start` s, `step` s apart, times printed with `decimals` places.
    static func csv(rows: Int, start: Double, step: Double, decimals: Int) throws -> String {
        var text = "time,EMG\n"
        for n in 0..<rows { text += String(format: "%.\(decimals)f,%d\n", start + Double(n) * step, n % 7 - 3) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("synk-rate-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("Printed times whose plain quotient is not the rate give the rate exactly", arguments: [
        // (rows, start, step, decimals, rate): the plain (rows − 1) / span is, by Python,
        // 2000.0000000000002, 99.99999999999999, 100.00000000000001 and 1999.9999999999998.
        (20_000, 0.0, 0.0005, 4, 2000.0), (2500, 0.02, 0.01, 2, 100.0), (2000, 0.0, 0.01, 2, 100.0), (8000, 1.0, 0.0005, 4, 2000.0),
    ])
    func roundedToPrintedResolution(rows: Int, start: Double, step: Double, decimals: Int, rate: Double) throws {
        let path = try Self.csv(rows: rows, start: start, step: step, decimals: decimals)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let recording = try TextRecordingReader(path: path, format: .csv).readAll()
        #expect(recording.sampleRate == rate)
        #expect(recording.frameCount == rows)
        #expect(recording.header.metadata["text.sampleRateRule"] == TextRecordingReader.rateRule)
    }

    @Test("The rule keeps what the times resolve: 2048 Hz printed to 1e-6 s, 1234.5678 Hz printed to 1e-9 s")
    func keepsResolvedDigits() {
        // 10,000 times 1/2048 s apart printed to 1e-6 s: the last is 4.882324 (4.88232421875 exactly), so the plain
        // quotient is 2048.0000917595803 Hz (Python), known to ±2048 × 1e-6 / 4.882324 = ±4.2e-4 Hz: rounded to 4 places.
        #expect(TextRecordingReader.roundedRate(rows: 10_000, span: 4.882324, timeResolution: 1e-6) == 2048.0001)
        // Times printed to 1e-9 s over 8.1 s: the rate is known to ~1.5e-7 Hz; 1234.5678 Hz survives.
        #expect(TextRecordingReader.roundedRate(rows: 10_000, span: 9999 / 1234.5678, timeResolution: 1e-9) == 1234.5678)
        // Times with an exponent (no printed resolution): only floating-point noise below 1e-9 Hz goes.
        #expect(TextRecordingReader.roundedRate(rows: 20_000, span: 19_999 / 2000.0000000000002, timeResolution: 0) == 2000)
    }
}
