public import WireCore
import TCPReassembly
import WebSocketCodec

/// WebSocket (RFC 6455) on TCP: decodes the opening handshake and the frames of both
/// directions, hands them to the sink, chooses the protocol inside (subprotocol, else content)
/// and feeds the application bytes to the layer it opens above.
public struct WebSocketLayer: StreamLayer {
    var connection: WebSocketConnection
    /// The subprotocols the client's upgrade request offered.
    var offered: [String] = []
    /// Added to application offsets after lost application bytes (each loss moves the layer
    /// above one byte on, so that it sees a gap).
    var clientShift: UInt64 = 0
    var serverShift: UInt64 = 0

    /// Runs for `streams` too: the handshake names the protocol inside. HTTP heads are expected
    /// only when the stream's start was seen.
    public static func open<S: AnalysisSink>(streamStartSeen: Bool, _ c: inout ConnectionContext,
                                      _ env: inout LayerEnvironment<S>) -> WebSocketLayer? {
        c.transport = c.transport == .tls ? .tlsWebSocket : .webSocket
        return WebSocketLayer(connection: WebSocketConnection(expectHandshake: streamStartSeen,
                                                              maxFrameSize: env.options.maxPDUSize,
                                                              notesUnseenStart: true))
    }

    subscript(shift d: Direction) -> UInt64 {
        get { d == .clientToServer ? clientShift : serverShift }
        set { if d == .clientToServer { clientShift = newValue } else { serverShift = newValue } }
    }

    public mutating func receive<S: AnalysisSink>(_ event: LayerEvent, _ bytes: Span<UInt8>, _ d: Direction,
                                          _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>,
                                          up: LayerUp<S>) {
        switch event {
        case .bytes(let offset, let frame):
            var conn = idleWebSocket
            swap(&conn, &connection)
            conn.append(bytes, direction: d, at: offset, frame: frame) { e, b in handle(e, b, d, &c, &env, up) }
            swap(&conn, &connection)
        case .gap(let range, let frame):
            var conn = idleWebSocket
            swap(&conn, &connection)
            conn.gap(range, direction: d, frame: frame) { e, b in handle(e, b, d, &c, &env, up) }
            swap(&conn, &connection)
        case .end:
            let none: [UInt8] = []  // the bytes of an event that carries none
            up(.end, none.span, d, &c, &env)
        case .open:
            break
        }
    }

    private mutating func handle<S: AnalysisSink>(_ event: WebSocketEvent, _ bytes: Span<UInt8>, _ d: Direction,
                                                  _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>,
                                                  _ up: LayerUp<S>) {
        switch event {
        case .handshake(let h, let fields, let diags, let stream, let frame):
            if h.isRequest { offered = h.offeredProtocols }
            // A selected subprotocol decides; without one, the offer or the content decides at the
            // first application bytes.
            if c.inner == nil, let selected = h.selectedProtocol, let p = Self.inner(bySubprotocol: selected) {
                choose(p, d, &c, &env, up)
            }
            guard env.decodePackets else { return }
            var e = WebSocketEventReport(
                connection: c.info, direction: d, kind: .handshake(h), streamRange: stream,
                firstFrame: frame, lastFrame: frame, time: env.time, captureStart: env.captureStart, diagnostics: diags,
                inner: c.inner)
            if let t = c.tls { e.tls = t.subject }
            env.sink.unit(.webSocket(e), bytes: bytes, fields: fields)
        case .frame(let f, let fields, let diags):
            guard env.decodePackets else { return }
            var e = WebSocketEventReport(
                connection: c.info, direction: d, kind: .frame(f), streamRange: f.stream,
                firstFrame: f.firstFrame, lastFrame: f.lastFrame, time: env.time, captureStart: env.captureStart,
                diagnostics: diags, inner: c.inner)
            if let t = c.tls { e.tls = t.subject }
            env.sink.unit(.webSocket(e), bytes: bytes, fields: fields)
        case .applicationData(let chunk):
            if c.inner == nil {
                choose(Self.inner(offered: offered, direction: d, firstBytes: bytes), d, &c, &env, up)
            }
            up(.bytes(offset: chunk.appOffset &+ self[shift: d], frame: chunk.frame), bytes, d, &c, &env)
        case .applicationGap(let appOffset, _):
            // The lost count may be unknown: the layer above sees a one-byte gap and resynchronises.
            let before = appOffset &+ self[shift: d]
            self[shift: d] &+= 1
            let none: [UInt8] = []  // the bytes of an event that carries none
            up(.gap(StreamRange(before, before &+ 1), frame: c.lastFrame), none.span, d, &c, &env)
        case .problem(let f):
            guard env.decodePackets else { return }
            env.sink.streamEvent(StreamEventReport(f, layer: .webSocket, connection: c.info, direction: d, time: env.time))
        }
    }

    /// Opens the layer of `proto` above this one (once). Application bytes start at a message
    /// boundary only when the handshake was seen.
    private func choose<S: AnalysisSink>(_ proto: AppProtocol, _ d: Direction, _ c: inout ConnectionContext,
                                         _ env: inout LayerEnvironment<S>, _ up: LayerUp<S>) {
        guard c.inner == nil else { return }
        c.inner = proto
        let none: [UInt8] = []  // the bytes of an event that carries none
        up(.open(proto, streamStartSeen: c.detection == .content), none.span, d, &c, &env)
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

/// A codec that never runs: swapped into the layer while its real one is in use.
let idleWebSocket = WebSocketConnection(expectHandshake: false, maxFrameSize: 14)
