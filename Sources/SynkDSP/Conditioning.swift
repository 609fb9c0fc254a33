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

    private enum CodingKeys: String, CodingKey { case bandPass, notch, comb, envelope, decimation, zeroPhase }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(bandPass, forKey: .bandPass)
        try container.encodeIfPresent(notch, forKey: .notch)
        try container.encodeIfPresent(comb, forKey: .comb)
        try container.encodeIfPresent(envelope, forKey: .envelope)
        try container.encodeIfPresent(decimation, forKey: .decimation)
        try container.encode(zeroPhase, forKey: .zeroPhase)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        bandPass = try container.decodeIfPresent(Butterworth.self, forKey: .bandPass)
        notch = try container.decodeIfPresent(Notch.self, forKey: .notch)
        comb = try container.decodeIfPresent(HarmonicComb.self, forKey: .comb)
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

/// Streams one channel through a ``ConditioningDescription``: filter → envelope → decimation.
public final class ChannelConditioner {
    public let conditioning: ConditioningDescription
    public let sampleRate: Double
    public let outputRate: Double
    private let filter: ZeroPhaseFilter?
    private let envelope: EnvelopeFilter?
    private let decimator: Decimator?

    public convenience init(_ description: ConditioningDescription, sampleRate: Double) throws(SynkError) {
        try self.init(description, sampleRate: sampleRate, kernel: nil)
    }

    init(_ description: ConditioningDescription, sampleRate: Double, kernel: ZeroPhaseKernel?) throws(SynkError) {
        try description.validate(sampleRate: sampleRate)
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
        if let envelope { x = envelope.process(x) }
        if let decimator { x = decimator.process(x) }
        return x
    }

    public func finish() throws(SynkError) -> [Float] {
        var x = filter?.finish() ?? []
        if let envelope { x = envelope.process(x) + (try envelope.finish()) }
        if let decimator { x = decimator.process(x) + decimator.finish() }
        return x
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
    private let stages: Stages

    private enum Stages {
        case lanes([LaneConditioner])
        case channels([ChannelConditioner])
    }

    public init(_ conditioning: ConditioningDescription, sampleRate: Double, channelCount: Int) throws(SynkError) {
        try conditioning.validate(sampleRate: sampleRate)
        let designs = conditioning.filterDesigns
        let kernel = designs.isEmpty ? nil : try ZeroPhaseKernel(designs: designs, sampleRate: sampleRate)
        if LaneConditioner.supports(conditioning) {
            var groups: [LaneConditioner] = []
            for first in stride(from: 0, to: channelCount, by: ChannelLanes.scalarCount) {
                let lanes = min(ChannelLanes.scalarCount, channelCount - first)
                groups.append(try LaneConditioner(conditioning, sampleRate: sampleRate, kernel: kernel, laneCount: lanes))
            }
            stages = .lanes(groups)
        } else {
            var channels: [ChannelConditioner] = []
            for _ in 0..<channelCount {
                channels.append(try ChannelConditioner(conditioning, sampleRate: sampleRate, kernel: kernel))
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
            let width = ChannelLanes.scalarCount
            return ChannelParallel.map(groups) { group, g in
                group.process(block[(g * width)..<(g * width + group.laneCount)])
            }.flatMap { $0 }
        case .channels(let channels):
            return ChannelParallel.map(channels) { conditioner, c in conditioner.process(block[c]) }
        }
    }

    /// Ends every channel and resets for a new recording; throws only when a channel's Hilbert envelope
    /// cannot get the memory it needs.
    public func finish() throws(SynkError) -> [[Float]] {
        switch stages {
        case .lanes(let groups): return ChannelParallel.map(groups) { group, _ in group.finish() }.flatMap { $0 }
        case .channels(let channels):
            let outcomes = ChannelParallel.map(channels) { conditioner, _ -> Result<[Float], SynkError> in
                do throws(SynkError) { return .success(try conditioner.finish()) } catch { return .failure(error) }
            }
            return try outcomes.map { outcome throws(SynkError) in try outcome.get() }
        }
    }
}
