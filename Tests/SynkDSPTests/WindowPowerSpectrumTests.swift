import Foundation
import Testing
import SynkDSP

@Suite("Window power spectrum: |X_k|² of one real window")
struct WindowPowerSpectrumTests {
    @Test("a sinusoid on bin k has |X_k|² = (A·N/2)² and nothing on other bins; the mean is removed")
    func sinusoidOnBin() {
        // N = 1000, A = 3, frequency 50 cycles per window, offset 7: X_50 = A·N/2 = 1500 (hand calculation),
        // every other bin 0 once the offset (the mean) is subtracted.
        let n = 1000
        let samples = (0..<n).map { i in Float(7 + 3 * cos(2 * Double.pi * 50 * Double(i) / Double(n) + 0.3)) }
        let powers = samples.withUnsafeBufferPointer { buffer in
            WindowPowerSpectrum.power(of: buffer, subtracting: 7, bins: [49, 50, 51, 120])
        }
        #expect(abs(powers[1] - 1500 * 1500) <= 1e-4 * 1500 * 1500)
        for k in [0, 2, 3] { #expect(powers[k] <= 1e-6 * 1500 * 1500) }
    }

    @Test("bins outside 0...N/2 give 0")
    func outside() {
        let samples: [Float] = [1, 2, 3, 4]
        let powers = samples.withUnsafeBufferPointer { WindowPowerSpectrum.power(of: $0, subtracting: 0, bins: [-1, 3]) }
        #expect(powers == [0, 0])
    }
}
