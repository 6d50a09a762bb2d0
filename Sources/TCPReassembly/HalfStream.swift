import WireCore

/// One direction of one connection: maps sequence numbers to stream offsets, delivers bytes in order,
/// holds out-of-order bytes, detects overlaps and declares gaps.
///
/// Invariants:
/// - `next` is the delivery point: every offset below it was delivered or declared a gap, exactly once.
/// - `pending` is sorted by offset, its entries do not overlap, and each starts above `next`.
struct HalfStream {
    /// Furthest ahead of the delivery point a segment (or an ACK) may reach to be believed: the largest
    /// window TCP can advertise (RFC 7323 §2.3: 2^30). Beyond that it is not this stream's data.
    static let maxAdvance: Int64 = 1 << 30
    /// Most out-of-order segments held per direction. Keeps the sorted-array operations (insert, drain,
    /// oldest-arrival scan) cheap under a flood of tiny segments; reaching it counts as a buffer limit.
    /// Ample for real windows (a 4 MiB window of 1460-byte segments is under 3000).
    static let maxPendingEntries = 4096

    // Declared by size, the small fields first, so that the struct has no padding: every open
    // connection holds two of these (issue 12: an idle or half-open connection's state stays
    // small). What only out-of-order bytes, holes and overlaps need lives in `spill`, allocated
    // the first time one happens on this direction.

    /// `base` is known.
    private(set) var baseKnown = false
    private(set) var sawFin = false
    /// `!pending.isEmpty`, kept inline: the per-segment timeout check then needs no load of the
    /// spill (a cache miss per segment with thousands of connections open).
    private var holdsPending = false
    /// `acknowledgedPastHole != nil`, kept here for the same reason.
    private var holeAcknowledged = false
    /// The initial sequence number, when a SYN (or the SYN-ACK acknowledging it) was seen.
    private(set) var isnKnown = false
    /// The peer acknowledged the FIN.
    private(set) var finAcked = false
    let direction: Direction
    /// The sequence number of stream offset 0 (the byte after the SYN, or the first byte seen).
    private(set) var base: UInt32 = 0
    private(set) var isn: UInt32 = 0
    let connection: ConnectionID
    private(set) var next: UInt64 = 0
    private var history = DeliveredHistory()
    private(set) var finOffset: UInt64 = 0
    /// The counters every segment updates (the rare ones are in the spill; see `stats`).
    private(set) var frames = 0
    private(set) var frameBytes = 0
    private(set) var payloadBytes: UInt64 = 0
    private var spill: HalfStreamSpill?

    init(connection: ConnectionID, direction: Direction, skipsHistoryBytes: Bool = false) {
        self.connection = connection
        self.direction = direction
        if skipsHistoryBytes { history = DeliveredHistory(skipsBytes: true) }
    }

    /// This direction's counters.
    var stats: DirectionStats {
        var s = spill?.stats ?? DirectionStats()
        s.frames = frames
        s.frameBytes = frameBytes
        s.payloadBytes = payloadBytes
        return s
    }

    /// A segment of this direction's sender was seen (`frameLength`: its frame's wire length).
    mutating func countFrame(length frameLength: Int) {
        frames += 1
        frameBytes &+= max(0, frameLength)
    }

    /// The spill, allocated at first use.
    private var spilled: HalfStreamSpill {
        mutating get {
            if let spill { return spill }
            let s = HalfStreamSpill()
            spill = s
            return s
        }
    }

    private var pending: [PendingSegment] {
        get { spill?.pending ?? [] }
        set { spilled.pending = newValue }
        _modify { yield &spilled.pending }
    }
    /// Bytes this direction holds in the store (what the limits count).
    private(set) var cost: Int {
        get { spill?.cost ?? 0 }
        set { spilled.cost = newValue }
    }
    /// Arrival time of the oldest pending entry.
    private var waitingSince: Timestamp {
        get { spill?.waitingSince ?? .zero }
        set { spilled.waitingSince = newValue }
    }
    /// The peer acknowledged past a hole: (offset acknowledged, frame, time of the ACK). The hole is
    /// declared a gap only when this direction's next segment leaves it open, because captures can
    /// hold data after the ACK that covers it (reordered or merged captures).
    private var acknowledgedPastHole: (target: UInt64, frame: FrameNumber, time: Timestamp)? {
        get { holeAcknowledged ? spill?.acknowledgedPastHole : nil }
        set {
            holeAcknowledged = newValue != nil
            if newValue != nil || spill != nil { spilled.acknowledgedPastHole = newValue }
        }
    }
    /// The rare counters (gaps, overlaps, out of order), in the spill.
    private var rareStats: DirectionStats {
        get { spill?.stats ?? DirectionStats() }
        _modify { yield &spilled.stats }
    }

    var hasPending: Bool { !pending.isEmpty }

    // MARK: Sequence space

    /// A SYN from this direction's sender: offset 0 is the byte after it (RFC 9293 §3.4: SYN occupies
    /// one sequence number). Ignored once the base is known (retransmitted SYN).
    mutating func noteSyn(sequence: UInt32) {
        guard !baseKnown else { return }
        isn = sequence
        isnKnown = true
        base = sequence &+ 1
        baseKnown = true
    }

    /// The peer's SYN-ACK acknowledges this direction's SYN we did not capture: `ack` is ISN + 1.
    mutating func noteSynAcknowledged(ack: UInt32) {
        guard !baseKnown else { return }
        isn = ack &- 1
        isnKnown = true
        base = ack
        baseKnown = true
    }

    /// Mid-stream pickup: the first byte seen (at `sequence`) becomes offset 0.
    mutating func pickUp(at sequence: UInt32) {
        guard !baseKnown else { return }
        base = sequence
        baseKnown = true
    }

    /// The stream offset of `sequence`, by serial distance from the delivery point, so it keeps
    /// working across 2^32 wrap-arounds. Negative: before offset 0.
    func offset(of sequence: UInt32) -> Int64 {
        let expected = SequenceNumber(base).advanced(by: next)
        return Int64(truncatingIfNeeded: next) &+ Int64(expected.distance(to: SequenceNumber(sequence)))
    }

    // MARK: Receiving

    /// Takes a segment's payload starting at stream offset `start` (may be negative: bytes before
    /// offset 0 are dropped). In-order bytes go straight to the consumer, borrowed; bytes ahead of a hole
    /// are copied into the store; bytes seen before are compared and reported as overlaps.
    /// `missing` bytes after the payload were cut by the snap length.
    mutating func receive<C: StreamConsumer>(
        at start: Int64, payload: Span<UInt8>, missing: Int, frame: FrameNumber, time: Timestamp,
        otherCost: Int, context: inout ReassemblyContext, consumer: inout C
    ) {
        let count = payload.count
        let nextSigned = Int64(truncatingIfNeeded: next)
        guard start &- nextSigned <= HalfStream.maxAdvance else { return }
        // A keep-alive probe re-sends the byte before the delivery point (or nothing) with a
        // sequence number one below it (RFC 9293 §3.8.4); it is not a retransmission worth reporting.
        if missing == 0 && count <= 1 && start == nextSigned &- 1 { return }

        let dataEnd = start &+ Int64(count)
        var heldAny = false
        if count > 0 && dataEnd > 0 {
            let end = UInt64(dataEnd)
            var cursor = UInt64(max(start, 0))
            while cursor < end {
                let index = Int(Int64(bitPattern: cursor) &- start)
                if cursor < next {
                    // Already delivered (or declared a gap): compare with the history.
                    let stop = min(end, next)
                    overlapDelivered(StreamRange(cursor, stop),
                                     payload.extracting(index ..< index + Int(stop &- cursor)),
                                     frame: frame, arena: context.history, consumer: &consumer)
                    cursor = stop
                    continue
                }
                // (`holdsPending` first: the common in-order case never touches the array.)
                let held = holdsPending ? pending.count : 0
                let i = held == 0 ? 0 : firstPending(endingAfter: cursor)
                if i < held && pending[i].offset <= cursor {
                    // Already held out of order: compare with the held copy.
                    let stop = min(end, pending[i].end)
                    overlapPending(i, StreamRange(cursor, stop),
                                   payload.extracting(index ..< index + Int(stop &- cursor)),
                                   frame: frame, context: context, consumer: &consumer)
                    cursor = stop
                    continue
                }
                let stop = i < held ? min(end, pending[i].offset) : end
                let piece = payload.extracting(index ..< index + Int(stop &- cursor))
                if cursor == next {
                    deliver(piece, at: cursor, frame: frame, time: time, arena: &context.history, consumer: &consumer)
                    drain(context: &context, consumer: &consumer)
                } else if hold(piece, at: cursor, frame: frame, time: time, otherCost: otherCost,
                               context: &context, consumer: &consumer) {
                    heldAny = true
                }
                cursor = stop
            }
        }
        if missing > 0 {
            let gapStart = max(dataEnd, 0)
            let gapEnd = dataEnd &+ Int64(min(missing, Int(HalfStream.maxAdvance)))
            if gapEnd > gapStart {
                let range = StreamRange(UInt64(gapStart), UInt64(gapEnd))
                if range.lower <= next {
                    if range.upper > next {
                        advance(to: range.upper, cause: .snapLength, frame: frame, time: time,
                                context: &context, consumer: &consumer)
                    }
                } else if holdSnapMarker(range, frame: frame, time: time, otherCost: otherCost,
                                         context: &context, consumer: &consumer) {
                    heldAny = true
                }
            }
        }
        if heldAny { rareStats.outOfOrder += 1 }
    }

    /// A FIN from this direction's sender at stream offset `offset` (after the segment's payload).
    mutating func noteFin(at offset: Int64) {
        guard !sawFin, offset >= 0 else { return }
        sawFin = true
        finOffset = UInt64(offset)
    }

    /// The peer acknowledged everything before `ack`. Bytes below it that we never got were received
    /// by the peer but not captured: declared `notCaptured` gaps.
    mutating func noteAcknowledgement<C: StreamConsumer>(
        _ ack: UInt32, frame: FrameNumber, time: Timestamp, context: inout ReassemblyContext, consumer: inout C
    ) {
        guard baseKnown else { return }
        let acked = offset(of: ack)
        var target = acked
        if sawFin {
            // The FIN occupies one sequence number (RFC 9293 §3.4).
            if acked > Int64(truncatingIfNeeded: finOffset) { finAcked = true }
            target = min(target, Int64(truncatingIfNeeded: finOffset))
        }
        let nextSigned = Int64(truncatingIfNeeded: next)
        guard target > nextSigned, target &- nextSigned <= HalfStream.maxAdvance else { return }
        if holeAcknowledged, let known = acknowledgedPastHole, known.target >= UInt64(target) { return }
        acknowledgedPastHole = (UInt64(target), frame, time)
    }

    /// Declares the hole an earlier acknowledgement proved lost, unless data has filled it since.
    /// Called after each segment of this direction, and before a flush or hole expiry.
    mutating func settleAcknowledgedHole<C: StreamConsumer>(context: inout ReassemblyContext, consumer: inout C) {
        guard holeAcknowledged, let acked = acknowledgedPastHole else { return }
        acknowledgedPastHole = nil
        guard acked.target > next else { return }
        advance(to: acked.target, cause: .notCaptured, frame: acked.frame, time: acked.time, context: &context,
                consumer: &consumer)
    }

    /// Whether `expireHoles` has anything to do (the sweep watches only such connections).
    var needsTimer: Bool { holdsPending || holeAcknowledged }

    /// Declares holes whose later data has waited longer than the hole timeout (capture time).
    mutating func expireHoles<C: StreamConsumer>(
        frame: FrameNumber, time: Timestamp, context: inout ReassemblyContext, consumer: inout C
    ) {
        guard holdsPending || holeAcknowledged else { return }
        if let acked = acknowledgedPastHole,
           time.totalNanoseconds &- acked.time.totalNanoseconds > context.holeTimeoutNanoseconds {
            settleAcknowledgedHole(context: &context, consumer: &consumer)
        }
        while let first = pending.first,
              time.totalNanoseconds &- waitingSince.totalNanoseconds > context.holeTimeoutNanoseconds {
            let before = pending.count
            advance(to: max(first.offset, next), cause: .notCaptured, frame: frame, time: time,
                    context: &context, consumer: &consumer)
            if pending.count == before { drain(context: &context, consumer: &consumer) }
            if pending.count == before { break }
        }
    }

    /// The connection is closing (or the capture ended): every hole up to the last held byte (or the
    /// FIN) becomes an `endOfCapture` gap and everything held is delivered.
    mutating func flush<C: StreamConsumer>(
        frame: FrameNumber, time: Timestamp, context: inout ReassemblyContext, consumer: inout C
    ) {
        settleAcknowledgedHole(context: &context, consumer: &consumer)
        var target = next
        if let last = pending.last { target = max(target, last.end) }
        if sawFin { target = max(target, finOffset) }
        advance(to: target, cause: .endOfCapture, frame: frame, time: time, context: &context, consumer: &consumer)
        // Defensive: nothing may stay in the store after a flush.
        for entry in pending where !entry.isSnapMarker { context.store.release(entry.storage) }
        context.totalCost &-= cost
        cost = 0
        pending.removeAll()
        holdsPending = false
    }

    // MARK: Delivery

    private mutating func deliver<C: StreamConsumer>(
        _ bytes: Span<UInt8>, at offset: UInt64, frame: FrameNumber, time: Timestamp,
        arena: inout HistoryArena, consumer: inout C
    ) {
        consumer.streamData(connection, direction, offset: offset, bytes: bytes, frame: frame, time: time)
        history.append(bytes, at: offset, frame: frame, arena: &arena)
        payloadBytes &+= UInt64(bytes.count)
        next = offset &+ UInt64(bytes.count)
    }

    private mutating func declareGap<C: StreamConsumer>(
        _ range: StreamRange, cause: GapCause, frame: FrameNumber, time: Timestamp, consumer: inout C
    ) {
        guard !range.isEmpty else { return }
        rareStats.gaps += 1
        rareStats.gapBytes &+= range.count
        consumer.streamGap(connection, direction, range: range, cause: cause, frame: frame, time: time)
        next = range.upper
    }

    /// Delivers the pending entries that now continue the stream.
    private mutating func drain<C: StreamConsumer>(context: inout ReassemblyContext, consumer: inout C) {
        guard holdsPending else { return }
        var taken = 0
        while taken < pending.count && pending[taken].offset <= next {
            let entry = pending[taken]
            taken += 1
            if entry.end > next {
                let skip = Int(next &- entry.offset)
                if entry.isSnapMarker {
                    declareGap(StreamRange(next, entry.end), cause: .snapLength, frame: entry.frame,
                               time: entry.time, consumer: &consumer)
                } else {
                    context.store.gather(entry.storage, count: entry.length)
                    // The arena is taken out while the store's scratch is lent (two parts of `context`).
                    var arena = context.history
                    deliver(context.store.scratch.span.extracting(skip ..< entry.length), at: next,
                            frame: entry.frame, time: entry.time, arena: &arena, consumer: &consumer)
                    context.history = arena
                }
            }
            if !entry.isSnapMarker { context.store.release(entry.storage) }
            cost &-= entry.cost
            context.totalCost &-= entry.cost
        }
        guard taken > 0 else { return }
        pending.removeFirst(taken)
        holdsPending = !pending.isEmpty
        if let first = pending.first {
            var oldest = first.time
            for entry in pending where entry.time < oldest { oldest = entry.time }
            waitingSince = oldest
        }
    }

    /// Moves the delivery point to at least `target`: holes become gaps of `cause`, held bytes on the
    /// way are delivered.
    private mutating func advance<C: StreamConsumer>(
        to target: UInt64, cause: GapCause, frame: FrameNumber, time: Timestamp,
        context: inout ReassemblyContext, consumer: inout C
    ) {
        drain(context: &context, consumer: &consumer)
        while next < target {
            let holeEnd = pending.first.map { min(target, $0.offset) } ?? target
            declareGap(StreamRange(next, holeEnd), cause: cause, frame: frame, time: time, consumer: &consumer)
            drain(context: &context, consumer: &consumer)
        }
    }

    // MARK: Holding out-of-order bytes

    /// Index of the first pending entry that ends after `offset` (binary search; ends are sorted).
    private func firstPending(endingAfter offset: UInt64) -> Int {
        var low = 0
        var high = pending.count
        while low < high {
            let mid = (low + high) / 2
            if pending[mid].end > offset { high = mid } else { low = mid + 1 }
        }
        return low
    }

    private func fits(_ extra: Int, otherCost: Int, context: ReassemblyContext) -> Bool {
        pending.count < HalfStream.maxPendingEntries
            && cost &+ otherCost &+ extra <= context.limits.perConnection
            && context.totalCost &+ extra <= context.limits.total
    }

    private mutating func insert(_ entry: PendingSegment, context: inout ReassemblyContext) {
        var low = 0
        var high = pending.count
        while low < high {
            let mid = (low + high) / 2
            if pending[mid].offset < entry.offset { low = mid + 1 } else { high = mid }
        }
        if pending.isEmpty || entry.time < waitingSince { waitingSince = entry.time }
        pending.insert(entry, at: low)
        holdsPending = true
        cost &+= entry.cost
        context.totalCost &+= entry.cost
    }

    /// Copies `bytes` (new, ahead of a hole) into the store. When a limit would be exceeded, the hole
    /// before them becomes a `bufferLimit` gap and they are delivered at once instead; returns false then.
    private mutating func hold<C: StreamConsumer>(
        _ bytes: Span<UInt8>, at offset: UInt64, frame: FrameNumber, time: Timestamp, otherCost: Int,
        context: inout ReassemblyContext, consumer: inout C
    ) -> Bool {
        let cost = SegmentStore.cost(of: bytes.count)
        if fits(cost, otherCost: otherCost, context: context), let chain = context.store.store(bytes) {
            insert(PendingSegment(offset: offset, length: bytes.count, frame: frame, time: time,
                                  storage: chain, cost: cost), context: &context)
            return true
        }
        context.limitHits &+= 1
        advance(to: offset, cause: .bufferLimit, frame: frame, time: time, context: &context, consumer: &consumer)
        if next == offset {
            deliver(bytes, at: offset, frame: frame, time: time, arena: &context.history, consumer: &consumer)
            drain(context: &context, consumer: &consumer)
        }
        return false
    }

    /// Records that `range` (ahead of a hole) was cut by the snap length, for the parts not already
    /// held; returns true if a marker was held.
    private mutating func holdSnapMarker<C: StreamConsumer>(
        _ range: StreamRange, frame: FrameNumber, time: Timestamp, otherCost: Int,
        context: inout ReassemblyContext, consumer: inout C
    ) -> Bool {
        var held = false
        var cursor = max(range.lower, next)
        while cursor < range.upper {
            let i = firstPending(endingAfter: cursor)
            if i < pending.count && pending[i].offset <= cursor {
                cursor = min(range.upper, pending[i].end)   // real bytes already held: keep them
                continue
            }
            let stop = i < pending.count ? min(range.upper, pending[i].offset) : range.upper
            if cursor > next && fits(SegmentStore.chunkSize, otherCost: otherCost, context: context) {
                insert(PendingSegment(offset: cursor, length: Int(stop &- cursor), frame: frame, time: time,
                                      storage: SegmentStore.none, cost: SegmentStore.chunkSize), context: &context)
                held = true
            } else {
                if cursor > next { context.limitHits &+= 1 }
                advance(to: cursor, cause: .bufferLimit, frame: frame, time: time, context: &context,
                        consumer: &consumer)
                advance(to: stop, cause: .snapLength, frame: frame, time: time, context: &context,
                        consumer: &consumer)
            }
            cursor = max(stop, next)
        }
        return held
    }

    // MARK: Overlaps

    /// `bytes` at `range`, all below the delivery point, arrived again in `frame`.
    private mutating func overlapDelivered<C: StreamConsumer>(
        _ range: StreamRange, _ bytes: Span<UInt8>, frame: FrameNumber, arena: HistoryArena, consumer: inout C
    ) {
        let (firstFrame, conflicting) = history.compare(bytes, at: range.lower, arena: arena)
        reportOverlap(range, firstFrame: firstFrame, secondFrame: frame, conflicting: conflicting,
                      consumer: &consumer)
    }

    /// `bytes` at `range`, inside pending entry `index`, arrived again in `frame`.
    private mutating func overlapPending<C: StreamConsumer>(
        _ index: Int, _ range: StreamRange, _ bytes: Span<UInt8>, frame: FrameNumber,
        context: ReassemblyContext, consumer: inout C
    ) {
        let entry = pending[index]
        var conflicting = false
        if !entry.isSnapMarker {
            conflicting = !context.store.matches(entry.storage, from: Int(range.lower &- entry.offset), bytes)
        }
        reportOverlap(range, firstFrame: entry.frame, secondFrame: frame, conflicting: conflicting,
                      consumer: &consumer)
    }

    private mutating func reportOverlap<C: StreamConsumer>(
        _ range: StreamRange, firstFrame: FrameNumber, secondFrame: FrameNumber, conflicting: Bool,
        consumer: inout C
    ) {
        rareStats.overlaps += 1
        if conflicting { rareStats.conflictingOverlaps += 1 }
        consumer.streamOverlap(connection, direction, range: range, firstFrame: firstFrame,
                               secondFrame: secondFrame, conflicting: conflicting)
    }
}

/// What a `HalfStream` needs only once out-of-order bytes, a hole or an overlap happened on it:
/// kept out of line, so that the many connections that never see one stay small.
final class HalfStreamSpill {
    var pending: [PendingSegment] = []
    var cost = 0
    var waitingSince = Timestamp.zero
    var acknowledgedPastHole: (target: UInt64, frame: FrameNumber, time: Timestamp)?
    /// Gaps, overlaps and out-of-order counts (the per-segment counters stay in the half-stream).
    var stats = DirectionStats()
}
