public enum Hex {
    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// One byte as two upper-case digits, for messages: 0x1e → "1E".
    public static func byte(_ b: UInt8) -> String {
        let upper: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]
        return String([upper[Int(b >> 4)], upper[Int(b & 15)]])
    }

    /// Lower-case hex with no separators: `10 1e` → "101e".
    public static func string(_ b: borrowing Span<UInt8>, separator: Bool = false) -> String {
        var out = [UInt8]()
        out.reserveCapacity(b.count * (separator ? 3 : 2))
        for i in 0..<b.count {
            if separator && i > 0 { out.append(0x20) }
            out.append(digits[Int(b[i] >> 4)])
            out.append(digits[Int(b[i] & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses hex text such as "10 1e 00 04", "101e0004", "0x10,0x1e" or "10:1e"; nil if malformed.
    public static func parse(_ text: String) -> [UInt8]? {
        var out = [UInt8]()
        let separators: Set<Character> = [" ", "\t", "\n", "\r", ":", ","]
        for token in text.split(whereSeparator: { separators.contains($0) }) {
            var t = Substring(token)
            if t.hasPrefix("0x") || t.hasPrefix("0X") { t = t.dropFirst(2) }
            guard t.utf8.count % 2 == 0 else { return nil }
            var pending: UInt8? = nil
            for c in t.utf8 {
                let v: UInt8
                switch c {
                case 0x30...0x39: v = c - 0x30
                case 0x61...0x66: v = c - 0x61 + 10
                case 0x41...0x46: v = c - 0x41 + 10
                default: return nil
                }
                if let p = pending { out.append(p << 4 | v); pending = nil } else { pending = v }
            }
        }
        return out
    }
}
