import Testing
import SynkCore

@Suite("Channel labels name a muscle and a side")
struct AnatomyTests {
    @Test("montage labels in the forms of design.md", arguments: [
        ("OOc-L", Muscle.OOc, Side.left), ("ZYG_R", .ZYG, .right), ("orbicularis oculi left", .OOc, .left),
        ("Orbicularis Oris (right)", .OOr, .right), ("L FRO", .FRO, .left), ("ooc_r", .OOc, .right),
        ("MEN-R", .MEN, .right), ("Platysma L", .PLA, .left), ("OOrL", .OOr, .left),
    ])
    func parses(label: String, muscle: Muscle, side: Side) {
        let placement = ChannelPlacement(label: label)
        #expect(placement.muscle == muscle)
        #expect(placement.side == side)
    }

    @Test("BIOPAC labels name the muscle without a side")
    func biopac() {
        #expect(ChannelPlacement(label: "Corr Raw") == ChannelPlacement(muscle: .COR, side: nil))
        #expect(ChannelPlacement(label: "Zyg Raw") == ChannelPlacement(muscle: .ZYG, side: nil))
        #expect(ChannelPlacement(label: "Lev Raw").muscle == .LLS)
    }

    @Test("labels that are not muscles stay unknown")
    func unknown() {
        #expect(ChannelPlacement(label: "Digital input").muscle == nil)
        #expect(ChannelPlacement(label: "Marker").muscle == nil)
        #expect(ChannelPlacement(label: "EMG").muscle == nil)
    }

    @Test("units: voltages convert to microvolts, others are kept")
    func units() {
        #expect(PhysicalUnit(parsing: "mV").microvoltsPerUnit == 1000)
        #expect(PhysicalUnit(parsing: "Volts").microvoltsPerUnit == 1_000_000)
        #expect(PhysicalUnit(parsing: "µV") == .microvolt)
        #expect(PhysicalUnit(parsing: "deg").isVoltage == false)
        #expect(PhysicalUnit(parsing: "deg").symbol == "deg")
    }

    @Test("a header with a zero or negative rate is rejected with an input error")
    func badRate() {
        for rate in [0.0, -1000, .nan, .infinity] {
            let header = RecordingHeader(sampleRate: rate, frameCount: 10, channels: [.labelled("OOc-L")])
            #expect(throws: SynkError.self) { try header.validate() }
        }
        let error = SynkError.input("a.wav", "invalid sample rate 0.0 Hz")
        #expect(error.exitCode == 3)
        #expect(error.description == "a.wav: invalid sample rate 0.0 Hz")
    }
}

@Suite("Text forms of settings and CSV cells")
struct SettingTextTests {
    @Test("affected side: every spelling the CLI, manifests, montages and sidecars use, one parser")
    func affectedSide() throws {
        for (text, side) in [("left", AffectedSide.left), ("L", .left), ("links", .left), ("Right", .right), ("R", .right),
                             ("none", .none), ("healthy", .none), ("control", .none)] {
            #expect(try AffectedSide(parsing: text) == side)
        }
        #expect(throws: SynkError.usage("--affected takes left, right or none, not 'up'")) { try AffectedSide(parsing: "up") }
        do {
            _ = try AffectedSide(parsing: "sideways", file: "manifest.csv", place: "line 3")
            Issue.record("accepted 'sideways'")
        } catch {
            #expect(error.kind == .input && error.file == "manifest.csv" && error.place == "line 3")
        }
    }

    @Test("durations: 100ms, 0.1s and 0.1 are all 0.1 s; junk and infinities are not durations")
    func durations() {
        #expect(DurationText.seconds("100ms") == 0.1)
        #expect(DurationText.seconds("0.1s") == 0.1)
        #expect(DurationText.seconds("0.1") == 0.1)
        #expect(DurationText.seconds("-5ms") == -0.005)
        #expect(DurationText.seconds("fast") == nil)
        #expect(DurationText.seconds("infs") == nil)
    }

    @Test("a quoted message field is cut, so a 5 MB bad value is not echoed whole")
    func clipped() {
        #expect(SynkError.quoted(String(repeating: "x", count: 5_000_000)) == "'" + String(repeating: "x", count: 60) + "…' (5000000 bytes)")
        #expect(SynkError.quoted("short") == "'short'")
    }

    @Test("CSV cells: RFC 4180 quoting, and splitting undoes it")
    func csv() {
        let cells = ["plain", "a,b", "say \"hi\"", "", "two\nlines"]
        let line = CSVText.line(cells)
        #expect(line == "plain,\"a,b\",\"say \"\"hi\"\"\",,\"two\nlines\"")
        #expect(CSVText.split(line) == cells)
        #expect(CSVText.split("a\tb c\t\"d\te\"", delimiter: "\t") == ["a", "b c", "d\te"])
    }
}
