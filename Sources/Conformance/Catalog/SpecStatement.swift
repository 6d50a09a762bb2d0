public import WireCore

/// One normative statement of a specification, as the catalog in spec-rules.tsv lists it.
/// `mqscope rules` prints every statement and whether a rule of ours checks it.
public struct SpecStatement: Sendable {
    public enum Family: String, Sendable {
        case mqtt311 = "MQTT 3.1.1"
        case mqtt5 = "MQTT 5.0"
        case mqttWebSocket = "MQTT over WebSocket"
        case stomp = "STOMP"
    }
    /// Whether a capture can show a violation: yes, only with more evidence (partly), or never (no).
    public enum Observability: String, Sendable {
        case yes, partly, no
    }

    /// Our id: version-prefixed for numbered MQTT statements (MQTT311-3.1.0-1, MQTT5-3.1.0-1).
    public var id: SpecStatementID
    /// The id as the specification (or the catalog) writes it.
    public var specID: String
    public var family: Family
    public var observable: Observability
    public var severity: Severity
    public var area: String
    public var summary: String
    public var versions: String
    /// STOMP statements: the name of the decoder rule (`STOMPRule`) that checks them.
    public var stompName: String? = nil

    /// Whether the statement applies to `version` ("1.0", "3.1.1", …) as its versions column lists it.
    public func applies(to version: String) -> Bool {
        versions.split(separator: ",").contains { $0.filter { $0 != " " } == version }
    }
}

extension SpecStatementID {
    /// The statement this id names.
    public var statement: SpecStatement { SpecStatement.all[Self.index[self]!] }
    public var family: SpecStatement.Family { statement.family }

    private static let index: [SpecStatementID: Int] = {
        var t: [SpecStatementID: Int] = [:]
        for (i, s) in SpecStatement.all.enumerated() { t[s.id] = i }
        return t
    }()
}

extension SpecStatement {
    /// The STOMP statements the decoder rule named `name` (FRAME-NUL, SEND-DEST …) checks on a
    /// session of `version`.
    public static func stompStatements(named name: String, version: String) -> [SpecStatementID] {
        all.filter { $0.stompName == name && $0.applies(to: version) }.map(\.id)
    }
}
