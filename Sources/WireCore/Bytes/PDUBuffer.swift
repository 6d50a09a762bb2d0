/// Where a run of stream bytes came from: its first absolute stream offset and its capture frame.
public struct FrameChunk: Hashable, Sendable, CustomStringConvertible {
    public var offset: UInt64
    public var frame: FrameNumber

    @inlinable public init(offset: UInt64, frame: FrameNumber) {
        self.offset = offset
        self.frame = frame
    }

    public var description: String { "\(offset)@\(frame)" }
}

/// A problem a stream framer found between or across units (lost bytes, desynchronisation,
/// oversize units): a `Diagnostic` anchored at absolute stream offsets instead of a unit's
/// bytes. The MQTT, STOMP and WebSocket framers all report this one type; the analysis layer
/// hands it to the sink as a `StreamEventReport` through one conversion.
public struct StreamFinding: Sendable, Equatable {
    public var diagnostic: Diagnostic
    public var range: StreamRange
    /// The capture frame whose bytes (or gap) revealed the problem.
    public var frame: FrameNumber

    public init(_ diagnostic: Diagnostic, range: StreamRange, frame: FrameNumber) {
        self.diagnostic = diagnostic
        self.range = range
        self.frame = frame
    }

    public init(_ rule: RuleID, _ severity: Severity, _ message: String, range: StreamRange, frame: FrameNumber,
                verdict: Verdict = .violation) {
        self.init(Diagnostic(rule, severity, message, verdict: verdict), range: range, frame: frame)
    }

    public var rule: RuleID { diagnostic.rule }
    public var severity: Severity { diagnostic.severity }
    public var verdict: Verdict { diagnostic.verdict }
    public var message: String { diagnostic.message }
}

/// Accumulates the bytes of one PDU that arrives split over several appends, remembering which
/// capture frame each run of bytes came from.
///
/// Protocol-neutral: an MQTT or STOMP framer owns one per direction and reuses it for every
/// split PDU. Storage is kept across `reset()`, so steady state allocates nothing; it grows only
/// as bytes actually arrive (a length field claiming 256 MB reserves nothing).
public struct PDUBuffer: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// One entry per append that contributed bytes, in stream order.
    public private(set) var chunks: [FrameChunk] = []
    /// `bytes.count`, kept inline: framers ask for it on every segment, and reading the array's
    /// count is a load from its heap buffer (a cache miss with thousands of connections open).
    public private(set) var count = 0

    public init() {}

    @inlinable public var isEmpty: Bool { count == 0 }

    /// The absolute stream offset of the first buffered byte (0 when empty).
    public var startOffset: UInt64 { chunks.first?.offset ?? 0 }
    /// The absolute stream offset just past the last buffered byte.
    public var endOffset: UInt64 { startOffset &+ UInt64(bytes.count) }
    public var streamRange: StreamRange { StreamRange(startOffset, endOffset) }

    /// Appends `span` (bytes that start at stream `offset` and came from `frame`).
    public mutating func append(_ span: Span<UInt8>, at offset: UInt64, frame: FrameNumber) {
        guard span.count > 0 else { return }
        if chunks.last?.frame != frame || endOffset != offset || chunks.isEmpty {
            chunks.append(FrameChunk(offset: offset, frame: frame))
        }
        span.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
        count = bytes.count
    }

    /// Appends one byte.
    public mutating func append(_ byte: UInt8, at offset: UInt64, frame: FrameNumber) {
        if chunks.last?.frame != frame || endOffset != offset || chunks.isEmpty {
            chunks.append(FrameChunk(offset: offset, frame: frame))
        }
        bytes.append(byte)
        count = bytes.count
    }

    /// The capture frame of the buffered byte at `index`.
    public func frame(at index: Int) -> FrameNumber? {
        guard index >= 0, index < bytes.count else { return nil }
        let offset = startOffset &+ UInt64(index)
        var found: FrameNumber?
        for c in chunks where c.offset <= offset { found = c.frame }
        return found
    }

    /// Drops the first `n` bytes (and the chunks that only covered them).
    public mutating func removeFirst(_ n: Int) {
        let n = Swift.min(Swift.max(0, n), bytes.count)
        guard n > 0 else { return }
        if n == bytes.count { reset(); return }
        let newStart = startOffset &+ UInt64(n)
        bytes.removeFirst(n)
        count = bytes.count
        // Keep the chunk containing newStart and everything after it.
        var keepFrom = 0
        for (i, c) in chunks.enumerated() where c.offset <= newStart { keepFrom = i }
        if keepFrom > 0 { chunks.removeFirst(keepFrom) }
        chunks[0].offset = newStart
    }

    /// Empties the buffer, keeping its storage.
    public mutating func reset() {
        guard count > 0 || !chunks.isEmpty else { return }
        bytes.removeAll(keepingCapacity: true)
        chunks.removeAll(keepingCapacity: true)
        count = 0
    }

    /// Lends the buffered bytes (or the sub-range `range`) to `body`.
    public func withSpan<R>(_ range: Range<Int>? = nil, _ body: (Span<UInt8>) throws -> R) rethrows -> R {
        let all = bytes.span
        if let r = range {
            let lo = Swift.max(0, Swift.min(r.lowerBound, all.count))
            let hi = Swift.max(lo, Swift.min(r.upperBound, all.count))
            return try body(all.extracting(lo..<hi))
        }
        return try body(all)
    }

    /// The frames that contributed bytes to `lower ..< upper` (buffer-relative), into `out`
    /// (cleared first, capacity kept).
    public func chunks(covering lower: Int, _ upper: Int, into out: inout [FrameChunk]) {
        out.removeAll(keepingCapacity: true)
        let lo = startOffset &+ UInt64(Swift.max(0, lower))
        let hi = startOffset &+ UInt64(Swift.max(0, upper))
        for (i, c) in chunks.enumerated() {
            let next = i + 1 < chunks.count ? chunks[i + 1].offset : endOffset
            if next <= lo || c.offset >= hi { continue }
            out.append(FrameChunk(offset: Swift.max(c.offset, lo), frame: c.frame))
        }
    }
}
