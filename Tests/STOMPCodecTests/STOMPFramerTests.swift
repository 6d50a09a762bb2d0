import Testing
import STOMPCodec
import WireCore
import TestSupport

@Suite struct STOMPFramerTests {
    static let stream: [UInt8] = Array(
        "\nCONNECT\naccept-version:1.2\nhost:h\n\n\0\r\n\nSEND\ndestination:/a\ncontent-length:5\n\na\0b\0c\0\n"
            .utf8)
        + Array("SEND\ndestination:/b\n\nplain\0\r\nMESSAGE\nsubscription:1\n\n\0".utf8)

    func frames(_ events: [(STOMPFramerEvent, [UInt8])]) -> [[UInt8]] {
        events.compactMap { e, b in if case .frame = e { return b } else { return nil } }
    }

    @Test func framesAndHeartBeats() {
        let events = frameAll([Self.stream])
        let fs = frames(events)
        #expect(fs.count == 4)
        #expect(fs[1] == Array("SEND\ndestination:/a\ncontent-length:5\n\na\0b\0c\0".utf8))
        let beats = events.compactMap { e, _ -> STOMPHeartBeatEOL? in
            if case .heartBeat(let h) = e { return h } else { return nil }
        }
        #expect(beats.map(\.length) == [1, 2, 1, 1, 2])
        #expect(beats.first?.offset == 0)
        #expect(beats[1].offset == 37)
        if case .frame(let raw) = events[1].0 {
            #expect(raw.stream == StreamRange(1, 37))
            #expect(raw.isComplete)
        } else {
            Issue.record("expected a frame")
        }
    }

    @Test func dripFeedGivesIdenticalEvents() {
        let whole = frameAll([Self.stream])
        let bytewise = frameAll(Self.stream.map { [$0] })
        #expect(bytewise.map(\.0) == whole.map(\.0))
        #expect(bytewise.map(\.1) == whole.map(\.1))
        var rng = SeededRNG(seed: 42)
        for _ in 0..<50 {
            var chunks: [[UInt8]] = []
            var i = 0
            while i < Self.stream.count {
                let n = Int(rng.next() % 9) + 1
                chunks.append(Array(Self.stream[i..<min(i + n, Self.stream.count)]))
                i += n
            }
            let split = frameAll(chunks)
            #expect(split.map(\.0) == whole.map(\.0))
            #expect(split.map(\.1) == whole.map(\.1))
        }
    }

    @Test func contentLengthMismatchFallsBackToNextNUL() {
        let fs = frames(frameAll([Array("SEND\ncontent-length:1\n\nabc\0SEND\n\n\0".utf8)]))
        #expect(fs.count == 2)
        #expect(fs[0] == Array("SEND\ncontent-length:1\n\nabc\0".utf8))
        let d = decode(fs[0])
        #expect(d.rules.contains("STOMP-1.2-CL-EXACT"))
    }

    @Test func oversizeFrameIsReportedAndSkipped() {
        let big = Array("SEND\ndestination:/a\n\n".utf8) + [UInt8](repeating: 0x41, count: 200) + [0]
        let events = frameAll([big + Array("ACK\nid:1\n\n\0".utf8)], maxFrameSize: 64)
        let problems = events.compactMap { e, _ -> StreamFinding? in
            if case .problem(let p) = e { return p } else { return nil }
        }
        #expect(problems.map(\.diagnostic.rule.rawValue) == ["STOMP-1.2-FRAME-TOO-LARGE"])
        #expect(frames(events) == [Array("ACK\nid:1\n\n\0".utf8)])
        // The same when the frame is gathered across appends (skip mode), also with content-length.
        let withCL = Array("SEND\ncontent-length:200\n\n".utf8) + [UInt8](repeating: 0, count: 200) + [0]
        for input in [big, withCL] {
            let drip = frameAll((input + Array("ACK\nid:1\n\n\0".utf8)).map { [$0] }, maxFrameSize: 64)
            let rules = drip.compactMap { e, _ -> String? in
                if case .problem(let p) = e { return p.diagnostic.rule.rawValue } else { return nil }
            }
            #expect(rules == ["STOMP-1.2-FRAME-TOO-LARGE"])
            #expect(frames(drip) == [Array("ACK\nid:1\n\n\0".utf8)])
        }
    }

    @Test func hugeContentLengthIsSkippedWithoutBuffering() {
        let head = Array("SEND\ncontent-length:2000000000\n\n".utf8)
        let events = frameAll([head, [UInt8](repeating: 0x41, count: 1000)], maxFrameSize: 1024, finish: false)
        let rules = events.compactMap { e, _ -> String? in
            if case .problem(let p) = e { return p.diagnostic.rule.rawValue } else { return nil }
        }
        #expect(rules == ["STOMP-1.2-FRAME-TOO-LARGE"])
        #expect(frames(events).isEmpty)
    }

    @Test func gapDropsPartialFrameAndResynchronises() {
        var framer = STOMPFramer(direction: .clientToServer)
        var events: [STOMPFramerEvent] = []
        var got: [[UInt8]] = []
        let sink: (STOMPFramerEvent, Span<UInt8>) -> Void = { e, b in
            events.append(e)
            if case .frame = e {
                var c = [UInt8]()
                for i in 0..<b.count { c.append(b[i]) }
                got.append(c)
            }
        }
        let a = Array("SEND\ndestination:/a\n\nhel".utf8)
        framer.append(a.span, at: 0, frame: 1, onEvent: sink)
        // 10 bytes lost; then the tail of that frame, and a frame starting on a command line.
        let b = Array("o world\0\nSEND\ndestination:/b\n\nx\0".utf8)
        framer.append(b.span, at: UInt64(a.count + 10), frame: 3, onEvent: sink)
        #expect(events.contains { if case .problem(let p) = $0 { p.diagnostic.rule == "STOMP-1.2-GAP" } else { false } })
        #expect(got == [Array("SEND\ndestination:/b\n\nx\0".utf8)])
        if case .frame(let raw)? = events.last {
            #expect(raw.firstFrame == 3)
        }
    }

    @Test func gapResyncOnCommandLineWithoutNUL() {
        var framer = STOMPFramer(direction: .serverToClient)
        var got: [[UInt8]] = []
        framer.gap(StreamRange(0, 5)) { _, _ in }
        let b = Array("garbage\nMESSAGE\ndestination:/x\n\nz\0".utf8)
        framer.append(b.span, at: 5, frame: 2) { e, s in
            if case .frame = e {
                var c = [UInt8]()
                for i in 0..<s.count { c.append(s[i]) }
                got.append(c)
            }
        }
        #expect(got == [Array("MESSAGE\ndestination:/x\n\nz\0".utf8)])
    }

    @Test func finishHandsOutPartialFrame() {
        let events = frameAll([Array("SEND\ndestination:/a\n\nabc".utf8)])
        guard case .frame(let raw)? = events.last?.0 else {
            Issue.record("no partial frame")
            return
        }
        #expect(!raw.isComplete)
        #expect(decode(events.last!.1).rules.contains("STOMP-1.2-FRAME-NUL"))
    }

    @Test func zeroCopyWhenFrameInOneAppend() {
        var framer = STOMPFramer(direction: .clientToServer)
        let bytes = Array("ACK\nid:1\n\n\0".utf8)
        var sameStorage = false
        bytes.withUnsafeBufferPointer { buf in
            framer.append(buf.span, at: 0, frame: 1) { e, s in
                s.withUnsafeBufferPointer { sb in sameStorage = sb.baseAddress == buf.baseAddress }
            }
        }
        #expect(sameStorage)
    }

    @Test func randomBytesNeverTrap() {
        var rng = SeededRNG(seed: 7)
        let alphabet: [UInt8] = Array("SENDMESAGC:\\nrc\n\r\0-lengthcontent0123456789".utf8) + [0xFF, 0xC3]
        for round in 0..<300 {
            let n = Int(rng.next() % 200)
            var bytes = [UInt8]()
            for _ in 0..<n {
                bytes.append(rng.next() % 4 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.next() % UInt64(alphabet.count))])
            }
            if round % 3 == 0 { bytes = Array("SEND\ncontent-length:".utf8) + bytes }
            let events = frameAll([bytes], maxFrameSize: 64)
            for (e, b) in events {
                guard case .frame = e else { continue }
                for v in STOMPVersion.allCases {
                    for dir in Direction.allCases {
                        let d = decode(b, v, dir)
                        for node in d.tree.nodes {
                            #expect(node.range.lower >= 0 && node.range.lower <= node.range.upper && node.range.upper <= b.count)
                        }
                        for diag in d.diagnostics {
                            if let r = diag.range { #expect(r.lower >= 0 && r.upper <= b.count) }
                        }
                    }
                }
            }
        }
    }
}

