import PacketLayers
import Testing
import WireCore

@Suite struct IPv6Tests {
    static let tcpHi: [UInt8] = Array(ipv6Segment[40...])

    /// Hop-by-Hop (8 bytes: Router Alert + PadN) then Destination Options (16 bytes) then TCP.
    static let hopByHopAndDestinationOptions: [UInt8] = [
        0x60, 0x00, 0x00, 0x00,  0x00, 0x2e, 0x00, 0x40,                           // payload 46, next: Hop-by-Hop
        0x20, 0x01, 0x0d, 0xb8,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0x01,
        0x20, 0x01, 0x0d, 0xb8,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0x02,
        0x3c, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,                            // HbH → DstOpts, RA, PadN
        0x06, 0x01, 0x01, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                 // DstOpts → TCP, len 1, PadN
    ] + tcpHi

    /// Routing header (type 0 segments-left 0, 24 bytes) then AH (RFC 4302: 24 bytes, len field 4) then TCP.
    static let routingAndAH: [UInt8] =
        Build.ipv6(nextHeader: 43, payload:
            [51, 2, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 16)                // Routing → AH, len 2
            + [6, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] + [UInt8](repeating: 0xaa, count: 12) // AH → TCP, SPI, seq, ICV
            + tcpHi)

    @Test(arguments: [hopByHopAndDestinationOptions, routingAndAH])
    func extensionHeadersAreWalked(_ packet: [UInt8]) throws {
        var decoder = PacketDecoder(linkType: .ipv6)
        let d = decoder.run(packet)
        #expect(d.outcome == .tcp)
        let segment = try #require(d.segment)
        #expect(segment.source == client6)
        #expect(segment.destination == server6)
        #expect(d.payload == Build.bytes("hi"))
    }

    @Test func payloadLengthIsRespected() {
        // Two trailing bytes beyond Payload Length (link padding) are not payload.
        var decoder = PacketDecoder(linkType: .ipv6)
        let d = decoder.run(ipv6Segment + [0xee, 0xee])
        #expect(d.outcome == .tcp)
        #expect(d.payload == Build.bytes("hi"))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var packet: [UInt8]
        var outcome: PacketOutcome
        var testDescription: String { name }
    }

    static let others: [Case] = [
        Case(name: "No Next Header", packet: Build.ipv6(nextHeader: 59, payload: []), outcome: .notTCP),
        Case(name: "Destination Options → No Next Header",
             packet: Build.ipv6(nextHeader: 60, payload: [59, 0, 1, 4, 0, 0, 0, 0] + tcpHi), outcome: .notTCP),
        Case(name: "ESP", packet: Build.ipv6(nextHeader: 50, payload: [0, 0, 0, 1, 0, 0, 0, 1, 0xaa]), outcome: .notTCP),
        Case(name: "UDP", packet: Build.ipv6(nextHeader: 17, payload: [0x04, 0xd2, 0x00, 0x35, 0, 8, 0, 0]),
             outcome: .notTCP),
        Case(name: "ICMPv6", packet: Build.ipv6(nextHeader: 58, payload: [128, 0, 0, 0, 0, 1, 0, 1]), outcome: .notTCP),
        Case(name: "Hop-by-Hop longer than the payload",
             packet: Build.ipv6(nextHeader: 0, payload: [6, 3, 1, 4, 0, 0, 0, 0] + tcpHi),  // claims 32 bytes, 30 follow
             outcome: .malformed(.badIPv6ExtensionHeader)),
        Case(name: "Hop-by-Hop length byte beyond the payload",
             packet: Build.ipv6(nextHeader: 0, payloadLength: 1, payload: [6, 0, 1, 4, 0, 0, 0, 0] + tcpHi),
             outcome: .malformed(.badIPv6ExtensionHeader)),
        Case(name: "Hop-by-Hop cut by the capture",
             packet: Build.ipv6(nextHeader: 0, payloadLength: 100, payload: [6, 0, 1, 4]),
             outcome: .malformed(.truncatedIPHeader)),
        Case(name: "fixed header cut", packet: Array(ipv6Segment[0..<39]), outcome: .malformed(.truncatedIPHeader)),
        Case(name: "atomic fragment (offset 0, M clear) is a whole datagram",
             packet: Build.ipv6(nextHeader: 44, payload: Build.ipv6Fragment(offset: 0, more: false, identification: 9) + tcpHi),
             outcome: .tcp),
    ]

    @Test(arguments: others)
    func otherPackets(_ c: Case) {
        var decoder = PacketDecoder(linkType: .ipv6)
        #expect(decoder.run(c.packet).outcome == c.outcome)
    }
}
