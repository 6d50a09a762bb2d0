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
    }

    /// A Will and whether a normal DISCONNECT discarded it (where, when).
    struct Will: Sendable {
        var connection: ConnectionID
        var clientID: String?
        var connectFrame: FrameNumber
        var discardedFrame: FrameNumber?
        var discardedTime: Timestamp?
        var complete: Bool
    }

    struct Publication: Sendable {
        var connection: ConnectionID
        var clientID: String?
        var frame: FrameNumber
        var time: Timestamp
        var qos: UInt8
        var retain: Bool
        var complete: Bool
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
    var publicationsForgotten = false
    /// Wills by (topic, payload) key.
    var wills: [UInt64: [Will]] = [:]
    static let maxPublications = 200_000
    public private(set) var findings: [Finding] = []
    public var enabled: Set<BrokerCheckRule> = Set(BrokerCheckRule.allCases)

    public init() {}

    public mutating func takeFindings() -> [Finding] {
        defer { findings.removeAll(keepingCapacity: true) }
        return findings
    }

    /// A capture gap on the connection: from here its session's history is incomplete.
    public mutating func gap(_ connection: ConnectionID, frame: FrameNumber) {
        sessions[connection, default: Session()].complete = false
        if sessions[connection]?.why.isEmpty ?? false {
            sessions[connection]?.why = "bytes of the connection are missing from the capture (gap at frame \(frame))"
        }
    }

    /// One MQTT packet of connection `connection` (`sawStart`: its SYN was captured). `aliasTopic`
    /// is the topic a 5.0 Topic Alias stands for.
    public mutating func packet(_ connection: ConnectionID, sawStart: Bool, message: MQTTMessage, pdu: Span<UInt8>,
                                at p: PacketPosition, aliasTopic: String?) {
        if sessions[connection] == nil {
            var s = Session()
            if !sawStart { s.complete = false; s.why = "the connection was captured mid-stream" }
            sessions[connection] = s
        }
        switch message {
        case .connect(let c):
            onConnect(connection, c, pdu, p)
        case .disconnect(let r) where p.direction == .clientToServer:
            // 3.x DISCONNECT, 5.0 reason 0x00: the Will is discarded (0x04 asks for it).
            if p.version != .v5 || r.reasonCode == 0x00, let s = sessions[connection], let key = s.willKey,
               let k = wills[key]?.lastIndex(where: { $0.connection == connection }) {
                wills[key]?[k].discardedFrame = p.lastFrame
                wills[key]?[k].discardedTime = p.time
                wills[key]?[k].complete = s.complete
            }
        case .subscribe(let s) where p.direction == .clientToServer:
            onSubscribe(connection, s, pdu, p)
        case .suback(let s) where p.direction == .serverToClient:
            onSuback(connection, s, pdu, p)
        case .publish(let m):
            let topicHash: UInt64
            if m.topic.isEmpty, let a = aliasTopic { topicHash = Self.hash(Array(a.utf8)) }
            else { topicHash = Self.hash(pdu, m.topic) }
            let key = Self.mix(topicHash, Self.hash(pdu, m.payload), m.payload.count)
            if p.direction == .clientToServer {
                record(connection, key, m, p)
            } else {
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
        if let r = c.clientID, r.lower >= 0, r.upper <= pdu.count, !r.isEmpty {
            var bytes: [UInt8] = []
            for i in r.lower..<r.upper { bytes.append(pdu[i]) }
            s.clientID = String(decoding: bytes, as: UTF8.self)
        }
        if let cid = s.clientID {
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
            wills[key, default: []].append(Will(connection: id, clientID: s.clientID, connectFrame: p.lastFrame,
                                                complete: s.complete))
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
                                                connection: id, subscribeFrame: p.lastFrame, subscribeTime: p.time))
        }
        s.pending[m.packetID] = added
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
            complete: s?.complete ?? false))
        publicationCount += 1
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
        func sourceText() -> String { source.map { " (published qos=\($0.qos)\($0.retain ? " retain" : "") by connection #\($0.connection)\($0.clientID.map { " \"\($0)\"" } ?? "") in frame \($0.frame))" } ?? "" }

        // A Will discarded by a normal DISCONNECT, delivered: no client published these bytes on
        // this topic, and every Will that carries them was discarded before the delivery.
        if publications[key] == nil, let ws = wills[key], !ws.isEmpty,
           ws.allSatisfy({ w in w.discardedTime.map { $0 <= p.time } ?? false }), let w = ws.last {
            judge(.willAfterDisconnect, id, s, p, proven: ws.allSatisfy(\.complete) && !publicationsForgotten,
                  "\(delivered()) is the Will of connection #\(w.connection)\(w.clientID.map { " \"\($0)\"" } ?? "") (CONNECT frame \(w.connectFrame)), which its normal DISCONNECT in frame \(w.discardedFrame ?? 0) discarded")
        }

        // Routing: some subscription of the session matches the topic.
        if matching.isEmpty {
            let subs = s.subscriptions.map { "\"\(String(decoding: $0.filter, as: UTF8.self))\" (frame \($0.subscribeFrame))" }
            let have = subs.isEmpty ? "no subscription" : "subscriptions " + subs.joined(separator: ", ")
            judge(.deliveryMatchesSubscription, id, s, p, proven: s.complete,
                  "\(delivered())\(sourceText()) matches no subscription of the session: \(have)")
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
                  "\(delivered())\(sourceText()) above the QoS the subscription allows: \(evidence())")
        } else if let src = source, m.qos > src.qos {
            judge(.deliveryQoS, id, s, p, proven: s.complete && src.complete && !publicationsForgotten,
                  "\(delivered()) above the published QoS\(sourceText()); subscription \(evidence())")
        }

        // RETAIN on an established subscription: the message was published after every matching
        // subscription was acknowledged, so it was forwarded, not sent because of the subscription.
        if m.retain, !s.bridge, let src = source {
            let established = matching.allSatisfy { sub in sub.subackTime.map { $0 < src.time } ?? false }
            let asPublished = s.version == .v5 && matching.contains { $0.retainAsPublished } && src.retain
            if established && !asPublished {
                judge(.retainOnEstablishedSubscription, id, s, p, proven: s.complete && src.complete,
                      "\(delivered())\(sourceText()) with RETAIN=1 to an established subscription: \(evidence())")
            }
        }

        // No Local (5.0): the publisher's Client Identifier is the receiver's.
        if s.version == .v5, !s.bridge, let src = source, let cid = s.clientID, src.clientID == cid,
           matching.allSatisfy({ $0.noLocal }) {
            judge(.noLocal, id, s, p, proven: s.complete && src.complete,
                  "\(delivered())\(sourceText()) sent back to its publisher's Client Identifier although every matching subscription has No Local: \(evidence())")
        }
    }

    mutating func judge(_ rule: BrokerCheckRule, _ id: ConnectionID, _ s: Session, _ p: PacketPosition,
                        proven: Bool, _ message: @autoclosure () -> String) {
        guard enabled.contains(rule), let ruleID = rule.descriptor.id(for: s.version) else { return }
        let d = rule.descriptor
        let frames = p.firstFrame == p.lastFrame ? [p.lastFrame] : [p.firstFrame, p.lastFrame]
        if proven {
            findings.append(Finding(connection: id, finding: CheckFinding(
                rule: ruleID, checkRule: rule.rawValue, severity: d.severity, verdict: .violation,
                direction: p.direction, packetIndex: p.index, frames: frames, time: p.time, streamRange: p.streamRange,
                packetRange: ByteRange(0, Int(clamping: p.streamRange.count)), message: message(), section: d.section)))
        } else {
            guard sessions[id]?.unverifiableReported.insert(rule).inserted ?? false else { return }
            let why = s.why.isEmpty ? "the publisher's connection is not captured whole" : s.why
            findings.append(Finding(connection: id, finding: CheckFinding(
                rule: ruleID, checkRule: rule.rawValue, severity: .info, verdict: .unverifiable,
                direction: p.direction, packetIndex: p.index, frames: frames, time: p.time, streamRange: p.streamRange,
                packetRange: nil, message: "cannot be verified (\(why)): \(message())", section: d.section)))
        }
    }

    // MARK: topics

    // FNV-1a, 64 bits.
    /// A 64-bit digest of topics and payloads (not cryptographic: it pairs a delivery with its
    /// publication), read eight bytes at a time — every payload of the capture passes through it.
    static func hash(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(truncatingIfNeeded: raw.count)
        var i = 0
        while i + 8 <= raw.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 8
        }
        while i < raw.count {
            h = (h ^ UInt64(raw[i])) &* 0x100_0000_01b3
            i += 1
        }
        return h ^ (h >> 32)
    }

    static func hash(_ b: [UInt8]) -> UInt64 {
        b.withUnsafeBytes { hash($0) }
    }

    static func hash(_ pdu: Span<UInt8>, _ r: ByteRange) -> UInt64 {
        guard r.lower >= 0, r.upper <= pdu.count, r.lower <= r.upper else { return 0xcbf2_9ce4_8422_2325 }
        return pdu.withUnsafeBufferPointer { hash(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0[r.lower..<r.upper]))) }
    }

    static func mix(_ a: UInt64, _ b: UInt64, _ n: Int) -> UInt64 {
        (a &* 0x9E37_79B9_7F4A_7C15) ^ (b &+ UInt64(truncatingIfNeeded: n) &* 0xC2B2_AE3D_27D4_EB4F)
    }
}
