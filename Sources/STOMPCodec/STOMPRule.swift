import WireCore

/// The rules the STOMP decoder and framer report, in one table. STOMP has no numbered
/// statements: ids are ours, `STOMP-<negotiated version>-<AREA>-<NAME>` as in spec-rules.md §6.
public enum STOMPRule: String, CaseIterable, Sendable {
    case frameNUL = "FRAME-NUL"
    case frameEOL = "FRAME-EOL"
    case frameCommand = "FRAME-COMMAND"
    case frameHeader = "FRAME-HEADER"
    case escapeUndefined = "HDR-ESCAPE-UNDEF"
    case escapeEncode = "HDR-ESCAPE-ENCODE"
    case bodyAllowed = "BODY-ALLOWED"
    case contentLengthExact = "CL-EXACT"
    case utf8 = "UTF8"
    case heartBeatFormat = "HB-FORMAT"
    case repeatedHeader = "REPEATED-HDR"
    /// Ours: a frame larger than the framer's limit was skipped.
    case frameTooLarge = "FRAME-TOO-LARGE"
    /// Ours: a capture gap dropped part of a frame.
    case gap = "GAP"

    /// The versioned rule id, e.g. `STOMP-1.1-FRAME-NUL`.
    public func id(_ version: STOMPVersion) -> RuleID { RuleID("STOMP-\(version)-\(rawValue)") }

    /// The rule a reported id stands for, from the ids the rules declare for each version.
    public static func reported(as id: RuleID) -> STOMPRule? { byID[id] }

    private static let byID: [RuleID: STOMPRule] = {
        var t: [RuleID: STOMPRule] = [:]
        for r in allCases { for v in STOMPVersion.allCases { t[r.id(v)] = r } }
        return t
    }()

    public var title: String {
        switch self {
        case .frameNUL: "Every frame ends with a NUL octet after the body"
        case .frameEOL: "Lines end with EOL (1.2: optional CR then LF; 1.0/1.1: LF only); a blank line ends the headers"
        case .frameCommand: "The command is a client command (client to server) or a server command (server to client)"
        case .frameHeader: "A header line is a non-empty name, ':', and a value"
        case .escapeUndefined: "Only the defined escape sequences may follow a backslash in header names and values"
        case .escapeEncode: "CR (1.2), LF, ':' and backslash must be escaped in headers outside CONNECT/CONNECTED"
        case .bodyAllowed: "Only SEND, MESSAGE and ERROR frames may carry a body"
        case .contentLengthExact: "content-length is a non-negative decimal integer equal to the body's octet count"
        case .utf8: "Commands and headers are UTF-8"
        case .heartBeatFormat: "heart-beat holds two non-negative integers separated by a comma"
        case .repeatedHeader: "With repeated header entries only the first is used"
        case .frameTooLarge: "Frame exceeds the analyzer's frame size limit and was skipped"
        case .gap: "Capture gap inside a frame: the partial frame was dropped"
        }
    }

    public var defaultSeverity: Severity {
        switch self {
        case .utf8: .warning
        case .repeatedHeader, .gap: .info
        case .frameTooLarge: .warning
        default: .error
        }
    }

    /// The STOMP 1.2 section that states the rule.
    public var section: String {
        switch self {
        case .frameNUL, .frameEOL, .frameCommand, .frameHeader: "Frames and Headers"
        case .escapeUndefined, .escapeEncode: "Value Encoding"
        case .bodyAllowed: "Body"
        case .contentLengthExact: "Header content-length"
        case .utf8: "STOMP Frames"
        case .heartBeatFormat: "Heart-beating"
        case .repeatedHeader: "Repeated Header Entries"
        case .frameTooLarge, .gap: "(analyzer)"
        }
    }

    /// Versions the rule applies to.
    public var versions: [STOMPVersion] {
        switch self {
        case .escapeUndefined, .escapeEncode, .bodyAllowed, .utf8, .heartBeatFormat, .repeatedHeader: [.v1_1, .v1_2]
        default: STOMPVersion.allCases
        }
    }

    func diagnostic(_ version: STOMPVersion, _ message: String, range: ByteRange? = nil,
                    severity: Severity? = nil, verdict: Verdict = .violation) -> Diagnostic {
        Diagnostic(id(version), severity ?? defaultSeverity, message, range: range, verdict: verdict)
    }
}
