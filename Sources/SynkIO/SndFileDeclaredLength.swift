import Foundation

/// Reads how many bytes of sample data a sound file's header declares.
///
/// libsndfile quietly shortens a recording whose data chunk claims more bytes than the file holds (a
/// copy cut off, a recorder that crashed). synk reports that as truncation instead, so it needs the
/// declared size, which libsndfile does not expose; this walks the chunk headers of the containers
/// synk writes or commonly meets (RIFF/RIFX WAV, RF64/BW64, Sony Wave64, CAF).
enum SndFileDeclaredLength {
    /// The declared data size in bytes, the bytes per frame and where the data start, or `nil` when
    /// the header does not state a usable size (streamed files with size 0 or "unknown", other containers).
    static func declaredData(ofFileAt path: String) -> (dataBytes: UInt64, bytesPerFrame: UInt64, dataOffset: UInt64)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let reader = ChunkReader(handle: handle)
        guard let magic = reader.bytes(at: 0, count: 16) else { return nil }
        let id = String(decoding: magic[0..<4], as: UTF8.self)
        switch id {
        case "RIFF", "RIFX": return riff(reader, bigEndian: id == "RIFX")
        case "RF64", "BW64": return rf64(reader)
        case "riff": return wave64(reader)
        case "caff": return caf(reader)
        default: return nil
        }
    }

    private final class ChunkReader {
        let handle: FileHandle
        init(handle: FileHandle) { self.handle = handle }

        func bytes(at offset: UInt64, count: Int) -> [UInt8]? {
            do {
                try handle.seek(toOffset: offset)
                guard let data = try handle.read(upToCount: count), data.count == count else { return nil }
                return [UInt8](data)
            } catch { return nil }
        }
    }

    private static func little(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        for byte in bytes.reversed() { value = value << 8 | UInt64(byte) }
        return value
    }

    private static func big(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        return value
    }

    private static func riff(_ reader: ChunkReader, bigEndian: Bool) -> (UInt64, UInt64, UInt64)? {
        func number(_ bytes: ArraySlice<UInt8>) -> UInt64 { bigEndian ? big(bytes) : little(bytes) }
        var offset: UInt64 = 12
        var blockAlign: UInt64?
        for _ in 0..<1000 {
            guard let head = reader.bytes(at: offset, count: 8) else { return nil }
            let id = String(decoding: head[0..<4], as: UTF8.self)
            let size = number(head[4..<8])
            if id == "fmt ", let fmt = reader.bytes(at: offset + 8, count: 14) { blockAlign = number(fmt[12..<14]) }
            if id == "data" {
                guard let blockAlign, blockAlign > 0, size != 0, size != 0xFFFF_FFFF else { return nil }
                return (size, blockAlign, offset + 8)
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }

    private static func rf64(_ reader: ChunkReader) -> (UInt64, UInt64, UInt64)? {
        var offset: UInt64 = 12
        var blockAlign: UInt64?
        var ds64DataSize: UInt64?
        for _ in 0..<1000 {
            guard let head = reader.bytes(at: offset, count: 8) else { return nil }
            let id = String(decoding: head[0..<4], as: UTF8.self)
            let size = little(head[4..<8])
            if id == "ds64", let ds64 = reader.bytes(at: offset + 8, count: 16) { ds64DataSize = little(ds64[8..<16]) }
            if id == "fmt ", let fmt = reader.bytes(at: offset + 8, count: 14) { blockAlign = little(fmt[12..<14]) }
            if id == "data" {
                let declared = size == 0xFFFF_FFFF ? ds64DataSize : size
                guard let declared, let blockAlign, blockAlign > 0, declared != 0 else { return nil }
                return (declared, blockAlign, offset + 8)
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }

    /// Sony Wave64: 16-byte GUID chunk ids (the first four bytes spell the name) and 64-bit sizes that
    /// include the 24-byte chunk header; chunks are 8-byte aligned.
    private static func wave64(_ reader: ChunkReader) -> (UInt64, UInt64, UInt64)? {
        var offset: UInt64 = 40
        var blockAlign: UInt64?
        for _ in 0..<1000 {
            guard let head = reader.bytes(at: offset, count: 24) else { return nil }
            let id = String(decoding: head[0..<4], as: UTF8.self)
            let size = little(head[16..<24])
            guard size >= 24, size < 1 << 60 else { return nil }
            if id == "fmt ", let fmt = reader.bytes(at: offset + 24, count: 14) { blockAlign = little(fmt[12..<14]) }
            if id == "data" {
                guard let blockAlign, blockAlign > 0, size > 24 else { return nil }
                return (size - 24, blockAlign, offset + 24)
            }
            offset += (size + 7) / 8 * 8
        }
        return nil
    }

    /// Apple CAF: big-endian 64-bit chunk sizes; the data chunk starts with a 4-byte edit count and a
    /// size of -1 means "to the end of the file".
    private static func caf(_ reader: ChunkReader) -> (UInt64, UInt64, UInt64)? {
        var offset: UInt64 = 8
        var bytesPerFrame: UInt64?
        for _ in 0..<1000 {
            guard let head = reader.bytes(at: offset, count: 12) else { return nil }
            let id = String(decoding: head[0..<4], as: UTF8.self)
            let size = big(head[4..<12])
            if id == "desc", let desc = reader.bytes(at: offset + 12, count: 32) {
                let bytesPerPacket = big(desc[16..<20])
                let framesPerPacket = big(desc[20..<24])
                if framesPerPacket == 1, bytesPerPacket > 0 { bytesPerFrame = bytesPerPacket }
            }
            if id == "data" {
                guard size != UInt64.max, size > 4, let bytesPerFrame else { return nil }
                return (size - 4, bytesPerFrame, offset + 16)
            }
            guard size < 1 << 60 else { return nil }
            offset += 12 + size
        }
        return nil
    }
}
