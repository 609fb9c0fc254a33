import Foundation
import Testing

/// HDF5 files are parsed first in a child `synk __check-hdf5`, so the five files that crash libhdf5 1.10.8
/// itself (`Fuzz/known-libhdf5-crashes/`, found by fuzzing) end as input errors, not as a dead process.
@Suite("libhdf5 crashes are contained: a child process parses HDF5 first")
struct HDF5IsolationTests {
    static let crashFolder = CLI.repositoryRoot.appendingPathComponent("Fuzz/known-libhdf5-crashes")

    static var crashFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: crashFolder.path)) ?? [])
            .filter { $0.hasSuffix(".h5") }.sorted().map { crashFolder.appendingPathComponent($0).path }
    }

    static func message(_ path: String) -> String {
        "synk: \(path): the HDF5 library crashed while parsing this file (corrupt or hostile HDF5)\n"
    }

    @Test("each known libhdf5 crash: synk info and synk synkinesis exit 3 with one line naming the file, within 5 s",
          arguments: ["info", "synkinesis"])
    func knownCrashes(command: String) throws {
        let files = Self.crashFiles
        #expect(files.count == 5)
        for file in files {
            let result = try CLI.run([command, file], timeout: 30)
            #expect(result.status == 3, "\(file): \(result.stderr)")
            #expect(result.stderr == Self.message(file))
            #expect(result.stdout.isEmpty)
            #expect(result.seconds < 5, "\(file): \(result.seconds) s")
        }
    }

    @Test("without the child check (SYNK_TRUST_HDF5=1) the same file kills the process by a signal")
    func theCrashIsReal() throws {
        let file = try #require(Self.crashFiles.first)
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["info", file]
        process.environment = ProcessInfo.processInfo.environment.merging(["SYNK_TRUST_HDF5": "1", "SWIFT_BACKTRACE": "enable=no"]) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
    }

    @Test("valid HDF5 files read the same with and without the check; an invalid one gives the same error")
    func sameResults() throws {
        let sample = CLI.repositoryRoot.appendingPathComponent("SampleData/hdf5")
        let valid = try FileManager.default.contentsOfDirectory(atPath: sample.path).filter { $0.hasSuffix(".h5") }.sorted()
        #expect(valid.count == 4)
        for name in valid {
            let path = sample.appendingPathComponent(name).path
            let checked = try CLI.run(["info", path, "--json"])
            let trusted = try CLI.run(["info", path, "--json"], environment: ["SYNK_TRUST_HDF5": "1"])
            #expect(checked.status == 0 && trusted.status == 0, "\(checked.stderr)")
            #expect(checked.stdout == trusted.stdout && !checked.stdout.isEmpty)
        }
        // A dataset that does not exist: the child's SynkError is surfaced word for word.
        let path = sample.appendingPathComponent(valid[0]).path
        let checked = try CLI.run(["info", path, "--dataset", "/no/such", "--rate", "1000"])
        let trusted = try CLI.run(["info", path, "--dataset", "/no/such", "--rate", "1000"], environment: ["SYNK_TRUST_HDF5": "1"])
        #expect(checked.status == 3)
        #expect(checked.status == trusted.status && checked.stderr == trusted.stderr, "\(checked.stderr) vs \(trusted.stderr)")
    }

    @Test("synk batch: a crashing HDF5 file becomes an errors.csv row; the other files are analysed")
    func batch() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dataset = dir.appendingPathComponent("dataset")
        try FileManager.default.createDirectory(at: dataset, withIntermediateDirectories: true)
        let parameters = dir.appendingPathComponent("sim.json")
        try BatchCLITests.simulation.write(to: parameters, atomically: true, encoding: .utf8)
        let good = dataset.appendingPathComponent("good.h5").path
        let simulated = try CLI.run(["simulate", "synkinesis", "--parameters", parameters.path, "--sample-rate", "1000",
                                     "--contraction", "1", "--rest", "1", "--seed", "4", "-o", good])
        try #require(simulated.status == 0, "\(simulated.stderr)")
        let crashes = Self.crashFiles
        for file in crashes {
            try FileManager.default.copyItem(atPath: file, toPath: dataset.appendingPathComponent(URL(fileURLWithPath: file).lastPathComponent).path)
        }
        let results = dir.appendingPathComponent("results").path
        let run = try CLI.run(["batch", dataset.path, "-o", results, "--jobs", "2"], timeout: 120)
        #expect(run.status == 3, "\(run.stderr)")
        let errors = try String(contentsOfFile: results + "/errors.csv", encoding: .utf8)
        let rows = errors.split(separator: "\n").dropFirst()
        #expect(rows.count == crashes.count, "\(errors)")
        for file in crashes {
            let name = URL(fileURLWithPath: file).lastPathComponent
            #expect(rows.contains { $0.contains(name) && $0.contains("the HDF5 library crashed while parsing this file") }, "\(name): \(errors)")
        }
        let pairs = try String(contentsOfFile: results + "/synkinesis_pairs.csv", encoding: .utf8)
        #expect(pairs.contains("good.h5"))
    }
}
