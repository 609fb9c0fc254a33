import Foundation
import Testing
import SynkCore
import SynkSim
@testable import SynkAnalysis

/// An EMG channel that names a muscle but no side (or no muscle) cannot be measured on a side: the evoked analyses
/// list it with the reason and fail quality, instead of leaving it out without a word.
@Suite("Unmapped channels are listed with the reason")
struct UnmappedChannelTests {
    @Test("ChannelInfo.unmappedReason: each case of muscle and side, from metadata or the label; non-EMG channels never")
    func reasons() {
        #expect(ChannelInfo(label: "OOc-L").unmappedReason == nil)
        #expect(ChannelInfo(label: "EMG3", muscle: .OOc, side: .left).unmappedReason == nil)
        #expect(ChannelInfo(label: "ch1").unmappedReason == "its label names no facial muscle and no side synk knows")
        #expect(ChannelInfo(label: "soleus left").unmappedReason == "its label names no facial muscle synk knows")
        #expect(ChannelInfo(label: "NAS").unmappedReason == "its label names NAS but no side (left or right)")
        #expect(ChannelInfo(label: "Trigger", kind: .trigger).unmappedReason == nil)
    }

    @Test("ncs: a channel with a muscle but no side is excluded with the reason, flagged channels_unrecognised; the other side is still measured")
    func nerveConduction() throws {
        var (recording, _) = try EvokedRobustnessTests.study(amplitude: 2)
        let index = try #require(recording.channels.firstIndex { $0.label == "NAS-R" })
        recording.header.channels[index] = ChannelInfo(label: "NAS", unit: .microvolt, kind: .emg, muscle: .NAS)
        let result = try NerveConductionAnalysis.analyze(recording)
        let excluded = try #require(result.excludedChannels.first { $0.channel == "NAS" })
        #expect(excluded.reason.hasPrefix("channel NAS excluded: its label names NAS but no side (left or right)"))
        #expect(excluded.muscle == .NAS && excluded.side == nil)
        #expect(result.flags.contains(.channelsUnrecognised) && result.qualityFailed)
        #expect(result.response(branch: .buccal, side: .left) != nil)
        #expect(result.response(branch: .buccal, side: .right) == nil)
    }

    @Test("blink: a lower-face channel with no side is excluded with the reason, not measured as spread")
    func blinkReflex() throws {
        let config = BlinkStudyConfiguration(sweepsPerSide: 4, recordLowerFace: true)
        var (recording, _) = try BlinkSimulator.simulate(config, seed: 4)
        let index = try #require(recording.channels.firstIndex { $0.muscle == .OOr && $0.side == .left })
        recording.header.channels[index] = ChannelInfo(label: "OOr", unit: .microvolt, kind: .emg, muscle: .OOr)
        let result = try BlinkReflexAnalysis.analyze(recording)
        #expect(result.excludedChannels.contains { $0.channel == "OOr" && $0.reason.contains("names OOr but no side") })
        #expect(result.flags.contains(.channelsUnrecognised) && result.qualityFailed)
        #expect(!result.spread.contains { $0.muscle == .OOr && $0.recordedSide == .left })
    }
}
