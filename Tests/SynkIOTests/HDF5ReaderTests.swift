import Foundation
import SynkCore
import Testing
@testable import SynkIO

/// Fixtures and expected values made independently by `Fixtures/hdf5/make_hdf5_fixtures.py` (h5py + numpy).
enum HDF5Fixtures {
    static var directory: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("hdf5")
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// `expected_hdf5.json`: per fixture, the shape, rate, unit, labels and numpy's physical values.
    static var expected: [String: Any] {
        let data = try! Data(contentsOf: directory.appendingPathComponent("expected_hdf5.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func entry(_ key: String) -> [String: Any] { expected[key] as! [String: Any] }

    /// A fresh empty directory for files a test makes.
    static func scratchDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synk-hdf5-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Float output against a float64 reference: float32 rounding plus a hair.
private func close(_ actual: Double, _ expected: Double, relative: Double = 1e-6, absolute: Double = 1e-9) -> Bool {
    abs(actual - expected) <= relative * abs(expected) + absolute
}

/// Checks a whole-file read against the script's expected entry.
private func checkAgainstExpected(_ recording: Recording, _ entry: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
    let header = recording.header
    #expect(header.source?.format.rawValue == entry["format"] as? String, sourceLocation: sourceLocation)
    #expect(header.frameCount == entry["frames"] as? Int, sourceLocation: sourceLocation)
    #expect(header.channels.count == entry["channels"] as? Int, sourceLocation: sourceLocation)
    #expect(header.sampleRate == entry["rate"] as? Double, sourceLocation: sourceLocation)
    #expect(header.channels.map(\.label) == entry["labels"] as? [String], sourceLocation: sourceLocation)
    let unit = entry["unit"] as! String
    #expect(header.channels.allSatisfy { $0.unit.symbol == unit }, sourceLocation: sourceLocation)
    let first = entry["first"] as! [[Double]]
    let last = entry["last"] as! [Double]
    let sums = entry["sum"] as! [Double]
    for c in 0..<min(recording.samples.count, first.count) {
        let samples = recording.samples[c]
        for (i, value) in first[c].enumerated() {
            #expect(close(Double(samples[i]), value), "channel \(c) sample \(i): \(samples[i]) vs \(value)", sourceLocation: sourceLocation)
        }
        #expect(close(Double(samples.last!), last[c]), "channel \(c) last", sourceLocation: sourceLocation)
        let sum = samples.reduce(0.0) { $0 + Double($1) }
        // The reference sums float32-rounded values; float32 rounding of each of ≤ 1500 samples bounds the gap.
        let scale = samples.reduce(0.0) { $0 + abs(Double($1)) }
        #expect(abs(sum - sums[c]) <= 1e-6 * scale + 1e-9, "channel \(c) sum \(sum) vs \(sums[c])", sourceLocation: sourceLocation)
    }
}

/// A JSON array of strings and nulls.
private func optionalStrings(_ value: Any?) -> [String?] {
    (value as! [Any]).map { $0 as? String }
}

@Suite("HDF5Reader: synk's own layout")
struct HDF5SynkLayoutTests {
    @Test("int16 data with scale and offset in mV is delivered in µV with the file's labels, metadata, events and stimuli")
    func int16ScaleOffset() throws {
        let path = HDF5Fixtures.path("synk_int16.h5")
        let recording = try HDF5Reader(path: path).readAll()
        let entry = HDF5Fixtures.entry("synk_int16.h5")
        checkAgainstExpected(recording, entry)
        let header = recording.header
        #expect(header.source?.path == path)
        #expect(header.channels.map { $0.muscle?.rawValue } == optionalStrings(entry["muscles"]))
        #expect(header.channels.map { $0.side?.rawValue } == optionalStrings(entry["sides"]))
        #expect(header.channels.map { $0.branch?.rawValue } == optionalStrings(entry["branches"]))
        #expect(header.subject == "P017")
        #expect(header.session == "pre-op")
        #expect(header.affectedSide == .left)
        #expect(header.startTime?.timeIntervalSince1970 == entry["recorded_at_unix"] as? Double)
        #expect(header.events == [Event(onset: 0.10, duration: 0.25, label: "eye_closure"), Event(onset: 0.50, duration: 0.20, label: "smile")])
        #expect(header.stimuli == [
            Stimulus(time: 0.05, intensityMilliampere: 12.5, site: "stylomastoid", side: .left, branch: .trunk),
            Stimulus(time: 0.60),
        ])
    }

    @Test("float32 data in volts with fixed-length strings; affected side none")
    func float32Volts() throws {
        let recording = try HDF5Reader(path: HDF5Fixtures.path("synk_float32.h5")).readAll()
        checkAgainstExpected(recording, HDF5Fixtures.entry("synk_float32.h5"))
        #expect(recording.header.channels.map(\.muscle) == [.ZYG, .ZYG])
        #expect(recording.header.channels.map(\.side) == [.right, .left])
        #expect(recording.header.affectedSide == AffectedSide.none)
        #expect(recording.header.events.isEmpty && recording.header.stimuli.isEmpty)
    }

    @Test("empty /events and /stimuli tables and no channel table: no events, labels ch1.., samples all 1 µV")
    func emptyTables() throws {
        let recording = try HDF5Reader(path: HDF5Fixtures.path("empty_tables.h5")).readAll()
        #expect(recording.header.events.isEmpty && recording.header.stimuli.isEmpty)
        #expect(recording.header.channels.map(\.label) == ["ch1", "ch2"])
        #expect(recording.header.sampleRate == 500)
        #expect(recording.samples == [[Float](repeating: 1, count: 5), [Float](repeating: 1, count: 5)])
    }

    @Test("naming /emg/data explicitly still applies scale, offset, unit and the channel table")
    func explicitSynkDataset() throws {
        let path = HDF5Fixtures.path("synk_int16.h5")
        let recording = try HDF5Reader(path: path, dataset: "/emg/data", sampleRate: 1).readAll()
        checkAgainstExpected(recording, HDF5Fixtures.entry("synk_int16.h5"))
    }

    @Test("streaming in blocks of 7 frames yields exactly the whole-file read, with consecutive firstFrame")
    func streamingEqualsWholeRead() throws {
        let path = HDF5Fixtures.path("synk_int16.h5")
        let whole = try HDF5Reader(path: path).readAll(blockFrames: 1_000_000)
        let reader = HDF5Reader.self
        let streaming = try reader.init(path: path)
        var pieces = [[Float]](repeating: [], count: whole.channels.count)
        var expectedFirst = 0
        while let block = try streaming.readBlock(maxFrames: 7) {
            #expect(block.firstFrame == expectedFirst)
            #expect(block.frameCount <= 7)
            expectedFirst += block.frameCount
            for c in block.channels.indices { pieces[c].append(contentsOf: block.channels[c]) }
        }
        #expect(expectedFirst == 1500)
        #expect(pieces == whole.samples)
    }
}

@Suite("HDF5Reader: NWB, OpenSignals, any dataset")
struct HDF5OtherLayoutTests {
    @Test("NWB ElectricalSeries with starting_time@rate, conversion/offset in volts, electrodes table via region")
    func nwbRate() throws {
        let recording = try HDF5Reader(path: HDF5Fixtures.path("nwb_rate.h5")).readAll()
        checkAgainstExpected(recording, HDF5Fixtures.entry("nwb_rate.h5"))
        // Labels carry muscle and side: "mentalis right" → MEN, right.
        #expect(recording.header.channels.map(\.muscle) == [.MEN, .MEN, .FRO, .FRO])
        #expect(recording.header.channels.map(\.side) == [.right, .left, .right, .left])
        #expect(recording.header.startTime?.timeIntervalSince1970 == 1_714_658_400)
        #expect(recording.header.metadata["nwb_series"] == "/acquisition/FacialEMG")
        #expect(recording.header.metadata["nwb_starting_time_s"] == "0.0")
        // The series starts at 0 s: stimulus times need no shift.
        #expect(recording.header.firstSampleTime == nil)
    }

    @Test("NWB series with a uniform timestamps dataset: rate = 1 / interval; labels default to ch1..")
    func nwbTimestamps() throws {
        let reader = try HDF5Reader(path: HDF5Fixtures.path("nwb_timestamps.h5"))
        // Timestamps are 12 + i/500 in float64: the derived rate is 500 Hz to float64 rounding.
        #expect(abs(reader.header.sampleRate - 500) < 1e-9)
        // The first timestamp is the first sample's time in the file's own time base (stimuli listed in it).
        #expect(reader.header.firstSampleTime == 12)
        var recording = try reader.readAll()
        recording.header.sampleRate = 500
        checkAgainstExpected(recording, HDF5Fixtures.entry("nwb_timestamps.h5"))
    }

    @Test("NWB timestamps with a 20 ms gap are refused, naming the timestamps dataset")
    func nwbGap() {
        let path = HDF5Fixtures.path("nwb_gap.h5")
        let error = #expect(throws: SynkError.self) { try HDF5Reader(path: path) }
        #expect(error?.kind == .input)
        #expect(error?.file == path)
        #expect(error?.place == "/acquisition/emg/timestamps")
        #expect(error?.problem.contains("not uniform") == true)
    }

    @Test("--dataset may name an NWB series' data: still read as NWB, with its own rate")
    func nwbChosenByDataset() throws {
        let reader = try HDF5Reader(path: HDF5Fixtures.path("nwb_rate.h5"), dataset: "/acquisition/FacialEMG/data", sampleRate: 1)
        #expect(reader.header.source?.format == .nwb)
        #expect(reader.header.sampleRate == 2048)
        #expect(reader.header.channels.first?.label == "mentalis right")
    }

    @Test("OpenSignals channels of unequal length are refused, naming the shorter channel")
    func openSignalsUnequal() {
        let path = HDF5Fixtures.path("opensignals_unequal.h5")
        let error = #expect(throws: SynkError.self) { try HDF5Reader(path: path) }
        #expect(error?.kind == .input)
        #expect(error?.file == path)
        #expect(error?.place == "/00:07:80:3B:46:61/raw/channel_2")
        #expect(error?.problem == "has 90 samples but /00:07:80:3B:46:61/raw/channel_1 has 100")
    }

    @Test("OpenSignals: channels in numeric order, raw counts with 16-bit range, nSeq ignored")
    func openSignals() throws {
        let recording = try HDF5Reader(path: HDF5Fixtures.path("opensignals.h5")).readAll()
        checkAgainstExpected(recording, HDF5Fixtures.entry("opensignals.h5"))
        #expect(recording.header.channels.allSatisfy { $0.physicalRange == 0...65_535 })
        #expect(recording.header.metadata["opensignals_device_address"] == "00:07:80:3B:46:61")
        #expect(recording.header.metadata["opensignals_device"] == "biosignalsplux")
    }

    @Test("a 2-D float64 dataset [samples × channels] with a user rate")
    func genericDataset() throws {
        let path = HDF5Fixtures.path("generic.h5")
        let recording = try HDF5Reader(path: path, dataset: "/recordings/matrix", sampleRate: 250).readAll()
        checkAgainstExpected(recording, HDF5Fixtures.entry("generic.h5#/recordings/matrix"))
        #expect(recording.header.metadata["orientation"] == nil)
    }

    @Test("a [channels × samples] int32 dataset is read transposed and says so")
    func genericTransposed() throws {
        let path = HDF5Fixtures.path("generic.h5")
        let reader = try HDF5Reader(path: path, dataset: "other/transposed", sampleRate: 100)
        #expect(reader.header.metadata["orientation"]?.hasPrefix("transposed") == true)
        // Streamed in odd blocks to exercise the [channels × block] hyperslab.
        var samples = [[Float]](repeating: [], count: 2)
        while let block = try reader.readBlock(maxFrames: 33) {
            for c in 0..<2 { samples[c].append(contentsOf: block.channels[c]) }
        }
        var header = reader.header
        header.frameCount = samples[0].count
        checkAgainstExpected(try Recording(header: header, samples: samples), HDF5Fixtures.entry("generic.h5#/other/transposed"))
    }
}

@Suite("HDF5Reader: every bad input is one input error naming the file and the dataset")
struct HDF5ReaderErrorTests {
    private func inputError(_ path: String, dataset: String? = nil, rate: Double? = nil) -> SynkError? {
        let error = #expect(throws: SynkError.self) { try HDF5Reader(path: path, dataset: dataset, sampleRate: rate) }
        #expect(error?.kind == .input)
        #expect(error?.file == path)
        return error
    }

    @Test("a file matching no layout lists its 2-D datasets")
    func unknownLayoutListsDatasets() {
        let error = inputError(HDF5Fixtures.path("generic.h5"))
        let expected = HDF5Fixtures.expected["generic_2d_datasets"] as! [String]
        #expect(error?.problem.hasSuffix("2-D datasets found: " + expected.joined(separator: ", ")) == true, "\(String(describing: error))")
    }

    @Test("a truncated copy of a fixture")
    func truncated() throws {
        let directory = HDF5Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Data(contentsOf: URL(fileURLWithPath: HDF5Fixtures.path("synk_int16.h5")))
        let path = directory.appendingPathComponent("truncated.h5").path
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        let error = inputError(path)
        #expect(error?.hint?.contains("truncated") == true)
    }

    @Test("a corrupted global-heap object size (which would crash HDF5 1.10) is refused before HDF5 reads it")
    func corruptGlobalHeap() {
        let error = inputError(HDF5Fixtures.path("corrupt_heap.h5"))
        let offset = HDF5Fixtures.expected["corrupt_heap_object_offset"] as! Int
        #expect(error?.problem == "corrupt HDF5 file: global heap object 1 at byte \(offset) is 1099511627776 bytes, larger than its collection")
    }

    @Test("a text file renamed .h5")
    func textRenamed() throws {
        let directory = HDF5Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("signals.h5").path
        try "time,OOc-L\n0,1\n0.001,2\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = inputError(path)
        #expect(error?.problem.contains("not an HDF5 file") == true)
    }

    @Test("a missing file")
    func missingFile() {
        let error = inputError("/nonexistent/synk/recording.h5")
        #expect(error?.problem == "no such file")
    }

    @Test("a synk file without /emg/data")
    func missingSynkData() {
        let error = inputError(HDF5Fixtures.path("no_data.h5"))
        #expect(error?.place == "/emg/data")
        #expect(error?.problem == "missing dataset")
    }

    @Test("a dataset path that does not exist, with the candidates in the hint")
    func missingDataset() {
        let error = inputError(HDF5Fixtures.path("generic.h5"), dataset: "/recordings/absent", rate: 100)
        #expect(error?.place == "/recordings/absent")
        #expect(error?.hint?.contains("/recordings/matrix") == true)
    }

    @Test("a 3-D dataset is the wrong rank")
    func wrongRank() {
        let error = inputError(HDF5Fixtures.path("generic.h5"), dataset: "/cube", rate: 100)
        #expect(error?.place == "/cube")
        #expect(error?.problem.contains("3-D [4 × 3 × 2]") == true)
    }

    @Test("int8 samples and strings are unsupported types, named")
    func wrongType() {
        let bytes = inputError(HDF5Fixtures.path("generic.h5"), dataset: "/bytes", rate: 100)
        #expect(bytes?.place == "/bytes")
        #expect(bytes?.problem == "unsupported sample type int8")
        let text = inputError(HDF5Fixtures.path("generic.h5"), dataset: "/notes", rate: 100)
        #expect(text?.place == "/notes")
    }

    @Test("a dataset without any rate needs --rate")
    func missingGenericRate() {
        let error = inputError(HDF5Fixtures.path("generic.h5"), dataset: "/recordings/matrix")
        #expect(error?.place == "/recordings/matrix")
        #expect(error?.problem.contains("missing sample rate") == true)
    }

    @Test("zero, negative and missing sample_rate_hz")
    func badRates() {
        for (file, phrase) in [("zero_rate.h5", "invalid sample rate 0.0"), ("negative_rate.h5", "invalid sample rate -1000.0"),
                               ("missing_rate.h5", "missing sample rate")] {
            let error = inputError(HDF5Fixtures.path(file))
            #expect(error?.place == "/emg/data", "\(file)")
            #expect(error?.problem.contains(phrase) == true, "\(file): \(String(describing: error))")
        }
        let userZero = inputError(HDF5Fixtures.path("generic.h5"), dataset: "/recordings/matrix", rate: 0)
        #expect(userZero?.problem.contains("invalid sample rate") == true)
    }

    @Test("absurd declared sizes in a tiny file: 10^12 samples, 10^6 channels")
    func absurdSizes() {
        let samples = inputError(HDF5Fixtures.path("absurd_samples.h5"))
        #expect(samples?.place == "/emg/data")
        #expect(samples?.problem.contains("1000000000000 samples per channel") == true)
        let channels = inputError(HDF5Fixtures.path("absurd_channels.h5"))
        #expect(channels?.place == "/emg/data")
        #expect(channels?.problem.contains("1000000 channels") == true)
    }
}
