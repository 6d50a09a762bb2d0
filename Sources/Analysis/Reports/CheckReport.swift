public import WireCore
public import Conformance
public import MQTTCodec
import TCPReassembly

/// The `check` command's sink: one `MQTTConnectionChecker` per connection, fed every decoded
/// packet; decode-time diagnostics and stream events join the checker's findings in one report.
public struct CheckReport: AnalysisSink {
    /// One finding with the connection it belongs to.
    public struct Finding: Sendable {
        public var file: String
        public var connection: ConnectionID
        public var client: Endpoint
        public var server: Endpoint
        public var clientID: String?
        public var version: MQTTVersion
        public var finding: CheckFinding
        /// Stable across runs of the same traffic (see `fingerprint`).
        public var fingerprint: String
        /// Present in the baseline: reported, never failing.
        public var baselined: Bool
    }

    /// One MQTT connection that was checked.
    public struct Connection: Sendable {
        public var file: String
        public var id: ConnectionID
        public var client: Endpoint
        public var server: Endpoint
        public var clientID: String?
        public var version: MQTTVersion?
        public var versionSource: VersionSource?
        public var midStream: Bool
        public var packets: [Int]
        public var firstFrame: FrameNumber
        public var lastFrame: FrameNumber
    }

    struct ConnectionState {
        var checker: MQTTConnectionChecker
        var info: ConnectionInfo
        var packets = [0, 0]
        var clientID: String?
        var version: MQTTVersion = .v3_1_1
        var versionSource: VersionSource = .assumed
        /// Per direction: where retransmitted bytes first conflicted. Violations from later
        /// bytes of that direction cannot be told from artefacts of the copy the analyzer kept.
        var conflictAt: [UInt64?] = [nil, nil]
        /// Rules already reported as ambiguous after a conflict ("c2s|rule"), reported once.
        var ambiguousReported: Set<String> = []
    }

    public let config: CheckConfig
    public private(set) var findings: [Finding] = []
    public private(set) var connections: [Connection] = []
    public private(set) var files: [(name: String, summary: FileSummary?)] = []
    var fileName = ""
    var states: [ConnectionID: ConnectionState] = [:]

    public init(config: CheckConfig) { self.config = config }

    public mutating func beginFile(_ name: String) {
        fileName = name
        states.removeAll()
    }

    public mutating func endFile(_ summary: FileSummary?) {
        // Connections still open (the router reports them all at the end; this is a safety net).
        for (_, s) in states.sorted(by: { $0.key < $1.key }) {
            var s = s
            s.checker.finish()
            for f in s.checker.findings { add(f, s) }
            record(s, first: 0, last: 0)
        }
        states.removeAll()
        files.append((fileName, summary))
    }

    // MARK: Sink

    public mutating func mqttPacket(_ e: MQTTPacketEvent, pdu: Span<UInt8>, fields: borrowing FieldTree) {
        let id = e.connection.id
        // Mutate the connection's state in place (no copy of the state per packet).
        var found = states.index(forKey: id)
        if found == nil {
            states[id] = ConnectionState(checker: MQTTConnectionChecker(sawStart: e.connection.sawHandshake),
                                         info: e.connection)
            found = states.index(forKey: id)
        }
        guard let i = found else { return }
        let d = Int(e.direction.rawValue)
        let index = states.values[i].packets[d]
        states.values[i].packets[d] = index &+ 1
        states.values[i].version = e.version
        states.values[i].versionSource = e.versionSource
        if states.values[i].clientID == nil, let c = e.clientID { states.values[i].clientID = c }
        let first = e.frames.first?.frame ?? e.lastFrame
        var malformed = false
        for diag in e.diagnostics where diag.severity == .error && diag.verdict == .violation { malformed = true }
        let position = PacketPosition(
            direction: e.direction, version: e.version, index: index, time: e.time, streamRange: e.streamRange,
            firstFrame: first, lastFrame: e.lastFrame, declaredSize: e.declaredSize, truncated: e.truncated,
            malformed: malformed)
        if !e.diagnostics.isEmpty { decodeFindings(e, position) }
        guard let j = states.index(forKey: id) else { return }
        states.values[j].checker.packet(e.message, pdu: pdu, fields: fields, at: position)
        if !states.values[j].checker.findings.isEmpty {
            let s = states.values[j]
            for f in s.checker.findings { add(f, s) }
            states.values[j].checker.clearFindings()
        }
    }

    private mutating func decodeFindings(_ e: MQTTPacketEvent, _ p: PacketPosition) {
        guard let s = states[e.connection.id] else { return }
        for d in e.diagnostics {
            let rule = MQTTRule(rawValue: d.rule.rawValue)
            let frames = p.firstFrame == p.lastFrame ? [p.lastFrame] : [p.firstFrame, p.lastFrame]
            let stream = d.range.map {
                StreamRange(p.streamRange.lower &+ UInt64(clamping: $0.lower), p.streamRange.lower &+ UInt64(clamping: $0.upper))
            }
            let type = e.message.packetType?.name ?? "packet"
            add(CheckFinding(rule: d.rule, checkRule: nil, severity: d.severity, verdict: d.verdict, direction: e.direction,
                             packetIndex: p.index, frames: frames, time: e.time, streamRange: stream ?? p.streamRange,
                             packetRange: d.range, message: "\(type): \(d.message)",
                             section: rule?.info.section ?? ""), s)
        }
    }

    public mutating func streamEvent(_ e: StreamEventReport) {
        let id = e.connection.id
        if states[id] == nil {
            states[id] = ConnectionState(checker: MQTTConnectionChecker(sawStart: e.connection.sawHandshake),
                                         info: e.connection)
        }
        let lost = e.rule == TransportRule.gap || e.rule == TransportRule.overlapConflict
            || e.rule == MQTTRule.pduLostInGap.id || e.rule == MQTTRule.resyncSkipped.id
        if e.rule == TransportRule.overlapConflict, states[id]!.conflictAt[Int(e.direction.rawValue)] == nil {
            states[id]!.conflictAt[Int(e.direction.rawValue)] = e.range.lower
        }
        if lost {
            let v = states[id]!.version
            states[id]!.checker.gap(e.direction, range: e.range, frame: e.frames.first ?? 0, time: e.time, version: v)
        }
        let section = MQTTRule(rawValue: e.rule.rawValue)?.info.section ?? "capture"
        if !states[id]!.checker.findings.isEmpty {
            let s = states[id]!
            for f in s.checker.findings { add(f, s) }
            states[id]!.checker.clearFindings()
        }
        add(CheckFinding(rule: e.rule, checkRule: nil, severity: e.severity, verdict: e.verdict, direction: e.direction,
                         packetIndex: nil, frames: e.frames, time: e.time, streamRange: e.range, packetRange: nil,
                         message: e.message, section: section), states[id]!)
        // A gap makes the state rules that need the lost bytes unverifiable: say so once.
    }

    public mutating func connectionFinished(_ c: ConnectionSummary) {
        guard var s2 = states.removeValue(forKey: c.info.id) else { return }
        s2.checker.finish(closed: c.end == .fin || c.end == .rst || c.end == .reused)
        for f in s2.checker.findings { add(f, s2) }
        s2.checker.clearFindings()
        if let v = c.mqttVersion { s2.version = v }
        if let src = c.versionSource { s2.versionSource = src }
        if s2.clientID == nil { s2.clientID = c.clientID }
        record(s2, first: c.firstFrame, last: c.lastFrame)
    }

    private mutating func record(_ s: ConnectionState, first: FrameNumber, last: FrameNumber) {
        connections.append(Connection(
            file: fileName, id: s.info.id, client: s.info.client, server: s.info.server, clientID: s.clientID,
            version: s.version, versionSource: s.versionSource, midStream: !s.info.sawHandshake, packets: s.packets,
            firstFrame: first, lastFrame: last))
        // Findings recorded before the client id was known (none in practice: CONNECT comes first).
    }

    private mutating func add(_ f: CheckFinding, _ s: ConnectionState) {
        guard config.isEnabled(f.rule, name: f.checkRule) else { return }
        var f = f
        if f.verdict == .violation, f.rule != TransportRule.overlapConflict,
           let c = s.conflictAt[Int(f.direction.rawValue)], let r = f.streamRange, r.upper > c {
            // After conflicting retransmissions the kept copy may not be what the peer received.
            let key = "\(f.direction)|\(f.rule.rawValue)"
            guard states[s.info.id]?.ambiguousReported.insert(key).inserted ?? true else { return }
            f.verdict = .unverifiable
            f.severity = .info
            f.message += " (ambiguous: these bytes follow conflicting retransmitted bytes at stream offset \(c); further such findings are not listed)"
        }
        f.severity = config.severity(f.rule, name: f.checkRule, default: f.severity, verdict: f.verdict)
        let print = Self.fingerprint(f, s.info, clientID: s.clientID)
        findings.append(Finding(file: fileName, connection: s.info.id, client: s.info.client, server: s.info.server,
                                clientID: s.clientID, version: s.version, finding: f, fingerprint: print,
                                baselined: config.baseline.contains(print)))
    }

    /// rule | server endpoint | client (its client id, else its address without the ephemeral
    /// port) | direction | packet index in the direction, or the stream offset. No frame numbers,
    /// no client ports, no times: the same traffic captured again gives the same fingerprints.
    static func fingerprint(_ f: CheckFinding, _ info: ConnectionInfo, clientID: String?) -> String {
        let who = clientID.map { "cid=\($0)" } ?? "ip=\(info.client.address)"
        let at = f.packetIndex.map { "pkt=\($0)" } ?? "off=\(f.streamRange?.lower ?? 0)"
        return "\(f.rule.rawValue)|\(info.server)|\(who)|\(f.direction)|\(at)"
    }

    // MARK: Totals

    /// Findings that count against `--fail-on` (baselined ones do not).
    public func failing(atOrAbove level: Severity?) -> Int {
        guard let level else { return 0 }
        var n = 0
        for f in findings where !f.baselined && f.finding.severity >= level { n += 1 }
        return n
    }
}
