import Foundation
import SynkCore
import Testing
@testable import SynkIO

/// Well-formed HDF5 files with values synk did not expect, which once crashed synk's own code (not libhdf5's).
@Suite("HDF5Reader: unexpected but well-formed values are read or refused, never a crash")
struct HDF5ReaderRobustnessTests {
    @Test("an NWB starting_time stored as an array (NWB prescribes a scalar) is not read into one value; rate and samples are")
    func nwbArrayStartingTime() throws {
        let directory = HDF5Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try HDF5Library.locked {
            try HDF5HostileFiles.nwbWithArrayStartingTime(directory.appendingPathComponent("array_start.h5").path,
                                                          frames: 300, startingTimes: 100_000)
        }
        let recording = try HDF5Reader(path: path).readAll(blockFrames: 64)
        #expect(recording.header.source?.format == .nwb)
        #expect(recording.header.sampleRate == 1000)
        #expect(recording.header.frameCount == 300)
        // Which of 100 000 values would be "the" start is unknowable: none is reported rather than a guess.
        #expect(recording.header.metadata["nwb_starting_time_s"] == nil)
        let first: [Float] = (0..<300).map { Float($0) }
        let second: [Float] = (0..<300).map { Float(1000 + $0) }
        #expect(recording.samples == [first, second])
    }

    @Test("OpenSignals resolutions no integer holds (NaN, 1e300) are unknown bits ('?') and give no range; 12 bits give 0…4095")
    func openSignalsResolutionOutOfRange() throws {
        let directory = HDF5Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try HDF5Library.locked {
            try HDF5HostileFiles.openSignals(directory.appendingPathComponent("resolution.h5").path, resolutions: [.nan, 1e300, 12])
        }
        let recording = try HDF5Reader(path: path).readAll()
        #expect(recording.header.source?.format == .openSignalsHDF5)
        #expect(recording.header.metadata["resolution_bits"] == "?,?,12")
        #expect(recording.header.channels.map(\.physicalRange) == [nil, nil, 0...4095])
        let ramp: [Float] = (0..<100).map { Float($0) }
        #expect(recording.samples == [ramp, ramp, ramp])
    }
}
