import Foundation

/// A run of frames in one allocation, as it passes between the lane stages.
///
/// An `Array` would make every stage pay for memory traffic that does no arithmetic. Appending to an array
/// means either zero-filling the frames first or copying them in from scratch storage. Dropping an array's
/// first frames moves all the others.
///
/// Here a stage writes its frames straight into reserved room (``append(_:writing:)``). Frames dropped from
/// the front (``removeFirst(_:)``) only move the start. The frames still held are moved to the front only
/// when the room at the back runs out. That happens at most once per half capacity of frames appended.
///
/// Frames are SIMD vectors of floating-point lanes: plain bits, moved with memmove.
///
/// Not thread-safe: each lane group's stages are used by one thread at a time.
final class LaneFrames<Element: SIMD> {
    private var storage: UnsafeMutablePointer<Element>
    private var capacity: Int
    private var start = 0
    /// Frames held.
    private(set) var count = 0

    init(capacity: Int = 0) {
        self.capacity = max(1, capacity)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    /// The first frame held; `count` frames are valid from here until the next append or removal.
    var base: UnsafeMutablePointer<Element> { storage + start }

    var isEmpty: Bool { count == 0 }

    subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "frame \(index) of \(count)")
            return base[index]
        }
        set {
            precondition(index >= 0 && index < count, "frame \(index) of \(count)")
            base[index] = newValue
        }
    }

    /// The frames held, copied into an array (for tests and for callers outside the lane stages).
    var array: [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Appends `frames` frames that `write` writes. `write` gets the address of the first new frame and must
    /// initialise all `frames` of them: nothing is zero-filled first.
    func append(_ frames: Int, writing write: (UnsafeMutablePointer<Element>) -> Void) {
        guard frames > 0 else { return }
        reserve(frames)
        write(base + count)
        count += frames
    }

    func append(contentsOf source: UnsafePointer<Element>, count frames: Int) {
        append(frames) { $0.update(from: source, count: frames) }
    }

    func append(_ frame: Element) {
        reserve(1)
        base[count] = frame
        count += 1
    }

    /// Drops the first `frames` frames (the others stay where they are).
    func removeFirst(_ frames: Int) {
        precondition(frames >= 0 && frames <= count, "cannot drop \(frames) of \(count) frames")
        start += frames
        count -= frames
        if count == 0 { start = 0 }
    }

    func removeLast(_ frames: Int) {
        precondition(frames >= 0 && frames <= count, "cannot drop \(frames) of \(count) frames")
        count -= frames
        if count == 0 { start = 0 }
    }

    /// Empties the buffer, keeping its memory.
    func removeAll() {
        start = 0
        count = 0
    }

    /// Room for `frames` more frames after the last one.
    private func reserve(_ frames: Int) {
        let needed = count + frames
        guard start + needed > capacity else { return }
        if needed <= capacity / 2 {
            // Moving the frames to the front is cheap against the half capacity appended since the last move.
            // The regions may overlap: memmove.
            memmove(storage, storage + start, count * MemoryLayout<Element>.stride)
        } else {
            let grown = Swift.max(2 * needed, 2 * capacity)
            let moved = UnsafeMutablePointer<Element>.allocate(capacity: grown)
            moved.update(from: storage + start, count: count)
            storage.deallocate()
            storage = moved
            capacity = grown
        }
        start = 0
    }
}
