import WireCore
@testable import MQTTCodec
import TestSupport

/// Builds small MQTT packets for unit tests.
typealias PacketBuilder = MQTTWire

extension MQTTWire {
    /// A valid encoding of property `p` (value 1 / "a" / ("a","b") / ff).
    static func property(_ p: MQTTProperty, value: UInt32 = 1) -> [UInt8] {
        switch p.type {
        case .byte: return [p.id, UInt8(truncatingIfNeeded: value)]
        case .twoByteInteger: return [p.id, UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
        case .fourByteInteger:
            return [p.id, UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                    UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
        case .variableByteInteger: return [p.id] + vbi(Int(value))
        case .utf8String: return [p.id] + str("a")
        case .utf8StringPair: return [p.id] + str("a") + str("b")
        case .binaryData: return [p.id, 0x00, 0x01, 0xFF]
        }
    }

    /// The contexts a property block can appear in, with a packet builder for each.
    static let contexts: [(MQTTPacketSet, String)] = [
        (.connect, "CONNECT"), (.will, "Will"), (.connack, "CONNACK"), (.publish, "PUBLISH"), (.puback, "PUBACK"),
        (.pubrec, "PUBREC"), (.pubrel, "PUBREL"), (.pubcomp, "PUBCOMP"), (.subscribe, "SUBSCRIBE"),
        (.suback, "SUBACK"), (.unsubscribe, "UNSUBSCRIBE"), (.unsuback, "UNSUBACK"), (.disconnect, "DISCONNECT"),
        (.auth, "AUTH"),
    ]

    /// A valid MQTT 5.0 packet of `context` whose (only) property block holds `props`.
    static func packet(for context: MQTTPacketSet, props: [UInt8]) -> [UInt8] {
        let b = MQTTWire.props(props)
        let connectHeader: [UInt8] = str("MQTT") + [5]
        switch context {
        case .connect: return packet(0x10, connectHeader + [0x02, 0x00, 0x3C] + b + str("c"))
        case .will:
            return packet(0x10, connectHeader + [0x06, 0x00, 0x3C] + [0x00] + str("c") + b + str("t") + [0x00, 0x00])
        case .connack: return packet(0x20, [0x00, 0x00] + b)
        case .publish: return packet(0x30, str("t") + b)
        case .puback: return packet(0x40, [0x00, 0x01, 0x00] + b)
        case .pubrec: return packet(0x50, [0x00, 0x01, 0x00] + b)
        case .pubrel: return packet(0x62, [0x00, 0x01, 0x00] + b)
        case .pubcomp: return packet(0x70, [0x00, 0x01, 0x00] + b)
        case .subscribe: return packet(0x82, [0x00, 0x01] + b + str("a") + [0x01])
        case .suback: return packet(0x90, [0x00, 0x01] + b + [0x00])
        case .unsubscribe: return packet(0xA2, [0x00, 0x01] + b + str("a"))
        case .unsuback: return packet(0xB0, [0x00, 0x01] + b + [0x00])
        case .disconnect: return packet(0xE0, [0x00] + b)
        default: return packet(0xF0, [0x00] + b)
        }
    }

    static func decode(_ bytes: [UInt8], _ version: MQTTVersion = .v5) -> (MQTTMessage, FieldTree, [Diagnostic]) {
        var tree = FieldTree()
        var diags = [Diagnostic]()
        let m = bytes.withUnsafeBufferPointer {
            MQTTDecoder.decode($0.span, version: version, into: &tree, diagnostics: &diags)
        }
        return (m, tree, diags)
    }
}
