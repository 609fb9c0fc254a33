import Foundation
import SynkCore
import SynkDSP

/// Crosstalk: the part of a channel's signal that is another muscle's signal, conducted through the tissue.
///
/// **Why it can be separated from co-activation.** Volume conduction is quasi-static: a channel over muscle F
/// records a low-passed copy of a neighbour N's electrical activity at (almost) the same instant, so crosstalk is
/// the *same* signal in two channels and the raw, band-passed signals are correlated sample by sample. Two muscles
/// that merely contract together are driven by independent motor-unit trains: their envelopes correlate, their
/// raw signals hardly at all (Morrenhof & Abbink 1985, Electromyogr Clin Neurophysiol 25:73-79, and Winter,
/// Fuglevand & Archer 1994, J Electromyogr Kinesiol 4:15-26, on the cross-correlation of raw surface EMG as a
/// measure of crosstalk; De Luca & Merletti 1988, Electroencephalogr Clin Neurophysiol 69:568-575, on crosstalk
/// between neighbouring muscles).
///
/// **The estimate.** Over a task's windows, the follower F is regressed on the raw signals of the same side's
/// channels that carry *more* power than F in that task, each at the lags −1…+3 tap samples (−2…+6 ms at the
/// 500 Hz tap: a conductor's low-pass delays its copy by a few ms at most). The share of F's power this linear
/// prediction explains is F's ``CrosstalkEstimate/fraction``. Only larger channels are candidate sources: the
/// tissue attenuates what it conducts, so a channel can leak into a neighbour at most a fraction of its own
/// power, and a quieter channel that *receives* F's signal must not be taken for its source. A quieter source
/// can contribute at most that fraction (squared attenuation, 2-15 % of the amplitude between neighbours in
/// facial sEMG, i.e. ≤ 2 % of the power) of a louder channel's power, which this leaves in F.
///
/// **Limits, said in every result.** Linear prediction captures the propagating part of crosstalk; the
/// non-propagating end-of-fibre components differ in shape between the channels and are partly missed (Farina
/// et al. 2004, Methods Inf Med 43:30-35), so the fraction is a lower bound of the true crosstalk. Conversely,
/// motor units shared by two muscles (synchronised firing, Lowery, Stoykov & Kuiken 2003, J Appl Physiol
/// 94:1324-1334) also correlate raw signals and count here as crosstalk, which makes the decision conservative.
public enum Crosstalk {
    /// Lags of a candidate source relative to the follower in the regression, tap samples (positive: the source
    /// leads).
    public static let regressionLags = -1...3
    /// Largest lag of the stored products: every pair of regressors is at most this far apart.
    public static let maxLag = regressionLags.upperBound - regressionLags.lowerBound
    /// Window of the stored products, seconds: task segments select whole windows.
    public static let windowSeconds = 0.25
    /// Tap rate aimed at: the conditioning keeps every M-th band-passed sample with M the largest factor that stays
    /// at or above this (the crosstalk band then is 20 Hz to 0.4 × the tap rate).
    public static let tapMinimumRate = 500.0

    /// A description of the method for a result's parameters.
    public static func methodDescription(tap: String) -> String {
        "share of the follower's task power linearly predicted from the raw signals of the same side's channels with more power in that task (lags −1…+3 tap samples; adjusted R²), on \(tap); a lower bound of the true crosstalk (non-propagating components are missed, Farina et al. 2004)"
    }
}

/// Which tap channels form a side, and how the stored products are laid out.
public struct CrosstalkLayout: Sendable, Hashable {
    /// Tap channel indices of each side (the channels whose crosstalk can reach one another).
    public let groups: [[Int]]
    /// Tap samples per window.
    public let windowSamples: Int
    /// Tap sample rate, Hz.
    public let rate: Double
    /// Floats per window: for each group (maxLag + 1) · m².
    public let recordLength: Int
    /// Where each group's products start in a record.
    let offsets: [Int]

    public init(groups: [[Int]], rate: Double) {
        self.groups = groups.filter { !$0.isEmpty }
        self.rate = rate
        windowSamples = max(1, Int((Crosstalk.windowSeconds * rate).rounded()))
        var offsets: [Int] = []
        var length = 0
        for group in self.groups {
            offsets.append(length)
            length += (Crosstalk.maxLag + 1) * group.count * group.count
        }
        self.offsets = offsets
        recordLength = length
    }

    /// The group and the position in it of a tap channel.
    public func place(ofTapChannel channel: Int) -> (group: Int, index: Int)? {
        for (g, group) in groups.enumerated() {
            if let i = group.firstIndex(of: channel) { return (g, i) }
        }
        return nil
    }

    /// The windows whose centres lie inside `segments` (sample ranges of a signal at `rate` Hz), in order.
    public func windows(covering segments: [Range<Int>], rate segmentRate: Double, windowCount: Int) -> [Int] {
        var selected: [Int] = []
        let duration = Double(windowSamples) / rate
        for segment in segments {
            let start = Double(segment.lowerBound) / segmentRate, end = Double(segment.upperBound) / segmentRate
            // Centre (w + ½)·duration inside [start, end).
            let first = max(0, Int((start / duration - 0.5).rounded(.up)))
            var w = first
            while w < windowCount, (Double(w) + 0.5) * duration < end {
                if (Double(w) + 0.5) * duration >= start, selected.last.map({ $0 < w }) ?? true { selected.append(w) }
                w += 1
            }
        }
        return selected
    }
}

/// Σ x_i(t)·x_j(t − τ) over some windows, for one side: τ = 0…``Crosstalk/maxLag``, i, j its channels.
public struct LagProducts: Sendable, Hashable {
    public let channelCount: Int
    /// Tap samples summed.
    public var samples: Int
    var values: [Double]

    init(channelCount: Int) {
        self.channelCount = channelCount
        samples = 0
        values = [Double](repeating: 0, count: (Crosstalk.maxLag + 1) * channelCount * channelCount)
    }

    /// Σ x_i(t)·x_j(t − τ).
    public subscript(lag: Int, i: Int, j: Int) -> Double { values[(lag * channelCount + i) * channelCount + j] }

    /// Σ_t x_a(t − k)·x_b(t − k') for any k, k' within ``Crosstalk/maxLag`` of each other.
    func covariance(_ a: Int, lag k: Int, _ b: Int, lag k2: Int) -> Double {
        let d = k2 - k
        return d >= 0 ? self[d, a, b] : self[-d, b, a]
    }
}

/// The stored products of a recording: one record per window.
public struct CrosstalkProducts: Sendable {
    public let layout: CrosstalkLayout
    public let windowCount: Int
    /// Tap samples in the last window (the others hold ``CrosstalkLayout/windowSamples``).
    public let lastWindowSamples: Int
    /// Records back to back in one stored channel (in memory or spilled like the envelopes).
    let storage: EnvelopeStorage

    /// The products of group `group` summed over `windows` (in double precision).
    public func sums(group: Int, windows: [Int]) -> LagProducts {
        let m = layout.groups[group].count
        var result = LagProducts(channelCount: m)
        let offset = layout.offsets[group], length = (Crosstalk.maxLag + 1) * m * m
        var reader = storage.reader(0)
        for w in windows where w >= 0 && w < windowCount {
            let record = reader.samples((w * layout.recordLength + offset)..<(w * layout.recordLength + offset + length))
            for k in 0..<length { result.values[k] += Double(record[k]) }
            result.samples += w == windowCount - 1 ? lastWindowSamples : layout.windowSamples
        }
        return result
    }

    /// A read failure of spilled records, as for envelopes.
    public func readError(file: String?) -> SynkError? { storage.readError(file: file) }
}

/// Accumulates the lagged products of the tap's channels, window by window, while the recording streams past.
/// Memory is bounded by one block plus the records, which are spilled to a temporary file like the envelopes when
/// they would be large.
public final class CrosstalkAccumulator {
    public let layout: CrosstalkLayout
    /// Per group: the frames of the current block preceded by the last ``Crosstalk/maxLag`` frames of the one
    /// before, `width` floats each (the group's channels, zero-padded to a multiple of 8).
    private var frames: [[Float]]
    private let widths: [Int]
    /// Per group: the current window's sums, (maxLag + 1) × m × width.
    private var sums: [[Float]]
    private var position = 0
    private var inWindow = 0
    private var memoryRecords: [Float] = []
    private let spill: EnvelopeSpill?
    private var windows = 0
    private let vectorKernel: Bool

    /// - Parameter expectedSamples: tap samples the recording will give (for the spill decision; ≤ 0 when unknown).
    public init(layout: CrosstalkLayout, expectedSamples: Int, spillThreshold: Int, spillDirectory: String? = nil,
                vectorKernel: Bool = VectorKernels.enabled) {
        self.layout = layout
        self.vectorKernel = vectorKernel
        widths = layout.groups.map { ($0.count + 7) / 8 * 8 }
        frames = widths.map { [Float](repeating: 0, count: Crosstalk.maxLag * $0) }
        sums = zip(layout.groups, widths).map { [Float](repeating: 0, count: (Crosstalk.maxLag + 1) * $0.count * $1) }
        let expectedBytes = (Double(expectedSamples) / Double(layout.windowSamples) + 1) * Double(layout.recordLength * 4)
        spill = expectedSamples <= 0 || !(expectedBytes <= Double(spillThreshold))
            ? try? EnvelopeSpill(channelCount: 1, directory: spillDirectory) : nil
    }

    /// Adds the next samples of every tap channel (one array per tap channel, all the same length).
    public func add(_ tap: [[Float]]) throws(SynkError) {
        let count = tap.first?.count ?? 0
        guard count > 0, !layout.groups.isEmpty else { return }
        let lag = Crosstalk.maxLag
        // Interleave each group's channels after the frames kept from the block before.
        for (g, group) in layout.groups.enumerated() {
            let w = widths[g]
            let kept = Array(frames[g][(frames[g].count - lag * w)...])
            var buffer = [Float](repeating: 0, count: (lag + count) * w)
            buffer.replaceSubrange(0..<(lag * w), with: kept)
            for (i, channel) in group.enumerated() {
                tap[channel].withUnsafeBufferPointer { x in
                    for t in 0..<count { buffer[(lag + t) * w + i] = x[t] }
                }
            }
            frames[g] = buffer
        }
        var t = 0
        while t < count {
            let span = min(count - t, layout.windowSamples - inWindow)
            for g in layout.groups.indices {
                let w = widths[g], m = layout.groups[g].count
                frames[g].withUnsafeBufferPointer { f in
                    sums[g].withUnsafeMutableBufferPointer { s in
                        Self.accumulate(f.baseAddress! + t * w, width: w, rows: m, count: span, into: s.baseAddress!,
                                        vectorKernel: vectorKernel)
                    }
                }
            }
            t += span
            inWindow += span
            position += span
            if inWindow == layout.windowSamples { try flush() }
        }
    }

    /// Stores what is left and returns every window's products.
    public func finish() throws(SynkError) -> CrosstalkProducts {
        let last = inWindow > 0 ? inWindow : layout.windowSamples
        if inWindow > 0 { try flush() }
        let storage: EnvelopeStorage
        if let spill {
            storage = try spill.finish()
        } else {
            var records = [memoryRecords]
            storage = EnvelopeStorage(consuming: &records)
        }
        return CrosstalkProducts(layout: layout, windowCount: windows, lastWindowSamples: last, storage: storage)
    }

    private func flush() throws(SynkError) {
        var record = [Float]()
        record.reserveCapacity(layout.recordLength)
        for (g, group) in layout.groups.enumerated() {
            let m = group.count, w = widths[g]
            for lag in 0...Crosstalk.maxLag {
                for i in 0..<m {
                    let row = (lag * m + i) * w
                    record.append(contentsOf: sums[g][row..<(row + m)])
                }
            }
            for k in sums[g].indices { sums[g][k] = 0 }
        }
        if let spill { try spill.append([record]) } else { memoryRecords.append(contentsOf: record) }
        windows += 1
        inWindow = 0
    }

    /// sums[τ][i][0..<width] += x_i(t) · x(t − τ) for `count` frames; `frames` points at the frame *before which*
    /// ``Crosstalk/maxLag`` frames of history lie. Eight channels at a time (the AVX2+FMA kernel of `CSynkKernels`
    /// when `vectorKernel` and the width is 8; these Swift loops otherwise and as its reference).
    static func accumulate(_ frames: UnsafePointer<Float>, width: Int, rows: Int, count: Int, into sums: UnsafeMutablePointer<Float>,
                           vectorKernel: Bool) {
        let lag = Crosstalk.maxLag
        let lanes = width / 8
        let raw = UnsafeRawPointer(frames)
        let out = UnsafeMutableRawPointer(sums)
        for t in 0..<count {
            let x = frames + (lag + t) * width
            for tau in 0...lag {
                let y = (lag + t - tau) * width
                for block in 0..<lanes {
                    let v = raw.loadUnaligned(fromByteOffset: 4 * (y + 8 * block), as: SIMD8<Float>.self)
                    for i in 0..<rows {
                        let offset = 4 * ((tau * rows + i) * width + 8 * block)
                        var acc = out.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                        acc.addProduct(SIMD8(repeating: x[i]), v)
                        out.storeBytes(of: acc, toByteOffset: offset, as: SIMD8<Float>.self)
                    }
                }
            }
        }
    }
}

/// A follower's crosstalk in one task on one side.
public struct CrosstalkEstimate: Sendable, Hashable, Codable {
    /// Share of the follower's power (in the tap band) linearly predicted from the larger channels of its side
    /// (adjusted R², 0…1).
    public var fraction: Double
    /// Each candidate source alone (muscle code → its share), those above 1 %.
    public var sources: [String: Double]
    /// Tap samples the estimate rests on.
    public var samples: Int

    enum CodingKeys: String, CodingKey { case fraction, sources, samples }
}

extension Crosstalk {
    /// The crosstalk of channel `follower` of a side from `products` summed over a task's windows.
    ///
    /// - Parameters:
    ///   - allowed: positions (in the side) that may be sources (channels excluded by quality may not).
    ///   - names: a name for each position, for ``CrosstalkEstimate/sources``.
    /// - Returns: nil when the follower has no power or the task no samples.
    public static func estimate(follower f: Int, products: LagProducts, allowed: Set<Int>, names: [String]) -> CrosstalkEstimate? {
        let power = products[0, f, f]
        guard power > 0, power.isFinite, products.samples > 0 else { return nil }
        let candidates = (0..<products.channelCount).filter { $0 != f && allowed.contains($0) && products[0, $0, $0] > power }
        let lags = Array(regressionLags)
        func explained(_ sources: [Int]) -> Double {
            let regressors = sources.flatMap { n in lags.map { (n, $0) } }
            guard !regressors.isEmpty else { return 0 }
            let p = regressors.count
            var gram = [Double](repeating: 0, count: p * p)
            var right = [Double](repeating: 0, count: p)
            for (a, (n, k)) in regressors.enumerated() {
                right[a] = products.covariance(f, lag: 0, n, lag: k)
                for (b, (n2, k2)) in regressors.enumerated() where b >= a {
                    let value = products.covariance(n, lag: k, n2, lag: k2)
                    gram[a * p + b] = value
                    gram[b * p + a] = value
                }
            }
            guard let beta = Statistics.solveSymmetric(gram, right, size: p) else { return 0 }
            let r2 = zip(beta, right).reduce(0) { $0 + $1.0 * $1.1 } / power
            // Adjusted for the regressors' chance fit to a finite sample.
            let n = Double(products.samples)
            guard n > Double(p) + 2 else { return 0 }
            return min(1, max(0, 1 - (1 - min(1, r2)) * (n - 1) / (n - Double(p) - 1)))
        }
        var sources: [String: Double] = [:]
        for n in candidates {
            let share = explained([n])
            if share >= 0.01 { sources[names[n], default: 0] = max(sources[names[n]] ?? 0, share) }
        }
        return CrosstalkEstimate(fraction: explained(candidates), sources: sources, samples: products.samples)
    }
}
