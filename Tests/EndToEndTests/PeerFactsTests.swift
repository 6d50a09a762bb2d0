import Foundation
import Testing
import TestSupport

/// What the peers' test suites (Arkime, suricata-verify, Zeek, nDPI) state about the MQTT content
/// of their captures, extracted into Fixtures/peer-facts.tsv (by scripts/extract-peer-facts.py,
/// with provenance per row), must hold for our decode too. Facts we knowingly do not share are
/// listed with a reason in Fixtures/peer-facts-exceptions.tsv; each must still fail (no stale list).
@Suite(Corpus.required) struct PeerFactsTests {
    struct Fact: Hashable, CustomStringConvertible {
        var capture, scope, fact, expected, source: String
        var key: String { [capture, scope, fact, expected].joined(separator: "\t") }
        var description: String { "\(capture) [\(scope)] \(fact) = \(expected) (\(source))" }
    }

    static func table(_ name: String, columns: Int) -> [[String]] {
        let url = Paths.fixtures.appendingPathComponent(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            .filter { $0.count == columns }
    }

    static let facts: [Fact] = table("peer-facts.tsv", columns: 5).map {
        Fact(capture: $0[0], scope: $0[1], fact: $0[2], expected: $0[3], source: $0[4])
    }
    /// fact key → reason.
    static let exceptions: [String: String] = Dictionary(
        table("peer-facts-exceptions.tsv", columns: 5).map { ($0[0..<4].joined(separator: "\t"), $0[4]) },
        uniquingKeysWith: { a, _ in a })

    /// A quantity's values in a packet, comma-joined. An MQTT 5.0 acknowledgement, DISCONNECT or AUTH
    /// without a Reason Code byte means 0x00 (§3.4.2.1, §3.14.2.1, §3.15.2.1), which peers report.
    static func value(_ p: TsharkMQTTAgreementTests.Packet, _ q: String) -> String {
        let v = (p.values[q] ?? []).joined(separator: ",")
        if v.isEmpty, q == "reason_code", p.version == 5,
           let t = p.values["type"]?.first, ["4", "5", "6", "7", "14", "15"].contains(t) {
            return "0"
        }
        return v
    }

    /// Evaluates one fact against our packets; nil when it holds, else what we decoded instead.
    static func check(_ f: Fact, _ packets: [TsharkMQTTAgreementTests.Packet]) -> String? {
        let scoped = f.scope == "*" ? packets : packets.filter { String($0.clientPort) == f.scope }
        let words = f.fact.split(separator: " ", maxSplits: 2).map(String.init)
        switch words.first {
        case "connections":
            let n = Set(packets.map(\.clientPort)).count
            return String(n) == f.expected ? nil : "\(n) connections"
        case "set" where words.count == 2:
            var values: Set<String> = []
            for p in scoped {
                switch words[1] {
                case "version": values.insert(String(p.version))
                case "qos_any":
                    // Arkime's qos list: the QoS of PUBLISHes and of the CONNECT's will (if any).
                    values.formUnion(p.values["qos"] ?? [])
                    if let flags = p.values["connect_flags"]?.first.flatMap({ UInt8($0) }), flags & 0x04 != 0 {
                        values.formUnion(p.values["will_qos"] ?? [])
                    }
                case "topic":
                    // Arkime splits each SUBSCRIBE/UNSUBSCRIBE into its filters.
                    for v in p.values["topic"] ?? [] { values.insert(v) }
                default: values.formUnion(p.values[words[1]] ?? [])
                }
            }
            let got = values.sorted().joined(separator: ",")
            let want = f.expected.split(separator: ",").map(String.init).sorted().joined(separator: ",")
            return got == want ? nil : "{\(values.sorted().joined(separator: ","))}"
        case "has" where words.count == 3:
            let type = words[1]
            let conditions = words[2].split(separator: ";").map { c -> (String, String) in
                let kv = c.split(separator: "=", maxSplits: 1).map(String.init)
                return (kv[0], kv.count > 1 ? kv[1] : "")
            }
            let ofType = scoped.filter { $0.values["type"]?.first == type }
            if ofType.contains(where: { p in conditions.allSatisfy { value(p, $0.0) == $0.1 } }) {
                return nil
            }
            let seen = ofType.prefix(4).map { p in
                conditions.map { "\($0.0)=\(value(p, $0.0))" }.joined(separator: ";")
            }
            return "\(ofType.count) packets of type \(type): \(seen.joined(separator: " | "))"
        default:
            return "unknown fact kind"
        }
    }

    @Test("the peers' facts about MQTT content hold for our decode")
    func peersAgree() throws {
        #expect(Self.facts.count > 100, "Fixtures/peer-facts.tsv is missing or short")
        var decoded: [String: [TsharkMQTTAgreementTests.Packet]] = [:]
        var held = 0, excepted = 0
        for f in Self.facts {
            let url = Paths.external.appendingPathComponent(f.capture)
            guard FileManager.default.fileExists(atPath: url.path) else {
                Issue.record("capture missing: \(f.capture)")
                continue
            }
            if decoded[f.capture] == nil { decoded[f.capture] = TsharkMQTTAgreementTests.ours(url).packets }
            let failure = Self.check(f, decoded[f.capture]!)
            if let reason = Self.exceptions[f.key] {
                excepted += 1
                #expect(failure != nil, "listed as an exception (\(reason)) but now holds: \(f)")
            } else if let failure {
                Issue.record("\(f): we decode \(failure)")
            } else {
                held += 1
            }
        }
        print("peer facts: \(Self.facts.count) facts over \(decoded.count) captures, \(held) hold, \(excepted) known exceptions")
    }
}
