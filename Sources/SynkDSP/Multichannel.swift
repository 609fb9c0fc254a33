import Dispatch
import Foundation
import SynkCore

/// Runs one job per channel on all cores with `DispatchQueue.concurrentPerform`, which never starts more
/// worker threads than there are active CPUs (no oversubscription on a 2-core machine).
enum ChannelParallel {
    /// One slot per channel, each written by exactly one iteration.
    ///
    /// `@unchecked Sendable`: iterations write disjoint slots, and `concurrentPerform` returns only after all
    /// iterations have finished, so reads after it happen-after every write.
    private final class Slots<Value>: @unchecked Sendable {
        var values: [Value?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
    }

    /// Boxes non-Sendable per-channel state for the parallel loop.
    ///
    /// `@unchecked Sendable`: iteration c touches only element c, so no element is used by two threads at once.
    private final class Shared<Value>: @unchecked Sendable {
        let values: [Value]
        init(_ values: [Value]) { self.values = values }
    }

    static func map<State, Output>(_ states: [State], _ body: (State, Int) -> Output) -> [Output] {
        let slots = Slots<Output>(count: states.count)
        let shared = Shared(states)
        withoutActuallyEscaping(body) { body in
            let bodyBox = Shared([body])
            DispatchQueue.concurrentPerform(iterations: states.count) { c in
                slots.values[c] = bodyBox.values[0](shared.values[c], c)
            }
        }
        return slots.values.map { $0! }
    }
}

/// Zero-phase filtering of many channels at once, streamed block by block, channels in parallel.
/// Every channel uses the same ``ZeroPhaseKernel`` (computed once) and its own ``ZeroPhaseFilter``.
public final class MultichannelZeroPhaseFilter {
    public let kernel: ZeroPhaseKernel
    private let filters: [ZeroPhaseFilter]

    public init(designs: [FilterDesign], sampleRate: Double, channelCount: Int) throws(SynkError) {
        let shared = try ZeroPhaseKernel(designs: designs, sampleRate: sampleRate)
        kernel = shared
        filters = (0..<channelCount).map { _ in ZeroPhaseFilter(kernel: shared) }
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
