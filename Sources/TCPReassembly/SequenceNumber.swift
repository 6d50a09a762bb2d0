/// A 32-bit TCP sequence number, compared with serial-number arithmetic (RFC 1982 §3, as RFC 9293 §3.4
/// requires): `a` precedes `b` when `b - a`, taken modulo 2^32, lies in 1 ..< 2^31.
///
/// Deliberately not `Comparable`: serial order is not transitive over the whole ring.
struct SequenceNumber: Hashable, Sendable {
    var rawValue: UInt32

    @inline(__always) init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// `other - self` as a signed distance in -2^31 ..< 2^31 (wraps at 2^32).
    @inline(__always) func distance(to other: SequenceNumber) -> Int32 {
        Int32(bitPattern: other.rawValue &- rawValue)
    }

    /// The sequence number `count` bytes later (modulo 2^32).
    @inline(__always) func advanced(by count: UInt64) -> SequenceNumber {
        SequenceNumber(rawValue &+ UInt32(truncatingIfNeeded: count))
    }

    /// RFC 1982 "less than". Exactly 2^31 apart is undefined there; here neither precedes the other.
    @inline(__always) func precedes(_ other: SequenceNumber) -> Bool {
        distance(to: other) > 0
    }
}
