/// What one frame turned out to be.
public enum PacketOutcome: Sendable, Equatable {
    /// A TCP segment was handed to the body (from this frame, or a datagram it completed).
    case tcp
    /// Not IP, or IP but not TCP (counted, not an error).
    case notTCP
    /// An IP fragment, held until its datagram is complete.
    case fragmentHeld
    /// A header that cannot be decoded; counted and reported.
    case malformed(LayerProblem)
}
