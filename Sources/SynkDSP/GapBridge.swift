import Foundation
import SynkCore

/// A run of missing (NaN or infinite) samples in one channel.
public struct SampleGap: Sendable, Hashable, Codable {
    /// The channel, as the caller numbers it (``GapBridge`` numbers the channels it is given).
    public var channel: Int
    /// The first missing frame.
    public var startFrame: Int
    /// How many consecutive frames are missing.
    public var frameCount: Int

    public init(channel: Int, startFrame: Int, frameCount: Int) {
        self.channel = channel
        self.startFrame = startFrame
        self.frameCount = frameCount
    }

    /// The missing frames.
    public var frames: Range<Int> { startFrame..<(startFrame + frameCount) }
}

/// Bridges missing samples while a recording streams past, so that the filters after it see a continuous signal.
///
/// Each run of non-finite samples is replaced by the straight line from the last finite sample before it to the
/// first finite sample after it (a leading run takes the first finite value, a trailing run the last). A straight
/// line has no step, so a band-pass high-pass edge does not ring as it would after zero filling a channel with an
/// offset; and, unlike zero filling, a NaN never reaches an FFT block. The bridged samples are *not* data: callers
/// exclude them (with a guard for the filters' and the envelope's reach, ``ConditioningDescription/gapGuardSeconds``)
/// from every statistic.
///
/// The value that ends a run may lie in the next block: the caller passes that block as look-ahead (the pipeline
/// has it already, read ahead). A run longer than a whole block holds its last value until its end is in sight,
/// then continues in a straight line from there: still continuous.
public struct GapBridge: Sendable {
    /// A run still open at the end of the previous block: where it started, and the line it continues from.
    struct OpenRun: Sendable {
        var start: Int
        var anchorFrame: Int
        var anchorValue: Float?
    }

    private var last: [Float?]
    private var open: [OpenRun?]
    /// The runs found so far (closed ones; ``finish(frameCount:)`` closes the rest), in the order they ended.
    public private(set) var gaps: [SampleGap] = []

    public init(channelCount: Int) {
        last = Array(repeating: nil, count: channelCount)
        open = Array(repeating: nil, count: channelCount)
    }

    /// `samples` of `channel` (frames from `firstFrame`) with every non-finite sample bridged; `next` is the same
    /// channel's following block (nil at the end of the recording). A block without gaps is returned as it is;
    /// `knownFinite` (the reader checked the block) skips the scan for gaps.
    public mutating func bridge(_ samples: [Float], channel: Int, firstFrame: Int, next: [Float]?, knownFinite: Bool = false) -> [Float] {
        guard !knownFinite, let firstBad = SampleScan.firstNonFiniteIndex(in: samples) else {
            if let value = samples.last { last[channel] = value }
            return samples
        }
        var out = samples
        let n = samples.count
        var i = firstBad
        while i < n {
            if samples[i].isFinite { i += 1; continue }
            var j = i
            while j < n && !samples[j].isFinite { j += 1 }
            var run = open[channel] ?? OpenRun(start: firstFrame + i, anchorFrame: firstFrame + i - 1,
                                               anchorValue: i > 0 ? out[i - 1] : last[channel])
            // The finite sample that ends the run: in this block, or at the start of the next.
            var right: (frame: Int, value: Float)?
            if j < n {
                right = (firstFrame + j, samples[j])
            } else if let next, let k = next.firstIndex(where: \.isFinite) {
                right = (firstFrame + n + k, next[k])
            }
            for t in i..<j {
                let frame = firstFrame + t
                switch (run.anchorValue, right) {
                case let (a?, r?):
                    let fraction = Double(frame - run.anchorFrame) / Double(r.frame - run.anchorFrame)
                    out[t] = Float(Double(a) + (Double(r.value) - Double(a)) * fraction)
                case let (nil, r?): out[t] = r.value
                case let (a?, nil): out[t] = a
                case (nil, nil): out[t] = 0
                }
            }
            if let right, right.frame == firstFrame + j || right.frame == firstFrame + n {
                // The run ends here or exactly at the block boundary.
                gaps.append(SampleGap(channel: channel, startFrame: run.start, frameCount: right.frame - run.start))
                open[channel] = nil
            } else {
                if right == nil {
                    // No end in sight: the held value is the new anchor of the line.
                    run.anchorFrame = firstFrame + n - 1
                    run.anchorValue = out[n - 1]
                }
                open[channel] = run
            }
            i = j
        }
        if n > 0 { last[channel] = out[n - 1] }
        return out
    }

    /// Closes the runs still open at the end of a recording of `frameCount` frames; returns every run found,
    /// sorted by channel and start.
    public mutating func finish(frameCount: Int) -> [SampleGap] {
        for channel in open.indices {
            if let run = open[channel] {
                gaps.append(SampleGap(channel: channel, startFrame: run.start, frameCount: frameCount - run.start))
                open[channel] = nil
            }
        }
        gaps.sort { ($0.channel, $0.startFrame) < ($1.channel, $1.startFrame) }
        return gaps
    }
}

extension ConditioningDescription {
    /// How far, in seconds, a bridged gap reaches into the conditioned output on each side: the samples of the
    /// envelope within this distance of a gap are computed partly from the bridge and are excluded with it.
    ///
    /// The sum of each stage's reach, generous rather than exact (every filter is zero-phase, so the reach is the
    /// same before and after the gap):
    /// - the envelope's half-width: half the moving-RMS window (50 ms for the default 100 ms), or 1/(2·f_c) for a
    ///   linear envelope with low-pass f_c; 10 ms for Hilbert and TKEO, which are local;
    /// - the band-pass: one period of its lowest edge (50 ms at 20 Hz): a 4th-order Butterworth high-pass has
    ///   settled to a few per cent of a disturbance after one period, and a straight-line bridge disturbs it far
    ///   less than a step would;
    /// - a notch or comb: its time constant Q/(π·f₀) (0.19 s for Q 30 at 50 Hz), since a gap also interrupts the hum;
    /// - the decimation's anti-alias low-pass: one period of its cut-off (20 ms at the default 200 Hz).
    public var gapGuardSeconds: Double {
        var reach = 0.0
        switch envelope {
        case .movingRMS(let window)?: reach += window / 2
        case .linear(let cutoff, _)?: reach += 1 / (2 * cutoff)
        case .hilbert?, .tkeo?: reach += 0.01
        case nil: break
        }
        if let bandPass {
            switch bandPass.band {
            case .bandPass(let band): reach += 1 / band.lowerBound
            case .highPass(let edge): reach += 1 / edge
            case .lowPass(let edge): reach += 1 / edge
            default: break
            }
        }
        if let notch { reach += notch.quality / (Double.pi * notch.frequency) }
        if let comb { reach += comb.quality / (Double.pi * comb.fundamental) }
        if envelope != nil, let decimation, decimation.targetRate > 0 {
            reach += 1 / (decimation.cutoffFraction * decimation.targetRate / 2)
        }
        return reach
    }
}
