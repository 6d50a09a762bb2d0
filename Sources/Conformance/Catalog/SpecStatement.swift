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
    public var id: String
    /// The id as the specification (or the catalog) writes it.
    public var specID: String
    public var family: Family
    public var observable: Observability
    public var severity: Severity
    public var area: String
    public var summary: String
    public var versions: String
}

extension SpecStatement {
    /// The STOMP statements a rule named `name` (FRAME-NUL, SEND-DEST …) checks on a session of
    /// `version`: those with id `STOMP-<x>-<name>` whose versions include it.
    public static func stompStatements(named name: String, version: String) -> [String] {
        let v = version
        var out: [String] = []
        for s in all where s.family == .stomp && s.id.hasSuffix("-" + name) && s.id.count == name.count + 10 {
            if s.versions.split(separator: ",").contains(where: { $0.filter { $0 != " " } == v }) {
                out.append(s.id)
            }
        }
        return out
    }
}
