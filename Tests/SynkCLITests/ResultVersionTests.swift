import Foundation
import Testing
import SynkCore

/// `synk_version` in a result promises that the same version computes the same result from the same input and
/// settings (and `synk batch --resume` relies on it). This test pins the JSON results of the sample data to the
/// version: when a change moves any number, the version must be raised (and the change named in CHANGELOG.md).
///
/// Numbers are compared to 1e-4 relative + 1e-5 absolute, text and structure exactly.
///
/// To record new fingerprints after raising the version: `SYNK_UPDATE_FINGERPRINTS=1 swift test --filter ResultVersion`.
@Suite("Results are tied to the synk version")
struct ResultVersionTests {
    static let fixture = CLI.repositoryRoot.appendingPathComponent("Tests/SynkCLITests/Fixtures/result-fingerprints.json")

    /// A result reduced to what must not change: its structure and text exactly (numbers replaced by `#`), and its
    /// numbers to 1e-4 relative + 1e-5 absolute (the portable and the vector kernels filter in 32-bit floats in another
    /// order, and correlations of the sample data differ by up to 1e-5 between them; a changed method moves them far more).
    struct Pinned: Codable, Equatable {
        var skeletonSHA256: String
        var numbers: [Double]
        enum CodingKeys: String, CodingKey { case skeletonSHA256 = "skeleton_sha256", numbers }
    }

    struct Fingerprints: Codable, Equatable {
        var synkVersion: String
        var results: [String: Pinned]
        enum CodingKeys: String, CodingKey { case synkVersion = "synk_version", results }
    }

    /// The commands whose JSON results are pinned, by name.
    static let commands: [(String, [String])] = [
        ("synkinesis ses-1 (BIDS WAV)", ["synkinesis", "SampleData/bids/sub-01/ses-1/emg/sub-01_ses-1_task-sunnybrook_emg.wav"]),
        ("synkinesis ses-2 (HDF5)", ["synkinesis", "SampleData/hdf5/sub-01_ses-2_sunnybrook.h5"]),
        ("synkinesis BIOPAC (real, one side)", ["synkinesis", "SampleData/real/biopac_facial_femg_sub_f_005.txt"]),
        ("ncs", ["ncs", "SampleData/hdf5/sub-01_ses-1_enog.h5"]),
        ("blink", ["blink", "SampleData/hdf5/sub-01_ses-1_blink.h5"]),
        ("info ses-1", ["info", "--json", "SampleData/hdf5/sub-01_ses-1_sunnybrook.h5"]),
    ]

    /// The command's JSON output, with the checkout's absolute path removed from every path (the input's, its
    /// sidecars'; checkouts differ), pinned.
    static func pinned(_ arguments: [String]) throws -> Pinned {
        let file = CLI.repositoryRoot.appendingPathComponent(arguments.last!).path
        var command = Array(arguments.dropLast()) + [file]
        if arguments[0] != "info" { command += ["--format", "json"] }
        let result = try CLI.run(command)
        #expect([0, 1].contains(result.status), "\(arguments): \(result.stderr)")
        let root = CLI.repositoryRoot.standardizedFileURL.path + "/"
        return pin(result.stdout.replacingOccurrences(of: file, with: arguments.last!).replacingOccurrences(of: root, with: ""))
    }

    /// Splits pretty-printed JSON into its skeleton (every number value replaced by `#`) and its numbers.
    static func pin(_ json: String) -> Pinned {
        // A number value stands after `": "` or alone on an array line; digits inside strings are text.
        let pattern = try! NSRegularExpression(pattern: "(: |^ +)(-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?)(,?)$", options: [.anchorsMatchLines])
        let source = json as NSString
        var skeleton = ""
        var numbers: [Double] = []
        var last = 0
        for match in pattern.matches(in: json, range: NSRange(location: 0, length: source.length)) {
            let number = match.range(at: 2)
            skeleton += source.substring(with: NSRange(location: last, length: number.location - last)) + "#"
            numbers.append(Double(source.substring(with: number)) ?? .nan)
            last = number.location + number.length
        }
        skeleton += source.substring(from: last)
        return Pinned(skeletonSHA256: SHA256.hex(of: Array(skeleton.utf8)), numbers: numbers)
    }

    @Test("the sample data's JSON results are those recorded for this version")
    func pinned() throws {
        var current = Fingerprints(synkVersion: SynkVersion.current, results: [:])
        for (name, arguments) in Self.commands { current.results[name] = try Self.pinned(arguments) }
        if ProcessInfo.processInfo.environment["SYNK_UPDATE_FINGERPRINTS"] == "1" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try (encoder.encode(current) + Data("\n".utf8)).write(to: Self.fixture)
            return
        }
        let recorded = try JSONDecoder().decode(Fingerprints.self, from: Data(contentsOf: Self.fixture))
        guard recorded.synkVersion == SynkVersion.current else {
            Issue.record("SynkVersion is \(SynkVersion.current) but the fingerprints were recorded for \(recorded.synkVersion): record them with SYNK_UPDATE_FINGERPRINTS=1")
            return
        }
        let advice = "the result changed while SynkVersion stayed \(SynkVersion.current): raise the minor version, say what changed in CHANGELOG.md, then record the fingerprints (SYNK_UPDATE_FINGERPRINTS=1)"
        for (name, _) in Self.commands {
            let now = try #require(current.results[name]), then = try #require(recorded.results[name], "\(name) was never recorded")
            #expect(now.skeletonSHA256 == then.skeletonSHA256, "\(name): fields or text: \(advice)")
            #expect(now.numbers.count == then.numbers.count, "\(name): \(advice)")
            let moved = zip(now.numbers, then.numbers).enumerated().filter { _, pair in
                !(abs(pair.0 - pair.1) <= 1e-4 * max(abs(pair.0), abs(pair.1)) + 1e-5)
            }
            #expect(moved.count == 0, "\(name): \(moved.count) numbers moved, the first at position \(moved.first?.offset ?? -1) (\(moved.first.map { "\($0.element.1) → \($0.element.0)" } ?? "")): \(advice)")
        }
    }
}
