public import WireCore
import MQTTCodec

/// The subscriptions open at a moment, indexed for fan-out accounting: each distinct filter once
/// (its bytes, its `$share` group, its subscribers), and per topic the deliveries a publish on it
/// should cause, cached until a subscription changes (`generation`). Filters are compared with
/// MQTT matching (§4.7) only on a topic's first publish after a change, never per delivery.
struct SubscriptionIndex {
    struct Filter {
        var text: String
        /// What a topic is matched against: the filter itself, or for `$share/GROUP/filter` its
        /// filter part (MQTT 5 §4.8.2).
        var match: [UInt8]
        var shared: Bool
        var valid: Bool
        /// Subscriber connections, sorted.
        var subscribers: [UInt32] = []
    }

    /// What one publish on a topic should cause.
    struct Expectation {
        var generation: UInt64
        /// Deliveries: one per other subscriber connection, one per shared-subscription group.
        var count: Int
        /// The subscriber connections (not shared groups), sorted; empty beyond 64.
        var subscribers: [UInt32]
        /// The matching filters (for No Local adjustments).
        var filters: [Int32]
    }

    var filters: [Filter] = []
    var byText: [String: Int] = [:]
    var freeFilters: [Int] = []
    var generation: UInt64 = 0
    var cache: [UInt64: Expectation] = [:]

    static let maxCached = 65_536
    static let maxListed = 64

    mutating func subscribe(_ id: UInt32, _ filter: String) {
        let i: Int
        if let k = byText[filter] {
            i = k
        } else {
            var bytes = Array(filter.utf8)
            var shared = false, valid = true
            let share = Array("$share/".utf8)
            if bytes.starts(with: share) {
                shared = true
                let rest = bytes.dropFirst(share.count)
                if let slash = rest.firstIndex(of: UInt8(ascii: "/")) { bytes = Array(rest[(slash + 1)...]) } else { valid = false }
            }
            let f = Filter(text: filter, match: bytes, shared: shared, valid: valid)
            if let free = freeFilters.popLast() { filters[free] = f; i = free } else { filters.append(f); i = filters.count - 1 }
            byText[filter] = i
        }
        var s = filters[i].subscribers
        let at = Self.insertionPoint(s, id)
        if at < s.count && s[at] == id { return }
        filters[i].subscribers = []
        s.insert(id, at: at)
        filters[i].subscribers = s
        generation &+= 1
    }

    mutating func unsubscribe(_ id: UInt32, _ filter: String) {
        guard let i = byText[filter] else { return }
        var s = filters[i].subscribers
        let at = Self.insertionPoint(s, id)
        guard at < s.count && s[at] == id else { return }
        filters[i].subscribers = []
        s.remove(at: at)
        filters[i].subscribers = s
        if s.isEmpty {
            byText[filter] = nil
            filters[i].valid = false
            filters[i].match = []
            freeFilters.append(i)
        }
        generation &+= 1
    }

    static func insertionPoint(_ a: [UInt32], _ v: UInt32) -> Int {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The deliveries a publish on `topic` (its bytes, or `alias` when it came through a Topic
    /// Alias) from `publisher` should cause. `noLocal`: the publisher's own No Local filters.
    mutating func expected(_ pdu: Span<UInt8>, _ topic: ByteRange, alias: String?, hash: UInt64, from publisher: UInt32,
                           noLocal: Set<String>) -> Expectation {
        var e: Expectation
        if let c = cache[hash], c.generation == generation {
            e = c
        } else {
            let bytes: [UInt8]
            if let alias { bytes = Array(alias.utf8) } else { bytes = Self.bytes(pdu, topic) }
            var matching: [Int32] = []
            for (i, f) in filters.enumerated() where f.valid && !f.subscribers.isEmpty {
                if TopicMatch.matches(filter: f.match, topic: bytes) { matching.append(Int32(i)) }
            }
            e = Expectation(generation: generation, count: 0, subscribers: [], filters: matching)
            let (subscribers, count) = deliveries(matching, publisher: nil, noLocal: [])
            e.subscribers = subscribers
            e.count = count
            if cache.count >= Self.maxCached { cache.removeAll(keepingCapacity: true) }
            cache[hash] = e
        }
        // With No Local (MQTT 5 §3.8.3.1) the subscriber's own publishes are not delivered to it.
        if !noLocal.isEmpty {
            let (subscribers, count) = deliveries(e.filters, publisher: publisher, noLocal: noLocal)
            e.subscribers = subscribers
            e.count = count
        }
        return e
    }

    private func deliveries(_ matching: [Int32], publisher: UInt32?, noLocal: Set<String>) -> ([UInt32], Int) {
        var groups = 0
        var plain: [UInt32] = []
        for i in matching {
            let f = filters[Int(i)]
            if f.shared { groups += 1; continue }
            for s in f.subscribers where !(s == publisher && noLocal.contains(f.text)) { plain.append(s) }
        }
        if matching.count > 1 {
            plain.sort()
            var unique: [UInt32] = []
            unique.reserveCapacity(plain.count)
            for s in plain where unique.last != s { unique.append(s) }
            plain = unique
        }
        return (plain.count <= Self.maxListed ? plain : [], plain.count + groups)
    }

    static func bytes(_ b: Span<UInt8>, _ r: ByteRange) -> [UInt8] {
        guard r.lower >= 0, r.upper <= b.count, r.lower <= r.upper else { return [] }
        return b.extracting(r.range).withUnsafeBufferPointer { Array($0) }
    }
}

/// A client's PUBLISH waiting for its deliveries.
struct PendingPublish {
    var digest: UInt64
    var time: Timestamp
    var topicKey: UInt64
    var sys: Bool
    var expected: Int
    /// The subscriber connections (not shared groups) expected to receive it, sorted (shared with
    /// the subscription index's cache: no copy per publish).
    var expectedTo: [UInt32]
    /// Bit i: delivered to `expectedTo[i]`.
    var deliveredMask: UInt64 = 0
    /// Deliveries to connections not in `expectedTo` (rare: a subscription not captured).
    var deliveredElsewhere: [UInt32] = []
    var delivered = 0
    /// The sequence number of the next newer pending publish with the same digest, or -1.
    var newerSame = -1
    /// Its entry in `StatsCollector.fanOutTraces`, or -1 (most publishes are not traced).
    var trace = -1

    func wasDelivered(to c: UInt32) -> Bool {
        if let i = index(of: c) { return deliveredMask & (1 << UInt64(i)) != 0 }
        return deliveredElsewhere.contains(c)
    }

    func index(of c: UInt32) -> Int? {
        let i = SubscriptionIndex.insertionPoint(expectedTo, c)
        return i < expectedTo.count && expectedTo[i] == c ? i : nil
    }

    mutating func markDelivered(to c: UInt32) {
        delivered += 1
        if let i = index(of: c) { deliveredMask |= 1 << UInt64(i) } else { deliveredElsewhere.append(c) }
    }

    /// The expected subscribers it was not delivered to.
    func missed(_ body: (UInt32) -> Void) {
        for (i, s) in expectedTo.enumerated() where deliveredMask & (1 << UInt64(i)) == 0 { body(s) }
    }
}

/// A ring of the most recent publishes, found by digest. Bounded: the oldest is settled when full.
/// Publishes of one digest are chained oldest to newest through the ring (no list per digest).
struct PendingPublishes {
    /// Grows to `capacity` as publishes come (a capture of a few publishes allocates a few), then
    /// wraps. Slot of sequence number s: s % capacity.
    var ring: [PendingPublish] = []
    var live: [Bool] = []
    let capacity: Int
    var head = 0      // sequence number of the oldest
    var tail = 0      // next sequence number
    /// Digest → sequence numbers of its oldest and newest pending publish.
    var byDigest: [UInt64: (oldest: Int, newest: Int)] = [:]

    init(capacity: Int) {
        self.capacity = capacity
        byDigest.reserveCapacity(min(capacity, 4096))
    }

    /// Adds `p`; returns the publish it evicted, if the ring was full.
    mutating func add(_ p: PendingPublish) -> PendingPublish? {
        var evicted: PendingPublish? = nil
        if tail - head == capacity { evicted = removeOldest() }
        let i = tail % capacity
        if i == ring.count {
            ring.append(p)
            live.append(true)
        } else {
            ring[i] = p
            live[i] = true
        }
        if let chain = byDigest[p.digest] {
            ring[chain.newest % capacity].newerSame = tail
            byDigest[p.digest] = (chain.oldest, tail)
        } else {
            byDigest[p.digest] = (tail, tail)
        }
        tail += 1
        return evicted
    }

    mutating func removeOldest() -> PendingPublish? {
        guard head < tail else { return nil }
        let i = head % capacity
        let p = ring[i]
        live[i] = false
        ring[i].expectedTo = []
        ring[i].deliveredElsewhere = []
        // The oldest publish overall is the oldest of its digest.
        if p.newerSame >= 0 {
            byDigest[p.digest]?.oldest = p.newerSame
        } else {
            byDigest[p.digest] = nil
        }
        head += 1
        return p
    }

    /// Matches a delivery of `digest` to connection `to`: the oldest publish of it not yet
    /// delivered there; if every one was, a duplicate of the newest.
    mutating func deliver(_ digest: UInt64, to: UInt32) -> (time: Timestamp, duplicate: Bool, trace: Int)? {
        guard let chain = byDigest[digest] else { return nil }
        var s = chain.oldest
        while s >= 0 {
            let i = s % capacity
            if !ring[i].wasDelivered(to: to) {
                ring[i].markDelivered(to: to)
                return (ring[i].time, false, ring[i].trace)
            }
            s = ring[i].newerSame
        }
        let newest = ring[chain.newest % capacity]
        return (newest.time, true, newest.trace)
    }
}

/// One publish and where it went, for the report's fan-out view: the first `maxFanOutTraces`
/// publishes that called for deliveries are followed delivery by delivery.
public struct FanOutTrace: Sendable {
    public var publisher: UInt32
    public var topic: String
    public var time: Timestamp
    /// Deliveries the subscriptions open at the publish called for.
    public var expected: Int
    /// Each delivery seen: the subscriber's connection and the time since the publish (ns);
    /// `duplicate` when that subscriber had received it already.
    public var deliveries: [(connection: UInt32, latency: UInt64, duplicate: Bool)] = []
    /// Subscriber connections whose expected delivery was not seen (known once it is settled).
    public var missed: [UInt32] = []
}
