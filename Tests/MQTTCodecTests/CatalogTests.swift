import Foundation
import Testing
import WireCore
@testable import MQTTCodec
import TestSupport

@Suite("Catalogs")
struct CatalogTests {
    @Test func abbreviationsAreUniqueAndWellFormed() throws {
        let pattern = try NSRegularExpression(pattern: "^mqtt(\\.[a-z0-9_]+)+$")
        var seen = Set<String>()
        for f in MQTTField.allCases {
            let a = f.spec.abbrev
            let matches = pattern.numberOfMatches(in: a, range: NSRange(a.startIndex..., in: a))
            #expect(matches == 1, "\(a)")
            #expect(seen.insert(a).inserted, "duplicate \(a)")
            #expect(!f.spec.name.isEmpty && !f.spec.specRef.isEmpty, "\(a)")
        }
    }

    @Test func registryResolvesEveryField() {
        let r = MQTTTestSupport.registry
        for f in MQTTField.allCases {
            #expect(f.id.catalog == 1)
            #expect(r.spec(f.id).abbrev == f.spec.abbrev)
        }
        // Every property's field is a property field.
        for p in MQTTProperty.all { #expect(p.field.spec.abbrev.hasPrefix("mqtt.property.")) }
    }

    @Test func valueNames() {
        #expect(MQTTField.packetType.spec.valueName(15) == "AUTH")
        #expect(MQTTField.connackReasonCode.spec.valueName(0x87) == "Not authorized")
        #expect(MQTTField.disconnectReasonCode.spec.valueName(0) == "Normal disconnection")
        #expect(MQTTField.subackReasonCode.spec.valueName(1) == "Granted QoS 1")
        #expect(MQTTField.connackReturnCode.spec.valueName(5) == "Connection Refused, not authorized")
        #expect(MQTTField.subackReturnCode.spec.valueName(0x80) == "Failure")
        #expect(MQTTField.propertyID.spec.valueName(0x26) == "User Property")
        #expect(MQTTReasonCodes.name(0x00, in: .suback) == "Granted QoS 0")
    }

    @Test func rulesAreUniqueAndVersioned() {
        var ids = Set<String>()
        for r in MQTTRule.allCases {
            let i = r.info
            #expect(ids.insert(i.id.rawValue).inserted, "duplicate \(i.id)")
            #expect(!i.title.isEmpty && !i.section.isEmpty)
            #expect(i.versions != 0)
            // Version-prefixed statement ids apply only to their version family.
            if i.id.rawValue.hasPrefix("MQTT311-") { #expect(!i.applies(to: .v5) && i.applies(to: .v3_1_1)) }
            if i.id.rawValue.hasPrefix("MQTT5-") { #expect(i.applies(to: .v5) && !i.applies(to: .v3_1_1)) }
        }
        #expect(MQTTRule.utf8Invalid311.severity(for: .v3_1) == .warning)
        #expect(MQTTRule.utf8Invalid311.severity(for: .v3_1_1) == .error)
    }

    @Test func packetTypes() {
        #expect(MQTTPacketType(firstByte: 0xF0) == .auth)
        #expect(!MQTTPacketType.auth.isValid(in: .v3_1_1) && MQTTPacketType.auth.isValid(in: .v5))
        #expect(!MQTTPacketType.reserved.isValid(in: .v5))
        #expect(MQTTPacketType.isPlausibleFirstByte(0x62) && !MQTTPacketType.isPlausibleFirstByte(0x60))
        #expect(MQTTPacketType.isPlausibleFirstByte(0x3D) && !MQTTPacketType.isPlausibleFirstByte(0x36))
        #expect(MQTTVersion(protocolLevel: 0x84) == .v3_1_1 && MQTTVersion(protocolLevel: 6) == nil)
    }
}

@Suite("Protocol detection and version inference")
struct SnifferTests {
    func sniff(_ b: [UInt8]) -> Bool? { b.withUnsafeBufferPointer { MQTTConnectSniffer.looksLikeConnect($0.span) } }

    @Test func connectPrefixes() {
        let v311: [UInt8] = [0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02]
        let v31: [UInt8] = [0x10, 0x12, 0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03]
        #expect(sniff(v311) == true)
        #expect(sniff(v31) == true)
        for n in 0..<9 { #expect(sniff(Array(v311.prefix(n))) == nil, "prefix \(n)") }
        for n in 0..<11 { #expect(sniff(Array(v31.prefix(n))) == nil, "prefix \(n)") }
        #expect(sniff([0x20, 0x02]) == false)
        #expect(sniff(Array("GET / HTTP/1.1".utf8)) == false)
        #expect(sniff(Array("CONNECT\n".utf8)) == false)
        // An unsupported level is still a CONNECT: the decoder reports the level.
        #expect(sniff([0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x09]) == true)
        #expect(sniff([0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x55, 0x04]) == false)
        #expect(sniff([0x10, 0x10, 0x00, 0x05]) == false)
        #expect(sniff([0x10, 0xFF, 0xFF, 0xFF, 0xFF]) == false)
    }

    @Test func inferVersion() {
        func infer(_ b: [UInt8]) -> MQTTVersion? { b.withUnsafeBufferPointer { MQTTVersion.infer(fromPDU: $0.span) } }
        #expect(infer(PacketBuilder.packet(for: .connack, props: [0x21, 0x00, 0x05])) == .v5)
        #expect(infer([0x20, 0x02, 0x00, 0x00]) == .v3_1_1)
        #expect(infer([0xF0, 0x00]) == .v5)
        #expect(infer([0xC0, 0x00]) == nil)
        #expect(infer(PacketBuilder.packet(0x30, PacketBuilder.str("t") + [0x00] + Array("x".utf8))) == .v5)
        #expect(infer(PacketBuilder.packet(0x30, PacketBuilder.str("t") + Array("hello".utf8))) == .v3_1_1)
        let connect = PacketBuilder.packet(0x10, PacketBuilder.str("MQIsdp") + [3, 2, 0, 10] + PacketBuilder.str("c"))
        #expect(infer(connect) == .v3_1)
    }
}

@Suite("Random input")
struct RandomDecodeTests {
    /// Thousands of random packets (random first byte, correct Remaining Length, random body,
    /// sometimes cut short or extended) decode without trapping, inside their bytes, as a tree.
    @Test func randomPDUs() {
        var rng = SeededRNG(seed: 0xC0DEC)
        var tree = FieldTree()
        var diags = [Diagnostic]()
        let registry = MQTTTestSupport.registry
        for i in 0..<20_000 {
            var body = [UInt8]()
            let n = Int.random(in: 0..<64, using: &rng)
            for _ in 0..<n { body.append(UInt8.random(in: 0...255, using: &rng)) }
            // Bias towards structure: often a valid property length or string length up front.
            if i % 3 == 0 && n > 4 { body[2] = 0; body[3] = UInt8(n / 4) }
            var pdu = PacketBuilder.packet(UInt8.random(in: 0...255, using: &rng), body)
            switch i % 10 {
            case 0: pdu.removeLast(Swift.min(pdu.count - 1, Int.random(in: 0...3, using: &rng)))
            case 1: pdu.append(0x00)
            default: break
            }
            let version = MQTTVersion.allCases[i % 3]
            tree.reset()
            diags.removeAll(keepingCapacity: true)
            _ = pdu.withUnsafeBufferPointer {
                MQTTDecoder.decode($0.span, version: version, into: &tree, diagnostics: &diags)
            }
            for (k, node) in tree.nodes.enumerated() {
                let ok = node.range.lower >= 0 && node.range.lower <= node.range.upper && node.range.upper <= pdu.count
                if !ok {
                    Issue.record("\(Hex.string(pdu.span)) v\(version): \(registry.spec(node.field).abbrev) \(node.range)")
                    return
                }
                // Children lie inside their parent.
                for c in tree.children(of: k) where !node.range.contains(tree.nodes[c].range) {
                    Issue.record("\(Hex.string(pdu.span)) v\(version): child \(registry.spec(tree.nodes[c].field).abbrev) \(tree.nodes[c].range) outside \(registry.spec(node.field).abbrev) \(node.range)")
                    return
                }
            }
            for d in diags {
                if let r = d.range, r.lower < 0 || r.upper > pdu.count || r.lower > r.upper {
                    Issue.record("\(Hex.string(pdu.span)): diagnostic \(d.rule) at \(r)")
                    return
                }
            }
        }
    }
}
