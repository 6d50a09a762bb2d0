import Testing
import WireCore
import MQTTCodec
import Conformance
import TestSupport

/// A fixture that must trigger a rule (at `frame`, the 1-based step) and a clean one that must not.
struct RuleFixture {
    var trigger: Scenario
    var frame: FrameNumber
    var verdict: Verdict = .violation
    var clean: Scenario
    /// Rules the clean fixture may still break (its setup needs them), e.g. the zero-length
    /// Client Identifier that a CONNACK rule answers.
    var cleanAllows: Set<MQTTCheckRule> = []
}

typealias S = Step

private let v3 = MQTTVersion.v3_1_1
private let v5 = MQTTVersion.v5
private let open311: [Step] = [.c(P.connect()), .s(P.connack())]
private func open5(connect p: [UInt8] = [], connack q: [UInt8] = [], id: String = "c") -> [Step] {
    [.c(P.connect(id: id, v5: true, props: p)), .s(P.connack(v5: true, props: q))]
}
private func u16(_ v: UInt16) -> [UInt8] { P.u16(v) }
/// A 5.0 CONNECT with a Will on "w" (`flags`: Clean Start, Will Flag, Will QoS, Will Retain).
private func willConnect5(flags: UInt8) -> [UInt8] {
    P.packet(0x10, P.str("MQTT") + [5, flags] + P.u16(60) + [0] + P.str("c") + [0] + P.str("w") + P.str("gone"))
}

/// Every rule of `MQTTCheckRule`, with a triggering and a clean fixture. `fixtureTableIsComplete`
/// fails when a rule is missing here.
let ruleFixtures: [MQTTCheckRule: RuleFixture] = [
    .firstPacketConnect: RuleFixture(
        trigger: Scenario(v3, [.c(P.pingreq)]), frame: 1,
        clean: Scenario(v3, open311 + [.c(P.pingreq)])),
    .firstServerPacketConnack: RuleFixture(
        trigger: Scenario(v3, [.c(P.connect()), .s(P.pingresp)]), frame: 2,
        clean: Scenario(v3, open311 + [.c(P.pingreq), .s(P.pingresp)])),
    .secondConnect: RuleFixture(
        trigger: Scenario(v3, [.c(P.connect()), .c(P.connect())]), frame: 2,
        clean: Scenario(v3, open311)),
    .secondConnack: RuleFixture(
        trigger: Scenario(v3, open311 + [.s(P.connack())]), frame: 3,
        clean: Scenario(v3, open311)),
    .packetAfterDisconnect: RuleFixture(
        trigger: Scenario(v3, open311 + [.c(P.disconnect), .c(P.pingreq)]), frame: 4,
        clean: Scenario(v3, open311 + [.c(P.pingreq), .c(P.disconnect)])),
    .wrongDirection: RuleFixture(
        trigger: Scenario(v3, open311 + [.s(P.subscribe([("a", 0)]))]), frame: 3,
        clean: Scenario(v3, open311 + [.c(P.subscribe([("a", 0)]))])),
    .refusedConnectionContinues: RuleFixture(
        trigger: Scenario(v3, [.c(P.connect()), .s(P.connack(code: 5)), .s(P.pingresp)]), frame: 3,
        clean: Scenario(v3, [.c(P.connect()), .s(P.connack(code: 5))])),
    .disconnectBeforeConnack: RuleFixture(
        trigger: Scenario(v5, [.c(P.connect(v5: true)), .s(P.disconnect5(0x82))]), frame: 2,
        clean: Scenario(v5, open5() + [.s(P.disconnect5(0x8B))])),
    .packetIDInUseClient: RuleFixture(
        trigger: Scenario(v3, open311 + [.c(P.publish(qos: 1, id: 1)), .c(P.publish(qos: 1, id: 1))]), frame: 4,
        clean: Scenario(v3, open311 + [.c(P.publish(qos: 1, id: 1)), .c(P.publish(qos: 1, id: 1, dup: true)),
                                       .s(P.puback(1)), .c(P.publish(qos: 1, id: 1))])),
    .packetIDInUseServer: RuleFixture(
        trigger: Scenario(v3, open311 + [.s(P.publish(qos: 2, id: 9)), .s(P.publish(qos: 1, id: 9))]), frame: 4,
        clean: Scenario(v3, open311 + [.s(P.publish(qos: 2, id: 9)), .c(P.pubrec(9)), .s(P.pubrel(9)),
                                       .c(P.pubcomp(9)), .s(P.publish(qos: 1, id: 9))])),
    .publishAckUnmatched: RuleFixture(
        trigger: Scenario(v3, open311 + [.s(P.puback(7))]), frame: 3,
        clean: Scenario(v3, open311 + [.c(P.publish(qos: 1, id: 7)), .s(P.puback(7))])),
    .subscribeAckUnmatched: RuleFixture(
        trigger: Scenario(v3, open311 + [.s(P.suback([0], id: 3))]), frame: 3,
        clean: Scenario(v3, open311 + [.c(P.subscribe([("a", 0)], id: 3)), .s(P.suback([0], id: 3))])),
    .qos2FlowOrder: RuleFixture(
        trigger: Scenario(v3, open311 + [.c(P.publish(qos: 2, id: 5)), .c(P.pubrel(5))]), frame: 4,
        clean: Scenario(v3, open311 + [.c(P.publish(qos: 2, id: 5)), .s(P.pubrec(5)), .c(P.pubrel(5)),
                                       .s(P.pubcomp(5))])),
    .subackCountMismatch: RuleFixture(
        trigger: Scenario(v3, open311 + [.c(P.subscribe([("a", 0), ("b", 1)])), .s(P.suback([0]))]), frame: 4,
        clean: Scenario(v3, open311 + [.c(P.subscribe([("a", 0), ("b", 1)])), .s(P.suback([0, 1]))])),
    .unsubackCountMismatch: RuleFixture(
        trigger: Scenario(v5, open5() + [.c(P.unsubscribe(["a", "b"], v5: true)), .s(P.unsuback([0], v5: true))]),
        frame: 4,
        clean: Scenario(v5, open5() + [.c(P.unsubscribe(["a", "b"], v5: true)), .s(P.unsuback([0, 0x11], v5: true))])),
    .sessionPresentWithError: RuleFixture(
        trigger: Scenario(v3, [.c(P.connect(flags: 0)), .s(P.connack(code: 4, sessionPresent: true))]), frame: 2,
        clean: Scenario(v3, [.c(P.connect(flags: 0)), .s(P.connack(code: 4))])),
    .sessionPresentAfterCleanStart: RuleFixture(
        trigger: Scenario(v3, [.c(P.connect(flags: 0x02)), .s(P.connack(sessionPresent: true))]), frame: 2,
        clean: Scenario(v3, [.c(P.connect(flags: 0x00)), .s(P.connack(sessionPresent: true))])),
    .emptyClientIDWithoutCleanSession: RuleFixture(
        trigger: Scenario(v3, [.c(P.connect(id: "", flags: 0))]), frame: 1,
        clean: Scenario(v3, [.c(P.connect(id: "", flags: 0x02))])),
    .emptyClientIDAccepted: RuleFixture(
        trigger: Scenario(v3, [.c(P.connect(id: "", flags: 0)), .s(P.connack(code: 0))]), frame: 2,
        clean: Scenario(v3, [.c(P.connect(id: "", flags: 0)), .s(P.connack(code: 2))]),
        cleanAllows: [.emptyClientIDWithoutCleanSession]),
    .assignedClientIDMissing: RuleFixture(
        trigger: Scenario(v5, open5(id: "")), frame: 2,
        clean: Scenario(v5, open5(connack: [0x12] + P.str("auto-1"), id: ""))),
    .clientIDRejected: RuleFixture(
        trigger: Scenario(v3, [.c(P.connect(id: "sensor42")), .s(P.connack(code: 2))]), frame: 2,
        clean: Scenario(v3, [.c(P.connect(id: "sensor/42")), .s(P.connack(code: 2))])),
    .malformedConnectAccepted: RuleFixture(
        // Reserved Connect Flags bit 0 set: malformed (decode-time MQTT311-3.1.2-3).
        trigger: Scenario(v3, [.c(P.connect(flags: 0x03)), .s(P.connack())]), frame: 2,
        clean: Scenario(v3, [.c(P.connect(flags: 0x02)), .s(P.connack())])),
    .malformedPacketNotClosed: RuleFixture(
        trigger: Scenario(v3, open311 + [.c(P.hex("36 05 00 01 74 00 01")), .s(P.publish(qos: 0), at: 3)]), frame: 4,
        clean: Scenario(v3, open311 + [.c(P.hex("36 05 00 01 74 00 01")), .s(P.publish(qos: 0))])),
    .keepAliveOverrun: RuleFixture(
        trigger: Scenario(v3, [.c(P.connect(keepAlive: 10)), .s(P.connack()), .c(P.pingreq, at: 16)]), frame: 3,
        clean: Scenario(v3, [.c(P.connect(keepAlive: 10)), .s(P.connack()), .c(P.pingreq, at: 14),
                             .c(P.pingreq, at: 28)])),
    .multiLevelWildcardPlacement: RuleFixture(
        trigger: Scenario(v3, open311 + [.c(P.subscribe([("a/#/b", 0)]))]), frame: 3,
        clean: Scenario(v3, open311 + [.c(P.subscribe([("a/#", 0), ("#", 0)]))])),
    .singleLevelWildcardPlacement: RuleFixture(
        trigger: Scenario(v3, open311 + [.c(P.unsubscribe(["a+/b"]))]), frame: 3,
        clean: Scenario(v3, open311 + [.c(P.unsubscribe(["a/+/b", "+", "+/+"]))])),
    .topicEmpty: RuleFixture(
        trigger: Scenario(v3, open311 + [.c(P.subscribe([("", 0)]))]), frame: 3,
        clean: Scenario(v3, open311 + [.c(P.subscribe([("a", 0)]))])),
    .sharedSubscriptionInvalid: RuleFixture(
        trigger: Scenario(v5, open5() + [.c(P.subscribe([("$share//a", 0)], v5: true))]), frame: 3,
        clean: Scenario(v5, open5() + [.c(P.subscribe([("$share/g/a", 0)], v5: true))])),
    .noLocalOnSharedSubscription: RuleFixture(
        trigger: Scenario(v5, open5() + [.c(P.subscribe([("$share/g/a", 0x04)], v5: true))]), frame: 3,
        clean: Scenario(v5, open5() + [.c(P.subscribe([("$share/g/a", 0x00), ("a", 0x04)], v5: true))])),
    .topicAliasZero: RuleFixture(
        trigger: Scenario(v5, open5(connack: [0x22] + u16(10)) + [.c(P.publish(v5: true, props: [0x23] + u16(0)))]),
        frame: 3,
        clean: Scenario(v5, open5(connack: [0x22] + u16(10)) + [.c(P.publish(v5: true, props: [0x23] + u16(1)))])),
    .topicAliasAboveMaximumClient: RuleFixture(
        trigger: Scenario(v5, open5(connack: [0x22] + u16(2)) + [.c(P.publish(v5: true, props: [0x23] + u16(3)))]),
        frame: 3,
        clean: Scenario(v5, open5(connack: [0x22] + u16(2)) + [.c(P.publish(v5: true, props: [0x23] + u16(2)))])),
    .topicAliasAboveMaximumServer: RuleFixture(
        trigger: Scenario(v5, open5(connect: [0x22] + u16(2)) + [.s(P.publish(v5: true, props: [0x23] + u16(3)))]),
        frame: 3,
        clean: Scenario(v5, open5(connect: [0x22] + u16(2)) + [.s(P.publish(v5: true, props: [0x23] + u16(2)))])),
    .topicAliasUnknown: RuleFixture(
        trigger: Scenario(v5, open5(connack: [0x22] + u16(10)) + [.c(P.publish("", v5: true, props: [0x23] + u16(1)))]),
        frame: 3,
        clean: Scenario(v5, open5(connack: [0x22] + u16(10)) + [.c(P.publish("t", v5: true, props: [0x23] + u16(1))),
                                                                 .c(P.publish("", v5: true, props: [0x23] + u16(1)))])),
    .receiveMaximumExceededClient: RuleFixture(
        trigger: Scenario(v5, open5(connack: [0x21] + u16(1)) + [.c(P.publish(qos: 1, id: 1, v5: true)),
                                                                  .c(P.publish(qos: 1, id: 2, v5: true))]), frame: 4,
        clean: Scenario(v5, open5(connack: [0x21] + u16(1)) + [.c(P.publish(qos: 1, id: 1, v5: true)), .s(P.puback(1)),
                                                                .c(P.publish(qos: 1, id: 2, v5: true))])),
    .receiveMaximumExceededServer: RuleFixture(
        trigger: Scenario(v5, open5(connect: [0x21] + u16(1)) + [.s(P.publish(qos: 2, id: 1, v5: true)),
                                                                  .s(P.publish(qos: 1, id: 2, v5: true))]), frame: 4,
        clean: Scenario(v5, open5(connect: [0x21] + u16(2)) + [.s(P.publish(qos: 2, id: 1, v5: true)),
                                                                .s(P.publish(qos: 1, id: 2, v5: true))])),
    .maximumPacketSizeExceededClient: RuleFixture(
        trigger: Scenario(v5, open5(connack: [0x27] + P.u32(20)) + [.c(P.publish(v5: true, payload: Array(repeating: 65, count: 30)))]),
        frame: 3,
        clean: Scenario(v5, open5(connack: [0x27] + P.u32(20)) + [.c(P.publish(v5: true))])),
    .maximumPacketSizeExceededServer: RuleFixture(
        trigger: Scenario(v5, open5(connect: [0x27] + P.u32(20)) + [.s(P.publish(v5: true, payload: Array(repeating: 65, count: 30)))]),
        frame: 3,
        clean: Scenario(v5, open5(connect: [0x27] + P.u32(20)) + [.s(P.publish(v5: true))])),
    .maximumQoSExceeded: RuleFixture(
        trigger: Scenario(v5, open5(connack: [0x24, 0]) + [.c(P.publish(qos: 1, v5: true))]), frame: 3,
        clean: Scenario(v5, open5(connack: [0x24, 1]) + [.c(P.publish(qos: 1, v5: true))])),
    .retainNotAvailable: RuleFixture(
        trigger: Scenario(v5, open5(connack: [0x25, 0]) + [.c(P.publish(retain: true, v5: true))]), frame: 3,
        clean: Scenario(v5, open5(connack: [0x25, 0]) + [.c(P.publish(v5: true))])),
    .willQoSAboveMaximum: RuleFixture(
        trigger: Scenario(v5, [.c(willConnect5(flags: 0x16)), .s(P.connack(v5: true, props: [0x24, 1]))]), frame: 2,
        clean: Scenario(v5, [.c(willConnect5(flags: 0x0E)), .s(P.connack(v5: true, props: [0x24, 1]))])),
    .willRetainNotAvailable: RuleFixture(
        trigger: Scenario(v5, [.c(willConnect5(flags: 0x26)), .s(P.connack(v5: true, props: [0x25, 0]))]), frame: 2,
        clean: Scenario(v5, [.c(willConnect5(flags: 0x06)), .s(P.connack(v5: true, props: [0x25, 0]))])),
    .featureNotAvailable: RuleFixture(
        trigger: Scenario(v5, open5(connack: [0x28, 0]) + [.c(P.subscribe([("a/+", 0)], v5: true))]), frame: 3,
        clean: Scenario(v5, open5(connack: [0x28, 0]) + [.c(P.subscribe([("a/b", 0)], v5: true))])),
    .payloadFormatInvalid: RuleFixture(
        trigger: Scenario(v5, open5() + [.c(P.publish(v5: true, props: [0x01, 1], payload: [0xC3, 0x28]))]), frame: 3,
        clean: Scenario(v5, open5() + [.c(P.publish(v5: true, props: [0x01, 1], payload: Array("grüß".utf8))),
                                       .c(P.publish(v5: true, props: [0x01, 0], payload: [0xFF]))])),
    .subscriptionIDFromClient: RuleFixture(
        trigger: Scenario(v5, open5() + [.c(P.publish(v5: true, props: [0x0B, 1]))]), frame: 3,
        clean: Scenario(v5, open5() + [.c(P.subscribe([("t", 0)], v5: true, props: [0x0B, 1])),
                                       .s(P.publish(v5: true, props: [0x0B, 1]))])),
    .sessionExpiryFromServer: RuleFixture(
        trigger: Scenario(v5, open5() + [.s(P.disconnect5(0x8B, props: [0x11] + P.u32(5)))]), frame: 3,
        clean: Scenario(v5, open5() + [.s(P.disconnect5(0x8B))])),
    .sessionExpiryAfterZero: RuleFixture(
        trigger: Scenario(v5, open5() + [.c(P.disconnect5(0, props: [0x11] + P.u32(30)))]), frame: 3,
        clean: Scenario(v5, open5(connect: [0x11] + P.u32(10)) + [.c(P.disconnect5(0, props: [0x11] + P.u32(30)))])),
    .disconnectReasonRole: RuleFixture(
        trigger: Scenario(v5, open5() + [.c(P.disconnect5(0x8E))]), frame: 3,
        clean: Scenario(v5, open5() + [.c(P.disconnect5(0x04))])),
    .authWithoutMethodClient: RuleFixture(
        trigger: Scenario(v5, open5() + [.c(P.auth(0x19, props: [0x15] + P.str("m")))]), frame: 3,
        clean: Scenario(v5, open5(connect: [0x15] + P.str("m"), connack: [0x15] + P.str("m"))
                            + [.c(P.auth(0x19, props: [0x15] + P.str("m")))])),
    .authWithoutMethodServer: RuleFixture(
        trigger: Scenario(v5, [.c(P.connect(v5: true)), .s(P.auth(0x18, props: [0x15] + P.str("m")))]), frame: 2,
        clean: Scenario(v5, [.c(P.connect(v5: true, props: [0x15] + P.str("m"))), .s(P.auth(0x18, props: [0x15] + P.str("m")))])),
    .authDataWithoutMethod: RuleFixture(
        trigger: Scenario(v5, [.c(P.connect(v5: true, props: [0x16, 0, 1, 0xAA]))]), frame: 1,
        clean: Scenario(v5, [.c(P.connect(v5: true, props: [0x15] + P.str("m") + [0x16, 0, 1, 0xAA]))])),
    .problemInformationNotRequested: RuleFixture(
        trigger: Scenario(v5, open5(connect: [0x17, 0]) + [.c(P.publish(qos: 1, id: 4, v5: true)),
                                                            .s(P.ack5(4, 4, code: 0x10, props: [0x1F] + P.str("no subscribers")))]),
        frame: 4,
        clean: Scenario(v5, open5() + [.c(P.publish(qos: 1, id: 4, v5: true)),
                                       .s(P.ack5(4, 4, code: 0x10, props: [0x1F] + P.str("no subscribers")))])),
    .responseInformationNotRequested: RuleFixture(
        trigger: Scenario(v5, open5(connack: [0x1A] + P.str("r/"))), frame: 2,
        clean: Scenario(v5, open5(connect: [0x19, 1], connack: [0x1A] + P.str("r/")))),
    .topicAliasRefusedServer: RuleFixture(
        trigger: Scenario(v5, open5(connack: [0x22] + u16(5)) + [.c(P.publish("t", v5: true, props: [0x23] + u16(5))),
                                                                .s(P.disconnect5(0x94))]), frame: 4,
        clean: Scenario(v5, open5(connack: [0x22] + u16(5)) + [.c(P.publish("t", v5: true, props: [0x23] + u16(6))),
                                                              .s(P.disconnect5(0x94))]),
        cleanAllows: [.topicAliasAboveMaximumClient]),
    .topicAliasRefusedClient: RuleFixture(
        trigger: Scenario(v5, open5(connect: [0x22] + u16(2)) + [.s(P.publish("t", v5: true, props: [0x23] + u16(2))),
                                                                .s(P.publish("", v5: true, props: [0x23] + u16(2))),
                                                                .c(P.disconnect5(0x94))]), frame: 5,
        clean: Scenario(v5, open5(connect: [0x22] + u16(2)) + [.s(P.publish("", v5: true, props: [0x23] + u16(2))),
                                                              .c(P.disconnect5(0x94))]),
        cleanAllows: [.topicAliasUnknown]),
    .subackRepeated: RuleFixture(
        trigger: Scenario(v3, open311 + [.c(P.subscribe([("a", 0), ("b", 0)], id: 3)), .s(P.suback([0], id: 3)),
                                         .s(P.suback([0], id: 3))]), frame: 5,
        clean: Scenario(v3, open311 + [.c(P.subscribe([("a", 0), ("b", 0)], id: 3)), .s(P.suback([0, 0], id: 3)),
                                       .c(P.subscribe([("c", 0)], id: 3)), .s(P.suback([0], id: 3))])),
    .unsubackRepeated: RuleFixture(
        trigger: Scenario(v5, open5() + [.c(P.unsubscribe(["a", "b"], id: 4, v5: true)), .s(P.unsuback([0x11], id: 4, v5: true)),
                                         .s(P.unsuback([0x11], id: 4, v5: true))]), frame: 5,
        clean: Scenario(v5, open5() + [.c(P.unsubscribe(["a", "b"], id: 4, v5: true)), .s(P.unsuback([0x11, 0x11], id: 4, v5: true)),
                                       .c(P.unsubscribe(["c"], id: 4, v5: true)), .s(P.unsuback([0x11], id: 4, v5: true))])),
    .subackGrantHigher: RuleFixture(
        trigger: Scenario(v3, open311 + [.c(P.subscribe([("a", 0), ("b", 1)])), .s(P.suback([0, 2]))]), frame: 4,
        clean: Scenario(v3, open311 + [.c(P.subscribe([("a", 2), ("b", 1)])), .s(P.suback([1, 0x80]))])),
    .pubackOrder: RuleFixture(
        trigger: Scenario(v3, open311 + [.s(P.publish(qos: 1, id: 1)), .s(P.publish(qos: 1, id: 2)), .c(P.puback(2)),
                                         .c(P.puback(1))]), frame: 5,
        clean: Scenario(v3, open311 + [.s(P.publish(qos: 1, id: 1)), .s(P.publish(qos: 1, id: 2)), .c(P.puback(1)),
                                       .c(P.puback(2))])),
    .pubrecOrder: RuleFixture(
        trigger: Scenario(v3, open311 + [.s(P.publish(qos: 2, id: 1)), .s(P.publish(qos: 2, id: 2)), .c(P.pubrec(2))]),
        frame: 5,
        clean: Scenario(v3, open311 + [.s(P.publish(qos: 2, id: 1)), .s(P.publish(qos: 2, id: 2)), .c(P.pubrec(1)),
                                       .c(P.pubrec(2))])),
    .pubrelOrder: RuleFixture(
        trigger: Scenario(v3, open311 + [.c(P.publish(qos: 2, id: 1)), .c(P.publish(qos: 2, id: 2)), .s(P.pubrec(1)),
                                         .s(P.pubrec(2)), .c(P.pubrel(2))]), frame: 7,
        clean: Scenario(v3, open311 + [.c(P.publish(qos: 2, id: 1)), .c(P.publish(qos: 2, id: 2)), .s(P.pubrec(2)),
                                       .s(P.pubrec(1)), .c(P.pubrel(2)), .c(P.pubrel(1)), .s(P.pubcomp(2)),
                                       .s(P.pubcomp(1))])),
    .resentAfterFailure: RuleFixture(
        trigger: Scenario(v5, open5() + [.c(P.publish(qos: 1, id: 3, v5: true)), .s(P.ack5(4, 3, code: 0x87, props: [])),
                                         .c(P.publish(qos: 1, id: 3, dup: true, v5: true))]), frame: 5,
        clean: Scenario(v5, open5() + [.c(P.publish(qos: 1, id: 3, v5: true)), .s(P.ack5(4, 3, code: 0x87, props: [])),
                                       .c(P.publish(qos: 1, id: 3, v5: true))])),
    .authReasonServer: RuleFixture(
        trigger: Scenario(v5, [.c(P.connect(v5: true, props: [0x15] + P.str("m"))), .s(P.auth(0x19, props: [0x15] + P.str("m")))]),
        frame: 2,
        clean: Scenario(v5, [.c(P.connect(v5: true, props: [0x15] + P.str("m"))), .s(P.auth(0x18, props: [0x15] + P.str("m")))])),
    .authReasonClient: RuleFixture(
        trigger: Scenario(v5, [.c(P.connect(v5: true, props: [0x15] + P.str("m"))), .s(P.auth(0x18, props: [0x15] + P.str("m"))),
                               .c(P.auth(0x19, props: [0x15] + P.str("m")))]), frame: 3,
        clean: Scenario(v5, [.c(P.connect(v5: true, props: [0x15] + P.str("m"))), .s(P.auth(0x18, props: [0x15] + P.str("m"))),
                             .c(P.auth(0x18, props: [0x15] + P.str("m"))), .s(P.connack(v5: true, props: [0x15] + P.str("m")))])),
    .authMethodMismatch: RuleFixture(
        trigger: Scenario(v5, [.c(P.connect(v5: true, props: [0x15] + P.str("m"))), .s(P.connack(v5: true))]), frame: 2,
        clean: Scenario(v5, [.c(P.connect(v5: true, props: [0x15] + P.str("m"))), .s(P.connack(v5: true, props: [0x15] + P.str("m")))])),
    .packetDuringAuthentication: RuleFixture(
        trigger: Scenario(v5, [.c(P.connect(v5: true, props: [0x15] + P.str("m"))), .c(P.publish(v5: true))]), frame: 2,
        clean: Scenario(v5, [.c(P.connect(v5: true, props: [0x15] + P.str("m"))), .s(P.connack(v5: true, props: [0x15] + P.str("m"))),
                             .c(P.publish(v5: true))])),
    .responseTopicWildcard: RuleFixture(
        trigger: Scenario(v5, open5() + [.c(P.publish(v5: true, props: [0x08] + P.str("reply/#")))]), frame: 3,
        clean: Scenario(v5, open5() + [.c(P.publish(v5: true, props: [0x08] + P.str("reply/x")))])),
    .subscriptionIDUnknown: RuleFixture(
        trigger: Scenario(v5, open5() + [.c(P.subscribe([("a", 0)], v5: true, props: [0x0B, 5])), .s(P.suback([0], v5: true)),
                                         .s(P.publish("a", v5: true, props: [0x0B, 6]))]), frame: 5,
        clean: Scenario(v5, open5() + [.c(P.subscribe([("a", 0)], v5: true, props: [0x0B, 5])), .s(P.suback([0], v5: true)),
                                       .s(P.publish("a", v5: true, props: [0x0B, 5]))])),
    .publishUnanswered: RuleFixture(
        trigger: Scenario(v3, closed: true, open311 + [.c(P.publish(qos: 1, id: 1)), .c(P.pingreq), .s(P.pingresp)]),
        frame: 3,
        clean: Scenario(v3, closed: true, open311 + [.c(P.publish(qos: 1, id: 1)), .c(P.disconnect)])),
    .subscribeUnanswered: RuleFixture(
        trigger: Scenario(v3, closed: true, open311 + [.c(P.subscribe([("a", 1)])), .c(P.pingreq), .s(P.pingresp)]),
        frame: 3,
        clean: Scenario(v3, open311 + [.c(P.subscribe([("a", 1)])), .c(P.pingreq), .s(P.pingresp)])),
    .unsubscribeUnanswered: RuleFixture(
        trigger: Scenario(v3, closed: true, open311 + [.c(P.unsubscribe(["a"])), .s(P.publish(qos: 0))]), frame: 3,
        clean: Scenario(v3, closed: true, open311 + [.c(P.unsubscribe(["a"])), .s(P.publish(qos: 0)), .s(P.unsuback([]))])),
    .pingUnanswered: RuleFixture(
        trigger: Scenario(v3, closed: true, open311 + [.c(P.pingreq), .s(P.publish(qos: 0))]), frame: 3,
        clean: Scenario(v3, closed: true, open311 + [.c(P.pingreq), .s(P.publish(qos: 0)), .s(P.pingresp)])),
    .midStream: RuleFixture(
        trigger: Scenario(v3, sawStart: false, [.c(P.pingreq)]), frame: 1, verdict: .note,
        clean: Scenario(v3, [.c(P.connect())])),
]

@Suite struct RuleFixtureTests {
    @Test func fixtureTableIsComplete() {
        let missing = MQTTCheckRule.allCases.filter { ruleFixtures[$0] == nil }
        #expect(missing.isEmpty, "rules without a trigger/clean fixture pair: \(missing.map(\.rawValue))")
    }

    @Test(arguments: MQTTCheckRule.allCases)
    func ruleFiresOnTriggerAndNotOnClean(_ rule: MQTTCheckRule) throws {
        let fx = try #require(ruleFixtures[rule])
        let id = try #require(rule.descriptor.id(for: fx.trigger.version))
        let hits = fx.trigger.run().filter { $0.rule == id && $0.checkRule == rule.rawValue }
        #expect(hits.count >= 1, "\(rule.rawValue) did not fire on its trigger")
        if let h = hits.first {
            #expect(h.verdict == fx.verdict)
            #expect(h.frames.contains(fx.frame), "\(rule.rawValue) reported frames \(h.frames), expected \(fx.frame)")
            #expect(h.streamRange != nil && h.packetRange != nil)
            #expect(!h.message.isEmpty && !h.section.isEmpty)
            if let r = h.packetRange { #expect(r.lower >= 0 && r.lower <= r.upper) }
        }
        let clean = fx.clean.run()
        let cleanHits = clean.filter { $0.checkRule == rule.rawValue }
        #expect(cleanHits.isEmpty, "\(rule.rawValue) fired on its clean fixture: \(cleanHits.map(\.message))")
        // Clean fixtures are clean for every rule, not just this one.
        let allowed = Set(fx.cleanAllows.map(\.rawValue))
        let others = clean.filter { f in f.verdict == .violation && !allowed.contains(f.checkRule ?? "") }
        #expect(others.isEmpty, "clean fixture of \(rule.rawValue) has violations: \(others.map { "\($0.rule): \($0.message)" })")
    }
}

/// Checker messages name the offending value: the Topic Filter as sent.
@Suite struct CheckMessageValueTests {
    @Test(arguments: [
        (MQTTCheckRule.multiLevelWildcardPlacement, "'#' at byte 2 of Topic Filter 'a/#/b'"),
        (.sharedSubscriptionInvalid, "shared subscription filter '$share//a'"),
        (.noLocalOnSharedSubscription, "No Local=1 on the shared subscription '$share/g/a'"),
        (.singleLevelWildcardPlacement, "'+' at byte 1 of Topic Filter 'a+/b'"),
    ])
    func filterMessagesQuoteTheFilter(_ rule: MQTTCheckRule, _ expected: String) throws {
        let fx = try #require(ruleFixtures[rule])
        let hits = fx.trigger.run().filter { $0.checkRule == rule.rawValue }
        #expect(hits.contains { $0.message.contains(expected) }, "\(hits.map(\.message))")
    }

    /// A 5.0 refusal whose own statement repeats "and must then close" is named.
    @Test(arguments: [(UInt8(0x84), "[MQTT-3.1.2-2]"), (0x85, "[MQTT-3.1.3-8]"), (0x8C, "[MQTT-4.12.0-1]"), (0x87, "[MQTT-4.12.0-1]")])
    func refusalNamesItsStatement(_ code: UInt8, _ expected: String) {
        let found = Scenario(v5, [.c(P.connect(v5: true)), .s(P.connack(code: code, v5: true)), .s(P.pingresp)]).run()
            .filter { $0.checkRule == MQTTCheckRule.refusedConnectionContinues.rawValue }
        #expect(found.count == 1 && found.first?.message.contains(expected) == true, "\(found.map(\.message))")
        let closed = Scenario(v5, [.c(P.connect(v5: true)), .s(P.connack(code: code, v5: true))]).run()
        #expect(closed.allSatisfy { $0.checkRule != MQTTCheckRule.refusedConnectionContinues.rawValue })
    }

    /// An oversized PUBACK whose Reason String made it so: the message says so (MQTT5-3.4.2-2).
    @Test(arguments: [(true, 1), (false, 0)])
    func reasonStringBeyondMaximumPacketSize(_ reason: Bool, _ count: Int) {
        let text = Array(repeating: UInt8(ascii: "x"), count: 40)
        let props: [UInt8] = reason ? [0x1F] + P.u16(40) + text : []
        let found = Scenario(v5, open5(connect: [0x27] + P.u32(30)) + [.c(P.publish(qos: 1, id: 1, v5: true)),
                                                                      .s(P.ack5(4, 1, props: props))]).run()
            .filter { $0.checkRule == MQTTCheckRule.maximumPacketSizeExceededServer.rawValue }
        #expect(found.count == count && found.allSatisfy { $0.message.contains("it carries a Reason String, which must be left out") },
                "\(found.map(\.message))")
    }
}
