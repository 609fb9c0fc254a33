import Foundation

/// Runs the `synk` executable built next to the tests and captures what a user would see.
enum CLI {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var executable: URL {
        // SYNK_TEST_BINARY runs the tests against another build (the release binary, or an older one to see a
        // test fail on the behaviour it specifies).
        if let chosen = ProcessInfo.processInfo.environment["SYNK_TEST_BINARY"], !chosen.isEmpty {
            return URL(fileURLWithPath: chosen)
        }
        // The test bundle and the executable are built into the same products folder.
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("synk"),
            Bundle.main.bundleURL.appendingPathComponent("synk"),
            repositoryRoot.appendingPathComponent(".build/debug/synk"),
            repositoryRoot.appendingPathComponent(".build/release/synk"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[2]
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var seconds: Double
    }

    static func run(_ arguments: [String], timeout: Double = 60, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let start = Date()
        try process.run()
        // Read both pipes while the process runs so a large output cannot block it.
        var stdoutData = Data(), stderrData = Data()
        let group = DispatchGroup()
        nonisolated(unsafe) var o = Data(), e = Data()
        group.enter()
        DispatchQueue.global().async { o = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { e = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            // A process blocked in the kernel (on a FIFO, reading /dev/zero) may outlive SIGTERM: never leave one.
            usleep(200_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw CLIError.timedOut(arguments)
        }
        process.waitUntilExit()
        stdoutData = o
        stderrData = e
        return Result(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self), seconds: Date().timeIntervalSince(start))
    }

    enum CLIError: Error { case timedOut([String]), noTerminal }

    /// Runs synk with standard error attached to a pseudo-terminal (as when a person runs it), standard output
    /// to a pipe; returns what was written to each.
    static func runWithTerminalStderr(_ arguments: [String], timeout: Double = 120) throws -> Result {
        // glibc's pseudo-terminal calls, which the Swift Glibc module does not show (they need _XOPEN_SOURCE).
        typealias Open = @convention(c) (Int32) -> Int32
        typealias Name = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        guard let openSymbol = dlsym(nil, "posix_openpt"), let grantSymbol = dlsym(nil, "grantpt"), let unlockSymbol = dlsym(nil, "unlockpt"),
              let nameSymbol = dlsym(nil, "ptsname") else { throw CLIError.noTerminal }
        let (posixOpenpt, grantpt, unlockpt, ptsname) = (unsafeBitCast(openSymbol, to: Open.self), unsafeBitCast(grantSymbol, to: Open.self),
                                                          unsafeBitCast(unlockSymbol, to: Open.self), unsafeBitCast(nameSymbol, to: Name.self))
        let master = posixOpenpt(O_RDWR | O_NOCTTY)
        guard master >= 0, grantpt(master) == 0, unlockpt(master) == 0, let name = ptsname(master) else { throw CLIError.noTerminal }
        let terminal = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard terminal >= 0 else { close(master); throw CLIError.noTerminal }
        defer { close(master) }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(fileDescriptor: terminal, closeOnDealloc: false)
        let start = Date()
        try process.run()
        close(terminal)
        nonisolated(unsafe) var o = Data(), e = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { o = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async {
            // The terminal's reading end reports EIO once every writer has closed it.
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(master, &buffer, buffer.count)
                if count <= 0 { break }
                e.append(contentsOf: buffer[0..<count])
            }
            group.leave()
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw CLIError.timedOut(arguments)
        }
        process.waitUntilExit()
        // A terminal turns "\n" into "\r\n".
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n"), seconds: Date().timeIntervalSince(start))
    }

    /// A fresh temporary directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synk-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func realFile(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("SampleData/real/\(name)").path
    }
}
