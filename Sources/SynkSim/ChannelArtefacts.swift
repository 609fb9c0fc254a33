import Foundation
import SynkCore

extension ChannelArtefact {
    /// Applies `artefacts` to `samples` (one array per channel, µV, channels named by `labels`), by kind:
    /// replacements (disconnected, flat), then additions (extreme noise, motion spikes), then saturation
    /// (clipping, held output), then lost samples (NaN gaps). Randomness (mains phases, noise) comes from
    /// streams derived from `seed` per channel, so the other channels' samples stay as they were.
    ///
    /// Used by every simulator, and by tests that spoil one channel of a simulated study.
    /// - Returns: where each artefact is (the ground truth) and, for clipped channels, the physical range
    ///   the clipping implies (`nil` for the others).
    public static func apply(
        _ artefacts: [ChannelArtefact], to samples: inout [[Float]], labels: [String], sampleRate rate: Double,
        mains: MainsInterference = MainsInterference(), seed: UInt64
    ) -> (locations: [SynkinesisGroundTruth.ArtefactLocation], physicalRanges: [ClosedRange<Double>?]) {
        let frameCount = samples.first?.count ?? 0
        let nyquist = rate / 2
        func sampleIndex(_ seconds: Double) -> Int { min(frameCount, max(0, Int((seconds * rate).rounded(.up)))) }
        var locations: [SynkinesisGroundTruth.ArtefactLocation] = []
        let order: [ChannelArtefact.Kind] = [.disconnected, .flat, .extremeNoise, .motionSpikes, .clipping, .saturation, .nanGap]
        var physicalRanges = [ClosedRange<Double>?](repeating: nil, count: samples.count)
        for kind in order {
            for artefact in artefacts where artefact.kind == kind {
                guard let c = labels.firstIndex(of: artefact.channel), c < samples.count else { continue }
                switch kind {
                case .disconnected:
                    // The mains' harmonic pattern at the artefact's level, with the channel's own phases.
                    let components = MainsInterference(frequencyHz: mains.frequencyHz, amplitudeMicrovolts: artefact.level,
                                                       harmonicAmplitudes: mains.harmonicAmplitudes).components(below: nyquist)
                    var phaseGenerator = SeededGenerator(seed: SynkinesisSimulation.derivedSeed(seed, stream: 3_000 + UInt64(c)))
                    var x = [Double](repeating: 0, count: frameCount)
                    SynkinesisSimulation.addMains(&x, components: components, phases: components.map { _ in 2 * Double.pi * phaseGenerator.nextUniform() },
                             rate: rate, scale: 1)
                    samples[c] = x.map { Float($0) }
                    locations.append(.init(channel: artefact.channel, channelIndex: c, kind: kind, firstSample: 0, endSample: frameCount))
                case .flat:
                    samples[c] = [Float](repeating: Float(artefact.level), count: frameCount)
                    locations.append(.init(channel: artefact.channel, channelIndex: c, kind: kind, firstSample: 0, endSample: frameCount))
                case .motionSpikes:
                    let tau = SynkinesisSimulation.motionSpikeTimeConstant
                    for time in artefact.times {
                        let first = sampleIndex(time), end = sampleIndex(time + 10 * tau)
                        for i in first..<end {
                            let u = (Double(i) / rate - time) / tau
                            samples[c][i] += Float(artefact.level * u * exp(1 - u))
                        }
                        locations.append(.init(channel: artefact.channel, channelIndex: c, kind: kind, firstSample: first, endSample: end))
                    }
                case .clipping:
                    let level = Float(artefact.level)
                    for i in 0..<frameCount { samples[c][i] = min(level, max(-level, samples[c][i])) }
                    physicalRanges[c] = -artefact.level...artefact.level
                    locations.append(.init(channel: artefact.channel, channelIndex: c, kind: kind, firstSample: 0, endSample: frameCount))
                case .nanGap:
                    let first = sampleIndex(artefact.start), end = sampleIndex(artefact.end)
                    for i in first..<max(first, end) { samples[c][i] = .nan }
                    locations.append(.init(channel: artefact.channel, channelIndex: c, kind: kind, firstSample: first, endSample: end))
                case .saturation:
                    let first = sampleIndex(artefact.start), end = sampleIndex(artefact.end)
                    for i in first..<max(first, end) { samples[c][i] = Float(artefact.level) }
                    locations.append(.init(channel: artefact.channel, channelIndex: c, kind: kind, firstSample: first, endSample: end))
                case .extremeNoise:
                    // Its own stream, so that the noise leaves every other channel's samples as they were.
                    var noise = SeededGenerator(seed: SynkinesisSimulation.derivedSeed(seed, stream: 4_000 + UInt64(c)))
                    for i in 0..<frameCount { samples[c][i] += Float(artefact.level * noise.nextGaussian()) }
                    locations.append(.init(channel: artefact.channel, channelIndex: c, kind: kind, firstSample: 0, endSample: frameCount))
                }
            }
        }
        return (locations, physicalRanges)
    }
}
