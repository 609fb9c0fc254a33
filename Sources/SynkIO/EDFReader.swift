import CEDFLib
import Foundation
import SynkCore

/// Serialises EDFlib's open and close calls, which share global state inside the library.
let edfLibraryLock = NSLock()

/// Streams an EDF, EDF+, BDF or BDF+ recording through EDFlib.
///
/// - Samples are physical values (EDFlib applies each signal's digital→physical mapping); voltage
///   signals are converted to µV, other signals keep their unit.
/// - ``ChannelInfo/physicalRange`` is each signal's physical minimum…maximum (in µV for voltages), for
///   clipping detection; labels are parsed for muscle and side.
/// - Signals sampled at a rate other than the recording's are left out: synk keeps the group of
///   signals sharing the most common rate (ties: the highest), and lists the others under
///   `metadata["excluded_signals"]` as `label (rate Hz)`.
/// - Kind: `.trigger` for labels naming a status, trigger, marker or stimulus line; `.emg` for voltage
///   signals and signals with a blank dimension; `.auxiliary` for other units.
/// - EDF+ annotations become ``Event``s; the annotation `synk:frames=N` written by ``EDFWriter`` gives
///   the true length of a recording whose last data record was padded, and is not an event.
/// - The start date and time are read as UTC (EDF stores local time without a zone). The date
///   01.01.85 00.00.00, which ``EDFWriter`` writes for an unknown start, reads as `nil`.
/// - Subject: the EDF+ patient code (else the patient name; plain EDF: the patient field); session: the
///   EDF+ admin code; affected side: `affected_side=left|right|none` in the recording's additional field.
///   The other patient and recording fields go to `metadata`.
public final class EDFReader: SampleSource {
    public let header: RecordingHeader
    private let path: String
    private var handle: Int32 = -1
    /// EDFlib signal numbers of the channels delivered, in order.
    private let signals: [Int32]
    /// Multiplies each physical value to give the channel's unit (µV for voltages).
    private let factors: [Double]
    private var position = 0
    private var buffer: [Double] = []

    /// Opens `path` read-only, reads the header and all annotations.
    public init(path: String) throws(SynkError) {
        self.path = path
        // Never a FIFO, socket or device: opening one could block or read forever.
        try RegularFile.require(path, role: "recording")
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? -1
        guard size != 0 else { throw .input(path, "empty file (0 bytes)") }

        let edfHeader = UnsafeMutablePointer<edf_hdr_struct>.allocate(capacity: 1)
        defer { edfHeader.deallocate() }
        edfLibraryLock.lock()
        // EDFlib refuses a path it already has open, even for reading; an equivalent spelling of the
        // same path ("/./a/b.edf") lets several readers stream one file, each with its own handle.
        var openPath = path
        for depth in 1...64 where edflib_is_file_used(openPath) == 1 {
            let dots = String(repeating: "./", count: depth)
            openPath = path.hasPrefix("/") ? "/" + dots + path.dropFirst() : dots + path
        }
        let status = edfopen_file_readonly(openPath, edfHeader, EDFLIB_READ_ALL_ANNOTATIONS)
        edfLibraryLock.unlock()
        guard status == 0 else {
            let code = edfHeader.pointee.filetype
            if code == EDFLIB_FILE_CONTAINS_FORMAT_ERRORS, let truncation = EDFSupport.truncationDescription(path: path) {
                throw .input(path, truncation, hint: "the file was cut short; copy it again from the source")
            }
            throw .input(path, "cannot read as EDF/BDF: \(EDFSupport.openErrorDescription(code))")
        }
        let opened = edfHeader.pointee.handle
        do {
            (header, signals, factors) = try Self.describe(edfHeader, path: path)
        } catch {
            edfLibraryLock.lock()
            edfclose_file(opened)
            edfLibraryLock.unlock()
            throw error
        }
        handle = opened
    }

    deinit {
        if handle >= 0 {
            edfLibraryLock.lock()
            edfclose_file(handle)
            edfLibraryLock.unlock()
        }
    }

    private static func describe(_ edf: UnsafeMutablePointer<edf_hdr_struct>, path: String) throws(SynkError)
        -> (RecordingHeader, [Int32], [Double])
    {
        let fileType = edf.pointee.filetype
        let format: FileFormat = switch fileType {
        case EDFLIB_FILETYPE_EDF: .edf
        case EDFLIB_FILETYPE_EDFPLUS: .edfPlus
        case EDFLIB_FILETYPE_BDF: .bdf
        default: .bdfPlus
        }
        let signalCount = Int(edf.pointee.edfsignals)
        guard signalCount > 0 else { throw .input(path, "the file holds no signals (only annotations)") }
        try ReadLimits.checkChannelCount(signalCount, path: path)
        let recordSeconds = Double(edf.pointee.datarecord_duration) / Double(EDFLIB_TIME_DIMENSION)
        guard recordSeconds > 0 else { throw .input(path, "data-record duration is \(recordSeconds) s") }

        let parameters = (0..<signalCount).map { EDFSupport.signal(edf, $0) }
        // Keep the signals at the most common rate (ties: the highest rate).
        var countsByRate: [Int32: Int] = [:]
        for p in parameters where p.smp_in_datarecord > 0 { countsByRate[p.smp_in_datarecord, default: 0] += 1 }
        guard let kept = countsByRate.max(by: { ($0.value, $0.key) < ($1.value, $1.key) })?.key else {
            throw .input(path, "no signal has samples")
        }
        let sampleRate = Double(kept) / recordSeconds

        var signals: [Int32] = []
        var factors: [Double] = []
        var channels: [ChannelInfo] = []
        var excluded: [String] = []
        var frameCount = 0
        for (index, p) in parameters.enumerated() {
            let label = EDFSupport.string(p.label)
            guard p.smp_in_datarecord == kept else {
                excluded.append("\(label) (\(Double(p.smp_in_datarecord) / recordSeconds) Hz)")
                continue
            }
            let fileUnit = PhysicalUnit(parsing: EDFSupport.string(p.physdimension))
            let factor = fileUnit.microvoltsPerUnit ?? 1
            let unit = fileUnit.isVoltage ? PhysicalUnit.microvolt : fileUnit
            let lowered = label.lowercased()
            let kind: ChannelKind = if ["status", "trigger", "marker", "stim"].contains(where: lowered.contains) {
                .trigger
            } else if fileUnit.isVoltage || fileUnit.symbol.isEmpty {
                // Many EMG exports leave the dimension blank; a named non-voltage unit is auxiliary.
                .emg
            } else {
                .auxiliary
            }
            var info = ChannelInfo.labelled(label.isEmpty ? "signal\(index + 1)" : label, unit: unit, kind: kind)
            let low = min(p.phys_min, p.phys_max) * factor
            let high = max(p.phys_min, p.phys_max) * factor
            if low.isFinite, high.isFinite, low < high { info.physicalRange = low...high }
            channels.append(info)
            signals.append(Int32(index))
            factors.append(factor)
            frameCount = Int(p.smp_in_file)
        }

        var header = RecordingHeader(
            source: SourceDescription(path: path, format: format), sampleRate: sampleRate,
            frameCount: frameCount, channels: channels)
        if !excluded.isEmpty {
            header.metadata["excluded_signals"] = excluded.joined(separator: "; ")
            header.metadata["excluded_signals_reason"] =
                "sampled at a rate other than the \(sampleRate) Hz of the \(channels.count) channels kept"
        }

        for n in 0..<Int(edf.pointee.annotations_in_file) {
            var annotation = edf_annotation_struct()
            guard edf_get_annotation(edf.pointee.handle, Int32(n), &annotation) == 0 else { continue }
            let text = EDFSupport.string(annotation.annotation)
            let onset = Double(annotation.onset) / Double(EDFLIB_TIME_DIMENSION)
            if text.hasPrefix(EDFWriter.framesAnnotationPrefix),
               let frames = Int(text.dropFirst(EDFWriter.framesAnnotationPrefix.count)) {
                // The writer padded the last data record; the annotation gives the true length.
                if frames >= 0, frames <= header.frameCount { header.frameCount = frames }
                continue
            }
            let duration = annotation.duration_l > 0 ? Double(annotation.duration_l) / Double(EDFLIB_TIME_DIMENSION) : 0
            header.events.append(Event(onset: onset, duration: duration, label: text))
        }

        let e = edf.pointee
        var components = DateComponents()
        components.year = Int(e.startdate_year)
        components.month = Int(e.startdate_month)
        components.day = Int(e.startdate_day)
        components.hour = Int(e.starttime_hour)
        components.minute = Int(e.starttime_minute)
        components.second = Int(e.starttime_second)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let isPlaceholder = e.startdate_year == 1985 && e.startdate_month == 1 && e.startdate_day == 1
            && e.starttime_hour == 0 && e.starttime_minute == 0 && e.starttime_second == 0 && e.starttime_subsecond == 0
        if !isPlaceholder, let date = calendar.date(from: components) {
            header.startTime = date.addingTimeInterval(Double(e.starttime_subsecond) / Double(EDFLIB_TIME_DIMENSION))
        }

        let isPlus = fileType == EDFLIB_FILETYPE_EDFPLUS || fileType == EDFLIB_FILETYPE_BDFPLUS
        func put(_ key: String, _ value: String) { if !value.isEmpty { header.metadata[key] = value } }
        if isPlus {
            let code = EDFSupport.string(e.patientcode)
            let name = EDFSupport.string(e.patient_name)
            header.subject = code.isEmpty ? (name.isEmpty ? nil : name) : code
            let admin = EDFSupport.string(e.admincode)
            header.session = admin.isEmpty ? nil : admin
            put("patient_name", name)
            put("gender", EDFSupport.string(e.gender))
            put("birthdate", EDFSupport.string(e.birthdate))
            put("patient_additional", EDFSupport.string(e.patient_additional))
            put("technician", EDFSupport.string(e.technician))
            put("equipment", EDFSupport.string(e.equipment))
            let additional = EDFSupport.string(e.recording_additional)
            put("recording_additional", additional)
            for token in additional.split(separator: " ") where token.hasPrefix("affected_side=") {
                header.affectedSide = AffectedSide(rawValue: String(token.dropFirst("affected_side=".count)))
            }
        } else {
            let patient = EDFSupport.string(e.patient)
            header.subject = patient.isEmpty ? nil : patient
            put("patient", patient)
            put("recording", EDFSupport.string(e.recording))
        }
        try header.validate()
        return (header, signals, factors)
    }

    /// Reads up to `maxFrames` frames of every kept signal.
    public func readBlock(maxFrames: Int) throws(SynkError) -> SignalBlock? {
        guard handle >= 0, maxFrames > 0, position < header.frameCount else { return nil }
        let wanted = min(maxFrames, header.frameCount - position, Int(Int32.max))
        if buffer.count < wanted { buffer = [Double](repeating: 0, count: wanted) }
        var channels: [[Float]] = []
        channels.reserveCapacity(signals.count)
        for (c, signal) in signals.enumerated() {
            let got = Int(buffer.withUnsafeMutableBufferPointer {
                edfread_physical_samples(handle, signal, Int32(wanted), $0.baseAddress)
            })
            guard got == wanted else {
                let what = got < 0 ? "read error" : "data holds \(position + got) samples"
                throw .input(path, "truncated: header declares \(header.frameCount) samples, \(what)",
                             place: "signal \(header.channels[c].label)")
            }
            let factor = factors[c]
            channels.append(buffer.withUnsafeBufferPointer { source in
                [Float](unsafeUninitializedCapacity: wanted) { target, count in
                    for i in 0..<wanted { target[i] = Float(source[i] * factor) }
                    count = wanted
                }
            })
        }
        let block = SignalBlock(firstFrame: position, channels: channels)
        position += wanted
        return block
    }
}
