public import WireCore
public import MQTTCodec
public import PacketLayers

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
    /// Whether retransmitted bytes are compared with their first copy, so that conflicting overlaps
    /// are reported. False lets reassembly skip keeping a copy of the bytes it delivers (the overlap
    /// history, one copy of every payload byte): for sinks that show no stream events at all.
    var wantsOverlapConflicts: Bool { get }
    /// A packet framed but not decoded (when `wantsFields` is false).
    mutating func mqttPacketCounted(_ type: MQTTPacketType)
    /// One MQTT packet, its bytes and its annotated fields, lent for the call.
    mutating func mqttPacket(_ event: MQTTPacketEvent, pdu: Span<UInt8>, fields: borrowing FieldTree)
    /// A stream-level event: gap, conflicting overlap, resynchronisation.
    mutating func streamEvent(_ event: StreamEventReport)
    /// One STOMP frame or heart-beat EOL, its bytes and annotated fields, lent for the call.
    mutating func stompFrame(_ event: STOMPFrameEvent, frame: Span<UInt8>, fields: borrowing FieldTree)
    /// One WebSocket handshake head or frame, its raw bytes and fields, lent for the call.
    mutating func webSocketEvent(_ event: WebSocketEventReport, bytes: Span<UInt8>, fields: borrowing FieldTree)
    /// One TLS handshake message, alert, ChangeCipherSpec or undecrypted record, lent for the call.
    mutating func tlsEvent(_ event: TLSEventReport, bytes: Span<UInt8>, fields: borrowing FieldTree)
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
    public var wantsOverlapConflicts: Bool { true }
    public mutating func mqttPacketCounted(_ type: MQTTPacketType) {}
    public mutating func mqttPacket(_ event: MQTTPacketEvent, pdu: Span<UInt8>, fields: borrowing FieldTree) {}
    public mutating func streamEvent(_ event: StreamEventReport) {}
    public mutating func stompFrame(_ event: STOMPFrameEvent, frame: Span<UInt8>, fields: borrowing FieldTree) {}
    public mutating func webSocketEvent(_ event: WebSocketEventReport, bytes: Span<UInt8>,
                                        fields: borrowing FieldTree) {}
    public mutating func tlsEvent(_ event: TLSEventReport, bytes: Span<UInt8>, fields: borrowing FieldTree) {}
    public var wantsSegments: Bool { false }
    public mutating func tcpSegment(_ segment: borrowing TCPSegment, payloadLength: Int, time: Timestamp) {}
    public mutating func beginEvent(_ sequence: UInt64) {}
}
