import Testing
import WebSocketCodec
import WireCore
import TestSupport

@Suite struct WebSocketFrameTests {
    @Test func serverFramesFixture() throws {
        let bytes = try Fixture.hex("websocket/rfc6455-server-frames.hex")
        let r = runStream([bytes], direction: .serverToClient)
        #expect(r.frames.map(\.0.opcode) == [.text, .text, .continuation, .ping, .binary, .binary, .close])
        #expect(r.frames.map(\.0.fin) == [true, false, true, true, true, true, true])
        #expect(r.frames.map(\.0.payloadLength) == [5, 3, 2, 5, 126, 3, 0x05])
        #expect(r.frames.allSatisfy { !$0.0.masked })
        #expect(r.frames[2].0.messageOpcode == .text)
        // 16-bit length: header 4 bytes, field tree has the extended length.
        let f16 = r.frames[4]
        #expect(f16.0.headerLength == 4)
        #expect(f16.1.first(WebSocketField.extendedPayloadLength.id)?.range == ByteRange(2, 4))
        #expect(f16.1.first(WebSocketField.extendedPayloadLength.id)?.value == .uint(126))
        #expect(f16.2.isEmpty)
        // 64-bit length for 3 bytes: non-minimal.
        #expect(r.frames[5].2.map(\.rule.rawValue) == ["WS-RFC6455-5.2-NONMINIMAL-LENGTH"])
        #expect(r.frames[5].2.first?.range == ByteRange(2, 10))
        // Close 1000 "bye".
        let close = r.frames[6]
        #expect(close.0.closeCode == 1000)
        #expect(close.0.closeReason == ByteRange(4, 7))
        #expect(close.1.first(WebSocketField.closeReason.id)?.value == .text(ByteRange(4, 7), valid: true))
        #expect(close.2.isEmpty)
        // Application bytes: text "Hello", "Hel"+"lo", binary 0..125 and "abc" (not ping/close).
        let expected = Array("HelloHello".utf8) + (0..<126).map { UInt8($0) } + Array("abc".utf8)
        #expect(r.app[.serverToClient] == expected)
        #expect(r.chunks.map(\.messageOpcode) == [.text, .text, .text, .binary, .binary])
        #expect(r.chunks.map(\.appOffset) == [0, 5, 8, 10, 136])
        #expect(r.chunks[0].payloadStream == StreamRange(2, 7))
        #expect(r.chunks[0].frameStream == StreamRange(0, 7))
        #expect(r.rules == ["WS-RFC6455-5.2-NONMINIMAL-LENGTH"])
    }

    @Test func clientFramesFixture() throws {
        let bytes = try Fixture.hex("websocket/rfc6455-client-frames.hex")
        let r = runStream([bytes], direction: .clientToServer)
        #expect(r.frames.map(\.0.opcode) == [.text, .binary, .ping, .continuation, .pong, .close])
        #expect(r.frames.allSatisfy { $0.0.masked })
        #expect(r.frames[0].0.maskingKey == 0x37FA_213D)
        #expect(r.rules.isEmpty, "\(r.rules)")
        // Masked "Hello" unmasked; the fragmented binary message reassembled around the ping.
        #expect(r.app[.clientToServer] == Array("Hello".utf8) + [1, 2, 3, 4, 4])
        #expect(r.frames[3].0.messageOpcode == .binary)
        let close = r.frames[5]
        #expect(close.0.closeCode == 1001)
        // A masked reason is shown unmasked through a note.
        if case .note(let i)? = close.1.first(WebSocketField.closeReason.id)?.value {
            #expect(close.1.notes[i] == "going")
        } else {
            Issue.record("close reason should be a note")
        }
        // Field tree of the first frame.
        #expect(r.frames[0].1.abbrevs == [
            "websocket.frame", "websocket.fin", "websocket.rsv", "websocket.opcode", "websocket.mask",
            "websocket.payload_length", "websocket.masking_key", "websocket.payload",
        ])
        let n = r.frames[0].1.nodes
        #expect(n[3].value == .uint(1) && n[3].bitMask == 0x0F && n[3].range == ByteRange(0, 1))
        #expect(n[5].value == .uint(5) && n[5].range == ByteRange(1, 2))
        #expect(n[6].range == ByteRange(2, 6))
        #expect(n[7].range == ByteRange(6, 11))
    }

    @Test func sixtyFourBitLength() {
        var frame: [UInt8] = [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]
        frame += [UInt8](repeating: 0xAB, count: 65536)
        let r = runStream([frame], direction: .serverToClient)
        #expect(r.frames.count == 1)
        #expect(r.frames[0].0.payloadLength == 65536 && r.frames[0].0.headerLength == 10)
        #expect(r.frames[0].2.isEmpty)
        #expect(r.app[.serverToClient]?.count == 65536)
    }

    /// Whole, byte by byte and random splits give the same frames and application bytes.
    @Test func dripFeed() throws {
        for (file, dir) in [("websocket/rfc6455-server-frames.hex", Direction.serverToClient),
                            ("websocket/rfc6455-client-frames.hex", .clientToServer)] {
            let bytes = try Fixture.hex(file)
            let whole = runStream([bytes], direction: dir)
            let drip = runStream(bytes.map { [$0] }, direction: dir)
            #expect(drip.frames.map(\.0) == whole.frames.map(\.0))
            #expect(drip.frames.map(\.3) == whole.frames.map(\.3))
            #expect(drip.app == whole.app)
            #expect(drip.rules == whole.rules)
            var rng = SeededRNG(seed: 3)
            for _ in 0..<40 {
                var chunks: [[UInt8]] = []
                var i = 0
                while i < bytes.count {
                    let n = Int(rng.next() % 12) + 1
                    chunks.append(Array(bytes[i..<min(i + n, bytes.count)]))
                    i += n
                }
                let split = runStream(chunks, direction: dir)
                #expect(split.frames.map(\.0) == whole.frames.map(\.0))
                #expect(split.app == whole.app)
            }
        }
    }

    @Test func appChunksFollowCaptureFrames() {
        // One frame split over two appends from capture frames 7 and 8.
        let frame: [UInt8] = [0x82, 0x04, 1, 2, 3, 4]
        var stream = WebSocketStream(direction: .serverToClient, expectHandshake: false)
        var chunks: [WebSocketAppChunk] = []
        stream.append(Array(frame[0..<4]).span, at: 100, frame: 7) { e, _ in
            if case .applicationData(let c) = e { chunks.append(c) }
        }
        stream.append(Array(frame[4...]).span, at: 104, frame: 8) { e, _ in
            if case .applicationData(let c) = e { chunks.append(c) }
        }
        #expect(chunks.map(\.frame) == [7, 8])
        #expect(chunks.map(\.payloadStream) == [StreamRange(102, 104), StreamRange(104, 106)])
        #expect(chunks.allSatisfy { $0.frameStream == StreamRange(100, 106) })
    }

    @Test func gapResynchronises() {
        var stream = WebSocketStream(direction: .serverToClient, expectHandshake: false)
        var r = Recorded()
        let a: [UInt8] = [0x82, 0x0A, 1, 2, 3]  // 10-byte frame, cut
        stream.append(a.span, at: 0, frame: 1) { e, b in r.record(e, b, .serverToClient) }
        // 4 bytes lost; then the frame's last 3 bytes and two good frames.
        let b: [UInt8] = [8, 9, 10, 0x82, 0x02, 0xAA, 0xBB, 0x81, 0x01, 0x41]
        stream.append(b.span, at: 9, frame: 3) { e, b in r.record(e, b, .serverToClient) }
        #expect(r.problems.first?.rule == "WS-GAP")
        #expect(r.appGaps == 1)
        #expect(r.frames.map(\.0.opcode) == [.binary, .text])
        #expect(r.app[.serverToClient] == [0xAA, 0xBB, 0x41])
        #expect(stream.state == .frames)
    }

    @Test func gapGivesUpWithoutPlausibleHeader() {
        var stream = WebSocketStream(direction: .clientToServer, expectHandshake: false)
        var r = Recorded()
        stream.gap(StreamRange(0, 10)) { e, b in r.record(e, b, .clientToServer) }
        let junk = [UInt8](repeating: 0x7F, count: 70_000)  // RSV bits set everywhere
        stream.append(junk.span, at: 10, frame: 2) { e, b in r.record(e, b, .clientToServer) }
        #expect(stream.state == .gaveUp)
        #expect(r.problems.count == 2)
    }

    @Test func oversizeFrameSkipped() {
        let big: [UInt8] = [0x82, 0x7E, 0x01, 0x00] + [UInt8](repeating: 1, count: 256) + [0x81, 0x01, 0x41]
        for chunks in [[big], big.map { [$0] }] {
            let r = runStream(chunks, direction: .serverToClient, maxFrameSize: 100)
            #expect(r.problems.map(\.rule.rawValue) == ["WS-FRAME-TOO-LARGE"])
            #expect(r.appGaps == 1)
            #expect(r.frames.map(\.0.opcode) == [.text])
        }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SeededRNG(seed: 11)
        for round in 0..<400 {
            let n = Int(rng.next() % 300)
            var bytes = [UInt8]()
            for _ in 0..<n { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            let dir: Direction = round % 2 == 0 ? .clientToServer : .serverToClient
            let r = runStream([bytes], direction: dir, expectHandshake: round % 5 == 0, maxFrameSize: 4096)
            for f in r.frames {
                for node in f.1.nodes { #expect(node.range.lower >= 0 && node.range.upper <= f.3.count) }
                for d in f.2 { if let rr = d.range { #expect(rr.lower >= 0 && rr.upper <= f.3.count) } }
            }
            // Random heads too.
            var tree = FieldTree()
            var diags: [Diagnostic] = []
            _ = WebSocketHandshake.decodeResponse(bytes.span, clientKey: "x", offered: [], into: &tree, diagnostics: &diags)
            for node in tree.nodes { #expect(node.range.upper <= bytes.count) }
        }
    }

    @Test func catalogAndRuleTable() {
        let abbrevs = WebSocketField.allCases.map(\.spec.abbrev)
        #expect(Set(abbrevs).count == abbrevs.count)
        #expect(abbrevs.allSatisfy { $0.hasPrefix("websocket.") })
        #expect(WebSocketField.frame.id.catalog == 3)
        let ids = WebSocketRule.allCases.map(\.rawValue)
        #expect(Set(ids).count == ids.count)
        for r in WebSocketRule.allCases { #expect(!r.title.isEmpty && !r.section.isEmpty) }
    }
}
