import WireCore
import MQTTCodec

/// What a connection carries.
public enum AppProtocol: String, Sendable, CaseIterable {
    case mqtt
    case stomp
    /// An HTTP Upgrade to WebSocket; the protocol inside is in `ConnectionSummary.inner`.
    case webSocket = "websocket"
    case tls
    case unknown
}

/// Why a connection's protocol was chosen.
public enum DetectionBasis: String, Sendable {
    /// The client's first bytes: an MQTT CONNECT, a STOMP CONNECT/STOMP frame, or a TLS handshake.
    case content
    /// The server port (the stream's start was not seen, or its content was not conclusive).
    case port
    /// Nothing matched.
    case none
}

/// Ports and content rules for protocol detection.
public struct PortMap: Sendable {
    public var mqtt: Set<UInt16> = [1883]
    public var stomp: Set<UInt16> = [61613]
    /// WebSocket listeners: 8080/8083 (EMQX, HiveMQ), 9001 (mosquitto), 61614 (ActiveMQ ws),
    /// 61623 (ActiveMQ Apollo ws). Hints only: content (an HTTP Upgrade) decides on any port.
    public var webSocket: Set<UInt16> = [8080, 8083, 9001, 61614, 61623]
    public var tls: Set<UInt16> = [8883, 443, 8884, 61617]
    public init() {}

    /// Every port that marks the server side of a connection picked up mid-stream.
    public var serverPorts: Set<UInt16> { mqtt.union(stomp).union(webSocket).union(tls) }

    public func byPort(_ port: UInt16) -> AppProtocol? {
        if mqtt.contains(port) { return .mqtt }
        if stomp.contains(port) { return .stomp }
        if webSocket.contains(port) { return .webSocket }
        if tls.contains(port) { return .tls }
        return nil
    }
}

/// Looks at the first bytes of a client stream.
public enum ContentSniffer {
    /// nil: need more bytes; else the protocol the prefix shows, or `.unknown`.
    public static func sniff(_ b: Span<UInt8>) -> AppProtocol? {
        if b.count == 0 { return nil }
        switch b[0] {
        case 0x10:
            return sniffMQTTConnect(b)
        case 0x16:
            // TLS record: handshake (22), version 3.x.
            if b.count < 3 { return nil }
            return b[1] == 0x03 && b[2] <= 0x04 ? .tls : .unknown
        case UInt8(ascii: "C"), UInt8(ascii: "S"), 0x0A, 0x0D:
            return sniffSTOMP(b)
        case UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return sniffWebSocketUpgrade(b)
        default:
            return .unknown
        }
    }

    /// An MQTT CONNECT (the codec's `MQTTConnectSniffer`: a valid Remaining Length, the protocol
    /// name and a known protocol level).
    static func sniffMQTTConnect(_ b: Span<UInt8>) -> AppProtocol? {
        MQTTConnectSniffer.looksLikeConnect(b).map { $0 ? .mqtt : .unknown }
    }

    /// The longest request head read while looking for `Upgrade: websocket`.
    public static let maxUpgradeHead = 4096

    /// An HTTP request whose head (up to the empty line) has an `Upgrade` header naming
    /// `websocket` (RFC 6455 §4.1; header names and the token are case-insensitive). Any method
    /// (1-10 capital letters, then a space) is accepted here: a `POST` upgrade is still a
    /// WebSocket attempt, and the handshake decoder reports that the method must be GET (§4.1).
    static func sniffWebSocketUpgrade(_ b: Span<UInt8>) -> AppProtocol? {
        var k = 0
        while true {
            if k >= b.count { return nil }
            let c = b[k]
            if c == 0x20, k > 0 { break }
            if c < UInt8(ascii: "A") || c > UInt8(ascii: "Z") || k == 10 { return .unknown }
            k += 1
        }
        // Find the end of the head; each line start is checked for "upgrade:".
        var sawUpgrade = false
        var i = 0
        while i < b.count {
            if b[i] == 0x0A {
                let next = i + 1
                if next < b.count && (b[next] == 0x0A || (b[next] == 0x0D && next + 1 < b.count && b[next + 1] == 0x0A)) {
                    return sawUpgrade ? .webSocket : .unknown
                }
                if next < b.count, matchesUpgradeWebSocket(b, from: next) { sawUpgrade = true }
            }
            i += 1
        }
        return b.count >= maxUpgradeHead ? (sawUpgrade ? .webSocket : .unknown) : nil
    }

    /// Whether the line at `from` is `Upgrade:` with a value containing `websocket` (any case).
    static func matchesUpgradeWebSocket(_ b: Span<UInt8>, from: Int) -> Bool {
        let name: [UInt8] = Array("upgrade:".utf8)
        var i = from
        for c in name {
            guard i < b.count, b[i] | 0x20 == c | (c == UInt8(ascii: ":") ? 0 : 0x20) else { return false }
            i += 1
        }
        let token: [UInt8] = Array("websocket".utf8)
        var matched = 0
        while i < b.count && b[i] != 0x0A {
            if b[i] | 0x20 == token[matched] {
                matched += 1
                if matched == token.count { return true }
            } else {
                matched = b[i] | 0x20 == token[0] ? 1 : 0
            }
            i += 1
        }
        return false
    }

    /// A STOMP client frame: optional heart-beat EOLs, then "CONNECT" or "STOMP" and an EOL.
    static func sniffSTOMP(_ b: Span<UInt8>) -> AppProtocol? {
        var i = 0
        while i < b.count && (b[i] == 0x0A || b[i] == 0x0D) { i += 1 }
        if i >= b.count { return nil }
        for word in ["CONNECT", "STOMP"] {
            let w = Array(word.utf8)
            var k = 0
            while k < w.count && i + k < b.count && b[i + k] == w[k] { k += 1 }
            if k == w.count {
                if i + k >= b.count { return nil }
                let c = b[i + k]
                return c == 0x0A || c == 0x0D ? .stomp : .unknown
            }
            if i + k >= b.count && k > 0 { return nil }
        }
        return .unknown
    }

    /// A segment of a connection picked up mid-stream (no SYN) on a port of no known protocol:
    /// MQTT when the bytes are a whole number of MQTT packets (at most 16) with valid fixed
    /// headers — a type the direction may send, its reserved flags as MQTT 3.1.1/5.0 §2.1.3 fix
    /// them, QoS not 3, a minimal Remaining Length — and at least one of them is a PUBLISH whose
    /// topic is non-empty UTF-8 without wildcards or U+0000 (§4.7.3), or there are at least two
    /// packets, or the segment is exactly a PINGREQ or PINGRESP (`c0 00`, `d0 00`: what an idle
    /// long-lived connection, the usual one to be picked up mid-stream, sends). Random bytes rarely
    /// pass all of that.
    public static func looksLikeMidStreamMQTT(_ b: Span<UInt8>) -> Bool {
        var i = 0
        var packets = 0
        var strong = false
        while i < b.count {
            if packets == 16 { return false }
            let first = b[i]
            let type = first >> 4
            let flags = first & 0x0F
            switch type {
            case 0: return false
            case 3: if flags & 0x06 == 0x06 { return false }
            case 6, 8, 10: if flags != 0x02 { return false }
            default: if flags != 0 { return false }
            }
            // Remaining Length: 1-4 bytes, minimal (no trailing 0x80 continuation of zero).
            var length = 0
            var shift = 0
            var j = i + 1
            while true {
                guard j < b.count, shift <= 21 else { return false }
                let byte = b[j]
                length |= Int(byte & 0x7F) << shift
                j += 1
                if byte & 0x80 == 0 {
                    if byte == 0 && shift > 0 { return false }
                    break
                }
                shift += 7
            }
            let end = j + length
            guard end <= b.count else { return false }
            if type == 3 && length >= 3 {
                let topicLength = Int(b[j]) << 8 | Int(b[j + 1])
                let idBytes = flags & 0x06 != 0 ? 2 : 0
                if topicLength > 0 && j + 2 + topicLength + idBytes <= end {
                    let topic = b.extracting(j + 2 ..< j + 2 + topicLength)
                    var wildcard = false
                    for k in 0..<topic.count where topic[k] == UInt8(ascii: "+") || topic[k] == UInt8(ascii: "#") {
                        wildcard = true
                    }
                    if !wildcard, UTF8Validation.check(topic) == .valid { strong = true }
                }
            }
            packets += 1
            i = end
        }
        let ping = b.count == 2 && (b[0] == 0xC0 || b[0] == 0xD0) && b[1] == 0
        return packets >= 2 || strong || ping
    }
}
