import Foundation
public import WireCore
import TCPReassembly
import TLSCodec
import DisplayFilters

/// TLS on TCP: frames records, decodes the handshake, decrypts with the key log in `env`, reports
/// handshake units, alerts, undecrypted records and failures to the sink, and feeds the decrypted
/// application bytes to the layer it opens above (WebSocket, MQTT or STOMP), with the frame of the
/// record that carried them. The connection's TLS facts are kept in the context for `streams`/`check`.
public struct TLSLayer: StreamLayer {
    var connection: TLSConnection
    /// When the connection was first seen (certificate validity is judged then).
    var firstTime: Timestamp?
    /// The frame of the first TLS bytes (the ClientHello's, from the stream's start): TLS checks cite it.
    var firstFrame: FrameNumber?
    var ends = 0

    /// Runs for `streams` too: the handshake facts and whether decryption works are its columns.
    public static func open<S: AnalysisSink>(streamStartSeen: Bool, _ c: inout ConnectionContext,
                                      _ env: inout LayerEnvironment<S>) -> TLSLayer? {
        c.transport = .tls
        return TLSLayer(connection: TLSConnection(haveKeyLog: env.haveKeyLog))
    }

    public mutating func receive<S: AnalysisSink>(_ event: LayerEvent, _ bytes: Span<UInt8>, _ d: Direction,
                                          _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>,
                                          up: LayerUp<S>) {
        if firstTime == nil { firstTime = env.time }
        switch event {
        case .bytes(let offset, let frame):
            if firstFrame == nil { firstFrame = frame }
            connection.feed(d, offset: offset, bytes: bytes, frame: frame, keyLog: &env.keyLog)
        case .gap(let range, _):
            connection.gap(d, lower: range.lower, upper: range.upper)
        case .end:
            ends += 1
            if ends == 2 { finish(&c, &env) }
            let none: [UInt8] = []  // the bytes of an event that carries none
            up(.end, none.span, d, &c, &env)
        case .open:
            break
        }
        // Before the events go up: their units carry the connection's TLS facts (`choose` sets `inner`).
        // Rebuilt when the handshake or a failure changed them, else only the record counts move.
        let records = connection.decryptedRecords.client + connection.decryptedRecords.server
        if c.tls == nil || connection.events.contains(where: Self.changesFacts) {
            c.tls = TLSSummary(facts: connection.facts, inner: c.tlsInner, decryptedRecords: records,
                               encryptedRecords: connection.encryptedRecords, failure: connection.failure)
        } else {
            c.tls!.decryptedRecords = records
            c.tls!.encryptedRecords = connection.encryptedRecords
        }
        drain(&c, &env, up)
    }

    /// TLS-layer checks, once the handshake is all seen (at the connection's end).
    private func finish<S: AnalysisSink>(_ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>) {
        guard env.decodePackets else { return }
        let t = firstTime ?? env.time
        let when = Date(timeIntervalSince1970: Double(t.seconds) + Double(t.nanoseconds) / 1e9)
        for diag in TLSChecks.evaluate(connection.facts, serverPort: c.info.server.port, captureTime: when) {
            env.sink.streamEvent(StreamEventReport(
                connection: c.info, direction: .clientToServer, layer: .tcp, rule: diag.rule, severity: diag.severity,
                verdict: diag.verdict, range: StreamRange(0, 0), frames: [firstFrame ?? c.lastFrame], time: t, message: diag.message))
        }
    }

    private mutating func drain<S: AnalysisSink>(_ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>,
                                                 _ up: LayerUp<S>) {
        guard !connection.events.isEmpty else { return }
        // Lent out (swapped, not copied: their buffers are reused) while the events are handed up.
        var events: [TLSEvent] = []
        var plaintext: [UInt8] = []
        swap(&events, &connection.events)
        swap(&plaintext, &connection.plaintext)
        defer {
            swap(&events, &connection.events)
            swap(&plaintext, &connection.plaintext)
            connection.clearEvents()
        }
        let none: [UInt8] = []  // the bytes of an event that carries none
        for e in events {
            switch e {
            case .applicationData(let d, let range, let offset, let record):
                let plain = plaintext.span.extracting(range)
                if c.tlsInner == nil { choose(d, plain, &c, &env, up) }
                up(.bytes(offset: offset, frame: record.lastFrame), plain, d, &c, &env)
            case .plaintextGap(let d, let offset, let length):
                up(.gap(StreamRange(offset, offset &+ length), frame: c.lastFrame), none.span, d, &c, &env)
            case .handshake(let d, let message, let fields, let record, let decrypted, let finding):
                guard env.decodePackets else { continue }
                let start = decrypted ? record.streamOffset : record.streamOffset + 5
                report(c, &env, d, .handshake(type: message.first ?? 0), record, decrypted,
                       StreamRange(start, start &+ UInt64(message.count)), finding.map { [$0] } ?? [], message, fields)
            case .alert(let d, let level, let description, let record, let decrypted):
                guard env.decodePackets else { continue }
                report(c, &env, d, .alert(level: level, description: description), record, decrypted, Self.whole(record), [], [], FieldTree())
            case .changeCipherSpec(let d, let record):
                guard env.decodePackets else { continue }
                report(c, &env, d, .changeCipherSpec, record, false, Self.whole(record), [], [], FieldTree())
            case .encrypted(let d, let record):
                guard env.decodePackets else { continue }
                report(c, &env, d, .encrypted(length: record.length), record, false, Self.whole(record), [], [], FieldTree())
            case .resynchronized(let d, let skipped, let record):
                guard env.decodePackets else { continue }
                env.sink.streamEvent(StreamEventReport(
                    connection: c.info, direction: d, layer: .tcp, rule: TLSStreamRule.resynchronized.id, severity: .info, verdict: .note,
                    range: Self.whole(record), frames: [record.lastFrame], time: env.time,
                    message: "decryption resumed after a lost record header: \(skipped) record(s) were lost (found by trial decryption)"))
            case .failure(let f):
                guard env.decodePackets else { continue }
                env.sink.streamEvent(StreamEventReport(
                    connection: c.info, direction: .clientToServer, layer: .tcp, rule: TLSStreamRule.notDecrypted.id, severity: .info,
                    verdict: .unverifiable, range: StreamRange(0, 0), frames: [c.lastFrame], time: env.time,
                    message: "TLS records left encrypted: \(f)"))
            }
        }
    }

    static func changesFacts(_ e: TLSEvent) -> Bool {
        switch e {
        case .applicationData, .encrypted, .plaintextGap, .resynchronized: false
        case .handshake, .alert, .changeCipherSpec, .failure: true
        }
    }

    static func whole(_ r: TLSRecordInfo) -> StreamRange { StreamRange(r.streamOffset, r.streamOffset &+ 5 &+ UInt64(r.length)) }

    private func report<S: AnalysisSink>(_ c: ConnectionContext, _ env: inout LayerEnvironment<S>, _ d: Direction,
                                         _ kind: TLSEventReport.Kind, _ record: TLSRecordInfo, _ decrypted: Bool,
                                         _ range: StreamRange, _ diags: [Diagnostic], _ bytes: [UInt8], _ fields: FieldTree) {
        let e = TLSEventReport(connection: c.info, direction: d, kind: kind, record: record, decrypted: decrypted,
                               streamRange: range, time: env.time, captureStart: env.captureStart, diagnostics: diags,
                               tls: c.tls?.subject ?? TLSSubject(version: nil, cipherSuite: nil, serverName: nil,
                                                                 alpn: nil, decrypted: false))
        env.sink.unit(.tls(e), bytes: bytes.span, fields: fields)
    }

    /// The protocol inside TLS: the client's first decrypted bytes (an MQTT or STOMP CONNECT, an HTTP
    /// Upgrade), else the ALPN the server chose, else the port (8883 MQTT; 61614/61617 STOMP;
    /// 443/8084/8884 WebSocket). Opens its layer above.
    private func choose<S: AnalysisSink>(_ d: Direction, _ plain: Span<UInt8>, _ c: inout ConnectionContext,
                                         _ env: inout LayerEnvironment<S>, _ up: LayerUp<S>) {
        var inner = AppProtocol.unknown
        if d == .clientToServer, let v = ContentSniffer.sniff(plain), v != .tls { inner = v }
        if inner == .unknown {
            switch connection.facts.alpnSelected {
            case "mqtt": inner = .mqtt
            case "stomp": inner = .stomp
            case "http/1.1": inner = .webSocket
            default:
                switch c.info.server.port {
                case 8883: inner = .mqtt
                case 61614, 61617: inner = .stomp
                case 443, 8084, 8884: inner = .webSocket
                default: break
                }
            }
        }
        c.tlsInner = inner
        c.tls?.inner = inner
        let none: [UInt8] = []  // the bytes of an event that carries none
        // Decrypted bytes start at a message boundary when the handshake (the stream's start) was seen.
        up(.open(inner, streamStartSeen: connection.facts.sawClientHello), none.span, d, &c, &env)
    }
}
