import CSynkKernels
import Dispatch
import Foundation
import SynkCore
import SynkDSP

/// A problem with a channel that makes its numbers untrustworthy.
public enum QualityFlag: String, Sendable, Codable, Hashable, CaseIterable, Comparable {
    /// No signal: (almost) constant.
    case flat
    /// Samples pinned at the acquisition's limits.
    case clipped
    /// Missing or non-finite samples (NaN gaps, empty cells). ``excludesChannel`` is true (the evoked analyses and
    /// `synk filter` leave such a channel out); the synkinesis pipeline instead bridges the gaps and leaves out only
    /// the time they cover (``SynkinesisPipeline``, docs/gaps.md).
    case nanGap = "nan_gap"
    /// Most of the power is mains interference. Information only: a quiet, healthy muscle at rest (1-4 µV of
    /// electrode noise) with a few µV of hum is mains-dominated and still measures well once the hum is notched;
    /// the channel is excluded only when the hum's level shows a disconnected electrode (``disconnected``).
    case mainsDominated = "mains_dominated"
    /// A disconnected or floating electrode: mains-dominated *and* the hum itself is at least
    /// ``QualityCriteria/disconnectedMainsRMS`` (tens to thousands of µV, where a connected facial electrode picks
    /// up a few µV at most).
    case disconnected
    /// Amplifier saturation: the EMG holds one value for long runs (≥ ``QualityCriteria/saturatedRunSeconds``),
    /// wherever it sits. Muscle activity never stays constant that long, even quantised by a 10-bit ADC,
    /// whereas an overloaded amplifier sits at its output limit until it recovers. Distinct from ``clipped``,
    /// which counts samples at the extremes of the channel, in runs or not.
    case saturated
    /// Noise no facial muscle makes: a broadband RMS beyond ``QualityCriteria/extremeNoiseRMS`` (voltage
    /// channels; facial sEMG stays below about 1 mV RMS even in maximal contraction), or most of the power
    /// below ``QualityCriteria/motionBandHz`` (electrode movement and cable sway; sEMG power lies at
    /// 20–450 Hz; the power of a ``saturated`` channel's held stretches is not counted again here). Checked
    /// on EMG channels only.
    case extremeNoise = "extreme_noise"

    public static func < (a: QualityFlag, b: QualityFlag) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Whether the flag makes a channel's numbers untrustworthy, so that analyses leave the channel out
    /// (every flag except ``mainsDominated``, which is information).
    public var excludesChannel: Bool { self != .mainsDominated }
}

/// Thresholds of the channel checks; every report states them.
public struct QualityCriteria: Sendable, Codable, Hashable {
    /// A channel is flat when its standard deviation is below this, in µV (or in the channel's own unit
    /// when that is not a voltage).
    public var flatStandardDeviation: Double = 0.1
    /// A channel is clipped when at least this fraction of its samples sit at its extreme values in runs.
    public var clippedFraction: Double = 0.001
    /// An extreme value must recur at least this often before its samples count as clipped.
    public var clippedRunLength: Int = 3
    /// A channel is mains-dominated when this fraction of its power lies at the mains frequency and its
    /// harmonics.
    public var mainsFraction: Double = 0.5
    /// A mains-dominated voltage channel is ``QualityFlag/disconnected`` when the hum's RMS (fundamental and
    /// harmonics) reaches this, in µV. An electrode off the skin or a floating lead shows tens to thousands of µV of
    /// hum; a connected facial electrode with ordinary contact, a few µV (its resting EMG and electrode noise are
    /// 1-4 µV RMS, so a few µV of hum is enough to dominate it without making it unusable).
    public var disconnectedMainsRMS: Double = 20
    /// Mains frequencies examined (both, since recordings travel between 50 Hz and 60 Hz countries).
    public var mainsFrequencies: [Double] = [50, 60]
    /// Harmonics examined per mains frequency (up to Nyquist).
    public var mainsHarmonics: Int = 5
    /// A run of identical consecutive samples at least this long, in seconds, is amplifier saturation
    /// (20 ms: 20 samples at 1 kHz; an EMG at rest quantised to whole ADC counts repeats a value for a few
    /// samples at most).
    public var saturatedRunSeconds: Double = 0.020
    /// An EMG channel is saturated when at least this fraction of its samples lie in such runs.
    public var saturatedFraction: Double = 0.001
    /// An EMG channel in µV (or another voltage unit) is extremely noisy above this RMS, in µV: twice the
    /// largest facial sEMG (about 1 mV RMS in maximal contraction).
    public var extremeNoiseRMS: Double = 2000
    /// Upper edge of the movement-artefact band, Hz: facial sEMG has little power below 10 Hz once the
    /// mean is removed, movement artefacts most of theirs.
    public var motionBandHz: Double = 10
    /// An EMG channel is extremely noisy when at least this fraction of its power (one-second windows, mean
    /// removed) lies below ``motionBandHz``.
    public var motionFraction: Double = 0.5

    public init() {}

    enum CodingKeys: String, CodingKey {
        case flatStandardDeviation = "flat_sd"
        case clippedFraction = "clipped_fraction"
        case clippedRunLength = "clipped_run_length"
        case mainsFraction = "mains_fraction"
        case disconnectedMainsRMS = "disconnected_mains_rms_uv"
        case mainsFrequencies = "mains_frequencies_hz"
        case mainsHarmonics = "mains_harmonics"
        case saturatedRunSeconds = "saturated_run_s"
        case saturatedFraction = "saturated_fraction"
        case extremeNoiseRMS = "extreme_noise_rms_uv"
        case motionBandHz = "motion_band_hz"
        case motionFraction = "motion_fraction"
    }
}

/// The quality of one channel: summary statistics and the flags raised.
public struct ChannelQuality: Sendable, Codable, Hashable {
    public var channel: String
    /// Root mean square of the finite samples after removing the mean, in the channel's unit.
    public var rms: Double?
    public var mean: Double?
    public var minimum: Double?
    public var maximum: Double?
    public var nonFiniteSamples: Int
    /// Time of the first non-finite sample, seconds.
    public var firstNonFiniteSeconds: Double?
    public var clippedSamples: Int
    /// Fraction of the power at mains frequencies and harmonics (0...1), when measurable.
    public var mainsPowerFraction: Double?
    /// The mains frequency that dominated, Hz.
    public var mainsFrequency: Double?
    /// RMS of the hum at that frequency and its harmonics, in the channel's unit (µV for voltages).
    public var mainsRMS: Double?
    /// Fraction of the power below ``QualityCriteria/motionBandHz`` (0...1), when measurable.
    public var motionPowerFraction: Double?
    /// Samples in runs of identical values lasting at least ``QualityCriteria/saturatedRunSeconds``.
    public var saturatedSamples: Int
    /// The longest run of identical consecutive samples, seconds.
    public var longestConstantRunSeconds: Double?
    public var flags: [QualityFlag]
    /// One sentence per flag, for people.
    public var explanations: [String]

    enum CodingKeys: String, CodingKey {
        case channel, rms, mean, minimum = "min", maximum = "max"
        case nonFiniteSamples = "non_finite_samples"
        case firstNonFiniteSeconds = "first_non_finite_s"
        case clippedSamples = "clipped_samples"
        case mainsPowerFraction = "mains_power_fraction"
        case mainsFrequency = "mains_frequency_hz"
        case mainsRMS = "mains_rms"
        case motionPowerFraction = "motion_power_fraction"
        case saturatedSamples = "saturated_samples"
        case longestConstantRunSeconds = "longest_constant_run_s"
        case flags, explanations
    }

    /// No flag that excludes the channel (``QualityFlag/excludesChannel``).
    public var isUsable: Bool { !flags.contains(where: \.excludesChannel) }
}

/// Measures channel quality while a recording streams past, in one pass and bounded memory.
///
/// Mains power is measured exactly on consecutive one-second windows from one FFT per window at each
/// mains harmonic (one-second windows put every integer frequency on a DFT bin), and compared with
/// the window's total power by Parseval's theorem; the same FFT gives the power below the motion band.
/// Runs of identical samples (saturation) are counted in the per-sample loop with one comparison.
public struct QualityAccumulator: Sendable {
    public let criteria: QualityCriteria
    public let header: RecordingHeader
    private var channels: [Accumulator]
    private var framesSeen = 0
    private let isEnvelope: Bool

    public init(header: RecordingHeader, criteria: QualityCriteria = QualityCriteria()) {
        self.criteria = criteria
        self.header = header
        let window = max(8, Int(header.sampleRate.rounded()))
        let nyquist = header.sampleRate / 2
        var bins: [(frequency: Double, harmonics: [Int])] = []
        for f in criteria.mainsFrequencies where f < nyquist {
            let harmonics = (1...max(1, criteria.mainsHarmonics)).map { Double($0) * f }.filter { $0 < nyquist * 0.98 }
            // With a one-second window the bin index of frequency f is f / (rate / window).
            let binWidth = header.sampleRate / Double(window)
            bins.append((f, harmonics.map { Int(($0 / binWidth).rounded()) }))
        }
        let binWidth = header.sampleRate / Double(window)
        let motionBins = Array(stride(from: 1, to: Int((criteria.motionBandHz / binWidth).rounded(.up)), by: 1))
        let saturationRun = max(2, Int((criteria.saturatedRunSeconds * header.sampleRate).rounded(.up)))
        channels = header.channels.map {
            Accumulator(window: window, mainsBins: bins, motionBins: motionBins, saturationRun: saturationRun, rails: $0.physicalRange)
        }
        isEnvelope = Self.holdsEnvelopes(header)
    }

    /// Whether the recording holds amplitude envelopes written by `synk filter --envelope` (its provenance
    /// says so): envelopes are slow by construction, so their power below the motion band is no artefact.
    public static func holdsEnvelopes(_ header: RecordingHeader) -> Bool {
        guard let conditioning = header.metadata["synk_conditioning"],
              let object = try? JSONSerialization.jsonObject(with: Data(conditioning.utf8)) as? [String: Any] else { return false }
        return object["envelope"] != nil
    }

    /// Feeds the next block of every channel.
    public mutating func add(_ block: SignalBlock) {
        let count = min(channels.count, block.channels.count)
        let firstFrame = framesSeen
        // Channels are independent: measure them on all cores (each iteration touches one accumulator).
        channels.withUnsafeMutableBufferPointer { accumulators in
            let shared = UnsafeSlots(accumulators)
            DispatchQueue.concurrentPerform(iterations: count) { c in
                shared.buffer[c].add(block.channels[c], firstFrame: firstFrame, knownFinite: block.allFinite)
            }
        }
        framesSeen += block.frameCount
    }

    /// `@unchecked Sendable`: iteration c of the parallel loop touches only element c, and
    /// `concurrentPerform` returns after every iteration has finished.
    private struct UnsafeSlots: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Accumulator>
        init(_ buffer: UnsafeMutableBufferPointer<Accumulator>) { self.buffer = buffer }
    }

    /// The verdict on every channel.
    public func finish() -> [ChannelQuality] {
        zip(header.channels, channels).map { info, acc in
            acc.verdict(info: info, criteria: criteria, rate: header.sampleRate, judgeMotion: !isEnvelope)
        }
    }

    /// Convenience: the quality of every channel of an in-memory recording.
    public static func assess(_ recording: Recording, criteria: QualityCriteria = QualityCriteria()) -> [ChannelQuality] {
        var accumulator = QualityAccumulator(header: recording.header, criteria: criteria)
        accumulator.add(SignalBlock(firstFrame: 0, channels: recording.samples))
        return accumulator.finish()
    }

    struct Accumulator: Sendable {
        let window: Int
        let mainsBins: [(frequency: Double, harmonics: [Int])]
        var count = 0
        var sum = 0.0
        var sumSquares = 0.0
        var shift: Double?
        var minimum = Double.infinity
        var maximum = -Double.infinity
        var nonFinite = 0
        var firstNonFinite: Int?
        // How often the running extremes occur, and how many samples reach the acquisition's rails:
        // clipping pins many samples at exactly the extreme value, clean signals reach it once or twice.
        var maximumCount = 0
        var minimumCount = 0
        var atRails = 0
        let rails: ClosedRange<Double>?
        // Mains measurement over whole one-second windows (the workspace is this channel's alone).
        let spectrum: WindowPowerSpectrum.Workspace
        var powers: [Double] = []
        var mainsEnergy: [Double]
        var windowEnergy = 0.0
        var motionEnergy = 0.0
        /// Samples in the windows measured so far.
        var measuredSamples = 0
        // The current run of identical samples, and what the finished runs added up to.
        let saturationRun: Int
        var runValue: Float = .nan
        var runLength = 0
        var saturatedSamples = 0
        var longestRun = 0
        /// DFT bins measured per window, and for each mains frequency the positions of its bins there.
        let spectrumBins: [Int]
        let mainsSpectrumIndices: [[Int]]
        let motionSpectrumIndices: [Int]

        init(window: Int, mainsBins: [(frequency: Double, harmonics: [Int])], motionBins: [Int], saturationRun: Int,
             rails: ClosedRange<Double>?) {
            self.window = window
            self.saturationRun = saturationRun
            self.rails = rails
            self.mainsBins = mainsBins
            mainsEnergy = Array(repeating: 0, count: mainsBins.count)
            spectrum = WindowPowerSpectrum.Workspace(length: window)
            // The DFT bins examined (each harmonic ±1, inside 0 < k < N/2), in the order they are summed.
            var spectrumBins: [Int] = []
            var indices: [[Int]] = []
            for entry in mainsBins {
                var these: [Int] = []
                for bin in entry.harmonics {
                    for k in [bin - 1, bin, bin + 1] where k > 0 && 2 * k < window {
                        these.append(spectrumBins.count)
                        spectrumBins.append(k)
                    }
                }
                indices.append(these)
            }
            var motion: [Int] = []
            for k in motionBins where 2 * k < window {
                motion.append(spectrumBins.count)
                spectrumBins.append(k)
            }
            self.spectrumBins = spectrumBins
            mainsSpectrumIndices = indices
            motionSpectrumIndices = motion
        }

        /// Closes the current run of identical samples (a non-finite sample or the end breaks it).
        mutating func endRun() {
            if runLength >= saturationRun { saturatedSamples += runLength }
            longestRun = Swift.max(longestRun, runLength)
            runLength = 0
        }

        mutating func add(_ samples: [Float], firstFrame: Int, knownFinite: Bool = false) {
            // The common case, a block without gaps, is known from the reader or recognised by one vectorised pass.
            if knownFinite || Signal.firstNonFiniteIndex(in: samples) == nil {
                if !samples.isEmpty { samples.withUnsafeBufferPointer { addFinite($0) } }
                return
            }
            samples.withUnsafeBufferPointer { buffer in
                var start = 0
                while start < buffer.count {
                    // The run of finite samples from `start`, then the non-finite ones after it.
                    var end = start
                    while end < buffer.count && buffer[end].isFinite { end += 1 }
                    if end > start { addFinite(UnsafeBufferPointer(rebasing: buffer[start..<end])) }
                    while end < buffer.count && !buffer[end].isFinite {
                        nonFinite += 1
                        if firstNonFinite == nil { firstNonFinite = firstFrame + end }
                        spectrum.reset() // a gap breaks the window
                        endRun()
                        end += 1
                    }
                    start = end
                }
            }
        }

        /// Statistics of finite samples, with the running values in locals so the loop stays in registers.
        private mutating func addFinite(_ run: UnsafeBufferPointer<Float>) {
            // Shifted sums keep the variance exact for signals with a large offset (ADC counts).
            if shift == nil { shift = Double(run[0]) }
            let shift = self.shift!
            var sum = self.sum, sumSquares = self.sumSquares
            var maximum = self.maximum, minimum = self.minimum
            var maximumCount = self.maximumCount, minimumCount = self.minimumCount, atRails = self.atRails
            var runValue = self.runValue, runLength = self.runLength
            var saturatedSamples = self.saturatedSamples, longestRun = self.longestRun
            let saturationRun = self.saturationRun
            let upper = rails?.upperBound ?? .infinity, lower = rails?.lowerBound ?? -.infinity
            // Runs of one value (saturation). Eight samples at a time: when no sample of a group equals the one
            // before it (the rule in a live signal), each of them starts a run, so only the run before the group
            // can end long; a group with a repeat is walked sample by sample.
            func step(_ x: Float) {
                if x == runValue {
                    runLength += 1
                } else {
                    if runLength >= saturationRun { saturatedSamples += runLength }
                    if runLength > longestRun { longestRun = runLength }
                    runValue = x
                    runLength = 1
                }
            }
            let raw = UnsafeRawPointer(run.baseAddress!)
            var i = 0
            if run.count > 0 { step(run[0]); i = 1 }
            while i + 8 <= run.count {
                let current = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                let previous = raw.loadUnaligned(fromByteOffset: 4 * (i - 1), as: SIMD8<Float>.self)
                if any(current .== previous) {
                    for k in i..<(i + 8) { step(run[k]) }
                } else {
                    if runLength >= saturationRun { saturatedSamples += runLength }
                    longestRun = Swift.max(longestRun, runLength, 1)
                    runValue = current[7]
                    runLength = 1
                }
                i += 8
            }
            while i < run.count { step(run[i]); i += 1 }
            // Sums, extremes and rail counts, eight samples at a time.
            let block = Self.blockStatistics(run, shift: shift, lower: lower, upper: upper)
            sum += block.sum
            sumSquares += block.sumSquares
            atRails += block.atRails
            // The extreme's count is how often the final extreme occurs: a new extreme restarts it.
            if block.maximum > maximum { maximum = block.maximum; maximumCount = block.maximumCount }
            else if block.maximum == maximum { maximumCount += block.maximumCount }
            if block.minimum < minimum { minimum = block.minimum; minimumCount = block.minimumCount }
            else if block.minimum == minimum { minimumCount += block.minimumCount }
            count += run.count
            self.sum = sum
            self.sumSquares = sumSquares
            self.maximum = maximum
            self.minimum = minimum
            self.maximumCount = maximumCount
            self.minimumCount = minimumCount
            self.atRails = atRails
            self.runValue = runValue
            self.runLength = runLength
            self.saturatedSamples = saturatedSamples
            self.longestRun = longestRun
            var offset = 0
            while offset < run.count {
                offset += spectrum.append(UnsafeBufferPointer(rebasing: run[offset...]))
                if spectrum.isFull { measureWindow() }
            }
        }

        /// Σ(x − shift), Σ(x − shift)², the extremes with how often each occurs, and the samples at or beyond the
        /// rails, of finite samples (vectorised: SIMD extremes and comparisons, eight double accumulators; the
        /// AVX2 kernel of `CSynkKernels` when `vectorKernel`, the Swift loop below otherwise).
        static func blockStatistics(
            _ run: UnsafeBufferPointer<Float>, shift: Double, lower: Double, upper: Double,
            vectorKernel: Bool = VectorKernels.enabled
        ) -> (sum: Double, sumSquares: Double, minimum: Double, maximum: Double, minimumCount: Int, maximumCount: Int, atRails: Int) {
            let n = run.count
            guard n > 0, let base = run.baseAddress else { return (0, 0, .infinity, -.infinity, 0, 0, 0) }
            if vectorKernel {
                var s = synk_block_statistics()
                let railsSet: Int32 = lower > -.infinity || upper < .infinity ? 1 : 0
                synk_block_statistics_f32_avx2(base, n, shift, lower, upper, railsSet, &s)
                return (s.sum, s.sumSquares, s.minimum, s.maximum, s.minimumCount, s.maximumCount, s.atRails)
            }
            let raw = UnsafeRawPointer(base)
            let lanes = n / 8
            var low = SIMD8<Float>(repeating: .infinity), high = SIMD8<Float>(repeating: -.infinity)
            // How often each lane's running extreme has occurred: a new extreme restarts its count at 1.
            var lowCount = SIMD8<Int32>(), highCount = SIMD8<Int32>()
            let one = SIMD8<Int32>(repeating: 1), zero = SIMD8<Int32>()
            var sums = SIMD8<Double>(), squares = SIMD8<Double>()
            let offset = SIMD8<Double>(repeating: shift)
            for k in 0..<lanes {
                let v = raw.loadUnaligned(fromByteOffset: 32 * k, as: SIMD8<Float>.self)
                let below = v .< low, above = v .> high
                lowCount = (lowCount &+ zero.replacing(with: one, where: v .== low)).replacing(with: one, where: below)
                highCount = (highCount &+ zero.replacing(with: one, where: v .== high)).replacing(with: one, where: above)
                low = low.replacing(with: v, where: below)   // pointwiseMin is not inlined: a call per vector
                high = high.replacing(with: v, where: above)
                let d = SIMD8<Double>(v) - offset
                sums += d
                squares += d * d
            }
            var sum = sums.sum(), sumSquares = squares.sum()
            let laneMinimum = low.min(), laneMaximum = high.max()
            var minimum = Double(laneMinimum), maximum = Double(laneMaximum)
            var minimumCount = lanes > 0 ? Int(zero.replacing(with: lowCount, where: low .== laneMinimum).wrappedSum()) : 0
            var maximumCount = lanes > 0 ? Int(zero.replacing(with: highCount, where: high .== laneMaximum).wrappedSum()) : 0
            for i in (8 * lanes)..<n {
                let v = Double(run[i])
                let d = v - shift
                sum += d
                sumSquares += d * d
                if v < minimum { minimum = v; minimumCount = 1 } else if v == minimum { minimumCount += 1 }
                if v > maximum { maximum = v; maximumCount = 1 } else if v == maximum { maximumCount += 1 }
            }
            var atRails = 0
            let railsSet = lower > -.infinity || upper < .infinity
            if railsSet {
                for x in run {
                    let v = Double(x)
                    atRails &+= (v >= upper || v <= lower) ? 1 : 0
                }
            }
            return (sum, sumSquares, minimum, maximum, minimumCount, maximumCount, atRails)
        }

        mutating func measureWindow() {
            let n = Double(window)
            // One FFT gives the window's centred energy and every mains and motion bin at once.
            windowEnergy += spectrum.measure(bins: spectrumBins, into: &powers)
            measuredSamples += window
            for (m, bins) in mainsSpectrumIndices.enumerated() {
                // Energy of a real sinusoid on bin k: 2|X_k|²/N (Parseval), ±1 bin for slight drift.
                for index in bins { mainsEnergy[m] += 2 * powers[index] / n }
            }
            for index in motionSpectrumIndices { motionEnergy += 2 * powers[index] / n }
        }

        func verdict(info: ChannelInfo, criteria: QualityCriteria, rate: Double, judgeMotion: Bool = true) -> ChannelQuality {
            var flags: [QualityFlag] = []
            var explanations: [String] = []
            let unit = info.unit.symbol.isEmpty ? "" : " \(info.unit.symbol)"
            var quality = ChannelQuality(
                channel: info.label, rms: nil, mean: nil, minimum: nil, maximum: nil,
                nonFiniteSamples: nonFinite, firstNonFiniteSeconds: firstNonFinite.map { Double($0) / rate },
                clippedSamples: 0, mainsPowerFraction: nil, mainsFrequency: nil, mainsRMS: nil, motionPowerFraction: nil,
                saturatedSamples: 0, longestConstantRunSeconds: nil, flags: [], explanations: [])
            if nonFinite > 0 {
                flags.append(.nanGap)
                let at = String(format: "%.3f", Double(firstNonFinite ?? 0) / rate)
                explanations.append("\(nonFinite) missing or non-finite samples, the first at \(at) s")
            }
            if count > 0, let shift {
                let mean = sum / Double(count)
                let variance = Swift.max(0, sumSquares / Double(count) - mean * mean)
                let sd = variance.squareRoot()
                quality.mean = mean + shift
                quality.rms = sd
                quality.minimum = minimum
                quality.maximum = maximum
                // Voltages arrive in µV; other units (counts, degrees) are flat only when constant.
                let flatLimit = info.unit.isVoltage ? criteria.flatStandardDeviation : 0
                if sd <= flatLimit || maximum == minimum {
                    flags.append(.flat)
                    explanations.append(String(format: "flat: standard deviation %.3g%@", sd, unit))
                } else {
                    // Samples at the rails, or else at an extreme value that recurs.
                    var pinned = atRails
                    if pinned == 0 {
                        if maximumCount >= criteria.clippedRunLength { pinned += maximumCount }
                        if minimumCount >= criteria.clippedRunLength { pinned += minimumCount }
                    }
                    let atRails = pinned
                    quality.clippedSamples = atRails
                    if Double(atRails) >= criteria.clippedFraction * Double(count) {
                        flags.append(.clipped)
                        explanations.append(String(format: "clipped: %d samples (%.2f %%) pinned at %.4g or %.4g%@", atRails, 100 * Double(atRails) / Double(count), minimum, maximum, unit))
                    }
                }
            }
            if windowEnergy > 0 {
                if let best = mainsEnergy.indices.max(by: { mainsEnergy[$0] < mainsEnergy[$1] }) {
                    let fraction = Swift.min(1, mainsEnergy[best] / windowEnergy)
                    let hum = (mainsEnergy[best] / Double(Swift.max(1, measuredSamples))).squareRoot()
                    quality.mainsPowerFraction = fraction
                    quality.mainsFrequency = mainsBins[best].frequency
                    quality.mainsRMS = hum
                    if fraction >= criteria.mainsFraction, !flags.contains(.flat) {
                        let frequency = mainsBins[best].frequency
                        if info.unit.isVoltage, hum >= criteria.disconnectedMainsRMS {
                            flags.append(.mainsDominated)
                            explanations.append(String(format: "%.0f %% of the power is %.0f Hz mains and harmonics", 100 * fraction, frequency))
                            flags.append(.disconnected)
                            explanations.append(String(format: "disconnected electrode: %.3g µV RMS of %.0f Hz hum (≥ %.3g µV; a connected facial electrode picks up a few µV)",
                                                       hum, frequency, criteria.disconnectedMainsRMS))
                        } else {
                            flags.append(.mainsDominated)
                            explanations.append(String(format: "%.0f %% of the power is %.0f Hz mains and harmonics, but the hum is only %.3g%@ RMS: kept (information; a disconnected electrode shows ≥ %.3g µV)",
                                                       100 * fraction, frequency, hum, unit, criteria.disconnectedMainsRMS))
                        }
                    }
                }
            }
            if windowEnergy > 0, !spectrumBins.isEmpty {
                quality.motionPowerFraction = Swift.min(1, motionEnergy / windowEnergy)
            }
            // The run still open at the end counts as any other.
            let saturated = saturatedSamples + (runLength >= saturationRun ? runLength : 0)
            let longest = Swift.max(longestRun, runLength)
            if count > 0 {
                quality.saturatedSamples = saturated
                quality.longestConstantRunSeconds = Double(longest) / rate
            }
            // Saturation and extreme noise are judged against what facial sEMG can be, so on EMG channels only.
            if info.kind == .emg, count > 0, !flags.contains(.flat) {
                if Double(saturated) >= criteria.saturatedFraction * Double(count) {
                    flags.append(.saturated)
                    explanations.append(String(format: "saturated: %d samples (%.2f %%) in runs of one value lasting ≥ %.0f ms, the longest %.0f ms (amplifier saturation)",
                                               saturated, 100 * Double(saturated) / Double(count), 1000 * criteria.saturatedRunSeconds, 1000 * Double(longest) / rate))
                }
                if info.unit.isVoltage, let rms = quality.rms, rms > criteria.extremeNoiseRMS {
                    flags.append(.extremeNoise)
                    explanations.append(String(format: "extreme noise: RMS %.4g µV, beyond the %.4g µV facial sEMG can reach (loose electrode, or a wrong unit in the file)",
                                               rms, criteria.extremeNoiseRMS))
                } else if judgeMotion, !flags.contains(.saturated), let fraction = quality.motionPowerFraction,
                          fraction >= criteria.motionFraction {
                    // (A saturated stretch is itself a slow step; its power below the motion band says nothing more.)
                    flags.append(.extremeNoise)
                    explanations.append(String(format: "extreme noise: %.0f %% of the power lies below %.0f Hz (movement artefact; facial sEMG lies at 20–450 Hz)",
                                               100 * fraction, criteria.motionBandHz))
                }
            }
            // Trigger lines are meant to sit at their rails or at zero: only missing samples matter there.
            if info.kind == .trigger {
                let keep = flags.indices.filter { flags[$0] == .nanGap }
                flags = keep.map { flags[$0] }
                explanations = keep.map { explanations[$0] }
                quality.clippedSamples = 0
            }
            quality.flags = flags
            quality.explanations = explanations
            return quality
        }
    }
}
