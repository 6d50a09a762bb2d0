import WireCore

/// What a checker needs from one decoded STOMP frame. Header values are ranges within the
/// frame, as on the wire (escaped in 1.1+ outside CONNECT/CONNECTED; see `STOMPHeaderEscaping`).
/// For repeated headers the first entry is the one recorded.
public struct STOMPFrameSummary: Sendable, Equatable {
    public var command: STOMPCommand = .unknown([])
    public var commandRange = ByteRange(0, 0)
    public var headerCount = 0

    public var destination: ByteRange? = nil
    public var id: ByteRange? = nil
    public var ack: ByteRange? = nil
    public var receipt: ByteRange? = nil
    public var receiptID: ByteRange? = nil
    public var messageID: ByteRange? = nil
    public var subscription: ByteRange? = nil
    public var transaction: ByteRange? = nil
    public var contentLengthValue: ByteRange? = nil
    public var contentType: ByteRange? = nil
    public var acceptVersion: ByteRange? = nil
    public var version: ByteRange? = nil
    public var host: ByteRange? = nil
    public var heartBeatValue: ByteRange? = nil
    public var login: ByteRange? = nil
    /// The passcode's range; shown only when secrets are asked for.
    public var passcode: ByteRange? = nil
    public var server: ByteRange? = nil
    public var session: ByteRange? = nil

    /// The parsed content-length when its value is a valid non-negative decimal.
    public var contentLength: Int? = nil
    /// The parsed heart-beat header when well formed.
    public var heartBeat: STOMPHeartBeat? = nil

    /// The body (between the blank line and the NUL); empty when absent.
    public var body = ByteRange(0, 0)
    /// False when the headers were not ended by a blank line.
    public var hasBlankLine = false
    /// True when the frame's last byte is its terminating NUL.
    public var isTerminated = false
    /// True when any line ended in CR LF.
    public var usedCRLF = false

    public init() {}

    /// Header names recorded in the summary, in the order of `record(_:_:)`'s indices.
    static let knownNames: [[UInt8]] = [
        "destination", "id", "ack", "receipt", "receipt-id", "message-id", "subscription", "transaction",
        "content-length", "content-type", "accept-version", "version", "host", "heart-beat", "login", "passcode",
        "server", "session",
    ].map { Array($0.utf8) }

    static let passcodeIndex = 15
    static let contentLengthIndex = 8
    static let heartBeatIndex = 13

    /// Index into `knownNames` of the header named `b[name]`, if it is one.
    /// Only the names of that length are compared (a frame may carry a million unknown headers).
    static func knownIndex(_ b: borrowing Span<UInt8>, _ name: ByteRange) -> Int? {
        let count = name.count
        guard count < knownByLength.count else { return nil }
        for k in knownByLength[count] {
            let word = knownNames[k]
            var j = 0
            while j < count && b[name.lower + j] == word[j] { j += 1 }
            if j == count { return k }
        }
        return nil
    }

    /// Indexes into `knownNames` by name length.
    static let knownByLength: [[Int]] = {
        var t = [[Int]](repeating: [], count: (knownNames.map(\.count).max() ?? 0) + 1)
        for (k, w) in knownNames.enumerated() { t[w.count].append(k) }
        return t
    }()

    /// Records the value of known header `index` unless an earlier entry was recorded.
    mutating func record(_ index: Int, _ value: ByteRange) {
        func set(_ slot: inout ByteRange?) { if slot == nil { slot = value } }
        switch index {
        case 0: set(&destination)
        case 1: set(&id)
        case 2: set(&ack)
        case 3: set(&receipt)
        case 4: set(&receiptID)
        case 5: set(&messageID)
        case 6: set(&subscription)
        case 7: set(&transaction)
        case 8: set(&contentLengthValue)
        case 9: set(&contentType)
        case 10: set(&acceptVersion)
        case 11: set(&version)
        case 12: set(&host)
        case 13: set(&heartBeatValue)
        case 14: set(&login)
        case 15: set(&passcode)
        case 16: set(&server)
        case 17: set(&session)
        default: break
        }
    }
}
