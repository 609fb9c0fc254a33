/// FFT lengths that FFTW transforms fastest: products of 2, 3 and 5.
public enum FFTSize {
    /// The smallest 2^a·3^b·5^c that is ≥ `n` (n ≥ 1).
    public static func fast(atLeast n: Int) -> Int {
        precondition(n >= 1, "FFT length must be positive")
        var best = Int.max
        var p5 = 1
        while p5 < 2 * n {
            var p35 = p5
            while p35 < 2 * n {
                var candidate = p35
                while candidate < n { candidate *= 2 }
                best = min(best, candidate)
                p35 *= 3
            }
            p5 *= 5
        }
        return best
    }
}
