/// A set of packet types (plus the CONNECT Will Properties block as its own member), used for
/// where a property or reason code may appear.
public struct MQTTPacketSet: OptionSet, Sendable, Hashable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    @inlinable public init(_ type: MQTTPacketType) { rawValue = 1 << UInt32(type.rawValue) }

    public static let connect = MQTTPacketSet(.connect)
    public static let connack = MQTTPacketSet(.connack)
    public static let publish = MQTTPacketSet(.publish)
    public static let puback = MQTTPacketSet(.puback)
    public static let pubrec = MQTTPacketSet(.pubrec)
    public static let pubrel = MQTTPacketSet(.pubrel)
    public static let pubcomp = MQTTPacketSet(.pubcomp)
    public static let subscribe = MQTTPacketSet(.subscribe)
    public static let suback = MQTTPacketSet(.suback)
    public static let unsubscribe = MQTTPacketSet(.unsubscribe)
    public static let unsuback = MQTTPacketSet(.unsuback)
    public static let disconnect = MQTTPacketSet(.disconnect)
    public static let auth = MQTTPacketSet(.auth)
    /// The Will Properties inside a CONNECT payload (MQTT 5.0 §3.1.3.2).
    public static let will = MQTTPacketSet(rawValue: 1 << 16)

    /// The packet a one-member set stands for ("PUBLISH", "CONNECT Will Properties"), for messages.
    public var name: String {
        if self == .will { return "CONNECT Will Properties" }
        for t in MQTTPacketType.allCases where MQTTPacketSet(t) == self { return t.name }
        return "packet"
    }

    /// The packets that carry a property block at all.
    public static let withProperties: MQTTPacketSet = [
        .connect, .connack, .publish, .puback, .pubrec, .pubrel, .pubcomp, .subscribe, .suback,
        .unsubscribe, .unsuback, .disconnect, .auth, .will,
    ]
}
