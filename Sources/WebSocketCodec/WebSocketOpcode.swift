import WireCore

/// A WebSocket frame opcode (RFC 6455 §5.2). Values 0x3-0x7 and 0xB-0xF are reserved.
public struct WebSocketOpcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }

    public static let continuation = WebSocketOpcode(rawValue: 0x0)
    public static let text = WebSocketOpcode(rawValue: 0x1)
    public static let binary = WebSocketOpcode(rawValue: 0x2)
    public static let close = WebSocketOpcode(rawValue: 0x8)
    public static let ping = WebSocketOpcode(rawValue: 0x9)
    public static let pong = WebSocketOpcode(rawValue: 0xA)

    /// Control frames have the high bit of the opcode set (§5.5).
    public var isControl: Bool { rawValue & 0x08 != 0 }
    public var isReserved: Bool { !(rawValue <= 0x2 || (rawValue >= 0x8 && rawValue <= 0xA)) }
    /// Text, binary or continuation: frames that carry application data.
    public var isData: Bool { rawValue <= 0x2 }

    public static let names: [(UInt64, String)] = [
        (0, "Continuation"), (1, "Text"), (2, "Binary"), (8, "Close"), (9, "Ping"), (10, "Pong"),
    ]

    public var description: String {
        for (v, n) in Self.names where v == UInt64(rawValue) { return n }
        return "Reserved(0x\(String(rawValue, radix: 16)))"
    }
}
