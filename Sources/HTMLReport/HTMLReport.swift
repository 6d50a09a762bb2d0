public import Analysis
import Statistics
import WireCore
import Rendering
import Conformance
import TCPReassembly
import Foundation

/// One capture file's part of the report.
public struct ReportFile {
    public var summary: FileSummary
    public var sink: ReportSink
    public init(summary: FileSummary, sink: ReportSink) {
        self.summary = summary
        self.sink = sink
    }
}

/// Writes the self-contained HTML report: inline CSS and a little inline JS (a Content-Security-Policy
/// forbids any fetch), everything static readable without JS (folding uses <details>), charts and
/// ladders as inline SVG.
public enum HTMLReport {
    public static func render(_ files: [ReportFile], title: String) -> String {
        var h = ""
        h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        h += "<title>\(esc(title))</title><style>\(css)</style></head><body>\n"
        h += "<header><h1>mqscope report</h1><p>\(esc(title))</p></header>\n"
        for (n, f) in files.enumerated() { h += file(f, index: n) }
        h += "<script>\(js)</script></body></html>\n"
        return h
    }

    static func file(_ f: ReportFile, index n: Int) -> String {
        let s = f.sink.stats
        let check = f.sink.check
        let findings = check.findings.filter { _ in true }
        var h = "<section class=\"file\" id=\"file-\(n)\"><h2>\(esc(f.summary.name))</h2>\n"

        // Summary.
        let bySeverity = Dictionary(grouping: findings, by: { $0.finding.severity })
        let duration = f.summary.firstTime.flatMap { a in f.summary.lastTime.map { $0.seconds(since: a) } } ?? 0
        h += "<table class=\"summary\"><tbody>"
        h += row(["Frames", "\(f.summary.frames)"]) + row(["Duration", String(format: "%.3f s", duration)])
        h += row(["Connections", "\(s.connections.count + Int(s.connectionsNotListed))"])
        h += row(["MQTT packets", "\(s.mqttPackets)"]) + row(["STOMP frames", "\(s.stompFrames)"])
        for sev in [Severity.error, .warning, .info] {
            h += row(["Findings (\(sev))", "\(bySeverity[sev]?.count ?? 0)"])
        }
        h += "</tbody></table>\n"

        // Findings.
        h += "<h3>Findings</h3>"
        if findings.isEmpty {
            h += "<p>No findings.</p>"
        } else {
            h += "<p class=\"js-only\"><label>Show <select class=\"sev-filter\" data-file=\"\(n)\"><option value=\"0\">all</option><option value=\"1\">warnings and errors</option><option value=\"2\">errors</option></select></label></p>"
            h += "<table class=\"findings\" id=\"findings-\(n)\"><thead><tr><th>#</th><th>severity</th><th>rule</th><th>connection</th><th>dir</th><th>frames</th><th>message</th><th>packet</th></tr></thead><tbody>\n"
            for (i, x) in findings.enumerated() {
                let fd = x.finding
                let target = detailIndex(for: x, in: f.sink).map { "pkt-\(n)-\($0)" } ?? "conn-\(n)-\(x.connection)"
                let frames = fd.frames.map(String.init).joined(separator: ",")
                h += "<tr class=\"sev-\(fd.severity)\" data-sev=\"\(fd.severity.rawValue)\" id=\"finding-\(n)-\(i)\"><td>\(i + 1)</td><td>\(fd.severity)</td><td>\(esc(fd.rule.description))</td>"
                h += "<td><a href=\"#conn-\(n)-\(x.connection)\">\(x.connection)</a></td><td>\(fd.direction)</td><td>\(frames)</td>"
                h += "<td>\(esc(fd.message))</td><td><a class=\"finding-link\" href=\"#\(target)\">\(target.hasPrefix("pkt") ? "packet" : "ladder")</a></td></tr>\n"
            }
            h += "</tbody></table>\n"
        }

        // Latency and rates.
        h += latencySection(s)
        h += rateSection(s)
        h += fanOutSection(s)
        h += topicTree(s, duration: duration)

        // Ladders.
        h += "<h3>Connections</h3>\n"
        let findingsByConn = Dictionary(grouping: findings.enumerated(), by: { $0.element.connection })
        let ids = Set(s.connections.map(\.id)).union(f.sink.ladders.keys).sorted()
        for id in ids {
            let row = s.connections.first { $0.id == id }
            let name = row.map { "\($0.client) → \($0.server) \($0.protocolName)" + ($0.clientID.map { " client_id=\"\($0)\"" } ?? "") } ?? "connection \(id)"
            let entries = f.sink.ladders[id] ?? []
            let connFindings = findingsByConn[id] ?? []
            h += "<details class=\"conn\" id=\"conn-\(n)-\(id)\"\(connFindings.isEmpty ? "" : " open")><summary>#\(id) \(esc(name)) — \(entries.count) packets drawn"
            if let more = f.sink.folded[id] { h += ", \(more) more not drawn" }
            if !connFindings.isEmpty { h += ", <span class=\"bad\">\(connFindings.count) findings</span>" }
            h += "</summary>\n"
            h += ladder(entries, findings: connFindings.map { ($0.offset, $0.element) }, file: n, id: id)
            h += "</details>\n"
        }

        // Packet details.
        if !f.sink.details.isEmpty {
            h += "<h3>Packets with findings</h3>\n"
            for (i, d) in f.sink.details.enumerated() {
                let marks = findings.enumerated().filter { detailIndex(for: $0.element, in: f.sink) == i }
                h += "<section class=\"packet\" id=\"pkt-\(n)-\(i)\"><h4>frame \(d.frame), connection \(d.connection) \(d.direction): \(esc(d.summary))</h4>"
                for (k, x) in marks { h += "<p class=\"sev-\(x.finding.severity)\"><a href=\"#finding-\(n)-\(k)\">finding \(k + 1)</a>: \(esc(x.finding.rule.description)) — \(esc(x.finding.message))</p>" }
                h += "<pre class=\"fields\">\(esc(d.fields))</pre>"
                let ranges = marks.compactMap { $0.element.finding.packetRange }.map { ($0.lower, $0.upper) }
                h += hexDump(d.bytes, total: d.totalBytes, offset: d.streamLower, highlight: ranges)
                h += "</section>\n"
            }
            if f.sink.detailsDropped > 0 { h += "<p>\(f.sink.detailsDropped) more packets with findings not kept.</p>" }
        }
        h += "</section>\n"
        return h
    }

    /// The packet a finding points at: same connection and direction, its stream range inside the packet's.
    static func detailIndex(for x: CheckReport.Finding, in sink: ReportSink) -> Int? {
        guard let r = x.finding.streamRange, x.finding.packetRange != nil else { return nil }
        return sink.details.lastIndex { d in
            d.connection == x.connection && d.direction == x.finding.direction && d.streamLower <= r.lower
                && r.lower < d.streamLower + UInt64(max(d.totalBytes, 1))
        }
    }

    // MARK: Ladder

    static let rowHeight = 22
    static let firstChunk = 60
    static let chunk = 200

    /// Client on the left, broker on the right, time down; arrows with findings marked. A long
    /// session is folded: its first rows are drawn, the rest in closed <details> of `chunk` rows.
    static func ladder(_ entries: [LadderEntry], findings: [(Int, CheckReport.Finding)], file: Int, id: UInt32) -> String {
        guard !entries.isEmpty else { return "<p>No packets decoded.</p>" }
        var h = ""
        let start = entries[0].time
        var i = 0
        var part = 0
        while i < entries.count {
            let n = part == 0 ? firstChunk : chunk
            let slice = entries[i..<min(entries.count, i + n)]
            let svg = ladderSVG(slice, start: start, findings: findings, file: file, id: id, part: part)
            if part == 0 { h += svg } else {
                h += "<details class=\"fold\"><summary>packets \(i + 1)–\(i + slice.count)</summary>\(svg)</details>"
            }
            i += slice.count
            part += 1
        }
        return h
    }

    static func ladderSVG(_ entries: ArraySlice<LadderEntry>, start: Timestamp, findings: [(Int, CheckReport.Finding)],
                          file: Int, id: UInt32, part: Int) -> String {
        let width = 760, left = 150, right = 610
        let height = (entries.count + 1) * rowHeight + 10
        var h = "<svg class=\"ladder\" data-connection=\"\(id)\" data-part=\"\(part)\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"ladder diagram of connection \(id)\">"
        h += "<text x=\"\(left)\" y=\"14\" class=\"end\">client</text><text x=\"\(right)\" y=\"14\" class=\"end\">broker</text>"
        h += "<line x1=\"\(left)\" y1=\"18\" x2=\"\(left)\" y2=\"\(height)\" class=\"life\"/><line x1=\"\(right)\" y1=\"18\" x2=\"\(right)\" y2=\"\(height)\" class=\"life\"/>"
        for (k, e) in entries.enumerated() {
            let y = 18 + (k + 1) * rowHeight
            let c2s = e.direction == .clientToServer
            let (x1, x2) = c2s ? (left, right) : (right, left)
            let marked = findings.filter { f in
                f.1.finding.direction == e.direction && (f.1.finding.frames.contains(e.frame)
                    || f.1.finding.streamRange.map { $0.lower >= e.streamLower && $0.lower < max(e.streamUpper, e.streamLower + 1) } == true)
            }
            let cls = marked.isEmpty ? "arrow" : "arrow bad"
            let t = String(format: "+%.6f", e.time.seconds(since: start))
            h += "<g class=\"\(cls)\"><title>frame \(e.frame) \(esc(e.label))</title>"
            h += "<text x=\"4\" y=\"\(y)\" class=\"time\">\(t)</text>"
            h += "<line x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(x2)\" y2=\"\(y)\" marker-end=\"url(#head)\"/>"
            let label = e.label.count > 70 ? String(e.label.prefix(69)) + "…" : e.label
            h += "<text x=\"\((left + right) / 2)\" y=\"\(y - 4)\" class=\"label\">\(esc(label))</text>"
            // Arrow head drawn as a small polygon (no <defs> shared between SVGs).
            let dx = c2s ? -8 : 8
            h += "<polygon points=\"\(x2),\(y) \(x2 + dx),\(y - 4) \(x2 + dx),\(y + 4)\"/>"
            for (fi, _) in marked.prefix(3) {
                h += "<a href=\"#finding-\(file)-\(fi)\" class=\"mark\"><circle cx=\"\(right + 16 + 0)\" cy=\"\(y - 4)\" r=\"6\"/><text x=\"\(right + 26)\" y=\"\(y)\">\(fi + 1)</text></a>"
            }
            h += "</g>"
        }
        h += "</svg>"
        return h
    }

    // MARK: Charts

    static func latencySection(_ s: StatsCollector) -> String {
        let rows = s.latency.sorted { ($0.key.exchange.rawValue, $0.key.direction.rawValue) < ($1.key.exchange.rawValue, $1.key.direction.rawValue) }
        guard !rows.isEmpty || s.fanOut.latency.count > 0 else { return "" }
        var h = "<h3>Latency</h3><table class=\"latency\"><thead><tr><th>exchange</th><th>asked by</th><th>count</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>distribution</th></tr></thead><tbody>"
        var all = rows.map { ($0.key.exchange.label, $0.key.direction == .clientToServer ? "client" : "broker", $0.value) }
        if s.fanOut.latency.count > 0 { all.append(("PUBLISH→delivery (fan-out)", "broker", s.fanOut.latency)) }
        for (label, who, d) in all {
            let x = d.summary
            h += "<tr><td>\(esc(label))</td><td>\(who)</td><td>\(x.count)</td>"
            for v in [x.min, x.p50, x.p90, x.p99, x.max] { h += "<td>\(StatsRender.duration(v))</td>" }
            h += "<td>\(histogramSVG(d))</td></tr>"
        }
        h += "</tbody></table>\n"
        return h
    }

    static func histogramSVG(_ d: Distribution) -> String {
        let bins = d.bins(16)
        let w = 160, hgt = 36
        let peak = max(1, bins.map(\.count).max() ?? 1)
        var h = "<svg class=\"hist\" width=\"\(w)\" height=\"\(hgt)\" viewBox=\"0 0 \(w) \(hgt)\" role=\"img\" aria-label=\"latency histogram\">"
        let bw = Double(w) / Double(max(1, bins.count))
        for (i, b) in bins.enumerated() {
            let bh = Double(hgt - 2) * Double(b.count) / Double(peak)
            h += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">", Double(i) * bw, Double(hgt) - bh, max(1, bw - 1), bh)
            h += "<title>≤ \(StatsRender.duration(b.upper)): \(b.count)</title></rect>"
        }
        return h + "</svg>"
    }

    static func rateSection(_ s: StatsCollector) -> String {
        guard !s.rates.isEmpty else { return "" }
        // At most 300 bars: merge neighbouring buckets.
        let group = max(1, (s.rates.count + 299) / 300)
        var bars: [(UInt64, UInt64)] = []
        var i = 0
        while i < s.rates.count {
            let slice = s.rates[i..<min(s.rates.count, i + group)]
            bars.append((slice.reduce(0) { $0 + $1.published.messages }, slice.reduce(0) { $0 + $1.delivered.messages }))
            i += group
        }
        let w = 760, hgt = 140
        let peak = max(1, bars.map { max($0.0, $0.1) }.max() ?? 1)
        let bw = Double(w - 40) / Double(bars.count)
        var h = "<h3>Messages over time</h3><p>per \(StatsRender.duration(UInt64(s.options.interval * Int64(group)))): <span class=\"pub\">published</span>, <span class=\"del\">delivered</span> (peak \(peak))</p>"
        h += "<svg class=\"rates\" width=\"\(w)\" height=\"\(hgt)\" viewBox=\"0 0 \(w) \(hgt)\" role=\"img\" aria-label=\"message rates over time\">"
        for (k, b) in bars.enumerated() {
            let x = 40 + Double(k) * bw
            let p = Double(hgt - 10) * Double(b.0) / Double(peak), d = Double(hgt - 10) * Double(b.1) / Double(peak)
            h += String(format: "<rect class=\"pub\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", x, Double(hgt) - p, max(0.5, bw / 2), p)
            h += String(format: "<rect class=\"del\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", x + bw / 2, Double(hgt) - d, max(0.5, bw / 2), d)
        }
        h += "<text x=\"2\" y=\"12\">\(peak)</text><text x=\"2\" y=\"\(hgt - 2)\">0</text></svg>\n"
        return h
    }

    static func fanOutSection(_ s: StatsCollector) -> String {
        let f = s.fanOut
        guard f.publishes > 0 || f.matched > 0 else { return "" }
        var h = "<h3>Broker fan-out</h3><table class=\"summary\"><tbody>"
        h += row(["Publishes", "\(f.publishes)"]) + row(["Deliveries matched", "\(f.matched)"])
        h += row(["Expected from open subscriptions", "\(f.expected)"]) + row(["Expected, not seen", "\(f.notSeen)"])
        h += row(["Duplicates", "\(f.duplicates)"]) + row(["Retained from store", "\(f.retainedFromStore)"])
        h += row(["Deliveries without a captured publish", "\(f.unmatched)"])
        h += "</tbody></table>"
        for (id, n) in s.missedBySubscriber.sorted(by: { $0.key < $1.key }) {
            h += "<p class=\"bad\">connection <a href=\"#conn-0-\(id)\">\(id)</a>: \(n) deliveries its subscriptions called for were not seen</p>"
        }
        h += fanOutTraces(s)
        return h
    }

    /// One publish and where it went: the first publishes that called for deliveries, each with
    /// its deliveries to every subscriber (latency drawn as a bar) and the expected ones not seen.
    static func fanOutTraces(_ s: StatsCollector) -> String {
        guard !s.fanOutTraces.isEmpty else { return "" }
        let start = s.captureStart ?? .zero
        var h = "<h4>One publish and where it went</h4><div class=\"fanout\">"
        for (i, t) in s.fanOutTraces.enumerated() {
            let seen = t.deliveries.filter { !$0.duplicate }.count
            let slowest = t.deliveries.map(\.latency).max() ?? 0
            let at = StatsRender.duration(UInt64(clamping: t.time.totalNanoseconds &- start.totalNanoseconds))
            h += "<details\(i == 0 ? " open" : "") id=\"fanout-\(i)\"><summary>PUBLISH <code>\(esc(t.topic))</code> from connection "
            h += "<a href=\"#conn-0-\(t.publisher)\">\(t.publisher)</a> at +\(at): \(seen) of \(t.expected) expected deliveries seen"
            h += t.missed.isEmpty ? "" : ", <span class=\"bad\">\(t.missed.count) not seen</span>"
            h += slowest > 0 ? ", slowest \(StatsRender.duration(slowest))" : ""
            h += "</summary><table class=\"summary\"><thead><tr><th>subscriber</th><th>latency</th><th></th></tr></thead><tbody>"
            for d in t.deliveries {
                let w = slowest > 0 ? max(1, Int(120 * Double(d.latency) / Double(slowest))) : 1
                h += "<tr><td><a href=\"#conn-0-\(d.connection)\">\(d.connection)</a>\(d.duplicate ? " (duplicate)" : "")</td>"
                h += "<td>\(StatsRender.duration(d.latency))</td><td><svg width=\"122\" height=\"8\" role=\"img\" aria-label=\"latency\"><rect class=\"del\" x=\"0\" y=\"0\" width=\"\(w)\" height=\"8\"/></svg></td></tr>"
            }
            for m in t.missed {
                h += "<tr class=\"bad\"><td><a href=\"#conn-0-\(m)\">\(m)</a></td><td>not seen</td><td></td></tr>"
            }
            h += "</tbody></table></details>\n"
        }
        return h + "</div>\n"
    }

    /// The topic tree: nested <details>, each level with its messages and rate.
    static func topicTree(_ s: StatsCollector, duration: Double) -> String {
        let all = s.topics.sorted + s.sysTopics.sorted
        guard !all.isEmpty else { return "" }
        final class Node {
            var children: [String: Node] = [:]
            var messages: UInt64 = 0
            var bytes: UInt64 = 0
        }
        let root = Node()
        // Busiest first, then by name: the page is the same on every run (dictionary order is not).
        let busiestFirst = { (a: (key: String, value: Node), b: (key: String, value: Node)) -> Bool in
            a.value.messages != b.value.messages ? a.value.messages > b.value.messages : a.key < b.key
        }
        for t in all {
            var n = root
            n.messages += t.messages
            for level in t.name.split(separator: "/", omittingEmptySubsequences: false) {
                let k = String(level)
                if n.children[k] == nil { n.children[k] = Node() }
                n = n.children[k]!
                n.messages += t.messages
                n.bytes += t.published.bytes + t.delivered.bytes
            }
        }
        func rate(_ m: UInt64) -> String { duration > 0 ? String(format: "%.2f/s", Double(m) / duration) : "-" }
        func render(_ name: String, _ n: Node, depth: Int) -> String {
            let label = "<span class=\"tname\">\(esc(name.isEmpty ? "(empty)" : name))</span> \(n.messages) msgs, \(n.bytes) B, \(rate(n.messages))"
            if n.children.isEmpty { return "<li>\(label)</li>" }
            var h = "<li><details\(depth < 2 ? " open" : "")><summary>\(label)</summary><ul>"
            for (k, c) in n.children.sorted(by: busiestFirst).prefix(500) {
                h += render(k, c, depth: depth + 1)
            }
            if n.children.count > 500 { h += "<li>… \(n.children.count - 500) more</li>" }
            return h + "</ul></details></li>"
        }
        var h = "<h3>Topic tree</h3><ul class=\"tree\">"
        for (k, c) in root.children.sorted(by: busiestFirst).prefix(500) { h += render(k, c, depth: 0) }
        if s.topics.otherTopics > 0 { h += "<li>(\(s.topics.otherTopics) more topics, counted together: \(s.topics.other.messages) msgs)</li>" }
        return h + "</ul>\n"
    }

    static func hexDump(_ bytes: [UInt8], total: Int, offset: UInt64, highlight: [(Int, Int)]) -> String {
        var h = "<pre class=\"hex\">"
        var i = 0
        func marked(_ k: Int) -> Bool { highlight.contains { k >= $0.0 && k < $0.1 } }
        while i < bytes.count {
            let off = String(offset + UInt64(i), radix: 16)
            h += String(repeating: "0", count: max(0, 8 - off.count)) + off + "  "
            var ascii = ""
            for k in i..<min(bytes.count, i + 16) {
                let b = bytes[k]
                let hx = (b < 16 ? "0" : "") + String(b, radix: 16)
                let ch = (0x20..<0x7F).contains(b) ? esc(String(UnicodeScalar(b))) : "."
                if marked(k) { h += "<mark>\(hx)</mark> "; ascii += "<mark>\(ch)</mark>" } else { h += hx + " "; ascii += ch }
            }
            let missing = 16 - min(16, bytes.count - i)
            h += String(repeating: "   ", count: missing) + " " + ascii + "\n"
            i += 16
        }
        if total > bytes.count { h += "… \(total - bytes.count) more bytes\n" }
        return h + "</pre>"
    }

    static func row(_ cells: [String]) -> String {
        "<tr><th>\(esc(cells[0]))</th>" + cells.dropFirst().map { "<td>\(esc($0))</td>" }.joined() + "</tr>"
    }

    static func esc(_ s: String) -> String { Markup.escape(s, apostrophe: false, control: ".") }

    static let css = """
        body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}
        h1{margin:0}header p{color:#555;margin:0 0 1em}
        table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
        table.summary th{background:#f4f4f4}
        tr.sev-error td:nth-child(2),p.sev-error,.bad{color:#b00020;font-weight:600}
        tr.sev-warning td:nth-child(2),p.sev-warning{color:#a05a00}
        pre{background:#f8f8f8;padding:6px;overflow:auto;font-size:12px}
        mark{background:#ffb3b3}
        details.conn{border:1px solid #ddd;margin:.4em 0;padding:.2em .5em}
        svg.ladder text{font:11px monospace}svg.ladder .end{font-weight:700;text-anchor:middle}
        svg.ladder .life{stroke:#888;stroke-width:2}svg.ladder .arrow line{stroke:#2a5db0;stroke-width:1.5}
        svg.ladder .arrow polygon{fill:#2a5db0}svg.ladder .bad line{stroke:#b00020;stroke-width:2.5}svg.ladder .bad polygon{fill:#b00020}
        svg.ladder .label{text-anchor:middle}svg.ladder .time{fill:#666}
        svg.ladder .mark circle{fill:#b00020}svg.ladder .mark text{fill:#b00020;font-weight:700}
        svg.hist rect{fill:#2a5db0}svg.rates rect.pub,span.pub{fill:#2a5db0;color:#2a5db0}svg.rates rect.del,span.del{fill:#e08a00;color:#e08a00}
        svg.rates text{font:10px sans-serif}
        ul.tree{list-style:none;padding-left:1em}ul.tree ul{list-style:none;padding-left:1.2em}.tname{font-family:monospace;font-weight:600}
        .js-only{display:none}body.js .js-only{display:block}
        :target{outline:3px solid #ffcc00}
        """

    /// Filters findings by severity and opens the folded ladder a link points into.
    static let js = """
        (function(){
          document.body.classList.add('js');
          document.querySelectorAll('select.sev-filter').forEach(function(sel){
            sel.addEventListener('change', function(){
              var min = parseInt(sel.value, 10);
              document.querySelectorAll('#findings-' + sel.dataset.file + ' tbody tr').forEach(function(tr){
                tr.style.display = parseInt(tr.dataset.sev, 10) >= min ? '' : 'none';
              });
            });
          });
          function reveal(){
            var id = decodeURIComponent(location.hash.slice(1));
            if (!id) return;
            var el = document.getElementById(id);
            for (var p = el; p; p = p.parentElement) { if (p.tagName === 'DETAILS') p.open = true; }
          }
          window.addEventListener('hashchange', reveal);
          reveal();
          document.body.dataset.ready = 'yes';
        })();
        """
}
