import Foundation
import SynkCore
import Testing
@testable import SynkDSP

@Suite("Filter design equals scipy.signal")
struct DesignTests {
    /// Every coefficient within 1e-9 of scipy's, relative to the largest coefficient of its b or a triple.
    static func expectClose(_ got: SecondOrderSections, _ want: [[Double]], _ label: String) {
        #expect(got.sections.count == want.count, "\(label): section count")
        guard got.sections.count == want.count else { return }
        for (s, (row, reference)) in zip(got.rows, want).enumerated() {
            for part in [0..<3, 3..<6] {
                let scale = part.map { abs(reference[$0]) }.max()!
                for i in part {
                    #expect(abs(row[i] - reference[i]) <= 1e-9 * scale,
                            "\(label) section \(s) coefficient \(i): \(row[i]) vs scipy \(reference[i])")
                }
            }
        }
    }

    static func band(_ btype: String, _ wn: [Double]) -> FilterBand {
        switch btype {
        case "lowpass": .lowPass(wn[0])
        case "highpass": .highPass(wn[0])
        case "bandpass": .bandPass(wn[0]...wn[1])
        default: .bandStop(wn[0]...wn[1])
        }
    }

    @Test("Butterworth SOS equal scipy.signal.butter(output='sos') for orders 1-24 and all four kinds")
    func butterworthMatchesScipy() throws {
        let cases = Fixtures.designs["butterworth"] as! [[String: Any]]
        #expect(cases.count == 72)
        for c in cases {
            let order = c["order"] as! Int, btype = c["btype"] as! String
            let wn = c["wn"] as! [Double], fs = c["fs"] as! Double
            let design = Butterworth(order: order, band: Self.band(btype, wn))
            let sos = try design.sections(sampleRate: fs)
            Self.expectClose(sos, c["sos"] as! [[Double]], "butter(\(order), \(wn), \(btype), fs=\(fs))")
        }
    }

    @Test("Notch equals scipy.signal.iirnotch")
    func notchMatchesScipy() throws {
        for c in Fixtures.designs["notch"] as! [[String: Any]] {
            let sos = try Notch(frequency: c["f0"] as! Double, quality: c["q"] as! Double).sections(sampleRate: c["fs"] as! Double)
            Self.expectClose(sos, [(c["b"] as! [Double]) + (c["a"] as! [Double])], "iirnotch \(c["f0"]!)")
        }
    }

    @Test("Harmonic comb equals a cascade of iirnotch(k·f0, k·Q) below Nyquist")
    func combMatchesScipy() throws {
        for c in Fixtures.designs["comb"] as! [[String: Any]] {
            let comb = HarmonicComb(fundamental: c["f0"] as! Double, harmonics: c["harmonics"] as! Int, quality: c["q"] as! Double)
            Self.expectClose(try comb.sections(sampleRate: c["fs"] as! Double), c["sos"] as! [[Double]], "comb \(c["f0"]!)")
        }
    }

    @Test("Impossible designs are usage errors",
          arguments: [
            Butterworth(order: 0, band: .lowPass(100)), Butterworth(order: 25, band: .lowPass(100)),
            Butterworth(order: 4, band: .lowPass(1000)), Butterworth(order: 4, band: .highPass(0)),
            Butterworth(order: 4, band: .bandPass(450...450)), Butterworth(order: 4, band: .bandStop(20...1200)),
            Butterworth(order: 4, band: .lowPass(.nan)),
          ])
    func invalidDesigns(_ design: Butterworth) {
        #expect(throws: SynkError.self) { try design.sections(sampleRate: 2000) }
        do { _ = try design.sections(sampleRate: 2000) } catch { #expect(error.kind == .usage) }
    }

    @Test("Designs round-trip through JSON")
    func codable() throws {
        let designs: [FilterDesign] = [
            .butterworth(Butterworth(order: 4, band: .bandPass(20...450))), .butterworth(Butterworth(order: 2, band: .lowPass(6))),
            .notch(Notch(frequency: 50, quality: 30)), .comb(HarmonicComb(fundamental: 60, harmonics: 3)),
        ]
        let data = try JSONEncoder().encode(designs)
        #expect(try JSONDecoder().decode([FilterDesign].self, from: data) == designs)
        let text = String(decoding: try JSONEncoder().encode(FilterBand.bandPass(20...450)), as: UTF8.self)
        #expect(text.contains("\"kind\":\"bandPass\"") && text.contains("\"low\":20") && text.contains("\"high\":450"))
    }
}
