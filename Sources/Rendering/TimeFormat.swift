public import WireCore

/// Deterministic time text from capture timestamps: UTC, no time zone or locale involved.
public enum TimeFormat {
    /// "2026-11-21T16:12:00.123456789Z".
    public static func iso8601(_ t: Timestamp) -> String {
        let days = t.seconds >= 0 ? t.seconds / 86400 : (t.seconds - 86399) / 86400
        let secs = t.seconds - days * 86400
        let (y, m, d) = CivilDate.from(daysSince1970: days)
        // Fast path, the only one real captures take (`read --format ndjson` formats one time per
        // packet): the digits are written into the string's own storage. The general formatting below
        // stays for years outside 0…9999 and out-of-range nanoseconds, so every output is unchanged.
        if y >= 0 && y <= 9999 && t.nanoseconds < 1_000_000_000 {
            return String(unsafeUninitializedCapacity: 30) { b in
                var i = 0
                func put(_ v: Int64, _ width: Int) {
                    var x = v
                    var k = width
                    while k > 0 {
                        k -= 1
                        b[i + k] = UInt8(truncatingIfNeeded: x % 10) + 0x30
                        x /= 10
                    }
                    i += width
                }
                func put(_ c: Unicode.Scalar) {
                    b[i] = UInt8(ascii: c)
                    i += 1
                }
                put(y, 4); put("-"); put(m, 2); put("-"); put(d, 2); put("T")
                put(secs / 3600, 2); put(":"); put(secs / 60 % 60, 2); put(":"); put(secs % 60, 2); put(".")
                put(Int64(t.nanoseconds), 9); put("Z")
                return i
            }
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):"
            + "\(pad(secs % 60, 2)).\(pad(Int64(t.nanoseconds), 9))Z"
    }

    /// tshark's `-t` time formats, in UTC (captures are read the same anywhere).
    public enum Style: String, Sendable, CaseIterable {
        /// Seconds since the capture's first frame (the default).
        case relative = "r"
        /// Time of day: "16:12:00.123456789" (`u` is the same: times are always UTC).
        case absolute = "a"
        /// Date and time: "2026-11-21 16:12:00.123456789" (`ud` is the same).
        case absoluteDate = "ad"
        /// Seconds since the previous unit shown.
        case delta = "d"
        /// Seconds since 1970-01-01 UTC: "1795283155.729000000".
        case epoch = "e"

        public init?(tshark: String) {
            switch tshark {
            case "u": self = .absolute
            case "ud": self = .absoluteDate
            default: self.init(rawValue: tshark)
            }
        }
    }

    /// `t` in `style`; `origin` is the capture start (`r`) or the previous unit shown (`d`).
    public static func styled(_ t: Timestamp, _ style: Style, origin: Timestamp) -> String {
        switch style {
        case .relative, .delta: return relative(t, to: origin)
        case .absolute: return String(iso8601(t).dropFirst(11).dropLast())
        case .absoluteDate:
            let s = iso8601(t)
            return String(s.prefix(10)) + " " + String(s.dropFirst(11).dropLast())
        case .epoch: return "\(t.seconds).\(pad(Int64(t.nanoseconds), 9))"
        }
    }

    /// Seconds since `origin` with microsecond precision: "12.345678".
    public static func relative(_ t: Timestamp, to origin: Timestamp) -> String {
        let ns = t.totalNanoseconds &- origin.totalNanoseconds
        let neg = ns < 0
        let a = neg ? -ns : ns
        // Written into the string's storage (once per packet in JSON): sign, seconds, ".", 6 digits.
        return String(unsafeUninitializedCapacity: 20) { b in
            var i = 0
            if neg {
                b[0] = UInt8(ascii: "-")
                i = 1
            }
            var seconds = a / 1_000_000_000
            var digits = 1
            var x = seconds
            while x >= 10 { x /= 10; digits += 1 }
            for k in stride(from: digits - 1, through: 0, by: -1) {
                b[i + k] = UInt8(truncatingIfNeeded: seconds % 10) + 0x30
                seconds /= 10
            }
            i += digits
            b[i] = UInt8(ascii: ".")
            i += 1
            var micros = (a % 1_000_000_000) / 1000
            for k in stride(from: 5, through: 0, by: -1) {
                b[i + k] = UInt8(truncatingIfNeeded: micros % 10) + 0x30
                micros /= 10
            }
            return i + 6
        }
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        var s = String(v)
        while s.utf8.count < width { s = "0" + s }
        return s
    }
}
