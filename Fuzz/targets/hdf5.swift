import Foundation
import SynkCore
import SynkIO

/// HDF5 (synk, NWB, OpenSignals and generic datasets) through libhdf5.
///
/// libhdf5 1.10 is not hardened against corrupt files: some make the library itself read through wild
/// pointers or allocate what they declare. The `synk` command contains that by parsing every HDF5 file in a
/// child process first (`HDF5Isolation`); this target does the same in a forked child
/// (`FuzzSupport.runInChild`), so that a crash, hang or runaway allocation inside libhdf5 is contained and
/// only a failure of synk's own code stops the fuzzer. Inputs the child parsed (or refused with a synk error)
/// are then parsed in-process, where the coverage of synk's reader is measured.
func parse(_ path: String) {
    if let reader = try? HDF5Reader(path: path) { FuzzSupport.drain(reader) }
    if let reader = try? HDF5Reader(path: path, dataset: "/data", sampleRate: 1000) { FuzzSupport.drain(reader) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzSupport.write(UnsafeBufferPointer(start: data, count: size), name: "input.h5")
    guard FuzzSupport.runInChild({ parse(path) }) == .finished else { return 0 }
    parse(path)
    return 0
}
