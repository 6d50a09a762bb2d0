public import WireCore

/// Findings bounded (issue 12): a hostile unit can carry a million findings of one rule (a SUBACK of
/// a million invalid codes). Of each rule, the first `perRule` findings of a unit are listed in full;
/// the rest are counted into one finding at the last offender's place, in every output of `read`.
/// `check` bounds them per connection and rule instead (`CheckReport.repeats`), checker findings too.
public enum FindingCap {
    public static let perRule = 100

    /// `diagnostics` with, per rule, the first `perRule` kept and the rest folded into the last one.
    public static func bounded(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        guard diagnostics.count > perRule else { return diagnostics }
        var total: [RuleID: Int] = [:]
        for d in diagnostics { total[d.rule, default: 0] += 1 }
        guard total.values.contains(where: { $0 > perRule }) else { return diagnostics }
        var seen: [RuleID: Int] = [:]
        var out: [Diagnostic] = []
        for d in diagnostics {
            let n = seen[d.rule, default: 0] + 1
            seen[d.rule] = n
            let all = total[d.rule] ?? 0
            if n <= perRule {
                out.append(d)
            } else if n == all {
                var last = d
                last.message = "\(all - perRule) more \(d.rule) finding(s) in this unit counted, not listed; the last: \(d.message)"
                out.append(last)
            }
        }
        return out
    }
}
