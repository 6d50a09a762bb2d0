import Foundation
import Testing
import Analysis
import WireCore
import MQTTCodec
import Conformance
import TestSupport

/// Real brokers' and clients' behaviour that the specifications do not define (MQTTKnownBehaviour):
/// named as info, decoded as what it is, never a violation; and the near misses still are.
@Suite struct KnownBehaviourTests {
    /// ActiveMQ 5.17 / amqtt answer a 5.0 CONNECT with a 3.1.1 CONNACK: remaining length 2, code 0x01.
    static let refusal311: [UInt8] = [0x20, 0x02, 0x00, 0x01]

    @Test func refusalBy311ServerIsNamedAndTreatedAsRefused() {
        let steps: [Step] = [.c(P.connect(v5: true)), .s(Self.refusal311)]
        let clean = Scenario(.v5, closed: true, steps).run()
        #expect(clean.allSatisfy { $0.severity < .warning }, "\(clean.map { "\($0.rule): \($0.message)" })")
        // The checker takes it as a refusal: a packet after it is the refused-connection violation.
        let after = Scenario(.v5, steps + [.s(P.pingresp)]).run()
        #expect(after.contains { $0.checkRule == MQTTCheckRule.refusedConnectionContinues.rawValue })
    }

    @Test func refusalDecodesAsA311Connack() {
        var tree = FieldTree()
        var diags: [Diagnostic] = []
        let m = Self.refusal311.withUnsafeBufferPointer {
            MQTTDecoder.decode($0.span, version: .v5, into: &tree, diagnostics: &diags)
        }
        guard case .connack(let c) = m else { Issue.record("not a CONNACK"); return }
        #expect(c.refusedBy311Server && c.code == 1)
        #expect(diags.map(\.rule) == [MQTTRule.knownV5RefusedBy311Server.id])
        #expect(diags.allSatisfy { $0.severity == .info && $0.verdict == .note })
        #expect(tree.nodes.contains { $0.field == MQTTField.connackReturnCode.id })
        #expect(!tree.nodes.contains { $0.field == MQTTField.connackReasonCode.id })
    }

    @Test func bridgeLevelIsNamedAndDecodedWithTheRealLevel() {
        var connect = P.connect()
        connect[8] = 0x84  // 10 len 00 04 M Q T T level
        var tree = FieldTree()
        var diags: [Diagnostic] = []
        let m = connect.withUnsafeBufferPointer {
            MQTTDecoder.decode($0.span, version: .v3_1_1, into: &tree, diagnostics: &diags)
        }
        guard case .connect(let c) = m else { Issue.record("not a CONNECT"); return }
        #expect(c.isBridge && c.version == .v3_1_1)
        #expect(diags.map(\.rule) == [MQTTRule.knownBridgeProtocolLevel.id])
        #expect(MQTTField.connectProtocolLevel.spec.valueName(0x84) == "bridge (0x80) | MQTT 3.1.1")
        // Refused with 0x01, then retried with the plain level on a new connection: both clean.
        let refused = Scenario(.v3_1_1, closed: true, [.c(connect), .s(P.connack(code: 1))]).run()
        #expect(refused.allSatisfy { $0.severity < .warning }, "\(refused.map(\.message))")
        // A plain level is not a bridge; an undefined level with bit 7 is not a known behaviour.
        #expect(!MQTTConnect(header: MQTTFixedHeader(type: .connect, flags: 0, remainingLength: 0, headerLength: 2),
                             version: .v3_1_1).isBridge)
        var odd = connect
        odd[8] = 0x86
        diags = []
        _ = odd.withUnsafeBufferPointer { MQTTDecoder.decode($0.span, version: .v3_1_1, into: &tree, diagnostics: &diags) }
        #expect(diags.map(\.rule) == [MQTTRule.protocolLevelUnknown.id])
    }

    @Test func everyKnownBehaviourIsDescribedAndInfo() {
        let known = MQTTRule.allCases.filter { $0.knownBehaviour != nil }
        #expect(known.count == 2)
        for r in known {
            let k = r.knownBehaviour!
            #expect(!k.name.isEmpty && !k.seenIn.isEmpty && !k.evidence.isEmpty && !k.reference.isEmpty)
            #expect(r.info.severity == .info && r.info.verdict == .note && r.id.rawValue.hasPrefix("KNOWN-"))
        }
    }
}

/// The real captures of captures/known-behaviour.sh: the behaviour is named where it happens, and
/// nothing else is reported (CleanCaptureTests checks there is no error or warning).
@Suite struct KnownBehaviourCaptureTests {
    @Test(arguments: [
        ("mqtt-amqtt-refused-v5.pcap", "KNOWN-V5-REFUSED-BY-311-SERVER", 1),
        ("mqtt-mosquitto-bridge.pcap", "KNOWN-BRIDGE-PROTOCOL-LEVEL", 1),
        ("mqtt-bridge-refused-retry.pcap", "KNOWN-BRIDGE-PROTOCOL-LEVEL", 1),
    ])
    func namedInRealCapture(_ name: String, _ rule: String, _ count: Int) throws {
        let report = try check(Paths.captures.appendingPathComponent(name))
        let hits = report.findings.filter { $0.finding.rule.rawValue == rule }
        #expect(hits.count == count, "\(name): \(report.findings.map { "\($0.finding.rule) \($0.finding.message)" })")
        #expect(report.findings.allSatisfy { $0.finding.severity == .info })
    }
}
