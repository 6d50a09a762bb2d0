public import WireCore
public import MQTTCodec
public import TCPReassembly
public import DisplayFilters

/// How a connection's MQTT version became known.
public enum VersionSource: String, Sendable {
    /// The connection's CONNECT announced it.
    case connect
    /// No CONNECT was captured: guessed from the packets.
    case inferred
    /// No CONNECT and nothing to infer from: the default was assumed.
    case assumed
    /// `--mqtt-version` set it.
    case option
}

/// What carries an application protocol's bytes.
public enum Transport: String, Sendable {
    /// The TCP stream itself.
    case tcp
    /// The application bytes of WebSocket frames (RFC 6455; MQTT 5 §6, STOMP over WebSocket):
    /// stream ranges then count application bytes, not TCP bytes.
    case webSocket = "websocket"
    /// Decrypted TLS application bytes (stream ranges count plaintext bytes), and WebSocket inside TLS.
    case tls
    case tlsWebSocket = "tls+websocket"
}

/// One decoded MQTT packet, as every command sees it. The bytes and the field tree are lent
/// beside it for the duration of the sink call.
public struct MQTTPacketEvent: Sendable {
    public var connection: ConnectionInfo
    public var direction: Direction
    public var version: MQTTVersion
    public var versionSource: VersionSource
    /// Where the packet's bytes are in the direction's stream, and the frames they came from.
    public var streamRange: StreamRange
    public var frames: [FrameChunk]
    /// The packet's declared size; more than `streamRange.count` when the framer handed out
    /// only its header (oversize).
    public var declaredSize: Int
    public var truncated: Bool
    /// The capture time of the frame that completed the packet.
    public var time: Timestamp
    /// The time of the capture's first frame (for times relative to the start, as tshark shows).
    public var captureStart: Timestamp
    public var message: MQTTMessage
    /// Decode-time findings, ranges relative to the packet's first byte.
    public var diagnostics: [Diagnostic]
    /// For a PUBLISH that used a topic alias with an empty topic: the topic the alias stands for
    /// (nil when unknown to this direction's alias map).
    public var aliasTopic: String?
    /// For a PUBLISH with a Topic Alias: whether the alias had a mapping in this direction
    /// before the packet (from the connection's one alias map; the checker reads it).
    public var topicAliasKnown: Bool
    /// The client identifier from this connection's CONNECT, if seen.
    public var clientID: String?
    /// Plain TCP, or MQTT over WebSocket (stream ranges then count WebSocket application bytes).
    public var transport: Transport
    /// Over TLS: the connection's TLS facts (for display filters and columns).
    public var tls: TLSSubject?

    public init(connection: ConnectionInfo, direction: Direction, version: MQTTVersion, versionSource: VersionSource,
                streamRange: StreamRange, frames: [FrameChunk], declaredSize: Int, truncated: Bool, time: Timestamp,
                captureStart: Timestamp, message: MQTTMessage, diagnostics: [Diagnostic], aliasTopic: String?,
                clientID: String?, transport: Transport = .tcp, topicAliasKnown: Bool = false) {
        self.transport = transport
        self.topicAliasKnown = topicAliasKnown
        self.connection = connection
        self.direction = direction
        self.version = version
        self.versionSource = versionSource
        self.streamRange = streamRange
        self.frames = frames
        self.declaredSize = declaredSize
        self.truncated = truncated
        self.time = time
        self.captureStart = captureStart
        self.message = message
        self.diagnostics = diagnostics
        self.aliasTopic = aliasTopic
        self.clientID = clientID
    }

    /// The frame that completed the packet (the one a summary line names).
    public var lastFrame: FrameNumber { frames.last?.frame ?? 0 }
}

/// Something about a connection's byte stream rather than one packet: a capture gap, a
/// conflicting retransmission, bytes skipped while resynchronising, a packet lost in a gap.
/// The layer a finding belongs to, set by the layer that reports it (never read back from a
/// rule id). Stream ranges of `tcp` and `websocket` findings count TCP stream bytes; those of
/// `mqtt` and `stomp` findings count the bytes their decoder read — TCP bytes, or WebSocket
/// application bytes on a WebSocket connection. TLS reports under `tcp`: its ranges are TCP bytes.
public enum FindingLayer: String, Sendable {
    case tcp
    case webSocket = "websocket"
    case mqtt
    case stomp
}

public struct StreamEventReport: Sendable {
    public var connection: ConnectionInfo
    public var direction: Direction
    public var layer: FindingLayer
    public var rule: RuleID
    public var severity: Severity
    public var verdict: Verdict
    public var range: StreamRange
    public var frames: [FrameNumber]
    public var time: Timestamp
    public var message: String

    public init(connection: ConnectionInfo, direction: Direction, layer: FindingLayer, rule: RuleID, severity: Severity,
                verdict: Verdict, range: StreamRange, frames: [FrameNumber], time: Timestamp, message: String) {
        self.connection = connection
        self.direction = direction
        self.layer = layer
        self.rule = rule
        self.severity = severity
        self.verdict = verdict
        self.range = range
        self.frames = frames
        self.time = time
        self.message = message
    }

    /// A framer's finding, reported by the layer it belongs to (the one conversion from
    /// `StreamFinding`).
    public init(_ f: StreamFinding, layer: FindingLayer, connection: ConnectionInfo, direction: Direction,
                time: Timestamp) {
        self.init(connection: connection, direction: direction, layer: layer, rule: f.rule, severity: f.severity,
                  verdict: f.verdict, range: f.range, frames: [f.frame], time: time, message: f.message)
    }
}

