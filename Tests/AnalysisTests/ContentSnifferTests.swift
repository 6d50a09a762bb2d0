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
        #expect(WebSocketLayer.inner(bySubprotocol: "mqtt") == .mqtt)
        #expect(WebSocketLayer.inner(bySubprotocol: "MQTT") == .mqtt)
        #expect(WebSocketLayer.inner(bySubprotocol: "mqttv3.1") == .mqtt)
        for p in ["v12.stomp", "v11.stomp", "v10.stomp", "stomp"] {
            #expect(WebSocketLayer.inner(bySubprotocol: p) == .stomp, "\(p)")
        }
        #expect(WebSocketLayer.inner(bySubprotocol: "v1") == nil)
        #expect(WebSocketLayer.inner(bySubprotocol: "chat") == nil)
    }

    @Test func portHints() {
        let ports = PortMap()
        for p: UInt16 in [8080, 8083, 9001, 61614, 61623] { #expect(ports.byPort(p) == .webSocket, "\(p)") }
        #expect(ports.byPort(61613) == .stomp && ports.byPort(1883) == .mqtt && ports.byPort(8883) == .tls)
    }
}

/// Mid-stream MQTT on a port of no known protocol (ContentSniffer.looksLikeMidStreamMQTT).
@Suite struct MidStreamMQTTSnifferTests {
    static func looks(_ b: [UInt8]) -> Bool { b.withUnsafeBufferPointer { ContentSniffer.looksLikeMidStreamMQTT($0.span) } }
    static let publish: [UInt8] = [0x30, 0x07, 0x00, 0x03] + Array("a/b".utf8) + [0x68, 0x69]

    @Test func recognisesMQTT() {
        #expect(Self.looks([0xC0, 0x00]))                         // PINGREQ alone
        #expect(Self.looks([0xD0, 0x00]))                         // PINGRESP alone
        #expect(Self.looks(Self.publish))                         // a PUBLISH with a UTF-8 topic
        #expect(Self.looks([0x40, 0x02, 0x00, 0x01, 0xC0, 0x00])) // PUBACK then PINGREQ
        #expect(Self.looks([0x62, 0x02, 0x00, 0x07, 0x70, 0x02, 0x00, 0x07]))  // PUBREL (flags 2), PUBCOMP
    }

    @Test func rejectsOtherBytes() {
        #expect(!Self.looks([]))
        #expect(!Self.looks([0xC0, 0x00, 0x00]))                  // trailing byte
        #expect(!Self.looks([0x40, 0x02, 0x00, 0x01]))            // one weak packet
        #expect(!Self.looks([0x30, 0x07, 0x00, 0x03] + Array("a/#".utf8) + [0x68, 0x69]))  // wildcard topic
        #expect(!Self.looks([0x36, 0x09, 0x00, 0x03] + Array("a/b".utf8) + [0, 1, 0x68, 0x69]))  // QoS 3
        #expect(!Self.looks([0x60, 0x02, 0x00, 0x07, 0x70, 0x02, 0x00, 0x07]))  // PUBREL with flags 0
        #expect(!Self.looks([0xC0, 0x80, 0x00, 0xC0, 0x00]))      // non-minimal Remaining Length
        #expect(!Self.looks([0x00, 0x00, 0xC0, 0x00]))            // reserved type 0
        #expect(!Self.looks(Array("GET / HTTP/1.1\r\n\r\n".utf8)))
        #expect(!Self.looks([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]))  // TLS record
        // A pseudo-random byte soup: never taken for MQTT.
        var x: UInt32 = 2463534242
        var hits = 0
        for _ in 0..<2000 {
            var b: [UInt8] = []
            for _ in 0..<(Int(x % 60) + 2) {
                x ^= x << 13; x ^= x >> 17; x ^= x << 5
                b.append(UInt8(truncatingIfNeeded: x))
            }
            if Self.looks(b) { hits += 1 }
        }
        #expect(hits <= 2, "\(hits) of 2000 random segments taken for MQTT")
    }
}
