import Foundation
import SynkCore
import SynkIO

/// HDF5 (synk, NWB, OpenSignals and generic datasets) through libhdf5.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzSupport.write(UnsafeBufferPointer(start: data, count: size), name: "input.h5")
    if let reader = try? HDF5Reader(path: path) { FuzzSupport.drain(reader) }
    if let reader = try? HDF5Reader(path: path, dataset: "/data", sampleRate: 1000) { FuzzSupport.drain(reader) }
    return 0
}
