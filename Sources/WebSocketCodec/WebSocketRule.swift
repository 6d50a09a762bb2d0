import WireCore

/// Every rule the WebSocket decoders report, in one table (id, severity, title, section).
/// MQTT-over-WebSocket rules (MQTT-6.0.0-1..4) are checked by the conformance module from
/// the summaries; they are not here.
public enum WebSocketRule: String, CaseIterable, Sendable {
    case clientUnmasked = "WS-RFC6455-5.1-CLIENT-UNMASKED"
    case serverMasked = "WS-RFC6455-5.1-SERVER-MASKED"
    case controlTooLong = "WS-RFC6455-5.5-CONTROL-TOO-LONG"
    case controlFragmented = "WS-RFC6455-5.5-CONTROL-FRAGMENTED"
    case reservedOpcode = "WS-RFC6455-5.2-RESERVED-OPCODE"
    case rsvBits = "WS-RFC6455-5.2-RSV-BITS"
    case nonMinimalLength = "WS-RFC6455-5.2-NONMINIMAL-LENGTH"
    case lengthHighBit = "WS-RFC6455-5.2-LENGTH-HIGH-BIT"
    case unfinishedMessage = "WS-RFC6455-5.4-UNFINISHED-MESSAGE"
    case orphanContinuation = "WS-RFC6455-5.4-ORPHAN-CONTINUATION"
    case badCloseCode = "WS-RFC6455-7.4-BAD-CLOSE-CODE"
    case closePayload = "WS-RFC6455-5.5.1-CLOSE-PAYLOAD"
    case dataAfterClose = "WS-RFC6455-5.5.1-DATA-AFTER-CLOSE"
    case textUTF8 = "WS-RFC6455-8.1-TEXT-UTF8"
    case badAccept = "WS-RFC6455-4.2.2-BAD-ACCEPT"
    case protocolNotOffered = "WS-RFC6455-4.2.2-PROTOCOL-NOT-OFFERED"
    case handshakeInvalid = "WS-HANDSHAKE-INVALID"
    case frameTooLarge = "WS-FRAME-TOO-LARGE"
    case gap = "WS-GAP"

    public var id: RuleID { RuleID(rawValue) }

    public var severity: Severity {
        switch self {
        case .textUTF8, .frameTooLarge: .warning
        case .gap: .info
        default: .error
        }
    }

    public var section: String {
        switch self {
        case .clientUnmasked, .serverMasked: "RFC 6455 §5.1"
        case .controlTooLong, .controlFragmented: "RFC 6455 §5.5"
        case .reservedOpcode, .rsvBits, .nonMinimalLength, .lengthHighBit: "RFC 6455 §5.2"
        case .unfinishedMessage, .orphanContinuation: "RFC 6455 §5.4"
        case .badCloseCode: "RFC 6455 §7.4"
        case .closePayload, .dataAfterClose: "RFC 6455 §5.5.1"
        case .textUTF8: "RFC 6455 §8.1"
        case .badAccept, .protocolNotOffered: "RFC 6455 §4.2.2"
        case .handshakeInvalid: "RFC 6455 §4.1, §4.2.1, §4.2.2"
        case .frameTooLarge, .gap: "(analyzer)"
        }
    }

    public var title: String {
        switch self {
        case .clientUnmasked: "A client must mask every frame it sends"
        case .serverMasked: "A server must not mask any frame it sends"
        case .controlTooLong: "Control frames carry at most 125 payload bytes"
        case .controlFragmented: "Control frames must not be fragmented"
        case .reservedOpcode: "Reserved opcodes must not be used"
        case .rsvBits: "RSV1-3 must be 0 unless an extension defines them"
        case .nonMinimalLength: "The payload length must use the minimal number of bytes"
        case .lengthHighBit: "The most significant bit of a 64-bit payload length must be 0"
        case .unfinishedMessage: "A new data message must not start before the fragmented one is finished"
        case .orphanContinuation: "A continuation frame needs a fragmented message in progress"
        case .badCloseCode: "Close status codes must be defined, registered or private-use codes allowed on the wire"
        case .closePayload: "A close payload is empty or starts with a 2-byte status code; the reason is UTF-8"
        case .dataAfterClose: "No data frames may follow a Close frame"
        case .textUTF8: "Text messages carry valid UTF-8"
        case .badAccept: "Sec-WebSocket-Accept must be base64(SHA-1(key + GUID))"
        case .protocolNotOffered: "The selected subprotocol must be one the client offered"
        case .handshakeInvalid: "Invalid WebSocket opening handshake"
        case .frameTooLarge: "Frame exceeds the analyzer's frame size limit and was skipped"
        case .gap: "Capture gap: bytes of this direction were lost"
        }
    }

    func diagnostic(_ message: String, range: ByteRange? = nil, severity: Severity? = nil,
                    verdict: Verdict = .violation) -> Diagnostic {
        Diagnostic(id, severity ?? self.severity, message, range: range, verdict: verdict)
    }
}
