import Testing
import WireCore
@testable import MQTTCodec

@Suite("Annotated hex fixtures")
struct FixtureTests {
    static let fixtures = Fixture.all()

    @Test func fixturesExist() {
        #expect(Self.fixtures.count >= 60)
    }

    @Test("fixture decodes as annotated", arguments: fixtures)
    func fixture(_ f: Fixture) {
        #expect(!f.bytes.isEmpty)
        let (message, tree, diags) = f.decode()
        let registry = MQTTTestSupport.registry
        // Every expectation names a node with that abbrev and range, holding that value.
        for e in f.expectations {
            let candidates = tree.nodes.filter { registry.spec($0.field).abbrev == e.abbrev && $0.range == e.range }
            #expect(!candidates.isEmpty, "\(f.name):\(e.line): no \(e.abbrev) at \(e.range)")
            if let n = candidates.first {
                #expect(candidates.contains { f.matches($0.value, e.value) },
                        "\(f.name):\(e.line): \(e.abbrev) is \(n.value), expected \(e.value)")
            }
        }
        // Exactly the expected diagnostics.
        let got = Set(diags.map { Fixture.ExpectedDiagnostic(rule: $0.rule.rawValue, range: $0.range ?? ByteRange(-1, -1)) })
        #expect(got == f.diagnostics, "\(f.name): diagnostics \(diags.map { "\($0.rule) \($0.range.map(\.description) ?? "-")" })")
        // Every node lies inside the PDU, and the root covers it.
        for n in tree.nodes {
            #expect(n.range.lower >= 0 && n.range.upper <= f.bytes.count && n.range.lower <= n.range.upper,
                    "\(f.name): node \(registry.spec(n.field).abbrev) at \(n.range)")
        }
        #expect(tree.nodes.first?.range == ByteRange(0, f.bytes.count))
        if f.diagnostics.isEmpty {
            #expect(message.packetType != nil)
        }
    }

    /// Every catalog field appears in at least one fixture's tree, unless exempt.
    @Test func everyFieldReached() {
        var seen = Set<UInt16>()
        for f in Self.fixtures {
            let (_, tree, _) = f.decode()
            for n in tree.nodes { seen.insert(n.field.raw) }
        }
        let exempt: [MQTTField: String] = [:]
        for field in MQTTField.allCases where exempt[field] == nil {
            #expect(seen.contains(field.id.raw), "no fixture reaches \(field.spec.abbrev)")
        }
    }

    /// Every packet type has a fixture in each version where it exists.
    @Test func everyPacketTypePerVersion() {
        for v in MQTTVersion.allCases {
            var types = Set<MQTTPacketType>()
            for f in Self.fixtures where f.version == v && f.diagnostics.isEmpty {
                if let t = f.decode().0.packetType { types.insert(t) }
            }
            for t in MQTTPacketType.allCases where t.isValid(in: v) {
                #expect(types.contains(t), "no clean \(v) fixture for \(t)")
            }
        }
    }
}

enum MQTTTestSupport {
    static let registry: FieldRegistry = {
        var r = FieldRegistry()
        r.register(MQTTField.self)
        return r
    }()
}
