import WireCore

/// A connection's 4-tuple in canonical order, so both directions find the same entry.
public struct FlowKey: Hashable, Sendable {
    public var low: Endpoint
    public var high: Endpoint

    public init(_ a: Endpoint, _ b: Endpoint) {
        if b < a {
            low = b
            high = a
        } else {
            low = a
            high = b
        }
    }

    /// One pre-mixed word instead of the ten fields' worth of hasher rounds the derived
    /// conformance would feed (this lookup runs once per segment); equality still compares all.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(mixed)
    }

    /// The fields mixed into one word (also the `SlotIndex` hash; its low 32 bits are spread well).
    public var mixed: UInt64 {
        var h = low.address.high &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ low.address.low) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ high.address.high) &* 0x94D0_49BB_1331_11EB
        h = (h ^ high.address.low) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(low.port) << 16 | UInt64(high.port) | (low.address.isV6 ? 1 << 40 : 0)
        return h ^ (h >> 29)
    }
}

/// The live connections, in reusable slots, plus a small tombstone per recently closed 4-tuple so
/// that its stray trailing segments (the last ACK, a retransmitted FIN, an RST after FIN) do not open
/// a phantom mid-stream connection. Tombstones expire after `tombstoneNanoseconds` of capture time;
/// a SYN on a tombstoned 4-tuple opens a new connection at once.
///
/// Per-segment work does not depend on how many connections are open:
/// - tombstones expire from a queue in the order they were made, not by a scan of all;
/// - the once-per-second sweep visits only the `watched` connections (those holding out-of-order
///   bytes, an acknowledged hole or both FINs), not every live one;
/// - two recency lists (connections that never carried payload, and the others), each ordered by the
///   last segment seen, give the oldest idle connection in O(1): evicted first at the connection cap,
///   and expired from the head at the idle timeouts.
struct ConnectionTable {
    static let tombstoneNanoseconds: Int64 = 120_000_000_000
    /// Recency list of connections that never carried payload (half-open, handshake only) / the rest.
    static let quiet = 0, active = 1

    private(set) var index = SlotIndex()
    var slots: [Connection] = []
    private var live: [Bool] = []
    private var freeSlots: [Int] = []
    private var tombstones: [FlowKey: Timestamp] = [:]
    /// Tombstones in the order they were made (capture time); stale entries (the key reopened or
    /// tombstoned again since) are skipped when they reach the front.
    private var tombstoneQueue: [(key: FlowKey, time: Timestamp)] = []
    private var tombstoneQueueHead = 0
    /// Tombstones kept at most (the connection cap): past it the oldest is forgotten first, so that
    /// a flood of connections closed within the expiry (evicted SYNs) keeps memory bounded.
    var tombstoneLimit = Int.max
    /// False once the capture ended: closing everything then leaves no tombstone.
    var keepsTombstones = true
    /// Slots the sweep must visit (may hold slots that no longer need it; the sweep prunes them).
    private(set) var watched: [Int] = []
    private var isWatched: [Bool] = []
    /// Doubly linked recency lists over slots (-1 ends); `list[slot]` says which list holds it.
    private var previous: [Int32] = []
    private var following: [Int32] = []
    private var list: [UInt8] = []
    private var heads: (Int32, Int32) = (-1, -1)
    private var tails: (Int32, Int32) = (-1, -1)
    /// The last key looked up and its slot: segments come in runs per connection (a request and its
    /// reply, a packet split over segments), so this saves most hash lookups. Cleared on removal.
    private var lastKey: FlowKey?
    private var lastSlot = 0

    var liveCount: Int { index.count }
    var tombstoneCount: Int { tombstones.count }

    mutating func slot(for key: FlowKey) -> Int? {
        if let lastKey, lastKey == key { return lastSlot }
        guard let slot = index.find(hash: key.mixed, matches: { slots[$0].key == key }) else { return nil }
        lastKey = key
        lastSlot = slot
        return slot
    }
    func isTombstoned(_ key: FlowKey) -> Bool { tombstones[key] != nil }
    func isLive(_ slot: Int) -> Bool { live[slot] }

    /// Adds a live connection; returns its slot.
    mutating func insert(_ connection: Connection) -> Int {
        if !tombstones.isEmpty { tombstones.removeValue(forKey: connection.key) }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = connection
            live[slot] = true
        } else {
            slot = slots.count
            slots.append(connection)
            live.append(true)
            isWatched.append(false)
            previous.append(-1)
            following.append(-1)
            list.append(0)
        }
        index.insert(slot: slot, hash: connection.key.mixed)
        link(slot, into: Self.quiet)
        return slot
    }

    /// Removes a closed connection, leaving a tombstone for its 4-tuple.
    mutating func remove(_ slot: Int, time: Timestamp) {
        let key = slots[slot].key
        index.remove(slot: slot, hash: key.mixed)
        unlink(slot)
        if lastKey == key { lastKey = nil }
        if keepsTombstones {
            tombstones[key] = time
            tombstoneQueue.append((key, time))
        }
        while tombstones.count > tombstoneLimit && tombstoneQueueHead < tombstoneQueue.count {
            let (old, closed) = tombstoneQueue[tombstoneQueueHead]
            if tombstones[old] == closed { tombstones.removeValue(forKey: old) }
            tombstoneQueueHead += 1
        }
        live[slot] = false
        // Drop the closed connection's buffers now; the slot keeps only a shell until reused.
        slots[slot] = Connection(info: slots[slot].info, key: key, frame: 0, time: time)
        freeSlots.append(slot)
    }

    /// Forgets tombstones older than the expiry at capture time `time`, oldest first.
    mutating func expireTombstones(at time: Timestamp) {
        while tombstoneQueueHead < tombstoneQueue.count {
            let (key, closed) = tombstoneQueue[tombstoneQueueHead]
            guard time.totalNanoseconds &- closed.totalNanoseconds > ConnectionTable.tombstoneNanoseconds else { break }
            if tombstones[key] == closed { tombstones.removeValue(forKey: key) }
            tombstoneQueueHead += 1
        }
        if tombstoneQueueHead > 4096 && tombstoneQueueHead * 2 > tombstoneQueue.count {
            tombstoneQueue.removeFirst(tombstoneQueueHead)
            tombstoneQueueHead = 0
        }
    }

    mutating func removeAllTombstones() {
        tombstones.removeAll()
        tombstoneQueue.removeAll()
        tombstoneQueueHead = 0
    }

    /// Marks `slot` for the sweep (idempotent).
    mutating func watch(_ slot: Int) {
        guard !isWatched[slot] else { return }
        isWatched[slot] = true
        watched.append(slot)
    }

    /// Keeps watching only the slots `stillNeeded` says yes to.
    mutating func pruneWatched(_ stillNeeded: (Connection) -> Bool) {
        var kept = 0
        for i in watched.indices {
            let slot = watched[i]
            if live[slot] && stillNeeded(slots[slot]) {
                watched[kept] = slot
                kept += 1
            } else {
                isWatched[slot] = false
            }
        }
        watched.removeLast(watched.count - kept)
    }

    /// A segment of `slot` was just processed: it becomes the most recent of its list.
    mutating func touch(_ slot: Int, carriesPayload: Bool) {
        let target = carriesPayload ? Self.active : Self.quiet
        if Int(list[slot]) == target && tail(target) == Int32(slot) { return }
        unlink(slot)
        link(slot, into: target)
    }

    /// The least recently seen connection of list `which`, if any.
    func oldest(_ which: Int) -> Int? {
        let h = which == Self.quiet ? heads.0 : heads.1
        return h < 0 ? nil : Int(h)
    }

    private func tail(_ which: Int) -> Int32 { which == Self.quiet ? tails.0 : tails.1 }

    private mutating func link(_ slot: Int, into which: Int) {
        let s = Int32(slot)
        list[slot] = UInt8(which)
        following[slot] = -1
        let t = tail(which)
        previous[slot] = t
        if t >= 0 { following[Int(t)] = s } else if which == Self.quiet { heads.0 = s } else { heads.1 = s }
        if which == Self.quiet { tails.0 = s } else { tails.1 = s }
    }

    private mutating func unlink(_ slot: Int) {
        let p = previous[slot], n = following[slot]
        let which = Int(list[slot])
        if p >= 0 { following[Int(p)] = n } else if which == Self.quiet { heads.0 = n } else { heads.1 = n }
        if n >= 0 { previous[Int(n)] = p } else if which == Self.quiet { tails.0 = p } else { tails.1 = p }
        previous[slot] = -1
        following[slot] = -1
    }

    /// Slots of live connections ordered by connection ID.
    func liveSlotsByID() -> [Int] {
        index.slots.sorted { slots[$0].info.id < slots[$1].info.id }
    }
}
