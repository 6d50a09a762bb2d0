/// One MQTT 5.0 reason code (MQTT 5.0 §2.4 Table 2-6) and the packets whose reason-code tables
/// (Tables 3-1 … 3-11) list it.
public struct MQTTReasonCode: Sendable {
    public var code: UInt8
    public var name: String
    public var packets: MQTTPacketSet

    init(_ code: UInt8, _ name: String, _ packets: MQTTPacketSet) {
        self.code = code
        self.name = name
        self.packets = packets
    }
}

/// Reason and return code tables, as data.
public enum MQTTReasonCodes {
    /// Every MQTT 5.0 reason code. 0x00 has three names depending on the packet, so it appears
    /// three times; look names up with `name(_:in:)`.
    public static let v5: [MQTTReasonCode] = [
        .init(0x00, "Success", [.connack, .puback, .pubrec, .pubrel, .pubcomp, .unsuback, .auth]),
        .init(0x00, "Normal disconnection", [.disconnect]),
        .init(0x00, "Granted QoS 0", [.suback]),
        .init(0x01, "Granted QoS 1", [.suback]),
        .init(0x02, "Granted QoS 2", [.suback]),
        .init(0x04, "Disconnect with Will Message", [.disconnect]),
        .init(0x10, "No matching subscribers", [.puback, .pubrec]),
        .init(0x11, "No subscription existed", [.unsuback]),
        .init(0x18, "Continue authentication", [.auth]),
        .init(0x19, "Re-authenticate", [.auth]),
        .init(0x80, "Unspecified error", [.connack, .puback, .pubrec, .suback, .unsuback, .disconnect]),
        .init(0x81, "Malformed Packet", [.connack, .disconnect]),
        .init(0x82, "Protocol Error", [.connack, .disconnect]),
        .init(0x83, "Implementation specific error", [.connack, .puback, .pubrec, .suback, .unsuback, .disconnect]),
        .init(0x84, "Unsupported Protocol Version", [.connack]),
        .init(0x85, "Client Identifier not valid", [.connack]),
        .init(0x86, "Bad User Name or Password", [.connack]),
        .init(0x87, "Not authorized", [.connack, .puback, .pubrec, .suback, .unsuback, .disconnect]),
        .init(0x88, "Server unavailable", [.connack]),
        .init(0x89, "Server busy", [.connack, .disconnect]),
        .init(0x8A, "Banned", [.connack]),
        .init(0x8B, "Server shutting down", [.disconnect]),
        // Table 2-6 lists DISCONNECT for 0x8C but Table 3-10 does not; we follow Table 3-10
        // and let the checker treat DISCONNECT 0x8C as a warning if it wants to.
        .init(0x8C, "Bad authentication method", [.connack]),
        .init(0x8D, "Keep Alive timeout", [.disconnect]),
        .init(0x8E, "Session taken over", [.disconnect]),
        .init(0x8F, "Topic Filter invalid", [.suback, .unsuback, .disconnect]),
        .init(0x90, "Topic Name invalid", [.connack, .puback, .pubrec, .disconnect]),
        .init(0x91, "Packet Identifier in use", [.puback, .pubrec, .suback, .unsuback]),
        .init(0x92, "Packet Identifier not found", [.pubrel, .pubcomp]),
        .init(0x93, "Receive Maximum exceeded", [.disconnect]),
        .init(0x94, "Topic Alias invalid", [.disconnect]),
        .init(0x95, "Packet too large", [.connack, .disconnect]),
        .init(0x96, "Message rate too high", [.disconnect]),
        .init(0x97, "Quota exceeded", [.connack, .puback, .pubrec, .suback, .disconnect]),
        .init(0x98, "Administrative action", [.disconnect]),
        .init(0x99, "Payload format invalid", [.connack, .puback, .pubrec, .disconnect]),
        .init(0x9A, "Retain not supported", [.connack, .disconnect]),
        .init(0x9B, "QoS not supported", [.connack, .disconnect]),
        .init(0x9C, "Use another server", [.connack, .disconnect]),
        .init(0x9D, "Server moved", [.connack, .disconnect]),
        .init(0x9E, "Shared Subscriptions not supported", [.suback, .disconnect]),
        .init(0x9F, "Connection rate exceeded", [.connack, .disconnect]),
        .init(0xA0, "Maximum connect time", [.disconnect]),
        .init(0xA1, "Subscription Identifiers not supported", [.suback, .disconnect]),
        .init(0xA2, "Wildcard Subscriptions not supported", [.suback, .disconnect]),
    ]

    /// Bit `code` set when the code is listed for the packet: one 256-bit mask per packet type.
    static let allowedMasks: [(UInt64, UInt64, UInt64, UInt64)] = MQTTPacketType.allCases.map { t in
        var m: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for rc in v5 where rc.packets.contains(MQTTPacketSet(t)) {
            let bit = UInt64(1) << UInt64(rc.code & 63)
            switch rc.code >> 6 {
            case 0: m.0 |= bit
            case 1: m.1 |= bit
            case 2: m.2 |= bit
            default: m.3 |= bit
            }
        }
        return m
    }

    /// Whether MQTT 5.0 lists `code` for packets of `type`.
    public static func isAllowed(_ code: UInt8, in type: MQTTPacketType) -> Bool {
        let m = allowedMasks[Int(type.rawValue)]
        let bit = UInt64(1) << UInt64(code & 63)
        switch code >> 6 {
        case 0: return m.0 & bit != 0
        case 1: return m.1 & bit != 0
        case 2: return m.2 & bit != 0
        default: return m.3 & bit != 0
        }
    }

    /// The name of a 5.0 reason code as used in packets of `type`.
    public static func name(_ code: UInt8, in type: MQTTPacketType) -> String? {
        let set = MQTTPacketSet(type)
        for rc in v5 where rc.code == code && rc.packets.contains(set) { return rc.name }
        for rc in v5 where rc.code == code { return rc.name }
        return nil
    }

    /// The value-name table for a packet's 5.0 reason-code field.
    static func valueNames(_ type: MQTTPacketType) -> [(UInt64, String)] {
        let set = MQTTPacketSet(type)
        return v5.filter { $0.packets.contains(set) }.map { (UInt64($0.code), $0.name) }
    }

    /// MQTT 3.1 / 3.1.1 CONNACK return codes (3.1.1 §3.2.2.3 Table 3.1); 6…255 are reserved.
    public static let connackReturnCodes: [(UInt64, String)] = [
        (0, "Connection Accepted"),
        (1, "Connection Refused, unacceptable protocol version"),
        (2, "Connection Refused, identifier rejected"),
        (3, "Connection Refused, Server unavailable"),
        (4, "Connection Refused, bad user name or password"),
        (5, "Connection Refused, not authorized"),
    ]

    /// MQTT 3.1 / 3.1.1 SUBACK return codes (3.1.1 §3.9.3); 3.1 has no 0x80.
    public static let subackReturnCodes: [(UInt64, String)] = [
        (0x00, "Success - Maximum QoS 0"),
        (0x01, "Success - Maximum QoS 1"),
        (0x02, "Success - Maximum QoS 2"),
        (0x80, "Failure"),
    ]

    /// Whether a SUBACK return code is defined for `version` (3.x only).
    @inlinable public static func isValidSubackReturnCode(_ code: UInt8, _ version: MQTTVersion) -> Bool {
        code <= 2 || (code == 0x80 && version != .v3_1)
    }
}
