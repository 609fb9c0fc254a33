import CEDFLib
import Foundation
import SynkCore

/// Writes EDF+ (16-bit) or BDF+ (24-bit) files through EDFlib, block by block, atomically.
///
/// - Every channel needs ``ChannelInfo/physicalRange``: it becomes the signal's physical minimum and
///   maximum, rounded outwards to a number the 8-character header field holds exactly, and is mapped
///   onto the full digital range (EDF −32768…32767, BDF −8388608…8388607). Values outside it clip;
///   samples are rounded to the nearest level. The quantisation step is `(max − min) / (digitalMax − digitalMin)`; the error
///   of a sample is at most half of it. ``write(_:to:bdf:)`` derives missing ranges from the data.
/// - Sample rate: the data-record duration is chosen (1 s if possible, else 2…60 s, else the longest
///   of 0.001…1 s in 10 µs steps) so that the samples per record are an integer; rates that allow none
///   are refused. The last record is padded by repeating the last sample and the true length is
///   stored in the annotation `synk:frames=N`, which ``EDFReader`` uses to trim.
/// - Labels (16 characters), units (8 characters: µV is written `uV`) and events (EDF+ annotations,
///   100 µs resolution, descriptions up to 40 characters as EDFlib allows) are stored; subject goes to
///   the patient code, session to the admin code, the affected side to the recording's additional
///   field as `affected_side=…`; an unknown start time is written as 01.01.85 00.00.00.
/// - Nothing appears at `path` until ``finish()`` succeeds.
public final class EDFWriter: SampleSink {
    static let framesAnnotationPrefix = "synk:frames="

    private let path: String
    private let header: RecordingHeader
    private let output: AtomicOutput
    private var handle: Int32 = -1
    /// Samples per data record.
    private let recordSamples: Int
    private let recordSeconds: Double
    /// One data record per channel of digital values, filled to `filled`.
    private var pending: [[Int32]]
    /// Per channel: physical units per digital step and the digital offset, exactly as a reader derives
    /// them from the header (`physical = step × (offset + digital)`).
    private let steps: [Double]
    private let offsets: [Double]
    private let digitalRange: (Int32, Int32)
    private var filled = 0
    private var framesWritten = 0
    private var recordsWritten = 0
    private let annotationSignals: Int

    /// Prepares an EDF+ (`bdf == false`) or BDF+ writer for `header`.
    public init(path: String, header: RecordingHeader, bdf: Bool) throws(SynkError) {
        self.path = path
        self.header = header
        let channelCount = header.channels.count
        guard channelCount > 0 else { throw .output(path, "cannot write a recording with no channels") }
        guard channelCount <= Int(EDFLIB_MAXSIGNALS) - 64 else {
            throw .output(path, "EDF holds at most \(Int(EDFLIB_MAXSIGNALS) - 64) signals here, the recording has \(channelCount)")
        }
        guard header.sampleRate.isFinite, header.sampleRate > 0 else {
            throw .output(path, "cannot write sample rate \(header.sampleRate) Hz")
        }
        let bytesPerSample = bdf ? 3 : 2
        guard let (units, samples) = Self.recordLayout(rate: header.sampleRate, channels: channelCount, bytesPerSample: bytesPerSample)
        else {
            throw .output(path, "a rate of \(header.sampleRate) Hz cannot be stored in EDF",
                          hint: "EDF needs an integer number of samples per data record of 0.001…60 s; resample or write WAV")
        }
        recordSamples = samples
        recordSeconds = Double(units) * 1e-5

        var ranges: [(Double, Double)] = []
        for channel in header.channels {
            guard let range = channel.physicalRange else {
                throw .output(path, "EDF needs a physical range for channel \(channel.label)",
                              hint: "set ChannelInfo.physicalRange, or use EDFWriter.write(_:to:bdf:) to derive it from the data")
            }
            guard range.lowerBound.isFinite, range.upperBound.isFinite, range.lowerBound < range.upperBound,
                  let low = Self.headerNumber(range.lowerBound, roundingUp: false),
                  let high = Self.headerNumber(range.upperBound, roundingUp: true), low < high
            else {
                throw .output(path, "channel \(channel.label): physical range \(range) cannot be stored in EDF's 8-character fields")
            }
            ranges.append((low, high))
        }

        // EDFlib stores one annotation per annotation signal per data record: reserve enough signals
        // for the events and the length annotation when the length is known in advance.
        let annotations = header.events.count + 1
        let expectedRecords = max(1, (header.frameCount + samples - 1) / samples)
        let neededSignals = (annotations + expectedRecords - 1) / expectedRecords
        guard neededSignals <= 64 else {
            throw .output(path, "\(header.events.count) events do not fit in \(expectedRecords) EDF data records",
                          hint: "EDF+ stores at most 64 annotations per data record")
        }
        annotationSignals = max(1, neededSignals)

        output = try AtomicOutput(destination: path)
        pending = Array(repeating: Array(repeating: 0, count: samples), count: channelCount)
        let digital: (Int32, Int32) = bdf ? (-8_388_608, 8_388_607) : (-32768, 32767)
        digitalRange = digital
        steps = ranges.map { ($0.1 - $0.0) / Double(digital.1 - digital.0) }
        offsets = zip(ranges, steps).map { $0.1 / $1 - Double(digital.1) }

        edfLibraryLock.lock()
        let opened = edfopen_file_writeonly(output.temporaryPath, bdf ? EDFLIB_FILETYPE_BDFPLUS : EDFLIB_FILETYPE_EDFPLUS,
                                            Int32(channelCount))
        edfLibraryLock.unlock()
        guard opened >= 0 else {
            throw .output(path, "cannot create the EDF file: \(EDFSupport.openErrorDescription(opened))")
        }
        handle = opened
        var failed: String?
        func check(_ status: Int32, _ what: String) { if status != 0, failed == nil { failed = what } }
        for (c, channel) in header.channels.enumerated() {
            let s = Int32(c)
            check(edf_set_samplefrequency(opened, s, Int32(samples)), "sample count of \(channel.label)")
            // EDFlib prints these by truncating digits: nudge them away from zero so the printed text
            // is exactly the decimal chosen above.
            check(edf_set_physical_minimum(opened, s, ranges[c].0 * (1 + 1e-12)), "physical minimum of \(channel.label)")
            check(edf_set_physical_maximum(opened, s, ranges[c].1 * (1 + 1e-12)), "physical maximum of \(channel.label)")
            check(edf_set_digital_minimum(opened, s, digital.0), "digital minimum")
            check(edf_set_digital_maximum(opened, s, digital.1), "digital maximum")
            check(edf_set_label(opened, s, String(channel.label.prefix(16))), "label of \(channel.label)")
            check(edf_set_physical_dimension(opened, s, String(channel.unit.symbol.prefix(8))), "unit of \(channel.label)")
        }
        check(edf_set_datarecord_duration(opened, Int32(units)), "data-record duration")
        check(edf_set_number_of_annotation_signals(opened, Int32(annotationSignals)), "annotation signals")
        if let start = header.startTime {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: start)
            let whole = calendar.date(from: parts) ?? start
            let subsecond = Int32((start.timeIntervalSince(whole) * 1e4).rounded()) * 1000
            check(edf_set_startdatetime(opened, Int32(parts.year ?? 1985), Int32(parts.month ?? 1), Int32(parts.day ?? 1),
                                        Int32(parts.hour ?? 0), Int32(parts.minute ?? 0), Int32(parts.second ?? 0)),
                  "start date (EDF holds years 1985…2084)")
            check(edf_set_subsecond_starttime(opened, min(9_999_000, max(0, subsecond))), "start time")
        } else {
            check(edf_set_startdatetime(opened, 1985, 1, 1, 0, 0, 0), "start date")
        }
        if let subject = header.subject { check(edf_set_patientcode(opened, subject), "subject") }
        if let session = header.session { check(edf_set_admincode(opened, session), "session") }
        if let side = header.affectedSide {
            check(edf_set_recording_additional(opened, "affected_side=\(side.rawValue)"), "affected side")
        }
        check(edf_set_equipment(opened, "synk \(SynkVersion.current)"), "equipment")
        if let failed {
            throw .output(path, "EDFlib refused the \(failed)")
        }
    }

    deinit {
        // Unfinished: close EDFlib's handle; AtomicOutput's deinit then removes the temporary file.
        closeHandle()
    }

    private func closeHandle() {
        guard handle >= 0 else { return }
        edfLibraryLock.lock()
        edfclose_file(handle)
        edfLibraryLock.unlock()
        handle = -1
    }

    /// Appends a block; every channel of the header must be present with the same length.
    public func write(_ block: SignalBlock) throws(SynkError) {
        guard handle >= 0 else { throw .output(path, "write after finish") }
        guard block.channels.count == pending.count else {
            throw .output(path, "block has \(block.channels.count) channels, the header \(pending.count)")
        }
        let frames = block.frameCount
        for (c, samples) in block.channels.enumerated() {
            guard samples.count == frames else {
                throw .output(path, "channel \(header.channels[c].label) has \(samples.count) samples in a block of \(frames)")
            }
            if let bad = samples.withUnsafeBufferPointer({ SampleScan.firstNonFiniteIndex($0) }) {
                throw .output(path, "sample \(framesWritten + bad) of channel \(header.channels[c].label) is \(samples[bad])",
                              hint: "remove NaN/infinite values before writing")
            }
        }
        var start = 0
        while start < frames {
            let take = min(frames - start, recordSamples - filled)
            let (low, high) = (Double(digitalRange.0), Double(digitalRange.1))
            for c in pending.indices {
                let step = steps[c]
                let offset = offsets[c]
                let first = filled
                pending[c].withUnsafeMutableBufferPointer { target in
                    block.channels[c].withUnsafeBufferPointer { source in
                        for i in 0..<take {
                            // Rounded to the nearest level (EDFlib's own conversion truncates);
                            // outside the physical range the value clips.
                            let level = (Double(source[start + i]) / step - offset).rounded()
                            target[first + i] = Int32(min(high, max(low, level)))
                        }
                    }
                }
            }
            filled += take
            start += take
            framesWritten += take
            if filled == recordSamples { try flushRecord() }
        }
    }

    private func flushRecord() throws(SynkError) {
        for c in pending.indices {
            let status = pending[c].withUnsafeMutableBufferPointer { edfwrite_digital_samples(handle, $0.baseAddress) }
            guard status == 0 else {
                throw .output(path, "EDFlib could not write data record \(recordsWritten + 1)")
            }
        }
        filled = 0
        recordsWritten += 1
    }

    /// Pads the last data record, writes the annotations, closes and moves the file into place.
    public func finish() throws(SynkError) {
        guard handle >= 0 else { return }
        guard framesWritten > 0 else {
            closeHandle()
            output.abandon()
            throw .output(path, "cannot write an EDF file without samples")
        }
        if filled > 0 {
            for c in pending.indices {
                let last = pending[c][filled - 1]
                for i in filled..<recordSamples { pending[c][i] = last }
            }
            filled = recordSamples
            try flushRecord()
        }
        let events = header.events.filter { $0.onset.isFinite && $0.duration.isFinite && $0.onset >= 0 }
        guard events.count + 1 <= max(1, recordsWritten) * annotationSignals else {
            closeHandle()
            output.abandon()
            throw .output(path, "\(events.count) events do not fit in \(recordsWritten) data records",
                          hint: "give the header's frameCount before writing so enough annotation space is reserved")
        }
        for event in events {
            let onset = Int64((event.onset * 1e4).rounded())
            let duration = event.duration > 0 ? Int64((event.duration * 1e4).rounded()) : -1
            guard edfwrite_annotation_utf8(handle, onset, duration, String(event.label.prefix(40))) == 0 else {
                throw .output(path, "EDFlib could not store the annotation \(event.label)")
            }
        }
        let end = Int64((Double(framesWritten) / header.sampleRate * 1e4).rounded(.down))
        guard edfwrite_annotation_utf8(handle, end, -1, "\(Self.framesAnnotationPrefix)\(framesWritten)") == 0 else {
            throw .output(path, "EDFlib could not store the length annotation")
        }
        edfLibraryLock.lock()
        let status = edfclose_file(handle)
        edfLibraryLock.unlock()
        handle = -1
        guard status == 0 else {
            output.abandon()
            throw .output(path, "EDFlib could not finish the file")
        }
        // EDFlib buffers its writes and reports no error when the disk fills: read the header back,
        // which EDFlib accepts only when the file size matches what the header declares.
        guard Self.isComplete(output.temporaryPath) else {
            output.abandon()
            throw .output(path, "the file could not be written completely", hint: "is the disk full?")
        }
        try output.commit()
    }

    /// Whether EDFlib reads `temporary` back without a size or format error.
    private static func isComplete(_ temporary: String) -> Bool {
        let header = UnsafeMutablePointer<edf_hdr_struct>.allocate(capacity: 1)
        defer { header.deallocate() }
        edfLibraryLock.lock()
        defer { edfLibraryLock.unlock() }
        guard edfopen_file_readonly(temporary, header, EDFLIB_DO_NOT_READ_ANNOTATIONS) == 0 else { return false }
        edfclose_file(header.pointee.handle)
        return true
    }

    /// Writes a whole recording; a channel without ``ChannelInfo/physicalRange`` gets a symmetric range
    /// ±(the largest magnitude in its samples), or ±1 for a silent channel.
    public static func write(_ recording: Recording, to path: String, bdf: Bool) throws(SynkError) {
        var header = recording.header
        for c in header.channels.indices where header.channels[c].physicalRange == nil {
            let peak = Double(recording.samples[c].reduce(Float(0)) { max($0, abs($1)) })
            let bound = peak.isFinite && peak > 0 ? peak : 1
            header.channels[c].physicalRange = -bound...bound
        }
        let writer = try EDFWriter(path: path, header: header, bdf: bdf)
        let blockFrames = 65_536
        var start = 0
        while start < recording.frameCount {
            let end = min(recording.frameCount, start + blockFrames)
            try writer.write(SignalBlock(firstFrame: start, channels: recording.samples.map { Array($0[start..<end]) }))
            start = end
        }
        try writer.finish()
    }

    /// The quantisation step of a channel written with `range` (in the channel's unit), as the
    /// writer stores it.
    public static func quantisationStep(range: ClosedRange<Double>, bdf: Bool) -> Double? {
        guard let low = headerNumber(range.lowerBound, roundingUp: false),
              let high = headerNumber(range.upperBound, roundingUp: true) else { return nil }
        return (high - low) / (bdf ? 16_777_215 : 65535)
    }

    /// Data-record duration in units of 10 µs and samples per record for `rate`, or `nil`.
    static func recordLayout(rate: Double, channels: Int, bytesPerSample: Int) -> (Int, Int)? {
        let limit = bytesPerSample == 3 ? 15 * 1024 * 1024 : 10 * 1024 * 1024
        let candidates = [100_000] + (2...60).map { $0 * 100_000 } + (100..<100_000).reversed()
        for units in candidates {
            let exact = rate * Double(units) * 1e-5
            let samples = exact.rounded()
            guard samples >= 1, abs(exact - samples) <= 1e-9 * max(1, exact), samples < 1e8 else { continue }
            // Leave room for the annotation signals in the record.
            guard Int(samples) * channels * bytesPerSample + 64 * 120 <= limit else { continue }
            return (units, Int(samples))
        }
        return nil
    }

    /// `value` rounded outwards (up for a maximum, down for a minimum) to a decimal that fits the EDF
    /// header's 8 characters, so the file states exactly the range the samples were mapped with.
    static func headerNumber(_ value: Double, roundingUp: Bool) -> Double? {
        guard value.isFinite else { return nil }
        for decimals in stride(from: 6, through: 0, by: -1) {
            let scale = pow(10.0, Double(decimals))
            let scaled = value * scale
            // Values already on the grid stay put (within rounding noise of the multiplication).
            let nearest = scaled.rounded()
            let onGrid = abs(scaled - nearest) <= 1e-9 * max(1, abs(scaled))
            let rounded = onGrid ? nearest : (roundingUp ? scaled.rounded(.up) : scaled.rounded(.down))
            var text = String(format: "%.\(decimals)f", rounded / scale)
            if text.contains(".") {
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
            }
            if text == "-0" { text = "0" }
            if text.count <= 8, let parsed = Double(text) { return parsed }
        }
        return nil
    }
}
