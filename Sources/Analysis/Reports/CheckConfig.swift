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

    public init() {}

    /// Every name `--disable` / `--enable` / `--severity` accept: reported ids, check-rule names,
    /// the decoder's rule ids and the stream rules.
    public static var knownNames: Set<String> {
        var s: Set<String> = ["all", TransportRule.gap.rawValue, TransportRule.overlapConflict.rawValue]
        for r in MQTTCheckRule.allCases {
            s.insert(r.rawValue)
            for id in r.descriptor.ids { s.insert(id.rawValue) }
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
