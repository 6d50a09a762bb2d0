public import WireCore
public import PacketLayers

// CONTRACT STUB — the reassembly helper replaces the bodies; keep the public signatures
// (or change them together with Analysis).

/// Why bytes of a stream are missing.
public enum GapCause: String, Sendable, CaseIterable {
    /// The peer acknowledged (or the stream continued past) bytes the capture does not hold.
    case notCaptured = "not-captured"
    /// The frame was cut by the capture's snap length.
    case snapLength = "snap-length"
    /// Out-of-order data exceeded a buffering bound and was flushed past a hole.
    case bufferLimit = "buffer-limit"
    /// The capture ended (or the connection closed) with a hole still open.
    case endOfCapture = "end-of-capture"
}

/// How a connection ended.
public enum CloseReason: String, Sendable {
    case fin = "fin"                    // FIN seen in both directions
    case rst = "rst"
    case halfClosed = "half-closed"     // FIN seen in one direction only, then the capture ended
    case endOfCapture = "open"          // still open when the capture ended
    case reused = "reused"              // a new SYN reused the 4-tuple
}

/// How the client and server roles were decided.
public enum RoleBasis: String, Sendable {
    case syn = "syn"                    // the SYN's sender is the client
    case synAck = "syn-ack"             // the SYN-ACK's sender is the server
    case serverPort = "server-port"     // mid-stream: the endpoint on a known server port
    case lowerPort = "lower-port"       // mid-stream, no known port: the lower port is the server
}

public struct ConnectionInfo: Sendable {
    public var id: ConnectionID
    public var client: Endpoint
    public var server: Endpoint
    public var roleBasis: RoleBasis
    /// False when the connection began before the capture (no SYN seen): picked up mid-stream.
    public var sawHandshake: Bool

    public init(id: ConnectionID, client: Endpoint, server: Endpoint, roleBasis: RoleBasis, sawHandshake: Bool) {
        self.id = id
        self.client = client
        self.server = server
        self.roleBasis = roleBasis
        self.sawHandshake = sawHandshake
    }
}

/// Per-direction counters.
public struct DirectionStats: Sendable, Equatable {
    public var frames = 0              // every TCP segment in this direction, pure ACKs too
    public var frameBytes = 0          // their frames' wire lengths (what tshark's conv table counts)
    public var payloadBytes: UInt64 = 0 // stream bytes delivered (each byte once)
    public var gaps = 0
    public var gapBytes: UInt64 = 0
    public var overlaps = 0            // retransmitted bytes seen again
    public var conflictingOverlaps = 0 // ... whose bytes differ from the first copy
    public var outOfOrder = 0          // segments that arrived ahead of a hole
    public init() {}
}

public struct ConnectionStats: Sendable, Equatable {
    public var firstTime = Timestamp.zero
    public var lastTime = Timestamp.zero
    public var clientToServer = DirectionStats()
    public var serverToClient = DirectionStats()
    public init() {}
    public subscript(_ d: Direction) -> DirectionStats {
        get { d == .clientToServer ? clientToServer : serverToClient }
        set { if d == .clientToServer { clientToServer = newValue } else { serverToClient = newValue } }
    }
}

/// Bounds on buffering. Reaching one is reported (a `bufferLimit` gap), never unbounded growth.
public struct ReassemblyLimits: Sendable {
    /// Out-of-order bytes held per connection (both directions).
    public var perConnection: Int = 4 << 20
    /// Out-of-order bytes held across all connections.
    public var total: Int = 256 << 20
    /// Bytes of already-delivered data kept per direction to compare retransmissions against.
    public var overlapHistory: Int = 16 << 10
    /// A hole still open this long (capture time) after later data arrived becomes a gap.
    public var holeTimeoutSeconds: Int64 = 30
    public init() {}
}

/// Receives the reassembled streams. Generic, so calls are static (no existentials).
public protocol StreamConsumer {
    mutating func connectionOpened(_ info: ConnectionInfo, frame: FrameNumber, time: Timestamp)
    /// In-order bytes of one direction at absolute stream `offset`, all from capture frame `frame`;
    /// the bytes are borrowed for the call.
    mutating func streamData(_ id: ConnectionID, _ direction: Direction, offset: UInt64, bytes: Span<UInt8>,
                             frame: FrameNumber, time: Timestamp)
    /// `range` of the stream will never be delivered; delivery continues at `range.upper`.
    mutating func streamGap(_ id: ConnectionID, _ direction: Direction, range: StreamRange, cause: GapCause,
                            frame: FrameNumber, time: Timestamp)
    /// Bytes in `range` arrived again in `secondFrame`; `conflicting` when they differ from `firstFrame`'s.
    mutating func streamOverlap(_ id: ConnectionID, _ direction: Direction, range: StreamRange,
                                firstFrame: FrameNumber, secondFrame: FrameNumber, conflicting: Bool)
    mutating func connectionClosed(_ info: ConnectionInfo, stats: ConnectionStats, reason: CloseReason,
                                   frame: FrameNumber, time: Timestamp)
}

/// Reassembles every TCP connection of one capture, per connection and per direction.
public struct Assembler<Consumer: StreamConsumer> {
    public var consumer: Consumer
    public let limits: ReassemblyLimits
    public let serverPorts: Set<UInt16>
    /// Times a buffering bound was reached.
    public private(set) var limitHits = 0

    public init(consumer: Consumer, limits: ReassemblyLimits = ReassemblyLimits(), serverPorts: Set<UInt16>) {
        self.consumer = consumer
        self.limits = limits
        self.serverPorts = serverPorts
    }

    /// Feeds one segment; `frameLength` is the frame's wire length (for byte counters).
    public mutating func process(_ segment: borrowing TCPSegment, payload: Span<UInt8>, frame: FrameNumber,
                                 time: Timestamp, frameLength: Int) {}

    /// End of capture: every hole becomes an `endOfCapture` gap and every open connection is closed.
    public mutating func finish(frame: FrameNumber, time: Timestamp) {}
}
