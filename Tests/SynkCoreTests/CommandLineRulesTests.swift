import Foundation
import Testing
@testable import SynkCore

/// The library halves of issue 20's command-line rules: which format an output gets, the nearest command to a typo,
/// and several outputs that appear together or not at all.
@Suite("Output naming, spelling suggestions, output sets")
struct CommandLineRulesTests {
    enum Format: String, CaseIterable { case text, json, csv }
    static func kind(_ format: Format) -> OutputNaming.Kind {
        switch format {
        case .text: .text
        case .json: .json
        case .csv: .csv
        }
    }

    static func choose(_ explicit: Format?, _ output: String?) throws(SynkError) -> Format {
        try OutputNaming.format(explicit: explicit, output: output, fallback: .text, formats: Format.allCases, name: \.rawValue, kind: kind)
    }

    @Test("without --format the extension chooses; an unknown or missing extension leaves the default; agreeing choices pass")
    func inference() throws {
        #expect(try Self.choose(nil, nil) == .text)
        #expect(try Self.choose(nil, "out") == .text)
        #expect(try Self.choose(nil, "out.log") == .text)
        #expect(try Self.choose(nil, "dir.v2/out.JSON") == .json)
        #expect(try Self.choose(nil, "out.csv") == .csv)
        #expect(try Self.choose(.csv, "out.csv") == .csv)
        #expect(try Self.choose(.json, nil) == .json)
        #expect(try Self.choose(.csv, "out.dat") == .csv)
        // .txt takes any plain-text format.
        #expect(try Self.choose(.json, "out.txt") == .json)
        #expect(try Self.choose(nil, "out.txt") == .text)
    }

    @Test("a contradicting extension is a usage error naming the file, both formats and the fixes")
    func refusal() throws {
        #expect(throws: SynkError.self) { try Self.choose(.csv, "out.json") }
        do {
            _ = try Self.choose(.csv, "results/out.json")
            Issue.record("accepted")
        } catch {
            #expect(error.kind == .usage && error.file == "results/out.json")
            #expect(error.description == "results/out.json: --format csv writes CSV, but .json is the extension of JSON (name it out.csv, or drop --format to write JSON; to write csv under this name, write to standard output and redirect it)")
        }
        do {
            _ = try Self.choose(nil, "out.wav")
            Issue.record("accepted")
        } catch {
            #expect(error.description == "out.wav: .wav names a recording, which this command does not write (it writes text, json, csv) (name it out.txt, out.json or out.csv)")
        }
        for name in ["r.html", "r.md", "r.pdf", "r.tsv", "r.h5", "r.edf"] {
            #expect(throws: SynkError.self, "\(name)") { try Self.choose(.text, name) }
        }
    }

    @Test("extension kinds", arguments: [("a.htm", OutputNaming.Kind.html), ("a.markdown", .markdown), ("a.FLAC", .recording), ("a.nwb", .recording), ("a.tab", .tsv)])
    func kinds(path: String, kind: OutputNaming.Kind) {
        #expect(OutputNaming.kind(ofPath: path) == kind)
    }

    static let commands = ["info", "filter", "synkinesis", "ncs", "blink", "report", "simulate", "batch"]

    @Test("typos of every kind find the command meant; unrelated words find none")
    func suggestions() {
        let cases: [(String, String?)] = [
            ("synkinesys", "synkinesis"), ("synkniesis", "synkinesis"), ("synkinesiss", "synkinesis"), ("synk", "synkinesis"),
            ("ncss", "ncs"), ("nsc", "ncs"), ("bilnk", "blink"), ("blnk", "blink"), ("simulat", "simulate"), ("simualte", "simulate"),
            ("REPORT", "report"), ("inof", "info"), ("batchh", "batch"), ("fliter", "filter"),
            ("x", nil), ("frobnicate", nil), ("mesure", nil), ("", nil), ("zzzzzzzzzzzzzz", nil),
        ]
        for (typed, meant) in cases {
            #expect(Spelling.suggestion(for: typed, among: Self.commands) == meant, "\(typed)")
        }
    }

    @Test("optimal string alignment distance: hand-computed values")
    func distance() {
        func d(_ a: String, _ b: String) -> Int { Spelling.editDistance(Array(a), Array(b)) }
        #expect(d("", "abc") == 3)
        #expect(d("abc", "abc") == 0)
        #expect(d("abc", "acb") == 1)       // one transposition
        #expect(d("kitten", "sitting") == 3)
        #expect(d("ca", "abc") == 3)        // OSA (not unrestricted Damerau): no edit of a transposed pair
        #expect(d("synkinesys", "synkinesis") == 1)
    }

    // MARK: OutputSet

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synk-outputset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("staged files appear only at commit, all of them; nothing is visible before; an abandoned set leaves no file")
    func commitAndAbandon() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.wav").path, b = dir.appendingPathComponent("a_truth.json").path
        let set = OutputSet()
        let staging = try set.stage(a)
        try Data("recording".utf8).write(to: URL(fileURLWithPath: staging))
        try set.stage(Data("{}".utf8), as: b)
        #expect(!FileManager.default.fileExists(atPath: a) && !FileManager.default.fileExists(atPath: b))
        #expect(URL(fileURLWithPath: staging).lastPathComponent.hasPrefix(".synk-staged-") && staging.hasSuffix(".a.wav"))
        try set.commit()
        #expect(try String(contentsOfFile: a, encoding: .utf8) == "recording")
        #expect(try String(contentsOfFile: b, encoding: .utf8) == "{}")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["a.wav", "a_truth.json"])

        do {
            let abandoned = OutputSet()
            try abandoned.stage(Data("x".utf8), as: dir.appendingPathComponent("c.csv").path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["a.wav", "a_truth.json"])
    }

    @Test("when a later move fails, the earlier ones are taken back: a new file removed, a replaced file restored")
    func rollback() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let existing = dir.appendingPathComponent("old.json").path
        try "before".write(toFile: existing, atomically: true, encoding: .utf8)
        let fresh = dir.appendingPathComponent("new.json").path
        let blocked = dir.appendingPathComponent("blocked.json").path
        let set = OutputSet()
        try set.stage(Data("after".utf8), as: existing)
        try set.stage(Data("new".utf8), as: fresh)
        try set.stage(Data("never".utf8), as: blocked)
        // Between staging and committing, something takes the last name: a folder, which no output replaces.
        try FileManager.default.createDirectory(atPath: blocked, withIntermediateDirectories: false)
        #expect(throws: SynkError.self) { try set.commit() }
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "before")
        #expect(!FileManager.default.fileExists(atPath: fresh))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["blocked.json", "old.json"])
    }

    @Test("a destination that cannot be written is refused when staged, before anything is written")
    func stagingChecks() throws {
        let set = OutputSet()
        #expect(throws: SynkError.self) { try set.stage("/no/such/folder/x.json") }
    }
}
