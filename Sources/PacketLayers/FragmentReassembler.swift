import WireCore

/// Identifies one fragmented datagram: RFC 791 §3.2 (source, destination, protocol, identification);
/// RFC 8200 §4.5 keys IPv6 on source, destination and identification, and the Next Header of the
/// fragment header is the same for all its fragments.
struct FragmentKey: Hashable {
    var source: IPAddress
    var destination: IPAddress
    var protocolNumber: UInt8
    var identification: UInt32
}

/// Reassembles fragmented IP datagrams into bounded, reused buffers.
///
/// Bounds: at most `maxDatagrams` datagrams in progress (the oldest is abandoned to make room)
/// and `PacketDecoder.maxDatagramBytes` per datagram. Where fragments overlap, the bytes that
/// arrived first win. Each slot's buffers are kept and reused, so a steady stream of fragmented
/// datagrams allocates nothing once the slots have grown.
struct FragmentReassembler {
    struct Datagram {
        var key: FragmentKey
        var inUse = false
        /// The fragmentable part (IPv4: the transport header and data), indexed by fragment offset.
        var bytes: [UInt8] = []
        /// Byte ranges received so far: sorted, disjoint and not adjacent.
        var covered: [Range<Int>] = []
        /// Known once the fragment with MF clear arrives.
        var totalLength: Int?
        /// The first byte a fragment declared but the capture's snap length cut off.
        var firstUncaptured = Int.max
        var fragmentsHeld = 0
        /// When the datagram started, for choosing which to abandon.
        var startedAt: UInt64 = 0

        var isComplete: Bool {
            guard let total = totalLength, let first = covered.first else { return false }
            return first.lowerBound == 0 && first.upperBound >= total
        }
    }

    enum AddResult: Equatable {
        /// Held; `abandoned` fragments of another datagram were dropped to make room.
        case held(abandoned: Int)
        /// The datagram in `slot` is complete; read it, then `release(slot)`.
        case completed(slot: Int, abandoned: Int)
        case overflow
    }

    let maxDatagrams: Int
    private(set) var slots: [Datagram] = []
    private var clock: UInt64 = 0
    private var mergeScratch: [Range<Int>] = []

    init(maxDatagrams: Int) {
        self.maxDatagrams = max(1, maxDatagrams)
    }

    /// Adds one fragment.
    /// - Parameters:
    ///   - offset: the fragment's offset in bytes.
    ///   - data: the captured bytes of the fragment.
    ///   - declaredLength: its length by the IP header, at least `data.count` (more when the snap length cut it).
    ///   - more: the More Fragments flag.
    mutating func add(key: FragmentKey, offset: Int, data: Span<UInt8>, declaredLength: Int, more: Bool) -> AddResult {
        let end = offset + declaredLength
        guard end <= PacketDecoder.maxDatagramBytes else { return .overflow }
        var abandoned = 0
        let slot: Int
        if let found = slots.firstIndex(where: { $0.inUse && $0.key == key }) {
            slot = found
        } else {
            (slot, abandoned) = claimSlot(for: key)
        }
        slots[slot].fragmentsHeld += 1
        store(into: slot, offset: offset, data: data, declaredEnd: end)
        if !more, slots[slot].totalLength == nil {
            // Conflicting last fragments: the first one decides the length.
            slots[slot].totalLength = end
        }
        return slots[slot].isComplete ? .completed(slot: slot, abandoned: abandoned) : .held(abandoned: abandoned)
    }

    /// Frees a slot for reuse, keeping its buffers' capacity.
    mutating func release(_ slot: Int) {
        slots[slot].inUse = false
        slots[slot].bytes.removeAll(keepingCapacity: true)
        slots[slot].covered.removeAll(keepingCapacity: true)
        slots[slot].totalLength = nil
        slots[slot].firstUncaptured = .max
        slots[slot].fragmentsHeld = 0
    }

    /// Drops every datagram in progress; returns how many fragments they held.
    mutating func abandonAll() -> Int {
        var dropped = 0
        for slot in slots.indices where slots[slot].inUse {
            dropped += slots[slot].fragmentsHeld
            release(slot)
        }
        return dropped
    }

    /// A free slot for a new datagram, abandoning the oldest one when all are taken.
    private mutating func claimSlot(for key: FragmentKey) -> (slot: Int, abandoned: Int) {
        clock &+= 1
        var abandoned = 0
        let slot: Int
        if let free = slots.firstIndex(where: { !$0.inUse }) {
            slot = free
        } else if slots.count < maxDatagrams {
            slots.append(Datagram(key: key))
            slot = slots.count - 1
        } else {
            var oldest = 0
            for i in slots.indices where slots[i].startedAt < slots[oldest].startedAt { oldest = i }
            abandoned = slots[oldest].fragmentsHeld
            release(oldest)
            slot = oldest
        }
        slots[slot].key = key
        slots[slot].inUse = true
        slots[slot].startedAt = clock
        return (slot, abandoned)
    }

    /// Copies the bytes no earlier fragment supplied, then records `offset..<declaredEnd` as covered.
    private mutating func store(into slot: Int, offset: Int, data: Span<UInt8>, declaredEnd: Int) {
        if slots[slot].bytes.count < declaredEnd {
            slots[slot].bytes.append(contentsOf: repeatElement(0, count: declaredEnd - slots[slot].bytes.count))
        }
        // Fill the gaps between already covered ranges (first arrival wins).
        var cursor = offset
        var firstMissing = Int.max
        for index in slots[slot].covered.indices {
            let range = slots[slot].covered[index]
            if range.upperBound <= cursor { continue }
            if range.lowerBound >= declaredEnd { break }
            if range.lowerBound > cursor {
                fillGap(slot, cursor..<range.lowerBound, from: data, at: offset, firstMissing: &firstMissing)
            }
            cursor = max(cursor, range.upperBound)
        }
        if declaredEnd > cursor {
            fillGap(slot, cursor..<declaredEnd, from: data, at: offset, firstMissing: &firstMissing)
        }
        slots[slot].firstUncaptured = min(slots[slot].firstUncaptured, firstMissing)
        insertCovered(offset..<declaredEnd, into: slot)
    }

    /// Copies the captured part of the uncovered `gap`; notes where its uncaptured part begins.
    private mutating func fillGap(_ slot: Int, _ gap: Range<Int>, from data: Span<UInt8>, at offset: Int,
                                  firstMissing: inout Int) {
        guard !gap.isEmpty else { return }
        let capturedEnd = offset + data.count
        let copyEnd = min(gap.upperBound, capturedEnd)
        if gap.lowerBound < copyEnd {
            for i in gap.lowerBound..<copyEnd { slots[slot].bytes[i] = data[i - offset] }
        }
        if gap.upperBound > capturedEnd {
            firstMissing = min(firstMissing, max(gap.lowerBound, capturedEnd))
        }
    }

    private mutating func insertCovered(_ new: Range<Int>, into slot: Int) {
        guard !new.isEmpty else { return }
        mergeScratch.removeAll(keepingCapacity: true)
        var merged = new
        var placed = false
        for range in slots[slot].covered {
            if range.upperBound < merged.lowerBound {
                mergeScratch.append(range)
            } else if range.lowerBound > merged.upperBound {
                if !placed { mergeScratch.append(merged); placed = true }
                mergeScratch.append(range)
            } else {
                merged = min(range.lowerBound, merged.lowerBound)..<max(range.upperBound, merged.upperBound)
            }
        }
        if !placed { mergeScratch.append(merged) }
        swap(&slots[slot].covered, &mergeScratch)
    }
}
