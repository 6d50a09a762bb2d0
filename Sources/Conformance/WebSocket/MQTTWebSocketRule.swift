public import WireCore

/// The rules of MQTT's WebSocket chapter that a capture can show (MQTT 3.1.1 §6, MQTT 5.0 §6;
/// both versions use the same statement ids). RFC 6455's own rules are the WebSocket decoder's
/// `WebSocketRule`s. The raw value is the stable name `--disable` accepts.
public enum MQTTWebSocketRule: String, Sendable, CaseIterable {
    case binaryFramesOnly = "websocket-binary-frames-only"
    case subprotocolOffered = "websocket-subprotocol-offered"
    case subprotocolSelected = "websocket-subprotocol-selected"

    public var id: RuleID {
        switch self {
        case .binaryFramesOnly: "MQTT-6.0.0-1"
        case .subprotocolOffered: "MQTT-6.0.0-3"
        case .subprotocolSelected: "MQTT-6.0.0-4"
        }
    }

    public var severity: Severity { .error }

    public var title: String {
        switch self {
        case .binaryFramesOnly: "MQTT control packets travel in WebSocket binary data frames only"
        case .subprotocolOffered: "The client offers the WebSocket subprotocol 'mqtt'"
        case .subprotocolSelected: "The server selects the WebSocket subprotocol 'mqtt'"
        }
    }

    public var section: String { "MQTT §6.0 (WebSocket Transport)" }

    /// The statements of spec-rules.tsv this rule checks.
    public var covers: [SpecStatementID] {
        switch self {
        case .binaryFramesOnly: [.mqtt_6_0_0_1]
        case .subprotocolOffered: [.mqtt_6_0_0_3]
        case .subprotocolSelected: [.mqtt_6_0_0_4]
        }
    }
}
