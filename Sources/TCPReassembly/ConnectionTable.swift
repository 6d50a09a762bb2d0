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

    /// The fields mixed into one word (also the `SlotIndex` hash; its low 32 bits are spread well).
    var mixed: UInt64 {
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
struct ConnectionTable {
    static let tombstoneNanoseconds: Int64 = 120_000_000_000

    private(set) var index = SlotIndex()
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
        guard let slot = index.find(hash: key.mixed, matches: { slots[$0].key == key }) else { return nil }
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
        slots[slot] = Connection(info: slots[slot].info, key: key, time: time, keepsHistory: false)
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
