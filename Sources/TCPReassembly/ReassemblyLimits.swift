/// Bounds on buffering. Reaching one is reported (a `bufferLimit` gap), never unbounded growth.
///
/// Held out-of-order bytes are counted as the memory they occupy: a held segment costs its length
/// rounded up to the store's 64-byte chunk (and a pending snap-length marker costs one chunk), so the
/// limits bound real memory even when a peer sends one-byte segments. Independently of these, at most
/// 4096 out-of-order segments are held per direction.
public struct ReassemblyLimits: Sendable {
    /// Out-of-order bytes held per connection (both directions).
    public var perConnection: Int = 4 << 20
    /// Out-of-order bytes held across all connections.
    public var total: Int = 256 << 20
    /// Bytes of already-delivered data kept, across all connections, to compare retransmissions
    /// against: the most recently delivered ones, with 24 bytes of bookkeeping per segment (rounded
    /// down to a power of two; under 64 keeps none). One shared ring, so its memory does not grow
    /// with the number of connections.
    public var overlapHistory: Int = 16 << 20
    /// A hole still open this long (capture time) after later data arrived becomes a gap.
    public var holeTimeoutSeconds: Int64 = 30
    /// Connections open at once; at the cap the oldest idle one is closed (`evicted`) first: the
    /// least recently seen that never carried payload (a SYN flood's), else the least recently seen.
    public var maxConnections: Int = 1 << 18
    /// A connection that never carried payload (half-open, handshake only) and is silent this long
    /// (capture time) is closed (`idle`); 60 s, as Suricata's TCP `new` flow timeout. 0: never.
    public var halfOpenTimeoutSeconds: Int64 = 60
    /// Any other connection silent this long is closed (`idle`). 28 h: longer than the longest
    /// silence MQTT allows (1.5 × the largest keep-alive, 65,535 s), so no live session is cut.
    /// 0: never.
    public var idleTimeoutSeconds: Int64 = 28 * 3600
    public init() {}
}
