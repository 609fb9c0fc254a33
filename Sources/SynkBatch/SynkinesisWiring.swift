import Foundation
import SynkCore
import SynkIO
import SynkDSP
import SynkAnalysis

/// How a synkinesis run finds its montage, tasks and affected side; shared by `synk synkinesis` and
/// `synk batch` so both resolve them by the same precedence.
public enum SynkinesisWiring {
    /// `left`, `right`, `none` (also `L`, `R`, `links` … as ``Side`` parses them).
    public static func parseAffected(_ text: String) throws(SynkError) -> AffectedSide {
        if let side = AffectedSide(rawValue: text.lowercased()) { return side }
        if let side = Side(parsing: text) { return side == .left ? .left : .right }
        throw .usage("--affected takes left, right or none, not '\(text)'")
    }

    /// The montage, in order of precedence: `path` (montage JSON or BIDS channels.tsv), then the channel
    /// metadata and labels of the file. `affected` overrides the side the montage or the file states.
    public static func montage(for header: RecordingHeader, path: String?, affected: AffectedSide?) throws(SynkError) -> Montage {
        let labels = header.channels.map(\.label)
        var montage: Montage
        if let path {
            let data = try InputFile.contents(of: path, role: "montage", maximumBytes: InputLimits.maximumJSONBytes)
            let text = String(decoding: data, as: UTF8.self)
            if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
                montage = try Montage(json: data, file: path, recordingLabels: labels)
            } else {
                montage = try Montage(channelsTSV: text, file: path, recordingLabels: labels, affectedSide: nil)
            }
        } else {
            montage = try Montage(channels: header.channels, affectedSide: header.affectedSide)
            // A one-sided recording whose labels name muscles but no side (e.g. BIOPAC "Zyg Raw"): measure it
            // as a single side. The side comparison is then impossible, and the output says why.
            if montage.channels.isEmpty {
                let oneSided = header.channels.enumerated().compactMap { index, info -> MontageChannel? in
                    guard info.kind == .emg, info.side == nil, let muscle = info.muscle ?? ChannelPlacement(label: info.label).muscle else { return nil }
                    return MontageChannel(channelIndex: index, label: info.label, muscle: muscle, side: .left)
                }
                if !oneSided.isEmpty {
                    let note = MontageGap(muscle: nil, missingSide: nil, label: nil,
                                          reason: "no channel states a side: the \(oneSided.count) muscle channels are analysed as one side (listed as 'left'); no side comparison is possible")
                    montage = try Montage(channels: oneSided, affectedSide: nil, unmapped: [note])
                }
            }
        }
        if let affected { montage.affectedSide = affected } else if montage.affectedSide == nil { montage.affectedSide = header.affectedSide }
        return montage
    }

    /// Tasks from an events file when given, else the file's own events, else detected from bursts.
    public static func tasks(for header: RecordingHeader, eventsPath: String?) throws(SynkError) -> TaskSource {
        if let eventsPath { return .events(try BIDSSidecars.readEvents(eventsPath)) }
        return header.events.isEmpty ? .detect : .events(header.events)
    }

    /// Runs the synkinesis pipeline on an opened recording.
    ///
    /// - Parameters:
    ///   - file: the path the file is read from (for its hash).
    ///   - reportedPath: the path written into the result's `input.path` (defaults to `file`).
    public static func run(
        source: any SampleSource, file: String, reportedPath: String? = nil, montagePath: String?, eventsPath: String?,
        affected: AffectedSide?, conditioning: ConditioningDescription, parameters: SynkinesisParameters,
        sha256: String? = nil
    ) throws(SynkError) -> SynkinesisResult {
        let header = source.header
        let montage = try montage(for: header, path: montagePath, affected: affected)
        let tasks = try tasks(for: header, eventsPath: eventsPath)
        // The hash is computed while the pipeline streams the same file.
        let digest = sha256 == nil ? BackgroundFileDigest(path: file) : nil
        var result: SynkinesisResult
        do {
            result = try SynkinesisPipeline.run(source, montage: montage, tasks: tasks,
                                                input: InputDescription(path: reportedPath ?? file, sha256: sha256 ?? "", header: header),
                                                conditioning: conditioning, parameters: parameters)
        } catch {
            digest?.wait()   // never leave the hashing thread reading while the caller exits
            throw error
        }
        if let digest { result.input?.sha256 = try digest.value() }
        return result
    }
}
