import CSynkKernels

/// Reductions with several independent `Double` lanes.
///
/// A plain `for` loop summing into one `Double` is a serial dependency chain that the compiler may
/// not reorder (floating-point addition is not associative), so it runs one add per cycle at best.
/// Four-lane SIMD accumulators give the compiler explicit permission to add in parallel; the order
/// change only moves rounding at the 1e-16 level.
enum SIMDReductions {
    @inline(__always)
    static func load4(_ base: UnsafePointer<Float>, _ i: Int) -> SIMD4<Double> {
        SIMD4<Double>(UnsafeRawPointer(base + i).loadUnaligned(as: SIMD4<Float>.self))
    }

    @inline(__always)
    static func load4(_ base: UnsafePointer<Double>, _ i: Int) -> SIMD4<Double> {
        UnsafeRawPointer(base + i).loadUnaligned(as: SIMD4<Double>.self)
    }

    /// Σ x[i] and Σ y[i] over `lower..<upper`.
    static func sums(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ lower: Int, _ upper: Int) -> (Double, Double) {
        var ax = SIMD4<Double>(), ay = SIMD4<Double>()
        var i = lower
        while i + 4 <= upper {
            ax += load4(x, i)
            ay += load4(y, i)
            i += 4
        }
        var sx = ax.sum(), sy = ay.sum()
        while i < upper {
            sx += Double(x[i])
            sy += Double(y[i])
            i += 1
        }
        return (sx, sy)
    }

    /// Σ x[i] and Σ x[i]² over `0..<count`.
    static func sumAndSquares(_ x: UnsafePointer<Float>, _ count: Int) -> (sum: Double, squares: Double) {
        var a = SIMD4<Double>(), a2 = SIMD4<Double>()
        var i = 0
        while i + 4 <= count {
            let v = load4(x, i)
            a += v
            a2 += v * v
            i += 4
        }
        var s = a.sum(), s2 = a2.sum()
        while i < count {
            let v = Double(x[i])
            s += v
            s2 += v * v
            i += 1
        }
        return (s, s2)
    }

    /// Centred second moments Σ(x−mx)², Σ(y−my)², Σ(x−mx)(y−my) over `lower..<upper`.
    static func centredMoments(
        _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ mx: Double, _ my: Double, _ lower: Int, _ upper: Int
    ) -> (sxx: Double, syy: Double, sxy: Double) {
        var axx = SIMD4<Double>(), ayy = SIMD4<Double>(), axy = SIMD4<Double>()
        let vmx = SIMD4<Double>(repeating: mx), vmy = SIMD4<Double>(repeating: my)
        var i = lower
        while i + 4 <= upper {
            let dx = load4(x, i) - vmx
            let dy = load4(y, i) - vmy
            axx += dx * dx
            ayy += dy * dy
            axy += dx * dy
            i += 4
        }
        var sxx = axx.sum(), syy = ayy.sum(), sxy = axy.sum()
        while i < upper {
            let dx = Double(x[i]) - mx, dy = Double(y[i]) - my
            sxx += dx * dx
            syy += dy * dy
            sxy += dx * dy
            i += 1
        }
        return (sxx, syy, sxy)
    }

    /// Whether ``dot(_:_:_:)`` runs the AVX2+FMA kernel of `CSynkKernels` (see `synk_kernels_enabled`; the same
    /// decision as SynkCore's `VectorKernels.enabled`, asked directly because this folder also compiles alone).
    static let vectorKernel = synk_kernels_enabled() != 0

    /// Σ a[i]·b[i] for i in 0..<count.
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
        if vectorKernel { return synk_dot_f64_avx2(a, b, count) }
        return swiftDot(a, b, count)
    }

    /// `sums[k] = dot(x, y + k, count)` for k in 0..<lags, the same values bit for bit; the AVX2+FMA kernel
    /// takes four lags per pass over x.
    static func laggedDots(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ count: Int, lags: Int,
                           into sums: UnsafeMutablePointer<Double>) {
        if vectorKernel { return synk_lagged_dots_f64_avx2(x, y, count, Int32(lags), sums) }
        for k in 0..<lags { sums[k] = swiftDot(x, y + k, count) }
    }

    /// ``dot(_:_:_:)`` in Swift: the reference, and the path on processors without AVX2+FMA.
    static func swiftDot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
        var acc0 = SIMD4<Double>(), acc1 = SIMD4<Double>()
        var i = 0
        while i + 8 <= count {
            acc0 += load4(a, i) * load4(b, i)
            acc1 += load4(a, i + 4) * load4(b, i + 4)
            i += 8
        }
        var s = (acc0 + acc1).sum()
        while i < count {
            s += a[i] * b[i]
            i += 1
        }
        return s
    }
}
