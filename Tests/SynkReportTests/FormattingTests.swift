import Testing
import SynkReport

@Suite("Text and plot formatting")
struct FormattingTests {
    @Test("XML escaping of the five special characters")
    func xml() {
        #expect(xmlEscape("<OOc & \"ZYG\" 'L'>") == "&lt;OOc &amp; &quot;ZYG&quot; &#39;L&#39;&gt;")
    }

    @Test("nice ticks: 1-2-2.5-5 steps covering the range", arguments: [
        (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0.0, 100.0, [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]),
        (-3.0, 7.0, [-2.0, 0.0, 2.0, 4.0, 6.0]),
    ])
    func ticks(low: Double, high: Double, expected: [Double]) {
        let ticks = NiceScale.ticks(low, high, count: 5)
        #expect(ticks.count == expected.count)
        for (a, b) in zip(ticks, expected) { #expect(abs(a - b) < 1e-12) }
    }

    @Test("durations and numbers as a clinician reads them")
    func text() {
        #expect(TextFormat.duration(13.15) == "13.150 s")
        #expect(TextFormat.duration(100) == "1 min 40.0 s")
        #expect(TextFormat.duration(3723.5) == "1 h 02 min 03.5 s")
        #expect(TextFormat.number(2000) == "2000")
        #expect(TextFormat.number(0.123456789, digits: 4) == "0.1235")
    }

    @Test("a heat map draws one cell per value and marks missing ones")
    func heatMap() {
        let svg = HeatMap(title: "r", rowLabels: ["OOc", "OOr"], columnLabels: ["OOc", "OOr"],
                          values: [[1, 0.5], [0.5, nil]]).svg()
        #expect(svg.components(separatedBy: "<title>OOc × OOr: 0.50</title>").count == 2)
        #expect(svg.contains("not measured"))
    }
}
