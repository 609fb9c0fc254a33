import CFFTW
import Foundation
import SynkCore

/// How an amplitude envelope is computed, described by value.
public enum EnvelopeMethod: Sendable, Hashable, Codable {
    /// Root mean square over a centred window of `window` seconds (2·round(window·fs/2)+1 samples). Near the
    /// ends the mean is over the samples that exist.
    case movingRMS(window: Double)
    /// Full-wave rectification, then a zero-phase Butterworth low-pass of `order` at `cutoff` Hz (forward-backward,
    /// as ``ZeroPhaseFilter``).
    case linear(cutoff: Double, order: Int = 4)
    /// The magnitude of the analytic signal, `abs(scipy.signal.hilbert(x))` (one FFT over the whole signal, so
    /// streaming holds every sample until ``EnvelopeFilter/finish()``).
    case hilbert
    /// The Teager-Kaiser energy operator x[n]² − x[n−1]·x[n+1]; the first and last samples repeat their neighbours.
    case tkeo

    /// The default of synk: a 100 ms moving RMS.
    public static let `default` = EnvelopeMethod.movingRMS(window: 0.1)

    public func validate(sampleRate: Double) throws(SynkError) {
        guard sampleRate.isFinite, sampleRate > 0 else { throw .usage("sample rate \(sampleRate) Hz is not a positive number") }
        switch self {
        case .movingRMS(let window):
            guard window.isFinite, window > 0 else { throw .usage("RMS window \(window) s must be positive") }
        case .linear(let cutoff, let order):
            try Butterworth(order: order, band: .lowPass(cutoff)).validate(sampleRate: sampleRate)
        case .hilbert, .tkeo:
            break
        }
    }
}

/// Streaming envelope of one channel: feed blocks, get the envelope samples completed so far; ``finish()`` returns
/// the rest and resets. The concatenated output has one sample per input sample, whatever the block sizes.
public final class EnvelopeFilter {
    public let method: EnvelopeMethod
    public let sampleRate: Double
    private var stage: Stage

    private enum Stage {
        case movingRMS(MovingRMS)
        case linear(ZeroPhaseFilter)
        case hilbert([Float])
        case tkeo(TKEO)
    }

    public init(method: EnvelopeMethod, sampleRate: Double) throws(SynkError) {
        try method.validate(sampleRate: sampleRate)
        self.method = method
        self.sampleRate = sampleRate
        switch method {
        case .movingRMS(let window):
            stage = .movingRMS(MovingRMS(halfWidth: Int((window * sampleRate / 2).rounded())))
        case .linear(let cutoff, let order):
            let design = FilterDesign.butterworth(Butterworth(order: order, band: .lowPass(cutoff)))
            stage = .linear(try ZeroPhaseFilter(design: design, sampleRate: sampleRate))
        case .hilbert:
            stage = .hilbert([])
        case .tkeo:
            stage = .tkeo(TKEO())
        }
    }

    public func process(_ block: [Float]) -> [Float] {
        switch stage {
        case .movingRMS(let rms): return rms.process(block)
        case .linear(let filter): return filter.process(block.map { abs($0) })
        case .hilbert(var held):
            stage = .hilbert([])
            held.append(contentsOf: block)
            stage = .hilbert(held)
            return []
        case .tkeo(let tkeo): return tkeo.process(block)
        }
    }

    /// Ends the signal and returns the rest of its envelope; throws only when the Hilbert envelope's FFT
    /// buffers (the whole signal, three times) cannot be allocated.
    public func finish() throws(SynkError) -> [Float] {
        switch stage {
        case .movingRMS(let rms): return rms.finish()
        case .linear(let filter): return filter.finish()
        case .hilbert(let held):
            stage = .hilbert([])
            return try Self.hilbertMagnitude(held)
        case .tkeo(let tkeo): return tkeo.finish()
        }
    }

    /// The envelope of a whole signal.
    public func envelope(_ signal: [Float]) throws(SynkError) -> [Float] {
        var result = process(signal)
        result.append(contentsOf: try finish())
        return result
    }

    /// |analytic signal| as scipy.signal.hilbert makes it: FFT of length n, negative frequencies zeroed, positive
    /// ones doubled (DC and, for even n, Nyquist kept), inverse FFT.
    public static func hilbertMagnitude(_ x: [Float]) throws(SynkError) -> [Float] {
        let n = x.count
        guard n > 0 else { return [] }
        let input = try AlignedFloats(count: n)
        let full = try AlignedFloats(count: 2 * n)
        let analytic = try AlignedFloats(count: 2 * n)
        let forward = FFTPlans.plan(.forwardReal, length: n)
        let inverse = FFTPlans.plan(.inverseComplex, length: n)
        x.withUnsafeBufferPointer { input.pointer.update(from: $0.baseAddress!, count: n) }
        // The half spectrum lands in the first n/2+1 points of `full`; the rest stays zero (negative frequencies).
        forward.forward(input.pointer, full.complexPointer)
        let s = full.pointer
        let lastDoubled = n % 2 == 0 ? n / 2 - 1 : (n - 1) / 2
        if lastDoubled >= 1 {
            for k in 1...lastDoubled {
                s[2 * k] *= 2
                s[2 * k + 1] *= 2
            }
        }
        let firstZero = n % 2 == 0 ? n / 2 + 1 : (n + 1) / 2
        if firstZero < n { (s + 2 * firstZero).update(repeating: 0, count: 2 * (n - firstZero)) }
        inverse.complex(full.complexPointer, analytic.complexPointer)
        let a = analytic.pointer, scale = 1 / Float(n)
        return (0..<n).map { i in (a[2 * i] * a[2 * i] + a[2 * i + 1] * a[2 * i + 1]).squareRoot() * scale }
    }
}

/// Centred moving RMS with a running sum of squares in double precision; the sum is recomputed exactly once per
/// window length so rounding never accumulates over hours.
final class MovingRMS {
    let halfWidth: Int
    private var width: Int { 2 * halfWidth + 1 }
    /// The last `width` squares, circularly.
    private var squares: [Double]
    private var sum = 0.0
    private var inputCount = 0
    private var outputCount = 0

    init(halfWidth: Int) {
        self.halfWidth = max(0, halfWidth)
        squares = [Double](repeating: 0, count: 2 * max(0, halfWidth) + 1)
    }

    /// Input j completes output j − h (its window is [j − 2h, j]).
    ///
    /// The running state lives in locals and the ring is walked with a wrapping index (no division or
    /// exclusivity check per sample); the arithmetic and its order are those of the plain loop.
    func process(_ block: [Float]) -> [Float] {
        let width = self.width, halfWidth = self.halfWidth
        var sum = self.sum, inputCount = self.inputCount, outputCount = self.outputCount
        let firstOutput = max(0, halfWidth - inputCount)
        let produced = max(0, block.count - firstOutput)
        let result = [Float](unsafeUninitializedCapacity: produced) { out, initialised in
            squares.withUnsafeMutableBufferPointer { ring in
                block.withUnsafeBufferPointer { input in
                    var slot = inputCount % width
                    var written = 0
                    for value in input {
                        let j = inputCount
                        if j >= width { sum -= ring[slot] }
                        let square = Double(value) * Double(value)
                        ring[slot] = square
                        sum += square
                        inputCount += 1
                        if slot == width - 1 {
                            var exact = 0.0
                            for k in 0..<width { exact += ring[k] }
                            sum = exact
                        }
                        let i = j - halfWidth
                        if i >= 0 {
                            let count = j - max(0, i - halfWidth) + 1
                            out[written] = Float((max(sum, 0) / Double(count)).squareRoot())
                            written += 1
                        }
                        slot += 1
                        if slot == width { slot = 0 }
                    }
                    initialised = written
                }
            }
        }
        outputCount += result.count
        self.sum = sum
        self.inputCount = inputCount
        self.outputCount = outputCount
        return result
    }

    /// The last h outputs: windows shrink at the end.
    func finish() -> [Float] {
        var result: [Float] = []
        let n = inputCount
        while outputCount < n {
            let i = outputCount
            let leaving = i - halfWidth - 1
            if leaving >= 0 { sum -= squares[leaving % width] }
            let count = (n - 1) - max(0, i - halfWidth) + 1
            result.append(Float((max(sum, 0) / Double(count)).squareRoot()))
            outputCount += 1
        }
        sum = 0
        inputCount = 0
        outputCount = 0
        for i in squares.indices { squares[i] = 0 }
        return result
    }
}

/// Streaming Teager-Kaiser energy operator (one sample of look-ahead).
final class TKEO {
    private var previous: Float = 0
    private var current: Float = 0
    private var count = 0
    private var firstPending = true
    private var lastValue: Float = 0

    func process(_ block: [Float]) -> [Float] {
        var result: [Float] = []
        result.reserveCapacity(block.count)
        for next in block {
            count += 1
            if count >= 3 {
                let value = current * current - previous * next
                if firstPending {
                    result.append(value)   // y[0] repeats y[1]
                    firstPending = false
                }
                result.append(value)
                lastValue = value
            }
            previous = current
            current = next
        }
        return result
    }

    func finish() -> [Float] {
        defer { previous = 0; current = 0; count = 0; firstPending = true }
        switch count {
        case 0: return []
        case 1: return [current * current]
        case 2: return [previous * previous, current * current]
        default: return [lastValue]   // y[n−1] repeats y[n−2]
        }
    }
}
