public import WireCore
import Rendering
import Conformance
import MQTTCodec

/// The renderings of a finished `CheckReport`: text for people, one JSON document
/// (schema mqscope.check/2, docs/schema/check-v2.json), JUnit XML and the baseline file.
extension CheckReport {
    public static let schema = "mqscope.check/2"

    /// Checked connections per protocol name (mqtt, stomp, websocket+mqtt …), sorted by name.
    public func connectionsByProtocol() -> [(name: String, count: Int)] {
        var n: [String: Int] = [:]
        for c in connections { n[c.protocolName, default: 0] += 1 }
        return n.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    private func sorted() -> [Finding] {
        // Capture order within a file: files in the order given, then time, then connection.
        var order: [String: Int] = [:]
        for (i, f) in files.enumerated() { order[f.name] = i }
        return findings.enumerated().sorted { a, b in
            let fa = order[a.element.file] ?? 0, fb = order[b.element.file] ?? 0
            if fa != fb { return fa < fb }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Findings grouped by file and connection (one pass; reports can have many of both).
    private func byConnection() -> [String: [Finding]] {
        var g: [String: [Finding]] = [:]
        for f in findings { g["\(f.file)#\(f.connection)", default: []].append(f) }
        return g
    }

    private static func frames(_ f: [FrameNumber]) -> String {
        f.map(String.init).joined(separator: ",")
    }

    // MARK: Text

    public func text(failOn: Severity?) -> String {
        var out = ""
        for x in sorted() {
            let f = x.finding
            var line = "\(x.file): #\(x.connection) \(f.direction == .clientToServer ? "\(x.client) → \(x.server)" : "\(x.server) → \(x.client)")"
            line += " frame \(Self.frames(f.frames))"
            if let r = f.streamRange { line += " stream \(r.lower)+\(r.count)" }
            if let p = f.packetRange { line += " (packet bytes \(p.lower)..<\(p.upper))" }
            out += line + "\n"
            let tag = f.verdict == .unverifiable ? "\(f.severity) (unverifiable)" : "\(f.severity)"
            out += "  \(tag) \(f.rule) [\(x.layer.rawValue)\(x.version.map { " " + $0 } ?? "")]: \(f.message)"
            if !f.section.isEmpty { out += " (\(f.section))" }
            if x.baselined { out += " (baseline)" }
            out += "\n"
        }
        let s = counts()
        let kinds = connectionsByProtocol().map { "\($0.count) \($0.name)" }.joined(separator: ", ")
        out += "\(connections.count) connection\(connections.count == 1 ? "" : "s") checked"
        if !kinds.isEmpty { out += " (\(kinds))" }
        out += " in \(files.count) file\(files.count == 1 ? "" : "s"): "
        out += "\(s[2]) error\(s[2] == 1 ? "" : "s"), \(s[1]) warning\(s[1] == 1 ? "" : "s"), \(s[0]) info"
        let base = findings.filter(\.baselined).count
        if base > 0 { out += " (\(base) in the baseline)" }
        out += "; \(failing(atOrAbove: failOn)) at or above --fail-on \(failOn.map(\.description) ?? "never")\n"
        if !notChecked.isEmpty {
            let list = notChecked.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            out += "not checked: \(list) connection(s) (encrypted or not a protocol mqscope checks)\n"
        }
        for (why, n) in tlsNotDecrypted.sorted(by: { $0.key < $1.key }) {
            out += "  tls not decrypted: \(n) connection\(n == 1 ? "" : "s"): \(why)\n"
        }
        return out
    }

    /// Findings per severity (index = Severity.rawValue).
    public func counts() -> [Int] {
        var c = [0, 0, 0]
        for f in findings { c[f.finding.severity.rawValue] += 1 }
        return c
    }

    // MARK: JSON

    public func json(failOn: Severity?) -> String {
        var w = JSONWriter(out: Output(fd: -1, threshold: Int.max))
        w.objectStart()
        w.key("schema", Self.schema)
        w.key("files")
        w.arrayStart()
        for f in files {
            w.objectStart()
            w.key("file", f.name)
            w.key("readable", f.summary != nil)
            w.key("frames", Int(f.summary?.frames ?? 0))
            w.key("damaged", f.summary?.damaged)
            w.objectEnd()
        }
        w.arrayEnd()

        let c = counts()
        w.key("summary")
        w.objectStart()
        w.key("connections", connections.count)
        w.key("by_protocol")
        w.objectStart()
        for (name, n) in connectionsByProtocol() { w.key(name, n) }
        w.objectEnd()
        w.key("not_checked")
        w.objectStart()
        for (k, v) in notChecked.sorted(by: { $0.key < $1.key }) { w.key(k, v) }
        w.objectEnd()
        if !tlsNotDecrypted.isEmpty {
            w.key("tls_not_decrypted")
            w.objectStart()
            for (k, v) in tlsNotDecrypted.sorted(by: { $0.key < $1.key }) { w.key(k, v) }
            w.objectEnd()
        }
        w.key("findings", findings.count)
        w.key("by_severity")
        w.objectStart()
        w.key("error", c[2]); w.key("warning", c[1]); w.key("info", c[0])
        w.objectEnd()
        var byRule: [String: Int] = [:]
        for f in findings { byRule[f.finding.rule.rawValue, default: 0] += 1 }
        w.key("by_rule")
        w.objectStart()
        for (k, v) in byRule.sorted(by: { $0.key < $1.key }) { w.key(k, v) }
        w.objectEnd()
        w.key("unverifiable", findings.filter { $0.finding.verdict == .unverifiable }.count)
        w.key("baselined", findings.filter(\.baselined).count)
        w.key("fail_on", failOn.map(\.description) ?? "never")
        w.key("failing", failing(atOrAbove: failOn))
        w.objectEnd()

        w.key("connections")
        w.arrayStart()
        let grouped = byConnection()
        for k in connections {
            w.objectStart()
            w.key("file", k.file)
            w.key("id", Int(k.id))
            w.key("client", k.client.description)
            w.key("server", k.server.description)
            w.key("protocol", k.protocolName)
            w.key("client_id", k.clientID)
            w.key("version", k.version)
            w.key("version_source", k.versionSource)
            w.key("mid_stream", k.midStream)
            w.key("packets")
            w.objectStart()
            w.key("c2s", k.packets[0]); w.key("s2c", k.packets[1])
            w.objectEnd()
            w.key("findings", grouped["\(k.file)#\(k.id)"]?.count ?? 0)
            w.objectEnd()
        }
        w.arrayEnd()

        w.key("findings")
        w.arrayStart()
        for x in sorted() {
            let f = x.finding
            w.objectStart()
            w.key("file", x.file)
            w.key("connection", Int(x.connection))
            w.key("client_id", x.clientID)
            w.key("rule", f.rule.rawValue)
            w.key("check_rule", f.checkRule)
            w.key("severity", f.severity.description)
            w.key("verdict", f.verdict.rawValue)
            w.key("layer", x.layer.rawValue)
            w.key("version", x.version)
            w.key("direction", f.direction.description)
            w.key("packet_index", f.packetIndex)
            w.key("frames")
            w.arrayStart()
            for n in f.frames { w.int(n) }
            w.arrayEnd()
            w.key("time", TimeFormat.iso8601(f.time))
            w.key("stream_range", f.streamRange)
            w.key("packet_range", f.packetRange)
            w.key("message", f.message)
            w.key("section", f.section)
            w.key("fingerprint", x.fingerprint)
            w.key("baselined", x.baselined)
            w.objectEnd()
        }
        w.arrayEnd()
        w.objectEnd()
        w.endLine()
        return String(decoding: w.out.buffer, as: UTF8.self)
    }

    // MARK: JUnit

    /// One test suite per file; one test case per connection and rule, with a failure per
    /// violation at or above `failOn` (others are listed in system-out); a passing case per
    /// connection without failures.
    public func junit(failOn: Severity?) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let totalFailures = findings.filter { isFailure($0, failOn) }.count
        var cases: [(file: String, text: String, tests: Int, failures: Int)] = []
        let grouped = byConnection()
        for k in connections {
            let mine = grouped["\(k.file)#\(k.id)"] ?? []
            let cls = xml("\(k.file).connection-\(k.id) \(k.client) → \(k.server)\(k.clientID.map { " client_id=\($0)" } ?? "")")
            var rules: [String] = []
            for f in mine where !rules.contains(f.finding.rule.rawValue) { rules.append(f.finding.rule.rawValue) }
            var text = ""
            var failures = 0
            text += "    <testcase classname=\"\(cls)\" name=\"connection checked (\(k.protocolName) \(k.version ?? "?"))\"/>\n"
            for r in rules {
                let those = mine.filter { $0.finding.rule.rawValue == r }
                text += "    <testcase classname=\"\(cls)\" name=\"\(xml(r))\">\n"
                var notes = ""
                for f in those {
                    let line = "frame \(Self.frames(f.finding.frames)) \(f.finding.direction): \(f.finding.message) [\(f.finding.section)]"
                    if isFailure(f, failOn) {
                        failures += 1
                        text += "      <failure type=\"\(f.finding.severity)\" message=\"\(xml(f.finding.message))\">\(xml(line))</failure>\n"
                    } else {
                        notes += "\(f.finding.severity) \(f.finding.verdict.rawValue)\(f.baselined ? " (baseline)" : ""): \(line)\n"
                    }
                }
                if !notes.isEmpty { text += "      <system-out>\(xml(notes))</system-out>\n" }
                text += "    </testcase>\n"
            }
            cases.append((k.file, text, rules.count + 1, failures))
        }
        out += "<testsuites name=\"mqscope check\" tests=\"\(cases.reduce(0) { $0 + $1.tests })\" failures=\"\(totalFailures)\">\n"
        for f in files {
            let mine = cases.filter { $0.file == f.name }
            out += "  <testsuite name=\"\(xml(f.name))\" tests=\"\(mine.reduce(0) { $0 + $1.tests })\" failures=\"\(mine.reduce(0) { $0 + $1.failures })\">\n"
            for c in mine { out += c.text }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    private func isFailure(_ f: Finding, _ failOn: Severity?) -> Bool {
        guard let level = failOn else { return false }
        return !f.baselined && f.finding.severity >= level
    }

    private func xml(_ s: String) -> String {
        var o = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&apos;"
            default:
                if ch.value < 0x20 && ch != "\n" && ch != "\t" { o += "?" } else { o.unicodeScalars.append(ch) }
            }
        }
        return o
    }

    // MARK: Baseline

    /// One fingerprint per line, sorted, with a header comment.
    public func baselineText() -> String {
        var lines = Set<String>()
        for f in findings { lines.insert(f.fingerprint) }
        return "# mqscope check baseline: one finding fingerprint per line\n" + lines.sorted().joined(separator: "\n") + "\n"
    }

    public static func parseBaseline(_ text: String) -> Set<String> {
        var s = Set<String>()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty { s.insert(String(line)) }
        return s
    }
}
