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
    /// The packet's type when known (its findings name it; baseline fingerprints use it).
    public var packetType: MQTTPacketType?
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
        self.packetType = nil
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
    /// The MQTT packet type, STOMP command or WebSocket unit the finding is about (nil for
    /// stream-level findings).
    public var packetType: String?
    /// A cross-connection finding's chain of evidence (empty for the others).
    public var evidence: [Evidence] = []

    public init(rule: RuleID, checkRule: String?, severity: Severity, verdict: Verdict, direction: Direction,
                packetIndex: Int?, frames: [FrameNumber], time: Timestamp, streamRange: StreamRange?,
                packetRange: ByteRange?, message: String, section: String, packetType: String? = nil) {
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
        self.packetType = packetType
    }
}

/// One link of a cross-connection finding's chain of evidence (`check --explain`, the JSON
/// `evidence` array): a packet (or its absence) on one connection of the capture.
public struct Evidence: Sendable, Equatable {
    public enum Role: String, Sendable {
        /// A client's PUBLISH, or the CONNECT that carried a Will.
        case publish, will
        /// The subscription that matched, or should have.
        case subscription
        /// The server's PUBLISH to a subscriber; `notDelivered`: none within the window (no frame).
        case delivery, notDelivered = "not-delivered"
        /// How the Will's connection ended (DISCONNECT or close), and a later connection of its session.
        case disconnect, close, reconnect
    }
    public var role: Role
    public var connection: ConnectionID
    public var frame: FrameNumber?
    /// The subscription's filter.
    public var filter: String?
    /// The topic published or delivered.
    public var topic: String?
    /// What else identifies it: "qos=1 retain", "granted 0", "reason 0x04" …
    public var note: String?

    public init(_ role: Role, connection: ConnectionID, frame: FrameNumber?, filter: String? = nil,
                topic: String? = nil, note: String? = nil) {
        self.role = role
        self.connection = connection
        self.frame = frame
        self.filter = filter
        self.topic = topic
        self.note = note
    }

    /// One line of `check --explain`.
    public var text: String {
        var s = "\(role.rawValue) #\(connection)" + (frame.map { " frame \($0)" } ?? "")
        if let filter { s += " filter \"\(filter)\"" }
        if let topic { s += " topic \"\(topic)\"" }
        if let note { s += " (\(note))" }
        return s
    }
}
