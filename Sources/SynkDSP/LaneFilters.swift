import CSynkKernels
import Foundation
import SynkCore

/// Eight channels side by side, one per lane, as they pass between the conditioning stages.
///
/// Recursive filters cannot be vectorised along time (each output needs the previous one), but they vectorise
/// perfectly *across channels*: the same coefficients run on every lane.
public typealias ChannelLanes = SIMD8<Float>

/// The arithmetic precision of a recursive filter's state. A single-precision recursion is accurate when every
/// pole lies well away from z = 1; near it (low cut-offs at high rates) it loses about 6e-4 of the signal in a
/// 6 Hz low-pass at 2 kHz and several per cent at 20 kHz, so such designs run in double precision.
protocol LaneScalar: BinaryFloatingPoint, SIMDScalar {}
extension Float: LaneScalar {}
extension Double: LaneScalar {}

/// Single precision when every pole of `sections` is at least this far from z = 1 (measured against
/// double-precision forward-backward filtering: a 20-450 Hz band-pass at 2 kHz, nearest pole 0.06 from 1,
/// stays within 3e-5 of the signal's RMS).
let singlePrecisionPoleDistance = 0.05

/// The filter stage for a zero-phase kernel, in the precision its poles allow.
func makeLaneFilter(_ kernel: ZeroPhaseKernel, singlePrecisionAllowed: Bool) -> any LaneFiltering {
    if singlePrecisionAllowed && kernel.sections.smallestPoleDistanceFromOne >= singlePrecisionPoleDistance {
        return SpecialisedLaneFilter(LaneZeroPhaseFilter<Float>(kernel: kernel))
    }
    return SpecialisedLaneFilter(LaneZeroPhaseFilter<Double>(kernel: kernel))
}

/// Calls into a concrete ``LaneZeroPhaseFilter`` instantiation from a non-generic context, so that the optimiser
/// specialises its loops for the scalar type (through an existential the generic code would run unspecialised,
/// some forty times slower).
final class SpecialisedLaneFilter<Scalar: LaneScalar>: LaneFiltering {
    let filter: LaneZeroPhaseFilter<Scalar>
    init(_ filter: LaneZeroPhaseFilter<Scalar>) { self.filter = filter }
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func process(_ input: UnsafePointer<ChannelLanes>, count: Int, into output: LaneFrames<ChannelLanes>) {
        filter.process(input, count: count, into: output)
    }
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func finish(into output: LaneFrames<ChannelLanes>) { filter.finish(into: output) }
}

/// Receives a lane group's ``RawTap`` frames inside the worker that conditions the group, so that its work runs on
/// that group's core: the tap writes `count` frames into the room ``reserve(_:)`` gives, then calls ``commit(_:)``.
public protocol LaneTapSink: AnyObject, Sendable {
    /// Room for `count` frames of eight floats, valid until ``commit(_:)``.
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float>
    /// The `count` frames just written.
    func commit(_ count: Int)
}

/// A streaming lane filter: one output frame per input frame, after some latency.
protocol LaneFiltering: AnyObject {
    func process(_ input: UnsafePointer<ChannelLanes>, count: Int, into output: LaneFrames<ChannelLanes>)
    func finish(into output: LaneFrames<ChannelLanes>)
}

extension SecondOrderSections {
    /// min |1 − p| over the poles p of the cascade.
    var smallestPoleDistanceFromOne: Double {
        var smallest = Double.infinity
        for s in sections {
            let discriminant = s.a1 * s.a1 - 4 * s.a2
            if discriminant < 0 {
                let re = -s.a1 / 2, im = (-discriminant).squareRoot() / 2
                smallest = min(smallest, ((1 - re) * (1 - re) + im * im).squareRoot())
            } else {
                let root = discriminant.squareRoot()
                smallest = min(smallest, abs(1 - (-s.a1 + root) / 2), abs(1 - (-s.a1 - root) / 2))
            }
        }
        return smallest
    }
}

/// Zero-phase (forward-backward) filtering of up to eight channels at once with a cascade of biquads, streamed
/// block by block. It computes what ``ZeroPhaseFilter`` computes — the response |H|² of the cascade, with the
/// same odd reflection over K samples at each end — but recursively, which costs a few multiply-adds per
/// sample instead of two FFTs.
///
/// **Streaming the backward pass.** The backward pass would need the whole signal. It does not: started with
/// zero state K samples past the end of a block (K = ``ZeroPhaseKernel/halfLength``, after which the
/// forward-backward impulse response has decayed below 1e-12 of its energy), it reaches the block with the
/// same error as the truncated FFT kernel. So the filter keeps the forward-filtered signal of one block plus
/// K samples, runs the backward pass over them, emits the block, and carries the last K samples over.
/// Blocks start at fixed multiples of ``blockLength`` from the first frame, so the output does not depend on
/// how the caller splits the input.
///
/// **Memory traffic.** In single precision the forward pass reads the caller's frames and writes the forward
/// buffer; the backward pass writes the emitted frames straight into the output (its K frames of run-up go to
/// scratch). Nothing is copied or zero-filled on the way.
///
/// Output sample i is available once input sample i + K has arrived (as for ``ZeroPhaseFilter``).
/// Concatenated outputs of ``process(_:count:into:)`` and ``finish(into:)`` have exactly one frame per input
/// frame, whatever the block sizes.
final class LaneZeroPhaseFilter<Scalar: LaneScalar>: LaneFiltering {
    typealias Lanes = SIMD8<Scalar>
    let sections: [Biquad]
    private let cascade: LaneBiquads.Cascade
    /// K: look-ahead of the backward pass and length of each end reflection.
    let lookAhead: Int
    /// Frames emitted per backward pass (plus K of overlap): large against K so the overlap costs little.
    let blockLength: Int

    private var forwardState: [Lanes]
    private var backwardState: [Lanes]
    /// Forward-filtered frames not yet emitted (the first is output frame `outputCount`).
    private let forward: LaneFrames<Lanes>
    /// The backward pass's run-up over the K frames after a block (and, in double precision, the block).
    private var backward: [Lanes] = []
    /// Raw input frames held until K + 1 have arrived, for the leading reflection.
    private var head: [Lanes] = []
    private var started = false
    /// The last K + 1 raw input frames, for the trailing reflection.
    private var tail: [Lanes] = []
    private var scratch: [Lanes] = []
    private var inputCount = 0

    init(sections: SecondOrderSections, lookAhead: Int) {
        self.sections = sections.sections
        cascade = LaneBiquads.Cascade(sections.sections)
        self.lookAhead = lookAhead
        blockLength = max(4096, 8 * lookAhead)
        forwardState = Array(repeating: .zero, count: 2 * sections.sections.count)
        backwardState = forwardState
        forward = LaneFrames(capacity: 4 * (blockLength + lookAhead + 1))
        tail.reserveCapacity(2 * (lookAhead + 1))
    }

    convenience init(kernel: ZeroPhaseKernel) {
        self.init(sections: kernel.sections, lookAhead: kernel.halfLength)
    }

    /// Feeds `count` frames; appends the frames completed so far to `output`.
    func process(_ raw: UnsafePointer<ChannelLanes>, count: Int, into output: LaneFrames<ChannelLanes>) {
        guard count > 0 else { return }
        inputCount += count
        if started {
            if Scalar.self == Float.self {
                // Filtered from the caller's frames straight into the forward buffer.
                UnsafeRawPointer(raw).withMemoryRebound(to: Lanes.self, capacity: count) { same in
                    keepTail(same, count: count)
                    forward.append(count) { target in
                        forwardState.withUnsafeMutableBufferPointer { state in
                            LaneBiquads.run(cascade, state: state.baseAddress!, same, target, count: count, reversed: false)
                        }
                    }
                }
            } else {
                let offset = forward.count
                forward.append(count) { target in for i in 0..<count { target[i] = Lanes(raw[i]) } }
                keepTail(forward.base + offset, count: count)
                filterInPlace(from: offset)
            }
        } else {
            let offset = head.count
            Self.appendConverted(raw, count: count, to: &head)
            head.withUnsafeBufferPointer { keepTail($0.baseAddress! + offset, count: count) }
            guard head.count >= lookAhead + 1 else { return }
            start()
            head.withUnsafeBufferPointer { filterForward($0.baseAddress!, count: $0.count) }
            head.removeAll()
        }
        var emitted = 0
        while forward.count - emitted >= blockLength + lookAhead {
            emitBlock(from: emitted, count: blockLength, into: output)
            emitted += blockLength
        }
        forward.removeFirst(emitted)
    }

    /// Ends the signal: appends the remaining frames and resets for a new signal.
    func finish(into output: LaneFrames<ChannelLanes>) {
        defer { reset() }
        guard inputCount > 0 else { return }
        if !started {
            start()
            head.withUnsafeBufferPointer { filterForward($0.baseAddress!, count: $0.count) }
        }
        // Trailing odd reflection about the last frame: x[n−1+j] = 2x[n−1] − x[n−1−j], repeating the first
        // frame when the signal is shorter than K + 1.
        let n = inputCount
        let last = tail[tail.count - 1]
        scratch.removeAll(keepingCapacity: true)
        if lookAhead > 0 {
            for j in 1...lookAhead { scratch.append(2 * last - tail[tail.count - 1 - min(j, n - 1)]) }
        }
        let pending = forward.count
        scratch.withUnsafeBufferPointer { filterForward($0.baseAddress!, count: $0.count) }
        emitBlock(from: 0, count: pending, into: output)
    }

    private func reset() {
        for i in forwardState.indices { forwardState[i] = .zero }
        forward.removeAll()
        head.removeAll()
        tail.removeAll(keepingCapacity: true)
        started = false
        inputCount = 0
    }

    private func keepTail(_ input: UnsafePointer<Lanes>, count: Int) {
        let keep = lookAhead + 1
        if count >= keep {
            tail.removeAll(keepingCapacity: true)
            tail.append(contentsOf: UnsafeBufferPointer(start: input + (count - keep), count: keep))
        } else {
            tail.append(contentsOf: UnsafeBufferPointer(start: input, count: count))
            if tail.count > keep { tail.removeFirst(tail.count - keep) }
        }
    }

    /// Runs the forward pass over the leading reflection x[−j] = 2x[0] − x[min(j, n−1)], j = K…1, whose
    /// outputs are not needed: it only brings the forward state to where the FFT convolution starts.
    private func start() {
        started = true
        let first = head[0]
        scratch.removeAll(keepingCapacity: true)
        for j in stride(from: lookAhead, through: 1, by: -1) { scratch.append(2 * first - head[min(j, head.count - 1)]) }
        scratch.withUnsafeBufferPointer { filterForward($0.baseAddress!, count: $0.count) }
        forward.removeAll()
    }

    private func filterForward(_ input: UnsafePointer<Lanes>, count: Int) {
        guard count > 0 else { return }
        let offset = forward.count
        forward.append(contentsOf: input, count: count)
        filterInPlace(from: offset)
    }

    /// Runs the forward pass, continuing its state, over `forward[offset...]` in place.
    private func filterInPlace(from offset: Int) {
        let count = forward.count - offset
        guard count > 0 else { return }
        let frames = forward.base + offset
        forwardState.withUnsafeMutableBufferPointer { state in
            LaneBiquads.run(cascade, state: state.baseAddress!, frames, frames, count: count, reversed: false)
        }
    }

    /// Backward pass from forward frame `start + count + K − 1` (zero state; or the last frame, at the end)
    /// down to `start`; emits frames `start ..< start + count`.
    ///
    /// The pass runs in two calls, the run-up after the block into scratch and then the block itself: every
    /// section sees the same samples in the same order with its state carried over, so this is the arithmetic
    /// of one pass.
    private func emitBlock(from start: Int, count: Int, into output: LaneFrames<ChannelLanes>) {
        let total = min(forward.count - start, count + lookAhead)
        guard count > 0, total > 0 else { return }
        let runUp = total - count
        let needed = Scalar.self == Float.self ? runUp : total
        if backward.count < needed { backward = Array(repeating: .zero, count: needed) }
        for i in backwardState.indices { backwardState[i] = .zero }
        let source = UnsafePointer(forward.base + start)
        backwardState.withUnsafeMutableBufferPointer { s in
            let state = s.baseAddress!
            if Scalar.self == Float.self {
                if runUp > 0 {
                    backward.withUnsafeMutableBufferPointer { target in
                        LaneBiquads.run(cascade, state: state, source + count, target.baseAddress!, count: runUp, reversed: true)
                    }
                }
                output.append(count) { target in
                    UnsafeMutableRawPointer(target).withMemoryRebound(to: Lanes.self, capacity: count) { same in
                        LaneBiquads.run(cascade, state: state, source, same, count: count, reversed: true)
                    }
                }
            } else {
                backward.withUnsafeMutableBufferPointer { target in
                    LaneBiquads.run(cascade, state: state, source, target.baseAddress!, count: total, reversed: true)
                    output.append(count) { out in for i in 0..<count { out[i] = ChannelLanes(target[i]) } }
                }
            }
        }
    }

    /// Appends `count` frames converted to `Scalar` (one bulk copy when the precisions agree).
    private static func appendConverted(_ source: UnsafePointer<ChannelLanes>, count: Int, to target: inout [Lanes]) {
        if Scalar.self == Float.self {
            UnsafeRawPointer(source).withMemoryRebound(to: Lanes.self, capacity: count) { same in
                target.append(contentsOf: UnsafeBufferPointer(start: same, count: count))
            }
        } else {
            target.reserveCapacity(target.count + count)
            for i in 0..<count { target.append(Lanes(source[i])) }
        }
    }
}

/// The inner loops: a cascade of biquads (direct form II transposed) over lanes, two sections per sweep so
/// that their recursions overlap in the pipeline and the state stays in registers.
///
/// The output y = b0·x + z1 is substituted into the state updates, z1' = (b1 − a1·b0)·x + z2 − a1·z1 and
/// z2' = (b2 − a2·b0)·x − a2·z1, so that the recursion carried from one sample to the next is one multiply and
/// one subtraction (8 cycles) instead of an add, a multiply and a subtraction (12 cycles). These filters are
/// latency-bound, so that is their speed; the arithmetic differs from the textbook order only in rounding.
enum LaneBiquads {
    /// Filters `count` frames from `input` into `output` (which may be the same memory), forward in time or,
    /// with `reversed`, from the last frame to the first. `state` holds (z1, z2) per section and is updated.
    /// Single-precision cascades run in the AVX2+FMA kernel of `CSynkKernels` when ``VectorKernels/enabled``;
    /// `vectorKernel: false` keeps the Swift loops (the reference the kernel is tested against). With
    /// `wideSweeps` (``VectorKernels/wideSweeps``) whole fours of sections run in the AVX-512 sweeps, which give
    /// the AVX2 kernel's results bit for bit.
    static func run<Scalar: LaneScalar>(
        _ sections: [Biquad], state: UnsafeMutablePointer<SIMD8<Scalar>>,
        _ input: UnsafePointer<SIMD8<Scalar>>, _ output: UnsafeMutablePointer<SIMD8<Scalar>>, count: Int, reversed: Bool,
        vectorKernel: Bool = VectorKernels.enabled, wideSweeps: Bool = VectorKernels.wideSweeps
    ) {
        run(Cascade(sections), state: state, input, output, count: count, reversed: reversed,
            vectorKernel: vectorKernel, wideSweeps: wideSweeps)
    }

    /// A cascade with its coefficients also in the kernels' form, converted once per filter rather than on
    /// every call (a filter runs its cascade several times per block).
    struct Cascade {
        let sections: [Biquad]
        let kernelForm: [synk_biquad_f32]

        init(_ sections: [Biquad]) {
            self.sections = sections
            kernelForm = sections.map { p in
                synk_biquad_f32(b0: Float(p.b0), c1: Float(p.b1 - p.a1 * p.b0), c2: Float(p.b2 - p.a2 * p.b0),
                                a1: Float(p.a1), a2: Float(p.a2))
            }
        }
    }

    /// ``run(_:state:_:_:count:reversed:vectorKernel:wideSweeps:)`` of a cascade converted beforehand.
    static func run<Scalar: LaneScalar>(
        _ cascade: Cascade, state: UnsafeMutablePointer<SIMD8<Scalar>>,
        _ input: UnsafePointer<SIMD8<Scalar>>, _ output: UnsafeMutablePointer<SIMD8<Scalar>>, count: Int, reversed: Bool,
        vectorKernel: Bool = VectorKernels.enabled, wideSweeps: Bool = VectorKernels.wideSweeps
    ) {
        guard count > 0 else { return }
        let sections = cascade.sections
        if vectorKernel, Scalar.self == Float.self, !sections.isEmpty {
            let coefficients = cascade.kernelForm
            // SIMD8<Float> is eight contiguous floats: the kernel's frame layout.
            UnsafeMutableRawPointer(state).withMemoryRebound(to: Float.self, capacity: 16 * sections.count) { z in
                UnsafeRawPointer(input).withMemoryRebound(to: Float.self, capacity: 8 * count) { x in
                    UnsafeMutableRawPointer(output).withMemoryRebound(to: Float.self, capacity: 8 * count) { y in
                        if wideSweeps {
                            synk_biquads_f32x8_avx512(coefficients, Int32(coefficients.count), z, x, y, count, reversed ? 1 : 0)
                        } else {
                            synk_biquads_f32x8_avx2(coefficients, Int32(coefficients.count), z, x, y, count, reversed ? 1 : 0)
                        }
                    }
                }
            }
            return
        }
        guard !sections.isEmpty else {
            if UnsafePointer(output) != input { output.update(from: input, count: count) }
            return
        }
        var s = 0
        var source = input
        while s < sections.count {
            if s + 1 < sections.count {
                pair(sections[s], sections[s + 1], state + 2 * s, source, output, count: count, reversed: reversed)
                s += 2
            } else {
                single(sections[s], state + 2 * s, source, output, count: count, reversed: reversed)
                s += 1
            }
            source = UnsafePointer(output)
        }
    }

    @inline(__always)
    private static func pair<Scalar: LaneScalar>(
        _ p: Biquad, _ q: Biquad, _ state: UnsafeMutablePointer<SIMD8<Scalar>>,
        _ input: UnsafePointer<SIMD8<Scalar>>, _ output: UnsafeMutablePointer<SIMD8<Scalar>>, count: Int, reversed: Bool
    ) {
        typealias L = SIMD8<Scalar>
        let pb0 = L(repeating: Scalar(p.b0))
        let pa1 = L(repeating: Scalar(p.a1)), pa2 = L(repeating: Scalar(p.a2))
        let pc1 = L(repeating: Scalar(p.b1 - p.a1 * p.b0)), pc2 = L(repeating: Scalar(p.b2 - p.a2 * p.b0))
        let qb0 = L(repeating: Scalar(q.b0))
        let qa1 = L(repeating: Scalar(q.a1)), qa2 = L(repeating: Scalar(q.a2))
        let qc1 = L(repeating: Scalar(q.b1 - q.a1 * q.b0)), qc2 = L(repeating: Scalar(q.b2 - q.a2 * q.b0))
        var p1 = state[0], p2 = state[1], q1 = state[2], q2 = state[3]
        var i = reversed ? count - 1 : 0
        let step = reversed ? -1 : 1
        for _ in 0..<count {
            let x = input[i]
            let y = pb0 * x + p1
            let p1Next = (pc1 * x + p2) - pa1 * p1
            p2 = pc2 * x - pa2 * p1
            p1 = p1Next
            let u = qb0 * y + q1
            let q1Next = (qc1 * y + q2) - qa1 * q1
            q2 = qc2 * y - qa2 * q1
            q1 = q1Next
            output[i] = u
            i += step
        }
        state[0] = p1; state[1] = p2; state[2] = q1; state[3] = q2
    }

    @inline(__always)
    private static func single<Scalar: LaneScalar>(
        _ p: Biquad, _ state: UnsafeMutablePointer<SIMD8<Scalar>>,
        _ input: UnsafePointer<SIMD8<Scalar>>, _ output: UnsafeMutablePointer<SIMD8<Scalar>>, count: Int, reversed: Bool
    ) {
        typealias L = SIMD8<Scalar>
        let pb0 = L(repeating: Scalar(p.b0))
        let pa1 = L(repeating: Scalar(p.a1)), pa2 = L(repeating: Scalar(p.a2))
        let pc1 = L(repeating: Scalar(p.b1 - p.a1 * p.b0)), pc2 = L(repeating: Scalar(p.b2 - p.a2 * p.b0))
        var p1 = state[0], p2 = state[1]
        var i = reversed ? count - 1 : 0
        let step = reversed ? -1 : 1
        for _ in 0..<count {
            let x = input[i]
            let y = pb0 * x + p1
            let p1Next = (pc1 * x + p2) - pa1 * p1
            p2 = pc2 * x - pa2 * p1
            p1 = p1Next
            output[i] = y
            i += step
        }
        state[0] = p1; state[1] = p2
    }
}

/// ``MovingRMS`` on eight lanes: the same centred window, a double-precision running sum recomputed exactly
/// once per window length, and the same shrinking windows at the ends.
final class LaneMovingRMS {
    typealias Sums = SIMD8<Double>
    let halfWidth: Int
    private var width: Int { 2 * halfWidth + 1 }
    private var squares: [Sums]
    private var sum = Sums.zero
    private var inputCount = 0
    private var outputCount = 0

    init(halfWidth: Int) {
        self.halfWidth = max(0, halfWidth)
        squares = Array(repeating: .zero, count: 2 * max(0, halfWidth) + 1)
    }

    /// Input j completes output j − h (its window is [j − 2h, j]). `vectorKernel: false` keeps the Swift loop
    /// (the reference the AVX2 kernel is tested against).
    func process(_ input: UnsafePointer<ChannelLanes>, count: Int, into output: LaneFrames<ChannelLanes>,
                 vectorKernel: Bool = VectorKernels.enabled) {
        let produced = max(0, inputCount + count - halfWidth) - max(0, inputCount - halfWidth)
        let run = vectorKernel ? processWithKernel : processWithSwiftLoop
        // While the first window fills nothing is produced, and the loop writes nowhere.
        var spare = ChannelLanes.zero
        let written = produced > 0
            ? { var w = 0; output.append(produced) { w = run(input, count, $0) }; return w }()
            : withUnsafeMutablePointer(to: &spare) { run(input, count, $0) }
        precondition(written == produced, "the loop completes exactly the frames the window allows")
        outputCount += produced
    }

    /// Returns the frames written to `out`.
    private func processWithSwiftLoop(_ input: UnsafePointer<ChannelLanes>, _ count: Int, _ out: UnsafeMutablePointer<ChannelLanes>) -> Int {
        let width = self.width, halfWidth = self.halfWidth
        var sum = self.sum, inputCount = self.inputCount
        let fullWindow = 1 / Double(width)
        var written = 0
        squares.withUnsafeMutableBufferPointer { ring in
            var slot = inputCount % width
            for n in 0..<count {
                let value = Sums(input[n])
                let j = inputCount
                if j >= width { sum -= ring[slot] }
                let square = value * value
                ring[slot] = square
                sum += square
                inputCount += 1
                if slot == width - 1 {
                    var exact = Sums.zero
                    for k in 0..<width { exact += ring[k] }
                    sum = exact
                }
                let i = j - halfWidth
                if i >= 0 {
                    let mean: Sums
                    if i >= halfWidth {
                        mean = sum * fullWindow
                    } else {
                        mean = sum / Double(j - max(0, i - halfWidth) + 1)
                    }
                    // The root in single precision (the result's precision): a quarter of the cost of eight
                    // double-precision roots per frame, at most one unit in the last place apart.
                    let meanSquare = ChannelLanes(mean)
                    out[written] = meanSquare.replacing(with: 0, where: meanSquare .< 0).squareRoot()
                    written += 1
                }
                slot += 1
                if slot == width { slot = 0 }
            }
        }
        self.sum = sum
        self.inputCount = inputCount
        return written
    }

    /// Returns the frames written to `target`.
    private func processWithKernel(_ input: UnsafePointer<ChannelLanes>, _ count: Int, _ target: UnsafeMutablePointer<ChannelLanes>) -> Int {
        var seen = inputCount
        let produced = max(0, inputCount + count - halfWidth) - max(0, inputCount - halfWidth)
        let written = squares.withUnsafeMutableBufferPointer { ring in
            withUnsafeMutablePointer(to: &sum) { sum in
                UnsafeMutableRawPointer(ring.baseAddress!).withMemoryRebound(to: Double.self, capacity: 8 * ring.count) { ring in
                    UnsafeMutableRawPointer(sum).withMemoryRebound(to: Double.self, capacity: 8) { sum in
                        UnsafeRawPointer(input).withMemoryRebound(to: Float.self, capacity: 8 * count) { x in
                            UnsafeMutableRawPointer(target).withMemoryRebound(to: Float.self, capacity: 8 * max(1, produced)) { y in
                                synk_moving_rms_f32x8_avx2(ring, halfWidth, sum, &seen, x, count, y)
                            }
                        }
                    }
                }
            }
        }
        inputCount = seen
        return written
    }

    /// The last h outputs: windows shrink at the end.
    func finish(into output: LaneFrames<ChannelLanes>) {
        let n = inputCount
        while outputCount < n {
            let i = outputCount
            let leaving = i - halfWidth - 1
            if leaving >= 0 { sum -= squares[leaving % width] }
            let windowCount = Double((n - 1) - max(0, i - halfWidth) + 1)
            let mean = sum / windowCount
            output.append(ChannelLanes(mean.replacing(with: 0, where: mean .< 0).squareRoot()))
            outputCount += 1
        }
        sum = .zero
        inputCount = 0
        outputCount = 0
        for i in squares.indices { squares[i] = .zero }
    }
}

/// Conditions up to eight channels together — filter → envelope → anti-aliased decimation — with the recursive
/// lane filters. Supports every ``ConditioningDescription`` whose envelope is absent, a moving RMS or a linear
/// envelope (``supports(_:)``); Hilbert and TKEO envelopes go channel by channel through ``ChannelConditioner``.
final class LaneConditioner {
    let laneCount: Int
    private let filter: (any LaneFiltering)?
    private let envelope: Envelope?
    private let antiAlias: (any LaneFiltering)?
    private let factor: Int
    /// Index (in envelope frames) of the next frame to keep, relative to the frames seen so far.
    private var phase = 0
    private let frames = LaneFrames<ChannelLanes>(capacity: passFrames)
    private let filtered = LaneFrames<ChannelLanes>(capacity: passFrames)
    /// The band-passed frames for ``RawTap``: low-passed (causally) and thinned to every ``RawTap/factor``-th frame.
    private let tap: RawTap?
    /// The tap's FIR taps (empty: every `factor`-th frame as it is), and the last taps − 1 frames of the stage before.
    private let tapTaps: [Float]
    private var tapHistory: [ChannelLanes]
    private var tapPhase = 0
    /// The tap's outputs of one pass.
    private var tapOutputs: [ChannelLanes] = []
    /// The tap frames ``process(_:)`` and ``finish()`` produced since the caller last took them (without a sink).
    private var tapFrames: [ChannelLanes] = []
    /// Where the tap frames go as they are made, when set.
    let tapSink: (any LaneTapSink)?
    private let enveloped = LaneFrames<ChannelLanes>(capacity: passFrames)
    private let smoothed = LaneFrames<ChannelLanes>(capacity: passFrames)

    private enum Envelope {
        case movingRMS(LaneMovingRMS)
        case linear(any LaneFiltering)
    }

    static func supports(_ conditioning: ConditioningDescription) -> Bool {
        switch conditioning.envelope {
        case nil, .movingRMS?, .linear?: return true
        case .hilbert?, .tkeo?: return false
        }
    }

    /// `kernel`: the zero-phase kernel of the filter designs (nil when there are none); it fixes the look-ahead.
    init(_ conditioning: ConditioningDescription, sampleRate: Double, kernel: ZeroPhaseKernel?, laneCount: Int,
         tap: RawTap? = nil, tapSink: (any LaneTapSink)? = nil) throws(SynkError) {
        precondition(Self.supports(conditioning) && (1...ChannelLanes.scalarCount).contains(laneCount))
        self.laneCount = laneCount
        self.tap = tap
        self.tapSink = tapSink
        tapTaps = tap?.firTaps(sampleRate: sampleRate) ?? []
        tapHistory = Array(repeating: .zero, count: max(0, tapTaps.count - 1))
        // Single precision only for one Butterworth design (a notch or comb has poles on the unit circle's edge).
        let butterworthOnly = conditioning.notch == nil && conditioning.comb == nil
        filter = kernel.map { makeLaneFilter($0, singlePrecisionAllowed: butterworthOnly) }
        switch conditioning.envelope {
        case .movingRMS(let window)?:
            envelope = .movingRMS(LaneMovingRMS(halfWidth: Int((window * sampleRate / 2).rounded())))
        case .linear(let cutoff, let order)?:
            let design = FilterDesign.butterworth(Butterworth(order: order, band: .lowPass(cutoff)))
            envelope = .linear(makeLaneFilter(try ZeroPhaseKernel(designs: [design], sampleRate: sampleRate), singlePrecisionAllowed: true))
        default:
            envelope = nil
        }
        if envelope != nil, let decimation = conditioning.decimation {
            factor = try decimation.factor(sampleRate: sampleRate)
            antiAlias = try decimation.antiAliasFilter(sampleRate: sampleRate).map { design throws(SynkError) in
                makeLaneFilter(try ZeroPhaseKernel(designs: [.butterworth(design)], sampleRate: sampleRate), singlePrecisionAllowed: true)
            }
        } else {
            factor = 1
            antiAlias = nil
        }
    }

    /// Frames per pass through the stages: the stage buffers stay in cache and their memory small, whatever
    /// the caller's block size.
    static let passFrames = 8192

    /// Feeds one block of `laneCount` channels (equal lengths); returns what each channel completed.
    func process(_ channels: ArraySlice<[Float]>) -> [[Float]] {
        let total = channels.first?.count ?? 0
        var result = [[Float]](repeating: [], count: laneCount)
        var start = 0
        while start < total {
            let count = min(Self.passFrames, total - start)
            let transposed = VectorKernels.enabled && channels.allSatisfy { $0.count >= start + count }
            frames.removeAll()
            if transposed {
                // 8×8 transposes from the channel arrays into the frames: they write every lane of every frame.
                Self.withBasePointers(channels) { pointers in
                    frames.append(count) { target in
                        UnsafeMutableRawPointer(target).withMemoryRebound(to: Float.self, capacity: 8 * count) { out in
                            synk_lanes_from_channels_f32_avx2(pointers, Int32(pointers.count), start, count, out)
                        }
                    }
                }
            } else {
                // Tile by tile, so that the frames being filled stay in the first-level cache across channels.
                frames.append(count) { target in
                    target.initialize(repeating: .zero, count: count)
                    var tile = 0
                    while tile < count {
                        let tileEnd = min(count, tile + Interleaving.tileFrames)
                        for (c, channel) in channels.enumerated() {
                            channel.withUnsafeBufferPointer { source in
                                for i in tile..<min(tileEnd, source.count - start) { target[i][c] = source[start + i] }
                            }
                        }
                        tile = tileEnd
                    }
                }
            }
            let part = run(finishing: false)
            for c in 0..<laneCount { result[c].append(contentsOf: part[c]) }
            start += count
        }
        return result
    }

    /// Ends every channel; returns the remaining samples and resets for a new recording.
    func finish() -> [[Float]] {
        frames.removeAll()
        return run(finishing: true)
    }

    /// `body` with the base address of every array (all non-empty).
    private static func withBasePointers<R>(_ arrays: ArraySlice<[Float]>, _ body: ([UnsafePointer<Float>?]) -> R) -> R {
        func nest(_ index: Int, _ pointers: [UnsafePointer<Float>?]) -> R {
            guard index < arrays.endIndex else { return body(pointers) }
            return arrays[index].withUnsafeBufferPointer { nest(index + 1, pointers + [$0.baseAddress]) }
        }
        return nest(arrays.startIndex, [])
    }

    private func run(finishing: Bool) -> [[Float]] {
        filtered.removeAll()
        enveloped.removeAll()
        smoothed.removeAll()
        var stage = frames
        if let filter {
            filter.process(stage.base, count: stage.count, into: filtered)
            if finishing { filter.finish(into: filtered) }
            stage = filtered
        }
        if tap != nil { takeTap(stage, finishing: finishing) }
        guard let envelope else { return split(stage, keepingEvery: 1) }
        switch envelope {
        case .movingRMS(let rms):
            rms.process(stage.base, count: stage.count, into: enveloped)
            if finishing { rms.finish(into: enveloped) }
        case .linear(let lowPass):
            let rectified = stage.base
            for i in 0..<stage.count { let v = rectified[i]; rectified[i] = v.replacing(with: -v, where: v .< 0) }
            lowPass.process(stage.base, count: stage.count, into: enveloped)
            if finishing { lowPass.finish(into: enveloped) }
        }
        stage = enveloped
        if let antiAlias {
            antiAlias.process(stage.base, count: stage.count, into: smoothed)
            if finishing { antiAlias.finish(into: smoothed) }
            stage = smoothed
        }
        let result = split(stage, keepingEvery: factor)
        if finishing { phase = 0 }
        return result
    }

    /// Returns the tap's frames made since the last call (lanes beyond ``laneCount`` are padding).
    func takeTapFrames() -> [ChannelLanes] {
        // Handed over, not copied: the next pass starts a fresh array of about the same size.
        let taken = tapFrames
        tapFrames = []
        tapFrames.reserveCapacity(taken.count)
        return taken
    }

    /// Returns the tap's samples made since the last call, one array per channel (empty arrays without a tap).
    func takeTapOutput() -> [[Float]] {
        let frames = takeTapFrames()
        return (0..<laneCount).map { c in frames.map { $0[c] } }
    }

    /// The tap: the band-passed frames through the FIR low-pass, computed only at every M-th frame counted from the
    /// first frame of the recording (the taps' history carried across passes); into the sink's room, or kept for the
    /// caller.
    private func takeTap(_ stage: LaneFrames<ChannelLanes>, finishing: Bool) {
        guard let tap else { return }
        defer {
            if finishing {
                tapPhase = 0
                for i in tapHistory.indices { tapHistory[i] = .zero }
            }
        }
        let m = tap.factor, count = stage.count
        let kept = tapPhase < count ? (count - 1 - tapPhase) / m + 1 : 0
        let base = UnsafePointer(stage.base)
        if kept > 0 {
            if let tapSink {
                tapSink.reserve(kept).withMemoryRebound(to: ChannelLanes.self, capacity: kept) { room in
                    fillTap(UnsafeMutableBufferPointer(start: room, count: kept), from: base, count: count, factor: m)
                }
                tapSink.commit(kept)
            } else {
                if tapOutputs.count < kept { tapOutputs = Array(repeating: .zero, count: kept) }
                tapOutputs.withUnsafeMutableBufferPointer { out in
                    fillTap(UnsafeMutableBufferPointer(rebasing: out[0..<kept]), from: base, count: count, factor: m)
                }
                tapFrames.append(contentsOf: tapOutputs[0..<kept])
            }
        }
        // The last taps − 1 frames (of the history followed by this stage) for the next pass.
        let h = tapHistory.count
        if count >= h {
            for j in 0..<h { tapHistory[j] = base[count - h + j] }
        } else if h > 0 {
            tapHistory.removeFirst(count)
            for j in 0..<count { tapHistory.append(base[j]) }
        }
        tapPhase = tapPhase + kept * m - count
    }

    /// Writes the tap's outputs of one stage of `count` frames into `out` (its count is the number kept).
    private func fillTap(_ out: UnsafeMutableBufferPointer<ChannelLanes>, from base: UnsafePointer<ChannelLanes>, count: Int, factor m: Int) {
        let kept = out.count
        if tapTaps.isEmpty {
            for k in 0..<kept { out[k] = base[tapPhase + k * m] }
            return
        }
        let h = tapHistory.count
        let phase = tapPhase
        tapHistory.withUnsafeBufferPointer { history in
            tapTaps.withUnsafeBufferPointer { taps in
                // Outputs whose taps reach back into the stage before, from its kept frames.
                var k = 0
                while k < kept, phase + k * m < h {
                    let i = phase + k * m
                    var sum = ChannelLanes.zero
                    for j in 0..<taps.count {
                        let x = j <= i ? base[i - j] : history[h - (j - i)]
                        sum += taps[j] * x
                    }
                    out[k] = sum
                    k += 1
                }
                guard k < kept else { return }
                let first = phase + k * m
                if VectorKernels.enabled {
                    UnsafeRawPointer(base).withMemoryRebound(to: Float.self, capacity: 8 * count) { frames in
                        UnsafeMutableRawPointer(out.baseAddress! + k).withMemoryRebound(to: Float.self, capacity: 8 * (kept - k)) { target in
                            synk_fir_decimate_f32x8_avx2(frames, first, kept - k, m, taps.baseAddress!, Int32(taps.count), target)
                        }
                    }
                } else {
                    for n in k..<kept {
                        let i = phase + n * m
                        var a = ChannelLanes.zero
                        for j in 0..<taps.count { a += taps[j] * base[i - j] }
                        out[n] = a
                    }
                }
            }
        }
    }

    /// Frames `phase`, `phase + M`, … of `frames`, one array per channel.
    private func split(_ frames: LaneFrames<ChannelLanes>, keepingEvery m: Int) -> [[Float]] {
        let kept = phase < frames.count ? (frames.count - 1 - phase) / m + 1 : 0
        var result = [[Float]](repeating: [], count: laneCount)
        do {
            let source = frames.base
            for c in 0..<laneCount {
                result[c] = [Float](unsafeUninitializedCapacity: kept) { out, initialised in
                    var i = phase
                    for k in 0..<kept {
                        out[k] = source[i][c]
                        i += m
                    }
                    initialised = kept
                }
            }
        }
        phase = phase + kept * m - frames.count
        return result
    }
}
