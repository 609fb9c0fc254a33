import Foundation
import Testing
import SynkCore

@Suite("SHA-256 matches the FIPS 180-4 test vectors")
struct SHA256Tests {
    @Test("empty input") func empty() {
        #expect(SHA256.hex(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("\"abc\"") func abc() {
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("two-block message") func twoBlocks() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(SHA256.hex(of: Array(message.utf8)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("a million 'a's, fed in uneven pieces") func million() {
        var hasher = SHA256()
        var fed = 0
        var piece = 1
        while fed < 1_000_000 {
            let n = min(piece, 1_000_000 - fed)
            hasher.update([UInt8](repeating: 0x61, count: n))
            fed += n
            piece = piece * 3 % 9973 + 1
        }
        #expect(hasher.finalizeHex(byteCount: 1_000_000) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("a file: the system library (when present) and the portable code give the FIPS digest")
    func file() throws {
        // 1,000,000 × 'a' (FIPS 180-4 long-message vector), written to a temporary file.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("synk-sha-\(ProcessInfo.processInfo.processIdentifier).bin").path
        FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x61, count: 1_000_000))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(try SHA256.hexOfFile(atPath: path) == expected)
        #expect(try SHA256.hexOfFile(atPath: path, allowSystemLibrary: false) == expected)
    }
}
