public import WireCore
public import TCPReassembly
import TLSCodec

/// One decoded unit, whatever layer decoded it: what the analysis hands every consumer
/// (renderers, checkers, statistics, the report, metrics) in capture order, through
/// `AnalysisSink.unit`. The payload is the layer's typed event; the unit's raw bytes and field
/// tree travel beside it, lent for the call. A new application layer adds its case here and its
/// event type in its own folder; consumers that do not know it ignore it (`default`).
public enum DecodedUnit: Sendable {
    /// An MQTT packet (over TCP, WebSocket or TLS).
    case mqtt(MQTTPacketEvent)
    /// A STOMP frame or a heart-beat EOL.
    case stomp(STOMPFrameEvent)
    /// A WebSocket opening-handshake head or frame.
    case webSocket(WebSocketEventReport)
    /// A TLS handshake message, alert, ChangeCipherSpec or undecrypted record.
    case tls(TLSEventReport)

    public var connection: ConnectionInfo {
        switch self {
        case .mqtt(let e): e.connection
        case .stomp(let e): e.connection
        case .webSocket(let e): e.connection
        case .tls(let e): e.connection
        }
    }

    public var direction: Direction {
        switch self {
        case .mqtt(let e): e.direction
        case .stomp(let e): e.direction
        case .webSocket(let e): e.direction
        case .tls(let e): e.direction
        }
    }

    /// Where the unit lies in its layer's byte stream (see each event's `streamRange`).
    public var streamRange: StreamRange {
        switch self {
        case .mqtt(let e): e.streamRange
        case .stomp(let e): e.streamRange
        case .webSocket(let e): e.streamRange
        case .tls(let e): e.streamRange
        }
    }

    /// The capture frame that completed the unit.
    public var lastFrame: FrameNumber {
        switch self {
        case .mqtt(let e): e.lastFrame
        case .stomp(let e): e.lastFrame
        case .webSocket(let e): e.lastFrame
        case .tls(let e): e.record.lastFrame
        }
    }

    /// The capture time of the frame that completed the unit.
    public var time: Timestamp {
        switch self {
        case .mqtt(let e): e.time
        case .stomp(let e): e.time
        case .webSocket(let e): e.time
        case .tls(let e): e.time
        }
    }

    /// The unit's decode-time findings, ranges relative to its first byte.
    public var diagnostics: [Diagnostic] {
        switch self {
        case .mqtt(let e): e.diagnostics
        case .stomp(let e): e.diagnostics
        case .webSocket(let e): e.diagnostics
        case .tls(let e): e.diagnostics
        }
    }
}
