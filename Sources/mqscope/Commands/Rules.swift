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

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(help: "List only the rules (not the statements).")
    var rulesOnly = false

    func run() throws {
        let catalog = RuleCatalog()
        var out = Output()
        switch format {
        case .text: out.write(text(catalog))
        case .json: out.write(json(catalog))
        }
        out.flush()
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
            }
        }
        s += "\nSUMMARY\n"
        for f in c.counts() {
            s += "\(f.family.rawValue): \(f.statements) statements; observable \(f.observable), implemented \(f.implementedObservable); partly observable \(f.partly), implemented \(f.implementedPartly)\n"
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
            w.key("name")
            if let n = r.name { w.string(n) } else { w.null() }
            w.key("stage", r.stage.rawValue)
            w.key("severity", r.severity.description)
            w.key("versions", r.versions)
            w.key("title", r.title)
            w.key("section", r.section)
            w.key("covers")
            w.arrayStart()
            for x in r.covers { w.string(x) }
            w.arrayEnd()
            w.objectEnd()
        }
        w.arrayEnd()
        w.key("statements")
        w.arrayStart()
        if !rulesOnly {
            for st in SpecStatement.all {
                w.objectStart()
                w.key("id", st.id)
                w.key("spec_id", st.specID)
                w.key("family", st.family.rawValue)
                w.key("observable", st.observable.rawValue)
                w.key("severity", st.severity.description)
                w.key("summary", st.summary)
                w.key("implemented", c.implementation[st.id] != nil)
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
