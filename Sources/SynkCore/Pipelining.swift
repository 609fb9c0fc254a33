import Dispatch
import Foundation

/// Reads block k + 1 of a source on a background thread while the caller works on block k.
public final class PrefetchingReader {
    /// `@unchecked Sendable`: the source and the slot are used by one thread at a time — the background read
    /// is started only after the previous one was waited for, and the caller touches neither in between.
    private final class Shared: @unchecked Sendable {
        let source: any SampleSource
        var slot: Result<SignalBlock?, SynkError> = .success(nil)
        init(_ source: any SampleSource) { self.source = source }
    }

    private let shared: Shared
    private let blockFrames: Int
    private let group = DispatchGroup()
    private var pending = false

    public init(_ source: any SampleSource, blockFrames: Int) {
        shared = Shared(source)
        self.blockFrames = blockFrames
    }

    deinit { if pending { group.wait() } }

    /// The next block, `nil` at the end.
    public func next() throws(SynkError) -> SignalBlock? {
        let block: SignalBlock?
        if pending {
            group.wait()
            pending = false
            block = try shared.slot.get()
        } else {
            block = try shared.source.readBlock(maxFrames: blockFrames)
        }
        guard block != nil else { return nil }
        let shared = self.shared, frames = blockFrames
        pending = true
        DispatchQueue.global(qos: .userInitiated).async(group: group) {
            do throws(SynkError) {
                shared.slot = .success(try shared.source.readBlock(maxFrames: frames))
            } catch {
                shared.slot = .failure(error)
            }
        }
        return block
    }
}

/// Writes blocks to a sink on a background thread, at most `depth` blocks behind the caller, so that encoding
/// and the kernel's copy into the page cache overlap reading and filtering. Errors surface at the next
/// ``write(_:)`` or at ``finish()``; nothing is written after the first error.
public final class BackgroundSink {
    /// `@unchecked Sendable`: the sink is used only on `queue` (serially); `failure` is written on `queue` and
    /// read after `queue.sync`.
    private final class Shared: @unchecked Sendable {
        var sink: (any SampleSink)?
        let make: () throws(SynkError) -> any SampleSink
        var failure: SynkError?
        init(_ make: @escaping () throws(SynkError) -> any SampleSink) { self.make = make }

        func opened() throws(SynkError) -> any SampleSink {
            if let sink { return sink }
            let made = try make()
            sink = made
            return made
        }
    }

    private let shared: Shared
    private let queue = DispatchQueue(label: "synk.background-sink")
    private let slots: DispatchSemaphore

    public convenience init(_ sink: any SampleSink, depth: Int = 2) {
        self.init(depth: depth) { () throws(SynkError) -> any SampleSink in sink }
    }

    /// A sink made by `make` on the writing thread when the first block arrives — so that what it needs (the
    /// input's hash, for the output's provenance) can still be computing while the first blocks are filtered.
    public init(depth: Int = 2, make: @escaping () throws(SynkError) -> any SampleSink) {
        shared = Shared(make)
        slots = DispatchSemaphore(value: max(1, depth))
    }

    public func write(_ block: SignalBlock) throws(SynkError) {
        let shared = self.shared, slots = self.slots
        if let failure = queue.sync(execute: { shared.failure }) { throw failure }
        slots.wait()
        queue.async {
            defer { slots.signal() }
            guard shared.failure == nil else { return }
            do throws(SynkError) { try shared.opened().write(block) } catch { shared.failure = error }
        }
    }

    /// Waits for the blocks already handed over (without finishing the sink: no output appears). Call it
    /// before giving up on an error, so the process never exits while the writing thread is busy.
    public func drain() {
        queue.sync {}
    }

    deinit { queue.sync {} }

    /// Waits for every block, then finishes the sink (atomic move into place).
    public func finish() throws(SynkError) {
        let shared = self.shared
        if let failure = queue.sync(execute: { shared.failure }) { throw failure }
        try shared.opened().finish()
    }
}
