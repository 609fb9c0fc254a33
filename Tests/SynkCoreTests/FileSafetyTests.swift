import Foundation
import Testing
@testable import SynkCore

/// The file rules every command applies before any work: inputs are regular files, an output is never an
/// input however its path is spelled, and outputs are regular files that may be replaced.
@Suite("File safety: path identity, regular inputs, outputs that never replace an input or a device")
struct FileSafetyTests {
    /// A fresh folder holding `x.wav` (a few bytes) and a subfolder `dir/`.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synk-safety-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("dir"), withIntermediateDirectories: true)
        try Data("RIFF....".utf8).write(to: url.appendingPathComponent("x.wav"))
        return url
    }

    static func kind(of error: any Error) -> SynkError.Kind? { (error as? SynkError)?.kind }

    @Test("paths that differ only in spelling, a symbolic link and a hard link name the same file; another file does not")
    func identity() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let x = root.appendingPathComponent("x.wav").path
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("link.wav").path, withDestinationPath: x)
        try FileManager.default.linkItem(atPath: x, toPath: root.appendingPathComponent("hard.wav").path)
        try Data("other".utf8).write(to: root.appendingPathComponent("y.wav"))
        let original = ResolvedPath(x)
        for spelling in [root.path + "/./x.wav", root.path + "/dir/../x.wav", root.path + "//x.wav",
                         root.appendingPathComponent("link.wav").path, root.appendingPathComponent("hard.wav").path] {
            #expect(ResolvedPath(spelling).isSameFile(as: original), "\(spelling)")
        }
        #expect(!ResolvedPath(root.appendingPathComponent("y.wav").path).isSameFile(as: original))
        // A file that does not exist yet is compared by its canonical path.
        let missing = ResolvedPath(root.path + "/dir/../new.wav")
        #expect(missing.identity == nil && missing.canonical == ResolvedPath.canonicalPath(root.path) + "/new.wav")
        #expect(missing.isSameFile(as: ResolvedPath(root.appendingPathComponent("new.wav").path)))
    }

    @Test("a FIFO, a socket, a character device, a folder, a missing file and a dangling link are not inputs (exit 3); a regular file is")
    func regularInputs() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let fifo = root.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let socketPath = root.appendingPathComponent("sock").path
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in socketPath.utf8.enumerated() where i < raw.count - 1 { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("dangling").path, withDestinationPath: "nowhere")
        let cases: [(String, String)] = [
            (fifo, "is a FIFO (named pipe), not a regular file"), (socketPath, "is a socket, not a regular file"),
            ("/dev/null", "is a character device, not a regular file"), (root.appendingPathComponent("dir").path, "is a directory"),
            (root.appendingPathComponent("none.wav").path, "no such file"),
            (root.appendingPathComponent("dangling").path, "symbolic link to a missing file"),
        ]
        for (path, problem) in cases {
            #expect(performing: { try RegularFile.require(path, role: "recording") }, throws: { error in
                let error = error as! SynkError
                return error.kind == .input && error.file == path && error.problem.contains(problem)
            })
        }
        try RegularFile.require(root.appendingPathComponent("x.wav").path)
    }

    @Test("a small file is read whole; one above the stated limit is refused before it is read")
    func boundedContents() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("table.tsv").path
        try Data(repeating: 0x41, count: 1000).write(to: URL(fileURLWithPath: path))
        #expect(try RegularFile.contents(of: path, role: "events table", maximumBytes: 1000).count == 1000)
        #expect(performing: { try RegularFile.contents(of: path, role: "events table", maximumBytes: 999) }, throws: { error in
            (error as! SynkError).problem == "the events table is 1000 bytes; synk reads events tables of at most 999 bytes"
        })
    }

    @Test("an output that is an input, in any spelling, is a usage error (exit 2) naming both; two equal outputs too")
    func clashes() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let x = root.appendingPathComponent("x.wav").path
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("link.wav").path, withDestinationPath: x)
        for output in [x, root.path + "/./x.wav", root.path + "/dir/../x.wav", root.appendingPathComponent("link.wav").path] {
            #expect(performing: { try FileSafety.check(inputs: [x], outputs: [output]) }, throws: { error in
                let error = error as! SynkError
                return error.kind == .usage && error.exitCode == 2 && error.file == output && error.problem == "is the same file as the input \(x)"
            })
        }
        let out = root.appendingPathComponent("out.json").path
        #expect(performing: { try FileSafety.check(inputs: [x], outputs: [out, root.path + "/dir/../out.json"]) }, throws: { Self.kind(of: $0) == .usage })
        try FileSafety.check(inputs: [x], outputs: [out])
        #expect(!FileManager.default.fileExists(atPath: out))
        // Nothing left by the probe that tried the folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["dir", "link.wav", "x.wav"])
    }

    @Test("outputs: a missing folder, an uncreatable place, a folder, a FIFO or device, a read-only file are refused (exit 4); --force allows the read-only file")
    func outputs() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let fifo = root.appendingPathComponent("out.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let readOnly = root.appendingPathComponent("ro.json").path
        try Data("{}".utf8).write(to: URL(fileURLWithPath: readOnly))
        #expect(chmod(readOnly, 0o444) == 0)
        let refused: [(String, String)] = [
            (root.path + "/none/out.json", "folder \(root.path)/none does not exist"),
            ("/proc/x.json", "cannot create files in /proc"),
            (root.appendingPathComponent("dir").path, "is a directory"),
            (fifo, "is a FIFO (named pipe), not a regular file"),
            (readOnly, "exists and is read-only"),
        ]
        for (path, problem) in refused {
            #expect("\(path)", performing: { try FileSafety.check(inputs: [], outputs: [path]) }, throws: { error in
                let error = error as! SynkError
                return error.kind == .output && error.exitCode == 4 && error.file == path && error.problem.hasPrefix(problem)
            })
        }
        try FileSafety.check(inputs: [], outputs: [readOnly], force: true)
        try AtomicOutput.write(text: "{\"new\":1}", to: readOnly)
        #expect(try String(contentsOfFile: readOnly, encoding: .utf8) == "{\"new\":1}")
    }

    @Test("AtomicOutput itself never replaces a FIFO or a read-only file, and leaves no temporary file")
    func atomicOutputRefuses() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let fifo = root.appendingPathComponent("f.json").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let readOnly = root.appendingPathComponent("r.json").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: readOnly))
        #expect(chmod(readOnly, 0o444) == 0)
        for path in [fifo, readOnly] {
            #expect(performing: { try AtomicOutput.write(text: "new", to: path) }, throws: { Self.kind(of: $0) == .output })
        }
        #expect(ResolvedPath(fifo).kind == .fifo)
        #expect(try String(contentsOfFile: readOnly, encoding: .utf8) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["dir", "f.json", "r.json", "x.wav"])
    }

    @Test("error lines quote long fields by their start and length, and never exceed 1000 characters")
    func shortErrors() {
        let field = String(repeating: "x", count: 5 << 20)
        #expect(SynkError.quoted("soon") == "'soon'")
        #expect(SynkError.quoted(field) == "'\(String(repeating: "x", count: 60))…' (5242880 bytes)")
        #expect(SynkError.quoted("a\nb") == "'a?b'")
        let error = SynkError.input("events.tsv", "onset '\(field)' is not a number", place: "line 2")
        #expect(error.description.utf8.count <= SynkError.maximumLineLength + 60)
        #expect(error.description.hasPrefix("events.tsv: line 2: onset 'xxx"))
        #expect(error.description.hasSuffix("xxx' is not a number"))
        #expect(error.description.contains("bytes left out"))
    }
}
