public import WireCore
public import MQTTCodec

/// The stateful checker of one MQTT connection: a state machine per direction, fed packet by
/// packet in capture order. Syntax belongs to the decoder (its diagnostics are not repeated
/// here); this checks sequence, packet identifiers, QoS flows and negotiated limits.
///
/// Honest with incomplete captures: a connection picked up mid-stream, or a direction that lost
/// bytes in a gap, makes state-dependent rules unverifiable. They are reported once per rule as
/// `unverifiable` (info), never as violations.
///
/// Common path cost: no heap allocation per packet (dictionaries keep their capacity; strings
/// are built only for findings).
public struct MQTTConnectionChecker {
    /// Findings since the last `clearFindings()`.
    public private(set) var findings: [CheckFinding] = []

    /// False when the connection was picked up mid-stream (no SYN): the start is unknown.
    let sawStart: Bool
    var client = SideState()
    var server = SideState()

    // What CONNECT and CONNACK negotiated.
    var connect: ConnectFacts?
    var connackSeen = false
    var connackRefused = false
    /// The refusing CONNACK's code (5.0 reason codes name the statement the close comes from).
    var connackRefusedCode: UInt8 = 0
    var serverReceiveMaximum: UInt16 = 65535
    var serverTopicAliasMaximum: UInt16 = 0
    var serverMaximumPacketSize: UInt32?
    var serverMaximumQoS: UInt8 = 2
    var serverRetainAvailable = true
    var serverWildcardAvailable = true
    var serverSharedAvailable = true
    var serverSubscriptionIDAvailable = true
    var serverKeepAlive: UInt16?
    var keepAliveReported = false
    /// Rules already reported as unverifiable on this connection (reported once each).
    var unverifiableReported: Set<MQTTCheckRule> = []
    /// Acknowledgements that matched nothing when they arrived. Reassembly can deliver one
    /// direction ahead of the other (a segment held for reordering), so a PUBLISH may still come;
    /// what is left at `finish()` is judged then. Empty in the common path.
    var orphans: [(message: MQTTMessage, position: PacketPosition)] = []
    /// SUBSCRIBE / UNSUBSCRIBE identifiers already answered (request and answer frames), until the
    /// client uses the identifier again: a second answer to one request is told from an orphan.
    var answered: [UInt16: (request: FrameNumber, answer: FrameNumber, answerEnd: UInt64, unsubscribe: Bool)] = [:]
    /// Bytes were lost (gap, conflicting retransmission) somewhere on the connection.
    var lossSeen = false
    /// Rules reported at most once per connection (ordering rules, which would repeat).
    var reportedOnce: Set<MQTTCheckRule> = []
    /// 5.0: the CONNECT's Authentication Method, and the Subscription Identifiers the client used.
    var authenticationMethod: [UInt8]?
    var subscriptionIDs: [UInt32] = []
    /// Unanswered PINGREQs, and the first of them with the server's activity count then.
    var pendingPings = 0
    var lastVersion = MQTTVersion.v3_1_1
    /// The first malformed packet of each direction (its frame and time), for §4.8 / §4.13.
    var malformedAt: [(frame: FrameNumber, time: Timestamp)?] = [nil, nil]
    var pingPosition: PacketPosition?
    var pingMark: Int32 = 0

    struct ConnectFacts {
        var cleanStart: Bool
        var emptyClientID: Bool
        var keepAlive: UInt16
        var receiveMaximum: UInt16
        var topicAliasMaximum: UInt16
        var maximumPacketSize: UInt32?
        var requestProblemInformation: UInt8
        var requestResponseInformation: UInt8
        var hasAuthenticationMethod: Bool
        var sessionExpiryZero: Bool
        /// 1-23 bytes of 0-9, a-z, A-Z: an id every server must accept (§3.1.3.1).
        var simpleClientID: Bool
        var malformed: Bool
        /// The Will's QoS (nil: no Will) and Will Retain.
        var willQoS: UInt8?
        var willRetain: Bool
        var frame: FrameNumber
    }

    /// What one direction has sent, and the identifiers it has in flight.
    struct SideState {
        var packets = 0
        /// The first packet of this direction was seen from the stream's first byte.
        var startKnown = false
        /// A gap (or a resynchronisation) lost bytes of this direction.
        var gapped = false
        var disconnected = false
        var disconnectFrame: FrameNumber = 0
        var lastPacketTime: Timestamp?
        /// Packet identifiers this side has in flight (its PUBLISH QoS>0, SUBSCRIBE, UNSUBSCRIBE).
        var inFlight: [UInt16: InFlight] = [:]
        var publishesInFlight = 0
        var nextSeq: UInt32 = 0
        /// Packets sent other than DISCONNECT (evidence the side was still working).
        var activePackets: Int32 = 0
        /// 5.0: this side sent Topic Aliases, and whether any could be invalid (0, above the
        /// receiver's maximum or not known, unmapped, in a malformed PUBLISH).
        var aliasesUsed = false
        var aliasInvalid = false
        /// 5.0: this side's DISCONNECT 0x94 (Topic Alias invalid), judged at the end against the
        /// peer's aliases (§3.3.2.3.4: any alias from 1 to the announced maximum must be accepted).
        var aliasRefusal: PacketPosition?
    }

    enum FlowState: UInt8 {
        /// QoS 1 sent; QoS 2 sent; PUBREC received (PUBREL due); PUBREL sent (PUBCOMP due).
        case awaitPuback, awaitPubrec, awaitPubrel, awaitPubcomp, awaitSuback, awaitUnsuback
        /// 5.0: answered with a failure reason code; acknowledged, must not be re-sent (§4.4).
        case failed
    }

    struct InFlight {
        var state: FlowState
        var entries: Int32
        var frame: FrameNumber
        /// Order of arrival (PUBLISH, or PUBREC once received) for the ordering rules of §4.6.
        var seq: UInt32 = 0
        /// SUBSCRIBE: requested QoS per filter, 2 bits each (first 32 filters).
        var requestedQoS: UInt64 = 0
        /// The packets (other than DISCONNECT) the answering side had sent when this was sent.
        var responderMark: Int32 = 0
        var index: Int32 = 0
        var at = StreamRange(0, 0)
        var time = Timestamp.zero
    }

    public init(sawStart: Bool) {
        self.sawStart = sawStart
        findings.reserveCapacity(4)
    }

    public mutating func clearFindings() { findings.removeAll(keepingCapacity: true) }

    subscript(side d: Direction) -> SideState {
        get { d == .clientToServer ? client : server }
        _modify {
            if d == .clientToServer { yield &client } else { yield &server }
        }
    }

    /// Bytes of direction `d` were lost (capture gap, packet lost in a gap, resynchronisation):
    /// the identifiers in flight on both sides can no longer be trusted.
    public mutating func gap(_ d: Direction, range: StreamRange? = nil, frame: FrameNumber = 0,
                             time: Timestamp = .zero, version: MQTTVersion = .v3_1_1) {
        lossSeen = true
        // The direction's first bytes are lost: its first packet cannot be judged.
        if let r = range, r.lower == 0, self[side: d].packets == 0, !self[side: d].gapped {
            let p = PacketPosition(direction: d, version: version, index: 0, time: time, streamRange: r,
                                   firstFrame: frame, lastFrame: frame, declaredSize: 0)
            unverifiable(d == .clientToServer ? .firstPacketConnect : .firstServerPacketConnack, p,
                         "the first \(r.count) byte(s) of the \(d == .clientToServer ? "client" : "server") stream are missing from the capture; its first packet cannot be judged")
        }
        self[side: d].gapped = true
        answered.removeAll()
        for s in Direction.allCases {
            self[side: s].inFlight.removeAll(keepingCapacity: true)
            self[side: s].publishesInFlight = 0
        }
    }

    /// Whether both directions were seen from their start with no loss (state is complete).
    var complete: Bool { sawStart && client.startKnown && server.startKnown && !lossSeen }

    /// The connection ended: acknowledgements still unmatched are judged now (violations when
    /// the capture is complete, else one unverifiable note per rule).
    public mutating func finish(closed: Bool = false) {
        if closed && complete { judgeUnanswered() }
        judgeAliasRefusals()
        let left = orphans
        orphans.removeAll()
        for o in left {
            let rule: MQTTCheckRule
            let id: UInt16
            switch o.message {
            case .puback(let a), .pubrec(let a), .pubrel(let a), .pubcomp(let a): rule = .publishAckUnmatched; id = a.packetID
            case .suback(let x), .unsuback(let x): rule = .subscribeAckUnmatched; id = x.packetID
            default: continue
            }
            let name = o.message.packetType?.name ?? "ack"
            let hl = o.message.header?.headerLength ?? 2
            // §3.8.4, §3.10.4: one SUBACK / UNSUBACK per request, however many filters it holds.
            if complete, rule == .subscribeAckUnmatched, let a = answered[id], a.answerEnd <= o.position.streamRange.lower,
               case .unsuback = o.message, a.unsubscribe {
                emit(.unsubackRepeated, o.position, ByteRange(hl, hl + 2),
                     "a second UNSUBACK for the UNSUBSCRIBE id \(id) of frame \(a.request), already answered in frame \(a.answer)")
                continue
            }
            if complete, rule == .subscribeAckUnmatched, let a = answered[id], a.answerEnd <= o.position.streamRange.lower,
               case .suback = o.message, !a.unsubscribe {
                emit(.subackRepeated, o.position, ByteRange(hl, hl + 2),
                     "a second SUBACK for the SUBSCRIBE id \(id) of frame \(a.request), already answered in frame \(a.answer)")
                continue
            }
            if complete {
                emit(rule, o.position, ByteRange(hl, hl + 2), "\(name) id \(id) matches no outstanding \(rule == .publishAckUnmatched ? "PUBLISH" : "SUBSCRIBE/UNSUBSCRIBE")")
            } else {
                unverifiable(rule, o.position,
                             "\(name) id \(id) matches no request seen; the request may be in bytes the capture lacks")
            }
        }
    }

    /// The connection closed inside the capture: requests still unanswered although the answering
    /// side went on sending other packets after them (so it was alive and reading) are reported,
    /// one finding per rule with the first request and the count (an inference: warning).
    private mutating func judgeUnanswered() {
        var first: [MQTTCheckRule: (InFlight, Direction, Int)] = [:]
        for owner in Direction.allCases {
            for (_, e) in self[side: owner].inFlight {
                let responder: Direction = e.state == .awaitPubrel ? owner : owner.reversed
                guard self[side: responder].activePackets > e.responderMark else { continue }
                let rule: MQTTCheckRule
                switch e.state {
                case .awaitPuback, .awaitPubrec, .awaitPubrel, .awaitPubcomp: rule = .publishUnanswered
                case .awaitSuback: rule = .subscribeUnanswered
                case .awaitUnsuback: rule = .unsubscribeUnanswered
                case .failed: continue
                }
                if let f = first[rule] {
                    first[rule] = (f.0.frame <= e.frame ? f.0 : e, f.0.frame <= e.frame ? f.1 : owner, f.2 + 1)
                } else {
                    first[rule] = (e, owner, 1)
                }
            }
        }
        for (rule, (e, owner, count)) in first.sorted(by: { $0.value.0.frame < $1.value.0.frame }) {
            let p = PacketPosition(direction: owner, version: lastVersion, index: Int(e.index), time: e.time,
                                   streamRange: e.at, firstFrame: e.frame, lastFrame: e.frame, declaredSize: 0)
            let what: String
            switch e.state {
            case .awaitPuback: what = "PUBLISH QoS 1 never got its PUBACK"
            case .awaitPubrec: what = "PUBLISH QoS 2 never got its PUBREC"
            case .awaitPubrel: what = "PUBREC never got its PUBREL"
            case .awaitPubcomp: what = "PUBREL never got its PUBCOMP"
            case .awaitSuback: what = "SUBSCRIBE never got its SUBACK"
            default: what = "UNSUBSCRIBE never got its UNSUBACK"
            }
            emit(rule, p, nil, "\(what)\(count > 1 ? " (and \(count - 1) more)" : ""); the peer sent other packets afterwards and the connection closed")
        }
        if let p = pingPosition, server.activePackets > pingMark {
            emit(.pingUnanswered, p, nil,
                 "PINGREQ\(pendingPings > 1 ? " (and \(pendingPings - 1) more)" : "") never got a PINGRESP; the server sent other packets afterwards and the connection closed")
        }
    }

    /// A DISCONNECT 0x94 (Topic Alias invalid) answering a peer whose every Topic Alias was in 1 up to
    /// the maximum the refusing side announced, and mapped (5.0 §3.3.2.3.4 [MQTT-3.3.2-10], [MQTT-3.3.2-12]).
    /// Judged at the end, once every PUBLISH of the peer (reassembly may deliver it late) is known.
    private mutating func judgeAliasRefusals() {
        for d in Direction.allCases {
            guard let p = self[side: d].aliasRefusal else { continue }
            self[side: d].aliasRefusal = nil
            let peer = self[side: d.reversed]
            guard peer.aliasesUsed, !peer.aliasInvalid else { continue }
            let rule: MQTTCheckRule = d == .serverToClient ? .topicAliasRefusedServer : .topicAliasRefusedClient
            let who = d == .serverToClient ? "client" : "server"
            if sawStart && peer.startKnown && !peer.gapped {
                emit(rule, p, nil,
                     "DISCONNECT 0x94 (Topic Alias invalid) although every Topic Alias the \(who) used was mapped and within the Topic Alias Maximum announced to it")
            } else {
                unverifiable(rule, p, "DISCONNECT 0x94 (Topic Alias invalid); the \(who)'s PUBLISHes were not all captured")
            }
        }
    }

    /// A request with identifier `id` from `owner` was registered: acknowledgements that came
    /// ahead of it (reassembly order) are applied now.
    private mutating func replayOrphans(_ owner: Direction, _ id: UInt16) {
        guard !orphans.isEmpty else { return }
        // Take the matching ones out first: replaying can add new orphans, never re-examined here.
        var matched: [(message: MQTTMessage, position: PacketPosition)] = []
        var i = 0
        while i < orphans.count {
            let o = orphans[i]
            var ackOwner = o.position.direction.reversed
            var ackID: UInt16 = 0
            switch o.message {
            case .pubrel(let a): ackOwner = o.position.direction; ackID = a.packetID
            case .puback(let a), .pubrec(let a), .pubcomp(let a): ackID = a.packetID
            case .suback(let x), .unsuback(let x): ackID = x.packetID
            default: break
            }
            if ackOwner == owner && ackID == id {
                matched.append(orphans.remove(at: i))
            } else {
                i += 1
            }
        }
        for o in matched {
            switch o.message {
            case .puback(let a): onAck(.puback, a, o.position)
            case .pubrec(let a): onAck(.pubrec, a, o.position)
            case .pubrel(let a): onAck(.pubrel, a, o.position)
            case .pubcomp(let a): onAck(.pubcomp, a, o.position)
            case .suback(let x): onSubscribeAck(x, o.position, unsubscribe: false)
            case .unsuback(let x): onSubscribeAck(x, o.position, unsubscribe: true)
            default: break
            }
        }
    }

    /// Holds an acknowledgement that matched nothing (bounded: past the limit the rule is only
    /// noted as unverifiable, so a hostile stream cannot grow the list without end).
    private mutating func addOrphan(_ m: MQTTMessage, _ p: PacketPosition, _ rule: MQTTCheckRule) {
        if orphans.count >= Self.maxOrphans {
            unverifiable(rule, p, "more than \(Self.maxOrphans) acknowledgements matched nothing; later ones are not judged")
            return
        }
        orphans.append((m, p))
    }

    static let maxOrphans = 1024

    // MARK: Feeding

    public mutating func packet(_ message: MQTTMessage, pdu: Span<UInt8>, at p: PacketPosition) {
        let d = p.direction
        lastVersion = p.version
        let isFirst = self[side: d].packets == 0
        if isFirst {
            self[side: d].startKnown = sawStart && p.streamRange.lower == 0 && !self[side: d].gapped
        }
        defer {
            self[side: d].packets += 1
            self[side: d].lastPacketTime = p.time
            if message.packetType != .disconnect { self[side: d].activePackets &+= 1 }
        }
        if isFirst, !sawStart, client.packets + server.packets == 0 {
            let desc = MQTTCheckRule.midStream.descriptor
            findings.append(finding(desc.id311!, .midStream, desc, p, nil,
                                    "connection captured mid-stream (no TCP handshake): rules needing its start are unverifiable",
                                    .info, .note))
        }
        checkClosedAfterMalformed(message, p)
        guard let type = message.packetType, type != .reserved, type.isValid(in: p.version) else { return }

        if self[side: d].disconnected {
            emit(.packetAfterDisconnect, p, nil,
                 "\(type.name) sent after this side's DISCONNECT in frame \(self[side: d].disconnectFrame)")
        }
        if !checkDirection(type, p) { return }
        if d == .clientToServer { checkKeepAliveOnClientPacket(p) } else { checkKeepAliveOnServerPacket(type, p) }
        if p.version == .v5 && p.declaredSize > 0 { checkPacketSize(message, p) }

        // Sequence: first packets.
        if isFirst {
            if d == .clientToServer, type != .connect {
                if self[side: d].startKnown {
                    emit(.firstPacketConnect, p, ByteRange(0, 1), "first client packet is \(type.name), not CONNECT")
                } else {
                    unverifiable(.firstPacketConnect, p,
                                 "first captured client packet is \(type.name); the start of the stream was not captured")
                }
            }
            if d == .serverToClient, type != .connack, !(p.version == .v5 && type == .auth) {
                if self[side: d].startKnown {
                    emit(.firstServerPacketConnack, p, ByteRange(0, 1),
                         "first server packet is \(type.name), not CONNACK")
                } else {
                    unverifiable(.firstServerPacketConnack, p,
                                 "first captured server packet is \(type.name); the start of the stream was not captured")
                }
            }
        }
        if d == .serverToClient, connackRefused, type != .disconnect || p.version != .v5 {
            emit(.refusedConnectionContinues, p, nil,
                 "\(type.name) sent after a CONNACK that refused the connection\(p.version == .v5 ? Self.refusal(connackRefusedCode, authenticating: connect?.hasAuthenticationMethod ?? false) : "")")
        }

        if d == .clientToServer, !connackSeen, authenticationMethod != nil, type != .connect, type != .auth,
           type != .disconnect {
            emit(.packetDuringAuthentication, p, ByteRange(0, 1),
                 "\(type.name) sent before CONNACK while enhanced authentication is in progress")
        }
        switch message {
        case .connect(let c): onConnect(c, pdu, p)
        case .connack(let c): onConnack(c, pdu, p)
        case .publish(let m): onPublish(m, pdu, p)
        case .puback(let a): onAck(.puback, a, p)
        case .pubrec(let a): onAck(.pubrec, a, p)
        case .pubrel(let a): onAck(.pubrel, a, p)
        case .pubcomp(let a): onAck(.pubcomp, a, p)
        case .subscribe(let s): onSubscribe(s, pdu, p, unsubscribe: false)
        case .unsubscribe(let s): onSubscribe(s, pdu, p, unsubscribe: true)
        case .suback(let s): onSubscribeAck(s, p, unsubscribe: false, granted: grantedCodes(s, pdu))
        case .unsuback(let s): onSubscribeAck(s, p, unsubscribe: true)
        case .disconnect(let r): onDisconnect(r, p)
        case .auth(let r): onAuth(r, pdu, p)
        case .pingreq:
            if pendingPings == 0 { pingPosition = p; pingMark = server.activePackets }
            pendingPings += 1
        case .pingresp:
            if pendingPings > 0 { pendingPings -= 1 }
            if pendingPings == 0 { pingPosition = nil }
        case .reserved, .malformed: break
        }
        if d == .serverToClient, p.version == .v5 { checkProblemInformation(message, p) }
    }

    // MARK: Direction

    /// Packet types with a fixed direction (3.1.1 §2.2.1 Table 2.1, 5.0 §2.1.2 Table 2-1).
    private mutating func checkDirection(_ type: MQTTPacketType, _ p: PacketPosition) -> Bool {
        let clientOnly: Bool, serverOnly: Bool
        switch type {
        case .connect, .subscribe, .unsubscribe, .pingreq: clientOnly = true; serverOnly = false
        case .disconnect: clientOnly = p.version != .v5; serverOnly = false
        case .connack, .suback, .unsuback, .pingresp: clientOnly = false; serverOnly = true
        default: clientOnly = false; serverOnly = false
        }
        let wrong = (clientOnly && p.direction == .serverToClient) || (serverOnly && p.direction == .clientToServer)
        guard wrong else { return true }
        let who = p.direction == .clientToServer ? "client" : "server"
        if sawStart {
            emit(.wrongDirection, p, ByteRange(0, 1), "\(type.name) sent by the \(who)")
        } else {
            unverifiable(.wrongDirection, p,
                         "\(type.name) seen from the side taken as \(who); roles are guessed on a mid-stream connection")
        }
        return false
    }

    // MARK: CONNECT / CONNACK

    private mutating func onConnect(_ c: MQTTConnect, _ pdu: Span<UInt8>, _ p: PacketPosition) {
        if connect != nil || client.packets > 0 && self.client.startKnown && false {
            // unreachable branch kept simple below
        }
        if connect != nil {
            emit(.secondConnect, p, ByteRange(0, 1), "second CONNECT on the connection")
            return
        }
        if client.packets > 0 {
            // A CONNECT after other client packets: a second CONNECT if the earlier one was lost.
            if client.startKnown {
                emit(.firstPacketConnect, p, ByteRange(0, 1),
                     "CONNECT arrives as client packet \(client.packets + 1), after other packets")
            }
        }
        let emptyID = c.clientID.map { $0.isEmpty } ?? false
        var simpleID = false
        if let r = c.clientID, r.count >= 1, r.count <= 23, r.upper <= pdu.count {
            simpleID = true
            for i in r.range {
                let b = pdu[i]
                let alnum = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                if !alnum { simpleID = false; break }
            }
        }
        connect = ConnectFacts(
            cleanStart: c.cleanStart, emptyClientID: emptyID, keepAlive: c.keepAlive,
            receiveMaximum: c.properties.receiveMaximum ?? 65535,
            topicAliasMaximum: c.properties.topicAliasMaximum ?? 0,
            maximumPacketSize: c.properties.maximumPacketSize,
            requestProblemInformation: c.properties.requestProblemInformation ?? 1,
            requestResponseInformation: c.properties.requestResponseInformation ?? 0,
            hasAuthenticationMethod: c.properties.authenticationMethod != nil,
            sessionExpiryZero: (c.properties.sessionExpiryInterval ?? 0) == 0,
            simpleClientID: simpleID, malformed: p.malformed, willQoS: c.willFlag ? c.willQoS : nil,
            willRetain: c.willFlag && c.willRetain, frame: p.lastFrame)
        if p.version == .v3_1_1, emptyID, !c.cleanStart, let r = c.clientID {
            emit(.emptyClientIDWithoutCleanSession, p, ByteRange(r.lower - 2, r.upper),
                 "zero-length Client Identifier with CleanSession=0")
        }
        if p.version == .v5 {
            checkAuthData(c.properties, pdu, p)
            if let m = c.properties.authenticationMethod, m.upper <= pdu.count, m.lower <= m.upper {
                authenticationMethod = bytes(pdu, m)
            }
            checkResponseTopic(c.willProperties, pdu, p)
        }
    }

    private func bytes(_ pdu: Span<UInt8>, _ r: ByteRange) -> [UInt8] {
        var a = [UInt8]()
        a.reserveCapacity(r.count)
        for i in r.range { a.append(pdu[i]) }
        return a
    }

    /// Whether the PUBLISH/CONNACK/AUTH property carries the CONNECT's method (§4.12).
    private func sameMethod(_ r: ByteRange?, _ pdu: Span<UInt8>) -> Bool {
        guard let want = authenticationMethod else { return true }
        guard let r, r.upper <= pdu.count, r.count == want.count else { return false }
        for (k, i) in r.range.enumerated() where pdu[i] != want[k] { return false }
        return true
    }

    private mutating func checkResponseTopic(_ props: MQTTProperties, _ pdu: Span<UInt8>, _ p: PacketPosition) {
        guard let r = props.responseTopic, r.upper <= pdu.count, r.lower <= r.upper else { return }
        for i in r.range where pdu[i] == UInt8(ascii: "+") || pdu[i] == UInt8(ascii: "#") {
            emit(.responseTopicWildcard, p, r, "Response Topic has the wildcard '\(pdu[i] == UInt8(ascii: "+") ? "+" : "#")'")
            return
        }
    }

    private mutating func onConnack(_ c: MQTTConnack, _ pdu: Span<UInt8>, _ p: PacketPosition) {
        let flagsRange = ByteRange(c.header.headerLength, c.header.headerLength + 1)
        let codeRange = ByteRange(c.header.headerLength + 1, c.header.headerLength + 2)
        if connackSeen {
            emit(.secondConnack, p, ByteRange(0, 1), "second CONNACK on the connection")
            return
        }
        connackSeen = true
        let refused = p.version == .v5 && !c.refusedBy311Server ? c.code >= 0x80 : c.code != 0
        if c.sessionPresent && c.code != 0 {
            emit(.sessionPresentWithError, p, flagsRange,
                 "Session Present=1 with \(p.version == .v5 ? "reason" : "return") code 0x\(hex(c.code))")
        }
        if let cf = connect {
            if cf.cleanStart, c.code == 0, c.sessionPresent {
                emit(.sessionPresentAfterCleanStart, p, flagsRange,
                     "Session Present=1 although CONNECT set \(p.version == .v5 ? "Clean Start" : "CleanSession")=1")
            }
            if cf.simpleClientID, c.code == (p.version == .v5 ? 0x85 : 0x02) {
                emit(.clientIDRejected, p, codeRange,
                     "CONNACK 0x\(hex(c.code)) (Client Identifier rejected) for a 1-23 character alphanumeric Client Identifier")
            }
            // 3.1.1 §3.1.4: an invalid CONNECT is closed without CONNACK; 5.0 may answer with a
            // reason code >= 0x80, never with success.
            if cf.malformed, p.version != .v5 || c.code == 0 {
                emit(.malformedConnectAccepted, p, codeRange,
                     "CONNACK 0x\(hex(c.code)) answers the malformed CONNECT in frame \(cf.frame)")
            }
            if p.version == .v3_1_1, cf.emptyClientID, !cf.cleanStart, c.code != 0x02 {
                emit(.emptyClientIDAccepted, p, codeRange,
                     "return code 0x\(hex(c.code)) for a zero-length Client Identifier with CleanSession=0 (0x02 required)")
            }
            if p.version == .v5, cf.emptyClientID, c.code == 0, c.properties.assignedClientIdentifier == nil {
                emit(.assignedClientIDMissing, p, codeRange,
                     "CONNACK 0x00 for a zero-length Client Identifier has no Assigned Client Identifier")
            }
            if p.version == .v5, c.properties.responseInformation != nil, cf.requestResponseInformation == 0 {
                emit(.responseInformationNotRequested, p, c.properties.responseInformation,
                     "Response Information sent although CONNECT did not set Request Response Information 1")
            }
        }
        if refused { connackRefused = true; connackRefusedCode = c.code }
        if p.version == .v5 {
            let props = c.properties
            serverReceiveMaximum = props.receiveMaximum ?? 65535
            serverTopicAliasMaximum = props.topicAliasMaximum ?? 0
            serverMaximumPacketSize = props.maximumPacketSize
            serverMaximumQoS = props.maximumQoS ?? 2
            serverRetainAvailable = (props.retainAvailable ?? 1) != 0
            serverWildcardAvailable = (props.wildcardSubscriptionAvailable ?? 1) != 0
            serverSharedAvailable = (props.sharedSubscriptionAvailable ?? 1) != 0
            serverSubscriptionIDAvailable = (props.subscriptionIdentifierAvailable ?? 1) != 0
            serverKeepAlive = props.serverKeepAlive
            // §3.2.2.3.4, §3.2.2.3.5: a server that cannot handle the Will's QoS or RETAIN refuses the CONNECT.
            if c.code == 0, let cf = connect, let wq = cf.willQoS {
                if wq > serverMaximumQoS {
                    emit(.willQoSAboveMaximum, p, nil,
                         "CONNACK accepts a Will of QoS \(wq) (CONNECT frame \(cf.frame)) although it sets Maximum QoS \(serverMaximumQoS)")
                }
                if cf.willRetain && !serverRetainAvailable {
                    emit(.willRetainNotAvailable, p, nil,
                         "CONNACK accepts a Will with Will Retain 1 (CONNECT frame \(cf.frame)) although it sets Retain Available 0")
                }
            }
            checkAuthData(props, pdu, p)
            if c.code == 0, !sameMethod(props.authenticationMethod, pdu) {
                emit(.authMethodMismatch, p, props.authenticationMethod,
                     "successful CONNACK without the CONNECT's Authentication Method")
            }
        }
    }

    // MARK: PUBLISH and its acknowledgements

    private mutating func onPublish(_ m: MQTTPublish, _ pdu: Span<UInt8>, _ p: PacketPosition) {
        let d = p.direction
        let qos = m.qos
        let idRange = ByteRange(m.topic.upper, m.topic.upper + 2)
        if p.version == .v5 {
            checkPublishV5(m, pdu, p)
        } else if m.topic.isEmpty, !p.truncated, m.topic.lower >= 2 {
            emit(.topicEmpty, p, ByteRange(m.topic.lower - 2, m.topic.upper), "zero-length Topic Name")
        }
        guard qos == 1 || qos == 2, let id = m.packetID, id != 0 else { return }
        if d == .clientToServer, !answered.isEmpty { answered.removeValue(forKey: id) }
        if let existing = self[side: d].inFlight[id], existing.state == .failed {
            if m.dup {
                emit(.resentAfterFailure, p, idRange,
                     "PUBLISH id \(id) re-sent (DUP) after it was answered with a failure reason code (frame \(existing.frame))")
                return
            }
            self[side: d].inFlight.removeValue(forKey: id)
        }
        if let existing = self[side: d].inFlight[id] {
            switch existing.state {
            case .awaitPuback, .awaitPubrec, .awaitPubrel:
                if !m.dup || (existing.state == .awaitPuback) != (qos == 1) {
                    emit(d == .clientToServer ? .packetIDInUseClient : .packetIDInUseServer, p, idRange,
                         "Packet Identifier \(id) is still in flight (PUBLISH in frame \(existing.frame))\(m.dup ? " with another QoS" : "")")
                }
            case .awaitPubcomp:
                if m.dup {
                    emit(.qos2FlowOrder, p, idRange,
                         "PUBLISH id \(id) re-sent after its PUBREL (frame \(existing.frame))")
                } else {
                    emit(d == .clientToServer ? .packetIDInUseClient : .packetIDInUseServer, p, idRange,
                         "Packet Identifier \(id) is still in flight (PUBREL sent, PUBCOMP awaited)")
                }
            case .failed:
                break
            case .awaitSuback, .awaitUnsuback:
                emit(d == .clientToServer ? .packetIDInUseClient : .packetIDInUseServer, p, idRange,
                     "Packet Identifier \(id) is in use by the \(existing.state == .awaitSuback ? "SUBSCRIBE" : "UNSUBSCRIBE") in frame \(existing.frame)")
            }
            return
        }
        self[side: d].inFlight[id] = InFlight(state: qos == 1 ? .awaitPuback : .awaitPubrec, entries: 0,
                                              frame: p.lastFrame, seq: self[side: d].nextSeq,
                                              responderMark: self[side: d.reversed].activePackets,
                                              index: Int32(clamping: p.index), at: p.streamRange, time: p.time)
        self[side: d].nextSeq &+= 1
        self[side: d].publishesInFlight += 1
        defer { replayOrphans(d, id) }
        // MQTT 5 §4.9: the sender must not exceed the receiver's Receive Maximum.
        if p.version == .v5, !self[side: d].gapped, sawStart {
            if d == .clientToServer, connackSeen, client.publishesInFlight > Int(serverReceiveMaximum) {
                emit(.receiveMaximumExceededClient, p, idRange,
                     "\(client.publishesInFlight) unacknowledged QoS 1/2 PUBLISHes; the server's Receive Maximum is \(serverReceiveMaximum)")
            } else if d == .serverToClient, let cf = connect, server.publishesInFlight > Int(cf.receiveMaximum) {
                emit(.receiveMaximumExceededServer, p, idRange,
                     "\(server.publishesInFlight) unacknowledged QoS 1/2 PUBLISHes; the client's Receive Maximum is \(cf.receiveMaximum)")
            }
        }
    }

    private mutating func checkPublishV5(_ m: MQTTPublish, _ pdu: Span<UInt8>, _ p: PacketPosition) {
        let d = p.direction
        let props = m.properties
        checkResponseTopic(props, pdu, p)
        if d == .serverToClient, let sid = props.subscriptionIdentifier, let cf = connect, cf.cleanStart,
           sawStart, client.startKnown, !client.gapped, !subscriptionIDs.contains(sid) {
            emit(.subscriptionIDUnknown, p, nil,
                 "Subscription Identifier \(sid) was not used by any SUBSCRIBE of this clean session")
        }
        if d == .clientToServer {
            if props.subscriptionIdentifier != nil {
                emit(.subscriptionIDFromClient, p, nil, "client PUBLISH carries Subscription Identifier \(props.subscriptionIdentifier!)")
            }
            if connackSeen {
                if m.qos <= 2, m.qos > serverMaximumQoS {
                    emit(.maximumQoSExceeded, p, ByteRange(0, 1),
                         "PUBLISH QoS \(m.qos) above the server's Maximum QoS \(serverMaximumQoS)")
                }
                if m.retain, !serverRetainAvailable {
                    emit(.retainNotAvailable, p, ByteRange(0, 1), "RETAIN=1 although the server set Retain Available 0")
                }
            }
        }
        if let alias = props.topicAlias {
            let limit: UInt16? = d == .clientToServer ? (connackSeen ? serverTopicAliasMaximum : nil) : connect?.topicAliasMaximum
            self[side: d].aliasesUsed = true
            if alias == 0 || alias > (limit ?? 0) || (m.topic.isEmpty && !p.topicAliasKnown) || p.malformed {
                self[side: d].aliasInvalid = true
            }
            if alias == 0 {
                emit(.topicAliasZero, p, nil, "Topic Alias 0")
            } else {
                // The receiver's Topic Alias Maximum bounds the sender's aliases (absent = 0).
                if d == .clientToServer {
                    if connackSeen, alias > serverTopicAliasMaximum {
                        emit(.topicAliasAboveMaximumClient, p, nil,
                             "Topic Alias \(alias) above the server's Topic Alias Maximum \(serverTopicAliasMaximum)")
                    } else if !connackSeen, !sawStart || !server.startKnown || server.gapped {
                        unverifiable(.topicAliasAboveMaximumClient, p,
                                     "Topic Alias \(alias) used; the server's CONNACK was not captured")
                    }
                } else {
                    if let cf = connect, alias > cf.topicAliasMaximum {
                        emit(.topicAliasAboveMaximumServer, p, nil,
                             "Topic Alias \(alias) above the client's Topic Alias Maximum \(cf.topicAliasMaximum)")
                    } else if connect == nil {
                        unverifiable(.topicAliasAboveMaximumServer, p,
                                     "Topic Alias \(alias) used; the client's CONNECT was not captured")
                    }
                }
                // Whether the alias is mapped comes from the connection's one alias map.
                if m.topic.isEmpty, !p.topicAliasKnown {
                    if sawStart && self[side: d].startKnown && !self[side: d].gapped {
                        emit(.topicAliasUnknown, p, nil, "empty Topic Name with Topic Alias \(alias), which has no mapping")
                    } else {
                        unverifiable(.topicAliasUnknown, p,
                                     "Topic Alias \(alias) may have been defined in bytes the capture lacks")
                    }
                }
            }
        } else if m.topic.isEmpty, !p.truncated, m.topic.lower >= 2 {
            emit(.topicEmpty, p, ByteRange(m.topic.lower - 2, m.topic.upper), "zero-length Topic Name without a Topic Alias")
        }
        if props.payloadFormatIndicator == 1, !p.truncated, m.payload.upper <= pdu.count, m.payload.lower <= m.payload.upper {
            let payload = pdu.extracting(m.payload.range)
            if case .invalid(let at) = UTF8Validation.check(payload) {
                emit(.payloadFormatInvalid, p, ByteRange(m.payload.lower + at, m.payload.upper),
                     "Payload Format Indicator 1 but the payload is not UTF-8 at payload byte \(at)")
            }
        }
    }

    private enum AckKind { case puback, pubrec, pubrel, pubcomp }

    /// PUBACK/PUBREC/PUBCOMP answer the other side's PUBLISH; PUBREL continues this side's.
    private mutating func onAck(_ kind: AckKind, _ a: MQTTAck, _ p: PacketPosition) {
        let owner = kind == .pubrel ? p.direction : p.direction.reversed
        let id = a.packetID
        let idRange = ByteRange(a.header.headerLength, a.header.headerLength + 2)
        let name = a.header.type.name
        guard let entry = self[side: owner].inFlight[id] else {
            addOrphan(wrap(kind, a), p, .publishAckUnmatched)
            return
        }
        func flow(_ why: String) { emit(.qos2FlowOrder, p, idRange, "\(name) id \(id): \(why)") }
        switch (kind, entry.state) {
        case (.puback, .awaitPuback):
            if p.direction == .clientToServer { checkOrder(.pubackOrder, owner, entry, .awaitPuback, p, idRange) }
            // 5.0 §4.4: a failure reason code acknowledges the PUBLISH too; it must not be re-sent.
            if p.version == .v5 && a.reasonCode >= 0x80 { failPublish(owner, id) } else { finishPublish(owner, id) }
        case (.pubrec, .awaitPubrec):
            if p.direction == .clientToServer { checkOrder(.pubrecOrder, owner, entry, .awaitPubrec, p, idRange) }
            // 5.0 §4.3.3: a PUBREC with a failure reason ends the flow.
            if p.version == .v5 && a.reasonCode >= 0x80 {
                failPublish(owner, id)
            } else {
                self[side: owner].inFlight[id]!.state = .awaitPubrel
                self[side: owner].inFlight[id]!.responderMark = self[side: owner].activePackets
                self[side: owner].inFlight[id]!.seq = self[side: owner].nextSeq
                self[side: owner].nextSeq &+= 1
            }
        case (.pubrel, .awaitPubrel):
            if p.direction == .clientToServer { checkOrder(.pubrelOrder, owner, entry, .awaitPubrel, p, idRange) }
            self[side: owner].inFlight[id]!.state = .awaitPubcomp
            self[side: owner].inFlight[id]!.responderMark = self[side: owner.reversed].activePackets
        case (.pubrel, .awaitPubcomp), (.pubrec, .awaitPubcomp), (.pubrec, .awaitPubrel):
            break  // a re-sent PUBREL or PUBREC
        case (.pubcomp, .awaitPubcomp):
            finishPublish(owner, id)
        case (_, .failed):
            break  // a re-sent failure acknowledgement
        case (.pubcomp, .awaitPubrel): flow("PUBCOMP sent before the PUBREL")
        case (.puback, .awaitPubrel): flow("PUBACK for a QoS 2 flow")
        case (.puback, .awaitPubrec): flow("PUBACK answers a QoS 2 PUBLISH (PUBREC expected)")
        case (.pubrec, .awaitPuback): flow("PUBREC answers a QoS 1 PUBLISH (PUBACK expected)")
        case (.pubrel, .awaitPuback): flow("PUBREL for a QoS 1 PUBLISH")
        case (.pubrel, .awaitPubrec): flow("PUBREL sent before the PUBREC")
        case (.pubcomp, .awaitPubrec): flow("PUBCOMP sent before PUBREC and PUBREL")
        case (.pubcomp, .awaitPuback): flow("PUBCOMP answers a QoS 1 PUBLISH")
        case (.puback, .awaitPubcomp): flow("PUBACK for a QoS 2 flow already released")
        case (_, .awaitSuback), (_, .awaitUnsuback):
            emit(.publishAckUnmatched, p, idRange,
                 "\(name) id \(id) names a \(entry.state == .awaitSuback ? "SUBSCRIBE" : "UNSUBSCRIBE"), not a PUBLISH")
        }
    }

    private func wrap(_ kind: AckKind, _ a: MQTTAck) -> MQTTMessage {
        switch kind {
        case .puback: .puback(a)
        case .pubrec: .pubrec(a)
        case .pubrel: .pubrel(a)
        case .pubcomp: .pubcomp(a)
        }
    }

    private mutating func failPublish(_ owner: Direction, _ id: UInt16) {
        self[side: owner].inFlight[id]!.state = .failed
        if self[side: owner].publishesInFlight > 0 { self[side: owner].publishesInFlight -= 1 }
    }

    /// 3.1.1 §4.6, 5.0 §4.6: the client acknowledges in the order the packets arrived. An older
    /// entry still waiting for the same acknowledgement means this one overtook it.
    private mutating func checkOrder(_ rule: MQTTCheckRule, _ owner: Direction, _ entry: InFlight, _ state: FlowState,
                                     _ p: PacketPosition, _ range: ByteRange) {
        guard !reportedOnce.contains(rule) else { return }
        for (otherID, other) in self[side: owner].inFlight where other.state == state && other.seq < entry.seq {
            reportedOnce.insert(rule)
            emit(rule, p, range,
                 "\(rule == .pubrelOrder ? "PUBREL" : rule == .pubackOrder ? "PUBACK" : "PUBREC") for a later packet while id \(otherID) (frame \(other.frame)) is still unanswered")
            return
        }
    }

    private mutating func finishPublish(_ owner: Direction, _ id: UInt16) {
        self[side: owner].inFlight.removeValue(forKey: id)
        if self[side: owner].publishesInFlight > 0 { self[side: owner].publishesInFlight -= 1 }
    }

    // MARK: SUBSCRIBE / UNSUBSCRIBE

    private mutating func onSubscribe(_ s: MQTTSubscriptionPacket, _ pdu: Span<UInt8>, _ p: PacketPosition,
                                      unsubscribe: Bool) {
        let id = s.packetID
        let idRange = ByteRange(s.header.headerLength, s.header.headerLength + 2)
        let requested = checkFilters(s, pdu, p, unsubscribe: unsubscribe)
        if p.version == .v5, !unsubscribe, let sid = s.properties.subscriptionIdentifier, !subscriptionIDs.contains(sid) {
            subscriptionIDs.append(sid)
        }
        if p.version == .v5, !unsubscribe, s.properties.subscriptionIdentifier != nil, connackSeen,
           !serverSubscriptionIDAvailable {
            emit(.featureNotAvailable, p, nil,
                 "SUBSCRIBE carries a Subscription Identifier although the server set Subscription Identifier Available 0")
        }
        guard id != 0 else { return }
        if !answered.isEmpty { answered.removeValue(forKey: id) }
        if let existing = client.inFlight[id] {
            emit(.packetIDInUseClient, p, idRange,
                 "Packet Identifier \(id) is still in flight (frame \(existing.frame))")
            return
        }
        client.inFlight[id] = InFlight(state: unsubscribe ? .awaitUnsuback : .awaitSuback,
                                       entries: p.truncated ? -1 : Int32(clamping: s.entryCount), frame: p.lastFrame,
                                       requestedQoS: requested, responderMark: server.activePackets,
                                       index: Int32(clamping: p.index), at: p.streamRange, time: p.time)
        replayOrphans(.clientToServer, id)
    }

    /// SUBACK codes, 2 bits each (first 32): the granted QoS, or 3 for a failure.
    private func grantedCodes(_ s: MQTTSubscriptionPacket, _ pdu: Span<UInt8>) -> UInt64 {
        var mask: UInt64 = 0
        var i = 0
        var entries = s.entryCursor()
        while i < 32, let e = entries.next(pdu) {
            mask |= UInt64(e.code <= 2 ? e.code : 3) << UInt64(2 * i)
            i += 1
        }
        return mask
    }

    private mutating func onSubscribeAck(_ s: MQTTSubscriptionPacket, _ p: PacketPosition, unsubscribe: Bool,
                                         granted: UInt64? = nil) {
        let id = s.packetID
        let idRange = ByteRange(s.header.headerLength, s.header.headerLength + 2)
        let name = unsubscribe ? "UNSUBACK" : "SUBACK"
        let want: FlowState = unsubscribe ? .awaitUnsuback : .awaitSuback
        guard let entry = client.inFlight[id], entry.state == want else {
            if client.inFlight[id] != nil {
                emit(.subscribeAckUnmatched, p, idRange,
                     "\(name) id \(id) answers a request of another type (frame \(client.inFlight[id]!.frame))")
            } else {
                addOrphan(unsubscribe ? .unsuback(s) : .suback(s), p, .subscribeAckUnmatched)
            }
            return
        }
        client.inFlight.removeValue(forKey: id)
        answered[id] = (entry.frame, p.firstFrame, p.streamRange.upper, unsubscribe)
        if let g = granted, !p.truncated {
            for i in 0..<Swift.min(32, Swift.min(s.entryCount, Int(entry.entries))) {
                let got = (g >> UInt64(2 * i)) & 3, asked = (entry.requestedQoS >> UInt64(2 * i)) & 3
                if got != 3, got > asked {
                    emit(.subackGrantHigher, p, nil,
                         "SUBACK code \(i + 1) grants QoS \(got); the SUBSCRIBE (frame \(entry.frame)) requested QoS \(asked)")
                    break
                }
            }
        }
        // 3.1.1 UNSUBACK has no payload; 5.0 has one reason code per filter.
        guard entry.entries >= 0, !p.truncated, !unsubscribe || p.version == .v5 else { return }
        if s.entryCount != Int(entry.entries) {
            emit(unsubscribe ? .unsubackCountMismatch : .subackCountMismatch, p, nil,
                 "\(name) has \(s.entryCount) code(s) for \(entry.entries) Topic Filter(s) (request in frame \(entry.frame))")
        }
    }

    /// Topic Filter syntax (3.1.1 §4.7, 5.0 §4.7, §4.8.2) and the features the server offers.
    /// Returns the requested QoS per filter (2 bits each, first 32) for SUBSCRIBE.
    private mutating func checkFilters(_ s: MQTTSubscriptionPacket, _ pdu: Span<UInt8>, _ p: PacketPosition,
                                       unsubscribe: Bool) -> UInt64 {
        var requested: UInt64 = 0
        var filterIndex = 0
        var entries = s.entryCursor()
        while let e = entries.next(pdu) {
            filterIndex += 1
            let shared = checkFilter(e, pdu, p, unsubscribe: unsubscribe)
            guard let o = e.options else { continue }
            if filterIndex <= 32 { requested |= UInt64(o.qos) << UInt64(2 * (filterIndex - 1)) }
            if p.version == .v5, shared, o.noLocal {
                emit(.noLocalOnSharedSubscription, p, e.byteRange, "No Local=1 on the shared subscription \(Quoted.text(e.filter, pdu))")
            }
        }
        return requested
    }

    /// One Topic Filter; returns whether it is a shared subscription (`$share/…`, 5.0).
    private mutating func checkFilter(_ e: MQTTSubscriptionEntry, _ pdu: Span<UInt8>, _ p: PacketPosition,
                                      unsubscribe: Bool) -> Bool {
        let r = e.filter
        if r.isEmpty {
            emit(.topicEmpty, p, e.field, "zero-length Topic Filter")
            return false
        }
        var shared = false
        var start = r.lower
        // 5.0 §4.8.2: $share/{ShareName}/{filter}.
        if p.version == .v5, isSharePrefix(pdu, r) {
            shared = true
            var j = r.lower + 7
            var bad = false
            while j < r.upper, pdu[j] != UInt8(ascii: "/") {
                if pdu[j] == UInt8(ascii: "+") || pdu[j] == UInt8(ascii: "#") { bad = true }
                j += 1
            }
            if bad || j == r.lower + 7 || j >= r.upper - 1 {
                emit(.sharedSubscriptionInvalid, p, e.field,
                     "shared subscription filter \(Quoted.text(r, pdu)) is not $share/ShareName/filter with a ShareName free of '/', '+', '#'")
                return shared
            }
            start = j + 1
            if !unsubscribe, connackSeen, !serverSharedAvailable {
                emit(.featureNotAvailable, p, e.field,
                     "shared subscription \(Quoted.text(r, pdu)) although the server set Shared Subscription Available 0")
            }
        }
        var hasWildcard = false
        var k = start
        while k < r.upper {
            let b = pdu[k]
            let levelStart = k == start || pdu[k - 1] == UInt8(ascii: "/")
            if b == UInt8(ascii: "#") {
                hasWildcard = true
                if !levelStart || k != r.upper - 1 {
                    emit(.multiLevelWildcardPlacement, p, ByteRange(k, k + 1),
                         "'#' at byte \(k - r.lower) of Topic Filter \(Quoted.text(r, pdu)) is not alone in the last level")
                }
            } else if b == UInt8(ascii: "+") {
                hasWildcard = true
                let levelEnd = k == r.upper - 1 || pdu[k + 1] == UInt8(ascii: "/")
                if !levelStart || !levelEnd {
                    emit(.singleLevelWildcardPlacement, p, ByteRange(k, k + 1),
                         "'+' at byte \(k - r.lower) of Topic Filter \(Quoted.text(r, pdu)) does not occupy a whole level")
                }
            }
            k += 1
        }
        if hasWildcard, p.version == .v5, !unsubscribe, connackSeen, !serverWildcardAvailable {
            emit(.featureNotAvailable, p, e.field,
                 "wildcard subscription \(Quoted.text(r, pdu)) although the server set Wildcard Subscription Available 0")
        }
        return shared
    }

    private func isSharePrefix(_ pdu: Span<UInt8>, _ r: ByteRange) -> Bool {
        let prefix: StaticString = "$share/"
        guard r.count >= 7 else { return false }
        var ok = true
        prefix.withUTF8Buffer { b in
            for i in 0..<7 where pdu[r.lower + i] != b[i] { ok = false }
        }
        return ok
    }

    // MARK: DISCONNECT / AUTH

    private mutating func onDisconnect(_ r: MQTTReasonPacket, _ p: PacketPosition) {
        let d = p.direction
        self[side: d].disconnected = true
        self[side: d].disconnectFrame = p.lastFrame
        guard p.version == .v5 else { return }
        if r.reasonCode == 0x94, self[side: d].aliasRefusal == nil { self[side: d].aliasRefusal = p }
        let codeRange = r.header.remainingLength > 0 ? ByteRange(r.header.headerLength, r.header.headerLength + 1) : nil
        if d == .serverToClient {
            if !connackSeen {
                if server.startKnown && !server.gapped {
                    emit(.disconnectBeforeConnack, p, ByteRange(0, 1), "DISCONNECT (reason 0x\(hex(r.reasonCode))) before any CONNACK")
                } else {
                    unverifiable(.disconnectBeforeConnack, p, "DISCONNECT seen; a CONNACK may be in bytes the capture lacks")
                }
            }
            if r.properties.sessionExpiryInterval != nil {
                emit(.sessionExpiryFromServer, p, nil, "server DISCONNECT carries Session Expiry Interval \(r.properties.sessionExpiryInterval!)")
            }
            if r.reasonCode == 0x04 {
                emit(.disconnectReasonRole, p, codeRange, "reason 0x04 (Disconnect with Will Message) is for clients only")
            }
        } else {
            if Self.serverOnlyDisconnectCodes.contains(r.reasonCode) {
                emit(.disconnectReasonRole, p, codeRange, "reason 0x\(hex(r.reasonCode)) may be sent only by the server")
            }
            if let sei = r.properties.sessionExpiryInterval, sei != 0, let cf = connect, cf.sessionExpiryZero {
                emit(.sessionExpiryAfterZero, p, nil,
                     "DISCONNECT sets Session Expiry Interval \(sei) after CONNECT set 0 (or none)")
            }
        }
    }

    /// MQTT 5.0 §3.14.2.1 Table 3-10: codes only the server may send.
    static let serverOnlyDisconnectCodes: [UInt8] = [0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x9A, 0x9B, 0x9C, 0x9D,
                                                     0x9E, 0x9F, 0xA0, 0xA1, 0xA2]

    private mutating func onAuth(_ r: MQTTReasonPacket, _ pdu: Span<UInt8>, _ p: PacketPosition) {
        let codeRange = r.header.remainingLength > 0 ? ByteRange(r.header.headerLength, r.header.headerLength + 1) : nil
        if authenticationMethod != nil {
            if !connackSeen, r.reasonCode != 0x18 {
                emit(p.direction == .clientToServer ? .authReasonClient : .authReasonServer, p, codeRange,
                     "AUTH reason 0x\(hex(r.reasonCode)) during authentication (0x18 Continue required)")
            }
            if !sameMethod(r.properties.authenticationMethod, pdu) {
                emit(.authMethodMismatch, p, r.properties.authenticationMethod,
                     "AUTH without the CONNECT's Authentication Method")
            }
        }
        if let cf = connect, !cf.hasAuthenticationMethod {
            emit(p.direction == .clientToServer ? .authWithoutMethodClient : .authWithoutMethodServer, p, ByteRange(0, 1),
                 "AUTH (reason 0x\(hex(r.reasonCode))) although CONNECT had no Authentication Method")
        }
        if r.properties.authenticationData != nil, r.properties.authenticationMethod == nil {
            emit(.authDataWithoutMethod, p, r.properties.authenticationData, "AUTH has Authentication Data without Authentication Method")
        }
    }

    private mutating func checkAuthData(_ props: MQTTProperties, _ pdu: Span<UInt8>, _ p: PacketPosition) {
        if props.authenticationData != nil, props.authenticationMethod == nil {
            emit(.authDataWithoutMethod, p, props.authenticationData, "Authentication Data without Authentication Method")
        }
    }

    /// 5.0 §3.1.2.11.7: with Request Problem Information 0 the server may add Reason String and
    /// User Properties only to PUBLISH, CONNACK and DISCONNECT.
    private mutating func checkProblemInformation(_ message: MQTTMessage, _ p: PacketPosition) {
        guard let cf = connect, cf.requestProblemInformation == 0 else { return }
        let props: MQTTProperties
        switch message {
        case .puback(let a), .pubrec(let a), .pubrel(let a), .pubcomp(let a): props = a.properties
        case .suback(let s), .unsuback(let s): props = s.properties
        case .auth(let r): props = r.properties
        default: return
        }
        if props.reasonString != nil || props.userPropertyCount > 0 {
            emit(.problemInformationNotRequested, p, props.reasonString,
                 "\(message.packetType?.name ?? "packet") carries \(props.reasonString != nil ? "a Reason String" : "User Properties") although CONNECT set Request Problem Information 0")
        }
    }

    /// 3.1.1 §4.8 and 5.0 §4.13: the receiver of a malformed packet closes the connection (5.0:
    /// after a DISCONNECT with a reason code). Packets it sends more than a second later (no
    /// longer a race with data already in flight) show it kept the connection.
    private mutating func checkClosedAfterMalformed(_ message: MQTTMessage, _ p: PacketPosition) {
        let d = Int(p.direction.rawValue)
        if p.malformed, malformedAt[d] == nil { malformedAt[d] = (p.lastFrame, p.time) }
        guard let bad = malformedAt[1 - d], message.packetType != .disconnect,
              p.time.totalNanoseconds &- bad.time.totalNanoseconds > 1_000_000_000 else { return }
        malformedAt[1 - d] = nil
        emit(.malformedPacketNotClosed, p, nil,
             "\(message.packetType?.name ?? "packet") sent \(formatSeconds(p.time.seconds(since: bad.time))) s after the peer's malformed packet in frame \(bad.frame); the connection should have been closed")
    }

    // MARK: Limits and timing

    private mutating func checkPacketSize(_ message: MQTTMessage, _ p: PacketPosition) {
        if p.direction == .clientToServer {
            if let max = serverMaximumPacketSize, p.declaredSize > Int(max) {
                emit(.maximumPacketSizeExceededClient, p, nil,
                     "\(p.declaredSize)-byte packet; the server's Maximum Packet Size is \(max)\(Self.optionalProperties(message))")
            }
        } else if let max = connect?.maximumPacketSize, p.declaredSize > Int(max) {
            emit(.maximumPacketSizeExceededServer, p, nil,
                 "\(p.declaredSize)-byte packet; the client's Maximum Packet Size is \(max)\(Self.optionalProperties(message))")
        }
    }

    /// 5.0 refusals whose own statement says the server must then close.
    static func refusal(_ code: UInt8, authenticating: Bool) -> String {
        switch code {
        case 0x84: return " (0x84 Unsupported Protocol Version: the server must then close, [MQTT-3.1.2-2])"
        case 0x85: return " (0x85 Client Identifier not valid: the server must then close, [MQTT-3.1.3-8])"
        case 0x87, 0x8C: return " (\(code == 0x87 ? "0x87 Not authorized" : "0x8C Bad authentication method"): the server must then close, [MQTT-4.12.0-1])"
        default: return authenticating ? " (enhanced authentication refused: the server must then close, [MQTT-4.12.0-4])" : ""
        }
    }

    /// An oversized CONNACK, PUBACK … AUTH that carries a Reason String or User Properties: the
    /// sender must leave them out rather than exceed the limit (5.0 §3.2.2.3.6 and each packet's
    /// properties, e.g. [MQTT-3.4.2-2], [MQTT-3.4.2-3]). Built only for a finding.
    static func optionalProperties(_ message: MQTTMessage) -> String {
        let props: MQTTProperties
        switch message {
        case .connack(let c): props = c.properties
        case .puback(let a), .pubrec(let a), .pubrel(let a), .pubcomp(let a): props = a.properties
        case .suback(let x), .unsuback(let x): props = x.properties
        case .disconnect(let r), .auth(let r): props = r.properties
        default: return ""
        }
        var parts: [String] = []
        if props.reasonString != nil { parts.append("a Reason String") }
        if props.userPropertyCount > 0 { parts.append("\(props.userPropertyCount) User Propert\(props.userPropertyCount == 1 ? "y" : "ies")") }
        guard !parts.isEmpty else { return "" }
        return "; it carries \(parts.joined(separator: " and ")), which must be left out rather than exceed the limit"
    }

    /// The Keep Alive in force: the CONNACK's Server Keep Alive (5.0) or the CONNECT's.
    private var keepAlive: UInt16? {
        if let s = serverKeepAlive { return s }
        return connect?.keepAlive
    }

    /// 3.1.1 §3.1.2.10, 5.0 §3.1.2.10: a client packet arriving later than 1.5 x Keep Alive after
    /// the previous one shows the server kept a connection it had to close (capture times only).
    private mutating func checkKeepAliveOnClientPacket(_ p: PacketPosition) {
        guard !keepAliveReported, let ka = keepAlive, ka > 0, let last = client.lastPacketTime else { return }
        let limit = Int64(ka) * 1_500_000_000
        let idle = p.time.totalNanoseconds &- last.totalNanoseconds
        guard idle > limit else { return }
        keepAliveReported = true
        let secs = Double(idle) / 1e9
        if client.gapped {
            unverifiable(.keepAliveOverrun, p,
                         "\(formatSeconds(secs)) s without a client packet (Keep Alive \(ka) s), but client bytes were lost in a gap")
        } else {
            emit(.keepAliveOverrun, p, nil,
                 "\(formatSeconds(secs)) s without a client packet (Keep Alive \(ka) s, limit \(formatSeconds(Double(ka) * 1.5)) s); the server kept the connection")
        }
    }

    /// A server packet later than 1.5 x Keep Alive after the client's last packet also shows the
    /// connection was kept (a server DISCONNECT is the expected close in 5.0).
    private mutating func checkKeepAliveOnServerPacket(_ type: MQTTPacketType, _ p: PacketPosition) {
        guard !keepAliveReported, type != .disconnect, let ka = keepAlive, ka > 0, let last = client.lastPacketTime,
              !client.disconnected else { return }
        let idle = p.time.totalNanoseconds &- last.totalNanoseconds
        guard idle > Int64(ka) * 1_500_000_000 else { return }
        keepAliveReported = true
        let secs = Double(idle) / 1e9
        if client.gapped {
            unverifiable(.keepAliveOverrun, p, "\(formatSeconds(secs)) s since the last client packet, but client bytes were lost")
        } else {
            emit(.keepAliveOverrun, p, nil,
                 "server sent \(type.name) \(formatSeconds(secs)) s after the client's last packet (Keep Alive \(ka) s): the connection was kept past 1.5 x Keep Alive")
        }
    }

    // MARK: Emitting

    private mutating func emit(_ rule: MQTTCheckRule, _ p: PacketPosition, _ range: ByteRange?, _ message: String) {
        let desc = rule.descriptor
        guard let id = desc.id(for: p.version) else { return }
        findings.append(finding(id, rule, desc, p, range, message, desc.severity, .violation))
    }

    private mutating func unverifiable(_ rule: MQTTCheckRule, _ p: PacketPosition, _ message: String) {
        let desc = rule.descriptor
        guard let id = desc.id(for: p.version), unverifiableReported.insert(rule).inserted else { return }
        findings.append(finding(id, rule, desc, p, nil, message, .info, .unverifiable))
    }

    private func finding(_ id: RuleID, _ rule: MQTTCheckRule, _ desc: CheckRuleDescriptor, _ p: PacketPosition,
                         _ range: ByteRange?, _ message: String, _ severity: Severity, _ verdict: Verdict) -> CheckFinding {
        let frames = p.firstFrame == p.lastFrame ? [p.lastFrame] : [p.firstFrame, p.lastFrame]
        let stream = range.map {
            StreamRange(p.streamRange.lower &+ UInt64(clamping: $0.lower), p.streamRange.lower &+ UInt64(clamping: $0.upper))
        } ?? p.streamRange
        return CheckFinding(rule: id, checkRule: rule.rawValue, severity: severity, verdict: verdict,
                            direction: p.direction, packetIndex: p.index, frames: frames, time: p.time,
                            streamRange: stream, packetRange: range ?? ByteRange(0, Int(clamping: p.streamRange.count)),
                            message: message, section: desc.section, packetType: p.packetType?.name)
    }
}

func hex(_ b: UInt8) -> String {
    let s = String(b, radix: 16, uppercase: true)
    return s.count < 2 ? "0" + s : s
}

func formatSeconds(_ s: Double) -> String {
    let ms = Int64((s * 1000).rounded())
    let frac = ms % 1000
    var f = String(frac)
    while f.count < 3 { f = "0" + f }
    return "\(ms / 1000).\(f)"
}
