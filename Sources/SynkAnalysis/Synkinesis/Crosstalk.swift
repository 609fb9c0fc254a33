import CSynkKernels
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
/// channels that carry *more* power than F in that task, each at the lags −3…+5 tap samples (−6…+10 ms at the
/// 500 Hz tap). Volume conduction itself adds no delay, but the tissue's low-pass spreads the copy over a few ms
/// (and a low cut-off of 20-50 Hz over ten); the window reaches further on the side where a causal low-pass puts
/// it. A finite window misses part of a copy low-passed below ~30 Hz (up to a tenth of that copy's power, which
/// such a filter has already reduced to a few per cent of the source's). The share of F's power this linear
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
    public static let regressionLags = -3...5
    /// Largest lag of the stored products: every pair of regressors is at most this far apart.
    public static let maxLag = regressionLags.upperBound - regressionLags.lowerBound
    /// Window of the stored products, seconds: task segments select whole windows.
    public static let windowSeconds = 0.5
    /// Tap rate aimed at: the conditioning keeps every M-th band-passed sample with M the largest factor that stays
    /// at or above this (the crosstalk band then is 20 Hz to 0.4 × the tap rate).
    public static let tapMinimumRate = 500.0

    /// A description of the method for a result's parameters.
    public static func methodDescription(tap: String) -> String {
        "share of the follower's task power linearly predicted from the raw signals of the same side's channels with more power in that task (lags −3…+5 tap samples; adjusted R²), on \(tap); a lower bound of the true crosstalk (non-propagating components are missed, Farina et al. 2004)"
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
    /// Floats stored per window, all groups together: for each group (maxLag + 1) · m².
    public let recordLength: Int

    public init(groups: [[Int]], rate: Double) {
        self.groups = groups.filter { !$0.isEmpty }
        self.rate = rate
        windowSamples = max(1, Int((Crosstalk.windowSeconds * rate).rounded()))
        recordLength = self.groups.reduce(0) { $0 + (Crosstalk.maxLag + 1) * $1.count * $1.count }
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

/// The stored products of a recording: one record per window and side.
public struct CrosstalkProducts: Sendable {
    public let layout: CrosstalkLayout
    public let windowCount: Int
    /// Tap samples in the last window (the others hold ``CrosstalkLayout/windowSamples``).
    public let lastWindowSamples: Int
    /// Each group's records back to back in stored channel g (in memory or spilled like the envelopes).
    let storage: EnvelopeStorage

    /// The products of group `group` summed over `windows` (in double precision).
    public func sums(group: Int, windows: [Int]) -> LagProducts {
        let m = layout.groups[group].count
        var result = LagProducts(channelCount: m)
        let length = (Crosstalk.maxLag + 1) * m * m
        let reader = storage.reader(group)
        result.values.withUnsafeMutableBufferPointer { out in
            for w in windows where w >= 0 && w < windowCount {
                let record = reader.samples((w * length)..<((w + 1) * length))
                for k in 0..<length { out[k] += Double(record[k]) }
                result.samples += w == windowCount - 1 ? lastWindowSamples : layout.windowSamples
            }
        }
        return result
    }

    /// A read failure of spilled records, as for envelopes.
    public func readError(file: String?) -> SynkError? { storage.readError(file: file) }
}

/// Accumulates the lagged products of the tap's channels, window by window, while the recording streams past; the
/// sides are independent and run on all cores. Memory is bounded by one block plus the records, which are spilled to
/// temporary files like the envelopes when they would be large.
public final class CrosstalkAccumulator {
    public let layout: CrosstalkLayout
    private let sides: [SideState]
    private let vectorKernel: Bool

    /// One side's running state; touched by one thread at a time (the worker conditioning the side's lanes, or the
    /// accumulator's own parallel loop).
    final class SideState: LaneTapSink, @unchecked Sendable {
        let rows: Int
        let width: Int
        let windowSamples: Int
        let vectorKernel: Bool
        let wideKernel: Bool
        /// ``Crosstalk/maxLag`` frames of history, then room for a block (`width` floats each); grows, never shrinks.
        private var frames: UnsafeMutablePointer<Float>
        private var capacity: Int
        /// The current window's sums, (maxLag + 1) × rows × width.
        var sums: [Float]
        var inWindow = 0
        /// Frames received since the accumulator last counted them.
        var received = 0
        var records: [Float] = []
        let spill: EnvelopeSpill?
        var failure: SynkError?

        init(rows: Int, windowSamples: Int, vectorKernel: Bool, wideKernel: Bool, spill: EnvelopeSpill?) {
            self.rows = rows
            width = (rows + 7) / 8 * 8
            self.windowSamples = windowSamples
            self.vectorKernel = vectorKernel
            self.wideKernel = wideKernel
            capacity = (Crosstalk.maxLag + 1024) * width
            frames = .allocate(capacity: capacity)
            frames.initialize(repeating: 0, count: capacity)
            sums = [Float](repeating: 0, count: (Crosstalk.maxLag + 1) * rows * width)
            self.spill = spill
        }

        deinit { frames.deallocate() }

        /// Room for `count` frames after the history (eight-row sides: a frame is eight floats).
        func reserve(_ count: Int) -> UnsafeMutablePointer<Float> { room(count) }

        func commit(_ count: Int) { accumulate(count) }

        /// Room for `count` frames of `width` floats after the history.
        func room(_ count: Int) -> UnsafeMutablePointer<Float> {
            let history = Crosstalk.maxLag * width
            let needed = history + count * width
            if needed > capacity {
                let larger = UnsafeMutablePointer<Float>.allocate(capacity: needed)
                larger.initialize(repeating: 0, count: needed)
                larger.update(from: frames, count: history)
                frames.deallocate()
                frames = larger
                capacity = needed
            }
            return frames + history
        }

        /// Accumulates the `count` frames written after the history; keeps the last maxLag as the next history.
        func accumulate(_ count: Int) {
            let history = Crosstalk.maxLag * width
            var t = 0
            while t < count {
                let span = min(count - t, windowSamples - inWindow)
                sums.withUnsafeMutableBufferPointer { s in
                    CrosstalkAccumulator.accumulate(frames + t * width, width: width, rows: rows, count: span, into: s.baseAddress!,
                                                    vectorKernel: vectorKernel, wideKernel: wideKernel)
                }
                t += span
                inWindow += span
                if inWindow == windowSamples { flush() }
            }
            memmove(frames, frames + count * width, history * MemoryLayout<Float>.stride)
            received += count
        }

        /// Appends the window's products (rows × rows per lag) to the records and starts the next window.
        func flush() {
            let m = rows, w = width
            let length = (Crosstalk.maxLag + 1) * m * m
            sums.withUnsafeMutableBufferPointer { s in
                let base = s.baseAddress!
                if m == w {
                    records.append(contentsOf: UnsafeBufferPointer(start: base, count: length))
                } else {
                    records.reserveCapacity(records.count + length)
                    for row in 0..<((Crosstalk.maxLag + 1) * m) {
                        records.append(contentsOf: UnsafeBufferPointer(start: base + row * w, count: m))
                    }
                }
                s.update(repeating: 0)
            }
            inWindow = 0
            if let spill, records.count >= 1 << 16 {
                do { try spill.append([records]) } catch { failure = error }
                records.removeAll(keepingCapacity: true)
            }
        }
    }

    private var windows = 0
    private var inWindow = 0

    /// - Parameter expectedSamples: tap samples the recording will give (for the spill decision; ≤ 0 when unknown).
    ///   `vectorKernel`: the AVX2 kernel (else the Swift loops); `wideKernel`: its 512-bit form when the processor has
    ///   it (the same sums bit for bit).
    public init(layout: CrosstalkLayout, expectedSamples: Int, spillThreshold: Int, spillDirectory: String? = nil,
                vectorKernel: Bool = VectorKernels.enabled, wideKernel: Bool = VectorKernels.wideSweeps) {
        self.layout = layout
        self.vectorKernel = vectorKernel
        let expectedBytes = (Double(expectedSamples) / Double(layout.windowSamples) + 1) * Double(layout.recordLength * 4)
        let spill = expectedSamples <= 0 || !(expectedBytes <= Double(spillThreshold))
        sides = layout.groups.map { group in
            SideState(rows: group.count, windowSamples: layout.windowSamples, vectorKernel: vectorKernel, wideKernel: vectorKernel && wideKernel,
                      spill: spill ? try? EnvelopeSpill(channelCount: 1, directory: spillDirectory) : nil)
        }
    }

    /// Adds the next samples of every tap channel (one array per tap channel, all the same length).
    public func add(_ tap: [[Float]]) throws(SynkError) {
        let count = tap.first?.count ?? 0
        guard count > 0 else { return }
        let groups = layout.groups
        _ = ChannelParallel.map(sides) { side, g -> Bool in
            let out = side.room(count)
            for t in 0..<(count * side.width) { out[t] = 0 }
            for (i, channel) in groups[g].enumerated() {
                tap[channel].withUnsafeBufferPointer { x in
                    for t in 0..<count { out[t * side.width + i] = x[t] }
                }
            }
            side.accumulate(count)
            return true
        }
        try collect()
    }

    /// The sinks to give the conditioner (``MultichannelConditioner/init(_:sampleRate:channelCount:tap:laneGroups:tapSinks:)``),
    /// one per group, with the groups of this layout as its lane groups: each side accumulates in its group's worker.
    public var laneSinks: [any LaneTapSink] { sides }

    /// Counts the frames the sides received since the last call (after each block the conditioner processed).
    public func collect() throws(SynkError) {
        let counts = Set(sides.map(\.received))
        precondition(counts.count <= 1, "every side receives the same frames")
        for side in sides { side.received = 0 }
        try advance(counts.first ?? 0)
    }

    /// Adds the next tap frames of each group, as the conditioner made them (``MultichannelConditioner/takeTapFrames()``
    /// with the groups of this layout as its lane groups: lane k of group g is the group's channel k).
    public func addLaneFrames(_ frames: [[ChannelLanes]]) throws(SynkError) {
        precondition(frames.count == sides.count && sides.allSatisfy { $0.width == 8 }, "one group of at most eight lanes per side")
        let count = frames.first?.count ?? 0
        guard count > 0 else { return }
        _ = ChannelParallel.map(sides) { side, g -> Bool in
            let room = side.reserve(count)
            frames[g].withUnsafeBytes { bytes in
                UnsafeMutableRawPointer(room).copyMemory(from: bytes.baseAddress!, byteCount: count * MemoryLayout<ChannelLanes>.stride)
            }
            side.commit(count)
            return true
        }
        try collect()
    }

    private func advance(_ count: Int) throws(SynkError) {
        inWindow += count
        windows += inWindow / layout.windowSamples
        inWindow %= layout.windowSamples
        if let failure = sides.compactMap(\.failure).first { throw failure }
    }

    /// Stores what is left and returns every window's products.
    public func finish() throws(SynkError) -> CrosstalkProducts {
        let last = inWindow > 0 ? inWindow : layout.windowSamples
        if inWindow > 0 {
            for side in sides { side.flush() }
            windows += 1
        }
        if let failure = sides.compactMap(\.failure).first { throw failure }
        var channels: [EnvelopeStorage.Channel] = []
        for side in sides {
            if let spill = side.spill {
                if !side.records.isEmpty { try spill.append([side.records]) }
                channels.append(contentsOf: try spill.finish().channels)
            } else {
                channels.append(EnvelopeStorage.Channel(copying: side.records))
            }
            side.records = []
        }
        return CrosstalkProducts(layout: layout, windowCount: windows, lastWindowSamples: last,
                                 storage: EnvelopeStorage(channels: channels))
    }

    /// sums[τ][i][0..<width] += x_i(t) · x(t − τ) for `count` frames of `width` floats; `frames` points at the
    /// ``Crosstalk/maxLag`` frames of history before the first. Eight rows and eight columns at a time: the AVX2+FMA
    /// kernel of `CSynkKernels` when `vectorKernel`, these Swift loops otherwise (and as its reference; they round
    /// the products and sums separately, so the two agree to single-precision rounding).
    static func accumulate(_ frames: UnsafePointer<Float>, width: Int, rows: Int, count: Int, into sums: UnsafeMutablePointer<Float>,
                           vectorKernel: Bool, wideKernel: Bool = VectorKernels.wideSweeps) {
        let lag = Crosstalk.maxLag
        guard count > 0 else { return }
        if vectorKernel, wideKernel, width == 8 {
            synk_lag_products_f32x8_avx512(frames, frames, count, Int32(lag), Int32(rows), sums, width, rows * width)
            return
        }
        for rowBlock in stride(from: 0, to: rows, by: 8) {
            let blockRows = min(8, rows - rowBlock)
            for column in stride(from: 0, to: width, by: 8) {
                let out = sums + rowBlock * width + column
                if vectorKernel {
                    synk_lag_products_f32x8_avx2(frames + rowBlock, frames + column, width, count, Int32(lag), Int32(blockRows),
                                                 out, width, rows * width)
                    continue
                }
                let raw = UnsafeMutableRawPointer(out)
                for tau in 0...lag {
                    for i in 0..<blockRows {
                        let offset = 4 * (tau * rows * width + i * width)
                        var acc = raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                        for t in 0..<count {
                            let x = frames[(lag + t) * width + rowBlock + i]
                            let y = UnsafeRawPointer(frames + (lag + t - tau) * width + column).loadUnaligned(as: SIMD8<Float>.self)
                            acc = acc + SIMD8(repeating: x) * y
                        }
                        raw.storeBytes(of: acc, toByteOffset: offset, as: SIMD8<Float>.self)
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
        var best = 0.0
        for n in candidates {
            let share = explained([n])
            best = max(best, share)
            if share >= 0.01 { sources[names[n], default: 0] = max(sources[names[n]] ?? 0, share) }
        }
        // Together the sources explain at least what the best of them does alone (a regression gains by more
        // regressors), also when their near-collinearity defeats the joint solve.
        return CrosstalkEstimate(fraction: max(explained(candidates), best), sources: sources, samples: products.samples)
    }
}
