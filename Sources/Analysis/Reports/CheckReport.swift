public import WireCore
public import Conformance
public import MQTTCodec
public import STOMPCodec
import WebSocketCodec
import TCPReassembly
import TLSCodec

/// The `check` command's sink. Per connection it runs the checker of what the connection carries —
/// `MQTTConnectionChecker` for MQTT, `STOMPConnectionChecker` for STOMP, plus
/// `MQTTWebSocketChecker` when either travels inside WebSocket — and joins their findings with the
/// decoders' findings (MQTT, STOMP, WebSocket) and the stream events in one report.
public struct CheckReport: AnalysisSink {
    public typealias Layer = FindingLayer

    /// One finding with the connection it belongs to.
    public struct Finding: Sendable {
        public var file: String
        public var connection: ConnectionID
        public var client: Endpoint
        public var server: Endpoint
        public var clientID: String?
        public var layer: Layer
        /// The version of the layer's protocol when it has one: MQTT "3.1.1", STOMP "1.2".
        public var version: String?
        public var finding: CheckFinding
        /// Stable across runs of the same traffic (see `fingerprint`).
        public var fingerprint: String
        /// Present in the baseline: reported, never failing.
        public var baselined: Bool
    }

    /// One connection that was checked (MQTT or STOMP, over TCP or WebSocket).
    public struct Connection: Sendable {
        public var file: String
        public var id: ConnectionID
        public var client: Endpoint
        public var server: Endpoint
        public var clientID: String?
        /// As `streams` names it: mqtt, stomp, websocket+mqtt, websocket+stomp, websocket.
        public var protocolName: String
        public var mqttVersion: MQTTVersion?
        public var mqttVersionSource: VersionSource?
        public var stompVersion: STOMPVersion?
        public var stompVersionSource: STOMPVersionSource?
        public var midStream: Bool
        /// MQTT packets or STOMP frames per direction (heart-beat EOLs not counted).
        public var packets: [Int]
        public var firstFrame: FrameNumber
        public var lastFrame: FrameNumber

        /// The application protocol's version, as reported.
        public var version: String? { mqttVersion?.description ?? stompVersion?.description }
        public var versionSource: String? { mqttVersionSource?.rawValue ?? stompVersionSource?.rawValue }
    }

    struct ConnectionState {
        var info: ConnectionInfo
        // The checkers, each allocated when its protocol is first seen (issue 12: an MQTT
        // connection does not carry a STOMP and a WebSocket checker's inline space); driven in
        // place through `_modify`.
        var mqtt: MQTTConnectionChecker? {
            get { boxes.mqtt?.value }
            _modify { if boxes.mqtt == nil { boxes.mqtt = CheckerBox() }; yield &boxes.mqtt!.value }
        }
        var stomp: STOMPConnectionChecker? {
            get { boxes.stomp?.value }
            _modify { if boxes.stomp == nil { boxes.stomp = CheckerBox() }; yield &boxes.stomp!.value }
        }
        var webSocket: MQTTWebSocketChecker? {
            get { boxes.webSocket?.value }
            _modify { if boxes.webSocket == nil { boxes.webSocket = CheckerBox() }; yield &boxes.webSocket!.value }
        }
        private var boxes: (mqtt: CheckerBox<MQTTConnectionChecker>?, stomp: CheckerBox<STOMPConnectionChecker>?,
                            webSocket: CheckerBox<MQTTWebSocketChecker>?) = (nil, nil, nil)
        // Which checkers exist. Kept apart because testing a large optional for nil (or binding it)
        // copies it — every array and dictionary of a checker retained and released per packet.
        var hasMQTT = false
        var hasSTOMP = false
        var hasWebSocket = false
        // Per direction (index = Direction.rawValue), inline: an array each was a heap block per connection.
        var packets: PerDirection<Int> = [0, 0]
        var webSocketEvents: PerDirection<Int> = [0, 0]
        var clientID: String?
        var mqttVersion: MQTTVersion?
        var mqttVersionSource: VersionSource?
        var stompVersion: STOMPVersion?
        var stompVersionSource: STOMPVersionSource?
        /// Stream findings that came before anything said what the connection carries; kept until
        /// it is known (a TLS or unknown connection is not checked, and its findings are dropped).
        var pending: [(CheckFinding, Layer)] = []
        /// Gaps seen before the application checker existed, replayed into it (at most 64 kept;
        /// more only make the state rules unverifiable sooner).
        var earlyGaps: [(Direction, StreamRange, FrameNumber, Timestamp)] = []
        var known = false
        /// Per direction: where retransmitted bytes first conflicted. Violations from later
        /// bytes of that direction cannot be told from artefacts of the copy the analyzer kept.
        var conflictAt: PerDirection<UInt64?> = [nil, nil]
        /// Rules already reported as ambiguous after a conflict ("c2s|rule"), reported once.
        var ambiguousReported: Set<String> = []
        /// Lost bytes (a gap, a packet lost in one, bytes skipped to resynchronise) the stream has
        /// not yet shown it is past (`LossWindow`).
        var loss = LossWindow()

        init(info: ConnectionInfo) { self.info = info }

        func version(of layer: Layer) -> String? {
            switch layer {
            case .mqtt: mqttVersion?.description
            case .stomp: stompVersion?.description
            case .tcp, .webSocket: nil
            }
        }
    }

    public let config: CheckConfig
    public private(set) var findings: [Finding] = []
    public private(set) var connections: [Connection] = []
    /// Connections not checked, by what they are (tls, unknown, …).
    public private(set) var notChecked: [String: Int] = [:]
    /// The same per file.
    public private(set) var notCheckedByFile: [String: [String: Int]] = [:]
    /// TLS connections not checked, per reason (no key, no ClientHello, key does not decrypt …).
    public private(set) var tlsNotDecrypted: [String: Int] = [:]
    /// The same per file (what `--require-connections` names when it fails).
    public private(set) var tlsNotDecryptedByFile: [String: [String: Int]] = [:]
    public private(set) var files: [(name: String, summary: FileSummary?)] = []
    /// Findings not kept because `config.maxFindings` were held, per rule id, and per severity
    /// (index = Severity.rawValue) of those not in the baseline, and those in it.
    public private(set) var dropped: [String: Int] = [:]
    public private(set) var droppedBySeverity = [0, 0, 0]
    public private(set) var droppedBaselined = 0
    /// Findings not kept, in all.
    public var droppedCount: Int { droppedBySeverity.reduce(droppedBaselined, +) }
    /// Why a file could not be read, by file name.
    public private(set) var fileErrors: [String: String] = [:]
    var fileName = ""
    var states: [ConnectionID: ConnectionState] = [:]
    /// The cross-connection checker: every MQTT connection of the file at once.
    var broker = BrokerChecker()
    /// Connections that ended with a Will pending: the broker checker judges it at the file's end.
    var retired: [ConnectionID: ConnectionState] = [:]
    /// Per connection and rule of the current file: findings seen, and the index of the finding that
    /// stands for those past `FindingCap.perRule` (it takes each later one's place and message).
    var repeats: [RepeatKey: (count: Int, aggregate: Int?)] = [:]
    struct RepeatKey: Hashable {
        var connection: ConnectionID
        var rule: RuleID
    }

    public init(config: CheckConfig) {
        self.config = config
        broker.grace = config.willGrace
    }

    public mutating func beginFile(_ name: String) {
        fileName = name
        states.removeAll()
        broker = BrokerChecker()
        broker.grace = config.willGrace
        retired.removeAll()
        repeats.removeAll()
    }

    /// The current file could not be read (its `endFile` follows with no summary).
    public mutating func fileFailed(_ message: String) {
        fileErrors[fileName] = message
    }

    public mutating func endFile(_ summary: FileSummary?) {
        broker.finish(captureEnd: summary?.lastTime)
        for f in broker.takeFindings() {
            if let s = states[f.connection] ?? retired[f.connection] { add(f.finding, s, layer: .mqtt) }
        }
        retired.removeAll()
        // Connections still open (the router reports them all at the end; this is a safety net).
        for id in states.keys.sorted() {
            guard var s = states.removeValue(forKey: id) else { continue }
            finishCheckers(&s, closed: false, end: nil)
            guard s.known else { continue }
            let inner = s.hasSTOMP ? "stomp" : s.hasMQTT ? "mqtt" : nil
            let name = !s.hasWebSocket ? inner ?? "unknown" : inner.map { "websocket+" + $0 } ?? "websocket"
            record(s, protocolName: name, first: 0, last: 0)
        }
        for (_, r) in repeats {
            guard let at = r.aggregate else { continue }
            findings[at].finding.message = "\(r.count - FindingCap.perRule) more finding(s) of this rule on this connection counted, not listed (the first \(FindingCap.perRule) are); the last: " + findings[at].finding.message
        }
        repeats.removeAll()
        files.append((fileName, summary))
    }

    /// The index of the connection's state, created on first use.
    private mutating func stateIndex(_ info: ConnectionInfo) -> Dictionary<ConnectionID, ConnectionState>.Index {
        if let i = states.index(forKey: info.id) { return i }
        states[info.id] = ConnectionState(info: info)
        return states.index(forKey: info.id)!
    }

    /// The connection carries something to check: release the stream findings held until now.
    private mutating func markKnown(_ i: Dictionary<ConnectionID, ConnectionState>.Index) {
        let held: [(CheckFinding, Layer)]? = update(i) { s in
            guard !s.known else { return nil }
            s.known = true
            defer { s.pending = [] }
            return s.pending
        }
        guard let held else { return }
        let s = states.values[i]
        for (f, layer) in held { add(f, s, layer: layer) }
    }

    /// Every layer's units: the checkers of MQTT, STOMP and WebSocket (TLS is judged from the
    /// handshake facts its layer reports as stream findings and from `connectionFinished`).
    public mutating func unit(_ unit: DecodedUnit, bytes: Span<UInt8>, fields: borrowing FieldTree) {
        switch unit {
        case .mqtt(let e): mqttPacket(e, pdu: bytes, fields: fields)
        case .stomp(let e): stompFrame(e, frame: bytes, fields: fields)
        case .webSocket(let e): webSocketEvent(e, bytes: bytes, fields: fields)
        case .tls: break
        }
    }

    // MARK: MQTT

    public mutating func mqttPacket(_ e: MQTTPacketEvent, pdu: Span<UInt8>, fields: borrowing FieldTree) {
        // The connection's state is read and written in place only (see `update`).
        let i = stateIndex(e.connection)
        let (index, created) = update(i) { s -> (Int, Bool) in
            var created = false
            if !s.hasMQTT {
                var checker = MQTTConnectionChecker(sawStart: e.connection.sawHandshake)
                for (d, r, f, t) in s.earlyGaps { checker.gap(d, range: r, frame: f, time: t, version: e.version) }
                s.mqtt = checker
                s.hasMQTT = true
                s.earlyGaps = []
                created = true
            }
            let d = Int(e.direction.rawValue)
            let index = s.packets[d]
            s.packets[d] = index &+ 1
            s.mqttVersion = e.version
            s.mqttVersionSource = e.versionSource
            if s.clientID == nil, let c = e.clientID { s.clientID = c }
            if e.transport == .webSocket {
                Self.ensureWebSocketChecker(&s)
                s.webSocket!.carries(mqtt: true, version: e.versionSource == .assumed ? nil : e.version)
            }
            return (index, created)
        }
        if created { markKnown(i) }
        let first = e.frames.first?.frame ?? e.lastFrame
        var malformed = false
        for diag in e.diagnostics where diag.severity == .error && diag.verdict == .violation { malformed = true }
        var position = PacketPosition(
            direction: e.direction, version: e.version, index: index, time: e.time, streamRange: e.streamRange,
            firstFrame: first, lastFrame: e.lastFrame, declaredSize: e.declaredSize, truncated: e.truncated,
            malformed: malformed, topicAliasKnown: e.topicAliasKnown)
        position.packetType = e.message.packetType
        if !e.diagnostics.isEmpty {
            let type = e.message.packetType?.name ?? "packet"
            decodeFindings(e.diagnostics, i, .mqtt, e.direction, index: index, frames: (first, e.lastFrame),
                           time: e.time, stream: e.streamRange, what: type)
        }
        guard let j = states.index(forKey: e.connection.id) else { return }
        states.values[j].mqtt!.packet(e.message, pdu: pdu, at: position)
        drainCheckers(j)
        broker.packet(e.connection.id, sawStart: e.connection.sawHandshake, message: e.message, pdu: pdu,
                      at: position, aliasTopic: e.aliasTopic)
        if case .connect = e.message { broker.server(e.connection.id, e.connection.server.address) }
        for f in broker.takeFindings() {
            if let s = states[f.connection] { add(f.finding, s, layer: .mqtt) }
        }
        noteUnit(j, e.direction, e.diagnostics)
    }

    // MARK: STOMP

    public mutating func stompFrame(_ e: STOMPFrameEvent, frame: Span<UInt8>, fields: borrowing FieldTree) {
        let i = stateIndex(e.connection)
        let (index, created) = update(i) { s -> (Int, Bool) in
            var created = false
            if !s.hasSTOMP {
                var checker = STOMPConnectionChecker(sawStart: e.connection.sawHandshake)
                for (d, r, f, t) in s.earlyGaps { checker.gap(d, range: r, frame: f, time: t) }
                s.stomp = checker
                s.hasSTOMP = true
                s.earlyGaps = []
                created = true
            }
            s.stompVersion = e.version
            s.stompVersionSource = e.versionSource
            if e.transport == .webSocket {
                Self.ensureWebSocketChecker(&s)
                s.webSocket!.carries(mqtt: false, version: nil)
            }
            guard !e.isHeartBeat else { return (0, created) }
            let d = Int(e.direction.rawValue)
            let index = s.packets[d]
            s.packets[d] = index &+ 1
            return (index, created)
        }
        if created { markKnown(i) }
        if e.isHeartBeat {
            states.values[i].stomp!.heartBeat(e.direction, time: e.time, range: e.streamRange, frame: e.firstFrame,
                                              version: e.version)
        } else {
            var malformed = false
            for diag in e.diagnostics where diag.severity == .error && diag.verdict == .violation { malformed = true }
            if !e.diagnostics.isEmpty {
                let name = e.summary.command.name
                decodeFindings(e.diagnostics, i, .stomp, e.direction, index: index, frames: (e.firstFrame, e.lastFrame),
                               time: e.time, stream: e.streamRange, what: name.isEmpty ? "frame" : name)
            }
            guard let j = states.index(forKey: e.connection.id) else { return }
            var position = STOMPFramePosition(
                direction: e.direction, version: e.version, index: index, time: e.time, streamRange: e.streamRange,
                firstFrame: e.firstFrame, lastFrame: e.lastFrame, isComplete: e.isComplete, malformed: malformed)
            position.command = e.summary.command.name
            position.offeredVersions = e.clientAccepts
            states.values[j].stomp!.negotiated(clientToServer: e.heartBeatClientToServer,
                                               serverToClient: e.heartBeatServerToClient)
            states.values[j].stomp!.frame(e.summary, frame: frame, at: position)
        }
        guard let j = states.index(forKey: e.connection.id) else { return }
        drainCheckers(j)
        if !e.isHeartBeat { noteUnit(j, e.direction, e.diagnostics) }
    }

    // MARK: WebSocket

    public mutating func webSocketEvent(_ e: WebSocketEventReport, bytes: Span<UInt8>, fields: borrowing FieldTree) {
        let i = stateIndex(e.connection)
        markKnown(i)
        let index = update(i) { s -> Int in
            let d = Int(e.direction.rawValue)
            let index = s.webSocketEvents[d]
            s.webSocketEvents[d] = index &+ 1
            Self.ensureWebSocketChecker(&s)
            return index
        }
        var p = WebSocketPosition(direction: e.direction, index: index, time: e.time, streamRange: e.streamRange,
                                  firstFrame: e.firstFrame, lastFrame: e.lastFrame)
        let what: String
        switch e.kind {
        case .handshake(let h):
            what = h.isRequest ? "handshake request" : "handshake response"
            p.what = what
            states.values[i].webSocket!.handshake(h, at: p)
        case .frame(let f):
            what = "\(f.opcode) frame"
            p.what = what
            states.values[i].webSocket!.frame(f, at: p)
        }
        if let inner = e.inner, inner != .mqtt { states.values[i].webSocket!.carries(mqtt: false, version: nil) }
        if !e.diagnostics.isEmpty {
            decodeFindings(e.diagnostics, i, .webSocket, e.direction, index: index, frames: (e.firstFrame, e.lastFrame),
                           time: e.time, stream: e.streamRange, what: "WebSocket \(what)")
        }
        drainCheckers(i)
        noteUnit(i, e.direction, e.diagnostics)
    }

    /// After lost bytes, a unit that decoded without a violation is evidence that the framer is back
    /// on unit boundaries (`LossWindow`).
    private mutating func noteUnit(_ i: Dictionary<ConnectionID, ConnectionState>.Index, _ direction: Direction,
                                   _ diagnostics: [Diagnostic]) {
        guard states.values[i].loss.isOpen else { return }
        update(i) { $0.loss.unit(direction, diagnostics) }
    }

    private static func ensureWebSocketChecker(_ s: inout ConnectionState) {
        if !s.hasWebSocket {
            s.webSocket = MQTTWebSocketChecker()
            s.hasWebSocket = true
        }
    }

    /// Runs `body` on the connection's state in place. Reading a field as `states.values[i].x`
    /// goes through the dictionary's getter, which copies the whole state (every checker's arrays
    /// and dictionaries retained and released) — per packet, that was a tenth of `check`'s time.
    @inline(__always)
    private mutating func update<R>(_ i: Dictionary<ConnectionID, ConnectionState>.Index,
                                    _ body: (inout ConnectionState) -> R) -> R {
        body(&states.values[i])
    }

    /// Moves the findings the connection's checkers made so far into the report.
    private mutating func drainCheckers(_ i: Dictionary<ConnectionID, ConnectionState>.Index) {
        let taken = Self.takeFindings(&states.values[i])
        guard !taken.isEmpty else { return }
        let s = states.values[i]
        for (f, layer) in taken { add(f, s, layer: layer) }
    }

    /// The findings of the state's checkers, which are cleared (empty, no allocation, when none).
    private static func takeFindings(_ s: inout ConnectionState) -> [(CheckFinding, Layer)] {
        var out: [(CheckFinding, Layer)] = []
        // Mutating calls through `!` work on the checkers in place.
        if s.hasMQTT { s.mqtt!.moveFindings(into: &out, layer: .mqtt) }
        if s.hasSTOMP { s.stomp!.moveFindings(into: &out, layer: .stomp) }
        if s.hasWebSocket { s.webSocket!.moveFindings(into: &out, layer: .webSocket) }
        return out
    }

    // MARK: Decode-time findings

    /// Adds a decoder's diagnostics (ranges relative to the unit's first byte) as findings.
    private mutating func decodeFindings(_ diagnostics: [Diagnostic], _ i: Dictionary<ConnectionID, ConnectionState>.Index,
                                         _ layer: Layer, _ direction: Direction, index: Int,
                                         frames: (FrameNumber, FrameNumber), time: Timestamp, stream: StreamRange,
                                         what: String) {
        let s = states.values[i]
        let list = frames.0 == frames.1 ? [frames.1] : [frames.0, frames.1]
        for d in diagnostics {
            let range = d.range.map {
                StreamRange(stream.lower &+ UInt64(clamping: $0.lower), stream.lower &+ UInt64(clamping: $0.upper))
            }
            add(CheckFinding(rule: d.rule, checkRule: nil, severity: d.severity, verdict: d.verdict, direction: direction,
                             packetIndex: index, frames: list, time: time, streamRange: range ?? stream,
                             packetRange: d.range, message: "\(what): \(d.message)", section: Self.section(of: d.rule, layer: layer) ?? "",
                             packetType: what),
                s, layer: layer)
        }
    }

    // MARK: Stream events and ends

    /// The spec section of a decoder's or stream rule, from that layer's rule table.
    static func section(of rule: RuleID, layer: Layer) -> String? {
        switch layer {
        case .tcp: nil
        case .mqtt: MQTTRule(rawValue: rule.rawValue)?.info.section
        case .stomp: STOMPRule.reported(as: rule)?.section
        case .webSocket: WebSocketRule(rawValue: rule.rawValue)?.section
        }
    }

    public mutating func streamEvent(_ e: StreamEventReport) {
        let i = stateIndex(e.connection)
        let lost = LossWindow.isLoss(e.rule)
        let d = Int(e.direction.rawValue)
        if e.rule == TCPRule.overlapConflict.id, states.values[i].conflictAt[d] == nil {
            states.values[i].conflictAt[d] = e.range.lower
        }
        if lost {
            states.values[i].loss.lose(e.direction, upTo: e.range.upper)
            let frame = e.frames.first ?? 0
            broker.gap(e.connection.id, frame: frame, time: e.time)
            if states.values[i].hasMQTT {
                let v = states.values[i].mqttVersion ?? .v3_1_1
                states.values[i].mqtt!.gap(e.direction, range: e.range, frame: frame, time: e.time, version: v)
            } else if states.values[i].hasSTOMP {
                states.values[i].stomp!.gap(e.direction, range: e.range, frame: frame, time: e.time)
            } else if states.values[i].earlyGaps.count < 64 {
                states.values[i].earlyGaps.append((e.direction, e.range, frame, e.time))
            }
        }
        drainCheckers(i)
        let s = states.values[i]
        let layer = e.layer
        let section = Self.section(of: e.rule, layer: layer) ?? "capture"
        let f = CheckFinding(rule: e.rule, checkRule: nil, severity: e.severity, verdict: e.verdict, direction: e.direction,
                             packetIndex: nil, frames: e.frames, time: e.time, streamRange: e.range, packetRange: nil,
                             message: e.message, section: section)
        if s.known { add(f, s, layer: layer) } else if s.pending.count < 256 { states.values[i].pending.append((f, layer)) }
    }

    public mutating func connectionFinished(_ c: ConnectionSummary) {
        guard var s = states.removeValue(forKey: c.info.id) else {
            if !Self.checked(c) { countNotChecked(c) }
            return
        }
        guard Self.checked(c) else {
            // TLS left encrypted, or unknown: nothing above TCP to check. Its TLS-layer findings (the
            // handshake's: version, suite, SNI, certificate, ALPN) stand; the others are dropped.
            countNotChecked(c)
            if c.appProtocol == .tls {
                for (f, layer) in s.pending where Self.isHandshakeRule(f.rule) { add(f, s, layer: layer) }
            }
            return
        }
        if !s.known {
            states[c.info.id] = s
            if let i = states.index(forKey: c.info.id) { markKnown(i) }
            s = states.removeValue(forKey: c.info.id) ?? s
        }
        let closed = c.end == .fin || c.end == .rst || c.end == .reused
        finishCheckers(&s, closed: closed, end: c.stats.lastTime)
        broker.connectionEnded(c.info.id, closed: closed, time: c.stats.lastTime, frame: c.lastFrame)
        if let v = c.mqttVersion { s.mqttVersion = v }
        if let src = c.versionSource { s.mqttVersionSource = src }
        if let v = c.stompVersion { s.stompVersion = v }
        if let src = c.stompVersionSource { s.stompVersionSource = src }
        if s.clientID == nil { s.clientID = c.clientID }
        record(s, protocolName: c.protocolName, first: c.firstFrame, last: c.lastFrame)
        if broker.hasWill(c.info.id) {
            s.mqtt = nil
            retired[c.info.id] = s
        }
    }

    /// A TLS-layer rule judged from the handshake alone (not the note that records stayed encrypted,
    /// which `tlsNotDecrypted` counts with its reason).
    static func isHandshakeRule(_ r: RuleID) -> Bool {
        r.rawValue.hasPrefix("TLS-") && r != TLSStreamRule.notDecrypted.id && r != TLSStreamRule.resynchronized.id
    }

    static func checked(_ p: AppProtocol) -> Bool { p == .mqtt || p == .stomp || p == .webSocket }

    /// TLS connections are checked when decrypted and their inner protocol is one mqscope checks.
    static func checked(_ c: ConnectionSummary) -> Bool {
        guard c.appProtocol == .tls else { return checked(c.appProtocol) }
        guard let t = c.tls, t.decrypted, let inner = t.inner else { return false }
        return checked(inner)
    }

    /// Counts a connection not checked under its protocol, and a TLS one also under why it stayed encrypted.
    private mutating func countNotChecked(_ c: ConnectionSummary) {
        notChecked[c.protocolName, default: 0] += 1
        notCheckedByFile[fileName, default: [:]][c.protocolName, default: 0] += 1
        guard c.appProtocol == .tls else { return }
        let why = c.tls?.failure?.description ?? (c.tls?.decrypted == true ? "protocol inside not recognised" : "no protected records")
        tlsNotDecrypted[why, default: 0] += 1
        tlsNotDecryptedByFile[fileName, default: [:]][why, default: 0] += 1
    }

    /// `end`: the time of the connection's last packet (trailing heart-beat silence is judged up to it).
    private mutating func finishCheckers(_ s: inout ConnectionState, closed: Bool, end: Timestamp?) {
        if s.hasMQTT { s.mqtt!.finish(closed: closed) }
        if s.hasSTOMP { s.stomp!.finish(closed: closed, at: end) }
        if s.hasWebSocket { s.webSocket!.finish() }
        for (f, layer) in Self.takeFindings(&s) { add(f, s, layer: layer) }
    }

    private mutating func record(_ s: ConnectionState, protocolName: String, first: FrameNumber, last: FrameNumber) {
        connections.append(Connection(
            file: fileName, id: s.info.id, client: s.info.client, server: s.info.server, clientID: s.clientID,
            protocolName: protocolName, mqttVersion: s.mqttVersion, mqttVersionSource: s.mqttVersionSource,
            stompVersion: s.stompVersion, stompVersionSource: s.stompVersionSource, midStream: !s.info.sawHandshake,
            packets: [s.packets[0], s.packets[1]], firstFrame: first, lastFrame: last))
    }

    private mutating func add(_ f: CheckFinding, _ s: ConnectionState, layer: Layer) {
        guard config.isEnabled(f.rule, name: f.checkRule) else { return }
        // Fingerprinted (below, only when kept or dropped: a regular expression per finding was most
        // of the time of a million folded findings) from the finding before the ambiguity note
        // (which names a stream offset) is appended.
        let original = f
        var f = f
        if f.verdict == .violation, f.rule != TCPRule.overlapConflict.id,
           let c = s.conflictAt[Int(f.direction.rawValue)], let r = f.streamRange, r.upper > c {
            // After conflicting retransmissions the kept copy may not be what the peer received.
            let key = "\(f.direction)|\(f.rule.rawValue)"
            guard states[s.info.id]?.ambiguousReported.insert(key).inserted ?? true else { return }
            f.verdict = .unverifiable
            f.severity = .info
            f.message += " (ambiguous: these bytes follow conflicting retransmitted bytes at stream offset \(c); further such findings are not listed)"
        }
        if f.verdict == .violation, f.severity >= .warning, f.rule != TCPRule.overlapConflict.id,
           let lost = s.loss.lost {
            // Bytes were lost in this connection and the stream has not yet shown (by units that
            // decode cleanly) that decoding is back on unit boundaries: the bytes judged may be
            // payload read as headers, or state the lost packets would have changed.
            f.verdict = .unverifiable
            f.severity = .info
            f.message += LossWindow.note(lost)
        }
        f.severity = config.severity(f.rule, name: f.checkRule, default: f.severity, verdict: f.verdict)
        let key = RepeatKey(connection: s.info.id, rule: f.rule)
        var r = repeats[key] ?? (0, nil)
        r.count += 1
        if r.count > FindingCap.perRule, let at = r.aggregate {
            findings[at].finding = f   // the aggregate carries the last offender's place
            repeats[key] = r
            return
        }
        if r.count > FindingCap.perRule { r.aggregate = findings.count }
        if findings.count >= config.maxFindings {
            // The global cap: counted, not kept (memory stays bounded whatever the capture holds);
            // fingerprinted only to look it up in a baseline there is one.
            r.aggregate = nil
            repeats[key] = r
            dropped[f.rule.rawValue, default: 0] += 1
            if !config.baseline.isEmpty, config.baseline.contains(Self.fingerprint(original, clientID: s.clientID)) {
                droppedBaselined += 1
            } else {
                droppedBySeverity[f.severity.rawValue] += 1
            }
            return
        }
        let print = Self.fingerprint(original, clientID: s.clientID)
        repeats[key] = r
        findings.append(Finding(file: fileName, connection: s.info.id, client: s.info.client, server: s.info.server,
                                clientID: s.clientID, layer: layer, version: s.version(of: layer), finding: f,
                                fingerprint: print, baselined: config.baseline.contains(print)))
    }

    /// Keeps only the findings `keep` selects (`check -Y`).
    public mutating func keepFindings(where keep: (Finding) -> Bool) {
        findings.removeAll { !keep($0) }
    }

    /// rule | client id | packet type | the offending value — what identifies a finding in the
    /// traffic itself, so the same session captured on another host or port, or with its
    /// connections in another order, gives the same fingerprints. No addresses, ports, frame
    /// numbers, packet indexes or times of the capture. The offending value is the finding's
    /// message, which names the values, with the frame numbers some messages cite ("the
    /// SUBSCRIBE in frame 12") taken out. Findings of one rule on one client's packets of one
    /// type with the same values share a fingerprint: a baseline accepts them together.
    static func fingerprint(_ f: CheckFinding, clientID: String?) -> String {
        func clean(_ s: String) -> String {
            var t = s
            guard t.withUTF8({ $0.contains { $0 == UInt8(ascii: "|") || $0 == 0x0A || $0 == 0x0D } }) else { return s }
            return String(s.unicodeScalars.map { $0 == "|" || $0 == "\n" || $0 == "\r" ? " " : Character($0) })
        }
        var value = clean(f.message)
        if mayCiteFrame(value) { value = framesCitedRemoved(value) }
        return "\(f.rule.rawValue)|\(clientID.map(clean) ?? "-")|\(f.packetType.map(clean) ?? "-")|\(value)"
    }

    // MARK: Totals

    /// Findings that count against `--fail-on` (baselined ones do not).
    public func failing(atOrAbove level: Severity?) -> Int {
        guard let level else { return 0 }
        var n = 0
        for f in findings where !f.baselined && f.finding.severity >= level { n += 1 }
        for sev in [Severity.info, .warning, .error] where sev >= level { n += droppedBySeverity[sev.rawValue] }
        return n
    }
}

/// "frame 12", "frames 3,4", "frame 5 vs frame 9", "frame 2 and 3": the frame numbers a finding's
/// message cites, each run replaced by "frame" — what `\bframes? \d+(?:(?:,| vs frame | and )\d+)*`
/// matches, written as a byte scan (a `Regex` kept in a global is reported as leaked by
/// LeakSanitizer, and parsing one per finding was most of `check`'s time on findings-heavy captures).
func framesCitedRemoved(_ text: String) -> String {
    var text = text
    return text.withUTF8 { u -> String in
        let n = u.count
        func isDigit(_ i: Int) -> Bool { i < n && u[i] >= UInt8(ascii: "0") && u[i] <= UInt8(ascii: "9") }
        func has(_ word: StaticString, at i: Int) -> Bool {
            let w = word.utf8Start
            guard i + word.utf8CodeUnitCount <= n else { return false }
            for k in 0..<word.utf8CodeUnitCount where u[i + k] != w[k] { return false }
            return true
        }
        func digits(from i: Int) -> Int { var k = i; while isDigit(k) { k += 1 }; return k }
        var out: [UInt8] = []
        out.reserveCapacity(n)
        var i = 0
        while i < n {
            let boundary = i == 0 || !(u[i - 1] == UInt8(ascii: "_") || u[i - 1] >= 0x80
                                       || (u[i - 1] | 0x20 >= UInt8(ascii: "a") && u[i - 1] | 0x20 <= UInt8(ascii: "z"))
                                       || (u[i - 1] >= UInt8(ascii: "0") && u[i - 1] <= UInt8(ascii: "9")))
            if boundary, has("frame", at: i) {
                var j = i + 5
                if j < n, u[j] == UInt8(ascii: "s") { j += 1 }
                if j < n, u[j] == UInt8(ascii: " "), isDigit(j + 1) {
                    var end = digits(from: j + 1)
                    while true {
                        if end < n, u[end] == UInt8(ascii: ","), isDigit(end + 1) { end = digits(from: end + 1) }
                        else if has(" vs frame ", at: end), isDigit(end + 10) { end = digits(from: end + 10) }
                        else if has(" and ", at: end), isDigit(end + 5) { end = digits(from: end + 5) }
                        else { break }
                    }
                    out.append(contentsOf: "frame".utf8)
                    i = end
                    continue
                }
            }
            out.append(u[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Whether `framesCitedRemoved` can change the text: "frame", an optional "s", a space, then a digit (any non-ASCII
/// byte counts as one, as `\d` matches every Unicode digit). A byte scan: most messages cite none.
private func mayCiteFrame(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { u in
        let n = u.count
        var i = 0
        while i + 7 <= n {
            if u[i] == UInt8(ascii: "f"), u[i + 1] == UInt8(ascii: "r"), u[i + 2] == UInt8(ascii: "a"),
               u[i + 3] == UInt8(ascii: "m"), u[i + 4] == UInt8(ascii: "e") {
                var j = i + 5
                if u[j] == UInt8(ascii: "s") { j += 1 }
                if j + 1 < n, u[j] == UInt8(ascii: " "), u[j + 1] >= 0x80 || (u[j + 1] >= UInt8(ascii: "0") && u[j + 1] <= UInt8(ascii: "9")) {
                    return true
                }
            }
            i += 1
        }
        return false
    }
}

/// A checker whose findings the report collects.
protocol FindingSource {
    var findings: [CheckFinding] { get }
    mutating func clearFindings()
}

extension FindingSource {
    /// Appends the findings made so far to `out` and clears them; in place, nothing copied when
    /// there are none.
    mutating func moveFindings(into out: inout [(CheckFinding, CheckReport.Layer)], layer: CheckReport.Layer) {
        guard !findings.isEmpty else { return }
        for f in findings { out.append((f, layer)) }
        clearFindings()
    }
}

extension MQTTConnectionChecker: FindingSource {}
extension STOMPConnectionChecker: FindingSource {}
extension MQTTWebSocketChecker: FindingSource {}

/// A checker kept out of line (see `CheckReport.ConnectionState`).
final class CheckerBox<Checker> {
    var value: Checker?
}

/// One value per direction, inline (index = `Direction.rawValue`).
struct PerDirection<Value>: ExpressibleByArrayLiteral {
    var clientToServer: Value
    var serverToClient: Value

    init(arrayLiteral elements: Value...) {
        clientToServer = elements[0]
        serverToClient = elements[1]
    }

    subscript(_ d: Int) -> Value {
        get { d == 0 ? clientToServer : serverToClient }
        set { if d == 0 { clientToServer = newValue } else { serverToClient = newValue } }
    }
}
