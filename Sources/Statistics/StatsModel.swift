public import WireCore
public import MQTTCodec
public import TCPReassembly

/// How `stats` aggregates: topic roll-up, bounds and the rate bucket width.
public struct StatsOptions: Sendable {
    /// Topics are cut to their first `depth` levels (`a/b/#`); nil keeps whole topics.
    public var depth: Int?
    /// At most this many topics (and as many `$SYS` topics, STOMP destinations) are kept; see `TopicTable`.
    public var maxTopics = 1000
    /// At most this many connections and client ids are listed; the rest are counted.
    public var maxConnections = 10_000
    /// Rate buckets' width in nanoseconds.
    public var interval: Int64 = 1_000_000_000
    /// At most this many rate buckets (a long capture with a short interval keeps its first ones).
    public var maxBuckets = 100_000
    /// Publishes waiting for their deliveries (fan-out matching); the oldest is settled beyond it.
    public var maxPendingPublishes = 65_536
    public init() {}
}

/// Messages and bytes one way.
public struct Traffic: Sendable {
    public var messages: UInt64 = 0
    public var bytes: UInt64 = 0
    public init() {}
    mutating func add(_ n: Int) { messages &+= 1; bytes &+= UInt64(clamping: n) }
    mutating func add(_ o: Traffic) { messages &+= o.messages; bytes &+= o.bytes }
}

/// One topic (or roll-up prefix, or STOMP destination).
public struct TopicStats: Sendable {
    public var name: String
    /// PUBLISH client → broker (SEND for STOMP).
    public var published = Traffic()
    /// PUBLISH broker → client (MESSAGE for STOMP).
    public var delivered = Traffic()
    public var qos: (UInt64, UInt64, UInt64) = (0, 0, 0)
    public var retained: UInt64 = 0
    /// Bit `id` set for each MQTT 5 property identifier seen on this topic's PUBLISH packets.
    public var properties: UInt64 = 0
    public var payload = Distribution(digits: 2, highest: 1 << 16)
    /// Publish → delivery latency of this topic's matched deliveries (ns); nil when none matched.
    public var fanOut: Distribution? { fanOutLatency.count > 0 ? fanOutLatency : nil }
    /// Stored unwrapped: a record through an optional copied the histogram's counts every time.
    var fanOutLatency = Distribution(digits: 2)
    public var expectedDeliveries: UInt64 = 0
    public var matchedDeliveries: UInt64 = 0

    init(name: String) { self.name = name }

    public var messages: UInt64 { published.messages &+ delivered.messages }
}

/// A bounded table of topics keyed by a 64-bit hash of their bytes (no string is made for a topic
/// already in the table). When it holds `limit` entries and a new topic comes, the half with the
/// fewest messages is folded into `other` first, so heavy topics stay listed and totals stay exact.
public struct TopicTable: Sendable {
    public private(set) var entries: [TopicStats] = []
    var index: [UInt64: Int] = [:]
    public private(set) var other = TopicStats(name: "(other)")
    /// Distinct topics folded into `other`.
    public private(set) var otherTopics: UInt64 = 0
    let limit: Int

    init(limit: Int) { self.limit = max(2, limit) }

    /// The entry for `hash`, made with `name()` when new.
    mutating func slot(_ hash: UInt64, name: () -> String) -> Int {
        if let i = index[hash] { return i }
        if entries.count >= limit { compact() }
        entries.append(TopicStats(name: name()))
        index[hash] = entries.count - 1
        return entries.count - 1
    }

    private mutating func compact() {
        let order = entries.indices.sorted { entries[$0].messages > entries[$1].messages }
        var keep = [Bool](repeating: false, count: entries.count)
        for i in order.prefix(limit / 2) { keep[i] = true }
        var kept: [TopicStats] = []
        kept.reserveCapacity(limit)
        // Old index → new index, -1 for a folded topic.
        var remap = [Int](repeating: -1, count: entries.count)
        for i in entries.indices {
            if keep[i] {
                remap[i] = kept.count
                kept.append(entries[i])
            } else {
                let e = entries[i]
                // Counts only: merging each folded topic's histograms cost a pass over their
                // buckets per topic (minutes for a million topics), and `other` shows none.
                other.published.add(e.published)
                other.delivered.add(e.delivered)
                other.qos = (other.qos.0 &+ e.qos.0, other.qos.1 &+ e.qos.1, other.qos.2 &+ e.qos.2)
                other.retained &+= e.retained
                other.expectedDeliveries &+= e.expectedDeliveries
                other.matchedDeliveries &+= e.matchedDeliveries
                otherTopics &+= 1
            }
        }
        var newIndex: [UInt64: Int] = [:]
        newIndex.reserveCapacity(limit)
        for (h, i) in index where remap[i] >= 0 { newIndex[h] = remap[i] }
        entries = kept
        index = newIndex
    }

    subscript(i: Int) -> TopicStats {
        get { entries[i] }
        _modify { yield &entries[i] }
    }

    /// Entries by messages, most first.
    public var sorted: [TopicStats] { entries.sorted { $0.messages != $1.messages ? $0.messages > $1.messages : $0.name < $1.name } }
}

/// Which request/response exchange a latency measures.
public enum Exchange: Int, CaseIterable, Sendable {
    case connect, publishAck, publishRec, pubrecRel, pubrelComp, subscribe, unsubscribe, ping
    case stompReceipt, stompAck

    public var label: String {
        switch self {
        case .connect: "CONNECT→CONNACK"
        case .publishAck: "PUBLISH→PUBACK"
        case .publishRec: "PUBLISH→PUBREC"
        case .pubrecRel: "PUBREC→PUBREL"
        case .pubrelComp: "PUBREL→PUBCOMP"
        case .subscribe: "SUBSCRIBE→SUBACK"
        case .unsubscribe: "UNSUBSCRIBE→UNSUBACK"
        case .ping: "PINGREQ→PINGRESP"
        case .stompReceipt: "STOMP frame→RECEIPT"
        case .stompAck: "STOMP MESSAGE→ACK"
        }
    }
}

/// A latency distribution of one exchange, by who sent the request.
public struct LatencyKey: Hashable, Sendable {
    public var exchange: Exchange
    /// The request's direction: client→broker (the broker answers) or broker→client.
    public var direction: Direction
}

/// One connection as `stats` lists it.
public struct ConnectionStatsRow: Sendable {
    public var id: UInt32
    public var client: Endpoint
    public var server: Endpoint
    public var protocolName: String
    public var clientID: String?
    /// The nth connection of this client id in the capture (1 = first).
    public var connectionOfClient = 0
    /// MQTT packets (STOMP frames) by type, per direction: index type.rawValue + 16·direction.
    public var packets = [UInt64](repeating: 0, count: 32)
    public var stompFramesSent: UInt64 = 0
    public var stompFramesReceived: UInt64 = 0
    public var appBytes: (UInt64, UInt64) = (0, 0)
    public var publishesSent: UInt64 = 0
    public var publishesReceived: UInt64 = 0
    public var firstPublish: Timestamp? = nil
    public var lastPublish: Timestamp? = nil
    public var keepAlive: UInt16? = nil
    public var longestSilence: Int64 = 0
    public var disconnectSent = false
    public var end: CloseReason = .endOfCapture
    public var firstTime = Timestamp.zero
    public var lastTime = Timestamp.zero
    public var tcp = ConnectionStats()
    /// RTT estimates and zero windows (nil when the connection's segments were not followed).
    public var health: TCPHealth? = nil
    public var sawHandshake = false
}
