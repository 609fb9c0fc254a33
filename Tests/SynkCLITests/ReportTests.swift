import Foundation
import Testing

/// `synk report`: the numbers in the HTML are the analysis results, page one of the printed report holds what a
/// clinician reads first, the whole report prints on at most six pages, its labels do not overlap in a real browser,
/// and unusable channels are explained rather than silently dropped.
@Suite("Clinical report")
struct ReportTests {
    static let sample = CLI.repositoryRoot.appendingPathComponent("SampleData/hdf5")
    static let files = ["sub-01_ses-1_sunnybrook.h5", "sub-01_ses-2_sunnybrook.h5", "sub-01_ses-1_enog.h5", "sub-01_ses-1_blink.h5"]
    static var paths: [String] { files.map { sample.appendingPathComponent($0).path } }
    static var context: String { CLI.repositoryRoot.appendingPathComponent("SampleData/sub-01_context.json").path }

    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Every number of the page: (source key, field, full-precision value or nil). The key is the cell's own
    /// `data-key`, else its row's `data-row`; a number with neither is reported with an empty key.
    static func numbers(_ html: String) throws -> [(key: String, field: String, value: Double?)] {
        let pattern = #"<tr data-row="([^"]*)"|</tr>|data-key="([^"]*)"|</td>|data-field="([^"]*)" data-value="([^"]*)""#
        let regex = try NSRegularExpression(pattern: pattern)
        var row: String?, cell: String?
        var out: [(String, String, Double?)] = []
        let ns = html as NSString
        for match in regex.matches(in: html, range: NSRange(location: 0, length: ns.length)) {
            let whole = ns.substring(with: match.range)
            func group(_ i: Int) -> String? { match.range(at: i).location == NSNotFound ? nil : ns.substring(with: match.range(at: i)) }
            if let key = group(1) { row = key.replacingOccurrences(of: "&amp;", with: "&") }
            else if whole == "</tr>" { row = nil; cell = nil }
            else if let key = group(2) { cell = key }
            else if whole == "</td>" { cell = nil }
            else if let field = group(3) {
                let text = group(4) ?? ""
                out.append((cell ?? row ?? "", field, text.isEmpty ? nil : Double(text)!))
            }
        }
        return out
    }

    static func close(_ a: Double?, _ b: Any?) -> Bool {
        guard let a, let b = b as? Double else { return a == nil && (b == nil || b is NSNull) }
        return abs(a - b) <= 1e-9 * max(1, abs(b))
    }

    static func json(_ arguments: [String]) throws -> [String: Any] {
        let run = try CLI.run(arguments + ["--format", "json"], timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    static func sha8(_ json: [String: Any]) -> String { String(((json["input"] as? [String: Any])?["sha256"] as? String ?? "").prefix(8)) }

    @Test("every number in the HTML (page one, progress, tables, methods) equals the JSON of synk synkinesis / ncs / blink")
    func numbersEqualJSON() throws {
        let dir = try CLI.temporaryDirectory()
        let html = dir.appendingPathComponent("report.html").path
        let report = try CLI.run(["report"] + Self.paths + ["--context", Self.context, "-o", html], timeout: 300)
        #expect(report.status == 0, "\(report.stderr)")
        let numbers = try Self.numbers(try String(contentsOfFile: html, encoding: .utf8))

        var sources: [String: [String: Any]] = [:]   // "synkinesis|SHA8" etc. → JSON
        var inputs: [String: [String: Any]] = [:]
        for (command, file) in [("synkinesis", Self.paths[0]), ("synkinesis", Self.paths[1]), ("ncs", Self.paths[2]), ("blink", Self.paths[3])] {
            let json = try Self.json([command, file])
            sources["\(command)|\(Self.sha8(json))"] = json
            inputs[Self.sha8(json)] = json["input"] as? [String: Any]
        }
        func pairs(_ sha: String) -> [[String: Any]] { sources["synkinesis|\(sha)"]?["pairs"] as? [[String: Any]] ?? [] }
        let synkinesisFields: [String: ([String: Any]) -> Any?] = [
            "r_affected": { ($0["affected"] as? [String: Any])?["r"] }, "r_healthy": { ($0["healthy"] as? [String: Any])?["r"] },
            "synkinetic_correlation": { $0["synkinetic_correlation"] }, "ci95_low": { ($0["ci95"] as? [Double])?[0] },
            "ci95_high": { ($0["ci95"] as? [Double])?[1] }, "p": { $0["p"] }, "amplitude_ratio": { $0["amplitude_ratio"] },
            "amplitude_cutoff": { $0["amplitude_cutoff"] }, "follower_own_ratio": { $0["follower_own_ratio"] },
        ]
        var compared: [String: Int] = [:]
        var pairRows = Set<String>()
        for (key, field, value) in numbers {
            let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let expected: Any?
            switch parts.first {
            case "synkinesis":
                let pair = try #require(pairs(parts[1]).first { "\($0["task"]!)" == parts[2] && "\($0["driver"]!)" == parts[3] && "\($0["follower"]!)" == parts[4] }, "\(key)")
                let read = try #require(synkinesisFields[field], "unknown synkinesis field \(field)")
                expected = read(pair)
                pairRows.insert(key)
            case "ncs":
                let responses = sources["ncs|\(parts[1])"]?["responses"] as? [[String: Any]] ?? []
                let response = try #require(responses.first { "\($0["branch"]!)" == parts[2] && "\($0["side"]!)" == parts[3] }, "\(key)")
                expected = response[field]
            case "enog":
                let branches = sources["ncs|\(parts[1])"]?["branches"] as? [[String: Any]] ?? []
                expected = try #require(branches.first { "\($0["branch"]!)" == parts[2] }, "\(key)")[field]
            case "blink":
                let json = sources["blink|\(parts[1])"] ?? [:]
                let components = (json["components"] as? [[String: Any]] ?? []) + (json["spread"] as? [[String: Any]] ?? [])
                let component = try #require(components.first {
                    "\($0["component"]!)" == parts[2] && "\($0["stimulated_side"]!)" == parts[3] && "\($0["recorded_side"]!)" == parts[4] && "\($0["muscle"]!)" == parts[5]
                }, "\(key)")
                expected = component[field]
            case "blinkdiff":
                let differences = sources["blink|\(parts[1])"]?["side_differences"] as? [[String: Any]] ?? []
                expected = try #require(differences.first { "\($0["measure"]!)" == parts[2] }, "\(key)")[field]
            case "input":
                expected = try #require(inputs[parts[1]], "\(key)")[field]
            default:
                Issue.record("number \(field) = \(value.map { "\($0)" } ?? "nil") has no source key (\"\(key)\")")
                continue
            }
            #expect(Self.close(value, expected), "\(key) \(field): HTML \(value.map { "\($0)" } ?? "nil"), JSON \(String(describing: expected))")
            compared[parts[0], default: 0] += 1
        }
        // Both sessions' 30 pairs, each with its seven or eight numbers (cut-off only where one applies) in the session table (more on page one and in progress).
        #expect(pairRows.count == 60)
        #expect(compared["synkinesis", default: 0] >= 60 * 7)
        #expect(compared["ncs", default: 0] == 8 * 6)
        #expect(compared["enog", default: 0] == 4 * 5)
        #expect(compared["blink", default: 0] >= 14 * 3)
        #expect(compared["input", default: 0] == 4 * 2)
    }

    @Test("two runs of synk report write the same bytes (no per-process hash seed or clock in the page)")
    func reportIsReproducible() throws {
        let dir = try CLI.temporaryDirectory()
        let session = Self.paths[0]
        let pages = try (1...2).map { run -> Data in
            let html = dir.appendingPathComponent("report-\(run).html").path
            let report = try CLI.run(["report", session, Self.paths[3], "--context", Self.context, "-o", html], timeout: 180)
            #expect(report.status == 0, "\(report.stderr)")
            return try Data(contentsOf: URL(fileURLWithPath: html))
        }
        #expect(!pages[0].isEmpty)
        #expect(pages[0] == pages[1])
    }

    /// Page objects of a PDF (`/Type /Page`, not the `/Pages` tree).
    static func pageCount(_ pdf: Data) throws -> Int {
        let text = String(decoding: pdf, as: UTF8.self)
        return try NSRegularExpression(pattern: #"/Type\s*/Page(?![s\w])"#).numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
    }

    /// Width and height of every `/MediaBox [0 0 W H]`.
    static func mediaBoxes(_ pdf: Data) throws -> [(Double, Double)] {
        let text = String(decoding: pdf, as: UTF8.self)
        let regex = try NSRegularExpression(pattern: #"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]"#)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            (Double(text[Range(m.range(at: 1), in: text)!])!, Double(text[Range(m.range(at: 2), in: text)!])!)
        }
    }

    /// The decision's measure of eye closure → OOr in the sample patient's session (0 or 1), as the report prints it.
    static func ownRatio(session: Int) throws -> String {
        let pairs = try Self.json(["synkinesis", Self.paths[session]])["pairs"] as? [[String: Any]] ?? []
        let pair = try #require(pairs.first { "\($0["task"]!)" == "eye_closure" && "\($0["follower"]!)" == "OOr" })
        return String(format: "%.2f", try #require(pair["follower_own_ratio"] as? Double))
    }

    /// The text of one page, whitespace (line breaks of the layout included) collapsed to single spaces.
    static func pdftotext(_ pdf: String, page: Int) throws -> String {
        let tool = try #require(["/usr/bin/pdftotext"].first { FileManager.default.isExecutableFile(atPath: $0) }, "Debian's poppler-utils is needed (make test installs it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-f", "\(page)", "-l", "\(page)", pdf, "-"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test("the sample patient's report prints in Chromium on at most 6 A4 and 6 Letter pages; page one holds the conclusion and the synkinetic pairs")
    func printsOnSixPages() throws {
        _ = try #require(Self.chromium, "Debian's chromium is needed (make test installs it)")
        let dir = try CLI.temporaryDirectory()
        let ses2 = try Self.json(["synkinesis", Self.paths[1]])
        let synkinetic = (ses2["pairs"] as? [[String: Any]] ?? []).filter { $0["flag"] as? Bool == true }
        // Session 2 of the sample patient: the four ocular↔oral couplings at 45 % of their gain (its truth file).
        #expect(synkinetic.count == 4)
        for (paper, size) in [("a4", (595.3, 841.9)), ("letter", (612.0, 792.0))] {
            let out = dir.appendingPathComponent("report-\(paper).pdf").path
            let run = try CLI.run(["report"] + Self.paths + ["--context", Self.context, "--format", "pdf", "--paper", paper, "-o", out], timeout: 300)
            #expect(run.status == 0, "\(run.stderr)")
            let pdf = try Data(contentsOf: URL(fileURLWithPath: out))
            #expect(pdf.prefix(4) == Data("%PDF".utf8))
            let pages = try Self.pageCount(pdf)
            #expect(pages >= 4 && pages <= 6, "\(paper): \(pages) pages")
            // Every page is the paper asked for (A4 210 × 297 mm, Letter 8.5 × 11 in, in points; Skia rounds to 1/100 pt).
            let boxes = try Self.mediaBoxes(pdf)
            #expect(boxes.count == pages && boxes.allSatisfy { abs($0.0 - size.0) < 0.5 && abs($0.1 - size.1) < 0.5 }, "\(paper): \(boxes)")
            let first = try Self.pdftotext(out, page: 1), second = try Self.pdftotext(out, page: 2)
            for heading in ["Facial EMG report", "Conclusion", "Synkinetic pairs", "ENoG per branch", "Blink reflex", "Data quality"] {
                #expect(first.contains(heading), "page one (\(paper)) lacks \(heading)")
            }
            #expect(!second.contains("Conclusion") && !second.contains("Synkinetic pairs"), "page one spills onto page two (\(paper))")
            // The decision's pairs, with the measure it uses, as the JSON has them.
            for pair in synkinetic {
                let ratio = String(format: "%.2f", try #require(pair["follower_own_ratio"] as? Double))
                #expect(first.contains("(\(pair["driver"]!)→\(pair["follower"]!))") && first.contains(ratio), "page one (\(paper)) lacks \(pair["driver"]!)→\(pair["follower"]!) \(ratio)")
            }
            #expect(first.contains("improved from \(try Self.ownRatio(session: 0)) since 2 Mar 2026"))
            #expect(first.contains("147 days after onset") && first.contains("3-14"))
            #expect(first.contains("Sunnybrook"))
            // No raw codes on page one.
            for code in ["_norm", "ocular_to_oral", "OUTSIDE", "r2_spread"] { #expect(!first.contains(code), "\(code) on page one") }
        }
    }

    @Test("no two text labels of any figure overlap, and none runs past its figure, as laid out by Chromium")
    func labelsDoNotOverlapInChromium() throws {
        let browser = try #require(Self.chromium, "Debian's chromium is needed (make test installs it)")
        let dir = try CLI.temporaryDirectory()
        let html = dir.appendingPathComponent("report.html")
        let report = try CLI.run(["report"] + Self.paths + ["--context", Self.context, "-o", html.path], timeout: 300)
        #expect(report.status == 0, "\(report.stderr)")
        // Measures every <text> box of every <svg> after layout and writes the intersections into the page.
        let script = """
        <script>(function () {
          var out = [], svgs = document.querySelectorAll('svg');
          for (var k = 0; k < svgs.length; k++) {
            var frame = svgs[k].getBoundingClientRect(), name = svgs[k].getAttribute('aria-label'), texts = svgs[k].querySelectorAll('text'), boxes = [];
            for (var i = 0; i < texts.length; i++) {
              var r = texts[i].getBoundingClientRect();
              if (r.width > 0 && texts[i].textContent.trim().length > 0) boxes.push({ t: texts[i].textContent, r: r });
              if (r.left < frame.left - 0.5 || r.right > frame.right + 0.5 || r.top < frame.top - 0.5 || r.bottom > frame.bottom + 0.5)
                out.push(name + ': "' + texts[i].textContent + '" runs past the figure');
            }
            for (var a = 0; a < boxes.length; a++) for (var b = a + 1; b < boxes.length; b++) {
              var p = boxes[a].r, q = boxes[b].r;
              if (Math.min(p.right, q.right) - Math.max(p.left, q.left) > 0.5 && Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top) > 0.5)
                out.push(name + ': "' + boxes[a].t + '" overlaps "' + boxes[b].t + '"');
            }
          }
          var pre = document.createElement('pre'); pre.id = 'label-check';
          pre.textContent = JSON.stringify({ svgs: svgs.length, problems: out }); document.body.appendChild(pre);
        })();</script>
        """
        let page = try String(contentsOf: html, encoding: .utf8).replacingOccurrences(of: "</body>", with: script + "</body>")
        let checked = dir.appendingPathComponent("checked.html")
        try page.write(to: checked, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
                             "--user-data-dir=\(dir.appendingPathComponent("profile").path)", "--dump-dom", checked.absoluteString]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let dom = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let start = try #require(dom.range(of: "<pre id=\"label-check\">"), "the check did not run")
        let body = dom[start.upperBound...].prefix { $0 != "<" }.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect((result["svgs"] as? Int ?? 0) >= 30)
        let problems = result["problems"] as? [String] ?? ["unreadable"]
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test("--format pdf without a browser: one line naming what is missing, exit 4, no file; without -o: exit 2")
    func pdfWithoutBrowser() throws {
        let dir = try CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("report.pdf").path
        let run = try CLI.run(["report", Self.paths[3], "--format", "pdf", "-o", out], timeout: 60, environment: ["SYNK_CHROMIUM": "/nonexistent/chromium"])
        #expect(run.status == 4)
        #expect(run.stderr.contains("headless Chromium") && run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let noOutput = try CLI.run(["report", Self.paths[3], "--format", "pdf"], timeout: 60)
        #expect(noOutput.status == 2, "\(noOutput.stderr)")
    }

    @Test("grades of a session not in the report are left out with a note; a wrong date of onset is a usage error")
    func contextMismatch() throws {
        let dir = try CLI.temporaryDirectory()
        let context = dir.appendingPathComponent("context.json")
        try #"{"sessions": [{"session": "ses-9", "house_brackmann": 2}]}"#.write(to: context, atomically: true, encoding: .utf8)
        let html = dir.appendingPathComponent("r.html").path
        let run = try CLI.run(["report", Self.paths[3], "--context", context.path, "-o", html], timeout: 60)
        #expect(run.status == 0)
        #expect(run.stderr.contains(context.path) && run.stderr.contains("session ses-9 match no recording"), "\(run.stderr)")
        #expect(!(try String(contentsOfFile: html, encoding: .utf8)).contains("House-Brackmann"))
        let badOnset = try CLI.run(["report", Self.paths[3], "--onset", "3/2/2026"], timeout: 60)
        #expect(badOnset.status == 2, "\(badOnset.stderr)")
        let badContext = try CLI.run(["report", Self.paths[3], "--context", Self.paths[3]], timeout: 60)
        #expect(badContext.status == 3 && badContext.stderr.contains("not valid JSON"), "\(badContext.stderr)")
    }

    @Test("ENoG over time is drawn only with two nerve-conduction studies or more, one panel per branch on a date axis")
    func enogOverTime() throws {
        let dir = try CLI.temporaryDirectory()
        let second = dir.appendingPathComponent("sub-01_ses-2_enog.h5").path
        let simulate = try CLI.run(["simulate", "ncs", "--preset", "enog-left-palsy", "--seed", "21", "--subject", "01", "--session", "2",
                                    "--recorded-at", "2026-09-14T10:00:00Z", "-o", second], timeout: 120)
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let one = try CLI.run(["report", Self.paths[2], "--onset", "2025-10-06"], timeout: 120)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(!one.stdout.contains("ENoG per branch at every nerve-conduction study"))
        let two = try CLI.run(["report", Self.paths[2], second, "--onset", "2025-10-06"], timeout: 120)
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stdout.contains("ENoG per branch at every nerve-conduction study"))
        for branch in ["Temporal", "Zygomatic", "Buccal", "Marginal mandibular"] { #expect(two.stdout.contains("aria-label=\"\(branch) ENoG\""), "\(branch)") }
        // Dated axis: the sessions' months, not 1, 1.25, 1.5 …
        #expect(two.stdout.contains(">Mar 2026<") && two.stdout.contains(">Sep 2026<"))
        // Page one reports the latest study and its timing.
        #expect(two.stdout.contains("ENoG per branch (14 Sep 2026)") && two.stdout.contains("Recorded 343 days after onset"))
    }

    @Test("the Markdown report carries the same conclusion")
    func markdown() throws {
        let run = try CLI.run(["report"] + Self.paths + ["--context", Self.context, "--format", "md"], timeout: 300)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("## Conclusion"))
        let then = try Self.ownRatio(session: 0), now = try Self.ownRatio(session: 1)
        #expect(run.stdout.contains("eye closure → mouth (OOc→OOr), activity ratio \(now), improved from \(then) since 2 Mar 2026"))
        #expect(run.stdout.contains("Day 147: past the 3-14-day window"))
        #expect(!run.stdout.contains("_norm"))
    }

    @Test("a recording with an unusable channel still gets a report saying what was not measured and why (exit 1)")
    func unusableChannel() throws {
        let dir = try CLI.temporaryDirectory()
        let csv = dir.appendingPathComponent("flat.csv").path
        var lines = ["time,OOc-L,OOr-L,OOc-R,OOr-R"]
        var x: UInt32 = 1
        func noise() -> Double { x = x &* 1_664_525 &+ 1_013_904_223; return Double(x >> 8) / Double(1 << 24) - 0.5 }
        for i in 0..<20_000 {
            let t = Double(i) / 2000
            let burst = (Int(t) % 4 == 1) ? 100.0 : 3.0
            lines.append(String(format: "%.4f,%.3f,%.3f,%.3f,5.000", t, burst * noise(), 0.5 * burst * noise(), burst * noise()))
        }
        try lines.joined(separator: "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        // The same recording again as a second session: the problem is seen twice but listed once.
        let again = dir.appendingPathComponent("flat-again.csv").path
        try FileManager.default.copyItem(atPath: csv, toPath: again)
        let html = dir.appendingPathComponent("report.html").path
        let result = try CLI.run(["report", csv, again, "--affected", "left", "-o", html], timeout: 120)
        #expect(result.status == 1, "\(result.stderr)")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(text.contains("OOr-R") && text.contains("flat"))
        // Page one names the problem channel once, in the data-quality list, with both recordings.
        let pageOne = try #require(text.components(separatedBy: "</section>").first)
        #expect(pageOne.components(separatedBy: "<strong>OOr-R</strong>").count - 1 == 1)
        #expect(pageOne.contains("(synkinesis sEMG flat, synkinesis sEMG flat-again)"))
    }
}
