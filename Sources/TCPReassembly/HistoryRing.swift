import WireCore

/// The last delivered bytes of one direction, with the frame each byte came from, so that a
/// retransmission can be compared with the first copy (and both frames named).
///
/// Holds the contiguous stream range `start ..< end`, where `end` is always the delivery point.
/// Appending is one copy (two when it wraps) into a ring whose capacity grows geometrically up to the
/// limit (a handful of allocations per direction in its lifetime, none per segment). A gap breaks the
/// contiguity, so it empties the ring (`reset`). Frames are kept as runs (start offset, frame) in a
/// second fixed-size ring; when that fills, the oldest run is dropped and `start` moves up with it.
struct HistoryRing {
    struct Run {
        var start: UInt64
        var frame: FrameNumber
    }

    static let maxRuns = 512
    static let initialCapacity = 2048

    let limit: Int
    private var bytes: [UInt8] = []
    private var runs: [Run] = []
    private var runHead = 0      // index of the oldest run
    private var runCount = 0
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
        if bytes.count < wanted { grow(to: min(limit, max(wanted, bytes.count &* 2, HistoryRing.initialCapacity))) }
        let capacity = bytes.count
        // Only the newest `capacity` bytes can be kept.
        let keep = min(n, capacity)
        let skip = n - keep
        let first = offset &+ UInt64(skip)
        let position = Int(first % UInt64(capacity))
        bytes.withUnsafeMutableBufferPointer { ring in
            data.withUnsafeBufferPointer { src in
                guard let ringBase = ring.baseAddress, let srcBase = src.baseAddress else { return }
                let head = min(keep, capacity - position)
                (ringBase + position).update(from: srcBase + skip, count: head)
                if head < keep { ringBase.update(from: srcBase + skip + head, count: keep - head) }
            }
        }
        end = offset &+ UInt64(n)
        if end &- start > UInt64(capacity) { start = end &- UInt64(capacity) }
        addRun(Run(start: offset, frame: frame))
    }

    /// The frame the byte at `offset` came from; 0 when unknown.
    func frame(at offset: UInt64) -> FrameNumber {
        guard offset >= start && offset < end else { return 0 }
        var k = runCount
        while k > 0 {
            k -= 1
            let run = runs[(runHead + k) % HistoryRing.maxRuns]
            if run.start <= offset { return run.frame }
        }
        return runCount > 0 ? runs[runHead].frame : 0
    }

    /// Index of the first byte of `data` (at stream `offset`) that differs from the held copy; nil when
    /// all are equal. The range must lie within `start ..< end`.
    func firstDifference(_ data: Span<UInt8>, at offset: UInt64) -> Int? {
        let capacity = bytes.count
        guard capacity > 0, offset >= start, offset &+ UInt64(data.count) <= end else { return nil }
        var position = Int(offset % UInt64(capacity))
        for i in 0..<data.count {
            if bytes[position] != data[i] { return i }
            position += 1
            if position == capacity { position = 0 }
        }
        return nil
    }

    private mutating func addRun(_ run: Run) {
        if runs.isEmpty {
            runs = Array(repeating: Run(start: 0, frame: 0), count: HistoryRing.maxRuns)
        }
        if runCount > 0 && runs[(runHead + runCount - 1) % HistoryRing.maxRuns].frame == run.frame {
            // Same frame as the newest run (a buffered segment delivered in pieces): extend it.
        } else if runCount == HistoryRing.maxRuns {
            runs[runHead] = run
            runHead = (runHead + 1) % HistoryRing.maxRuns
            start = max(start, runs[runHead].start)
        } else {
            runs[(runHead + runCount) % HistoryRing.maxRuns] = run
            runCount += 1
        }
        // Drop runs that start at or below `start` when a later run also does (it covers `start`).
        while runCount > 1 && runs[(runHead + 1) % HistoryRing.maxRuns].start <= start {
            runHead = (runHead + 1) % HistoryRing.maxRuns
            runCount -= 1
        }
    }

    /// Re-lays the held bytes out in a larger ring.
    private mutating func grow(to capacity: Int) {
        // Uninitialised: only held bytes are ever read back, and they are copied in below.
        var larger = [UInt8](unsafeUninitializedCapacity: capacity) { _, count in count = capacity }
        let old = bytes.count
        if old > 0 && end > start {
            // Copy the held bytes in runs that are contiguous in both rings (at most four).
            var offset = start
            bytes.withUnsafeBufferPointer { from in
                larger.withUnsafeMutableBufferPointer { to in
                    while offset < end {
                        let src = Int(offset % UInt64(old))
                        let dst = Int(offset % UInt64(capacity))
                        let n = Swift.min(Int(end - offset), old - src, capacity - dst)
                        (to.baseAddress! + dst).update(from: from.baseAddress! + src, count: n)
                        offset &+= UInt64(n)
                    }
                }
            }
        }
        bytes = larger
    }
}
