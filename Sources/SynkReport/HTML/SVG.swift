import Foundation

/// Escapes text for XML/HTML content and attribute values.
public func xmlEscape(_ text: String) -> String {
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
public enum NiceScale {
    public static func ticks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
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
    public static func range(_ low: Double, _ high: Double) -> (Double, Double) {
        if !(low.isFinite && high.isFinite) { return (0, 1) }
        if high - low < 1e-12 { return (low - 1, high + 1) }
        let t = ticks(low, high)
        let step = t.count > 1 ? t[1] - t[0] : (high - low)
        return (floor(low / step + 1e-9) * step, ceil(high / step - 1e-9) * step)
    }

    public static func label(_ x: Double) -> String {
        if x == 0 { return "0" }
        if abs(x) >= 1e4 || abs(x) < 1e-3 { return String(format: "%.1e", x) }
        var s = String(format: "%.3f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}

/// Colours that stay distinguishable in print and for the common colour-vision deficiencies (Okabe–Ito).
public enum Palette {
    public static let series = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
    public static let affected = "#D55E00"
    public static let healthy = "#0072B2"

    /// A diverging blue–white–red colour for a value in −1…1 (correlations).
    public static func diverging(_ v: Double) -> String {
        let x = max(-1, min(1, v.isFinite ? v : 0))
        let (r, g, b): (Double, Double, Double) = x >= 0
            ? (1, 1 - 0.75 * x, 1 - 0.8 * x)
            : (1 + 0.8 * x, 1 + 0.55 * x, 1)
        return String(format: "#%02X%02X%02X", Int(r * 255), Int(g * 255), Int(b * 255))
    }
}

/// One line of a ``LinePlot``.
public struct PlotSeries: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var color: String
    public var dashed: Bool
    public var markers: Bool

    public init(name: String, x: [Double], y: [Double], color: String, dashed: Bool = false, markers: Bool = false) {
        self.name = name
        self.x = x
        self.y = y
        self.color = color
        self.dashed = dashed
        self.markers = markers
    }
}

/// A labelled vertical line (an onset or peak cursor, a task boundary).
public struct PlotCursor: Sendable {
    public var x: Double
    public var label: String
    public var color: String

    public init(x: Double, label: String, color: String) {
        self.x = x
        self.label = label
        self.color = color
    }
}

/// A line plot with labelled axes (units included in the labels), ticks, legend and optional cursors.
public struct LinePlot: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [PlotSeries]
    public var cursors: [PlotCursor] = []
    public var width = 460.0
    public var height = 220.0
    /// Fixed y range, so that plots meant to be compared share a scale.
    public var yRange: (Double, Double)?
    public var xRange: (Double, Double)?
    /// Horizontal reference lines (value, label).
    public var references: [(Double, String)] = []

    public init(title: String, xLabel: String, yLabel: String, series: [PlotSeries]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// At most `maximum` points per series, keeping each bucket's minimum and maximum so peaks survive.
    public static func thin(x: [Double], y: [Double], maximum: Int = 600) -> ([Double], [Double]) {
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

    public func svg() -> String {
        let left = 58.0, right = 12.0, top = 26.0, bottom = 42.0
        let legendHeight = series.count > 1 ? 16.0 * Double((series.count + 2) / 3) : 0
        let plotW = width - left - right, plotH = height - top - bottom - legendHeight
        let finiteX = series.flatMap { $0.x }.filter(\.isFinite) + cursors.map(\.x)
        let finiteY = series.flatMap { $0.y }.filter(\.isFinite) + references.map(\.0)
        let (x0, x1) = xRange ?? ((finiteX.min() ?? 0), (finiteX.max() ?? 1))
        let (y0, y1) = yRange ?? NiceScale.range(finiteY.min() ?? 0, finiteY.max() ?? 1)
        let sx = { (x: Double) in left + (x - x0) / max(1e-12, x1 - x0) * plotW }
        let sy = { (y: Double) in top + plotH - (y - y0) / max(1e-12, y1 - y0) * plotH }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(xmlEscape(title))\">"
        s += "<text x=\"\(left)\" y=\"16\" class=\"title\">\(xmlEscape(title))</text>"
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" class=\"frame\"/>"
        for t in NiceScale.ticks(y0, y1, count: 4) {
            let y = sy(t)
            s += "<line x1=\"\(left)\" x2=\"\(left + plotW)\" y1=\"\(f(y))\" y2=\"\(f(y))\" class=\"grid\"/>"
            s += "<text x=\"\(left - 5)\" y=\"\(f(y + 3.5))\" class=\"tick\" text-anchor=\"end\">\(NiceScale.label(t))</text>"
        }
        for t in NiceScale.ticks(x0, x1, count: 6) {
            let x = sx(t)
            s += "<line x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(top + plotH)\" y2=\"\(top + plotH + 4)\" class=\"axis\"/>"
            s += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 15))\" class=\"tick\" text-anchor=\"middle\">\(NiceScale.label(t))</text>"
        }
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH + 32))\" class=\"label\" text-anchor=\"middle\">\(xmlEscape(xLabel))</text>"
        s += "<text transform=\"translate(14,\(f(top + plotH / 2))) rotate(-90)\" class=\"label\" text-anchor=\"middle\">\(xmlEscape(yLabel))</text>"
        for (value, label) in references where value >= y0 && value <= y1 {
            s += "<line x1=\"\(left)\" x2=\"\(left + plotW)\" y1=\"\(f(sy(value)))\" y2=\"\(f(sy(value)))\" class=\"reference\"/>"
            s += "<text x=\"\(left + plotW - 3)\" y=\"\(f(sy(value) - 3))\" class=\"tick\" text-anchor=\"end\">\(xmlEscape(label))</text>"
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
            s += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"1.4\"\(dash)/>"
            if series.markers {
                for (x, y) in zip(xs, ys) where x.isFinite && y.isFinite {
                    s += "<circle cx=\"\(f(sx(x)))\" cy=\"\(f(sy(y)))\" r=\"3\" fill=\"\(series.color)\"/>"
                }
            }
        }
        for cursor in cursors where cursor.x >= x0 && cursor.x <= x1 {
            let x = sx(cursor.x)
            s += "<line x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(top)\" y2=\"\(top + plotH)\" stroke=\"\(cursor.color)\" stroke-dasharray=\"2,2\"/>"
            s += "<text x=\"\(f(x + 2))\" y=\"\(f(top + 10))\" class=\"tick\" fill=\"\(cursor.color)\">\(xmlEscape(cursor.label))</text>"
        }
        if series.count > 1 {
            for (i, series) in series.enumerated() {
                let lx = left + Double(i % 3) * (plotW / 3), ly = height - legendHeight + 12 + Double(i / 3) * 16
                let dash = series.dashed ? " stroke-dasharray=\"5,3\"" : ""
                s += "<line x1=\"\(f(lx))\" x2=\"\(f(lx + 18))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(series.color)\" stroke-width=\"2\"\(dash)/>"
                s += "<text x=\"\(f(lx + 22))\" y=\"\(f(ly))\" class=\"legend\">\(xmlEscape(series.name))</text>"
            }
        }
        return s + "</svg>"
    }
}

/// A labelled matrix of values in −1…1 (e.g. muscle × muscle correlation), with its colour key.
public struct HeatMap: Sendable {
    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `values[row][column]`; `nil` cells are drawn hatched grey ("not measured").
    public var values: [[Double?]]

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double?]]) {
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
    }

    public func svg() -> String {
        let cell = columnLabels.count > 10 ? 24.0 : 34.0
        let left = 12 + 7.0 * Double(rowLabels.map(\.count).max() ?? 4), top = 30 + 6.5 * Double(columnLabels.map(\.count).max() ?? 4)
        let width = left + cell * Double(columnLabels.count) + 70, height = top + cell * Double(rowLabels.count) + 12
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(xmlEscape(title))\">"
        s += "<text x=\"4\" y=\"16\" class=\"title\">\(xmlEscape(title))</text>"
        for (c, label) in columnLabels.enumerated() {
            let x = left + cell * (Double(c) + 0.5)
            s += "<text transform=\"translate(\(f(x + 3)),\(f(top - 4))) rotate(-60)\" class=\"tick\">\(xmlEscape(label))</text>"
        }
        for (r, label) in rowLabels.enumerated() {
            let y = top + cell * Double(r)
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(y + cell / 2 + 4))\" class=\"tick\" text-anchor=\"end\">\(xmlEscape(label))</text>"
            for c in columnLabels.indices {
                let x = left + cell * Double(c)
                if let v = values[r][c], v.isFinite {
                    s += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell - 1))\" height=\"\(f(cell - 1))\" fill=\"\(Palette.diverging(v))\"><title>\(xmlEscape("\(label) × \(columnLabels[c]): \(String(format: "%.2f", v))"))</title></rect>"
                    if cell >= 24 {
                        s += "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2 + 3))\" class=\"cell\" text-anchor=\"middle\">\(String(format: "%.2f", v).replacingOccurrences(of: "0.", with: "."))</text>"
                    }
                } else {
                    s += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell - 1))\" height=\"\(f(cell - 1))\" class=\"missing\"><title>not measured</title></rect>"
                }
            }
        }
        let kx = left + cell * Double(columnLabels.count) + 14
        for i in 0..<20 {
            let v = 1 - Double(i) / 9.5
            s += "<rect x=\"\(f(kx))\" y=\"\(f(top + Double(i) * 6))\" width=\"12\" height=\"6\" fill=\"\(Palette.diverging(v))\"/>"
        }
        s += "<text x=\"\(f(kx + 16))\" y=\"\(f(top + 6))\" class=\"tick\">r = 1</text>"
        s += "<text x=\"\(f(kx + 16))\" y=\"\(f(top + 63))\" class=\"tick\">0</text>"
        s += "<text x=\"\(f(kx + 16))\" y=\"\(f(top + 120))\" class=\"tick\">−1</text>"
        return s + "</svg>"
    }
}

/// Horizontal bars with a value axis and optional reference lines (e.g. ENoG % per branch).
public struct BarChart: Sendable {
    public struct Bar: Sendable {
        public var label: String
        public var value: Double?
        public var color: String
        public init(label: String, value: Double?, color: String) {
            self.label = label
            self.value = value
            self.color = color
        }
    }

    public var title: String
    public var valueLabel: String
    public var bars: [Bar]
    public var range: (Double, Double)
    public var references: [(Double, String)] = []

    public init(title: String, valueLabel: String, bars: [Bar], range: (Double, Double)) {
        self.title = title
        self.valueLabel = valueLabel
        self.bars = bars
        self.range = range
    }

    public func svg() -> String {
        let left = 14 + 7.0 * Double(bars.map(\.label.count).max() ?? 6), barH = 22.0, top = 28.0
        let plotW = 300.0, width = left + plotW + 60, height = top + barH * Double(bars.count) + 44
        let sx = { (v: Double) in left + (v - range.0) / (range.1 - range.0) * plotW }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(xmlEscape(title))\">"
        s += "<text x=\"4\" y=\"16\" class=\"title\">\(xmlEscape(title))</text>"
        let bottom = top + barH * Double(bars.count)
        for t in NiceScale.ticks(range.0, range.1, count: 5) {
            s += "<line x1=\"\(f(sx(t)))\" x2=\"\(f(sx(t)))\" y1=\"\(top)\" y2=\"\(f(bottom))\" class=\"grid\"/>"
            s += "<text x=\"\(f(sx(t)))\" y=\"\(f(bottom + 14))\" class=\"tick\" text-anchor=\"middle\">\(NiceScale.label(t))</text>"
        }
        for (i, bar) in bars.enumerated() {
            let y = top + barH * Double(i)
            s += "<text x=\"\(f(left - 5))\" y=\"\(f(y + barH / 2 + 4))\" class=\"tick\" text-anchor=\"end\">\(xmlEscape(bar.label))</text>"
            if let v = bar.value, v.isFinite {
                let clamped = min(max(v, range.0), range.1)
                s += "<rect x=\"\(f(sx(range.0)))\" y=\"\(f(y + 3))\" width=\"\(f(sx(clamped) - sx(range.0)))\" height=\"\(f(barH - 6))\" fill=\"\(bar.color)\"/>"
                s += "<text x=\"\(f(sx(clamped) + 4))\" y=\"\(f(y + barH / 2 + 4))\" class=\"tick\">\(String(format: "%.1f", v))</text>"
            } else {
                s += "<text x=\"\(f(sx(range.0) + 4))\" y=\"\(f(y + barH / 2 + 4))\" class=\"tick\">not measured</text>"
            }
        }
        for (value, label) in references {
            s += "<line x1=\"\(f(sx(value)))\" x2=\"\(f(sx(value)))\" y1=\"\(top - 4)\" y2=\"\(f(bottom))\" class=\"reference\"/>"
            s += "<text x=\"\(f(sx(value)))\" y=\"\(top - 6)\" class=\"tick\" text-anchor=\"middle\">\(xmlEscape(label))</text>"
        }
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(bottom + 32))\" class=\"label\" text-anchor=\"middle\">\(xmlEscape(valueLabel))</text>"
        return s + "</svg>"
    }
}

/// Two decimals are plenty for screen coordinates and keep the HTML small.
@inline(__always) func f(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    return String(format: "%.1f", x)
}
