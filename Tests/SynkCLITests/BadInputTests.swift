import CHDF5
import Foundation
import Testing

/// Bad input gets one clear line on standard error naming the file and the problem, exit code 3,
/// never a crash or a hang; output files are not created.
@Suite("Bad input: one line, the file named, exit 3")
struct BadInputTests {
    /// Checks the contract for one bad file under `synk info` and `synk filter`.
    func expectRejected(_ path: String, mentioning words: [String], extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = try CLI.temporaryDirectory()
        let output = dir.appendingPathComponent("out.wav").path
        for arguments in [["info", path] + extra, ["filter", path, "-o", output] + extra] {
            let result = try CLI.run(arguments, timeout: 20)
            #expect(result.status == 3, "\(arguments): exit \(result.status), stderr: \(result.stderr)", sourceLocation: sourceLocation)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "expected one line, got: \(result.stderr)", sourceLocation: sourceLocation)
            #expect(result.stderr.contains(path), "the message names the file: \(result.stderr)", sourceLocation: sourceLocation)
            for word in words {
                #expect(result.stderr.lowercased().contains(word.lowercased()), "message mentions '\(word)': \(result.stderr)", sourceLocation: sourceLocation)
            }
            #expect(result.seconds < 5, sourceLocation: sourceLocation)
            #expect(!FileManager.default.fileExists(atPath: output), "no output file on failure", sourceLocation: sourceLocation)
        }
        // Nothing else left behind either (no temporary files).
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, sourceLocation: sourceLocation)
    }

    @Test("a missing file")
    func missing() throws {
        try expectRejected("/nonexistent/synk/recording.wav", mentioning: ["no such file"])
    }

    @Test("an empty file")
    func empty() throws {
        let path = try CLI.temporaryDirectory().appendingPathComponent("empty.wav").path
        FileManager.default.createFile(atPath: path, contents: Data())
        try expectRejected(path, mentioning: ["empty"])
    }

    @Test("a truncated WAV: the header promises more samples than the file holds")
    func truncatedWAV() throws {
        let path = try CLI.temporaryDirectory().appendingPathComponent("cut.wav").path
        // 3-channel 32-bit float WAV declaring 1000 frames (12000 data bytes) but holding 4000 bytes.
        var data = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); u32(36 + 12000); data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(3); u16(3); u32(2000); u32(2000 * 12); u16(12); u16(32)
        data.append(contentsOf: Array("data".utf8)); u32(12000)
        data.append(Data(repeating: 0, count: 4000))
        FileManager.default.createFile(atPath: path, contents: data)
        try expectRejected(path, mentioning: ["truncated"])
    }

    @Test("a corrupt HDF5 file: the signature followed by garbage")
    func corruptHDF5() throws {
        let path = try CLI.temporaryDirectory().appendingPathComponent("corrupt.h5").path
        var bytes: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        var x: UInt32 = 12345
        for _ in 0..<2048 { x = x &* 1_664_525 &+ 1_013_904_223; bytes.append(UInt8(truncatingIfNeeded: x >> 24)) }
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        try expectRejected(path, mentioning: ["hdf5"])
    }

    @Test("an HDF5 file without any recording dataset")
    func hdf5WithoutDataset() throws {
        let path = try CLI.temporaryDirectory().appendingPathComponent("nodata.h5").path
        let file = H5Fcreate(path, synk_H5F_ACC_TRUNC(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        #expect(file >= 0)
        let group = H5Gcreate2(file, "notes", synk_H5P_DEFAULT(), synk_H5P_DEFAULT(), synk_H5P_DEFAULT())
        H5Gclose(group)
        H5Fclose(file)
        try expectRejected(path, mentioning: ["dataset"])
    }

    @Test("text with a bad row names the line")
    func badRow() throws {
        let path = try CLI.temporaryDirectory().appendingPathComponent("bad.csv").path
        let text = "time,OOc-L,OOr-L\n" + (0..<50).map { "\(Double($0) / 1000),\($0),\(-$0)" }.joined(separator: "\n")
            + "\n0.050,12,abc\n0.051,1,2\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try expectRejected(path, mentioning: ["line 52", "abc"])
    }

    @Test("a text export declaring zero channels")
    func zeroChannels() throws {
        let path = try CLI.temporaryDirectory().appendingPathComponent("zero.txt").path
        try "zero.acq\n1 msec/sample\n0 channels\n\n".write(toFile: path, atomically: true, encoding: .utf8)
        try expectRejected(path, mentioning: ["channel"])
    }

    @Test("a zero or negative sample rate in the file", arguments: ["0", "-1"])
    func badRate(msec: String) throws {
        let path = try CLI.temporaryDirectory().appendingPathComponent("rate.txt").path
        let text = "r.acq\n\(msec) msec/sample\n1 channels\nZyg Raw\nmV\nCH2,\n3,\n0.1,\n0.2,\n0.3,\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try expectRejected(path, mentioning: ["rate"])
    }

    @Test("a CSV whose time column is not uniform cannot give a rate")
    func irregularTime() throws {
        let path = try CLI.temporaryDirectory().appendingPathComponent("irregular.csv").path
        try "time,ZYG-L\n0,1\n0.001,2\n0.002,3\n0.010,4\n0.011,5\n".write(toFile: path, atomically: true, encoding: .utf8)
        try expectRejected(path, mentioning: ["time"])
    }

    @Test("non-finite samples stop `synk filter` (exit 3) and are flagged by `synk info`")
    func nonFinite() throws {
        let dir = try CLI.temporaryDirectory()
        let path = dir.appendingPathComponent("gap.csv").path
        var rows = ["time,OOc-L,OOr-L"]
        for i in 0..<4000 { rows.append("\(Double(i) / 2000),\(sin(Double(i))),\(i == 2100 ? "nan" : String(cos(Double(i))))") }
        try rows.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let output = dir.appendingPathComponent("f.wav").path
        let filter = try CLI.run(["filter", path, "-o", output])
        #expect(filter.status == 3, "\(filter.stderr)")
        #expect(filter.stderr.contains(path) && filter.stderr.contains("OOr-L") && filter.stderr.contains("non-finite"))
        #expect(filter.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: output))
        let info = try CLI.run(["info", path])
        #expect(info.status == 0)
        #expect(info.stdout.contains("nan_gap"))
    }

    @Test("usage errors exit 2: a bad option value, an unknown output extension")
    func usage() throws {
        let file = CLI.realFile("opensignals_emg.txt")
        let badBand = try CLI.run(["filter", file, "-o", "/tmp/x.wav", "--band", "450:20"])
        #expect(badBand.status == 2, "\(badBand.stderr)")
        let badExtension = try CLI.run(["filter", file, "-o", "/tmp/x.xyz"])
        #expect(badExtension.status == 2, "\(badExtension.stderr)")
        let noArgs = try CLI.run(["info"])
        #expect(noArgs.status == 2)
    }

    @Test("an output directory that does not exist: exit 4, nothing written")
    func unwritableOutput() throws {
        let result = try CLI.run(["filter", CLI.realFile("opensignals_emg.txt"), "-o", "/nonexistent/dir/out.wav"])
        #expect(result.status == 4, "\(result.stderr)")
        #expect(result.stderr.contains("/nonexistent/dir/out.wav"))
    }
}
