import Dispatch
import Foundation
import SynkCore
import SynkDSP

/// Envelopes of a recording's EMG channels and the quality of every channel, made in one streaming pass.
public struct ConditionedRecording: Sendable {
    public var header: RecordingHeader
    /// Quality of every channel of the recording (raw samples).
    public var quality: [ChannelQuality]
    /// The recording channel index of each envelope.
    public var channelIndices: [Int]
    public var envelopes: EnvelopeSet
    /// The conditioning applied (with an automatic notch when one was chosen).
    public var conditioning: ConditioningDescription
    /// The lagged products of the band-passed signals of each side, for the crosstalk estimate (tap channel k is
    /// envelope k); nil when not asked for.
    public var crosstalk: CrosstalkProducts?
    /// What the crosstalk tap holds.
    public var tapDescription: String?
    /// Every run of missing samples in `channelIndices`' channels (``SampleGap/channel`` is the *recording*
    /// channel index), bridged by straight lines before filtering (``GapBridge``).
    public var gaps: [SampleGap] = []
}

/// The whole synkinesis measurement of a recording: stream → quality + band-pass → envelope → decimate →
/// montage without flagged channels → ``SynkinesisAnalysis``.
///
/// Memory is bounded by the block size: the decimated envelopes of a long recording (at 200 Hz, 16 channels ×
/// 1 h is 46 MB) are spilled to temporary files as they are made, and the analysis reads them back in windows;
/// so are the crosstalk products (``CrosstalkAccumulator``, about 33 MB per hour of 8 + 8 channels).
public enum SynkinesisPipeline {
    /// Envelopes larger than this (bytes) are spilled to temporary files while they are made: about 11 minutes of
    /// 16 channels at 200 Hz. Smaller ones stay in memory.
    public static let defaultSpillThreshold = 8 << 20

    /// Streams `source` once. Runs of non-finite samples are bridged by straight lines before filtering
    /// (``GapBridge``: one NaN would spread over a whole FFT block, a zero fill would step) and listed in
    /// ``ConditionedRecording/gaps``; the analysis excludes them, with a guard, from every statistic.
    ///
    /// - Parameter spillThreshold: envelopes expected to take more bytes than this (or of unknown length) are
    ///   written to unlinked temporary files in `TMPDIR` as they are made, so that memory does not grow with the
    ///   recording; 0 always spills, `Int.max` never does. When no temporary file can be created there, the
    ///   envelopes stay in memory; a write that fails later (a full disk) is an output error naming the directory.
    /// - Parameter spillDirectory: where the temporary files go (default `TMPDIR`, else /tmp).
    /// - Parameter crosstalkSides: the side of each of `channels`: the band-passed signals of each side are kept
    ///   (as lagged products, ``CrosstalkAccumulator``) for the crosstalk estimate; nil keeps none.
    /// - Parameter automaticNotch: when `conditioning` has no notch or comb, measure the first block and add a
    ///   mains comb if one of `channels` has at least this share of its power at mains there (and is not
    ///   disconnected); nil never adds one.
    public static func condition(
        _ source: any SampleSource, channels: [Int], conditioning requested: ConditioningDescription,
        criteria: QualityCriteria = QualityCriteria(), blockFrames: Int = 1 << 16,
        spillThreshold: Int = defaultSpillThreshold, spillDirectory: String? = nil,
        crosstalkSides: [Side]? = nil, automaticNotch: Double? = nil
    ) throws(SynkError) -> ConditionedRecording {
        let header = source.header
        guard requested.envelope != nil else { throw .usage("the synkinesis analysis needs an envelope method") }
        try requested.validate(sampleRate: header.sampleRate)
        // The next block is read while this one is measured and filtered (reading is serial, the rest parallel).
        let reader = PrefetchingReader(source, blockFrames: blockFrames)
        var pendingBlock = try reader.next()
        var conditioning = requested
        if let fraction = automaticNotch, requested.notch == nil, requested.comb == nil, let first = pendingBlock {
            conditioning = Self.withAutomaticNotch(requested, firstBlock: first, header: header, channels: channels,
                                                   criteria: criteria, fraction: fraction)
        }
        var quality = QualityAccumulator(header: header, criteria: criteria)
        let tap = crosstalkSides != nil ? RawTap(sampleRate: header.sampleRate, minimumRate: Crosstalk.tapMinimumRate) : nil
        // Each side in one vector of lanes when it has at most eight channels: the tap's frames then hold a side as it is.
        let sideGroups = crosstalkSides.map { sides in
            Side.allCases.map { side in sides.indices.filter { sides[$0] == side } }.filter { !$0.isEmpty }
        }
        let lanesBySide = sideGroups.map { $0.allSatisfy { $0.count <= ChannelLanes.scalarCount } } ?? false
        var accumulator: CrosstalkAccumulator?
        if let tap, let groups = sideGroups {
            let layout = CrosstalkLayout(groups: groups, rate: tap.rate(sampleRate: header.sampleRate))
            accumulator = CrosstalkAccumulator(layout: layout, expectedSamples: header.frameCount / tap.factor,
                                               spillThreshold: spillThreshold, spillDirectory: spillDirectory)
        }
        // Each side's products are accumulated in the worker that conditions its lanes, as the frames are made.
        let conditioner = try MultichannelConditioner(conditioning, sampleRate: header.sampleRate, channelCount: channels.count, tap: tap,
                                                      laneGroups: lanesBySide ? sideGroups : nil,
                                                      tapSinks: lanesBySide ? accumulator?.laneSinks : nil)
        let expectedEnvelopeFrames = try conditioning.outputRate(sampleRate: header.sampleRate) / header.sampleRate
            * Double(max(0, header.frameCount)) + 2
        let expectedBytes = expectedEnvelopeFrames * Double(channels.count * MemoryLayout<Float>.stride)
        // A temporary directory that cannot be used only costs memory: the envelopes then stay in memory.
        let spill = header.frameCount <= 0 || !(expectedBytes <= Double(spillThreshold))
            ? try? EnvelopeSpill(channelCount: channels.count, directory: spillDirectory) : nil
        var envelopes = [[Float]](repeating: [], count: spill == nil ? channels.count : 0)
        // Reserve the envelopes' final length, so that they grow without doubling (which would briefly hold two
        // copies and leave up to twice the memory reserved).
        if spill == nil, expectedEnvelopeFrames.isFinite, expectedEnvelopeFrames < 1e9 {
            for k in envelopes.indices { envelopes[k].reserveCapacity(Int(expectedEnvelopeFrames)) }
        }
        func append(_ blocks: [[Float]]) throws(SynkError) {
            if let accumulator {
                if conditioner.tapsIntoSinks {
                    try accumulator.collect()
                } else {
                    try accumulator.add(conditioner.takeTapOutput())
                }
            }
            if let spill { return try spill.append(blocks) }
            for k in blocks.indices { envelopes[k].append(contentsOf: blocks[k]) }
        }
        var bridge = GapBridge(channelCount: channels.count)
        var framesRead = 0
        while let block = pendingBlock {
            quality.add(block)
            // The next block is the look-ahead that ends a gap running to the end of this one.
            let next = try reader.next()
            let selected = channels.enumerated().map { k, index -> [Float] in
                 bridge.bridge(block.channels[index], channel: k, firstFrame: block.firstFrame,
                                     next: next?.channels[index], knownFinite: block.allFinite)
            }
            framesRead = block.firstFrame + block.frameCount
            try append(conditioner.process(selected))
            pendingBlock = next
        }
        try append(conditioner.finish())
        let gaps = bridge.finish(frameCount: framesRead).map {
            SampleGap(channel: channels[$0.channel], startFrame: $0.startFrame, frameCount: $0.frameCount)
        }
        let storage = try spill?.finish() ?? EnvelopeStorage(consuming: &envelopes)
        let kind: EnvelopeKind
        switch conditioning.envelope! {
        case .movingRMS(let window): kind = .movingRMS(windowSeconds: window)
        case .linear(let cutoff, _): kind = .linear(lowPassHz: cutoff)
        case .hilbert: kind = .other("hilbert")
        case .tkeo: kind = .other("tkeo")
        }
        let rate = try conditioning.outputRate(sampleRate: header.sampleRate)
        return ConditionedRecording(header: header, quality: quality.finish(), channelIndices: channels,
                                    envelopes: EnvelopeSet(sampleRate: rate, storage: storage, kind: kind),
                                    conditioning: conditioning, crosstalk: try accumulator?.finish(),
                                    tapDescription: tap?.description(sampleRate: header.sampleRate), gaps: gaps)
    }

    /// `conditioning` with a mains comb added when, in the recording's first ten seconds, one of `channels` (an EMG
    /// channel) has at least `fraction` of its power at mains and harmonics and is not disconnected
    /// (``QualityFlag``): a comb at that mains frequency and its harmonics up to the band's upper edge. Hum is the
    /// same sinusoid in every channel, so a few tenths of a µV of it on a quiet muscle would count as crosstalk from
    /// every neighbour and sit in its rest level; the notch removes a few per cent of the EMG's power, alike on every
    /// channel and side.
    static func withAutomaticNotch(_ conditioning: ConditioningDescription, firstBlock: SignalBlock, header: RecordingHeader,
                                   channels: [Int], criteria: QualityCriteria, fraction: Double) -> ConditioningDescription {
        // The first ten seconds say whether hum dominates (a second is one measurement window).
        let frames = min(firstBlock.frameCount, max(1, Int(10 * header.sampleRate)))
        var probe = QualityAccumulator(header: header, criteria: criteria)
        probe.add(frames == firstBlock.frameCount ? firstBlock
                  : SignalBlock(firstFrame: 0, channels: firstBlock.channels.map { Array($0.prefix(frames)) }))
        let quality = probe.finish()
        let humming = channels.filter { c in
            c < quality.count && header.channels[c].kind == .emg && (quality[c].mainsPowerFraction ?? 0) >= fraction
                && !quality[c].flags.contains(.disconnected) && quality[c].mainsFrequency != nil
        }
        guard let first = humming.first, let frequency = quality[first].mainsFrequency else { return conditioning }
        var top = header.sampleRate / 2 * 0.98
        if case .bandPass(let band)? = conditioning.bandPass?.band { top = min(top, band.upperBound) }
        if case .lowPass(let edge)? = conditioning.bandPass?.band { top = min(top, edge) }
        let harmonics = max(1, Int((top / frequency).rounded(.down)))
        var updated = conditioning
        updated.comb = HarmonicComb(fundamental: frequency, harmonics: harmonics)
        let labels = humming.map { header.channels[$0].label }
        let seconds = Double(frames) / header.sampleRate
        updated.automaticNotch = String(format: "%.0f Hz mains and %d harmonics notched automatically: in the first %.0f s, %@ had ≥ %.0f %% of the power at mains (%@)",
                                        frequency, harmonics - 1, seconds, labels.prefix(4).joined(separator: ", ") + (labels.count > 4 ? " and \(labels.count - 4) more" : ""),
                                        100 * fraction,
                                        "hum " + humming.prefix(4).map { String(format: "%.2g µV", quality[$0].mainsRMS ?? 0) }.joined(separator: ", "))
        return updated
    }

    /// Measures synkinesis on a recording.
    ///
    /// - Parameters:
    ///   - montage: channel → muscle and side, with indices into the *recording*; channels whose quality is
    ///     flagged are removed and listed as montage gaps with the reason.
    ///   - tasks: events in seconds (from `--events`, sidecars, HDF5 or EDF+ annotations) or `.detect`.
    public static func run(
        _ source: any SampleSource, montage: Montage, tasks: TaskSource, input: InputDescription,
        conditioning: ConditioningDescription = .default, parameters: SynkinesisParameters = SynkinesisParameters(),
        criteria: QualityCriteria = QualityCriteria()
    ) throws(SynkError) -> SynkinesisResult {
        try runKeepingEnvelopes(source, montage: montage, tasks: tasks, input: input, conditioning: conditioning,
                                parameters: parameters, criteria: criteria).result
    }

    /// ``run(_:montage:tasks:input:conditioning:parameters:criteria:)`` that also returns the conditioned
    /// recording (decimated envelopes of every montage channel, flagged ones included), so that a report can
    /// plot the envelopes the result was measured on without reading the file a second time.
    public static func runKeepingEnvelopes(
        _ source: any SampleSource, montage: Montage, tasks: TaskSource, input: InputDescription,
        conditioning: ConditioningDescription = .default, parameters: SynkinesisParameters = SynkinesisParameters(),
        criteria: QualityCriteria = QualityCriteria()
    ) throws(SynkError) -> (result: SynkinesisResult, conditioned: ConditionedRecording) {
        let file = input.path
        guard !montage.channels.isEmpty else {
            throw .input(file, "no channel could be mapped to a facial muscle and side",
                         hint: "give --montage, a BIDS channels.tsv, or labels such as OOc-L / ZYG_R")
        }
        let conditioned = try condition(source, channels: montage.channels.map(\.channelIndex),
                                        conditioning: conditioning, criteria: criteria,
                                        crosstalkSides: montage.channels.map(\.side), automaticNotch: parameters.automaticNotch ? parameters.automaticNotchMainsFraction : nil)
        // Re-index the montage onto the envelope array, leaving out channels with a quality flag that excludes them
        // (mains dominance alone is information: ``QualityFlag/excludesChannel``).
        var kept: [MontageChannel] = []
        var keptEnvelopes: [Int] = []
        var gaps = montage.gaps
        let plan = GapPlan(conditioned: conditioned, montage: montage, parameters: parameters)
        for (k, channel) in montage.channels.enumerated() {
            let q = conditioned.quality[channel.channelIndex]
            // Missing samples alone do not exclude a channel: its gaps are bridged and left out (``GapPlan``),
            // unless too little of it remains.
            let otherReasons = zip(q.flags, q.explanations).filter { $0.0.excludesChannel && $0.0 != .nanGap }.map(\.1)
            let gapReason = plan.exclusionReason[channel.channelIndex]
            if otherReasons.isEmpty && gapReason == nil {
                var moved = channel
                moved.channelIndex = kept.count
                kept.append(moved)
                keptEnvelopes.append(k)
            } else {
                let reasons = otherReasons + (gapReason.map { [$0] } ?? [])
                gaps.append(MontageGap(kind: .excludedByQuality, muscle: channel.muscle, missingSide: montage.sidesAssumed ? nil : channel.side, label: channel.label,
                                       reason: "channel \(channel.label) excluded: \(reasons.joined(separator: "; "))"))
            }
        }
        guard !kept.isEmpty else {
            // Nothing to measure, but the exclusions are the finding: the result says them (exit 1, output written).
            var result = SynkinesisAnalysis.unmeasured(
                montage: montage, gaps: gaps, tasks: tasks, envelopeRate: conditioned.envelopes.sampleRate,
                kind: conditioned.envelopes.kind, parameters: parameters,
                crosstalk: conditioned.crosstalk.map { _ in Crosstalk.methodDescription(tap: conditioned.tapDescription ?? "") })
            result.input = input
            result.quality = conditioned.quality
            result.conditioning = conditioned.conditioning
            let (_, exclusionRecord) = plan.exclusions(keptChannels: [])
            result.sampleGaps = plan.records(keptChannels: [], exclusionRecord: exclusionRecord, repetitionsExcluded: [])
            return (result, conditioned)
        }
        // Gaps of the form "X has no left channel" are derived again from the channels kept.
        var usable = try Montage(channels: kept, affectedSide: montage.affectedSide, file: file,
                                 unmapped: gaps.filter { $0.kind != .missingSide })
        if montage.sidesAssumed {
            // One side of unknown identity: no gap may claim a missing left or right.
            usable.sidesAssumed = true
            usable.gaps.removeAll { $0.kind == .missingSide }
        }
        let envelopes = conditioned.envelopes.selecting(keptEnvelopes)
        // Tap channel k is the montage's channel k (the order the conditioner was given).
        let crosstalk = conditioned.crosstalk.map {
            CrosstalkInput(products: $0, tapChannel: keptEnvelopes.map { Optional($0) }, tapDescription: conditioned.tapDescription ?? "")
        }
        let keptRecordingChannels = Set(keptEnvelopes.map { montage.channels[$0].channelIndex })
        let (exclusions, exclusionRecord) = plan.exclusions(keptChannels: keptRecordingChannels)
        var result = try SynkinesisAnalysis.analyze(envelopes: envelopes, montage: usable, tasks: tasks,
                                                    parameters: parameters, file: file, crosstalk: crosstalk,
                                                    exclusions: exclusions)
        result.sampleGaps = plan.records(keptChannels: keptRecordingChannels, exclusionRecord: exclusionRecord,
                                         repetitionsExcluded: result.repetitionsExcludedByExclusion)
        // The analysis reports montage indices into its envelope array; report recording indices.
        let recordingIndex = Dictionary(montage.channels.map { ($0.label, $0.channelIndex) }, uniquingKeysWith: { a, _ in a })
        result.montage = result.montage.map { channel in
            var c = channel
            c.channelIndex = recordingIndex[channel.label] ?? channel.channelIndex
            return c
        }
        result.input = input
        result.quality = conditioned.quality
        result.conditioning = conditioned.conditioning
        return (result, conditioned)
    }
}


/// What the synkinesis pipeline does with the runs of missing samples of a conditioned recording
/// (docs/gaps.md): a run up to ``SynkinesisParameters/maximumBridgedGapSeconds`` is bridged and its envelope frames,
/// with the conditioning's guard (``ConditioningDescription/gapGuardSeconds``) on each side, are left out of every
/// statistic; a longer run leaves out every task repetition it (with its guard) overlaps; a channel with less than
/// ``SynkinesisParameters/minimumGapFreeFraction`` of the recording outside its gaps and guards is excluded.
struct GapPlan {
    let gaps: [SampleGap]
    let labels: [String]
    let sampleRate: Double
    let envelopeRate: Double
    let envelopeFrames: Int
    let guardSeconds: Double
    let parameters: SynkinesisParameters
    /// Recording channel → why it is excluded for its gaps.
    let exclusionReason: [Int: String]

    init(conditioned: ConditionedRecording, montage: Montage, parameters: SynkinesisParameters) {
        let gaps = conditioned.gaps
        let sampleRate = conditioned.header.sampleRate
        let envelopeRate = conditioned.envelopes.sampleRate
        let envelopeFrames = conditioned.envelopes.frameCount
        let guardSeconds = conditioned.conditioning.gapGuardSeconds
        self.gaps = gaps
        labels = conditioned.header.channels.map(\.label)
        self.sampleRate = sampleRate
        self.envelopeRate = envelopeRate
        self.envelopeFrames = envelopeFrames
        self.guardSeconds = guardSeconds
        self.parameters = parameters
        var reasons: [Int: String] = [:]
        let byChannel = Dictionary(grouping: gaps, by: \.channel)
        let total = max(1, envelopeFrames)
        for (channel, runs) in byChannel {
            let covered = ActivityDetection.union(runs.map { Self.frames(of: $0, sampleRate: sampleRate, envelopeRate: envelopeRate,
                                                                          guardSeconds: guardSeconds, limit: envelopeFrames) })
            let lost = ActivityDetection.sampleCount(covered)
            let remaining = 1 - Double(lost) / Double(total)
            if remaining < parameters.minimumGapFreeFraction {
                let missing = runs.reduce(0) { $0 + $1.frameCount }
                reasons[channel] = String(format: "%d missing samples in %d gap%@: only %.0f %% of the recording remains outside the gaps and their %.0f ms guards (at least %.0f %% needed, since a kept channel's gaps are left out of every channel)",
                                          missing, runs.count, runs.count == 1 ? "" : "s", 100 * max(0, remaining), 1000 * guardSeconds,
                                          100 * parameters.minimumGapFreeFraction)
            }
        }
        exclusionReason = reasons
    }

    /// The envelope frames a run reaches: the run ± the guard, on the envelope's time base.
    static func frames(of gap: SampleGap, sampleRate: Double, envelopeRate: Double, guardSeconds: Double, limit: Int) -> Range<Int> {
        let from = Double(gap.startFrame) / sampleRate - guardSeconds
        let to = Double(gap.startFrame + gap.frameCount) / sampleRate + guardSeconds
        let lower = max(0, Int((from * envelopeRate).rounded(.down)))
        let upper = min(limit, Int((to * envelopeRate).rounded(.up)))
        return lower..<max(lower, upper)
    }

    func isShort(_ gap: SampleGap) -> Bool {
        Double(gap.frameCount) / sampleRate <= parameters.maximumBridgedGapSeconds + 0.5 / sampleRate
    }

    func describe(_ gap: SampleGap) -> String {
        String(format: "%@ misses %.3g ms (%d sample%@) from %.3f s", labels[gap.channel], 1000 * Double(gap.frameCount) / sampleRate,
               gap.frameCount, gap.frameCount == 1 ? "" : "s", Double(gap.startFrame) / sampleRate)
    }

    /// The frames to leave out for the gaps of `keptChannels`, and for each the index of its gap in ``gaps``.
    func exclusions(keptChannels: Set<Int>) -> ([FrameExclusion], [Int]) {
        var exclusions: [FrameExclusion] = [], record: [Int] = []
        for (index, gap) in gaps.enumerated() where keptChannels.contains(gap.channel) {
            let frames = Self.frames(of: gap, sampleRate: sampleRate, envelopeRate: envelopeRate, guardSeconds: guardSeconds, limit: envelopeFrames)
            exclusions.append(FrameExclusion(frames: frames, dropsRepetition: !isShort(gap), reason: describe(gap)))
            record.append(index)
        }
        return (exclusions, record)
    }

    /// One record per gap, in channel and time order.
    func records(keptChannels: Set<Int>, exclusionRecord: [Int], repetitionsExcluded: [Int]) -> [SampleGapRecord] {
        var dropped: [Int: Int] = [:]
        for (k, index) in exclusionRecord.enumerated() where k < repetitionsExcluded.count { dropped[index] = repetitionsExcluded[k] }
        let guardMs = String(format: "%.0f ms", 1000 * guardSeconds)
        return gaps.enumerated().map { index, gap in
            let start = Double(gap.startFrame) / sampleRate, duration = Double(gap.frameCount) / sampleRate
            let frames = Self.frames(of: gap, sampleRate: sampleRate, envelopeRate: envelopeRate, guardSeconds: guardSeconds, limit: envelopeFrames)
            let span = [Double(frames.lowerBound) / envelopeRate, Double(frames.upperBound) / envelopeRate]
            let what = describe(gap)
            guard keptChannels.contains(gap.channel) else {
                return SampleGapRecord(channel: labels[gap.channel], startS: start, durationS: duration, samples: gap.frameCount,
                                       action: .channelExcluded, excludedS: nil,
                                       note: "\(what): the channel is excluded (see montage_gaps)")
            }
            if isShort(gap) {
                return SampleGapRecord(channel: labels[gap.channel], startS: start, durationS: duration, samples: gap.frameCount,
                                       action: .bridged, excludedS: span,
                                       note: String(format: "%@: bridged for filtering; %.3f-%.3f s (the gap and a %@ guard each side) left out of every statistic",
                                                    what, span[0], span[1], guardMs))
            }
            let count = dropped[index] ?? 0
            let effect = count == 0 ? "no task repetition overlaps it" : "\(count) task repetition\(count == 1 ? "" : "s") overlapping it left out (task_gaps)"
            return SampleGapRecord(channel: labels[gap.channel], startS: start, durationS: duration, samples: gap.frameCount,
                                   action: .spanExcluded, excludedS: span, repetitionsExcluded: count,
                                   note: String(format: "%@: longer than %.0f ms; %.3f-%.3f s (with a %@ guard each side) left out: %@",
                                                what, 1000 * parameters.maximumBridgedGapSeconds, span[0], span[1], guardMs, effect))
        }
    }
}
