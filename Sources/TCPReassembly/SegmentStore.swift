/// Pooled storage for out-of-order payload, shared by every connection of one `Assembler`.
///
/// One arena of fixed 64-byte chunks; a held segment is a singly linked chain of chunks. Freed chunks
/// go back on a free list and are reused, so steady-state reordering allocates nothing. The arena
/// grows (geometrically) only up to `maxChunks`, which the assembler derives from `limits.total`.
/// Only the out-of-order path touches this store; in-order data is never copied here.
struct SegmentStore {
    static let chunkSize = 64
    /// A chain head meaning "no storage" (used by pending snap-length markers).
    static let none: Int32 = -1

    private var arena: [UInt8] = []
    private var links: [Int32] = []
    private var freeHead: Int32 = SegmentStore.none
    private var freeCount = 0
    let maxChunks: Int
    /// Reused buffer a chain is gathered into for delivery (grows to the largest held segment).
    private(set) var scratch: [UInt8] = []

    init(maxBytes: Int) {
        let chunks = max(0, maxBytes) / SegmentStore.chunkSize
        maxChunks = min(chunks, Int(Int32.max) - 1)
    }

    /// Chunks a payload of `count` bytes occupies.
    @inline(__always) static func chunks(for count: Int) -> Int {
        let c = max(0, count)
        return c / chunkSize + (c % chunkSize == 0 ? 0 : 1)
    }

    /// Memory a payload of `count` bytes occupies here (what the limits count).
    @inline(__always) static func cost(of count: Int) -> Int { chunks(for: count) &* chunkSize }

    var chunksAllocated: Int { links.count }
    var chunksInUse: Int { links.count - freeCount }

    /// Copies `bytes` into a new chain; nil when the arena cannot hold them (or `bytes` is empty).
    mutating func store(_ bytes: Span<UInt8>) -> Int32? {
        let need = SegmentStore.chunks(for: bytes.count)
        guard need > 0, reserve(need) else { return nil }
        let head = freeHead
        var chunk = head
        var copied = 0
        var last = head
        arena.withUnsafeMutableBufferPointer { dst in
            bytes.withUnsafeBufferPointer { src in
                guard let dstBase = dst.baseAddress, let srcBase = src.baseAddress else { return }
                while copied < src.count {
                    let n = min(SegmentStore.chunkSize, src.count - copied)
                    (dstBase + Int(chunk) * SegmentStore.chunkSize).update(from: srcBase + copied, count: n)
                    copied += n
                    last = chunk
                    chunk = links[Int(chunk)]
                }
            }
        }
        freeHead = links[Int(last)]
        links[Int(last)] = SegmentStore.none
        freeCount -= need
        return head
    }

    /// Returns a chain's chunks to the free list.
    mutating func release(_ head: Int32) {
        var chunk = head
        while chunk >= 0 && Int(chunk) < links.count {
            let next = links[Int(chunk)]
            links[Int(chunk)] = freeHead
            freeHead = chunk
            freeCount += 1
            chunk = next
        }
    }

    /// Copies the first `count` bytes of a chain into `scratch[0 ..< count]`.
    mutating func gather(_ head: Int32, count: Int) {
        if scratch.count < count {
            scratch.append(contentsOf: repeatElement(0, count: count - scratch.count))
        }
        var chunk = head
        var copied = 0
        let links = self.links
        arena.withUnsafeBufferPointer { src in
            scratch.withUnsafeMutableBufferPointer { dst in
                guard let srcBase = src.baseAddress, let dstBase = dst.baseAddress else { return }
                while copied < count && chunk >= 0 && Int(chunk) < links.count {
                    let n = min(SegmentStore.chunkSize, count - copied)
                    (dstBase + copied).update(from: srcBase + Int(chunk) * SegmentStore.chunkSize, count: n)
                    copied += n
                    chunk = links[Int(chunk)]
                }
            }
        }
    }

    /// Compares `bytes` with the chain's bytes starting at `skip`; true when all are equal.
    func matches(_ head: Int32, from skip: Int, _ bytes: Span<UInt8>) -> Bool {
        var chunk = head
        var position = 0    // chain offset of `chunk`'s first byte
        while chunk >= 0 && position + SegmentStore.chunkSize <= skip {
            guard Int(chunk) < links.count else { return false }
            chunk = links[Int(chunk)]
            position += SegmentStore.chunkSize
        }
        var i = 0
        while i < bytes.count {
            guard chunk >= 0 && Int(chunk) < links.count else { return false }
            let within = skip + i - position
            let n = min(SegmentStore.chunkSize - within, bytes.count - i)
            let base = Int(chunk) * SegmentStore.chunkSize + within
            for k in 0..<n where arena[base + k] != bytes[i + k] { return false }
            i += n
            chunk = links[Int(chunk)]
            position += SegmentStore.chunkSize
        }
        return true
    }

    /// Makes sure `need` chunks are free, growing the arena up to `maxChunks`.
    private mutating func reserve(_ need: Int) -> Bool {
        if freeCount >= need { return true }
        let missing = need - freeCount
        guard links.count + missing <= maxChunks else { return false }
        let grow = min(maxChunks - links.count, max(missing, max(links.count, 256)))
        let first = links.count
        arena.append(contentsOf: repeatElement(0, count: grow * SegmentStore.chunkSize))
        links.reserveCapacity(first + grow)
        // Link the new chunks in ascending order in front of the current free list.
        for i in 0..<grow {
            links.append(i + 1 < grow ? Int32(first + i + 1) : freeHead)
        }
        freeHead = Int32(first)
        freeCount += grow
        return true
    }
}
