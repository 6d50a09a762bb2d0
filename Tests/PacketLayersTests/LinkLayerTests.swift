import PacketLayers
import Testing
import WireCore

/// 192.168.1.10:50000 → 192.168.1.20:1883, seq 100, ack 200, PSH|ACK, window 256, payload "hi".
let ipv4Segment: [UInt8] = [
    0x45, 0x00, 0x00, 0x2a,  0x12, 0x34, 0x40, 0x00,  0x40, 0x06, 0x00, 0x00,  // IPv4, IHL 5, total 42, DF, TCP
    0xc0, 0xa8, 0x01, 0x0a,  0xc0, 0xa8, 0x01, 0x14,                           // 192.168.1.10 → 192.168.1.20
    0xc3, 0x50, 0x07, 0x5b,  0x00, 0x00, 0x00, 0x64,  0x00, 0x00, 0x00, 0xc8,  // 50000 → 1883, seq 100, ack 200
    0x50, 0x18, 0x01, 0x00,  0x00, 0x00, 0x00, 0x00,                           // doff 5, PSH|ACK, window 256
    0x68, 0x69,                                                                // "hi"
]

/// [2001:db8::1]:50000 → [2001:db8::2]:1883, same TCP header and payload.
let ipv6Segment: [UInt8] = [
    0x60, 0x00, 0x00, 0x00,  0x00, 0x16, 0x06, 0x40,                           // IPv6, payload 22, TCP, hop limit 64
    0x20, 0x01, 0x0d, 0xb8,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0x01,          // 2001:db8::1
    0x20, 0x01, 0x0d, 0xb8,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0x02,          // 2001:db8::2
    0xc3, 0x50, 0x07, 0x5b,  0x00, 0x00, 0x00, 0x64,  0x00, 0x00, 0x00, 0xc8,
    0x50, 0x18, 0x01, 0x00,  0x00, 0x00, 0x00, 0x00,
    0x68, 0x69,
]

struct LinkCase: CustomTestStringConvertible, Sendable {
    var name: String
    var linkType: LinkType
    var frame: [UInt8]
    var isV6: Bool
    var testDescription: String { name }
}

let macs: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]

/// One valid frame per link type and encapsulation; each carries the "hi" segment.
let linkCases: [LinkCase] = [
    LinkCase(name: "Ethernet IPv4", linkType: .ethernet, frame: macs + [0x08, 0x00] + ipv4Segment, isV6: false),
    LinkCase(name: "Ethernet IPv6", linkType: .ethernet, frame: macs + [0x86, 0xdd] + ipv6Segment, isV6: true),
    LinkCase(name: "802.1Q", linkType: .ethernet,
             frame: macs + [0x81, 0x00, 0x00, 0x64, 0x08, 0x00] + ipv4Segment, isV6: false),       // VLAN 100
    LinkCase(name: "QinQ 88a8+8100", linkType: .ethernet,
             frame: macs + [0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x64, 0x86, 0xdd] + ipv6Segment, isV6: true),
    LinkCase(name: "QinQ 9100+8100+8100", linkType: .ethernet,
             frame: macs + [0x91, 0x00, 0x00, 0x01, 0x81, 0x00, 0x00, 0x02, 0x81, 0x00, 0x00, 0x03, 0x08, 0x00]
                + ipv4Segment, isV6: false),
    LinkCase(name: "Linux SLL", linkType: .linuxSLL,
             frame: [0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x02, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x08, 0x00]
                + ipv4Segment, isV6: false),
    LinkCase(name: "Linux SLL IPv6", linkType: .linuxSLL,
             frame: [0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x02, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x86, 0xdd]
                + ipv6Segment, isV6: true),
    LinkCase(name: "Linux SLL2", linkType: .linuxSLL2,
             frame: [0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x06,
                     0x02, 0, 0, 0, 0, 0x01, 0x00, 0x00] + ipv4Segment, isV6: false),
    LinkCase(name: "Linux SLL2 IPv6", linkType: .linuxSLL2,
             frame: [0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x04, 0x00, 0x00,
                     0, 0, 0, 0, 0, 0, 0, 0] + ipv6Segment, isV6: true),
    LinkCase(name: "NULL little-endian AF_INET", linkType: .null, frame: [0x02, 0, 0, 0] + ipv4Segment, isV6: false),
    LinkCase(name: "NULL big-endian AF_INET", linkType: .null, frame: [0, 0, 0, 0x02] + ipv4Segment, isV6: false),
    LinkCase(name: "NULL little-endian AF_INET6 (Darwin 30)", linkType: .null,
             frame: [0x1e, 0, 0, 0] + ipv6Segment, isV6: true),
    LinkCase(name: "NULL big-endian AF_INET6 (FreeBSD 28)", linkType: .null,
             frame: [0, 0, 0, 0x1c] + ipv6Segment, isV6: true),
    LinkCase(name: "NULL little-endian AF_INET6 (NetBSD 24)", linkType: .null,
             frame: [0x18, 0, 0, 0] + ipv6Segment, isV6: true),
    LinkCase(name: "LOOP AF_INET", linkType: .loop, frame: [0, 0, 0, 0x02] + ipv4Segment, isV6: false),
    LinkCase(name: "LOOP AF_INET6", linkType: .loop, frame: [0, 0, 0, 0x18] + ipv6Segment, isV6: true),
    LinkCase(name: "raw IPv4", linkType: .rawIP, frame: ipv4Segment, isV6: false),
    LinkCase(name: "raw IPv6", linkType: .rawIP, frame: ipv6Segment, isV6: true),
    LinkCase(name: "LINKTYPE_IPV4", linkType: .ipv4, frame: ipv4Segment, isV6: false),
    LinkCase(name: "LINKTYPE_IPV6", linkType: .ipv6, frame: ipv6Segment, isV6: true),
]

@Suite struct LinkLayerTests {
    @Test(arguments: linkCases)
    func decodesTheSegment(_ c: LinkCase) throws {
        var decoder = PacketDecoder(linkType: c.linkType)
        let d = decoder.run(c.frame)
        #expect(d.outcome == .tcp)
        let segment = try #require(d.segment)
        #expect(segment.source == (c.isV6 ? client6 : client4))
        #expect(segment.destination == (c.isV6 ? server6 : server4))
        #expect(segment.sequence == 100)
        #expect(segment.acknowledgement == 200)
        #expect(segment.flags == [.psh, .ack])
        #expect(segment.window == 256)
        #expect(segment.missingPayload == 0)
        #expect(d.payload == Array("hi".utf8))
        #expect(d.payloadWithinFrame)
        #expect(decoder.stats.frames == 1 && decoder.stats.tcpSegments == 1 && decoder.stats.malformed == 0)
    }

    struct NonTCPCase: Sendable, CustomTestStringConvertible {
        var name: String
        var linkType: LinkType
        var frame: [UInt8]
        var outcome: PacketOutcome
        var notIP: Bool
        var testDescription: String { name }
    }

    static let nonTCP: [NonTCPCase] = [
        NonTCPCase(name: "ARP", linkType: .ethernet,
                   frame: macs + [0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01], outcome: .notTCP, notIP: true),
        NonTCPCase(name: "802.3 length field", linkType: .ethernet,
                   frame: macs + [0x00, 0x26, 0x42, 0x42, 0x03], outcome: .notTCP, notIP: true),
        NonTCPCase(name: "VLAN carrying ARP", linkType: .ethernet,
                   frame: macs + [0x81, 0x00, 0x00, 0x05, 0x08, 0x06, 0x00, 0x01], outcome: .notTCP, notIP: true),
        NonTCPCase(name: "UDP", linkType: .rawIP,
                   frame: [0x45, 0, 0x00, 0x1c, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                           0x04, 0xd2, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00], outcome: .notTCP, notIP: false),
        NonTCPCase(name: "ICMP echo", linkType: .ipv4,
                   frame: [0x45, 0, 0x00, 0x1c, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                           0x08, 0x00, 0xf7, 0xff, 0x00, 0x00, 0x00, 0x00], outcome: .notTCP, notIP: false),
        NonTCPCase(name: "NULL unknown family 7", linkType: .null, frame: [7, 0, 0, 0, 0x45], outcome: .notTCP, notIP: true),
        NonTCPCase(name: "LOOP little-endian family is not accepted", linkType: .loop,
                   frame: [2, 0, 0, 0] + ipv4Segment, outcome: .notTCP, notIP: true),
        NonTCPCase(name: "SLL protocol 0x0004 (802.2)", linkType: .linuxSLL,
                   frame: [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x00, 0x04, 0x42], outcome: .notTCP, notIP: true),
        NonTCPCase(name: "raw version 5", linkType: .rawIP, frame: [0x55] + ipv4Segment.dropFirst(),
                   outcome: .malformed(.badIPVersion), notIP: false),
        NonTCPCase(name: "EtherType IPv4 carrying version 6", linkType: .ethernet, frame: macs + [0x08, 0x00] + ipv6Segment,
                   outcome: .malformed(.badIPVersion), notIP: false),
        NonTCPCase(name: "LINKTYPE_IPV6 carrying version 4", linkType: .ipv6, frame: ipv4Segment,
                   outcome: .malformed(.badIPVersion), notIP: false),
        NonTCPCase(name: "empty Ethernet", linkType: .ethernet, frame: [], outcome: .malformed(.truncatedLinkHeader), notIP: false),
        NonTCPCase(name: "VLAN tag cut short", linkType: .ethernet, frame: macs + [0x81, 0x00, 0x00],
                   outcome: .malformed(.truncatedLinkHeader), notIP: false),
        NonTCPCase(name: "empty raw", linkType: .rawIP, frame: [], outcome: .malformed(.truncatedIPHeader), notIP: false),
    ]

    @Test(arguments: nonTCP)
    func classifiesOtherFrames(_ c: NonTCPCase) {
        var decoder = PacketDecoder(linkType: c.linkType)
        #expect(decoder.run(c.frame).outcome == c.outcome)
        #expect(decoder.stats.notIP == (c.notIP ? 1 : 0))
        #expect(decoder.stats.notTCP == (c.outcome == .notTCP ? 1 : 0))
        #expect(decoder.stats.malformed == (c.outcome == .notTCP ? 0 : 1))
        #expect(decoder.stats.tcpSegments == 0)
    }

    @Test(arguments: [(Int32(1), LinkType.ethernet), (0, .null), (108, .loop), (12, .rawIP), (14, .rawIP),
                      (101, .rawIP), (228, .ipv4), (229, .ipv6), (113, .linuxSLL), (276, .linuxSLL2)])
    func linkTypeFromDLT(_ dlt: Int32, _ expected: LinkType) {
        #expect(LinkType(dlt: dlt) == expected)
    }

    @Test func unknownDLT() {
        #expect(LinkType(dlt: 105) == nil)   // 802.11
        #expect(LinkType(dlt: 127) == nil)   // radiotap
    }
}
