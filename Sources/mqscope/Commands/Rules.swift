import ArgumentParser
import Conformance
import Rendering
import WireCore

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every rule mqscope can report, and every normative statement of the specs with the rule that checks it.",
        discussion: """
            Rules: the decoder's (syntax, reported while decoding), the checker's (state: order, \
            identifiers, flows, negotiated limits) and the stream's (gaps). Statements: every MQTT \
            3.1.1, MQTT 5.0, MQTT-over-WebSocket and STOMP normative statement, whether a capture can \
            show a violation (yes / partly / no) and which of our rules checks it. The summary gives, \
            per specification, how many observable statements are implemented.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, markdown }

    @Option(help: "Output format: text, json, or markdown (the table in docs/conformance.md).")
    var format: Format = .text

    @Flag(help: "List only the rules (not the statements).")
    var rulesOnly = false

    @Argument(help: ArgumentHelp("Show only this rule (a rule id, a check-rule name, or a statement id) with the statements it checks, their text and section.", valueName: "id"))
    var id: String?

    func run() throws {
        let catalog = RuleCatalog()
        if let id {
            guard let text = one(id, catalog) else {
                Diagnostics.error("no rule or statement '\(id)' (see `mqscope rules --rules-only`)")
                throw ExitCode(ExitStatus.unusableInput)
            }
            var out = Output()
            out.write(text)
            out.flush()
            return
        }
        var out = Output()
        switch format {
        case .text: out.write(text(catalog))
        case .json: out.write(json(catalog))
        case .markdown: out.write(markdown(catalog))
        }
        out.flush()
    }

    /// One rule (by id or check-rule name; a rule id shared by versions lists each) or one
    /// statement: what it reports, its section, and the text of each statement it checks.
    private func one(_ id: String, _ c: RuleCatalog) -> String? {
        let rules = c.rules.filter { $0.id.rawValue == id || $0.name == id }
        let byID = Dictionary(SpecStatement.all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func statement(_ st: SpecStatement) -> String {
            var s = "  \(st.id) (\(st.family.rawValue) \(st.specID), \(st.area); observable: \(st.observable.rawValue), \(st.severity))\n"
            s += "    \(st.summary)\n"
            return s
        }
        if rules.isEmpty {
            guard let key = SpecStatementID(rawValue: id), let st = byID[key] else { return nil }
            let why = SpecStatement.notCheckedReasons[st.id].map { "no rule: \($0)" } ?? "no rule of mqscope yet"
            let impl = c.implementation[st.id].map { $0.map(\.rawValue).joined(separator: ", ") } ?? why
            return "statement\n" + statement(st) + "checked by: \(impl)\n"
        }
        var s = ""
        for r in rules {
            s += "\(r.id.rawValue)\(r.name.map { " (name \($0))" } ?? ""): \(r.title)\n"
            s += "  stage \(r.stage.rawValue), severity \(r.severity), versions \(r.versions)\n"
            s += "  section: \(r.section.isEmpty ? "-" : r.section)\n"
            let covered = r.covers.compactMap { byID[$0] }
            if covered.isEmpty {
                s += "  statements: none of the specification's numbered statements (a rule of mqscope's own)\n"
            } else {
                s += "  statements it checks:\n"
                for st in covered { s += statement(st).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n" }
            }
        }
        return s
    }

    private func text(_ c: RuleCatalog) -> String {
        var s = "RULES (\(c.rules.count))\n"
        for r in c.rules {
            s += "\(r.id.rawValue)  [\(r.stage.rawValue), \(r.severity), \(r.versions)]\(r.name.map { " name=\($0)" } ?? "")\n"
            s += "    \(r.title) (\(r.section))\n"
        }
        if !rulesOnly {
            s += "\nSTATEMENTS (\(SpecStatement.all.count))\n"
            for st in SpecStatement.all {
                let impl = c.implementation[st.id].map { $0.map(\.rawValue).joined(separator: ", ") } ?? "-"
                s += "\(st.id)  [\(st.family.rawValue), observable \(st.observable.rawValue)]  checked by: \(impl)\n"
                s += "    \(st.summary)\n"
                if impl == "-", let why = SpecStatement.notCheckedReasons[st.id] { s += "    not checked: \(why)\n" }
            }
        }
        s += "\nSUMMARY\n"
        for f in c.counts() {
            s += "\(f.family.rawValue): \(f.statements) statements; observable \(f.observable), implemented \(f.implementedObservable); partly observable \(f.partly), implemented \(f.implementedPartly); across connections \(f.implementedAcrossConnections)\n"
        }
        return s
    }

    /// The conformance table for the README: per specification, observable statements against
    /// implemented ones; then every rule per version; then the observable statements not checked.
    private func markdown(_ c: RuleCatalog) -> String {
        var s = "<!-- Generated by `mqscope rules --format markdown`; do not edit by hand. -->\n\n"
        s += "| Specification | Statements | Observable (yes) | Implemented of those | Partly observable | Implemented of those | Across connections (broker) |\n"
        s += "|---|---:|---:|---:|---:|---:|---:|\n"
        for f in c.counts() {
            s += "| \(f.family.rawValue) | \(f.statements) | \(f.observable) | \(f.implementedObservable) | \(f.partly) | \(f.implementedPartly) | \(f.implementedAcrossConnections) |\n"
        }
        let groups = [("MQTT 3.1 / 3.1.1", "3.1, 3.1.1"), ("MQTT 5.0", "5.0"), ("All versions", "3.1, 3.1.1, 5.0"),
                      ("MQTT over WebSocket", "3.1.1, 5.0 over WebSocket"), ("WebSocket (RFC 6455)", "WebSocket"),
                      ("STOMP 1.0", "STOMP 1.0"), ("STOMP 1.1", "STOMP 1.1"), ("STOMP 1.2", "STOMP 1.2")]
        for (title, versions) in groups {
            let rules = c.rules.filter { $0.versions == versions }
            s += "\n### Rules: \(title) (\(rules.count))\n\n| Rule | Stage | Severity | What it reports | Statements checked |\n|---|---|---|---|---|\n"
            for r in rules {
                let covers = r.covers.filter { c.implementation[$0] != nil }.map(\.rawValue).joined(separator: ", ")
                s += "| `\(r.id.rawValue)` | \(r.stage.rawValue) | \(r.severity) | \(r.title) | \(covers) |\n"
            }
        }
        let stream = c.rules.filter { $0.stage == .stream }
        s += "\n### Capture rules (\(stream.count))\n\n"
        for r in stream { s += "- `\(r.id.rawValue)` (\(r.severity)): \(r.title)\n" }
        s += "\n### Observable statements not checked yet\n\n"
        for st in SpecStatement.all where st.observable == .yes && c.implementation[st.id] == nil {
            s += "- `\(st.id)`: \(st.summary)"
            if let why = SpecStatement.notCheckedReasons[st.id] { s += " *Not checked:* \(why)." }
            s += "\n"
        }
        return s
    }

    private func json(_ c: RuleCatalog) -> String {
        var w = JSONWriter(out: Output(fd: -1, threshold: Int.max))
        w.objectStart()
        w.key("schema", "mqscope.rules/1")
        w.key("rules")
        w.arrayStart()
        for r in c.rules {
            w.objectStart()
            w.key("id", r.id.rawValue)
            w.key("name", r.name)
            w.key("stage", r.stage.rawValue)
            w.key("severity", r.severity.description)
            w.key("versions", r.versions)
            w.key("title", r.title)
            w.key("section", r.section)
            w.key("covers")
            w.arrayStart()
            for x in r.covers { w.string(x.rawValue) }
            w.arrayEnd()
            w.objectEnd()
        }
        w.arrayEnd()
        w.key("statements")
        w.arrayStart()
        if !rulesOnly {
            for st in SpecStatement.all {
                w.objectStart()
                w.key("id", st.id.rawValue)
                w.key("spec_id", st.specID)
                w.key("family", st.family.rawValue)
                w.key("observable", st.observable.rawValue)
                w.key("severity", st.severity.description)
                w.key("summary", st.summary)
                w.key("implemented", c.implementation[st.id] != nil)
                if let why = SpecStatement.notCheckedReasons[st.id] { w.key("not_checked_reason", why) }
                w.key("rules")
                w.arrayStart()
                for r in c.implementation[st.id] ?? [] { w.string(r.rawValue) }
                w.arrayEnd()
                w.objectEnd()
            }
        }
        w.arrayEnd()
        w.key("summary")
        w.arrayStart()
        for f in c.counts() {
            w.objectStart()
            w.key("family", f.family.rawValue)
            w.key("statements", f.statements)
            w.key("observable", f.observable)
            w.key("implemented_observable", f.implementedObservable)
            w.key("partly", f.partly)
            w.key("implemented_partly", f.implementedPartly)
            w.key("implemented", f.implemented)
            w.objectEnd()
        }
        w.arrayEnd()
        w.objectEnd()
        w.endLine()
        return String(decoding: w.out.buffer, as: UTF8.self)
    }
}
