public import Rendering
import Dispatch
import Synchronization

/// Output of a sharded run that must come out in capture order, byte-identical to one thread.
///
/// Every shard runs the whole pipeline below the router (reading, decoding, reassembly of every
/// connection), so the reassembler's calls to its consumer — and the connection IDs, evictions and
/// timeouts — are the same on every shard; only the router's work above them (protocol decoding,
/// rendering) is split, by connection. Each consumer call has a sequence number, the same on every
/// shard; everything a call causes belongs to one connection, hence to one shard, which tags the
/// bytes it wrote with that number. The merger writes the pieces in number order.
///
/// A shard hands its output over in batches through a bounded queue (`ShardPipe`), so memory stays
/// flat in the capture's size: a shard that runs ahead waits for the merger.
public struct ShardBatch: Sendable {
    /// The bytes of the pieces, one after the other.
    public var bytes: [UInt8]
    /// Per piece: its sequence number and where its bytes end in `bytes`; numbers increase.
    public var pieces: [(sequence: UInt64, end: Int)]
    /// Every piece this shard writes with a number up to this one is in this batch or an earlier one
    /// (`UInt64.max` in the shard's last batch).
    public var through: UInt64
}

/// A bounded single-producer, single-consumer queue of batches from one shard to the merger.
/// It also says how large the shard's batches are (`ShardWriter`).
public final class ShardPipe: Sendable {
    private let queue = Mutex<[ShardBatch]>([])
    /// Byte buffers the merger is done with, for the shard's next batches: reused, because a fresh
    /// buffer of this size is mapped and faulted in page by page every time.
    private let spare = Mutex<[[UInt8]]>([])
    private let free: DispatchSemaphore
    private let ready = DispatchSemaphore(value: 0)
    let batchBytes: Int
    let batchEvents: Int

    /// At most `capacity` batches wait; a batch is sent once it holds `batchBytes` bytes or after
    /// `batchEvents` of the reassembler's calls (so that a shard with little output still tells the
    /// merger how far it got).
    public init(capacity: Int = 8, batchBytes: Int = 1 << 17, batchEvents: Int = 1 << 13) {
        free = DispatchSemaphore(value: capacity)
        self.batchBytes = batchBytes
        self.batchEvents = batchEvents
    }

    /// Blocks while `capacity` batches wait for the merger.
    public func send(_ batch: ShardBatch) {
        free.wait()
        queue.withLock { $0.append(batch) }
        ready.signal()
    }

    /// Blocks until the shard sends a batch.
    func receive() -> ShardBatch {
        ready.wait()
        let batch = queue.withLock { $0.removeFirst() }
        free.signal()
        return batch
    }

    /// Hands a batch's bytes back for reuse.
    func recycle(_ bytes: [UInt8]) {
        guard bytes.capacity > 0 else { return }
        spare.withLock { if $0.count < 4 { $0.append(bytes) } }
    }

    /// An empty buffer, with the capacity of one used before when there is one.
    func emptyBuffer() -> [UInt8] {
        var b = spare.withLock { $0.popLast() } ?? []
        b.removeAll(keepingCapacity: true)
        return b
    }
}

/// A shard's side of its pipe: collects what a sink writes into pieces tagged with the current
/// sequence number, and sends them in batches as the pipe says.
public struct ShardWriter {
    let pipe: ShardPipe
    var current: UInt64 = 0
    var pieces: [(sequence: UInt64, end: Int)] = []
    var eventsSinceSend = 0

    public init(pipe: ShardPipe) { self.pipe = pipe }

    /// Consumer call `sequence` begins (all before it are done); `out` holds what was written since
    /// the last batch was sent, and is emptied when one is sent now.
    public mutating func begin(_ sequence: UInt64, out: inout Output) {
        if out.count > (pieces.last?.end ?? 0) { pieces.append((current, out.count)) }
        current = sequence
        eventsSinceSend &+= 1
        if out.count >= pipe.batchBytes || eventsSinceSend >= pipe.batchEvents {
            send(through: sequence &- 1, out: &out)
        }
    }

    /// The shard is done: sends the rest, marked final.
    public mutating func finish(out: inout Output) {
        if out.count > (pieces.last?.end ?? 0) { pieces.append((current, out.count)) }
        send(through: .max, out: &out)
    }

    private mutating func send(through: UInt64, out: inout Output) {
        var bytes = pipe.emptyBuffer()
        out.withBytes { bytes.append(contentsOf: $0) }
        pipe.send(ShardBatch(bytes: bytes, pieces: pieces, through: through))
        out.clear()
        pieces.removeAll(keepingCapacity: true)
        eventsSinceSend = 0
    }
}

/// Writes the shards' pieces in sequence order (on the calling thread), as they arrive.
enum ShardMerger {
    static func merge(_ pipes: [ShardPipe], write: (UnsafeBufferPointer<UInt8>) -> Void) {
        struct Head {
            var batch = ShardBatch(bytes: [], pieces: [], through: 0)
            var next = 0
            var hasPiece: Bool { next < batch.pieces.count }
            var sequence: UInt64 { batch.pieces[next].sequence }
            var done: Bool { batch.through == .max && !hasPiece }
        }
        var heads = [Head](repeating: Head(), count: pipes.count)
        while true {
            // The lowest number among the pieces at hand, and the lowest a shard with none at hand
            // might still write (one past what it has reported done).
            var best = -1
            var waitFor = -1
            var unknownFrom = UInt64.max
            for (i, h) in heads.enumerated() {
                if h.hasPiece {
                    if best < 0 || h.sequence < heads[best].sequence { best = i }
                } else if h.batch.through != .max {
                    let from = h.batch.through &+ 1
                    if waitFor < 0 || from < unknownFrom { unknownFrom = from; waitFor = i }
                }
            }
            if best >= 0 && heads[best].sequence < unknownFrom {
                // Write this shard's run of pieces that precede every other shard's next piece.
                var limit = unknownFrom
                for (i, h) in heads.enumerated() where i != best && h.hasPiece { limit = min(limit, h.sequence) }
                let start = heads[best].next == 0 ? 0 : heads[best].batch.pieces[heads[best].next - 1].end
                var end = start
                while heads[best].hasPiece && heads[best].sequence < limit {
                    end = heads[best].batch.pieces[heads[best].next].end
                    heads[best].next += 1
                }
                heads[best].batch.bytes.withUnsafeBufferPointer { all in
                    write(UnsafeBufferPointer(rebasing: all[start..<end]))
                }
            } else if waitFor >= 0 {
                let spent = heads[waitFor].batch.bytes
                heads[waitFor] = Head(batch: pipes[waitFor].receive())
                pipes[waitFor].recycle(spent)
            } else {
                return  // every shard is done and every piece written
            }
        }
    }
}
