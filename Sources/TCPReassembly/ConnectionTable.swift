import WireCore

/// A connection's 4-tuple in canonical order, so both directions find the same entry.
struct FlowKey: Hashable {
    var low: Endpoint
    var high: Endpoint

    init(_ a: Endpoint, _ b: Endpoint) {
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
    func hash(into hasher: inout Hasher) {
        hasher.combine(mixed)
    }

    /// The fields mixed into one word (also `FlowIndex`'s hash; its low 32 bits are spread well).
    var mixed: UInt64 {
        var h = low.address.high &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ low.address.low) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ high.address.high) &* 0x94D0_49BB_1331_11EB
        h = (h ^ high.address.low) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(low.port) << 16 | UInt64(high.port) | (low.address.isV6 ? 1 << 40 : 0)
        return h ^ (h >> 29)
    }
}

/// Live 4-tuples → connection slots, for the once-per-segment lookup: open addressing with linear
/// probing over one array of 8-byte entries (a 32-bit hash tag and the slot), so a lookup usually
/// touches one cache line of a table small enough to stay in cache, and the key itself is compared
/// in the connection the caller is about to use anyway. (A `Dictionary` touched its bitmap, keys and
/// values arrays: three misses per segment with thousands of connections open.)
struct FlowIndex {
    /// 0 = empty, else `tag << 32 | (slot + 1)`; `tag` is the hash's low 32 bits.
    private var entries = [UInt64](repeating: 0, count: 64)
    private(set) var count = 0

    /// The slot whose connection's key is `key` (`keyOf` reads it), if any.
    func find(_ key: FlowKey, hash: UInt64, keyOf: (Int) -> FlowKey) -> Int? {
        let tag = hash & 0xFFFF_FFFF
        let mask = entries.count - 1
        var i = Int(truncatingIfNeeded: tag) & mask
        while true {
            let e = entries[i]
            if e == 0 { return nil }
            if e >> 32 == tag {
                let slot = Int(truncatingIfNeeded: e & 0xFFFF_FFFF) - 1
                if keyOf(slot) == key { return slot }
            }
            i = (i + 1) & mask
        }
    }

    /// Adds `slot` under `hash` (the key must not be present).
    mutating func insert(slot: Int, hash: UInt64) {
        if (count + 1) * 2 > entries.count { grow() }
        place((hash & 0xFFFF_FFFF) << 32 | UInt64(slot + 1))
        count += 1
    }

    /// Removes the entry of `slot` (stored under `hash`), shifting later entries of its probe run
    /// back so that no lookup stops early at the hole.
    mutating func remove(slot: Int, hash: UInt64) {
        let mask = entries.count - 1
        let wanted = (hash & 0xFFFF_FFFF) << 32 | UInt64(slot + 1)
        var hole = Int(truncatingIfNeeded: hash & 0xFFFF_FFFF) & mask
        while entries[hole] != wanted {
            if entries[hole] == 0 { return }
            hole = (hole + 1) & mask
        }
        var j = (hole + 1) & mask
        while entries[j] != 0 {
            let home = Int(truncatingIfNeeded: entries[j] >> 32) & mask
            // The entry at j may fill the hole when its home is not in (hole, j] (cyclically).
            if (j - home) & mask >= (j - hole) & mask {
                entries[hole] = entries[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        entries[hole] = 0
        count -= 1
    }

    /// Every slot held, in no particular order.
    var slots: [Int] {
        entries.compactMap { $0 == 0 ? nil : Int(truncatingIfNeeded: $0 & 0xFFFF_FFFF) - 1 }
    }

    private mutating func place(_ entry: UInt64) {
        let mask = entries.count - 1
        var i = Int(truncatingIfNeeded: entry >> 32) & mask
        while entries[i] != 0 { i = (i + 1) & mask }
        entries[i] = entry
    }

    private mutating func grow() {
        let old = entries
        entries = [UInt64](repeating: 0, count: old.count * 2)
        for e in old where e != 0 { place(e) }
    }
}

/// The live connections, in reusable slots, plus a small tombstone per recently closed 4-tuple so
/// that its stray trailing segments (the last ACK, a retransmitted FIN, an RST after FIN) do not open
/// a phantom mid-stream connection. Tombstones expire after `tombstoneNanoseconds` of capture time;
/// a SYN on a tombstoned 4-tuple opens a new connection at once.
struct ConnectionTable {
    static let tombstoneNanoseconds: Int64 = 120_000_000_000

    private(set) var index = FlowIndex()
    var slots: [Connection] = []
    private var live: [Bool] = []
    private var freeSlots: [Int] = []
    private var tombstones: [FlowKey: Timestamp] = [:]
    private var expired: [FlowKey] = []
    /// The last key looked up and its slot: segments come in runs per connection (a request and its
    /// reply, a packet split over segments), so this saves most hash lookups. Cleared on removal.
    private var lastKey: FlowKey?
    private var lastSlot = 0

    var liveCount: Int { index.count }
    var tombstoneCount: Int { tombstones.count }

    mutating func slot(for key: FlowKey) -> Int? {
        if let lastKey, lastKey == key { return lastSlot }
        guard let slot = index.find(key, hash: key.mixed, keyOf: { slots[$0].key }) else { return nil }
        lastKey = key
        lastSlot = slot
        return slot
    }
    func isTombstoned(_ key: FlowKey) -> Bool { tombstones[key] != nil }
    func isLive(_ slot: Int) -> Bool { live[slot] }

    /// Adds a live connection; returns its slot.
    mutating func insert(_ connection: Connection) -> Int {
        tombstones.removeValue(forKey: connection.key)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = connection
            live[slot] = true
        } else {
            slot = slots.count
            slots.append(connection)
            live.append(true)
        }
        index.insert(slot: slot, hash: connection.key.mixed)
        return slot
    }

    /// Removes a closed connection, leaving a tombstone for its 4-tuple.
    mutating func remove(_ slot: Int, time: Timestamp) {
        let key = slots[slot].key
        index.remove(slot: slot, hash: key.mixed)
        if lastKey == key { lastKey = nil }
        tombstones[key] = time
        live[slot] = false
        // Drop the closed connection's buffers now; the slot keeps only a shell until reused.
        slots[slot] = Connection(info: slots[slot].info, key: key, time: time, historyLimit: 0)
        freeSlots.append(slot)
    }

    /// Forgets tombstones older than the expiry at capture time `time`.
    mutating func expireTombstones(at time: Timestamp) {
        guard !tombstones.isEmpty else { return }
        expired.removeAll(keepingCapacity: true)
        for (key, closed) in tombstones
        where time.totalNanoseconds &- closed.totalNanoseconds > ConnectionTable.tombstoneNanoseconds {
            expired.append(key)
        }
        for key in expired { tombstones.removeValue(forKey: key) }
    }

    mutating func removeAllTombstones() { tombstones.removeAll() }

    /// Slots of live connections ordered by connection ID.
    func liveSlotsByID() -> [Int] {
        index.slots.sorted { slots[$0].info.id < slots[$1].info.id }
    }
}
