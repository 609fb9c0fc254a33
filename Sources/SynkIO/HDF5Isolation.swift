import Foundation
import SynkCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps a crash of the HDF5 library on a corrupt or hostile file out of the process that parses it.
///
/// libhdf5 1.10 trusts the addresses and sizes a file declares; a few damaged files make it read
/// through wild pointers and the process dies by a signal (`Fuzz/known-libhdf5-crashes/`). synk cannot
/// guard those paths without re-implementing HDF5, so the `synk` command parses every HDF5 file first in
/// a child process and only then in its own: a crash or a hang in the child becomes a one-line input
/// error (exit 3) instead of killing synk, or a whole `synk batch`.
///
/// A program installs a check once at start-up (``install(_:)``); ``RecordingReader/open(_:options:)``
/// runs it before it lets ``HDF5Reader`` touch a file. Without a check (library users, tests) HDF5 files
/// are parsed in-process as before. A file that passed is not checked again while its size and
/// modification time stay the same.
public enum HDF5Isolation {
    /// Decides whether the HDF5 file at `path` may be parsed in this process; throws the error to report
    /// otherwise. `dataset` and `sampleRate` are the read options the real read will use.
    public typealias Check = @Sendable (_ path: String, _ dataset: String?, _ sampleRate: Double?) throws(SynkError) -> Void

    private final class State: @unchecked Sendable {
        // @unchecked: every access holds `lock`.
        let lock = NSLock()
        var check: Check?
        var passed: Set<String> = []
    }

    private static let state = State()

    /// Installs `check` (or removes it, with `nil`) for every later HDF5 read of this process.
    public static func install(_ check: Check?) {
        state.lock.lock()
        state.check = check
        state.passed = []
        state.lock.unlock()
    }

    /// Runs the installed check, if any, unless the same file already passed it with the same options.
    static func checkBeforeOpening(_ path: String, dataset: String?, sampleRate: Double?) throws(SynkError) {
        state.lock.lock()
        let check = state.check
        state.lock.unlock()
        guard let check else { return }
        let key = cacheKey(path, dataset: dataset, sampleRate: sampleRate)
        if let key {
            state.lock.lock()
            let known = state.passed.contains(key)
            state.lock.unlock()
            if known { return }
        }
        try check(path, dataset, sampleRate)
        if let key {
            state.lock.lock()
            state.passed.insert(key)
            state.lock.unlock()
        }
    }

    private static func cacheKey(_ path: String, dataset: String?, sampleRate: Double?) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = "\(info.st_mtimespec.tv_sec).\(info.st_mtimespec.tv_nsec)"
        #else
        let modified = "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        #endif
        return [path, dataset ?? "", sampleRate.map { "\($0)" } ?? "", "\(info.st_dev):\(info.st_ino)", "\(info.st_size)", modified]
            .joined(separator: "\u{1F}")
    }

    /// Opens and reads `path` exactly as ``RecordingReader`` does for an HDF5 file — header, layout and every
    /// sample, in the same blocks — and discards the samples. The child process of a check runs this.
    /// Blocks hold at most 2^22 values (32 MiB as doubles), so that even 4096 channels stay far inside
    /// ``childAddressSpaceLimitMiB``.
    public static func parseEverything(_ path: String, dataset: String?, sampleRate: Double?) throws(SynkError) {
        let reader = try HDF5Reader(path: path, dataset: dataset, sampleRate: sampleRate)
        let frames = max(1, min(blockFrames, 4_194_304 / max(1, reader.header.channels.count)))
        while try reader.readBlock(maxFrames: frames) != nil {}
    }

    /// Frames per block in ``parseEverything(_:dataset:sampleRate:)``, as the commands read.
    public static let blockFrames = 65_536

    /// Address space the child may use, MiB. A corrupt file can make libhdf5 allocate what it declares
    /// (fuzzing found 4 and 10 GB for one variable-length string, which take seconds and that much memory);
    /// with the limit the allocation fails at once and the file is reported as an input error. Reading a
    /// valid file needs a small fraction of it.
    public static let childAddressSpaceLimitMiB = 2048

    /// Limits this process's address space to `mebibytes` (the child calls it before parsing).
    public static func limitAddressSpace(mebibytes: Int) {
        #if os(Linux)
        // Only ever lowered: a limit the user set (ulimit -v) that is already tighter stays.
        let resource = __rlimit_resource_t(RLIMIT_AS.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return }
        let wanted = rlim_t(mebibytes) << 20
        limit.rlim_cur = min(limit.rlim_cur, wanted)
        limit.rlim_max = min(limit.rlim_max, wanted)
        _ = setrlimit(resource, &limit)
        #endif
    }

    // MARK: - The child-process check

    /// A check that runs `executable` with `arguments(path, dataset, sampleRate)` and judges the file by how
    /// the child ends:
    /// - exit 0: the file parsed completely; it may be parsed in-process.
    /// - exit non-zero with a ``SynkError`` as one JSON object on standard output
    ///   (``childReport(_:)``): that error is thrown, as the in-process read would have thrown it.
    /// - death by a signal: `FILE: the HDF5 library crashed while parsing this file (corrupt or hostile HDF5)`.
    /// - still running after `timeout(fileSize)` seconds: the child is killed and the file reported as
    ///   making the HDF5 library hang.
    ///
    /// The child's standard error is discarded (a crashing library prints nothing useful to users).
    public static func childProcessCheck(
        executable: String,
        arguments: @escaping @Sendable (_ path: String, _ dataset: String?, _ sampleRate: Double?) -> [String],
        timeout: @escaping @Sendable (_ fileSize: Int) -> Double = defaultTimeout
    ) -> Check {
        { (path: String, dataset: String?, sampleRate: Double?) throws(SynkError) in
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            let seconds = timeout(size)
            let outcome = try ChildProcess.run(executable: executable, arguments: arguments(path, dataset, sampleRate),
                                               timeoutSeconds: seconds, file: path)
            switch outcome.ending {
            case .exited(0):
                return
            case .exited(let code):
                if let error = decodeChildReport(outcome.output) { throw error }
                throw .input(path, "the HDF5 check process failed (exit \(code))",
                             hint: "run synk with SYNK_TRUST_HDF5=1 to parse the file in-process")
            case .signalled:
                throw .input(path, "the HDF5 library crashed while parsing this file (corrupt or hostile HDF5)")
            case .timedOut:
                throw .input(path, String(format: "the HDF5 library did not finish parsing this file within %.0f s (corrupt or hostile HDF5)", seconds))
            }
        }
    }

    /// Makes every later HDF5 read of this process run through `synk __check-hdf5` (the hidden child command of
    /// the `synk` executable at `synkExecutable`) first, as the `synk` command itself does: a libhdf5 crash or hang
    /// on a corrupt file then becomes a one-line input error instead of taking the caller's process down.
    ///
    /// Library users who read HDF5 files they did not make should call this once at start-up with the path of an
    /// installed `synk` (or ``isolateUsingInstalledSynk()``).
    public static func isolate(usingSynkExecutable synkExecutable: String) {
        install(childProcessCheck(executable: synkExecutable) { path, dataset, rate in
            // The child ends itself a little after the parent would kill it: it runs in a process group of its own
            // (Ctrl-C does not reach it), so a parent stopped meanwhile must not leave it parsing a hostile file forever.
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            var arguments = ["__check-hdf5", "--memory-limit-mib", "\(childAddressSpaceLimitMiB)",
                             "--time-limit-s", "\(Int(defaultTimeout(size).rounded(.up)) + 5)"]
            if let dataset { arguments += ["--dataset", dataset] }
            if let rate { arguments += ["--rate", "\(rate)"] }
            // After `--` a path that starts with a dash is still a path.
            return arguments + ["--", path]
        })
    }

    /// ``isolate(usingSynkExecutable:)`` with the first executable `synk` on `PATH`; false (nothing installed)
    /// when there is none.
    @discardableResult
    public static func isolateUsingInstalledSynk(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        let directories = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/synk"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                isolate(usingSynkExecutable: candidate)
                return true
            }
        }
        return false
    }

    /// 30 s plus 1 s per 4 MiB: a valid file is read far faster (tens of MB/s even on a slow disk).
    public static let defaultTimeout: @Sendable (Int) -> Double = { size in 30 + Double(size) / 4_194_304 }

    /// What the child prints for an error: one JSON object with `kind`, `file`, `place`, `problem`, `hint`.
    public static func childReport(_ error: SynkError) -> String {
        var object: [String: String] = ["kind": error.kind.rawValue, "problem": error.problem]
        if let file = error.file { object["file"] = file }
        if let place = error.place { object["place"] = place }
        if let hint = error.hint { object["hint"] = hint }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeChildReport(_ output: Data) -> SynkError? {
        guard let object = try? JSONSerialization.jsonObject(with: output) as? [String: String],
              let kindText = object["kind"], let kind = SynkError.Kind(rawValue: kindText), let problem = object["problem"]
        else { return nil }
        return SynkError(kind, file: object["file"], place: object["place"], problem, hint: object["hint"])
    }
}

/// `posix_spawn` with standard output captured, standard error discarded and a deadline.
enum ChildProcess {
    enum Ending: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
    }

    struct Outcome {
        var ending: Ending
        var output: Data
    }

    private static let spawnLock = NSLock()

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later; Swift's Glibc module does not show it),
    /// looked up at run time; `nil` where it does not exist, and then the child inherits what is not close-on-exec.
    struct CloseFrom: @unchecked Sendable {
        typealias Function = @convention(c) (UnsafeMutableRawPointer?, Int32) -> Int32
        let function: Function
        func call(_ actions: UnsafeMutableRawPointer, _ lowest: Int32) { _ = function(actions, lowest) }
    }

    static let closeFrom: CloseFrom? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return CloseFrom(function: unsafeBitCast(symbol, to: CloseFrom.Function.self))
        #else
        return nil
        #endif
    }()

    static func run(executable: String, arguments: [String], timeoutSeconds: Double, file: String) throws(SynkError) -> Outcome {
        var pipeEnds: [Int32] = [-1, -1]
        // Close-on-exec, so that a child spawned at the same moment by another thread (`synk batch` checks
        // files in parallel) does not inherit this pipe and hold it open after this child has ended.
        // (`pipe2` is not visible to Swift on glibc: the flag is set right after, and the spawn lock keeps
        // this process's other spawns out of that moment.)
        spawnLock.lock()
        let piped = pipe(&pipeEnds)
        if piped == 0 { for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) } }
        spawnLock.unlock()
        guard piped == 0 else { throw .input(file, "cannot start the HDF5 check process (pipe: \(String(cString: strerror(errno))))") }
        let readEnd = pipeEnds[0], writeEnd = pipeEnds[1]
        defer { close(readEnd) }

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addclose(&actions, writeEnd)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Nothing else of this process reaches the child. An inherited descriptor of an HDF5 file another thread
        // has open would carry that file's lock (HDF5 locks with flock, per open file) into the child, and an open
        // of the same file elsewhere would fail while the child lives.
        Self.closeFrom?.call(&actions, 3)

        // No crash reporter in the child: the Swift runtime's backtracer would spend seconds symbolicating
        // a crash the parent reports in one line anyway.
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        // A process group of its own: Ctrl-C at the terminal (sent to the whole foreground group) stops synk, which
        // decides what happens (`synk batch` finishes the files in progress), instead of killing the check and
        // making a sound file look like a crashing one.
        #if canImport(Darwin)
        var attributes: posix_spawnattr_t? = nil
        #else
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        // The parent may ignore SIGINT and SIGTERM (to clean up first): the child takes them as usual.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        spawnLock.lock()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(writeEnd)
        spawnLock.unlock()
        guard spawned == 0 else {
            throw .input(file, "cannot start the HDF5 check process \(executable) (\(String(cString: strerror(spawned))))")
        }

        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var reading = true
        while reading {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { break }
            var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, 1) * 1000) + 1)
            if ready < 0 && errno != EINTR { break }
            if ready <= 0 { continue }
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count > 0 {
                if output.count < 65_536 { output.append(contentsOf: buffer[0..<count]) }
            } else if count == 0 || errno != EINTR {
                reading = false
            }
        }
        // Standard output closed (the child is ending) or the deadline passed: reap it, killing it when late.
        var status: Int32 = 0
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { break }
            if waited < 0 && errno != EINTR { return Outcome(ending: .exited(-1), output: output) }
            if deadline.timeIntervalSinceNow <= 0 {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                return Outcome(ending: .timedOut, output: output)
            }
            usleep(2_000)
        }
        // The wait-status macros (WIFEXITED, …) are not imported into Swift: decode the bits directly.
        let signal = status & 0x7f
        if signal == 0 { return Outcome(ending: .exited((status >> 8) & 0xff), output: output) }
        return Outcome(ending: .signalled(signal), output: output)
    }
}
