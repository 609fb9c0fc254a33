import Foundation
import Testing

/// Real-world exports made by other people's software, tried as a new user would (issue 22): byte-order marks,
/// missing-value tokens, headers that declare another length than the file holds.
@Suite("Real-world exports at the command line")
struct RealExportTests {
    static func ioFixture(_ name: String) -> String {
        CLI.repositoryRoot.appendingPathComponent("Tests/SynkIOTests/Fixtures/text/\(name)").path
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("A CSV with a byte-order mark, CRLF and NULL/NA/N/A/NaN/empty cells: the time column is found, two channels, exit 0")
    func byteOrderMarkAndNullCells() throws {
        let result = try CLI.run(["info", "--json", Self.ioFixture("bom_crlf_missing.csv")])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try Self.json(result.stdout)
        let channels = try #require(info["channels"] as? [[String: Any]])
        #expect(channels.compactMap { $0["label"] as? String } == ["EMG_zyg", "EMG_cor"])
        let input = try #require(info["input"] as? [String: Any])
        #expect(input["sample_rate_hz"] as? Double == 2000)
        // The NULL cells are gaps for the quality check to report, not a refusal (exit 3 before).
        #expect(!result.stderr.contains("is not a number"))
    }
}

extension RealExportTests {
    @Test("The BIOPAC export's declared 2,054,992 samples against its 13,150 rows: a warning on stderr naming the file, and in input.warnings")
    func biopacDeclaredLengthWarning() throws {
        let path = CLI.realFile("biopac_facial_femg_sub_f_005.txt")
        let result = try CLI.run(["synkinesis", path, "--format", "json"])
        #expect([0, 1].contains(result.status), "\(result.stderr)")
        let warningLines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("synk: warning: \(path): ") }
        #expect(warningLines.count == 1)
        #expect(warningLines.first.map { $0.contains("2054992") && $0.contains("13150") } == true)
        let input = try #require(try Self.json(result.stdout)["input"] as? [String: Any])
        let warnings = try #require(input["warnings"] as? [String])
        #expect(warnings.count == 1 && warnings[0].contains("2054992") && warnings[0].contains("13150"))
    }
}
