import CFFTW
import Foundation
import SynkCore

/// Squared DFT magnitudes |X_k|² of one real window, by a single-precision FFTW transform (the values
/// Goertzel's algorithm gives per bin, to about 1e-6 relative, for all bins at the cost of one FFT; the
/// quality check compares power fractions with thresholds like 0.5, where that is far below what matters).
public enum WindowPowerSpectrum {
    /// |X_k|² of `samples − mean` for every `k` in `bins` (0 < k < count/2 expected; others give 0).
    public static func power(of samples: UnsafeBufferPointer<Float>, subtracting mean: Double, bins: [Int]) throws(SynkError) -> [Double] {
        let n = samples.count
        guard n > 0, let source = samples.baseAddress else { return bins.map { _ in 0 } }
        let plan = FFTPlans.plan(.forwardReal, length: n)
        let input = try AlignedFloats(count: n)
        let output = try AlignedFloats(count: 2 * (n / 2 + 1))
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

extension WindowPowerSpectrum {
    /// One channel's window being filled, and the FFT that measures it: the plan and aligned buffers are made
    /// once and reused for every window (a long recording has thousands per channel).
    ///
    /// Samples are stored shifted by the window's first sample. That changes only the DC bin, so every bin
    /// k ≥ 1 is |X_k|² of the window itself, and the window's centred energy Σ(x − mean)² is the power of the
    /// bins k ≥ 1 (Parseval), with no pass over the samples; the shift keeps single precision exact for
    /// signals with a large offset (ADC counts), where the DC bin would otherwise dwarf the rest.
    ///
    /// The buffers grow with the samples that arrive (doubling, up to one window) and the spectrum's is made at
    /// the first full window, so memory follows the data a file holds, never what its header declares (a
    /// one-frame file claiming 10 MHz allocates kilobytes, not 80 MB per channel). Should an allocation fail
    /// nonetheless, the workspace stops measuring: ``isUnavailable`` is set and windows are never full.
    ///
    /// `@unchecked Sendable`: it holds FFTW buffers and is used by one thread at a time (its channel's).
    public final class Workspace: @unchecked Sendable {
        /// Samples per window.
        public let length: Int
        /// Samples in the current window so far.
        public private(set) var filled = 0
        /// Whether a buffer could not be allocated (no window is measured then).
        public private(set) var isUnavailable = false
        private var origin: Float = 0
        private var plan: FFTPlan?
        private var input: AlignedFloats?
        private var output: AlignedFloats?

        public init(length: Int) {
            precondition(length >= 1)
            self.length = length
        }

        public var isFull: Bool { filled == length }

        /// Appends up to the window's remaining room from `samples`; returns how many were taken.
        public func append(_ samples: UnsafeBufferPointer<Float>) -> Int {
            let take = min(length - filled, samples.count)
            guard take > 0, let source = samples.baseAddress else { return 0 }
            if isUnavailable { return take }
            guard let target = room(for: filled + take) else { return take }
            if filled == 0 { origin = source[0] }
            let start = target + filled, origin = self.origin
            for i in 0..<take { start[i] = source[i] - origin }
            filled += take
            return take
        }

        /// The input buffer with room for `count` samples, grown (contents kept) when needed.
        private func room(for count: Int) -> UnsafeMutablePointer<Float>? {
            if let input, input.count >= count { return input.pointer }
            let capacity = min(length, max(4096, count, 2 * (input?.count ?? 0)))
            do {
                let grown = try AlignedFloats(count: capacity)
                if let input, filled > 0 { grown.pointer.update(from: input.pointer, count: filled) }
                input = grown
                return grown.pointer
            } catch {
                isUnavailable = true
                filled = 0
                input = nil
                return nil
            }
        }

        /// Drops the current window (a gap in the signal breaks it).
        public func reset() { filled = 0 }

        /// For a full window: writes |X_k|² for every k in `bins` (1 ≤ k ≤ length/2; others 0) to `powers` and
        /// returns the centred energy Σ(x − mean)²; then starts the next window.
        public func measure(bins: [Int], into powers: inout [Double]) -> Double {
            precondition(isFull, "measure a full window")
            if output == nil {
                do { output = try AlignedFloats(count: 2 * (length / 2 + 1)) } catch {
                    isUnavailable = true
                    filled = 0
                    input = nil
                    powers = bins.map { _ in 0 }
                    return 0
                }
            }
            guard let input, let output else { return 0 }
            let plan = self.plan ?? FFTPlans.plan(.forwardReal, length: length)
            self.plan = plan
            plan.forward(input.pointer, output.complexPointer)
            let s = output.pointer
            let n = length
            func power(_ k: Int) -> Double {
                let re = Double(s[2 * k]), im = Double(s[2 * k + 1])
                return re * re + im * im
            }
            // Σ|X_k|² over k = 1…lastPair, four bins per step into two four-lane accumulators (one running sum
            // would wait on each add in turn).
            let lastPair = (n - 1) / 2
            let raw = UnsafeRawPointer(s)
            var even = SIMD4<Double>(), odd = SIMD4<Double>()
            var k = 1
            while k + 3 <= lastPair {
                let a = SIMD4<Double>(raw.loadUnaligned(fromByteOffset: 8 * k, as: SIMD4<Float>.self))
                let b = SIMD4<Double>(raw.loadUnaligned(fromByteOffset: 8 * (k + 2), as: SIMD4<Float>.self))
                even += a * a
                odd += b * b
                k += 4
            }
            var ac = (even + odd).sum()
            while k <= lastPair {
                ac += power(k)
                k += 1
            }
            var total = 2 * ac
            if n % 2 == 0 && n >= 2 { total += power(n / 2) }
            powers.removeAll(keepingCapacity: true)
            for k in bins { powers.append(k >= 1 && k <= n / 2 ? power(k) : 0) }
            filled = 0
            return total / Double(n)
        }
    }
}
