import Testing
import WireCore
import MQTTCodec
import Conformance
import TestSupport

/// Statements an existing rule was found to check (issue 16): each test would fail if the rule
/// stopped proving the statement it now stands for in `mqscope rules`.
@Suite struct StatementCoverageTests {
    private func decode(_ bytes: [UInt8], _ v: MQTTVersion) -> [String] {
        var tree = FieldTree()
        var diags: [Diagnostic] = []
        _ = bytes.withUnsafeBufferPointer { MQTTDecoder.decode($0.span, version: v, into: &tree, diagnostics: &diags) }
        return diags.map(\.rule.rawValue)
    }

    /// MQTT311-3.1.3-1 / MQTT5-3.1.3-1: the payload is read in the order the Connect Flags announce;
    /// a field running past the packet, or bytes after the last announced one, are reported.
    @Test(arguments: [MQTTVersion.v3_1_1, .v5])
    func connectPayloadOrder(_ v: MQTTVersion) {
        let v5 = v == .v5
        let head = P.str("MQTT") + [v5 ? 5 : 4]
        let tail = P.u16(60) + (v5 ? [0] : [])
        // Will Flag, User Name and Password announced: Client Id, [Will Properties], Will Topic, Will Message, User Name, Password.
        let fields = P.str("c") + (v5 ? [0] : []) + P.str("w") + P.str("m") + P.str("u") + P.str("p")
        let all = P.packet(0x10, head + [0xC6] + tail + fields)
        #expect(decode(all, v).isEmpty, "\(decode(all, v))")
        // The Password announced but missing: the payload runs out.
        let short = P.packet(0x10, head + [0xC6] + tail + fields.dropLast(3))
        #expect(decode(short, v).contains("MQTT-TRUNCATED"), "\(decode(short, v))")
        // No Will announced but a Will Topic sent after the Client Id: left over.
        let extra = P.packet(0x10, head + [0x02] + tail + P.str("c") + P.str("w"))
        #expect(decode(extra, v).contains("MQTT-TRAILING-BYTES"), "\(decode(extra, v))")
    }

    /// MQTT5-3.8.4-7: a 5.0 SUBACK granting more than the filter's options asked for.
    @Test(arguments: [(UInt8(2), 1), (1, 0)])
    func subackGrantAbove5(_ granted: UInt8, _ count: Int) {
        let found = Scenario(.v5, [.c(P.connect(v5: true)), .s(P.connack(v5: true)),
                                   .c(P.subscribe([("a", 1)], v5: true)), .s(P.suback([granted], v5: true))]).run()
            .filter { $0.checkRule == MQTTCheckRule.subackGrantHigher.rawValue }
        #expect(found.count == count && found.allSatisfy { $0.rule.rawValue == "MQTT5-SUBACK-GRANT" })
    }

    /// MQTT5-4.8.2-3: a delivery through a shared subscription above the QoS granted to it.
    @Test(arguments: [(UInt8(0), 1), (1, 0)])
    func sharedSubscriptionGrantedQoS(_ granted: UInt8, _ count: Int) {
        var f = BrokerCheckerUnitTests.Feed()
        f.send(1, .clientToServer, P.connect(id: "sub", v5: true), v5: true)
        f.send(1, .serverToClient, P.connack(v5: true), v5: true)
        f.send(1, .clientToServer, P.subscribe([("$share/g/a/+", 1)], v5: true), v5: true)
        f.send(1, .serverToClient, P.suback([granted], v5: true), v5: true)
        f.send(2, .clientToServer, P.connect(id: "pub", v5: true), v5: true)
        f.send(2, .clientToServer, P.publish("a/b", qos: 1, id: 7, v5: true), v5: true)
        f.send(1, .serverToClient, P.publish("a/b", qos: 1, id: 1, v5: true), v5: true)
        let found = f.checker.takeFindings().map(\.finding).filter { $0.checkRule == BrokerCheckRule.deliveryQoS.rawValue }
        #expect(found.count == count && found.allSatisfy { $0.verdict == .violation }, "\(found.map(\.message))")
    }
}

/// The reasons `mqscope rules` gives for observable statements left out stay true: each names an
/// observable statement that no rule checks (implementing one means deleting its reason).
@Suite struct NotCheckedReasonTests {
    @Test func reasonsNameUncheckedObservableStatements() {
        let catalog = RuleCatalog()
        for (id, why) in SpecStatement.notCheckedReasons {
            #expect(id.statement.observable == .yes, "\(id) is not an observable statement")
            #expect(catalog.implementation[id] == nil, "\(id) has a rule now; remove its reason")
            #expect(!why.isEmpty)
        }
    }
}
