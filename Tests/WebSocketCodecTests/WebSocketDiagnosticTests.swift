import Testing
import WebSocketCodec
import WireCore

/// Each frame diagnostic: a frame sequence that triggers it once, and a clean twin.
@Suite struct WebSocketDiagnosticTests {
    struct Case: Sendable, CustomStringConvertible {
        var rule: String
        var direction: Direction
        var bad: [UInt8]
        var clean: [UInt8]
        var description: String { rule }
    }

    static let cases: [Case] = [
        Case(rule: "WS-RFC6455-5.1-CLIENT-UNMASKED", direction: .clientToServer,
             bad: [0x81, 0x01, 0x41], clean: [0x81, 0x81, 0, 0, 0, 0, 0x41]),
        Case(rule: "WS-RFC6455-5.1-SERVER-MASKED", direction: .serverToClient,
             bad: [0x81, 0x81, 1, 2, 3, 4, 0x40], clean: [0x81, 0x01, 0x41]),
        Case(rule: "WS-RFC6455-5.5-CONTROL-TOO-LONG", direction: .serverToClient,
             bad: [0x89, 0x7E, 0x00, 0x7E] + [UInt8](repeating: 0, count: 126),
             clean: [0x89, 0x7D] + [UInt8](repeating: 0, count: 125)),
        Case(rule: "WS-RFC6455-5.5-CONTROL-FRAGMENTED", direction: .serverToClient,
             bad: [0x09, 0x00], clean: [0x89, 0x00]),
        Case(rule: "WS-RFC6455-5.2-RESERVED-OPCODE", direction: .serverToClient,
             bad: [0x83, 0x00], clean: [0x82, 0x00]),
        Case(rule: "WS-RFC6455-5.2-RSV-BITS", direction: .serverToClient,
             bad: [0xC2, 0x00], clean: [0x82, 0x00]),
        Case(rule: "WS-RFC6455-5.2-NONMINIMAL-LENGTH", direction: .serverToClient,
             bad: [0x82, 0x7E, 0x00, 0x01, 0x41], clean: [0x82, 0x01, 0x41]),
        Case(rule: "WS-RFC6455-5.2-LENGTH-HIGH-BIT", direction: .serverToClient,
             bad: [0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0], clean: [0x82, 0x00]),
        Case(rule: "WS-RFC6455-5.4-UNFINISHED-MESSAGE", direction: .serverToClient,
             bad: [0x01, 0x01, 0x41, 0x82, 0x01, 0x42], clean: [0x01, 0x01, 0x41, 0x89, 0x00, 0x80, 0x01, 0x42]),
        Case(rule: "WS-RFC6455-5.4-ORPHAN-CONTINUATION", direction: .serverToClient,
             bad: [0x80, 0x01, 0x41], clean: [0x01, 0x01, 0x41, 0x80, 0x01, 0x41]),
        Case(rule: "WS-RFC6455-7.4-BAD-CLOSE-CODE", direction: .serverToClient,
             bad: [0x88, 0x02, 0x03, 0xED], clean: [0x88, 0x02, 0x03, 0xE8]),  // 1005 vs 1000
        Case(rule: "WS-RFC6455-5.5.1-CLOSE-PAYLOAD", direction: .serverToClient,
             bad: [0x88, 0x01, 0x03], clean: [0x88, 0x00]),
        Case(rule: "WS-RFC6455-5.5.1-DATA-AFTER-CLOSE", direction: .serverToClient,
             bad: [0x88, 0x00, 0x82, 0x00], clean: [0x82, 0x00, 0x88, 0x00]),
        Case(rule: "WS-RFC6455-8.1-TEXT-UTF8", direction: .serverToClient,
             bad: [0x81, 0x01, 0xFF], clean: [0x81, 0x02, 0xC3, 0xA9]),
    ]

    /// Rules triggered by the handshake and stream tests instead of a frame case (test named).
    static let coveredElsewhere: [String: String] = [
        "WS-RFC6455-4.2.2-BAD-ACCEPT": "badAccept",
        "WS-RFC6455-4.2.2-PROTOCOL-NOT-OFFERED": "protocolNotOffered",
        "WS-HANDSHAKE-INVALID": "invalidRequests",
        "WS-FRAME-TOO-LARGE": "WebSocketFrameTests.oversizeFrameSkipped",
        "WS-GAP": "WebSocketFrameTests.gapResynchronises",
    ]

    @Test func everyRuleHasATriggerAndACleanCase() {
        let covered = Set(Self.cases.map(\.rule)).union(Self.coveredElsewhere.keys)
        for r in WebSocketRule.allCases { #expect(covered.contains(r.rawValue), "\(r.rawValue) has no fixture") }
    }

    @Test(arguments: cases)
    func triggersAndClean(_ c: Case) {
        let bad = runStream([c.bad], direction: c.direction)
        #expect(bad.rules.filter { $0 == c.rule }.count == 1, "\(c.rule): \(bad.rules)")
        // A length with the top bit set cannot be buffered: the frame is also skipped as too large.
        #expect(bad.rules.allSatisfy { $0 == c.rule || $0 == "WS-FRAME-TOO-LARGE" }, "\(c.rule): \(bad.rules)")
        let clean = runStream([c.clean], direction: c.direction)
        #expect(clean.rules.isEmpty, "\(c.rule) clean: \(clean.rules)")
        #expect(clean.frames.count >= 1)
    }

    @Test func closeCodes() {
        for code: UInt16 in [1000, 1001, 1003, 1007, 1011, 3000, 4999] { #expect(WebSocketFrameDecoder.isValidCloseCode(code)) }
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000] { #expect(!WebSocketFrameDecoder.isValidCloseCode(code)) }
    }
}

@Suite struct WebSocketHandshakeTests {
    static let request = """
        GET /mqtt HTTP/1.1\r
        Host: server.example.com\r
        Upgrade: websocket\r
        Connection: Upgrade\r
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
        Sec-WebSocket-Protocol: mqtt, mqttv3.1\r
        Sec-WebSocket-Version: 13\r
        \r

        """

    static func response(accept: String = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", proto: String = "mqtt", status: String = "101 Switching Protocols") -> String {
        "HTTP/1.1 \(status)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\nSec-WebSocket-Protocol: \(proto)\r\n\r\n"
    }

    @Test func acceptKeyAndSHA1() {
        // RFC 6455 §1.3 example.
        #expect(WebSocketHandshake.expectedAccept(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    func connection(_ request: String, _ response: String, then frames: [UInt8] = []) -> Recorded {
        var conn = WebSocketConnection()
        var r = Recorded()
        let req = Array(request.utf8) + [0x82, 0x80, 0, 0, 0, 0]  // an empty masked binary frame follows
        conn.append(req.span, direction: .clientToServer, at: 0, frame: 1) { e, b in r.record(e, b, .clientToServer) }
        let resp = Array(response.utf8) + frames
        conn.append(resp.span, direction: .serverToClient, at: 0, frame: 2) { e, b in r.record(e, b, .serverToClient) }
        return r
    }

    @Test func clientFramesBeyondTheHoldLimitAreStillDecoded() {
        // No 101 response is captured and the client sends more than the stream holds (64 KiB):
        // it stops holding, assumes the upgrade, and decodes every held frame from the first one.
        var conn = WebSocketConnection()
        var r = Recorded()
        conn.append(Array(Self.request.utf8).span, direction: .clientToServer, at: 0, frame: 1) { e, b in
            r.record(e, b, .clientToServer)
        }
        var offset = UInt64(Self.request.utf8.count)
        let payload = [UInt8](repeating: 0x41, count: 1000)
        for i in 0..<80 {
            // A masked binary frame (mask 0): 0x82, 0xFE (16-bit length), 1000, key, payload.
            let frame: [UInt8] = [0x82, 0xFE, 0x03, 0xE8, 0, 0, 0, 0] + payload
            conn.append(frame.span, direction: .clientToServer, at: offset, frame: FrameNumber(2 + i)) { e, b in
                r.record(e, b, .clientToServer)
            }
            offset += UInt64(frame.count)
        }
        #expect(r.frames.count == 80, "frames decoded: \(r.frames.count)")
        #expect(r.app[.clientToServer]?.count == r.frames.count * 1000)
        #expect(r.app[.clientToServer]?.allSatisfy { $0 == 0x41 } == true)
    }

    @Test func validHandshakeThenFrames() {
        let r = connection(Self.request, Self.response(), then: [0x82, 0x01, 0x20])
        #expect(r.handshakes.count == 2)
        let req = r.handshakes[0].0, resp = r.handshakes[1].0
        #expect(req.method == "GET" && req.key == "dGhlIHNhbXBsZSBub25jZQ==" && req.webSocketVersion == "13")
        #expect(req.offeredProtocols == ["mqtt", "mqttv3.1"])
        #expect(req.upgrades && resp.upgrades)
        #expect(resp.statusCode == 101 && resp.selectedProtocol == "mqtt" && resp.acceptMatches == true)
        #expect(r.handshakes.allSatisfy { $0.1.isEmpty }, "\(r.handshakes.map(\.1))")
        // Frames: the server's (coalesced with the 101) and the client's held one, released by the 101.
        #expect(r.frames.count == 2)
        #expect(r.rules.isEmpty)
        #expect(r.app[.serverToClient] == [0x20])
    }

    @Test func requestFieldTree() {
        var tree = FieldTree()
        var diags: [Diagnostic] = []
        let bytes = Array(Self.request.utf8)
        _ = WebSocketHandshake.decodeRequest(bytes.span, into: &tree, diagnostics: &diags)
        let abbrevs = tree.abbrevs
        #expect(abbrevs.prefix(5) == ["websocket.http", "websocket.http.request_line", "websocket.http.method",
                                       "websocket.http.uri", "websocket.http.version"])
        #expect(abbrevs.contains("websocket.http.sec_websocket_key"))
        let key = tree.first(WebSocketField.httpKey.id)
        #expect(key.map { String(decoding: bytes[$0.range.range], as: UTF8.self) } == "dGhlIHNhbXBsZSBub25jZQ==")
        #expect(tree.first(WebSocketField.httpMethod.id)?.range == ByteRange(0, 3))
    }

    @Test func badAccept() {
        let r = connection(Self.request, Self.response(accept: "AAAAAAAAAAAAAAAAAAAAAAAAAAA="))
        #expect(r.handshakes[1].1.map(\.rule.rawValue) == ["WS-RFC6455-4.2.2-BAD-ACCEPT"])
        #expect(r.handshakes[1].0.acceptMatches == false)
    }

    @Test func protocolNotOffered() {
        let r = connection(Self.request, Self.response(proto: "stomp"))
        #expect(r.handshakes[1].1.map(\.rule.rawValue) == ["WS-RFC6455-4.2.2-PROTOCOL-NOT-OFFERED"])
    }

    @Test func refusedHandshakeKeepsHTTP() {
        let r = connection(Self.request, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        #expect(r.handshakes[1].0.statusCode == 403 && !r.handshakes[1].0.upgrades)
        #expect(r.handshakes[1].1.map(\.rule.rawValue) == ["WS-HANDSHAKE-INVALID"])
        #expect(r.frames.isEmpty)  // the client's held bytes are read as HTTP, not frames
    }

    @Test(arguments: [
        ("POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", true),
        ("garbage\n\n", false),
    ])
    func invalidRequests(_ text: String, _ upgrades: Bool) {
        var tree = FieldTree()
        var diags: [Diagnostic] = []
        let s = WebSocketHandshake.decodeRequest(Array(text.utf8).span, into: &tree, diagnostics: &diags)
        #expect(s.upgrades == upgrades)
        #expect(!diags.isEmpty && diags.allSatisfy { $0.rule == "WS-HANDSHAKE-INVALID" })
    }
}
