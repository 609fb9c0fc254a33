import Foundation
import Testing
import Synk

/// The library entry points own everything between a file and a complete result: a Swift caller needs no
/// hand-made provenance, and the same settings give the same result whichever front end asks.
@Suite("Measurement entry points: file in, complete result out")
struct MeasurementEntryPointTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func sample(_ relative: String) -> String { root.appendingPathComponent("SampleData/" + relative).path }
    static let session1 = sample("bids/sub-01/ses-1/emg/sub-01_ses-1_task-sunnybrook_emg.wav")

    struct Digest: Decodable {
        var frames: Int
        var channels: Int
        var samplesSHA256: String
        enum CodingKeys: String, CodingKey { case frames, channels, samplesSHA256 = "samples_sha256" }
    }

    static func fixture() throws -> Digest {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/sample_digest", withExtension: "json"))
        return try JSONDecoder().decode(Digest.self, from: Data(contentsOf: url))
    }

    @Test("Synkinesis.measure(file:) fills input (path, sha256 of the file), quality, conditioning and parameters")
    func synkinesisFromFile() throws {
        let result = try Synkinesis.measure(file: InputFile(Self.session1))
        let input = try #require(result.input)
        // `sha256sum` of the committed file.
        #expect(input.sha256 == "c0e09a6bd0e9c697ba9b424e28bd0d145f22f215d5fd98754d117de54eb68a69")
        #expect(input.path == Self.session1)
        #expect(input.channels == 14 && input.frames == 53_281)
        #expect(result.quality?.count == 14)
        // The session was simulated with 1 µV of 50 Hz hum (its truth file): the default conditioning plus the
        // automatic comb, which says why.
        var expected = ConditioningDescription.default
        expected.comb = HarmonicComb(fundamental: 50, harmonics: 9)
        #expect(result.conditioning?.bandPass == expected.bandPass && result.conditioning?.envelope == expected.envelope)
        #expect(result.conditioning?.decimation == expected.decimation && result.conditioning?.notch == nil)
        #expect(result.conditioning?.comb == expected.comb)
        #expect(result.conditioning?.automaticNotch?.hasPrefix("50 Hz mains and 8 harmonics notched automatically") == true)
        #expect(result.pairs.count == 30)
        #expect(result.synkVersion == SynkVersion.current)
    }

    @Test("a batch's reported path and known digest are used as given, not recomputed")
    func reportedPathAndKnownDigest() throws {
        let known = String(repeating: "ab", count: 32)
        let result = try Synkinesis.measure(file: InputFile(Self.session1, reportedAs: "sub-01/rec.wav", sha256: known))
        #expect(result.input?.path == "sub-01/rec.wav")
        #expect(result.input?.sha256 == known)
    }

    @Test("in memory: the same pairs as from the file, and sha256 of the samples as scipy computes it")
    func synkinesisFromMemory() throws {
        let digest = try Self.fixture()
        let recording = try RecordingReader.read(Self.session1)
        #expect(recording.frameCount == digest.frames && recording.channels.count == digest.channels)
        let fromMemory = try Synkinesis.measure(recording: recording)
        let fromFile = try Synkinesis.measure(file: InputFile(Self.session1))
        #expect(fromMemory.input?.sha256 == digest.samplesSHA256)
        #expect(fromMemory.pairs == fromFile.pairs)
        #expect(fromMemory.tasks == fromFile.tasks)
    }

    @Test("settings override the file: the affected side, and an amplitude envelope is required")
    func settingsOverrideAndValidation() throws {
        var settings = SynkinesisSettings()
        settings.affectedSide = .right
        let result = try Synkinesis.measure(file: InputFile(Self.session1), settings: settings)
        #expect(result.affectedSide == "right")
        #expect(result.sideComparison.affectedSlot == .right)

        settings.conditioning.envelope = .tkeo
        #expect(throws: SynkError.self) { try Synkinesis.measure(file: InputFile(Self.session1), settings: settings) }
        do {
            _ = try Synkinesis.measure(file: InputFile(Self.session1), settings: settings)
        } catch {
            #expect(error.kind == .usage)
        }
    }

    @Test("NerveConduction and BlinkReflex: complete results with the file's digest")
    func evokedFromFile() throws {
        let enog = try NerveConduction.measure(file: InputFile(Self.sample("hdf5/sub-01_ses-1_enog.h5")))
        #expect(enog.input?.sha256 == "d129ca381f77d29b3c5cc6674b6b69aad5f86cec9e712de095ae2026a0d23772")
        #expect(!enog.branches.isEmpty)
        let blink = try BlinkReflex.measure(file: InputFile(Self.sample("hdf5/sub-01_ses-1_blink.h5")))
        #expect(blink.input?.sha256 == "6fddca4956c764632f7a13907ce97335c8699c05d817cb12d87d1eb465d917e7")
        #expect(!blink.components.isEmpty)
    }

    @Test("Study.measure classifies by content and measures with the analysis that fits")
    func studyClassification() throws {
        let kinds = try ["hdf5/sub-01_ses-1_sunnybrook.h5", "hdf5/sub-01_ses-1_enog.h5", "hdf5/sub-01_ses-1_blink.h5"].map {
            try Study.measure(file: InputFile(Self.sample($0))).kind
        }
        #expect(kinds == [.synkinesis, .nerveConduction, .blinkReflex])
    }

    @Test("the applicability rules a batch uses: ncs needs ≥ 5 kHz and no supraorbital-only stimuli; blink a blink study")
    func applicability() throws {
        let session = try RecordingReader.open(Self.session1).header
        let enog = try RecordingReader.open(Self.sample("hdf5/sub-01_ses-1_enog.h5")).header
        let blink = try RecordingReader.open(Self.sample("hdf5/sub-01_ses-1_blink.h5")).header
        #expect(NerveConduction.inapplicability(session) != nil)
        #expect(NerveConduction.inapplicability(enog) == nil)
        #expect(NerveConduction.inapplicability(blink) != nil)
        #expect(BlinkReflex.inapplicability(blink) == nil)
        #expect(BlinkReflex.inapplicability(enog) != nil)
        #expect(BlinkReflex.inapplicability(session) != nil)
    }
}
