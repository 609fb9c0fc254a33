import Foundation
import SynkCore
import SynkIO

/// EMG-BIDS sidecars. The input is split at the first two 0x1E bytes into `_emg.json`, `_channels.tsv`
/// and `_events.tsv` next to a recording name, then found and applied to a three-channel header.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let parts = bytes.split(separator: 0x1E, maxSplits: 2, omittingEmptySubsequences: false)
    let names = ["sub-01_task-smile_emg.json", "sub-01_task-smile_channels.tsv", "sub-01_task-smile_events.tsv"]
    for (index, name) in names.enumerated() {
        let path = "\(FuzzSupport.folder)/\(name)"
        if index < parts.count {
            _ = FileManager.default.createFile(atPath: path, contents: Data(parts[index]))
        } else {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
    let recording = "\(FuzzSupport.folder)/sub-01_task-smile_emg.wav"
    var header = RecordingHeader(
        source: SourceDescription(path: recording, format: .wav), sampleRate: 1000, frameCount: 100,
        channels: ["OOc-L", "OOc-R", "ZYG-L"].map { ChannelInfo.labelled($0, unit: .microvolt, kind: .emg) })
    if let sidecars = try? BIDSSidecars.find(nextTo: recording) { try? sidecars.apply(to: &header) }
    _ = try? ChannelsTSV.read(path: "\(FuzzSupport.folder)/\(names[1])")
    _ = try? BIDSSidecars.readEvents("\(FuzzSupport.folder)/\(names[2])")
    return 0
}
