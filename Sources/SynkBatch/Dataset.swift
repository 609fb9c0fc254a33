import Foundation
import SynkCore
import SynkIO

/// One recording to analyse in a batch, with the options a manifest may give it.
public struct BatchItem: Sendable, Hashable, Codable {
    /// Path relative to the dataset root or the manifest's folder (the stable identity of the item across
    /// runs and shards), lexically normalised (`./a/../b.wav` is `b.wav`).
    public var relativePath: String
    public var absolutePath: String
    /// Per-file options from a manifest (e.g. `affected`, `montage`, `events`, `rate`).
    public var options: [String: String]
    /// BIDS entities parsed from the file name (`sub`, `ses`, `task`, `run`, `acq`).
    public var entities: [String: String]
    /// The folder this item's relative paths (its own and its manifest options') are relative to: the
    /// manifest's folder, or the dataset folder that was scanned.
    public var rootDirectory: String
    /// Why the file cannot be analysed, found while scanning (a name that is not UTF-8, a symbolic link to a
    /// missing file, a FIFO); each of its analyses then fails with this reason, listed in `errors.csv`.
    public var problem: String?

    public init(relativePath: String, absolutePath: String, options: [String: String] = [:], rootDirectory: String? = nil,
                problem: String? = nil) {
        self.relativePath = relativePath
        self.absolutePath = absolutePath
        self.options = options
        entities = BatchItem.bidsEntities(of: relativePath)
        if let rootDirectory {
            self.rootDirectory = rootDirectory
        } else if absolutePath.hasSuffix("/" + relativePath) {
            self.rootDirectory = String(absolutePath.dropLast(relativePath.count + 1))
        } else {
            self.rootDirectory = URL(fileURLWithPath: absolutePath).deletingLastPathComponent().path
        }
        self.problem = problem
    }

    /// BIDS entities (`key-value` pairs separated by `_`) of a file name; directories are ignored.
    public static func bidsEntities(of path: String) -> [String: String] {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var entities: [String: String] = [:]
        for part in name.split(separator: "_") {
            let kv = part.split(separator: "-", maxSplits: 1)
            if kv.count == 2, ["sub", "ses", "task", "acq", "run", "rec", "recording"].contains(String(kv[0])) {
                entities[String(kv[0])] = String(kv[1])
            }
        }
        return entities
    }

    /// A file-system-safe key for the item's result files, unique per relative path.
    public var resultKey: String { Self.resultKey(for: relativePath) }

    /// The key of `relativePath`: the path with every character but letters, digits, `-`, `_` and `.` made
    /// `_`, never starting with a dot (a hidden name is skipped by listings, however the path is written:
    /// `../a.h5`), cut to 160 bytes, then `.` and 8 hex digits of the path's SHA-256 (so that paths made alike
    /// by the cleaning stay apart; ``DatasetScanner`` refuses a dataset where two keys would still meet).
    public static func resultKey(for relativePath: String) -> String {
        var safe = String(relativePath.map { ch -> Character in ch.isLetter || ch.isNumber || "-._".contains(ch) ? ch : "_" })
        var leading = 0
        for ch in safe { if ch == "." { leading += 1 } else { break } }
        if leading > 0 { safe = String(repeating: "_", count: leading) + safe.dropFirst(leading) }
        while safe.utf8.count > 160 { safe.removeLast() }
        return safe + "." + String(SHA256.hex(of: Array(relativePath.utf8)).prefix(8))
    }

    /// The key earlier synk versions gave `relativePath` (a hidden name for paths starting with a dot);
    /// ``BatchMerger`` still accounts for records stored under it.
    static func legacyResultKey(for relativePath: String) -> String {
        let safe = relativePath.map { ch -> Character in ch.isLetter || ch.isNumber || "-._".contains(ch) ? ch : "_" }
        return String(safe) + "." + String(SHA256.hex(of: Array(relativePath.utf8)).prefix(8))
    }
}

/// A file a folder scan did not analyse, and why (listed in `skipped.csv`).
public struct SkippedFile: Sendable, Hashable, Codable {
    /// The path relative to the scanned folder (bytes that are not UTF-8 shown as `\xNN`).
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// What a dataset holds: the items to analyse, and every other file found that is not a BIDS sidecar or
/// dataset file, with why it is not analysed.
public struct DatasetScan: Sendable {
    public var items: [BatchItem]
    public var skipped: [SkippedFile]
}

/// Finds the recordings of a dataset: a folder (recursive), a BIDS root, or a manifest CSV.
///
/// A folder is walked with symbolic links followed (DataLad and git-annex datasets link every recording
/// into `.git/annex`; the dataset folder itself may be a link), each folder entered once (a link back to a
/// folder already walked is listed as skipped, so a loop ends). Names starting with a dot are not part of the
/// dataset (as BIDS tools ignore them). A folder holding synk batch results — the run's own output folder,
/// or any folder with a results marker or a `records/` folder of batch records — is never scanned.
///
/// Files are recognised by content. A file that is not a recording synk recognises is analysed anyway when
/// its extension says it should be one (`.wav`, `.h5`, `.edf`, `.csv`, ...), so that an empty, damaged or
/// unreadable recording fails visibly in `errors.csv`; any other such file is listed in `skipped.csv`.
public enum DatasetScanner {
    /// BIDS sidecars and dataset files: never recordings themselves, and not listed as skipped.
    static func isSidecar(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower.hasPrefix(".") { return true }
        // BIDS top-level files: README, CHANGES, LICENSE, CITATION.cff in any format; the tables and their JSON.
        let stem = String(lower.split(separator: ".", maxSplits: 1).first ?? "")
        if ["readme", "changes", "license", "citation"].contains(stem) { return true }
        if ["participants", "samples", "genetic_info", "phenotype"].contains(stem), lower.hasSuffix(".tsv") { return true }
        let suffixes = ["_channels.tsv", "_events.tsv", "_electrodes.tsv", "_scans.tsv", "_sessions.tsv",
                        "participants.tsv", ".json", ".md", ".txt.gz", ".pdf", ".html", ".png", ".svg", ".log",
                        "readme", "changes", "license", ".py", ".sh"]
        return suffixes.contains { lower.hasSuffix($0) }
    }

    /// Extensions of the formats synk reads: a file with one of them that synk cannot read is an error of the
    /// batch, not a file to pass over.
    static let recordingExtensions: Set<String> = ["wav", "w64", "rf64", "bw64", "flac", "caf", "h5", "hdf5", "hdf", "he5", "nwb",
                                                   "edf", "bdf", "csv", "tsv", "txt"]

    static func hasRecordingExtension(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return recordingExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// The name of the marker file a batch writes into its results folder.
    public static let resultsMarker = ".synk-batch-results"

    /// Whether `folder` holds the results of a synk batch: the marker, or a `records/` folder with a batch
    /// record in it (results written before the marker existed).
    public static func isBatchResultsFolder(_ folder: String) -> Bool {
        if ResolvedPath(folder + "/" + resultsMarker).kind == .regular { return true }
        let records = folder + "/records"
        guard ResolvedPath(records).kind == .directory,
              let names = try? FileManager.default.contentsOfDirectory(atPath: records) else { return false }
        for name in names.sorted().prefix(3) where name.hasSuffix(".json") {
            if let data = FileManager.default.contents(atPath: records + "/" + name),
               (try? JSONDecoder().decode(BatchRecord.self, from: data)) != nil { return true }
        }
        return false
    }

    /// The sorted items of `path`: a manifest when it is a file, else a folder.
    public static func scan(_ path: String) throws(SynkError) -> [BatchItem] {
        try scanDataset(path).items
    }

    /// The items of `path` (a manifest when it is a file, else a folder) and, for a folder, the files passed
    /// over with the reason. `excluding` is the run's own results folder, never scanned.
    public static func scanDataset(_ path: String, excluding: String? = nil) throws(SynkError) -> DatasetScan {
        let resolved = ResolvedPath(path)
        switch resolved.kind {
        case .directory:
            return try scanFolderReportingSkipped(path, excluding: excluding)
        case .regular:
            return DatasetScan(items: try readManifest(path), skipped: [])
        case .missing:
            if resolved.entryKind == .symbolicLink { throw .input(path, "a symbolic link to nothing") }
            throw .input(path, "no such file or directory")
        default:
            throw .input(path, "is a \(resolved.kind.rawValue): a dataset is a folder or a manifest CSV file")
        }
    }

    /// Every file under `root` that synk recognises as a recording, sorted by relative path.
    public static func scanFolder(_ root: String) throws(SynkError) -> [BatchItem] {
        try scanFolderReportingSkipped(root, excluding: nil).items
    }

    static func scanFolderReportingSkipped(_ root: String, excluding: String?) throws(SynkError) -> DatasetScan {
        let rootPath = URL(fileURLWithPath: root).standardizedFileURL.path
        let rootResolved = ResolvedPath(rootPath)
        guard rootResolved.kind == .directory, let rootIdentity = rootResolved.identity else {
            throw .input(root, "not a folder")
        }
        let excludedIdentity = excluding.flatMap { ResolvedPath($0).identity }
        var items: [BatchItem] = []
        var skipped: [SkippedFile] = []
        var visited: [FileIdentity: String] = [rootIdentity: "."]
        // Depth first with an explicit stack: a deep tree cannot exhaust the call stack.
        var pending: [(absolute: String, relative: String)] = [(rootPath, "")]
        while let (folder, relativeFolder) = pending.popLast() {
            let listing: [[UInt8]]
            do { listing = try rawNames(in: folder) } catch {
                skipped.append(SkippedFile(path: relativeFolder.isEmpty ? "." : relativeFolder, reason: error.problem))
                continue
            }
            var subfolders: [(String, String)] = []
            for raw in listing {
                guard let name = String(validating: raw, as: UTF8.self), !name.contains("\0") else {
                    // Swift paths are UTF-8: such a file cannot be opened, so it is reported, never passed over silently.
                    let shown = escaped(raw)
                    let relative = relativeFolder.isEmpty ? shown : relativeFolder + "/" + shown
                    let reason = "the file name is not valid UTF-8; synk opens files whose names are UTF-8 (rename it)"
                    if hasRecordingExtension(shown) {
                        items.append(BatchItem(relativePath: relative, absolutePath: folder + "/" + shown, rootDirectory: rootPath, problem: reason))
                    } else {
                        skipped.append(SkippedFile(path: relative, reason: reason))
                    }
                    continue
                }
                if name.hasPrefix(".") { continue }
                let absolute = folder == "/" ? "/" + name : folder + "/" + name
                let relative = relativeFolder.isEmpty ? name : relativeFolder + "/" + name
                let entry = ResolvedPath(absolute)
                switch entry.kind {
                case .directory:
                    guard let identity = entry.identity else { continue }
                    if identity == excludedIdentity || isBatchResultsFolder(absolute) { continue }
                    if let first = visited[identity] {
                        skipped.append(SkippedFile(path: relative, reason: "leads to the folder \(first) already scanned (a symbolic link loop or a second way to it)"))
                        continue
                    }
                    visited[identity] = relative
                    subfolders.append((absolute, relative))
                case .regular:
                    if isSidecar(name) { continue }
                    let recognised = entry.size > 0 && (try? FormatSniffer.family(ofFileAt: absolute)) != nil
                    if recognised || hasRecordingExtension(name) {
                        items.append(BatchItem(relativePath: relative, absolutePath: absolute, rootDirectory: rootPath))
                    } else {
                        skipped.append(SkippedFile(path: relative, reason: entry.size == 0 ? "an empty file" : "not a recording synk recognises (by its content)"))
                    }
                case .missing:
                    guard entry.entryKind == .symbolicLink else { continue }
                    let reason = "a symbolic link to a missing file (in a git-annex or DataLad dataset: fetch it with datalad get)"
                    if hasRecordingExtension(name) {
                        items.append(BatchItem(relativePath: relative, absolutePath: absolute, rootDirectory: rootPath, problem: reason))
                    } else if !isSidecar(name) {
                        skipped.append(SkippedFile(path: relative, reason: reason))
                    }
                default:
                    let reason = "a \(entry.kind.rawValue), not a regular file"
                    if hasRecordingExtension(name) {
                        items.append(BatchItem(relativePath: relative, absolutePath: absolute, rootDirectory: rootPath, problem: reason))
                    } else {
                        skipped.append(SkippedFile(path: relative, reason: reason))
                    }
                }
            }
            pending += subfolders.reversed()
        }
        items.sort { $0.relativePath < $1.relativePath }
        try refuseKeyCollisions(items)
        return DatasetScan(items: items, skipped: skipped.sorted { $0.path < $1.path })
    }

    /// The names in `folder` as raw bytes (a name need not be UTF-8), sorted.
    static func rawNames(in folder: String) throws(SynkError) -> [[UInt8]] {
        guard let directory = opendir(folder) else {
            throw .input(folder, "cannot list the folder: \(String(cString: strerror(errno)))")
        }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [UInt8] in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Bytes shown as text, those outside printable ASCII and valid UTF-8 as `\xNN`.
    static func escaped(_ bytes: [UInt8]) -> String {
        bytes.map { $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }.joined()
    }

    /// Two items whose result files would share a name: refused, so that no result can replace another.
    static func refuseKeyCollisions(_ items: [BatchItem]) throws(SynkError) {
        var seen: [String: String] = [:]
        for item in items {
            if let other = seen[item.resultKey] {
                throw .input(item.relativePath, "its results would be stored under the same name as those of \(other)",
                             hint: "rename one of the two files")
            }
            seen[item.resultKey] = item.relativePath
        }
    }

    /// A manifest: CSV with a header row and a `path` column (relative to the manifest's folder or
    /// absolute); every other column is a per-file option, whose relative paths are relative to the
    /// manifest's folder too. At most ``InputLimits/maximumManifestRows`` rows; a file listed twice (however
    /// its path is spelled) is refused.
    public static func readManifest(_ path: String) throws(SynkError) -> [BatchItem] {
        let table = try DelimitedTable.read(path: path, role: "manifest", delimiter: .comma, maximumRows: InputLimits.maximumManifestRows,
                                            maximumBytes: InputLimits.maximumManifestBytes, commentPrefix: "#")
        guard let pathColumn = table.column("path") else {
            throw .input(path, "the manifest has no 'path' column", place: "its header")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
        var items: [BatchItem] = []
        var seen: [String: Int] = [:]
        var seenIdentity: [FileIdentity: Int] = [:]
        let columns = table.columns
        for (cells, line) in zip(table.rows, table.lines) {
            let written = cells[pathColumn].trimmingCharacters(in: .whitespaces)
            guard !written.isEmpty else { throw .input(path, "an empty path", place: "line \(line)") }
            let relative = normalised(written)
            let absolute = relative.hasPrefix("/") ? relative : URL(fileURLWithPath: base + "/" + relative).standardizedFileURL.path
            if let first = seen[relative] {
                throw .input(path, "\(SynkError.quoted(written)) is listed twice (lines \(first) and \(line))", place: "line \(line)")
            }
            seen[relative] = line
            if let identity = ResolvedPath(absolute).identity {
                if let first = seenIdentity[identity] {
                    throw .input(path, "\(SynkError.quoted(written)) is the same file as the one on line \(first)", place: "line \(line)")
                }
                seenIdentity[identity] = line
            }
            var options: [String: String] = [:]
            for (c, name) in columns.enumerated() where c != pathColumn {
                let value = cells[c].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { options[name] = value }
            }
            items.append(BatchItem(relativePath: relative, absolutePath: absolute, options: options, rootDirectory: base))
        }
        items.sort { $0.relativePath < $1.relativePath }
        try refuseKeyCollisions(items)
        return items
    }

    /// `path` with `.` and empty components removed and each `name/..` pair cancelled; leading `..` stay
    /// (`./data/../a.wav` → `a.wav`, `../x/./a.wav` → `../x/a.wav`). Absolute paths stay absolute.
    static func normalised(_ path: String) -> String {
        var parts: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            if component == "..", path.hasPrefix("/") { continue }
            parts.append(component)
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

}

/// A deterministic 1/N share of a dataset: item i belongs to shard i mod N (items sorted by path).
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 0-based index, `0 ..< count`.
    public var index: Int
    public var count: Int

    public static let whole = Shard(index: 0, count: 1)

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `I/N` (1-based I, as users count: `--shard 1/4` … `4/4`).
    public init(parsing text: String) throws(SynkError) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else {
            throw .usage("--shard takes I/N with 1 ≤ I ≤ N, not '\(text)'")
        }
        self.init(index: i - 1, count: n)
    }

    /// The shard from Slurm's array variables, when they are set.
    public static func fromSlurm(environment: [String: String]) throws(SynkError) -> Shard? {
        guard let id = environment["SLURM_ARRAY_TASK_ID"], let count = environment["SLURM_ARRAY_TASK_COUNT"] else { return nil }
        guard let i = Int(id), let n = Int(count), n >= 1 else {
            throw .usage("SLURM_ARRAY_TASK_ID=\(id) / SLURM_ARRAY_TASK_COUNT=\(count) are not numbers")
        }
        // Arrays usually run 0..N-1 but may start at 1 (--array=1-N): take the id modulo N.
        let minimum = Int(environment["SLURM_ARRAY_TASK_MIN"] ?? "0") ?? 0
        return Shard(index: ((i - minimum) % n + n) % n, count: n)
    }

    public func select<T>(_ items: [T]) -> [T] {
        items.enumerated().filter { $0.offset % count == index }.map(\.element)
    }

    public var description: String { "\(index + 1)/\(count)" }
}
