public import WireCore

/// Behaviour of real brokers and clients that the specifications do not define, or that a version
/// mismatch explains, declared once: each is reported as an info finding with its name (verdict
/// `note`), never as a malformed packet, and the packet is decoded as what it is.
public struct MQTTKnownBehaviour: Sendable {
    /// The short name the finding carries.
    public var name: String
    /// Software seen doing it.
    public var seenIn: String
    /// What in the bytes identifies it (all of it must hold).
    public var evidence: String
    /// Why it is not a violation.
    public var explanation: String
    /// Where the specification (or the software) says so: the finding's section.
    public var reference: String
}

extension MQTTRule {
    /// The known behaviour this rule names, or nil for a plain rule.
    public var knownBehaviour: MQTTKnownBehaviour? {
        switch self {
        case .knownV5RefusedBy311Server:
            return MQTTKnownBehaviour(
                name: "Protocol version refused by a 3.1.1 server",
                seenIn: "ActiveMQ 5.17, amqtt 0.12",
                evidence: "CONNACK with Remaining Length 2 and return code 0x01 on a connection whose CONNECT asked for MQTT 5.0",
                explanation: "a 3.1.1 server answers an unsupported level with its own CONNACK format, "
                    + "return code 0x01; decoded as a 3.1.1 CONNACK",
                reference: "3.1.1 §3.1.2.2 [MQTT-3.1.2-2]")
        case .knownBridgeProtocolLevel:
            return MQTTKnownBehaviour(
                name: "Bridge protocol level (0x80 | level)",
                seenIn: "mosquitto bridges (try_private, the default), RSMB",
                evidence: "CONNECT protocol level 0x83, 0x84 or 0x85: bit 7 set over a defined level",
                explanation: "a non-standard extension announcing a broker-to-broker connection; the rest "
                    + "is decoded with the level in bits 0-6, a refusal with CONNACK 0x01 and a retry with "
                    + "the plain level is the expected fallback, and deliveries to it follow bridge "
                    + "semantics (RETAIN as published, no echo of its own messages)",
                reference: "not in the specifications; mosquitto.conf(5) try_private")
        default:
            return nil
        }
    }

    /// The catalog entry of a known-behaviour rule: info, verdict `note`.
    var knownBehaviourInfo: MQTTRuleInfo {
        let k = knownBehaviour ?? MQTTKnownBehaviour(name: rawValue, seenIn: "", evidence: "", explanation: "", reference: "")
        let versions: UInt8 = self == .knownV5RefusedBy311Server ? Self.v5only : Self.all3
        return MQTTRuleInfo(id: id, severity: .info, verdict: .note, versions: versions,
                            title: "Known behaviour: \(k.name) (\(k.seenIn))", section: k.reference, seeAlso: "")
    }
}

extension MQTTVersion {
    /// CONNECT protocol level names, bridge levels (bit 7 set, `MQTTRule.knownBridgeProtocolLevel`) included.
    static let levelNames: [(UInt64, String)] =
        valueNames + valueNames.map { ($0.0 | 0x80, "bridge (0x80) | " + $0.1) }
}
