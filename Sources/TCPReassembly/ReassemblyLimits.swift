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
    public init() {}
}
