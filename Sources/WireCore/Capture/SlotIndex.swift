/// Keys → slots of an array the caller owns, for lookups that run once per segment: open addressing
/// with linear probing over one array of 8-byte entries (a 32-bit hash tag and the slot), so a lookup
/// usually touches one cache line of a table small enough to stay in cache, and the key itself is
/// compared in the slot the caller is about to use anyway (`matches`). A `Dictionary` touched its
/// bitmap, keys and values arrays: three misses per segment with thousands of connections open.
/// Used for 4-tuples (reassembly) and connection IDs (the session router). The home slot is taken
/// from the tag multiplied by an odd constant (Fibonacci hashing), not from its low bits: sequential
/// connection IDs would otherwise fill one dense run, and every removal would shift the whole run.
public struct SlotIndex: Sendable {
    /// 0 = empty, else `tag << 32 | (slot + 1)`; `tag` is the hash's low 32 bits.
    @usableFromInline var entries = [UInt64](repeating: 0, count: 64)
    public private(set) var count = 0

    public init() {}

    /// The slot stored under `hash` whose key `matches` confirms, if any.
    @inlinable
    public func find(hash: UInt64, matches: (Int) -> Bool) -> Int? {
        let tag = hash & 0xFFFF_FFFF
        let mask = entries.count - 1
        var i = Self.home(tag, mask)
        while true {
            let e = entries[i]
            if e == 0 { return nil }
            if e >> 32 == tag {
                let slot = Int(truncatingIfNeeded: e & 0xFFFF_FFFF) - 1
                if matches(slot) { return slot }
            }
            i = (i + 1) & mask
        }
    }

    /// Adds `slot` under `hash` (the key must not be present).
    public mutating func insert(slot: Int, hash: UInt64) {
        if (count + 1) * 2 > entries.count { grow() }
        place((hash & 0xFFFF_FFFF) << 32 | UInt64(slot + 1))
        count += 1
    }

    /// Removes the entry of `slot` (stored under `hash`), shifting later entries of its probe run
    /// back so that no lookup stops early at the hole.
    public mutating func remove(slot: Int, hash: UInt64) {
        let mask = entries.count - 1
        let wanted = (hash & 0xFFFF_FFFF) << 32 | UInt64(slot + 1)
        var hole = Self.home(hash & 0xFFFF_FFFF, mask)
        while entries[hole] != wanted {
            if entries[hole] == 0 { return }
            hole = (hole + 1) & mask
        }
        var j = (hole + 1) & mask
        while entries[j] != 0 {
            let home = Self.home(entries[j] >> 32, mask)
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

    /// The first slot probed for a 32-bit tag: the high half of tag × 2^64/φ.
    @inlinable static func home(_ tag: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (tag &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Every slot held, in no particular order.
    public var slots: [Int] {
        entries.compactMap { $0 == 0 ? nil : Int(truncatingIfNeeded: $0 & 0xFFFF_FFFF) - 1 }
    }

    private mutating func place(_ entry: UInt64) {
        let mask = entries.count - 1
        var i = Self.home(entry >> 32, mask)
        while entries[i] != 0 { i = (i + 1) & mask }
        entries[i] = entry
    }

    private mutating func grow() {
        let old = entries
        entries = [UInt64](repeating: 0, count: old.count * 2)
        for e in old where e != 0 { place(e) }
    }
}
