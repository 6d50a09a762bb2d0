import Testing
@testable import Analysis

/// Protocol detection from a client's first bytes: WebSocket upgrades, STOMP and MQTT.
@Suite struct ContentSnifferTests {
    static func sniff(_ s: String) -> AppProtocol? { Array(s.utf8).withUnsafeBufferPointer { ContentSniffer.sniff($0.span) } }

    @Test func webSocketUpgradeOnAnyPort() {
        let head = "GET /mqtt HTTP/1.1\r\nHost: x\r\nupgrade: WebSocket\r\nConnection: Upgrade\r\n\r\n"
        #expect(Self.sniff(head) == .webSocket)
        // Header names and the token are case-insensitive; LF-only lines are accepted.
        #expect(Self.sniff("GET / HTTP/1.1\nUPGRADE: websocket\n\n") == .webSocket)
        // Every prefix of the head is "need more" until the empty line ends it.
        for n in 1..<(head.utf8.count - 1) {
            #expect(Self.sniff(String(head.utf8.prefix(n))!) == nil, "prefix \(n)")
        }
    }

    @Test func otherHTTPIsNotWebSocket() {
        #expect(Self.sniff("GET / HTTP/1.1\r\nHost: x\r\n\r\n") == .unknown)
        #expect(Self.sniff("GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n") == .unknown)
        // Any method with an Upgrade to websocket is a WebSocket attempt (the handshake decoder
        // then reports that the method must be GET); without the Upgrade it is not.
        #expect(Self.sniff("POST / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n") == .webSocket)
        #expect(Self.sniff("POST / HTTP/1.1\r\nHost: a\r\n\r\n") == .unknown)
        #expect(Self.sniff("get / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n") == .unknown)
        #expect(Self.sniff("GEX / HTTP/1.1\r\n\r\n") == .unknown)
        #expect(Self.sniff("GETTINGLONGER / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n") == .unknown)
        #expect(Self.sniff("G") == nil)
    }

    @Test func stompAndMQTTUnchanged() {
        #expect(Self.sniff("CONNECT\naccept-version:1.2\n\n\u{0}") == .stomp)
        #expect(Self.sniff("STOMP\r\n") == .stomp)
        #expect(Self.sniff("message\n") == .unknown)
        let connect: [UInt8] = [0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C]
        #expect(connect.withUnsafeBufferPointer { ContentSniffer.sniff($0.span) } == .mqtt)
    }

    @Test func webSocketSubprotocols() {
        #expect(WebSocketSessionState.inner(bySubprotocol: "mqtt") == .mqtt)
        #expect(WebSocketSessionState.inner(bySubprotocol: "MQTT") == .mqtt)
        #expect(WebSocketSessionState.inner(bySubprotocol: "mqttv3.1") == .mqtt)
        for p in ["v12.stomp", "v11.stomp", "v10.stomp", "stomp"] {
            #expect(WebSocketSessionState.inner(bySubprotocol: p) == .stomp, "\(p)")
        }
        #expect(WebSocketSessionState.inner(bySubprotocol: "v1") == nil)
        #expect(WebSocketSessionState.inner(bySubprotocol: "chat") == nil)
    }

    @Test func portHints() {
        let ports = PortMap()
        for p: UInt16 in [8080, 8083, 9001, 61614, 61623] { #expect(ports.byPort(p) == .webSocket, "\(p)") }
        #expect(ports.byPort(61613) == .stomp && ports.byPort(1883) == .mqtt && ports.byPort(8883) == .tls)
    }
}
