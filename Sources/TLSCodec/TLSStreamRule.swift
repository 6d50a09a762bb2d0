public import WireCore

/// What the TLS layer reports about a connection's records and handshake (the security checks
/// are `TLSCheckRule`s).
public enum TLSStreamRule: String, CaseIterable, Sendable {
    case notDecrypted = "TLS-NOT-DECRYPTED"
    case resynchronized = "TLS-RESYNC"
    case handshakeMalformed = "TLS-HANDSHAKE-MALFORMED"
    case handshakeTooLong = "TLS-HANDSHAKE-TOO-LONG"

    public var id: RuleID { RuleID(rawValue) }

    /// Handshake rules are found while decoding a message; the others describe the stream.
    public var isDecodeRule: Bool { self == .handshakeMalformed || self == .handshakeTooLong }

    public var severity: Severity {
        switch self {
        case .handshakeMalformed: .error
        case .handshakeTooLong: .warning
        case .notDecrypted, .resynchronized: .info
        }
    }

    public var title: String {
        switch self {
        case .handshakeMalformed: "A handshake message ends before one of its fields does"
        case .handshakeTooLong: "A handshake message longer than mqscope buffers (256 KiB) was skipped"
        case .notDecrypted:
            "TLS records left encrypted, with the reason (no key, no ClientHello, key does not decrypt, unsupported suite, lost record)"
        case .resynchronized: "Decryption resumed after a lost record header (found by trial decryption)"
        }
    }

    public var section: String { isDecodeRule ? "RFC 8446 4" : "capture" }
}
