import Foundation
import SynkCore

/// Every parameter of synk's signal conditioning, so that results say exactly how they were made:
/// zero-phase band-pass → optional notch/comb (same zero-phase filter) → envelope → decimation.
///
/// The defaults follow domain.md: Butterworth order 4, 20-450 Hz, zero-phase; no notch (opt-in, since facial EMG
/// has real power near 50-64 Hz); 100 ms moving RMS; envelopes decimated to about 200 Hz.
public struct ConditioningDescription: Sendable, Hashable, Codable {
    /// The band-pass (or any Butterworth); nil skips band filtering.
    public var bandPass: Butterworth?
    public var notch: Notch?
    public var comb: HarmonicComb?
    /// nil keeps the filtered signal (no envelope, no decimation).
    public var envelope: EnvelopeMethod?
    /// Applied to the envelope; nil keeps the full rate.
    public var decimation: Decimation?
    /// Always true: every filter is applied forward and backward (|H|², no phase shift).
    public var zeroPhase: Bool { true }

    public init(
        bandPass: Butterworth? = Butterworth(order: 4, band: .bandPass(20...450)),
        notch: Notch? = nil, comb: HarmonicComb? = nil,
        envelope: EnvelopeMethod? = .default,
        decimation: Decimation? = Decimation(targetRate: 200)
    ) {
        self.bandPass = bandPass
        self.notch = notch
        self.comb = comb
        self.envelope = envelope
        self.decimation = decimation
    }

    public static let `default` = ConditioningDescription()

    /// The IIR designs of the filtering stage, in order.
    public var filterDesigns: [FilterDesign] {
        var designs: [FilterDesign] = []
        if let bandPass { designs.append(.butterworth(bandPass)) }
        if let notch { designs.append(.notch(notch)) }
        if let comb { designs.append(.comb(comb)) }
        return designs
    }

    /// Why a notch or comb was applied without being asked for (``notch``/``comb`` hold it); nil otherwise.
    public var automaticNotch: String?

    private enum CodingKeys: String, CodingKey { case bandPass, notch, comb, automaticNotch, envelope, decimation, zeroPhase }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(bandPass, forKey: .bandPass)
        try container.encodeIfPresent(notch, forKey: .notch)
        try container.encodeIfPresent(comb, forKey: .comb)
        try container.encodeIfPresent(automaticNotch, forKey: .automaticNotch)
        try container.encodeIfPresent(envelope, forKey: .envelope)
        try container.encodeIfPresent(decimation, forKey: .decimation)
        try container.encode(zeroPhase, forKey: .zeroPhase)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        bandPass = try container.decodeIfPresent(Butterworth.self, forKey: .bandPass)
        notch = try container.decodeIfPresent(Notch.self, forKey: .notch)
        comb = try container.decodeIfPresent(HarmonicComb.self, forKey: .comb)
        automaticNotch = try container.decodeIfPresent(String.self, forKey: .automaticNotch)
        envelope = try container.decodeIfPresent(EnvelopeMethod.self, forKey: .envelope)
        decimation = try container.decodeIfPresent(Decimation.self, forKey: .decimation)
    }

    /// Throws `.usage` if any stage is impossible at `sampleRate`.
    public func validate(sampleRate: Double) throws(SynkError) {
        for design in filterDesigns { _ = try design.sections(sampleRate: sampleRate) }
        try envelope?.validate(sampleRate: sampleRate)
        if let decimation, envelope != nil { _ = try decimation.antiAliasFilter(sampleRate: sampleRate) }
    }

    /// The rate of the conditioned output for input at `sampleRate`.
    public func outputRate(sampleRate: Double) throws(SynkError) -> Double {
        guard envelope != nil, let decimation else { return sampleRate }
        return try decimation.outputRate(sampleRate: sampleRate)
    }
}

/// A second output of the conditioning, for analyses that need the band-passed signal itself (the crosstalk
/// estimate of the synkinesis analysis) but not at its full rate: the filtered signal (band-pass and any notch, before
/// the envelope) through a linear-phase FIR low-pass (``firTaps(sampleRate:)``), computed only at every ``factor``-th
/// sample, counted from the first sample of the recording. All channels go through the same filter, so linear
/// relations between channels (a filtered copy of one channel in another) hold unchanged in the tap.
public struct RawTap: Sendable, Hashable {
    /// Keep every `factor`-th sample.
    public let factor: Int

    /// The largest factor that keeps the tap at or above `minimumRate` (1 when the recording is slower).
    public init(sampleRate: Double, minimumRate: Double = 500) {
        factor = max(1, Int((sampleRate / minimumRate).rounded(.down)))
    }

    public init(factor: Int) { self.factor = max(1, factor) }

    /// The tap's sample rate for a recording at `sampleRate`.
    public func rate(sampleRate: Double) -> Double { sampleRate / Double(factor) }

    /// The anti-alias taps (empty when no sample is dropped): a windowed sinc of 6·factor + 1 taps with its −6 dB point
    /// at 0.4 × the tap rate, Kaiser window β = 3.4 (about 40 dB of stop-band attenuation, reached near 0.6 × the tap
    /// rate, so that what folds into the band below 0.4 × the tap rate is at least 40 dB down), unit gain at 0 Hz.
    /// Linear phase: a delay of 3·factor samples, the same for every channel.
    public func firTaps(sampleRate: Double) -> [Float] {
        guard factor > 1 else { return [] }
        let length = 6 * factor + 1
        let cutoff = 0.4 / Double(factor)   // cycles per input sample
        let beta = 3.4
        func bessel0(_ x: Double) -> Double {
            var sum = 1.0, term = 1.0, k = 1.0
            while term > 1e-12 * sum {
                term *= (x / (2 * k)) * (x / (2 * k))
                sum += term
                k += 1
            }
            return sum
        }
        let middle = Double(length - 1) / 2
        var taps = (0..<length).map { n -> Double in
            let t = Double(n) - middle
            let sinc = t == 0 ? 2 * cutoff : sin(2 * Double.pi * cutoff * t) / (Double.pi * t)
            let r = t / middle
            return sinc * bessel0(beta * (1 - r * r).squareRoot()) / bessel0(beta)
        }
        let total = taps.reduce(0, +)
        for i in taps.indices { taps[i] /= total }
        return taps.map(Float.init)
    }

    /// A description for a result's parameters.
    public func description(sampleRate: Double) -> String {
        if factor == 1 { return "the band-passed signal at \(sampleRate) Hz" }
        return "the band-passed signal through a linear-phase FIR low-pass (\(6 * factor + 1) taps, Kaiser window, −6 dB at \(0.4 * rate(sampleRate: sampleRate)) Hz) and decimated by \(factor) to \(rate(sampleRate: sampleRate)) Hz"
    }
}

/// The FIR low-pass and decimation of ``RawTap`` for one channel: outputs at every `factor`-th input sample, the
/// taps' history carried from one block to the next (zeros before the first sample).
struct FIRDecimator {
    let taps: [Float]
    let factor: Int
    private var history: [Float]
    private var phase = 0

    init(taps: [Float], factor: Int) {
        self.taps = taps
        self.factor = factor
        history = [Float](repeating: 0, count: max(0, taps.count - 1))
    }

    mutating func process(_ x: [Float]) -> [Float] {
        guard !x.isEmpty else { return [] }
        let joined = history + x
        let h = history.count
        var out: [Float] = []
        var i = phase
        while i < x.count {
            var sum: Float = 0
            for j in 0..<taps.count { sum += taps[j] * joined[h + i - j] }
            out.append(sum)
            i += factor
        }
        phase = i - x.count
        history = Array(joined.suffix(h))
        return out
    }

    mutating func reset() {
        for i in history.indices { history[i] = 0 }
        phase = 0
    }
}

/// Streams one channel through a ``ConditioningDescription``: filter → envelope → decimation.
public final class ChannelConditioner {
    public let conditioning: ConditioningDescription
    public let sampleRate: Double
    public let outputRate: Double
    private let filter: ZeroPhaseFilter?
    private let envelope: EnvelopeFilter?
    private let decimator: Decimator?
    private let tap: RawTap?
    private var tapFilter: FIRDecimator?
    /// The tap's samples made since the caller last took them.
    private var tapOutput: [Float] = []

    public convenience init(_ description: ConditioningDescription, sampleRate: Double) throws(SynkError) {
        try self.init(description, sampleRate: sampleRate, kernel: nil)
    }

    init(_ description: ConditioningDescription, sampleRate: Double, kernel: ZeroPhaseKernel?, tap: RawTap? = nil) throws(SynkError) {
        try description.validate(sampleRate: sampleRate)
        self.tap = tap
        tapFilter = tap.map { FIRDecimator(taps: $0.factor > 1 ? $0.firTaps(sampleRate: sampleRate) : [1], factor: $0.factor) }
        conditioning = description
        self.sampleRate = sampleRate
        outputRate = try description.outputRate(sampleRate: sampleRate)
        let designs = description.filterDesigns
        if let kernel {
            filter = try ZeroPhaseFilter(kernel: kernel)
        } else {
            filter = designs.isEmpty ? nil : try ZeroPhaseFilter(designs: designs, sampleRate: sampleRate)
        }
        envelope = try description.envelope.map { method throws(SynkError) in try EnvelopeFilter(method: method, sampleRate: sampleRate) }
        if let decimation = description.decimation, description.envelope != nil {
            decimator = try Decimator(decimation, sampleRate: sampleRate)
        } else {
            decimator = nil
        }
    }

    public func process(_ block: [Float]) -> [Float] {
        var x = filter?.process(block) ?? block
        addToTap(x)
        if let envelope { x = envelope.process(x) }
        if let decimator { x = decimator.process(x) }
        return x
    }

    public func finish() throws(SynkError) -> [Float] {
        var x = filter?.finish() ?? []
        addToTap(x, finishing: true)
        if let envelope { x = envelope.process(x) + (try envelope.finish()) }
        if let decimator { x = decimator.process(x) + decimator.finish() }
        return x
    }

    /// The tap's samples made since the last call.
    func takeTapOutput() -> [Float] {
        defer { tapOutput = [] }
        return tapOutput
    }

    private func addToTap(_ filtered: [Float], finishing: Bool = false) {
        defer { if finishing { tapFilter?.reset() } }
        guard tapFilter != nil, !filtered.isEmpty else { return }
        tapOutput.append(contentsOf: tapFilter!.process(filtered))
    }

    /// Conditions whole channels, in parallel (one filter kernel shared by all channels).
    public static func condition(_ channels: [[Float]], _ description: ConditioningDescription, sampleRate: Double) throws(SynkError) -> [Signal] {
        let designs = description.filterDesigns
        let kernel = designs.isEmpty ? nil : try ZeroPhaseKernel(designs: designs, sampleRate: sampleRate)
        var conditioners: [ChannelConditioner] = []
        for _ in channels { conditioners.append(try ChannelConditioner(description, sampleRate: sampleRate, kernel: kernel)) }
        let rate = try description.outputRate(sampleRate: sampleRate)
        let outcomes = ChannelParallel.map(conditioners) { conditioner, c -> Result<Signal, SynkError> in
            do throws(SynkError) {
                return .success(Signal(samples: conditioner.process(channels[c]) + (try conditioner.finish()), sampleRate: rate))
            } catch {
                return .failure(error)
            }
        }
        return try outcomes.map { outcome throws(SynkError) in try outcome.get() }
    }
}

/// Streams every channel of a recording through a ``ConditioningDescription``, channels in parallel.
/// Feed ``SignalBlock``-shaped arrays; outputs are at ``outputRate``.
///
/// Filters and linear envelopes run as recursive forward-backward filters on four channels at a time
/// (``LaneZeroPhaseFilter``: the same |H|² response and end reflections as the FFT ``ZeroPhaseFilter``, at a
/// fraction of the cost); Hilbert and TKEO envelopes go channel by channel through ``ChannelConditioner``.
public final class MultichannelConditioner {
    public let conditioning: ConditioningDescription
    public let sampleRate: Double
    public let outputRate: Double
    public let channelCount: Int
    /// The second output for analyses that need the band-passed signal (``RawTap``), if requested.
    public let tap: RawTap?
    /// The channels of each group of up to eight conditioned together (lanes of one vector); empty when the
    /// channels go one by one (Hilbert and TKEO envelopes).
    public let laneGroups: [[Int]]
    /// True when the tap's frames go to the sinks given at creation (not to ``takeTapOutput()``).
    public let tapsIntoSinks: Bool
    private let stages: Stages

    private enum Stages {
        case lanes([LaneConditioner])
        case channels([ChannelConditioner])
    }

    /// - Parameter laneGroups: which channels share a vector of eight lanes (a partition of `0..<channelCount` into
    ///   groups of at most eight); by default consecutive channels. An analysis that works on groups of channels
    ///   (the crosstalk of one side) asks for its groups, so that the tap's frames hold them lane by lane.
    /// - Parameter tapSinks: one sink per lane group, receiving the group's tap frames in its worker as they are made
    ///   (``LaneTapSink``); ignored when the channels go one by one (``tapsIntoSinks`` says whether they are used).
    public init(_ conditioning: ConditioningDescription, sampleRate: Double, channelCount: Int, tap: RawTap? = nil,
                laneGroups requested: [[Int]]? = nil, tapSinks: [any LaneTapSink]? = nil) throws(SynkError) {
        try conditioning.validate(sampleRate: sampleRate)
        self.tap = tap
        let designs = conditioning.filterDesigns
        let kernel = designs.isEmpty ? nil : try ZeroPhaseKernel(designs: designs, sampleRate: sampleRate)
        if LaneConditioner.supports(conditioning) {
            let width = ChannelLanes.scalarCount
            let groupsOfChannels = requested ?? stride(from: 0, to: channelCount, by: width).map { Array($0..<min(channelCount, $0 + width)) }
            guard groupsOfChannels.allSatisfy({ (1...width).contains($0.count) }),
                  groupsOfChannels.flatMap({ $0 }).sorted() == Array(0..<channelCount) else {
                throw .usage("lane groups must split the \(channelCount) channels into groups of 1 to \(width)")
            }
            guard tapSinks == nil || tapSinks!.count == groupsOfChannels.count else {
                throw .usage("one tap sink per lane group: \(groupsOfChannels.count) groups, \(tapSinks!.count) sinks")
            }
            var groups: [LaneConditioner] = []
            for (g, group) in groupsOfChannels.enumerated() {
                groups.append(try LaneConditioner(conditioning, sampleRate: sampleRate, kernel: kernel, laneCount: group.count, tap: tap,
                                                  tapSink: tapSinks?[g]))
            }
            laneGroups = groupsOfChannels
            tapsIntoSinks = tap != nil && tapSinks != nil
            stages = .lanes(groups)
        } else {
            laneGroups = []
            tapsIntoSinks = false
            var channels: [ChannelConditioner] = []
            for _ in 0..<channelCount {
                channels.append(try ChannelConditioner(conditioning, sampleRate: sampleRate, kernel: kernel, tap: tap))
            }
            stages = .channels(channels)
        }
        self.conditioning = conditioning
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        outputRate = try conditioning.outputRate(sampleRate: sampleRate)
    }

    /// Feeds one block (one array per channel, all the same length); returns the conditioned samples each
    /// channel completed.
    public func process(_ block: [[Float]]) -> [[Float]] {
        precondition(block.count == channelCount, "one array per channel")
        switch stages {
        case .lanes(let groups):
            let members = laneGroups
            return placed(ChannelParallel.map(groups) { group, g in group.process(members[g].map { block[$0] }[...]) })
        case .channels(let channels):
            return ChannelParallel.map(channels) { conditioner, c in conditioner.process(block[c]) }
        }
    }

    /// Per-group outputs back in channel order.
    private func placed(_ outputs: [[[Float]]]) -> [[Float]] {
        var result = [[Float]](repeating: [], count: channelCount)
        for (g, group) in laneGroups.enumerated() {
            for (k, channel) in group.enumerated() { result[channel] = outputs[g][k] }
        }
        return result
    }

    /// Ends every channel and resets for a new recording; throws only when a channel's Hilbert envelope
    /// cannot get the memory it needs.
    public func finish() throws(SynkError) -> [[Float]] {
        switch stages {
        case .lanes(let groups): return placed(ChannelParallel.map(groups) { group, _ in group.finish() })
        case .channels(let channels):
            let outcomes = ChannelParallel.map(channels) { conditioner, _ -> Result<[Float], SynkError> in
                do throws(SynkError) { return .success(try conditioner.finish()) } catch { return .failure(error) }
            }
            return try outcomes.map { outcome throws(SynkError) in try outcome.get() }
        }
    }

    /// The tap's frames of each lane group (lane k of group g is channel `laneGroups[g][k]`; lanes beyond the group
    /// are padding) made since the last call; nil when the channels go one by one (use ``takeTapOutput()``).
    public func takeTapFrames() -> [[ChannelLanes]]? {
        guard case .lanes(let groups) = stages else { return nil }
        return groups.map { $0.takeTapFrames() }
    }
    /// The tap's samples (one array per channel, all the same length) made by the calls to ``process(_:)`` and
    /// ``finish()`` since the last call; empty arrays without a tap.
    public func takeTapOutput() -> [[Float]] {
        switch stages {
        case .lanes(let groups): return placed(groups.map { $0.takeTapOutput() })
        case .channels(let channels): return channels.map { $0.takeTapOutput() }
        }
    }

}
