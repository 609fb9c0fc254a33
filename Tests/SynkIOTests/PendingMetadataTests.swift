import Foundation
import SynkCore
@testable import SynkIO
import Testing

@Suite("Metadata completed after the samples (the input hash, computed while writing)")
struct PendingMetadataTests {
    typealias Support = SndEDFTestSupport

    static let hash = String(repeating: "0123456789abcdef", count: 4)

    @Test("WAV and FLAC: the value replaces the placeholder in the header; samples and other metadata unchanged",
          arguments: [SndFileFormat.wavFloat, .flac(fullScale: [5000, 5000, 5000])])
    func completed(format: SndFileFormat) throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = directory + "/out." + (format.container == .flac ? "flac" : "wav")
        let original = Support.recording(frames: 3000)
        let pending = PendingMetadata(key: "synk_source_sha256", length: 64) { Self.hash }
        let writer = try SndFileWriter(path: path, header: original.header, format: format, pending: pending)
        try writer.write(SignalBlock(firstFrame: 0, channels: original.samples))
        try writer.finish()
        let reader = try SndFileReader(path: path)
        #expect(reader.header.metadata["synk_source_sha256"] == Self.hash)
        #expect(reader.header.metadata["device"] == "fixture")
        let read = try reader.readAll()
        if format == .wavFloat { #expect(read.samples == original.samples) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.range(of: Data(pending.placeholder.utf8)) == nil)
    }

    @Test("a value of the wrong length, or a failed computation, is an output error and leaves no file")
    func failures() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = directory + "/out.wav"
        let original = Support.recording(frames: 100)
        for pending in [PendingMetadata(key: "k", length: 64) { "too short" },
                        PendingMetadata(key: "k", length: 64) { () throws(SynkError) in throw .input("in.wav", "vanished") }] {
            let writer = try SndFileWriter(path: path, header: original.header, format: .wavFloat, pending: pending)
            try writer.write(SignalBlock(firstFrame: 0, channels: original.samples))
            #expect(throws: SynkError.self) { try writer.finish() }
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }

    @Test("the header region ends at the data chunk (RIFF) or after the last metadata block (FLAC)")
    func headerRegion() {
        // RIFF, size, WAVE, "fmt " with 4 bytes, then "data".
        var riff = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVE".utf8)
        riff += Array("fmt ".utf8) + [4, 0, 0, 0, 1, 2, 3, 4] + Array("data".utf8) + [8, 0, 0, 0] + Array(repeating: 0x7E, count: 8)
        #expect(MetadataPatch.headerLength(riff) == 24)
        // fLaC, a 10-byte block, then a last block of 3 bytes, then frames.
        var flac = Array("fLaC".utf8) + [0x00, 0, 0, 10] + Array(repeating: 1, count: 10)
        flac += [0x84, 0, 0, 3, 7, 7, 7] + Array(repeating: 0x7E, count: 20)
        #expect(MetadataPatch.headerLength(flac) == 4 + 14 + 7)
    }
}
