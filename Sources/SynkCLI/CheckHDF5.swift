import ArgumentParser
import Foundation
import Synk

extension SynkCommand {
    /// The child half of ``HDF5Isolation``: parses an HDF5 file as a real read would and reports how it went.
    /// Not for users (hidden from help); `synk` runs it on itself before parsing an HDF5 file in-process.
    struct CheckHDF5: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "__check-hdf5",
            abstract: "Internal: parse an HDF5 file in a separate process (a library crash cannot take synk down).",
            shouldDisplay: false
        )

        @Argument var file: String
        @Option var dataset: String?
        @Option var rate: Double?
        @Option(name: .customLong("memory-limit-mib")) var memoryLimit: Int?
        @Option(name: .customLong("time-limit-s")) var timeLimit: UInt32?

        func run() throws {
            if let memoryLimit { HDF5Isolation.limitAddressSpace(mebibytes: memoryLimit) }
            // SIGALRM ends the process: a check whose parent was stopped cannot outlive it by more than this.
            if let timeLimit, timeLimit > 0 { alarm(timeLimit) }
            do {
                try HDF5Isolation.parseEverything(file, dataset: dataset, sampleRate: rate)
            } catch {
                print(HDF5Isolation.childReport(error))
                Foundation.exit(error.exitCode)
            }
        }
    }

    /// Makes every HDF5 read of this process go through a child `synk __check-hdf5` first, unless the user
    /// trusts their HDF5 files (`SYNK_TRUST_HDF5=1`).
    static func isolateHDF5Parsing() {
        if ProcessInfo.processInfo.environment["SYNK_TRUST_HDF5"] == "1" { return }
        guard let executable = ownExecutable() else { return }
        HDF5Isolation.isolate(usingSynkExecutable: executable)
    }

    /// The running binary: `/proc/self/exe` on Linux (right even when synk was started through a symlink
    /// or a relative path), else the path Foundation reports.
    static func ownExecutable() -> String? {
        if FileManager.default.isExecutableFile(atPath: "/proc/self/exe") { return "/proc/self/exe" }
        return Bundle.main.executablePath
    }
}
