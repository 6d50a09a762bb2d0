import WireCore

/// A STOMP protocol version. The session's version comes from negotiation
/// (CONNECT/STOMP `accept-version`, CONNECTED `version`; absent = 1.0).
public enum STOMPVersion: UInt8, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case v1_0 = 10
    case v1_1 = 11
    case v1_2 = 12

    public static func < (a: STOMPVersion, b: STOMPVersion) -> Bool { a.rawValue < b.rawValue }

    /// "1.0", "1.1", "1.2": as written in headers and in rule ids (`STOMP-1.1-FRAME-NUL`).
    public var description: String {
        switch self {
        case .v1_0: "1.0"
        case .v1_1: "1.1"
        case .v1_2: "1.2"
        }
    }

    /// Parses a version token ("1.0", "1.1", "1.2") exactly; anything else is nil.
    public init?(token b: borrowing Span<UInt8>) {
        guard b.count == 3, b[0] == 0x31, b[1] == 0x2E else { return nil }
        switch b[2] {
        case 0x30: self = .v1_0
        case 0x31: self = .v1_1
        case 0x32: self = .v1_2
        default: return nil
        }
    }

    /// 1.1 and later escape header names and values (outside CONNECT/CONNECTED).
    @inlinable public var hasEscaping: Bool { self >= .v1_1 }
    /// 1.2 accepts CR LF as a line end, and the backslash-r escape.
    @inlinable public var allowsCRLF: Bool { self >= .v1_2 }
}
