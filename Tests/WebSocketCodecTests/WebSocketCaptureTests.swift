import Testing
import WebSocketCodec
import WireCore

/// Real captures from the external corpus (see Fixtures/websocket/README.md).
@Suite struct WebSocketCaptureTests {
    @Test func zeekWrongAcceptHeader() throws {
        let r = try runCapture("websocket/zeek-wrong-accept-header.tsv")
        #expect(r.handshakes.count == 2)
        #expect(r.handshakes[1].1.map(\.rule.rawValue) == ["WS-RFC6455-4.2.2-BAD-ACCEPT"])
        #expect(r.handshakes[0].0.offeredProtocols == ["v1"] && r.handshakes[1].0.selectedProtocol == "v1")
        #expect(!r.frames.isEmpty)
    }

    @Test func zeekOversizedCloseFrame() throws {
        let r = try runCapture("websocket/zeek-oversized-close-frame.tsv")
        let close = r.frames.filter { $0.0.opcode == .close }
        #expect(!close.isEmpty)
        #expect(close.contains { $0.2.contains { $0.rule == "WS-RFC6455-5.5-CONTROL-TOO-LONG" } })
    }

    @Test func suricataPingBetweenFragments() throws {
        let r = try runCapture("websocket/suricata-control-frag.tsv")
        let ops = r.frames.map(\.0.opcode)
        // A ping sits between the fragments of a message: allowed, and the message reassembles.
        guard let ping = ops.firstIndex(of: .ping) else {
            Issue.record("no ping: \(ops)")
            return
        }
        #expect(ping > 0 && !r.frames[ping - 1].0.fin && r.frames[ping - 1].0.opcode.isData)
        #expect(ping + 1 < ops.count && ops[ping + 1] == .continuation)
        #expect(!r.rules.contains("WS-RFC6455-5.4-UNFINISHED-MESSAGE"))
        #expect(!r.rules.contains("WS-RFC6455-5.5-CONTROL-FRAGMENTED"))
        #expect(r.handshakes.allSatisfy { $0.0.upgrades })
    }

    @Test func zeekTwoBinaryFragments() throws {
        let r = try runCapture("websocket/zeek-two-binary-fragments.tsv")
        let data = r.frames.filter { $0.0.opcode.isData }
        #expect(data.contains { $0.0.opcode == .binary && !$0.0.fin })
        #expect(data.contains { $0.0.opcode == .continuation && $0.0.fin && $0.0.messageOpcode == .binary })
    }

    @Test func zeekReplyCoalescedWithFrame() throws {
        let r = try runCapture("websocket/zeek-reply-ping-coalesced.tsv")
        // The server's first frame shares the segment with the 101 reply.
        let firstServerFrame = r.frames.first { $0.0.stream.lower > 0 && !$0.0.masked }
        #expect(firstServerFrame != nil)
        #expect(r.handshakes.count == 2 && r.handshakes[1].0.upgrades)
    }

    @Test func scapyInvalidHandshakes() throws {
        let r = try runCapture("websocket/scapy-invalid-handshakes.tsv")
        let requests = r.handshakes.filter { $0.0.isRequest }
        let responses = r.handshakes.filter { !$0.0.isRequest }
        #expect(requests.count == 5 && responses.count == 5)
        #expect(requests[0].0.method == "POST" && !requests[0].0.upgrades)
        #expect(requests[2].0.key == nil && !requests[2].0.upgrades)
        // "Upgrade: websockets" is not an upgrade.
        #expect(!responses[0].0.upgrades && !responses[3].0.upgrades)
        // Only the last exchange upgrades, with a bad accept key; then one client frame.
        #expect(responses[4].0.upgrades)
        #expect(responses[4].1.contains { $0.rule == "WS-RFC6455-4.2.2-BAD-ACCEPT" })
        #expect(r.frames.count == 1 && r.frames[0].0.masked)
        #expect(requests.allSatisfy { !$0.1.isEmpty })  // each lacks Sec-WebSocket-Version at least
    }

    /// permessage-deflate negotiated: RSV1 on compressed frames is not a violation, in both directions.
    @Test(arguments: ["websocket/scapy-compressed-session.tsv", "websocket/suricata-compressed.tsv"])
    func compressedSessions(_ path: String) throws {
        let r = try runCapture(path)
        #expect(r.handshakes.count == 2 && r.handshakes.allSatisfy { $0.0.upgrades })
        #expect(r.frames.contains { $0.0.rsv == 0x40 })
        #expect(!r.rules.contains("WS-RFC6455-5.2-RSV-BITS"), "\(r.rules)")
        #expect(!r.rules.contains("WS-RFC6455-8.1-TEXT-UTF8"))
    }
}
