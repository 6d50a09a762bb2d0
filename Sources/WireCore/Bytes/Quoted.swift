/// Wire text quoted for a finding's message: the offending value, readable and bounded.
public enum Quoted {
    /// The bytes at `r` (clamped to `b`) in single quotes: at most `limit` bytes (then "…"),
    /// invalid UTF-8 replaced by U+FFFD, control characters as \u{…}. For messages only: it
    /// allocates, so it is built when a rule fires, never per packet.
    public static func text(_ r: ByteRange, _ b: borrowing Span<UInt8>, limit: Int = 40) -> String {
        let lower = max(0, min(r.lower, b.count))
        let upper = max(lower, min(r.upper, b.count, lower + limit))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(upper - lower)
        for i in lower..<upper { bytes.append(b[i]) }
        var out = "'"
        for u in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if u.value < 0x20 || u.value == 0x7F {
                out += "\\u{\(String(u.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out + (min(r.upper, b.count) > upper ? "…'" : "'")
    }
}
