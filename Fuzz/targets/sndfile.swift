import Foundation
import SynkCore
import SynkIO

/// WAV/W64/RF64/FLAC/CAF through libsndfile and synk's metadata parser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzSupport.write(UnsafeBufferPointer(start: data, count: size), name: "input.wav")
    if let reader = try? SndFileReader(path: path) { FuzzSupport.drain(reader) }
    return 0
}
