public import WireCore
public import MQTTCodec

/// Where one packet sits, as the checker needs it: which way it went, when, its bytes in the
/// stream and the frames that carried it. A value type with no heap storage (built per packet).
public struct PacketPosition: Sendable {
    public var direction: Direction
    public var version: MQTTVersion
    /// 0-based index of the packet among those of its direction (stable across runs).
    public var index: Int
    public var time: Timestamp
    public var streamRange: StreamRange
    public var firstFrame: FrameNumber
    public var lastFrame: FrameNumber
    /// The packet's declared size (fixed header + Remaining Length).
    public var declaredSize: Int
    /// The body was not decoded in full (oversize or cut short).
    public var truncated: Bool
    /// The decoder found the packet malformed (an error-severity violation).
    public var malformed: Bool
    /// A PUBLISH's Topic Alias had a mapping in its direction (the connection's alias map).
    public var topicAliasKnown: Bool

    public init(direction: Direction, version: MQTTVersion, index: Int, time: Timestamp, streamRange: StreamRange,
                firstFrame: FrameNumber, lastFrame: FrameNumber, declaredSize: Int, truncated: Bool = false,
                malformed: Bool = false, topicAliasKnown: Bool = false) {
        self.topicAliasKnown = topicAliasKnown
        self.direction = direction
        self.version = version
        self.index = index
        self.time = time
        self.streamRange = streamRange
        self.firstFrame = firstFrame
        self.lastFrame = lastFrame
        self.declaredSize = declaredSize
        self.truncated = truncated
        self.malformed = malformed
    }
}

/// One finding of the checker: rule, verdict, where (direction, packet, frames, bytes) and what.
public struct CheckFinding: Sendable, Equatable {
    public var rule: RuleID
    /// The checker rule that produced it (nil for decode-time and stream findings).
    public var checkRule: String?
    public var severity: Severity
    public var verdict: Verdict
    public var direction: Direction
    /// The packet's index in its direction; nil for stream-level findings.
    public var packetIndex: Int?
    public var frames: [FrameNumber]
    public var time: Timestamp
    /// Absolute offsets in the direction's stream.
    public var streamRange: StreamRange?
    /// Offsets relative to the packet's first byte.
    public var packetRange: ByteRange?
    public var message: String
    public var section: String

    public init(rule: RuleID, checkRule: String?, severity: Severity, verdict: Verdict, direction: Direction,
                packetIndex: Int?, frames: [FrameNumber], time: Timestamp, streamRange: StreamRange?,
                packetRange: ByteRange?, message: String, section: String) {
        self.rule = rule
        self.checkRule = checkRule
        self.severity = severity
        self.verdict = verdict
        self.direction = direction
        self.packetIndex = packetIndex
        self.frames = frames
        self.time = time
        self.streamRange = streamRange
        self.packetRange = packetRange
        self.message = message
        self.section = section
    }
}
