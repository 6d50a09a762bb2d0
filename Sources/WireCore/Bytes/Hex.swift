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
        do { try HexDump.parseTokens(Substring(text), lineNumber: 1, columnBase: 0, swapWords: false, into: &out) } catch {
            return nil
        }
        return out
    }
}
