import CFFTW
import Foundation

/// Squared DFT magnitudes |X_k|² of one real window, by a double-precision FFTW transform (the same
/// values Goertzel's algorithm gives per bin, to rounding, for all bins at the cost of one FFT).
public enum WindowPowerSpectrum {
    /// |X_k|² of `samples − mean` for every `k` in `bins` (0 < k < count/2 expected; others give 0).
    public static func power(of samples: UnsafeBufferPointer<Float>, subtracting mean: Double, bins: [Int]) -> [Double] {
        let n = samples.count
        guard n > 0, let source = samples.baseAddress else { return bins.map { _ in 0 } }
        let plan = FFTPlans.plan(.forwardRealDouble, length: n)
        let input = AlignedDoubles(count: n)
        let output = AlignedDoubles(count: 2 * (n / 2 + 1))
        let x = input.pointer
        for i in 0..<n { x[i] = Double(source[i]) - mean }
        plan.forward(x, output.complexPointer)
        let s = output.pointer
        return bins.map { k in
            guard k >= 0, k <= n / 2 else { return 0 }
            return s[2 * k] * s[2 * k] + s[2 * k + 1] * s[2 * k + 1]
        }
    }
}
