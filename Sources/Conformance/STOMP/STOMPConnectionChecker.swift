public import WireCore
public import STOMPCodec

/// The stateful checker of one STOMP connection, fed frame by frame in capture order. Syntax
/// belongs to the decoder (`STOMPRule`s are not repeated here); this checks the session:
/// negotiation, required headers, subscription / message / receipt / transaction ids, heart-beats,
/// and what may follow DISCONNECT and ERROR.
///
/// Ids (subscription, message-id, ack, receipt, transaction) are compared byte for byte as on
/// the wire: outside CONNECT/CONNECTED every frame of a session escapes the same way, so equal
/// values have equal wire bytes. They are remembered as 64-bit FNV-1a hashes, at most
/// `maxRemembered` per set; once a set is full, later misses are unverifiable, not violations.
///
/// Heart-beat intervals come from the CONNECT and CONNECTED `heart-beat` headers the checker
/// sees (STOMP 1.2 "Heart-beating"); `negotiated(clientToServer:serverToClient:)` replaces them.
///
/// Honest with incomplete captures: mid-stream pick-up, a gap, or a full id set make the
/// state-dependent rules unverifiable (reported once per rule, info), never violations.
/// References that match nothing (ACK/NACK ids, RECEIPT receipt-ids, MESSAGE subscriptions) are
/// judged at `finish`, since reassembly may deliver one direction ahead of the other.
///
/// Choices: a MESSAGE may name any subscription id the client used on the connection (a MESSAGE
/// in flight while UNSUBSCRIBE travels is legal); after ERROR only frames count as "more from
/// the server" (ActiveMQ writes an EOL after every frame); a wrong-case command that spells a
/// known one (`message`) is checked as that command, the message saying how it was sent.
///
/// Common path cost: no heap allocation per frame beyond the id sets' amortised growth (strings
/// are built only for findings).
public struct STOMPConnectionChecker: Sendable {
    /// Findings since the last `clearFindings()`.
    public private(set) var findings: [CheckFinding] = []

    /// Most ids remembered per set (subscriptions, message-ids, acks, receipts, transactions).
    public static let maxRemembered = 4096
    /// Most unmatched references kept for judgement at `finish` (one direction may be delivered ahead).
    public static let maxOrphans = 64
    /// Heart-beat tolerance: the agreed interval plus max(1 s, half the interval).
    public static func heartBeatLimit(intervalMilliseconds ms: UInt64) -> UInt64 {
        let slack = Swift.max(1000, ms / 2)
        let (sum, o) = ms.addingReportingOverflow(slack)
        return o ? UInt64.max : sum
    }

    let sawStart: Bool
    var client = Side()
    var server = Side()
    var lossSeen = false
    /// The id sets that hit `maxRemembered`: their misses can no longer be trusted.
    var forgotten: Set<Reference> = []
    var unverifiableReported: Set<STOMPCheckRule> = []
    var reportedOnce: Set<STOMPCheckRule> = []

    // Negotiation.
    var connectSeen = false
    var clientAccepts: STOMPVersionSet?
    var connectedSeen = false
    var connectedTime: Timestamp?
    /// The server answered a CONNECT offering no version it supports with ERROR: it must close.
    var noCommonVersionError = false
    /// The server's first ERROR (any version; ERROR-CLOSE is reported on 1.2 sessions only).
    var errorFrame: FrameNumber?

    // Heart-beats (milliseconds; nil or 0 = none agreed that way), as negotiated by the connection's
    // `STOMPSessionNegotiation` and given through `negotiated(...)`.
    var heartBeatInterval: (clientToServer: UInt64?, serverToClient: UInt64?) = (nil, nil)

    // Session state.
    struct Subscription: Sendable {
        /// 0 auto, 1 client, 2 client-individual.
        var ackMode: UInt8
        var active: Bool
    }
    var subscriptions: [UInt64: Subscription] = [:]
    var subscriptionWithIDSeen = false
    var openTransactions: Set<UInt64> = []
    /// message-id → hash of the body.
    var messageIDs: [UInt64: UInt64] = [:]
    /// MESSAGE ack header values (1.2 ACK/NACK ids).
    var ackIDs: Set<UInt64> = []
    struct PendingReceipt: Sendable {
        var position: STOMPFramePosition
        var command: STOMPCommand
        var serverFramesThen: Int
    }
    var outstandingReceipts: [UInt64: PendingReceipt] = [:]
    var requestedReceipts: Set<UInt64> = []
    var disconnectFrame: FrameNumber?
    var disconnectReceipt: UInt64?
    var disconnectReceiptFrame: FrameNumber?

    /// References that matched nothing when they arrived, judged at `finish`.
    enum Reference: Sendable, Hashable { case ack, messageID, subscription, receipt, transaction }
    struct Orphan: Sendable {
        var rule: STOMPCheckRule
        var references: [(Reference, UInt64)]
        var position: STOMPFramePosition
        var range: ByteRange
        var message: String
    }
    var orphans: [Orphan] = []

    struct Side: Sendable {
        var frames = 0
        var lastTraffic: Timestamp?
        var gapped = false
        /// The side's first bytes are not in the capture (picked up mid-stream or lost).
        var startLost = false
        var heartBeatReported = false
    }

    public init(sawStart: Bool) {
        self.sawStart = sawStart
        findings.reserveCapacity(4)
    }

    public mutating func clearFindings() { findings.removeAll(keepingCapacity: true) }

    subscript(side d: Direction) -> Side {
        get { d == .clientToServer ? client : server }
        _modify {
            if d == .clientToServer { yield &client } else { yield &server }
        }
    }

    /// State misses are trustworthy only with both starts seen, no loss and no full set.
    var trusted: Bool { sawStart && !lossSeen && !client.startLost && !server.startLost }

    /// A miss in the `kind` set is a violation only when the state is complete and the set not full.
    func trusted(_ kind: Reference) -> Bool { trusted && !forgotten.contains(kind) }

    // MARK: - Inputs

    /// Sets the agreed heart-beat intervals (ms; nil or 0 = none), as the connection's
    /// `STOMPSessionNegotiation` computed them; called before each frame. Silence is counted
    /// from CONNECTED.
    public mutating func negotiated(clientToServer: UInt64?, serverToClient: UInt64?) {
        heartBeatInterval = (clientToServer, serverToClient)
    }

    /// An EOL between frames of direction `d` (a heart-beat) at `range` of the stream (1 byte LF,
    /// 2 bytes CR LF), carried by capture frame `frame`. `version` is the session's version: a
    /// 1.1 CR LF heart-beat is reported (1.1 heart-beats are a single LF).
    public mutating func heartBeat(_ d: Direction, time: Timestamp, range: StreamRange? = nil, frame: FrameNumber = 0,
                                   version: STOMPVersion = .v1_2) {
        let p = STOMPFramePosition(direction: d, version: version, index: self[side: d].frames, time: time,
                                   streamRange: range ?? StreamRange(0, 0), firstFrame: frame, lastFrame: frame)
        checkSilence(p, frameIndex: nil)
        self[side: d].lastTraffic = time
        if let range, range.count == 2, version == .v1_1, reportedOnce.insert(.heartBeatEOL).inserted {
            emit(.heartBeatEOL, p, nil, "heart-beat sent as CR LF; STOMP 1.1 heart-beats are a single LF", index: .some(nil))
        }
    }

    /// Bytes of direction `d` were lost: id matching, receipts and subscription state can no
    /// longer show violations (misses become unverifiable).
    public mutating func gap(_ d: Direction, range: StreamRange, frame: FrameNumber, time: Timestamp) {
        lossSeen = true
        if range.lower == 0 && self[side: d].frames == 0 { self[side: d].startLost = true }
        self[side: d].gapped = true
        self[side: d].lastTraffic = time
    }

    /// The connection ended (`closed`: FIN/RST seen; `at`: the time of its last packet). Judges the
    /// references that matched nothing, unanswered receipt requests, and trailing heart-beat silence.
    public mutating func finish(closed: Bool, at time: Timestamp?) {
        guard !finished else { return }
        finished = true
        let left = orphans
        orphans.removeAll()
        for o in left {
            var matched = true
            var judgeable = true
            for (kind, key) in o.references where !knows(kind, key) {
                matched = false
                if !trusted(kind) { judgeable = false }
            }
            if matched {
                if case .receipt = o.references.first?.0, let key = o.references.first?.1 {
                    outstandingReceipts[key] = nil
                }
                continue
            }
            if judgeable { emit(o.rule, o.position, o.range, o.message) } else {
                unverifiable(o.rule, o.position, o.message + "; the frame it names may be in bytes the capture lacks")
            }
        }
        if closed && trusted(.receipt) && errorFrame == nil { judgeUnansweredReceipts() }
        if let time {
            for d in Direction.allCases {
                let p = STOMPFramePosition(direction: d, version: lastVersion, index: self[side: d].frames, time: time,
                                           streamRange: StreamRange(0, 0), firstFrame: 0, lastFrame: 0)
                checkSilence(p, frameIndex: nil, trailing: true, closed: closed)
            }
        }
    }

    var lastVersion = STOMPVersion.v1_2
    var finished = false

    /// One decoded frame: `s` from `STOMPDecoder.decode` over `frame` (header ranges index `frame`).
    public mutating func frame(_ s: STOMPFrameSummary, frame b: Span<UInt8>, at p: STOMPFramePosition) {
        let d = p.direction
        lastVersion = p.version
        let isFirst = self[side: d].frames == 0
        if isFirst {
            if !sawStart && client.frames + server.frames == 0 {
                note(.midStream, p, "connection captured mid-stream (no TCP handshake): rules needing its start are unverifiable")
            }
            if !sawStart || p.streamRange.lower != 0 { self[side: d].startLost = true }
        }
        checkSilence(p, frameIndex: p.index)
        defer {
            self[side: d].frames += 1
            self[side: d].lastTraffic = p.time
        }
        guard p.isComplete else { return }
        let (command, wrongCase) = Self.effectiveCommand(s.command)
        guard command.isKnown, d == .clientToServer ? command.isClientCommand : command.isServerCommand else { return }
        let f = FrameContext(summary: s, command: command, wrongCase: wrongCase, position: p)
        if d == .clientToServer { clientFrame(f, b) } else { serverFrame(f, b) }
    }

    /// What the rules need of the current frame.
    struct FrameContext {
        var summary: STOMPFrameSummary
        var command: STOMPCommand
        var wrongCase: Bool
        var position: STOMPFramePosition
        var version: STOMPVersion { position.version }
        /// The command as the messages name it.
        var name: String {
            guard wrongCase, case .unknown(let raw) = summary.command else { return command.name }
            return "\(command.name) (sent as `\(String(decoding: raw, as: UTF8.self))`)"
        }
        /// Header presence can be judged: the header section ended with its blank line.
        var headersComplete: Bool { summary.hasBlankLine }
    }

    /// A wrong-case known command (`message`) is checked as that command (`wrongCase`); other
    /// commands come back unchanged.
    static func effectiveCommand(_ c: STOMPCommand) -> (STOMPCommand, wrongCase: Bool) {
        guard case .unknown(let raw) = c, !raw.isEmpty, raw.count <= 11 else { return (c, false) }
        func sameIgnoringCase(_ name: String) -> Bool {
            var i = 0
            for ch in name.utf8 {
                guard i < raw.count else { return false }
                var r = raw[i]
                if r >= 0x61 && r <= 0x7A { r -= 0x20 }
                if r != ch { return false }
                i += 1
            }
            return i == raw.count
        }
        for k in STOMPCommand.clientCommands where sameIgnoringCase(k.name) { return (k, true) }
        for k in STOMPCommand.serverCommands where sameIgnoringCase(k.name) { return (k, true) }
        return (c, false)
    }

    // MARK: - Client frames

    private mutating func clientFrame(_ f: FrameContext, _ b: Span<UInt8>) {
        let p = f.position
        let s = f.summary
        if let df = disconnectFrame, f.version >= .v1_1 {
            emit(.disconnectLast, p, s.commandRange, "\(f.name) sent after the client's DISCONNECT in frame \(df)")
        }
        if p.index == 0 && f.command != .connect && f.command != .stomp {
            if trusted { emit(.connectFirst, p, s.commandRange, "the client's first frame is \(f.name), not CONNECT or STOMP") } else {
                unverifiable(.connectFirst, p, "the client's first frame is \(f.name); its start may be missing from the capture")
            }
        }
        // A receipt on CONNECT is reported (RECEIPT-SCOPE) but still makes a RECEIPT answering it legal.
        if let r = s.receipt { remember(receipt: Self.hash(b, r), p, f.command) }
        switch f.command {
        case .connect, .stomp: onConnect(f, b)
        case .send:
            requireHeader(.sendDestination, s.destination, "destination", f)
            checkContentType(f, b)
        case .subscribe: onSubscribe(f, b)
        case .unsubscribe: onUnsubscribe(f, b)
        case .ack, .nack:
            // NACK does not exist in 1.0: the decoder reports the command; its headers are not judged.
            if f.command == .ack || f.version >= .v1_1 { onAck(f, b) }
        case .begin:
            guard let r = requireHeader(.transactionBegin, s.transaction, "transaction", f) else { return }
            let key = Self.hash(b, r)
            if openTransactions.contains(key) && f.version == .v1_2 {
                stateViolation(.transactionBegin, .transaction, p, r,
                               "BEGIN reuses transaction \(Self.text(b, r)), which is still open on this connection")
            } else {
                if !Self.insert(key, into: &openTransactions) { forgotten.insert(.transaction) }
            }
        case .commit, .abort:
            guard let r = requireHeader(.transactionEnd, s.transaction, "transaction", f) else { return }
            if openTransactions.remove(Self.hash(b, r)) == nil {
                stateViolation(.transactionEnd, .transaction, p, r,
                               "\(f.name) names transaction \(Self.text(b, r)), which no open BEGIN of this connection started",
                               severity: .warning)
            }
        case .disconnect:
            if disconnectFrame == nil {
                disconnectFrame = p.lastFrame
                if let r = s.receipt { disconnectReceipt = Self.hash(b, r) }
            }
        default:
            break
        }
    }

    private mutating func onConnect(_ f: FrameContext, _ b: Span<UInt8>) {
        let p = f.position
        let s = f.summary
        connectSeen = true
        let offered = p.offeredVersions
        clientAccepts = offered
        // The rules of a CONNECT speak the client's highest offered version (nothing is negotiated yet).
        let v = offered?.highest ?? p.version
        if f.command == .stomp {
            if s.acceptVersion == nil {
                emit(.connectHeaders, p, s.commandRange, "\(f.name) frame without accept-version (STOMP frames are 1.1+)",
                     version: Swift.max(v, .v1_1))
            } else if v == .v1_0 {
                emit(.commandNotInVersion, p, s.commandRange, "\(f.name) frame offering only STOMP 1.0, which has no STOMP command",
                     version: .v1_0)
            }
        }
        if let offered, offered.highest.map({ $0 >= .v1_1 }) == true, s.host == nil, f.headersComplete {
            emit(.connectHeaders, p, s.acceptVersion ?? s.commandRange,
                 "\(f.name) offers STOMP \(v) (accept-version) but has no host header", version: v)
        }
        if let r = s.receipt {
            emit(.receiptOnConnect, p, r, "\(f.name) carries a receipt header (a CONNECT is answered by CONNECTED, not RECEIPT)",
                 version: v)
        }
    }

    private mutating func onSubscribe(_ f: FrameContext, _ b: Span<UInt8>) {
        let p = f.position
        let s = f.summary
        requireHeader(.subscribeDestination, s.destination, "destination", f)
        var mode: UInt8 = 0
        if let r = s.ack {
            if Self.equals(b, r, "auto") { mode = 0 } else if Self.equals(b, r, "client") { mode = 1 } else if
                f.version >= .v1_1 && Self.equals(b, r, "client-individual") { mode = 2 } else {
                emit(.subscribeAckMode, p, r, "SUBSCRIBE ack is \(Self.text(b, r)); allowed: auto, client"
                     + (f.version >= .v1_1 ? ", client-individual" : " (STOMP 1.0)"))
            }
        }
        guard let r = s.id else {
            if f.version >= .v1_1 { requireHeader(.subscribeID, nil, "id", f) }
            return
        }
        subscriptionWithIDSeen = true
        let key = Self.hash(b, r)
        if let old = subscriptions[key], old.active, f.version >= .v1_1 {
            stateViolation(.subscribeIDUnique, .subscription, p, r, "SUBSCRIBE id \(Self.text(b, r)) is already an active subscription")
        }
        if subscriptions[key] != nil || subscriptions.count < Self.maxRemembered {
            subscriptions[key] = Subscription(ackMode: mode, active: true)
        } else {
            forgotten.insert(.subscription)
        }
    }

    private mutating func onUnsubscribe(_ f: FrameContext, _ b: Span<UInt8>) {
        let p = f.position
        let s = f.summary
        if f.version == .v1_0 {
            if s.id == nil && s.destination == nil && f.headersComplete {
                emit(.unsubscribeID, p, s.commandRange, "UNSUBSCRIBE has neither destination nor id")
            }
            if let r = s.id { subscriptions[Self.hash(b, r)]?.active = false }
            return
        }
        guard let r = requireHeader(.unsubscribeID, s.id, "id", f) else { return }
        let key = Self.hash(b, r)
        if subscriptions[key]?.active == true {
            subscriptions[key]?.active = false
        } else {
            stateViolation(.unsubscribeID, .subscription, p, r, "UNSUBSCRIBE id \(Self.text(b, r)) is no active subscription of this connection")
        }
    }

    private mutating func onAck(_ f: FrameContext, _ b: Span<UInt8>) {
        let p = f.position
        let s = f.summary
        switch f.version {
        case .v1_2:
            guard let r = requireHeader(.ackID, s.id, "id", f) else { return }
            let key = Self.hash(b, r)
            if !ackIDs.contains(key) {
                addOrphan(.ackID, [(.ack, key)], p, r,
                          "\(f.name) id \(Self.text(b, r)) equals the ack header of no MESSAGE of this connection")
            }
        case .v1_1:
            let m = requireHeader(.ackID, s.messageID, "message-id", f)
            let sub = requireHeader(.ackID, s.subscription, "subscription", f)
            guard let m, let sub else { return }
            var refs: [(Reference, UInt64)] = []
            let mk = Self.hash(b, m), sk = Self.hash(b, sub)
            if messageIDs[mk] == nil { refs.append((.messageID, mk)) }
            if subscriptions[sk] == nil { refs.append((.subscription, sk)) }
            if !refs.isEmpty {
                addOrphan(.ackID, refs, p, m,
                          "\(f.name) message-id \(Self.text(b, m)) / subscription \(Self.text(b, sub)) match no MESSAGE or SUBSCRIBE of this connection")
            }
        case .v1_0:
            guard let m = requireHeader(.ackID, s.messageID, "message-id", f) else { return }
            let key = Self.hash(b, m)
            if messageIDs[key] == nil {
                addOrphan(.ackID, [(.messageID, key)], p, m,
                          "\(f.name) message-id \(Self.text(b, m)) matches no MESSAGE of this connection")
            }
        }
    }

    // MARK: - Server frames

    private mutating func serverFrame(_ f: FrameContext, _ b: Span<UInt8>) {
        let p = f.position
        let s = f.summary
        if let ef = errorFrame, reportedOnce.insert(.errorClose).inserted {
            emit(.errorClose, p, s.commandRange, "\(f.name) sent after the server's ERROR in frame \(ef); it must close")
        }
        if noCommonVersionError, f.command != .error, reportedOnce.insert(.noCommonVersion).inserted {
            emit(.noCommonVersion, p, s.commandRange,
                 "\(f.name) sent after the ERROR refusing a client with no common version; the server must close",
                 version: clientAccepts?.highest.map { Swift.max($0, .v1_1) } ?? p.version)
        }
        if let rf = disconnectReceiptFrame, reportedOnce.insert(.afterDisconnectReceipt).inserted {
            emit(.afterDisconnectReceipt, p, s.commandRange,
                 "\(f.name) sent after the RECEIPT (frame \(rf)) answering the client's DISCONNECT")
        }
        if !connectedSeen && f.command != .connected && f.command != .error,
           reportedOnce.insert(.connectFirst).inserted {
            if trusted && connectSeen {
                emit(.connectFirst, p, s.commandRange, "\(f.name) sent before CONNECTED")
            } else {
                unverifiable(.connectFirst, p, "\(f.name) sent before any CONNECTED seen; the CONNECTED may be missing from the capture")
            }
        }
        switch f.command {
        case .connected: onConnected(f, b)
        case .message: onMessage(f, b)
        case .receipt:
            guard let r = requireHeader(.receiptID, s.receiptID, "receipt-id", f) else { return }
            let key = Self.hash(b, r)
            if outstandingReceipts.removeValue(forKey: key) == nil && !requestedReceipts.contains(key) {
                addOrphan(.receiptID, [(.receipt, key)], p, r,
                          "RECEIPT receipt-id \(Self.text(b, r)) answers no receipt request of this connection")
            }
            if let dr = disconnectReceipt, dr == key, disconnectReceiptFrame == nil { disconnectReceiptFrame = p.lastFrame }
        case .error:
            if errorFrame == nil { errorFrame = p.lastFrame }
            if !connectedSeen, connectSeen, let accepts = clientAccepts, let r = s.version, r.upper <= b.count,
               STOMPNegotiation.acceptedVersions(b.extracting(r.range)).versions.intersection(accepts).isEmpty {
                noCommonVersionError = true
            }
            checkContentType(f, b)
        default:
            break
        }
    }

    private mutating func onConnected(_ f: FrameContext, _ b: Span<UInt8>) {
        let p = f.position
        let s = f.summary
        connectedSeen = true
        connectedTime = p.time
        // CONNECTED answers the client's offer: its rules speak the highest version offered.
        guard connectSeen, let offered = clientAccepts else {
            if let r = s.server { checkServerHeader(f, b, r, version: p.version) }
            return
        }
        let v = offered.highest ?? .v1_2
        if let r = s.version, r.upper <= b.count {
            let chosen = STOMPVersion(token: b.extracting(r.range))
            if offered.isEmpty {
                emit(.noCommonVersion, p, r, "CONNECTED although the client's accept-version offers no known version",
                     version: Swift.max(p.version, .v1_1))
            } else if chosen.map({ !offered.contains(version: $0) }) ?? true {
                emit(.negotiatedVersion, p, r, "CONNECTED version \(Self.text(b, r)) was not offered by the client's accept-version",
                     version: Swift.max(v, .v1_1))
            }
        } else if v >= .v1_1 && f.headersComplete {
            emit(.connectedVersion, p, s.commandRange, "CONNECTED has no version header although the client sent accept-version",
                 version: v)
        }
        if let r = s.server { checkServerHeader(f, b, r, version: Swift.max(p.version, .v1_1)) }
    }

    private mutating func checkServerHeader(_ f: FrameContext, _ b: Span<UInt8>, _ r: ByteRange, version: STOMPVersion) {
        guard r.upper <= b.count else { return }
        if r.isEmpty || b[r.lower] == 0x20 || b[r.lower] == 0x2F {
            emit(.serverHeader, f.position, r, "CONNECTED server header \"\(Self.text(b, r))\" does not start with a server name",
                 version: version)
        }
    }

    private mutating func onMessage(_ f: FrameContext, _ b: Span<UInt8>) {
        let p = f.position
        let s = f.summary
        requireHeader(.messageHeaders, s.destination, "destination", f)
        let m = requireHeader(.messageHeaders, s.messageID, "message-id", f)
        var subscription: Subscription?
        if let r = s.subscription {
            let key = Self.hash(b, r)
            subscription = subscriptions[key]
            if subscription == nil && (p.version >= .v1_1 || subscriptionWithIDSeen) {
                addOrphan(.messageHeaders, [(.subscription, key)], p, r,
                          "\(f.name) subscription \(Self.text(b, r)) is no subscription id of this connection")
            }
        } else if p.version >= .v1_1 || subscriptionWithIDSeen {
            requireHeader(.messageHeaders, nil, "subscription", f)
        }
        if let sub = subscription, sub.ackMode != 0, s.ack == nil, f.headersComplete, p.version == .v1_2 {
            emit(.messageAck, p, s.commandRange,
                 "\(f.name) for a \(sub.ackMode == 1 ? "client" : "client-individual") subscription has no ack header")
        }
        if let r = s.ack { if !Self.insert(Self.hash(b, r), into: &ackIDs) { forgotten.insert(.ack) } }
        if let m {
            let key = Self.hash(b, m)
            let body = Self.hash(b, s.body)
            if let old = messageIDs[key] {
                if old != body {
                    emit(.messageIDUnique, p, m, "\(f.name) message-id \(Self.text(b, m)) was used before for a different body")
                }
            } else if messageIDs.count < Self.maxRemembered {
                messageIDs[key] = body
            } else {
                forgotten.insert(.messageID)
            }
        }
        checkContentType(f, b)
    }

    // MARK: - Shared checks

    /// Reports `header` missing (when the header section is complete); returns its range.
    @discardableResult
    private mutating func requireHeader(_ rule: STOMPCheckRule, _ r: ByteRange?, _ header: String,
                                        _ f: FrameContext) -> ByteRange? {
        if let r { return r }
        if f.headersComplete {
            emit(rule, f.position, f.summary.commandRange, "\(f.name) has no \(header) header")
        }
        return nil
    }

    /// content-type is type "/" subtype [";" parameter...] (RFC 2045 tokens; STOMP 1.2 "Header content-type").
    private mutating func checkContentType(_ f: FrameContext, _ b: Span<UInt8>) {
        guard let r = f.summary.contentType, r.lower >= 0, r.upper <= b.count else { return }
        if !Self.isMIMEType(b, r) {
            emit(.contentType, f.position, r, "\(f.name) content-type \"\(Self.text(b, r))\" is not a MIME type")
        }
    }

    static func isMIMEType(_ b: borrowing Span<UInt8>, _ r: ByteRange) -> Bool {
        func isToken(_ c: UInt8) -> Bool {
            guard c > 0x20 && c < 0x7F else { return false }
            switch c {
            case 0x28, 0x29, 0x3C, 0x3E, 0x40, 0x2C, 0x3B, 0x3A, 0x5C, 0x22, 0x2F, 0x5B, 0x5D, 0x3F, 0x3D: return false
            default: return true
            }
        }
        var i = r.lower
        var n = 0
        while i < r.upper && isToken(b[i]) { i += 1; n += 1 }
        guard n > 0, i < r.upper, b[i] == 0x2F else { return false }
        i += 1
        n = 0
        while i < r.upper && isToken(b[i]) { i += 1; n += 1 }
        guard n > 0 else { return false }
        while i < r.upper && b[i] == 0x20 { i += 1 }
        return i == r.upper || b[i] == 0x3B
    }

    /// Records a client receipt request.
    private mutating func remember(receipt key: UInt64, _ p: STOMPFramePosition, _ command: STOMPCommand) {
        if !Self.insert(key, into: &requestedReceipts) { forgotten.insert(.receipt) }
        if outstandingReceipts.count < Self.maxRemembered {
            outstandingReceipts[key] = PendingReceipt(position: p, command: command, serverFramesThen: server.frames)
        }
    }

    /// SEND/SUBSCRIBE receipt requests never answered although the server went on sending (1.2
    /// "SEND", "SUBSCRIBE": a server that cannot process the frame must send ERROR).
    private mutating func judgeUnansweredReceipts() {
        var first: PendingReceipt?
        var count = 0
        for (_, r) in outstandingReceipts where (r.command == .send || r.command == .subscribe) && server.frames > r.serverFramesThen {
            count += 1
            if first == nil || r.position.index < first!.position.index { first = r }
        }
        guard let first else { return }
        emit(.receiptUnanswered, first.position, nil,
             "\(count) SEND/SUBSCRIBE receipt request(s) never answered by RECEIPT or ERROR; the server kept sending (first: this \(first.command.name))")
    }

    private func knows(_ kind: Reference, _ key: UInt64) -> Bool {
        switch kind {
        case .ack: ackIDs.contains(key)
        case .messageID: messageIDs[key] != nil
        case .subscription: subscriptions[key] != nil
        case .receipt: requestedReceipts.contains(key)
        case .transaction: openTransactions.contains(key)
        }
    }

    private mutating func addOrphan(_ rule: STOMPCheckRule, _ refs: [(Reference, UInt64)], _ p: STOMPFramePosition,
                                    _ range: ByteRange, _ message: String) {
        guard orphans.count < Self.maxOrphans else {
            unverifiable(rule, p, "more than \(Self.maxOrphans) references matched nothing; later ones are not judged")
            return
        }
        orphans.append(Orphan(rule: rule, references: refs, position: p, range: range, message: message))
    }

    /// Inserts unless the set is full; false when `key` could not be remembered.
    static func insert(_ key: UInt64, into set: inout Set<UInt64>) -> Bool {
        if set.count < maxRemembered { set.insert(key); return true }
        return set.contains(key)
    }

    /// Heart-beat silence of direction `p.direction` ended at `p.time` (or, `trailing`, lasted
    /// until the connection's end). Counting starts at CONNECTED; stops after DISCONNECT/ERROR.
    private mutating func checkSilence(_ p: STOMPFramePosition, frameIndex: Int?, trailing: Bool = false,
                                       closed: Bool = false) {
        let d = p.direction
        let interval = d == .clientToServer ? heartBeatInterval.clientToServer : heartBeatInterval.serverToClient
        guard let ms = interval, ms > 0, let start = connectedTime, !self[side: d].heartBeatReported else { return }
        if d == .clientToServer ? disconnectFrame != nil : errorFrame != nil { return }
        var last = start
        if let t = self[side: d].lastTraffic, start < t { last = t }
        let silence = p.time.totalNanoseconds &- last.totalNanoseconds
        let limit = Self.heartBeatLimit(intervalMilliseconds: ms)
        guard silence > 0, UInt64(silence) / 1_000_000 > limit else { return }
        self[side: d].heartBeatReported = true
        let who = d == .clientToServer ? "client" : "server"
        let secs = formatSeconds(Double(silence) / 1e9)
        let how = trailing ? (closed ? "until the connection closed" : "until the end of the capture")
            : "before this \(frameIndex == nil ? "heart-beat" : "frame")"
        if self[side: d].gapped {
            unverifiable(.heartBeatSend, p, "\(secs) s without \(who) data \(how), but \(who) bytes were lost in a gap")
        } else {
            emit(.heartBeatSend, p, nil,
                 "\(secs) s without \(who) data \(how) (agreed heart-beat \(ms) ms, limit \(limit) ms)",
                 index: frameIndex)
        }
    }

    // MARK: - Emitting

    /// A violation that depends on remembered state: unverifiable when that state may be incomplete.
    private mutating func stateViolation(_ rule: STOMPCheckRule, _ kind: Reference, _ p: STOMPFramePosition,
                                         _ range: ByteRange?,
                                         _ message: String, severity: Severity? = nil) {
        if trusted(kind) { emit(rule, p, range, message, severity: severity) } else {
            unverifiable(rule, p, message + "; earlier frames may be missing from the capture")
        }
    }

    private mutating func emit(_ rule: STOMPCheckRule, _ p: STOMPFramePosition, _ range: ByteRange?, _ message: String,
                               version: STOMPVersion? = nil, severity: Severity? = nil, index: Int?? = .none) {
        let desc = rule.descriptor
        let v = version ?? p.version
        guard let id = desc.id(for: v) else { return }
        findings.append(finding(id, rule, desc, p, range, message, severity ?? desc.severity(for: v), .violation,
                                index: index ?? p.index))
    }

    private mutating func unverifiable(_ rule: STOMPCheckRule, _ p: STOMPFramePosition, _ message: String) {
        let desc = rule.descriptor
        let v = desc.id(for: p.version) == nil ? (desc.versions.last ?? p.version) : p.version
        guard let id = desc.id(for: v), unverifiableReported.insert(rule).inserted else { return }
        findings.append(finding(id, rule, desc, p, nil, message, .info, .unverifiable, index: p.index))
    }

    private mutating func note(_ rule: STOMPCheckRule, _ p: STOMPFramePosition, _ message: String) {
        let desc = rule.descriptor
        guard let id = desc.id(for: p.version) else { return }
        findings.append(finding(id, rule, desc, p, nil, message, .info, .note, index: p.index))
    }

    private func finding(_ id: RuleID, _ rule: STOMPCheckRule, _ desc: STOMPCheckRuleDescriptor, _ p: STOMPFramePosition,
                         _ range: ByteRange?, _ message: String, _ severity: Severity, _ verdict: Verdict,
                         index: Int?) -> CheckFinding {
        let frames = p.firstFrame == p.lastFrame ? [p.lastFrame] : [p.firstFrame, p.lastFrame]
        let known = !(p.streamRange.isEmpty && p.lastFrame == 0)
        let stream: StreamRange? = known ? (range.map {
            StreamRange(p.streamRange.lower &+ UInt64(clamping: $0.lower), p.streamRange.lower &+ UInt64(clamping: $0.upper))
        } ?? p.streamRange) : nil
        return CheckFinding(rule: id, checkRule: rule.rawValue, severity: severity, verdict: verdict,
                            direction: p.direction, packetIndex: index, frames: known ? frames : [], time: p.time,
                            streamRange: stream, packetRange: known ? (range ?? ByteRange(0, Int(clamping: p.streamRange.count))) : nil,
                            message: message, section: desc.section, packetType: p.command.isEmpty ? nil : p.command)
    }

    // MARK: - Bytes

    /// FNV-1a over `b[r]` (clamped to the span).
    static func hash(_ b: borrowing Span<UInt8>, _ r: ByteRange) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = Swift.max(0, r.lower)
        let end = Swift.min(r.upper, b.count)
        while i < end {
            h = (h ^ UInt64(b[i])) &* 0x0000_0100_0000_01B3
            i += 1
        }
        return h
    }

    static func equals(_ b: borrowing Span<UInt8>, _ r: ByteRange, _ word: StaticString) -> Bool {
        guard r.lower >= 0, r.upper <= b.count, r.count == word.utf8CodeUnitCount else { return false }
        let p = word.utf8Start
        for k in 0..<r.count where b[r.lower + k] != p[k] { return false }
        return true
    }

    /// The value's text for messages (at most 64 bytes, lossy UTF-8).
    static func text(_ b: borrowing Span<UInt8>, _ r: ByteRange) -> String {
        var bytes: [UInt8] = []
        var i = Swift.max(0, r.lower)
        let end = Swift.min(r.upper, b.count, i + 64)
        while i < end {
            bytes.append(b[i])
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self) + (r.count > 64 ? "…" : "")
    }
}
