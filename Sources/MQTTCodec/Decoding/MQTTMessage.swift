public import WireCore

/// The decoded fixed header of a packet.
public struct MQTTFixedHeader: Sendable, Equatable {
    public var type: MQTTPacketType
    /// The low nibble of the first byte.
    public var flags: UInt8
    /// The Remaining Length as declared (it may exceed the bytes present in a truncated PDU).
    public var remainingLength: Int
    /// 1 + the Remaining Length's encoded size.
    public var headerLength: Int

    public init(type: MQTTPacketType, flags: UInt8, remainingLength: Int, headerLength: Int) {
        self.type = type
        self.flags = flags
        self.remainingLength = remainingLength
        self.headerLength = headerLength
    }

    /// The packet's total size as declared.
    public var packetSize: Int { headerLength + remainingLength }
}

/// The values of one MQTT 5.0 property block that the checker needs, plus its node in the tree.
/// Strings and binary values are ranges into the PDU. Absent properties are nil.
public struct MQTTProperties: Sendable, Equatable {
    /// Index of the `mqtt.properties` (or Will Properties) group node; -1 when the packet has none.
    public var node: Int = -1
    /// Bit `id` is set for each property identifier present.
    public var present: UInt64 = 0

    public var payloadFormatIndicator: UInt8?
    public var messageExpiryInterval: UInt32?
    public var contentType: ByteRange?
    public var responseTopic: ByteRange?
    public var correlationData: ByteRange?
    /// The first Subscription Identifier; `subscriptionIdentifierCount` says how many there were.
    public var subscriptionIdentifier: UInt32?
    public var subscriptionIdentifierCount = 0
    public var sessionExpiryInterval: UInt32?
    public var assignedClientIdentifier: ByteRange?
    public var serverKeepAlive: UInt16?
    public var authenticationMethod: ByteRange?
    public var authenticationData: ByteRange?
    public var requestProblemInformation: UInt8?
    public var willDelayInterval: UInt32?
    public var requestResponseInformation: UInt8?
    public var responseInformation: ByteRange?
    public var serverReference: ByteRange?
    public var reasonString: ByteRange?
    public var receiveMaximum: UInt16?
    public var topicAliasMaximum: UInt16?
    public var topicAlias: UInt16?
    public var maximumQoS: UInt8?
    public var retainAvailable: UInt8?
    public var userPropertyCount = 0
    public var maximumPacketSize: UInt32?
    public var wildcardSubscriptionAvailable: UInt8?
    public var subscriptionIdentifierAvailable: UInt8?
    public var sharedSubscriptionAvailable: UInt8?

    public init() {}

    /// Whether the property with identifier `id` is present.
    @inlinable public func has(_ id: UInt8) -> Bool { id < 64 && present & (1 << UInt64(id)) != 0 }
}

public struct MQTTConnect: Sendable, Equatable {
    public var header: MQTTFixedHeader
    /// The version the packet was decoded as: from its protocol level when that is 3, 4 or 5.
    public var version: MQTTVersion
    public var protocolName = ByteRange(0, 0)
    public var protocolLevel: UInt8 = 0
    public var flags: UInt8 = 0
    public var keepAlive: UInt16 = 0
    public var properties = MQTTProperties()
    public var clientID: ByteRange?
    public var willProperties = MQTTProperties()
    public var willTopic: ByteRange?
    public var willPayload: ByteRange?
    public var userName: ByteRange?
    /// The password bytes (never shown unless asked for).
    public var password: ByteRange?

    public init(header: MQTTFixedHeader, version: MQTTVersion) {
        self.header = header
        self.version = version
    }

    public var hasUserName: Bool { flags & 0x80 != 0 }
    public var hasPassword: Bool { flags & 0x40 != 0 }
    public var willRetain: Bool { flags & 0x20 != 0 }
    public var willQoS: UInt8 { (flags >> 3) & 0x03 }
    public var willFlag: Bool { flags & 0x04 != 0 }
    /// Clean Session (3.x) / Clean Start (5.0).
    public var cleanStart: Bool { flags & 0x02 != 0 }
    /// A bridge's CONNECT: level 0x80 | a defined level (`MQTTRule.knownBridgeProtocolLevel`).
    public var isBridge: Bool { protocolLevel & 0x80 != 0 && MQTTVersion(protocolLevel: protocolLevel) != nil }
}

public struct MQTTConnack: Sendable, Equatable {
    public var header: MQTTFixedHeader
    public var flags: UInt8 = 0
    /// 3.x return code or 5.0 reason code.
    public var code: UInt8 = 0
    public var properties = MQTTProperties()
    /// On a 5.0 connection: a 3.1.1-format refusal (`MQTTRule.knownV5RefusedBy311Server`), decoded
    /// as a 3.1.1 CONNACK.
    public var refusedBy311Server = false

    public init(header: MQTTFixedHeader) { self.header = header }
    public var sessionPresent: Bool { flags & 0x01 != 0 }
}

public struct MQTTPublish: Sendable, Equatable {
    public var header: MQTTFixedHeader
    public var topic = ByteRange(0, 0)
    /// Present for QoS 1 and 2 (and for the invalid QoS 3).
    public var packetID: UInt16?
    public var properties = MQTTProperties()
    public var payload = ByteRange(0, 0)

    public init(header: MQTTFixedHeader) { self.header = header }
    public var dup: Bool { header.flags & 0x08 != 0 }
    public var qos: UInt8 { (header.flags >> 1) & 0x03 }
    public var retain: Bool { header.flags & 0x01 != 0 }
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP.
public struct MQTTAck: Sendable, Equatable {
    public var header: MQTTFixedHeader
    public var packetID: UInt16 = 0
    /// 0x00 when the 5.0 short form omits it, and always in 3.x.
    public var reasonCode: UInt8 = 0
    public var properties = MQTTProperties()

    public init(header: MQTTFixedHeader) { self.header = header }
}

/// SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK. The entries (topic filters with their options, or
/// return/reason codes) are read as typed values through `entryCursor()`; in the field tree they
/// are the nodes under `payloadNode`.
public struct MQTTSubscriptionPacket: Sendable, Equatable {
    public var header: MQTTFixedHeader
    public var packetID: UInt16 = 0
    public var properties = MQTTProperties()
    /// Index of the `mqtt.payload` group; -1 when decoding stopped before it.
    public var payloadNode = -1
    /// Topic filters (SUBSCRIBE, UNSUBSCRIBE) or return/reason codes (SUBACK, UNSUBACK).
    public var entryCount = 0
    /// The payload bytes the decoder read, up to the end of the last field it accepted (a
    /// truncated last entry keeps its filter when the filter itself is whole).
    public var entries = ByteRange(0, 0)

    public init(header: MQTTFixedHeader) { self.header = header }
}

/// DISCONNECT and AUTH.
public struct MQTTReasonPacket: Sendable, Equatable {
    public var header: MQTTFixedHeader
    /// 0x00 when omitted (Remaining Length 0) and always in 3.x.
    public var reasonCode: UInt8 = 0
    public var properties = MQTTProperties()

    public init(header: MQTTFixedHeader) { self.header = header }
}

/// One decoded packet, typed. Values are scalars and ranges into the PDU; the `FieldTree`
/// filled by the same decode holds every field with its range.
public enum MQTTMessage: Sendable, Equatable {
    case connect(MQTTConnect)
    case connack(MQTTConnack)
    case publish(MQTTPublish)
    case puback(MQTTAck)
    case pubrec(MQTTAck)
    case pubrel(MQTTAck)
    case pubcomp(MQTTAck)
    case subscribe(MQTTSubscriptionPacket)
    case suback(MQTTSubscriptionPacket)
    case unsubscribe(MQTTSubscriptionPacket)
    case unsuback(MQTTSubscriptionPacket)
    case pingreq(MQTTFixedHeader)
    case pingresp(MQTTFixedHeader)
    case disconnect(MQTTReasonPacket)
    case auth(MQTTReasonPacket)
    /// Type 0, or type 15 before 5.0.
    case reserved(MQTTFixedHeader)
    /// The fixed header itself could not be decoded (empty PDU, bad Remaining Length).
    case malformed

    public var header: MQTTFixedHeader? {
        switch self {
        case .connect(let m): m.header
        case .connack(let m): m.header
        case .publish(let m): m.header
        case .puback(let m), .pubrec(let m), .pubrel(let m), .pubcomp(let m): m.header
        case .subscribe(let m), .suback(let m), .unsubscribe(let m), .unsuback(let m): m.header
        case .pingreq(let h), .pingresp(let h), .reserved(let h): h
        case .disconnect(let m), .auth(let m): m.header
        case .malformed: nil
        }
    }

    /// The type, without copying the packet out of the enum (as `header` does): the decoder
    /// builds each case from a header of its own type.
    public var packetType: MQTTPacketType? {
        switch self {
        case .connect: .connect
        case .connack: .connack
        case .publish: .publish
        case .puback: .puback
        case .pubrec: .pubrec
        case .pubrel: .pubrel
        case .pubcomp: .pubcomp
        case .subscribe: .subscribe
        case .suback: .suback
        case .unsubscribe: .unsubscribe
        case .unsuback: .unsuback
        case .pingreq(let h), .pingresp(let h), .reserved(let h): h.type
        case .disconnect: .disconnect
        case .auth: .auth
        case .malformed: nil
        }
    }
}
