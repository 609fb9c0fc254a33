import Foundation
import SynkCore
import SynkIO
import Testing

/// Files made without libsndfile (Fixtures/make_sndfile_edf_fixtures.py) and damaged copies of them.
@Suite("SndFileReader on independent fixtures and broken files")
struct SndFileFixtureTests {
    typealias Support = SndEDFTestSupport

    @Test("PCM WAV written by Python reads as ch1…chN, unknown unit, samples / 2^(bits-1)",
          arguments: [("pcm16_3ch_1000hz", 3, 500, 1000.0), ("pcm24_4ch_2048hz", 4, 300, 2048.0)])
    func pcmFixtures(name: String, channels: Int, frames: Int, rate: Double) throws {
        let reader = try SndFileReader(path: Support.fixture("sndfile/\(name).wav"))
        let header = reader.header
        #expect(header.source?.format == .wav)
        #expect(header.sampleRate == rate)
        #expect(header.frameCount == frames)
        #expect(header.channels.map(\.label) == (1...channels).map { "ch\($0)" })
        #expect(header.channels.allSatisfy { $0.unit == .unknown && $0.physicalRange == -1.0...1.0 })
        let expected = try Support.csvColumns("sndfile/\(name).csv")
        let read = try reader.readAll(blockFrames: 64)
        for c in 0..<channels {
            // Division by a power of two is exact in Float for 16- and 24-bit integers.
            let mismatches = zip(read.samples[c], expected[c]).filter { Double($0) != $1 }.count
            #expect(mismatches == 0, "channel \(c + 1): \(mismatches) samples differ")
            #expect(read.samples[c].count == expected[c].count)
        }
    }

    @Test("W64 (float) and CAF (big-endian PCM16) written by hand read as stored",
          arguments: [("float_3ch_500hz.w64", FileFormat.w64, 200, 500.0, false),
                      ("pcm16_3ch_1500hz.caf", FileFormat.caf, 250, 1500.0, true)])
    func otherContainers(name: String, format: FileFormat, frames: Int, rate: Double, isInteger: Bool) throws {
        let reader = try SndFileReader(path: Support.fixture("sndfile/\(name)"))
        #expect(reader.header.source?.format == format)
        #expect(reader.header.sampleRate == rate)
        #expect(reader.header.frameCount == frames)
        #expect(reader.header.channels.map(\.label) == ["ch1", "ch2", "ch3"])
        // Integer samples have a known full scale (±1 after normalisation); float samples have none.
        #expect(reader.header.channels.allSatisfy { $0.physicalRange == (isInteger ? -1.0...1.0 : nil) })
        let read = try reader.readAll(blockFrames: 33)
        let expected = try Support.csvColumns("sndfile/\(name.split(separator: ".")[0]).csv")
        for c in 0..<3 {
            #expect(read.samples[c].count == frames)
            let mismatches = zip(read.samples[c], expected[c]).filter { Double($0) != $1 }.count
            #expect(mismatches == 0, "channel \(c + 1): \(mismatches) samples differ")
        }
    }

    /// Header sizes: W64 40 (riff, size, wave) + 40 (fmt) + 24 (data chunk head); CAF 8 + 44 (desc) + 16.
    @Test("W64 and CAF cut inside their data report truncation",
          arguments: [("float_3ch_500hz.w64", 104, 12, 200, 104 + 12 * 77 + 5),
                      ("pcm16_3ch_1500hz.caf", 68, 6, 250, 68 + 6 * 190 + 1)])
    func truncatedOtherContainers(name: String, headerBytes: Int, frameBytes: Int, frames: Int, cut: Int) {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = Support.truncatedCopy(of: Support.fixture("sndfile/\(name)"), length: cut, in: directory, name: name)
        let error = Support.error { () throws(SynkError) in _ = try SndFileReader(path: path).readAll() }
        #expect(error?.kind == .input)
        #expect(error?.file == path)
        #expect(error?.problem == "truncated: header declares \(frames) frames, data holds \((cut - headerBytes) / frameBytes)")
    }

    @Test("a WAV cut inside its data reports truncation with declared and held frame counts",
          arguments: [44 + 6 * 100, 44 + 6 * 250 + 3, 44 + 6 * 499 + 5, 44])
    func truncatedWAV(cut: Int) {
        // pcm16_3ch_1000hz.wav: 44-byte header, 6 bytes per frame, 500 frames declared.
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = Support.truncatedCopy(of: Support.fixture("sndfile/pcm16_3ch_1000hz.wav"), length: cut,
                                         in: directory, name: "cut.wav")
        let error = Support.error { () throws(SynkError) in _ = try SndFileReader(path: path).readAll() }
        #expect(error?.kind == .input)
        #expect(error?.file == path)
        let held = (cut - 44) / 6
        #expect(error?.problem == "truncated: header declares 500 frames, data holds \(held)")
    }

    @Test("a float WAV written by synk and cut short is reported truncated", arguments: [0.5, 0.99])
    func truncatedSynkWAV(fraction: Double) throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let whole = directory + "/whole.wav"
        try SndFileWriter.write(Support.recording(frames: 4000), to: whole, format: .wavFloat)
        let size = try FileManager.default.attributesOfItem(atPath: whole)[.size] as! Int
        let cut = Int(Double(size) * fraction)
        let path = Support.truncatedCopy(of: whole, length: cut, in: directory, name: "cut.wav")
        let error = Support.error { () throws(SynkError) in _ = try SndFileReader(path: path).readAll() }
        #expect(error?.kind == .input)
        #expect(error?.file == path)
        // 12 bytes per frame (3 float channels); the data end at the end of the whole file.
        let dataStart = size - 4000 * 12
        #expect(error?.problem == "truncated: header declares 4000 frames, data holds \((cut - dataStart) / 12)")
    }

    @Test("a WAV cut inside its header is an input error naming the file")
    func truncatedHeader() {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = Support.truncatedCopy(of: Support.fixture("sndfile/pcm16_3ch_1000hz.wav"), length: 30,
                                         in: directory, name: "head.wav")
        let error = Support.error { () throws(SynkError) in _ = try SndFileReader(path: path) }
        #expect(error?.kind == .input)
        #expect(error?.file == path)
    }

    @Test("a truncated FLAC is an input error naming the file, never a shorter recording",
          arguments: [0.3, 0.6, 0.9])
    func truncatedFLAC(fraction: Double) throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        var original = Support.recording(frames: 20_000)
        for c in 0..<3 { original.header.channels[c].physicalRange = -2000...2000 }
        let whole = directory + "/whole.flac"
        try SndFileWriter.write(original, to: whole, format: .flac)
        let size = try FileManager.default.attributesOfItem(atPath: whole)[.size] as! Int
        let path = Support.truncatedCopy(of: whole, length: Int(Double(size) * fraction), in: directory, name: "cut.flac")
        let error = Support.error { () throws(SynkError) in _ = try SndFileReader(path: path).readAll(blockFrames: 1000) }
        #expect(error?.kind == .input)
        #expect(error?.file == path)
        #expect(error?.problem.hasPrefix("truncated: header declares 20000 frames, data holds") == true)
    }

    @Test("an empty file and a file of text are input errors naming the file")
    func emptyAndGarbage() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let empty = directory + "/empty.wav"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let emptyError = Support.error { () throws(SynkError) in _ = try SndFileReader(path: empty) }
        #expect(emptyError == .input(empty, "empty file (0 bytes)"))

        let garbage = directory + "/garbage.wav"
        _ = FileManager.default.createFile(atPath: garbage, contents: Data(String(repeating: "not audio ", count: 100).utf8))
        let garbageError = Support.error { () throws(SynkError) in _ = try SndFileReader(path: garbage) }
        #expect(garbageError?.kind == .input)
        #expect(garbageError?.file == garbage)
        #expect(garbageError?.problem.hasPrefix("not a readable sound file: ") == true)

        let missing = Support.error { () throws(SynkError) in _ = try SndFileReader(path: directory + "/none.wav") }
        #expect(missing == .input(directory + "/none.wav", "no such file"))
    }
}
