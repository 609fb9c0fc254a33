import Foundation
import Testing

/// The text a clinician reads says what the JSON says: every number of the readable tables of `synk ncs`,
/// `synk blink` and `synk info` is the JSON's value rounded as the column states, on the row of its branch,
/// component or channel.
@Suite("Text output of ncs, blink and info states the JSON's numbers")
struct TextOutputTests {
    static let hdf5 = CLI.repositoryRoot.appendingPathComponent("SampleData/hdf5")

    static func both(_ arguments: [String]) throws -> (text: String, json: [String: Any]) {
        let text = try CLI.run(arguments)
        #expect(text.status == 0, "\(arguments): \(text.stderr)")
        let json = try CLI.run(arguments + ["--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        return (text.stdout, object)
    }

    /// The lines of `text` whose whitespace-separated cells start with `cells`.
    static func rows(_ text: String, startingWith cells: [String]) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.filter { Array($0.prefix(cells.count)) == cells }
    }

    /// Whether a printed cell is `value` rounded to `digits` decimals ("-" for null). Compared as numbers within
    /// half a unit of the last digit (and 1e-9 for the JSON parser's last bit): 12.524999999999999 prints as 12.52,
    /// and may be read back as 12.525.
    static func shows(_ cell: String, _ value: Any?, _ digits: Int = 2) -> Bool {
        guard let number = value as? Double else { return cell == "-" }
        guard let printed = Double(cell), cell.split(separator: ".").last?.count == digits else { return false }
        return abs(printed - number) <= 0.5 * pow(10, -Double(digits)) + 1e-9
    }

    @Test("synk ncs: each response row holds its onset, peak and p-p amplitude, each branch row its ENoG and degeneration %")
    func nerveConduction() throws {
        let (text, json) = try Self.both(["ncs", Self.hdf5.appendingPathComponent("sub-01_ses-1_enog.h5").path])
        let responses = try #require(json["responses"] as? [[String: Any]])
        #expect(responses.count == 8)
        for response in responses {
            let key = ["\(response["branch"]!)", "\(response["muscle"]!)", "\(response["side"]!)"]
            let row = try #require(Self.rows(text, startingWith: key).first, "no row for \(key)")
            #expect(Self.shows(row[3], response["onset_latency_ms"]), "\(key) onset")
            #expect(Self.shows(row[4], response["peak_latency_ms"]), "\(key) peak")
            #expect(Self.shows(row[6], response["amplitude_pp_mv"]), "\(key) p-p")
        }
        let branches = try #require(json["branches"] as? [[String: Any]])
        #expect(branches.count == 4)
        for branch in branches {
            let key = ["\(branch["branch"]!)", "\(branch["affected_side"]!)"]
            let row = try #require(Self.rows(text, startingWith: key).first, "no ENoG row for \(key)")
            #expect(Self.shows(row[2], branch["enog_percent"], 1) && Self.shows(row[3], branch["degeneration_percent"], 1), "\(key): \(row)")
        }
    }

    @Test("synk blink: each component row holds its latency and p-p amplitude; each side difference its value")
    func blinkReflex() throws {
        let (text, json) = try Self.both(["blink", Self.hdf5.appendingPathComponent("sub-01_ses-1_blink.h5").path])
        let components = (json["components"] as? [[String: Any]] ?? []) + (json["spread"] as? [[String: Any]] ?? [])
        #expect(components.count >= 8)
        for c in components {
            let key = ["\(c["component"]!)", "\(c["stimulated_side"]!)", "\(c["muscle"]!)", "\(c["recorded_side"]!)"]
            let row = try #require(Self.rows(text, startingWith: key).first, "no row for \(key)")
            #expect(Self.shows(row[4], c["onset_latency_ms"]) && Self.shows(row[5], c["amplitude_pp_mv"], 3), "\(key): \(row)")
        }
        for d in try #require(json["side_differences"] as? [[String: Any]]) {
            let row = try #require(Self.rows(text, startingWith: ["\(d["measure"]!):"]).first)
            #expect(Self.shows(row[1], d["difference_ms"]), "\(d["measure"]!): \(row)")
        }
    }

    @Test("synk info: one row per channel with its label, kind, muscle and side as --json lists them")
    func info() throws {
        let file = Self.hdf5.appendingPathComponent("sub-01_ses-1_sunnybrook.h5").path
        let text = try CLI.run(["info", file])
        let json = try CLI.run(["info", file, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let channels = try #require(object["channels"] as? [[String: Any]])
        #expect(channels.count == 14)
        for channel in channels {
            let key = ["\(channel["label"]!)", "\(channel["kind"]!)", "\(channel["muscle"]!)", "\(channel["side"]!)"]
            #expect(!Self.rows(text.stdout, startingWith: key).isEmpty, "no row \(key)")
        }
    }
}
