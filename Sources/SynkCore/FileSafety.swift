import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a path names on disk, as `stat` (following symbolic links) sees it.
public enum FileKind: String, Sendable, Hashable {
    case regular = "regular file"
    case directory
    case fifo = "FIFO (named pipe)"
    case socket
    case characterDevice = "character device"
    case blockDevice = "block device"
    case symbolicLink = "symbolic link"
    case missing = "missing"
    case other = "special file"

    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFLNK: self = .symbolicLink
        default: self = .other
        }
    }
}

/// The identity of a file independent of how its path is spelled: device and inode number.
///
/// Two paths with the same identity are the same file, whether they differ in spelling (`./x.wav`,
/// `dir/../x.wav`), lead through symbolic links or are hard links of each other.
public struct FileIdentity: Hashable, Sendable, CustomStringConvertible {
    public let device: UInt64
    public let inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    public var description: String { "\(device):\(inode)" }
}

/// A path resolved against the file system: its canonical form (`realpath`), what it names and that file's
/// identity. Resolving never opens the file, so it cannot block on a FIFO or a device.
public struct ResolvedPath: Sendable, Hashable {
    /// The path as given.
    public let path: String
    /// `realpath` of the file; for a file that does not exist yet, `realpath` of its folder plus its name;
    /// when neither exists, the lexically standardised absolute path.
    public let canonical: String
    /// What the path names, following symbolic links (`.missing` when nothing, or a dangling link).
    public let kind: FileKind
    /// What the directory entry itself is, without following a symbolic link (`lstat`).
    public let entryKind: FileKind
    /// Device and inode of the file the path names (following links); nil when it does not exist.
    public let identity: FileIdentity?
    /// Size in bytes (following links); 0 when it does not exist.
    public let size: Int64
    /// The `errno` of a failed `stat` other than "no such file", e.g. `EACCES`; 0 otherwise.
    public let statError: Int32

    public init(_ path: String) {
        self.path = path
        var info = stat()
        var kind = FileKind.missing
        var identity: FileIdentity?
        var size: Int64 = 0
        var statError: Int32 = 0
        if stat(path, &info) == 0 {
            kind = FileKind(mode: info.st_mode)
            identity = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            size = Int64(info.st_size)
        } else if errno != ENOENT && errno != ENOTDIR {
            statError = errno
        }
        var linkInfo = stat()
        entryKind = lstat(path, &linkInfo) == 0 ? FileKind(mode: linkInfo.st_mode) : .missing
        self.kind = kind
        self.identity = identity
        self.size = size
        self.statError = statError
        canonical = ResolvedPath.canonicalPath(path)
    }

    /// Whether both paths name the same existing file (same device and inode), or — for files that do not
    /// exist — the same canonical path.
    public func isSameFile(as other: ResolvedPath) -> Bool {
        if let identity, let otherIdentity = other.identity { return identity == otherIdentity }
        return canonical == other.canonical
    }

    /// `realpath(path)`, else `realpath(folder)/name`, else the standardised absolute path.
    public static func canonicalPath(_ path: String) -> String {
        if let real = realPath(path) { return real }
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        if let folder = realPath(url.deletingLastPathComponent().path) {
            return folder == "/" ? "/" + name : folder + "/" + name
        }
        return url.standardizedFileURL.path
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// Checks on the files a command reads: they must be regular files (never a FIFO, socket, device or folder,
/// which could block a read forever or never end) and, for small files read whole, of a bounded size.
public enum RegularFile {
    /// Throws an `.input` error (exit 3) unless `path` names a regular file (following symbolic links).
    /// `role` names the file in the message (`recording`, `montage`, ...).
    public static func require(_ path: String, role: String? = nil) throws(SynkError) {
        try requireRegular(ResolvedPath(path), role: role)
    }

    static func requireRegular(_ resolved: ResolvedPath, role: String?) throws(SynkError) {
        let path = resolved.path
        let what = role.map { "the \($0)" } ?? "the input"
        switch resolved.kind {
        case .regular: return
        case .missing:
            if resolved.statError != 0 {
                throw .input(path, "cannot access \(what): \(String(cString: strerror(resolved.statError)))")
            }
            if resolved.entryKind == .symbolicLink {
                throw .input(path, "\(what) is a symbolic link to a missing file",
                             hint: "in a git-annex or DataLad dataset, fetch the content first (datalad get)")
            }
            throw .input(path, "no such file")
        case .directory:
            throw .input(path, "\(what) is a directory, not a file")
        default:
            throw .input(path, "\(what) is a \(resolved.kind.rawValue), not a regular file",
                         hint: "synk reads regular files only; copy the data to a file first")
        }
    }

    /// The whole content of a small file (a table, a JSON document): checked to be a regular file of at
    /// most `maximumBytes` before anything is read; `.input` errors (exit 3) name the file.
    public static func contents(of path: String, role: String, maximumBytes: Int) throws(SynkError) -> Data {
        let resolved = ResolvedPath(path)
        try requireRegular(resolved, role: role)
        guard resolved.size <= maximumBytes else {
            throw .input(path, "the \(role) is \(byteCount(Int(resolved.size))); synk reads \(role)s of at most \(byteCount(maximumBytes))",
                         hint: "is this the right file?")
        }
        // Non-blocking: if the file were swapped for a FIFO since the check, the read fails instead of waiting.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .input(path, "cannot open the \(role): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .input(path, "cannot read the \(role): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
            guard data.count <= maximumBytes else {
                throw .input(path, "the \(role) is larger than \(byteCount(maximumBytes)), the most synk reads")
            }
        }
        return data
    }

    /// `512 bytes`, `3.0 MiB`.
    static func byteCount(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) bytes" }
        if bytes < 1 << 20 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        if bytes < 1 << 30 { return String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        return String(format: "%.1f GiB", Double(bytes) / 1_073_741_824)
    }
}

/// The rules every command applies to its files before doing any work:
///
/// 1. every input is a regular file (exit 3 otherwise: a FIFO, socket, device or folder);
/// 2. no output is the same file as an input, however the paths are spelled, nor the same as another output
///    (exit 2);
/// 3. every output can be written: its folder exists and accepts new files, and an existing output is a regular
///    file that is not read-only, unless the user forces replacing read-only files (exit 4).
///
/// ``AtomicOutput`` applies rule 3 again when it writes, so library callers are protected too.
public enum FileSafety {
    /// Applies the three rules, in that order, to a command's inputs and outputs.
    public static func check(inputs: [String], outputs: [String], force: Bool = false) throws(SynkError) {
        let resolvedInputs = inputs.map(ResolvedPath.init)
        for input in resolvedInputs { try RegularFile.requireRegular(input, role: nil) }
        try refuseClashes(outputs: outputs, inputs: resolvedInputs)
        for output in outputs { try prepareOutput(output, force: force) }
    }

    /// Rule 2 alone: an output that is the same file as an input or as another output is a usage error.
    public static func refuseClashes(outputs: [String], inputs: [String]) throws(SynkError) {
        try refuseClashes(outputs: outputs, inputs: inputs.map(ResolvedPath.init))
    }

    static func refuseClashes(outputs: [String], inputs: [ResolvedPath]) throws(SynkError) {
        var seen: [ResolvedPath] = []
        for output in outputs.map(ResolvedPath.init) {
            if let input = inputs.first(where: { output.isSameFile(as: $0) }) {
                throw SynkError(.usage, file: output.path, "is the same file as the input \(input.path)",
                                hint: "choose another output name: synk never writes over an input")
            }
            if let other = seen.first(where: { output.isSameFile(as: $0) }) {
                throw SynkError(.usage, file: output.path, "is the same file as the output \(other.path)",
                                hint: "give each output its own name")
            }
            seen.append(output)
        }
    }

    /// Rule 3 alone for one output file: its folder exists and accepts new files (tried by creating and
    /// removing an empty hidden file), and an existing file there is a regular file, writable unless `force`.
    /// With `force`, ``AtomicOutput`` may later replace that read-only file. Throws `.output` (exit 4).
    public static func prepareOutput(_ path: String, force: Bool = false) throws(SynkError) {
        try checkExistingOutput(path, force: force)
        if force { AtomicOutput.permitReplacingReadOnly(path) }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try probeFolder(folder, for: path)
    }

    /// Rule 3 for a folder a command writes many files into (`synk batch -o RESULTS/`): it exists (or is
    /// created) and accepts new files. Throws `.output` (exit 4).
    public static func prepareOutputFolder(_ path: String) throws(SynkError) {
        let resolved = ResolvedPath(path)
        switch resolved.kind {
        case .directory: break
        case .missing:
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw .output(path, "cannot create the folder: \(error.localizedDescription)")
            }
        default:
            throw .output(path, "is a \(resolved.kind.rawValue), not a folder")
        }
        try probeFolder(path, for: path)
    }

    /// An existing destination must be a regular file (or a symbolic link, which a rename replaces without
    /// touching its target) that is writable, or read-only only when `force` is given.
    static func checkExistingOutput(_ path: String, force: Bool) throws(SynkError) {
        let resolved = ResolvedPath(path)
        switch resolved.entryKind {
        case .missing, .symbolicLink: return
        case .regular:
            if !force, isReadOnly(path) {
                throw .output(path, "exists and is read-only",
                              hint: "remove it, make it writable, or pass --force to replace it")
            }
        case .directory:
            throw .output(path, "is a directory")
        default:
            throw .output(path, "is a \(resolved.entryKind.rawValue), not a regular file",
                          hint: "synk writes regular files only and never replaces a device, FIFO or socket")
        }
    }

    /// Whether a regular file is read-only for this user. For root, whom permissions do not stop, a file
    /// without any write permission bit counts as read-only: someone marked it so.
    static func isReadOnly(_ path: String) -> Bool {
        if geteuid() == 0 {
            var info = stat()
            guard lstat(path, &info) == 0 else { return false }
            return info.st_mode & 0o222 == 0
        }
        return access(path, W_OK) != 0
    }

    /// Creates and removes an empty hidden file in `folder`: the only sure test that files can be created
    /// there (permissions, read-only mounts, `/proc`, a full inode table).
    static func probeFolder(_ folder: String, for output: String) throws(SynkError) {
        let resolved = ResolvedPath(folder)
        guard resolved.kind != .missing else { throw .output(output, "folder \(folder) does not exist") }
        guard resolved.kind == .directory else { throw .output(output, "\(folder) is not a folder") }
        let probe = (folder as NSString).appendingPathComponent(".synk-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .output(output, "cannot create files in \(folder): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        unlink(probe)
    }
}
