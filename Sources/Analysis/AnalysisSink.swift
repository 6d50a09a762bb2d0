public import WireCore
public import MQTTCodec
public import PacketLayers
public import DisplayFilters

/// Receives what the analysis finds, in capture order. Generic (no existentials): each command
/// supplies its own sink type and implements only what it needs.
public protocol AnalysisSink {
    /// A connection ended (closed, reset, or still open when the capture ended).
    mutating func connectionFinished(_ connection: ConnectionSummary)
    /// A note about the capture file itself.
    mutating func fileNote(_ note: FileNote)
    /// Whether MQTT packets should be decoded at all (false for `streams`).
    var wantsPackets: Bool { get }
    /// Whether each packet needs its full decode; false when only its type is needed (counting),
    /// which then arrives through `mqttPacketCounted` instead of `mqttPacket`.
    var wantsFields: Bool { get }
    /// Whether a decoded MQTT packet needs its field tree. False: an MQTT `unit` comes with an empty tree
    /// and only the typed message (and findings), which the decoder then fills without building
    /// the tree (`stats`).
    var wantsFieldTree: Bool { get }
    /// Whether retransmitted bytes are compared with their first copy, so that conflicting overlaps
    /// are reported. False lets reassembly skip keeping a copy of the bytes it delivers (the overlap
    /// history, one copy of every payload byte): for sinks that show no stream events at all.
    var wantsOverlapConflicts: Bool { get }
    /// A packet framed but not decoded (when `wantsFields` is false).
    mutating func mqttPacketCounted(_ type: MQTTPacketType)
    /// Whether `skipsMQTTPacket` may turn packets away (asked once per run).
    var prefiltersPackets: Bool { get }
    /// Before an MQTT packet is decoded, its event facts and type (no fields): true when the sink
    /// certainly does not want it (a display filter decided on these alone), so it is not decoded
    /// and `unit` is not called. Packets that change connection state (a CONNECT, a 5.0
    /// PUBLISH: topic aliases) are never offered.
    mutating func skipsMQTTPacket(_ subject: FilterSubject, pdu: Span<UInt8>, type: MQTTPacketType) -> Bool
    /// One decoded unit of any layer (an MQTT packet, a STOMP frame or heart-beat EOL, a WebSocket
    /// head or frame, a TLS message or record), with its raw bytes and annotated fields lent for the
    /// call. Every consumer receives every layer's units through this one method.
    mutating func unit(_ unit: DecodedUnit, bytes: Span<UInt8>, fields: borrowing FieldTree)
    /// A stream-level event: gap, conflicting overlap, resynchronisation.
    mutating func streamEvent(_ event: StreamEventReport)
    /// Whether every TCP segment's header is wanted (`tcpSegment`), e.g. for RTT estimates.
    var wantsSegments: Bool { get }
    /// Every TCP segment, in capture order, just before reassembly takes it (so a segment that
    /// ends a connection comes before `connectionFinished`); `payloadLength` counts the bytes the
    /// snap length cut off too.
    mutating func tcpSegment(_ segment: borrowing TCPSegment, payloadLength: Int, time: Timestamp)
    /// Sharded runs only (`CaptureAnalysis.runOrdered`): the reassembler's call numbered `sequence`
    /// begins; what the sink is told until the next one belongs to it (see `ShardBatch`).
    mutating func beginEvent(_ sequence: UInt64)
}

extension AnalysisSink {
    public mutating func connectionFinished(_ connection: ConnectionSummary) {}
    public mutating func fileNote(_ note: FileNote) {}
    public var wantsPackets: Bool { true }
    public var wantsFields: Bool { true }
    public var wantsFieldTree: Bool { true }
    public var wantsOverlapConflicts: Bool { true }
    public mutating func mqttPacketCounted(_ type: MQTTPacketType) {}
    public var prefiltersPackets: Bool { false }
    public mutating func skipsMQTTPacket(_ subject: FilterSubject, pdu: Span<UInt8>, type: MQTTPacketType) -> Bool {
        false
    }
    public mutating func unit(_ unit: DecodedUnit, bytes: Span<UInt8>, fields: borrowing FieldTree) {}
    public mutating func streamEvent(_ event: StreamEventReport) {}
    public var wantsSegments: Bool { false }
    public mutating func tcpSegment(_ segment: borrowing TCPSegment, payloadLength: Int, time: Timestamp) {}
    public mutating func beginEvent(_ sequence: UInt64) {}
}
