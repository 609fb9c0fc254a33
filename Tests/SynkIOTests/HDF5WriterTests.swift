import Foundation
import SynkCore
import Testing
@testable import SynkIO

@Suite("HDF5Writer: synk layout, streamed, atomic")
struct HDF5WriterTests {
    /// A 4-channel header: three EMG channels and one non-voltage channel, with every root fact, events and stimuli.
    private func header(frames: Int) -> RecordingHeader {
        RecordingHeader(
            sampleRate: 1234.5, frameCount: frames,
            channels: [
                ChannelInfo.labelled("OOc-L"),
                ChannelInfo.labelled("OOr-R"),
                ChannelInfo(label: "MEN left", muscle: .MEN, side: .left, branch: .marginalMandibular),
                ChannelInfo(label: "trigger", unit: .counts, kind: .trigger),
            ],
            startTime: Date(timeIntervalSince1970: 1_741_944_413), subject: "P-042", session: "follow-up 6 mo",
            affectedSide: .right,
            events: [Event(onset: 0.125, duration: 1.5, label: "smile"), Event(onset: 2.0, duration: 0, label: "marker ü")],
            stimuli: [Stimulus(time: 0.5, intensityMilliampere: 18.25, site: "stylomastoid", side: .right, branch: .zygomatic),
                      Stimulus(time: 0.75)],
            metadata: ["device": "simulator 1.0", "electrode montage": "bipolar, 10 mm"])
    }

    /// Deterministic samples with full float32 mantissas (not round numbers), so any conversion would show.
    private func samples(frames: Int, channels: Int) -> [[Float]] {
        (0..<channels).map { c in
            (0..<frames).map { i in Float(sin(Double(i) * 0.0173 * Double(c + 1)) * 512.0 + Double(c) * 0.001) + Float(i % 7) / 3 }
        }
    }

    private func write(_ samples: [[Float]], header: RecordingHeader, to path: String, blocks: [Int]) throws {
        let writer = try HDF5Writer(path: path, header: header)
        var start = 0, index = 0
        while start < samples[0].count {
            let length = min(blocks[index % blocks.count], samples[0].count - start)
            try writer.write(SignalBlock(firstFrame: start, channels: samples.map { Array($0[start..<start + length]) }))
            start += length
            index += 1
        }
        try writer.finish()
    }

    @Test("write in uneven blocks → read back: samples bit-exact, header, events, stimuli and attributes equal")
    func roundTrip() throws {
        let directory = HDF5Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("round trip.h5").path
        let frames = 5000
        let original = samples(frames: frames, channels: 4)
        let written = header(frames: frames)
        try write(original, header: written, to: path, blocks: [1000, 37, 1, 2500])

        let read = try HDF5Reader(path: path).readAll(blockFrames: 777)
        #expect(read.samples == original)
        let back = read.header
        #expect(back.source == SourceDescription(path: path, format: .synkHDF5))
        #expect(back.sampleRate == 1234.5)
        #expect(back.frameCount == frames)
        #expect(back.channels == written.channels)
        #expect(back.startTime == written.startTime)
        #expect(back.subject == "P-042")
        #expect(back.session == "follow-up 6 mo")
        #expect(back.affectedSide == .right)
        #expect(back.events == written.events)
        #expect(back.stimuli == written.stimuli)
        for (key, value) in written.metadata { #expect(back.metadata[key] == value, "metadata \(key)") }
        // Nothing but the destination remains in the directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["round trip.h5"])
    }

    @Test("events that name their driver keep it through /events (a driver column only when one is named)")
    func eventDrivers() throws {
        let directory = HDF5Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("drivers.h5").path
        var written = header(frames: 100)
        written.events = [Event(onset: 0.1, duration: 0.2, label: "snarl", driver: .NAS), Event(onset: 0.4, duration: 0.2, label: "smile")]
        try write(samples(frames: 100, channels: 4), header: written, to: path, blocks: [100])
        #expect(try HDF5Reader(path: path).header.events == written.events)
    }

    @Test("millivolt channels are stored as µV: 1.5 mV reads back as 1500 µV")
    func millivoltsStoredAsMicrovolts() throws {
        let directory = HDF5Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mv.h5").path
        let header = RecordingHeader(sampleRate: 1000, frameCount: 2, channels: [ChannelInfo(label: "ZYG_L", unit: .millivolt)])
        try write([[1.5, -0.25]], header: header, to: path, blocks: [2])
        let read = try HDF5Reader(path: path).readAll()
        #expect(read.channels[0].unit == .microvolt)
        #expect(read.samples == [[1500, -250]])
    }

    @Test("a writer dropped before finish, or failing on a bad block, leaves no file at all")
    func atomicOnFailure() throws {
        let directory = HDF5Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("never.h5").path
        do {
            let writer = try HDF5Writer(path: path, header: header(frames: 10))
            try writer.write(SignalBlock(firstFrame: 0, channels: samples(frames: 10, channels: 4)))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)

        let writer = try HDF5Writer(path: path, header: header(frames: 10))
        let error = #expect(throws: SynkError.self) {
            try writer.write(SignalBlock(firstFrame: 0, channels: samples(frames: 10, channels: 3)))
        }
        #expect(error?.kind == .output)
        #expect(error?.file == path)
        #expect(throws: SynkError.self) { try writer.finish() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("a NaN sample is refused with an output error naming the channel and frame; no file appears")
    func nanRefused() throws {
        let directory = HDF5Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nan.h5").path
        let writer = try HDF5Writer(path: path, header: RecordingHeader(sampleRate: 100, frameCount: 3, channels: [ChannelInfo.labelled("OOc-L")]))
        let error = #expect(throws: SynkError.self) { try writer.write(SignalBlock(firstFrame: 10, channels: [[1, .nan, 3]])) }
        #expect(error?.kind == .output)
        #expect(error?.problem == "non-finite sample nan in channel OOc-L at frame 11")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("an unwritable destination is an output error")
    func missingDirectory() {
        let error = #expect(throws: SynkError.self) {
            try HDF5Writer(path: "/nonexistent-synk-dir/out.h5", header: header(frames: 1))
        }
        #expect(error?.kind == .output)
    }

    @Test("readers on four tasks at once (HDF5 is serialised by one lock) equal a serial read")
    func concurrentReads() async throws {
        let path = HDF5Fixtures.path("synk_int16.h5")
        let serial = try HDF5Reader(path: path).readAll().samples
        let results = try await withThrowingTaskGroup(of: [[Float]].self) { group in
            for _ in 0..<4 { group.addTask { try HDF5Reader(path: path).readAll(blockFrames: 50).samples } }
            var all: [[[Float]]] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 4)
        #expect(results.allSatisfy { $0 == serial })
    }
}

@Suite("HDF5: every identifier is closed")
struct HDF5ResourceTests {
    @Test("reading every fixture, hitting every error and writing a file leave no HDF5 file, group, dataset or attribute open")
    func noLeakedIdentifiers() throws {
        let directory = HDF5Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Holding the (recursive) HDF5 lock for the whole test keeps other tests' HDF5 work out of the counts.
        try HDF5Library.locked { () throws -> Void in
            let before = HDF5Library.openObjectCounts()
            let cases: [(String, String?, Double?)] = [
                ("synk_int16.h5", nil, nil), ("synk_float32.h5", nil, nil), ("nwb_rate.h5", nil, nil),
                ("nwb_timestamps.h5", nil, nil), ("nwb_gap.h5", nil, nil), ("opensignals.h5", nil, nil),
                ("generic.h5", nil, nil), ("generic.h5", "/recordings/matrix", 250), ("generic.h5", "/other/transposed", 100),
                ("generic.h5", "/cube", 1), ("generic.h5", "/bytes", 1), ("generic.h5", "/absent", 1),
                ("zero_rate.h5", nil, nil), ("missing_rate.h5", nil, nil), ("absurd_samples.h5", nil, nil),
                ("absurd_channels.h5", nil, nil), ("no_data.h5", nil, nil),
            ]
            var opened = 0
            for (file, dataset, rate) in cases {
                if let reader = try? HDF5Reader(path: HDF5Fixtures.path(file), dataset: dataset, sampleRate: rate) {
                    _ = try reader.readAll(blockFrames: 100)
                    opened += 1
                }
            }
            #expect(opened == 7)
            let path = directory.appendingPathComponent("w.h5").path
            let writer = try HDF5Writer(path: path, header: RecordingHeader(
                sampleRate: 100, frameCount: 3, channels: [ChannelInfo.labelled("OOc-L")],
                events: [Event(onset: 0, duration: 1, label: "x")], stimuli: [Stimulus(time: 0.5, site: "s")]))
            try writer.write(SignalBlock(firstFrame: 0, channels: [[1, 2, 3]]))
            try writer.finish()
            _ = try HDF5Reader(path: path).readAll()
            #expect(HDF5Library.openObjectCounts() == before)
        }
    }
}
