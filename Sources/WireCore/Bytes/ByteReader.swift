/// Why a read failed.
public enum ReadError: Error, Sendable, Equatable {
    /// The bytes end before the value does; `needed` more bytes would be required.
    case truncated(at: Int, needed: Int)
}

/// A bounds-checked cursor over borrowed bytes.
///
/// The reader holds only an offset; the bytes are passed to every call as a `Span<UInt8>`
/// so that nothing borrowed can outlive the call that lent it. Every read checks bounds
/// first and throws `ReadError.truncated` instead of trapping: no length from the wire is
/// trusted. Reads return the range they consumed so callers record offsets in the same
/// call that reads the bytes.
public struct ByteReader: Sendable {
    public var offset: Int
    /// Reads stop here (exclusive); may be less than the span's count to confine a sub-structure.
    public var limit: Int

    @inlinable public init(offset: Int = 0, limit: Int) {
        self.offset = offset
        self.limit = limit
    }

    @inlinable public var remaining: Int { Swift.max(0, limit - offset) }
    @inlinable public var isAtEnd: Bool { offset >= limit }

    @inlinable func require(_ n: Int) throws(ReadError) {
        if n < 0 || limit - offset < n { throw .truncated(at: offset, needed: n - Swift.max(0, limit - offset)) }
    }

    @inlinable public mutating func u8(_ b: borrowing Span<UInt8>) throws(ReadError) -> UInt8 {
        try require(1)
        guard offset < b.count else { throw .truncated(at: offset, needed: 1) }
        let v = b[offset]
        offset += 1
        return v
    }

    @inlinable public mutating func u16(_ b: borrowing Span<UInt8>) throws(ReadError) -> UInt16 {
        try require(2)
        guard offset + 2 <= b.count else { throw .truncated(at: offset, needed: offset + 2 - b.count) }
        let v = UInt16(b[offset]) << 8 | UInt16(b[offset + 1])
        offset += 2
        return v
    }

    @inlinable public mutating func u32(_ b: borrowing Span<UInt8>) throws(ReadError) -> UInt32 {
        try require(4)
        guard offset + 4 <= b.count else { throw .truncated(at: offset, needed: offset + 4 - b.count) }
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(b[offset + i]) }
        offset += 4
        return v
    }

    /// Consumes `count` bytes and returns their range without copying them.
    @inlinable public mutating func skip(_ count: Int, in b: borrowing Span<UInt8>) throws(ReadError) -> ByteRange {
        try require(count)
        guard offset + count <= b.count else { throw .truncated(at: offset, needed: offset + count - b.count) }
        let r = ByteRange(start: offset, count: count)
        offset += count
        return r
    }
}
