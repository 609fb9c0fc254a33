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
