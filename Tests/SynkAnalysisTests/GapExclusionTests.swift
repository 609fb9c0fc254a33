import Foundation
import SynkCore
import SynkDSP
import SynkSim
import Testing
@testable import SynkAnalysis

/// The numpy reference made by `Fixtures/make_gap_reference.py`: measures on the same envelopes without the frames
/// a gap leaves out.
struct GapReference: Decodable {
    struct Side: Decodable {
        var r: Double
        var peak_xcorr: Double
        var lag_frames: Int
        var rms: Double
        var repetition_rms: [Double]
        var n_samples: Int
    }
    struct Scenario: Decodable { var pieces: [[Int]]; var owners: [Int]; var left: Side; var right: Side }
    var sample_rate_hz: Double
    var labels: [String]
    var envelopes: [[Double]]
    var repetitions: [[Int]]
    var short_cut: [Int]
    var long_gap: [Int]
    var max_lag_frames: Int
    var bridged: Scenario
    var long: Scenario

    static func load() throws -> GapReference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gap_reference.json")
        return try JSONDecoder().decode(GapReference.self, from: Data(contentsOf: url))
    }
}

@Suite("Gaps in the recording: excluded frames leave every statistic, repetitions keep the rest")
struct GapExclusionTests {
    let reference: GapReference
    init() throws { reference = try GapReference.load() }

    func analyze(_ exclusions: [FrameExclusion]) throws -> SynkinesisResult {
        let montage = try Montage(channels: [
            MontageChannel(channelIndex: 0, label: "ZYG-L", muscle: .ZYG, side: .left),
            MontageChannel(channelIndex: 1, label: "OOc-L", muscle: .OOc, side: .left),
            MontageChannel(channelIndex: 2, label: "ZYG-R", muscle: .ZYG, side: .right),
            MontageChannel(channelIndex: 3, label: "OOc-R", muscle: .OOc, side: .right),
        ], affectedSide: .left)
        let envelopes = EnvelopeSet(sampleRate: reference.sample_rate_hz, envelopes: reference.envelopes.map { $0.map(Float.init) },
                                    kind: .movingRMS(windowSeconds: 0.1))
        var parameters = SynkinesisParameters()
        parameters.maxLagSeconds = Double(reference.max_lag_frames) / reference.sample_rate_hz
        let task = TaskSegment(task: "smile", driver: .ZYG, repetitions: reference.repetitions.map { $0[0]..<$0[1] })
        return try SynkinesisAnalysis.analyze(envelopes: envelopes, montage: montage, tasks: .segments([task]),
                                              parameters: parameters, exclusions: exclusions)
    }

    func check(_ measured: SideMeasures?, against expected: GapReference.Side, _ side: String) throws {
        let m = try #require(measured, "\(side) side measured")
        #expect(abs(try #require(m.r) - expected.r) < 1e-5, "\(side) r")
        #expect(abs(try #require(m.peakXcorr) - expected.peak_xcorr) < 1e-5, "\(side) peak")
        #expect(abs(try #require(m.lagMs) - Double(expected.lag_frames) / reference.sample_rate_hz * 1000) < 1e-9, "\(side) lag")
        #expect(abs(try #require(m.rms) - expected.rms) < 1e-4 * expected.rms, "\(side) rms")
        let perRepetition = try #require(m.repetitionRMS)
        #expect(perRepetition.count == expected.repetition_rms.count, "\(side) repetitions")
        for (a, b) in zip(perRepetition, expected.repetition_rms) { #expect(abs(a - b) < 1e-4 * b, "\(side) repetition rms") }
        #expect(m.nSamples == expected.n_samples)
    }

    @Test("a bridged gap's frames leave r, the cross-correlation, the RMS and the repetition's RMS (numpy without those frames, 1e-5); the repetition stays one")
    func bridgedFramesLeaveEveryStatistic() throws {
        let cut = reference.short_cut[0]..<reference.short_cut[1]
        let result = try analyze([FrameExclusion(frames: cut, dropsRepetition: false, reason: "ZYG-L misses 5 ms")])
        let pair = try #require(result.pairs.first { $0.follower == .OOc })
        try check(pair.affected, against: reference.bridged.left, "left")
        try check(pair.healthy, against: reference.bridged.right, "right")
        #expect(result.tasks.first?.repetitions == 2)
        #expect(result.taskGaps.isEmpty)
        #expect(result.repetitionsExcludedByExclusion == [0])
        // The same analysis without the exclusion measures something else: the test can fail.
        let whole = try analyze([])
        let wholeR = try #require(whole.pairs.first { $0.follower == .OOc }?.affected?.r)
        #expect(abs(wholeR - reference.bridged.left.r) > 1e-4)
    }

    @Test("a long gap leaves out the repetition it overlaps (a task gap says which and why), the other repetition is measured as numpy measures it alone")
    func longGapLeavesOutItsRepetition() throws {
        let result = try analyze([
            FrameExclusion(frames: reference.short_cut[0]..<reference.short_cut[1], dropsRepetition: false, reason: "ZYG-L misses 5 ms"),
            FrameExclusion(frames: reference.long_gap[0]..<reference.long_gap[1], dropsRepetition: true, reason: "OOc-R misses 150 ms from 6.5 s"),
        ])
        let pair = try #require(result.pairs.first { $0.follower == .OOc })
        try check(pair.affected, against: reference.long.left, "left")
        try check(pair.healthy, against: reference.long.right, "right")
        #expect(result.repetitionsExcludedByExclusion == [0, 1])
        let gap = try #require(result.taskGaps.first)
        #expect(gap.reason.contains("repetition 2 of smile") && gap.reason.contains("OOc-R misses 150 ms"))
        #expect(result.tasks.first?.repetitions == 1)
    }

    @Test("the rest estimate never takes a window inside a gap (a bridged stretch is near zero, no rest)")
    func restAvoidsGaps() throws {
        var envelope = [Float](repeating: 5, count: 1000)
        for i in 0..<1000 { envelope[i] += Float(i % 7) * 0.1 }
        for i in 300..<420 { envelope[i] = 0.5 } // a bridged long gap: the envelope collapses
        let free = try #require(ActivityDetection.estimateRest(envelope, sampleRate: 200, kind: .movingRMS(windowSeconds: 0.1), windowSeconds: 0.5))
        #expect(free.mean < 1)
        var reader = ContiguousSamplesBox(envelope)
        let avoided = try #require(reader.rest(avoiding: [280..<440]))
        #expect(avoided.mean > 5)
    }
}

/// Wraps an array so the generic `estimateRest(_:…avoiding:)` can read it.
struct ContiguousSamplesBox {
    let values: [Float]
    init(_ values: [Float]) { self.values = values }
    func rest(avoiding: [Range<Int>]) -> RestLevel? {
        values.withUnsafeBufferPointer { e in
            var samples = ContiguousSamples(e)
            return ActivityDetection.estimateRest(&samples, sampleRate: 200, kind: .movingRMS(windowSeconds: 0.1),
                                                  windowSeconds: 0.5, avoiding: avoiding)
        }
    }
}

@Suite("Bridged gaps in the streaming pipeline: found exactly, and the envelope outside the guard is the clean one")
struct GapBridgePipelineTests {
    /// A simulated session (2 kHz), ZYG-L with a 300 µV electrode offset (zero filling would step by 300 µV), and
    /// gaps of 1 sample, 40 ms, 40 samples across a block boundary and 150 ms.
    static func recordings() throws -> (clean: Recording, gappy: Recording, channel: Int, gaps: [Range<Int>], montage: Montage) {
        var (clean, _) = try SynkinesisSimulation.simulate(SimulatedSynkinesisTests.coupledLeft, seed: 4)
        let montage = try Montage(channels: clean.channels, affectedSide: clean.header.affectedSide)
        let channel = try #require(montage.channels.first { $0.label == "ZYG-L" }?.channelIndex)
        for i in clean.samples[channel].indices { clean.samples[channel][i] += 300 }
        let rate = Int(clean.sampleRate)
        let gaps = [5 * rate + 3..<5 * rate + 4, 9 * rate..<9 * rate + rate / 25,
                    16_384 - 17..<16_384 + 23, 20 * rate..<20 * rate + 3 * rate / 20].sorted { $0.lowerBound < $1.lowerBound }
        var gappy = clean
        for gap in gaps { for i in gap { gappy.samples[channel][i] = .nan } }
        return (clean, gappy, channel, gaps, montage)
    }

    @Test("every run is found once, at its place and length, also across a block boundary; the envelope outside gap ± guard differs from the clean one by < 1 % of the channel's median envelope, inside by far more")
    func bridgedEnvelopeMatchesCleanOutsideTheGuard() throws {
        let (clean, gappy, channel, gaps, montage) = try Self.recordings()
        let channels = montage.channels.map(\.channelIndex)
        let a = try SynkinesisPipeline.condition(RecordingSource(clean), channels: channels, conditioning: .default, blockFrames: 16_384)
        let b = try SynkinesisPipeline.condition(RecordingSource(gappy), channels: channels, conditioning: .default, blockFrames: 16_384)
        #expect(a.gaps.isEmpty)
        #expect(b.gaps.map(\.frames) == gaps && b.gaps.allSatisfy { $0.channel == channel }, "\(b.gaps) vs \(gaps)")
        let k = try #require(channels.firstIndex(of: channel))
        let reference = a.envelopes.envelopes[k], bridged = b.envelopes.envelopes[k]
        let median = Double(reference.sorted()[reference.count / 2])
        let guardSeconds = ConditioningDescription.default.gapGuardSeconds
        let excluded = b.gaps.map { GapPlan.frames(of: $0, sampleRate: clean.sampleRate, envelopeRate: b.envelopes.sampleRate,
                                                   guardSeconds: guardSeconds, limit: bridged.count) }
        var outside = 0.0, inside = 0.0
        for i in reference.indices {
            let difference = Double(abs(reference[i] - bridged[i])) / median
            if excluded.contains(where: { $0.contains(i) }) { inside = max(inside, difference) } else { outside = max(outside, difference) }
        }
        #expect(outside < 0.01, "largest difference outside the guards: \(outside) of the median envelope")
        #expect(inside > 0.1, "the gaps do change the envelope where they are: \(inside)")
        // Every other channel is untouched.
        for c in channels.indices where c != k { #expect(a.envelopes.envelopes[c] == b.envelopes.envelopes[c]) }
    }
}
