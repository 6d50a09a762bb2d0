import Testing
import WireCore
@testable import MQTTCodec
import TestSupport

/// MQTT 3.1 names some bits differently from 3.1.1: its CONNACK has no Session Present, and its
/// fixed-header nibble is DUP/QoS/RETAIN in every message (found by the tshark agreement test).
@Suite struct MQTT31HeaderTests {
    @Test("3.1 CONNACK: the first byte is reserved, not Session Present")
    func connackFirstByteReserved() {
        let (_, tree, diags) = PacketBuilder.decode([0x20, 0x02, 0x01, 0x00], .v3_1)
        #expect(tree.first(MQTTField.connackFlagsSessionPresent.id) == nil)
        #expect(tree.first(MQTTField.connackFlagsReserved.id)?.value == .uint(1))
        #expect(tree.first(MQTTField.connackFlagsReserved.id)?.bitMask == 0xFF)
        #expect(diags.isEmpty)
        // 3.1.1 keeps Session Present.
        let (_, tree4, _) = PacketBuilder.decode([0x20, 0x02, 0x01, 0x00], .v3_1_1)
        #expect(tree4.first(MQTTField.connackFlagsSessionPresent.id)?.value == .bool(true))
    }

    @Test("3.1 SUBSCRIBE/UNSUBSCRIBE/PUBREL: DUP and QoS in the header; 3.1.1: a reserved nibble",
          arguments: [[UInt8]([0x8A, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x01]),
                      [0xAA, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61], [0x6A, 0x02, 0x00, 0x01]])
    func retriedHeaderFlags(_ bytes: [UInt8]) {
        let (_, tree, diags) = PacketBuilder.decode(bytes, .v3_1)
        #expect(tree.first(MQTTField.flags.id)?.value == .uint(0xA))
        #expect(tree.first(MQTTField.flagsDup.id)?.value == .bool(true))
        #expect(tree.first(MQTTField.flagsQoS.id)?.value == .uint(1))
        #expect(tree.first(MQTTField.flagsReserved.id)?.value == .uint(0))
        #expect(diags.isEmpty)
        let (_, tree4, diags4) = PacketBuilder.decode(bytes, .v3_1_1)
        #expect(tree4.first(MQTTField.flagsDup.id) == nil)
        #expect(tree4.first(MQTTField.flagsReserved.id)?.value == .uint(0xA))
        #expect(!diags4.isEmpty)
    }
}
