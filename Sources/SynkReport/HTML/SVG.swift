import Foundation

/// Escapes text for XML/HTML content and attribute values.
package func xmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for ch in text {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(ch)
        }
    }
    return out
}

/// Axis tick positions at "nice" numbers (1, 2, 5 × 10^k), as a plotting library would choose them.
package enum NiceScale {
    package static func ticks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
        guard low.isFinite, high.isFinite else { return [] }
        if high <= low { return [low] }
        let raw = (high - low) / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var ticks: [Double] = []
        var t = ceil(low / step - 1e-9) * step
        while t <= high + step * 1e-9 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return ticks
    }

    /// A range widened to nice tick boundaries.
    package static func range(_ low: Double, _ high: Double) -> (Double, Double) {
        if !(low.isFinite && high.isFinite) { return (0, 1) }
        if high - low < 1e-12 { return (low - 1, high + 1) }
        let t = ticks(low, high)
        let step = t.count > 1 ? t[1] - t[0] : (high - low)
        return (floor(low / step + 1e-9) * step, ceil(high / step - 1e-9) * step)
    }

    package static func label(_ x: Double) -> String {
        if x == 0 { return "0" }
        if abs(x) >= 1e4 || abs(x) < 1e-3 { return String(format: "%.1e", x) }
        var s = String(format: "%.3f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}

/// Colours that stay distinguishable in print and for the common colour-vision deficiencies (Okabe–Ito).
package enum Palette {
    package static let series = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
    package static let affected = "#D55E00"
    package static let healthy = "#0072B2"
    package static let neutral = "#555555"

    /// A diverging blue–white–red colour for a value in −1…1 (correlations).
    package static func diverging(_ v: Double) -> String {
        let x = max(-1, min(1, v.isFinite ? v : 0))
        let (r, g, b): (Double, Double, Double) = x >= 0
            ? (1, 1 - 0.75 * x, 1 - 0.8 * x)
            : (1 + 0.8 * x, 1 + 0.55 * x, 1)
        return String(format: "#%02X%02X%02X", Int(r * 255), Int(g * 255), Int(b * 255))
    }

    /// Blue (below 1) – white (1) – orange (above 1) for a ratio, saturating at a factor of `saturation`
    /// (both ends of the Okabe–Ito blue/vermillion pair, which stay apart for every common deficiency).
    package static func ratio(_ r: Double, saturation: Double = 4) -> String {
        guard r.isFinite, r > 0 else { return "#E6E6E6" }
        let x = max(-1, min(1, log(r) / log(saturation)))
        let end: (Double, Double, Double) = x >= 0 ? (0xD5, 0x5E, 0x00) : (0x00, 0x72, 0xB2)
        let t = abs(x) * 0.85
        let mix = { (e: Double) in Int((255 - (255 - e) * t).rounded()) }
        return String(format: "#%02X%02X%02X", mix(end.0), mix(end.1), mix(end.2))
    }
}

/// Estimated extents of SVG text, so that labels can be placed apart before a browser lays them out (a test
/// measures the real boxes in Chromium).
package struct TextBox: Sendable, Hashable {
    package var x0: Double, y0: Double, x1: Double, y1: Double

    /// DejaVu Sans (the report's first available font on Linux) averages about 0.6 em per character.
    package static func estimate(x: Double, y: Double, text: String, fontSize: Double, anchor: String = "start") -> TextBox {
        let width = Double(text.count) * fontSize * 0.62
        let left: Double
        switch anchor {
        case "middle": left = x - width / 2
        case "end": left = x - width
        default: left = x
        }
        return TextBox(x0: left, y0: y - fontSize * 0.8, x1: left + width, y1: y + fontSize * 0.25)
    }

    package func intersects(_ other: TextBox, margin: Double = 0) -> Bool {
        x0 < other.x1 + margin && other.x0 < x1 + margin && y0 < other.y1 + margin && other.y0 < y1 + margin
    }
}

/// Places labels so that none overlaps another: each label tries its preferred position, then steps down (or up)
/// by a line until its box is free.
struct LabelPlacer {
    var placed: [TextBox] = []

    /// The y at which `text` fits near (x, y), moving by `step` at most `tries` times.
    mutating func place(x: Double, y: Double, text: String, fontSize: Double, anchor: String = "start", step: Double, tries: Int = 12) -> Double {
        var candidate = y
        for _ in 0...tries {
            let box = TextBox.estimate(x: x, y: candidate, text: text, fontSize: fontSize, anchor: anchor)
            if !placed.contains(where: { $0.intersects(box, margin: 1) }) {
                placed.append(box)
                return candidate
            }
            candidate += step
        }
        placed.append(TextBox.estimate(x: x, y: candidate, text: text, fontSize: fontSize, anchor: anchor))
        return candidate
    }
}

/// One line of a ``LinePlot``.
package struct PlotSeries: Sendable {
    package var name: String
    package var x: [Double]
    package var y: [Double]
    package var color: String
    package var dashed: Bool
    package var markers: Bool
    /// Interval per point (error bars), when known.
    package var lower: [Double]?
    package var upper: [Double]?
    package var width: Double = 1.4

    package init(name: String, x: [Double], y: [Double], color: String, dashed: Bool = false, markers: Bool = false) {
        self.name = name
        self.x = x
        self.y = y
        self.color = color
        self.dashed = dashed
        self.markers = markers
    }
}

/// A labelled vertical line (an onset or peak cursor, a task boundary).
package struct PlotCursor: Sendable {
    package var x: Double
    package var label: String
    package var color: String

    package init(x: Double, label: String, color: String) {
        self.x = x
        self.label = label
        self.color = color
    }
}

/// A line plot with labelled axes (units included in the labels), ticks, legend and optional cursors. Labels
/// inside the frame (cursors, reference lines) are placed so that they do not overlap.
package struct LinePlot: Sendable {
    package var title: String
    package var xLabel: String
    package var yLabel: String
    package var series: [PlotSeries]
    package var cursors: [PlotCursor] = []
    package var width = 460.0
    package var height = 220.0
    /// Fixed y range, so that plots meant to be compared share a scale.
    package var yRange: (Double, Double)?
    package var xRange: (Double, Double)?
    /// Horizontal reference lines (value, label).
    package var references: [(Double, String)] = []
    /// Tick positions and labels for x (dates); nice numbers when `nil`.
    package var xTicks: [(Double, String)]?
    /// A second title line (a verdict), drawn in the title's colour scheme below it.
    package var subtitle: String?
    /// Left margin (room for the y tick labels).
    package var leftMargin = 58.0
    package var showLegend = true
    /// The smaller title size (small panels that should look alike whatever their titles' lengths).
    package var smallTitle = false

    package init(title: String, xLabel: String, yLabel: String, series: [PlotSeries]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// At most `maximum` points per series, keeping each bucket's minimum and maximum so peaks survive.
    package static func thin(x: [Double], y: [Double], maximum: Int = 600) -> ([Double], [Double]) {
        guard x.count > maximum, maximum >= 4 else { return (x, y) }
        let buckets = maximum / 2
        var xs: [Double] = [], ys: [Double] = []
        for b in 0..<buckets {
            let lo = b * x.count / buckets, hi = (b + 1) * x.count / buckets
            guard hi > lo else { continue }
            var iMin = lo, iMax = lo
            for i in lo..<hi {
                if y[i] < y[iMin] { iMin = i }
                if y[i] > y[iMax] { iMax = i }
            }
            for i in [iMin, iMax].sorted() { xs.append(x[i]); ys.append(y[i]) }
        }
        return (xs, ys)
    }

    /// Legend rows: as many columns as the longest name allows.
    func legendLayout(plotW: Double) -> (columns: Int, rows: Int, columnWidth: Double) {
        let entries = showLegend && series.count > 1 ? series.count : 0
        guard entries > 0 else { return (1, 0, plotW) }
        let longest = Double(series.map(\.name.count).max() ?? 1) * 10.5 * 0.62 + 30
        let columns = max(1, min(entries, Int((plotW + 40) / longest)))
        return (columns, (entries + columns - 1) / columns, (plotW + 40) / Double(columns))
    }

    package func svg() -> String {
        let finiteY = series.flatMap { $0.y + ($0.lower ?? []) + ($0.upper ?? []) }.filter(\.isFinite) + references.map(\.0)
        let (y0, y1) = yRange ?? NiceScale.range(finiteY.min() ?? 0, finiteY.max() ?? 1)
        let right = 12.0, top = subtitle == nil ? 26.0 : 40.0, bottom = 42.0
        let legend = legendLayout(plotW: width - leftMargin - right)
        let legendHeight = 16.0 * Double(legend.rows)
        let plotH = height - top - bottom - legendHeight
        let yTicks = NiceScale.ticks(y0, y1, count: max(2, min(4, Int(plotH / 22))))
        // Room for the rotated axis label (x ≈ 4…17) and the widest tick label right-aligned at left − 5.
        let widestTick = yTicks.map { Double(NiceScale.label($0).count) * 10 * 0.62 }.max() ?? 0
        let left = max(leftMargin, 20 + widestTick + 5)
        let plotW = width - left - right
        let finiteX = series.flatMap { $0.x }.filter(\.isFinite) + cursors.map(\.x)
        let (x0, x1) = xRange ?? ((finiteX.min() ?? 0), (finiteX.max() ?? 1))
        let sx = { (x: Double) in left + (x - x0) / max(1e-12, x1 - x0) * plotW }
        let sy = { (y: Double) in top + plotH - (y - y0) / max(1e-12, y1 - y0) * plotH }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(xmlEscape(title))\">"
        // Bold DejaVu runs about 0.7 em a character: a title that would not fit takes the smaller title size.
        let titleClass = smallTitle || Double(title.count) * 11.5 * 0.7 > width - 8 ? "title small" : "title"
        s += "<text x=\"4\" y=\"16\" class=\"\(titleClass)\">\(xmlEscape(title))</text>"
        if let subtitle { s += "<text x=\"4\" y=\"31\" class=\"subtitle\">\(xmlEscape(subtitle))</text>" }
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" class=\"frame\"/>"
        var yTickBoxes = LabelPlacer()
        for t in yTicks {
            let y = sy(t)
            s += "<line x1=\"\(left)\" x2=\"\(f(left + plotW))\" y1=\"\(f(y))\" y2=\"\(f(y))\" class=\"grid\"/>"
            let label = NiceScale.label(t)
            let box = TextBox.estimate(x: left - 5, y: y + 3.5, text: label, fontSize: 10, anchor: "end")
            if yTickBoxes.placed.contains(where: { $0.intersects(box) }) { continue }
            yTickBoxes.placed.append(box)
            s += "<text x=\"\(f(left - 5))\" y=\"\(f(y + 3.5))\" class=\"tick\" text-anchor=\"end\">\(label)</text>"
        }
        let ticks: [(Double, String)] = xTicks ?? NiceScale.ticks(x0, x1, count: max(3, min(6, Int(plotW / 45)))).map { ($0, NiceScale.label($0)) }
        var xTickBoxes: [TextBox] = []
        for (t, label) in ticks where t >= x0 - 1e-9 && t <= x1 + 1e-9 {
            let x = sx(t)
            s += "<line x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(top + plotH))\" y2=\"\(f(top + plotH + 4))\" class=\"axis\"/>"
            let box = TextBox.estimate(x: x, y: top + plotH + 15, text: label, fontSize: 10, anchor: "middle")
            // A tick label that would collide with its neighbour is dropped (the tick mark stays).
            guard !xTickBoxes.contains(where: { $0.intersects(box, margin: 3) }) else { continue }
            xTickBoxes.append(box)
            s += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 15))\" class=\"tick\" text-anchor=\"middle\">\(xmlEscape(label))</text>"
        }
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH + 32))\" class=\"label\" text-anchor=\"middle\">\(xmlEscape(xLabel))</text>"
        s += "<text transform=\"translate(13,\(f(top + plotH / 2))) rotate(-90)\" class=\"label\" text-anchor=\"middle\">\(xmlEscape(yLabel))</text>"
        var placer = LabelPlacer()
        for (value, _) in references where value >= y0 && value <= y1 {
            s += "<line x1=\"\(left)\" x2=\"\(f(left + plotW))\" y1=\"\(f(sy(value)))\" y2=\"\(f(sy(value)))\" class=\"reference\"/>"
        }
        for series in self.series {
            let (xs, ys) = LinePlot.thin(x: series.x, y: series.y)
            var path = ""
            var pen = false
            for (x, y) in zip(xs, ys) {
                guard x.isFinite, y.isFinite else { pen = false; continue }
                path += (pen ? "L" : "M") + "\(f(sx(x))),\(f(sy(min(max(y, y0), y1))))"
                pen = true
            }
            let dash = series.dashed ? " stroke-dasharray=\"5,3\"" : ""
            s += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"\(series.width)\"\(dash)/>"
            if let lower = series.lower, let upper = series.upper {
                for (i, x) in series.x.enumerated() where i < lower.count && i < upper.count && x.isFinite && lower[i].isFinite && upper[i].isFinite {
                    let a = sy(min(max(lower[i], y0), y1)), b = sy(min(max(upper[i], y0), y1)), cx = sx(x)
                    s += "<path d=\"M\(f(cx)),\(f(a))L\(f(cx)),\(f(b))M\(f(cx - 3)),\(f(a))L\(f(cx + 3)),\(f(a))M\(f(cx - 3)),\(f(b))L\(f(cx + 3)),\(f(b))\" stroke=\"\(series.color)\" stroke-width=\"1.1\" fill=\"none\"/>"
                }
            }
            if series.markers {
                for (x, y) in zip(xs, ys) where x.isFinite && y.isFinite {
                    s += "<circle cx=\"\(f(sx(x)))\" cy=\"\(f(sy(min(max(y, y0), y1))))\" r=\"3.2\" fill=\"\(series.color)\"/>"
                }
            }
        }
        for cursor in cursors where cursor.x >= x0 && cursor.x <= x1 {
            s += "<line x1=\"\(f(sx(cursor.x)))\" x2=\"\(f(sx(cursor.x)))\" y1=\"\(top)\" y2=\"\(f(top + plotH))\" stroke=\"\(cursor.color)\" stroke-dasharray=\"2,2\"/>"
        }
        // Labels last, so that each finds a free place among those drawn before it.
        for cursor in cursors.sorted(by: { $0.x < $1.x }) where cursor.x >= x0 && cursor.x <= x1 && !cursor.label.isEmpty {
            let x = sx(cursor.x) + 2
            let anchor = x + Double(cursor.label.count) * 6.2 > left + plotW ? "end" : "start"
            let lx = anchor == "end" ? sx(cursor.x) - 2 : x
            let y = placer.place(x: lx, y: top + 10, text: cursor.label, fontSize: 10, anchor: anchor, step: 11)
            s += "<text x=\"\(f(lx))\" y=\"\(f(y))\" class=\"tick halo\" fill=\"\(cursor.color)\" text-anchor=\"\(anchor)\">\(xmlEscape(cursor.label))</text>"
        }
        for (value, label) in references where value >= y0 && value <= y1 && !label.isEmpty {
            let preferred = sy(value) - 3 < top + 10 ? sy(value) + 11 : sy(value) - 3
            let step = preferred > top + plotH / 2 ? -11.0 : 11.0
            let y = placer.place(x: left + plotW - 3, y: preferred, text: label, fontSize: 10, anchor: "end", step: step)
            s += "<text x=\"\(f(left + plotW - 3))\" y=\"\(f(y))\" class=\"tick halo\" text-anchor=\"end\">\(xmlEscape(label))</text>"
        }
        if legend.rows > 0 {
            for (i, series) in series.enumerated() {
                let lx = 8 + Double(i % legend.columns) * legend.columnWidth, ly = height - legendHeight + 12 + Double(i / legend.columns) * 16
                let dash = series.dashed ? " stroke-dasharray=\"5,3\"" : ""
                s += "<line x1=\"\(f(lx))\" x2=\"\(f(lx + 18))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(series.color)\" stroke-width=\"2\"\(dash)/>"
                if series.markers { s += "<circle cx=\"\(f(lx + 9))\" cy=\"\(f(ly - 4))\" r=\"3\" fill=\"\(series.color)\"/>" }
                s += "<text x=\"\(f(lx + 22))\" y=\"\(f(ly))\" class=\"legend\">\(xmlEscape(series.name))</text>"
            }
        }
        return s + "</svg>"
    }
}

/// A labelled matrix of values (e.g. task × follower), each cell coloured and printed, with its colour key.
package struct HeatMap: Sendable {
    package var title: String
    package var rowLabels: [String]
    package var columnLabels: [String]
    /// `values[row][column]`; `nil` cells are drawn grey ("not measured").
    package var values: [[Double?]]
    /// Cells to outline (e.g. the pairs the decision calls synkinetic), with the marker text printed after the value.
    package var marks: [[String?]] = []
    /// Colour of a value; correlations by default.
    package var color: @Sendable (Double) -> String = { Palette.diverging($0) }
    /// Printed form of a value.
    package var format: @Sendable (Double) -> String = { String(format: "%.2f", $0) }
    /// Key entries (value, label) drawn beside the map.
    package var key: [(Double, String)] = [(1, "r = 1"), (0, "0"), (-1, "−1")]
    package var cell = 34.0

    package init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double?]]) {
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
    }

    package func svg() -> String {
        let cell = self.cell
        let left = 10 + 6.3 * Double(rowLabels.map(\.count).max() ?? 4), top = 44.0
        let keyWidth = 14 + 6.3 * Double(key.map(\.1.count).max() ?? 4) + 22
        let width = left + cell * Double(columnLabels.count) + keyWidth, height = max(top + cell * Double(rowLabels.count) + 8, top + 20 * Double(key.count) + 8)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(xmlEscape(title))\">"
        s += "<text x=\"4\" y=\"16\" class=\"title\">\(xmlEscape(title))</text>"
        for (c, label) in columnLabels.enumerated() {
            s += "<text x=\"\(f(left + cell * (Double(c) + 0.5)))\" y=\"\(f(top - 6))\" class=\"tick\" text-anchor=\"middle\">\(xmlEscape(label))</text>"
        }
        for (r, label) in rowLabels.enumerated() {
            let y = top + cell * Double(r)
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(y + cell / 2 + 4))\" class=\"tick\" text-anchor=\"end\">\(xmlEscape(label))</text>"
            for c in columnLabels.indices {
                let x = left + cell * Double(c)
                let mark = r < marks.count && c < marks[r].count ? marks[r][c] : nil
                if let v = values[r][c], v.isFinite {
                    s += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell - 1))\" height=\"\(f(cell - 1))\" fill=\"\(color(v))\"\(mark == nil ? "" : " class=\"marked\"")><title>\(xmlEscape("\(label) × \(columnLabels[c]): \(String(format: "%.2f", v))"))</title></rect>"
                    s += "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2 + 3))\" class=\"cell\(mark == nil ? "" : " strong")\" text-anchor=\"middle\">\(xmlEscape(format(v) + (mark ?? "")))</text>"
                } else {
                    s += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell - 1))\" height=\"\(f(cell - 1))\" class=\"missing\"><title>not measured</title></rect>"
                }
            }
        }
        let kx = left + cell * Double(columnLabels.count) + 12
        for (i, (value, label)) in key.enumerated() {
            let y = top + 20 * Double(i)
            s += "<rect x=\"\(f(kx))\" y=\"\(f(y))\" width=\"14\" height=\"14\" fill=\"\(color(value))\" class=\"keycell\"/>"
            s += "<text x=\"\(f(kx + 18))\" y=\"\(f(y + 11))\" class=\"tick\">\(xmlEscape(label))</text>"
        }
        return s + "</svg>"
    }
}

/// Horizontal bars with a value axis and optional reference lines (e.g. ENoG % per branch). Reference lines are
/// explained in a key line under the axis, not on the bars.
package struct BarChart: Sendable {
    package struct Bar: Sendable {
        package var label: String
        package var value: Double?
        package var color: String
        package init(label: String, value: Double?, color: String) {
            self.label = label
            self.value = value
            self.color = color
        }
    }

    package var title: String
    package var valueLabel: String
    package var bars: [Bar]
    package var range: (Double, Double)
    package var references: [(Double, String)] = []
    package var plotWidth = 260.0

    package init(title: String, valueLabel: String, bars: [Bar], range: (Double, Double)) {
        self.title = title
        self.valueLabel = valueLabel
        self.bars = bars
        self.range = range
    }

    package func svg() -> String {
        let left = 14 + 6.3 * Double(bars.map(\.label.count).max() ?? 6), barH = 20.0, top = 26.0
        let plotW = plotWidth, width = left + plotW + 50
        let bottom = top + barH * Double(bars.count)
        let height = bottom + 34 + 14 * Double(references.count)
        let sx = { (v: Double) in left + (v - range.0) / (range.1 - range.0) * plotW }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(xmlEscape(title))\">"
        s += "<text x=\"4\" y=\"16\" class=\"title\">\(xmlEscape(title))</text>"
        for t in NiceScale.ticks(range.0, range.1, count: 5) {
            s += "<line x1=\"\(f(sx(t)))\" x2=\"\(f(sx(t)))\" y1=\"\(top)\" y2=\"\(f(bottom))\" class=\"grid\"/>"
            s += "<text x=\"\(f(sx(t)))\" y=\"\(f(bottom + 13))\" class=\"tick\" text-anchor=\"middle\">\(NiceScale.label(t))</text>"
        }
        for (i, bar) in bars.enumerated() {
            let y = top + barH * Double(i)
            s += "<text x=\"\(f(left - 5))\" y=\"\(f(y + barH / 2 + 4))\" class=\"tick\" text-anchor=\"end\">\(xmlEscape(bar.label))</text>"
            if let v = bar.value, v.isFinite {
                let clamped = min(max(v, range.0), range.1)
                s += "<rect x=\"\(f(sx(range.0)))\" y=\"\(f(y + 3))\" width=\"\(f(sx(clamped) - sx(range.0)))\" height=\"\(f(barH - 6))\" fill=\"\(bar.color)\"/>"
                s += "<text x=\"\(f(sx(clamped) + 4))\" y=\"\(f(y + barH / 2 + 4))\" class=\"tick\">\(String(format: "%.0f", v))</text>"
            } else {
                s += "<text x=\"\(f(sx(range.0) + 4))\" y=\"\(f(y + barH / 2 + 4))\" class=\"tick\">not measured</text>"
            }
        }
        for (value, _) in references {
            s += "<line x1=\"\(f(sx(value)))\" x2=\"\(f(sx(value)))\" y1=\"\(top - 2)\" y2=\"\(f(bottom))\" class=\"reference\"/>"
        }
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(bottom + 27))\" class=\"label\" text-anchor=\"middle\">\(xmlEscape(valueLabel))</text>"
        for (i, (_, label)) in references.enumerated() {
            let y = bottom + 41 + 14 * Double(i)
            s += "<line x1=\"4\" x2=\"22\" y1=\"\(f(y - 4))\" y2=\"\(f(y - 4))\" class=\"reference\"/>"
            s += "<text x=\"26\" y=\"\(f(y))\" class=\"tick\">\(xmlEscape(label))</text>"
        }
        return s + "</svg>"
    }
}

/// Two decimals are plenty for screen coordinates and keep the HTML small.
@inline(__always) func f(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    return String(format: "%.1f", x)
}
