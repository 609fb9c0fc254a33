import Foundation

/// A double-precision complex number, for filter design (poles, zeros, bilinear transforms).
struct Complex: Equatable {
    var re: Double
    var im: Double

    init(_ re: Double, _ im: Double = 0) {
        self.re = re
        self.im = im
    }

    static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    static prefix func - (a: Complex) -> Complex { Complex(-a.re, -a.im) }
    static func * (a: Complex, b: Complex) -> Complex {
        Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
    }
    static func * (a: Complex, s: Double) -> Complex { Complex(a.re * s, a.im * s) }
    static func / (a: Complex, b: Complex) -> Complex {
        // Smith's algorithm, as C99/numpy do, to avoid overflow.
        if abs(b.re) >= abs(b.im) {
            let r = b.im / b.re
            let d = b.re + b.im * r
            return Complex((a.re + a.im * r) / d, (a.im - a.re * r) / d)
        } else {
            let r = b.re / b.im
            let d = b.re * r + b.im
            return Complex((a.re * r + a.im) / d, (a.im * r - a.re) / d)
        }
    }

    var conjugate: Complex { Complex(re, -im) }
    var magnitude: Double { hypot(re, im) }
    var isReal: Bool { im == 0 }

    /// The principal square root (branch cut along the negative real axis, sign of the imaginary part kept).
    var squareRoot: Complex {
        let r = magnitude
        if r == 0 { return Complex(0, im) }
        let real = (0.5 * (r + abs(re))).squareRoot()
        if re >= 0 {
            return Complex(real, im / (2 * real))
        } else {
            return Complex(abs(im) / (2 * real), im.sign == .minus ? -real : real)
        }
    }

    static func exp(_ z: Complex) -> Complex {
        let m = Foundation.exp(z.re)
        return Complex(m * cos(z.im), m * sin(z.im))
    }
}

extension Array where Element == Complex {
    /// The product of all elements (1 for an empty array).
    var product: Complex { reduce(Complex(1)) { $0 * $1 } }
}
