import Foundation
import Testing

/// Absurd declared sizes (10^9 channels, 10^12 samples, 4 GB data chunks, negative counts, 1e300 Hz) are
/// rejected before anything of that size is allocated: `synk info` runs with its address space limited
/// to 512 MiB (`ulimit -v`), where an allocation of the declared size would kill it (Swift traps on a
/// failed allocation) instead of ending with exit 3.
@Suite("Hostile headers: rejected before allocation, within 512 MiB of address space")
struct HostileMemoryTests {
    static let limitKiB = 524_288
    /// Names of the corpus files whose header declares an absurd size or rate.
    static let absurd = ["1e9", "1e12", "1e8", "4GB", "9999", "65535", "absurd", "huge", "negative", "1e300", "1e99"]

    static func limited(_ arguments: [String]) throws -> CLI.Result {
        let quoted = ([CLI.executable.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v \(limitKiB) && exec " + quoted.joined(separator: " ")]
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        let start = Date()
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return CLI.Result(status: status, stdout: "", stderr: String(decoding: stderr, as: UTF8.self), seconds: Date().timeIntervalSince(start))
    }

    @Test("a valid recording still reads under the limit (the control), and every absurd header ends with exit 3 naming the file")
    func absurdHeaders() throws {
        let control = CLI.repositoryRoot.appendingPathComponent("SampleData/hdf5/sub-01_ses-1_enog.h5").path
        let valid = try Self.limited(["info", control, "--json"])
        #expect(valid.status == 0, "\(valid.stderr)")

        let (dir, files) = try HostileFileTests.buildCorpus()
        defer { try? FileManager.default.removeItem(at: dir) }
        let chosen = files.filter { file in Self.absurd.contains { file.name.contains($0) } }
        #expect(chosen.count >= 20, "\(chosen.map(\.name))")
        var breaches: [String] = []
        for file in chosen {
            let path = dir.appendingPathComponent(file.name).path
            if let make = file.make { make(path) } else { FileManager.default.createFile(atPath: path, contents: Data(file.bytes)) }
            let result = try Self.limited(["info", path, "--json"])
            let acceptable = result.status == 3 || (result.status == 0 && file.expectation == .rejectedOrReadable)
            if !acceptable { breaches.append("\(file.name): exit \(result.status) \(result.stderr.prefix(200))") }
            if result.status == 3 && !(result.stderr.contains(path) && result.stderr.split(separator: "\n").count == 1) {
                breaches.append("\(file.name): \(result.stderr)")
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        #expect(breaches.isEmpty, "\(breaches.joined(separator: "\n"))")
    }
}
