// synk's side of the peer comparison (Benchmarks/peer/run.sh): the same measures as
// peer/scipy_pipeline.py, computed by synk's own streaming pipeline and correlation kernel, written in
// the same JSON layout so the two can be compared number by number.
//
// usage: synk-peer IN.wav OUT.json [--envelope-rate 100] [--window-seconds 10] [--max-lag-seconds 0.2]
//
// Conditioning: 4th-order Butterworth 20-450 Hz zero-phase band-pass → rectification → 6 Hz 4th-order
// zero-phase low-pass (synk's `linear:6hz` envelope) → decimation to 100 Hz (synk's anti-aliased
// decimation; the scipy script keeps every 20th sample, which after the 6 Hz low-pass differs by far
// less than the 0.01 tolerance). The first half of the channels is the left side, the rest the right.
import Foundation
import SynkAnalysis
import SynkCore
import SynkDSP
import SynkIO

func option(_ name: String, _ fallback: Double) -> Double {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count, let value = Double(args[i + 1]) { return value }
    return fallback
}

let args = CommandLine.arguments
guard args.count >= 3 else {
    FileHandle.standardError.write(Data("usage: synk-peer IN.wav OUT.json\n".utf8))
    exit(2)
}
do {
    let source = try RecordingReader.open(args[1])
    let header = source.header
    let conditioning = ConditioningDescription(
        envelope: .linear(cutoff: 6), decimation: Decimation(targetRate: option("--envelope-rate", 100)))
    let conditioned = try SynkinesisPipeline.condition(
        source, channels: Array(header.channels.indices), conditioning: conditioning)
    let envelopes = conditioned.envelopes.envelopes
    let rate = conditioned.envelopes.sampleRate
    func rows(_ m: CorrelationMatrix) -> [[Double]] {
        (0..<m.count).map { i in (0..<m.count).map { j in m[i, j] ?? 0 } }
    }
    let whole = EnvelopeCorrelation.matrix(envelopes)
    let window = Int((option("--window-seconds", 10) * rate).rounded())
    let frames = envelopes.first?.count ?? 0
    var windows: [[[Double]]] = []
    var start = 0
    while start + window <= frames {
        windows.append(rows(EnvelopeCorrelation.matrix(envelopes.map { Array($0[start..<(start + window)]) })))
        start += window
    }
    let maxLag = Int((option("--max-lag-seconds", 0.2) * rate).rounded())
    let c = envelopes.count, half = c / 2
    var pairs: [[String: Double]] = []
    for side in [0..<half, half..<c] {
        for i in side {
            for j in side where i < j {
                // driver = a, follower = b: lag k pairs a[t] with b[t + k], as the scipy script's lag.
                if let peak = EnvelopeCorrelation.peakCrossCorrelation(driver: envelopes[i], follower: envelopes[j], maxLag: maxLag) {
                    pairs.append(["a": Double(i), "b": Double(j), "peak": peak.coefficient, "lag_ms": 1000 * Double(peak.lag) / rate])
                }
            }
        }
    }
    let object: [String: Any] = [
        "envelope_rate_hz": rate, "whole": rows(whole), "windows": windows,
        "xcorr": pairs.map { p in ["a": Int(p["a"]!), "b": Int(p["b"]!), "peak": p["peak"]!, "lag_ms": p["lag_ms"]!] as [String: Any] },
    ]
    let data = try JSONSerialization.data(withJSONObject: object)
    try data.write(to: URL(fileURLWithPath: args[2]))
} catch {
    FileHandle.standardError.write(Data("synk-peer: \(error)\n".utf8))
    exit(1)
}
