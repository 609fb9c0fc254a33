import CHDF5
import Foundation
import SynkCore

/// Reads EMG recordings stored in HDF5 files, streaming them in blocks.
///
/// The flavour is recognised from the file's content and reported in `header.source.format`:
/// - ``FileFormat/synkHDF5``: synk's own layout (root attribute `synk_format = "emg-recording"`, `/emg/data`,
///   `/emg/channels`, optional `/events`, `/stimuli`, and `/metadata` string attributes; see design.md). Passing
///   `dataset: "/emg/data"` for such a file reads it the same way.
/// - ``FileFormat/nwb``: an NWB `ElectricalSeries` under `/acquisition/<name>/` (rate from `starting_time@rate` or a
///   uniform `timestamps` dataset; labels from the electrodes table).
/// - ``FileFormat/openSignalsHDF5``: a PLUX OpenSignals file (`/<MAC>/raw/channel_<n>`, raw ADC counts).
/// - ``FileFormat/hdf5Dataset``: any 1-D or 2-D numeric dataset named by `dataset:`.
///
/// Voltages are delivered in µV; OpenSignals raw data stays in `counts`; datasets without a unit keep their values.
/// Every HDF5 call runs under one global lock (serial HDF5 is not thread-safe; see `HDF5Library`). The file is
/// opened read-only and never modified.
public final class HDF5Reader: SampleSource {
    public let header: RecordingHeader
    private let path: String
    private let layout: HDF5SampleLayout
    private var position = 0

    /// Opens `path` and reads everything but the samples.
    ///
    /// - Parameters:
    ///   - dataset: the path of a dataset to read (`/group/data`); required for files that match no known layout.
    ///     For an NWB file it may name an `ElectricalSeries` group or its `data` to choose among several.
    ///   - sampleRate: the rate in Hz for a dataset that does not carry one; ignored when the file states its rate.
    /// - Throws: ``SynkError`` of kind `.input` naming the file and the dataset for anything unreadable or invalid.
    public init(path: String, dataset: String? = nil, sampleRate: Double? = nil) throws(SynkError) {
        self.path = path
        // Never a FIFO, socket or device: opening one could block or read forever.
        try RegularFile.require(path, role: "recording")
        let opened = try HDF5Library.locked { () throws(SynkError) -> HDF5Opened in
            try HDF5Reader.open(path: path, dataset: dataset, sampleRate: sampleRate)
        }
        header = opened.header
        layout = opened.layout
    }

    /// Reads up to `maxFrames` frames of every channel, converted to each channel's unit.
    public func readBlock(maxFrames: Int) throws(SynkError) -> SignalBlock? {
        guard maxFrames > 0, position < header.frameCount else { return nil }
        let count = min(maxFrames, header.frameCount - position)
        let first = position
        let channels = try HDF5Library.locked { () throws(SynkError) -> [[Float]] in
            try layout.read(first: first, count: count, path: path)
        }
        position += count
        return SignalBlock(firstFrame: first, channels: channels)
    }

    /// The layouts synk knows, in the order they are tried: the first that recognises the file reads it.
    static var layouts: [any HDF5RecordingLayout.Type] {
        [HDF5SynkLayout.self, HDF5NWBLayout.self, HDF5OpenSignalsLayout.self, HDF5DatasetLayout.self]
    }

    /// Recognises the file's layout and builds its header and sample layout. Call holding the HDF5 lock.
    static func open(path: String, dataset: String?, sampleRate: Double?) throws(SynkError) -> HDF5Opened {
        // The file handle goes when this returns, once the datasets the layout needs are open: HDF5 keeps the file
        // open while any of its objects is (default "weak" close degree), and closes it when the last one goes.
        let input = try HDF5InputFile(opening: path)
        var recognised: (any HDF5RecordingLayout)?
        for kind in layouts {
            recognised = try kind.recognise(input, dataset: dataset)
            if recognised != nil { break }
        }
        guard let recognised else {
            let candidates = HDF5DatasetLayout.candidates(in: input)
            let list = candidates.isEmpty ? "it holds no 2-D numeric dataset" : "2-D datasets found: " + candidates.prefix(20).joined(separator: ", ")
            throw input.fail(nil, "HDF5 file matches no known EMG layout (synk, NWB, OpenSignals); \(list)",
                             hint: "pass --dataset PATH --rate HZ to read one of them")
        }
        var opened = try recognised.open(input, sampleRate: sampleRate)
        try opened.header.validate()
        opened.header.source = SourceDescription(path: path, format: opened.header.source?.format ?? .hdf5Dataset)
        return opened
    }
}

/// One way of storing EMG in HDF5: it recognises files stored its way and reads their header and sample layout.
/// Both run holding the HDF5 lock.
protocol HDF5RecordingLayout {
    /// The layout of `input` if it is stored this way, else `nil`; throws when the file is clearly of this kind but
    /// holds nothing readable. `dataset` is the dataset the user named, if any.
    static func recognise(_ input: HDF5InputFile, dataset: String?) throws(SynkError) -> Self?

    /// Reads everything but the samples and opens the datasets that hold them.
    func open(_ input: HDF5InputFile, sampleRate: Double?) throws(SynkError) -> HDF5Opened
}

/// A recording's header and where its samples are.
struct HDF5Opened {
    var header: RecordingHeader
    var layout: HDF5SampleLayout
}
