import PacketLayers
import Testing
import WireCore

@Suite struct IPv4Tests {
    /// IHL 6: a Router Alert option (RFC 2113) between the header and TCP.
    static let withOptions: [UInt8] = [
        0x46, 0x00, 0x00, 0x2e,  0x00, 0x01, 0x00, 0x00,  0x40, 0x06, 0x00, 0x00,  // IHL 6, total 46
        0xc0, 0xa8, 0x01, 0x0a,  0xc0, 0xa8, 0x01, 0x14,
        0x94, 0x04, 0x00, 0x00,                                                    // Router Alert
        0xc3, 0x50, 0x07, 0x5b,  0x00, 0x00, 0x00, 0x64,  0x00, 0x00, 0x00, 0xc8,
        0x50, 0x18, 0x01, 0x00,  0x00, 0x00, 0x00, 0x00,
        0x68, 0x69,                                                                // "hi"
    ]

    /// IHL 15: 40 bytes of options (NOPs then End of Option List).
    static let maximalOptions: [UInt8] =
        [0x4f, 0x00, 0x00, 0x52, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x0a,
         0xc0, 0xa8, 0x01, 0x14]
        + [UInt8](repeating: 0x01, count: 39) + [0x00]
        + Array(ipv4Segment[20...])

    @Test(arguments: [withOptions, maximalOptions])
    func optionsAreSkipped(_ packet: [UInt8]) throws {
        var decoder = PacketDecoder(linkType: .ipv4)
        let d = decoder.run(packet)
        #expect(d.outcome == .tcp)
        #expect(try #require(d.segment).destination == server4)
        #expect(d.payload == Array("hi".utf8))
    }

    /// A 60-byte minimum Ethernet frame: the IP datagram is 42 bytes, the rest is padding.
    static let paddedFrame: [UInt8] =
        [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00] + ipv4Segment
        + [0x00, 0x00, 0x00, 0x00]

    /// A pure ACK (total length 40) padded to 60 bytes.
    static let paddedAck: [UInt8] =
        [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
         0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
         0xc0, 0xa8, 0x01, 0x0a, 0xc0, 0xa8, 0x01, 0x14,
         0xc3, 0x50, 0x07, 0x5b, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0xc8,
         0x50, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
         0xee, 0xee, 0xee, 0xee, 0xee, 0xee]                                       // padding

    @Test func ethernetPaddingIsNotPayload() {
        var decoder = PacketDecoder(linkType: .ethernet)
        let d = decoder.run(Self.paddedFrame)
        #expect(d.outcome == .tcp)
        #expect(d.payload == Array("hi".utf8))
        let ack = decoder.run(Self.paddedAck)
        #expect(ack.outcome == .tcp)
        #expect(ack.payload.isEmpty)
        #expect(ack.segment?.flags == .ack)
        #expect(ack.segment?.missingPayload == 0)
    }

    @Test func zeroTotalLengthFromSegmentationOffloadUsesCapturedBytes() {
        var packet = ipv4Segment
        packet[2] = 0
        packet[3] = 0
        var decoder = PacketDecoder(linkType: .ipv4)
        let d = decoder.run(packet)
        #expect(d.outcome == .tcp)
        #expect(d.payload == Array("hi".utf8))
    }

    struct BadHeader: Sendable, CustomTestStringConvertible {
        var name: String
        var packet: [UInt8]
        var problem: LayerProblem
        var testDescription: String { name }
    }

    static let badHeaders: [BadHeader] = [
        BadHeader(name: "IHL 4", packet: [0x44] + ipv4Segment.dropFirst(), problem: .badIPHeaderLength),
        BadHeader(name: "IHL 0", packet: [0x40] + ipv4Segment.dropFirst(), problem: .badIPHeaderLength),
        BadHeader(name: "total length 19", packet: [0x45, 0x00, 0x00, 0x13] + ipv4Segment.dropFirst(4),
                  problem: .badIPTotalLength),
        BadHeader(name: "IHL 15 but 42 bytes captured", packet: [0x4f] + ipv4Segment.dropFirst(), problem: .truncatedIPHeader),
        BadHeader(name: "total length leaves 10 bytes of TCP", packet: [0x45, 0x00, 0x00, 0x1e] + ipv4Segment.dropFirst(4),
                  problem: .truncatedTCPHeader),
    ]

    @Test(arguments: badHeaders)
    func badHeadersAreMalformed(_ c: BadHeader) {
        var decoder = PacketDecoder(linkType: .ipv4)
        #expect(decoder.run(c.packet).outcome == .malformed(c.problem))
        #expect(decoder.stats.malformed == 1)
    }

    @Test func totalLengthBeyondAnUncutFrameIsNotReportedMissing() {
        // Total length 142 but the frame was not cut by the snap length: the IP length is wrong,
        // the payload is what was captured, and no snap-length gap is claimed.
        var packet = ipv4Segment
        packet[3] = 142
        var decoder = PacketDecoder(linkType: .ipv4)
        let d = decoder.run(packet)
        #expect(d.outcome == .tcp)
        #expect(d.payload == Array("hi".utf8))
        #expect(d.segment?.missingPayload == 0)
    }
}
