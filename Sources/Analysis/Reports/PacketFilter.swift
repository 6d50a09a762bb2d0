public import MQTTCodec
public import WireCore
public import DisplayFilters
import STOMPCodec
import WebSocketCodec
import Conformance
import TCPReassembly
import TLSCodec

/// Which units `read` and `live` show: a compiled display filter (`-Y`, with `--type`, `--topic`,
/// `--client-id` and `--connection` folded into it). Stream events (gaps, conflicting
/// retransmissions) have no packet to test: only `--connection` selects them.
public struct PacketFilter: Sendable {
    public var display = DisplayFilter()
    public var connections: Set<UInt32> = []
    /// `--frame N`: only units whose bytes came in frame N (first frame ≤ N ≤ the frame that
    /// completed it), of any protocol — a finding's "frame N" leads to its packet.
    public var frame: FrameNumber?
    public init() {}

    public var isEmpty: Bool { display.acceptsAll && connections.isEmpty && frame == nil }

    /// Whether a unit carried by frames `first` to `last` passes `--frame`.
    public func acceptsFrames(_ first: FrameNumber, _ last: FrameNumber) -> Bool {
        guard let frame else { return true }
        return min(first, last) <= frame && frame <= last
    }

    /// Whether an MQTT packet of this type is certainly not accepted, decided before decoding it
    /// (`DisplayFilter.decideBeforeDecoding`); false when the filter needs its fields.
    public func rejectsBeforeDecoding(_ s: FilterSubject, _ pdu: Span<UInt8>, _ type: MQTTPacketType) -> Bool {
        guard frame == nil, !display.acceptsAll else { return false }
        return display.decideBeforeDecoding(s, pdu: pdu, typeField: MQTTField.packetType.id,
                                            typeValue: UInt64(type.rawValue)) == false
    }

    public func accepts(_ e: MQTTPacketEvent, _ pdu: Span<UInt8>, _ tree: borrowing FieldTree) -> Bool {
        acceptsFrames(e.frames.first?.frame ?? e.lastFrame, e.lastFrame)
            && display.matches(e.filterSubject, pdu: pdu, tree: tree)
    }

    public func accepts(_ e: STOMPFrameEvent, _ frame: Span<UInt8>, _ tree: borrowing FieldTree) -> Bool {
        acceptsFrames(e.firstFrame, e.lastFrame) && display.matches(e.filterSubject(frame, tree), pdu: frame, tree: tree)
    }

    public func accepts(_ e: WebSocketEventReport, _ bytes: Span<UInt8>, _ tree: borrowing FieldTree) -> Bool {
        acceptsFrames(e.firstFrame, e.lastFrame) && display.matches(e.filterSubject, pdu: bytes, tree: tree)
    }

    /// TLS units (handshake messages, alerts, records left encrypted): their tls.* fields and the
    /// connection's TLS facts.
    public func accepts(_ e: TLSEventReport, _ bytes: Span<UInt8>, _ tree: borrowing FieldTree) -> Bool {
        acceptsFrames(e.record.firstFrame, e.record.lastFrame) && display.matches(e.filterSubject, pdu: bytes, tree: tree)
    }

    /// Gaps and conflicting retransmissions: selected by `--connection` and `--frame` only.
    public func acceptsStreamEvent(_ connection: UInt32, frames: [FrameNumber]) -> Bool {
        guard connections.isEmpty || connections.contains(connection) else { return false }
        guard let frame else { return true }
        return frames.contains(frame)
    }
}

extension MQTTVersion {
    /// As `FilterSubject.version` packs it.
    var packed: UInt32 {
        switch self {
        case .v3_1: 30100
        case .v3_1_1: 30101
        case .v5: 50000
        }
    }
}

extension MQTTPacketEvent {
    public var filterSubject: FilterSubject {
        Self.filterSubject(connection: connection, direction: direction, version: version, transport: transport,
                           tls: tls, clientID: clientID, typeCode: UInt64(message.packetType?.rawValue ?? 0),
                           lastFrame: lastFrame, aliasTopic: aliasTopic, time: time, captureStart: captureStart)
    }

    /// The subject of a packet from its facts (also before it is decoded: `skipsMQTTPacket`).
    static func filterSubject(connection: ConnectionInfo, direction: Direction, version: MQTTVersion,
                              transport: Transport, tls: TLSSubject?, clientID: String?, typeCode: UInt64,
                              lastFrame: FrameNumber, aliasTopic: String?, time: Timestamp,
                              captureStart: Timestamp) -> FilterSubject {
        var s = FilterSubject(proto: .mqtt)
        s.overWebSocket = transport == .webSocket || transport == .tlsWebSocket
        s.tls = tls
        s.typeCode = typeCode
        s.frame = UInt64(lastFrame)
        s.connection = connection.id
        s.clientToServer = direction == .clientToServer
        s.clientID = clientID
        s.version = version.packed
        s.aliasTopic = aliasTopic
        s.time = time
        s.captureStart = captureStart
        return s
    }
}

extension STOMPFrameEvent {
    public func filterSubject(_ frame: Span<UInt8>, _ tree: borrowing FieldTree) -> FilterSubject {
        var s = FilterSubject(proto: .stomp)
        s.overWebSocket = transport == .webSocket || transport == .tlsWebSocket
        s.tls = tls
        s.typeCode = isHeartBeat ? FilterSubject.TypeCode.heartBeat : summary.command.code
        s.frame = UInt64(lastFrame)
        s.connection = connection.id
        s.clientToServer = direction == .clientToServer
        s.version = UInt32(version.rawValue / 10) * 10000 + UInt32(version.rawValue % 10) * 100
        s.destination = Self.destination(frame, tree)
        s.time = time
        s.captureStart = captureStart
        return s
    }

    /// The value of the frame's first `destination` header (STOMP 1.2 SEND, SUBSCRIBE, MESSAGE).
    static func destination(_ frame: Span<UInt8>, _ tree: borrowing FieldTree) -> ByteRange? {
        let want: StaticString = "destination"
        var nameFound = false
        for n in tree.nodes {
            if n.field == STOMPField.headerName.id {
                nameFound = false
                guard case .text(let r, _) = n.value, r.count == want.utf8CodeUnitCount, r.upper <= frame.count
                else { continue }
                nameFound = true
                want.withUTF8Buffer { w in
                    for i in 0..<w.count where frame[r.lower + i] != w[i] { nameFound = false; break }
                }
            } else if nameFound, n.field == STOMPField.headerValue.id, case .text(let r, _) = n.value {
                return r
            }
        }
        return nil
    }
}

extension CheckReport.Finding {
    /// What `check -Y` tests: the finding's rule, severity, layer, connection, direction, last
    /// frame, client id and version (not its packet's fields).
    public var filterSubject: FilterSubject {
        let proto: UnitProtocol = switch layer {
        case .tcp: .tcp
        case .webSocket: .websocket
        case .mqtt: .mqtt
        case .stomp: .stomp
        }
        var s = FilterSubject(proto: proto)
        s.frame = UInt64(finding.frames.last ?? 0)
        s.connection = connection
        s.clientToServer = finding.direction == .clientToServer
        s.clientID = clientID
        s.version = version.flatMap { FilterSubject.packVersion($0) } ?? 0
        s.rule = finding.rule.rawValue
        s.severity = finding.severity
        s.time = finding.time
        return s
    }
}

extension WebSocketEventReport {
    public var filterSubject: FilterSubject {
        var s = FilterSubject(proto: .websocket)
        switch kind {
        case .handshake: s.typeCode = FilterSubject.TypeCode.handshake
        case .frame(let f): s.typeCode = UInt64(f.opcode.rawValue)
        }
        s.frame = UInt64(lastFrame)
        s.connection = connection.id
        s.clientToServer = direction == .clientToServer
        s.tls = tls
        s.time = time
        s.captureStart = captureStart
        return s
    }
}
