public import WireCore
import TCPReassembly
import STOMPCodec

/// STOMP on TCP or on WebSocket application bytes: a framer per direction; each frame is decoded
/// with the session's version (negotiated in the context) and handed to the sink.
public struct STOMPLayer: StreamLayer {
    var clientFramer: STOMPFramer
    var serverFramer: STOMPFramer

    public static func open<S: AnalysisSink>(streamStartSeen: Bool, _ c: inout ConnectionContext,
                                      _ env: inout LayerEnvironment<S>) -> STOMPLayer? {
        guard env.decodePackets, !c.isMQTT, !c.isSTOMP else { return nil }
        c.stomp = STOMPSessionNegotiation()
        c.isSTOMP = true
        return STOMPLayer(maxFrameSize: env.options.maxPDUSize, version: c.stomp.version)
    }

    init(maxFrameSize: Int, version: STOMPVersion) {
        clientFramer = STOMPFramer(direction: .clientToServer, maxFrameSize: maxFrameSize)
        serverFramer = STOMPFramer(direction: .serverToClient, maxFrameSize: maxFrameSize)
        clientFramer.version = version
        serverFramer.version = version
    }

    subscript(framer d: Direction) -> STOMPFramer {
        get { d == .clientToServer ? clientFramer : serverFramer }
        _modify {
            if d == .clientToServer { yield &clientFramer } else { yield &serverFramer }
        }
    }

    public mutating func receive<S: AnalysisSink>(_ event: LayerEvent, _ bytes: Span<UInt8>, _ d: Direction,
                                          _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>,
                                          up: LayerUp<S>) {
        // The framer runs outside `self`, which its events update (the other direction's version).
        var framer = idleSTOMPFramer
        swap(&framer, &self[framer: d])
        switch event {
        case .bytes(let offset, let frame):
            framer.append(bytes, at: offset, frame: frame) { e, b in handle(e, b, d, &c, &env) }
        case .gap(let range, let frame):
            framer.gap(range, frame: frame) { e, b in handle(e, b, d, &c, &env) }
        case .end:
            framer.finish { e, b in handle(e, b, d, &c, &env) }
        case .open:
            break
        }
        swap(&framer, &self[framer: d])
    }

    private mutating func handle<S: AnalysisSink>(_ event: STOMPFramerEvent, _ bytes: Span<UInt8>, _ d: Direction,
                                                  _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>) {
        switch event {
        case .frame(let raw):
            env.tree.reset()
            env.diagnostics.removeAll(keepingCapacity: true)
            let summary = STOMPDecoder.decode(bytes, version: c.stomp.version, direction: d, into: &env.tree,
                                              diagnostics: &env.diagnostics)
            if c.stomp.learn(summary, bytes, direction: d) {
                // The framer in use keeps the version it started the call with.
                self[framer: d == .clientToServer ? .serverToClient : .clientToServer].version = c.stomp.version
            }
            emit(d, raw.stream, raw.firstFrame, raw.lastFrame, heartBeat: false, complete: raw.isComplete, summary,
                 bytes, c, &env)
        case .heartBeat(let eol):
            env.tree.reset()
            env.diagnostics.removeAll(keepingCapacity: true)
            emit(d, eol.stream, eol.frame, eol.frame, heartBeat: true, complete: true, STOMPFrameSummary(), bytes, c,
                 &env)
        case .problem(let f):
            env.sink.streamEvent(StreamEventReport(f, layer: .stomp, connection: c.info, direction: d, time: env.time))
        }
    }

    private func emit<S: AnalysisSink>(_ d: Direction, _ range: StreamRange, _ first: FrameNumber,
                                       _ last: FrameNumber, heartBeat: Bool, complete: Bool,
                                       _ summary: STOMPFrameSummary, _ bytes: Span<UInt8>, _ c: ConnectionContext,
                                       _ env: inout LayerEnvironment<S>) {
        var event = STOMPFrameEvent(
            connection: c.info, direction: d, transport: c.transport, version: c.stomp.version,
            versionSource: c.stomp.versionSource, streamRange: range, firstFrame: first, lastFrame: last,
            isHeartBeat: heartBeat, isComplete: complete, time: env.time, captureStart: env.captureStart,
            summary: summary, diagnostics: env.diagnostics,
            heartBeatClientToServer: c.stomp.heartBeatClientToServer,
            heartBeatServerToClient: c.stomp.heartBeatServerToClient)
        event.clientAccepts = c.stomp.clientAccepts
        if let t = c.tls { event.tls = t.subject }
        env.sink.unit(.stomp(event), bytes: bytes, fields: env.tree)
    }
}

/// A framer that never runs: swapped into the layer while its real framer is in use.
let idleSTOMPFramer = STOMPFramer(direction: .clientToServer, maxFrameSize: 16)
