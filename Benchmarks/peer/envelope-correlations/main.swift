// synk's side of the peer comparison's numbers: reads the envelopes that `synk filter --envelope linear:6hz
// --decimate 100` wrote (a float WAV/RF64, one channel per envelope) and computes, with synk's correlation
// kernel (Sources/SynkAnalysis/Correlation/, compiled in with swiftc -O by run.sh), the same measures as
// scipy_pipeline.py in the same JSON layout: the whole-recording matrix, the matrices of consecutive 10 s
// windows and the peak ±200 ms cross-correlation of every ipsilateral pair (first half of the channels left).
//
// usage: envelope-correlations ENVELOPES.wav OUT.json
import Foundation

func readFloatWAV(_ path: String) throws -> (channels: [[Float]], rate: Double) {
    let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
    func u32(_ at: Int) -> UInt32 { data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) } }
    func u16(_ at: Int) -> UInt16 { data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt16.self) } }
    var offset = 12, channelCount = 0, rate = 0.0
    while offset + 8 <= data.count {
        let id = String(decoding: data[offset..<offset + 4], as: UTF8.self)
        let size = Int(u32(offset + 4))
        if id == "fmt " {
            channelCount = Int(u16(offset + 10))
            rate = Double(u32(offset + 12))
        } else if id == "data" {
            let start = offset + 8
            let frames = (data.count - start) / (4 * channelCount)   // RF64 keeps the real size in ds64
            var channels = [[Float]](repeating: [Float](repeating: 0, count: frames), count: channelCount)
            data.withUnsafeBytes { raw in
                for f in 0..<frames {
                    for c in 0..<channelCount {
                        channels[c][f] = raw.loadUnaligned(fromByteOffset: start + 4 * (f * channelCount + c), as: Float.self)
                    }
                }
            }
            return (channels, rate)
        }
        offset += 8 + size + (size & 1)
    }
    throw CocoaError(.fileReadCorruptFile)
}

let args = CommandLine.arguments
let (envelopes, rate) = try readFloatWAV(args[1])
func rows(_ m: CorrelationMatrix) -> [[Double]] { (0..<m.count).map { i in (0..<m.count).map { j in m[i, j] ?? 0 } } }
let whole = EnvelopeCorrelation.matrix(envelopes)
let window = Int((10 * rate).rounded())
let frames = envelopes.first?.count ?? 0
var windows: [[[Double]]] = []
var start = 0
while start + window <= frames {
    windows.append(rows(EnvelopeCorrelation.matrix(envelopes.map { Array($0[start..<(start + window)]) })))
    start += window
}
let maxLag = Int((0.2 * rate).rounded())
let c = envelopes.count, half = c / 2
var pairs: [[String: Any]] = []
for side in [0..<half, half..<c] {
    for i in side {
        for j in side where i < j {
            if let peak = EnvelopeCorrelation.peakCrossCorrelation(driver: envelopes[i], follower: envelopes[j], maxLag: maxLag) {
                pairs.append(["a": i, "b": j, "peak": peak.coefficient, "lag_ms": 1000 * Double(peak.lag) / rate])
            }
        }
    }
}
let object: [String: Any] = ["envelope_rate_hz": rate, "whole": rows(whole), "windows": windows, "xcorr": pairs]
try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: args[2]))
