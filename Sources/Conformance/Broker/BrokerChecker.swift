public import WireCore
public import MQTTCodec

/// The broker-level checker: sees every MQTT connection of a capture at once (the same packet
/// events as the per-connection checker, in capture order) and correlates them through the
/// broker: sessions by Client Identifier, subscriptions per session, the PUBLISHes clients send
/// and the deliveries the server makes (`BrokerCheckRule`).
///
/// A rule fires as a violation only when the capture proves it: the receiving session's whole
/// history is captured (its connections seen from their SYN, no gap so far; a resumed session's
/// earlier connections too) and, for rules that need the publisher, the PUBLISH is identified
/// (same topic and payload) on a connection captured whole. Otherwise, when the delivery would
/// break the rule on what was seen, it is reported once per connection and rule as unverifiable
/// with the reason. Connections that announced themselves as bridges (CONNECT level 0x80 | n)
/// get bridge semantics: RETAIN as published and their own messages not sent back, so the RETAIN
/// and No Local rules do not apply to them.
public struct BrokerChecker: Sendable {
    struct Subscription: Sendable {
        var filter: [UInt8]
        var requested: UInt8
        var granted: UInt8?
        var noLocal: Bool
        var retainAsPublished: Bool
        var connection: ConnectionID
        var subscribeFrame: FrameNumber
        var subscribeTime: Timestamp
        var subackFrame: FrameNumber?
        var subackTime: Timestamp?
        /// When an UNSUBSCRIBE of the same filter was sent.
        var unsubscribeTime: Timestamp?
        /// 5.0: the SUBSCRIBE's Subscription Identifier.
        var identifier: UInt32?
        /// 5.0 Retain Handling (0 in 3.x).
        var retainHandling: UInt8 = 0
    }

    struct Session: Sendable {
        var clientID: String?
        var version: MQTTVersion = .v3_1_1
        var bridge = false
        /// Every byte of the session's history so far was captured.
        var complete = true
        var why = ""
        var subscriptions: [Subscription] = []
        /// SUBSCRIBE packet id -> indices in `subscriptions`, until its SUBACK.
        var pending: [UInt16: [Int]] = [:]
        var unverifiableReported: Set<BrokerCheckRule> = []
        /// The Will of the CONNECT: its (topic, payload) key.
        var willKey: UInt64?
        var sawStart = true
        var cleanStart = true
        var connectTime: Timestamp?
        var connectFrame: FrameNumber = 0
        /// The connection's first lost bytes, its close (FIN/RST; nil while open) and its last MQTT packet.
        var gapTime: Timestamp?
        var endTime: Timestamp?
        var endFrame: FrameNumber = 0
        var lastTime = Timestamp.zero
        var lastFrame: FrameNumber = 0
        /// Sessions across connections (`BrokerChecker+Sessions`).
        var state = SessionState()
        /// The server's address: sessions are judged between connections to the same one.
        var server: IPAddress?
    }

    /// A Will and whether a normal DISCONNECT discarded it (where, when).
    struct Will: Sendable {
        var connection: ConnectionID
        var clientID: String?
        var connectFrame: FrameNumber
        var discardedFrame: FrameNumber?
        var discardedTime: Timestamp?
        var complete: Bool
        var topic = ""
        var version = MQTTVersion.v3_1_1
        var keepAlive: UInt16 = 0
        /// 5.0: Will Delay Interval and Session Expiry Interval (CONNECT, or the DISCONNECT 0x04's).
        var willDelay: UInt32 = 0
        var sessionExpiry: UInt32 = 0
        /// The server accepted the CONNECT (CONNACK 0): only then is the Will stored.
        var accepted = false
        /// 5.0 DISCONNECT 0x04 (Disconnect with Will Message).
        var withWillFrame: FrameNumber?
        var willRetain = false
        /// 5.0: the Will's Message Expiry Interval.
        var messageExpiry: UInt32?
    }

    /// A server PUBLISH whose topic and payload are a Will's.
    struct WillDelivery: Sendable {
        var connection: ConnectionID
        var time: Timestamp
        var frame: FrameNumber
        var retain = false
    }

    struct Publication: Sendable {
        var connection: ConnectionID
        var clientID: String?
        var frame: FrameNumber
        var time: Timestamp
        var qos: UInt8
        var retain: Bool
        var complete: Bool
        /// Capture order of the client PUBLISHes (never reset).
        var seq = 0
    }

    /// One publisher's messages on one topic and QoS towards one subscriber (ordering, §4.6).
    struct OrderKey: Hashable {
        var subscriber: ConnectionID
        var publisher: ConnectionID
        var topic: UInt64
        var qos: UInt8
    }
    /// The latest message delivered per `OrderKey`: its publication's order and frames.
    struct Delivered {
        var seq: Int
        var publishFrame: FrameNumber
        var deliveryFrame: FrameNumber
    }

    /// A delivery's evidence: where it was published, delivered, and which subscriptions matched.
    public struct Finding: Sendable {
        public var connection: ConnectionID
        public var finding: CheckFinding
    }

    var sessions: [ConnectionID: Session] = [:]
    /// The last connection of each Client Identifier (sessions resume from it).
    var lastConnection: [String: ConnectionID] = [:]
    /// Client PUBLISHes by (topic, payload) hash; bounded by `maxPublications`.
    var publications: [UInt64: [Publication]] = [:]
    var publicationCount = 0
    var publicationSeq = 0
    var lastDelivered: [OrderKey: Delivered] = [:]
    /// The session that got a publication through a share group: (publication order, "$share/G/filter").
    struct SharedKey: Hashable {
        var seq: Int
        var group: [UInt8]
    }
    var sharedCopies: [SharedKey: (connection: ConnectionID, clientID: String?, frame: FrameNumber)] = [:]
    var publicationsForgotten = false
    /// Wills by (topic, payload) key.
    var wills: [UInt64: [Will]] = [:]
    /// Deliveries of a Will's bytes, by key (bounded by `maxPublications`).
    var willDeliveries: [UInt64: [WillDelivery]] = [:]
    var willDeliveryCount = 0
    /// `check --grace`: seconds a server may take past a Will's due time; nil: 1.5 × the Will
    /// connection's keep-alive (the time §3.1.2.10 gives a server to notice a silent client), 5 s without one.
    public var grace: Double?
    /// Sessions across connections (`BrokerChecker+Sessions`): some connection's session may
    /// outlive it; the QoS 1/2 PUBLISHes logged with their topics meanwhile (bounded; emptied when
    /// full, from that time on); retained PUBLISH times by topic digest (bounded).
    var sessionsMayPersist = false
    var logged: [LoggedPublish] = []
    var loggedBytes = 0
    var loggedForgottenUntil: Timestamp?
    var retainedTimes: [UInt64: [Timestamp]] = [:]
    var retainedCount = 0
    var retainedForgotten = false
    /// Empty retained PUBLISHes (clears) by topic digest: time and frame (counted in `retainedCount`).
    var clearedTimes: [UInt64: [(time: Timestamp, frame: FrameNumber, connection: ConnectionID)]] = [:]
    static let maxPublications = 200_000
    static let sharePrefix = Array("$share/".utf8)
    public private(set) var findings: [Finding] = []
    public var enabled: Set<BrokerCheckRule> = Set(BrokerCheckRule.allCases)

    public init() {}

    public mutating func takeFindings() -> [Finding] {
        defer { findings.removeAll(keepingCapacity: true) }
        return findings
    }

    /// A capture gap on the connection: from here its session's history is incomplete.
    public mutating func gap(_ connection: ConnectionID, frame: FrameNumber, time: Timestamp? = nil) {
        sessions[connection, default: Session()].complete = false
        if sessions[connection]?.gapTime == nil { sessions[connection]?.gapTime = time ?? .zero }
        if sessions[connection]?.why.isEmpty ?? false {
            sessions[connection]?.why = "bytes of the connection are missing from the capture (gap at frame \(frame))"
        }
    }

    /// One MQTT packet of connection `connection` (`sawStart`: its SYN was captured). `aliasTopic`
    /// is the topic a 5.0 Topic Alias stands for.
    public mutating func packet(_ connection: ConnectionID, sawStart: Bool, message: MQTTMessage, pdu: Span<UInt8>,
                                at p: PacketPosition, aliasTopic: String?) {
        // One lookup, the session updated in place (an optional-chained write moves the whole
        // Session out of the table and back, twice per packet).
        if let i = sessions.index(forKey: connection) {
            sessions.values[i].lastTime = p.time
            sessions.values[i].lastFrame = p.lastFrame
        } else {
            var s = Session()
            if !sawStart { s.complete = false; s.why = "the connection was captured mid-stream"; s.sawStart = false }
            s.lastTime = p.time
            s.lastFrame = p.lastFrame
            sessions[connection] = s
        }
        var publishKey: UInt64?
        defer { track(connection, message, key: publishKey, pdu, aliasTopic, p) }
        switch message {
        case .connect(let c):
            onConnect(connection, c, pdu, p)
        case .connack(let c) where p.direction == .serverToClient && c.code == 0 && !c.refusedBy311Server:
            if let key = sessions[connection]?.willKey, let k = wills[key]?.lastIndex(where: { $0.connection == connection }) {
                wills[key]?[k].accepted = true
            }
        case .disconnect(let r) where p.direction == .clientToServer:
            // 3.x DISCONNECT, 5.0 reason 0x00: the Will is discarded (0x04 asks for it).
            if let s = sessions[connection], let key = s.willKey,
               let k = wills[key]?.lastIndex(where: { $0.connection == connection }) {
                if p.version != .v5 || r.reasonCode == 0x00 {
                    wills[key]?[k].discardedFrame = p.lastFrame
                    wills[key]?[k].discardedTime = p.time
                    wills[key]?[k].complete = s.complete
                } else if r.reasonCode == 0x04 {
                    wills[key]?[k].withWillFrame = p.lastFrame
                }
                // 5.0 §3.14.2.2.2: the DISCONNECT may change the Session Expiry Interval.
                if let e = r.properties.sessionExpiryInterval { wills[key]?[k].sessionExpiry = e }
            }
        case .unsubscribe(let u) where p.direction == .clientToServer:
            onUnsubscribe(connection, u, pdu, p)
        case .subscribe(let s) where p.direction == .clientToServer:
            onSubscribe(connection, s, pdu, p)
        case .suback(let s) where p.direction == .serverToClient:
            onSuback(connection, s, pdu, p)
        case .publish(let m):
            let topicHash: UInt64
            if m.topic.isEmpty, let a = aliasTopic { topicHash = Self.hash(Array(a.utf8)) }
            else { topicHash = Self.hash(pdu, m.topic) }
            let key = Self.mix(topicHash, Self.hash(pdu, m.payload), m.payload.count)
            publishKey = key
            if p.direction == .clientToServer {
                record(connection, key, m, p)
            } else {
                if wills[key] != nil, willDeliveryCount < Self.maxPublications {
                    willDeliveries[key, default: []].append(WillDelivery(connection: connection, time: p.time, frame: p.lastFrame,
                                                                         retain: m.retain))
                    willDeliveryCount += 1
                }
                onDelivery(connection, m, key, pdu, aliasTopic, p)
            }
        default:
            break
        }
    }

    // MARK: sessions and subscriptions

    mutating func onConnect(_ id: ConnectionID, _ c: MQTTConnect, _ pdu: Span<UInt8>, _ p: PacketPosition) {
        var s = sessions[id] ?? Session()
        s.version = c.version
        s.bridge = c.isBridge
        s.cleanStart = c.cleanStart
        s.connectTime = p.time
        s.connectFrame = p.lastFrame
        if let r = c.clientID, r.lower >= 0, r.upper <= pdu.count, !r.isEmpty {
            var bytes: [UInt8] = []
            for i in r.lower..<r.upper { bytes.append(pdu[i]) }
            s.clientID = String(decoding: bytes, as: UTF8.self)
        }
        if let cid = s.clientID {
            s.state.previous = lastConnection[cid]
            // Clean Session 0 / Clean Start 0: the session (and its subscriptions) may resume.
            if !c.cleanStart {
                if let prev = lastConnection[cid], let ps = sessions[prev] {
                    s.subscriptions += ps.subscriptions
                    if !ps.complete { s.complete = false; s.why = ps.why }
                } else if s.complete {
                    s.complete = false
                    s.why = "the session of \"\(cid)\" resumes one whose start is not in the capture"
                }
            }
            lastConnection[cid] = id
        } else if !c.cleanStart, s.complete {
            s.complete = false
            s.why = "a session without a Client Identifier resumes"
        }
        if c.willFlag, let t = c.willTopic, let w = c.willPayload {
            let key = Self.mix(Self.hash(pdu, t), Self.hash(pdu, w), w.count)
            s.willKey = key
            var will = Will(connection: id, clientID: s.clientID, connectFrame: p.lastFrame, complete: s.complete)
            if t.lower >= 0, t.upper <= pdu.count, t.lower <= t.upper {
                var bytes: [UInt8] = []
                for i in t.lower..<t.upper { bytes.append(pdu[i]) }
                will.topic = String(decoding: bytes, as: UTF8.self)
            }
            will.version = c.version
            will.keepAlive = c.keepAlive
            will.willDelay = c.willProperties.willDelayInterval ?? 0
            will.sessionExpiry = c.properties.sessionExpiryInterval ?? 0
            will.willRetain = c.willRetain
            will.messageExpiry = c.willProperties.messageExpiryInterval
            wills[key, default: []].append(will)
        }
        sessions[id] = s
    }

    mutating func onSubscribe(_ id: ConnectionID, _ m: MQTTSubscriptionPacket, _ pdu: Span<UInt8>, _ p: PacketPosition) {
        guard m.payloadNode >= 0 else { return }
        var added: [Int] = []
        var s = sessions[id] ?? Session()
        var entries = m.entryCursor()
        while let e = entries.next(pdu) {
            var f: [UInt8] = []
            f.reserveCapacity(e.filter.count)
            for j in e.filter.lower..<e.filter.upper { f.append(pdu[j]) }
            added.append(s.subscriptions.count)
            // No Local and Retain As Published are 5.0 options; in 3.x those bits are reserved.
            let v5 = p.version == .v5
            s.subscriptions.append(Subscription(filter: f, requested: e.options?.qos ?? 0, granted: nil,
                                                noLocal: v5 && e.options?.noLocal == true,
                                                retainAsPublished: v5 && e.options?.retainAsPublished == true,
                                                connection: id, subscribeFrame: p.lastFrame, subscribeTime: p.time,
                                                identifier: v5 ? m.properties.subscriptionIdentifier : nil,
                                                retainHandling: v5 ? e.options?.retainHandling ?? 0 : 0))
        }
        s.pending[m.packetID] = added
        sessions[id] = s
    }

    /// An UNSUBSCRIBE ends the session's subscriptions of the same filters (for the Will rule's window).
    mutating func onUnsubscribe(_ id: ConnectionID, _ m: MQTTSubscriptionPacket, _ pdu: Span<UInt8>, _ p: PacketPosition) {
        guard m.payloadNode >= 0, var s = sessions[id] else { return }
        var entries = m.entryCursor()
        while let e = entries.next(pdu) {
            var f: [UInt8] = []
            for j in e.filter.lower..<e.filter.upper { f.append(pdu[j]) }
            for k in s.subscriptions.indices where s.subscriptions[k].filter == f && s.subscriptions[k].unsubscribeTime == nil {
                s.subscriptions[k].unsubscribeTime = p.time
            }
        }
        sessions[id] = s
    }

    mutating func onSuback(_ id: ConnectionID, _ m: MQTTSubscriptionPacket, _ pdu: Span<UInt8>, _ p: PacketPosition) {
        guard m.payloadNode >= 0, var s = sessions[id], let added = s.pending.removeValue(forKey: m.packetID) else { return }
        var k = 0
        var entries = m.entryCursor()
        while k < added.count, let e = entries.next(pdu) {
            let j = added[k]
            s.subscriptions[j].subackFrame = p.lastFrame
            s.subscriptions[j].subackTime = p.time
            // 0x80 and above: refused (the subscription does not exist).
            s.subscriptions[j].granted = e.code < 0x80 ? e.code : 0xFF
            k += 1
        }
        sessions[id] = s
    }

    mutating func record(_ id: ConnectionID, _ key: UInt64, _ m: MQTTPublish, _ p: PacketPosition) {
        if publicationCount >= Self.maxPublications {
            publications.removeAll()
            publicationCount = 0
            publicationsForgotten = true
        }
        let s = sessions[id]
        publications[key, default: []].append(Publication(
            connection: id, clientID: s?.clientID, frame: p.lastFrame, time: p.time, qos: m.qos, retain: m.retain,
            complete: s?.complete ?? false, seq: publicationSeq))
        publicationCount += 1
        publicationSeq += 1
    }

    // MARK: deliveries

    mutating func onDelivery(_ id: ConnectionID, _ m: MQTTPublish, _ key: UInt64, _ pdu: Span<UInt8>,
                             _ aliasTopic: String?, _ p: PacketPosition) {
        guard let s = sessions[id] else { return }
        var topic: [UInt8] = []
        if m.topic.isEmpty {
            guard let a = aliasTopic else { return }
            topic = Array(a.utf8)
        } else {
            guard m.topic.lower >= 0, m.topic.upper <= pdu.count else { return }
            for i in m.topic.lower..<m.topic.upper { topic.append(pdu[i]) }
        }
        var matching: [Subscription] = []
        for sub in s.subscriptions where sub.granted != 0xFF && sub.subscribeTime <= p.time
            && TopicMatch.matches(filter: sub.filter, topic: topic) {
            matching.append(sub)
        }
        // The texts of a finding are built only when one is judged: most deliveries are fine.
        func delivered() -> String {
            "PUBLISH qos=\(m.qos)\(m.retain ? " retain" : "") topic \"\(String(decoding: topic, as: UTF8.self))\" delivered in frame \(p.lastFrame)"
        }

        // The message's publication, when the capture identifies it: same topic and payload,
        // before the delivery. Several copies: the latest (a retained message is the last one set).
        let source = publications[key]?.last { $0.time <= p.time }
        func topicText() -> String { String(decoding: topic, as: UTF8.self) }
        func chain(_ subs: [Subscription]) -> [Evidence] {
            var e: [Evidence] = []
            if let src = source {
                e.append(Evidence(.publish, connection: src.connection, frame: src.frame, topic: topicText(),
                                  note: "qos=\(src.qos)\(src.retain ? " retain" : "")"))
            }
            for sub in subs {
                e.append(Evidence(.subscription, connection: sub.connection, frame: sub.subscribeFrame,
                                  filter: String(decoding: sub.filter, as: UTF8.self),
                                  note: sub.granted.map { "granted \($0), SUBACK frame \(sub.subackFrame ?? 0)" } ?? "requested \(sub.requested), no SUBACK yet"))
            }
            e.append(Evidence(.delivery, connection: id, frame: p.lastFrame, topic: topicText(),
                              note: "qos=\(m.qos)\(m.retain ? " retain" : "")"))
            return e
        }
        func sourceText() -> String { source.map { " (published qos=\($0.qos)\($0.retain ? " retain" : "") by connection #\($0.connection)\($0.clientID.map { " \"\($0)\"" } ?? "") in frame \($0.frame))" } ?? "" }

        // A Will discarded by a normal DISCONNECT, delivered: no client published these bytes on
        // this topic, and every Will that carries them was discarded before the delivery.
        if publications[key] == nil, let ws = wills[key], !ws.isEmpty,
           ws.allSatisfy({ w in w.discardedTime.map { $0 <= p.time } ?? false }), let w = ws.last {
            judge(.willAfterDisconnect, id, s, p, proven: ws.allSatisfy(\.complete) && !publicationsForgotten,
                  "\(delivered()) is the Will of connection #\(w.connection)\(w.clientID.map { " \"\($0)\"" } ?? "") (CONNECT frame \(w.connectFrame)), which its normal DISCONNECT in frame \(w.discardedFrame ?? 0) discarded",
                  evidence: [Evidence(.will, connection: w.connection, frame: w.connectFrame, topic: w.topic),
                             Evidence(.disconnect, connection: w.connection, frame: w.discardedFrame, note: "normal DISCONNECT: the Will is discarded")]
                    + chain(matching).filter { $0.role != .publish })
        }

        // Routing: some subscription of the session matches the topic.
        if matching.isEmpty {
            let subs = s.subscriptions.map { "\"\(String(decoding: $0.filter, as: UTF8.self))\" (frame \($0.subscribeFrame))" }
            let have = subs.isEmpty ? "no subscription" : "subscriptions " + subs.joined(separator: ", ")
            // §4.7.2 [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a '$' topic.
            let dollar = topic.first == UInt8(ascii: "$")
                && s.subscriptions.contains { $0.filter.first == UInt8(ascii: "#") || $0.filter.first == UInt8(ascii: "+") }
            judge(.deliveryMatchesSubscription, id, s, p, proven: s.complete,
                  "\(delivered())\(sourceText()) matches no subscription of the session: \(have)\(dollar ? " (a filter starting with a wildcard does not match a topic starting with '$', §4.7.2)" : "")",
                  evidence: chain(s.subscriptions))
            return
        }
        func evidence() -> String { matching.map { sub -> String in
            let g = sub.granted.map { "granted \($0) (SUBACK frame \(sub.subackFrame ?? 0))" } ?? "requested \(sub.requested), no SUBACK yet"
            return "\"\(String(decoding: sub.filter, as: UTF8.self))\" (#\(sub.connection) SUBSCRIBE frame \(sub.subscribeFrame)) \(g)"
        }.joined(separator: "; ") }

        // QoS: at most the highest granted (or requested, before the SUBACK) among the matching
        // subscriptions, and at most the published QoS.
        let ceiling = matching.map { $0.granted ?? $0.requested }.max() ?? 0
        if m.qos > ceiling {
            judge(.deliveryQoS, id, s, p, proven: s.complete,
                  "\(delivered())\(sourceText()) above the QoS the subscription allows: \(evidence())",
                  evidence: chain(matching))
        } else if let src = source, m.qos > src.qos {
            judge(.deliveryQoS, id, s, p, proven: s.complete && src.complete && !publicationsForgotten,
                  "\(delivered()) above the published QoS\(sourceText()); subscription \(evidence())",
                  evidence: chain(matching))
        }

        // RETAIN on an established subscription: the message was published after every matching
        // subscription was acknowledged, so it was forwarded, not sent because of the subscription.
        if m.retain, !s.bridge, let src = source {
            let established = matching.allSatisfy { sub in sub.subackTime.map { $0 < src.time } ?? false }
            let asPublished = s.version == .v5 && matching.contains { $0.retainAsPublished } && src.retain
            if established && !asPublished {
                judge(.retainOnEstablishedSubscription, id, s, p, proven: s.complete && src.complete,
                      "\(delivered())\(sourceText()) with RETAIN=1 to an established subscription: \(evidence())",
                      evidence: chain(matching))
            }
        }

        if m.retain, !s.bridge { judgeRetainedStore(id, s, m, topic, matching, source, p) }

        // No Local (5.0): the publisher's Client Identifier is the receiver's.
        if s.version == .v5, !s.bridge, let src = source, let cid = s.clientID, src.clientID == cid,
           matching.allSatisfy({ $0.noLocal }) {
            judge(.noLocal, id, s, p, proven: s.complete && src.complete,
                  "\(delivered())\(sourceText()) sent back to its publisher's Client Identifier although every matching subscription has No Local: \(evidence())",
                  evidence: chain(matching))
        }

        // Subscription Identifiers (5.0 §3.3.4): the delivery carries the identifier of the
        // subscription it matched — of the latest SUBSCRIBE of each matching filter (a new
        // SUBSCRIBE of a filter replaces its subscription), not unsubscribed before the delivery.
        if s.version == .v5, !s.bridge {
            var current: [Subscription] = []
            for sub in matching where sub.unsubscribeTime.map({ $0 > p.time }) ?? true {
                if let k = current.firstIndex(where: { $0.filter == sub.filter }) { current[k] = sub } else { current.append(sub) }
            }
            let ids = current.compactMap(\.identifier)
            let carried = m.properties.subscriptionIdentifierCount
            let first = m.properties.subscriptionIdentifier
            // Several matching: separate copies may each carry only their own subscription's
            // identifier (§3.3.4, [MQTT-3.3.4-5]), so only a copy with none when all have one is wrong.
            let wrong = current.count == 1
                ? !ids.isEmpty && (carried == 0 || (carried == 1 && first != ids[0]))
                : ids.count == current.count && carried == 0
            if wrong {
                judge(.subscriptionIdentifiers, id, s, p, proven: s.complete,
                      "\(delivered())\(sourceText()) carries \(carried == 0 ? "no Subscription Identifier" : "Subscription Identifier \(first ?? 0)") although the subscription it matched has \(ids.map(String.init).joined(separator: ", ")): \(evidence())",
                      evidence: chain(current))
            }
        }

        // Shared subscriptions (5.0 §4.8.2): a message goes to one session of each share group; a
        // delivery only through shared subscriptions, of a publication that is unambiguous.
        if s.version == .v5, let src = source, publications[key]?.count == 1,
           matching.allSatisfy({ $0.filter.starts(with: Self.sharePrefix) }) {
            if sharedCopies.count >= Self.maxPublications { sharedCopies.removeAll() }
            for sub in matching {
                let k = SharedKey(seq: src.seq, group: sub.filter)
                guard let first = sharedCopies[k] else {
                    sharedCopies[k] = (id, s.clientID, p.lastFrame)
                    continue
                }
                // The same session (a resumed connection of its Client Identifier) may get it again.
                guard first.connection != id, first.clientID == nil || first.clientID != s.clientID else { continue }
                let group = String(decoding: sub.filter, as: UTF8.self)
                judge(.sharedOneCopy, id, s, p, proven: s.complete && src.complete && !publicationsForgotten
                        && (sessions[first.connection]?.complete ?? false),
                      "\(delivered())\(sourceText()) through \"\(group)\", whose member connection #\(first.connection)\(first.clientID.map { " \"\($0)\"" } ?? "") already got it in frame \(first.frame)",
                      evidence: [Evidence(.delivery, connection: first.connection, frame: first.frame, topic: topicText(),
                                          note: "first copy to the group")] + chain(matching))
                break
            }
        }

        // Ordering (§4.6): judged for a live delivery (not DUP, not RETAIN) whose publication is
        // unambiguous (one PUBLISH of these bytes so far) through one subscription (overlapping
        // ones may each get a copy, in any interleaving), not a 5.0 shared one.
        if !m.dup, !m.retain, let src = source, publications[key]?.count == 1, matching.count == 1,
           !(s.version == .v5 && matching[0].filter.starts(with: Self.sharePrefix)) {
            if lastDelivered.count >= Self.maxPublications { lastDelivered.removeAll() }
            let k = OrderKey(subscriber: id, publisher: src.connection, topic: Self.hash(topic), qos: src.qos << 2 | m.qos)
            if let last = lastDelivered[k], src.seq < last.seq {
                judge(.orderedTopic, id, s, p, proven: s.complete && src.complete && !publicationsForgotten,
                      "\(delivered())\(sourceText()) after a message its publisher sent later on the same topic and QoS (published in frame \(last.publishFrame), delivered in frame \(last.deliveryFrame))",
                      evidence: [Evidence(.publish, connection: src.connection, frame: src.frame, topic: topicText(), note: "sent first"),
                                 Evidence(.publish, connection: src.connection, frame: last.publishFrame, topic: topicText(), note: "sent second"),
                                 Evidence(.delivery, connection: id, frame: last.deliveryFrame, topic: topicText(), note: "delivered first")]
                        + chain(matching).filter { $0.role != .publish })
            } else {
                lastDelivered[k] = Delivered(seq: src.seq, publishFrame: src.frame, deliveryFrame: p.lastFrame)
            }
        }
    }

    // MARK: Wills of connections that closed

    /// The connection ended: `closed` when its FIN/RST were seen (at `time`, the last segment's
    /// time, frame `frame`), not when the capture ended with it open, idle or evicted.
    public mutating func connectionEnded(_ id: ConnectionID, closed: Bool, time: Timestamp, frame: FrameNumber) {
        guard closed, sessions[id] != nil else { return }
        sessions[id]?.endTime = time
        sessions[id]?.endFrame = frame
    }

    /// The connection had a Will the server accepted, or resumed a session (its findings may come
    /// after it ended, judged at the end of the capture).
    public func hasWill(_ id: ConnectionID) -> Bool {
        if sessions[id]?.state.judgedAtEnd ?? false { return true }
        guard let key = sessions[id]?.willKey else { return false }
        return wills[key]?.contains { $0.connection == id && $0.accepted } ?? false
    }

    /// The server address of a connection that sent a CONNECT (a capture may hold several brokers).
    public mutating func server(_ id: ConnectionID, _ address: IPAddress) {
        sessions[id]?.server = address
    }

    /// The end of the capture (its last frame's time; nil when unknown): judges the Wills of the
    /// connections that closed without a normal DISCONNECT (`willPublished`, `willNotAfterResume`).
    public mutating func finish(captureEnd: Timestamp?) {
        judgeSessions(captureEnd: captureEnd)
        judgeWillRetain(captureEnd: captureEnd)
        var all: [(UInt64, Will)] = []
        for (key, ws) in wills { for w in ws { all.append((key, w)) } }
        all.sort { $0.1.connectFrame < $1.1.connectFrame }
        guard all.contains(where: { $0.1.accepted && $0.1.discardedFrame == nil }) else { return }
        // Built once: connections by Client Identifier, and those with a subscription (in order).
        var byClient: [String: [ConnectionID]] = [:]
        var subscribers: [ConnectionID] = []
        for id in sessions.keys.sorted() {
            guard let o = sessions[id] else { continue }
            if let c = o.clientID { byClient[c, default: []].append(id) }
            if !o.subscriptions.isEmpty { subscribers.append(id) }
        }
        for (key, w) in all { judgeWill(w, key, captureEnd: captureEnd, byClient: byClient, subscribers: subscribers) }
    }

    static func nanos(_ seconds: Double) -> Int64 { Int64((min(max(seconds, 0), 1e9) * 1e9).rounded()) }
    static func plus(_ t: Timestamp, _ seconds: Double) -> Int64 { t.totalNanoseconds &+ nanos(seconds) }
    /// Seconds with up to three decimals ("3", "0.250").
    static func secs(_ ns: Int64) -> String {
        let ms = (ns >= 0 ? ns &+ 500_000 : ns &- 500_000) / 1_000_000
        let a = ms.magnitude
        if a % 1000 == 0 { return String(ms / 1000) }
        let frac = String(a % 1000)
        return "\(ms < 0 ? "-" : "")\(a / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }

    mutating func judgeWill(_ w: Will, _ key: UInt64, captureEnd: Timestamp?, byClient: [String: [ConnectionID]],
                            subscribers: [ConnectionID]) {
        guard w.accepted, w.discardedFrame == nil, let ws = sessions[w.connection], let close = ws.endTime else { return }
        // 5.0 §3.1.2.5: published once the Will Delay Interval has passed or the session ended,
        // whichever is first (the session ends at the close when its expiry is 0).
        let delay = w.version == .v5 ? Double(min(w.willDelay, w.sessionExpiry)) : 0
        let g = grace ?? (w.keepAlive > 0 ? 1.5 * Double(w.keepAlive) : 5)
        let graceText = grace != nil ? "grace \(Self.secs(Self.nanos(g))) s (--grace)"
            : w.keepAlive > 0 ? "grace \(Self.secs(Self.nanos(g))) s assumed (1.5 × keep-alive \(w.keepAlive) s; --grace to change)"
            : "grace 5 s assumed (no keep-alive; --grace to change)"
        // The close is between the connection's last MQTT packet and its last segment.
        let from = ws.lastTime
        let windowEnd = Self.plus(close, delay + g)
        let cid = w.clientID.map { " \"\($0)\"" } ?? ""
        let ending = w.withWillFrame.map { "ended with DISCONNECT 0x04 (with Will Message) in frame \($0)" }
            ?? "closed in frame \(ws.endFrame) without DISCONNECT"
        var chain = [Evidence(.will, connection: w.connection, frame: w.connectFrame, topic: w.topic,
                              note: w.version == .v5 ? "Will Delay \(w.willDelay) s, Session Expiry \(w.sessionExpiry) s" : nil),
                     w.withWillFrame.map { Evidence(.disconnect, connection: w.connection, frame: $0, note: "reason 0x04") }
                        ?? Evidence(.close, connection: w.connection, frame: ws.endFrame, note: "no DISCONNECT")]
        let delivered = (willDeliveries[key] ?? []).filter { $0.time >= from }
        let willWhole = ws.sawStart && ws.gapTime.map { $0 > close } ?? true && w.complete
        let identified = publications[key] == nil && !publicationsForgotten

        // 5.0: not published before the delay (measured from the last packet, which precedes the close).
        // A delivery of the Will that should not have been made (yet).
        func published(_ rule: BrokerCheckRule, _ d: WillDelivery, _ chain: [Evidence], _ message: String) {
            emit(rule, w.connection, version: w.version, direction: .serverToClient, index: nil,
                 frames: [d.frame], time: d.time, range: nil, proven: willWhole && identified,
                 why: willWhole ? "a client published the same topic and payload" : "the Will's connection is not captured whole",
                 message, chain + [Evidence(.delivery, connection: d.connection, frame: d.frame, topic: w.topic)])
        }
        if delay > 0, let d = delivered.first, d.time.totalNanoseconds < Self.plus(from, delay) {
            published(.willPublished, d, chain,
                 "the Will of connection #\(w.connection)\(cid) (topic \"\(w.topic)\", CONNECT frame \(w.connectFrame)), which \(ending), was published in frame \(d.frame) on connection #\(d.connection) \(Self.secs(d.time.totalNanoseconds - from.totalNanoseconds)) s after the connection's last packet: before its Will Delay Interval of \(Self.secs(Self.nanos(delay))) s had passed")
            return
        }

        // A later connection of the same Client Identifier before the Will was due.
        var again: (ConnectionID, Session)?
        if let c = w.clientID {
            for id in byClient[c] ?? [] where id != w.connection {
                guard let o = sessions[id] else { continue }
                guard let t = o.connectTime, t.totalNanoseconds > (ws.connectTime ?? .zero).totalNanoseconds,
                      t.totalNanoseconds <= Self.plus(close, delay) else { continue }
                if again.map({ t < ($0.1.connectTime ?? t) }) ?? true { again = (id, o) }
            }
        }
        if let (rid, r) = again, let rt = r.connectTime {
            chain.append(Evidence(.reconnect, connection: rid, frame: r.connectFrame, note: r.cleanStart ? "Clean Start 1" : "Clean Start 0"))
            // 5.0 [MQTT-3.1.3-9]: the session resumed within the Will Delay Interval: no Will.
            guard w.version == .v5, delay > 0, !r.cleanStart, rt.totalNanoseconds >= from.totalNanoseconds,
                  let d = delivered.first(where: { $0.time >= rt }) else { return }
            published(.willNotAfterResume, d, chain,
                 "the Will of connection #\(w.connection)\(cid) (topic \"\(w.topic)\", CONNECT frame \(w.connectFrame)) was published in frame \(d.frame) on connection #\(d.connection), although its session resumed on connection #\(rid) (CONNECT frame \(r.connectFrame), Clean Start 0) \(Self.secs(rt.totalNanoseconds - from.totalNanoseconds)) s after its last packet, within its Will Delay Interval of \(Self.secs(Self.nanos(delay))) s")
            return
        }
        guard delivered.isEmpty else { return }

        // Not published: only a subscriber that matches and is captured whole over the window proves it.
        var witness: (ConnectionID, Subscription)?
        var doubt: (ConnectionID, Subscription, String)?
        for id in subscribers where id != w.connection {
            guard let o = sessions[id], o.clientID == nil || o.clientID != w.clientID else { continue }
            for sub in o.subscriptions {
                guard let g = sub.granted, g != 0xFF, let at = sub.subackTime, at <= from,
                      !sub.filter.starts(with: Self.sharePrefix),
                      sub.unsubscribeTime.map({ $0.totalNanoseconds > windowEnd }) ?? true,
                      TopicMatch.matches(filter: sub.filter, topic: Array(w.topic.utf8)) else { continue }
                var why: String?
                if !o.sawStart { why = "subscriber #\(id) was captured mid-stream" }
                else if let gt = o.gapTime, gt.totalNanoseconds <= windowEnd { why = "bytes of subscriber #\(id) are missing from the capture" }
                else if !o.complete && o.gapTime == nil { why = o.why }
                else if let e = o.endTime, e.totalNanoseconds <= windowEnd {
                    why = "subscriber #\(id) closed \(Self.secs(e.totalNanoseconds - close.totalNanoseconds)) s after the close, before the window ended"
                }
                if let why { if doubt == nil { doubt = (id, sub, why) } } else if witness == nil { witness = (id, sub) }
            }
        }
        guard let (sid, sub) = witness ?? doubt.map({ ($0.0, $0.1) }) else { return }
        var why = doubt?.2 ?? ""
        if !willWhole { why = "the Will's connection is not captured whole" }
        else if let end = captureEnd, end.totalNanoseconds <= windowEnd {
            why = "the capture ends \(Self.secs(end.totalNanoseconds - close.totalNanoseconds)) s after the close, before close + \(w.version == .v5 ? "Will Delay \(Self.secs(Self.nanos(delay))) s + " : "")\(graceText)"
        } else if captureEnd == nil { why = "the capture's end is unknown" }
        else if publicationsForgotten { why = "too many PUBLISHes to remember" }
        else if witness != nil { why = "" }
        chain.append(Evidence(.subscription, connection: sid, frame: sub.subscribeFrame, filter: String(decoding: sub.filter, as: UTF8.self),
                              note: "granted \(sub.granted ?? 0), SUBACK frame \(sub.subackFrame ?? 0)"))
        chain.append(Evidence(.notDelivered, connection: sid, frame: nil, topic: w.topic,
                              note: "nothing until \(Self.secs(windowEnd - close.totalNanoseconds)) s after the close"))
        emit(.willPublished, w.connection, version: w.version, direction: .serverToClient, index: nil,
             frames: [ws.endFrame], time: close, range: nil, proven: why.isEmpty, why: why,
             "the Will of connection #\(w.connection)\(cid) (topic \"\(w.topic)\", CONNECT frame \(w.connectFrame)), which \(ending), was not published: subscriber #\(sid) (filter \"\(String(decoding: sub.filter, as: UTF8.self))\", SUBSCRIBE frame \(sub.subscribeFrame), granted \(sub.granted ?? 0)) received nothing in the \(Self.secs(windowEnd - close.totalNanoseconds)) s after the close (\(w.version == .v5 ? "Will Delay \(Self.secs(Self.nanos(delay))) s + " : "")\(graceText))", chain)
    }

    mutating func judge(_ rule: BrokerCheckRule, _ id: ConnectionID, _ s: Session, _ p: PacketPosition,
                        proven: Bool, _ message: @autoclosure () -> String,
                        evidence: @autoclosure () -> [Evidence] = []) {
        // Unverifiable and already reported for this connection and rule: nothing to build.
        if !proven, let i = sessions.index(forKey: id), sessions.values[i].unverifiableReported.contains(rule) { return }
        let frames = p.firstFrame == p.lastFrame ? [p.lastFrame] : [p.firstFrame, p.lastFrame]
        emit(rule, id, version: s.version, direction: p.direction, index: p.index, frames: frames, time: p.time,
             range: p.streamRange, proven: proven,
             why: s.why.isEmpty ? "the publisher's connection is not captured whole" : s.why, message(), evidence())
    }

    /// Appends the finding: a violation when `proven`, otherwise (once per connection and rule) unverifiable.
    mutating func emit(_ rule: BrokerCheckRule, _ id: ConnectionID, version: MQTTVersion, direction: Direction,
                       index: Int?, frames: [FrameNumber], time: Timestamp, range: StreamRange?, proven: Bool,
                       why: @autoclosure () -> String, _ message: @autoclosure () -> String,
                       _ evidence: @autoclosure () -> [Evidence]) {
        guard enabled.contains(rule), let ruleID = rule.descriptor.id(for: version) else { return }
        let d = rule.descriptor
        var f: CheckFinding
        if proven {
            f = CheckFinding(
                rule: ruleID, checkRule: rule.rawValue, severity: d.severity, verdict: .violation,
                direction: direction, packetIndex: index, frames: frames, time: time, streamRange: range,
                packetRange: range.map { ByteRange(0, Int(clamping: $0.count)) }, message: message(), section: d.section)
        } else {
            guard sessions[id]?.unverifiableReported.insert(rule).inserted ?? false else { return }
            f = CheckFinding(
                rule: ruleID, checkRule: rule.rawValue, severity: .info, verdict: .unverifiable,
                direction: direction, packetIndex: index, frames: frames, time: time, streamRange: range,
                packetRange: nil, message: "cannot be verified (\(why())): \(message())", section: d.section)
        }
        f.evidence = evidence()
        findings.append(Finding(connection: id, finding: f))
    }

    // MARK: topics

    /// Topic and payload digests (`WireCore.ByteDigest`).
    static func hash(_ b: [UInt8]) -> UInt64 {
        b.withUnsafeBytes { ByteDigest.hash($0) }
    }

    static func hash(_ pdu: Span<UInt8>, _ r: ByteRange) -> UInt64 {
        guard r.lower >= 0, r.upper <= pdu.count, r.lower <= r.upper else { return 0xcbf2_9ce4_8422_2325 }
        return ByteDigest.hash(pdu, r)
    }

    static func mix(_ a: UInt64, _ b: UInt64, _ n: Int) -> UInt64 {
        (a &* 0x9E37_79B9_7F4A_7C15) ^ (b &+ UInt64(truncatingIfNeeded: n) &* 0xC2B2_AE3D_27D4_EB4F)
    }
}
