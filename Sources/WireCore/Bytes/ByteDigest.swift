/// A fast 64-bit digest of bytes (not cryptographic: it pairs a delivery with its publication, or
/// keys a table by a topic's bytes without making a string), read eight bytes at a time — every
/// payload of a capture may pass through it. Used by `stats` and the broker-level checker.
public enum ByteDigest {
    public static func hash(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(truncatingIfNeeded: raw.count)
        var i = 0
        if raw.count >= 64 {
            // Four independent lanes over 32-byte blocks (a payload is kilobytes: one chain of
            // multiplies would wait on itself), folded into `h` before the tail.
            var a = h, b = h ^ 0x9E37_79B9_7F4A_7C15, c = h ^ 0xC2B2_AE3D_27D4_EB4F, d = h ^ 0x1656_67B1_9E37_79F9
            while i + 32 <= raw.count {
                a = (a ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
                b = (b ^ raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
                c = (c ^ raw.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
                d = (d ^ raw.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
                a ^= a >> 29; b ^= b >> 29; c ^= c >> 29; d ^= d >> 29
                i += 32
            }
            func fold(_ lane: UInt64) {
                h = (h ^ lane) &* 0x9E37_79B9_7F4A_7C15
                h ^= h >> 29
            }
            fold(a); fold(b); fold(c); fold(d)
        }
        while i + 8 <= raw.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 8
        }
        while i < raw.count {
            h = (h ^ UInt64(raw[i])) &* 0x100_0000_01b3
            i += 1
        }
        return h ^ (h >> 32)
    }

    /// The digest of `b[r]`; a range outside `b` digests as empty.
    public static func hash(_ b: Span<UInt8>, _ r: ByteRange) -> UInt64 {
        guard r.lower >= 0, r.upper <= b.count, r.lower <= r.upper else { return hash(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return b.withUnsafeBufferPointer { hash(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0[r.lower..<r.upper]))) }
    }

    public static func hash<S: Sequence<UInt8>>(_ bytes: S) -> UInt64 {
        Array(bytes).withUnsafeBytes { hash($0) }
    }
}
