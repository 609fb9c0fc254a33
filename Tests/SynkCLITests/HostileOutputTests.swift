import Foundation
import Testing

/// Never lose anything: an output that cannot be written (a full disk, a read-only directory) ends with
/// exit 4 and one line naming the output, leaves no partial or temporary file, and the input is only read.
///
/// A full disk is a 128 KiB tmpfs (every output of the 100 s input is larger) and a read-only directory a tmpfs mounted read-only; both need
/// `mount`, which only root may run, so these cases run where mounting works (root in a container or
/// CI machine). As a non-root user the read-only directory is made with `chmod 555` instead.
@Suite("Hostile outputs: full disk and read-only directory give exit 4 and no partial file", .serialized)
struct HostileOutputTests {
    static func mount(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/mount")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static func unmount(_ path: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/umount")
        process.arguments = [path]
        try? process.run()
        process.waitUntilExit()
    }

    /// Whether this machine lets the tests mount a small tmpfs.
    static let canMount: Bool = {
        guard geteuid() == 0, let dir = try? CLI.temporaryDirectory() else { return false }
        defer { try? FileManager.default.removeItem(at: dir) }
        guard mount(["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir.path]) else { return false }
        unmount(dir.path)
        return true
    }()

    static let input = CLI.realFile("opensignals_emg.txt")
    static let outputs = ["out.wav", "out.h5", "out.edf", "out.csv"]

    /// Runs `synk filter` into `directory` for every output format and checks the contract.
    func expectNothingLost(in directory: String, what: String) throws {
        let before = try Data(contentsOf: URL(fileURLWithPath: Self.input))
        let modified = try FileManager.default.attributesOfItem(atPath: Self.input)[.modificationDate] as? Date
        for name in Self.outputs {
            let output = "\(directory)/\(name)"
            let result = try CLI.run(["filter", Self.input, "-o", output], timeout: 60)
            #expect(result.status == 4, "\(what) \(name): exit \(result.status), stderr: \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(what) \(name): one line: \(result.stderr)")
            #expect(result.stderr.contains(output), "\(what) \(name): names the output: \(result.stderr)")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            #expect(left.isEmpty, "\(what) \(name): files left behind: \(left)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: Self.input)) == before, "the input is unchanged")
        #expect(try FileManager.default.attributesOfItem(atPath: Self.input)[.modificationDate] as? Date == modified)
    }

    @Test("a full disk (128 KiB tmpfs): exit 4 for WAV, HDF5, EDF and CSV output, no partial file, no crash",
          .enabled(if: canMount, "mounting a tmpfs needs root"))
    func fullDisk() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try #require(Self.mount(["-t", "tmpfs", "-o", "size=128k", "tmpfs", dir.path]))
        defer { Self.unmount(dir.path) }
        try expectNothingLost(in: dir.path, what: "full disk")
    }

    @Test("a read-only output directory: exit 4, nothing written", .enabled(if: geteuid() != 0 || canMount, "needs mount as root"))
    func readOnlyDirectory() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        if geteuid() == 0 {
            try #require(Self.mount(["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir.path]))
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.path)
        }
        defer {
            if geteuid() == 0 { Self.unmount(dir.path) }
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        }
        try expectNothingLost(in: dir.path, what: "read-only directory")
    }
}
