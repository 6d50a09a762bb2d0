/// A half-open range of byte offsets, `lower ..< upper`.
///
/// Inside a decoded PDU the offsets are relative to the PDU's first byte; the PDU's
/// `StreamRange` turns them into absolute TCP stream offsets.
public struct ByteRange: Hashable, Sendable, CustomStringConvertible {
    public var lower: Int
    public var upper: Int

    @inlinable public init(_ lower: Int, _ upper: Int) {
        self.lower = lower
        self.upper = upper
    }

    @inlinable public init(start: Int, count: Int) {
        self.lower = start
        self.upper = start + count
    }

    @inlinable public var count: Int { upper - lower }
    @inlinable public var isEmpty: Bool { upper <= lower }
    @inlinable public var range: Range<Int> { lower..<upper }

    @inlinable public func contains(_ other: ByteRange) -> Bool {
        other.lower >= lower && other.upper <= upper
    }

    @inlinable public func shifted(by delta: Int) -> ByteRange {
        ByteRange(lower + delta, upper + delta)
    }

    public var description: String { "\(lower)..<\(upper)" }
}

/// A half-open range of absolute offsets in one direction of a TCP stream.
/// Offset 0 is the first payload byte after the SYN (or the first byte seen, mid-stream).
public struct StreamRange: Hashable, Sendable, CustomStringConvertible {
    public var lower: UInt64
    public var upper: UInt64

    @inlinable public init(_ lower: UInt64, _ upper: UInt64) {
        self.lower = lower
        self.upper = upper
    }

    /// `lower ..< lower + count`, the end saturating at `UInt64.max`: a length read from the wire
    /// can claim any size, and a claimed range must neither trap nor wrap below its start.
    @inlinable public init(_ lower: UInt64, saturatingCount count: UInt64) {
        self.lower = lower
        self.upper = lower.saturatingAdd(count)
    }

    /// The absolute offset of a PDU-relative position (negative clamps to the start).
    @inlinable public static func offset(_ base: UInt64, plus relative: Int) -> UInt64 {
        base.saturatingAdd(UInt64(clamping: relative))
    }

    @inlinable public var count: UInt64 { upper &- lower }
    @inlinable public var isEmpty: Bool { upper <= lower }

    public var description: String { "\(lower)..<\(upper)" }
}

extension UInt64 {
    /// `self + x`, or `UInt64.max` where that overflows.
    @inlinable public func saturatingAdd(_ x: UInt64) -> UInt64 {
        let (r, overflow) = addingReportingOverflow(x)
        return overflow ? .max : r
    }
}
