import TCPReassembly
import TLSCodec
public import WireCore
import MQTTCodec
import STOMPCodec
import WebSocketCodec

/// Everything the tool can report, joined with the spec's statements: which statements a rule of
/// ours checks (decode-time `MQTTRule`s and the checker's `MQTTCheckRule`s), per family.
public struct RuleCatalog: Sendable {
    /// One rule the tool implements.
    public struct Rule: Sendable {
        public enum Stage: String, Sendable { case decode, check, stream, broker }
        public var id: RuleID
        /// The check-rule name (`--disable` accepts it), or nil.
        public var name: String?
        public var stage: Stage
        public var severity: Severity
        public var versions: String
        public var title: String
        public var section: String
        public var covers: [SpecStatementID]
    }

    public struct FamilyCounts: Sendable {
        public var family: SpecStatement.Family
        public var statements = 0
        public var observable = 0
        public var partly = 0
        public var implementedObservable = 0
        public var implementedPartly = 0
        public var implemented = 0
        /// Statements (observable or partly) checked by a cross-connection (broker) rule.
        public var implementedAcrossConnections = 0
    }

    public let rules: [Rule]
    /// Statement → the rule ids that check it.
    public let implementation: [SpecStatementID: [RuleID]]

    public init() {
        var rules: [Rule] = []
        for r in MQTTRule.allCases {
            let i = r.info
            var vs: [String] = []
            for v in MQTTVersion.allCases where i.applies(to: v) { vs.append(v.description) }
            rules.append(Rule(id: i.id, name: nil, stage: .decode, severity: i.severity, versions: vs.joined(separator: ", "),
                              title: i.title, section: i.section, covers: DecoderCoverage.covers(r)))
        }
        for r in MQTTCheckRule.allCases {
            let d = r.descriptor
            if let a = d.id311 {
                let shared = d.id5 == a
                rules.append(Rule(id: a, name: r.rawValue, stage: .check, severity: d.severity,
                                  versions: shared ? "3.1, 3.1.1, 5.0" : "3.1, 3.1.1", title: d.title, section: d.section,
                                  covers: d.covers.filter { shared || $0.family != .mqtt5 }))
            }
            if let b = d.id5, b != d.id311 {
                rules.append(Rule(id: b, name: r.rawValue, stage: .check, severity: d.severity, versions: "5.0",
                                  title: d.title, section: d.section,
                                  covers: d.covers.filter { $0.family == .mqtt5 }))
            }
        }
        for r in BrokerCheckRule.allCases {
            let d = r.descriptor
            for (id, versions, fam) in [(d.id311, "3.1, 3.1.1", SpecStatement.Family.mqtt311), (d.id5, "5.0", .mqtt5)] {
                guard let id else { continue }
                rules.append(Rule(id: id, name: r.rawValue, stage: .broker, severity: d.severity, versions: versions,
                                  title: d.title, section: d.section, covers: d.covers.filter { $0.family == fam }))
            }
        }
        for r in STOMPRule.allCases {
            for v in r.versions {
                rules.append(Rule(id: r.id(v), name: nil, stage: .decode, severity: r.defaultSeverity,
                                  versions: "STOMP \(v)", title: r.title, section: "STOMP 1.2 " + r.section,
                                  covers: SpecStatement.stompStatements(named: r.rawValue, version: v.description)))
            }
        }
        for r in STOMPCheckRule.allCases {
            let d = r.descriptor
            for v in d.versions {
                guard let id = d.id(for: v) else { continue }
                // A statement is covered by the rule reported on the versions it applies to.
                let covers = d.covers.filter { $0.statement.applies(to: v.description) }
                rules.append(Rule(id: id, name: r.rawValue, stage: .check, severity: d.severity(for: v),
                                  versions: "STOMP \(v)", title: d.title, section: d.section, covers: covers))
            }
        }
        for r in WebSocketRule.allCases {
            rules.append(Rule(id: r.id, name: nil, stage: .decode, severity: r.severity, versions: "WebSocket",
                              title: r.title, section: r.section, covers: []))
        }
        for r in MQTTWebSocketRule.allCases {
            rules.append(Rule(id: r.id, name: r.rawValue, stage: .check, severity: r.severity,
                              versions: "3.1.1, 5.0 over WebSocket", title: r.title, section: r.section,
                              covers: r.covers))
        }
        for r in TCPRule.allCases {
            rules.append(Rule(id: r.id, name: nil, stage: .stream, severity: r.severity, versions: "all",
                              title: r.title, section: r.section, covers: []))
        }
        for r in TLSCheckRule.allCases {
            rules.append(Rule(id: r.id, name: nil, stage: .stream, severity: r.severity, versions: "TLS",
                              title: r.title, section: r.section, covers: []))
        }
        for r in TLSStreamRule.allCases {
            rules.append(Rule(id: r.id, name: nil, stage: r.isDecodeRule ? .decode : .stream, severity: r.severity,
                              versions: "TLS", title: r.title, section: r.section, covers: []))
        }
        var impl: [SpecStatementID: [RuleID]] = [:]
        for r in rules {
            for c in r.covers {
                if !(impl[c] ?? []).contains(r.id) { impl[c, default: []].append(r.id) }
            }
        }
        self.rules = rules
        self.implementation = impl
    }

    public func counts() -> [FamilyCounts] {
        var out: [FamilyCounts] = []
        var acrossConnections = Set<SpecStatementID>()
        for r in rules where r.stage == .broker { acrossConnections.formUnion(r.covers) }
        for fam in [SpecStatement.Family.mqtt311, .mqtt5, .mqttWebSocket, .stomp] {
            var c = FamilyCounts(family: fam)
            for s in SpecStatement.all where s.family == fam {
                c.statements += 1
                let done = implementation[s.id] != nil
                if done { c.implemented += 1 }
                if acrossConnections.contains(s.id) { c.implementedAcrossConnections += 1 }
                switch s.observable {
                case .yes: c.observable += 1; if done { c.implementedObservable += 1 }
                case .partly: c.partly += 1; if done { c.implementedPartly += 1 }
                case .no: break
                }
            }
            if c.statements > 0 { out.append(c) }
        }
        return out
    }
}
