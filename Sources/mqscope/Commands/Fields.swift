import ArgumentParser
import Analysis
import DisplayFilters
import Rendering
import WireCore

struct Fields: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every field id mqscope decodes, with its type, name and meaning.",
        discussion: "The ids are stable: they appear in `read -V`, in JSON output and in filters.")

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() {
        var out = Output()
        let specs = Catalogs.registry.allSpecs.filter { $0.abbrev != "unknown" }
        // The TLS connection facts (filters and columns only; no tree node holds them).
        let facts = Builtin.tlsFacts
        switch format {
        case .text:
            let width = max(specs.map(\.abbrev.count).max() ?? 0, facts.map(\.name.count).max() ?? 0)
            for s in specs {
                let kind = s.kind.rawValue
                out.write(s.abbrev + String(repeating: " ", count: width - s.abbrev.count + 2))
                out.write(kind + String(repeating: " ", count: max(1, 12 - kind.count)))
                out.write(s.name)
                if !s.meaning.isEmpty { out.write(" — " + s.meaning) }
                if !s.specRef.isEmpty { out.write(" [" + s.specRef + "]") }
                out.write("\n")
            }
            for f in facts {
                out.write(f.name + String(repeating: " ", count: width - f.name.count + 2))
                out.write(f.kind + String(repeating: " ", count: max(1, 12 - f.kind.count)))
                out.write("TLS connection fact — " + f.meaning + "\n")
            }
        case .json:
            var w = JSONWriter(out: out)
            w.objectStart()
            w.key("schema", "mqscope.fields/1")
            w.key("fields")
            w.arrayStart()
            for s in specs {
                w.objectStart()
                w.key("id", s.abbrev)
                w.key("name", s.name)
                w.key("type", s.kind.rawValue)
                w.key("meaning", s.meaning)
                w.key("spec", s.specRef)
                if case .named(let table) = s.display {
                    w.key("values")
                    w.objectStart()
                    for (v, n) in table { w.key(String(v), n) }
                    w.objectEnd()
                }
                w.objectEnd()
            }
            for f in facts {
                w.objectStart()
                w.key("id", f.name)
                w.key("name", "TLS connection fact")
                w.key("type", f.kind)
                w.key("meaning", f.meaning)
                w.key("spec", "")
                w.objectEnd()
            }
            w.arrayEnd()
            w.objectEnd()
            w.endLine()
            out = w.out
        }
        out.flush()
    }
}
