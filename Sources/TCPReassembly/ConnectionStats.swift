public import WireCore

/// Per-direction counters.
public struct DirectionStats: Sendable, Equatable {
    public var frames = 0              // every TCP segment in this direction, pure ACKs too
    public var frameBytes = 0          // their frames' wire lengths (what tshark's conv table counts)
    public var payloadBytes: UInt64 = 0 // stream bytes delivered (each byte once)
    public var gaps = 0
    public var gapBytes: UInt64 = 0
    public var overlaps = 0            // retransmitted bytes seen again (one per `streamOverlap` call)
    public var conflictingOverlaps = 0 // ... whose bytes differ from the first copy
    public var outOfOrder = 0          // segments that arrived ahead of a hole
    public init() {}
}

/// Counters of one connection, passed to `StreamConsumer.connectionClosed`.
/// Segments seen after the connection closed (a trailing ACK after FIN+FIN, say) are not counted.
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
