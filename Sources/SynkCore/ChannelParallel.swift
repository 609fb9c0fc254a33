import Dispatch

/// Runs one job per channel on all cores with `DispatchQueue.concurrentPerform`, which never starts more
/// worker threads than there are active CPUs (no oversubscription on a 2-core machine).
package enum ChannelParallel {
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

    /// `body(states[i], i)` for every i, on all cores; the outputs in the order of `states`.
    public static func map<State, Output>(_ states: [State], _ body: (State, Int) -> Output) -> [Output] {
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
