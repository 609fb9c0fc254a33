import CHDF5
import Foundation

/// A damaged or hostile input file for the robustness tests, made deterministically from a small valid
/// file (a test fixture or one built here) or from scratch.
struct HostileFile: CustomStringConvertible, Sendable {
    enum Expectation: Sendable {
        /// The damage makes the file unreadable: exit 3 from every command.
        case rejected
        /// The damage may leave a readable file: exit 3, or exit 0 with finite output, per command.
        case rejectedOrReadable
    }

    var name: String
    var bytes: [UInt8]
    var expectation: Expectation
    /// Files that need to be written by a library (HDF5) are made in place instead of from `bytes`.
    var make: (@Sendable (String) -> Void)?

    var description: String { name }

    init(_ name: String, _ bytes: [UInt8], _ expectation: Expectation) {
        self.name = name
        self.bytes = bytes
        self.expectation = expectation
    }

    init(_ name: String, _ expectation: Expectation, make: @escaping @Sendable (String) -> Void) {
        self.name = name
        bytes = []
        self.expectation = expectation
        self.make = make
    }
}

/// The corpus: every file is a function of the fixtures and fixed constants, so a failure names a file
/// that can be rebuilt exactly.
enum HostileCorpus {
    static let fixtures = CLI.repositoryRoot.appendingPathComponent("Tests/SynkIOTests/Fixtures")

    static func fixture(_ relative: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: fixtures.appendingPathComponent(relative)))) ?? []
    }

    // MARK: Byte helpers

    static func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func le64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// A canonical 44-byte-header WAV; every field can be overridden to a hostile value.
    static func wav(channels: UInt16 = 3, rate: UInt32 = 1000, bits: UInt16 = 32, formatTag: UInt16 = 3,
                    blockAlign: UInt16? = nil, fmtSize: UInt32 = 16, declaredData: UInt32? = nil,
                    frames: Int = 200) -> [UInt8] {
        let align = blockAlign ?? UInt16(truncatingIfNeeded: Int(channels) * Int(bits) / 8)
        let held = frames * 12
        var samples: [UInt8] = []
        samples.reserveCapacity(held)
        for i in 0..<(held / 4) {
            // A slow sine in µV-sized floats: readable, finite, deterministic.
            samples += le32(Float(100 * sin(Double(i) * 0.05)).bitPattern)
        }
        let data = declaredData ?? UInt32(held)
        var bytes = ascii("RIFF") + le32(36 &+ data) + ascii("WAVE")
        bytes += ascii("fmt ") + le32(fmtSize) + le16(formatTag) + le16(channels) + le32(rate)
        bytes += le32(rate &* UInt32(align)) + le16(align) + le16(bits)
        bytes += ascii("data") + le32(data) + samples
        return bytes
    }

    /// An EDF file with `signals` signals of `samples` samples per record; text fields can be hostile.
    static func edf(signalsField: String? = nil, signals: Int = 2, recordsField: String? = nil, records: Int = 4,
                    durationField: String = "1", samplesField: String? = nil, samples: Int = 10,
                    headerBytesField: String? = nil, dataRecordsWritten: Int? = nil) -> [UInt8] {
        func field(_ text: String, _ width: Int) -> [UInt8] {
            let b = ascii(text)
            return Array((b + [UInt8](repeating: 0x20, count: max(0, width - b.count))).prefix(width))
        }
        var bytes = field("0", 8) + field("X X X X", 80) + field("Startdate X X X X", 80)
        bytes += field("01.01.20", 8) + field("00.00.00", 8)
        bytes += field(headerBytesField ?? String(256 * (signals + 1)), 8) + field("", 44)
        bytes += field(recordsField ?? String(records), 8) + field(durationField, 8)
        bytes += field(signalsField ?? String(signals), 4)
        let labels = (0..<signals).map { "EMG\($0 + 1)" }
        for s in 0..<signals { bytes += field(labels[s], 16) }
        for _ in 0..<signals { bytes += field("AgAgCl", 80) }
        for _ in 0..<signals { bytes += field("uV", 8) }
        for _ in 0..<signals { bytes += field("-3200", 8) }
        for _ in 0..<signals { bytes += field("3200", 8) }
        for _ in 0..<signals { bytes += field("-32768", 8) }
        for _ in 0..<signals { bytes += field("32767", 8) }
        for _ in 0..<signals { bytes += field("", 80) }
        for _ in 0..<signals { bytes += field(samplesField ?? String(samples), 8) }
        for _ in 0..<signals { bytes += field("", 32) }
        for r in 0..<(dataRecordsWritten ?? records) {
            for s in 0..<signals {
                for i in 0..<samples { bytes += le16(UInt16(bitPattern: Int16(truncatingIfNeeded: (r * 37 + s * 11 + i * 101) % 2000 - 1000))) }
            }
        }
        return bytes
    }

    static func truncations(_ prefix: String, _ bytes: [UInt8], at offsets: [Int], _ expectation: HostileFile.Expectation)
        -> [HostileFile]
    {
        offsets.filter { $0 > 0 && $0 < bytes.count }.map {
            HostileFile("\(prefix)-cut\($0)\(ext(prefix))", Array(bytes.prefix($0)), expectation)
        }
    }

    static func bitFlips(_ prefix: String, _ bytes: [UInt8], at offsets: [Int]) -> [HostileFile] {
        offsets.filter { $0 < bytes.count }.map { offset in
            var flipped = bytes
            flipped[offset] ^= UInt8(1 << (offset % 8))
            return HostileFile("\(prefix)-flip\(offset)\(ext(prefix))", flipped, .rejectedOrReadable)
        }
    }

    static func ext(_ prefix: String) -> String {
        switch prefix.split(separator: "-").first ?? "" {
        case "wav": ".wav"
        case "flac": ".flac"
        case "edf": ".edf"
        case "bdf": ".bdf"
        case "h5": ".h5"
        case "csv": ".csv"
        default: ".txt"
        }
    }

    // MARK: The corpus

    /// Every hostile file. `flac` is a small valid FLAC file and `taggedWAV` a float WAV carrying synk's
    /// JSON metadata, both written by SynkIO at test time.
    static func all(flac: [UInt8], taggedWAV: [UInt8] = []) -> [HostileFile] {
        var files: [HostileFile] = []

        // synk's metadata inside a WAV: a rate of 1e99 Hz (same length as "1000"), broken JSON, a
        // number where a string belongs.
        func replacing(_ old: String, _ new: String) -> [UInt8]? {
            let (o, n) = (ascii(old), ascii(new))
            // Every copy: the `synk` chunk and the WAV comment both carry the JSON.
            let starts = (0...(taggedWAV.count - o.count)).filter { taggedWAV[$0..<$0 + o.count].elementsEqual(o) }
            guard o.count == n.count, !starts.isEmpty else { return nil }
            var bytes = taggedWAV
            for start in starts { bytes.replaceSubrange(start..<start + o.count, with: n) }
            return bytes
        }
        if taggedWAV.count > 64 {
            if let b = replacing("\"sample_rate_hz\":1000", "\"sample_rate_hz\":1e99") { files.append(HostileFile("wav-meta-rate-1e99.wav", b, .rejected)) }
            if let b = replacing("\"sample_rate_hz\":1000", "\"sample_rate_hz\":[[[[") { files.append(HostileFile("wav-meta-broken-json.wav", b, .rejected)) }
            if let b = replacing("{\"kind\":\"emg\"", "{\"kind\":99999") { files.append(HostileFile("wav-meta-wrong-type.wav", b, .rejected)) }
        }

        // WAV: truncations throughout the header and the data, then absurd header fields.
        let wavBase = wav()
        files += truncations("wav", wavBase, at: [1, 4, 8, 11, 12, 16, 20, 24, 36, 40, 43, 44, 45, 47, 1000, wavBase.count - 1], .rejected)
        files += bitFlips("wav", wavBase, at: [0, 9, 20, 22, 24, 32, 34, 40, 44, 100, 1001, 2000])
        files.append(HostileFile("wav-65535-channels.wav", wav(channels: 65535), .rejected))
        files.append(HostileFile("wav-zero-channels.wav", wav(channels: 0), .rejected))
        files.append(HostileFile("wav-data-4GB.wav", wav(declaredData: 0xFFFF_FFF0), .rejected))
        files.append(HostileFile("wav-rate-zero.wav", wav(rate: 0), .rejected))
        files.append(HostileFile("wav-rate-4294967295.wav", wav(rate: 0xFFFF_FFFF), .rejected))
        // libsndfile derives the frame size from channels and bits, so a zero block alignment still reads.
        files.append(HostileFile("wav-blockalign-zero.wav", wav(blockAlign: 0), .rejectedOrReadable))
        files.append(HostileFile("wav-bits-zero.wav", wav(bits: 0), .rejected))
        files.append(HostileFile("wav-fmt-size-huge.wav", wav(fmtSize: 0xFFFF_FFF0), .rejected))
        files.append(HostileFile("wav-unknown-codec.wav", wav(formatTag: 0x1234), .rejected))
        files.append(HostileFile("wav-wrong-magic.wav", Array(ascii("RIFQ")) + wavBase.dropFirst(4), .rejected))
        // RF64 whose ds64 chunk declares 10^12 frames of 12 bytes.
        var rf64 = ascii("RF64") + le32(0xFFFF_FFFF) + ascii("WAVE")
        rf64 += ascii("ds64") + le32(28) + le64(12_000_000_000_036) + le64(12_000_000_000_000) + le64(1_000_000_000_000) + le32(0)
        rf64 += Array(wavBase[12..<40]) + le32(0xFFFF_FFFF) + Array(wavBase[44...])
        files.append(HostileFile("wav-rf64-1e12-frames.wav", rf64, .rejected))

        // FLAC.
        if !flac.isEmpty {
            files += truncations("flac", flac, at: [2, 4, 8, 30, 42, flac.count / 2, flac.count - 1], .rejected)
            files += bitFlips("flac", flac, at: [0, 18, 20, 26, 60, flac.count / 2, flac.count - 3])
        }

        // EDF: truncations of a real fixture, absurd and inconsistent header fields in a generated one.
        let edfFixture = fixture("edf/emg_3ch_1000hz_plus_resp_100hz.edf")
        files += truncations("edf", edfFixture, at: [8, 100, 184, 236, 255, 256, 700, 1280, 1281, 1536, 5000, edfFixture.count - 1], .rejected)
        files += bitFlips("edf", edfFixture, at: [0, 170, 185, 237, 245, 253, 300, 1100, 2000, 9000])
        files.append(HostileFile("edf-9999-signals.edf", edf(signalsField: "9999"), .rejected))
        files.append(HostileFile("edf-negative-signals.edf", edf(signalsField: "-1"), .rejected))
        files.append(HostileFile("edf-zero-signals.edf", edf(signalsField: "0"), .rejected))
        files.append(HostileFile("edf-1e8-records.edf", edf(recordsField: "99999999"), .rejected))
        files.append(HostileFile("edf-negative-records.edf", edf(recordsField: "-5"), .rejected))
        files.append(HostileFile("edf-records-say-9-hold-4.edf", edf(recordsField: "9"), .rejected))
        files.append(HostileFile("edf-records-say-2-hold-4.edf", edf(recordsField: "2"), .rejected))
        files.append(HostileFile("edf-duration-zero.edf", edf(durationField: "0"), .rejected))
        files.append(HostileFile("edf-duration-negative.edf", edf(durationField: "-1"), .rejected))
        files.append(HostileFile("edf-duration-1e300.edf", edf(durationField: "1e300"), .rejected))
        files.append(HostileFile("edf-1e8-samples-per-record.edf", edf(samplesField: "99999999"), .rejected))
        files.append(HostileFile("edf-negative-samples.edf", edf(samplesField: "-3"), .rejected))
        files.append(HostileFile("edf-header-bytes-wrong.edf", edf(headerBytesField: "99999999"), .rejected))
        files.append(HostileFile("edf-not-numbers.edf", edf(recordsField: "abc"), .rejected))

        // BDF.
        let bdfFixture = fixture("edf/bdf_3ch_256hz.bdf")
        files += truncations("bdf", bdfFixture, at: [1, 8, 255, 256, 1023, 1024, 1025, 3000, bdfFixture.count - 1], .rejected)
        files += bitFlips("bdf", bdfFixture, at: [0, 3, 253, 1100, 4000])
        files.append(HostileFile("bdf-wrong-magic.bdf", [0xFF] + ascii("BIOSEMX") + bdfFixture.dropFirst(8), .rejected))

        // HDF5: truncations and bit flips of a synk file; absurd declared sizes; wrong types; bad rates.
        let h5 = fixture("hdf5/synk_float32.h5")
        files += truncations("h5", h5, at: [4, 8, 40, 96, 512, 2048, 4096, h5.count / 2, h5.count - 1], .rejected)
        files += bitFlips("h5", h5, at: [0, 8, 9, 13, 24, 40, 48, 56])
        files.append(HostileFile("h5-absurd-samples.h5", fixture("hdf5/absurd_samples.h5"), .rejected))
        files.append(HostileFile("h5-absurd-channels.h5", fixture("hdf5/absurd_channels.h5"), .rejected))
        files.append(HostileFile("h5-negative-rate.h5", fixture("hdf5/negative_rate.h5"), .rejected))
        // A variable-length string whose global-heap object claims 2^40 bytes: libhdf5 1.10 itself would
        // read past its buffer; synk checks the heap before the library touches it.
        files.append(HostileFile("h5-corrupt-vlen-heap.h5", fixture("hdf5/corrupt_heap.h5"), .rejected))
        files.append(HostileFile("h5-rate-1e300.h5", .rejected) { path in
            HDF5Hostile.synkShell(path, rows: 20, columns: 2, rate: 1e300)
        })
        files.append(HostileFile("h5-rate-nan.h5", .rejected) { path in
            HDF5Hostile.synkShell(path, rows: 20, columns: 2, rate: .nan)
        })
        files.append(HostileFile("h5-data-is-text.h5", .rejected) { path in HDF5Hostile.textData(path) })
        files.append(HostileFile("h5-data-3d.h5", .rejected) { path in
            HDF5Hostile.synkShell(path, rows: 4, columns: 3, rate: 1000, extraDimension: 5)
        })
        files.append(HostileFile("h5-cyclic-hard-link.h5", .rejected) { path in HDF5Hostile.cyclicLinks(path, hard: true) })
        files.append(HostileFile("h5-cyclic-soft-links.h5", .rejected) { path in HDF5Hostile.cyclicLinks(path, hard: false) })
        files.append(HostileFile("h5-1e12-rows-chunked.h5", .rejected) { path in
            HDF5Hostile.synkShell(path, rows: 1_000_000_000_000, columns: 3, rate: 1000, write: false)
        })

        // Crash inputs found by the fuzzers (Tests/SynkCLITests/Fixtures/hostile/README.md).
        let found = CLI.repositoryRoot.appendingPathComponent("Tests/SynkCLITests/Fixtures/hostile")
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: found.path)) ?? []).sorted() where name != "README.md" {
            let bytes = (try? [UInt8](Data(contentsOf: found.appendingPathComponent(name)))) ?? []
            files.append(HostileFile(name, bytes, .rejectedOrReadable))
        }

        // Files that crash libhdf5 1.10.8 itself (Fuzz/known-libhdf5-crashes/): synk parses HDF5 in a child
        // process first, so each is a clean input error.
        let libraryCrashes = CLI.repositoryRoot.appendingPathComponent("Fuzz/known-libhdf5-crashes")
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: libraryCrashes.path)) ?? []).sorted() where name.hasSuffix(".h5") {
            let bytes = (try? [UInt8](Data(contentsOf: libraryCrashes.appendingPathComponent(name)))) ?? []
            files.append(HostileFile("h5-libhdf5-crash-\(name.prefix(8)).h5", bytes, .rejected))
        }

        // Text: BIOPAC, labelled, OpenSignals and CSV with hostile headers, delimiters and cells.
        let biopac = fixture("text/biopac_time_tabs.txt")
        files += truncations("biopac", biopac, at: [1, 5, 9, 20, 40, 60, 90, 110, 130, biopac.count - 1], .rejectedOrReadable)
        files.append(HostileFile("biopac-1e9-channels.txt", ascii("x.acq\n1 msec/sample\n1000000000 channels\nA\nmV\nCH1,\n3,\n0.1,\n0.2,\n0.3,\n"), .rejected))
        files.append(HostileFile("biopac-negative-channels.txt", ascii("x.acq\n1 msec/sample\n-5 channels\nA\nmV\nCH1,\n3,\n0.1,\n0.2,\n0.3,\n"), .rejected))
        files.append(HostileFile("biopac-rate-1e300.txt", ascii("x.acq\n1e-297 msec/sample\n1 channels\nA\nmV\nCH1,\n3,\n0.1,\n0.2,\n0.3,\n"), .rejected))
        files.append(HostileFile("biopac-rate-nan.txt", ascii("x.acq\nnan msec/sample\n1 channels\nA\nmV\nCH1,\n3,\n0.1,\n0.2,\n0.3,\n"), .rejected))
        files.append(HostileFile("biopac-1e12-samples.txt", ascii("x.acq\n1 msec/sample\n1 channels\nA\nmV\nCH1,\n1000000000000,\n0.1,\n0.2,\n0.3,\n"), .rejectedOrReadable))
        files.append(HostileFile("labelled-1e12-values.txt", ascii("Channel 1: 'EMG', 1000000000000 values, engineering units: mV\nChannel 2: 'EMG2', 1000000000000 values, engineering units: mV\n0.1\t0.2\n0.3\t0.4\n"), .rejected))
        files.append(HostileFile("opensignals-rate-1e300.txt", ascii("# OpenSignals Text File Format\n# {\"00:07:80:0F:30:5A\": {\"sampling rate\": 1e300, \"column\": [\"nSeq\", \"A1\"], \"label\": [\"A1\"], \"resolution\": [16], \"sensor\": [\"EMG\"]}}\n# EndOfHeader\n0\t512\n1\t513\n"), .rejected))
        files.append(HostileFile("opensignals-garbage-json.txt", ascii("# OpenSignals Text File Format\n# {\"00:07\": {\"sampling rate\": [[[\n# EndOfHeader\n0\t512\n1\t513\n"), .rejected))
        var rows = "time,A,B\n"
        for i in 0..<50 { rows += "\(Double(i) / 1000),\(i),\(-i)\n" }
        let csv = ascii(rows)
        files += truncations("csv", csv, at: [1, 3, 9, 10, 15, 100, 300, csv.count - 2], .rejectedOrReadable)
        files.append(HostileFile("csv-mixed-delimiters.csv", ascii("time,A,B\n0,1,2\n0.001;3;4\n0.002\t5\t6\n"), .rejected))
        files.append(HostileFile("csv-non-number.csv", ascii("time,A,B\n0,1,2\n0.001,x1,4\n0.002,5,6\n"), .rejected))
        files.append(HostileFile("csv-float-overflow.csv", ascii("time,A,B\n0,1,2\n0.001,1e39,4\n0.002,5,6\n"), .rejected))
        files.append(HostileFile("csv-infinity.csv", ascii("time,A,B\n0,1,2\n0.001,inf,4\n0.002,5,6\n"), .rejected))
        files.append(HostileFile("csv-time-1e300.csv", ascii("time,A\n0,1\n1e300,2\n2e300,3\n"), .rejected))
        files.append(HostileFile("csv-time-decreasing.csv", ascii("time,A\n0.002,1\n0.001,2\n0,3\n"), .rejected))
        files.append(HostileFile("csv-nul-bytes.csv", ascii("time,A\n0,1\n0.001,") + [0, 0, 0] + ascii("\n0.002,3\n"), .rejected))
        files.append(HostileFile("csv-binary-garbage.csv", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }, .rejected))
        files.append(HostileFile("csv-one-long-line.csv", ascii("time,") + [UInt8](repeating: UInt8(ascii: "7"), count: 300_000) + ascii("\n"), .rejected))
        files.append(HostileFile("csv-utf16.csv", [0xFF, 0xFE] + ascii("time,A\n0,1\n0.001,2\n").flatMap { [$0, 0] }, .rejected))
        files.append(HostileFile("csv-header-only.csv", ascii("time,A,B\n"), .rejected))
        files.append(HostileFile("csv-too-many-columns.csv", ascii("time,A\n0,1\n0.001,2,3,4\n0.002,5\n"), .rejected))
        return files
    }
}

/// HDF5 files with a hostile layout, written with the HDF5 library itself.
enum HDF5Hostile {
    /// A synk-layout file (`/emg/data` of `rows × columns` float32 with `sample_rate_hz`) and no
    /// channel table; with `write: false` the dataset is chunked and never written (a tiny file
    /// declaring any size); `extraDimension` makes the data 3-D.
    static func synkShell(_ path: String, rows: UInt64, columns: UInt64, rate: Double, write: Bool = true,
                          extraDimension: UInt64? = nil) {
        let file = H5Fcreate(path, synk_H5F_ACC_TRUNC(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        stringAttribute(file, "synk_format", "emg-recording")
        let group = H5Gcreate2(file, "emg", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        var dims: [hsize_t] = [rows, columns] + (extraDimension.map { [$0] } ?? [])
        let space = H5Screate_simple(Int32(dims.count), &dims, nil)
        let properties = H5Pcreate(synk_H5P_DATASET_CREATE())
        var chunk: [hsize_t] = dims.map { min($0, 64) }
        H5Pset_chunk(properties, Int32(chunk.count), &chunk)
        let dataset = H5Dcreate2(group, "data", synk_H5T_IEEE_F32LE(), space, synk_H5P_DEFAULT(), properties, synk_H5P_DEFAULT())
        if write {
            let count = Int(dims.reduce(1, *))
            let values = (0..<count).map { Float(sin(Double($0) * 0.1)) }
            values.withUnsafeBufferPointer { _ = H5Dwrite(dataset, synk_H5T_NATIVE_FLOAT(), synk_H5S_ALL(), synk_H5S_ALL(), synk_H5P_DEFAULT(), $0.baseAddress) }
        }
        rateAttribute(dataset, rate)
        H5Pclose(properties)
        H5Dclose(dataset)
        H5Sclose(space)
        H5Gclose(group)
        H5Fclose(file)
    }

    /// The `sample_rate_hz` attribute of synk's layout, on `dataset`.
    static func rateAttribute(_ dataset: hid_t, _ rate: Double) {
        var value = rate
        let scalar = H5Screate(H5S_SCALAR)
        let attribute = H5Acreate2(dataset, "sample_rate_hz", synk_H5T_IEEE_F64LE(), scalar, synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        H5Awrite(attribute, synk_H5T_NATIVE_DOUBLE(), &value)
        H5Aclose(attribute)
        H5Sclose(scalar)
    }

    /// A synk-layout file whose `/emg/data` holds fixed-length strings instead of numbers.
    static func textData(_ path: String) {
        let file = H5Fcreate(path, synk_H5F_ACC_TRUNC(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        stringAttribute(file, "synk_format", "emg-recording")
        let group = H5Gcreate2(file, "emg", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        var dims: [hsize_t] = [4, 2]
        let space = H5Screate_simple(2, &dims, nil)
        let type = H5Tcopy(synk_H5T_C_S1())
        H5Tset_size(type, 8)
        let dataset = H5Dcreate2(group, "data", type, space, synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        let text = [UInt8](repeating: UInt8(ascii: "z"), count: 64)
        text.withUnsafeBufferPointer { _ = H5Dwrite(dataset, type, synk_H5S_ALL(), synk_H5S_ALL(), synk_H5P_DEFAULT(), $0.baseAddress) }
        rateAttribute(dataset, 1000)
        H5Dclose(dataset)
        H5Tclose(type)
        H5Sclose(space)
        H5Gclose(group)
        H5Fclose(file)
    }

    /// A file with no recording whose groups form a loop: `/a/b/back` is a hard link to `/a` (or the
    /// soft links `/a/loop` → `/b/loop` → `/a/loop`), so a naive walk of the tree never ends.
    static func cyclicLinks(_ path: String, hard: Bool) {
        let file = H5Fcreate(path, synk_H5F_ACC_TRUNC(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        let a = H5Gcreate2(file, "a", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        let b = H5Gcreate2(a, "b", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        if hard {
            H5Lcreate_hard(file, "/a", b, "back", synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        } else {
            let c = H5Gcreate2(file, "c", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
            H5Lcreate_soft("/c/loop", a, "loop", synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
            H5Lcreate_soft("/a/loop", c, "loop", synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
            H5Gclose(c)
        }
        H5Gclose(b)
        H5Gclose(a)
        H5Fclose(file)
    }

    static func stringAttribute(_ object: hid_t, _ name: String, _ value: String) {
        let type = H5Tcopy(synk_H5T_C_S1())
        H5Tset_size(type, value.utf8.count)
        let scalar = H5Screate(H5S_SCALAR)
        let attribute = H5Acreate2(object, name, type, scalar, synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        var bytes = Array(value.utf8)
        H5Awrite(attribute, type, &bytes)
        H5Aclose(attribute)
        H5Sclose(scalar)
        H5Tclose(type)
    }
}
