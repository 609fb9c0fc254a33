import Foundation
import Testing
import SynkCore
import SynkIO

/// The one table reader: BIDS tables, stimuli tables and batch manifests all read through it.
@Suite("Delimited tables: one reader for every table synk takes")
struct DelimitedTableTests {
    static func write(_ text: String, _ name: String = "table.tsv") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synk-table-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("tab-separated with CRLF, CR and blank lines, a byte-order mark and a quote kept as text")
    func tabSeparated() throws {
        let path = try Self.write("\u{FEFF}Onset\tduration\ttrial_type\r\n1.5\t2\tsmile \"big\"\r\r\n3\tn/a\t\rpucker\t1\tpucker\n")
        let table = try DelimitedTable.read(path: path, role: "events table", maximumRows: 10)
        #expect(table.columns == ["onset", "duration", "trial_type"])
        #expect(table.rows == [["1.5", "2", "smile \"big\""], ["3", "n/a", ""], ["pucker", "1", "pucker"]])
        #expect(table.lines == [2, 4, 5])
        #expect(DelimitedTable.value("n/a") == nil && DelimitedTable.value(" 2 ") == "2")
        #expect(table.column("time_s", "onset") == 0)
    }

    @Test("comma-separated manifests: RFC 4180 quotes and # comments")
    func commaSeparated() throws {
        let path = try Self.write("# a manifest\npath,affected\n\"data/a, b.wav\",left\n# skipped\n\"say \"\"x\"\".h5\",right\n", "m.csv")
        let table = try DelimitedTable.read(path: path, role: "manifest", delimiter: .comma, maximumRows: 10, commentPrefix: "#")
        #expect(table.columns == ["path", "affected"])
        #expect(table.rows == [["data/a, b.wav", "left"], ["say \"x\".h5", "right"]])
        #expect(table.lines == [3, 5])
    }

    @Test("sizes are refused before parsing: rows counted on the bytes, a ragged row named by its line")
    func limits() throws {
        let many = try Self.write("onset\n" + String(repeating: "1\n", count: 11))
        #expect(throws: SynkError.self) { try DelimitedTable.read(path: many, role: "events table", maximumRows: 10) }
        let ragged = try Self.write("a\tb\n1\t2\n3\n")
        do {
            _ = try DelimitedTable.read(path: ragged, role: "table", maximumRows: 10)
            Issue.record("a ragged row was accepted")
        } catch {
            #expect(error.place == "line 3" && error.problem.contains("1 columns where the header has 2"))
        }
    }
}
