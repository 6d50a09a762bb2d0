public import WireCore
public import MQTTCodec
public import STOMPCodec
public import TCPReassembly
public import Analysis
public import PacketLayers

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
///
/// Per packet it touches no heap memory in the common case: topics and payloads are keyed by
/// digests of their bytes (a string is made only for a topic new to its table), connections are
/// found in a slab, fan-out expectations are cached per topic until a subscription changes.
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

    /// Open connections: a slab of their states, found by connection ID (the last one found is
    /// remembered: consecutive packets often belong to one connection).
    var conns: [ConnectionState] = []
    var slotOf: [UInt32: Int] = [:]
    var freeSlots: [Int] = []
    var lastID: UInt32 = .max
    var lastSlot = -1
    var subscriptions = SubscriptionIndex()
    /// TCP round trips and zero windows of every connection (`tcpSegment`).
    var tcp = TCPHealthTracker()
    /// The first publishes that called for deliveries, followed delivery by delivery.
    public private(set) var fanOutTraces: [FanOutTrace] = []
    public static let maxFanOutTraces = 16
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
    /// Only typed values are read (the message, subscription entries through their cursor).
    public var wantsFieldTree: Bool { false }
    public var wantsSegments: Bool { true }

    // MARK: TCP

    public mutating func tcpSegment(_ segment: borrowing TCPSegment, payloadLength: Int, time: Timestamp) {
        tcp.segment(segment, payload: payloadLength, time: time)
    }

    /// Round trips over every connection: the handshake (SYN → ACK), and data → its ACK by the
    /// direction of the data (`.0` the client's, acknowledged by the broker).
    public var tcpHandshakeRTT: Distribution { tcp.handshakes }
    public var tcpAckRTT: (clientData: Distribution, brokerData: Distribution) { (tcp.ackRTT.0, tcp.ackRTT.1) }

    /// MQTT packets and STOMP frames count; WebSocket and TLS units are carriers only here.
    public mutating func unit(_ unit: DecodedUnit, bytes: Span<UInt8>, fields: borrowing FieldTree) {
        switch unit {
        case .mqtt(let e): mqttPacket(e, pdu: bytes, fields: fields)
        case .stomp(let e): stompFrame(e, frame: bytes, fields: fields)
        case .webSocket, .tls: break
        }
    }

    // MARK: MQTT

    public mutating func mqttPacket(_ e: MQTTPacketEvent, pdu: Span<UInt8>, fields: borrowing FieldTree) {
        mqttPackets &+= 1
        if captureStart == nil { captureStart = e.captureStart }
        guard let type = e.message.packetType else { return }
        let id = e.connection.id
        let c = slot(e.connection, "mqtt")
        let d = e.direction
        let t = e.time
        let size = e.declaredSize
        conns[c].row.packets[Int(type.rawValue) + (d == .clientToServer ? 0 : 16)] &+= 1
        if d == .clientToServer {
            conns[c].row.appBytes.0 &+= UInt64(clamping: size)
            if let last = conns[c].lastClientPacket {
                conns[c].row.longestSilence = max(conns[c].row.longestSilence, t.totalNanoseconds &- last.totalNanoseconds)
            }
            conns[c].lastClientPacket = t
        } else {
            conns[c].row.appBytes.1 &+= UInt64(clamping: size)
        }
        if conns[c].row.clientID == nil, let cid = e.clientID { conns[c].row.clientID = cid }

        switch e.message {
        case .connect(let m):
            conns[c].row.keepAlive = m.keepAlive
            conns[c].request(.connect, d, 0, t)
        case .connack:
            answer(c, .connect, d.reversed, 0, t)
        case .publish(let p):
            publish(e, p, pdu, c)
        case .puback(let a):
            answer(c, .publishAck, d.reversed, a.packetID, t)
        case .pubrec(let a):
            answer(c, .publishRec, d.reversed, a.packetID, t)
            conns[c].request(.pubrecRel, d, a.packetID, t)
        case .pubrel(let a):
            answer(c, .pubrecRel, d.reversed, a.packetID, t)
            conns[c].request(.pubrelComp, d, a.packetID, t)
        case .pubcomp(let a):
            answer(c, .pubrelComp, d.reversed, a.packetID, t)
        case .subscribe(let s):
            conns[c].request(.subscribe, d, s.packetID, t)
            // Each filter is followed by its options; with No Local (MQTT 5 §3.8.3.1) the
            // subscriber's own publishes are not delivered to it, so they are not expected.
            // (No Local is a 5.0 option; in 3.x that bit is reserved.)
            var filters: [(String, Bool)] = []
            var entries = s.entryCursor()
            while let f = entries.next(pdu) {
                filters.append((Self.string(pdu, f.filter), e.version == .v5 && f.options?.noLocal == true))
            }
            for (f, noLocal) in filters {
                conns[c].filters.removeAll { $0 == f }
                conns[c].filters.append(f)
                if noLocal { conns[c].noLocal.insert(f) } else { conns[c].noLocal.remove(f) }
                subscriptions.subscribe(id, f)
            }
        case .suback(let s):
            answer(c, .subscribe, d.reversed, s.packetID, t)
        case .unsubscribe(let s):
            conns[c].request(.unsubscribe, d, s.packetID, t)
            var filters: [String] = []
            var entries = s.entryCursor()
            while let f = entries.next(pdu) { filters.append(Self.string(pdu, f.filter)) }
            conns[c].filters.removeAll { filters.contains($0) }
            conns[c].noLocal.subtract(filters)
            for f in filters { subscriptions.unsubscribe(id, f) }
        case .unsuback(let s):
            answer(c, .unsubscribe, d.reversed, s.packetID, t)
        case .pingreq:
            conns[c].request(.ping, d, 0, t)
        case .pingresp:
            answer(c, .ping, d.reversed, 0, t)
        case .disconnect:
            if d == .clientToServer { conns[c].row.disconnectSent = true }
        default: break
        }
    }

    private mutating func publish(_ e: MQTTPacketEvent, _ p: MQTTPublish, _ pdu: Span<UInt8>, _ c: Int) {
        let id = e.connection.id
        let d = e.direction
        let t = e.time
        // The topic: the packet's own, or the one its alias stands for (MQTT 5 §3.3.2.3.4).
        var topicHash: UInt64
        var topicRange = p.topic
        var aliasName: String? = nil
        if p.topic.isEmpty, let a = e.aliasTopic {
            aliasName = a
            topicHash = ByteDigest.hash(a.utf8)
            topicRange = ByteRange(0, 0)
        } else {
            guard p.topic.upper <= pdu.count else { return }
            topicHash = ByteDigest.hash(pdu, p.topic)
        }
        let payloadLength = p.payload.upper <= pdu.count ? p.payload.count : max(0, e.declaredSize - p.payload.lower)
        let isSys = aliasName.map { $0.hasPrefix("$") } ?? (topicRange.count > 0 && pdu[topicRange.lower] == UInt8(ascii: "$"))

        // The table entry: the whole topic or its first `depth` levels.
        var keyHash = topicHash
        var keyRange = topicRange
        if let depth = options.depth {
            if let a = aliasName {
                let cut = Self.rollUp(a, depth: depth)
                keyHash = ByteDigest.hash(cut.utf8)
            } else if let end = Self.levelEnd(pdu, topicRange, depth: depth) {
                keyRange = ByteRange(topicRange.lower, end)
                keyHash = ByteDigest.hash(pdu, keyRange) &+ 1
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
        // A string is made only for a topic new to its table.
        func name() -> String {
            if let a = aliasName { return options.depth.map { Self.rollUp(a, depth: $0) } ?? a }
            var name = Self.string(pdu, keyRange)
            if keyRange.upper < topicRange.upper { name += "/#" }
            return name
        }
        if isSys {
            let i = sysTopics.slot(keyHash, name: name)
            update(&sysTopics[i])
        } else {
            let i = topics.slot(keyHash, name: name)
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

        if inbound { conns[c].row.publishesSent &+= 1 } else { conns[c].row.publishesReceived &+= 1 }
        if conns[c].row.firstPublish == nil { conns[c].row.firstPublish = t }
        conns[c].row.lastPublish = t
        if let pid = p.packetID, qos > 0 {
            conns[c].request(qos == 1 ? .publishAck : .publishRec, d, pid, t)
        }

        // Fan-out: match a delivery to its publish by topic and payload digest.
        guard p.payload.upper <= pdu.count else { return }
        let digest = ByteDigest.sampled(pdu, p.payload) ^ (topicHash &* 0x9E37_79B9_7F4A_7C15)
        if inbound {
            fanOut.publishes &+= 1
            let x = subscriptions.expected(pdu, p.topic, alias: aliasName, hash: topicHash, from: id,
                                           noLocal: conns[c].noLocal)
            fanOut.expected &+= UInt64(x.count)
            var p = PendingPublish(digest: digest, time: t, topicKey: keyHash, sys: isSys, expected: x.count,
                                   expectedTo: x.subscribers)
            if x.count > 0 && fanOutTraces.count < Self.maxFanOutTraces {
                p.trace = fanOutTraces.count
                fanOutTraces.append(FanOutTrace(publisher: id, topic: aliasName ?? Self.string(pdu, topicRange), time: t,
                                                expected: x.count))
            }
            if let evicted = pending.add(p) {
                settle(evicted)
                fanOut.evicted &+= 1
            }
        } else {
            guard let (publishTime, dup, trace) = pending.deliver(digest, to: id) else {
                if retain { fanOut.retainedFromStore &+= 1 } else { fanOut.unmatched &+= 1 }
                return
            }
            let ns = UInt64(clamping: t.totalNanoseconds &- publishTime.totalNanoseconds)
            if trace >= 0, fanOutTraces[trace].deliveries.count < SubscriptionIndex.maxListed {
                fanOutTraces[trace].deliveries.append((id, ns, dup))
            }
            if dup { fanOut.duplicates &+= 1; return }
            fanOut.matched &+= 1
            fanOut.latency.record(ns)
            if isSys {
                if let i = sysTopics.index[keyHash] { sysTopics[i].recordFanOut(ns) }
            } else if let i = topics.index[keyHash] {
                topics[i].recordFanOut(ns)
            }
        }
    }

    private mutating func settle(_ p: PendingPublish) {
        let seen = min(p.delivered, p.expected)
        fanOut.notSeen &+= UInt64(p.expected - seen)
        p.missed { missedBySubscriber[$0, default: 0] &+= 1 }
        if p.trace >= 0 { p.missed { fanOutTraces[p.trace].missed.append($0) } }
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
        let c = slot(e.connection, "stomp")
        let s = e.summary
        let t = e.time
        let d = e.direction
        let size = Int(clamping: e.streamRange.count)
        if d == .clientToServer {
            conns[c].row.stompFramesSent &+= 1
            conns[c].row.appBytes.0 &+= UInt64(size)
        } else {
            conns[c].row.stompFramesReceived &+= 1
            conns[c].row.appBytes.1 &+= UInt64(size)
        }
        if let dest = s.destination, dest.upper <= frame.count, s.command == .send || s.command == .message {
            let h = ByteDigest.hash(frame, dest)
            let i = destinations.slot(h) { Self.string(frame, dest) }
            let body = s.body.upper <= frame.count ? s.body.count : 0
            if s.command == .send {
                destinations[i].published.add(body)
                conns[c].row.publishesSent &+= 1
            } else {
                destinations[i].delivered.add(body)
                conns[c].row.publishesReceived &+= 1
            }
            destinations[i].payload.record(UInt64(body))
        }
        // SEND (or any client frame) with `receipt` → RECEIPT with `receipt-id` (STOMP 1.2 "RECEIPT").
        if let r = s.receipt, r.upper <= frame.count, d == .clientToServer {
            conns[c].stompRequest(.stompReceipt, ByteDigest.hash(frame, r), t)
        }
        if s.command == .receipt, let r = s.receiptID, r.upper <= frame.count {
            stompAnswer(c, .stompReceipt, ByteDigest.hash(frame, r), t, requestDirection: d.reversed)
        }
        // MESSAGE → ACK: 1.2 acknowledges the MESSAGE's `ack` header by `id`; 1.0/1.1 its `message-id`.
        if s.command == .message, let r = s.ack ?? s.messageID, r.upper <= frame.count {
            conns[c].stompRequest(.stompAck, ByteDigest.hash(frame, r), t)
        }
        if s.command == .ack || s.command == .nack, let r = s.id ?? s.messageID, r.upper <= frame.count {
            stompAnswer(c, .stompAck, ByteDigest.hash(frame, r), t, requestDirection: d.reversed)
        }
    }

    private mutating func stompAnswer(_ c: Int, _ x: Exchange, _ key: UInt64, _ t: Timestamp, requestDirection: Direction) {
        guard let start = conns[c].stompPending.removeValue(forKey: key ^ UInt64(x.rawValue)) else { return }
        record(x, requestDirection, from: start, to: t)
    }

    // MARK: Connections

    public mutating func connectionFinished(_ s: ConnectionSummary) {
        let health = tcp.finish(client: s.info.client, server: s.info.server)
        guard let k = slotOf.removeValue(forKey: s.info.id) else { return }
        if lastID == s.info.id { lastID = .max; lastSlot = -1 }
        var c = conns[k]
        conns[k] = ConnectionState.freed(c.row)
        freeSlots.append(k)
        for f in c.filters { subscriptions.unsubscribe(s.info.id, f) }
        c.row.end = s.end
        c.row.tcp = s.stats
        c.row.health = health
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

    /// The slab slot of `info`'s connection, made at its first packet.
    private mutating func slot(_ info: ConnectionInfo, _ protocolName: String) -> Int {
        if info.id == lastID { return lastSlot }
        let k: Int
        if let existing = slotOf[info.id] {
            k = existing
        } else {
            let state = ConnectionState(info, protocolName: protocolName)
            if !info.sawHandshake { tcp.roles(client: info.client, server: info.server) }
            if let free = freeSlots.popLast() { conns[free] = state; k = free } else { conns.append(state); k = conns.count - 1 }
            slotOf[info.id] = k
        }
        lastID = info.id
        lastSlot = k
        return k
    }

    private mutating func answer(_ c: Int, _ x: Exchange, _ requestDirection: Direction, _ pid: UInt16, _ t: Timestamp) {
        guard let start = conns[c].pending.removeValue(forKey: ConnectionState.key(x, requestDirection, pid)) else { return }
        record(x, requestDirection, from: start, to: t)
    }

    private mutating func record(_ x: Exchange, _ d: Direction, from start: Timestamp, to end: Timestamp) {
        let ns = UInt64(clamping: end.totalNanoseconds &- start.totalNanoseconds)
        let key = LatencyKey(exchange: x, direction: d)
        latency[key, default: Distribution()].record(ns)
        latencyObserver?(key, ns)
    }

    static func string(_ b: Span<UInt8>, _ r: ByteRange) -> String {
        String(decoding: SubscriptionIndex.bytes(b, r), as: UTF8.self)
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
        fanOutLatency.record(ns)
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

    private init(row: ConnectionStatsRow) { self.row = row }

    /// What a freed slab slot holds (nothing of the connection that left it but its endpoints).
    static func freed(_ row: ConnectionStatsRow) -> ConnectionState {
        ConnectionState(row: ConnectionStatsRow(id: 0, client: row.client, server: row.server, protocolName: ""))
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
