public import WireCore

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
    case idle = "idle"                  // silent longer than its idle timeout (ReassemblyLimits)
    case evicted = "evicted"            // the oldest idle connection when --max-connections was reached
}

/// Receives the reassembled streams. Generic, so calls are static (no existentials).
///
/// Contract, per connection:
/// - `connectionOpened` comes first, with the frame and time of the segment that made the
///   connection known, but only once it has something to report (payload, a hole that may expire)
///   or closes: a half-open connection is announced at its close (see `Assembler`).
/// - Per direction, `streamData` and `streamGap` together cover the stream from offset 0 upwards with
///   no hole and no byte twice: each call starts where the previous one of that direction ended.
/// - `streamOverlap` reports bytes that arrived again; they are never delivered a second time.
/// - `connectionClosed` comes last, after everything that could be flushed was delivered or declared
///   a gap; its `stats` are final.
public protocol StreamConsumer {
    mutating func connectionOpened(_ info: ConnectionInfo, frame: FrameNumber, time: Timestamp)
    /// In-order bytes of one direction at absolute stream `offset`, all from capture frame `frame`;
    /// the bytes are borrowed for the call.
    mutating func streamData(_ id: ConnectionID, _ direction: Direction, offset: UInt64, bytes: Span<UInt8>,
                             frame: FrameNumber, time: Timestamp)
    /// `range` of the stream will never be delivered; delivery continues at `range.upper`.
    /// `frame` is the frame whose arrival decided the gap (the ACK, the cut frame, the frame at which
    /// a timeout or limit struck, or the `finish` frame).
    mutating func streamGap(_ id: ConnectionID, _ direction: Direction, range: StreamRange, cause: GapCause,
                            frame: FrameNumber, time: Timestamp)
    /// Bytes in `range` arrived again in `secondFrame`; `conflicting` when they differ from `firstFrame`'s.
    /// `firstFrame` is 0 when the first copy is no longer known (older than the overlap history, or a
    /// range already declared a gap); such bytes cannot be compared and are not `conflicting`.
    mutating func streamOverlap(_ id: ConnectionID, _ direction: Direction, range: StreamRange,
                                firstFrame: FrameNumber, secondFrame: FrameNumber, conflicting: Bool)
    mutating func connectionClosed(_ info: ConnectionInfo, stats: ConnectionStats, reason: CloseReason,
                                   frame: FrameNumber, time: Timestamp)
}
