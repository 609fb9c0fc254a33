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

/// Writers never invent metadata: a channel whose unit nobody stated comes back without a unit from every format
/// synk writes (issue 22: the HDF5 writer stored µV, and `synk info` then called the channels flat).
@Suite("Unknown units survive every writer")
struct UnknownUnitRoundTripTests {
    /// A headerless two-column CSV (unit unknown) of 2 s at 1 kHz: two sines of 37 and 83 Hz, amplitude 50 and 20
    /// (whatever unit they are in).
    static func unitlessCSV(in folder: URL) throws -> String {
        var text = ""
        for n in 0..<2000 {
            let t = Double(n) / 1000
            text += String(format: "%.6f,%.6f\n", 50 * sin(2 * .pi * 37 * t), 20 * sin(2 * .pi * 83 * t))
        }
        let path = folder.appendingPathComponent("unitless.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("unknown unit in → unknown unit out", arguments: ["wav", "flac", "csv", "edf", "h5"])
    func roundTrip(extension ext: String) throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try Self.unitlessCSV(in: folder)
        let before = try CLI.run(["info", "--json", "--rate", "1000", source])
        #expect(before.status == 0, "\(before.stderr)")
        let output = folder.appendingPathComponent("out.\(ext)").path
        let filtered = try CLI.run(["filter", source, "--rate", "1000", "--band", "none", "-o", output])
        #expect(filtered.status == 0, "\(filtered.stderr)")
        // A CSV output has a time column: its rate needs no --rate.
        let after = try CLI.run(["info", "--json", output])
        #expect(after.status == 0, "\(after.stderr)")
        func channels(_ json: String) throws -> [[String: Any]] {
            try #require(try RealExportTests.json(json)["channels"] as? [[String: Any]])
        }
        let units = try channels(after.stdout).map { $0["unit"] as? String }
        #expect(try channels(before.stdout).map { $0["unit"] as? String } == ["", ""])
        #expect(units == ["", ""], "\(ext): \(units)")
        // Neither channel is called flat: 50 and 20 units of sine are what they were (RMS 35.4 and 14.1).
        for channel in try channels(after.stdout) {
            #expect(!((channel["flags"] as? [String]) ?? []).contains("flat"), "\(ext): \(channel)")
        }
        let rms = try channels(after.stdout).compactMap { $0["rms"] as? Double }
        #expect(rms.count == 2)
        if rms.count == 2 {
            // 50/√2 = 35.36 and 20/√2 = 14.14; 24-bit FLAC and 16-bit EDF keep them to 1e-3 of full scale.
            #expect(abs(rms[0] - 50 / 2.0.squareRoot()) < 0.05, "\(ext): \(rms)")
            #expect(abs(rms[1] - 20 / 2.0.squareRoot()) < 0.05, "\(ext): \(rms)")
        }
    }
}

extension RealExportTests {
    /// 2,500 rows of a 100 Hz recording starting at 0.02 s, times printed to 0.01 s (their plain quotient is
    /// 99.99999999999999 Hz): the same samples with the time column, and without it for `--rate 100`.
    static func hundredHertzPair(in folder: URL) throws -> (timed: String, untimed: String) {
        var timed = "time,ZYG\n", untimed = "ZYG\n"
        var state: UInt64 = 12345
        for n in 0..<2500 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Double(state >> 33) / Double(1 << 31) - 0.5
            let value = String(format: "%.4f", 30 * sin(2 * .pi * 3 * Double(n) / 100) + 10 * noise)
            timed += String(format: "%.2f", 0.02 + Double(n) / 100) + ",\(value)\n"
            untimed += "\(value)\n"
        }
        let timedPath = folder.appendingPathComponent("timed.csv").path, untimedPath = folder.appendingPathComponent("untimed.csv").path
        try timed.write(toFile: timedPath, atomically: true, encoding: .utf8)
        try untimed.write(toFile: untimedPath, atomically: true, encoding: .utf8)
        return (timedPath, untimedPath)
    }

    @Test("A rate from a time column is rounded (100 Hz, not 99.99999999999999) and gives the quality figures --rate 100 gives")
    func timeColumnRateEqualsGivenRate() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (timed, untimed) = try Self.hundredHertzPair(in: folder)
        let fromTime = try CLI.run(["info", "--json", timed])
        let given = try CLI.run(["info", "--json", "--rate", "100", untimed])
        #expect(fromTime.status == 0 && given.status == 0, "\(fromTime.stderr) \(given.stderr)")
        let timeInfo = try Self.json(fromTime.stdout), givenInfo = try Self.json(given.stdout)
        #expect((timeInfo["input"] as? [String: Any])?["sample_rate_hz"] as? Double == 100)
        #expect(fromTime.stdout.contains("\"sample_rate_hz\" : 100,"))
        let timeChannels = try #require(timeInfo["channels"] as? [[String: Any]])
        let givenChannels = try #require(givenInfo["channels"] as? [[String: Any]])
        #expect(NSArray(array: timeChannels).isEqual(to: givenChannels), "\(timeChannels) vs \(givenChannels)")
    }
}

/// `synk report` takes recordings and measures them itself; a result file given to it is refused in one line that
/// says so and gives the command to use (issue 22: it answered "the file has no time column …").
@Suite("A result JSON where a recording belongs")
struct ResultGivenAsRecordingTests {
    @Test("report, synkinesis and info on a synkinesis result: exit 3, one line naming the file, report takes recordings, the command with the recording")
    func resultToReport() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let recording = CLI.repositoryRoot.appendingPathComponent("SampleData/hdf5/sub-01_ses-2_sunnybrook.h5").path
        let resultPath = folder.appendingPathComponent("result.json").path
        let made = try CLI.run(["synkinesis", recording, "--format", "json", "-o", resultPath])
        #expect(made.status == 0, "\(made.stderr)")
        for command in [["report", resultPath, "-o", folder.appendingPathComponent("r.html").path], ["synkinesis", resultPath], ["info", resultPath]] {
            let run = try CLI.run(command)
            #expect(run.status == 3, "\(command): \(run.stderr)")
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(command): \(run.stderr)")
            #expect(run.stderr.hasPrefix("synk: \(resultPath): a synk result (JSON), not a recording: synk report and the analyses take recordings"))
            #expect(run.stderr.contains("give the recording it was made from: synk report \(recording)"), "\(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("r.html").path))
    }

    @Test("any other JSON document (a montage, a BIDS *_emg.json) is not a recognised recording, exit 3")
    func otherJSON() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("montage.json").path
        try #"{"affected_side": "left", "channels": [{"label": "OOc-L", "muscle": "OOc", "side": "left"}]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try CLI.run(["report", path])
        #expect(run.status == 3)
        #expect(run.stderr.hasPrefix("synk: \(path): not a recognised recording: a JSON document, not a recording"), "\(run.stderr)")
    }
}

/// Sides and automatic mapping on real exports (issue 22).
@Suite("Sides and automatic mapping at the command line")
struct SidesAndMappingTests {
    static let processed = CLI.repositoryRoot.appendingPathComponent("Tests/SynkCLITests/Fixtures/exports/processed_columns.csv").path

    @Test("A BIOPAC-derived CSV with raw and processed corrugator/zygomaticus and no sides: the raw two are analysed, the processed two listed, no side invented")
    func processedColumnsNotSecondMuscles() throws {
        let run = try CLI.run(["synkinesis", Self.processed, "--affected", "none", "--format", "json"])
        // Today: exit 3 "COR left is assigned to both Corrugator and EMG_cor_processed", no file named.
        #expect(run.status == 0, "\(run.stderr)")
        let json = try RealExportTests.json(run.stdout)
        let montage = try #require(json["montage"] as? [[String: Any]])
        #expect(montage.compactMap { $0["label"] as? String } == ["Corrugator", "Zygomaticus"])
        let gaps = try #require(json["montage_gaps"] as? [[String: Any]])
        for label in ["EMG_cor_processed", "EMG_zyg_processed"] {
            #expect(gaps.contains { $0["label"] as? String == label && $0["kind"] as? String == "unmapped"
                && ($0["reason"] as? String ?? "").contains("derived signal ('processed')") }, "\(gaps)")
        }
        #expect(!gaps.contains { $0["kind"] as? String == "missing_side" })
        #expect(gaps.contains { ($0["reason"] as? String ?? "").contains("synk mapped Corrugator → COR, Zygomaticus → ZYG") })
        let comparison = try #require(json["side_comparison"] as? [String: Any])
        let reason = try #require(comparison["reason"] as? String)
        #expect(reason.hasPrefix("no channel states a side") && reason.contains("--affected none"), "\(reason)")
        #expect(!run.stdout.contains("left-side channels"))
    }

    @Test("The real BIOPAC export with --affected none: the header says no channel states a side and what synk assumed")
    func biopacAffectedNone() throws {
        let run = try CLI.run(["synkinesis", CLI.realFile("biopac_facial_femg_sub_f_005.txt"), "--affected", "none"])
        #expect([0, 1].contains(run.status), "\(run.stderr)")
        let header = run.stdout.split(separator: "\n").prefix(6).joined(separator: "\n")
        #expect(header.contains("SIDE COMPARISON IMPOSSIBLE: no channel states a side: synk assumed the 2 muscle channels are on one side, which side is unknown"), "\(header)")
        #expect(!run.stdout.contains("only left-side channels"))
        #expect(!run.stdout.contains("not recorded on the right side"))
    }
}

extension SidesAndMappingTests {
    @Test("The real BIOPAC export: every lag at the ±100 ms search limit carries lag_at_search_limit and its sentence")
    func biopacLagAtSearchLimit() throws {
        let run = try CLI.run(["synkinesis", CLI.realFile("biopac_facial_femg_sub_f_005.txt"), "--format", "json"])
        #expect([0, 1].contains(run.status), "\(run.stderr)")
        let pairs = try #require(try RealExportTests.json(run.stdout)["pairs"] as? [[String: Any]])
        var atLimit = 0
        for pair in pairs {
            for slot in ["affected", "healthy"] {
                guard let side = pair[slot] as? [String: Any], let lag = side["lag_ms"] as? Double else { continue }
                let flagged = side["lag_at_search_limit"] as? Bool == true
                #expect(flagged == (abs(lag) == 100), "\(side)")
                if flagged {
                    atLimit += 1
                    #expect((side["notes"] as? [String] ?? []).contains { $0.hasPrefix("lag_at_search_limit: the cross-correlation peaks at") && $0.contains("widen --max-lag") })
                }
            }
        }
        // frown → ZYG at -100 ms and smile → COR at +100 ms (the issue's example: a negative peak at the limit).
        #expect(atLimit >= 1)
    }
}
