import CFFTW
import Foundation
import SynkCore

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
package enum FFTPlans {
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

    /// Plans with scratch arrays of the right alignment; FFTW_ESTIMATE never touches their contents (the FFTW
    /// manual, "Planner Flags": only FFTW_ESTIMATE and FFTW_WISDOM_ONLY leave the arrays alone), so when
    /// full-size arrays cannot be allocated, small stand-ins with the same (SIMD) alignment plan the same
    /// transform.
    private static func makePlan(_ kind: Kind, length n: Int) -> OpaquePointer {
        let count = Int32(n)
        let flags = UInt32(FFTW_ESTIMATE)
        let complexCount = n / 2 + 1
        func floats(_ count: Int) -> (UnsafeMutableRawPointer, Bool) {
            if let p = fftwf_malloc(count * 4) { return (p, true) }
            return (UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64), false)
        }
        func doubles(_ count: Int) -> (UnsafeMutableRawPointer, Bool) {
            if let p = fftw_malloc(count * 8) { return (p, true) }
            return (UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64), false)
        }
        func release(_ buffer: (UnsafeMutableRawPointer, Bool), double: Bool) {
            if !buffer.1 { buffer.0.deallocate() } else if double { fftw_free(buffer.0) } else { fftwf_free(buffer.0) }
        }
        switch kind {
        case .forwardReal:
            let input = floats(n), output = floats(2 * complexCount)
            defer { release(input, double: false); release(output, double: false) }
            return fftwf_plan_dft_r2c_1d(count, input.0.assumingMemoryBound(to: Float.self),
                                         output.0.assumingMemoryBound(to: fftwf_complex.self), flags)
        case .inverseReal:
            let input = floats(2 * complexCount), output = floats(n)
            defer { release(input, double: false); release(output, double: false) }
            return fftwf_plan_dft_c2r_1d(count, input.0.assumingMemoryBound(to: fftwf_complex.self),
                                         output.0.assumingMemoryBound(to: Float.self), flags)
        case .inverseComplex:
            let input = floats(2 * n), output = floats(2 * n)
            defer { release(input, double: false); release(output, double: false) }
            return fftwf_plan_dft_1d(count, input.0.assumingMemoryBound(to: fftwf_complex.self),
                                     output.0.assumingMemoryBound(to: fftwf_complex.self), FFTW_BACKWARD, flags)
        case .forwardRealDouble:
            let input = doubles(n), output = doubles(2 * complexCount)
            defer { release(input, double: true); release(output, double: true) }
            return fftw_plan_dft_r2c_1d(count, input.0.assumingMemoryBound(to: Double.self),
                                        output.0.assumingMemoryBound(to: fftw_complex.self), flags)
        case .inverseRealDouble:
            let input = doubles(2 * complexCount), output = doubles(n)
            defer { release(input, double: true); release(output, double: true) }
            return fftw_plan_dft_c2r_1d(count, input.0.assumingMemoryBound(to: fftw_complex.self),
                                        output.0.assumingMemoryBound(to: Double.self), flags)
        }
    }
}

/// A SIMD-aligned float buffer from `fftwf_malloc`, owned by one filter (not shared between threads).
final class AlignedFloats {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    /// Allocates `count` zeroed floats; an `.input` error (the input needs more memory than there is) when
    /// the allocation fails, as it does under an address-space limit.
    init(count: Int) throws(SynkError) {
        guard let pointer = fftwf_alloc_real(max(count, 1)) else { throw AlignedFloats.outOfMemory(count, bytesEach: 4) }
        self.count = count
        self.pointer = pointer
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    static func outOfMemory(_ count: Int, bytesEach: Int) -> SynkError {
        .input(nil, "not enough memory for an FFT buffer of \(count) samples (\(count * bytesEach >> 20) MiB)",
               hint: "the recording or the processing asks for more memory than this process may use")
    }

    deinit { fftwf_free(pointer) }

    /// The buffer viewed as interleaved complex numbers (re, im, re, im, ...), as FFTW lays them out.
    var complexPointer: UnsafeMutablePointer<fftwf_complex> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: fftwf_complex.self)
    }
}

/// A SIMD-aligned double buffer from `fftw_malloc`, for the bounded work buffers of ``LaggedSums`` (at most a
/// few hundred kilobytes, whatever the input). Should `fftw_malloc` fail, the buffer comes from Swift's own
/// aligned allocation, whose failure the Swift runtime reports as for any array.
final class AlignedDoubles {
    let pointer: UnsafeMutablePointer<Double>
    let count: Int
    private let fromFFTW: Bool

    init(count: Int) {
        self.count = count
        if let pointer = fftw_alloc_real(max(count, 1)) {
            self.pointer = pointer
            fromFFTW = true
        } else {
            pointer = UnsafeMutableRawPointer.allocate(byteCount: 8 * max(count, 1), alignment: 64)
                .bindMemory(to: Double.self, capacity: max(count, 1))
            fromFFTW = false
        }
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit {
        if fromFFTW { fftw_free(pointer) } else { UnsafeMutableRawPointer(pointer).deallocate() }
    }

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
