import Testing
import WireCore
import MQTTCodec
import WebSocketCodec
import Conformance

/// MQTT's WebSocket chapter (MQTT-6.0.0-1, -3, -4): each rule triggered and a clean case.
@Suite struct MQTTWebSocketCheckerTests {
    static func at(_ d: Direction, _ i: Int) -> WebSocketPosition {
        WebSocketPosition(direction: d, index: i, time: Timestamp(seconds: 0, nanoseconds: 0),
                          streamRange: StreamRange(0, 10), firstFrame: FrameNumber(i + 1), lastFrame: FrameNumber(i + 1))
    }

    static func request(_ offered: [String]) -> WebSocketHandshakeSummary {
        var h = WebSocketHandshakeSummary(isRequest: true)
        h.offeredProtocols = offered
        return h
    }

    static func response(_ selected: String?) -> WebSocketHandshakeSummary {
        var h = WebSocketHandshakeSummary(isRequest: false)
        h.statusCode = 101
        h.upgrades = true
        h.selectedProtocol = selected
        return h
    }

    static func frame(_ opcode: WebSocketOpcode) -> WebSocketFrameSummary {
        var f = WebSocketFrameSummary()
        f.opcode = opcode
        f.fin = true
        return f
    }

    /// Runs a session: handshake, then frames of the given opcodes (client first), then the
    /// application bytes are found to be MQTT of `version`.
    static func run(offered: [String], selected: String?, opcodes: [WebSocketOpcode], version: MQTTVersion? = .v3_1_1,
                    mqtt: Bool = true) -> [RuleID] {
        var c = MQTTWebSocketChecker()
        c.handshake(request(offered), at: at(.clientToServer, 0))
        c.handshake(response(selected), at: at(.serverToClient, 0))
        for (k, op) in opcodes.enumerated() {
            c.frame(frame(op), at: at(k % 2 == 0 ? .clientToServer : .serverToClient, 1 + k / 2))
        }
        c.carries(mqtt: mqtt, version: version)
        c.finish()
        return c.findings.map(\.rule)
    }

    @Test func cleanSessionHasNoFinding() {
        #expect(Self.run(offered: ["mqtt"], selected: "mqtt", opcodes: [.binary, .binary, .ping, .pong]).isEmpty)
    }

    @Test func textFrameCarryingMQTT() {
        let found = Self.run(offered: ["mqtt"], selected: "mqtt", opcodes: [.binary, .text])
        #expect(found == ["MQTT-6.0.0-1"])
        // The same text frame on a connection that carries STOMP is not an MQTT matter.
        #expect(Self.run(offered: ["v12.stomp"], selected: "v12.stomp", opcodes: [.text, .text], mqtt: false).isEmpty)
    }

    @Test func subprotocolNotOffered() {
        #expect(Self.run(offered: ["chat"], selected: nil, opcodes: [.binary]) == ["MQTT-6.0.0-3"])
        #expect(Self.run(offered: [], selected: nil, opcodes: [.binary]) == ["MQTT-6.0.0-3"])
        // MQTT 3.1 clients offered 'mqttv3.1' before the chapter existed (spec-rules.md note).
        #expect(Self.run(offered: ["mqttv3.1"], selected: "mqttv3.1", opcodes: [.binary], version: .v3_1).isEmpty)
        #expect(Self.run(offered: ["mqttv3.1"], selected: "mqttv3.1", opcodes: [.binary], version: .v3_1_1)
                == ["MQTT-6.0.0-3", "MQTT-6.0.0-4"])
    }

    @Test func subprotocolNotSelected() {
        #expect(Self.run(offered: ["mqtt"], selected: nil, opcodes: [.binary]) == ["MQTT-6.0.0-4"])
        #expect(Self.run(offered: ["mqtt", "chat"], selected: "chat", opcodes: [.binary]) == ["MQTT-6.0.0-4"])
    }

    /// Text frames seen before the content was known are reported once it is known to be MQTT.
    @Test func heldTextFramesReportedWhenMQTTIsKnown() {
        var c = MQTTWebSocketChecker()
        c.handshake(Self.request(["mqtt"]), at: Self.at(.clientToServer, 0))
        c.handshake(Self.response("mqtt"), at: Self.at(.serverToClient, 0))
        for k in 0..<10 { c.frame(Self.frame(.text), at: Self.at(.clientToServer, 1 + k)) }
        #expect(c.findings.isEmpty)
        c.carries(mqtt: true, version: .v5)
        #expect(c.findings.count == 9, "8 listed, then one saying 2 more")
        #expect(c.findings.allSatisfy { $0.rule == "MQTT-6.0.0-1" && $0.direction == .clientToServer })
    }

    @Test func everyRuleIsInTheCatalog() {
        let ids = Set(RuleCatalog().rules.map(\.id))
        for r in MQTTWebSocketRule.allCases { #expect(ids.contains(r.id)) }
        let implemented = RuleCatalog().implementation
        #expect(implemented[.mqtt_6_0_0_1] != nil && implemented[.mqtt_6_0_0_3] != nil && implemented[.mqtt_6_0_0_4] != nil)
    }
}
