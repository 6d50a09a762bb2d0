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

    // MARK: Locations

    /// Where a finding is, in words: `frame 8, PUBLISH client → server, bytes 2-3` — the
    /// frame(s) that carried the unit, its type, its direction, and the offending bytes counted
    /// from the unit's first byte (0), both ends included (README, "check").
    func location(_ x: Finding) -> String {
        let f = x.finding
        var parts: [String] = []
        switch f.frames.count {
        case 0: break
        case 1: parts.append("frame \(f.frames[0])")
        case 2 where f.packetType != nil: parts.append("frames \(f.frames[0]) to \(f.frames[1])")
        default: parts.append("frames \(Self.frames(f.frames))")
        }
        let way = f.direction == .clientToServer ? "client → server" : "server → client"
        parts.append(f.packetType.map { "\($0) \(way)" } ?? way)
        if let r = f.packetRange {
            if r.count <= 0 {
                parts.append("at byte \(r.lower)")
            } else if r.count == 1 {
                parts.append("byte \(r.lower)")
            } else {
                parts.append("bytes \(r.lower)-\(r.upper - 1)")
            }
        } else if let r = f.streamRange {
            parts.append(r.count > 0 ? "stream bytes \(r.lower)-\(r.upper - 1)" : "stream offset \(r.lower)")
        }
        return parts.joined(separator: ", ")
    }

    /// Why fewer than `required` connections were checked in all the files together, or nil
    /// when enough were: the count and, per file, what its unchecked connections were (TLS not
    /// decrypted and why, not recognised) or that it held none.
    public func connectionShortfall(required: Int) -> String? {
        guard required > 0, connections.count < required else { return nil }
        let n = connections.count
        var out = "\(n) connection\(n == 1 ? "" : "s") checked, --require-connections wants \(required)"
        let reasons = files.compactMap { f in whyNotChecked(file: f.name).map { "\(f.name): \($0)" } }
        if !reasons.isEmpty { out += " (" + reasons.joined(separator: "; ") + ")" }
        return out
    }

    /// Why no connection of a readable file was checked, or nil when one was (or it was unreadable).
    func whyNothingChecked(file: String) -> String? {
        guard !connections.contains(where: { $0.file == file }) else { return nil }
        return whyNotChecked(file: file)
    }

    /// What of a readable file was not checked and why (nil when everything was, or it was unreadable).
    func whyNotChecked(file: String) -> String? {
        guard fileErrors[file] == nil, files.contains(where: { $0.name == file && $0.summary != nil }) else { return nil }
        var why: [String] = []
        for (name, n) in (notCheckedByFile[file] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let what = switch name {
            case "tls":
                " not checked: " + (tlsNotDecryptedByFile[file] ?? [:]).sorted(by: { $0.key < $1.key })
                    .map { $0.value == n ? $0.key : "\($0.value) \($0.key)" }.joined(separator: "; ")
            case "unknown": ", not recognised as MQTT, STOMP or WebSocket (try --port)"
            default: ", not checked"
            }
            why.append("\(n) \(name) connection\(n == 1 ? "" : "s")\(what)")
        }
        if connections.contains(where: { $0.file == file }) { return why.isEmpty ? nil : why.joined(separator: ", ") }
        if why.isEmpty {
            let frames = files.first { $0.name == file }?.summary?.frames ?? 0
            why.append(frames == 0 ? "the capture is empty" : "no TCP connection in its \(frames) frame\(frames == 1 ? "" : "s")")
        }
        return why.joined(separator: ", ")
    }

    // MARK: Text

    /// `explain`: each cross-connection finding's chain of evidence, one link per line.
    /// `colour`: the severity in its colour (`--color`).
    public func text(failOn: Severity?, explain: Bool = false, colour: Bool = false) -> String {
        var out = ""
        for x in sorted() {
            let f = x.finding
            var line = "\(x.file): #\(x.connection)"
            if let cid = x.clientID { line += " client id '\(cid)'" }
            line += " \(f.direction == .clientToServer ? "\(x.client) → \(x.server)" : "\(x.server) → \(x.client)")"
            line += ": \(location(x))"
            if f.packetRange != nil, let r = f.streamRange, r.count > 0 { line += " (stream bytes \(r.lower)-\(r.upper - 1))" }
            out += line + "\n"
            let severity = Paint.severity(f.severity, f.severity.description, on: colour)
            let tag = f.verdict == .unverifiable ? "\(severity) (unverifiable)" : severity
            out += "  \(tag) \(f.rule) [\(x.layer.rawValue)\(x.version.map { " " + $0 } ?? "")]: \(f.message)"
            if !f.section.isEmpty { out += " (\(f.section))" }
            if x.baselined { out += " (baseline)" }
            out += "\n"
            if explain { for e in f.evidence { out += "    evidence: \(e.text)\n" } }
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
        if droppedCount > 0 {
            let rules = dropped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            out += "\(droppedCount) finding(s) counted above but not listed (dropped: --max-findings \(config.maxFindings) reached): \(rules)\n"
        }
        if !notChecked.isEmpty {
            let list = notChecked.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            out += "not checked: \(list) connection(s) (encrypted or not a protocol mqscope checks)\n"
        }
        for (why, n) in tlsNotDecrypted.sorted(by: { $0.key < $1.key }) {
            out += "  tls not decrypted: \(n) connection\(n == 1 ? "" : "s"): \(why)\n"
        }
        return out
    }

    /// Findings per severity (index = Severity.rawValue), those dropped beyond `--max-findings`
    /// included (baselined ones dropped are not: their severity was not kept).
    public func counts() -> [Int] {
        var c = droppedBySeverity
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
        if droppedCount > 0 {
            // Beyond --max-findings: counted (in by_severity and failing too), not listed.
            w.key("dropped", droppedCount)
            w.key("dropped_by_rule")
            w.objectStart()
            for (k, v) in dropped.sorted(by: { $0.key < $1.key }) { w.key(k, v) }
            w.objectEnd()
        }
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
            if !f.evidence.isEmpty {
                w.key("evidence")
                w.arrayStart()
                for e in f.evidence {
                    w.objectStart()
                    w.key("role", e.role.rawValue)
                    w.key("connection", Int(e.connection))
                    w.key("frame", e.frame.map(Int.init))
                    if let v = e.filter { w.key("filter", v) }
                    if let v = e.topic { w.key("topic", v) }
                    if let v = e.note { w.key("note", v) }
                    w.objectEnd()
                }
                w.arrayEnd()
            }
            w.objectEnd()
        }
        w.arrayEnd()
        w.objectEnd()
        w.endLine()
        return String(decoding: w.out.buffer, as: UTF8.self)
    }

    // MARK: JUnit

    /// The JUnit class name of each checked connection (by file and connection id): its client
    /// id, or `connection-N` without one; never an address. Dots become `_` (Jenkins takes the
    /// text after the last dot as the class and the rest as a package), and a client id seen on
    /// several connections of a file gets `-2`, `-3` … on its later ones, in capture order.
    public func junitClassNames() -> [String: String] {
        var names: [String: String] = [:]
        var seen: [String: Int] = [:]
        for k in connections.sorted(by: { ($0.file, $0.firstFrame, $0.id) < ($1.file, $1.firstFrame, $1.id) }) {
            var base = k.clientID.map { cid -> String in
                let safe = String(cid.unicodeScalars.map { c -> Character in
                    c == "." || c.value < 0x20 || c.value == 0x7F ? "_" : Character(c)
                })
                return safe.isEmpty ? "client-id-empty" : safe
            } ?? "connection-\(k.id)"
            let n = seen["\(k.file)#\(base)", default: 0] + 1
            seen["\(k.file)#\(base)"] = n
            if n > 1 { base += "-\(n)" }
            names["\(k.file)#\(k.id)"] = base
        }
        return names
    }

    /// One test suite per file. Per checked connection one test case per rule it has findings of
    /// (name: the rule id), or one passing case `checked` when it has none. A case fails when a
    /// finding reaches `failOn` (one `<failure>` listing them), is `<skipped>` when all its
    /// findings are baselined or info (unverifiable included), and passes otherwise, listing the
    /// findings below `--fail-on` in `<system-out>`. An unreadable file is a suite with one
    /// `<error>` case. When fewer than `requiredConnections` were checked in all, each file that
    /// added none (else the first file) has a failing case `require-connections`.
    public func junit(failOn: Severity?, requiredConnections: Int = 0) -> String {
        struct Suite { var text = ""; var tests = 0, failures = 0, errors = 0, skipped = 0 }
        var suites: [String: Suite] = [:]
        let grouped = byConnection()
        let names = junitClassNames()
        for k in connections {
            var suite = suites[k.file] ?? Suite()
            defer { suites[k.file] = suite }
            let mine = grouped["\(k.file)#\(k.id)"] ?? []
            let cls = xml(names["\(k.file)#\(k.id)"] ?? "connection-\(k.id)")
            var rules: [String] = []
            for f in mine where !rules.contains(f.finding.rule.rawValue) { rules.append(f.finding.rule.rawValue) }
            if rules.isEmpty {
                suite.tests += 1
                suite.text += "    <testcase classname=\"\(cls)\" name=\"checked\">\n"
                suite.text += "      <system-out>\(xml(connectionLine(k)))</system-out>\n    </testcase>\n"
            }
            for r in rules {
                let those = mine.filter { $0.finding.rule.rawValue == r }
                let failing = those.filter { isFailure($0, failOn) }
                suite.tests += 1
                suite.text += "    <testcase classname=\"\(cls)\" name=\"\(xml(r))\">\n"
                let lines = those.map { findingLine($0) }.joined(separator: "\n") + "\n" + connectionLine(k)
                if let first = failing.first {
                    suite.failures += 1
                    let msg = failing.count == 1 ? first.finding.message
                        : "\(failing.count) findings; first: \(first.finding.message)"
                    suite.text += "      <failure type=\"\(first.finding.severity)\" message=\"\(xml(msg))\">\(xml(lines))</failure>\n"
                } else if those.allSatisfy({ $0.baselined || $0.finding.severity == .info }) {
                    suite.skipped += 1
                    let why = those.allSatisfy(\.baselined) ? "in the baseline"
                        : those.contains(where: \.baselined) ? "info or in the baseline" : "info"
                    suite.text += "      <skipped message=\"\(why)\"/>\n"
                    suite.text += "      <system-out>\(xml(lines))</system-out>\n"
                } else {
                    suite.text += "      <system-out>\(xml(lines))</system-out>\n"
                }
                suite.text += "    </testcase>\n"
            }
        }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        var body = ""
        var total = Suite()
        // Too few connections checked: a failing case in each file that added none (else the first).
        let short = connectionShortfall(required: requiredConnections)
        for f in files {
            var suite = suites[f.name] ?? Suite()
            if let why = fileErrors[f.name] ?? (f.summary == nil ? "unreadable" : nil) {
                suite.tests += 1
                suite.errors += 1
                suite.text += "    <testcase classname=\"capture\" name=\"read\">\n"
                suite.text += "      <error type=\"unreadable\" message=\"\(xml(why))\"/>\n    </testcase>\n"
            } else if droppedCount > 0, f.name == files.first?.name {
                // Findings beyond --max-findings: one case, failing when those dropped would fail.
                let n = droppedFailing(failOn)
                let rules = dropped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                let msg = "\(droppedCount) finding(s) not listed (--max-findings \(config.maxFindings) reached): \(rules)"
                suite.tests += 1
                suite.text += "    <testcase classname=\"capture\" name=\"max-findings\">\n"
                if n > 0 {
                    suite.failures += 1
                    suite.text += "      <failure type=\"dropped\" message=\"\(xml(msg))\"/>\n    </testcase>\n"
                } else {
                    suite.text += "      <system-out>\(xml(msg))</system-out>\n    </testcase>\n"
                }
            }
            if let short, fileErrors[f.name] == nil, f.summary != nil, whyNothingChecked(file: f.name) != nil || !files.contains(where: { whyNothingChecked(file: $0.name) != nil }) {
                suite.tests += 1
                suite.failures += 1
                suite.text += "    <testcase classname=\"capture\" name=\"require-connections\">\n"
                suite.text += "      <failure type=\"require-connections\" message=\"\(xml(short))\"/>\n    </testcase>\n"
            }
            body += "  <testsuite name=\"\(xml(f.name))\" tests=\"\(suite.tests)\" failures=\"\(suite.failures)\" errors=\"\(suite.errors)\" skipped=\"\(suite.skipped)\">\n"
            body += suite.text
            body += "  </testsuite>\n"
            total.tests += suite.tests; total.failures += suite.failures
            total.errors += suite.errors; total.skipped += suite.skipped
        }
        out += "<testsuites name=\"mqscope check\" tests=\"\(total.tests)\" failures=\"\(total.failures)\" errors=\"\(total.errors)\" skipped=\"\(total.skipped)\">\n"
        out += body + "</testsuites>\n"
        return out
    }

    private func findingLine(_ x: Finding) -> String {
        let f = x.finding
        let tag = f.verdict == .unverifiable ? "\(f.severity) (unverifiable)" : "\(f.severity)"
        return "\(tag)\(x.baselined ? " (baseline)" : ""): \(location(x)): \(f.message)\(f.section.isEmpty ? "" : " [\(f.section)]")"
    }

    private func connectionLine(_ k: Connection) -> String {
        "connection #\(k.id) \(k.client) → \(k.server), \(k.protocolName) \(k.version ?? "?")\(k.clientID.map { ", client id '\($0)'" } ?? "")"
    }

    /// Dropped findings (beyond `--max-findings`) at or above `failOn`, baseline excluded.
    private func droppedFailing(_ failOn: Severity?) -> Int {
        guard let failOn else { return 0 }
        return Severity.allCases.filter { $0 >= failOn }.reduce(0) { $0 + droppedBySeverity[$1.rawValue] }
    }

    private func isFailure(_ f: Finding, _ failOn: Severity?) -> Bool {
        guard let level = failOn else { return false }
        return !f.baselined && f.finding.severity >= level
    }

    private func xml(_ s: String) -> String { Markup.escape(s, apostrophe: true, control: "?") }

    // MARK: Baseline

    /// One fingerprint per line, sorted, with a header comment.
    public func baselineText() -> String {
        var lines = Set<String>()
        for f in findings { lines.insert(f.fingerprint) }
        var out = "# mqscope check baseline: one finding fingerprint per line (rule|client id|packet type|message)\n"
        for l in lines.sorted() { out += l + "\n" }
        return out
    }

    public static func parseBaseline(_ text: String) -> Set<String> {
        var s = Set<String>()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty { s.insert(String(line)) }
        return s
    }
}
