import Testing
import WireCore
@testable import MQTTCodec
import TestSupport

/// One PDU as the framer handed it out, copied.
struct FramedPDU: Equatable, CustomStringConvertible {
    var bytes: [UInt8]
    var range: StreamRange
    var frames: [FrameChunk]
    var truncated: Bool
    var description: String { "\(range) \(frames) \(truncated ? "truncated" : "")" }
}

/// Feeds `stream` to a framer. The stream is cut into capture frames at `frameCuts` (frame
/// numbers 1, 2, …), and each frame is further cut into appends at `appendCuts`.
func frame(_ stream: [UInt8], frameCuts: [Int], appendCuts: Set<Int>, framer: inout MQTTFramer,
           gaps: [StreamRange] = []) -> [FramedPDU] {
    var out = [FramedPDU]()
    let sink: (Span<UInt8>, MQTTPDUInfo) -> Void = { span, info in
        var b = [UInt8]()
        for i in 0..<span.count { b.append(span[i]) }
        out.append(FramedPDU(bytes: b, range: info.streamRange, frames: info.frames, truncated: info.truncated))
    }
    let bounds = ([0] + frameCuts.filter { $0 > 0 && $0 < stream.count } + [stream.count])
    var frameNumber: FrameNumber = 0
    for k in 0..<(bounds.count - 1) {
        frameNumber += 1
        var lo = bounds[k]
        let hi = bounds[k + 1]
        while lo < hi {
            var next = lo + 1
            while next < hi && !appendCuts.contains(next) { next += 1 }
            let skip = gaps.first { $0.lower <= UInt64(lo) && UInt64(lo) < $0.upper }
            if let g = skip {
                framer.gap(g, frame: frameNumber)
                lo = Int(g.upper)
                continue
            }
            let end = Swift.min(next, gaps.map { Int($0.lower) }.filter { $0 > lo }.min() ?? next)
            stream.withUnsafeBufferPointer { buf in
                framer.append(buf.span.extracting(lo..<end), at: UInt64(lo), frame: frameNumber, onPDU: sink)
            }
            lo = end
        }
    }
    framer.finish(onPDU: sink)
    return out
}

@Suite("MQTTFramer")
struct FramerTests {
    /// The clean fixtures, concatenated: a realistic stream of many PDUs.
    static let pdus: [[UInt8]] = Fixture.all().filter { $0.diagnostics.isEmpty }.map(\.bytes)
    static let stream: [UInt8] = pdus.flatMap { $0 }

    static func expected(frameCuts: [Int]) -> [FramedPDU] {
        var out = [FramedPDU]()
        var off = 0
        let cuts = frameCuts.filter { $0 > 0 && $0 < stream.count }
        func frameOf(_ o: Int) -> FrameNumber { FrameNumber(1 + cuts.filter { $0 <= o }.count) }
        for p in pdus {
            var frames = [FrameChunk(offset: UInt64(off), frame: frameOf(off))]
            for c in cuts where c > off && c < off + p.count {
                frames.append(FrameChunk(offset: UInt64(c), frame: frameOf(c)))
            }
            out.append(FramedPDU(bytes: p, range: StreamRange(UInt64(off), UInt64(off + p.count)), frames: frames,
                                 truncated: false))
            off += p.count
        }
        return out
    }

    @Test func wholeStreamInOneAppend() {
        var f = MQTTFramer()
        let got = frame(Self.stream, frameCuts: [], appendCuts: [], framer: &f)
        #expect(got == Self.expected(frameCuts: []))
        #expect(f.findings.isEmpty)
        #expect(got.count == Self.pdus.count && got.count > 40)
    }

    @Test func byteByByte() {
        var f = MQTTFramer()
        let every = Set(0..<Self.stream.count)
        #expect(frame(Self.stream, frameCuts: [], appendCuts: every, framer: &f) == Self.expected(frameCuts: []))
        var g = MQTTFramer()
        let frameCuts = Array(stride(from: 1, to: Self.stream.count, by: 1))
        #expect(frame(Self.stream, frameCuts: frameCuts, appendCuts: [], framer: &g)
                == Self.expected(frameCuts: frameCuts))
        #expect(f.findings.isEmpty && g.findings.isEmpty)
    }

    @Test("random splits", arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomSplits(seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        let n = Self.stream.count
        let frameCuts = Set((0..<(n / 20)).map { _ in Int.random(in: 1..<n, using: &rng) }).sorted()
        let appendCuts = Set((0..<(n / 10)).map { _ in Int.random(in: 1..<n, using: &rng) })
        var f = MQTTFramer()
        let got = frame(Self.stream, frameCuts: frameCuts, appendCuts: appendCuts, framer: &f)
        #expect(got == Self.expected(frameCuts: frameCuts))
        #expect(f.findings.isEmpty)
    }

    @Test func oversizeIsSkippedWithoutBuffering() {
        // PUBLISH declaring 1000 bytes with a 100-byte limit, then a PINGREQ.
        var s: [UInt8] = [0x30, 0xE8, 0x07]
        s += [UInt8](repeating: 0x41, count: 1000)
        s += [0xC0, 0x00]
        for cuts in [Set<Int>(), Set(stride(from: 1, to: s.count, by: 7))] {
            var f = MQTTFramer(maxPDUSize: 100)
            let got = frame(s, frameCuts: [], appendCuts: cuts, framer: &f)
            #expect(got.count == 2)
            #expect(got.first?.truncated == true && got.first?.bytes == [0x30, 0xE8, 0x07])
            #expect(got.first?.range == StreamRange(0, 3))
            #expect(got.last?.bytes == [0xC0, 0x00] && got.last?.range == StreamRange(1003, 1005))
            #expect(f.findings.map(\.rule) == [MQTTRule.pduOversize.id])
            #expect(f.findings.first?.range == StreamRange(0, 1003))
            #expect(f.pending.bytes.capacity < 100)
        }
    }

    @Test func hugeClaimDoesNotAllocate() {
        // 256 MB claimed; only 10 body bytes ever arrive.
        var f = MQTTFramer()
        var got = 0
        let s: [UInt8] = [0x30, 0xFF, 0xFF, 0xFF, 0x7F] + [UInt8](repeating: 1, count: 10)
        s.withUnsafeBufferPointer { buf in
            f.append(buf.span, at: 0, frame: 1) { span, info in
                got += 1
                #expect(info.truncated && span.count == 5 && info.declaredSize == 268_435_460)
            }
        }
        #expect(got == 1)
        #expect(f.pending.bytes.capacity < 1024)
        // A claim under the limit (10 MB) grows only with the bytes that arrive.
        var g = MQTTFramer()
        let t: [UInt8] = [0x30, 0x80, 0xDA, 0xC4, 0x04] + [UInt8](repeating: 2, count: 100)
        t.withUnsafeBufferPointer { buf in
            g.append(buf.span, at: 0, frame: 1) { _, _ in got += 1 }
        }
        #expect(got == 1)
        #expect(g.pending.count == 105 && g.pending.bytes.capacity < 4096)
    }

    @Test func remainingLengthTooLongResynchronises() {
        let pingreq: [UInt8] = [0xC0, 0x00]
        let puback: [UInt8] = [0x40, 0x02, 0x00, 0x07]
        let s: [UInt8] = [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x99, 0x99] + puback + pingreq + puback
        for cuts in [Set<Int>(), Set(1..<s.count)] {
            var f = MQTTFramer()
            let got = frame(s, frameCuts: [], appendCuts: cuts, framer: &f)
            #expect(got.map(\.bytes) == [puback, pingreq, puback], "cuts \(cuts.count)")
            #expect(f.findings.map(\.rule) == [MQTTRule.remainingLengthTooLong.id, MQTTRule.resyncSkipped.id])
            #expect(f.findings.last?.range == StreamRange(0, 8))
        }
    }

    /// Headers-only framing (what `read --count` uses) finds the same packets, ranges, sizes and
    /// findings as full framing, over random splits, gaps, a mid-stream start and a stream that ends
    /// inside a packet; a packet split over appends comes out as its fixed header, one inside an
    /// append whole.
    @Test("headers-only framing matches full framing", arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func headersOnlyMatchesFullFraming(seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        let n = Self.stream.count
        let frameCuts = Set((0..<(n / 30)).map { _ in Int.random(in: 1..<n, using: &rng) }).sorted()
        let appendCuts = Set((0..<(n / 8)).map { _ in Int.random(in: 1..<n, using: &rng) })
        var gaps: [StreamRange] = []
        if seed % 2 == 0 {
            let at = Int.random(in: 10..<n - 40, using: &rng)
            gaps.append(StreamRange(UInt64(at), UInt64(at + Int.random(in: 1..<30, using: &rng))))
        }
        let synchronized = seed % 3 != 0
        var stream = synchronized ? Self.stream : Array(Self.stream.dropFirst(7))
        // Odd seeds end inside the last packet's body (an incomplete packet at the end).
        if seed % 2 == 1 { stream.removeLast(3) }
        var full = MQTTFramer(synchronized: synchronized)
        var headers = MQTTFramer(synchronized: synchronized, headersOnly: true)
        let a = frame(stream, frameCuts: frameCuts, appendCuts: appendCuts, framer: &full, gaps: gaps)
        let b = frame(stream, frameCuts: frameCuts, appendCuts: appendCuts, framer: &headers, gaps: gaps)
        #expect(a.map(\.range) == b.map(\.range))
        #expect(a.map { $0.bytes.first } == b.map { $0.bytes.first })
        #expect(full.findings == headers.findings)
        if seed % 2 == 1 { #expect(full.findings.contains { $0.rule == MQTTRule.incompleteAtEnd.id }) }
        #expect(a.count > 30)
        // Split packets were handed out shorter than whole (their bodies were not copied).
        #expect(zip(a, b).contains { $0.bytes.count > $1.bytes.count })
        #expect(zip(a, b).allSatisfy { $0.bytes.starts(with: $1.bytes) })
    }

    @Test func gapDropsPartialPDUAndResynchronises() {
        let publish: [UInt8] = [0x30, 0x07, 0x00, 0x01, 0x74, 0x68, 0x65, 0x6C, 0x6F]
        let pingresp: [UInt8] = [0xD0, 0x00]
        let s = publish + publish + pingresp + publish
        // Bytes 11..<14 of the second PUBLISH never arrive, and its length is known: skip to its end.
        var f = MQTTFramer()
        let got = frame(s, frameCuts: [], appendCuts: Set(1..<s.count), framer: &f, gaps: [StreamRange(11, 14)])
        #expect(got.map(\.bytes) == [publish, pingresp, publish])
        #expect(f.findings.map(\.rule) == [MQTTRule.pduLostInGap.id])
        #expect(f.findings.first?.range == StreamRange(9, 18))
        // A gap that swallows a header: resynchronise after it.
        var g = MQTTFramer()
        let got2 = frame(s, frameCuts: [], appendCuts: [], framer: &g, gaps: [StreamRange(5, 12)])
        #expect(got2.map(\.bytes) == [pingresp, publish])
        #expect(g.findings.map(\.rule) == [MQTTRule.pduLostInGap.id, MQTTRule.resyncSkipped.id])
        #expect(g.findings.first?.range == StreamRange(0, 12))
        #expect(g.findings.last?.range == StreamRange(12, 18))
    }

    @Test func midStreamStart() {
        let puback: [UInt8] = [0x40, 0x02, 0x00, 0x07]
        // Starts inside a payload ("lo" plus a stray byte), then clean packets.
        let s: [UInt8] = [0x6C, 0x6F, 0x21] + puback + puback
        var f = MQTTFramer(synchronized: false)
        let got = frame(s, frameCuts: [], appendCuts: Set(1..<s.count), framer: &f)
        #expect(got.map(\.bytes) == [puback, puback])
        #expect(f.findings.map(\.rule) == [MQTTRule.resyncSkipped.id])
        #expect(f.findings.first?.range == StreamRange(0, 3))
    }

    /// Thousands of desynchronisations inside one window are handled iteratively.
    @Test func manyDesynchronisationsInOneAppend() {
        let unit: [UInt8] = [0xC0, 0x00, 0x30, 0xFF, 0xFF, 0xFF, 0xFF]
        let s = Array([[UInt8]](repeating: unit, count: 20_000).joined())
        for synchronized in [true, false] {
            var f = MQTTFramer(synchronized: synchronized)
            let got = frame(s, frameCuts: [], appendCuts: [], framer: &f)
            #expect(got.count == 20_000 && got.allSatisfy { $0.bytes == [0xC0, 0x00] })
            let tooLong = f.findings.filter { $0.rule == MQTTRule.remainingLengthTooLong.id }.count
            let skipped = f.findings.filter { $0.rule == MQTTRule.resyncSkipped.id }
            #expect(tooLong == 20_000)
            #expect(skipped.count == 20_000 && skipped.allSatisfy { $0.range.count == 5 })
        }
    }

    @Test func incompleteAtEnd() {
        var f = MQTTFramer()
        let s: [UInt8] = [0xC0, 0x00, 0x30, 0x05, 0x00]
        let got = frame(s, frameCuts: [], appendCuts: [], framer: &f)
        #expect(got.map(\.bytes) == [[0xC0, 0x00]])
        #expect(f.findings.map(\.rule) == [MQTTRule.incompleteAtEnd.id])
        #expect(f.findings.first?.range == StreamRange(2, 5))
    }

    @Test func overlappingAppendIsIgnored() {
        var f = MQTTFramer()
        var count = 0
        let s: [UInt8] = [0xC0, 0x00, 0xD0, 0x00]
        s.withUnsafeBufferPointer { buf in
            f.append(buf.span.extracting(0..<3), at: 0, frame: 1) { _, _ in count += 1 }
            // Retransmission of bytes 0..<4: only byte 3 is new.
            f.append(buf.span, at: 0, frame: 2) { span, info in
                count += 1
                #expect(span.count == 2)
                #expect(info.frames == [FrameChunk(offset: 2, frame: 1), FrameChunk(offset: 3, frame: 2)])
            }
        }
        #expect(count == 2)
    }
}
