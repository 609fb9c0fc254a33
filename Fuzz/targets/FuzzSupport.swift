import Foundation
import SynkCore
#if canImport(Glibc)
import Glibc
#endif

/// Shared by every fuzz target: the readers take paths, so each input is written to a private file
/// in a RAM-backed folder first. The folder is removed when the process exits, and folders that crashed
/// or killed processes left behind are removed when the next one starts.
enum FuzzSupport {
    static let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()

    static let folder: String = {
        sweepAbandonedFolders()
        let path = "\(base)/synk-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit {
            FuzzSupport.removeOwnFolder()
            if FuzzSupport.childRuns > 0 {
                let line = "synk fuzz: \(FuzzSupport.childContained) of \(FuzzSupport.childRuns) inputs contained by the child-process check\n"
                _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
            }
        }
        return path
    }()

    /// Inputs parsed in a child first, and how many of them the child did not survive (one thread: libFuzzer's).
    nonisolated(unsafe) static var childRuns = 0
    nonisolated(unsafe) static var childContained = 0

    /// Removes this process's folder (run at exit; a child made by ``parsesCleanlyInChild`` ends with `_exit`,
    /// which skips it, so the folder lives as long as its owner).
    static func removeOwnFolder() {
        try? FileManager.default.removeItem(atPath: "\(base)/synk-fuzz-\(getpid())")
    }

    /// Removes the `synk-fuzz-<pid>` folders of processes that no longer exist (a crash, `kill -9`, the
    /// fork-mode workers of libFuzzer).
    static func sweepAbandonedFolders() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return }
        for name in names where name.hasPrefix("synk-fuzz-") {
            guard let pid = pid_t(name.dropFirst("synk-fuzz-".count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: "\(base)/\(name)") }
        }
    }

    /// Writes `bytes` to `name` inside the private folder and returns its path.
    static func write(_ bytes: UnsafeBufferPointer<UInt8>, name: String) -> String {
        let path = "\(folder)/\(name)"
        let data = bytes.isEmpty ? Data() : Data(bytes)
        _ = FileManager.default.createFile(atPath: path, contents: data)
        return path
    }

    /// Reads a source to the end in small blocks; a reader may throw, never crash.
    static func drain(_ source: any SampleSource) {
        let channels = source.header.channels.count
        do {
            while let block = try source.readBlock(maxFrames: 4096) {
                precondition(block.channels.count == channels, "a block with the wrong channel count")
            }
        } catch {}
    }

    /// How a parse in a child process ended.
    enum ChildOutcome: Equatable {
        /// The body returned (the file parsed, or synk refused it with an error): safe to run in-process.
        case finished
        /// The child died by a signal, exceeded the memory limit or the deadline: a crash or hang of the C
        /// library that `synk` contains the same way (`HDF5Isolation`), never parsed in-process.
        case contained
    }

    /// Runs `body` in a forked child first, as the `synk` command parses an HDF5 file in a child process before
    /// its own (`HDF5Isolation`): a child that dies by a signal (or by an AddressSanitizer report), grows beyond
    /// `memoryLimitMiB` of resident memory (the command's child has a 2 GiB address-space limit;
    /// AddressSanitizer's shadow memory rules out an address-space limit here, so resident memory is watched)
    /// or outlives `timeout` seconds is killed, and the input counts as contained. The child's output goes to
    /// /dev/null.
    ///
    /// A fresh fork for every input: the child then starts from exactly the fuzzer's state (libhdf5's caches
    /// and free lists, the heap's layout), so what it survives the in-process parse survives too. A child kept
    /// for many inputs drifts from the parent, and a wild read libhdf5 survived there crashed the parent.
    static func runInChild(timeout: Double = 4, memoryLimitMiB: Int = 2048, _ body: () -> Void) -> ChildOutcome {
        // The child holds the write end: the parent's poll wakes when it ends, without polling the clock.
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return .contained }
        childRuns += 1
        let pid = fork()
        if pid == 0 {
            close(ends[0])
            let null = open("/dev/null", O_WRONLY)
            dup2(null, 1)
            dup2(null, 2)
            disownCrashes()
            body()
            _exit(0)
        }
        close(ends[1])
        defer { close(ends[0]) }
        guard pid > 0 else { return .contained }
        let deadline = Date().addingTimeInterval(timeout)
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var status: Int32 = 0
        while true {
            var descriptor = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 10)
            if ready > 0 { break } // end of file: the child is ending
            if ready < 0 && errno != EINTR { break }
            if Date() > deadline || residentPages(pid) * pageSize > memoryLimitMiB << 20 {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                childContained += 1
                return .contained
            }
        }
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED && WEXITSTATUS == 0, decoded by hand (the macros are not imported into Swift).
        let finished = status & 0x7f == 0 && (status >> 8) & 0xff == 0
        if !finished { childContained += 1 }
        return finished ? .finished : .contained
    }

    /// In a forked child: no libFuzzer death callback (AddressSanitizer reports end the child with its exit code
    /// instead) and default actions for crash signals (the child dies by the signal).
    static func disownCrashes() {
        typealias SetDeathCallback = @convention(c) (UnsafeRawPointer?) -> Void
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__sanitizer_set_death_callback") {
            unsafeBitCast(symbol, to: SetDeathCallback.self)(nil)
        }
        for signal in [SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGTRAP] { Glibc.signal(signal, SIG_DFL) }
    }

    /// Resident pages of process `pid` (`/proc/<pid>/statm`, second field); 0 when unknown.
    static func residentPages(_ pid: pid_t) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? Int(fields[1]) ?? 0 : 0
    }
}
