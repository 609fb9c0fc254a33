import Foundation
import SynkCore

/// Streams a recording stored as text: BIOPAC AcqKnowledge exports, OpenSignals text (both the
/// *Simple Text Format* and the JSON-header *OpenSignals Text File Format*), labelled-channel exports
/// (`Channel k: 'NAME', N values, engineering units: U`, as in the UCI lower-limb EMG set) and plain
/// CSV/TSV.
///
/// The file is read twice through a 1 MiB buffer and never held whole in memory: a quick first pass
/// counts the rows (so ``header`` knows `frameCount` before any sample is read) and derives the rate
/// from a time column; the second pass parses the samples block by block.
///
/// Voltages are delivered in µV (mV and V are converted). Non-voltage channels keep their unit
/// (`deg`, raw ADC `counts`). An empty interior cell becomes NaN, which the quality check reports as a
/// gap; rows made only of empty cells at the end of a file are dropped. Errors are ``SynkError`` of
/// kind `.input` naming the file and the line; a CSV without a time column and without `sampleRate`
/// gives a `.usage` error asking for `--rate`.
public final class TextRecordingReader: SampleSource {
    public let header: RecordingHeader
    private let layout: TextLayout
    private let path: String
    private let lines: TextLineReader
    private var delivered = 0
    private var cells: [Range<Int>] = []
    /// Time of the first row, for the uniform-spacing check of a time column.
    private var firstTime: Double?
    /// Per row, how far the rounded rate's period is from the time column's own (``roundedRate(rows:span:timeResolution:)``).
    private var roundingDrift = 0.0

    /// Opens `path`, parses its header and counts its rows.
    /// - Parameters:
    ///   - format: one of `.biopacText`, `.labelledText`, `.openSignalsText`, `.csv`, `.tsv` (from ``FormatSniffer``).
    ///   - sampleRate: Hz, for files that do not state it; a CSV time column or a stated rate that
    ///     disagrees with it by more than 0.1 % is an error.
    public init(path: String, format: FileFormat, sampleRate: Double? = nil) throws(SynkError) {
        if let sampleRate, !(sampleRate.isFinite && sampleRate > 0) {
            throw .usage("the sample rate must be a positive number of Hz, not \(sampleRate)")
        }
        self.path = path
        // Never a FIFO, socket or device: opening one could block or read forever.
        try RegularFile.require(path, role: "recording")
        var layout: TextLayout
        do throws(SynkError) {
            let headerLines = try TextLineReader(path: path)
            switch format {
            case .biopacText: layout = try TextHeaderParser.biopac(headerLines)
            case .labelledText: layout = try TextHeaderParser.labelled(headerLines)
            case .openSignalsText: layout = try TextHeaderParser.openSignals(headerLines)
            case .csv, .tsv: layout = try TextHeaderParser.delimited(headerLines, tabSeparated: format == .tsv)
            default:
                throw SynkError.input(path, "\(format.rawValue) is not a text format")
            }
        } catch { throw error.withFile(path) }
        guard !layout.channels.isEmpty else {
            throw .input(path, "no channels", hint: "the header names no signal columns")
        }
        let scan = try TextRecordingReader.countRows(path: path, layout: layout)
        var metadata = layout.metadata
        var frameCount = scan.frameCount
        if let declared = layout.declaredFrames {
            guard scan.rowCount >= declared else {
                throw .input(path, "the header declares \(declared) values per EMG channel but the file has only \(scan.rowCount) rows")
            }
            frameCount = declared
            let dropped = scan.rowCount - declared
            metadata["text.droppedTailRows"] = String(dropped)
            if dropped > 0 {
                metadata["text.droppedTailNote"] = "the last \(dropped) rows (file lines \(scan.tailFirstLine)–\(scan.lastRowLine)) have no EMG values; they were trimmed so every channel has the declared \(declared) samples"
            }
        } else if scan.rowCount > scan.frameCount {
            metadata["text.droppedTailRows"] = String(scan.rowCount - scan.frameCount)
            metadata["text.droppedTailNote"] = "trailing rows with only empty cells were dropped"
        }
        guard frameCount > 0 else {
            throw .input(path, "no data rows", place: "after line \(layout.headerLineCount)")
        }
        if let warning = Self.declaredCountWarning(layout.metadata["biopac.declaredSampleCounts"], rows: frameCount) {
            metadata["\(RecordingHeader.warningPrefix)rowCount"] = warning
        }

        var rate = layout.sampleRate
        var timeColumnStart: Double?
        if let timeColumn = layout.timeColumn, frameCount < 2 {
            // One row (a file cut short, often) gives no time step: a rate the caller states is used.
            if rate == nil {
                guard let given = sampleRate else {
                    throw .input(path, "one data row is too few to derive the sample rate from the time column (column \(timeColumn + 1))",
                                 hint: ReadOptions.rateHint)
                }
                rate = given
                metadata["text.sampleRateSource"] = "given by the caller (one row)"
            }
        } else if let timeColumn = layout.timeColumn {
            guard let first = scan.firstTime, let last = scan.lastTime else {
                throw .input(path, "the time column (column \(timeColumn + 1)) holds no times")
            }
            let span = last - first
            guard span > 0 else {
                throw .input(path, "the time column (column \(timeColumn + 1)) does not increase", place: "line \(scan.lastRowLine)")
            }
            let derived = Self.roundedRate(rows: frameCount, span: span, timeResolution: scan.timeResolution)
            // The rounding moves each expected time by at most this much per row; the row-by-row check allows it.
            roundingDrift = abs(1 / derived - span / Double(frameCount - 1))
            // Gaps and jumps are found here, before anything trusts the derived rate; small deviations
            // (printing precision) are checked row by row while streaming.
            let period = span / Double(frameCount - 1)
            for extreme in [scan.smallestStep, scan.largestStep].compactMap({ $0 }) where abs(extreme.step - period) > 0.5 * period {
                throw .input(path, "the time column is not uniformly spaced: a step of \(extreme.step) s where the file averages \(period) s",
                             place: "line \(extreme.line)", hint: "resample to a uniform rate first")
            }
            if let given = sampleRate, abs(given - derived) > 1e-3 * derived {
                throw .usage("\(path): --rate \(given) Hz contradicts the file's time column (\(derived) Hz)",
                             hint: "leave out --rate; the time column states the rate")
            }
            if let stated = layout.sampleRate {
                // A header that states the rate is more precise than printed times; they must agree.
                guard abs(stated - derived) <= 1e-3 * stated else {
                    throw .input(path, "the time column implies \(derived) Hz but the header states \(stated) Hz")
                }
            } else {
                rate = derived
                metadata["text.sampleRateSource"] = "time column '\(layout.timeLabel)'"
                metadata["text.sampleRateRule"] = Self.rateRule
            }
            if first != 0 { metadata["text.timeColumnStart"] = "\(first) s" }
            timeColumnStart = first != 0 ? first : nil
        } else if let stated = rate {
            if let given = sampleRate, abs(given - stated) > 1e-6 * stated {
                throw .usage("\(path): --rate \(given) Hz contradicts the rate the file states (\(stated) Hz)",
                             hint: "leave out --rate")
            }
        } else if let given = sampleRate {
            rate = given
            metadata["text.sampleRateSource"] = "given by the caller"
        } else if let fallback = layout.defaultSampleRate {
            rate = fallback.rate
            metadata["text.sampleRateSource"] = fallback.note
        } else {
            throw SynkError(.usage, file: path, "the file has no time column and states no sample rate",
                            hint: ReadOptions.rateHint)
        }
        guard let rate, rate.isFinite, rate > 0 else {
            throw .input(path, "invalid sample rate \(rate.map { String($0) } ?? "?") Hz", hint: "the rate must be a positive number")
        }
        var header = RecordingHeader(
            source: SourceDescription(path: path, format: format), sampleRate: rate, frameCount: frameCount,
            channels: layout.channels, metadata: metadata)
        header.metadata["text.format"] = format.rawValue
        header.firstSampleTime = timeColumnStart
        try header.validate()
        self.header = header
        self.layout = layout
        lines = try TextLineReader(path: path)
        for _ in 0..<layout.headerLineCount { _ = try lines.nextLine() }
    }

    public func readBlock(maxFrames: Int) throws(SynkError) -> SignalBlock? {
        guard delivered < header.frameCount, maxFrames > 0 else { return nil }
        let wanted = min(maxFrames, header.frameCount - delivered)
        var channels = [[Float]](repeating: [], count: layout.channels.count)
        for c in channels.indices { channels[c].reserveCapacity(wanted) }
        var produced = 0
        let period = 1 / header.sampleRate
        while produced < wanted {
            guard let line = try lines.nextLine() else {
                throw .input(path, "the file ends after \(delivered + produced) rows, \(header.frameCount) were counted",
                             hint: "was the file changed while being read?")
            }
            let kind = layout.classify(line)
            if kind == .skip { continue }
            let lineNumber = lines.lineNumber
            TextCells.split(line, delimiter: layout.delimiter, into: &cells)
            try layout.checkColumnCount(&cells, line: line, path: path, lineNumber: lineNumber)
            if let timeColumn = layout.timeColumn {
                guard case .number(let raw) = TextCells.parse(line, cells[timeColumn], decimalComma: layout.decimalComma) else {
                    let text = TextCells.text(line, TextCells.trimmedRange(line, cells[timeColumn]))
                    throw .input(path, "'\(text)' in the time column is not a number", place: "line \(lineNumber)")
                }
                let time = raw * layout.timeScale
                let frame = delivered + produced
                if frame == 0 { firstTime = time }
                let expected = (firstTime ?? time) + Double(frame) * period
                // 0.1 % of a sample period, beyond the rounding of the printed digits.
                let tolerance = 1e-3 * period + TextRecordingReader.printedResolution(line, cells[timeColumn]) * layout.timeScale
                    + Double(frame) * roundingDrift
                if abs(time - expected) > tolerance {
                    throw .input(path, "the time column is not uniformly spaced: \(time) s where \(expected) s was expected (rate \(header.sampleRate) Hz)",
                                 place: "line \(lineNumber)", hint: "resample to a uniform rate first")
                }
            }
            for (c, column) in layout.channelColumns.enumerated() {
                switch TextCells.parse(line, cells[column], decimalComma: layout.decimalComma) {
                case .number(let value):
                    let sample = Float(value * layout.scales[c])
                    // 1e39 is a finite Double but no Float: an overflow here would be a silent infinity.
                    guard sample.isFinite else {
                        let text = TextCells.text(line, TextCells.trimmedRange(line, cells[column]))
                        throw .input(path, "'\(text)' is beyond the range of a 32-bit sample (column \(column + 1), channel \(layout.channels[c].label))",
                                     place: "line \(lineNumber)")
                    }
                    channels[c].append(sample)
                case .missing: channels[c].append(.nan)
                case .invalid:
                    let text = TextCells.text(line, TextCells.trimmedRange(line, cells[column]))
                    throw .input(path, "'\(text)' is not a number (column \(column + 1), channel \(layout.channels[c].label))",
                                 place: "line \(lineNumber)")
                }
            }
            produced += 1
        }
        let block = SignalBlock(firstFrame: delivered, channels: channels)
        delivered += produced
        return block
    }

    /// How a rate is derived from a time column, as recorded in the header's metadata.
    static let rateRule = "(rows − 1) ÷ (last time − first time), rounded to the decimal places the printed times support: the span is known to ± the sum of half a unit in the last printed place of the first and last time, so the rate is known to ± rate × that ÷ span; it is rounded to the largest power of ten not above that uncertainty (at most 1 Hz, at least 1e-9 Hz)"

    /// The rate of `rows` samples spanning `span` seconds whose times are printed to `timeResolution` seconds (the sum
    /// of half a unit in the last printed place of the first and the last time; 0 when unknown): (rows − 1) ÷ span
    /// rounded to the decimal places it is known to (``rateRule``). So 20,000 times printed to 0.1 ms give 2000 Hz,
    /// not 2000.0000000000002, and a rate derived from the time column equals the same rate given with `--rate`.
    static func roundedRate(rows: Int, span: Double, timeResolution: Double) -> Double {
        let derived = Double(rows - 1) / span
        let uncertainty = derived * timeResolution / span
        let decimals = uncertainty > 0 && uncertainty.isFinite ? min(9, max(0, Int(ceil(-log10(uncertainty))))) : 9
        return Double(String(format: "%.\(decimals)f", derived)) ?? derived
    }

    /// The warning for a header whose per-channel sample counts (a BIOPAC export's count line) differ from the rows the
    /// file holds, with both numbers; `nil` when they agree. A partial export ("selected area" in AcqKnowledge) keeps
    /// the whole acquisition's counts: the rows are what was exported, and they are what synk reads.
    static func declaredCountWarning(_ declared: String?, rows: Int) -> String? {
        guard let declared else { return nil }
        let counts = Set(declared.split(separator: ",").compactMap { Int($0) })
        guard !counts.isEmpty, counts != [rows] else { return nil }
        let stated = counts.count == 1 ? "\(counts.first!) samples per channel" : "between \(counts.min()!) and \(counts.max()!) samples per channel"
        return "the header declares \(stated) but the file holds \(rows) rows; synk reads the \(rows) rows (\(String(format: "%.3f", Double(rows) / Double(counts.max()!) * 100)) % of the declared length; a partial export?)"
    }

    /// Half a unit in the last printed decimal place of a number such as `0.0005` (0.00005).
    private static func printedResolution(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double {
        let cell = TextCells.trimmedRange(line, range)
        var decimals = 0
        var afterPoint = false
        for index in cell {
            let byte = line[index]
            if byte == UInt8(ascii: ".") || byte == UInt8(ascii: ",") { afterPoint = true }
            else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") { return 0 }
            else if afterPoint { decimals += 1 }
        }
        return 0.5 * pow(10, -Double(decimals))
    }

    struct RowScan {
        /// Data rows, including rows of empty cells.
        var rowCount = 0
        /// Rows up to the last one holding any value.
        var frameCount = 0
        var firstTime: Double?
        var lastTime: Double?
        /// The smallest and largest step between consecutive times, with the line of each.
        var smallestStep: (step: Double, line: Int)?
        var largestStep: (step: Double, line: Int)?
        var lastRowLine = 0
        var tailFirstLine = 0
        /// Half a unit in the last printed place of the first time plus that of the last time, seconds (0 when a time
        /// is printed with an exponent).
        var timeResolution = 0.0
        var firstTimeResolution = 0.0
    }

    /// The first pass: counts rows, reads the time column's first and last value and checks that the
    /// ragged tail of a labelled export really holds no EMG values.
    static func countRows(path: String, layout: TextLayout) throws(SynkError) -> RowScan {
        let lines = try TextLineReader(path: path)
        for _ in 0..<layout.headerLineCount { _ = try lines.nextLine() }
        var scan = RowScan()
        var cells: [Range<Int>] = []
        while let line = try lines.nextLine() {
            let kind = layout.classify(line)
            if kind == .skip { continue }
            scan.rowCount += 1
            scan.lastRowLine = lines.lineNumber
            if let declared = layout.declaredFrames, scan.rowCount > declared {
                if scan.rowCount == declared + 1 { scan.tailFirstLine = lines.lineNumber }
                TextCells.split(line, delimiter: layout.delimiter, into: &cells)
                for column in layout.tailEmptyColumns where column < cells.count {
                    if case .missing = TextCells.parse(line, cells[column]) { continue }
                    throw .input(path, "row \(scan.rowCount) has a value in column \(column + 1) (\(layout.channels[layout.channelColumns.firstIndex(of: column) ?? 0].label)) beyond the declared \(declared) values",
                                 place: "line \(lines.lineNumber)")
                }
                continue
            }
            guard kind == .data else { continue }
            scan.frameCount = scan.rowCount
            if let timeColumn = layout.timeColumn {
                TextCells.split(line, delimiter: layout.delimiter, into: &cells)
                guard timeColumn < cells.count,
                      case .number(let raw) = TextCells.parse(line, cells[timeColumn], decimalComma: layout.decimalComma) else {
                    let text = timeColumn < cells.count ? TextCells.text(line, TextCells.trimmedRange(line, cells[timeColumn])) : ""
                    throw .input(path, "'\(text)' in the time column is not a number", place: "line \(lines.lineNumber)")
                }
                let time = raw * layout.timeScale
                let resolution = printedResolution(line, cells[timeColumn]) * layout.timeScale
                if scan.firstTime == nil {
                    scan.firstTime = time
                    scan.firstTimeResolution = resolution
                }
                scan.timeResolution = scan.firstTimeResolution + resolution
                if let previous = scan.lastTime {
                    let step = time - previous
                    if step < (scan.smallestStep?.step ?? .infinity) { scan.smallestStep = (step, lines.lineNumber) }
                    if step > (scan.largestStep?.step ?? -.infinity) { scan.largestStep = (step, lines.lineNumber) }
                }
                scan.lastTime = time
            }
        }
        return scan
    }
}

/// What a text header says about the rows that follow it.
struct TextLayout {
    /// Lines before the first data row.
    var headerLineCount: Int
    /// `nil`: cells are separated by runs of blanks.
    var delimiter: UInt8?
    var decimalComma = false
    /// Cells per data row (one more, empty, is accepted: a trailing delimiter).
    var columnCount: Int
    var channels: [ChannelInfo]
    var channelColumns: [Int]
    /// Factor from the file's unit to the delivered unit (1000 for mV → µV).
    var scales: [Double]
    var timeColumn: Int?
    var timeLabel = ""
    /// Factor from the time column's unit to seconds.
    var timeScale = 1.0
    var sampleRate: Double?
    var defaultSampleRate: (rate: Double, note: String)?
    /// Labelled exports: the declared samples per EMG channel; later rows are the ragged tail.
    var declaredFrames: Int?
    /// Columns that must be empty in the ragged tail.
    var tailEmptyColumns: [Int] = []
    var metadata: [String: String] = [:]

    enum LineKind { case skip, emptyRow, data }

    /// Blank lines and `#` comments are skipped; a row of delimiters only is a row of empty cells.
    func classify(_ line: UnsafeBufferPointer<UInt8>) -> LineKind {
        var sawDelimiter = false
        for byte in line {
            if let delimiter, byte == delimiter { sawDelimiter = true; continue }
            if TextCells.isBlank(byte) { continue }
            if byte == UInt8(ascii: "#"), !sawDelimiter { return .skip }
            return .data
        }
        return sawDelimiter ? .emptyRow : .skip
    }

    func checkColumnCount(_ cells: inout [Range<Int>], line: UnsafeBufferPointer<UInt8>, path: String, lineNumber: Int) throws(SynkError) {
        if cells.count == columnCount + 1, TextCells.trimmedRange(line, cells[columnCount]).isEmpty {
            cells.removeLast()
        }
        guard cells.count == columnCount else {
            throw .input(path, "\(cells.count) columns where the header has \(columnCount)", place: "line \(lineNumber)")
        }
    }
}
