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

    /// Streams `source` once. Non-finite samples are replaced by 0 before filtering (one NaN would spread
    /// over a whole FFT block); the channel is flagged `nan_gap` and excluded later anyway.
    ///
    /// - Parameter spillThreshold: envelopes expected to take more bytes than this (or of unknown length) are
    ///   written to unlinked temporary files in `TMPDIR` as they are made, so that memory does not grow with the
    ///   recording; 0 always spills, `Int.max` never does. When no temporary file can be created there, the
    ///   envelopes stay in memory; a write that fails later (a full disk) is an output error naming the directory.
    /// - Parameter spillDirectory: where the temporary files go (default `TMPDIR`, else /tmp).
    /// - Parameter crosstalkSides: the side of each of `channels`: the band-passed signals of each side are kept
    ///   (as lagged products, ``CrosstalkAccumulator``) for the crosstalk estimate; nil keeps none.
    /// - Parameter automaticNotch: when `conditioning` has no notch or comb, measure the first block and add a
    ///   mains comb if one of `channels` is mains-dominated there (and not disconnected).
    public static func condition(
        _ source: any SampleSource, channels: [Int], conditioning requested: ConditioningDescription,
        criteria: QualityCriteria = QualityCriteria(), blockFrames: Int = 1 << 16,
        spillThreshold: Int = defaultSpillThreshold, spillDirectory: String? = nil,
        crosstalkSides: [Side]? = nil, automaticNotch: Bool = false
    ) throws(SynkError) -> ConditionedRecording {
        let header = source.header
        guard requested.envelope != nil else { throw .usage("the synkinesis analysis needs an envelope method") }
        try requested.validate(sampleRate: header.sampleRate)
        // The next block is read while this one is measured and filtered (reading is serial, the rest parallel).
        let reader = PrefetchingReader(source, blockFrames: blockFrames)
        var pendingBlock = try reader.next()
        var conditioning = requested
        if automaticNotch, requested.notch == nil, requested.comb == nil, let first = pendingBlock {
            conditioning = Self.withAutomaticNotch(requested, firstBlock: first, header: header, channels: channels, criteria: criteria)
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
        while let block = pendingBlock {
            quality.add(block)
            let selected = channels.map { index -> [Float] in
                let samples = block.channels[index]
                return block.allFinite || SampleScan.firstNonFiniteIndex(in: samples) == nil ? samples : samples.map { $0.isFinite ? $0 : 0 }
            }
            try append(conditioner.process(selected))
            pendingBlock = try reader.next()
        }
        try append(conditioner.finish())
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
                                    tapDescription: tap?.description(sampleRate: header.sampleRate))
    }

    /// `conditioning` with a mains comb added when, in the recording's first block, one of `channels` (an EMG
    /// channel) is mains-dominated but not disconnected (``QualityFlag``): a comb at that mains frequency and its
    /// harmonics up to the band's upper edge. The hum of a quiet muscle (a few µV) would otherwise sit in its rest
    /// level and in the raw signals the crosstalk estimate compares; the notch removes a few per cent of the EMG's
    /// power, alike on every channel and side.
    static func withAutomaticNotch(_ conditioning: ConditioningDescription, firstBlock: SignalBlock, header: RecordingHeader,
                                   channels: [Int], criteria: QualityCriteria) -> ConditioningDescription {
        // The first ten seconds say whether hum dominates (a second is one measurement window).
        let frames = min(firstBlock.frameCount, max(1, Int(10 * header.sampleRate)))
        var probe = QualityAccumulator(header: header, criteria: criteria)
        probe.add(frames == firstBlock.frameCount ? firstBlock
                  : SignalBlock(firstFrame: 0, channels: firstBlock.channels.map { Array($0.prefix(frames)) }))
        let quality = probe.finish()
        let humming = channels.filter { c in
            c < quality.count && header.channels[c].kind == .emg && quality[c].flags.contains(.mainsDominated)
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
        updated.automaticNotch = String(format: "%.0f Hz mains and %d harmonics notched automatically: in the first %.0f s, %@ had at least %.0f %% of the power at mains (%@)",
                                        frequency, harmonics - 1, seconds, labels.prefix(4).joined(separator: ", ") + (labels.count > 4 ? " and \(labels.count - 4) more" : ""),
                                        100 * criteria.mainsFraction,
                                        humming.prefix(4).map { String(format: "%.2g µV hum", quality[$0].mainsRMS ?? 0) }.joined(separator: ", "))
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
                                        crosstalkSides: montage.channels.map(\.side), automaticNotch: parameters.automaticNotch)
        // Re-index the montage onto the envelope array, leaving out channels with a quality flag that excludes them
        // (mains dominance alone is information: ``QualityFlag/excludesChannel``).
        var kept: [MontageChannel] = []
        var keptEnvelopes: [Int] = []
        var gaps = montage.gaps
        for (k, channel) in montage.channels.enumerated() {
            let q = conditioned.quality[channel.channelIndex]
            if q.isUsable {
                var moved = channel
                moved.channelIndex = kept.count
                kept.append(moved)
                keptEnvelopes.append(k)
            } else {
                let reasons = zip(q.flags, q.explanations).filter { $0.0.excludesChannel }.map(\.1)
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
        var result = try SynkinesisAnalysis.analyse(envelopes: envelopes, montage: usable, tasks: tasks,
                                                    parameters: parameters, file: file, crosstalk: crosstalk)
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

