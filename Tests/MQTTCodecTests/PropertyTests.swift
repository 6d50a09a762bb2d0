import Testing
import WireCore
@testable import MQTTCodec
import TestSupport

@Suite("MQTT 5.0 properties")
struct PropertyTests {
    @Test func tableHasAll27() {
        #expect(MQTTProperty.all.count == 27)
        #expect(Set(MQTTProperty.all.map(\.id)).count == 27)
        for p in MQTTProperty.all { #expect(MQTTProperty.lookup(UInt64(p.id))?.field == p.field) }
        #expect(MQTTProperty.lookup(0) == nil && MQTTProperty.lookup(0x2B) == nil && MQTTProperty.lookup(1000) == nil)
    }

    /// MQTT 5.0 §2.2.2.2 Table 2-4, written out independently of `MQTTProperty.all`.
    static let specTable: [UInt8: Set<String>] = [
        0x01: ["PUBLISH", "Will"], 0x02: ["PUBLISH", "Will"], 0x03: ["PUBLISH", "Will"], 0x08: ["PUBLISH", "Will"],
        0x09: ["PUBLISH", "Will"], 0x0B: ["PUBLISH", "SUBSCRIBE"], 0x11: ["CONNECT", "CONNACK", "DISCONNECT"],
        0x12: ["CONNACK"], 0x13: ["CONNACK"], 0x15: ["CONNECT", "CONNACK", "AUTH"],
        0x16: ["CONNECT", "CONNACK", "AUTH"], 0x17: ["CONNECT"], 0x18: ["Will"], 0x19: ["CONNECT"],
        0x1A: ["CONNACK"], 0x1C: ["CONNACK", "DISCONNECT"],
        0x1F: ["CONNACK", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBACK", "UNSUBACK", "DISCONNECT", "AUTH"],
        0x21: ["CONNECT", "CONNACK"], 0x22: ["CONNECT", "CONNACK"], 0x23: ["PUBLISH"], 0x24: ["CONNACK"],
        0x25: ["CONNACK"],
        0x26: ["CONNECT", "CONNACK", "PUBLISH", "Will", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE",
               "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "DISCONNECT", "AUTH"],
        0x27: ["CONNECT", "CONNACK"], 0x28: ["CONNACK"], 0x29: ["CONNACK"], 0x2A: ["CONNACK"],
    ]

    @Test func tableMatchesSpec() {
        #expect(Set(Self.specTable.keys) == Set(MQTTProperty.all.map(\.id)))
        for p in MQTTProperty.all {
            let listed = Set(PacketBuilder.contexts.filter { p.packets.contains($0.0) }.map(\.1))
            #expect(listed == Self.specTable[p.id], "\(p.name)")
        }
    }

    @Test("each property allowed exactly where the spec lists it", arguments: MQTTProperty.all.map(\.id))
    func placement(id: UInt8) {
        let p = MQTTProperty.lookup(UInt64(id))!
        for (context, name) in PacketBuilder.contexts {
            let bytes = PacketBuilder.packet(for: context, props: PacketBuilder.property(p))
            let (message, tree, diags) = PacketBuilder.decode(bytes)
            let allowed = Self.specTable[id]?.contains(name) == true
            let rules = diags.map(\.rule)
            if allowed {
                #expect(rules.isEmpty, "\(p.name) in \(name): \(rules)")
            } else {
                #expect(rules == [MQTTRule.propertyNotAllowed.id], "\(p.name) in \(name): \(rules)")
            }
            // The property's node exists with its identifier child.
            let node = tree.nodes.firstIndex { $0.field == p.field.id }
            #expect(node != nil, "\(p.name) in \(name): no node")
            if let n = node { #expect(tree.nodes[n + 1].field == MQTTField.propertyID.id) }
            #expect(message.packetType != nil)
        }
    }

    @Test("repeating a property", arguments: MQTTProperty.all.map(\.id))
    func duplicates(id: UInt8) {
        let p = MQTTProperty.lookup(UInt64(id))!
        for (context, name) in PacketBuilder.contexts where p.packets.contains(context) {
            let one = PacketBuilder.property(p)
            let bytes = PacketBuilder.packet(for: context, props: one + one)
            let rules = PacketBuilder.decode(bytes).2.map(\.rule)
            // Only User Property, and Subscription Identifier in PUBLISH, may repeat (U50-PROP-DUP).
            if id == 0x26 || (id == 0x0B && name == "PUBLISH") {
                #expect(rules.isEmpty, "\(p.name) twice in \(name): \(rules)")
            } else {
                #expect(rules == [MQTTRule.propertyDuplicate.id], "\(p.name) twice in \(name): \(rules)")
            }
        }
    }

    @Test("value constraints", arguments: MQTTProperty.all.map(\.id))
    func ranges(id: UInt8) {
        let p = MQTTProperty.lookup(UInt64(id))!
        guard let context = PacketBuilder.contexts.first(where: { p.packets.contains($0.0) })?.0 else { return }
        // U50-PROP-VALUE, independently of `MQTTProperty.constraint`.
        let zeroOrOne: Set<UInt8> = [0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A]
        let nonZero: Set<UInt8> = [0x0B, 0x21, 0x23, 0x27]
        let bad: UInt32? = zeroOrOne.contains(id) ? 2 : nonZero.contains(id) ? 0 : nil
        for v: UInt32 in [0, 1, 2] {
            guard p.type != .utf8String, p.type != .utf8StringPair, p.type != .binaryData else { break }
            let bytes = PacketBuilder.packet(for: context, props: PacketBuilder.property(p, value: v))
            let (_, tree, diags) = PacketBuilder.decode(bytes)
            let rules = diags.map(\.rule)
            if v == bad {
                #expect(rules == [MQTTRule.propertyRange.id], "\(p.name) = \(v): \(rules)")
            } else {
                #expect(rules.isEmpty, "\(p.name) = \(v): \(rules)")
            }
            #expect(tree.nodes.contains { $0.field == p.field.id && $0.value == .uint(UInt64(v)) })
        }
    }

    @Test func subscriptionIdentifierLimits() {
        let sid = MQTTProperty.lookup(0x0B)!
        // 268,435,455 is the largest VBI: allowed. A 5-byte VBI is rejected.
        let max = PacketBuilder.packet(for: .subscribe, props: PacketBuilder.property(sid, value: 268_435_455))
        #expect(PacketBuilder.decode(max).2.isEmpty)
        let tooLong = PacketBuilder.packet(for: .subscribe, props: [0x0B, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(PacketBuilder.decode(tooLong).2.map(\.rule).contains(MQTTRule.vbiTooLong5.id))
        let nonMinimal = PacketBuilder.packet(for: .subscribe, props: [0x0B, 0x81, 0x00])
        #expect(PacketBuilder.decode(nonMinimal).2.map(\.rule) == [MQTTRule.vbiNonMinimal5.id])
    }

    @Test func summaryValues() {
        let bytes = PacketBuilder.packet(for: .connack, props: [0x21, 0x00, 0x0A, 0x22, 0x00, 0x05, 0x27, 0, 0, 1, 0]
                                         + [0x26] + PacketBuilder.str("k") + PacketBuilder.str("v"))
        guard case .connack(let c) = PacketBuilder.decode(bytes).0 else {
            Issue.record("not a CONNACK")
            return
        }
        #expect(c.properties.receiveMaximum == 10 && c.properties.topicAliasMaximum == 5)
        #expect(c.properties.maximumPacketSize == 256 && c.properties.userPropertyCount == 1)
        #expect(c.properties.has(0x21) && !c.properties.has(0x11))
    }

    @Test func authenticationDataIsRedacted() {
        let bytes = PacketBuilder.packet(for: .auth, props: [0x15] + PacketBuilder.str("m") + [0x16, 0x00, 0x02, 0xAA, 0xBB])
        let (_, tree, diags) = PacketBuilder.decode(bytes)
        #expect(diags.isEmpty)
        let node = tree.first(MQTTField.propertyAuthenticationData.id)
        if case .redacted(let r)? = node?.value { #expect(r.count == 2) } else { Issue.record("not redacted") }
    }

    @Test func reasonCodeTables() {
        // Per-packet sets from MQTT 5.0 Tables 3-1 … 3-11.
        let expected: [(MQTTPacketType, [UInt8])] = [
            (.connack, [0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95,
                        0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F]),
            (.puback, [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]),
            (.pubrec, [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]),
            (.pubrel, [0x00, 0x92]), (.pubcomp, [0x00, 0x92]),
            (.suback, [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2]),
            (.unsuback, [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91]),
            (.disconnect, [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90]
                + Array(0x93...0xA2)),
            (.auth, [0x00, 0x18, 0x19]),
        ]
        for (type, codes) in expected {
            let allowed = (0...255).map(UInt8.init).filter { MQTTReasonCodes.isAllowed($0, in: type) }
            #expect(allowed == codes, "\(type)")
        }
    }
}
