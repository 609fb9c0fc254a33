import CHDF5
import SynkCore

/// Where the samples are and how raw values become physical ones (`value · gain + offset`, per channel).
/// The datasets stay open as long as the layout does (and with them the file).
struct HDF5SampleLayout {
    enum Storage {
        /// One 2-D dataset; `transposed` when it is stored [channels × samples]. A 1-D dataset is one channel.
        case matrix(dataset: HDF5Dataset, name: String, rank: Int, transposed: Bool)
        /// One 1-D (or [n × 1]) dataset per channel.
        case columns(datasets: [HDF5Dataset], names: [String], ranks: [Int])
    }

    var storage: Storage
    var channelCount: Int
    var gains: [Double]
    var offsets: [Double]

    /// Reads frames `first ..< first + count` of every channel. Call holding the HDF5 lock.
    func read(first: Int, count: Int, path: String) throws(SynkError) -> [[Float]] {
        var output = [[Float]](repeating: [], count: channelCount)
        let start = UInt64(first), length = UInt64(count), channels = UInt64(channelCount)
        switch storage {
        case .matrix(let dataset, let name, let rank, let transposed):
            let values: [Double]?
            if rank == 1 {
                values = dataset.readDoubles(start: [start], count: [length])
            } else if transposed {
                values = dataset.readDoubles(start: [0, start], count: [channels, length])
            } else {
                values = dataset.readDoubles(start: [start, 0], count: [length, channels])
            }
            guard let values else { throw readFailure(path: path, name: name, first: first, count: count) }
            for c in 0..<channelCount {
                var channel = [Float](repeating: 0, count: count)
                let gain = gains[c], offset = offsets[c]
                for i in 0..<count {
                    let raw = (rank == 1 || transposed) ? values[c * count + i] : values[i * channelCount + c]
                    channel[i] = Float(raw * gain + offset)
                }
                try checkFinite(channel, path: path, name: name, channel: c, first: first)
                output[c] = channel
            }
        case .columns(let datasets, let names, let ranks):
            for c in 0..<channelCount {
                let slab = ranks[c] == 1
                    ? datasets[c].readDoubles(start: [start], count: [length])
                    : datasets[c].readDoubles(start: [start, 0], count: [length, 1])
                guard let values = slab else { throw readFailure(path: path, name: names[c], first: first, count: count) }
                let gain = gains[c], offset = offsets[c]
                let channel = values.map { Float($0 * gain + offset) }
                try checkFinite(channel, path: path, name: names[c], channel: c, first: first)
                output[c] = channel
            }
        }
        return output
    }

    private func readFailure(path: String, name: String, first: Int, count: Int) -> SynkError {
        .input(path, "could not read frames \(first)..<\(first + count)", place: name,
               hint: "the file may be truncated or corrupt")
    }

    /// synk never lets a NaN or infinity through silently: a file holding one is reported.
    private func checkFinite(_ channel: [Float], path: String, name: String, channel c: Int, first: Int) throws(SynkError) {
        if let bad = channel.withUnsafeBufferPointer({ SampleScan.firstNonFiniteIndex($0) }) {
            throw .input(path, "non-finite value (\(channel[bad])) at frame \(first + bad) of channel \(c + 1)",
                         place: name, hint: "the recording contains NaN or infinite samples")
        }
    }
}
