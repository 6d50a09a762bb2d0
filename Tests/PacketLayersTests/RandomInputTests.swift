import PacketLayers
import Testing
import WireCore
import TestSupport

/// Property-style robustness: random and mutated frames for every link type never trap, every
/// payload handed out lies within the frame (or comes from a completed reassembly), and the
/// counters account for every frame.
@Suite struct RandomInputTests {
    static let seeds: [UInt64] = [1, 0xC0FFEE, 0x5EED_2026]

    /// Valid frames to mutate: the link table plus fragments of both IP versions.
    static let templates: [LinkType: [[UInt8]]] = {
        var t: [LinkType: [[UInt8]]] = [:]
        for c in linkCases { t[c.linkType, default: []].append(c.frame) }
        t[.ethernet, default: []] += ipv4Fragments(of: longSegment, cuts: [40, 80])
        t[.ethernet, default: []] += ipv6Fragments(of: longSegment, cuts: [40, 80])
        t[.ipv6, default: []].append(IPv6Tests.hopByHopAndDestinationOptions)
        t[.ipv6, default: []].append(IPv6Tests.routingAndAH)
        return t
    }()

    @Test(arguments: LinkType.allCases)
    func randomAndMutatedFrames(_ linkType: LinkType) {
        for seed in Self.seeds {
            var rng = SeededRNG(seed: seed &+ UInt64(LinkType.allCases.firstIndex(of: linkType)!))
            var decoder = PacketDecoder(linkType: linkType, maxFragmentedDatagrams: 4)
            var held = 0
            let templates = Self.templates[linkType] ?? []
            for _ in 0..<1500 {
                let frame = Self.randomFrame(templates: templates, using: &rng)
                let wire = Bool.random(using: &rng) ? frame.count : frame.count + Int.random(in: 0...2000, using: &rng)
                let reassembledBefore = decoder.stats.datagramsReassembled
                let d = decoder.run(frame, wireLength: wire)
                if d.outcome == .tcp {
                    let fromReassembly = decoder.stats.datagramsReassembled > reassembledBefore
                    #expect(fromReassembly || d.payloadWithinFrame, "payload outside the frame: \(frame)")
                    #expect(fromReassembly || d.payload.count <= frame.count)
                    #expect(d.payload.count <= PacketDecoder.maxDatagramBytes)
                    #expect((d.segment?.missingPayload ?? -1) >= 0)
                }
                if d.outcome == .fragmentHeld { held += 1 }
            }
            let s = decoder.stats
            #expect(s.frames == 1500)
            #expect(s.frames == s.tcpSegments + s.notTCP + s.malformed + held)
            #expect(s.notIP <= s.notTCP)
            decoder.finish()
        }
    }

    /// Half pure noise, half a template with a few bytes changed and possibly cut or extended.
    static func randomFrame(templates: [[UInt8]], using rng: inout SeededRNG) -> [UInt8] {
        if templates.isEmpty || Int.random(in: 0..<4, using: &rng) == 0 {
            let count = Int.random(in: 0...160, using: &rng)
            return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        var frame = templates[Int.random(in: 0..<templates.count, using: &rng)]
        for _ in 0..<Int.random(in: 1...4, using: &rng) where !frame.isEmpty {
            let i = Int.random(in: 0..<frame.count, using: &rng)
            // Bias towards interesting values: lengths and flags at their extremes.
            frame[i] = [0, 0xFF, 0x80, 0x0F, 0x40, 0x60, UInt8.random(in: 0...255, using: &rng)][Int.random(in: 0..<7, using: &rng)]
        }
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: frame = Array(frame.prefix(Int.random(in: 0...frame.count, using: &rng)))
        case 1: frame += (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        default: break
        }
        return frame
    }
}
