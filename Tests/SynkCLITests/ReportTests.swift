import Foundation
import Testing

/// `synk report`: the numbers in the HTML are the analysis results, it renders in a real browser, and
/// unusable channels are explained rather than silently dropped.
@Suite("Clinical report")
struct ReportTests {
    static let sample = CLI.repositoryRoot.appendingPathComponent("SampleData/hdf5")

    /// `data-field` → `data-value` of every number in each `<tr data-row="KEY">`.
    static func rows(_ html: String) -> [String: [String: Double]] {
        var rows: [String: [String: Double]] = [:]
        for chunk in html.components(separatedBy: "<tr data-row=\"").dropFirst() {
            let key = String(chunk.prefix { $0 != "\"" })
            let body = chunk.components(separatedBy: "</tr>")[0]
            var fields: [String: Double] = [:]
            for cell in body.components(separatedBy: "data-field=\"").dropFirst() {
                let name = String(cell.prefix { $0 != "\"" })
                guard let valueStart = cell.range(of: "data-value=\"") else { continue }
                let value = cell[valueStart.upperBound...].prefix { $0 != "\"" }
                if let number = Double(value) { fields[name] = number }
            }
            rows[key] = fields
        }
        return rows
    }

    static func close(_ a: Double?, _ b: Any?) -> Bool {
        guard let a, let b = b as? Double else { return a == nil && (b == nil || b is NSNull) }
        return abs(a - b) <= 1e-9 * max(1, abs(b))
    }

    @Test("every synkinesis and ENoG number in the HTML equals the JSON of synk synkinesis / synk ncs")
    func numbersEqualJSON() throws {
        let dir = try CLI.temporaryDirectory()
        let session = Self.sample.appendingPathComponent("sub-01_ses-1_sunnybrook.h5").path
        let enog = Self.sample.appendingPathComponent("sub-01_ses-1_enog.h5").path
        let html = dir.appendingPathComponent("report.html").path
        let report = try CLI.run(["report", session, enog, "-o", html], timeout: 180)
        #expect(report.status == 0, "\(report.stderr)")
        let rows = Self.rows(try String(contentsOfFile: html, encoding: .utf8))

        let synkinesis = try CLI.run(["synkinesis", session, "--format", "json"], timeout: 120)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(synkinesis.stdout.utf8)) as? [String: Any])
        let sha = String((try #require((json["input"] as? [String: Any])?["sha256"] as? String)).prefix(8))
        let pairs = try #require(json["pairs"] as? [[String: Any]])
        var compared = 0
        for pair in pairs {
            let key = "synkinesis|\(sha)|\(pair["task"]!)|\(pair["driver"]!)|\(pair["follower"]!)"
            let row = try #require(rows[key], "no HTML row \(key)")
            let affected = pair["affected"] as? [String: Any], healthy = pair["healthy"] as? [String: Any]
            let ci = pair["ci95"] as? [Double]
            #expect(Self.close(row["r_affected"], affected?["r"]), "\(key) r_affected")
            #expect(Self.close(row["r_healthy"], healthy?["r"]), "\(key) r_healthy")
            #expect(Self.close(row["synkinetic_correlation"], pair["synkinetic_correlation"]), "\(key) index")
            #expect(Self.close(row["ci95_low"], ci?[0]) && Self.close(row["ci95_high"], ci?[1]), "\(key) ci")
            #expect(Self.close(row["p"], pair["p"]), "\(key) p")
            #expect(Self.close(row["amplitude_ratio"], pair["amplitude_ratio"]), "\(key) ratio")
            compared += 1
        }
        #expect(compared == 30)

        let ncs = try CLI.run(["ncs", enog, "--format", "json"], timeout: 120)
        let ncsJSON = try #require(try JSONSerialization.jsonObject(with: Data(ncs.stdout.utf8)) as? [String: Any])
        let ncsSha = String((try #require((ncsJSON["input"] as? [String: Any])?["sha256"] as? String)).prefix(8))
        for response in try #require(ncsJSON["responses"] as? [[String: Any]]) {
            let key = "ncs|\(ncsSha)|\(response["branch"]!)|\(response["side"]!)"
            let row = try #require(rows[key], "no HTML row \(key)")
            for field in ["onset_latency_ms", "peak_latency_ms", "amplitude_bp_mv", "amplitude_pp_mv", "duration_ms", "area_mv_ms"] {
                #expect(Self.close(row[field], response[field]), "\(key) \(field)")
            }
        }
        let enogValues = rows.filter { $0.key.hasPrefix("ncs") }.compactMap { $0.value["enog_percent"] }
        let branches = try #require(ncsJSON["branches"] as? [[String: Any]])
        for branch in branches {
            let expected = try #require(branch["enog_percent"] as? Double)
            #expect(enogValues.contains { abs($0 - expected) <= 1e-9 * expected }, "ENoG \(expected) % not in the HTML")
        }
    }

    @Test("two runs of synk report write the same bytes (no per-process hash seed or clock in the page)")
    func reportIsReproducible() throws {
        let dir = try CLI.temporaryDirectory()
        let session = Self.sample.appendingPathComponent("sub-01_ses-1_sunnybrook.h5").path
        let pages = try (1...2).map { run -> Data in
            let html = dir.appendingPathComponent("report-\(run).html").path
            let report = try CLI.run(["report", session, "-o", html], timeout: 180)
            #expect(report.status == 0, "\(report.stderr)")
            return try Data(contentsOf: URL(fileURLWithPath: html))
        }
        #expect(!pages[0].isEmpty)
        #expect(pages[0] == pages[1])
    }

    @Test("a two-session report with ENoG and blink renders in headless Chromium to PNG and PDF")
    func rendersInChromium() throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "Debian's chromium is needed (make test installs it)")
        let dir = try CLI.temporaryDirectory()
        let html = dir.appendingPathComponent("report.html")
        let files = ["sub-01_ses-1_sunnybrook.h5", "sub-01_ses-2_sunnybrook.h5", "sub-01_ses-1_enog.h5", "sub-01_ses-1_blink.h5"]
        let report = try CLI.run(["report"] + files.map { Self.sample.appendingPathComponent($0).path } + ["-o", html.path], timeout: 300)
        #expect(report.status == 0, "\(report.stderr)")
        let text = try String(contentsOf: html, encoding: .utf8)
        #expect(text.contains("ses-1") && text.contains("ses-2") && text.contains("→"))
        // Self-contained: no scripts and nothing fetched (SVG's xmlns is a name, not a fetch).
        #expect(!text.contains("<script"))
        for fetch in ["src=\"http", "href=\"http", "url(http", "@import"] { #expect(!text.contains(fetch), "\(fetch)") }
        for (flag, name) in [("--screenshot=", "report.png"), ("--print-to-pdf=", "report.pdf")] {
            let out = dir.appendingPathComponent(name).path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: browser)
            process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,2400",
                                 flag + out, html.absoluteString]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            let data = try #require(FileManager.default.contents(atPath: out), "\(name) not written")
            #expect(data.count > 50_000, "\(name) is only \(data.count) bytes")
            let magic = name.hasSuffix(".png") ? Data([0x89, 0x50, 0x4E, 0x47]) : Data("%PDF".utf8)
            #expect(data.prefix(4) == magic)
        }
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
        let html = dir.appendingPathComponent("report.html").path
        let result = try CLI.run(["report", csv, "--affected", "left", "-o", html], timeout: 120)
        #expect(result.status == 1, "\(result.stderr)")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(text.contains("OOr-R") && text.contains("flat"))
    }
}
