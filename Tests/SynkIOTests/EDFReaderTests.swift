import Foundation
import SynkCore
import SynkIO
import Testing

/// EDF+/BDF files written byte by byte by Fixtures/make_sndfile_edf_fixtures.py, and damaged copies.
@Suite("EDFReader on independent fixtures and broken files")
struct EDFReaderTests {
    typealias Support = SndEDFTestSupport
    static let edfPlus = "edf/emg_3ch_1000hz_plus_resp_100hz.edf"
    static let bdf = "edf/bdf_3ch_256hz.bdf"

    /// Largest difference from the reference, and the tolerance: float rounding of values up to `peak`.
    private func worstError(_ read: [Float], _ expected: [Double]) -> Double {
        zip(read, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
    }

    @Test("EDF+ fixture: three 1000 Hz channels in µV, the 100 Hz signal excluded and named")
    func edfPlusHeader() throws {
        let header = try EDFReader(path: Support.fixture(Self.edfPlus)).header
        #expect(header.source?.format == .edfPlus)
        #expect(header.sampleRate == 1000)
        #expect(header.frameCount == 2000)  // 4 records of 0.5 s
        #expect(header.channels.map(\.label) == ["OOc-L", "OOr-R", "ZYG_L"])
        #expect(header.channels.allSatisfy { $0.unit == .microvolt && $0.kind == .emg })
        #expect(header.channels.map(\.muscle) == [.OOc, .OOr, .ZYG])
        #expect(header.channels.map(\.side) == [.left, .right, .left])
        // mV signal: ±5 mV → ±5000 µV.
        #expect(header.channels.map(\.physicalRange) == [-3000...3000, -2500.5...2499.5, -5000...5000])
        #expect(header.metadata["excluded_signals"] == "Resp (100.0 Hz)")
        #expect(header.events == [Event(onset: 0.25, duration: 1.5, label: "smile"),
                                  Event(onset: 1.125, duration: 0, label: "eye_closure")])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.date(from: DateComponents(year: 2026, month: 11, day: 22, hour: 9, minute: 15, second: 30))
        #expect(header.startTime == start)
        #expect(header.subject == "P042")
        #expect(header.session == "S7")
        #expect(header.affectedSide == .left)
    }

    @Test("EDF+ fixture samples equal the script's physical values (float rounding only)")
    func edfPlusSamples() throws {
        let read = try EDFReader(path: Support.fixture(Self.edfPlus)).readAll(blockFrames: 300)
        let expected = try Support.csvColumns("edf/emg_3ch_1000hz_plus_resp_100hz.csv")
        for c in 0..<3 {
            #expect(read.samples[c].count == expected[c].count)
            // Values up to 5000 µV: a Float holds them to within 2.5e-4 µV.
            let worst = worstError(read.samples[c], expected[c])
            #expect(worst <= 5e-4, "channel \(c): \(worst)")
        }
        // Row 0 and 1 are the digital extremes: the physical minimum and maximum.
        #expect(read.samples[0][0] == -3000)
        #expect(read.samples[0][1] == 3000)
    }

    @Test("BDF fixture: 24-bit values, a Status channel counted as trigger with its own unit")
    func bdfFixture() throws {
        let reader = try EDFReader(path: Support.fixture(Self.bdf))
        #expect(reader.header.source?.format == .bdf)
        #expect(reader.header.sampleRate == 256)
        #expect(reader.header.frameCount == 512)
        #expect(reader.header.channels.map(\.label) == ["FRO-R", "MEN-L", "Status"])
        #expect(reader.header.channels.map(\.kind) == [.emg, .emg, .trigger])
        #expect(reader.header.channels[2].unit == PhysicalUnit(parsing: "Boolean"))
        #expect(reader.header.subject == "S001")
        #expect(reader.header.metadata["recording"] == "Synk fixture")
        let read = try reader.readAll(blockFrames: 100)
        let expected = try Support.csvColumns("edf/bdf_3ch_256hz.csv")
        for c in 0..<3 {
            // Magnitudes up to 8388607 in the Status channel: Float spacing there is 1, so 0.5 suffices.
            let peak = expected[c].map(abs).max()!
            let tolerance = Double(Float(peak).ulp) / 2 + 1e-9
            #expect(worstError(read.samples[c], expected[c]) <= tolerance, "channel \(c)")
        }
    }

    @Test("reading in blocks of 37 frames gives the same samples as reading whole")
    func streamingEqualsWhole() throws {
        let path = Support.fixture(Self.edfPlus)
        let whole = try EDFReader(path: path).readAll(blockFrames: 1 << 20)
        let reader = try EDFReader(path: path)
        var pieces = [[Float]](repeating: [], count: 3)
        var next = 0
        while let block = try reader.readBlock(maxFrames: 37) {
            #expect(block.firstFrame == next)
            next += block.frameCount
            for c in 0..<3 { pieces[c].append(contentsOf: block.channels[c]) }
        }
        #expect(next == 2000)
        #expect(pieces == whole.samples)
    }

    @Test("an EDF cut short reports truncation with declared and held data records",
          arguments: [256 * 6 + 100, 256 * 6 + 3600, 256 * 6 + 3 * 3240 + 17, 14416 - 1])
    func truncatedEDF(cut: Int) {
        // Header 6 × 256 bytes; one record: (500 + 50 + 500 + 500) × 2 + 120 = 3220 bytes; 4 records.
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = Support.truncatedCopy(of: Support.fixture(Self.edfPlus), length: cut, in: directory, name: "cut.edf")
        let error = Support.error { () throws(SynkError) in _ = try EDFReader(path: path).readAll() }
        #expect(error?.kind == .input)
        #expect(error?.file == path)
        let held = (cut - 256 * 6) / 3220
        #expect(error?.problem.hasPrefix("truncated: header declares 4 data records, data holds \(held) ") == true,
                "\(String(describing: error))")
    }

    @Test("an empty file, text and a file cut inside its header are input errors naming the file")
    func emptyGarbageAndHeaderCut() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let empty = directory + "/empty.edf"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(Support.error { () throws(SynkError) in _ = try EDFReader(path: empty) } == .input(empty, "empty file (0 bytes)"))

        let garbage = directory + "/garbage.edf"
        _ = FileManager.default.createFile(atPath: garbage, contents: Data(String(repeating: "not edf ", count: 200).utf8))
        let garbageError = Support.error { () throws(SynkError) in _ = try EDFReader(path: garbage) }
        #expect(garbageError?.kind == .input)
        #expect(garbageError?.file == garbage)
        #expect(garbageError?.problem.hasPrefix("cannot read as EDF/BDF: ") == true)

        let headerCut = Support.truncatedCopy(of: Support.fixture(Self.edfPlus), length: 700, in: directory, name: "head.edf")
        let headerError = Support.error { () throws(SynkError) in _ = try EDFReader(path: headerCut) }
        #expect(headerError?.kind == .input)
        #expect(headerError?.file == headerCut)
    }
}
