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
    public var conditioning: ConditioningDescription
}

/// The whole synkinesis measurement of a recording: stream → quality + band-pass → envelope → decimate →
/// montage without flagged channels → ``SynkinesisAnalysis``.
///
/// Memory is bounded by the block size: the decimated envelopes of a long recording (at 200 Hz, 16 channels ×
/// 1 h is 46 MB) are spilled to temporary files as they are made, and the analysis reads them back in windows.
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
    public static func condition(
        _ source: any SampleSource, channels: [Int], conditioning: ConditioningDescription,
        criteria: QualityCriteria = QualityCriteria(), blockFrames: Int = 1 << 16,
        spillThreshold: Int = defaultSpillThreshold, spillDirectory: String? = nil
    ) throws(SynkError) -> ConditionedRecording {
        let header = source.header
        guard conditioning.envelope != nil else { throw .usage("the synkinesis analysis needs an envelope method") }
        try conditioning.validate(sampleRate: header.sampleRate)
        var quality = QualityAccumulator(header: header, criteria: criteria)
        let conditioner = try MultichannelConditioner(conditioning, sampleRate: header.sampleRate, channelCount: channels.count)
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
            if let spill { return try spill.append(blocks) }
            for k in blocks.indices { envelopes[k].append(contentsOf: blocks[k]) }
        }
        // The next block is read while this one is measured and filtered (reading is serial, the rest parallel).
        let reader = PrefetchingReader(source, blockFrames: blockFrames)
        while let block = try reader.next() {
            quality.add(block)
            let selected = channels.map { index -> [Float] in
                let samples = block.channels[index]
                return block.allFinite || SampleScan.firstNonFiniteIndex(in: samples) == nil ? samples : samples.map { $0.isFinite ? $0 : 0 }
            }
            try append(conditioner.process(selected))
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
                                    conditioning: conditioning)
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
                                        conditioning: conditioning, criteria: criteria)
        // Re-index the montage onto the envelope array, leaving out channels with quality flags.
        var kept: [MontageChannel] = []
        var keptEnvelopes: [Int] = []
        var gaps = montage.gaps
        for (k, channel) in montage.channels.enumerated() {
            let q = conditioned.quality[channel.channelIndex]
            if q.flags.isEmpty {
                var moved = channel
                moved.channelIndex = kept.count
                kept.append(moved)
                keptEnvelopes.append(k)
            } else {
                gaps.append(MontageGap(kind: .excludedByQuality, muscle: channel.muscle, missingSide: channel.side, label: channel.label,
                                       reason: "channel \(channel.label) excluded: \(q.explanations.joined(separator: "; "))"))
            }
        }
        guard !kept.isEmpty else {
            throw SynkError(.quality, file: file, "every mapped EMG channel failed a quality check",
                            hint: "`synk info` shows why each channel is flagged")
        }
        // Gaps of the form "X has no left channel" are derived again from the channels kept.
        let usable = try Montage(channels: kept, affectedSide: montage.affectedSide, file: file,
                                 unmapped: gaps.filter { $0.kind != .missingSide })
        let envelopes = conditioned.envelopes.selecting(keptEnvelopes)
        var result = try SynkinesisAnalysis.analyse(envelopes: envelopes, montage: usable, tasks: tasks,
                                                    parameters: parameters, file: file)
        // The analysis reports montage indices into its envelope array; report recording indices.
        let recordingIndex = Dictionary(montage.channels.map { ($0.label, $0.channelIndex) }, uniquingKeysWith: { a, _ in a })
        result.montage = result.montage.map { channel in
            var c = channel
            c.channelIndex = recordingIndex[channel.label] ?? channel.channelIndex
            return c
        }
        result.input = input
        result.quality = conditioned.quality
        result.conditioning = conditioning
        return (result, conditioned)
    }
}

