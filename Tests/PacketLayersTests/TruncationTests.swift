import PacketLayers
import Testing
import WireCore

@Suite struct TruncationTests {
    /// Where the payload starts in each link case's frame (link header + IP header + 20-byte TCP header).
    static func payloadOffset(_ c: LinkCase) -> Int { c.frame.count - 2 }

    /// Every prefix of every valid frame, cut by the snap length (wire length = the full frame):
    /// never a trap; a cut inside the headers is `.malformed` (or `.notTCP` when too little is left
    /// to tell); a cut inside the payload is `.tcp` with the captured prefix and the rest missing.
    @Test(arguments: linkCases)
    func everyPrefixCutBySnapLength(_ c: LinkCase) {
        let payload = Build.bytes("hi")
        for length in 0..<c.frame.count {
            var decoder = PacketDecoder(linkType: c.linkType)
            let d = decoder.run(Array(c.frame.prefix(length)), wireLength: c.frame.count)
            #expect(decoder.stats.truncatedFrames == 1)
            let payloadStart = Self.payloadOffset(c)
            if length < payloadStart {
                switch d.outcome {
                case .malformed: break
                case .notTCP: #expect(c.linkType == .null && length >= 4, "notTCP at length \(length)")
                default: Issue.record("\(c.name) cut to \(length) bytes: \(d.outcome)")
                }
            } else {
                #expect(d.outcome == .tcp, "\(c.name) cut to \(length) bytes")
                #expect(d.payload == Array(payload.prefix(length - payloadStart)))
                #expect(d.segment?.missingPayload == c.frame.count - length)
            }
        }
    }

    /// The same prefixes without a snap-length cut (the IP length overstates what was sent):
    /// payloads are still the captured prefix, and nothing is reported missing.
    @Test(arguments: linkCases)
    func everyPrefixWithoutSnapLength(_ c: LinkCase) {
        for length in 0..<c.frame.count {
            var decoder = PacketDecoder(linkType: c.linkType)
            let d = decoder.run(Array(c.frame.prefix(length)))
            #expect(decoder.stats.truncatedFrames == 0)
            if d.outcome == .tcp {
                #expect(length >= Self.payloadOffset(c))
                #expect(d.payload == Array(Build.bytes("hi").prefix(length - Self.payloadOffset(c))))
                #expect(d.segment?.missingPayload == 0)
            }
        }
    }

    @Test func snapLengthCutReportsMissingPayload() throws {
        // 1000 bytes of payload on the wire, a 96-byte snap length.
        let payload = [UInt8](repeating: 0x41, count: 1000)
        let frame = Build.ethernet(Build.ipv4(payload: Build.tcp(payload: payload)))
        var decoder = PacketDecoder(linkType: .ethernet)
        let d = decoder.run(Array(frame.prefix(96)), wireLength: frame.count)
        #expect(d.outcome == .tcp)
        #expect(d.payload.count == 96 - 54)
        #expect(try #require(d.segment).missingPayload == 1000 - (96 - 54))
        #expect(decoder.stats.truncatedFrames == 1)
    }

    @Test func snapLengthCutIPv6WithExtensionHeader() throws {
        let payload = [UInt8](repeating: 0x42, count: 500)
        let frame = Build.ethernet(Build.ipv6(nextHeader: 60, payload: [6, 0, 1, 4, 0, 0, 0, 0] + Build.tcp(payload: payload)))
        var decoder = PacketDecoder(linkType: .ethernet)
        let d = decoder.run(Array(frame.prefix(200)), wireLength: frame.count)
        let headers = 14 + 40 + 8 + 20
        #expect(d.outcome == .tcp)
        #expect(d.payload.count == 200 - headers)
        #expect(try #require(d.segment).missingPayload == 500 - (200 - headers))
    }

    @Test func missingPayloadNeverExceedsWhatTheSnapLengthCut() throws {
        // IP claims 1000 payload bytes; the wire frame was only 4 bytes longer than captured.
        let frame = Build.ethernet(Build.ipv4(totalLength: 20 + 20 + 1000, payload: Build.tcp(payload: Build.bytes("abcdef"))))
        var decoder = PacketDecoder(linkType: .ethernet)
        let d = decoder.run(frame, wireLength: frame.count + 4)
        #expect(d.outcome == .tcp)
        #expect(d.payload == Build.bytes("abcdef"))
        #expect(try #require(d.segment).missingPayload == 4)
    }

    @Test func cutInsideTCPOptionsIsTruncatedTCPHeaderWithoutSnapLength() {
        let frame = Build.ethernet(Build.ipv4(payload: Build.tcp(options: [2, 4, 5, 0xb4], payload: Build.bytes("x"))))
        var decoder = PacketDecoder(linkType: .ethernet)
        let cut = Array(frame.prefix(14 + 20 + 22))
        #expect(decoder.run(cut, wireLength: cut.count).outcome == .malformed(.truncatedTCPHeader))
    }

    @Test func snapLengthCutInsideTCPOptionsKeepsTheSegment() {
        // tcpdump -s 60 cuts a 32-byte TCP header: ports and sequence numbers survive.
        let frame = Build.ethernet(Build.ipv4(payload: Build.tcp(options: [2, 4, 5, 0xb4], payload: Build.bytes("xyz"))))
        var decoder = PacketDecoder(linkType: .ethernet)
        let r = decoder.run(Array(frame.prefix(14 + 20 + 22)), wireLength: frame.count)
        #expect(r.outcome == .tcp)
        #expect(r.payload == [])
        #expect(r.segment?.missingPayload == 3)
    }
}
