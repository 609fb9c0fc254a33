import CFFTW
import Foundation

/// One FFTW plan, created once by ``FFTPlans`` and shared by every thread.
///
/// `@unchecked Sendable`: an FFTW plan is immutable once made, and executing it through the new-array
/// functions (`fftwf_execute_dft_r2c` and kin) on other `fftwf_malloc`-aligned buffers is thread-safe
/// (FFTW manual §5.4, "Thread safety"). Only planning is not, and planning happens under ``FFTPlans``' lock.
public struct FFTPlan: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The transform length (real samples for r2c/c2r, complex points for c2c).
    public let length: Int
}

/// A process-wide cache of FFTW plans, one per (kind, length), planned once with `FFTW_ESTIMATE`.
///
/// Plans are made for out-of-place transforms on SIMD-aligned buffers; callers execute them on their own
/// buffers from ``FFTBuffer`` (or `fftwf_malloc`), never in place.
public enum FFTPlans {
    /// The kinds of transform synk uses.
    public enum Kind: Hashable, Sendable {
        /// Float real → half complex spectrum (n/2+1 points).
        case forwardReal
        /// Float half complex spectrum → real (unnormalised).
        case inverseReal
        /// Float complex → complex, inverse direction (unnormalised).
        case inverseComplex
        /// Double real → half complex spectrum.
        case forwardRealDouble
        /// Double half complex spectrum → real (unnormalised).
        case inverseRealDouble
    }

    private struct Key: Hashable {
        var kind: Kind
        var length: Int
    }

    /// `@unchecked Sendable`: the dictionary is only touched while `lock` is held.
    private final class Store: @unchecked Sendable {
        let lock = NSLock()
        var plans: [Key: FFTPlan] = [:]
    }

    private static let store = Store()

    /// The plan for a transform of `length` points, made on first use (thread-safe).
    public static func plan(_ kind: Kind, length: Int) -> FFTPlan {
        precondition(length >= 1, "FFT length must be positive")
        let key = Key(kind: kind, length: length)
        store.lock.lock()
        defer { store.lock.unlock() }
        if let plan = store.plans[key] { return plan }
        let plan = FFTPlan(pointer: makePlan(kind, length: length), length: length)
        store.plans[key] = plan
        return plan
    }

    /// Plans with scratch arrays of the right alignment; FFTW_ESTIMATE never touches their contents.
    private static func makePlan(_ kind: Kind, length n: Int) -> OpaquePointer {
        let count = Int32(n)
        let flags = UInt32(FFTW_ESTIMATE)
        let complexCount = n / 2 + 1
        switch kind {
        case .forwardReal:
            let input = fftwf_alloc_real(n)!, output = fftwf_alloc_complex(complexCount)!
            defer { fftwf_free(input); fftwf_free(output) }
            return fftwf_plan_dft_r2c_1d(count, input, output, flags)
        case .inverseReal:
            let input = fftwf_alloc_complex(complexCount)!, output = fftwf_alloc_real(n)!
            defer { fftwf_free(input); fftwf_free(output) }
            return fftwf_plan_dft_c2r_1d(count, input, output, flags)
        case .inverseComplex:
            let input = fftwf_alloc_complex(n)!, output = fftwf_alloc_complex(n)!
            defer { fftwf_free(input); fftwf_free(output) }
            return fftwf_plan_dft_1d(count, input, output, FFTW_BACKWARD, flags)
        case .forwardRealDouble:
            let input = fftw_alloc_real(n)!, output = fftw_alloc_complex(complexCount)!
            defer { fftw_free(input); fftw_free(output) }
            return fftw_plan_dft_r2c_1d(count, input, output, flags)
        case .inverseRealDouble:
            let input = fftw_alloc_complex(complexCount)!, output = fftw_alloc_real(n)!
            defer { fftw_free(input); fftw_free(output) }
            return fftw_plan_dft_c2r_1d(count, input, output, flags)
        }
    }
}

/// A SIMD-aligned float buffer from `fftwf_malloc`, owned by one filter (not shared between threads).
final class AlignedFloats {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = fftwf_alloc_real(max(count, 1))!
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { fftwf_free(pointer) }

    /// The buffer viewed as interleaved complex numbers (re, im, re, im, ...), as FFTW lays them out.
    var complexPointer: UnsafeMutablePointer<fftwf_complex> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: fftwf_complex.self)
    }
}

/// A SIMD-aligned double buffer from `fftw_malloc`.
final class AlignedDoubles {
    let pointer: UnsafeMutablePointer<Double>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = fftw_alloc_real(max(count, 1))!
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { fftw_free(pointer) }

    var complexPointer: UnsafeMutablePointer<fftw_complex> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: fftw_complex.self)
    }
}

extension FFTPlan {
    /// Float r2c: `input` has `length` reals, `output` room for `length/2+1` complex points.
    func forward(_ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<fftwf_complex>) {
        fftwf_execute_dft_r2c(pointer, input, output)
    }

    /// Float c2r (destroys `input`).
    func inverse(_ input: UnsafeMutablePointer<fftwf_complex>, _ output: UnsafeMutablePointer<Float>) {
        fftwf_execute_dft_c2r(pointer, input, output)
    }

    /// Float c2c.
    func complex(_ input: UnsafeMutablePointer<fftwf_complex>, _ output: UnsafeMutablePointer<fftwf_complex>) {
        fftwf_execute_dft(pointer, input, output)
    }

    /// Double r2c.
    func forward(_ input: UnsafeMutablePointer<Double>, _ output: UnsafeMutablePointer<fftw_complex>) {
        fftw_execute_dft_r2c(pointer, input, output)
    }

    /// Double c2r (destroys `input`).
    func inverse(_ input: UnsafeMutablePointer<fftw_complex>, _ output: UnsafeMutablePointer<Double>) {
        fftw_execute_dft_c2r(pointer, input, output)
    }
}
