import WireCore

/// The bytes most recently delivered on all connections of one `Assembler`, kept so that a
/// retransmission can be compared with the first copy: one ring of records, written in delivery
/// order. Each record is one delivered piece: a header (stream offset, length, frame, and the
/// position of the previous record of the same direction) followed by the bytes. A direction keeps
/// only the position of its newest record (`DeliveredHistory`) and walks back from there.
///
/// Why one ring and not one buffer per direction: with thousands of connections open, a buffer per
/// direction spreads every segment's copy (and its bookkeeping) over memory that is cold by the time
/// that connection speaks again: 2000 connections × 2 × 16 KiB is 64 MiB of scattered writes. The
/// ring is written sequentially, stays bounded whatever the number of connections, and touches
/// nothing else per segment. The price: a quiet connection's history can be pushed out by busy
/// ones, and those bytes are then reported as not comparable, never as equal or different.
///
/// Positions count the bytes written before (64-bit, never wrap in practice). A record at `p` is
/// held while `p >= oldestHeld`; as its bytes follow its header, they are held then too.
struct HistoryArena {
    /// Header: stream offset (8), previous record + 1 (8, 0 = none), frame (4), length (4).
    static let headerSize = 24
    /// Records start at multiples of this.
    static let alignment = 8

    /// A power of two, at least 64 (0: no history is kept).
    let capacity: Int
    private var storage: HistoryArenaStorage?
    private var bytes: UnsafeMutableRawPointer?
    /// Bytes written so far (records and padding): the position of the next record.
    private(set) var written: UInt64 = 0

    /// `capacity` is rounded down to a power of two; the memory is allocated at the first append.
    init(capacity requested: Int) {
        var c = 0
        if requested >= 64 { c = 1 << (Int.bitWidth - 1 - requested.leadingZeroBitCount) }
        capacity = c
    }

    /// Lowest position still held.
    var oldestHeld: UInt64 { written > UInt64(capacity) ? written &- UInt64(capacity) : 0 }

    /// Appends a record of `data`, delivered at stream `offset` from `frame`, whose direction's
    /// previous record is `previous` (a position + 1, or 0). Returns the new record's position + 1,
    /// or 0 when the record is larger than the whole ring (nothing is kept).
    mutating func append(_ data: Span<UInt8>, at offset: UInt64, frame: FrameNumber, previous: UInt64) -> UInt64 {
        let n = data.count
        let size = HistoryArena.headerSize + n
        guard capacity > 0, size <= capacity, n <= Int(UInt32.max) else { return 0 }
        if bytes == nil {
            let s = HistoryArenaStorage(capacity: capacity)
            storage = s
            bytes = s.bytes
        }
        guard let ring = bytes else { return 0 }
        var at = Int(truncatingIfNeeded: written & UInt64(capacity - 1))
        if capacity - at < HistoryArena.headerSize {
            // Headers never straddle the end of the ring (payloads may).
            written &+= UInt64(capacity - at)
            at = 0
        }
        let position = written
        ring.storeBytes(of: offset, toByteOffset: at, as: UInt64.self)
        ring.storeBytes(of: previous, toByteOffset: at + 8, as: UInt64.self)
        ring.storeBytes(of: frame, toByteOffset: at + 16, as: UInt32.self)
        ring.storeBytes(of: UInt32(n), toByteOffset: at + 20, as: UInt32.self)
        let payloadAt = at + HistoryArena.headerSize
        data.withUnsafeBytes { src in
            guard let base = src.baseAddress else { return }
            let head = min(n, max(0, capacity - payloadAt))
            (ring + payloadAt).copyMemory(from: base, byteCount: head)
            if head < n { ring.copyMemory(from: base + head, byteCount: n - head) }
        }
        let mask = UInt64(HistoryArena.alignment - 1)
        written = (position &+ UInt64(size) &+ mask) & ~mask
        return position &+ 1
    }

    /// Advances as `append` of `n` bytes would, storing nothing: for a connection whose overlaps are
    /// never compared (another thread's share, `Assembler.historyShard`), so that the others'
    /// records are let go exactly when they would be with its bytes in the ring.
    mutating func skip(_ n: Int) {
        let size = HistoryArena.headerSize + n
        guard capacity > 0, size <= capacity, n <= Int(UInt32.max) else { return }
        let at = Int(truncatingIfNeeded: written & UInt64(capacity - 1))
        if capacity - at < HistoryArena.headerSize { written &+= UInt64(capacity - at) }
        let mask = UInt64(HistoryArena.alignment - 1)
        written = (written &+ UInt64(size) &+ mask) & ~mask
    }

    /// The record at `reference` (a position + 1), if it is still held.
    func record(_ reference: UInt64) -> Record? {
        guard reference > 0, let ring = bytes else { return nil }
        let position = reference &- 1
        guard position >= oldestHeld, position < written else { return nil }
        let at = Int(truncatingIfNeeded: position & UInt64(capacity - 1))
        return Record(
            offset: ring.load(fromByteOffset: at, as: UInt64.self),
            previous: ring.load(fromByteOffset: at + 8, as: UInt64.self),
            frame: ring.load(fromByteOffset: at + 16, as: FrameNumber.self),
            length: Int(ring.load(fromByteOffset: at + 20, as: UInt32.self)),
            payload: position &+ UInt64(HistoryArena.headerSize))
    }

    /// Byte `index` of a held record's payload.
    @inline(__always) func byte(_ record: Record, _ index: Int) -> UInt8 {
        let at = Int(truncatingIfNeeded: (record.payload &+ UInt64(index)) & UInt64(capacity - 1))
        return bytes.unsafelyUnwrapped.load(fromByteOffset: at, as: UInt8.self)
    }

    struct Record {
        var offset: UInt64
        var previous: UInt64
        var frame: FrameNumber
        var length: Int
        /// Position of the first payload byte.
        var payload: UInt64
        var end: UInt64 { offset &+ UInt64(length) }
    }
}

/// The memory of one `HistoryArena`.
final class HistoryArenaStorage {
    let bytes: UnsafeMutableRawPointer
    init(capacity: Int) {
        // Only written bytes are ever read back.
        bytes = .allocate(byteCount: capacity, alignment: HistoryArena.alignment)
    }
    deinit { bytes.deallocate() }
}
