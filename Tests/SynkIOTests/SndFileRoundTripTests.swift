import Foundation
import SynkCore
@testable import SynkIO
import Testing

@Suite("SndFileWriter → SndFileReader round trips")
struct SndFileRoundTripTests {
    typealias Support = SndEDFTestSupport

    private func firstBytes(_ path: String, _ count: Int) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(count)
        return String(decoding: data, as: UTF8.self)
    }

    private func expectHeaderRestored(_ read: RecordingHeader, _ original: RecordingHeader) {
        #expect(read.channels.map(\.label) == original.channels.map(\.label))
        #expect(read.channels.map(\.unit) == original.channels.map(\.unit))
        #expect(read.channels.map(\.muscle) == [.OOc, .OOr, .ZYG])
        #expect(read.channels.map(\.side) == [.left, .right, .left])
        #expect(read.channels.map(\.branch) == [.zygomatic, .buccal, .zygomatic])
        #expect(read.channels.map(\.kind) == [.emg, .emg, .auxiliary])
        #expect(read.events == original.events)
        #expect(read.stimuli == original.stimuli)
        #expect(read.subject == "P042")
        #expect(read.session == "S7")
        #expect(read.affectedSide == .left)
        #expect(read.startTime == original.startTime)
        #expect(read.metadata["device"] == "fixture")
    }

    @Test("32-bit float WAV returns every sample exactly and restores all metadata", arguments: [1000.0, 2222.5])
    func floatWAVExact(rate: Double) throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = directory + "/float.wav"
        let original = Support.recording(rate: rate)
        try SndFileWriter.write(original, to: path, format: .wavFloat)
        // Small data: libsndfile's RF64 auto-downgrade leaves a plain RIFF WAV.
        #expect(try firstBytes(path, 4) == "RIFF")
        let reader = try SndFileReader(path: path)
        #expect(reader.header.source?.format == .wav)
        // The header's integer rate is rounded; the exact rate comes from the metadata.
        #expect(reader.header.sampleRate == rate)
        #expect(reader.header.frameCount == original.frameCount)
        expectHeaderRestored(reader.header, original.header)
        let read = try reader.readAll()
        #expect(read.samples == original.samples)
    }

    @Test("RF64 float is exact and recognised as RF64")
    func rf64Exact() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = directory + "/float.rf64"
        let original = Support.recording(frames: 1000)
        try SndFileWriter.write(original, to: path, format: .rf64Float)
        #expect(try firstBytes(path, 4) == "RF64")
        let reader = try SndFileReader(path: path)
        #expect(reader.header.source?.format == .rf64)
        expectHeaderRestored(reader.header, original.header)
        #expect(try reader.readAll().samples == original.samples)
    }

    @Test("24-bit FLAC returns physical values within half a step of fullScale / 2^23")
    func flacWithinQuantisation() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = directory + "/emg.flac"
        var original = Support.recording()
        let fullScale = [1000.0, 2000.0, 4000.0]
        for c in 0..<3 { original.header.channels[c].physicalRange = -fullScale[c]...fullScale[c] }
        try SndFileWriter.write(original, to: path, format: .flac)
        #expect(try firstBytes(path, 4) == "fLaC")
        let reader = try SndFileReader(path: path)
        #expect(reader.header.source?.format == .flac)
        expectHeaderRestored(reader.header, original.header)
        #expect(reader.header.channels.map(\.physicalRange) == original.header.channels.map(\.physicalRange))
        let read = try reader.readAll()
        #expect(read.frameCount == original.frameCount)
        for c in 0..<3 {
            // Half a 24-bit step plus float rounding of the scaled value.
            let tolerance = fullScale[c] / Double(1 << 23) / 2 + Double(Float(fullScale[c]).ulp)
            let worst = zip(read.samples[c], original.samples[c]).map { abs(Double($0) - Double($1)) }.max()!
            #expect(worst <= tolerance, "channel \(c): worst error \(worst) > \(tolerance)")
            #expect(worst > 0, "24-bit storage of noisy data cannot be exact")
        }
    }

    @Test("FLAC full scale given by the caller overrides the channel range; values beyond it clip")
    func flacCallerFullScaleClips() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = directory + "/clip.flac"
        let original = Support.recording(frames: 1000, amplitude: 800)
        // Channel 0 peaks near 800 + 25 µV; a 500 µV full scale must clip it to ±500.
        try SndFileWriter.write(original, to: path, format: .flac(fullScale: [500, 5000, 5000]))
        let read = try SndFileReader(path: path).readAll()
        let peak = read.samples[0].map { abs($0) }.max()!
        #expect(abs(Double(peak) - 500) <= 500.0 / Double(1 << 23) + 1e-3)
        // Without a stated range, digital full scale is the clipping limit.
        #expect(read.header.channels[0].physicalRange == -500...500)
        let tolerance = 5000.0 / Double(1 << 23) / 2 + Double(Float(5000).ulp)
        let worst = zip(read.samples[1], original.samples[1]).map { abs(Double($0) - Double($1)) }.max()!
        #expect(worst <= tolerance)
    }

    @Test("metadata of 64 channels and 400 events survives WAV and FLAC", arguments: [false, true])
    func largeMetadata(flac: Bool) throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = directory + (flac ? "/big.flac" : "/big.wav")
        let channelCount = flac ? 8 : 64
        var channels = (0..<channelCount).map { ChannelInfo.labelled("zygomaticus major right \($0)") }
        for c in channels.indices { channels[c].physicalRange = -Double(c + 1)...Double(c + 1) }
        let events = (0..<400).map { Event(onset: Double($0) * 0.001, duration: 0.0005, label: "repetition \($0) of smile") }
        let header = RecordingHeader(sampleRate: 1000, frameCount: 500, channels: channels, events: events)
        let samples = (0..<channelCount).map { c in (0..<500).map { Float(c + 1) * Float($0 % 7) / 8 } }
        try SndFileWriter.write(try Recording(header: header, samples: samples), to: path, format: flac ? .flac : .wavFloat)
        let read = try SndFileReader(path: path).readAll()
        #expect(read.header.channels == channels)
        #expect(read.header.events == events)
        // k/8 of the full scale c+1 is a multiple of 2^-3 scale: exact in 24 bits and in float.
        #expect(read.samples == samples)
    }

    @Test("WAV metadata beyond what a WAV header holds is refused before any file appears")
    func oversizedMetadata() {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        // 3000 events of about 60 JSON bytes each: roughly 180 kB, far beyond the 48 KiB limit.
        var header = Support.recording(frames: 10).header
        header.events = (0..<3000).map { Event(onset: Double($0), duration: 0.5, label: "repetition \($0)") }
        let error = Support.error { () throws(SynkError) in
            _ = try SndFileWriter(path: directory + "/huge.wav", header: header, format: .wavFloat)
        }
        #expect(error?.kind == .output)
        #expect(error?.problem.contains("exceeds the 49152 bytes a WAV header holds") == true)
        #expect(try! FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("reading in blocks of 7 frames gives the same samples as reading whole")
    func streamingEqualsWhole() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = directory + "/stream.wav"
        let original = Support.recording(frames: 1003)
        try SndFileWriter.write(original, to: path, format: .wavFloat)
        let whole = try SndFileReader(path: path).readAll(blockFrames: 1 << 20)
        let reader = try SndFileReader(path: path)
        var pieces = [[Float]](repeating: [], count: 3)
        var expectedFirst = 0
        while let block = try reader.readBlock(maxFrames: 7) {
            #expect(block.firstFrame == expectedFirst)
            #expect(block.frameCount <= 7)
            expectedFirst += block.frameCount
            for c in 0..<3 { pieces[c].append(contentsOf: block.channels[c]) }
        }
        #expect(expectedFirst == 1003)
        #expect(pieces == whole.samples)
        #expect(pieces == original.samples)
    }

    @Test("writers reject zero channels and a zero rate")
    func writerRejectsEmptyHeaders() {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let noChannels = RecordingHeader(sampleRate: 1000, frameCount: 0, channels: [])
        let zeroRate = RecordingHeader(sampleRate: 0, frameCount: 0, channels: [.labelled("OOc-L")])
        for (header, name) in [(noChannels, "a.wav"), (zeroRate, "b.wav")] {
            let error = Support.error { () throws(SynkError) in
                _ = try SndFileWriter(path: directory + "/" + name, header: header, format: .wavFloat)
            }
            #expect(error?.kind == .output)
            #expect(error?.file == directory + "/" + name)
        }
        #expect(try! FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("FLAC without a full scale, or with more than 8 channels, is refused before any file appears")
    func flacPreconditions() {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let header = RecordingHeader(sampleRate: 1000, frameCount: 0, channels: [.labelled("OOc-L")])
        let noScale = Support.error { () throws(SynkError) in
            _ = try SndFileWriter(path: directory + "/a.flac", header: header, format: .flac)
        }
        #expect(noScale?.kind == .output)
        #expect(noScale?.problem.contains("full scale") == true)
        var nine = RecordingHeader(sampleRate: 1000, frameCount: 0, channels: (1...9).map { .labelled("ch\($0)") })
        for c in nine.channels.indices { nine.channels[c].physicalRange = -1...1 }
        let tooMany = Support.error { () throws(SynkError) in
            _ = try SndFileWriter(path: directory + "/b.flac", header: nine, format: .flac)
        }
        #expect(tooMany?.problem.contains("at most 8 channels") == true)
        #expect(try! FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("an unfinished or failed write leaves no file behind")
    func atomicOutput() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let original = Support.recording(frames: 100)
        do {
            let writer = try SndFileWriter(path: directory + "/never.wav", header: original.header, format: .wavFloat)
            try writer.write(SignalBlock(firstFrame: 0, channels: original.samples))
            // No finish(): the writer is dropped here.
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)

        let writer = try SndFileWriter(path: directory + "/nan.wav", header: original.header, format: .wavFloat)
        var poisoned = original.samples
        poisoned[1][42] = .nan
        let error = Support.error { () throws(SynkError) in try writer.write(SignalBlock(firstFrame: 0, channels: poisoned)) }
        #expect(error?.kind == .output)
        #expect(error?.problem.contains("sample 42 of channel OOr-R") == true)
    }
}
