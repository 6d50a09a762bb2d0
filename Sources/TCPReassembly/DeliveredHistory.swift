import WireCore

/// One direction's way into the `HistoryArena`: the newest record it delivered, from which older
/// ones are reached by walking back. Per segment this is one word read and written, in the
/// `HalfStream` the segment is touching anyway.
struct DeliveredHistory {
    /// Records walked back at most to find a retransmission's first copy, so that a hostile stream
    /// of overlaps costs a bounded time each. Bytes further back are reported as not comparable.
    static let maxWalk = 1024

    /// The newest record's position + 1 (0: none). (No history kept: the arena has no capacity.)
    /// `skipping` on a direction whose bytes are never compared (another thread's share when
    /// several threads reassemble every connection, `Assembler.historyShard`): its bytes only
    /// advance the arena, so that the others' records are let go exactly when they would be.
    private var newest: UInt64 = 0
    private static let skipping = UInt64.max

    init(skipsBytes: Bool = false) { newest = skipsBytes ? Self.skipping : 0 }

    /// Records `data`, just delivered at stream `offset` from `frame`.
    @inline(__always)
    mutating func append(_ data: Span<UInt8>, at offset: UInt64, frame: FrameNumber, arena: inout HistoryArena) {
        guard arena.capacity > 0, !data.isEmpty else { return }
        if newest == Self.skipping { arena.skip(data.count); return }
        newest = arena.append(data, at: offset, frame: frame, previous: newest)
    }

    /// Compares `bytes`, which arrived again for stream offsets `lower ..< lower + bytes.count` (all
    /// delivered before), with the first copy still held. Returns the frame of the first differing
    /// byte when one differs (`conflicting`), else the frame of the first byte that could be
    /// compared; frame 0 when none could.
    func compare(_ bytes: Span<UInt8>, at lower: UInt64, arena: HistoryArena)
        -> (firstFrame: FrameNumber, conflicting: Bool)
    {
        let upper = lower &+ UInt64(bytes.count)
        var firstFrame: FrameNumber = 0
        var conflicting = false
        var reference = newest == Self.skipping ? 0 : newest
        var walked = 0
        // Records come newest first, so at decreasing offsets: the last match found is the lowest.
        while walked < DeliveredHistory.maxWalk, let record = arena.record(reference) {
            walked += 1
            if record.end <= lower { break }
            if record.offset < upper {
                let from = max(record.offset, lower)
                let to = min(record.end, upper)
                var difference: UInt64?
                var at = from
                while at < to {
                    if arena.byte(record, Int(at &- record.offset)) != bytes[Int(at &- lower)] {
                        difference = at
                        break
                    }
                    at &+= 1
                }
                if difference != nil {
                    conflicting = true
                    firstFrame = record.frame
                } else if !conflicting {
                    firstFrame = record.frame
                }
            }
            reference = record.previous
        }
        return (firstFrame, conflicting)
    }
}
