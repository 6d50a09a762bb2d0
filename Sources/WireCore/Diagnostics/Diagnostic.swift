/// How bad a finding is. `error`: a MUST the bytes prove broken. `warning`: a SHOULD, or an
/// inference (timing). `info`: notes, including rules a capture gap makes unverifiable.
public enum Severity: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case info = 0, warning = 1, error = 2

    public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
    public var description: String {
        switch self {
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        }
    }
    public init?(name: String) {
        switch name.lowercased() {
        case "info": self = .info
        case "warning", "warn": self = .warning
        case "error": self = .error
        default: return nil
        }
    }
}

/// A stable rule identifier: the spec's normative statement id with a version prefix where there
/// is one (`MQTT5-3.1.2-3`), our own otherwise (`MQTT-REMLEN-TOO-LONG`, `TCP-GAP`).
public struct RuleID: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (a: RuleID, b: RuleID) -> Bool { a.rawValue < b.rawValue }
}

/// Whether the bytes prove the rule broken, or only that it could not be judged.
public enum Verdict: String, Sendable {
    case violation
    case unverifiable
    case note
}

/// One finding, decode-time (syntax) or from the checker (state).
/// `range` is relative to the PDU when the finding belongs to one, else nil.
public struct Diagnostic: Sendable, Equatable {
    public var rule: RuleID
    public var severity: Severity
    public var verdict: Verdict
    public var range: ByteRange?
    public var message: String

    public init(_ rule: RuleID, _ severity: Severity, _ message: String, range: ByteRange? = nil,
                verdict: Verdict = .violation) {
        self.rule = rule
        self.severity = severity
        self.verdict = verdict
        self.range = range
        self.message = message
    }
}
