import Foundation
@testable import SynkDSP

/// Reference vectors made by `Fixtures/make_fixtures.py` (numpy/scipy).
enum Fixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
    }

    /// A raw little-endian float32 file.
    static func floats(_ name: String) -> [Float] {
        let data = try! Data(contentsOf: url(name))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    static func json(_ name: String) -> [String: Any] {
        try! JSONSerialization.jsonObject(with: Data(contentsOf: url(name))) as! [String: Any]
    }

    static var designs: [String: Any] { json("designs.json") }
    static var signals: [String: Any] { json("signals.json") }

    /// RMS of `values[range]`.
    static func rms(_ values: [Float], _ range: Range<Int>) -> Double {
        (range.reduce(0.0) { $0 + Double(values[$1]) * Double(values[$1]) } / Double(range.count)).squareRoot()
    }

    /// The largest |a − b| over `range`.
    static func maxDifference(_ a: [Float], _ b: [Float], _ range: Range<Int>) -> Double {
        range.reduce(0.0) { max($0, abs(Double(a[$1]) - Double(b[$1]))) }
    }
}
