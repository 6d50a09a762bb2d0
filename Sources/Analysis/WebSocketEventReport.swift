public import WireCore
public import WebSocketCodec
public import TCPReassembly
public import DisplayFilters

/// One WebSocket opening-handshake head or frame, as every command sees it. Its raw bytes (as
/// on the wire, masked for client frames) and field tree are lent beside it for the call.
public struct WebSocketEventReport: Sendable {
    public enum Kind: Sendable {
        case handshake(WebSocketHandshakeSummary)
        case frame(WebSocketFrameSummary)
    }
    public var connection: ConnectionInfo
    public var direction: Direction
    public var kind: Kind
    /// Where the head or frame lies in its direction of the TCP stream.
    public var streamRange: StreamRange
    public var firstFrame: FrameNumber
    public var lastFrame: FrameNumber
    public var time: Timestamp
    public var captureStart: Timestamp
    /// Findings, ranges relative to the first byte of the head or frame.
    public var diagnostics: [Diagnostic]
    /// The application protocol carried (chosen by subprotocol or content), once known.
    public var inner: AppProtocol?
    /// Over TLS: the connection's TLS facts (for display filters and columns).
    public var tls: TLSSubject?

    public init(connection: ConnectionInfo, direction: Direction, kind: Kind, streamRange: StreamRange,
                firstFrame: FrameNumber, lastFrame: FrameNumber, time: Timestamp, captureStart: Timestamp,
                diagnostics: [Diagnostic], inner: AppProtocol?) {
        self.connection = connection
        self.direction = direction
        self.kind = kind
        self.streamRange = streamRange
        self.firstFrame = firstFrame
        self.lastFrame = lastFrame
        self.time = time
        self.captureStart = captureStart
        self.diagnostics = diagnostics
        self.inner = inner
    }
}
