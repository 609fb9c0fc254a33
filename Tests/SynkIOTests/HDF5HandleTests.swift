import CHDF5
import Foundation
import SynkCore
import Testing
@testable import SynkIO

/// What is open in the HDF5 library: HDF5's own count of objects tied to files (files, groups, datasets, named
/// datatypes, attributes) and synk's count of live ``HDF5Handle``s of every kind (transient dataspaces, datatypes
/// and property lists included, which HDF5 1.10 does not count for a caller).
private struct OpenIdentifiers: Equatable, CustomStringConvertible {
    var objects: [Int]
    var handles: [String: Int]

    /// Call holding the HDF5 lock, so that no other test's HDF5 work is counted.
    static func now() -> OpenIdentifiers {
        OpenIdentifiers(objects: HDF5Library.openObjectCounts(), handles: HDF5Library.openHandleCounts())
    }

    var description: String { "objects (file, dataset, group, datatype, attribute) \(objects), handles \(handles)" }
}

@Suite("HDF5 handles: every identifier is closed exactly once", .serialized)
struct HDF5HandleTests {
    @Test("a handle closes its identifier when its last reference goes; a failed HDF5 call makes no handle")
    func handleClosesItsIdentifier() throws {
        try HDF5Library.locked { () throws -> Void in
            #expect(HDF5Dataspace(-1) == nil)
            let before = HDF5Library.openHandleCounts()["dataspace", default: 0]
            var id: hid_t = -1
            do {
                let space = try #require(HDF5Dataspace.simple([4, 2]))
                id = space.id
                #expect(H5Iis_valid(space.id) > 0)
                #expect(space.elementCount == 8)
                #expect(HDF5Library.openHandleCounts()["dataspace", default: 0] == before + 1)
            }
            #expect(H5Iis_valid(id) <= 0, "identifier \(id) still open after its handle went")
            #expect(HDF5Library.openHandleCounts()["dataspace", default: 0] == before)
        }
    }

    @Test("an open reader holds exactly its sample datasets, no file identifier (the datasets keep the file open); dropping it closes them")
    func readerHoldsOnlyItsDatasets() throws {
        try HDF5Library.locked { () throws -> Void in
            let before = OpenIdentifiers.now()
            // (fixture, dataset, rate, datasets the layout keeps open)
            let cases: [(String, String?, Double?, Int)] = [
                ("synk_int16.h5", nil, nil, 1), ("nwb_rate.h5", nil, nil, 1), ("opensignals.h5", nil, nil, 2),
                ("generic.h5", "/other/transposed", 100, 1),
            ]
            for (file, dataset, rate, datasets) in cases {
                do {
                    let reader = try HDF5Reader(path: HDF5Fixtures.path(file), dataset: dataset, sampleRate: rate)
                    _ = try reader.readBlock(maxFrames: 10)
                    let open = OpenIdentifiers.now()
                    // H5F_OBJ_DATASET: `datasets` more than before; nothing else, not even the file's identifier.
                    var objects = before.objects
                    objects[1] += datasets
                    #expect(open.objects == objects, "\(file): \(open)")
                    var expected = before.handles
                    expected["dataset", default: 0] += datasets
                    #expect(open.handles == expected, "\(file): \(open)")
                    withExtendedLifetime(reader) {}
                }
                #expect(OpenIdentifiers.now() == before, "\(file) after the reader went")
            }
        }
    }

    @Test("reading every HDF5 fixture and hostile file, in every way, leaves no identifier open")
    func noIdentifierLeaks() throws {
        let directory = HDF5Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var files = try FileManager.default.contentsOfDirectory(atPath: HDF5Fixtures.directory.path)
            .filter { $0.hasSuffix(".h5") }.sorted().map(HDF5Fixtures.path)
        // The fuzzers' findings kept as hostile files, except those that kill or exhaust an in-process parse
        // inside libhdf5 itself (the CLI parses them in a child process; see that folder's README).
        let hostile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../SynkCLITests/Fixtures/hostile").standardized
        let inProcess = try FileManager.default.contentsOfDirectory(atPath: hostile.path).filter {
            $0.hasSuffix(".h5") && !$0.hasPrefix("fuzz-hdf5-libcrash-") && !$0.hasPrefix("fuzz-hdf5-vlen-alloc-")
        }
        #expect(inProcess.count >= 5)
        files += inProcess.sorted().map { hostile.appendingPathComponent($0).path }
        // Truncations of synk's own layout at every stage of the file (as the CLI hostile corpus cuts it).
        let synk = try Data(contentsOf: URL(fileURLWithPath: HDF5Fixtures.path("synk_int16.h5")))
        for cut in [512, 2048, 4096, synk.count / 2, synk.count - 1] {
            let path = directory.appendingPathComponent("cut\(cut).h5").path
            try synk.prefix(cut).write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        try HDF5Library.locked { () throws -> Void in
            files.append(try HDF5HostileFiles.cyclicLinks(directory.appendingPathComponent("cyclic-hard.h5").path, hard: true))
            files.append(try HDF5HostileFiles.cyclicLinks(directory.appendingPathComponent("cyclic-soft.h5").path, hard: false))
            files.append(try HDF5HostileFiles.unwrittenSynkData(directory.appendingPathComponent("unwritten.h5").path))

            let before = OpenIdentifiers.now()
            let ways: [(String?, Double?)] = [
                (nil, nil), ("/emg/data", nil), ("/emg/channels", 1000), ("/data", 1000), ("/recordings/matrix", 250),
                ("other/transposed", nil), ("/cube", 1), ("/bytes", 1), ("/notes", 1), ("/absent", 1),
                ("/acquisition/FacialEMG", nil), ("/acquisition/emg/data", 500), ("/a", 1),
            ]
            var outcomes: [String: Int] = [:]
            for path in files {
                for (dataset, rate) in ways {
                    do {
                        let reader = try HDF5Reader(path: path, dataset: dataset, sampleRate: rate)
                        _ = try reader.readAll(blockFrames: 97)
                        outcomes["read", default: 0] += 1
                    } catch {
                        outcomes["refused", default: 0] += 1
                    }
                    let now = OpenIdentifiers.now()
                    #expect(now == before, "\((path as NSString).lastPathComponent) dataset \(dataset ?? "-"): \(now), before \(before)")
                    if now != before { return }
                }
            }
            // Both ways through the code were taken many times.
            #expect(outcomes["read", default: 0] >= 10 && outcomes["refused", default: 0] >= 300, "\(outcomes)")
        }
    }
}

@Suite("HDF5 layouts: each recognises its own files, in the reader's order")
struct HDF5LayoutRecognitionTests {
    /// The layout that reads `file` (a fixture) with `dataset` named: the first of ``HDF5Reader/layouts`` to
    /// recognise it.
    private func layout(_ file: String, dataset: String? = nil) throws(SynkError) -> (any HDF5RecordingLayout)? {
        try HDF5Library.locked { () throws(SynkError) -> (any HDF5RecordingLayout)? in
            let input = try HDF5InputFile(opening: HDF5Fixtures.path(file))
            for kind in HDF5Reader.layouts {
                if let layout = try kind.recognise(input, dataset: dataset) { return layout }
            }
            return nil
        }
    }

    @Test("synk files by their synk_format attribute, also when /emg/data is named; another dataset is read as named")
    func synk() throws {
        #expect(try layout("synk_int16.h5") is HDF5SynkLayout)
        for name in ["/emg/data", "emg/data", "/emg", "emg"] {
            #expect(try layout("synk_int16.h5", dataset: name) is HDF5SynkLayout, "\(name)")
        }
        #expect((try layout("synk_int16.h5", dataset: "/emg/channels") as? HDF5DatasetLayout)?.requested == "/emg/channels")
        // A synk file without data is still synk's: the layout, not the dispatcher, reports what is missing.
        #expect(try layout("no_data.h5") is HDF5SynkLayout)
    }

    @Test("NWB: the first ElectricalSeries, or the one a dataset path names (group or its data)")
    func nwb() throws {
        let first = try layout("nwb_rate.h5") as? HDF5NWBLayout
        #expect(first?.series == "/acquisition/FacialEMG" && first?.others == [])
        for name in ["/acquisition/FacialEMG/data", "acquisition/FacialEMG", "/acquisition/FacialEMG"] {
            #expect((try layout("nwb_rate.h5", dataset: name) as? HDF5NWBLayout)?.series == "/acquisition/FacialEMG", "\(name)")
        }
        #expect((try layout("nwb_timestamps.h5") as? HDF5NWBLayout)?.series == "/acquisition/emg")
        // A path that is no series is read as a plain dataset.
        #expect(try layout("nwb_rate.h5", dataset: "/acquisition/FacialEMG/starting_time") is HDF5DatasetLayout)
    }

    @Test("OpenSignals: the device group named by its MAC address, only when no dataset is named")
    func openSignals() throws {
        let device = try layout("opensignals.h5") as? HDF5OpenSignalsLayout
        #expect(device?.device == "/00:07:80:3B:46:61" && device?.others == 0)
        #expect(try layout("opensignals.h5", dataset: "/00:07:80:3B:46:61/raw/channel_1") is HDF5DatasetLayout)
    }

    @Test("a file of no known layout is recognised by none; its candidates are the script's list of 2-D datasets")
    func noLayout() throws {
        #expect(try layout("generic.h5") == nil)
        #expect(try layout("generic.h5", dataset: "/recordings/matrix") is HDF5DatasetLayout)
        let candidates = try HDF5Library.locked { () throws(SynkError) -> [String] in
            HDF5DatasetLayout.candidates(in: try HDF5InputFile(opening: HDF5Fixtures.path("generic.h5")))
        }
        #expect(candidates == HDF5Fixtures.expected["generic_2d_datasets"] as? [String])
    }
}
