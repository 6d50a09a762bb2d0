public import WireCore
public import PacketLayers

/// Reassembles every TCP connection of one capture, per connection and per direction.
///
/// Feed it every TCP segment in capture order (`process`), then call `finish` once. It calls the
/// consumer synchronously, in a deterministic order that depends only on the input.
///
/// - Connections are keyed by the 4-tuple in either direction. Roles: a SYN's sender is the client, a
///   SYN-ACK's sender the server; mid-stream (no SYN seen) the endpoint on one of `serverPorts` is the
///   server, else the lower port (`ConnectionInfo.roleBasis`). IDs are 0, 1, 2 … in order of first
///   appearance. `connectionOpened` (with the first segment's frame and time) is deferred until the
///   connection first has something to report — payload, or a hole that may expire — or closes, so
///   that the consumer keeps nothing for a half-open connection (issue 12); connections may
///   therefore be announced out of ID order.
/// - Offsets: 0 is the byte after the SYN, or mid-stream the first byte seen in that direction. They are
///   64-bit and keep growing across 32-bit sequence wrap-arounds (serial arithmetic, RFC 1982).
/// - In-order payload is passed through borrowed, without copying. Only out-of-order bytes are copied,
///   into one pooled store bounded by `limits` (per connection and in total), and delivered in order
///   once the hole fills, each chunk with the frame it came from.
/// - Bytes seen twice are delivered once and reported by `streamOverlap`, compared with the first copy
///   (held out-of-order bytes, or delivered bytes still in the shared history: about the last
///   `limits.overlapHistory` bytes delivered on any connection).
/// - A hole becomes a gap (`streamGap`) when the peer ACKs past it (`notCaptured`), when holding more
///   would exceed a limit (`bufferLimit`), when later data has waited `limits.holeTimeoutSeconds` of
///   capture time (`notCaptured`), when the connection closes or the capture ends (`endOfCapture`), or
///   when the snap length cut a segment (`snapLength`). Bytes arriving later for a gap are overlaps.
/// - Close: RST (`rst`), FIN both ways once acknowledged (`fin`), a new SYN on the 4-tuple (`reused`),
///   and at `finish`: `fin`, `halfClosed` (one FIN) or `endOfCapture`.
public struct Assembler<Consumer: StreamConsumer> {
    public var consumer: Consumer
    public let limits: ReassemblyLimits
    public let serverPorts: Set<UInt16>
    /// Times a buffering bound was reached.
    public var limitHits: Int { context.limitHits }
    /// Connections currently open.
    public var openConnections: Int { table.liveCount }
    /// Connections closed because `limits.maxConnections` was reached.
    public private(set) var evictions = 0
    /// Connections closed by an idle timeout.
    public private(set) var idleCloses = 0
    /// When several threads reassemble every connection but each decodes only its share (by ID,
    /// `ConnectionSharding.shard(ofID:among:)`): the others' delivered bytes are not kept for overlap
    /// comparison (nobody reads their overlaps), though they age the history as they would.
    public var historyShard = (index: 0, count: 1)
    /// Out-of-order bytes currently held, across all connections (store chunks, as the limits count).
    public var bufferedBytes: Int { context.totalCost }

    var context: ReassemblyContext
    var table = ConnectionTable()
    private var nextID: ConnectionID = 0
    /// Capture second at or after which the next sweep (timeouts, tombstones) runs.
    private var nextSweepSecond = Int64.min

    public init(consumer: Consumer, limits: ReassemblyLimits = ReassemblyLimits(), serverPorts: Set<UInt16>) {
        self.consumer = consumer
        self.limits = limits
        self.serverPorts = serverPorts
        context = ReassemblyContext(limits: limits)
        if limits.maxConnections > 0 { table.tombstoneLimit = limits.maxConnections }
    }

    /// Feeds one segment; `frameLength` is the frame's wire length (for byte counters).
    /// `payload` is the captured payload, borrowed for the call; `segment.missingPayload` more bytes
    /// were cut by the snap length.
    public mutating func process(_ segment: borrowing TCPSegment, payload: Span<UInt8>, frame: FrameNumber,
                                 time: Timestamp, frameLength: Int) {
        if time.seconds >= nextSweepSecond {
            sweep(frame: frame, time: time)
            nextSweepSecond = time.seconds &+ 1
        }
        let key = FlowKey(segment.source, segment.destination)
        let flags = segment.flags
        let isSyn = flags.contains(.syn)
        let isPureSyn = isSyn && !flags.contains(.ack)
        let source = segment.source
        let sequence = segment.sequence
        let slot: Int
        if let existing = table.slot(for: key) {
            if isPureSyn && !table.slots[existing].isRetransmittedSyn(from: source, sequence: sequence) {
                // A new connection on the same 4-tuple (RFC 9293 §3.10.7.4 leaves reuse to the peers).
                close(existing, reason: table.slots[existing].bothFinsSeen ? .fin : .reused, frame: frame, time: time)
                slot = open(segment, key: key, frame: frame, time: time)
            } else {
                slot = existing
            }
        } else if table.isTombstoned(key) && !isSyn {
            return  // a straggler of a connection already closed
        } else {
            slot = open(segment, key: key, frame: frame, time: time)
        }
        let missing = segment.missingPayload
        let carriesBytes = payload.count > 0 || missing > 0
        if !table.slots[slot].announced && (carriesBytes || table.slots[slot].mayReport) { announce(slot) }
        let reason = table.slots[slot].process(segment, payload: payload, frame: frame, time: time,
                                               frameLength: frameLength, context: &context, consumer: &consumer)
        if let reason {
            close(slot, reason: reason, frame: frame, time: time)
        } else {
            table.touch(slot, carriesPayload: table.slots[slot].carriedPayload)
            if table.slots[slot].needsSweep { table.watch(slot) }
        }
    }

    /// End of capture: every hole becomes an `endOfCapture` gap and every open connection is closed
    /// (`fin`, `halfClosed` or `endOfCapture`), in connection-ID order.
    public mutating func finish(frame: FrameNumber, time: Timestamp) {
        // Nothing follows: closing every connection leaves no tombstone (they were a tenth of the
        // peak with 100k connections open at the end).
        table.removeAllTombstones()
        table.keepsTombstones = false
        for slot in table.liveSlotsByID() {
            let connection = table.slots[slot]
            let reason: CloseReason = connection.bothFinsSeen ? .fin : connection.anyFinSeen ? .halfClosed : .endOfCapture
            close(slot, reason: reason, frame: frame, time: time)
        }
        table.keepsTombstones = true
    }

    // MARK: Internals

    private mutating func open(_ segment: borrowing TCPSegment, key: FlowKey, frame: FrameNumber,
                               time: Timestamp) -> Int {
        let source = segment.source
        let destination = segment.destination
        let client: Endpoint
        let server: Endpoint
        let basis: RoleBasis
        let flags = segment.flags
        if flags.contains(.syn) && !flags.contains(.ack) {
            (client, server, basis) = (source, destination, .syn)
        } else if flags.contains(.syn) {
            (client, server, basis) = (destination, source, .synAck)
        } else {
            let sourceIsServer = serverPorts.contains(source.port)
            let destinationIsServer = serverPorts.contains(destination.port)
            if destinationIsServer != sourceIsServer {
                (client, server) = destinationIsServer ? (source, destination) : (destination, source)
                basis = .serverPort
            } else {
                (client, server) = source.port < destination.port ? (destination, source) : (source, destination)
                basis = .lowerPort
            }
        }
        if limits.maxConnections > 0, table.liveCount >= limits.maxConnections,
           let victim = table.oldest(ConnectionTable.quiet) ?? table.oldest(ConnectionTable.active) {
            evictions += 1
            close(victim, reason: .evicted, frame: frame, time: time)
        }
        let info = ConnectionInfo(id: nextID, client: client, server: server, roleBasis: basis,
                                  sawHandshake: basis == .syn || basis == .synAck)
        nextID &+= 1
        let foreign = historyShard.count > 1
            && ConnectionSharding.shard(ofID: info.id, among: historyShard.count) != historyShard.index
        return table.insert(Connection(info: info, key: key, frame: frame, time: time, skipsHistoryBytes: foreign))
    }

    /// Tells the consumer of the connection, with the frame and time that made it known.
    private mutating func announce(_ slot: Int) {
        table.slots[slot].announced = true
        let connection = table.slots[slot]
        consumer.connectionOpened(connection.info, frame: connection.firstFrame, time: connection.firstTime)
    }

    private mutating func close(_ slot: Int, reason: CloseReason, frame: FrameNumber, time: Timestamp) {
        if !table.slots[slot].announced { announce(slot) }
        table.slots[slot].flush(frame: frame, time: time, context: &context, consumer: &consumer)
        let connection = table.slots[slot]
        consumer.connectionClosed(connection.info, stats: connection.stats, reason: reason, frame: frame, time: time)
        table.remove(slot, time: time)
    }

    /// Once per capture second: idle timeouts (from the heads of the recency lists), hole timeouts
    /// and FIN+FIN lingering (only the watched connections), tombstone expiry (oldest first). The
    /// work is proportional to what expires or is watched, not to the connections open.
    private mutating func sweep(frame: FrameNumber, time: Timestamp) {
        table.expireTombstones(at: time)
        guard table.liveCount > 0 else { return }
        expireIdle(ConnectionTable.quiet, after: limits.halfOpenTimeoutSeconds, frame: frame, time: time)
        expireIdle(ConnectionTable.active, after: limits.idleTimeoutSeconds, frame: frame, time: time)
        guard !table.watched.isEmpty else { return }
        // Slot order, as the sweep of every slot had: connections closing in one sweep keep their order.
        for slot in table.watched.sorted() where table.isLive(slot) {
            if !table.slots[slot].announced { announce(slot) }
            if let reason = table.slots[slot].sweep(frame: frame, time: time, context: &context, consumer: &consumer) {
                close(slot, reason: reason, frame: frame, time: time)
            }
        }
        table.pruneWatched { $0.needsSweep }
    }

    private mutating func expireIdle(_ list: Int, after seconds: Int64, frame: FrameNumber, time: Timestamp) {
        guard seconds > 0 else { return }
        let limit = seconds &* 1_000_000_000
        while let slot = table.oldest(list),
              time.totalNanoseconds &- table.slots[slot].lastTime.totalNanoseconds > limit {
            idleCloses += 1
            close(slot, reason: .idle, frame: frame, time: time)
        }
    }
}

/// Splits connections between independent assemblers (one per thread): every segment of a
/// connection, in both directions, goes to the same shard.
public enum ConnectionSharding {
    /// The shard (0 ..< `count`) of the connection `segment` belongs to.
    @inlinable
    public static func shard(of segment: borrowing TCPSegment, among count: Int) -> Int {
        count <= 1 ? 0 : Int(truncatingIfNeeded: hash(segment.source, segment.destination) % UInt64(count))
    }

    /// The shard of connection `id` (IDs are the same on every thread that reassembles every
    /// connection). Hashed, not `id % count`: a client that opens connections in a pattern (a
    /// publisher, then a subscriber …) would otherwise give one shard all the heavy ones.
    @inlinable
    public static func shard(ofID id: ConnectionID, among count: Int) -> Int {
        count <= 1 ? 0 : Int(truncatingIfNeeded: ((UInt64(id) &* 0x9E37_79B9_7F4A_7C15) >> 32) % UInt64(count))
    }

    @usableFromInline
    static func hash(_ a: Endpoint, _ b: Endpoint) -> UInt64 { FlowKey(a, b).mixed }
}
