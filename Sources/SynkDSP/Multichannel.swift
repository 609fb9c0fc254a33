import Dispatch
import Foundation
import SynkCore

/// Zero-phase filtering of many channels at once, streamed block by block, channels in parallel.
/// Every channel uses the same ``ZeroPhaseKernel`` (computed once) and its own ``ZeroPhaseFilter``.
public final class MultichannelZeroPhaseFilter {
    public let kernel: ZeroPhaseKernel
    private let filters: [ZeroPhaseFilter]

    public init(designs: [FilterDesign], sampleRate: Double, channelCount: Int) throws(SynkError) {
        let shared = try ZeroPhaseKernel(designs: designs, sampleRate: sampleRate)
        kernel = shared
        var filters: [ZeroPhaseFilter] = []
        for _ in 0..<channelCount { filters.append(try ZeroPhaseFilter(kernel: shared)) }
        self.filters = filters
    }

    public var channelCount: Int { filters.count }

    /// Feeds one block (one array per channel, all the same length); returns what each channel completed.
    public func process(_ channels: [[Float]]) -> [[Float]] {
        precondition(channels.count == filters.count, "one array per channel")
        return ChannelParallel.map(filters) { filter, c in filter.process(channels[c]) }
    }

    /// Ends every channel; returns the remaining samples and resets for a new recording.
    public func finish() -> [[Float]] {
        ChannelParallel.map(filters) { filter, _ in filter.finish() }
    }

    /// Filters whole channels at once, in parallel (the same samples as streaming).
    public static func filter(_ channels: [[Float]], designs: [FilterDesign], sampleRate: Double) throws(SynkError) -> [[Float]] {
        let bank = try MultichannelZeroPhaseFilter(designs: designs, sampleRate: sampleRate, channelCount: channels.count)
        return ChannelParallel.map(bank.filters) { filter, c in filter.filter(channels[c]) }
    }
}
