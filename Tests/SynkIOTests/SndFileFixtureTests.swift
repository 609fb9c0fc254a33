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
