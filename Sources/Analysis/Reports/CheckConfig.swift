public import WireCore
import Conformance
import MQTTCodec

/// Which rules `check` reports and how severe they are: `--disable`, `--enable`, `--severity`,
/// and the baseline of findings already known.
public struct CheckConfig: Sendable {
    /// Rule ids or check-rule names switched off; "all" switches everything off.
    public var disabled: Set<String> = []
    /// Rule ids or names switched (back) on; wins over `disabled`.
    public var enabled: Set<String> = []
    /// Severity per rule id or name.
    public var severities: [String: Severity] = [:]
    /// Fingerprints of findings already known (`--baseline`): reported, but they do not fail.
    public var baseline: Set<String> = []
    /// `--grace`: seconds a broker may take past a Will's due time (nil: from the keep-alive).
    public var willGrace: Double?
    /// Findings kept in memory at most (`--max-findings`); later ones are counted per rule and
    /// severity (`CheckReport.dropped`), reported as dropped, and still count towards `--fail-on`.
    public var maxFindings = CheckConfig.defaultMaxFindings
    public static let defaultMaxFindings = 100_000

    public init() {}

    /// Every name `--disable` / `--enable` / `--severity` accept: every rule id and check-rule
    /// name of the catalog (MQTT, STOMP, WebSocket and stream rules), the MQTT decoder's rule
    /// names, and "all".
    public static var knownNames: Set<String> {
        var s: Set<String> = ["all"]
        for r in RuleCatalog().rules {
            s.insert(r.id.rawValue)
            if let n = r.name { s.insert(n) }
        }
        for r in MQTTRule.allCases { s.insert(r.rawValue) }
        return s
    }

    public func isEnabled(_ rule: RuleID, name: String?) -> Bool {
        if enabled.contains(rule.rawValue) || (name.map { enabled.contains($0) } ?? false) { return true }
        if disabled.contains("all") || disabled.contains(rule.rawValue) { return false }
        if let n = name, disabled.contains(n) { return false }
        return true
    }

    /// The severity to report: an override, else the finding's own. Unverifiable findings stay info.
    public func severity(_ rule: RuleID, name: String?, default sev: Severity, verdict: Verdict) -> Severity {
        if verdict == .unverifiable { return sev }
        if let s = severities[rule.rawValue] { return s }
        if let n = name, let s = severities[n] { return s }
        return sev
    }
}
