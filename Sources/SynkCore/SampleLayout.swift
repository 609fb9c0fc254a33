import CSynkKernels

/// Finite-value checks and interleaving of sample buffers: the per-sample loops every reader and writer
/// runs over the whole recording, written so that they vectorise and stay in cache.
public enum SampleScan {
    /// The index of the first NaN or infinite sample, or `nil` when every sample is finite.
    ///
    /// One pass adds `x · 0` into SIMD accumulators (0 for a finite sample, NaN otherwise); only a
    /// buffer whose sum is NaN is searched again for the exact index. A scalar `Float` sum would be one
    /// serial chain (floating-point addition may not be reordered), four to eight times slower.
    public static func firstNonFiniteIndex(_ samples: UnsafeBufferPointer<Float>) -> Int? {
        guard let base = samples.baseAddress else { return nil }
        let n = samples.count
        let raw = UnsafeRawPointer(base)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= n {
            a0 += raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * 0
            a1 += raw.loadUnaligned(fromByteOffset: 4 * (i + 8), as: SIMD8<Float>.self) * 0
            i += 16
        }
        var sum = (a0 + a1).sum()
        while i < n {
            sum += base[i] * 0
            i += 1
        }
        return sum.isNaN ? samples.firstIndex { !$0.isFinite } : nil
    }

    /// ``firstNonFiniteIndex(_:)`` of an array.
    public static func firstNonFiniteIndex(in samples: [Float]) -> Int? {
        samples.withUnsafeBufferPointer { firstNonFiniteIndex($0) }
    }
}

/// Conversion between interleaved frames (`frame · channelCount + channel`, as sound files and HDF5 rows store
/// them) and one contiguous array per channel.
///
/// Both directions work on tiles of ``tileFrames`` frames: a tile of the interleaved buffer stays in the
/// first-level cache while each channel's run of it is copied, instead of every channel striding through the
/// whole (megabytes long) buffer once.
public enum Interleaving {
    /// Frames per tile: 256 frames × 16 channels × 4 bytes = 16 KiB.
    public static let tileFrames = 256

    /// Splits `frames` interleaved frames into one array per channel, channel `c` multiplied by `scales[c]`
    /// (no multiplication where the scale is 1, so float data passes bit for bit).
    public static func split(
        _ interleaved: UnsafePointer<Float>, frames: Int, channelCount: Int, scales: [Float]? = nil
    ) -> [[Float]] {
        splitFindingNonFinite(interleaved, frames: frames, channelCount: channelCount, scales: scales).channels
    }

    /// ``split(_:frames:channelCount:scales:)``, and whether every sample of the result is finite. The AVX2
    /// path finds that in the same pass over the frames; the others scan each channel once (as a reader would
    /// anyway before filtering).
    public static func splitCheckingFinite(
        _ interleaved: UnsafePointer<Float>, frames: Int, channelCount: Int, scales: [Float]? = nil
    ) -> (channels: [[Float]], allFinite: Bool) {
        let (channels, known) = splitFindingNonFinite(interleaved, frames: frames, channelCount: channelCount, scales: scales)
        let allFinite = known ?? channels.allSatisfy { SampleScan.firstNonFiniteIndex(in: $0) == nil }
        return (channels, allFinite)
    }

    /// The split, and whether every sample is finite when the path it took found out (nil otherwise).
    private static func splitFindingNonFinite(
        _ interleaved: UnsafePointer<Float>, frames: Int, channelCount: Int, scales: [Float]?
    ) -> (channels: [[Float]], allFinite: Bool?) {
        precondition(scales == nil || scales!.count == channelCount, "one scale per channel")
        if VectorKernels.enabled, frames > 0, channelCount >= 8, scales?.allSatisfy({ $0 == 1 }) ?? true {
            // Eight channels at a time by 8×8 transposes, straight into the new arrays.
            var finite: Int32 = 1
            let channels = makeChannels(count: channelCount, length: frames) { targets in
                finite = synk_deinterleave_f32_avx2(interleaved, frames, Int32(channelCount), targets.map { Optional($0) })
            }
            return (channels, finite != 0)
        }
        var channels = (0..<channelCount).map { _ in
            [Float](unsafeUninitializedCapacity: frames) { _, initialised in initialised = frames }
        }
        var start = 0
        while start < frames {
            let count = min(tileFrames, frames - start)
            let source = interleaved + start * channelCount
            for c in 0..<channelCount {
                let scale = scales?[c] ?? 1
                channels[c].withUnsafeMutableBufferPointer { target in
                    let out = target.baseAddress! + start
                    if scale == 1 {
                        for i in 0..<count { out[i] = source[i * channelCount + c] }
                    } else {
                        for i in 0..<count { out[i] = source[i * channelCount + c] * scale }
                    }
                }
            }
            start += count
        }
        return (channels, nil)
    }

    /// `count` new arrays of `length` floats, uninitialised until `fill` writes every element through the pointers
    /// it is given (one per array, in order).
    static func makeChannels(
        count: Int, length: Int, _ fill: ([UnsafeMutablePointer<Float>]) -> Void
    ) -> [[Float]] {
        precondition(length > 0)
        func build(_ pointers: [UnsafeMutablePointer<Float>]) -> [[Float]] {
            guard pointers.count < count else {
                fill(pointers)
                return []
            }
            var rest: [[Float]] = []
            let array = [Float](unsafeUninitializedCapacity: length) { buffer, initialised in
                rest = build(pointers + [buffer.baseAddress!])
                initialised = length
            }
            return [array] + rest
        }
        return build([])
    }

    /// Interleaves `channels` (each at least `frames` long) into `target` (`frames · channels.count` floats),
    /// channel `c` divided by `divisors[c]` (no division where it is 1).
    public static func merge(
        _ channels: [[Float]], frames: Int, into target: UnsafeMutablePointer<Float>, divisors: [Float]? = nil
    ) {
        let channelCount = channels.count
        precondition(divisors == nil || divisors!.count == channelCount, "one divisor per channel")
        var start = 0
        while start < frames {
            let count = min(tileFrames, frames - start)
            let out = target + start * channelCount
            for c in 0..<channelCount {
                let divisor = divisors?[c] ?? 1
                channels[c].withUnsafeBufferPointer { source in
                    let input = source.baseAddress! + start
                    if divisor == 1 {
                        for i in 0..<count { out[i * channelCount + c] = input[i] }
                    } else {
                        for i in 0..<count { out[i * channelCount + c] = input[i] / divisor }
                    }
                }
            }
            start += count
        }
    }
}
