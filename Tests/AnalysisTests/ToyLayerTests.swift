import Testing
@testable import Analysis
import TCPReassembly
import WireCore

/// The stack is open: a toy protocol layer, written in this one file and registered with one
/// case beside the standard layers, receives its connection's bytes, gaps and end from the
/// router without any change to the router or to the other layers.
@Suite struct ToyLayerTests {
    /// The toy layer: reads what the standard set leaves opaque (TLS) and reports each event as
    /// a stream event, the sink call every layer can make.
    struct ToyLayer: StreamLayer {
        var received = 0

        static func open<S: AnalysisSink>(streamStartSeen: Bool, _ c: inout ConnectionContext,
                                          _ env: inout LayerEnvironment<S>) -> ToyLayer? { ToyLayer() }

        mutating func receive<S: AnalysisSink>(_ event: LayerEvent, _ bytes: Span<UInt8>, _ d: Direction,
                                              _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>,
                                              up: LayerUp<S>) {
            let what: String
            switch event {
            case .bytes(let offset, let frame):
                received += bytes.count
                what = "bytes \(offset) +\(bytes.count) frame \(frame) total \(received)"
            case .gap(let range, _): what = "gap \(range)"
            case .end: what = "end"
            case .open: return
            }
            env.sink.streamEvent(StreamEventReport(
                connection: c.info, direction: d, layer: .tcp, rule: "TOY", severity: .info, verdict: .note,
                range: StreamRange(0, 0), frames: [], time: env.time, message: what))
        }
    }

    /// The registration: the standard layers, and the toy for TLS.
    enum ToyLayers: LayerSet {
        case standard(StandardLayers)
        case toy(ToyLayer)

        static var vacant: Self { .standard(.vacant) }

        static func layer<S: AnalysisSink>(for proto: AppProtocol, streamStartSeen: Bool, _ c: inout ConnectionContext,
                                           _ env: inout LayerEnvironment<S>) -> Self? {
            if proto == .tls { return ToyLayer.open(streamStartSeen: streamStartSeen, &c, &env).map(Self.toy) }
            return StandardLayers.layer(for: proto, streamStartSeen: streamStartSeen, &c, &env).map(Self.standard)
        }

        mutating func receive<S: AnalysisSink>(_ event: LayerEvent, _ bytes: Span<UInt8>, _ d: Direction,
                                              _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>,
                                              up: LayerUp<S>) {
            switch self {
            case .standard(var l): self = .vacant; l.receive(event, bytes, d, &c, &env, up: up); self = .standard(l)
            case .toy(var l): self = .vacant; l.receive(event, bytes, d, &c, &env, up: up); self = .toy(l)
            }
        }
    }

    struct Recorder: AnalysisSink {
        var lines: [String] = []
        mutating func streamEvent(_ e: StreamEventReport) {
            if e.rule == "TOY" { lines.append("\(e.direction == .clientToServer ? "c" : "s") \(e.message)") }
        }
    }

    @Test func toyLayerReceivesBytesGapsAndEnd() {
        let info = ConnectionInfo(
            id: 7, client: Endpoint(address: IPAddress(v4: 0x7F00_0001), port: 40000),
            server: Endpoint(address: IPAddress(v4: 0x7F00_0001), port: 8883), roleBasis: .syn, sawHandshake: true)
        var router = LayerRouter<Recorder, ToyLayers>(sink: Recorder(), options: AnalysisOptions())
        router.connectionOpened(info, frame: 1, time: .zero)
        // Two bytes of a TLS record header are too few to decide: held, then flushed first.
        let hello: [UInt8] = [0x16, 0x03]
        router.streamData(7, .clientToServer, offset: 0, bytes: hello.span, frame: 2, time: .zero)
        let rest: [UInt8] = [0x01, 0x00, 0x05]
        router.streamData(7, .clientToServer, offset: 2, bytes: rest.span, frame: 3, time: .zero)
        let reply: [UInt8] = [0x16, 0x03, 0x03]
        router.streamData(7, .serverToClient, offset: 0, bytes: reply.span, frame: 4, time: .zero)
        router.streamGap(7, .serverToClient, range: StreamRange(3, 10), cause: .notCaptured, frame: 5, time: .zero)
        router.connectionClosed(info, stats: ConnectionStats(), reason: .fin, frame: 6, time: .zero)
        #expect(router.sink.lines == [
            "c bytes 0 +2 frame 2 total 2",
            "c bytes 2 +3 frame 3 total 5",
            "s bytes 0 +3 frame 4 total 8",
            "s gap 3..<10",
            "c end",
            "s end",
        ])
    }
}
