import Foundation
import SynkCore
import SynkIO

/// The text formats: BIOPAC, labelled-channel, OpenSignals, CSV, TSV. The sniffer picks the format as
/// it does for users; inputs it does not recognise as text are also parsed as CSV with a given rate.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzSupport.write(UnsafeBufferPointer(start: data, count: size), name: "input.txt")
    var formats: [FileFormat] = [.csv]
    if let (family, format) = try? FormatSniffer.family(ofFileAt: path), family == .text { formats = [format, .tsv] }
    for format in formats {
        if let reader = try? TextRecordingReader(path: path, format: format, sampleRate: nil) { FuzzSupport.drain(reader) }
        if let reader = try? TextRecordingReader(path: path, format: format, sampleRate: 1000) { FuzzSupport.drain(reader) }
    }
    return 0
}
