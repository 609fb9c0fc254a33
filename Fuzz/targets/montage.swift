import Foundation
import SynkAnalysis
import SynkCore
import SynkIO

/// Montage files (JSON and channels.tsv), events and stimuli files given on the command line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let labels = ["OOc-L", "OOc-R", "OOr-L", "OOr-R", "ZYG-L", "ZYG-R", "ch7"]
    let contents = Data(bytes)
    _ = try? Montage(json: contents, file: "montage.json", recordingLabels: labels)
    _ = try? Montage(channelsTSV: String(decoding: contents, as: UTF8.self), file: "montage.tsv", recordingLabels: labels)
    let path = FuzzSupport.write(bytes, name: "events.tsv")
    _ = try? BIDSSidecars.readEvents(path)
    _ = try? StimuliFile.read(path)
    return 0
}
