import WireCore

/// A STOMP frame command. Commands are case-sensitive: a lowercase `message` is `.unknown`,
/// not `.message` (STOMP 1.2 "Frames and Headers").
public enum STOMPCommand: Sendable, Hashable, CustomStringConvertible {
    // Client frames.
    case connect, stomp, send, subscribe, unsubscribe, ack, nack, begin, commit, abort, disconnect
    // Server frames.
    case connected, message, receipt, error
    /// Any other command: its bytes (at most `unknownBytesKept` of them; the full range is
    /// `STOMPFrameSummary.commandRange`).
    case unknown([UInt8])

    public static let unknownBytesKept = 64

    public static let clientCommands: [STOMPCommand] = [
        .connect, .stomp, .send, .subscribe, .unsubscribe, .ack, .nack, .begin, .commit, .abort, .disconnect,
    ]
    public static let serverCommands: [STOMPCommand] = [.connected, .message, .receipt, .error]

    /// The command's wire spelling; "" for `.unknown`.
    public var name: String {
        switch self {
        case .connect: "CONNECT"
        case .stomp: "STOMP"
        case .send: "SEND"
        case .subscribe: "SUBSCRIBE"
        case .unsubscribe: "UNSUBSCRIBE"
        case .ack: "ACK"
        case .nack: "NACK"
        case .begin: "BEGIN"
        case .commit: "COMMIT"
        case .abort: "ABORT"
        case .disconnect: "DISCONNECT"
        case .connected: "CONNECTED"
        case .message: "MESSAGE"
        case .receipt: "RECEIPT"
        case .error: "ERROR"
        case .unknown: ""
        }
    }

    public var description: String {
        if case .unknown(let b) = self { return "unknown(\(String(decoding: b, as: UTF8.self).debugDescription))" }
        return name
    }

    /// A small stable number per command (for `.named` field display); 0 = unknown.
    public var code: UInt64 {
        switch self {
        case .connect: 1
        case .stomp: 2
        case .send: 3
        case .subscribe: 4
        case .unsubscribe: 5
        case .ack: 6
        case .nack: 7
        case .begin: 8
        case .commit: 9
        case .abort: 10
        case .disconnect: 11
        case .connected: 12
        case .message: 13
        case .receipt: 14
        case .error: 15
        case .unknown: 0
        }
    }

    public var isClientCommand: Bool {
        switch self {
        case .connect, .stomp, .send, .subscribe, .unsubscribe, .ack, .nack, .begin, .commit, .abort, .disconnect: true
        default: false
        }
    }

    public var isServerCommand: Bool {
        switch self {
        case .connected, .message, .receipt, .error: true
        default: false
        }
    }

    public var isKnown: Bool { code != 0 }

    /// CONNECT, STOMP and CONNECTED headers are never escaped (STOMP 1.2 "Value Encoding").
    public var isConnectFamily: Bool {
        switch self {
        case .connect, .stomp, .connected: true
        default: false
        }
    }

    /// Only SEND, MESSAGE and ERROR frames may carry a body (1.1, 1.2).
    public var mayHaveBody: Bool {
        switch self {
        case .send, .message, .error: true
        default: false
        }
    }

    /// Matches the command bytes `b[range]` exactly (case-sensitive).
    public init(bytes b: borrowing Span<UInt8>, range: ByteRange) {
        if let c = STOMPCommand.known(b, range) {
            self = c
            return
        }
        var kept = [UInt8]()
        var i = Swift.max(0, range.lower)
        let end = Swift.min(range.upper, b.count, i + STOMPCommand.unknownBytesKept)
        while i < end {
            kept.append(b[i])
            i += 1
        }
        self = .unknown(kept)
    }

    /// The known command spelled exactly by `b[range]`, without allocating.
    public static func known(_ b: borrowing Span<UInt8>, _ range: ByteRange) -> STOMPCommand? {
        for c in allKnown where matches(c.name, b, range) { return c }
        return nil
    }

    static let allKnown: [STOMPCommand] = clientCommands + serverCommands

    static func matches(_ word: String, _ b: borrowing Span<UInt8>, _ r: ByteRange) -> Bool {
        var i = r.lower
        for c in word.utf8 {
            guard i < r.upper, i < b.count, b[i] == c else { return false }
            i += 1
        }
        return i == r.upper
    }
}
