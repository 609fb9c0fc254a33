import Foundation
import SynkCore

/// Shared by every fuzz target: the readers take paths, so each input is written to a private file
/// in a RAM-backed folder first.
enum FuzzSupport {
    static let folder: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(base)/synk-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

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
}
