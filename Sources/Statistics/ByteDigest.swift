import WireCore

extension ByteDigest {
    /// A digest of `b[r]` for pairing a delivery with its publication: the whole of a short range;
    /// of a long one its length and first and last 64 bytes (a payload passes through `stats` once
    /// per delivery; hashing every byte cost a tenth of its time on large payloads). Two payloads
    /// alike there and different in the middle, on one topic and pending at once, are paired in
    /// publish order, the order a broker keeps per topic and subscriber (MQTT §4.6).
    static func sampled(_ b: Span<UInt8>, _ r: ByteRange) -> UInt64 {
        let edge = 64
        guard r.count > 2 * edge, r.lower >= 0, r.upper <= b.count else { return hash(b, r) }
        let head = hash(b, ByteRange(r.lower, r.lower + edge))
        let tail = hash(b, ByteRange(r.upper - edge, r.upper))
        return head ^ (tail &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(truncatingIfNeeded: r.count) &* 0xC2B2_AE3D_27D4_EB4F)
    }
}
