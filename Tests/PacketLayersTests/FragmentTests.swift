import PacketLayers
import Testing
import WireCore

/// Splits one TCP segment into IPv4 fragments at byte offsets (multiples of 8).
func ipv4Fragments(of segment: [UInt8], cuts: [Int], identification: Int = 0x4242) -> [[UInt8]] {
    let bounds = [0] + cuts + [segment.count]
    return (0..<bounds.count - 1).map { i in
        Build.ethernet(Build.ipv4(identification: identification, fragmentOffset: bounds[i],
                                  moreFragments: i < bounds.count - 2,
                                  payload: Array(segment[bounds[i]..<bounds[i + 1]])))
    }
}

/// Splits one TCP segment (optionally behind `unfragmentable` extension headers) into IPv6 fragments.
func ipv6Fragments(of fragmentable: [UInt8], nextHeader: UInt8 = 6, cuts: [Int], identification: UInt32 = 0xabcd) -> [[UInt8]] {
    let bounds = [0] + cuts + [fragmentable.count]
    return (0..<bounds.count - 1).map { i in
        Build.ethernet(Build.ipv6(nextHeader: 44, payload:
            Build.ipv6Fragment(nextHeader: nextHeader, offset: bounds[i], more: i < bounds.count - 2,
                               identification: identification)
            + Array(fragmentable[bounds[i]..<bounds[i + 1]])))
    }
}

let longPayload: [UInt8] = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
let longSegment = Build.tcp(payload: longPayload)                          // 120 bytes

@Suite struct FragmentTests {
    static let orders: [[Int]] = [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]]

    @Test(arguments: orders)
    func ipv4InAnyOrder(_ order: [Int]) throws {
        let frames = ipv4Fragments(of: longSegment, cuts: [32, 64, 96])
        var decoder = PacketDecoder(linkType: .ethernet)
        var outcomes: [PacketOutcome] = []
        var last: Decoded?
        for i in order {
            last = decoder.run(frames[i])
            outcomes.append(last!.outcome)
        }
        #expect(outcomes == [.fragmentHeld, .fragmentHeld, .fragmentHeld, .tcp])
        let d = try #require(last)
        #expect(d.payload == longPayload)
        #expect(d.segment?.source == client4)
        #expect(d.segment?.missingPayload == 0)
        #expect(!d.payloadWithinFrame)
        #expect(decoder.stats.ipFragments == 4)
        #expect(decoder.stats.datagramsReassembled == 1)
        #expect(decoder.stats.tcpSegments == 1)
        decoder.finish()
        #expect(decoder.stats.fragmentsUnfinished == 0)
    }

    @Test func ipv4OverlapsKeepTheFirstCopy() throws {
        // [0,40) then [32,72) with different bytes in the overlap, then a duplicate, then [64,120).
        var altered = longSegment
        for i in 32..<40 { altered[i] ^= 0xFF }
        let first = Build.ethernet(Build.ipv4(identification: 7, moreFragments: true, payload: Array(longSegment[0..<40])))
        let overlapping = Build.ethernet(Build.ipv4(identification: 7, fragmentOffset: 32, moreFragments: true,
                                                    payload: Array(altered[32..<72])))
        let last = Build.ethernet(Build.ipv4(identification: 7, fragmentOffset: 64, payload: Array(longSegment[64...])))
        var decoder = PacketDecoder(linkType: .ethernet)
        #expect(decoder.run(first).outcome == .fragmentHeld)
        #expect(decoder.run(overlapping).outcome == .fragmentHeld)
        #expect(decoder.run(first).outcome == .fragmentHeld)
        let d = decoder.run(last)
        #expect(d.outcome == .tcp)
        #expect(d.payload == longPayload)
    }

    @Test func ipv4FragmentInsideAnotherAndBeyondTheEnd() {
        let frames = ipv4Fragments(of: longSegment, cuts: [64])
        let inner = Build.ethernet(Build.ipv4(identification: 0x4242, fragmentOffset: 8, moreFragments: true,
                                              payload: [UInt8](repeating: 0xEE, count: 16)))
        // A fragment past the final one's end: ignored once the datagram's length is known.
        let beyond = Build.ethernet(Build.ipv4(identification: 0x4242, fragmentOffset: 200, moreFragments: true,
                                               payload: [1, 2, 3, 4, 5, 6, 7, 8]))
        var decoder = PacketDecoder(linkType: .ethernet)
        #expect(decoder.run(frames[1]).outcome == .fragmentHeld)
        #expect(decoder.run(beyond).outcome == .fragmentHeld)
        #expect(decoder.run(frames[0]).outcome == .tcp)
        #expect(decoder.run(inner).outcome == .fragmentHeld)     // a new datagram with the same key
        decoder.finish()
        #expect(decoder.stats.fragmentsUnfinished == 1)
    }

    @Test func incompleteDatagramsAreCountedAtFinish() {
        let frames = ipv4Fragments(of: longSegment, cuts: [32, 64, 96])
        var decoder = PacketDecoder(linkType: .ethernet)
        #expect(decoder.run(frames[0]).outcome == .fragmentHeld)
        #expect(decoder.run(frames[2]).outcome == .fragmentHeld)
        #expect(decoder.run(frames[3]).outcome == .fragmentHeld)
        #expect(decoder.stats.fragmentsUnfinished == 0)
        decoder.finish()
        #expect(decoder.stats.fragmentsUnfinished == 3)
        #expect(decoder.stats.tcpSegments == 0)
        decoder.finish()                                        // idempotent
        #expect(decoder.stats.fragmentsUnfinished == 3)
    }

    @Test func interleavedDatagramsAreKeptApart() {
        let a = ipv4Fragments(of: longSegment, cuts: [64], identification: 1)
        let otherPayload = [UInt8](repeating: 0x55, count: 80)
        let b = ipv4Fragments(of: Build.tcp(sequence: 9000, payload: otherPayload), cuts: [48], identification: 2)
        var decoder = PacketDecoder(linkType: .ethernet)
        #expect(decoder.run(a[0]).outcome == .fragmentHeld)
        #expect(decoder.run(b[0]).outcome == .fragmentHeld)
        let db = decoder.run(b[1])
        #expect(db.outcome == .tcp && db.payload == otherPayload && db.segment?.sequence == 9000)
        let da = decoder.run(a[1])
        #expect(da.outcome == .tcp && da.payload == longPayload && da.segment?.sequence == 100)
    }

    @Test func datagramLimitAbandonsTheOldest() {
        var decoder = PacketDecoder(linkType: .ethernet, maxFragmentedDatagrams: 2)
        let datagrams = (1...3).map { ipv4Fragments(of: longSegment, cuts: [64], identification: $0) }
        #expect(decoder.run(datagrams[0][0]).outcome == .fragmentHeld)
        #expect(decoder.run(datagrams[1][0]).outcome == .fragmentHeld)
        #expect(decoder.run(datagrams[2][0]).outcome == .malformed(.fragmentLimit))   // held; #1 abandoned
        #expect(decoder.stats.fragmentsUnfinished == 1)
        #expect(decoder.run(datagrams[1][1]).outcome == .tcp)
        #expect(decoder.run(datagrams[2][1]).outcome == .tcp)
        #expect(decoder.run(datagrams[0][1]).outcome == .fragmentHeld)               // its first half is gone
        decoder.finish()
        #expect(decoder.stats.fragmentsUnfinished == 2)
        #expect(decoder.stats.datagramsReassembled == 2)
    }

    @Test func defaultLimitHoldsManyDatagrams() {
        var decoder = PacketDecoder(linkType: .ethernet)
        let count = PacketDecoder.defaultMaxFragmentedDatagrams
        let datagrams = (0..<count).map { ipv4Fragments(of: longSegment, cuts: [64], identification: $0) }
        for d in datagrams { #expect(decoder.run(d[0]).outcome == .fragmentHeld) }
        for d in datagrams { #expect(decoder.run(d[1]).outcome == .tcp) }
        #expect(decoder.stats.datagramsReassembled == count)
    }

    @Test func fragmentBeyond65535BytesOverflows() {
        let frame = Build.ethernet(Build.ipv4(fragmentOffset: 8190 * 8, moreFragments: true,
                                              payload: [UInt8](repeating: 1, count: 24)))
        var decoder = PacketDecoder(linkType: .ethernet)
        #expect(decoder.run(frame).outcome == .malformed(.fragmentOverflow))
        #expect(decoder.stats.ipFragments == 1 && decoder.stats.malformed == 1)
    }

    @Test func nonTCPFragmentsAreCountedNotHeld() {
        let frame = Build.ethernet(Build.ipv4(protocolNumber: 17, moreFragments: true, payload: [UInt8](repeating: 0, count: 16)))
        var decoder = PacketDecoder(linkType: .ethernet)
        #expect(decoder.run(frame).outcome == .notTCP)
        #expect(decoder.stats.ipFragments == 1 && decoder.stats.notTCP == 1)
    }

    @Test func reassembledDatagramWithBadTCPHeaderIsMalformed() {
        var segment = longSegment
        segment[12] = 0x30                                                  // data offset 3
        let frames = ipv4Fragments(of: segment, cuts: [64])
        var decoder = PacketDecoder(linkType: .ethernet)
        #expect(decoder.run(frames[0]).outcome == .fragmentHeld)
        #expect(decoder.run(frames[1]).outcome == .malformed(.badTCPDataOffset))
        #expect(decoder.stats.datagramsReassembled == 1)
    }

    @Test func snapLengthCutInTheLastFragmentBecomesMissingPayload() throws {
        let frames = ipv4Fragments(of: longSegment, cuts: [64])
        let cut = Array(frames[1].prefix(frames[1].count - 10))
        var decoder = PacketDecoder(linkType: .ethernet)
        #expect(decoder.run(frames[0]).outcome == .fragmentHeld)
        let d = decoder.run(cut, wireLength: frames[1].count)
        #expect(d.outcome == .tcp)
        #expect(d.payload == Array(longPayload.prefix(90)))
        #expect(try #require(d.segment).missingPayload == 10)
    }

    @Test func snapLengthCutInAMiddleFragmentReportsEverythingAfterItMissing() throws {
        let frames = ipv4Fragments(of: longSegment, cuts: [32, 64])
        let cut = Array(frames[1].prefix(frames[1].count - 8))            // bytes 56..<64 of the segment lost
        var decoder = PacketDecoder(linkType: .ethernet)
        #expect(decoder.run(frames[2]).outcome == .fragmentHeld)
        #expect(decoder.run(cut, wireLength: frames[1].count).outcome == .fragmentHeld)
        let d = decoder.run(frames[0])
        #expect(d.outcome == .tcp)
        #expect(d.payload == Array(longPayload.prefix(36)))
        #expect(try #require(d.segment).missingPayload == 64)
    }

    @Test(arguments: [[0, 1, 2], [2, 1, 0]])
    func ipv6InAnyOrder(_ order: [Int]) throws {
        let frames = ipv6Fragments(of: longSegment, cuts: [40, 80])
        var decoder = PacketDecoder(linkType: .ethernet)
        var outcomes: [PacketOutcome] = []
        var last: Decoded?
        for i in order {
            last = decoder.run(frames[i])
            outcomes.append(last!.outcome)
        }
        #expect(outcomes == [.fragmentHeld, .fragmentHeld, .tcp])
        let d = try #require(last)
        #expect(d.payload == longPayload)
        #expect(d.segment?.source == client6 && d.segment?.destination == server6)
        #expect(decoder.stats.ipFragments == 3 && decoder.stats.datagramsReassembled == 1)
    }

    @Test func ipv6FragmentsWithDestinationOptionsInTheFragmentablePart() throws {
        let fragmentable: [UInt8] = [6, 0, 1, 4, 0, 0, 0, 0] + longSegment      // DstOpts → TCP
        let frames = ipv6Fragments(of: fragmentable, nextHeader: 60, cuts: [64])
        var decoder = PacketDecoder(linkType: .ethernet)
        #expect(decoder.run(frames[1]).outcome == .fragmentHeld)
        let d = decoder.run(frames[0])
        #expect(d.outcome == .tcp)
        #expect(d.payload == longPayload)
    }

    @Test func ipv6FragmentHeaderInsideAReassembledPayloadIsMalformed() {
        let fragmentable: [UInt8] = Build.ipv6Fragment(offset: 0, more: false, identification: 1) + longSegment
        let frames = ipv6Fragments(of: fragmentable, nextHeader: 60, cuts: [64])
        var decoder = PacketDecoder(linkType: .ethernet)
        var bad = frames[0]
        // Make the fragmentable part start with a Fragment header by naming it in the Fragment header.
        bad[14 + 40] = 44
        #expect(decoder.run(frames[1]).outcome == .fragmentHeld)
        #expect(decoder.run(bad).outcome == .notTCP)            // 44 is not a header that can lead to TCP
        #expect(decoder.stats.ipFragments == 2)
    }

    @Test func ipv6UDPFragmentsAreNotHeld() {
        let frames = ipv6Fragments(of: [UInt8](repeating: 0, count: 64), nextHeader: 17, cuts: [32])
        var decoder = PacketDecoder(linkType: .ethernet)
        #expect(decoder.run(frames[0]).outcome == .notTCP)
        #expect(decoder.run(frames[1]).outcome == .notTCP)
        #expect(decoder.stats.ipFragments == 2)
    }

    @Test func ipv4AndIPv6WithTheSameIdentificationDoNotMix() {
        let v4 = ipv4Fragments(of: longSegment, cuts: [64], identification: 5)
        let v6 = ipv6Fragments(of: longSegment, cuts: [64], identification: 5)
        var decoder = PacketDecoder(linkType: .ethernet)
        #expect(decoder.run(v4[0]).outcome == .fragmentHeld)
        #expect(decoder.run(v6[1]).outcome == .fragmentHeld)
        #expect(decoder.run(v4[1]).outcome == .tcp)
        #expect(decoder.run(v6[0]).outcome == .tcp)
    }
}
