import CFFTW
import Foundation

/// Squared DFT magnitudes |X_k|² of one real window, by a single-precision FFTW transform (the values
/// Goertzel's algorithm gives per bin, to about 1e-6 relative, for all bins at the cost of one FFT; the
/// quality check compares power fractions with thresholds like 0.5, where that is far below what matters).
public enum WindowPowerSpectrum {
    /// |X_k|² of `samples − mean` for every `k` in `bins` (0 < k < count/2 expected; others give 0).
    public static func power(of samples: UnsafeBufferPointer<Float>, subtracting mean: Double, bins: [Int]) -> [Double] {
        let n = samples.count
        guard n > 0, let source = samples.baseAddress else { return bins.map { _ in 0 } }
        let plan = FFTPlans.plan(.forwardReal, length: n)
        let input = AlignedFloats(count: n)
        let output = AlignedFloats(count: 2 * (n / 2 + 1))
        let x = input.pointer
        for i in 0..<n { x[i] = Float(Double(source[i]) - mean) }
        plan.forward(x, output.complexPointer)
        let s = output.pointer
        return bins.map { k in
            guard k >= 0, k <= n / 2 else { return 0 }
            let re = Double(s[2 * k]), im = Double(s[2 * k + 1])
            return re * re + im * im
        }
    }
}
