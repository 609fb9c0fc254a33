import Foundation
import SynkCore
import Testing
@testable import SynkAnalysis

/// Automatic channel mapping (from labels) never invents a side and never takes a processed copy of a muscle's EMG
/// for a second raw muscle; it says what it mapped and what it left out (issue 22).
@Suite("Automatic mapping: no invented side, no derived column as a muscle")
struct AutomaticMappingTests {
    static func emg(_ label: String) -> ChannelInfo { .labelled(label, unit: .microvolt, kind: .emg) }

    @Test("Derived-signal words: anywhere for long words, whole words for short ones", arguments: [
        ("EMG_zyg_processed", "processed"), ("Zyg Processed", "processed"), ("ZygEnvelope", "envelope"), ("COR env", "env"),
        ("OOc RMS", "rms"), ("zyg_iemg", "iemg"), ("MAV corrugator", "mav"), ("Integrated ZYG", "integrated"),
        ("ZYG filtered", "filtered"), ("OOr smoothed", "smooth"), ("Zygomaticus", nil), ("Corr Raw", nil), ("environment", nil),
        ("Zyg Raw", nil), ("OOc-L", nil), ("sternocleido", nil),
    ] as [(String, String?)])
    func derivedWord(label: String, word: String?) {
        #expect(ChannelPlacement.derivedSignalWord(in: label) == word)
    }

    @Test("Raw and processed zygomaticus and corrugator, no side: the raw two are mapped as one side of unknown identity, the processed two listed, nothing thrown")
    func processedColumnsNextToRaw() throws {
        let infos = [Self.emg("Corrugator"), Self.emg("Zygomaticus"), Self.emg("EMG_cor_processed"), Self.emg("EMG_zyg_processed"),
                     ChannelInfo(label: "Marker", unit: .unknown, kind: .trigger)]
        // From the labels alone nothing has a side: no channel is mapped, and nothing is invented.
        let stated = try Montage(channels: infos, affectedSide: nil, file: "export.csv")
        #expect(stated.channels.isEmpty)
        let montage = try #require(try Montage.oneSided(channels: infos, affectedSide: nil, file: "export.csv"))
        #expect(montage.sidesAssumed)
        #expect(montage.channels.map(\.label) == ["Corrugator", "Zygomaticus"])
        #expect(montage.channels.map(\.muscle) == [.COR, .ZYG])
        let unmapped = montage.gaps.filter { $0.kind == .unmapped }
        #expect(unmapped.compactMap(\.label) == ["EMG_cor_processed", "EMG_zyg_processed"])
        #expect(unmapped.allSatisfy { $0.reason.contains("derived signal ('processed')") })
        // No gap claims a missing left or right: which side these are is unknown.
        #expect(!montage.gaps.contains { $0.kind == .missingSide })
        let note = try #require(montage.gaps.first { $0.kind == .note })
        #expect(note.reason.hasPrefix("no channel states a side: synk mapped Corrugator → COR, Zygomaticus → ZYG from the labels"))
        #expect(note.reason.contains("which side is unknown"))
        let comparison = SynkinesisAnalysis.sideComparison(for: montage)
        #expect(!comparison.possible)
        #expect(comparison.reason?.hasPrefix("no channel states a side: synk assumed the 2 muscle channels are on one side") == true)
        #expect(comparison.reason?.contains("left-side channels") == false)
    }

    @Test("--affected none on a montage without sides: the reason says both what is known and what synk assumed")
    func healthyControlWithoutSides() throws {
        var montage = try #require(try Montage.oneSided(channels: [Self.emg("Zyg Raw"), Self.emg("Corr Raw")], affectedSide: nil, file: nil))
        montage.affectedSide = AffectedSide.none
        let reason = try #require(SynkinesisAnalysis.sideComparison(for: montage).reason)
        #expect(reason.contains("no channel states a side") && reason.contains("--affected none"))
        #expect(!reason.contains("only left-side"))
    }

    @Test("Two channels naming the same muscle without a side: both left out with the reason, not an error; none at all: nil")
    func twoChannelsOneMuscle() throws {
        let montage = try #require(try Montage.oneSided(channels: [Self.emg("Zyg A"), Self.emg("Zyg B"), Self.emg("Corr")], affectedSide: nil, file: nil))
        #expect(montage.channels.map(\.label) == ["Corr"])
        let unmapped = montage.gaps.filter { $0.kind == .unmapped }
        #expect(unmapped.compactMap(\.label) == ["Zyg A", "Zyg B"])
        #expect(unmapped.allSatisfy { $0.reason.contains("Zyg A and Zyg B all name ZYG and no side") })
        #expect(try Montage.oneSided(channels: [Self.emg("EMG_zyg_processed"), Self.emg("ch3")], affectedSide: nil, file: nil) == nil)
    }

    @Test("A muscle and side named twice by labels: the error names the recording")
    func duplicateNamesFile() {
        #expect(throws: SynkError.self) {
            try Montage(channels: [Self.emg("ZYG-L"), Self.emg("zygomaticus left")], affectedSide: nil, file: "session.csv")
        }
        do {
            _ = try Montage(channels: [Self.emg("ZYG-L"), Self.emg("zygomaticus left")], affectedSide: nil, file: "session.csv")
        } catch {
            #expect(error.file == "session.csv")
            #expect(error.description.hasPrefix("session.csv: "))
        }
    }

    @Test("A derived column with a side in its label is still not a muscle (its label marks an envelope)")
    func derivedWithSide() throws {
        let montage = try Montage(channels: [Self.emg("ZYG-L"), Self.emg("ZYG-L RMS")], affectedSide: nil, file: nil)
        #expect(montage.channels.map(\.label) == ["ZYG-L"])
        #expect(montage.gaps.contains { $0.label == "ZYG-L RMS" && $0.reason.contains("derived signal ('rms')") })
    }
}

extension AutomaticMappingTests {
    @Test("A label that is a muscle's abbreviation is not read as a code glued to a side letter: 'Corr' is COR with no side; 'ZYGR', 'OOcL' keep theirs")
    func abbreviationIsNotASide() {
        #expect(ChannelPlacement(label: "Corr") == ChannelPlacement(muscle: .COR, side: nil))
        #expect(ChannelPlacement(label: "ZYGR") == ChannelPlacement(muscle: .ZYG, side: .right))
        #expect(ChannelPlacement(label: "OOcL") == ChannelPlacement(muscle: .OOc, side: .left))
    }
}
