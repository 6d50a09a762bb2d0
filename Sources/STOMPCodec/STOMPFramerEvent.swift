import WireCore

/// One complete (or, at end of stream, partial) STOMP frame found by `STOMPFramer`.
/// Its bytes are lent to the callback as a `Span<UInt8>`, from the command's first byte
/// through the terminating NUL.
public struct STOMPRawFrame: Sendable, Equatable {
    /// Where the frame lies in its direction of the TCP stream.
    public var stream: StreamRange
    /// The capture frame that supplied the frame's first byte, and the one that supplied its last.
    public var firstFrame: FrameNumber
    public var lastFrame: FrameNumber
    /// False only for the partial frame handed out by `finish` (the connection ended mid-frame).
    public var isComplete: Bool
    /// The content-length value the framer used to find the end (the first valid content-length
    /// header), if any.
    public var contentLength: Int?
}

/// An EOL between frames: a heart-beat (STOMP 1.1/1.2 "Heart-beating"), or padding after a NUL.
public struct STOMPHeartBeatEOL: Sendable, Equatable {
    public var offset: UInt64
    /// 1 for LF, 2 for CR LF.
    public var length: Int
    /// The capture frame holding the EOL's first byte.
    public var frame: FrameNumber
    public var stream: StreamRange { StreamRange(offset, offset &+ UInt64(length)) }
}

public enum STOMPFramerEvent: Sendable, Equatable {
    /// A frame; its bytes are the span passed alongside.
    case frame(STOMPRawFrame)
    /// A heart-beat EOL between frames (the span passed alongside is empty).
    case heartBeat(STOMPHeartBeatEOL)
    /// A framing problem (the span passed alongside is empty).
    case problem(StreamFinding)
}
