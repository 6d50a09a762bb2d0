/// A capture timestamp with nanosecond precision (what libpcap gives with PCAP_TSTAMP_PRECISION_NANO).
public struct Timestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var seconds: Int64
    public var nanoseconds: UInt32

    @inlinable public init(seconds: Int64, nanoseconds: UInt32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static let zero = Timestamp(seconds: 0, nanoseconds: 0)

    @inlinable public static func < (a: Timestamp, b: Timestamp) -> Bool {
        a.seconds != b.seconds ? a.seconds < b.seconds : a.nanoseconds < b.nanoseconds
    }

    /// Nanoseconds since the epoch (fits until the year 2262).
    @inlinable public var totalNanoseconds: Int64 { seconds &* 1_000_000_000 &+ Int64(nanoseconds) }

    /// Seconds from `earlier` to self, as a Double.
    public func seconds(since earlier: Timestamp) -> Double {
        Double(totalNanoseconds &- earlier.totalNanoseconds) / 1e9
    }

    /// "1700000000.123456789": epoch seconds with nine decimals (deterministic, no time zone).
    public var description: String {
        var frac = String(nanoseconds)
        while frac.utf8.count < 9 { frac = "0" + frac }
        return "\(seconds).\(frac)"
    }
}

/// A frame's 1-based number in its capture file, as tshark and Wireshark count them.
public typealias FrameNumber = UInt32

/// Which way bytes flow in a connection.
public enum Direction: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case clientToServer = 0
    case serverToClient = 1

    @inlinable public var reversed: Direction { self == .clientToServer ? .serverToClient : .clientToServer }
    public var description: String { self == .clientToServer ? "c2s" : "s2c" }
    public var arrow: String { self == .clientToServer ? "→" : "←" }
}

/// A connection's number within one capture file's analysis, in order of first appearance (0-based).
public typealias ConnectionID = UInt32

/// An IPv4 or IPv6 address held inline (no allocation). IPv4 lives in the low 32 bits of `low`.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public var isV6: Bool

    @inlinable public init(v4: UInt32) {
        high = 0
        low = UInt64(v4)
        isV6 = false
    }

    @inlinable public init(v6High: UInt64, v6Low: UInt64) {
        high = v6High
        low = v6Low
        isV6 = true
    }

    @inlinable public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.isV6 != b.isV6 { return !a.isV6 }
        return a.high != b.high ? a.high < b.high : a.low < b.low
    }

    public var description: String {
        if !isV6 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        var groups = [UInt16]()
        for i in 0..<4 { groups.append(UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(i)))) }
        for i in 0..<4 { groups.append(UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(i)))) }
        // RFC 5952: compress the longest run (≥ 2) of zero groups.
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        func hex(_ g: UInt16) -> String { String(g, radix: 16) }
        if bestStart < 0 { return groups.map(hex).joined(separator: ":") }
        let head = groups[0..<bestStart].map(hex).joined(separator: ":")
        let tail = groups[(bestStart + bestLen)...].map(hex).joined(separator: ":")
        return head + "::" + tail
    }
}

/// An IP address and TCP port.
public struct Endpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    @inlinable public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    @inlinable public static func < (a: Endpoint, b: Endpoint) -> Bool {
        a.address != b.address ? a.address < b.address : a.port < b.port
    }

    public var description: String { address.isV6 ? "[\(address)]:\(port)" : "\(address):\(port)" }
}
