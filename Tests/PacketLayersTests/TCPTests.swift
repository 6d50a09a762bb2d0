import PacketLayers
import Testing
import WireCore

@Suite struct TCPTests {
    /// SYN with MSS, SACK-permitted, timestamps, NOP, window scale: data offset 10 (20 option bytes).
    static let synWithOptions: [UInt8] = [
        0x45, 0x00, 0x00, 0x3c,  0x00, 0x00, 0x40, 0x00,  0x40, 0x06, 0x00, 0x00,
        0xc0, 0xa8, 0x01, 0x0a,  0xc0, 0xa8, 0x01, 0x14,
        0xc3, 0x50, 0x07, 0x5b,  0xde, 0xad, 0xbe, 0xef,  0x00, 0x00, 0x00, 0x00,  // seq 0xdeadbeef
        0xa0, 0x02, 0xfa, 0xf0,  0x00, 0x00, 0x00, 0x00,                           // doff 10, SYN, window 64240
        0x02, 0x04, 0x05, 0xb4,                                                    // MSS 1460
        0x04, 0x02,                                                                // SACK permitted
        0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,                // timestamps
        0x01,                                                                      // NOP
        0x03, 0x03, 0x07,                                                          // window scale 7
    ]

    @Test func optionsAreSkipped() throws {
        var decoder = PacketDecoder(linkType: .ipv4)
        let d = decoder.run(Self.synWithOptions)
        #expect(d.outcome == .tcp)
        let segment = try #require(d.segment)
        #expect(segment.flags == .syn)
        #expect(segment.sequence == 0xdead_beef)
        #expect(segment.window == 64240)
        #expect(d.payload.isEmpty)
    }

    @Test func maximalDataOffsetWithPayload() {
        let options = [UInt8](repeating: 0x01, count: 40)          // doff 15
        var decoder = PacketDecoder(linkType: .ipv4)
        let d = decoder.run(Build.ipv4(payload: Build.tcp(options: options, payload: Build.bytes("payload"))))
        #expect(d.outcome == .tcp)
        #expect(d.payload == Build.bytes("payload"))
    }

    @Test func allNineFlagBits() throws {
        var decoder = PacketDecoder(linkType: .ipv4)
        let d = decoder.run(Build.ipv4(payload: Build.tcp(flags: 0x1FF, payload: [])))
        let flags = try #require(d.segment).flags
        #expect(flags.rawValue == 0x1FF)
        #expect(flags.isSuperset(of: [.fin, .syn, .rst, .psh, .ack, .urg, .ece, .cwr]))
    }

    @Test func portsSequenceAndAcknowledgementAtExtremes() throws {
        var decoder = PacketDecoder(linkType: .ipv4)
        let d = decoder.run(Build.ipv4(payload: Build.tcp(sourcePort: 65535, destinationPort: 0, sequence: .max,
                                                           acknowledgement: 1, flags: 0x010, window: 65535, payload: [7])))
        let s = try #require(d.segment)
        #expect(s.source.port == 65535 && s.destination.port == 0)
        #expect(s.sequence == .max && s.acknowledgement == 1 && s.window == 65535)
        #expect(d.payload == [7])
    }

    @Test(arguments: [0, 1, 4])
    func dataOffsetBelowFiveWords(_ words: UInt8) {
        var segment = Build.tcp(payload: Build.bytes("hi"))
        segment[12] = words << 4
        var decoder = PacketDecoder(linkType: .ipv4)
        #expect(decoder.run(Build.ipv4(payload: segment)).outcome == .malformed(.badTCPDataOffset))
    }

    @Test func dataOffsetBeyondTheIPPayload() {
        var segment = Build.tcp(payload: Build.bytes("hi"))
        segment[12] = 0x80                                        // 32-byte header in a 22-byte segment
        var decoder = PacketDecoder(linkType: .ipv4)
        #expect(decoder.run(Build.ipv4(payload: segment)).outcome == .malformed(.badTCPDataOffset))
    }
}
