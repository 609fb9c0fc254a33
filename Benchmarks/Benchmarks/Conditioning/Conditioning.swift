import Benchmark
import BenchSupport
import SynkDSP

// The zero-phase band-pass (samples/s) and the envelopes of raw EMG at 2 kHz; 60 s of one channel per
// iteration (120 000 samples), so samples/s = 120 000 / wall time of one iteration.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .instructions, .mallocCountTotal], maxDuration: .seconds(2), maxIterations: 100)
    let rate = 2000.0
    let signal = Generated.emg(channels: 1, seconds: 60, rate: rate)[0]
    let band = FilterDesign.butterworth(Butterworth(order: 4, band: .bandPass(20...450)))

    Benchmark("zero-phase band-pass 20-450 Hz, 120 000 samples") { benchmark in
        for _ in benchmark.scaledIterations {
            let filter = try ZeroPhaseFilter(design: band, sampleRate: rate)
            blackHole(filter.filter(signal))
        }
    }
    let methods: [(String, EnvelopeMethod)] = [
        ("moving RMS 100 ms", .movingRMS(window: 0.1)), ("linear 6 Hz", .linear(cutoff: 6)), ("TKEO", .tkeo),
    ]
    for (name, method) in methods {
        Benchmark("envelope \(name), 120 000 samples") { benchmark in
            for _ in benchmark.scaledIterations {
                let envelope = try EnvelopeFilter(method: method, sampleRate: rate)
                blackHole(envelope.envelope(signal))
            }
        }
    }
    Benchmark("conditioning default (band-pass, RMS, decimate to 200 Hz), 120 000 samples") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try ChannelConditioner.condition([signal], .default, sampleRate: rate))
        }
    }
}
