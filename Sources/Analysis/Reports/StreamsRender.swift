import PacketLayers
public import Rendering
import TCPReassembly
import WireCore
import TLSCodec
import MQTTCodec
import STOMPCodec
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `streams` table for people.
public enum StreamsText {
    static let columns = ["ID", "CLIENT", "SERVER", "PROTO", "VERSION", "CLIENT ID", "BY", "START (UTC)", "DURATION",
                          "C>S FRM", "C>S BYTES", "C>S DATA", "S>C FRM", "S>C BYTES", "S>C DATA", "GAPS", "OVL", "OOO",
                          "END"]
    /// On a terminal narrower than the table, these columns go first, in this order (the frame
    /// and byte counts of whole frames, then the detection basis, the start time …); the client
    /// id is then cut to `clientIDWidth`.
    static let dropOrder = ["C>S FRM", "S>C FRM", "C>S BYTES", "S>C BYTES", "BY", "OOO", "OVL", "START (UTC)",
                            "VERSION", "DURATION"]
    static let clientIDWidth = 20

    /// `width`: the terminal's width when the table goes to a terminal, nil otherwise (a file or
    /// a pipe gets every column whole).
    public static func render(_ results: [(FileSummary, [ConnectionSummary])], multipleFiles: Bool, width: Int? = nil,
                       into out: inout Output) {
        for (index, (file, conns)) in results.enumerated() {
            if index > 0 { out.write("\n") }
            out.write("\(displayName(file.name)): \(file.frames) frames, link type \(file.linkType), \(conns.count) TCP connection\(conns.count == 1 ? "" : "s")\n")
            // Rows are made twice (widths, then output) rather than all kept: with a million
            // connections the kept rows weighed more than the connections (issue 12).
            let order = byID(conns)
            var widths = columns.map(\.count)
            for i in order { for (k, cell) in row(conns[i]).enumerated() { widths[k] = max(widths[k], cell.count) } }
            let (keep, cutClientID) = width.map { fit(&widths, $0) } ?? (Array(repeating: true, count: columns.count), false)
            let clientIDColumn = columns.firstIndex(of: "CLIENT ID")
            let last = keep.lastIndex(of: true) ?? 0
            func write(_ r: [String], header: Bool = false) {
                for (k, var cell) in r.enumerated() where keep[k] {
                    if cutClientID, !header, k == clientIDColumn, cell.count > clientIDWidth {
                        cell = String(cell.prefix(clientIDWidth - 1)) + "…"
                    }
                    out.write(cell)
                    if k < last { for _ in 0..<(widths[k] - cell.count + 2) { out.byte(0x20) } }
                }
                out.byte(0x0A)
            }
            write(columns, header: true)
            for i in order { write(row(conns[i])) }
            // TLS connections: version, suite, SNI, ALPN and whether the records were decrypted.
            for i in order {
                if let t = conns[i].tls { out.write("tls #\(conns[i].info.id): \(t.line)\n") }
            }
            for line in groupedNotes(file.notes) { out.write(line + "\n") }
            if let d = file.damaged { out.write("warning: reading stopped early: \(d)\n") }
        }
    }

    /// Which columns to show, and whether to cut long client ids, for a table of column
    /// `widths` to fit in `width`: columns in `dropOrder` go first, then client ids are cut
    /// (`widths` updated to match).
    static func fit(_ widths: inout [Int], _ width: Int) -> (keep: [Bool], cutClientID: Bool) {
        var keep = Array(repeating: true, count: widths.count)
        func total() -> Int {
            let shown = widths.indices.filter { keep[$0] }
            return shown.reduce(0) { $0 + widths[$1] } + 2 * max(0, shown.count - 1)
        }
        for name in dropOrder where total() > width {
            if let i = columns.firstIndex(of: name) { keep[i] = false }
        }
        guard total() > width, let i = columns.firstIndex(of: "CLIENT ID"), widths[i] > clientIDWidth else {
            return (keep, false)
        }
        widths[i] = max(clientIDWidth, columns[i].count)
        return (keep, true)
    }

    /// The terminal's width when standard output is one (`COLUMNS` first, as shells set it), else nil.
    public static func terminalWidth() -> Int? {
        guard isatty(1) != 0 else { return nil }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(c), n > 0 { return n }
        var ws = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
        return 80
    }

    /// A client id as a table cell: control characters shown as `·` (one line per row), an
    /// empty id as `""`.
    static func cell(_ id: String) -> String {
        if id.isEmpty { return "\"\"" }
        var out = ""
        for u in id.unicodeScalars { out.unicodeScalars.append(u.value < 0x20 || u.value == 0x7F ? "·" : u) }
        return out
    }

    /// Notes of the same kind and message become one line with a frame count and range.
    static func groupedNotes(_ notes: [FileNote]) -> [String] {
        var order: [String] = []
        var groups: [String: (kind: String, message: String, frames: [FrameNumber])] = [:]
        for n in notes {
            let key = n.kind.rawValue + "|" + n.message
            if groups[key] == nil { order.append(key); groups[key] = (n.kind.rawValue, n.message, []) }
            if let f = n.frame { groups[key]!.frames.append(f) }
        }
        return order.map { key in
            let g = groups[key]!
            switch g.frames.count {
            case 0: return "note: \(g.kind): \(g.message)"
            case 1: return "note: \(g.kind) (frame \(g.frames[0])): \(g.message)"
            default: return "note: \(g.kind) in \(g.frames.count) frames (\(g.frames.first!)…\(g.frames.last!)): \(g.message)"
            }
        }
    }

    /// The connections' indexes in connection-ID order (indexes, not copies of the summaries).
    static func byID(_ conns: [ConnectionSummary]) -> [Int] {
        conns.indices.sorted { conns[$0].info.id < conns[$1].info.id }
    }

    static func row(_ c: ConnectionSummary) -> [String] {
        let s = c.stats
        func gaps(_ d: DirectionStats) -> Int { d.gaps }
        let overlaps = s.clientToServer.overlaps + s.serverToClient.overlaps
        let conflicting = s.clientToServer.conflictingOverlaps + s.serverToClient.conflictingOverlaps
        let version = c.mqttVersion.map { $0.description + (c.versionSource == .connect ? "" : "?") }
            ?? c.stompVersion.map { $0.description } ?? "-"
        return [
            String(c.info.id), c.info.client.description, c.info.server.description,
            c.protocolName, version, c.clientID.map(cell) ?? "-",
            c.detection.rawValue + (c.info.sawHandshake ? "" : "*"),
            TimeFormat.iso8601(s.firstTime), TimeFormat.relative(s.lastTime, to: s.firstTime),
            String(s.clientToServer.frames), String(s.clientToServer.frameBytes), String(s.clientToServer.payloadBytes),
            String(s.serverToClient.frames), String(s.serverToClient.frameBytes), String(s.serverToClient.payloadBytes),
            String(gaps(s.clientToServer) + gaps(s.serverToClient)),
            conflicting > 0 ? "\(overlaps)!\(conflicting)" : String(overlaps),
            String(s.clientToServer.outOfOrder + s.serverToClient.outOfOrder),
            c.end.rawValue,
        ]
    }
}

/// The `streams` document for machines: schema mqscope.streams/1 (docs/schema/streams-v1.json).
public enum StreamsJSON {
    public static func render(_ results: [(FileSummary, [ConnectionSummary])], into out: inout Output) {
        var w = JSONWriter(out: Output(fd: -1))
        swap(&w.out, &out)
        w.objectStart()
        w.key("schema", "mqscope.streams/1")
        w.key("files")
        w.arrayStart()
        for (file, conns) in results {
            w.objectStart()
            w.key("file", displayName(file.name))
            w.key("link_type", file.linkType)
            w.key("snap_length", file.snapLength)
            w.key("frames", Int(file.frames))
            w.key("layers")
            w.objectStart()
            let l = file.layers
            w.key("tcp_segments", l.tcpSegments); w.key("not_ip", l.notIP); w.key("not_tcp", l.notTCP)
            w.key("malformed", l.malformed); w.key("truncated_frames", l.truncatedFrames)
            w.key("ip_fragments", l.ipFragments); w.key("datagrams_reassembled", l.datagramsReassembled)
            w.key("fragments_unfinished", l.fragmentsUnfinished)
            w.objectEnd()
            w.key("damaged", file.damaged)
            w.key("notes")
            w.arrayStart()
            for n in file.notes {
                w.objectStart()
                w.key("kind", n.kind.rawValue)
                w.key("frame", n.frame)
                w.key("message", n.message)
                w.objectEnd()
            }
            w.arrayEnd()
            w.key("connections")
            w.arrayStart()
            for i in StreamsText.byID(conns) { connection(conns[i], &w) }
            w.arrayEnd()
            w.objectEnd()
        }
        w.arrayEnd()
        w.objectEnd()
        w.endLine()
        swap(&w.out, &out)
    }

    static func tls(_ t: TLSSummary, _ w: inout JSONWriter) {
        w.key("tls")
        w.objectStart()
        if let v = t.versionName { w.key("version", v) }
        if let s = t.suiteName { w.key("cipher_suite", s) }
        if let n = t.facts.serverName { w.key("sni", n) }
        w.key("alpn_offered")
        w.arrayStart()
        for p in t.facts.alpnOffered { w.string(p) }
        w.arrayEnd()
        if let a = t.facts.alpnSelected { w.key("alpn", a) }
        w.key("resumed", t.facts.resumed)
        w.key("decrypted", t.decrypted)
        w.key("decrypted_records", t.decryptedRecords)
        w.key("encrypted_records", t.encryptedRecords)
        if let f = t.failure { w.key("not_decrypted_because", f.description) }
        w.key("certificates")
        w.arrayStart()
        for cert in t.facts.certificates where !cert.unparsable {
            w.objectStart()
            w.key("subject", cert.subject)
            w.key("issuer", cert.issuer)
            if let d = cert.notBefore { w.key("not_before", TLSHandshakeDecoder.isoDate(d)) }
            if let d = cert.notAfter { w.key("not_after", TLSHandshakeDecoder.isoDate(d)) }
            w.objectEnd()
        }
        w.arrayEnd()
        w.objectEnd()
    }

    static func connection(_ c: ConnectionSummary, _ w: inout JSONWriter) {
        w.objectStart()
        w.key("id", Int(c.info.id))
        w.key("client"); endpoint(c.info.client, &w)
        w.key("server"); endpoint(c.info.server, &w)
        w.key("roles_by", c.info.roleBasis.rawValue)
        w.key("handshake_seen", c.info.sawHandshake)
        w.key("protocol", c.protocolName)
        w.key("detected_by", c.detection.rawValue)
        if let v = c.mqttVersion { w.key("version", v.description) } else if let v = c.stompVersion { w.key("version", v.description) }
        if let id = c.clientID { w.key("client_id", id) }
        if let t = c.tls { tls(t, &w) }
        w.key("first_frame", Int(c.firstFrame))
        w.key("last_frame", Int(c.lastFrame))
        w.key("first_time", TimeFormat.iso8601(c.stats.firstTime))
        w.key("last_time", TimeFormat.iso8601(c.stats.lastTime))
        w.key("end", c.end.rawValue)
        for d in Direction.allCases {
            let s = c.stats[d]
            w.key(d == .clientToServer ? "client_to_server" : "server_to_client")
            w.objectStart()
            w.key("frames", s.frames); w.key("frame_bytes", s.frameBytes); w.key("payload_bytes", Int(s.payloadBytes))
            w.key("gaps", s.gaps); w.key("gap_bytes", Int(s.gapBytes)); w.key("overlaps", s.overlaps)
            w.key("conflicting_overlaps", s.conflictingOverlaps); w.key("out_of_order", s.outOfOrder)
            w.objectEnd()
        }
        w.objectEnd()
    }

    static func endpoint(_ e: Endpoint, _ w: inout JSONWriter) {
        w.objectStart()
        w.key("address", e.address.description)
        w.key("port", Int(e.port))
        w.objectEnd()
    }
}

/// The `streams` command's sink: the connections, no packet decoding.
public struct StreamsSink: AnalysisSink {
    public var connections: [ConnectionSummary] = []
    public init() {}
    /// Streams only: no packet decoding.
    public var wantsPackets: Bool { false }
    public mutating func connectionFinished(_ c: ConnectionSummary) { connections.append(c) }
}

/// How a file is named in output: "-" is standard input.
public func displayName(_ path: String) -> String { path == "-" ? "<stdin>" : path }
