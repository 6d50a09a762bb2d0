public import WireCore

/// Deterministic time text from capture timestamps: UTC, no time zone or locale involved.
public enum TimeFormat {
    /// "2026-11-21T16:12:00.123456789Z".
    public static func iso8601(_ t: Timestamp) -> String {
        let days = t.seconds >= 0 ? t.seconds / 86400 : (t.seconds - 86399) / 86400
        let secs = t.seconds - days * 86400
        // Civil date from days since 1970-01-01 (proleptic Gregorian).
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):"
            + "\(pad(secs % 60, 2)).\(pad(Int64(t.nanoseconds), 9))Z"
    }

    /// Seconds since `origin` with microsecond precision: "12.345678".
    public static func relative(_ t: Timestamp, to origin: Timestamp) -> String {
        let ns = t.totalNanoseconds &- origin.totalNanoseconds
        let neg = ns < 0
        let a = neg ? -ns : ns
        return (neg ? "-" : "") + "\(a / 1_000_000_000).\(pad((a % 1_000_000_000) / 1000, 6))"
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        var s = String(v)
        while s.utf8.count < width { s = "0" + s }
        return s
    }
}
