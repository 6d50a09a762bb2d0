public import WireCore
import MQTTCodec
public import Analysis
public import Statistics
import STOMPCodec
public import Rendering
import TCPReassembly

/// One arrow of a connection's ladder diagram.
public struct LadderEntry: Sendable {
    public var time: Timestamp
    public var direction: Direction
    public var label: String
    public var frame: FrameNumber
    public var streamLower: UInt64
    public var streamUpper: UInt64
    /// Index into `ReportSink.details` when the packet's fields and bytes were kept.
    public var detail: Int?
}

/// One packet kept whole for the report: its field tree and bytes, for the findings that point at it.
public struct PacketDetail: Sendable {
    public var connection: UInt32
    public var direction: Direction
    public var frame: FrameNumber
    public var streamLower: UInt64
    public var summary: String
    public var fields: String
    /// At most `maxDetailBytes` of the packet.
    public var bytes: [UInt8]
    public var totalBytes: Int
}

/// The `report` sink: runs the checker (`CheckReport`) and the statistics (`StatsCollector`) side
/// by side, and keeps what the page draws — each connection's first packets as ladder arrows, and
/// the packets findings point at with their fields and bytes. Everything is bounded.
public struct ReportSink: AnalysisSink {
    public var check: CheckReport
    public var stats: StatsCollector
    public private(set) var ladders: [UInt32: [LadderEntry]] = [:]
    /// Packets per connection not drawn (past `maxArrowsPerConnection`).
    public private(set) var folded: [UInt32: Int] = [:]
    public private(set) var details: [PacketDetail] = []
    public private(set) var detailsDropped = 0
    let context: FieldRenderContext
    var arrows = 0

    public static let maxArrowsPerConnection = 1000
    public static let maxArrows = 50_000
    public static let maxDetails = 2000
    public static let maxDetailBytes = 4096

    public init(check: CheckConfig, stats: StatsOptions, context: FieldRenderContext) {
        self.check = CheckReport(config: check)
        self.stats = StatsCollector(options: stats)
        self.context = context
    }

    public mutating func beginFile(_ name: String) { check.beginFile(name) }
    public mutating func endFile(_ summary: FileSummary?) {
        check.endFile(summary)
        stats.finish()
    }

    public mutating func connectionFinished(_ c: ConnectionSummary) {
        check.connectionFinished(c)
        stats.connectionFinished(c)
    }
    public mutating func fileNote(_ note: FileNote) { check.fileNote(note) }
    public mutating func streamEvent(_ e: StreamEventReport) { check.streamEvent(e) }
    /// Each unit goes to the checker and the statistics; MQTT packets and STOMP frames (heart-beats
    /// only with a finding) are drawn on their connection's ladder.
    public mutating func unit(_ unit: DecodedUnit, bytes: Span<UInt8>, fields: borrowing FieldTree) {
        let before = check.findings.count
        check.unit(unit, bytes: bytes, fields: fields)
        stats.unit(unit, bytes: bytes, fields: fields)
        // The label's buffer is made only for units that are drawn.
        let label: String
        switch unit {
        case .mqtt(let e):
            var line = Output(fd: -1, threshold: Int.max)
            MQTTSummary.write(e, bytes, fields, showSecrets: context.showSecrets, payloadLimit: 48, into: &line)
            label = String(decoding: line.buffer, as: UTF8.self)
        case .stomp(let e):
            guard !e.isHeartBeat || check.findings.count > before else { return }
            var line = Output(fd: -1, threshold: Int.max)
            STOMPSummary.write(e, bytes, showSecrets: context.showSecrets, payloadLimit: 48, into: &line)
            label = String(decoding: line.buffer, as: UTF8.self)
        case .webSocket, .tls:
            return
        }
        record(unit.connection.id, unit.direction, unit.time, label, unit.lastFrame, unit.streamRange,
               keep: check.findings.count > before, pdu: bytes, fields: fields)
    }

    private mutating func record(_ id: UInt32, _ d: Direction, _ t: Timestamp, _ label: String, _ frame: FrameNumber,
                                 _ range: StreamRange, keep: Bool, pdu: Span<UInt8>, fields: borrowing FieldTree) {
        var detail: Int? = nil
        if keep {
            if details.count < Self.maxDetails {
                var text = Output(fd: -1, threshold: Int.max)
                FieldTreeText.render(fields, pdu: pdu, streamOffset: range.lower, context: context, indent: "", into: &text)
                var bytes: [UInt8] = []
                let n = min(pdu.count, Self.maxDetailBytes)
                bytes.reserveCapacity(n)
                for i in 0..<n { bytes.append(pdu[i]) }
                // Secrets: the field tree redacts them; the bytes of redacted fields are blanked too.
                if !context.showSecrets {
                    for node in fields.nodes {
                        if case .redacted(let r) = node.value {
                            var i = max(0, r.lower)
                            while i < min(r.upper, n) { bytes[i] = 0x2A; i += 1 }
                        }
                    }
                }
                details.append(PacketDetail(connection: id, direction: d, frame: frame, streamLower: range.lower,
                                            summary: label, fields: String(decoding: text.buffer, as: UTF8.self),
                                            bytes: bytes, totalBytes: pdu.count))
                detail = details.count - 1
            } else {
                detailsDropped += 1
            }
        }
        let drawn = ladders[id]?.count ?? 0
        if drawn < Self.maxArrowsPerConnection && arrows < Self.maxArrows {
            ladders[id, default: []].append(LadderEntry(time: t, direction: d, label: label, frame: frame,
                                                        streamLower: range.lower, streamUpper: range.upper, detail: detail))
            arrows += 1
        } else {
            folded[id, default: 0] += 1
        }
    }
}
