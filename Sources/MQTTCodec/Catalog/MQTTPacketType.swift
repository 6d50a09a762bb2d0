/// The MQTT Control Packet type: the high nibble of the first fixed-header byte
/// (MQTT 3.1.1 §2.2.1, MQTT 5.0 §2.1.2).
public enum MQTTPacketType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case reserved = 0
    case connect = 1
    case connack = 2
    case publish = 3
    case puback = 4
    case pubrec = 5
    case pubrel = 6
    case pubcomp = 7
    case subscribe = 8
    case suback = 9
    case unsubscribe = 10
    case unsuback = 11
    case pingreq = 12
    case pingresp = 13
    case disconnect = 14
    /// AUTH in MQTT 5.0; reserved (forbidden) in 3.1 and 3.1.1.
    case auth = 15

    /// From the first fixed-header byte.
    @inlinable public init(firstByte b0: UInt8) {
        self = MQTTPacketType(rawValue: b0 >> 4) ?? .reserved
    }

    public var name: String {
        switch self {
        case .reserved: "Reserved"
        case .connect: "CONNECT"
        case .connack: "CONNACK"
        case .publish: "PUBLISH"
        case .puback: "PUBACK"
        case .pubrec: "PUBREC"
        case .pubrel: "PUBREL"
        case .pubcomp: "PUBCOMP"
        case .subscribe: "SUBSCRIBE"
        case .suback: "SUBACK"
        case .unsubscribe: "UNSUBSCRIBE"
        case .unsuback: "UNSUBACK"
        case .pingreq: "PINGREQ"
        case .pingresp: "PINGRESP"
        case .disconnect: "DISCONNECT"
        case .auth: "AUTH"
        }
    }

    public var description: String { name }

    /// Whether the type exists in `version` (0 never; 15 only in 5.0).
    @inlinable public func isValid(in version: MQTTVersion) -> Bool {
        switch self {
        case .reserved: false
        case .auth: version == .v5
        default: true
        }
    }

    /// The fixed-header flag nibble the spec requires, or nil for PUBLISH (whose flags carry
    /// DUP/QoS/RETAIN). MQTT 3.1.1 §2.2.2 Table 2.2, MQTT 5.0 §2.1.3 Table 2-2.
    @inlinable public var requiredFlags: UInt8? {
        switch self {
        case .publish: nil
        case .pubrel, .subscribe, .unsubscribe: 0x2
        default: 0x0
        }
    }

    /// Whether a first byte could start a packet of this protocol in any version: a type other
    /// than 0 and the flag nibble the type requires (PUBLISH: QoS not 3). Used to resynchronise.
    @inlinable public static func isPlausibleFirstByte(_ b0: UInt8) -> Bool {
        let t = MQTTPacketType(firstByte: b0)
        if t == .reserved { return false }
        let flags = b0 & 0x0F
        if let required = t.requiredFlags { return flags == required }
        return flags & 0x06 != 0x06
    }

    /// The value-name table for `mqtt.packet_type`.
    static let valueNames: [(UInt64, String)] = allCases.map { (UInt64($0.rawValue), $0.name) }
}

/// The protocol version, from the CONNECT protocol level byte.
public enum MQTTVersion: UInt8, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// MQTT 3.1 (IBM), protocol name `MQIsdp`.
    case v3_1 = 3
    /// MQTT 3.1.1 (OASIS), protocol name `MQTT`.
    case v3_1_1 = 4
    /// MQTT 5.0 (OASIS), protocol name `MQTT`.
    case v5 = 5

    public static func < (a: MQTTVersion, b: MQTTVersion) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .v3_1: "3.1"
        case .v3_1_1: "3.1.1"
        case .v5: "5.0"
        }
    }

    /// From a CONNECT protocol level byte; bridges set bit 7 (0x83, 0x84), which is ignored here.
    public init?(protocolLevel: UInt8) {
        self.init(rawValue: protocolLevel & 0x7F)
    }

    /// The bit of this version in `MQTTRule.versions`.
    @inlinable public var bit: UInt8 { 1 << (rawValue - 3) }

    static let valueNames: [(UInt64, String)] = [(3, "MQTT 3.1"), (4, "MQTT 3.1.1"), (5, "MQTT 5.0")]
}
