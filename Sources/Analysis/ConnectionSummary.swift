public import WireCore
public import TCPReassembly
public import MQTTCodec
public import PacketLayers
public import STOMPCodec

/// One TCP connection as `mqscope streams` reports it.
public struct ConnectionSummary: Sendable {
    public var info: ConnectionInfo
    public var stats: ConnectionStats
    public var appProtocol: AppProtocol
    public var detection: DetectionBasis
    public var end: CloseReason
    /// The frames where the connection was first and last seen.
    public var firstFrame: FrameNumber
    public var lastFrame: FrameNumber
    /// For MQTT connections: the version and how it became known, and the CONNECT's client id.
    public var mqttVersion: MQTTVersion?
    public var versionSource: VersionSource?
    public var clientID: String?
    /// For WebSocket connections: the protocol inside (by subprotocol or content), if known.
    public var inner: AppProtocol? = nil
    /// For STOMP connections (plain or inside WebSocket): the session version and its source.
    public var stompVersion: STOMPVersion? = nil
    public var stompVersionSource: STOMPVersionSource? = nil
    /// For TLS connections: the handshake facts and the decryption outcome. Boxed: every
    /// connection's summary is kept until the output is written, and most have no TLS (issue 12).
    public var tls: TLSSummary? {
        get { tlsBox?.value }
        set { tlsBox = newValue.map(Boxed.init) }
    }
    private var tlsBox: Boxed<TLSSummary>? = nil

    init(info: ConnectionInfo, stats: ConnectionStats, appProtocol: AppProtocol, detection: DetectionBasis,
         end: CloseReason, firstFrame: FrameNumber, lastFrame: FrameNumber, mqttVersion: MQTTVersion?,
         versionSource: VersionSource?, clientID: String?, inner: AppProtocol?, stompVersion: STOMPVersion?,
         stompVersionSource: STOMPVersionSource?, tls: TLSSummary?) {
        self.info = info
        self.stats = stats
        self.appProtocol = appProtocol
        self.detection = detection
        self.end = end
        self.firstFrame = firstFrame
        self.lastFrame = lastFrame
        self.mqttVersion = mqttVersion
        self.versionSource = versionSource
        self.clientID = clientID
        self.inner = inner
        self.stompVersion = stompVersion
        self.stompVersionSource = stompVersionSource
        self.tls = tls
    }

    /// The protocol as `streams` shows it: `mqtt`, `stomp`, `websocket+mqtt`, `websocket+stomp` …
    public var protocolName: String {
        if appProtocol == .webSocket, let inner { return "websocket+\(inner.rawValue)" }
        if appProtocol == .tls, let t = tls?.inner, t != .unknown {
            if t == .webSocket, let inner { return "tls+websocket+\(inner.rawValue)" }
            return "tls+\(t.rawValue)"
        }
        return appProtocol.rawValue
    }
}

/// A problem or fact about the capture itself, not about one connection.
public struct FileNote: Sendable {
    public enum Kind: String, Sendable {
        case damagedRecord = "damaged-record"
        case malformedFrame = "malformed-frame"
        case bufferLimit = "buffer-limit"
        case unfinishedFragments = "unfinished-fragments"
        case connectionLimit = "connection-limit"
        case idleTimeout = "idle-timeout"
    }
    public var kind: Kind
    public var frame: FrameNumber?
    public var message: String
}

/// What one capture file held.
public struct FileSummary: Sendable {
    public var name: String
    public var linkType: String
    public var snapLength: Int
    public var frames: FrameNumber = 0
    public var firstTime: Timestamp?
    public var lastTime: Timestamp?
    public var layers = LayerStats()
    public var connections = 0
    public var notes: [FileNote] = []
    /// Set when a damaged record stopped reading early; frames before it were processed.
    public var damaged: String?
}
