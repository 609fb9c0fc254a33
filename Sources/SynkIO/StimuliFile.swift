import Foundation
import SynkCore

/// A stimuli table given with `--stimuli`: columns `time_s` (or `onset`), and optionally `intensity_ma`,
/// `site`, `side`, `branch`; tab- or comma-separated. At most ``InputLimits/maximumStimuli`` rows.
public enum StimuliFile {
    public static func read(_ path: String) throws(SynkError) -> [Stimulus] {
        let table = try DelimitedTable.read(path: path, role: "stimuli table", maximumRows: InputLimits.maximumStimuli)
        guard let time = table.columns.firstIndex(of: "time_s") ?? table.columns.firstIndex(of: "onset") ?? table.columns.firstIndex(of: "time") else {
            throw .input(path, "a stimuli file needs a 'time_s' (or 'onset') column", place: "line 1")
        }
        let intensity = table.columns.firstIndex(of: "intensity_ma")
        let site = table.columns.firstIndex(of: "site")
        let side = table.columns.firstIndex(of: "side")
        let branch = table.columns.firstIndex(of: "branch")
        var stimuli: [Stimulus] = []
        for (cells, line) in zip(table.rows, table.lines) {
            guard let text = DelimitedTable.value(cells[time]), let t = Double(text), t.isFinite, t >= 0 else {
                throw .input(path, "time \(SynkError.quoted(cells[time])) is not a non-negative number of seconds", place: "line \(line)")
            }
            var stimulus = Stimulus(time: t)
            if let intensity, let text = DelimitedTable.value(cells[intensity]) {
                guard let value = Double(text), value.isFinite, value >= 0 else {
                    throw .input(path, "intensity \(SynkError.quoted(text)) is not a number of mA", place: "line \(line)")
                }
                stimulus.intensityMilliampere = value
            }
            if let site { stimulus.site = DelimitedTable.value(cells[site]) }
            if let side, let text = DelimitedTable.value(cells[side]) {
                guard let parsed = Side(parsing: text) else { throw .input(path, "side \(SynkError.quoted(text)) is not left or right", place: "line \(line)") }
                stimulus.side = parsed
            }
            if let branch, let text = DelimitedTable.value(cells[branch]) {
                guard let parsed = Branch(parsing: text) else { throw .input(path, "unknown branch \(SynkError.quoted(text))", place: "line \(line)") }
                stimulus.branch = parsed
            }
            stimuli.append(stimulus)
        }
        return stimuli
    }
}
