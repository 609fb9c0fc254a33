import Foundation
import SynkCore
import Testing
@testable import SynkAnalysis
import SynkSim

/// Envelopes spilled to temporary files read back exactly, and the analysis of spilled envelopes is the analysis of
/// the same envelopes in memory.
@Suite("Envelopes spilled to disk")
struct EnvelopeStorageTests {
    /// Envelopes written through a spill whose reader windows and chunks are tiny, so that every pass crosses
    /// hundreds of window edges.
    static func spilled(_ envelopes: [[Float]], window: Int = 1000, chunk: Int = 97) throws -> EnvelopeStorage {
        let spill = try EnvelopeSpill(channelCount: envelopes.count, readWindow: window, readChunk: chunk)
        // Blocks of awkward, varying length, as a conditioner delivers them.
        var start = 0, step = 1
        let n = envelopes.first?.count ?? 0
        while start < n {
            let end = min(n, start + step)
            try spill.append(envelopes.map { Array($0[start..<end]) })
            start = end
            step = step * 3 % 70_001 + 1
        }
        return try spill.finish()
    }

    @Test("Every sample reads back bit for bit, through windows in any order, and selecting channels copies nothing")
    func readBack() throws {
        let n = 200_000
        let envelopes: [[Float]] = (0..<3).map { c in
            let rate = 0.001 * Double(c + 1)
            return (0..<n).map { i -> Float in Float(100 * sin(Double(i) * rate) + Double(c)) }
        }
        let storage = try Self.spilled(envelopes)
        #expect(storage.isSpilled)
        #expect(storage.channelCount == 3)
        for c in 0..<3 {
            #expect(storage.count(channel: c) == n)
            #expect(storage.samples(channel: c) == envelopes[c])
        }
        let reader = storage.reader(2)
        for range in [150_000..<150_500, 10..<20, 999..<1001, 0..<4000, (n - 3)..<n, 77_777..<77_778] {
            let p = reader.samples(range)
            #expect((0..<range.count).allSatisfy { p[$0] == envelopes[2][range.lowerBound + $0] }, "\(range)")
        }
        let view = storage.selecting([2, 0])
        #expect(view.samples(channel: 0) == envelopes[2])
        #expect(view.samples(channel: 1) == envelopes[0])
        #expect(storage.readError(file: "x") == nil)
    }

    @Test("No temporary file is left behind, even while the spill is open")
    func unlinked() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("synk-spill-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spill = try EnvelopeSpill(channelCount: 4, directory: directory)
        try spill.append([[Float]](repeating: [1, 2, 3], count: 4))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        let storage = try spill.finish()
        #expect(storage.samples(channel: 3) == [1, 2, 3])
    }

    @Test("An unwritable temporary directory is an output error naming it")
    func unwritableDirectory() {
        #expect(throws: SynkError.self) { try EnvelopeSpill(channelCount: 2, directory: "/nonexistent/synk-tmp") }
        do {
            _ = try EnvelopeSpill(channelCount: 2, directory: "/nonexistent/synk-tmp")
        } catch {
            #expect(error.kind == .output)
            #expect(error.description.contains("/nonexistent/synk-tmp"))
        }
    }

    @Test("The analysis of spilled envelopes equals the analysis in memory (detected and given tasks), within 1e-9")
    func analysisMatches() throws {
        var simulator = SynkinesisEnvelopeSimulator()
        simulator.couplings = [.init(driver: .OOc, follower: .ZYG, side: .left, gain: 0.6, lagSamples: 4)]
        let output = simulator.make(seed: 11)
        let montage = try Montage(channels: output.channels, affectedSide: .left)
        let kind = EnvelopeKind.movingRMS(windowSeconds: 0.1)
        let inMemory = EnvelopeSet(sampleRate: simulator.sampleRate, envelopes: output.envelopes, kind: kind)
        let onDisk = EnvelopeSet(sampleRate: simulator.sampleRate, storage: try Self.spilled(output.envelopes, window: 400, chunk: 37), kind: kind)
        #expect(onDisk.frameCount > 400 * 5, "the recording crosses several read windows")
        for tasks in [TaskSource.events(output.events), .detect] {
            let a = try SynkinesisAnalysis.analyze(envelopes: inMemory, montage: montage, tasks: tasks)
            let b = try SynkinesisAnalysis.analyze(envelopes: onDisk, montage: montage, tasks: tasks)
            #expect(a.tasks == b.tasks)
            #expect(a.pairs.count == b.pairs.count && !a.pairs.isEmpty)
            for (x, y) in zip(a.pairs, b.pairs) {
                for (p, q) in [(x.affected, y.affected), (x.healthy, y.healthy)] {
                    let p = try #require(p), q = try #require(q)
                    for (u, v) in [(p.r, q.r), (p.peakXcorr, q.peakXcorr), (p.nEff, q.nEff), (p.rms, q.rms),
                                   (p.followerPercentOfOwnTask, q.followerPercentOfOwnTask), (p.coactivation, q.coactivation)] {
                        #expect((u == nil) == (v == nil))
                        if let u, let v { #expect(abs(u - v) <= 1e-9 * max(1, abs(u)), "\(x.task) \(x.follower): \(u) vs \(v)") }
                    }
                    #expect(p.lagMs == q.lagMs)
                    #expect(p.activeS == q.activeS && p.coactiveS == q.coactiveS && p.driverActiveS == q.driverActiveS)
                    #expect(p.notes == q.notes)
                }
                #expect(x.flag == y.flag && x.correlationFlag == y.correlationFlag)
            }
        }
    }

    @Test("The pipeline gives the same result whether it spills the envelopes or keeps them")
    func pipelineSpills() throws {
        let (recording, _) = try SynkinesisSimulation.simulate(SimulatedSynkinesisTests.coupledLeft, seed: 4)
        let montage = try Montage(channels: recording.channels, affectedSide: recording.header.affectedSide)
        let spilled = try SynkinesisPipeline.condition(
            RecordingSource(recording), channels: montage.channels.map(\.channelIndex), conditioning: .default, spillThreshold: 0)
        #expect(spilled.envelopes.storage.isSpilled)
        let kept = try SynkinesisPipeline.condition(
            RecordingSource(recording), channels: montage.channels.map(\.channelIndex), conditioning: .default, spillThreshold: .max)
        #expect(!kept.envelopes.storage.isSpilled)
        #expect(spilled.envelopes.envelopes == kept.envelopes.envelopes)
        #expect(spilled.quality == kept.quality)
        // No usable temporary directory: the envelopes stay in memory and nothing fails.
        let nowhere = try SynkinesisPipeline.condition(
            RecordingSource(recording), channels: montage.channels.map(\.channelIndex), conditioning: .default, spillThreshold: 0,
            spillDirectory: "/nonexistent/synk-tmp")
        #expect(!nowhere.envelopes.storage.isSpilled)
        #expect(nowhere.envelopes.envelopes == kept.envelopes.envelopes)
    }
}

/// Activity as run lists counts exactly what the full-length masks counted.
@Suite("Active runs")
struct ActiveRunTests {
    /// The definition, sample by sample: inside a segment, above the threshold for at least `minimumRun` samples.
    static func naiveMask(_ e: [Float], threshold: Double, minimumRun: Int, segments: [Range<Int>]) -> [Bool] {
        var mask = [Bool](repeating: false, count: e.count)
        for segment in segments {
            let s = segment.clamped(to: 0..<e.count)
            var i = s.lowerBound
            while i < s.upperBound {
                guard Double(e[i]) > threshold else { i += 1; continue }
                var j = i
                while j < s.upperBound, Double(e[j]) > threshold { j += 1 }
                if j - i >= max(1, minimumRun) { for k in i..<j { mask[k] = true } }
                i = j
            }
        }
        return mask
    }

    @Test("Run counts and overlaps equal mask counts on random envelopes, whatever the chunk the runs are read in")
    func runsEqualMasks() throws {
        var state: UInt64 = 7
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        for trial in 0..<20 {
            let n = 500 + trial * 137
            // Smooth-ish random walks, so that runs of every length occur.
            var a = [Float](), b = [Float]()
            var x = 0.0, y = 0.0
            for _ in 0..<n { x = 0.8 * x + next() - 0.5; y = 0.7 * y + next() - 0.5; a.append(Float(x)); b.append(Float(y)) }
            let segments = [0..<(n / 3), (n / 3 + 5)..<(n / 2), (n / 2)..<(n - 7), (n - 3)..<(n + 10)]
            let minimumRun = 1 + trial % 6
            let ma = Self.naiveMask(a, threshold: 0.1, minimumRun: minimumRun, segments: segments)
            let mb = Self.naiveMask(b, threshold: -0.05, minimumRun: minimumRun, segments: segments)
            let storage = try EnvelopeStorageTests.spilled([a, b], window: 64, chunk: 1 + trial % 23)
            var ra = storage.reader(0), rb = storage.reader(1)
            let runsA = ActivityDetection.activeRuns(&ra, threshold: 0.1, minimumRun: minimumRun, segments: segments)
            let runsB = ActivityDetection.activeRuns(&rb, threshold: -0.05, minimumRun: minimumRun, segments: segments)
            #expect(ActivityDetection.sampleCount(runsA) == ma.filter { $0 }.count)
            #expect(ActivityDetection.sampleCount(runsB) == mb.filter { $0 }.count)
            #expect(ActivityDetection.overlapCount(runsA, runsB) == zip(ma, mb).filter { $0 && $1 }.count)
            #expect(ActivityDetection.activeMask(a, threshold: 0.1, minimumRun: minimumRun, segments: segments) == ma)
            #expect(ActivityDetection.runs(ma) == runsA)
        }
    }
}
