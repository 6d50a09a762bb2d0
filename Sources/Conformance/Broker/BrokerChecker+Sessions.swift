public import WireCore
public import MQTTCodec

/// Sessions across connections: a connection with Clean Session 0 / Clean Start 0 resumes the
/// session its Client Identifier left on an earlier connection of the capture. Judged at the end
/// of the capture, when every connection's close is known: Session Present, the QoS 1/2 messages
/// queued while the client was away, the deliveries left unacknowledged re-sent with DUP=1, and
/// the Will Retain flag of published Wills. A verdict needs the earlier connection captured from
/// its CONNECT to its close with no gap, and the resumed one whole over the grace period
/// (`--grace`, default 2 s: a server sends what it holds right after the CONNACK).
extension BrokerChecker {
    /// A QoS 1/2 PUBLISH (or PUBREL) not yet acknowledged, in one direction of a connection.
    struct InFlight: Sendable {
        var key: UInt64
        var frame: FrameNumber
        var qos: UInt8
        var topic: String
        /// PUBREC received: the PUBREL is owed or waits for its PUBCOMP (§4.3.3).
        var released = false
    }

    /// The first PUBLISH of a Packet Identifier on a resumed connection.
    struct Resent: Sendable {
        var key: UInt64
        var dup: Bool
        var frame: FrameNumber
        var time: Timestamp
    }

    struct Connack: Sendable {
        var accepted: Bool
        var sessionPresent: Bool
        var frame: FrameNumber
        var time: Timestamp
    }

    /// What one connection adds to the session picture; most connections use none of it.
    struct SessionState: Sendable {
        /// The connection of the same Client Identifier before this CONNECT.
        var previous: ConnectionID?
        var connack: Connack?
        /// 3.x Clean Session 0, 5.0 Session Expiry Interval > 0 (the DISCONNECT's replaces the CONNECT's).
        var persistent = false
        var sessionExpiry: UInt32 = 0
        /// Packets in flight are followed (the session may outlive the connection, or resumed one).
        var tracking = false
        /// Clean Start 0 after an earlier connection of the Client Identifier: judged at the end.
        var judgedAtEnd = false
        /// Unacknowledged PUBLISH/PUBREL by packet id: [client → server, server → client].
        var inflight: [[UInt16: InFlight]] = [[:], [:]]
        /// Resumed connections: the first PUBLISH per packet id and direction, the first PUBREL,
        /// and the first delivery of each (topic, payload).
        var firstPublish: [[UInt16: Resent]] = [[:], [:]]
        var firstPubrel: [[UInt16: FrameNumber]] = [[:], [:]]
        var delivered: [UInt64: FrameNumber] = [:]
    }

    /// A client's QoS 1/2 PUBLISH, kept while some session may be disconnected (for the queue rule).
    struct LoggedPublish: Sendable {
        var key: UInt64
        var topic: [UInt8]
        var time: Timestamp
        var frame: FrameNumber
        var connection: ConnectionID
        var clientID: String?
        var qos: UInt8
        var complete: Bool
        var messageExpiry: UInt32?
    }

    /// Topic bytes kept for the queue rule, at most.
    static let maxLoggedTopicBytes = 16 << 20
    static let sessionGrace = 2.0

    // MARK: following packets

    /// Called for every packet after the rules of `packet`.
    mutating func track(_ id: ConnectionID, _ message: MQTTMessage, key: UInt64?, _ pdu: Span<UInt8>,
                        _ aliasTopic: String?, _ p: PacketPosition) {
        // Mutated in place (`sessions.values[i]`): a copy would copy its tables on every packet.
        guard let i = sessions.index(forKey: id) else { return }
        let d = Int(p.direction.rawValue)
        switch message {
        case .connect(let c):
            let expiry = c.properties.sessionExpiryInterval ?? 0
            let persistent = c.version == .v5 ? expiry > 0 : !c.cleanStart
            sessions.values[i].state.sessionExpiry = expiry
            sessions.values[i].state.persistent = persistent
            sessions.values[i].state.tracking = persistent || !c.cleanStart
            sessions.values[i].state.judgedAtEnd = !c.cleanStart && sessions.values[i].state.previous != nil
            if persistent || !c.cleanStart { sessionsMayPersist = true }
        case .connack(let c) where p.direction == .serverToClient:
            sessions.values[i].state.connack = Connack(accepted: c.code == 0 && !c.refusedBy311Server,
                                                       sessionPresent: c.sessionPresent, frame: p.lastFrame, time: p.time)
        case .disconnect(let r) where p.direction == .clientToServer && p.version == .v5:
            if let e = r.properties.sessionExpiryInterval {
                sessions.values[i].state.sessionExpiry = e
                sessions.values[i].state.persistent = e > 0
            }
        case .publish(let m):
            guard let key else { break }
            let judged = sessions.values[i].state.judgedAtEnd
            if p.direction == .clientToServer {
                logPublication(id, sessions.values[i].clientID, sessions.values[i].complete, m, key, pdu, aliasTopic, p)
            } else if judged, sessions.values[i].state.delivered[key] == nil,
                      sessions.values[i].state.delivered.count < Self.maxPublications {
                sessions.values[i].state.delivered[key] = p.lastFrame
            }
            guard m.qos > 0, let pid = m.packetID else { break }
            if judged, sessions.values[i].state.firstPublish[d][pid] == nil {
                sessions.values[i].state.firstPublish[d][pid] = Resent(key: key, dup: m.dup, frame: p.lastFrame, time: p.time)
            }
            if sessions.values[i].state.tracking {
                // Only sessions that may outlive their connection keep the topic (for the messages).
                var topic = aliasTopic ?? ""
                if !m.topic.isEmpty, m.topic.lower >= 0, m.topic.upper <= pdu.count {
                    var bytes: [UInt8] = []
                    for j in m.topic.lower..<m.topic.upper { bytes.append(pdu[j]) }
                    topic = String(decoding: bytes, as: UTF8.self)
                }
                sessions.values[i].state.inflight[d][pid] = InFlight(key: key, frame: p.lastFrame, qos: m.qos, topic: topic)
            }
        case .puback(let a), .pubcomp(let a):
            if sessions.values[i].state.tracking { sessions.values[i].state.inflight[1 - d][a.packetID] = nil }
        case .pubrec(let a):
            // 5.0 §4.4 [MQTT-4.4.0-2]: a PUBREC >= 0x80 ends the exchange.
            guard sessions.values[i].state.tracking else { break }
            if a.reasonCode >= 0x80 { sessions.values[i].state.inflight[1 - d][a.packetID] = nil }
            else { sessions.values[i].state.inflight[1 - d][a.packetID]?.released = true }
        case .pubrel(let a):
            if sessions.values[i].state.judgedAtEnd, sessions.values[i].state.firstPubrel[d][a.packetID] == nil {
                sessions.values[i].state.firstPubrel[d][a.packetID] = p.lastFrame
            }
        default:
            break
        }
    }

    /// Client PUBLISHes: retained ones by topic (the Will Retain rules), QoS 1/2 ones with their
    /// topic while a session may be disconnected (the queue rule). Both bounded.
    mutating func logPublication(_ id: ConnectionID, _ clientID: String?, _ complete: Bool, _ m: MQTTPublish, _ key: UInt64,
                                 _ pdu: Span<UInt8>, _ aliasTopic: String?, _ p: PacketPosition) {
        guard m.retain || (sessionsMayPersist && m.qos > 0) else { return }
        var topic: [UInt8] = []
        if m.topic.isEmpty, let a = aliasTopic { topic = Array(a.utf8) }
        else if m.topic.lower >= 0, m.topic.upper <= pdu.count {
            for i in m.topic.lower..<m.topic.upper { topic.append(pdu[i]) }
        }
        if m.retain {
            if retainedCount >= Self.maxPublications {
                retainedTimes.removeAll(); clearedTimes.removeAll(); retainedCount = 0; retainedForgotten = true
            }
            retainedTimes[Self.hash(topic), default: []].append(p.time)
            if m.payload.isEmpty { clearedTimes[Self.hash(topic), default: []].append((p.time, p.lastFrame, id)) }
            retainedCount += 1
        }
        guard sessionsMayPersist, m.qos > 0 else { return }
        if logged.count >= Self.maxPublications || loggedBytes + topic.count > Self.maxLoggedTopicBytes {
            logged.removeAll()
            loggedBytes = 0
            loggedForgottenUntil = p.time
        }
        loggedBytes += topic.count
        logged.append(LoggedPublish(key: key, topic: topic, time: p.time, frame: p.lastFrame, connection: id,
                                    clientID: clientID, qos: m.qos, complete: complete,
                                    messageExpiry: p.version == .v5 ? m.properties.messageExpiryInterval : nil))
    }

    // MARK: judging resumed sessions

    func graceText(_ g: Double) -> String {
        grace != nil ? "grace \(Self.secs(Self.nanos(g))) s (--grace)" : "grace \(Self.secs(Self.nanos(g))) s assumed (--grace to change)"
    }

    mutating func judgeSessions(captureEnd: Timestamp?) {
        let g = grace ?? Self.sessionGrace
        for id in sessions.keys.sorted() {
            guard let s = sessions[id], s.state.judgedAtEnd, let prev = s.state.previous, let ps = sessions[prev],
                  let ack = s.state.connack, ack.accepted, let cid = s.clientID, let connect = s.connectTime,
                  let pack = ps.state.connack, pack.accepted, ps.server == s.server else { continue }
            // Why the earlier connection does not prove what the session was. (Only its own bytes
            // count: what it inherited from before the capture adds to the session, it does not take
            // away what this connection shows.)
            var doubt = ""
            if !ps.sawStart { doubt = "the earlier connection #\(prev) of \"\(cid)\" was captured mid-stream" }
            else if ps.gapTime != nil { doubt = "bytes of the earlier connection #\(prev) of \"\(cid)\" are missing from the capture" }
            else if !s.sawStart { doubt = "this connection was captured mid-stream" }
            else if let gt = s.gapTime, gt <= ack.time { doubt = "bytes of this connection are missing before its CONNACK" }
            // The session ends (5.0: its expiry starts) when the connection closes: between its last
            // packet and its last segment.
            let sinceLast = connect.totalNanoseconds - ps.lastTime.totalNanoseconds
            let sinceEnd = ps.endTime.map { connect.totalNanoseconds - $0.totalNanoseconds }
            // The session the earlier connection left: there (true), gone (false), too close to call (nil).
            var expected: Bool?
            let basis: String
            if ps.version != .v5 {
                // 3.1.1 §3.1.2.4: a Clean Session 1 session is never reused, even on a take-over.
                expected = !ps.cleanStart
                basis = ps.cleanStart ? "Clean Session 1: its session ended with it" : "Clean Session 0: its session outlives it"
            } else if ps.state.sessionExpiry == UInt32.max {
                expected = true
                basis = "Session Expiry Interval 0xFFFFFFFF: its session never expires"
            } else {
                let e = Int64(ps.state.sessionExpiry) * 1_000_000_000
                if sinceLast + 1_000_000_000 < e { expected = true }
                else if let since = sinceEnd, since > e + 1_000_000_000 || (e == 0 && since > 0) { expected = false }
                else if e == 0 { expected = false; if doubt.isEmpty { doubt = "the earlier connection #\(prev) of \"\(cid)\" was still open at this CONNECT (a take-over may resume its session)" } }
                basis = ps.state.sessionExpiry == 0 ? "Session Expiry Interval 0: its session ended with it"
                    : "Session Expiry Interval \(ps.state.sessionExpiry) s, last packet \(Self.secs(sinceLast)) s before this CONNECT"
            }
            let closedText = ps.endTime != nil ? "closed in frame \(ps.endFrame)" : "not seen to close"
            let earlier = Evidence(.close, connection: prev, frame: ps.endFrame == 0 ? nil : ps.endFrame,
                                   note: "earlier connection of \"\(cid)\", CONNECT frame \(ps.connectFrame); \(basis)")
            let again = Evidence(.reconnect, connection: id, frame: s.connectFrame,
                                 note: "Clean Start 0; CONNACK frame \(ack.frame), Session Present \(ack.sessionPresent ? 1 : 0)")
            let assumption = "(assuming the capture holds every connection of the broker and it kept running)"
            if expected == true && !ack.sessionPresent {
                emit(.sessionPresent, id, version: s.version, direction: .serverToClient, index: nil, frames: [ack.frame],
                     time: ack.time, range: nil, proven: doubt.isEmpty, why: doubt,
                     "CONNACK Session Present 0 to \"\(cid)\" (Clean Start 0, CONNECT frame \(s.connectFrame)), whose session the server holds: its earlier connection #\(prev) (CONNECT frame \(ps.connectFrame), \(closedText)) had \(basis) \(assumption)",
                     [earlier, again])
            } else if expected == false && ack.sessionPresent {
                emit(.sessionNotPresent, id, version: s.version, direction: .serverToClient, index: nil, frames: [ack.frame],
                     time: ack.time, range: nil, proven: doubt.isEmpty, why: doubt,
                     "CONNACK Session Present 1 to \"\(cid)\" (Clean Start 0, CONNECT frame \(s.connectFrame)), which has no session: its earlier connection #\(prev) (CONNECT frame \(ps.connectFrame), \(closedText)) had \(basis) \(assumption)",
                     [earlier, again])
            }
            guard ack.sessionPresent, expected != false else { continue }
            judgeRedelivery(id, s, prev, ps, cid, ack, doubt: doubt, g: g, captureEnd: captureEnd, earlier: earlier, again: again)
        }
    }

    /// A resumed session (Session Present 1): what the earlier connection left unacknowledged is
    /// re-sent (with DUP=1), what was published for it meanwhile is delivered.
    mutating func judgeRedelivery(_ id: ConnectionID, _ s: Session, _ prev: ConnectionID, _ ps: Session, _ cid: String,
                                  _ ack: Connack, doubt: String, g: Double, captureEnd: Timestamp?,
                                  earlier: Evidence, again: Evidence) {
        let windowEnd = Self.plus(ack.time, g)
        let graceText = graceText(g)
        // Why the resumed connection does not show the whole window.
        var late = doubt
        if late.isEmpty {
            if let gt = s.gapTime, gt.totalNanoseconds <= windowEnd { late = "bytes of this connection are missing within \(graceText) of its CONNACK" }
            else if let e = s.endTime, e.totalNanoseconds < windowEnd {
                late = "this connection closed \(Self.secs(e.totalNanoseconds - ack.time.totalNanoseconds)) s after its CONNACK, within the \(graceText)"
            } else if s.endTime == nil, let e = captureEnd, e.totalNanoseconds < windowEnd {
                late = "the capture ends \(Self.secs(e.totalNanoseconds - ack.time.totalNanoseconds)) s after the CONNACK, within the \(graceText)"
            } else if s.endTime == nil && captureEnd == nil { late = "the capture's end is unknown" }
            else if !s.state.inflight[1].isEmpty {
                late = "the client left \(s.state.inflight[1].count) deliveries unacknowledged: the server may hold the rest back (Receive Maximum, in-flight window)"
            }
        }
        // Left unacknowledged by the earlier connection, in both directions: re-sent with DUP=1.
        for d in [Direction.serverToClient, .clientToServer] {
            let k = Int(d.rawValue)
            for pid in ps.state.inflight[k].keys.sorted() {
                guard let item = ps.state.inflight[k][pid] else { continue }
                let left = Evidence(.delivery, connection: prev, frame: item.frame, topic: item.topic,
                                    note: "\(item.released ? "PUBREL owed, no PUBCOMP" : "QoS \(item.qos), id \(pid), not acknowledged") when the connection closed")
                if !item.released, let r = s.state.firstPublish[k][pid], r.key == item.key {
                    guard !r.dup else { continue }
                    let whole = s.gapTime.map { $0 > r.time } ?? true
                    emit(.sessionDup, id, version: s.version, direction: d, index: nil, frames: [r.frame], time: r.time,
                         range: nil, proven: doubt.isEmpty && whole,
                         why: doubt.isEmpty ? "bytes of this connection are missing before it" : doubt,
                         "PUBLISH id \(pid) topic \"\(item.topic)\" re-sent in frame \(r.frame) with DUP=0 on the resumed session of \"\(cid)\": the same message, left unacknowledged on connection #\(prev) (frame \(item.frame)), is a re-delivery",
                         [earlier, left, again, Evidence(.delivery, connection: id, frame: r.frame, topic: item.topic, note: "DUP=0")])
                    continue
                }
                // The client's own re-sends are its business; only the server's are required here.
                guard d == .serverToClient, item.released ? s.state.firstPubrel[k][pid] == nil : true else { continue }
                let what = item.released ? "PUBREL id \(pid)" : "QoS \(item.qos) PUBLISH id \(pid) topic \"\(item.topic)\""
                emit(.sessionResend, id, version: s.version, direction: .serverToClient, index: nil, frames: [ack.frame],
                     time: ack.time, range: nil, proven: late.isEmpty, why: late,
                     "the \(what), left \(item.released ? "uncompleted" : "unacknowledged") when connection #\(prev) of \"\(cid)\" closed (frame \(item.frame)), was not re-sent with its Packet Identifier on the resumed session (Session Present 1, CONNACK frame \(ack.frame)) within the \(graceText)",
                     [earlier, left, again, Evidence(.notDelivered, connection: id, frame: nil, topic: item.topic,
                                                     note: "nothing with id \(pid) until \(Self.secs(Self.nanos(g))) s after the CONNACK")])
            }
        }
        // Queued while away: QoS 1/2 messages matching the session's subscriptions, published
        // between the earlier connection's close and this CONNECT.
        guard let close = ps.endTime, let connect = s.connectTime else { return }
        for l in logged where l.time > close && l.time < connect && l.connection != prev {
            guard s.state.delivered[l.key] == nil else { continue }
            var granted: UInt8 = 0
            var best: Subscription?
            var allNoLocal = true
            for sub in ps.subscriptions {
                guard let gq = sub.granted, gq < 0x80, let at = sub.subackTime, at <= close,
                      sub.unsubscribeTime.map({ $0 > close }) ?? true, !sub.filter.starts(with: Self.sharePrefix),
                      TopicMatch.matches(filter: sub.filter, topic: l.topic) else { continue }
                if !sub.noLocal { allNoLocal = false }
                if best == nil || gq > granted { granted = gq; best = sub }
            }
            guard let sub = best, min(granted, l.qos) > 0 else { continue }
            // 5.0: the publisher's own Client Identifier under No Local; an expired message.
            if ps.version == .v5 && allNoLocal && l.clientID == cid { continue }
            if let e = l.messageExpiry, Self.plus(l.time, Double(e)) < windowEnd { continue }
            var why = late
            if why.isEmpty, !l.complete { why = "the publisher's connection is not captured whole" }
            if why.isEmpty, let f = loggedForgottenUntil, f > close { why = "too many PUBLISHes to remember" }
            let topic = String(decoding: l.topic, as: UTF8.self)
            emit(.sessionQueued, id, version: s.version, direction: .serverToClient, index: nil, frames: [ack.frame],
                 time: ack.time, range: nil, proven: why.isEmpty, why: why,
                 "the QoS \(l.qos) PUBLISH topic \"\(topic)\" (connection #\(l.connection)\(l.clientID.map { " \"\($0)\"" } ?? ""), frame \(l.frame)), published while \"\(cid)\" was disconnected and matching its subscription \"\(String(decoding: sub.filter, as: UTF8.self))\" (granted \(granted)), was not delivered on the resumed session (Session Present 1, CONNACK frame \(ack.frame)) within the \(graceText)",
                 [earlier,
                  Evidence(.subscription, connection: sub.connection, frame: sub.subscribeFrame,
                           filter: String(decoding: sub.filter, as: UTF8.self), note: "granted \(granted)"),
                  Evidence(.publish, connection: l.connection, frame: l.frame, topic: topic, note: "qos=\(l.qos), while disconnected"),
                  again,
                  Evidence(.notDelivered, connection: id, frame: nil, topic: topic,
                           note: "not delivered until \(Self.secs(Self.nanos(g))) s after the CONNACK")])
        }
    }

    // MARK: Will Retain

    /// A published Will (a delivery of its bytes seen after its connection's last packet) and a
    /// subscription made after that: with Will Retain 1 it gets the Will with RETAIN=1 (unless a
    /// retained PUBLISH to the topic replaced it), with Will Retain 0 never as a retained message.
    mutating func judgeWillRetain(captureEnd: Timestamp?) {
        guard !wills.isEmpty else { return }
        let g = grace ?? Self.sessionGrace
        let graceText = graceText(g)
        var perTopic: [String: Int] = [:]
        var all: [(UInt64, Will)] = []
        for (key, ws) in wills {
            for w in ws where w.accepted { perTopic[w.topic, default: 0] += 1; all.append((key, w)) }
        }
        all.sort { $0.1.connectFrame < $1.1.connectFrame }
        let ids = sessions.keys.sorted()
        for (key, w) in all {
            // One Will per topic (another would replace it) and no client publishing the same bytes.
            guard w.discardedFrame == nil, perTopic[w.topic] == 1, publications[key] == nil,
                  let ws = sessions[w.connection],
                  let published = willDeliveries[key]?.first(where: { $0.time >= ws.lastTime }) else { continue }
            let topic = Array(w.topic.utf8)
            let topicHash = Self.hash(topic)
            let willWhole = ws.sawStart && ws.complete
            for oid in ids where oid != w.connection {
                // A subscriber of the same server (a capture may hold several brokers).
                guard let o = sessions[oid], o.server == ws.server, o.clientID == nil || o.clientID != w.clientID else { continue }
                guard let sub = o.subscriptions.first(where: { sub in
                    sub.connection == oid && sub.subscribeTime > published.time && (sub.granted ?? 0xFF) < 0x80
                        && sub.retainHandling == 0 && !sub.filter.starts(with: Self.sharePrefix)
                        && TopicMatch.matches(filter: sub.filter, topic: topic)
                }), let subackTime = sub.subackTime else { continue }
                let windowEnd = Self.plus(subackTime, g)
                // Replaced or cleared by a retained PUBLISH before the subscription; expired.
                if retainedTimes[topicHash]?.contains(where: { $0 > published.time && $0 < subackTime }) ?? false { continue }
                if let e = w.messageExpiry, Self.plus(published.time, Double(e)) < windowEnd { continue }
                let got = willDeliveries[key]?.first { $0.connection == oid && $0.time >= sub.subscribeTime && $0.retain }
                let filter = String(decoding: sub.filter, as: UTF8.self)
                let cidText = w.clientID.map { " \"\($0)\"" } ?? ""
                var chain = [Evidence(.will, connection: w.connection, frame: w.connectFrame, topic: w.topic,
                                      note: "Will Retain \(w.willRetain ? 1 : 0)"),
                             Evidence(.delivery, connection: published.connection, frame: published.frame, topic: w.topic,
                                      note: "the Will published"),
                             Evidence(.subscription, connection: oid, frame: sub.subscribeFrame, filter: filter,
                                      note: "made after it; SUBACK frame \(sub.subackFrame ?? 0)")]
                if w.willRetain, got == nil {
                    var why = willWhole ? "" : "the Will's connection is not captured whole"
                    if why.isEmpty {
                        if !o.sawStart { why = "subscriber #\(oid) was captured mid-stream" }
                        else if let gt = o.gapTime, gt.totalNanoseconds <= windowEnd { why = "bytes of subscriber #\(oid) are missing" }
                        else if let e = o.endTime, e.totalNanoseconds < windowEnd { why = "subscriber #\(oid) closed within the \(graceText) of its SUBACK" }
                        else if o.endTime == nil, captureEnd.map({ $0.totalNanoseconds < windowEnd }) ?? true {
                            why = "the capture ends within the \(graceText) of the SUBACK"
                        } else if retainedForgotten { why = "too many retained PUBLISHes to remember" }
                    }
                    chain.append(Evidence(.notDelivered, connection: oid, frame: nil, topic: w.topic,
                                          note: "no RETAIN=1 copy until \(Self.secs(Self.nanos(g))) s after the SUBACK"))
                    emit(.willRetained, w.connection, version: w.version, direction: .serverToClient, index: nil,
                         frames: [w.connectFrame], time: subackTime, range: nil, proven: why.isEmpty, why: why,
                         "the Will of connection #\(w.connection)\(cidText) (topic \"\(w.topic)\", Will Retain 1, CONNECT frame \(w.connectFrame)), published in frame \(published.frame), is not retained: subscriber #\(oid) (filter \"\(filter)\", SUBSCRIBE frame \(sub.subscribeFrame), after the publication) got no RETAIN=1 copy within the \(graceText) of its SUBACK", chain)
                } else if !w.willRetain, let d = got {
                    chain.append(Evidence(.delivery, connection: oid, frame: d.frame, topic: w.topic, note: "RETAIN=1"))
                    emit(.willNotRetained, w.connection, version: w.version, direction: .serverToClient, index: nil,
                         frames: [w.connectFrame], time: d.time, range: nil,
                         proven: willWhole && o.sawStart && (o.gapTime.map { $0 > d.time } ?? true) && !publicationsForgotten,
                         why: willWhole ? "the subscriber's connection is not captured whole" : "the Will's connection is not captured whole",
                         "the Will of connection #\(w.connection)\(cidText) (topic \"\(w.topic)\", Will Retain 0, CONNECT frame \(w.connectFrame)), published in frame \(published.frame), was kept as a retained message: subscriber #\(oid) (filter \"\(filter)\", SUBSCRIBE frame \(sub.subscribeFrame), after the publication) got it with RETAIN=1 in frame \(d.frame)", chain)
                }
            }
        }
    }
}
