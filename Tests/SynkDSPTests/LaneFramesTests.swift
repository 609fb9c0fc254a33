import Testing
@testable import SynkDSP

@Suite("LaneFrames holds exactly the frames an array would, through appends, drops, moves and growth")
struct LaneFramesTests {
    /// A deterministic sequence of operations, checked after every step against a plain array.
    @Test("Random appends and front/back drops equal an array model, from a capacity of 1 and of 64",
          arguments: [1, 64])
    func equalsArrayModel(initialCapacity: Int) {
        var generator = SplitMix(seed: 42)
        let frames = LaneFrames<SIMD8<Float>>(capacity: initialCapacity)
        var model: [SIMD8<Float>] = []
        var next: Float = 0
        func frame() -> SIMD8<Float> { next += 1; return SIMD8<Float>(repeating: next) + SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7) / 8 }
        for _ in 0..<2000 {
            switch generator.next() % 6 {
            case 0, 1:
                let n = Int(generator.next() % 300)
                let new = (0..<n).map { _ in frame() }
                frames.append(n) { target in for i in 0..<n { target[i] = new[i] } }
                model += new
            case 2:
                let new = (0..<Int(generator.next() % 40)).map { _ in frame() }
                new.withUnsafeBufferPointer { frames.append(contentsOf: $0.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: $0.count) }
                model += new
            case 3:
                let n = Int(generator.next() % UInt64(model.count + 1))
                frames.removeFirst(n)
                model.removeFirst(n)
            case 4:
                let n = Int(generator.next() % UInt64(min(model.count, 5) + 1))
                frames.removeLast(n)
                model.removeLast(n)
            default:
                let f = frame()
                frames.append(f)
                model.append(f)
            }
            #expect(frames.count == model.count)
            #expect(frames.array == model)
        }
        frames.removeAll()
        #expect(frames.isEmpty && frames.array.isEmpty)
    }

    @Test("Frames dropped from the front are not moved until the room at the back runs out")
    func dropsWithoutMoving() {
        let frames = LaneFrames<SIMD8<Float>>(capacity: 100)
        frames.append(60) { $0.initialize(repeating: SIMD8(repeating: 1), count: 60) }
        let before = frames.base
        frames.removeFirst(55)
        #expect(frames.base == before + 55)
        // 5 held + 42 more = 47 ≤ capacity / 2, but 55 + 47 > 100: the 5 move to the front, the memory stays.
        frames.append(42) { $0.initialize(repeating: SIMD8(repeating: 2), count: 42) }
        #expect(frames.base == before)
        #expect(frames.array == Array(repeating: SIMD8(repeating: 1), count: 5) + Array(repeating: SIMD8(repeating: 2), count: 42))
    }
}
