import Foundation
import Testing
import SynkCore
@testable import SynkIO

/// Hand-made text fixtures (`Fixtures/text/`); every expected number is the fixture's text converted by hand.
@Suite("Text reader: CSV/TSV and OpenSignals fixtures, errors")
struct TextFixtureTests {
    static func fixture(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures/text/\(name)", withExtension: nil)!.path
    }

    static func read(_ name: String, _ format: FileFormat, rate: Double? = nil) throws -> Recording {
        try TextRecordingReader(path: fixture(name), format: format, sampleRate: rate).readAll()
    }

    /// The error thrown while opening and reading the whole file.
    static func failure(_ name: String, _ format: FileFormat, rate: Double? = nil) -> SynkError? {
        do {
            _ = try TextRecordingReader(path: fixture(name), format: format, sampleRate: rate).readAll(blockFrames: 2)
            return nil
        } catch let error as SynkError {
            return error
        } catch {
            return nil
        }
    }

    @Test("CSV with comments, a labelled header with units, a time column, an interior gap and empty trailing rows")
    func commaHeaderTime() throws {
        #expect(try FormatSniffer.family(ofFileAt: Self.fixture("comma_header_time.csv")).1 == .csv)
        let recording = try Self.read("comma_header_time.csv", .csv)
        let header = recording.header
        // Five rows 2 ms apart: 500 Hz. The two ",,," rows at the end are dropped.
        #expect(abs(header.sampleRate - 500) <= 1e-9 * 500)
        #expect(header.frameCount == 5)
        #expect(header.metadata["text.droppedTailRows"] == "2")
        #expect(header.channels.map(\.label) == ["OOc-L", "ZYG_R", "Trigger"])
        #expect(header.channels.map(\.unit) == [.microvolt, .microvolt, .unknown])
        #expect(header.channels.map(\.kind) == [.emg, .emg, .trigger])
        #expect(header.channels[0].muscle == .OOc && header.channels[0].side == .left)
        #expect(header.channels[1].muscle == .ZYG && header.channels[1].side == .right)
        #expect(recording.samples[0][0...2] == [1.5, -2.0, 3.25])
        #expect(recording.samples[0][3].isNaN)
        #expect(recording.samples[0][4] == 4.0)
        // ZYG_R in mV: 0.25, -0.5, 1.0, 0.125, -1.0 → µV.
        #expect(recording.samples[1] == [250, -500, 1000, 125, -1000])
        #expect(recording.samples[2] == [0, 0, 1, 0, 0])
    }

    @Test("Semicolons with decimal commas and CRLF line ends")
    func semicolonDecimalComma() throws {
        let recording = try Self.read("semicolon_decimal_comma.csv", .csv)
        // Times 0, 0.004, 0.008 s: 250 Hz.
        #expect(abs(recording.sampleRate - 250) <= 1e-9 * 250)
        #expect(recording.header.metadata["text.decimalComma"] == "true")
        #expect(recording.samples[0] == [1500, 500, -1000])
        #expect(recording.samples[1] == [-2250, 3000, 750])
    }

    @Test("A time column in milliseconds and a voltage column in volts")
    func timeInMilliseconds() throws {
        let recording = try Self.read("time_ms.csv", .csv)
        // 0.5 ms steps: 2000 Hz; 1e-6 V = 1 µV.
        #expect(abs(recording.sampleRate - 2000) <= 1e-9 * 2000)
        let expected: [Double] = [1, 2, -3, 4.5]
        for (i, value) in expected.enumerated() {
            #expect(abs(Double(recording.samples[0][i]) - value) <= 1e-6 * abs(value))
        }
    }

    @Test("TSV without a header row reads with a given rate; unnamed channels have no unit")
    func tsvWithoutHeader() throws {
        #expect(try FormatSniffer.family(ofFileAt: Self.fixture("no_header.tsv")).1 == .tsv)
        let recording = try Self.read("no_header.tsv", .tsv, rate: 2000)
        #expect(recording.sampleRate == 2000)
        #expect(recording.frameCount == 4)
        #expect(recording.channels.map(\.label) == ["ch1", "ch2", "ch3"])
        #expect(recording.channels.allSatisfy { $0.unit == .unknown })
        #expect(recording.samples == [[10, 11, 12, 13], [-20, -21, -22, -23], [30, 31, 32, 33]])
    }

    @Test("OpenSignals JSON header: nSeq skipped, digital lines as triggers, analog channels in counts")
    func openSignalsJSON() throws {
        let path = Self.fixture("opensignals_json.txt")
        #expect(try FormatSniffer.family(ofFileAt: path).1 == .openSignalsText)
        let recording = try Self.read("opensignals_json.txt", .openSignalsText)
        let header = recording.header
        #expect(header.sampleRate == 1000)
        #expect(header.frameCount == 4)
        #expect(header.channels.map(\.label) == ["I1", "I2", "O1", "O2", "ZYG-L", "ZYG-R"])
        #expect(header.channels.map(\.kind) == [.trigger, .trigger, .trigger, .trigger, .emg, .emg])
        #expect(header.channels[4].unit == .counts)
        #expect(header.channels[4].muscle == .ZYG && header.channels[5].side == .right)
        #expect(header.channels[4].physicalRange == 0...1023)
        #expect(header.metadata["opensignals.mac"] == "00:07:80:3B:46:61")
        #expect(header.metadata["opensignals.device"] == "bitalino_rev")
        #expect(header.metadata["text.unitNote"]?.contains("no transfer function") == true)
        #expect(recording.samples[0] == [1, 1, 1, 0])
        #expect(recording.samples[1] == [1, 0, 1, 1])
        #expect(recording.samples[4] == [510, 512, 530, 499])
        #expect(recording.samples[5] == [498, 501, 480, 523])
    }

    @Test("BIOPAC export with a time column, tab-separated, 0.5 ms/sample")
    func biopacWithTime() throws {
        #expect(try FormatSniffer.family(ofFileAt: Self.fixture("biopac_time_tabs.txt")).1 == .biopacText)
        let recording = try Self.read("biopac_time_tabs.txt", .biopacText)
        #expect(recording.sampleRate == 2000)
        #expect(recording.frameCount == 4)
        #expect(recording.channels.map(\.kind) == [.emg, .trigger])
        #expect(recording.channels[0].muscle == .OOc && recording.channels[0].side == .left)
        // mV → µV: 0.001, -0.002, 0.0035, 0.0001 mV; V → µV: 0, 5, 5, 0 V.
        let expected: [Double] = [1, -2, 3.5, 0.1]
        for (i, value) in expected.enumerated() {
            #expect(abs(Double(recording.samples[0][i]) - value) <= 1e-6 * abs(value))
        }
        #expect(recording.samples[1] == [0, 5_000_000, 5_000_000, 0])
    }

    @Test("A --rate that contradicts the rate the file states is refused")
    func contradictingRate() throws {
        let error = try #require(Self.failure("biopac_time_tabs.txt", .biopacText, rate: 1000))
        #expect(error.kind == .usage)
        #expect(error.problem.contains("contradicts"))
    }

    @Test("A labelled export without the 'File Name:' line is still recognised and read")
    func labelledWithoutFileName() throws {
        let text = "Channel 1: 'ZYG-L', 2 values, engineering units: mV, no filters.\n\n0.5\n-0.25\n"
        #expect(FormatSniffer.family(ofHead: Array(text.utf8))?.1 == .labelledText)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synk-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("labelled.txt").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let recording = try TextRecordingReader(path: path, format: .labelledText).readAll()
        #expect(recording.samples == [[500, -250]])
        #expect(recording.channels[0].muscle == .ZYG && recording.channels[0].side == .left)
    }

    @Test("A time column that starts at 10 s: the header records the first sample's time (stimuli in the file's time base are 10 s later than from the first sample)")
    func timeColumnOrigin() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synk-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("late.csv").path
        try "time_s,NAS-L (uV)\n10.000,1\n10.001,2\n10.002,3\n10.003,4\n".write(toFile: path, atomically: true, encoding: .utf8)
        let reader = try TextRecordingReader(path: path, format: .csv)
        #expect(reader.header.firstSampleTime == 10)
        #expect(abs(reader.header.sampleRate - 1000) < 1e-6)
        let zero = folder.appendingPathComponent("zero.csv").path
        try "time_s,NAS-L (uV)\n0.000,1\n0.001,2\n".write(toFile: zero, atomically: true, encoding: .utf8)
        #expect(try TextRecordingReader(path: zero, format: .csv).header.firstSampleTime == nil)
    }

    // MARK: Errors name the file and the line

    @Test("A non-numeric cell names its line and text")
    func nonNumericCell() throws {
        let error = try #require(Self.failure("bad_cell.csv", .csv, rate: 100))
        #expect(error.kind == .input)
        #expect(error.file == Self.fixture("bad_cell.csv"))
        #expect(error.place == "line 4")
        #expect(error.problem.hasPrefix("'abc' is not a number"))
        #expect(error.description.contains("bad_cell.csv: line 4: 'abc' is not a number"))
    }

    @Test("A body row with the wrong number of columns names its line")
    func wrongColumnCount() throws {
        let error = try #require(Self.failure("wrong_columns.csv", .csv, rate: 100))
        #expect(error.kind == .input)
        #expect(error.place == "line 4")
        #expect(error.problem == "1 columns where the header has 2")
    }

    @Test("A header without rows is an error")
    func noDataRows() throws {
        let error = try #require(Self.failure("no_rows.csv", .csv, rate: 100))
        #expect(error.kind == .input)
        #expect(error.file == Self.fixture("no_rows.csv"))
        #expect(error.problem == "no data rows")
    }

    @Test("Only a time column: zero channels")
    func zeroChannels() throws {
        let error = try #require(Self.failure("zero_channels.csv", .csv))
        #expect(error.kind == .input)
        #expect(error.problem == "no channels")
    }

    @Test("A time column off the uniform grid by more than 0.1 % of a period names the line")
    func nonUniformTime() throws {
        let error = try #require(Self.failure("nonuniform_time.csv", .csv))
        #expect(error.kind == .input)
        // Rows at 0, 1, 2, 3.5, 4 ms: the derived rate is 1000 Hz and the 3.5 ms row (line 5) is off.
        #expect(error.place == "line 5")
        #expect(error.problem.contains("not uniformly spaced"))
    }

    @Test("A time column that does not increase")
    func constantTime() throws {
        let error = try #require(Self.failure("constant_time.csv", .csv))
        #expect(error.kind == .input)
        #expect(error.problem.contains("does not increase"))
    }

    @Test("Without a time column and without a rate the user is told to pass --rate")
    func missingRate() throws {
        let error = try #require(Self.failure("no_header.tsv", .tsv))
        #expect(error.kind == .usage)
        #expect(error.file == Self.fixture("no_header.tsv"))
        #expect(error.hint == "pass --rate HZ")
    }

    @Test("A zero or negative rate is refused", arguments: [0.0, -250.0])
    func badRate(rate: Double) throws {
        let error = try #require(Self.failure("no_header.tsv", .tsv, rate: rate))
        #expect(error.kind == .usage)
        #expect(error.problem.contains("positive"))
    }

    @Test("A BIOPAC header with a zero sample interval is refused")
    func biopacZeroInterval() throws {
        let error = try #require(Self.failure("biopac_zero_interval.txt", .biopacText))
        #expect(error.kind == .input)
        #expect(error.place == "line 2")
        #expect(error.problem.contains("invalid sample interval"))
    }

    @Test("A labelled export with an EMG value beyond its declared count names the line")
    func labelledValueInTail() throws {
        let error = try #require(Self.failure("labelled_value_in_tail.txt", .labelledText))
        #expect(error.kind == .input)
        #expect(error.place == "line 8")
        #expect(error.problem.contains("beyond the declared 3 values"))
    }

    @Test("A labelled export with fewer rows than declared")
    func labelledTooFewRows() throws {
        let error = try #require(Self.failure("labelled_too_few_rows.txt", .labelledText))
        #expect(error.kind == .input)
        #expect(error.problem.contains("declares 5 values"))
    }

    @Test("A missing file is an input error naming it")
    func missingFile() throws {
        do {
            _ = try TextRecordingReader(path: "/nonexistent/x.csv", format: .csv, sampleRate: 100)
            Issue.record("no error")
        } catch {
            #expect(error.kind == .input)
            #expect(error.file == "/nonexistent/x.csv")
        }
    }
}
