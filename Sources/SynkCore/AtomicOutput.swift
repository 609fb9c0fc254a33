import Foundation

/// An output file that appears whole or not at all.
///
/// Writers write to ``temporaryPath`` (a hidden file in the destination's directory, so the final
/// rename stays on one file system) and call ``commit()``; if they fail or are abandoned the
/// temporary file is removed and any existing destination is left untouched.
///
/// An existing destination is replaced only when it is a regular file (or a symbolic link, which the rename
/// replaces without touching its target) that is not read-only: a device, FIFO or socket is never replaced,
/// and a read-only file only after ``permitReplacingReadOnly(_:)`` (the commands' `--force`). Both are
/// `.output` errors (exit 4), checked when the output is prepared and again just before the rename.
public final class AtomicOutput {
    public let destination: String
    public let temporaryPath: String
    private var done = false

    /// Prepares an output; fails with an `.output` error when the directory is missing or not writable.
    public init(destination: String) throws(SynkError) {
        let url = URL(fileURLWithPath: destination)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .output(destination, "directory \(directory) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw .output(destination, "directory \(directory) is not writable")
        }
        try FileSafety.checkExistingOutput(destination, force: Self.mayReplaceReadOnly(destination))
        self.destination = destination
        let unique = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000)"
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(unique).tmp").path
        Self.unfinished.insert(temporaryPath)
    }

    /// Moves the finished temporary file into place (an atomic rename).
    public func commit() throws(SynkError) {
        guard !done else { return }
        do {
            try FileSafety.checkExistingOutput(destination, force: Self.mayReplaceReadOnly(destination))
        } catch {
            abandon()
            throw error
        }
        if rename(temporaryPath, destination) != 0 {
            let reason = String(cString: strerror(errno))
            abandon()
            throw .output(destination, "could not move the finished file into place: \(reason)")
        }
        Self.unfinished.remove(temporaryPath)
        done = true
    }

    /// Deletes the temporary file; the destination is untouched.
    public func abandon() {
        guard !done else { return }
        unlink(temporaryPath)
        Self.unfinished.remove(temporaryPath)
        done = true
    }

    /// The temporary and staged files of this process not yet moved into place or removed.
    static let unfinished = PathRegistry()

    /// Removes every temporary file this process has not finished (``AtomicOutput`` and ``OutputSet``), for a
    /// process that is about to end on Ctrl-C or SIGTERM: no partial file stays behind, not even a hidden one.
    /// Destinations are untouched.
    public static func removeUnfinishedFiles() {
        for path in unfinished.all() { unlink(path) }
    }

    deinit { abandon() }

    /// Destinations (canonical paths) the user allowed to replace although they are read-only.
    private final class Permissions: @unchecked Sendable {
        // @unchecked: `paths` is only touched while `lock` is held.
        let lock = NSLock()
        var paths: Set<String> = []
    }

    private static let permissions = Permissions()

    /// Allows this process to replace `destination` even when it is read-only (the commands' `--force`).
    public static func permitReplacingReadOnly(_ destination: String) {
        let canonical = ResolvedPath.canonicalPath(destination)
        permissions.lock.lock()
        permissions.paths.insert(canonical)
        permissions.lock.unlock()
    }

    static func mayReplaceReadOnly(_ destination: String) -> Bool {
        let canonical = ResolvedPath.canonicalPath(destination)
        permissions.lock.lock()
        defer { permissions.lock.unlock() }
        return permissions.paths.contains(canonical)
    }

    /// Writes `data` to `destination` atomically.
    public static func write(_ data: Data, to destination: String) throws(SynkError) {
        let output = try AtomicOutput(destination: destination)
        do {
            try data.write(to: URL(fileURLWithPath: output.temporaryPath))
        } catch {
            output.abandon()
            throw .output(destination, "write failed: \(error.localizedDescription)")
        }
        try output.commit()
    }

    /// Writes `text` as UTF-8 to `destination` atomically.
    public static func write(text: String, to destination: String) throws(SynkError) {
        try write(Data(text.utf8), to: destination)
    }
}

/// Several output files that appear together or not at all: a simulated recording with its ground truth and BIDS
/// sidecars, where one file without the others would mislead.
///
/// Each file is first written whole under a hidden staging name in its destination's folder (``stage(_:)`` gives
/// the name to hand to any writer, ``stage(_:as:)`` writes bytes); nothing appears under a destination until
/// ``commit()``, which moves every staged file into place. When a move fails, the moves already made are undone:
/// a file that did not exist before is removed again and a file that was replaced is restored (from a hard link
/// kept until the commit succeeds). An abandoned set (an error before the commit, or deinit) removes its staged
/// files and leaves every destination untouched.
public final class OutputSet {
    private var staged: [(destination: String, staging: String)] = []
    private var finished = false

    public init() {}

    /// The hidden path to write `destination`'s content to: `.synk-staged-PID-N.NAME` in the same folder (so the
    /// final rename stays on one file system, and the name keeps its extension). Checks the destination as
    /// ``AtomicOutput`` does (folder exists and is writable, an existing file is a regular, writable one).
    public func stage(_ destination: String) throws(SynkError) -> String {
        let url = URL(fileURLWithPath: destination)
        let probe = try AtomicOutput(destination: destination)
        probe.abandon()
        let unique = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000)"
        let staging = url.deletingLastPathComponent().appendingPathComponent(".synk-staged-\(unique).\(url.lastPathComponent)").path
        staged.append((destination, staging))
        AtomicOutput.unfinished.insert(staging)
        return staging
    }

    /// Stages `data` as the content of `destination`.
    public func stage(_ data: Data, as destination: String) throws(SynkError) {
        let staging = try stage(destination)
        do { try data.write(to: URL(fileURLWithPath: staging)) } catch {
            abandon()
            throw .output(destination, "write failed: \(error.localizedDescription)")
        }
    }

    /// Moves every staged file into place, all or none.
    public func commit() throws(SynkError) {
        guard !finished else { return }
        var moved: [(destination: String, backup: String?)] = []
        func undo() {
            for (destination, backup) in moved.reversed() {
                if let backup { rename(backup, destination) } else { unlink(destination) }
            }
            abandon()
        }
        for (index, (destination, staging)) in staged.enumerated() {
            do {
                try FileSafety.checkExistingOutput(destination, force: AtomicOutput.mayReplaceReadOnly(destination))
            } catch {
                undo()
                throw error
            }
            var backup: String?
            // A replaced regular file or symbolic link is kept under a second name until every move succeeded.
            if [.regular, .symbolicLink].contains(ResolvedPath(destination).entryKind) {
                let candidate = staging + ".backup"
                if link(destination, candidate) == 0 { backup = candidate }
            }
            if rename(staging, destination) != 0 {
                let reason = String(cString: strerror(errno))
                if let backup { unlink(backup) }
                undo()
                throw .output(destination, "could not move the finished file into place: \(reason)",
                              hint: index > 0 ? "the \(index) files moved before it were taken back" : nil)
            }
            moved.append((destination, backup))
        }
        for case let (_, backup?) in moved { unlink(backup) }
        for (_, staging) in staged { AtomicOutput.unfinished.remove(staging) }
        finished = true
    }

    /// Removes every staged file; no destination is touched.
    public func abandon() {
        guard !finished else { return }
        for (_, staging) in staged {
            unlink(staging)
            AtomicOutput.unfinished.remove(staging)
        }
        finished = true
    }

    deinit { abandon() }
}

/// A set of paths behind a lock (the unfinished outputs of this process).
final class PathRegistry: @unchecked Sendable {
    // @unchecked: `paths` is only touched while `lock` is held.
    private let lock = NSLock()
    private var paths: Set<String> = []

    func insert(_ path: String) {
        lock.lock()
        paths.insert(path)
        lock.unlock()
    }

    func remove(_ path: String) {
        lock.lock()
        paths.remove(path)
        lock.unlock()
    }

    func all() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return Array(paths)
    }
}
