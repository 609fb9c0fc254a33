import Foundation

/// Zeros/poles/gain → second-order sections, a port of `scipy.signal.zpk2sos(..., pairing="nearest")` for
/// digital filters, so that synk's sections equal scipy's row for row.
enum ZPK {
    /// scipy's `_cplxreal`: one of each conjugate pair (positive imaginary part, pair-averaged) and the reals,
    /// sorted as scipy sorts them.
    static func conjugatePairsAndReals(_ values: [Complex]) -> (pairs: [Complex], reals: [Complex]) {
        guard !values.isEmpty else { return ([], []) }
        let tolerance = 100 * Double.ulpOfOne
        // lexsort((|imag|, real)): by real part, then |imag|; stable.
        let sorted = values.enumerated().sorted { a, b in
            if a.element.re != b.element.re { return a.element.re < b.element.re }
            if abs(a.element.im) != abs(b.element.im) { return abs(a.element.im) < abs(b.element.im) }
            return a.offset < b.offset
        }.map(\.element)
        let isRealValue = sorted.map { abs($0.im) <= tolerance * $0.magnitude }
        let reals = zip(sorted, isRealValue).filter { $0.1 }.map { Complex($0.0.re) }
        let complexes = zip(sorted, isRealValue).filter { !$0.1 }.map(\.0)
        var positive = complexes.filter { $0.im > 0 }
        var negative = complexes.filter { $0.im < 0 }
        precondition(positive.count == negative.count, "complex values must come in conjugate pairs")
        // Runs of (approximately) equal real part are sorted by |imag|, stably.
        var start = 0
        while start < positive.count {
            var stop = start
            while stop + 1 < positive.count,
                  positive[stop + 1].re - positive[stop].re <= tolerance * positive[stop].magnitude {
                stop += 1
            }
            if stop > start {
                for chunk in [0, 1] {
                    let run = (chunk == 0 ? positive : negative)[start...stop]
                    let ordered = run.enumerated().sorted { a, b in
                        abs(a.element.im) != abs(b.element.im) ? abs(a.element.im) < abs(b.element.im) : a.offset < b.offset
                    }.map(\.element)
                    if chunk == 0 { positive.replaceSubrange(start...stop, with: ordered) }
                    else { negative.replaceSubrange(start...stop, with: ordered) }
                }
            }
            start = stop + 1
        }
        let pairs = zip(positive, negative).map { p, n in (p + n.conjugate) * 0.5 }
        return (pairs, reals)
    }

    /// Index of the value closest to the unit circle (first on ties, like `np.argmin`).
    private static func worstIndex(_ values: [Complex], among indices: [Int]) -> Int {
        var best = indices[0]
        var bestDistance = abs(1 - values[best].magnitude)
        for i in indices.dropFirst() {
            let d = abs(1 - values[i].magnitude)
            if d < bestDistance { best = i; bestDistance = d }
        }
        return best
    }

    private enum Which { case real, complex, any }

    /// scipy's `_nearest_real_complex_idx`.
    private static func nearestIndex(_ values: [Complex], to target: Complex, _ which: Which) -> Int {
        let order = values.indices.sorted { a, b in
            let da = (values[a] - target).magnitude, db = (values[b] - target).magnitude
            return da != db ? da < db : a < b
        }
        switch which {
        case .any: return order[0]
        case .real: return order.first { values[$0].isReal }!
        case .complex: return order.first { !values[$0].isReal }!
        }
    }

    /// `_single_zpksos`: polynomial coefficients right-aligned in `[b0 b1 b2]` and `[a0 a1 a2]`.
    private static func section(zeros: [Complex], poles: [Complex]) -> [Double] {
        func poly(_ roots: [Complex]) -> [Double] {
            var coefficients = [Complex(1)]
            for r in roots {
                var next = coefficients + [Complex(0)]
                for i in coefficients.indices { next[i + 1] = next[i + 1] - r * coefficients[i] }
                coefficients = next
            }
            return coefficients.map(\.re)
        }
        var row = [Double](repeating: 0, count: 6)
        let b = poly(zeros), a = poly(poles)
        for (i, v) in b.enumerated() { row[3 - b.count + i] = v }
        for (i, v) in a.enumerated() { row[6 - a.count + i] = v }
        return row
    }

    static func sections(zeros inputZeros: [Complex], poles inputPoles: [Complex], gain: Double) -> SecondOrderSections {
        var z = inputZeros, p = inputPoles
        if z.isEmpty && p.isEmpty { return SecondOrderSections([Biquad(b0: gain, b1: 0, b2: 0, a1: 0, a2: 0)]) }
        p += Array(repeating: Complex(0), count: max(z.count - p.count, 0))
        z += Array(repeating: Complex(0), count: max(p.count - z.count, 0))
        let sectionCount = (max(p.count, z.count) + 1) / 2
        if p.count % 2 == 1 {
            p.append(Complex(0))
            z.append(Complex(0))
        }
        let zSplit = conjugatePairsAndReals(z), pSplit = conjugatePairsAndReals(p)
        z = zSplit.pairs + zSplit.reals
        p = pSplit.pairs + pSplit.reals
        var rows = [[Double]](repeating: [0, 0, 0, 0, 0, 0], count: sectionCount)
        for si in stride(from: sectionCount - 1, through: 0, by: -1) {
            let p1Index = worstIndex(p, among: Array(p.indices))
            let p1 = p.remove(at: p1Index)
            let realPolesLeft = p.filter(\.isReal).count
            if p1.isReal && realPolesLeft == 0 {
                // The last remaining real pole pairs with the nearest real zero.
                let z1 = z.remove(at: nearestIndex(z, to: p1, .real))
                rows[si] = section(zeros: [z1, Complex(0)], poles: [p1, Complex(0)])
            } else if p.count + 1 == z.count, !p1.isReal, realPolesLeft == 1, z.filter(\.isReal).count == 1 {
                // One real pole and one real zero left: this complex pole must take a complex zero.
                let z1 = z.remove(at: nearestIndex(z, to: p1, .complex))
                rows[si] = section(zeros: [z1, z1.conjugate], poles: [p1, p1.conjugate])
            } else {
                let p2: Complex
                if p1.isReal {
                    let realIndices = p.indices.filter { p[$0].isReal }
                    p2 = p.remove(at: worstIndex(p, among: realIndices))
                } else {
                    p2 = p1.conjugate
                }
                if !z.isEmpty {
                    let z1 = z.remove(at: nearestIndex(z, to: p1, .any))
                    if !z1.isReal {
                        rows[si] = section(zeros: [z1, z1.conjugate], poles: [p1, p2])
                    } else if !z.isEmpty {
                        let z2 = z.remove(at: nearestIndex(z, to: p1, .real))
                        rows[si] = section(zeros: [z1, z2], poles: [p1, p2])
                    } else {
                        rows[si] = section(zeros: [z1], poles: [p1, p2])
                    }
                } else {
                    rows[si] = section(zeros: [], poles: [p1, p2])
                }
            }
        }
        for i in 0..<3 { rows[0][i] *= gain }
        return SecondOrderSections(rows: rows)
    }
}
