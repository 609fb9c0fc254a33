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
    // A channels.tsv montage for a recording without labels of its own describes its channels by position, as a
    // sidecar does (`synk synkinesis --montage`).
    if let table = try? ChannelsTSV.read(path: path) {
        var header = RecordingHeader(sampleRate: 1000, frameCount: 10, channels: (1...7).map { ChannelInfo(label: "ch\($0)", unit: .unknown) })
        if (try? table.apply(to: &header, recordingPath: "rec.wav")) != nil { _ = try? Montage(channels: header.channels, affectedSide: nil) }
    }
    return 0
}
