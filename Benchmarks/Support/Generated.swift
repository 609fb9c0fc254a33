import Foundation
import SynkCore

/// Deterministic synthetic data for benchmarks (a fixed-seed generator, so every run measures the same input).
public enum Generated {
    /// SplitMix64 → uniform in [0, 1).
    public struct Random {
        var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        /// Roughly normal (sum of 4 uniforms, centred and scaled).
        public mutating func gaussian() -> Double { (next() + next() + next() + next() - 2) * 1.732 }
    }

    /// `channels` smooth envelope-like series of `length` samples: a shared slow rhythm plus each
    /// channel's own, so pairs have a range of correlations (as decimated facial EMG envelopes do).
    public static func envelopes(channels: Int, length: Int, seed: UInt64 = 1) -> [[Float]] {
        var random = Random(seed: seed)
        return (0..<channels).map { c in
            let weight = Double(c % 4) / 4
            let phase = random.next() * 6.283
            var smooth = 0.0
            return (0..<length).map { i in
                let t = Double(i) / 200
                smooth = 0.95 * smooth + 0.05 * random.gaussian()
                let common = 0.5 + 0.5 * sin(2 * 3.14159 * 0.1 * t)
                let own = 0.5 + 0.5 * sin(2 * 3.14159 * (0.05 + 0.01 * Double(c)) * t + phase)
                return Float(20 + 150 * (weight * common + (1 - weight) * own) + 5 * smooth)
            }
        }
    }

    /// Raw sEMG-like channels at `rate` Hz: first-differenced noise modulated by the envelopes above.
    public static func emg(channels: Int, seconds: Double, rate: Double = 2000, seed: UInt64 = 2) -> [[Float]] {
        let n = Int(seconds * rate)
        var random = Random(seed: seed)
        return (0..<channels).map { c in
            let weight = Double(c % 4) / 4
            var previous = 0.0
            return (0..<n).map { i in
                let t = Double(i) / rate
                let common = 0.5 + 0.5 * sin(2 * 3.14159 * 0.1 * t)
                let own = 0.5 + 0.5 * sin(2 * 3.14159 * (0.05 + 0.01 * Double(c)) * t)
                let g = random.gaussian()
                defer { previous = g }
                return Float((20 + 150 * (weight * common + (1 - weight) * own)) * (g - previous) / 1.414)
            }
        }
    }

    /// A 16-channel recording (8 muscles × 2 sides, labelled e.g. `OOc-L`) of generated EMG.
    public static func recording(seconds: Double, rate: Double = 2000) throws -> Recording {
        let muscles = ["FRO", "COR", "OOc", "NAS", "ZYG", "BUC", "OOr", "DAO"]
        let labels = ["L", "R"].flatMap { side in muscles.map { "\($0)-\(side)" } }
        let samples = emg(channels: labels.count, seconds: seconds, rate: rate)
        let header = RecordingHeader(
            sampleRate: rate, frameCount: samples[0].count,
            channels: labels.map { ChannelInfo(label: $0, unit: .microvolt, kind: .emg) })
        return try Recording(header: header, samples: samples)
    }
}

