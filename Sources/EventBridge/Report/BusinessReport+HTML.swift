import Basics
import Contracts
import EventStore

/// `eventbridge report --html FILE`: one self-contained page — inline CSS and SVG charts, no script,
/// no external asset — that a controller can open, print or attach to a close checklist.
extension BusinessReport {
    static let outcomeColors: [(LedgerEntry.Outcome, String, String)] = [
        (.published, "#2e8b57", "published"), (.duplicate, "#9aa5ab", "duplicate"), (.filtered, "#c9d3d8", "filtered"),
        (.parked, "#e0b400", "parked"), (.deadLettered, "#c0392b", "dead-lettered"),
    ]
    static let materialityColors: [Materiality: String] = [.critical: "#b03a2e", .high: "#d68910", .normal: "#2874a6"]
    static let bandColors = ["#f5b7b1", "#ec7063", "#cb4335", "#78281f"]

    /// The whole page.
    public var html: String {
        var page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <title>EventBridge report \(Self.escape(RFC3339.format(milliseconds: untilMillis)))</title>
            <style>
            body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1c2833;background:#fff}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
            .meta{color:#566573}.ok{color:#1e8449;font-weight:600}.bad{color:#b03a2e;font-weight:600}
            table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{padding:4px 7px;border-bottom:1px solid #d5dbdb;text-align:right}
            th:first-child,td:first-child,th.l,td.l{text-align:left}th{background:#f4f6f6}
            .m{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:baseline}
            svg text{font:11px system-ui,sans-serif;fill:#1c2833}
            </style></head><body>

            """
        let status = missingOutcomes == 0
            ? "<span class=\"ok\">every committed input has an outcome</span>"
            : "<span class=\"bad\">\(missingOutcomes) committed input(s) without an outcome</span>"
        page += "<h1>EventBridge — business report</h1>\n"
        page += "<p class=\"meta\">\(Self.escape(RFC3339.format(milliseconds: sinceMillis))) to \(Self.escape(RFC3339.format(milliseconds: untilMillis))) · reconciliation: \(status)</p>\n"
        page += "<h2>Inputs over time</h2>\n" + timelineChart() + "\n"
        page += "<h2>Events synced and duplicates dropped per workflow</h2>\n" + workflowChart() + "\n"
        page += "<h2>Open exceptions by materiality and age</h2>\n" + exceptionChart() + "\n"
        page += "<h2>Workflows</h2>\n" + workflowTable() + "\n"
        page += "<h2>Reconciliation</h2>\n" + reconciliationTable() + "\n"
        page += "</body></html>\n"
        return page
    }

    /// `&`, `<`, `>`, `"` and `'` escaped for HTML text and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    private static func legend(_ items: [(String, String)]) -> String {
        items.map { "<span class=\"m\" style=\"background:\($0.1)\"></span>\(escape($0.0))" }.joined(separator: " &nbsp; ")
    }

    /// A round axis maximum at or above `value` (1, 2, 5 × 10ⁿ).
    static func niceMax(_ value: Int) -> Int {
        var step = 1
        while true {
            for m in [1, 2, 5] where m * step >= value { return m * step }
            step *= 10
        }
    }

    /// Stacked bars per slot, one colour per outcome.
    func timelineChart() -> String {
        let width = 900.0, height = 240.0, left = 56.0, bottom = 28.0, top = 10.0
        let totals = slots.map { s in s.counts.values.reduce(0, +) }
        let yMax = Double(Self.niceMax(max(1, totals.max() ?? 0)))
        let plotW = width - left - 10, plotH = height - top - bottom
        let barW = plotW / Double(max(1, slots.count))
        var svg = "<svg role=\"img\" aria-label=\"inputs per slot by outcome\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">"
        for i in 0...4 {
            let y = top + plotH - plotH * Double(i) / 4
            svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - 10)\" y2=\"\(y)\" stroke=\"#e5e8e8\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(Int(yMax) * i / 4)</text>"
        }
        for (i, slot) in slots.enumerated() {
            var y = top + plotH
            let x = left + Double(i) * barW
            for (outcome, color, name) in Self.outcomeColors {
                let n = slot.counts[outcome] ?? 0
                guard n > 0 else { continue }
                let h = plotH * Double(n) / yMax
                y -= h
                svg += "<rect x=\"\(x + 1)\" y=\"\(y)\" width=\"\(max(1, barW - 2))\" height=\"\(h)\" fill=\"\(color)\"><title>\(Self.escape(RFC3339.format(milliseconds: slot.startMillis))): \(n) \(name)</title></rect>"
            }
            if i % max(1, slots.count / 6) == 0 {
                let label = String(RFC3339.format(milliseconds: slot.startMillis).dropFirst(5).prefix(11)).replacingOccurrences(of: "T", with: " ")
                let anchor = x > width - 90 ? " text-anchor=\"end\"" : ""
                svg += "<text x=\"\(anchor.isEmpty ? x : x + barW)\" y=\"\(height - 8)\"\(anchor)>\(Self.escape(label))</text>"
            }
        }
        svg += "</svg>"
        return "<div>\(Self.legend(Self.outcomeColors.map { ($0.2, $0.1) }))</div>" + svg
    }

    /// Horizontal bars per workflow row: events synced (materiality colour) and duplicates (grey).
    func workflowChart() -> String {
        let rowH = 34.0, left = 230.0, width = 900.0
        let height = 20 + rowH * Double(max(1, rows.count))
        let xMax = Double(Self.niceMax(max(1, rows.map { max($0.eventsSynced, $0.duplicatesDropped) }.max() ?? 0)))
        let plotW = width - left - 70
        var svg = "<svg role=\"img\" aria-label=\"events synced per workflow\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (i, r) in rows.enumerated() {
            let y = 10 + Double(i) * rowH
            let color = Self.materialityColors[r.materiality] ?? "#555"
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 14)\" text-anchor=\"end\">\(Self.escape(r.workflow)) (\(r.materiality.rawValue))</text>"
            let synced = plotW * Double(r.eventsSynced) / xMax
            let dups = plotW * Double(r.duplicatesDropped) / xMax
            svg += "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(synced)\" height=\"14\" fill=\"\(color)\"><title>\(r.eventsSynced) events synced</title></rect>"
            svg += "<text x=\"\(left + synced + 4)\" y=\"\(y + 11)\">\(r.eventsSynced)</text>"
            svg += "<rect x=\"\(left)\" y=\"\(y + 15)\" width=\"\(dups)\" height=\"8\" fill=\"#9aa5ab\"><title>\(r.duplicatesDropped) duplicates dropped</title></rect>"
            if r.duplicatesDropped > 0 { svg += "<text x=\"\(left + dups + 4)\" y=\"\(y + 23)\">\(r.duplicatesDropped) dup</text>" }
        }
        svg += "</svg>"
        let legend = Materiality.allCases.map { ("\($0.rawValue): events synced", Self.materialityColors[$0] ?? "#555") } + [("duplicates dropped", "#9aa5ab")]
        return "<div>\(Self.legend(legend))</div>" + svg
    }

    /// One stacked bar per materiality, a segment per age band.
    func exceptionChart() -> String {
        var perMateriality: [(Materiality, [Int])] = []
        for m in Materiality.allCases {
            var counts = Array(repeating: 0, count: ExceptionAccount.bands.count)
            for r in rows where r.materiality == m { for (i, n) in r.openByBand.enumerated() { counts[i] += n } }
            perMateriality.append((m, counts))
        }
        let width = 900.0, left = 110.0, rowH = 30.0
        let height = 20 + rowH * Double(perMateriality.count)
        let xMax = Double(Self.niceMax(max(1, perMateriality.map { $0.1.reduce(0, +) }.max() ?? 0)))
        let plotW = width - left - 70
        var svg = "<svg role=\"img\" aria-label=\"open exceptions by materiality and age\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (i, (m, counts)) in perMateriality.enumerated() {
            let y = 10 + Double(i) * rowH
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 13)\" text-anchor=\"end\" fill=\"\(Self.materialityColors[m] ?? "#555")\">\(m.rawValue)</text>"
            var x = left
            for (band, n) in counts.enumerated() where n > 0 {
                let w = plotW * Double(n) / xMax
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"18\" fill=\"\(Self.bandColors[band])\"><title>\(n) open, \(ExceptionAccount.bands[band])</title></rect>"
                x += w
            }
            svg += "<text x=\"\(x + 4)\" y=\"\(y + 13)\">\(counts.reduce(0, +))</text>"
        }
        svg += "</svg>"
        return "<div>\(Self.legend(zip(ExceptionAccount.bands, Self.bandColors).map { ("open " + $0.0, $0.1) }))</div>" + svg
    }

    func workflowTable() -> String {
        var t = "<table><tr><th>workflow</th><th class=\"l\">materiality</th><th>objective</th><th>events synced</th><th>duplicates</th><th>dead-lettered</th><th>parked</th>"
        for b in ExceptionAccount.bands { t += "<th>open<br>\(Self.escape(b))</th>" }
        t += "<th>oldest open</th><th class=\"l\">top codes</th><th class=\"l\">reconciled</th></tr>\n"
        for r in rows {
            let objective = r.syncLagObjectiveSeconds.map { Self.duration(Int64($0)) } ?? "—"
            let oldest = r.oldestOpenAtMillis.map { Self.duration(max(0, untilMillis - $0) / 1000) } ?? "—"
            let codes = r.openByCode.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(3).map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
            let rec = r.missingOutcomes == 0 ? "<span class=\"ok\">ok</span>" : "<span class=\"bad\">\(r.missingOutcomes) missing</span>"
            t += "<tr><td>\(Self.escape(r.workflow))</td><td class=\"l\"><span class=\"m\" style=\"background:\(Self.materialityColors[r.materiality] ?? "#555")\"></span>\(r.materiality.rawValue)</td>"
            t += "<td>\(objective)</td><td>\(r.eventsSynced)</td><td>\(r.duplicatesDropped)</td><td>\(r.deadLettered)</td><td>\(r.parked)</td>"
            for n in r.openByBand { t += "<td>\(n)</td>" }
            t += "<td>\(oldest)</td><td class=\"l\">\(Self.escape(codes))</td><td class=\"l\">\(rec)</td></tr>\n"
        }
        return t + "</table>"
    }

    func reconciliationTable() -> String {
        guard !partitions.isEmpty else { return "<p class=\"meta\">no committed inputs in the store yet</p>" }
        var t = "<table><tr><th>source partition</th><th>committed inputs checked</th><th>without an outcome</th><th class=\"l\">first gaps</th></tr>\n"
        for p in partitions {
            let holes = p.holes.prefix(5).map { "\($0.lowerBound)–\($0.upperBound - 1)" }.joined(separator: ", ")
            let missing = p.missing == 0 ? "<span class=\"ok\">0</span>" : "<span class=\"bad\">\(p.missing)</span>"
            t += "<tr><td>\(Self.escape(p.partition.description))</td><td>\(p.checked)</td><td>\(missing)</td><td class=\"l\">\(Self.escape(holes))</td></tr>\n"
        }
        return t + "</table>"
    }

    /// `45s`, `12m`, `5h`, `3d`.
    public static func duration(_ seconds: Int64) -> String {
        seconds < 120 ? "\(seconds)s" : seconds < 7200 ? "\(seconds / 60)m" : seconds < 172_800 ? "\(seconds / 3600)h" : "\(seconds / 86400)d"
    }
}
