import CFFTW
import Dispatch
import Foundation
import SynkCore

/// The symmetric impulse response of forward-backward filtering with a cascade of designs, ready for FFT
/// convolution. Forward-backward filtering has the frequency response |H(f)|² and zero phase; in the time
/// domain it is convolution with the autocorrelation `r[k] = Σₙ h[n]·h[n+k]` of the causal impulse response h.
///
/// Construction (all in double precision):
/// 1. h is computed by running the sections on a unit impulse until the energy of h still to come is below
///    1e-15 of the energy so far (checked over windows of one time constant of the slowest pole, extrapolating
///    the geometric decay of the remaining tail).
/// 2. r is the autocorrelation of h, via a double-precision FFT.
/// 3. r is truncated to `r[-K...K]` with the smallest K for which the discarded taps hold less than 1e-12 of the
///    kernel's energy **and** less than 1e-7 of its absolute sum. The energy bound keeps the error of broadband
///    output near 1e-6 of its RMS; the absolute-sum bound keeps the error of slowly varying input (an envelope
///    through a low-pass) below 1e-7 of the input's magnitude.
public struct ZeroPhaseKernel: Sendable {
    /// The designs applied in cascade (forward then backward).
    public let designs: [FilterDesign]
    public let sampleRate: Double
    /// All sections of the cascade.
    public let sections: SecondOrderSections
    /// `taps[k]` = r[k] = r[−k] for k = 0...K.
    public let taps: [Double]
    /// FFT length used for the streaming convolution (a fast FFTW size).
    public let fftLength: Int
    /// Kernel spectrum for overlap-save (N/2+1 interleaved complex points, already scaled by 1/N).
    let spectrum: [Float]

    /// K: the kernel spans 2K+1 samples; the filter looks K samples ahead and behind.
    public var halfLength: Int { taps.count - 1 }

    /// The longest causal impulse response synk will compute (about 35 min at 2 kHz).
    static let maximumImpulseLength = 1 << 22

    public init(designs: [FilterDesign], sampleRate: Double) throws(SynkError) {
        guard !designs.isEmpty else { throw .usage("zero-phase filtering needs at least one filter design") }
        var cascade = SecondOrderSections([])
        for design in designs { cascade = cascade.followed(by: try design.sections(sampleRate: sampleRate)) }
        self.designs = designs
        self.sampleRate = sampleRate
        self.sections = cascade
        let impulse = try Self.impulseResponse(cascade)
        taps = Self.truncated(Self.autocorrelation(impulse))
        let kernelLength = 2 * taps.count - 1
        fftLength = FFTSize.fast(atLeast: max(8 * kernelLength, 4096))
        spectrum = Self.overlapSaveSpectrum(taps: taps, fftLength: fftLength)
    }

    static func impulseResponse(_ sos: SecondOrderSections) throws(SynkError) -> [Double] {
        let radius = sos.largestPoleRadius
        guard radius < 1 else {
            throw .usage("the filter is unstable or marginally stable (pole radius \(radius))",
                         hint: "use a lower order or cut-offs further from 0 and Nyquist")
        }
        let timeConstant = radius > 0 ? -1 / log(radius) : 1
        let window = max(8, Int(timeConstant.rounded(.up)))
        var state = [Double](repeating: 0, count: 2 * sos.sections.count)
        var h: [Double] = []
        var total = 0.0, recent = 0.0
        // exp(−2·window/τ) ≤ e⁻²: the tail after a window holds at most recent/(e² − 1) more energy.
        let tailFactor = 1 / (exp(2.0) - 1)
        while true {
            let x = h.isEmpty ? 1.0 : 0.0
            var y = x
            for (i, s) in sos.sections.enumerated() {
                let input = y
                y = s.b0 * input + state[2 * i]
                state[2 * i] = s.b1 * input - s.a1 * y + state[2 * i + 1]
                state[2 * i + 1] = s.b2 * input - s.a2 * y
            }
            h.append(y)
            total += y * y
            recent += y * y
            if h.count % window == 0 {
                if h.count >= 4 * window, recent * tailFactor <= 1e-15 * total { break }
                recent = 0
            }
            if h.count >= maximumImpulseLength {
                throw .usage("the filter's impulse response is longer than \(maximumImpulseLength) samples",
                             hint: "use a wider band or a lower quality factor")
            }
        }
        return h
    }

    /// r[k] for k = 0..<h.count, by FFT in double precision.
    static func autocorrelation(_ h: [Double]) -> [Double] {
        let n = FFTSize.fast(atLeast: 2 * h.count)
        let forward = FFTPlans.plan(.forwardRealDouble, length: n)
        let inverse = FFTPlans.plan(.inverseRealDouble, length: n)
        let signal = AlignedDoubles(count: n)
        let spectrum = AlignedDoubles(count: 2 * (n / 2 + 1))
        for i in h.indices { signal.pointer[i] = h[i] }
        forward.forward(signal.pointer, spectrum.complexPointer)
        for k in 0..<(n / 2 + 1) {
            let re = spectrum.pointer[2 * k], im = spectrum.pointer[2 * k + 1]
            spectrum.pointer[2 * k] = (re * re + im * im) / Double(n)
            spectrum.pointer[2 * k + 1] = 0
        }
        inverse.inverse(spectrum.complexPointer, signal.pointer)
        return (0..<h.count).map { signal.pointer[$0] }
    }

    /// The shortest symmetric kernel r[−K...K] meeting the energy and absolute-sum criteria.
    static func truncated(_ r: [Double]) -> [Double] {
        var tailEnergy = [Double](repeating: 0, count: r.count + 1)
        var tailAbsolute = [Double](repeating: 0, count: r.count + 1)
        for k in stride(from: r.count - 1, through: 0, by: -1) {
            tailEnergy[k] = tailEnergy[k + 1] + r[k] * r[k]
            tailAbsolute[k] = tailAbsolute[k + 1] + abs(r[k])
        }
        // Both sides: r[0] once, r[±k] twice.
        let energy = 2 * tailEnergy[0] - r[0] * r[0]
        let absolute = 2 * tailAbsolute[0] - abs(r[0])
        var keep = r.count
        for k in 1..<r.count where 2 * tailEnergy[k] <= 1e-12 * energy && 2 * tailAbsolute[k] <= 1e-7 * absolute {
            keep = k
            break
        }
        return Array(r[0..<keep])
    }

    /// Spectrum of the causal kernel c[m] = r[m − K], m = 0...2K, zero-padded to `fftLength`, scaled by 1/N.
    static func overlapSaveSpectrum(taps: [Double], fftLength n: Int) -> [Float] {
        let k = taps.count - 1
        let plan = FFTPlans.plan(.forwardRealDouble, length: n)
        let kernel = AlignedDoubles(count: n)
        let spectrum = AlignedDoubles(count: 2 * (n / 2 + 1))
        for m in 0...(2 * k) { kernel.pointer[m] = taps[abs(m - k)] }
        plan.forward(kernel.pointer, spectrum.complexPointer)
        return (0..<(2 * (n / 2 + 1))).map { Float(spectrum.pointer[$0] / Double(n)) }
    }
}

/// Zero-phase filtering of one channel, streamed block by block: the response of forward-backward filtering
/// with the designs (|H|², no phase shift), computed as an overlap-save FFT convolution with
/// ``ZeroPhaseKernel``. Concatenating the outputs of ``process(_:)`` and ``finish()`` gives the same samples
/// whatever the block sizes, and as many samples as went in.
///
/// **Edges**: the signal is extended at each end by odd (point) reflection about its end sample over K
/// samples, `x[−j] = 2x[0] − x[j]` and `x[n−1+j] = 2x[n−1] − x[n−1−j]` (as `sosfiltfilt`'s default padding does,
/// over a longer stretch); signals shorter than K+1 samples repeat their far end sample beyond it. The first and
/// last K samples differ from `sosfiltfilt`, which also starts from steady-state initial conditions.
///
/// **Non-finite input** (NaN, ±∞) spreads over a whole FFT block of output; check input with
/// ``Signal/firstNonFiniteIndex(in:)`` first.
///
/// Latency: output sample i is available once input sample i+K has arrived. One instance serves one channel
/// and one thread at a time; after ``finish()`` it is ready for a new signal.
public final class ZeroPhaseFilter {
    public let kernel: ZeroPhaseKernel
    private let forwardPlan: FFTPlan
    private let inversePlan: FFTPlan
    private let input: AlignedFloats
    private let spectrum: AlignedFloats
    private let output: AlignedFloats
    /// Extended-signal samples from the start of the next FFT block on (`pending[pendingStart...]`).
    private var pending: [Float] = []
    private var pendingStart = 0
    /// Input samples held until K+1 have arrived, so the leading reflection can be made.
    private var head: [Float] = []
    private var headDone = false
    private var inputCount = 0
    private var outputCount = 0

    /// A filter for one channel; throws `.usage` for impossible designs.
    public convenience init(design: FilterDesign, sampleRate: Double) throws(SynkError) {
        try self.init(kernel: ZeroPhaseKernel(designs: [design], sampleRate: sampleRate))
    }

    public convenience init(designs: [FilterDesign], sampleRate: Double) throws(SynkError) {
        try self.init(kernel: ZeroPhaseKernel(designs: designs, sampleRate: sampleRate))
    }

    /// A filter sharing an already computed kernel (cheap: many channels, one kernel). Throws when its
    /// FFT buffers cannot be allocated.
    public init(kernel: ZeroPhaseKernel) throws(SynkError) {
        self.kernel = kernel
        let n = kernel.fftLength
        forwardPlan = FFTPlans.plan(.forwardReal, length: n)
        inversePlan = FFTPlans.plan(.inverseReal, length: n)
        input = try AlignedFloats(count: n)
        spectrum = try AlignedFloats(count: 2 * (n / 2 + 1))
        output = try AlignedFloats(count: n)
        pending.reserveCapacity(2 * n)
    }

    public var sampleRate: Double { kernel.sampleRate }

    private var k: Int { kernel.halfLength }
    private var blockAdvance: Int { kernel.fftLength - 2 * k }

    /// Feeds the next samples; returns the filtered samples that are complete so far (possibly none).
    public func process(_ block: [Float]) -> [Float] {
        inputCount += block.count
        if headDone {
            pending.append(contentsOf: block)
        } else {
            head.append(contentsOf: block)
            guard head.count >= k + 1 else { return [] }
            emitHead()
        }
        var result: [Float] = []
        convolveFullBlocks(into: &result)
        return result
    }

    /// Ends the signal: returns the remaining filtered samples and resets the filter for a new signal.
    public func finish() -> [Float] {
        var result: [Float] = []
        defer { reset() }
        guard inputCount > 0 else { return result }
        if !headDone { emitHead() }
        // Trailing odd reflection about the last sample (the last K+1 input samples are still pending).
        let n = inputCount
        let end = pending.count
        let last = pending[end - 1]
        if k > 0 {
            for j in 1...k { pending.append(2 * last - pending[end - 1 - min(j, n - 1)]) }
        }
        convolveFullBlocks(into: &result)
        while outputCount < n {
            convolveBlock(count: min(blockAdvance, n - outputCount), into: &result)
        }
        return result
    }

    /// Filters a whole signal at once (the same samples as streaming it).
    public func filter(_ signal: [Float]) -> [Float] {
        var result = process(signal)
        result.append(contentsOf: finish())
        return result
    }

    private func reset() {
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
        head.removeAll()
        headDone = false
        inputCount = 0
        outputCount = 0
    }

    /// Writes the leading reflection and the held samples into `pending`.
    private func emitHead() {
        let first = head[0]
        for j in stride(from: k, through: 1, by: -1) {
            pending.append(2 * first - head[min(j, head.count - 1)])
        }
        pending.append(contentsOf: head)
        head.removeAll()
        headDone = true
    }

    private func convolveFullBlocks(into result: inout [Float]) {
        while pending.count - pendingStart >= kernel.fftLength, outputCount < inputCount {
            convolveBlock(count: min(blockAdvance, inputCount - outputCount), into: &result)
        }
    }

    /// One overlap-save step: FFT of the next N extended samples (zero-padded at the end), times the kernel
    /// spectrum, inverse FFT; the last N − 2K points are valid outputs.
    private func convolveBlock(count: Int, into result: inout [Float]) {
        let n = kernel.fftLength
        let available = min(n, pending.count - pendingStart)
        pending.withUnsafeBufferPointer { source in
            input.pointer.update(from: source.baseAddress! + pendingStart, count: available)
        }
        if available < n { (input.pointer + available).update(repeating: 0, count: n - available) }
        forwardPlan.forward(input.pointer, spectrum.complexPointer)
        kernel.spectrum.withUnsafeBufferPointer { kernelSpectrum in
            let s = spectrum.pointer, h = kernelSpectrum.baseAddress!
            for i in 0..<(n / 2 + 1) {
                let a = s[2 * i], b = s[2 * i + 1], c = h[2 * i], d = h[2 * i + 1]
                s[2 * i] = a * c - b * d
                s[2 * i + 1] = a * d + b * c
            }
        }
        inversePlan.inverse(spectrum.complexPointer, output.pointer)
        result.append(contentsOf: UnsafeBufferPointer(start: output.pointer + 2 * k, count: count))
        outputCount += count
        pendingStart += blockAdvance
        if pendingStart >= n {
            pending.removeFirst(min(pendingStart, pending.count))
            pendingStart = 0
        }
    }
}
