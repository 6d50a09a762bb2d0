import Testing
import MQTTCodec

/// `MQTTTopicAliases.mayCarryAlias`: the property scan that lets `read -Y` leave a 5.0 PUBLISH
/// undecoded. False only for a property list read to its end without a Topic Alias (0x23).
@Suite struct TopicAliasScanTests {
    /// A 5.0 PUBLISH to "a/b" with the given QoS and property bytes, payload "x".
    static func publish(qos: UInt8, properties: [UInt8]) -> [UInt8] {
        var body: [UInt8] = [0, 3] + Array("a/b".utf8)
        if qos > 0 { body += [0, 9] }
        body += [UInt8(properties.count)] + properties + Array("x".utf8)
        return [0x30 | qos << 1, UInt8(body.count)] + body
    }

    @Test func findsTheAliasOrReadsThePropertiesWhole() {
        let none = Self.publish(qos: 1, properties: [])
        let expiry = Self.publish(qos: 0, properties: [0x02, 0, 0, 0, 60, 0x01, 1])
        let user = Self.publish(qos: 1, properties: [0x26, 0, 1, 0x6B, 0, 1, 0x76, 0x0B, 0x05])   // user property, subscription id
        let alias = Self.publish(qos: 1, properties: [0x01, 0, 0x23, 0, 4])
        let unknown = Self.publish(qos: 0, properties: [0x7F, 1])
        let short = Self.publish(qos: 0, properties: [0x02, 0, 0])                                  // four-byte value cut
        for (bytes, want) in [(none, false), (expiry, false), (user, false), (alias, true), (unknown, true), (short, true)] {
            #expect(MQTTTopicAliases.mayCarryAlias(bytes.span) == want, "\(bytes)")
        }
    }
}
