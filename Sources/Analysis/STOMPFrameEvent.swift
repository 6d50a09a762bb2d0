public import WireCore
public import STOMPCodec
public import TCPReassembly
public import DisplayFilters

/// One STOMP frame or heart-beat EOL, as every command sees it. The frame's bytes and field
/// tree are lent beside it for the duration of the sink call.
public struct STOMPFrameEvent: Sendable {
    public var connection: ConnectionInfo
    public var direction: Direction
    /// Plain TCP, or the application bytes of a WebSocket connection.
    public var transport: Transport
    /// Over TLS: the connection's TLS facts (for display filters and columns).
    public var tls: TLSSubject?
    public var version: STOMPVersion
    public var versionSource: STOMPVersionSource
    /// Where the frame lies in its direction's stream (for `.webSocket`: the WebSocket
    /// application byte stream, not the TCP stream).
    public var streamRange: StreamRange
    /// The capture frames that supplied the frame's first and last bytes.
    public var firstFrame: FrameNumber
    public var lastFrame: FrameNumber
    /// True for a heart-beat EOL between frames (no summary, no fields).
    public var isHeartBeat: Bool
    /// False for a frame cut off by the end of the connection.
    public var isComplete: Bool
    public var time: Timestamp
    public var captureStart: Timestamp
    public var summary: STOMPFrameSummary
    /// Decode-time findings, ranges relative to the frame's first byte.
    public var diagnostics: [Diagnostic]
    /// The negotiated heart-beat intervals in ms (nil before CONNECTED, 0 = none that way).
    public var heartBeatClientToServer: UInt64?
    public var heartBeatServerToClient: UInt64?
    /// The client's accept-version set as the connection's negotiation read it (nil: none sent or
    /// no CONNECT seen yet).
    public var clientAccepts: STOMPVersionSet?

    public init(connection: ConnectionInfo, direction: Direction, transport: Transport, version: STOMPVersion,
                versionSource: STOMPVersionSource, streamRange: StreamRange, firstFrame: FrameNumber,
                lastFrame: FrameNumber, isHeartBeat: Bool, isComplete: Bool, time: Timestamp, captureStart: Timestamp,
                summary: STOMPFrameSummary, diagnostics: [Diagnostic], heartBeatClientToServer: UInt64?,
                heartBeatServerToClient: UInt64?) {
        self.connection = connection
        self.direction = direction
        self.transport = transport
        self.version = version
        self.versionSource = versionSource
        self.streamRange = streamRange
        self.firstFrame = firstFrame
        self.lastFrame = lastFrame
        self.isHeartBeat = isHeartBeat
        self.isComplete = isComplete
        self.time = time
        self.captureStart = captureStart
        self.summary = summary
        self.diagnostics = diagnostics
        self.heartBeatClientToServer = heartBeatClientToServer
        self.heartBeatServerToClient = heartBeatServerToClient
    }
}
