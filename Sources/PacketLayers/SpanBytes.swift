// Big- and little-endian reads at an offset. Callers check bounds first: the span's own
// subscript check is the last line of defence, not the input validation.
extension Span where Element == UInt8 {
    @inline(__always) func be16(at i: Int) -> UInt16 {
        UInt16(self[i]) << 8 | UInt16(self[i &+ 1])
    }

    @inline(__always) func be32(at i: Int) -> UInt32 {
        UInt32(self[i]) << 24 | UInt32(self[i &+ 1]) << 16 | UInt32(self[i &+ 2]) << 8 | UInt32(self[i &+ 3])
    }

    @inline(__always) func le32(at i: Int) -> UInt32 {
        UInt32(self[i]) | UInt32(self[i &+ 1]) << 8 | UInt32(self[i &+ 2]) << 16 | UInt32(self[i &+ 3]) << 24
    }

    @inline(__always) func be64(at i: Int) -> UInt64 {
        UInt64(be32(at: i)) << 32 | UInt64(be32(at: i &+ 4))
    }
}
