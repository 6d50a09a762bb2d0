public import WireCore
public import STOMPCodec

/// Where one STOMP frame sits, as the checker needs it. A value type with no heap storage.
public struct STOMPFramePosition: Sendable {
    public var direction: Direction
    /// The session's version when the frame was decoded (negotiated, or the pipeline's guess before CONNECTED).
    public var version: STOMPVersion
    /// 0-based index of the frame among the frames of its direction (heart-beat EOLs not counted).
    public var index: Int
    public var time: Timestamp
    public var streamRange: StreamRange
    public var firstFrame: FrameNumber
    public var lastFrame: FrameNumber
    /// False for the partial frame handed out when the connection ended mid-frame (not judged).
    public var isComplete: Bool
    /// The decoder reported an error-severity violation in the frame. Informational: the checker
    /// still judges such frames (a wrong-case command is an error, and its headers still count).
    public var malformed: Bool
    /// The frame's command as sent ("" when unknown); findings name it.
    public var command: String = ""
    /// The client's accept-version set as the connection's negotiation read it
    /// (`STOMPSessionNegotiation.clientAccepts`; nil: none sent).
    public var offeredVersions: STOMPVersionSet?

    public init(direction: Direction, version: STOMPVersion, index: Int, time: Timestamp, streamRange: StreamRange,
                firstFrame: FrameNumber, lastFrame: FrameNumber, isComplete: Bool = true, malformed: Bool = false) {
        self.direction = direction
        self.version = version
        self.index = index
        self.time = time
        self.streamRange = streamRange
        self.firstFrame = firstFrame
        self.lastFrame = lastFrame
        self.isComplete = isComplete
        self.malformed = malformed
    }
}
