import Benchmark
import BenchSupport
import SynkAnalysis
import SynkCore

// End to end on generated data: 16 channels (8 muscles × 2 sides) × 2 minutes at 2 kHz streamed from
// memory through quality, band-pass, RMS envelope, decimation and the whole synkinesis analysis
// (tasks detected from bursts).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .instructions, .peakMemoryResident], maxDuration: .seconds(5), maxIterations: 20)
    let recording = try! Generated.recording(seconds: 120)
    let montage = try! Montage(channels: recording.header.channels.enumerated().map { index, channel in
        let parts = channel.label.split(separator: "-")
        return MontageChannel(channelIndex: index, label: channel.label, muscle: Muscle(rawValue: String(parts[0]))!,
                              side: parts[1] == "L" ? .left : .right)
    }, affectedSide: .left)
    Benchmark("synkinesis 16 ch × 120 s × 2 kHz (3.84 M samples)") { benchmark in
        for _ in benchmark.scaledIterations {
            let source = RecordingSource(recording)
            blackHole(try SynkinesisPipeline.run(
                source, montage: montage, tasks: .detect,
                input: InputDescription(path: "generated", sha256: "", header: recording.header)))
        }
    }
}
