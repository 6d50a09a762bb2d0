import TLSCodec
public import WireCore
public import Rendering
public import MQTTCodec
public import DisplayFilters
import STOMPCodec
import WebSocketCodec
import TCPReassembly

/// The `read` command's sink: renders each MQTT packet, STOMP frame and WebSocket handshake or
/// frame as it is decoded — a summary line, the whole field tree (`verbose`), JSON or NDJSON
/// (schema mqscope.read/2) — or only counts it.
/// Set by the report once `-c N` units were shown; read between frames by the reading loop (one thread).
public final class LimitFlag: @unchecked Sendable {
    public var isSet = false
    public init() {}
}

public struct ReadReport: AnalysisSink {
    public enum Format: String, Sendable, CaseIterable {
        case text, json, ndjson
        /// Columns (`-T fields -e …`): one row per unit, values as `FieldColumns` writes them.
        case fields
    }

    public var w: JSONWriter
    let format: Format
    let verbose: Bool
    let countOnly: Bool
    let context: FieldRenderContext
    let filter: PacketFilter
    /// The columns of `.fields`.
    let columns: FieldColumns?
    /// Flush after every packet (live capture, pipes that must see each line at once).
    let flushEachPacket: Bool
    /// Text: how times are shown (`-t`), a hex and ASCII dump of each unit (`-x`), and a
    /// `==> FILE <==` line before each file's units (several files).
    public var timeStyle = TimeFormat.Style.relative
    public var hexDump = false
    /// Colour the severity of finding lines (`--color`).
    public var colour = false
    public var fileHeaders = false
    /// Units to show in all (`-c N`); later ones are neither shown nor counted, and `limitReached`
    /// tells the reading loop (`RunControl`) to stop.
    public var limit: Int?
    public let limitReached = LimitFlag()
    var shownUnits = 0
    var previousTime: Timestamp?

    var fileName = ""
    /// The capture's first frame time (learnt from the first packet event).
    var captureStart = Timestamp.zero
    var filesWritten = 0
    var scratch = Output(fd: -1, threshold: Int.max)
    var endpoints: [ConnectionID: (String, String)] = [:]
    var heldEvents: [StreamEventReport] = []
    /// A shard's (`runOrdered`): where its output goes, and the call number of each held event.
    var shardWriter: ShardWriter?
    var heldEventSequences: [UInt64] = []
    /// Merged shard output was written for this file (the first piece's comma is dropped in JSON).
    var wroteMerged = false
    var finishedConnections: [ConnectionSummary] = []
    /// Connections that lost bytes: their violations are unverifiable until the stream shows it is
    /// back on unit boundaries (the same judgement as `check`'s).
    var loss = LossWindows()
    /// Packets per type (index = type number), this file and all files.
    public private(set) var counts = [Int](repeating: 0, count: 16)
    public private(set) var totalCounts = [Int](repeating: 0, count: 16)
    public private(set) var findingsBySeverity = [Int](repeating: 0, count: 3)
    /// STOMP frames per command code (0 = unknown command), and heart-beat EOLs, this file.
    public private(set) var stompCounts = [Int](repeating: 0, count: 16)
    public private(set) var stompHeartBeats = 0
    /// WebSocket frames per opcode, and handshake heads, this file.
    public private(set) var webSocketCounts = [Int](repeating: 0, count: 16)
    public private(set) var webSocketHandshakes = 0
    /// TLS handshake messages, alerts, ChangeCipherSpecs and undecrypted records shown.
    public private(set) var tlsUnits = 0

    public init(format: Format, verbose: Bool, countOnly: Bool, context: FieldRenderContext, filter: PacketFilter,
                flushEachPacket: Bool = false, columns: FieldColumns? = nil, out: Output = Output()) {
        self.w = JSONWriter(out: out)
        self.format = format
        self.verbose = verbose
        self.countOnly = countOnly
        self.context = context
        self.filter = filter
        self.flushEachPacket = flushEachPacket
        self.columns = columns
    }

    // MARK: Document structure

    public mutating func beginRun() {
        if format == .fields, !countOnly, let c = columns, c.style.header { c.writeHeader(into: &w.out) }
        if format == .json && !countOnly {
            w.objectStart()
            w.key("schema", context.readSchema >= 3 ? "mqscope.read/3" : "mqscope.read/2")
            w.key("files")
            w.arrayStart()
        }
    }

    public mutating func beginFile(_ name: String) {
        fileName = name
        previousTime = nil
        counts = [Int](repeating: 0, count: 16)
        stompCounts = [Int](repeating: 0, count: 16)
        stompHeartBeats = 0
        webSocketCounts = [Int](repeating: 0, count: 16)
        webSocketHandshakes = 0
        tlsUnits = 0
        endpoints.removeAll()
        heldEvents.removeAll()
        wroteMerged = false
        finishedConnections.removeAll()
        loss = LossWindows()
        if countOnly { return }
        if fileHeaders && (format == .text || format == .fields) { w.out.write("==> \(name) <==\n") }
        switch format {
        case .json:
            w.objectStart()
            w.key("file", name)
            w.key("packets")
            w.arrayStart()
        case .ndjson, .text, .fields:
            break
        }
    }

    public mutating func endFile(_ summary: FileSummary?) {
        defer { filesWritten += 1 }
        if countOnly {
            // An unusable file (nil) has no counts: its error line says why.
            guard summary != nil else { return }
            var total = 0
            for c in counts { total += c }
            w.out.write("\(fileName): \(total) MQTT packet\(total == 1 ? "" : "s")\n")
            for t in MQTTPacketType.allCases where counts[Int(t.rawValue)] > 0 {
                w.out.write("  \(t.name) \(counts[Int(t.rawValue)])\n")
            }
            let stompTotal = stompCounts.reduce(0, +)
            if stompTotal > 0 || stompHeartBeats > 0 {
                w.out.write("\(fileName): \(stompTotal) STOMP frame\(stompTotal == 1 ? "" : "s")\n")
                for (code, name) in Self.stompCommandNames where stompCounts[code] > 0 {
                    w.out.write("  \(name) \(stompCounts[code])\n")
                }
                if stompHeartBeats > 0 { w.out.write("  heart-beat \(stompHeartBeats)\n") }
            }
            let wsTotal = webSocketCounts.reduce(0, +)
            if wsTotal > 0 || webSocketHandshakes > 0 {
                w.out.write("\(fileName): \(wsTotal) WebSocket frame\(wsTotal == 1 ? "" : "s")\n")
                if webSocketHandshakes > 0 { w.out.write("  handshake \(webSocketHandshakes)\n") }
                for op in 0..<16 where webSocketCounts[op] > 0 {
                    w.out.write("  \(WebSocketOpcode(rawValue: UInt8(op))) \(webSocketCounts[op])\n")
                }
            }
            return
        }
        switch format {
        case .json:
            w.arrayEnd()
            w.key("stream_events")
            w.arrayStart()
            for e in heldEvents { streamEventJSON(e) }
            w.arrayEnd()
            w.key("connections")
            w.arrayStart()
            for c in finishedConnections.sorted(by: { $0.info.id < $1.info.id }) { connectionJSON(c) }
            w.arrayEnd()
            fileFields(summary)
            w.objectEnd()
        case .ndjson:
            w.objectStart()
            w.key("kind", "file")
            w.key("file", fileName)
            fileFields(summary)
            w.objectEnd()
            w.endLine()
        case .text:
            if let s = summary, let d = s.damaged { w.out.write("warning: \(fileName): reading stopped early: \(d)\n") }
        case .fields:
            break
        }
        w.out.flush()
    }

    public mutating func endRun() {
        if format == .json && !countOnly {
            w.arrayEnd()
            w.objectEnd()
            w.endLine()
        }
        w.out.flush()
    }

    private mutating func fileFields(_ summary: FileSummary?) {
        w.key("link_type", summary?.linkType ?? "")
        w.key("frames", Int(summary?.frames ?? 0))
        w.key("damaged", summary?.damaged)
        w.key("counts")
        w.objectStart()
        for t in MQTTPacketType.allCases where counts[Int(t.rawValue)] > 0 { w.key(t.name, counts[Int(t.rawValue)]) }
        w.objectEnd()
        w.key("stomp_counts")
        w.objectStart()
        for (code, name) in Self.stompCommandNames where stompCounts[code] > 0 { w.key(name, stompCounts[code]) }
        if stompHeartBeats > 0 { w.key("heart-beat", stompHeartBeats) }
        w.objectEnd()
        w.key("websocket_counts")
        w.objectStart()
        if webSocketHandshakes > 0 { w.key("handshake", webSocketHandshakes) }
        for op in 0..<16 where webSocketCounts[op] > 0 {
            w.key(WebSocketOpcode(rawValue: UInt8(op)).description, webSocketCounts[op])
        }
        w.objectEnd()
    }

    /// STOMP command codes (`STOMPCommand.code`) and names; 0 is an unknown command.
    static let stompCommandNames: [(Int, String)] =
        (STOMPCommand.clientCommands + STOMPCommand.serverCommands).map { (Int($0.code), $0.name) } + [(0, "unknown")]

    // MARK: Sink

    /// Counting without filters needs only each packet's type.
    public var wantsFields: Bool { !(countOnly && filter.isEmpty) }

    /// Counting shows no stream events, so retransmissions need no comparison.
    public var wantsOverlapConflicts: Bool { !countOnly }

    /// Adds the per-file counts of `other` (a shard of the same file, `CaptureAnalysis.runSharded`).
    public mutating func addCounts(of other: ReadReport) {
        for i in 0..<16 {
            counts[i] += other.counts[i]
            totalCounts[i] += other.counts[i]
            stompCounts[i] += other.stompCounts[i]
            webSocketCounts[i] += other.webSocketCounts[i]
        }
        for i in 0..<3 { findingsBySeverity[i] += other.findingsBySeverity[i] }
        stompHeartBeats += other.stompHeartBeats
        webSocketHandshakes += other.webSocketHandshakes
        tlsUnits += other.tlsUnits
    }

    public mutating func mqttPacketCounted(_ type: MQTTPacketType) {
        counts[Int(type.rawValue)] += 1
        totalCounts[Int(type.rawValue)] += 1
    }

    /// A filter that may decide on a packet's type and facts alone.
    public var prefiltersPackets: Bool { !filter.display.acceptsAll && filter.frame == nil }

    public mutating func skipsMQTTPacket(_ subject: FilterSubject, pdu: Span<UInt8>, type: MQTTPacketType) -> Bool {
        captureStart = subject.captureStart
        return filter.rejectsBeforeDecoding(subject, pdu, type)
    }

    /// Renders every layer's units alike (summary line, tree, JSON, columns), after the filter.
    public mutating func unit(_ unit: DecodedUnit, bytes: Span<UInt8>, fields: borrowing FieldTree) {
        switch unit {
        case .mqtt(let e): mqttPacket(e, pdu: bytes, fields: fields)
        case .stomp(let e): stompFrame(e, frame: bytes, fields: fields)
        case .webSocket(let e): webSocketEvent(e, bytes: bytes, fields: fields)
        case .tls(let e): tlsEvent(e, bytes: bytes, fields: fields)
        }
    }

    public mutating func mqttPacket(_ e: MQTTPacketEvent, pdu: Span<UInt8>, fields: borrowing FieldTree) {
        if let judged = loss.judged(e) {
            mqttPacketShown(judged, pdu: pdu, fields: fields)
        } else {
            mqttPacketShown(e, pdu: pdu, fields: fields)
        }
    }

    private mutating func mqttPacketShown(_ e: MQTTPacketEvent, pdu: Span<UInt8>, fields: borrowing FieldTree) {
        captureStart = e.captureStart
        if !filter.isEmpty && !filter.accepts(e, pdu, fields) { return }
        if !admit() { return }
        let typeIndex = Int(e.message.packetType?.rawValue ?? 0)
        counts[typeIndex] += 1
        totalCounts[typeIndex] += 1
        for d in e.diagnostics { findingsBySeverity[d.severity.rawValue] += 1 }
        if countOnly { return }
        switch format {
        case .text: packetText(e, pdu, fields)
        case .json: packetJSON(e, pdu, fields)
        case .ndjson: packetJSON(e, pdu, fields); w.endLine()
        case .fields: columns?.writeRow(e.filterSubject, pdu: pdu, tree: fields, into: &w.out)
        }
        if flushEachPacket { w.out.flush() }
    }

    public mutating func stompFrame(_ e: STOMPFrameEvent, frame: Span<UInt8>, fields: borrowing FieldTree) {
        if !e.isHeartBeat, let judged = loss.judged(e) {
            stompFrameShown(judged, frame: frame, fields: fields)
        } else {
            stompFrameShown(e, frame: frame, fields: fields)
        }
    }

    private mutating func stompFrameShown(_ e: STOMPFrameEvent, frame: Span<UInt8>, fields: borrowing FieldTree) {
        captureStart = e.captureStart
        if !filter.isEmpty && !filter.accepts(e, frame, fields) { return }
        if !admit() { return }
        if e.isHeartBeat { stompHeartBeats += 1 } else {
            let code = Int(e.summary.command.code)
            stompCounts[code < 16 ? code : 0] += 1
        }
        for d in e.diagnostics { findingsBySeverity[d.severity.rawValue] += 1 }
        if countOnly { return }
        switch format {
        case .text:
            scratch.clear()
            STOMPSummary.write(e, frame, showSecrets: context.showSecrets, payloadLimit: verbose ? 0 : 32,
                               into: &scratch)
            eventText(e.connection, e.direction, e.lastFrame, e.time, e.firstFrame, e.streamRange, e.diagnostics,
                      frame, fields, showTree: !e.isHeartBeat)
        case .json, .ndjson:
            eventHeadJSON(kind: "packet", e.connection, e.direction, e.firstFrame, e.lastFrame, e.time, protocol: "stomp")
            w.key("transport", e.transport.rawValue)
            w.key("version", e.version.description)
            w.key("version_source", e.versionSource.rawValue)
            w.key("stream_offset", e.streamRange.lower)
            w.key("length", e.streamRange.count)
            w.key("type", e.isHeartBeat ? "heart-beat" : (e.summary.command.code == 0 ? "unknown" : e.summary.command.name))
            if case .unknown(let b) = e.summary.command, !e.isHeartBeat {
                w.key("command", String(decoding: b.prefix(64), as: UTF8.self))
            }
            if !e.isComplete { w.key("incomplete", true) }
            if let c2s = e.heartBeatClientToServer, let s2c = e.heartBeatServerToClient {
                w.key("heart_beat")
                w.objectStart()
                w.key("client_to_server_ms", Int(clamping: c2s))
                w.key("server_to_client_ms", Int(clamping: s2c))
                w.objectEnd()
            }
            scratch.clear()
            STOMPSummary.write(e, frame, showSecrets: context.showSecrets, payloadLimit: 0, into: &scratch)
            eventTailJSON(e.streamRange.lower, e.diagnostics, frame, fields)
        case .fields:
            columns?.writeRow(e.filterSubject(frame, fields), pdu: frame, tree: fields, into: &w.out)
        }
        if flushEachPacket { w.out.flush() }
    }

    public mutating func webSocketEvent(_ e: WebSocketEventReport, bytes: Span<UInt8>, fields: borrowing FieldTree) {
        if let judged = loss.judged(e) {
            webSocketEventShown(judged, bytes: bytes, fields: fields)
        } else {
            webSocketEventShown(e, bytes: bytes, fields: fields)
        }
    }

    private mutating func webSocketEventShown(_ e: WebSocketEventReport, bytes: Span<UInt8>, fields: borrowing FieldTree) {
        captureStart = e.captureStart
        if !filter.isEmpty && !filter.accepts(e, bytes, fields) { return }
        if !admit() { return }
        switch e.kind {
        case .handshake: webSocketHandshakes += 1
        case .frame(let f): webSocketCounts[Int(f.opcode.rawValue & 0x0F)] += 1
        }
        for d in e.diagnostics { findingsBySeverity[d.severity.rawValue] += 1 }
        if countOnly { return }
        switch format {
        case .text:
            scratch.clear()
            WebSocketSummary.write(e, bytes, into: &scratch)
            eventText(e.connection, e.direction, e.lastFrame, e.time, e.firstFrame, e.streamRange, e.diagnostics,
                      bytes, fields, showTree: true)
        case .json, .ndjson:
            eventHeadJSON(kind: "packet", e.connection, e.direction, e.firstFrame, e.lastFrame, e.time,
                          protocol: "websocket")
            w.key("stream_offset", e.streamRange.lower)
            w.key("length", e.streamRange.count)
            w.key("type", WebSocketSummary.typeName(e))
            if let inner = e.inner { w.key("inner", inner.rawValue) }
            if case .frame(let f) = e.kind {
                w.key("fin", f.fin)
                w.key("masked", f.masked)
                w.key("payload_length", Int(clamping: f.payloadLength))
                if let c = f.closeCode { w.key("close_code", Int(c)) }
            }
            scratch.clear()
            WebSocketSummary.write(e, bytes, into: &scratch)
            eventTailJSON(e.streamRange.lower, e.diagnostics, bytes, fields)
        case .fields:
            columns?.writeRow(e.filterSubject, pdu: bytes, tree: fields, into: &w.out)
        }
        if flushEachPacket { w.out.flush() }
    }

    public mutating func tlsEvent(_ e: TLSEventReport, bytes: Span<UInt8>, fields: borrowing FieldTree) {
        captureStart = e.captureStart
        if !filter.isEmpty && !filter.accepts(e, bytes, fields) { return }
        tlsUnits += 1
        for d in e.diagnostics { findingsBySeverity[d.severity.rawValue] += 1 }
        if countOnly { return }
        scratch.clear()
        scratch.write(e.summary)
        switch format {
        case .text:
            eventText(e.connection, e.direction, e.record.lastFrame, e.time, e.record.firstFrame, e.streamRange, e.diagnostics,
                      bytes, fields, showTree: true)
        case .json, .ndjson:
            eventHeadJSON(kind: "packet", e.connection, e.direction, e.record.firstFrame, e.record.lastFrame, e.time,
                          protocol: "tls")
            w.key("stream_offset", e.streamRange.lower)
            w.key("length", e.streamRange.count)
            let type: String
            switch e.kind {
            case .handshake(let t): type = TLSField.handshakeType.spec.valueName(UInt64(t)) ?? "handshake"
            case .alert: type = "alert"
            case .changeCipherSpec: type = "change_cipher_spec"
            case .encrypted: type = "encrypted"
            }
            w.key("type", type)
            w.key("decrypted", e.decrypted)
            w.key("tls_record", e.record.index)
            eventTailJSON(e.streamRange.lower, e.diagnostics, bytes, fields)
        case .fields:
            columns?.writeRow(e.filterSubject, pdu: bytes, tree: fields, into: &w.out)
        }
        if flushEachPacket { w.out.flush() }
    }

    public mutating func streamEvent(_ e: StreamEventReport) {
        loss.streamEvent(e)
        if !filter.acceptsStreamEvent(e.connection.id, frames: e.frames) { return }
        findingsBySeverity[e.severity.rawValue] += 1
        if countOnly { return }
        switch format {
        case .fields:
            break
        case .text:
            let (src, dst) = ends(e.connection, e.direction)
            w.out.write(pad(e.frames.last.map(String.init) ?? "-", 7))
            w.out.write("  ")
            w.out.write(pad(e.time == .zero ? "-" : TimeFormat.styled(e.time, timeStyle == .delta ? .relative : timeStyle,
                                                                      origin: captureStart), 12))
            w.out.write("  \(src) → \(dst)  #\(e.connection.id)  [\(e.rule)] \(e.message)\n")
        case .json:
            heldEvents.append(e)
            if let s = shardWriter { heldEventSequences.append(s.current) }
        case .ndjson:
            streamEventJSON(e)
            w.endLine()
        }
        if flushEachPacket { w.out.flush() }
    }

    public mutating func connectionFinished(_ c: ConnectionSummary) {
        loss.finished(c.info.id)
        if format == .json { finishedConnections.append(c) }
        if format == .ndjson && !countOnly {
            connectionJSON(c)
            w.endLine()
        }
    }

    /// Counts a unit against `limit`; false once the limit is reached.
    private mutating func admit() -> Bool {
        guard let l = limit else { return true }
        if shownUnits >= l { return false }
        shownUnits += 1
        if shownUnits == l { limitReached.isSet = true }
        return true
    }

    /// The time column of a text line.
    private mutating func timeText(_ t: Timestamp) -> String {
        let origin = timeStyle == .delta ? (previousTime ?? t) : captureStart
        previousTime = t
        return TimeFormat.styled(t, timeStyle, origin: origin)
    }

    /// `-x`: the unit's bytes, 16 a line, with offsets within the unit and an ASCII column; secrets
    /// (redacted fields) are masked unless --show-secrets.
    private mutating func hexDumpText(_ bytes: Span<UInt8>, _ tree: borrowing FieldTree) {
        var secret: [ByteRange] = []
        if !context.showSecrets {
            for n in tree.nodes { if case .redacted(let r) = n.value { secret.append(r) } }
        }
        let digits: StaticString = "0123456789abcdef"
        var line = 0
        while line < bytes.count {
            w.out.write("         ")
            let off = String(line, radix: 16)
            w.out.write(String(repeating: "0", count: max(0, 4 - off.count)) + off)
            w.out.write("  ")
            var ascii: [UInt8] = []
            for i in line..<(line + 16) {
                if i == line + 8 { w.out.byte(0x20) }
                guard i < bytes.count else { w.out.write("   "); continue }
                let masked = secret.contains { i >= $0.lower && i < $0.upper }
                if masked {
                    w.out.write("** ")
                    ascii.append(UInt8(ascii: "*"))
                } else {
                    let b = bytes[i]
                    digits.withUTF8Buffer { d in w.out.byte(d[Int(b >> 4)]); w.out.byte(d[Int(b & 0x0F)]) }
                    w.out.byte(0x20)
                    ascii.append(b >= 0x20 && b < 0x7F ? b : UInt8(ascii: "."))
                }
            }
            w.out.byte(0x20)
            ascii.withUnsafeBufferPointer { w.out.append($0) }
            w.out.byte(0x0A)
            line += 16
        }
    }

    // MARK: Text

    private mutating func packetText(_ e: MQTTPacketEvent, _ pdu: Span<UInt8>, _ tree: borrowing FieldTree) {
        let (src, dst) = ends(e.connection, e.direction)
        w.out.decimal(e.lastFrame, width: 7)
        w.out.write("  ")
        if timeStyle == .relative {
            w.out.relativeTime(e.time.totalNanoseconds, since: e.captureStart.totalNanoseconds, width: 12)
        } else {
            w.out.write(pad(timeText(e.time), 12))
        }
        w.out.write("  ")
        w.out.write(src); w.out.write(" → "); w.out.write(dst)
        w.out.write("  #"); w.out.decimal(e.connection.id)
        w.out.write("  ")
        MQTTSummary.write(e, pdu, tree, showSecrets: context.showSecrets, payloadLimit: verbose ? 0 : 32, into: &w.out)
        if e.versionSource == .inferred || e.versionSource == .assumed {
            w.out.write(" [version \(e.version) \(e.versionSource.rawValue)]")
        }
        if e.transport != .tcp { w.out.write(" [\(e.transport.rawValue)]") }
        w.out.byte(0x0A)
        if verbose {
            w.out.write("         stream \(e.direction) \(e.streamRange.lower)..<\(e.streamRange.upper), frames ")
            var lastFrame: FrameNumber = 0
            var firstOut = true
            for c in e.frames where c.frame != lastFrame {
                if !firstOut { w.out.write(",") }
                w.out.decimal(c.frame)
                lastFrame = c.frame
                firstOut = false
            }
            w.out.byte(0x0A)
            FieldTreeText.render(tree, pdu: pdu, streamOffset: e.streamRange.lower, context: context, indent: "  ",
                                 into: &w.out)
        }
        for d in FindingCap.bounded(e.diagnostics) {
            w.out.write("         ! \(Paint.severity(d.severity, d.severity.description, on: colour)) \(d.rule)")
            if let r = d.range {
                w.out.write(" at stream \(e.streamRange.lower &+ UInt64(max(0, r.lower)))+\(r.count)")
            }
            w.out.write(": \(d.message)\n")
        }
        if hexDump { hexDumpText(pdu, tree) }
    }

    private mutating func ends(_ c: ConnectionInfo, _ d: Direction) -> (String, String) {
        let pair: (String, String)
        if let cached = endpoints[c.id] { pair = cached } else {
            pair = (c.client.description, c.server.description)
            endpoints[c.id] = pair
        }
        return d == .clientToServer ? pair : (pair.1, pair.0)
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    /// A STOMP or WebSocket line: the summary (already in `scratch`), then with -V the tree.
    private mutating func eventText(_ c: ConnectionInfo, _ d: Direction, _ last: FrameNumber, _ time: Timestamp,
                                    _ first: FrameNumber, _ range: StreamRange, _ diags: [Diagnostic],
                                    _ bytes: Span<UInt8>, _ tree: borrowing FieldTree, showTree: Bool) {
        let (src, dst) = ends(c, d)
        w.out.write(pad(String(last), 7))
        w.out.write("  ")
        w.out.write(pad(timeText(time), 12))
        w.out.write("  ")
        w.out.write(src); w.out.write(" → "); w.out.write(dst)
        w.out.write("  #"); w.out.decimal(c.id)
        w.out.write("  ")
        let line = scratch
        line.withBytes { w.out.append($0) }
        w.out.byte(0x0A)
        if verbose && showTree {
            w.out.write("         stream \(d) \(range.lower)..<\(range.upper), frames \(first)")
            if last != first { w.out.write(",\(last)") }
            w.out.byte(0x0A)
            FieldTreeText.render(tree, pdu: bytes, streamOffset: range.lower, context: context, indent: "  ",
                                 into: &w.out)
        }
        for diag in diags {
            w.out.write("         ! \(Paint.severity(diag.severity, diag.severity.description, on: colour)) \(diag.rule)")
            if let r = diag.range { w.out.write(" at stream \(range.lower &+ UInt64(max(0, r.lower)))+\(r.count)") }
            w.out.write(": \(diag.message)\n")
        }
        if hexDump && showTree { hexDumpText(bytes, tree) }
    }

    private mutating func eventHeadJSON(kind: String, _ c: ConnectionInfo, _ d: Direction, _ first: FrameNumber,
                                        _ last: FrameNumber, _ time: Timestamp, protocol name: String) {
        w.objectStart()
        if format == .ndjson { w.key("kind", kind); w.key("file", fileName) }
        w.key("frame", Int(last))
        w.key("frames")
        w.arrayStart()
        w.int(first)
        if last != first { w.int(last) }
        w.arrayEnd()
        w.key("time", TimeFormat.iso8601(time))
        w.key("time_relative"); w.raw(TimeFormat.relative(time, to: captureStart))
        w.key("connection", Int(c.id))
        w.key("direction", d == .clientToServer ? "client_to_server" : "server_to_client")
        let (src, dst) = ends(c, d)
        w.key("source", src)
        w.key("destination", dst)
        w.key("protocol", name)
    }

    /// Summary (from `scratch`), findings and fields; closes the object.
    private mutating func eventTailJSON(_ streamLower: UInt64, _ diags: [Diagnostic], _ bytes: Span<UInt8>,
                                        _ tree: borrowing FieldTree) {
        w.key("summary")
        // A copy of the handle lends the bytes while `w` is written (no array copy per event).
        let summary = scratch
        summary.withBytes { w.string(utf8: $0.span) }
        findingsJSON(diags, streamLower)
        if context.readSchema >= 3 { FieldTreeJSON.rawOnce(tree, pdu: bytes, context: context, into: &w) }
        w.key("fields")
        FieldTreeJSON.render(tree, pdu: bytes, streamOffset: streamLower, context: context, into: &w)
        w.objectEnd()
        if format == .ndjson { w.endLine() }
    }

    private mutating func findingsJSON(_ diags: [Diagnostic], _ streamLower: UInt64) {
        w.key("findings")
        w.arrayStart()
        for d in FindingCap.bounded(diags) {
            w.objectStart()
            w.key("rule", d.rule.rawValue)
            w.key("severity", d.severity.description)
            w.key("verdict", d.verdict.rawValue)
            w.key("message", d.message)
            if let r = d.range {
                w.key("offset", r.lower)
                w.key("length", r.count)
                w.key("stream_offset", StreamRange.offset(streamLower, plus: r.lower))
            }
            w.objectEnd()
        }
        w.arrayEnd()
    }

    // MARK: JSON

    private mutating func packetJSON(_ e: MQTTPacketEvent, _ pdu: Span<UInt8>, _ tree: borrowing FieldTree) {
        w.objectStart()
        if format == .ndjson { w.key("kind", "packet"); w.key("file", fileName) }
        w.key("frame", Int(e.lastFrame))
        w.key("frames")
        w.arrayStart()
        var last: FrameNumber = 0
        for c in e.frames where c.frame != last { w.int(c.frame); last = c.frame }
        w.arrayEnd()
        w.key("time", TimeFormat.iso8601(e.time))
        w.key("time_relative"); w.raw(TimeFormat.relative(e.time, to: e.captureStart))
        w.key("connection", Int(e.connection.id))
        w.key("direction", e.direction == .clientToServer ? "client_to_server" : "server_to_client")
        let (src, dst) = ends(e.connection, e.direction)
        w.key("source", src)
        w.key("destination", dst)
        w.key("protocol", "mqtt")
        w.key("transport", e.transport.rawValue)
        w.key("version", e.version.description)
        w.key("version_source", e.versionSource.rawValue)
        if let c = e.clientID { w.key("client_id", c) }
        w.key("stream_offset", e.streamRange.lower)
        w.key("length", e.streamRange.count)
        if e.truncated { w.key("declared_length", e.declaredSize); w.key("truncated", true) }
        w.key("type", e.message.packetType?.name ?? "Malformed")
        if let a = e.aliasTopic { w.key("alias_topic", a) }
        scratch.clear()
        MQTTSummary.write(e, pdu, tree, showSecrets: context.showSecrets, payloadLimit: 0, into: &scratch)
        let summary = scratch
        w.key("summary")
        summary.withBytes { w.string(utf8: $0.span) }
        w.key("findings")
        w.arrayStart()
        for d in FindingCap.bounded(e.diagnostics) {
            w.objectStart()
            w.key("rule", d.rule.rawValue)
            w.key("severity", d.severity.description)
            w.key("verdict", d.verdict.rawValue)
            w.key("message", d.message)
            if let r = d.range {
                w.key("offset", r.lower)
                w.key("length", r.count)
                w.key("stream_offset", StreamRange.offset(e.streamRange.lower, plus: r.lower))
            }
            w.objectEnd()
        }
        w.arrayEnd()
        if context.readSchema >= 3 { FieldTreeJSON.rawOnce(tree, pdu: pdu, context: context, into: &w) }
        w.key("fields")
        FieldTreeJSON.render(tree, pdu: pdu, streamOffset: e.streamRange.lower, context: context, into: &w)
        w.objectEnd()
    }

    private mutating func streamEventJSON(_ e: StreamEventReport) {
        w.objectStart()
        if format == .ndjson { w.key("kind", "stream_event"); w.key("file", fileName) }
        w.key("connection", Int(e.connection.id))
        w.key("direction", e.direction == .clientToServer ? "client_to_server" : "server_to_client")
        w.key("rule", e.rule.rawValue)
        w.key("severity", e.severity.description)
        w.key("verdict", e.verdict.rawValue)
        w.key("stream_offset", e.range.lower)
        w.key("length", e.range.count)
        w.key("frames")
        w.arrayStart()
        for f in e.frames { w.int(f) }
        w.arrayEnd()
        w.key("message", e.message)
        w.objectEnd()
    }

    private mutating func connectionJSON(_ c: ConnectionSummary) {
        w.objectStart()
        if format == .ndjson { w.key("kind", "connection"); w.key("file", fileName) }
        w.key("connection", Int(c.info.id))
        w.key("client", c.info.client.description)
        w.key("server", c.info.server.description)
        w.key("protocol", c.protocolName)
        w.key("detected_by", c.detection.rawValue)
        w.key("handshake_seen", c.info.sawHandshake)
        if let v = c.mqttVersion { w.key("version", v.description) }
        if let s = c.versionSource { w.key("version_source", s.rawValue) }
        if let v = c.stompVersion { w.key("version", v.description) }
        if let s = c.stompVersionSource { w.key("version_source", s.rawValue) }
        if let id = c.clientID { w.key("client_id", id) }
        w.key("end", c.end.rawValue)
        w.objectEnd()
    }
}
