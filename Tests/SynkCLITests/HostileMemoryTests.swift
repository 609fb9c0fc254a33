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

    /// A float WAV of `channels` channels at `rate` Hz holding `frames` frames, written byte by byte.
    static func wav(channels: Int, rate: UInt32, frames: Int) -> Data {
        func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
        let samples = [Float](repeating: 0.5, count: channels * frames).flatMap { le($0.bitPattern) }
        let format = le(UInt16(3)) + le(UInt16(channels)) + le(rate) + le(UInt32(truncatingIfNeeded: UInt64(rate) * UInt64(channels) * 4))
            + le(UInt16(channels * 4)) + le(UInt16(32))
        let body = Array("WAVE".utf8) + Array("fmt ".utf8) + le(UInt32(format.count)) + format + Array("data".utf8) + le(UInt32(samples.count)) + samples
        return Data(Array("RIFF".utf8) + le(UInt32(body.count)) + body)
    }

    @Test("memory follows the data a file holds, not what its header declares: one frame of 1024 channels at 9 MHz, and a CSV of 100 000 columns, within 512 MiB")
    func memoryFollowsData() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // One-second quality windows at 9 MHz would be 9 M floats per channel: 74 GB for 1024 channels if
        // allocated from the header (earlier versions died on a force-unwrapped FFTW allocation).
        let fast = dir.appendingPathComponent("fast.wav").path
        try Self.wav(channels: 1024, rate: 9_000_000, frames: 1).write(to: URL(fileURLWithPath: fast))
        let read = try Self.limited(["info", fast, "--json"])
        #expect(read.status == 0, "\(read.status): \(read.stderr.prefix(300))")
        // 1025 channels are more than synk reads (and than libsndfile opens): refused from the header.
        let wider = dir.appendingPathComponent("wider.wav").path
        try Self.wav(channels: 1025, rate: 1000, frames: 2).write(to: URL(fileURLWithPath: wider))
        let refused = try Self.limited(["info", wider])
        #expect(refused.status == 3 && refused.stderr.contains("channels"), "\(refused.stderr)")
        let widerText = dir.appendingPathComponent("wider.csv").path
        try ("time," + (1...1025).map { "c\($0)" }.joined(separator: ",") + "\n0," + Array(repeating: "1", count: 1025).joined(separator: ",") + "\n")
            .write(toFile: widerText, atomically: true, encoding: .utf8)
        let refusedText = try Self.limited(["info", widerText, "--rate", "1000"])
        #expect(refusedText.status == 3 && refusedText.stderr.contains("the file declares 1025 channels; synk reads recordings of at most 1024"), "\(refusedText.stderr)")
        let wide = dir.appendingPathComponent("wide.csv").path
        try ("time," + (1...100_000).map { "c\($0)" }.joined(separator: ",") + "\n0," + Array(repeating: "1", count: 100_000).joined(separator: ",") + "\n")
            .write(toFile: wide, atomically: true, encoding: .utf8)
        let csv = try Self.limited(["info", wide, "--rate", "1000"])
        #expect(csv.status == 3 && csv.stderr.contains("the file declares 100000 channels"), "\(csv.status): \(csv.stderr.prefix(300))")
    }
}
