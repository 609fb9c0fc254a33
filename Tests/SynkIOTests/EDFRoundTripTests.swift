import Foundation
import SynkCore
@testable import SynkIO
import Testing

@Suite("EDFWriter → EDFReader round trips")
struct EDFRoundTripTests {
    typealias Support = SndEDFTestSupport

    /// The quantisation step for a range: (max − min) / (2^bits − 1), bits = 16 (EDF) or 24 (BDF).
    private func step(_ range: ClosedRange<Double>, bdf: Bool) -> Double {
        (range.upperBound - range.lowerBound) / (bdf ? 16_777_215 : 65535)
    }

    @Test("EDF+ and BDF+ return samples within half a quantisation step and restore the header",
          arguments: [(false, 1000.0), (true, 1000.0), (false, 512.5), (true, 2048.0)])
    func roundTrip(bdf: Bool, rate: Double) throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = directory + (bdf ? "/rt.bdf" : "/rt.edf")
        var original = Support.recording(frames: 2345, rate: rate)
        // Data peaks: about 825, 425 and 292 µV, inside every range (no clipping).
        let ranges: [ClosedRange<Double>] = [-1000...1000, -600...500, -300.25...299.75]
        for c in 0..<3 { original.header.channels[c].physicalRange = ranges[c] }
        try EDFWriter.write(original, to: path, bdf: bdf)
        let header = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)).prefix(8), as: UTF8.self)
        #expect(bdf ? header.hasSuffix("BIOSEMI") : header == "0       ")

        let reader = try EDFReader(path: path)
        let read = reader.header
        #expect(read.source?.format == (bdf ? .bdfPlus : .edfPlus))
        #expect(read.sampleRate == rate)
        // The last record was padded; the length annotation restores the true length.
        #expect(read.frameCount == 2345)
        #expect(read.channels.map(\.label) == ["OOc-L", "OOr-R", "ZYG_L"])
        #expect(read.channels.map(\.unit) == [.microvolt, .microvolt, .microvolt])
        #expect(read.channels.map(\.muscle) == [.OOc, .OOr, .ZYG])
        #expect(read.channels.map(\.side) == [.left, .right, .left])
        // These bounds fit the 8-character header fields, so they come back unchanged.
        #expect(read.channels.map(\.physicalRange) == ranges)
        #expect(read.events == original.header.events)  // onsets and durations on the 100 µs grid
        #expect(read.startTime == original.header.startTime)  // .25 s is on EDF+'s 100 µs grid
        #expect(read.subject == "P042")
        #expect(read.session == "S7")
        #expect(read.affectedSide == .left)
        #expect(read.metadata["excluded_signals"] == nil)

        let samples = try reader.readAll(blockFrames: 1000).samples
        for c in 0..<3 {
            let tolerance = step(ranges[c], bdf: bdf) / 2 + Double(Float(1000).ulp)
            let worst = zip(samples[c], original.samples[c]).map { abs(Double($0) - Double($1)) }.max()!
            #expect(worst <= tolerance, "channel \(c): worst \(worst) > \(tolerance)")
        }
    }

    @Test("write(_:to:bdf:) derives ±peak ranges from the data when the channels have none")
    func derivedRanges() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = directory + "/derived.edf"
        let original = Support.recording(frames: 1000)
        try EDFWriter.write(original, to: path, bdf: false)
        let read = try EDFReader(path: path).readAll()
        for c in 0..<3 {
            let peak = Double(original.samples[c].map { abs($0) }.max()!)
            let range = try #require(read.header.channels[c].physicalRange)
            // Rounded outwards to at most 8 characters: never inside the peak, and less than 0.01 outside.
            #expect(range.lowerBound <= -peak && range.lowerBound > -peak - 0.01)
            #expect(range.upperBound >= peak && range.upperBound < peak + 0.01)
            let tolerance = step(range, bdf: false) / 2 + Double(Float(peak).ulp)
            let worst = zip(read.samples[c], original.samples[c]).map { abs(Double($0) - Double($1)) }.max()!
            #expect(worst <= tolerance)
        }
    }

    @Test("a recording with unknown start time reads back with unknown start time")
    func unknownStart() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let path = directory + "/nostart.edf"
        var original = Support.recording(frames: 500)
        original.header.startTime = nil
        try EDFWriter.write(original, to: path, bdf: false)
        #expect(try EDFReader(path: path).header.startTime == nil)
    }

    @Test("the streaming writer refuses channels without a physical range, zero channels and a zero rate")
    func writerPreconditions() {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        let noRange = RecordingHeader(sampleRate: 1000, frameCount: 10, channels: [.labelled("OOc-L")])
        let noChannels = RecordingHeader(sampleRate: 1000, frameCount: 10, channels: [])
        var zeroRate = RecordingHeader(sampleRate: 0, frameCount: 10, channels: [.labelled("OOc-L")])
        zeroRate.channels[0].physicalRange = -1...1
        for (header, expected) in [(noRange, "EDF needs a physical range for channel OOc-L"),
                                   (noChannels, "cannot write a recording with no channels"),
                                   (zeroRate, "cannot write sample rate 0.0 Hz")] {
            let error = Support.error { () throws(SynkError) in
                _ = try EDFWriter(path: directory + "/x.edf", header: header, bdf: false)
            }
            #expect(error?.kind == .output)
            #expect(error?.problem == expected)
        }
        #expect(try! FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("data-record layouts give an integer number of samples per record",
          arguments: [(1000.0, 100_000, 1000), (512.5, 200_000, 1025), (2048.0, 100_000, 2048), (0.5, 200_000, 1),
                      (1000.0 / 3.0, 300_000, 1000)])
    func recordLayout(rate: Double, units: Int, samples: Int) throws {
        let layout = try #require(EDFWriter.recordLayout(rate: rate, channels: 3, bytesPerSample: 2))
        #expect(layout.0 == units)
        #expect(layout.1 == samples)
    }

    /// 1111.11 Hz needs a 100 s record for an integer count; 1000/3 Hz fits 1000 samples in 3 s.
    @Test("a rate with no integer samples per record of 0.001…60 s is refused")
    func unrepresentableRate() {
        #expect(EDFWriter.recordLayout(rate: 1111.11, channels: 3, bytesPerSample: 2) == nil)
    }

    @Test("header numbers round outwards to 8 characters",
          arguments: [(-1234.5678, false, -1234.57), (1234.5678, true, 1234.568), (0.12345678, true, 0.123457),
                      (-3000.0, false, -3000.0), (123456789.0, true, nil)])
    func headerNumbers(value: Double, up: Bool, expected: Double?) {
        #expect(EDFWriter.headerNumber(value, roundingUp: up) == expected)
    }

    @Test("more events than data records are stored in extra annotation signals and all come back")
    func manyEvents() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        var original = Support.recording(frames: 1500)  // 2 data records of 1 s
        original.header.events = (0..<25).map { Event(onset: Double($0) * 0.05, duration: 0.01, label: "twitch \($0)") }
        try EDFWriter.write(original, to: directory + "/many.edf", bdf: false)
        let read = try EDFReader(path: directory + "/many.edf").header
        #expect(read.events.map(\.label) == original.header.events.map(\.label))
        #expect(read.events.map(\.duration) == original.header.events.map(\.duration))
        // Onsets k × 0.05 s lie on the 100 µs grid; only the decimal parsing may differ, by far less.
        let onsetErrors = zip(read.events, original.header.events).map { abs($0.onset - $1.onset) }
        #expect(onsetErrors.allSatisfy { $0 < 1e-9 })
        #expect(read.frameCount == 1500)
    }

    @Test("an EDF file without samples is refused and leaves nothing behind")
    func noSamples() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        var header = Support.recording(frames: 10).header
        header.frameCount = 0
        for c in 0..<3 { header.channels[c].physicalRange = -1...1 }
        let writer = try EDFWriter(path: directory + "/empty.edf", header: header, bdf: false)
        let error = Support.error { () throws(SynkError) in try writer.finish() }
        #expect(error == .output(directory + "/empty.edf", "cannot write an EDF file without samples"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("an unfinished EDF write leaves no file behind")
    func atomic() throws {
        let directory = Support.temporaryDirectory()
        defer { Support.remove(directory) }
        var original = Support.recording(frames: 1500)
        for c in 0..<3 { original.header.channels[c].physicalRange = -2000...2000 }
        do {
            let writer = try EDFWriter(path: directory + "/never.edf", header: original.header, bdf: true)
            try writer.write(SignalBlock(firstFrame: 0, channels: original.samples))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }
}
