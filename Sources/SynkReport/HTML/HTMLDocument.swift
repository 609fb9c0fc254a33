import Foundation

/// A self-contained HTML page: inline CSS and SVG, no scripts, no network access; prints cleanly to PDF.
package struct HTMLDocument: Sendable {
    package var title: String
    private var body: [String] = []

    package init(title: String) {
        self.title = title
    }

    package mutating func heading(_ text: String, level: Int = 2, id: String? = nil) {
        let anchor = id.map { " id=\"\(xmlEscape($0))\"" } ?? ""
        body.append("<h\(level)\(anchor)>\(xmlEscape(text))</h\(level)>")
    }

    package mutating func paragraph(_ text: String, className: String? = nil) {
        let cls = className.map { " class=\"\($0)\"" } ?? ""
        body.append("<p\(cls)>\(xmlEscape(text))</p>")
    }

    /// Raw, already-escaped HTML (SVG plots, composed fragments).
    package mutating func raw(_ html: String) {
        body.append(html)
    }

    /// A table; `rowClasses` marks rows (e.g. `flag` for a flagged pair), `numeric` right-aligns columns.
    package mutating func table(header: [String], rows: [[String]], rowClasses: [String?] = [], numeric: Set<Int> = [], caption: String? = nil) {
        var s = "<table>"
        if let caption { s += "<caption>\(xmlEscape(caption))</caption>" }
        s += "<thead><tr>" + header.map { "<th>\(xmlEscape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for (i, row) in rows.enumerated() {
            let cls = i < rowClasses.count ? rowClasses[i].map { " class=\"\($0)\"" } ?? "" : ""
            s += "<tr\(cls)>" + row.enumerated().map { c, cell in
                numeric.contains(c) ? "<td class=\"num\">\(xmlEscape(cell))</td>" : "<td>\(xmlEscape(cell))</td>"
            }.joined() + "</tr>"
        }
        body.append(s + "</tbody></table>")
    }

    /// A figure group that keeps plots side by side on screen and together on a printed page.
    package mutating func figures(_ svgs: [String], caption: String? = nil) {
        var s = "<figure class=\"row\">" + svgs.joined()
        if let caption { s += "<figcaption>\(xmlEscape(caption))</figcaption>" }
        body.append(s + "</figure>")
    }

    package func html() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(xmlEscape(title))</title>
        <style>\(HTMLDocument.css)</style></head>
        <body>
        \(body.joined(separator: "\n"))
        </body></html>

        """
    }

    static let css = """
    :root { color-scheme: light; }
    body { font: 12px/1.4 "DejaVu Sans", -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1b1b1b;
           max-width: 760px; margin: 18px auto; padding: 0 16px; }
    h1 { font-size: 21px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 22px 0 6px; border-bottom: 2px solid #0072B2; }
    h3 { font-size: 14px; margin: 14px 0 4px; }
    .summary { font-size: 14px; background: #f3f7fb; border-left: 4px solid #0072B2; padding: 6px 10px; }
    .warn { background: #fff4e5; border-left: 4px solid #D55E00; padding: 4px 8px; }
    .meta { color: #555; font-size: 10.5px; margin: 2px 0 4px; }
    table { border-collapse: collapse; margin: 4px 0 8px; font-size: 11.5px; }
    caption { text-align: left; font-weight: 600; padding: 2px 0; }
    th, td { border-bottom: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
    th { background: #f0f0f0; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    tr.flag td { background: #fde9dd; } tr.muted td { color: #777; }
    figure.row { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; break-inside: avoid; }
    figcaption { width: 100%; color: #555; font-size: 10.5px; }
    svg.plot { background: #fff; max-width: 100%; height: auto; }
    svg .title { font-size: 11.5px; font-weight: 600; } svg .title.small { font-size: 9.5px; }
    svg .halo { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; } svg .tick { font-size: 10px; fill: #333; }
    svg .label { font-size: 10.5px; fill: #222; } svg .legend { font-size: 10.5px; } svg .cell { font-size: 9px; fill: #111; }
    svg .frame { fill: none; stroke: #999; } svg .grid { stroke: #e5e5e5; } svg .axis { stroke: #999; }
    svg .reference { stroke: #444; stroke-dasharray: 4,3; } svg .missing { fill: #e6e6e6; }
    code, .mono { font-family: "DejaVu Sans Mono", Menlo, monospace; font-size: 10px; word-break: break-all; }
    @media print { body { margin: 0; padding: 0; max-width: none; } h2 { break-after: avoid; }
                   table, figure { break-inside: auto; } figure.row { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
    """
}
