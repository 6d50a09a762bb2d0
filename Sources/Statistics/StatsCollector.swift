public import WireCore
public import MQTTCodec
public import STOMPCodec
public import TCPReassembly
public import Analysis

/// Message and byte counts of one `--interval` bucket.
public struct RateBucket: Sendable {
    public var published = Traffic()
    public var delivered = Traffic()
}

/// What fan-out matching found over the whole capture (MQTT).
public struct FanOutTotals: Sendable {
    /// Publishes from clients whose deliveries were looked for.
    public var publishes: UInt64 = 0
    /// Deliveries (broker → client PUBLISH) matched to a captured publish (same topic and payload).
    public var matched: UInt64 = 0
    /// Deliveries with no captured publish: retained messages from the broker's store (retain set),
    /// or messages whose publisher was not captured.
    public var retainedFromStore: UInt64 = 0
    public var unmatched: UInt64 = 0
    /// A subscriber that received the same publish more than once (overlapping subscriptions, DUP).
    public var duplicates: UInt64 = 0
    /// Deliveries expected from the subscriptions open at publish time (one per subscriber
    /// connection, one per shared-subscription group), and those of them not seen.
    public var expected: UInt64 = 0
    public var notSeen: UInt64 = 0
    /// Publishes settled early because `maxPendingPublishes` were waiting.
    public var evicted: UInt64 = 0
    public var latency = Distribution()
}

/// The `stats` sink: consumes MQTT packet events, STOMP frame events and connection summaries and
/// aggregates them in bounded memory. One per capture file.
public struct StatsCollector: AnalysisSink {
    public let options: StatsOptions
    public private(set) var topics: TopicTable
    public private(set) var sysTopics: TopicTable
    public private(set) var destinations: TopicTable
    public private(set) var latency: [LatencyKey: Distribution] = [:]
    public private(set) var fanOut = FanOutTotals()
    public private(set) var rates: [RateBucket] = []
    public private(set) var ratesDropped: UInt64 = 0
    public private(set) var connections: [ConnectionStatsRow] = []
    public private(set) var connectionsNotListed: UInt64 = 0
    /// Client id → connections made with it (reconnects are the ones after the first).
    public private(set) var clients: [String: Int] = [:]
    public private(set) var clientsNotListed: UInt64 = 0
    public private(set) var mqttPackets: UInt64 = 0
    public private(set) var stompFrames: UInt64 = 0
    public private(set) var captureStart: Timestamp? = nil

    /// Called with each latency as it is measured (`live --metrics` feeds its histograms so).
    public var latencyObserver: (@Sendable (LatencyKey, UInt64) -> Void)? = nil

    var open: [UInt32: ConnectionState] = [:]
    /// Topic filter → the open connections subscribed with it; a topic's matching filters are
    /// cached until a filter appears or disappears (not on every subscription: clients come and go).
    var subscribersByFilter: [String: Set<UInt32>] = [:]
    var filterGeneration: UInt64 = 0
    var expectedCache: [UInt64: (generation: UInt64, filters: [String])] = [:]
    /// Subscriber connection → expected deliveries not seen (by connection ID).
    public private(set) var missedBySubscriber: [UInt32: UInt64] = [:]
    var pending: PendingPublishes

    public init(options: StatsOptions) {
        self.options = options
        topics = TopicTable(limit: options.maxTopics)
        sysTopics = TopicTable(limit: options.maxTopics)
        destinations = TopicTable(limit: options.maxTopics)
        pending = PendingPublishes(capacity: max(16, options.maxPendingPublishes))
    }

    public var wantsOverlapConflicts: Bool { false }

    // MARK: MQTT

    public mutating func mqttPacket(_ e: MQTTPacketEvent, pdu: Span<UInt8>, fields: borrowing FieldTree) {
        mqttPackets &+= 1
        if captureStart == nil { captureStart = e.captureStart }
        guard let type = e.message.packetType else { return }
        let id = e.connection.id
        if open[id] == nil { open[id] = ConnectionState(e.connection, protocolName: "mqtt") }
        let d = e.direction
        let t = e.time
        let size = e.declaredSize
        withConnection(id) { c in
            c.row.packets[Int(type.rawValue) + (d == .clientToServer ? 0 : 16)] &+= 1
            if d == .clientToServer {
                c.row.appBytes.0 &+= UInt64(clamping: size)
                if let last = c.lastClientPacket { c.row.longestSilence = max(c.row.longestSilence, t.totalNanoseconds &- last.totalNanoseconds) }
                c.lastClientPacket = t
            } else {
                c.row.appBytes.1 &+= UInt64(clamping: size)
            }
            if c.row.clientID == nil, let cid = e.clientID { c.row.clientID = cid }
        }

        switch e.message {
        case .connect(let m):
            withConnection(id) { c in
                c.row.keepAlive = m.keepAlive
                c.request(.connect, d, 0, t)
            }
        case .connack:
            answer(id, .connect, d.reversed, 0, t)
        case .publish(let p):
            publish(e, p, pdu)
        case .puback(let a):
            answer(id, .publishAck, d.reversed, a.packetID, t)
        case .pubrec(let a):
            answer(id, .publishRec, d.reversed, a.packetID, t)
            withConnection(id) { $0.request(.pubrecRel, d, a.packetID, t) }
        case .pubrel(let a):
            answer(id, .pubrecRel, d.reversed, a.packetID, t)
            withConnection(id) { $0.request(.pubrelComp, d, a.packetID, t) }
        case .pubcomp(let a):
            answer(id, .pubrelComp, d.reversed, a.packetID, t)
        case .subscribe(let s):
            withConnection(id) { $0.request(.subscribe, d, s.packetID, t) }
            // Each filter is followed by its options; with No Local (MQTT 5 §3.8.3.1) the
            // subscriber's own publishes are not delivered to it, so they are not expected.
            var filters: [(String, Bool)] = []
            for n in fields.nodes {
                if n.field == MQTTField.subscribeTopicFilter.id, case .text(let r, _) = n.value, r.upper <= pdu.count {
                    filters.append((Self.string(pdu, r), false))
                } else if n.field == MQTTField.subscribeOptionsNoLocal.id, !filters.isEmpty {
                    switch n.value {
                    case .bool(true): filters[filters.count - 1].1 = true
                    case .uint(let v) where v != 0: filters[filters.count - 1].1 = true
                    default: break
                    }
                }
            }
            withConnection(id) { c in
                for (f, noLocal) in filters {
                    c.filters.removeAll { $0 == f }
                    c.filters.append(f)
                    if noLocal { c.noLocal.insert(f) } else { c.noLocal.remove(f) }
                }
            }
            for (f, _) in filters { subscribe(id, f) }
        case .suback(let s):
            answer(id, .subscribe, d.reversed, s.packetID, t)
        case .unsubscribe(let s):
            withConnection(id) { $0.request(.unsubscribe, d, s.packetID, t) }
            var filters: [String] = []
            for n in fields.nodes where n.field == MQTTField.unsubscribeTopicFilter.id {
                if case .text(let r, _) = n.value, r.upper <= pdu.count { filters.append(Self.string(pdu, r)) }
            }
            withConnection(id) { c in c.filters.removeAll { filters.contains($0) }; c.noLocal.subtract(filters) }
            for f in filters { unsubscribe(id, f) }
        case .unsuback(let s):
            answer(id, .unsubscribe, d.reversed, s.packetID, t)
        case .pingreq:
            withConnection(id) { $0.request(.ping, d, 0, t) }
        case .pingresp:
            answer(id, .ping, d.reversed, 0, t)
        case .disconnect:
            if d == .clientToServer { withConnection(id) { $0.row.disconnectSent = true } }
        default: break
        }
    }

    private mutating func publish(_ e: MQTTPacketEvent, _ p: MQTTPublish, _ pdu: Span<UInt8>) {
        let id = e.connection.id
        let d = e.direction
        let t = e.time
        // The topic: the packet's own, or the one its alias stands for (MQTT 5 §3.3.2.3.4).
        var topicHash: UInt64
        var topicRange = p.topic
        var aliasName: String? = nil
        if p.topic.isEmpty, let a = e.aliasTopic {
            aliasName = a
            topicHash = Self.fnv(a.utf8)
            topicRange = ByteRange(0, 0)
        } else {
            guard p.topic.upper <= pdu.count else { return }
            topicHash = Self.fnv(pdu, p.topic)
        }
        let payloadLength = p.payload.upper <= pdu.count ? p.payload.count : max(0, e.declaredSize - p.payload.lower)
        let isSys = aliasName.map { $0.hasPrefix("$") } ?? (topicRange.count > 0 && pdu[topicRange.lower] == UInt8(ascii: "$"))

        // The table entry: the whole topic or its first `depth` levels.
        var keyHash = topicHash
        var keyRange = topicRange
        if let depth = options.depth {
            if let a = aliasName {
                let cut = Self.rollUp(a, depth: depth)
                keyHash = Self.fnv(cut.utf8)
            } else if let end = Self.levelEnd(pdu, topicRange, depth: depth) {
                keyRange = ByteRange(topicRange.lower, end)
                keyHash = Self.fnv(pdu, keyRange) &+ 1
            }
        }
        // A string is made only for a topic new to its table.
        let known = isSys ? sysTopics.index[keyHash] != nil : topics.index[keyHash] != nil
        var name = ""
        if !known {
            if let a = aliasName { name = options.depth.map { Self.rollUp(a, depth: $0) } ?? a }
            else {
                name = Self.string(pdu, keyRange)
                if keyRange.upper < topicRange.upper { name += "/#" }
            }
        }
        let props = p.properties.present
        let qos = p.qos
        let retain = p.retain
        let inbound = d == .clientToServer
        func update(_ s: inout TopicStats) {
            if inbound { s.published.add(payloadLength) } else { s.delivered.add(payloadLength) }
            switch qos { case 0: s.qos.0 &+= 1; case 1: s.qos.1 &+= 1; default: s.qos.2 &+= 1 }
            if retain { s.retained &+= 1 }
            s.properties |= props
            s.payload.record(UInt64(payloadLength))
        }
        if isSys {
            let i = sysTopics.slot(keyHash) { name }
            update(&sysTopics[i])
        } else {
            let i = topics.slot(keyHash) { name }
            update(&topics[i])
        }

        // Rates over time.
        let start = e.captureStart.totalNanoseconds
        let b = (t.totalNanoseconds &- start) / max(1, options.interval)
        if b >= 0 && b < options.maxBuckets {
            let bi = Int(b)
            if rates.count <= bi { rates.append(contentsOf: repeatElement(RateBucket(), count: bi + 1 - rates.count)) }
            if inbound { rates[bi].published.add(payloadLength) } else { rates[bi].delivered.add(payloadLength) }
        } else {
            ratesDropped &+= 1
        }

        withConnection(id) { c in
            if inbound { c.row.publishesSent &+= 1 } else { c.row.publishesReceived &+= 1 }
            if c.row.firstPublish == nil { c.row.firstPublish = t }
            c.row.lastPublish = t
            if let pid = p.packetID, qos > 0 {
                c.request(qos == 1 ? .publishAck : .publishRec, d, pid, t)
            }
        }

        // Fan-out: match a delivery to its publish by topic and payload digest.
        guard p.payload.upper <= pdu.count else { return }
        let digest = Self.fnv(pdu, p.payload) ^ (topicHash &* 0x9E37_79B9_7F4A_7C15)
        if inbound {
            fanOut.publishes &+= 1
            let topic = aliasName ?? Self.string(pdu, p.topic)
            let (subscribers, expected) = expectedDeliveries(topic, hash: topicHash, from: id)
            fanOut.expected &+= UInt64(expected)
            if let evicted = pending.add(PendingPublish(digest: digest, time: t, topicKey: keyHash, sys: isSys,
                                                        expected: expected, expectedTo: subscribers)) {
                settle(evicted)
                fanOut.evicted &+= 1
            }
        } else {
            guard let (slot, publishTime, dup) = pending.deliver(digest, to: id) else {
                if retain { fanOut.retainedFromStore &+= 1 } else { fanOut.unmatched &+= 1 }
                return
            }
            if dup { fanOut.duplicates &+= 1; return }
            _ = slot
            let ns = UInt64(clamping: t.totalNanoseconds &- publishTime.totalNanoseconds)
            fanOut.matched &+= 1
            fanOut.latency.record(ns)
            if isSys {
                if let i = sysTopics.index[keyHash] { sysTopics[i].recordFanOut(ns) }
            } else if let i = topics.index[keyHash] {
                topics[i].recordFanOut(ns)
            }
        }
    }

    private mutating func subscribe(_ id: UInt32, _ filter: String) {
        if subscribersByFilter[filter] == nil { filterGeneration &+= 1 }
        subscribersByFilter[filter, default: []].insert(id)
    }

    private mutating func unsubscribe(_ id: UInt32, _ filter: String) {
        guard subscribersByFilter[filter]?.remove(id) != nil else { return }
        if subscribersByFilter[filter]?.isEmpty == true {
            subscribersByFilter[filter] = nil
            filterGeneration &+= 1
        }
    }

    /// Deliveries a publish on `topic` should cause: one per other connection with a matching
    /// subscription, one per shared-subscription group (`$share/GROUP/filter`, MQTT 5 §4.8.2). The
    /// subscribers are listed (for per-subscriber accounting) when there are at most 64.
    private mutating func expectedDeliveries(_ topic: String, hash: UInt64, from publisher: UInt32) -> (subscribers: [UInt32], count: Int) {
        let matching: [String]
        if let c = expectedCache[hash], c.generation == filterGeneration {
            matching = c.filters
        } else {
            matching = subscribersByFilter.keys.filter { f in
                if f.hasPrefix("$share/") {
                    let parts = f.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
                    return parts.count == 3 && TopicMatch.matches(filter: String(parts[2]), topic: topic)
                }
                return TopicMatch.matches(filter: f, topic: topic)
            }
            if expectedCache.count > 65_536 { expectedCache.removeAll(keepingCapacity: true) }
            expectedCache[hash] = (filterGeneration, matching)
        }
        var groups: Set<Substring> = []
        var plain: Set<UInt32> = []
        let publisherNoLocal = open[publisher]?.noLocal ?? []
        for f in matching {
            guard let subs = subscribersByFilter[f] else { continue }
            if f.hasPrefix("$share/") {
                groups.insert(Substring(f))   // group and filter together name the shared subscription
            } else if !publisherNoLocal.contains(f) || !subs.contains(publisher) {
                plain.formUnion(subs)
            } else {
                plain.formUnion(subs.subtracting([publisher]))
            }
        }
        let listed = plain.count <= 64 ? plain.sorted() : []
        return (listed, plain.count + groups.count)
    }

    private mutating func settle(_ p: PendingPublish) {
        let seen = min(p.delivered, p.expected)
        fanOut.notSeen &+= UInt64(p.expected - seen)
        for s in p.expectedTo where !p.deliveredTo.contains(s) { missedBySubscriber[s, default: 0] &+= 1 }
        func account(_ s: inout TopicStats) {
            s.expectedDeliveries &+= UInt64(p.expected)
            s.matchedDeliveries &+= UInt64(seen)
        }
        if p.sys {
            if let i = sysTopics.index[p.topicKey] { account(&sysTopics[i]) }
        } else if let i = topics.index[p.topicKey] {
            account(&topics[i])
        }
    }

    // MARK: STOMP

    public mutating func stompFrame(_ e: STOMPFrameEvent, frame: Span<UInt8>, fields: borrowing FieldTree) {
        guard !e.isHeartBeat else { return }
        stompFrames &+= 1
        if captureStart == nil { captureStart = e.captureStart }
        let id = e.connection.id
        if open[id] == nil { open[id] = ConnectionState(e.connection, protocolName: "stomp") }
        let s = e.summary
        let t = e.time
        let d = e.direction
        let size = Int(clamping: e.streamRange.count)
        withConnection(id) { c in
            if d == .clientToServer {
                c.row.stompFramesSent &+= 1
                c.row.appBytes.0 &+= UInt64(size)
            } else {
                c.row.stompFramesReceived &+= 1
                c.row.appBytes.1 &+= UInt64(size)
            }
        }
        if let dest = s.destination, dest.upper <= frame.count, s.command == .send || s.command == .message {
            let h = Self.fnv(frame, dest)
            let i = destinations.slot(h) { Self.string(frame, dest) }
            let body = s.body.upper <= frame.count ? s.body.count : 0
            if s.command == .send {
                destinations[i].published.add(body)
                withConnection(id) { $0.row.publishesSent &+= 1 }
            } else {
                destinations[i].delivered.add(body)
                withConnection(id) { $0.row.publishesReceived &+= 1 }
            }
            destinations[i].payload.record(UInt64(body))
        }
        // SEND (or any client frame) with `receipt` → RECEIPT with `receipt-id` (STOMP 1.2 "RECEIPT").
        if let r = s.receipt, r.upper <= frame.count, d == .clientToServer {
            let key = Self.fnv(frame, r)
            withConnection(id) { $0.stompRequest(.stompReceipt, key, t) }
        }
        if s.command == .receipt, let r = s.receiptID, r.upper <= frame.count {
            stompAnswer(id, .stompReceipt, Self.fnv(frame, r), t, requestDirection: d.reversed)
        }
        // MESSAGE → ACK: 1.2 acknowledges the MESSAGE's `ack` header by `id`; 1.0/1.1 its `message-id`.
        if s.command == .message, let r = s.ack ?? s.messageID, r.upper <= frame.count {
            withConnection(id) { $0.stompRequest(.stompAck, Self.fnv(frame, r), t) }
        }
        if s.command == .ack || s.command == .nack, let r = s.id ?? s.messageID, r.upper <= frame.count {
            stompAnswer(id, .stompAck, Self.fnv(frame, r), t, requestDirection: d.reversed)
        }
    }

    private mutating func stompAnswer(_ id: UInt32, _ x: Exchange, _ key: UInt64, _ t: Timestamp, requestDirection: Direction) {
        guard let start = open[id]?.stompPending.removeValue(forKey: key ^ UInt64(x.rawValue)) else { return }
        record(x, requestDirection, from: start, to: t)
    }

    // MARK: Connections

    public mutating func connectionFinished(_ s: ConnectionSummary) {
        guard var c = open.removeValue(forKey: s.info.id) else { return }
        for f in c.filters { unsubscribe(s.info.id, f) }
        c.row.end = s.end
        c.row.tcp = s.stats
        c.row.firstTime = s.stats.firstTime
        c.row.lastTime = s.stats.lastTime
        c.row.protocolName = s.protocolName
        if c.row.clientID == nil { c.row.clientID = s.clientID }
        if let cid = c.row.clientID {
            if let n = clients[cid] {
                clients[cid] = n + 1
                c.row.connectionOfClient = n + 1
            } else if clients.count < options.maxConnections {
                clients[cid] = 1
                c.row.connectionOfClient = 1
            } else {
                clientsNotListed &+= 1
            }
        }
        if connections.count < options.maxConnections { connections.append(c.row) } else { connectionsNotListed &+= 1 }
    }

    /// Call once the file is read: publishes still waiting are settled.
    public mutating func finish() {
        while let p = pending.removeOldest() { settle(p) }
        connections.sort { $0.id < $1.id }
    }

    // MARK: Helpers

    private mutating func withConnection(_ id: UInt32, _ body: (inout ConnectionState) -> Void) {
        guard open[id] != nil else { return }
        body(&open[id]!)
    }

    private mutating func answer(_ id: UInt32, _ x: Exchange, _ requestDirection: Direction, _ pid: UInt16, _ t: Timestamp) {
        guard let start = open[id]?.pending.removeValue(forKey: ConnectionState.key(x, requestDirection, pid)) else { return }
        record(x, requestDirection, from: start, to: t)
    }

    private mutating func record(_ x: Exchange, _ d: Direction, from start: Timestamp, to end: Timestamp) {
        let ns = UInt64(clamping: end.totalNanoseconds &- start.totalNanoseconds)
        let key = LatencyKey(exchange: x, direction: d)
        latency[key, default: Distribution()].record(ns)
        latencyObserver?(key, ns)
    }

    static func string(_ b: Span<UInt8>, _ r: ByteRange) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(r.count)
        var i = r.lower
        while i < r.upper { bytes.append(b[i]); i += 1 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// FNV-1a, 64 bits.
    static func fnv(_ b: Span<UInt8>, _ r: ByteRange) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = r.lower
        while i < r.upper {
            h = (h ^ UInt64(b[i])) &* 0x100_0000_01b3
            i += 1
        }
        return h
    }

    static func fnv<S: Sequence<UInt8>>(_ bytes: S) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for x in bytes { h = (h ^ UInt64(x)) &* 0x100_0000_01b3 }
        return h
    }

    /// Where the first `depth` levels of the topic in `r` end, if it has more.
    static func levelEnd(_ b: Span<UInt8>, _ r: ByteRange, depth: Int) -> Int? {
        var levels = 0
        var i = r.lower
        while i < r.upper {
            if b[i] == UInt8(ascii: "/") {
                levels += 1
                if levels == depth { return i }
            }
            i += 1
        }
        return nil
    }

    static func rollUp(_ topic: String, depth: Int) -> String {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count > depth else { return topic }
        return parts.prefix(depth).joined(separator: "/") + "/#"
    }
}

extension TopicStats {
    mutating func recordFanOut(_ ns: UInt64) {
        if fanOut == nil { fanOut = Distribution(digits: 2) }
        fanOut!.record(ns)
    }
}

/// One connection's state while it is open.
struct ConnectionState {
    var row: ConnectionStatsRow
    /// Requests waiting for their answer: exchange, direction and packet id → request time.
    var pending: [UInt32: Timestamp] = [:]
    var stompPending: [UInt64: Timestamp] = [:]
    /// Topic filters subscribed to (and not unsubscribed), for fan-out accounting.
    var filters: [String] = []
    var noLocal: Set<String> = []
    var lastClientPacket: Timestamp? = nil

    /// Requests waiting per connection beyond this are not timed (a peer that never answers).
    static let maxPending = 65_536

    init(_ info: ConnectionInfo, protocolName: String) {
        row = ConnectionStatsRow(id: info.id, client: info.client, server: info.server, protocolName: protocolName)
        row.sawHandshake = info.sawHandshake
    }

    static func key(_ x: Exchange, _ d: Direction, _ pid: UInt16) -> UInt32 {
        UInt32(x.rawValue) << 24 | UInt32(d.rawValue) << 16 | UInt32(pid)
    }

    mutating func request(_ x: Exchange, _ d: Direction, _ pid: UInt16, _ t: Timestamp) {
        guard pending.count < Self.maxPending else { return }
        pending[Self.key(x, d, pid)] = t
    }

    mutating func stompRequest(_ x: Exchange, _ key: UInt64, _ t: Timestamp) {
        guard stompPending.count < Self.maxPending else { return }
        stompPending[key ^ UInt64(x.rawValue)] = t
    }
}

/// A client's PUBLISH waiting for its deliveries.
struct PendingPublish {
    var digest: UInt64
    var time: Timestamp
    var topicKey: UInt64
    var sys: Bool
    var expected: Int
    /// The subscriber connections (not shared groups) expected to receive it.
    var expectedTo: [UInt32]
    var delivered = 0
    var deliveredTo: [UInt32] = []
}

/// A ring of the most recent publishes, found by digest. Bounded: the oldest is settled when full.
struct PendingPublishes {
    var ring: [PendingPublish?]
    var head = 0      // sequence number of the oldest
    var tail = 0      // next sequence number
    var byDigest: [UInt64: [Int]] = [:]

    init(capacity: Int) { ring = Array(repeating: nil, count: capacity) }

    /// Adds `p`; returns the publish it evicted, if the ring was full.
    mutating func add(_ p: PendingPublish) -> PendingPublish? {
        var evicted: PendingPublish? = nil
        if tail - head == ring.count { evicted = removeOldest() }
        ring[tail % ring.count] = p
        byDigest[p.digest, default: []].append(tail)
        tail += 1
        return evicted
    }

    mutating func removeOldest() -> PendingPublish? {
        guard head < tail else { return nil }
        let p = ring[head % ring.count]
        ring[head % ring.count] = nil
        if let p {
            byDigest[p.digest]?.removeAll { $0 == head }
            if byDigest[p.digest]?.isEmpty == true { byDigest[p.digest] = nil }
        }
        head += 1
        return p
    }

    /// Matches a delivery of `digest` to connection `to`: the oldest publish of it not yet
    /// delivered there; if every one was, a duplicate of the newest.
    mutating func deliver(_ digest: UInt64, to: UInt32) -> (Int, Timestamp, Bool)? {
        guard let seqs = byDigest[digest], !seqs.isEmpty else { return nil }
        for s in seqs {
            let i = s % ring.count
            guard var p = ring[i] else { continue }
            if !p.deliveredTo.contains(to) {
                p.deliveredTo.append(to)
                p.delivered += 1
                ring[i] = p
                return (s, p.time, false)
            }
        }
        let s = seqs[seqs.count - 1]
        return (s, ring[s % ring.count]?.time ?? .zero, true)
    }
}
