import WireCore

/// The last delivered bytes of one direction, with the frame each byte came from, so that a
/// retransmission can be compared with the first copy (and both frames named).
///
/// Holds the contiguous stream range `start ..< end`, where `end` is always the delivery point.
/// Appending is one copy (two when it wraps) into a ring whose capacity grows geometrically up to the
/// limit (a handful of allocations per direction in its lifetime, none per segment). A gap breaks the
/// contiguity, so it empties the ring (`reset`). Frames are kept as runs (start offset, frame) in a
/// second ring of at most `maxRuns`; when that fills, the oldest run is dropped and `start` moves up
/// with it.
///
/// Shaped for speed: `append` runs for every delivered segment, with thousands of connections open, so
/// each call is mostly cache misses. The ring memory is reached through pointers kept inline (no array
/// header or uniqueness check to load), the newest run's frame is kept inline, and runs that `start`
/// has passed are dropped lazily (when the run ring fills, or never), which gives the same answers as
/// dropping them at once: `frame(at:)` looks from the newest run down and stops before reaching them.
/// The storage is shared by copies of the struct; a `HalfStream` (its only owner) is never copied
/// while both copies are in use.
struct HistoryRing {
    struct Run {
        var start: UInt64
        var frame: FrameNumber
    }

    static let maxRuns = 512
    static let initialRuns = 32
    static let initialCapacity = 2048

    let limit: Int
    /// Owns the memory `bytes` and `runs` point into.
    private var storage: HistoryStorage?
    private var bytes: UnsafeMutablePointer<UInt8>?
    private var capacity = 0
    private var runs: UnsafeMutablePointer<Run>?
    /// A power of two, at most `maxRuns`.
    private var runCapacity = 0
    private var runHead = 0      // index of the oldest run
    private var runCount = 0     // runs held, including passed ones not yet dropped
    /// The newest run's frame (valid when `runCount > 0`).
    private var newestFrame: FrameNumber = 0
    /// Lowest stream offset still held.
    private(set) var start: UInt64 = 0
    /// One past the newest byte held (the delivery point).
    private(set) var end: UInt64 = 0

    init(limit: Int) { self.limit = max(0, limit) }

    mutating func reset(at offset: UInt64) {
        start = offset
        end = offset
        runCount = 0
    }

    /// Records `data`, just delivered at stream `offset`, from `frame`.
    mutating func append(_ data: Span<UInt8>, at offset: UInt64, frame: FrameNumber) {
        if offset != end { reset(at: offset) }
        let n = data.count
        guard n > 0 else { return }
        guard limit > 0 else {
            reset(at: offset &+ UInt64(n))
            return
        }
        let held = Int(end &- start)
        let wanted = min(limit, held &+ n)
        if capacity < wanted {
            grow(capacity: min(limit, max(wanted, capacity &* 2, HistoryRing.initialCapacity)),
                 runCapacity: max(runCapacity, HistoryRing.initialRuns))
        }
        guard let ring = bytes else { return }
        // Only the newest `capacity` bytes can be kept.
        let keep = min(n, capacity)
        let skip = n - keep
        let first = offset &+ UInt64(skip)
        let position = Int(first % UInt64(capacity))
        data.withUnsafeBufferPointer { src in
            guard let srcBase = src.baseAddress else { return }
            let head = min(keep, capacity - position)
            (ring + position).update(from: srcBase + skip, count: head)
            if head < keep { ring.update(from: srcBase + skip + head, count: keep - head) }
        }
        end = offset &+ UInt64(n)
        if end &- start > UInt64(capacity) { start = end &- UInt64(capacity) }
        addRun(Run(start: offset, frame: frame))
    }

    /// The frame the byte at `offset` came from; 0 when unknown.
    func frame(at offset: UInt64) -> FrameNumber {
        guard offset >= start && offset < end, let runs else { return 0 }
        let mask = runCapacity - 1
        var k = runCount
        while k > 0 {
            k -= 1
            let run = runs[(runHead + k) & mask]
            if run.start <= offset { return run.frame }
        }
        return runCount > 0 ? runs[runHead].frame : 0
    }

    /// Index of the first byte of `data` (at stream `offset`) that differs from the held copy; nil when
    /// all are equal. The range must lie within `start ..< end`.
    func firstDifference(_ data: Span<UInt8>, at offset: UInt64) -> Int? {
        guard capacity > 0, let ring = bytes, offset >= start, offset &+ UInt64(data.count) <= end else {
            return nil
        }
        var position = Int(offset % UInt64(capacity))
        for i in 0..<data.count {
            if ring[position] != data[i] { return i }
            position += 1
            if position == capacity { position = 0 }
        }
        return nil
    }

    private mutating func addRun(_ run: Run) {
        // Same frame as the newest run (a buffered segment delivered in pieces): it already covers it.
        if runCount > 0 && newestFrame == run.frame { return }
        if runCount == runCapacity { dropPassedRuns() }
        if runCount == runCapacity && runCapacity < HistoryRing.maxRuns {
            grow(capacity: capacity, runCapacity: runCapacity &* 2)
        }
        guard let runs else { return }
        let mask = runCapacity - 1
        if runCount == runCapacity {
            // Full at `maxRuns`: the oldest run gives way and the history starts at the next one.
            runs[runHead] = run
            runHead = (runHead + 1) & mask
            start = max(start, runs[runHead].start)
        } else {
            runs[(runHead + runCount) & mask] = run
            runCount += 1
        }
        newestFrame = run.frame
    }

    /// Drops runs that start at or below `start` when a later run also does (it covers `start`).
    private mutating func dropPassedRuns() {
        guard let runs else { return }
        let mask = runCapacity - 1
        while runCount > 1 && runs[(runHead + 1) & mask].start <= start {
            runHead = (runHead + 1) & mask
            runCount -= 1
        }
    }

    /// Moves the held bytes and runs into larger storage (laid out afresh: runs from index 0).
    private mutating func grow(capacity newCapacity: Int, runCapacity newRunCapacity: Int) {
        let larger = HistoryStorage(capacity: newCapacity, runCapacity: newRunCapacity)
        if let old = bytes, capacity > 0, end > start {
            // Copy the held bytes in pieces that are contiguous in both rings (at most four).
            var offset = start
            while offset < end {
                let src = Int(offset % UInt64(capacity))
                let dst = Int(offset % UInt64(newCapacity))
                let n = Swift.min(Int(end - offset), capacity - src, newCapacity - dst)
                (larger.bytes + dst).update(from: old + src, count: n)
                offset &+= UInt64(n)
            }
        }
        if let old = runs {
            let mask = runCapacity - 1
            for k in 0..<runCount { larger.runs[k] = old[(runHead + k) & mask] }
        }
        runHead = 0
        storage = larger
        bytes = larger.bytes
        capacity = newCapacity
        runs = larger.runs
        runCapacity = newRunCapacity
    }
}

/// The memory of one `HistoryRing`, freed with the last ring that refers to it.
final class HistoryStorage {
    let bytes: UnsafeMutablePointer<UInt8>
    let runs: UnsafeMutablePointer<HistoryRing.Run>

    init(capacity: Int, runCapacity: Int) {
        // Uninitialised bytes: only held bytes are ever read back. Runs are plain values.
        bytes = .allocate(capacity: max(1, capacity))
        runs = .allocate(capacity: max(1, runCapacity))
        runs.initialize(repeating: HistoryRing.Run(start: 0, frame: 0), count: max(1, runCapacity))
    }

    deinit {
        bytes.deallocate()
        runs.deallocate()
    }
}
