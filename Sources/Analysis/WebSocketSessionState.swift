import WireCore
import WebSocketCodec

/// What the analysis keeps per WebSocket connection: the codec (both directions) and the
/// protocol found inside, whose decoder state lives beside it in the connection's slot.
struct WebSocketSessionState {
    var connection: WebSocketConnection
    /// `.mqtt` or `.stomp` once chosen (subprotocol, else content); `.unknown` if neither.
    var inner: AppProtocol?
    /// The subprotocols the client's upgrade request offered.
    var offered: [String] = []
    /// Added to application offsets after lost application bytes (each loss moves the inner
    /// decoder's offsets one byte on, so it sees a gap).
    var clientShift: UInt64 = 0
    var serverShift: UInt64 = 0

    init(expectHandshake: Bool, maxFrameSize: Int) {
        connection = WebSocketConnection(expectHandshake: expectHandshake, maxFrameSize: maxFrameSize)
    }

    subscript(shift d: Direction) -> UInt64 {
        get { d == .clientToServer ? clientShift : serverShift }
        set { if d == .clientToServer { clientShift = newValue } else { serverShift = newValue } }
    }

    /// MQTT 5 §6.0 names the subprotocol `mqtt` (3.1 clients used `mqttv3.1`); STOMP over
    /// WebSocket uses `v10.stomp`, `v11.stomp`, `v12.stomp` (and plain `stomp`).
    static func inner(bySubprotocol p: String) -> AppProtocol? {
        let l = p.lowercased()
        if l == "mqtt" || l == "mqttv3.1" { return .mqtt }
        if l == "stomp" || (l.hasPrefix("v1") && l.hasSuffix(".stomp")) { return .stomp }
        return nil
    }

    /// Without a selected subprotocol: what the offer names unambiguously, else the first
    /// application bytes (a client CONNECT; a server CONNACK or CONNECTED).
    static func inner(offered: [String], direction: Direction, firstBytes b: Span<UInt8>) -> AppProtocol {
        let named = Set(offered.compactMap { inner(bySubprotocol: $0) })
        if named.count == 1, let only = named.first { return only }
        if direction == .clientToServer {
            switch ContentSniffer.sniff(b) {
            case .mqtt?: return .mqtt
            case .stomp?: return .stomp
            default: return .unknown
            }
        }
        if b.count >= 2 && b[0] == 0x20 { return .mqtt }
        let connected: [UInt8] = Array("CONNECTED".utf8)
        if b.count >= connected.count {
            var same = true
            for k in 0..<connected.count where b[k] != connected[k] { same = false; break }
            if same { return .stomp }
        }
        return .unknown
    }
}

/// A codec that never runs: swapped into a connection's slot while its real one is in use.
let idleWebSocket = WebSocketConnection(expectHandshake: false, maxFrameSize: 14)
