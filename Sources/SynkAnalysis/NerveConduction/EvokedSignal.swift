import Foundation

/// Small signal helpers for evoked responses (double precision, epoch-sized inputs).
enum EvokedSignal {
    /// Zero-phase second-order Butterworth low-pass (forward and backward, so the magnitude response is
    /// squared and the phase is zero: latencies are not shifted). The ends are padded with their edge
    /// value for 4/fc so the filter settles outside the data. Returns the input when `cutoffHz` is at or
    /// above 0.45·rate.
    static func zeroPhaseLowPass(_ x: [Double], cutoffHz: Double, sampleRate: Double) -> [Double] {
        guard !x.isEmpty, cutoffHz > 0, cutoffHz < 0.45 * sampleRate else { return x }
        let k = tan(Double.pi * cutoffHz / sampleRate)
        let norm = 1 / (1 + 2.0.squareRoot() * k + k * k)
        let b0 = k * k * norm, b1 = 2 * b0, b2 = b0
        let a1 = 2 * (k * k - 1) * norm, a2 = (1 - 2.0.squareRoot() * k + k * k) * norm
        let pad = min(Int((4 * sampleRate / cutoffHz).rounded(.up)), 10 * x.count)
        var padded = [Double](repeating: x[0], count: pad) + x + [Double](repeating: x[x.count - 1], count: pad)
        func pass(_ y: inout [Double]) {
            // Start in the steady state of the first value so the padding does not ring.
            var x1 = y[0], x2 = y[0], y1 = y[0], y2 = y[0]
            for i in y.indices {
                let input = y[i]
                let output = b0 * input + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
                x2 = x1; x1 = input; y2 = y1; y1 = output
                y[i] = output
            }
        }
        pass(&padded)
        padded.reverse()
        pass(&padded)
        padded.reverse()
        return Array(padded[pad..<(pad + x.count)])
    }

    /// RMS gain of ``zeroPhaseLowPass(_:cutoffHz:sampleRate:)`` for white noise (the root of the sum of
    /// squares of its impulse response).
    static func whiteNoiseGain(cutoffHz: Double, sampleRate: Double) -> Double {
        guard cutoffHz > 0, cutoffHz < 0.45 * sampleRate else { return 1 }
        let half = Int((20 * sampleRate / cutoffHz).rounded(.up))
        var impulse = [Double](repeating: 0, count: 2 * half + 1)
        impulse[half] = 1
        let response = zeroPhaseLowPass(impulse, cutoffHz: cutoffHz, sampleRate: sampleRate)
        return response.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    static func mean(_ x: ArraySlice<Double>) -> Double {
        x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count)
    }

    /// Pearson correlation of two equally long series; `nil` when either is constant.
    static func correlation(_ x: [Double], _ y: [Double]) -> Double? {
        let n = min(x.count, y.count)
        guard n > 2 else { return nil }
        var mx = 0.0, my = 0.0
        for i in 0..<n { mx += x[i]; my += y[i] }
        mx /= Double(n); my /= Double(n)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in 0..<n {
            let a = x[i] - mx, b = y[i] - my
            sxy += a * b; sxx += a * a; syy += b * b
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    static func standardDeviation(_ x: ArraySlice<Double>) -> Double {
        guard x.count > 1 else { return 0 }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }

    /// Least-squares parabola through `y[lo...hi]` (index as abscissa); returns the vertex (index, value)
    /// when it lies inside the range and the parabola opens the expected way, else the extreme sample.
    static func parabolicExtremum(_ y: [Double], lo: Int, hi: Int, minimum: Bool) -> (index: Double, value: Double) {
        let lo = max(0, lo), hi = min(y.count - 1, hi)
        var best = lo
        for i in lo...hi where minimum ? y[i] < y[best] : y[i] > y[best] { best = i }
        guard hi - lo >= 2 else { return (Double(best), y[best]) }
        // Centre the abscissa on `best` for conditioning.
        var s = [Double](repeating: 0, count: 5), t = [Double](repeating: 0, count: 3)
        for i in lo...hi {
            let u = Double(i - best)
            var p = 1.0
            for k in 0..<5 { s[k] += p; if k < 3 { t[k] += p * y[i] }; p *= u }
        }
        // Normal equations for c0 + c1·u + c2·u².
        let m = [[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]]
        guard let c = solve3(m, t), c[2] != 0, (c[2] > 0) == minimum else { return (Double(best), y[best]) }
        let u = -c[1] / (2 * c[2])
        guard u >= Double(lo - best), u <= Double(hi - best) else { return (Double(best), y[best]) }
        return (Double(best) + u, c[0] + c[1] * u + c[2] * u * u)
    }

    static func solve3(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        func det(_ m: [[Double]]) -> Double {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        }
        let d = det(a)
        guard d != 0, d.isFinite else { return nil }
        var result: [Double] = []
        for col in 0..<3 {
            var m = a
            for r in 0..<3 { m[r][col] = b[r] }
            result.append(det(m) / d)
        }
        return result
    }
}
