import Foundation
import SynkCore
import SynkIO

/// One recording to analyse in a batch, with the options a manifest may give it.
public struct BatchItem: Sendable, Hashable, Codable {
    /// Path relative to the dataset root (the stable identity of the item across runs and shards).
    public var relativePath: String
    public var absolutePath: String
    /// Per-file options from a manifest (e.g. `affected`, `montage`, `events`, `rate`).
    public var options: [String: String]
    /// BIDS entities parsed from the file name (`sub`, `ses`, `task`, `run`, `acq`).
    public var entities: [String: String]

    public init(relativePath: String, absolutePath: String, options: [String: String] = [:]) {
        self.relativePath = relativePath
        self.absolutePath = absolutePath
        self.options = options
        entities = BatchItem.bidsEntities(of: relativePath)
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
    public var resultKey: String {
        let safe = relativePath.map { ch -> Character in ch.isLetter || ch.isNumber || "-._".contains(ch) ? ch : "_" }
        // A short hash keeps keys unique where sanitising made two paths alike.
        return String(safe) + "." + String(SHA256.hex(of: Array(relativePath.utf8)).prefix(8))
    }
}

/// Finds the recordings of a dataset: a folder (recursive), a BIDS root, or a manifest CSV.
public enum DatasetScanner {
    /// Sidecars and dataset files that are never recordings themselves.
    static func isSidecar(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower.hasPrefix(".") { return true }
        let suffixes = ["_channels.tsv", "_events.tsv", "_electrodes.tsv", "_scans.tsv", "_sessions.tsv",
                        "participants.tsv", ".json", ".md", ".txt.gz", ".pdf", ".html", ".png", ".svg", ".log",
                        "readme", "changes", "license", ".py", ".sh"]
        return suffixes.contains { lower.hasSuffix($0) }
    }

    /// The sorted items of `path`: a manifest when it is a CSV file with a `path` column, else a folder.
    public static func scan(_ path: String) throws(SynkError) -> [BatchItem] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .input(path, "no such file or directory")
        }
        return isDirectory.boolValue ? try scanFolder(path) : try readManifest(path)
    }

    /// Every file under `root` that synk recognises as a recording, sorted by relative path.
    public static func scanFolder(_ root: String) throws(SynkError) -> [BatchItem] {
        let rootURL = URL(fileURLWithPath: root).standardizedFileURL
        guard let enumerator = FileManager.default.enumerator(at: rootURL, includingPropertiesForKeys: [.isRegularFileKey],
                                                              options: [.skipsHiddenFiles]) else {
            throw .input(root, "cannot list the folder")
        }
        var items: [BatchItem] = []
        let prefix = rootURL.path.hasSuffix("/") ? rootURL.path : rootURL.path + "/"
        for case let url as URL in enumerator {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let name = url.lastPathComponent
            if isSidecar(name) { continue }
            let absolute = url.standardizedFileURL.path
            // Recognised from content; files synk cannot read (prose, images) are not part of the dataset.
            guard (try? FormatSniffer.family(ofFileAt: absolute)) != nil else { continue }
            let relative = absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
            items.append(BatchItem(relativePath: relative, absolutePath: absolute))
        }
        return items.sorted { $0.relativePath < $1.relativePath }
    }

    /// A manifest: CSV with a header row and a `path` column (relative to the manifest's folder or
    /// absolute); every other column is a per-file option.
    public static func readManifest(_ path: String) throws(SynkError) -> [BatchItem] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .input(path, "cannot read the manifest: \(error.localizedDescription)")
        }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }
        guard let headerLine = lines.first else { throw .input(path, "empty manifest") }
        let columns = CSVText.split(headerLine).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let pathColumn = columns.firstIndex(of: "path") else {
            throw .input(path, "the manifest has no 'path' column", place: "line 1")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        var items: [BatchItem] = []
        var seen = Set<String>()
        for (index, line) in lines.enumerated().dropFirst() {
            let cells = CSVText.split(line)
            guard cells.count == columns.count else {
                throw .input(path, "\(cells.count) fields where the header has \(columns.count)", place: "line \(index + 1)")
            }
            let relative = cells[pathColumn].trimmingCharacters(in: .whitespaces)
            let absolute = relative.hasPrefix("/") ? relative : base.appendingPathComponent(relative).standardizedFileURL.path
            guard seen.insert(relative).inserted else {
                throw .input(path, "'\(relative)' is listed twice", place: "line \(index + 1)")
            }
            var options: [String: String] = [:]
            for (c, name) in columns.enumerated() where c != pathColumn {
                let value = cells[c].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { options[name] = value }
            }
            items.append(BatchItem(relativePath: relative, absolutePath: absolute, options: options))
        }
        return items.sorted { $0.relativePath < $1.relativePath }
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
