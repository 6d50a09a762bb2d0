public import WireCore

/// One TCP segment's header facts. The payload bytes travel beside it, borrowed.
public struct TCPSegment: Sendable {
    public var source: Endpoint
    public var destination: Endpoint
    public var sequence: UInt32
    public var acknowledgement: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    /// Payload bytes the IP header says the segment carries but the capture's snap length cut off.
    /// The captured payload is a prefix; these bytes follow it and become a `snapLength` gap.
    public var missingPayload: Int

    public init(source: Endpoint, destination: Endpoint, sequence: UInt32, acknowledgement: UInt32,
                flags: TCPFlags, window: UInt16, missingPayload: Int = 0) {
        self.source = source
        self.destination = destination
        self.sequence = sequence
        self.acknowledgement = acknowledgement
        self.flags = flags
        self.window = window
        self.missingPayload = missingPayload
    }
}
