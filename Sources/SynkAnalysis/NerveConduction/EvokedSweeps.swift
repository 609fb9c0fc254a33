import Foundation
import SynkCore

/// Sweeps of one channel around its stimuli, read one at a time: an analysis averages them without holding them
/// all, so its memory does not grow with the number of stimuli (beyond a few numbers per sweep).
public protocol SweepSource {
    var channel: ChannelInfo { get }
    var sampleRate: Double { get }
    /// Samples before the stimulus in each sweep.
    var preStimulusSamples: Int { get }
    var samplesPerSweep: Int { get }
    /// The stimulus of each sweep.
    var stimuli: [Stimulus] { get }
    /// Sweep `index`, µV.
    func sweep(_ index: Int) -> [Double]
    /// Up to `length` samples that follow sweep `index` (before the next stimulus), µV; empty when there are none.
    func continuation(_ index: Int, length: Int) -> [Double]
}

extension SweepSource {
    public var sweepCount: Int { stimuli.count }
    public func timeMs(ofSample index: Double) -> Double { (index - Double(preStimulusSamples)) / sampleRate * 1000 }
    public func sampleIndex(ofMs ms: Double) -> Double { Double(preStimulusSamples) + ms / 1000 * sampleRate }
}

extension EvokedEpochs: SweepSource {
    public func sweep(_ index: Int) -> [Double] { sweeps[index].map(Double.init) }
    public func continuation(_ index: Int, length: Int) -> [Double] { [] }
}

/// Averages sweeps from a ``SweepSource`` after subtracting each sweep's pre-stimulus mean.
enum SweepAverager {
    static func baselineRange(_ source: some SweepSource, conditioning: EvokedConditioning) throws(SynkError) -> Range<Int> {
        let n = source.samplesPerSweep
        let b0 = Int(source.sampleIndex(ofMs: conditioning.baselineStartMs).rounded())
        let b1 = Int(source.sampleIndex(ofMs: conditioning.baselineEndMs).rounded())
        guard b0 >= 0, b1 > b0 + 1, b1 <= n else {
            throw .input(nil, "sweeps start \(source.timeMs(ofSample: 0)) ms before the stimulus; the baseline needs \(conditioning.baselineStartMs) ms",
                         place: source.channel.label, hint: "use a window that starts earlier (--window)")
        }
        return b0..<b1
    }

    /// Mean of `sweep` over `baseline` (the pre-stimulus level each sweep is measured from).
    static func baselineMean(_ sweep: [Double], _ baseline: Range<Int>) -> Double {
        EvokedSignal.mean(sweep[baseline])
    }

    static func average(_ source: some SweepSource, indices: [Int], conditioning: EvokedConditioning) throws(SynkError) -> AveragedResponse {
        guard !indices.isEmpty else { throw .input(nil, "no sweeps to average", place: source.channel.label) }
        let baseline = try baselineRange(source, conditioning: conditioning)
        let n = source.samplesPerSweep
        var sum = [Double](repeating: 0, count: n)
        for s in indices {
            let sweep = source.sweep(s)
            let mean = baselineMean(sweep, baseline)
            for i in 0..<n { sum[i] += sweep[i] - mean }
        }
        let count = Double(indices.count)
        for i in 0..<n { sum[i] /= count }
        let sd = EvokedSignal.standardDeviation(sum[baseline])
        return AveragedResponse(sampleRate: source.sampleRate, preStimulusSamples: source.preStimulusSamples, samples: sum,
                                sweepCount: indices.count, baselineStandardDeviation: sd)
    }

    /// Root mean square over sweeps of each sweep's own baseline SD, µV (the single-sweep noise).
    static func singleSweepNoise(_ source: some SweepSource, indices: [Int], conditioning: EvokedConditioning) throws(SynkError) -> Double {
        let baseline = try baselineRange(source, conditioning: conditioning)
        var sum = 0.0
        for s in indices.prefix(64) {
            let sweep = source.sweep(s)
            let sd = EvokedSignal.standardDeviation(sweep[baseline])
            sum += sd * sd
        }
        return (sum / Double(max(1, min(indices.count, 64)))).squareRoot()
    }
}

/// Sweeps cut on demand from one channel of a recording, with mains interference optionally removed per sweep.
public struct RecordingSweeps: SweepSource {
    public let channel: ChannelInfo
    public let sampleRate: Double
    public let preStimulusSamples: Int
    public let samplesPerSweep: Int
    public let stimuli: [Stimulus]
    let samples: [Float]
    /// Sample index of each sweep's stimulus.
    let stimulusIndices: [Int]
    /// Sample indices of every stimulus of the recording (sorted), for masking responses out of the mains fit
    /// and for limiting continuations.
    let allStimulusIndices: [Int]
    let mains: MainsRemoval?
    /// Samples after a stimulus masked out of the mains fit (the response window).
    let maskAfter: Int
    /// Fitted mains coefficients per stimulus sample index (a sweep is read several times; it is fitted once).
    let fits = MainsFitCache()

    /// Cuts `window` around each of `stimuli` (times in seconds from the first sample) on channel `channelIndex`.
    /// Throws `.input` when a stimulus lies outside the recording or its window runs past either end.
    public init(_ recording: Recording, channelIndex: Int, stimuli: [Stimulus], allStimuli: [Stimulus], window: EpochWindow,
                mains: MainsRemoval?) throws(SynkError) {
        let rate = recording.sampleRate
        let file = recording.header.source?.path
        let channel = recording.channels[channelIndex]
        let pre = window.preSamples(sampleRate: rate), post = window.postSamples(sampleRate: rate)
        var indices: [Int] = []
        indices.reserveCapacity(stimuli.count)
        for stimulus in stimuli {
            guard stimulus.time.isFinite, stimulus.time >= 0, stimulus.time < recording.duration else {
                throw .input(file, "stimulus at \(stimulus.time) s lies outside the recording (0-\(recording.duration) s)",
                             place: "stimuli", hint: "check the stimulus list or its time unit")
            }
            let index = Int((stimulus.time * rate).rounded())
            guard index - pre >= 0, index + post <= recording.frameCount else {
                throw .input(file, "the window \(-window.preStimulusMs)…+\(window.postStimulusMs) ms around the stimulus at \(stimulus.time) s runs past the \(index - pre < 0 ? "start" : "end") of the recording",
                             place: channel.label, hint: "shorten the analysis window (--window) or drop that stimulus")
            }
            indices.append(index)
        }
        self.channel = channel
        self.sampleRate = rate
        self.preStimulusSamples = pre
        self.samplesPerSweep = pre + post
        self.stimuli = stimuli
        self.samples = recording.samples[channelIndex]
        self.stimulusIndices = indices
        self.allStimulusIndices = allStimuli.map { Int(($0.time * rate).rounded()) }.sorted()
        self.mains = mains
        self.maskAfter = post
    }

    public func sweep(_ index: Int) -> [Double] {
        let c = stimulusIndices[index]
        return segment(from: c - preStimulusSamples, count: samplesPerSweep, stimulus: c)
    }

    public func continuation(_ index: Int, length: Int) -> [Double] {
        let c = stimulusIndices[index]
        let from = c - preStimulusSamples + samplesPerSweep
        // Stop 1 ms before the next stimulus of the recording.
        var limit = samples.count
        let k = firstStimulus(after: c)
        if k < allStimulusIndices.count { limit = min(limit, allStimulusIndices[k] - Int((0.001 * sampleRate).rounded())) }
        let count = min(length, limit - from)
        guard count > 0 else { return [] }
        return segment(from: from, count: count, stimulus: c)
    }

    /// Index in `allStimulusIndices` (sorted) of the first stimulus later than sample `c` (binary search).
    func firstStimulus(after c: Int) -> Int {
        var lo = 0, hi = allStimulusIndices.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if allStimulusIndices[mid] > c { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Index of the first stimulus at or after sample `c`.
    func firstStimulus(atOrAfter c: Int) -> Int { firstStimulus(after: c - 1) }

    func segment(from: Int, count: Int, stimulus: Int) -> [Double] {
        var out = (from..<(from + count)).map { Double(samples[$0]) }
        if let mains { subtractMains(mains, from: from, into: &out, stimulus: stimulus) }
        return out
    }

    /// Least-squares fit of a constant and sine/cosine pairs at every mains harmonic over a stretch around the
    /// stimulus (an integer number of mains cycles), with every stimulus's artefact and response window masked
    /// out; the fitted sinusoids are subtracted from `out` (which starts at sample `from`).
    func subtractMains(_ mains: MainsRemoval, from: Int, into out: inout [Double], stimulus: Int) {
        let frequencies = mains.frequencies(sampleRate: sampleRate)
        guard !frequencies.isEmpty else { return }
        let fit: (lo: Int, coefficients: [Double])?
        if let cached = fits.values[stimulus] {
            fit = cached
        } else {
            fit = fitMains(mains, frequencies: frequencies, stimulus: stimulus)
            fits.values[stimulus] = fit
        }
        guard let (lo, coefficients) = fit else { return }
        var state = frequencies.map { _ in (1.0, 0.0) }
        let steps = frequencies.map { (cos(2 * Double.pi * $0 / sampleRate), sin(2 * Double.pi * $0 / sampleRate)) }
        // Rotate the state to sample `from` (phase relative to lo).
        let offset = from - lo
        for k in state.indices {
            let angle = 2 * Double.pi * frequencies[k] / sampleRate * Double(offset)
            state[k] = (cos(angle), sin(angle))
        }
        for j in out.indices {
            var value = 0.0
            for (k, (c, s)) in state.enumerated() { value += coefficients[1 + 2 * k] * c + coefficients[2 + 2 * k] * s }
            out[j] -= value
            for k in state.indices {
                let (c, s) = state[k], (dc, ds) = steps[k]
                state[k] = (c * dc - s * ds, s * dc + c * ds)
            }
        }
    }

    /// The least-squares coefficients (constant, then cosine and sine per frequency) over the fit stretch of one
    /// stimulus, and where that stretch starts; `nil` when too little unmasked signal remains.
    func fitMains(_ mains: MainsRemoval, frequencies: [Double], stimulus: Int) -> (lo: Int, coefficients: [Double])? {
        let cycle = sampleRate / mains.frequencyHz
        let cycles = max(2, (mains.fitSeconds * mains.frequencyHz).rounded())
        let length = Int((cycles * cycle).rounded())
        var lo = max(0, stimulus - length / 2)
        let hi = min(samples.count, lo + length)
        lo = max(0, hi - length)
        let maskBefore = Int((0.001 * sampleRate).rounded())
        var masked = [Bool](repeating: false, count: hi - lo)
        var k = firstStimulus(atOrAfter: lo - maskAfter)
        while k < allStimulusIndices.count, allStimulusIndices[k] - maskBefore < hi {
            let s = allStimulusIndices[k]
            for i in max(lo, s - maskBefore)..<max(max(lo, s - maskBefore), min(hi, s + maskAfter)) { masked[i - lo] = true }
            k += 1
        }
        let unknowns = 1 + 2 * frequencies.count
        let usable = masked.lazy.filter { !$0 }.count
        guard usable >= max(4 * unknowns, Int(cycle.rounded())) else { return nil }
        // Normal equations A·c = b with the basis 1, cos(2πf_k t), sin(2πf_k t); sinusoids by rotation recurrences.
        var a = [Double](repeating: 0, count: unknowns * unknowns)
        var b = [Double](repeating: 0, count: unknowns)
        var basis = [Double](repeating: 0, count: unknowns)
        let steps = frequencies.map { (cos(2 * Double.pi * $0 / sampleRate), sin(2 * Double.pi * $0 / sampleRate)) }
        func fill(_ state: [(Double, Double)]) {
            basis[0] = 1
            for (k, (c, s)) in state.enumerated() { basis[1 + 2 * k] = c; basis[2 + 2 * k] = s }
        }
        var state = frequencies.map { _ in (1.0, 0.0) }
        func advance(_ state: inout [(Double, Double)]) {
            for k in state.indices {
                let (c, s) = state[k], (dc, ds) = steps[k]
                state[k] = (c * dc - s * ds, s * dc + c * ds)
            }
        }
        for i in lo..<hi {
            if !masked[i - lo] {
                fill(state)
                let y = Double(samples[i])
                for r in 0..<unknowns {
                    b[r] += basis[r] * y
                    let br = basis[r]
                    for c in r..<unknowns { a[r * unknowns + c] += br * basis[c] }
                }
            }
            advance(&state)
        }
        for r in 0..<unknowns { for c in 0..<r { a[r * unknowns + c] = a[c * unknowns + r] } }
        guard let coefficients = LinearAlgebra.solveSymmetric(a, b, size: unknowns) else { return nil }
        return (lo, coefficients)
    }
}

/// Per-sweep mains fits of one ``RecordingSweeps`` (a reference type so that reading a sweep twice fits it once).
final class MainsFitCache {
    var values: [Int: (lo: Int, coefficients: [Double])?] = [:]
}

/// Small dense linear algebra for the mains fit.
enum LinearAlgebra {
    /// Solves the symmetric positive (semi-)definite system `a · x = b` (row-major `size × size`) by Cholesky
    /// decomposition with a tiny ridge; `nil` when it is singular.
    static func solveSymmetric(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        var trace = 0.0
        for i in 0..<n { trace += a[i * n + i] }
        guard let x = Statistics.cholesky(a, b, size: n, ridge: 1e-12 * trace / Double(max(n, 1))) else { return nil }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}

/// Groups sweeps recorded without intensities into stable response groups.
///
/// Without intensities synk cannot tell which sweeps were supramaximal. Sweeps are clustered by their single-sweep
/// peak-to-peak amplitude after the artefact (sorted amplitudes split at steps larger than `gapRatio` and than `spreadFactor` times the median step) and then by shape (a sweep stays in its group when it correlates with the group's mean at
/// `minimumCorrelation` or more). A group is stable with at least `minimumSweeps` sweeps and `minimumFraction` of
/// all sweeps; the stable group with the largest median amplitude is measured (the supramaximal plateau when the
/// study climbed to it). This follows the clinical practice of measuring the largest reproducible response
/// (Guntinas-Lichius et al. 2020, Eur Arch Otorhinolaryngol 277:1855-1874: supramaximal stimulation, responses
/// checked for reproducibility).
public struct ResponseGrouping: Sendable, Hashable, Codable {
    public var gapRatio: Double
    /// A step must also exceed this many times the median step between sorted amplitudes.
    public var spreadFactor: Double
    public var minimumCorrelation: Double
    public var minimumSweeps: Int
    public var minimumFraction: Double

    public init(gapRatio: Double = 1.15, spreadFactor: Double = 6, minimumCorrelation: Double = 0.3, minimumSweeps: Int = 2,
                minimumFraction: Double = 0.15) {
        self.gapRatio = gapRatio
        self.spreadFactor = spreadFactor
        self.minimumCorrelation = minimumCorrelation
        self.minimumSweeps = minimumSweeps
        self.minimumFraction = minimumFraction
    }

    enum CodingKeys: String, CodingKey {
        case gapRatio = "gap_ratio"
        case spreadFactor = "spread_factor"
        case minimumCorrelation = "minimum_correlation"
        case minimumSweeps = "minimum_sweeps"
        case minimumFraction = "minimum_fraction"
    }

    /// Splits `indices` by the amplitudes `amplitude[i]` (one per index) into amplitude groups, in increasing order:
    /// at every step between consecutive sorted amplitudes larger than `gapRatio` and than `spreadFactor` times the
    /// median step (in log amplitude). Responses that merely vary from sweep to sweep (MEPs vary by 30-50 %) have
    /// no such step and stay one group; the levels of an intensity series do. The lowest and highest groups must hold
    /// `minimumGroup` sweeps (the tails of a variable response stay with it).
    func amplitudeGroups(_ indices: [Int], amplitude: [Double], minimumGroup: Int = 1) -> [[Int]] {
        let order = indices.indices.sorted { amplitude[$0] < amplitude[$1] }
        let logs = order.map { log(max(amplitude[$0], 1e-12)) }
        var steps: [Double] = []
        for k in 1..<max(1, logs.count) { steps.append(logs[k] - logs[k - 1]) }
        let median = steps.isEmpty ? 0 : steps.sorted()[steps.count / 2]
        let threshold = max(log(gapRatio), spreadFactor * median)
        var splits = (1..<max(1, order.count)).filter { logs[$0] - logs[$0 - 1] > threshold }
        // The extreme groups must hold `minimumGroup` sweeps: a few outlying sweeps stay with their neighbours.
        while let first = splits.first, first < minimumGroup { splits.removeFirst() }
        while let last = splits.last, order.count - last < minimumGroup { splits.removeLast() }
        var groups: [[Int]] = []
        var begin = 0
        for end in splits + [order.count] where end > begin {
            groups.append(order[begin..<end].map { indices[$0] })
            begin = end
        }
        return groups
    }
}
