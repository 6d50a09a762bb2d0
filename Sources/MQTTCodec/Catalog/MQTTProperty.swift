/// How a property value is encoded (MQTT 5.0 §1.5).
public enum MQTTPropertyType: Sendable, Equatable {
    case byte
    case twoByteInteger
    case fourByteInteger
    case variableByteInteger
    case utf8String
    case utf8StringPair
    case binaryData
}

/// The values a numeric property may take beyond what its type allows.
public enum MQTTPropertyConstraint: Sendable, Equatable {
    case none
    /// 0 or 1 only (flags such as Retain Available).
    case zeroOrOne
    /// Any value except 0 (Receive Maximum, Maximum Packet Size, Topic Alias, Subscription Identifier).
    case nonZero

    /// What the constraint wants, for messages.
    public var expected: String {
        switch self {
        case .none: "any value"
        case .zeroOrOne: "must be 0 or 1"
        case .nonZero: "must not be 0"
        }
    }

    @inlinable public func allows(_ v: UInt64) -> Bool {
        switch self {
        case .none: true
        case .zeroOrOne: v <= 1
        case .nonZero: v != 0
        }
    }
}

/// One MQTT 5.0 property (MQTT 5.0 §2.2.2.2 Table 2-4), as data.
public struct MQTTProperty: Sendable {
    public var id: UInt8
    /// A `StaticString` keeps the struct free of reference counting (it is copied per property).
    public var name: StaticString
    public var field: MQTTField
    public var type: MQTTPropertyType
    /// Where the property may appear; `.will` = CONNECT Will Properties.
    public var packets: MQTTPacketSet
    /// Where it may appear more than once (User Property everywhere; Subscription Identifier in
    /// PUBLISH, where only a server-to-client PUBLISH may repeat it: MQTT-3.3.4-6 forbids it C→S).
    public var repeatable: MQTTPacketSet
    public var constraint: MQTTPropertyConstraint

    init(_ id: UInt8, _ name: StaticString, _ field: MQTTField, _ type: MQTTPropertyType, _ packets: MQTTPacketSet,
         repeatable: MQTTPacketSet = [], _ constraint: MQTTPropertyConstraint = .none) {
        self.id = id
        self.name = name
        self.field = field
        self.type = type
        self.packets = packets
        self.repeatable = repeatable
        self.constraint = constraint
    }

    /// All 27 properties in identifier order.
    public static let all: [MQTTProperty] = [
        .init(0x01, "Payload Format Indicator", .propertyPayloadFormatIndicator, .byte, [.publish, .will],
              .zeroOrOne),
        .init(0x02, "Message Expiry Interval", .propertyMessageExpiryInterval, .fourByteInteger, [.publish, .will]),
        .init(0x03, "Content Type", .propertyContentType, .utf8String, [.publish, .will]),
        .init(0x08, "Response Topic", .propertyResponseTopic, .utf8String, [.publish, .will]),
        .init(0x09, "Correlation Data", .propertyCorrelationData, .binaryData, [.publish, .will]),
        .init(0x0B, "Subscription Identifier", .propertySubscriptionIdentifier, .variableByteInteger,
              [.publish, .subscribe], repeatable: [.publish], .nonZero),
        .init(0x11, "Session Expiry Interval", .propertySessionExpiryInterval, .fourByteInteger,
              [.connect, .connack, .disconnect]),
        .init(0x12, "Assigned Client Identifier", .propertyAssignedClientIdentifier, .utf8String, [.connack]),
        .init(0x13, "Server Keep Alive", .propertyServerKeepAlive, .twoByteInteger, [.connack]),
        .init(0x15, "Authentication Method", .propertyAuthenticationMethod, .utf8String, [.connect, .connack, .auth]),
        .init(0x16, "Authentication Data", .propertyAuthenticationData, .binaryData, [.connect, .connack, .auth]),
        .init(0x17, "Request Problem Information", .propertyRequestProblemInformation, .byte, [.connect],
              .zeroOrOne),
        .init(0x18, "Will Delay Interval", .propertyWillDelayInterval, .fourByteInteger, [.will]),
        .init(0x19, "Request Response Information", .propertyRequestResponseInformation, .byte, [.connect],
              .zeroOrOne),
        .init(0x1A, "Response Information", .propertyResponseInformation, .utf8String, [.connack]),
        .init(0x1C, "Server Reference", .propertyServerReference, .utf8String, [.connack, .disconnect]),
        .init(0x1F, "Reason String", .propertyReasonString, .utf8String,
              [.connack, .puback, .pubrec, .pubrel, .pubcomp, .suback, .unsuback, .disconnect, .auth]),
        .init(0x21, "Receive Maximum", .propertyReceiveMaximum, .twoByteInteger, [.connect, .connack], .nonZero),
        .init(0x22, "Topic Alias Maximum", .propertyTopicAliasMaximum, .twoByteInteger, [.connect, .connack]),
        .init(0x23, "Topic Alias", .propertyTopicAlias, .twoByteInteger, [.publish], .nonZero),
        .init(0x24, "Maximum QoS", .propertyMaximumQoS, .byte, [.connack], .zeroOrOne),
        .init(0x25, "Retain Available", .propertyRetainAvailable, .byte, [.connack], .zeroOrOne),
        .init(0x26, "User Property", .propertyUserProperty, .utf8StringPair,
              [.connect, .connack, .publish, .will, .puback, .pubrec, .pubrel, .pubcomp, .subscribe, .suback,
               .unsubscribe, .unsuback, .disconnect, .auth],
              repeatable: MQTTPacketSet.withProperties),
        .init(0x27, "Maximum Packet Size", .propertyMaximumPacketSize, .fourByteInteger, [.connect, .connack],
              .nonZero),
        .init(0x28, "Wildcard Subscription Available", .propertyWildcardSubscriptionAvailable, .byte, [.connack],
              .zeroOrOne),
        .init(0x29, "Subscription Identifier Available", .propertySubscriptionIdentifierAvailable, .byte,
              [.connack], .zeroOrOne),
        .init(0x2A, "Shared Subscription Available", .propertySharedSubscriptionAvailable, .byte, [.connack],
              .zeroOrOne),
    ]

    /// Index into `all` by identifier (0 … 63), -1 when undefined.
    @usableFromInline static let indexByID: [Int8] = {
        var t = [Int8](repeating: -1, count: 64)
        for (i, p) in all.enumerated() { t[Int(p.id)] = Int8(i) }
        return t
    }()

    /// The property with identifier `id`, if MQTT 5.0 defines one.
    @inlinable public static func lookup(_ id: UInt64) -> MQTTProperty? {
        guard id < 64 else { return nil }
        let i = indexByID[Int(id)]
        return i < 0 ? nil : all[Int(i)]
    }

    /// Bit position used by presence/duplicate masks: the identifier itself (all are < 64).
    @inlinable public var bit: UInt64 { 1 << UInt64(id) }

    static let idNames: [(UInt64, String)] = all.map { (UInt64($0.id), $0.name.description) }
}
