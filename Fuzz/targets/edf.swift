import Foundation
import SynkCore
import SynkIO

/// EDF/EDF+/BDF/BDF+ through EDFlib.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzSupport.write(UnsafeBufferPointer(start: data, count: size), name: "input.edf")
    if let reader = try? EDFReader(path: path) { FuzzSupport.drain(reader) }
    return 0
}
