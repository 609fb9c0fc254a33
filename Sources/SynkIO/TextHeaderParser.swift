import Foundation
import SynkCore

/// Parses the headers of the text formats ``TextRecordingReader`` reads.
enum TextHeaderParser {
    /// Reads the next line as a string (`nil` at the end of the file).
    private static func nextText(_ lines: TextLineReader) throws(SynkError) -> String? {
        guard let line = try lines.nextLine() else { return nil }
        return String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    private static func place(_ lines: TextLineReader) -> String { "line \(lines.lineNumber)" }

    // MARK: BIOPAC AcqKnowledge

    /// `name.acq` / `1 msec/sample` / `15 channels` / name, unit pairs / `CH1,CH2,…` / per-channel
    /// sample counts / rows.
    static func biopac(_ lines: TextLineReader) throws(SynkError) -> TextLayout {
        let path = lines.path
        var metadata: [String: String] = [:]
        guard let fileName = try nextText(lines) else { throw .input(path, "empty file") }
        metadata["biopac.fileName"] = fileName
        guard let intervalLine = try nextText(lines) else { throw .input(path, "header ends early", place: place(lines)) }
        let intervalParts = intervalLine.split(separator: " ", maxSplits: 1).map(String.init)
        guard intervalParts.count == 2, let interval = Double(intervalParts[0]) else {
            throw .input(path, "expected 'N msec/sample', found '\(intervalLine)'", place: place(lines))
        }
        // Units per second, exact integers: 1000 / 0.1 is 10000 Hz, where 1 / (0.1 × 0.001) would be 9999.999999999998.
        let unitsPerSecond: Double
        switch intervalParts[1].lowercased() {
        case "msec/sample", "ms/sample": unitsPerSecond = 1e3
        case "sec/sample", "s/sample": unitsPerSecond = 1
        case "usec/sample", "µsec/sample", "μsec/sample": unitsPerSecond = 1e6
        default: throw .input(path, "unknown sample interval unit in '\(intervalLine)'", place: place(lines))
        }
        guard interval > 0 else {
            throw .input(path, "invalid sample interval '\(intervalLine)'", place: place(lines), hint: "the rate must be a positive number")
        }
        let rate = unitsPerSecond / interval
        metadata["biopac.sampleInterval"] = intervalLine
        guard let countLine = try nextText(lines),
              let countText = countLine.split(separator: " ").first, let channelCount = Int(countText),
              countLine.lowercased().hasSuffix("channels") || countLine.lowercased().hasSuffix("channel") else {
            throw .input(path, "expected 'N channels'", place: place(lines))
        }
        guard channelCount > 0 else { throw .input(path, "no channels", place: place(lines)) }
        try ReadLimits.checkChannelCount(channelCount, path: path)
        var names: [String] = []
        var units: [String] = []
        for _ in 0..<channelCount {
            guard let name = try nextText(lines), let unit = try nextText(lines) else {
                throw .input(path, "header ends inside the channel list", place: place(lines))
            }
            names.append(name)
            units.append(unit)
        }
        var headerLineCount = lines.lineNumber
        var delimiter = UInt8(ascii: ",")
        var ids: [String] = []
        var timeColumn: Int?
        var timeScale = 1.0
        if let idLine = try nextText(lines), idLine.uppercased().hasPrefix("CH") || idLine.lowercased().hasPrefix("sec") || idLine.lowercased().hasPrefix("min") || idLine.lowercased().hasPrefix("msec") {
            if idLine.contains("\t") { delimiter = TextCells.tab }
            ids = idLine.split(separator: Character(UnicodeScalar(delimiter)), omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if ids.last == "" { ids.removeLast() }
            // An export "with time" has a first column named by its unit.
            switch ids.first?.lowercased() {
            case "sec": timeColumn = 0
            case "msec": timeColumn = 0; timeScale = 1e-3
            case "min": timeColumn = 0; timeScale = 60
            default: break
            }
            if timeColumn != nil { ids.removeFirst() }
            guard ids.count == channelCount else {
                throw .input(path, "\(ids.count) channel ids for \(channelCount) channels", place: place(lines))
            }
            headerLineCount = lines.lineNumber
            // Then one line with each channel's sample count in the original acquisition.
            if let counts = try nextText(lines) {
                var values = counts.split(separator: Character(UnicodeScalar(delimiter)), omittingEmptySubsequences: true)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                if timeColumn != nil, !values.isEmpty, values.count == channelCount + 1 { values.removeFirst() }
                if values.count == channelCount, values.allSatisfy({ Int($0) != nil }) {
                    metadata["biopac.declaredSampleCounts"] = values.joined(separator: ",")
                    headerLineCount = lines.lineNumber
                }
            }
        }
        var channels: [ChannelInfo] = []
        var scales: [Double] = []
        var seen: [String: Int] = [:]
        for name in names { seen[name, default: 0] += 1 }
        for (index, name) in names.enumerated() {
            let fileUnit = PhysicalUnit(parsing: units[index])
            let unit = fileUnit.isVoltage ? PhysicalUnit.microvolt : fileUnit
            scales.append(fileUnit.microvoltsPerUnit ?? 1)
            // Eight channels called "Digital input": the CH id tells them apart.
            let label = (seen[name] ?? 0) > 1 && index < ids.count ? "\(name) \(ids[index])" : name
            let lowered = name.lowercased()
            let kind: ChannelKind
            if lowered.contains("digital") || lowered.contains("marker") || lowered.contains("trigger") || lowered.contains("stim") {
                kind = .trigger
            } else if lowered.contains("processed") || lowered.contains("integrated") || lowered.contains("rms") || !fileUnit.isVoltage {
                kind = .auxiliary
            } else {
                kind = .emg
            }
            channels.append(kind == .trigger ? ChannelInfo(label: label, unit: unit, kind: .trigger) : .labelled(label, unit: unit, kind: kind))
            if index < ids.count { metadata["biopac.channelId.\(label)"] = ids[index] }
            metadata["biopac.unit.\(label)"] = units[index]
        }
        let offset = timeColumn == nil ? 0 : 1
        var layout = TextLayout(
            headerLineCount: headerLineCount, delimiter: delimiter, columnCount: channelCount + offset,
            channels: channels, channelColumns: (0..<channelCount).map { $0 + offset }, scales: scales,
            sampleRate: rate, metadata: metadata)
        // The interval line states the rate; a time column is only checked against it.
        if timeColumn != nil {
            layout.timeColumn = 0
            layout.timeLabel = "time"
            layout.timeScale = timeScale
        }
        return layout
    }

    // MARK: Labelled channels (UCI lower-limb EMG)

    /// `Channel k: 'NAME', N values, engineering units: U, notes…` lines, a blank line, tab-separated rows.
    static func labelled(_ lines: TextLineReader) throws(SynkError) -> TextLayout {
        let path = lines.path
        var metadata: [String: String] = [:]
        struct Declared { var number: String; var name: String; var count: Int; var unit: String; var notes: String }
        var declared: [Declared] = []
        let pattern = #/^Channel\s+(\d+)\s*:\s*'([^']*)'\s*,\s*(\d+)\s+values\s*,\s*engineering units\s*:\s*([^,]*)(?:,\s*(.*))?$/#
        var headerLineCount = 0
        while let text = try nextText(lines) {
            if let match = text.wholeMatch(of: pattern) {
                declared.append(Declared(number: String(match.1), name: String(match.2), count: Int(match.3) ?? 0,
                                         unit: String(match.4).trimmingCharacters(in: .whitespaces),
                                         notes: match.5.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""))
                headerLineCount = lines.lineNumber
            } else if text.isEmpty {
                headerLineCount = lines.lineNumber
                if !declared.isEmpty { break }
            } else if declared.isEmpty, let colon = text.firstIndex(of: ":") {
                let key = text[..<colon].trimmingCharacters(in: .whitespaces)
                metadata["labelled.\(key)"] = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                headerLineCount = lines.lineNumber
            } else if text.hasPrefix("Channel") {
                throw .input(path, "cannot read the channel declaration '\(text)'", place: place(lines),
                             hint: "expected Channel k: 'NAME', N values, engineering units: U")
            } else {
                break
            }
        }
        guard !declared.isEmpty else { throw .input(path, "no channels", hint: "no 'Channel k: ...' header lines") }
        try ReadLimits.checkChannelCount(declared.count, path: path)
        var channels: [ChannelInfo] = []
        var scales: [Double] = []
        var voltageColumns: [Int] = []
        for (column, channel) in declared.enumerated() {
            let fileUnit = PhysicalUnit(parsing: channel.unit)
            if fileUnit.isVoltage {
                voltageColumns.append(column)
                channels.append(.labelled(channel.name, unit: .microvolt, kind: .emg))
            } else {
                channels.append(.labelled(channel.name, unit: fileUnit, kind: .auxiliary))
            }
            scales.append(fileUnit.microvoltsPerUnit ?? 1)
            metadata["labelled.channel\(channel.number)"] = "'\(channel.name)', \(channel.count) values, \(channel.unit)" + (channel.notes.isEmpty ? "" : ", \(channel.notes)")
        }
        // The rows run as long as the longest column; EMG channels define the recording's length.
        let defining = voltageColumns.isEmpty ? Array(declared.indices) : voltageColumns
        let counts = Set(defining.map { declared[$0].count })
        guard counts.count == 1, let frames = counts.first else {
            throw .input(path, "the EMG channels declare different sample counts: \(defining.map { "\(declared[$0].name) \(declared[$0].count)" }.joined(separator: ", "))")
        }
        var layout = TextLayout(
            headerLineCount: headerLineCount, delimiter: TextCells.tab, columnCount: declared.count,
            channels: channels, channelColumns: Array(declared.indices), scales: scales, metadata: metadata)
        layout.declaredFrames = frames
        layout.tailEmptyColumns = voltageColumns
        layout.defaultSampleRate = (1000, "not stated in the file; 1000 Hz per the UCI 'EMG dataset in Lower Limb' documentation")
        return layout
    }

    // MARK: OpenSignals

    /// `# Simple Text Format` with `# Key:= value` lines, or `# OpenSignals Text File Format` with a JSON line.
    static func openSignals(_ lines: TextLineReader) throws(SynkError) -> TextLayout {
        let path = lines.path
        guard let first = try nextText(lines) else { throw .input(path, "empty file") }
        var headerTexts: [String] = []
        var headerLineCount = lines.lineNumber
        var firstData: String?
        while let text = try nextText(lines) {
            guard text.hasPrefix("#") || text.isEmpty else { firstData = text; break }
            headerTexts.append(text)
            headerLineCount = lines.lineNumber
        }
        let dataColumns = firstData.map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).count }
        var metadata: [String: String] = ["opensignals.header": first.trimmingCharacters(in: CharacterSet(charactersIn: "# "))]
        metadata["text.unitNote"] = "raw ADC counts; no transfer function applied"
        if let jsonLine = headerTexts.first(where: { $0.dropFirst().trimmingCharacters(in: .whitespaces).hasPrefix("{") }) {
            return try openSignalsJSON(path: path, json: String(jsonLine.dropFirst()), headerLineCount: headerLineCount, metadata: metadata)
        }
        var fields: [String: String] = [:]
        for text in headerTexts {
            let body = text.dropFirst().trimmingCharacters(in: .whitespaces)
            guard let separator = body.range(of: ":=") else { continue }
            let key = body[..<separator.lowerBound].trimmingCharacters(in: .whitespaces)
            fields[key] = body[separator.upperBound...].trimmingCharacters(in: .whitespaces)
            metadata["opensignals.\(key)"] = fields[key]
        }
        guard let rateText = fields.first(where: { $0.key.lowercased().hasPrefix("sampling rate") })?.value else {
            throw .input(path, "no '# Sampling Rate (Hz):=' line in the header")
        }
        guard let rate = Double(rateText), rate.isFinite, rate > 0 else {
            throw .input(path, "invalid sample rate '\(rateText)'", hint: "the rate must be a positive number")
        }
        var labels = (fields["Labels"] ?? "").split(whereSeparator: { $0 == "\t" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }
        if let dataColumns, labels.count != dataColumns {
            let words = (fields["Labels"] ?? "").split(separator: " ").map(String.init)
            labels = words.count == dataColumns ? words : (0..<dataColumns).map { "ch\($0 + 1)" }
        }
        guard !labels.isEmpty else { throw .input(path, "no channels") }
        try ReadLimits.checkChannelCount(labels.count, path: path)
        let bits = fields["Resolution"].flatMap { Int($0) }
        let range = bits.map { 0...(pow(2, Double($0)) - 1) }
        let channels = labels.map { label -> ChannelInfo in
            var channel = ChannelInfo.labelled(label, unit: .counts, kind: .emg)
            channel.physicalRange = range
            return channel
        }
        return TextLayout(
            headerLineCount: headerLineCount, delimiter: nil, columnCount: labels.count, channels: channels,
            channelColumns: Array(labels.indices), scales: labels.map { _ in 1 }, sampleRate: rate, metadata: metadata)
    }

    private static func openSignalsJSON(path: String, json: String, headerLineCount: Int, metadata: [String: String]) throws(SynkError) -> TextLayout {
        var metadata = metadata
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw .input(path, "the JSON header is not valid JSON", place: "line 2")
        }
        guard object.count == 1, let (device, value) = object.first, let info = value as? [String: Any] else {
            throw .input(path, "the JSON header describes \(object.count) devices", place: "line 2",
                         hint: "synk reads OpenSignals text files of one device; export each device separately")
        }
        metadata["opensignals.mac"] = device
        func number(_ any: Any?) -> Double? { (any as? NSNumber)?.doubleValue ?? (any as? String).flatMap(Double.init) }
        guard let rate = number(info["sampling rate"]), rate.isFinite, rate > 0 else {
            throw .input(path, "the JSON header has no valid 'sampling rate'", place: "line 2", hint: "the rate must be a positive number")
        }
        guard let columns = info["column"] as? [String], !columns.isEmpty else {
            throw .input(path, "the JSON header has no 'column' list", place: "line 2")
        }
        try ReadLimits.checkChannelCount(columns.count, path: path)
        let labels = info["label"] as? [String] ?? []
        let sensors = info["sensor"] as? [String] ?? []
        let resolutions = (info["resolution"] as? [Any])?.compactMap { number($0) } ?? []
        for key in ["device", "device name", "date", "time", "firmware version", "comments"] {
            if let text = info[key].map({ "\($0)" }), !text.isEmpty { metadata["opensignals.\(key)"] = text }
        }
        if !sensors.isEmpty { metadata["opensignals.sensor"] = sensors.joined(separator: ",") }
        var channels: [ChannelInfo] = []
        var channelColumns: [Int] = []
        var analog = 0
        for (column, name) in columns.enumerated() {
            let bits = column < resolutions.count ? resolutions[column] : nil
            let range = bits.map { 0...(pow(2, $0) - 1) }
            if name.lowercased() == "nseq" { continue }
            if name.range(of: #"^(I|O|DI|DO)[0-9]+$"#, options: .regularExpression) != nil {
                // Digital inputs and outputs: kept as trigger lines.
                channels.append(ChannelInfo(label: name, unit: .unknown, kind: .trigger, physicalRange: range))
            } else {
                let label = analog < labels.count ? labels[analog] : name
                let sensor = analog < sensors.count ? sensors[analog].uppercased() : "EMG"
                var channel = ChannelInfo.labelled(label, unit: .counts, kind: sensor.hasPrefix("EMG") || sensor.isEmpty ? .emg : .auxiliary)
                channel.physicalRange = range
                channels.append(channel)
                analog += 1
            }
            channelColumns.append(column)
        }
        return TextLayout(
            headerLineCount: headerLineCount, delimiter: nil, columnCount: columns.count, channels: channels,
            channelColumns: channelColumns, scales: channels.map { _ in 1 }, sampleRate: rate, metadata: metadata)
    }

    // MARK: CSV / TSV

    /// Names a time column may have (compared lower-cased, without a unit).
    static let timeNames: Set<String> = ["time", "t", "time_s", "times", "seconds", "second", "sec", "secs", "s",
                                         "timestamp", "time_sec", "time_seconds", "elapsed", "elapsed time",
                                         "time_ms", "ms", "msec", "milliseconds"]

    /// Optional `#` comments, an optional header row of labels (`OOc-L [uV]`, `ZYG_R (mV)`), rows.
    static func delimited(_ lines: TextLineReader, tabSeparated: Bool) throws(SynkError) -> TextLayout {
        let path = lines.path
        var firstLine: String?
        var firstLineNumber = 0
        while let line = try lines.nextLine() {
            if TextCells.isBlankLine(line) || TextCells.isComment(line) { continue }
            firstLine = String(decoding: line, as: UTF8.self)
            firstLineNumber = lines.lineNumber
            break
        }
        guard let firstLine else { throw .input(path, "no data rows") }
        let delimiter: UInt8
        if tabSeparated || firstLine.contains("\t") { delimiter = TextCells.tab }
        else if firstLine.contains(";") { delimiter = UInt8(ascii: ";") }
        else { delimiter = UInt8(ascii: ",") }
        var cells = splitQuoted(firstLine, delimiter: Character(UnicodeScalar(delimiter)))
        if cells.count > 1, cells.last == "" { cells.removeLast() }
        let hasHeader = cells.contains { cell in !cell.isEmpty && !isNumber(cell, decimalComma: delimiter != UInt8(ascii: ",")) && !TextCells.missingTokens.contains(cell.lowercased()) }
        var metadata: [String: String] = [:]
        // The first data row: the first line itself when it holds no labels, else the next one.
        var sample: String? = hasHeader ? nil : firstLine
        var sampleLineNumber = firstLineNumber
        if sample == nil {
            while let line = try lines.nextLine() {
                if TextCells.isBlankLine(line) || TextCells.isComment(line) { continue }
                sample = String(decoding: line, as: UTF8.self)
                sampleLineNumber = lines.lineNumber
                break
            }
        }
        // With semicolons or tabs a comma in a number is a decimal comma (European spreadsheets).
        var decimalComma = false
        if delimiter != UInt8(ascii: ","), let sample, sample.contains(","), !sample.contains(".") {
            decimalComma = true
            metadata["text.decimalComma"] = "true"
        }
        // Prose with commas (a README, notes, source code) is not a table of samples: its first "data row" holds
        // words. Such a file is refused as what it is, before any rate or channel is asked for.
        if let sample, !isDataRow(sample, delimiter: Character(UnicodeScalar(delimiter)), decimalComma: decimalComma) {
            throw .input(path, "\(FormatSniffer.notARecording): line \(sampleLineNumber) holds words where a recording has numbers",
                         hint: FormatSniffer.formatsRead)
        }
        let columnCount = cells.count
        // One column may be the time: more columns than that are more channels than synk reads.
        try ReadLimits.checkChannelCount(columnCount - 1, path: path)
        var channels: [ChannelInfo] = []
        var channelColumns: [Int] = []
        var scales: [Double] = []
        var timeColumn: Int?
        var timeScale = 1.0
        var timeLabel = ""
        for (column, cell) in cells.enumerated() {
            guard hasHeader else {
                channels.append(ChannelInfo(label: "ch\(column + 1)", unit: .unknown, kind: .emg))
                channelColumns.append(column)
                scales.append(1)
                continue
            }
            let (label, unitText) = splitLabel(cell)
            let key = label.lowercased()
            if timeColumn == nil, timeNames.contains(key) {
                let unit = (unitText ?? (key.hasSuffix("ms") || key.hasPrefix("ms") || key.hasPrefix("msec") || key.hasPrefix("milli") ? "ms" : "s")).lowercased()
                switch unit {
                case "s", "sec", "secs", "second", "seconds": timeScale = 1
                case "ms", "msec", "millisecond", "milliseconds": timeScale = 1e-3
                case "us", "µs", "μs", "usec", "microseconds": timeScale = 1e-6
                case "min", "minutes": timeScale = 60
                default:
                    throw .input(path, "unknown time unit '\(unit)' in column \(column + 1)", place: "line \(firstLineNumber)")
                }
                timeColumn = column
                timeLabel = cell
                continue
            }
            let fileUnit = unitText.map { PhysicalUnit(parsing: $0) } ?? .unknown
            let lowered = label.lowercased()
            let triggerWords = ["trig", "marker", "stim", "digital", "event", "sync"]
            let kind: ChannelKind
            if triggerWords.contains(where: { lowered.contains($0) }) { kind = .trigger }
            else if fileUnit.isVoltage || fileUnit == .unknown || fileUnit == .counts { kind = .emg }
            else { kind = .auxiliary }
            let unit = fileUnit.isVoltage ? PhysicalUnit.microvolt : fileUnit
            let name = label.isEmpty ? "ch\(column + 1)" : label
            channels.append(kind == .emg ? .labelled(name, unit: unit, kind: .emg) : ChannelInfo(label: name, unit: unit, kind: kind))
            channelColumns.append(column)
            scales.append(fileUnit.microvoltsPerUnit ?? 1)
        }
        var layout = TextLayout(
            headerLineCount: hasHeader ? firstLineNumber : firstLineNumber - 1,
            delimiter: delimiter, decimalComma: decimalComma, columnCount: columnCount, channels: channels,
            channelColumns: channelColumns, scales: scales, metadata: metadata)
        layout.timeColumn = timeColumn
        layout.timeScale = timeScale
        layout.timeLabel = timeLabel
        if !hasHeader { layout.metadata["text.unitNote"] = "no header row: channels are unnamed and their unit unknown" }
        return layout
    }

    /// Whether a line is a row of samples: at least one cell is a number and at least half of the cells that hold
    /// anything besides a missing-value token (``TextCells/missingTokens``, or `-`) are numbers.
    static func isDataRow(_ line: String, delimiter: Character, decimalComma: Bool) -> Bool {
        let missing = TextCells.missingTokens.union(["-"])
        let cells = splitQuoted(line, delimiter: delimiter).filter { !$0.isEmpty && !missing.contains($0.lowercased()) }
        let numbers = cells.filter { isNumber($0, decimalComma: decimalComma) }.count
        return numbers > 0 && 2 * numbers >= cells.count
    }

    static func isNumber(_ text: String, decimalComma: Bool) -> Bool {
        let normalized = decimalComma ? text.replacingOccurrences(of: ",", with: ".") : text
        guard let value = Double(normalized.trimmingCharacters(in: .whitespaces)) else { return false }
        return value.isFinite
    }

    /// Splits one header line at `delimiter`, honouring double quotes (RFC 4180), each cell trimmed.
    static func splitQuoted(_ line: String, delimiter: Character) -> [String] {
        CSVText.split(line, delimiter: delimiter).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Units known in parentheses; `Zygomaticus (right)` keeps its parentheses as part of the label.
    private static let parenthesisedUnits: Set<String> = ["s", "ms", "sec", "msec", "us", "min", "deg", "degrees", "°",
                                                           "counts", "adc", "raw", "a.u.", "au", "%", "n", "g", "mm", "hz"]

    /// `OOc-L [uV]` → (`OOc-L`, `uV`); `ZYG_R (mV)` → (`ZYG_R`, `mV`); `Time (s)` → (`Time`, `s`).
    static func splitLabel(_ cell: String) -> (String, String?) {
        let text = cell.trimmingCharacters(in: .whitespaces)
        for (open, close) in [("[", "]"), ("(", ")")] {
            guard text.hasSuffix(close), let openIndex = text.range(of: open, options: .backwards) else { continue }
            let unit = String(text[openIndex.upperBound..<text.index(before: text.endIndex)]).trimmingCharacters(in: .whitespaces)
            let label = String(text[..<openIndex.lowerBound]).trimmingCharacters(in: .whitespaces)
            if open == "(" {
                let key = unit.lowercased()
                guard PhysicalUnit(parsing: unit).isVoltage || parenthesisedUnits.contains(key) else { continue }
            }
            return (label, unit)
        }
        return (text, nil)
    }
}
