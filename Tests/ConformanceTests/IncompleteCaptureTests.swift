import Testing
import WireCore
import MQTTCodec
import Conformance
import TestSupport

/// Rules that need state a capture lacks are unverifiable (info), never violations.
@Suite struct IncompleteCaptureTests {
    @Test func midStreamFirstPacketIsUnverifiable() {
        let f = Scenario(.v3_1_1, sawStart: false, [.c(P.publish(qos: 1, id: 3)), .s(P.puback(3))]).run()
        let first = f.filter { $0.checkRule == MQTTCheckRule.firstPacketConnect.rawValue }
        #expect(first.count == 1)
        #expect(first.first?.verdict == .unverifiable && first.first?.severity == .info)
        #expect(!f.contains { $0.verdict == .violation })
    }

    @Test func midStreamUnmatchedAckIsUnverifiable() {
        let f = Scenario(.v3_1_1, sawStart: false, [.s(P.puback(3)), .s(P.puback(4)), .c(P.suback([0]))]).run()
        #expect(!f.contains { $0.verdict == .violation }, "\(f.map(\.message))")
        let acks = f.filter { $0.checkRule == MQTTCheckRule.publishAckUnmatched.rawValue }
        #expect(acks.count == 1 && acks[0].verdict == .unverifiable, "reported once per rule")
    }

    @Test func ackAfterGapIsUnverifiable() {
        let f = Scenario(.v3_1_1, [.c(P.connect()), .s(P.connack()), .gap(.clientToServer, 100), .s(P.puback(1))]).run()
        #expect(!f.contains { $0.verdict == .violation })
        #expect(f.contains { $0.checkRule == MQTTCheckRule.publishAckUnmatched.rawValue && $0.verdict == .unverifiable })
    }

    @Test func gapReportedAfterTheAckStillMakesItUnverifiable() {
        // Reassembly declares a hole late: the ack can be decoded before the gap is known.
        let f = Scenario(.v3_1_1, [.c(P.connect()), .s(P.connack()), .s(P.puback(1)), .gap(.clientToServer, 100)]).run()
        #expect(!f.contains { $0.verdict == .violation }, "\(f.map(\.message))")
    }

    @Test func ackAheadOfItsPublishIsMatched() {
        // A segment held for reordering delivers the PUBLISH after the peer's PUBACK.
        let f = Scenario(.v3_1_1, [.c(P.connect()), .s(P.connack()), .c(P.puback(2)), .s(P.publish(qos: 1, id: 2))]).run()
        #expect(f.isEmpty, "\(f.map(\.message))")
    }

    @Test func replayedAcksThatStillMatchNothingDoNotLoop() {
        // A PUBACK and a SUBACK for id 5 arrive first; the PUBLISH consumes the PUBACK and the
        // SUBACK is left over (once), judged at the end.
        let f = Scenario(.v3_1_1, [.c(P.connect()), .s(P.connack()), .s(P.puback(5)), .s(P.suback([0], id: 5)),
                                   .c(P.publish(qos: 1, id: 5))]).run()
        let left = f.filter { $0.checkRule == MQTTCheckRule.subscribeAckUnmatched.rawValue }
        #expect(left.count == 1 && left.first?.frames == [4], "\(f.map(\.message))")
    }

    @Test func lostStreamStartMakesFirstPacketUnverifiable() {
        let f = Scenario(.v3_1_1, [.c(P.connect()), .gap(.serverToClient, 4), .c(P.publish())]).run()
        #expect(!f.contains { $0.verdict == .violation })
        #expect(f.contains { $0.checkRule == MQTTCheckRule.firstServerPacketConnack.rawValue && $0.verdict == .unverifiable })
    }

    @Test func unknownAliasAfterGapIsUnverifiable() {
        let f = Scenario(.v5, [.c(P.connect(v5: true)), .s(P.connack(v5: true, props: [0x22] + P.u16(5))),
                               .gap(.clientToServer, 50), .c(P.publish("", v5: true, props: [0x23] + P.u16(1)))]).run()
        #expect(!f.contains { $0.verdict == .violation }, "\(f.map(\.message))")
        #expect(f.contains { $0.checkRule == MQTTCheckRule.topicAliasUnknown.rawValue && $0.verdict == .unverifiable })
    }

    @Test func keepAliveAcrossAGapIsUnverifiable() {
        let f = Scenario(.v3_1_1, [.c(P.connect(keepAlive: 10)), .s(P.connack()), .gap(.clientToServer, 2),
                                   .c(P.pingreq, at: 40)]).run()
        #expect(!f.contains { $0.verdict == .violation })
        #expect(f.contains { $0.checkRule == MQTTCheckRule.keepAliveOverrun.rawValue && $0.verdict == .unverifiable })
    }

    @Test func pipeliningBeforeConnackIsAllowed() {
        // U311-PIPELINING: packets after CONNECT before CONNACK are not a violation.
        let f = Scenario(.v3_1_1, [.c(P.connect()), .c(P.publish()), .c(P.subscribe([("a/#", 1)])), .s(P.connack()),
                                   .s(P.suback([1]))]).run()
        #expect(f.isEmpty, "\(f.map(\.message))")
    }

    @Test func secondConnectBeforeConnackIsAViolation() {
        let f = Scenario(.v3_1_1, [.c(P.connect()), .c(P.connect(id: "other"))]).run()
        #expect(f.contains { $0.rule == "MQTT311-3.1.0-2" && $0.verdict == .violation && $0.frames == [2] })
    }

    @Test func findingsCarryStreamAndPacketRanges() {
        let f = Scenario(.v3_1_1, [.c(P.connect()), .s(P.connack()), .c(P.subscribe([("a/#/b", 0)]))]).run()
        let hit = f.first { $0.checkRule == MQTTCheckRule.multiLevelWildcardPlacement.rawValue }
        // SUBSCRIBE: 82 len 00 01 00 05 'a' '/' '#' → '#' at packet byte 8; the client stream already
        // holds the CONNECT's bytes before it.
        let connectSize = UInt64(P.connect().count)
        #expect(hit?.packetRange == ByteRange(8, 9))
        #expect(hit?.streamRange == StreamRange(connectSize + 8, connectSize + 9))
        #expect(hit?.packetIndex == 1)
    }
}
