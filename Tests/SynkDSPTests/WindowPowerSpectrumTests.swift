import Foundation
import Testing
import SynkDSP

@Suite("Window power spectrum: |X_k|² of one real window")
struct WindowPowerSpectrumTests {
    @Test("a sinusoid on bin k has |X_k|² = (A·N/2)² and nothing on other bins; the mean is removed")
    func sinusoidOnBin() throws {
        // N = 1000, A = 3, frequency 50 cycles per window, offset 7: X_50 = A·N/2 = 1500 (hand calculation),
        // every other bin 0 once the offset (the mean) is subtracted.
        let n = 1000
        let samples = (0..<n).map { i in Float(7 + 3 * cos(2 * Double.pi * 50 * Double(i) / Double(n) + 0.3)) }
        let powers = try samples.withUnsafeBufferPointer { buffer in
            try WindowPowerSpectrum.power(of: buffer, subtracting: 7, bins: [49, 50, 51, 120])
        }
        #expect(abs(powers[1] - 1500 * 1500) <= 1e-4 * 1500 * 1500)
        for k in [0, 2, 3] { #expect(powers[k] <= 1e-6 * 1500 * 1500) }
    }

    @Test("bins outside 0...N/2 give 0")
    func outside() throws {
        let samples: [Float] = [1, 2, 3, 4]
        let powers = try samples.withUnsafeBufferPointer { try WindowPowerSpectrum.power(of: $0, subtracting: 0, bins: [-1, 3]) }
        #expect(powers == [0, 0])
    }

    @Test("the reusable workspace: on an ADC-count signal (offset 2048) the centred energy equals Σ(x − mean)² within 1e-5 and the bins equal the one-shot spectrum, window after window, in pieces of any size",
          arguments: [1000, 999])
    func workspace(n: Int) throws {
        var state: UInt64 = 42
        func noise() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        let workspace = WindowPowerSpectrum.Workspace(length: n)
        var powers: [Double] = []
        for window in 0..<3 {
            let samples = (0..<n).map { i in
                Float((2048 + 10 * noise() + 4 * sin(2 * Double.pi * 50 * Double(i) / Double(n))).rounded())
            }
            let mean = samples.reduce(0.0) { $0 + Double($1) } / Double(n)
            let direct = samples.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
            var offset = 0
            for piece in [1, 333, n] where offset < n {
                let take = min(piece, n - offset)
                let taken = samples[offset..<(offset + take)].withUnsafeBufferPointer { workspace.append($0) }
                #expect(taken == take)
                offset += take
            }
            #expect(workspace.isFull)
            let energy = workspace.measure(bins: [1, 50, n / 2, n], into: &powers)
            #expect(abs(energy - direct) <= 1e-5 * direct, "window \(window): \(energy) vs \(direct)")
            let oneShot = try samples.withUnsafeBufferPointer { try WindowPowerSpectrum.power(of: $0, subtracting: mean, bins: [1, 50, n / 2, n]) }
            for k in 0..<3 { #expect(abs(powers[k] - oneShot[k]) <= 1e-4 * oneShot[1] + 1e-3, "bin \(k)") }
            #expect(powers[3] == 0 && oneShot[3] == 0)
            #expect(workspace.filled == 0)
        }
    }
}
