public import WireCore

/// A compiled display filter (`-Y EXPR`): a small flat AST of resolved field references, built
/// once; `matches` evaluates it against one unit's event facts and field tree with no name lookup
/// and no allocation (except `matches` with a regular expression, which reads the value as a string).
///
/// Comparisons on a field with several occurrences hold when one occurrence satisfies them;
/// `!=` holds when the field is present and no occurrence equals the value (as in Wireshark 4);
/// a comparison on an absent field is false.
public struct DisplayFilter: Sendable {
    enum Cmp: Sendable { case eq, lt, le, gt, ge }
    enum Literal: Sendable {
        case number(UInt64)
        case bytes([UInt8])
    }
    enum Test: Sendable {
        case compare(Cmp, Literal)
        case set([Literal], ranges: [ClosedRange<UInt64>])
        case contains([UInt8])
        case topic(TopicPattern)
        case regex(RegexBox)
    }
    enum Node: Sendable {
        case and(Int, Int), or(Int, Int), not(Int)
        case always
        case proto(UnitProtocol)
        case exists(FieldRef)
        /// `negated`: `!=` — the field is present and no occurrence passes `test`.
        case test(FieldRef, Test, negated: Bool)
    }

    let nodes: [Node]
    let root: Int
    public let source: String
    /// Whether evaluation reads the field tree (false when it names only event facts).
    public let needsFields: Bool
    let showSecrets: Bool

    /// A filter that accepts everything.
    public init() {
        nodes = [.always]; root = 0; source = ""; needsFields = false; showSecrets = false
    }

    init(nodes: [Node], root: Int, source: String, showSecrets: Bool) {
        self.nodes = nodes
        self.root = root
        self.source = source
        self.showSecrets = showSecrets
        self.needsFields = nodes.contains {
            switch $0 {
            case .exists(.tree), .test(.tree, _, _), .exists(.topic), .test(.topic, _, _): true
            default: false
            }
        }
    }

    public var acceptsAll: Bool { if case .always = nodes[root] { true } else { false } }

    /// Compiles `expression`; a mistake throws with its column.
    public static func compile(_ expression: String, resolver: FieldResolver, showSecrets: Bool = false)
        throws(DisplayFilterError) -> DisplayFilter
    {
        var p = Parser(tokens: try Lexer.tokens(expression), source: expression, resolver: resolver)
        let root = try p.parseExpression()
        return DisplayFilter(nodes: p.nodes, root: root, source: expression, showSecrets: showSecrets)
    }

    /// Both filters (`-Y` and the `--type`/`--topic`/… options together).
    public func and(_ other: DisplayFilter) -> DisplayFilter {
        if acceptsAll { return other }
        if other.acceptsAll { return self }
        let shift = nodes.count
        var merged = nodes
        for n in other.nodes {
            switch n {
            case .and(let a, let b): merged.append(.and(a + shift, b + shift))
            case .or(let a, let b): merged.append(.or(a + shift, b + shift))
            case .not(let a): merged.append(.not(a + shift))
            default: merged.append(n)
            }
        }
        merged.append(.and(root, other.root + shift))
        return DisplayFilter(nodes: merged, root: merged.count - 1, source: "(\(source)) && (\(other.source))",
                             showSecrets: showSecrets || other.showSecrets)
    }

    public func matches(_ s: FilterSubject, pdu: Span<UInt8>, tree: borrowing FieldTree) -> Bool {
        eval(root, s, pdu, tree)
    }

    private func eval(_ i: Int, _ s: FilterSubject, _ pdu: Span<UInt8>, _ tree: borrowing FieldTree) -> Bool {
        switch nodes[i] {
        case .and(let a, let b): return eval(a, s, pdu, tree) && eval(b, s, pdu, tree)
        case .or(let a, let b): return eval(a, s, pdu, tree) || eval(b, s, pdu, tree)
        case .not(let a): return !eval(a, s, pdu, tree)
        case .always: return true
        case .proto(let p): return s.proto == p || (p == .websocket && s.overWebSocket) || (p == .tls && s.tls != nil)
        case .exists(let ref):
            switch ref {
            // A flag alone holds when it is true (`tls.decrypted`), as in Wireshark.
            case .builtin(.tlsDecrypted): return s.tls?.decrypted == true
            case .builtin(let b): return UnitValue.builtin(b, s) != nil
            case .topic(let ids, let stomp):
                if s.aliasTopic != nil || (stomp && s.destination != nil) { return true }
                for n in tree.nodes where ids.contains(n.field) { return true }
                return false
            case .tree(let ids, _, _, _):
                for n in tree.nodes where ids.contains(n.field) { return true }
                return false
            }
        case .test(let ref, let test, let negated):
            var seen = false
            switch ref {
            case .builtin(let b):
                guard let v = UnitValue.builtin(b, s) else { return false }
                seen = true
                if passes(test, v, pdu) { return !negated }
            case .topic(let ids, let stomp):
                if let a = s.aliasTopic {
                    seen = true
                    if passes(test, .string(a), pdu) { return !negated }
                }
                if stomp, let d = s.destination {
                    seen = true
                    if passes(test, .range(d), pdu) { return !negated }
                }
                for n in tree.nodes where ids.contains(n.field) {
                    // An empty PUBLISH topic stands for its alias's topic (above).
                    if s.aliasTopic != nil, case .text(let r, _) = n.value, r.count == 0 { continue }
                    seen = true
                    guard let v = UnitValue.node(n.value, tree, showSecrets: showSecrets) else { continue }
                    if passes(test, v, pdu) { return !negated }
                }
            case .tree(let ids, _, _, _):
                for n in tree.nodes where ids.contains(n.field) {
                    seen = true
                    guard let v = UnitValue.node(n.value, tree, showSecrets: showSecrets) else { continue }
                    if passes(test, v, pdu) { return !negated }
                }
            }
            return negated && seen
        }
    }

    /// Decides the filter before the unit is decoded, from its event facts (`s`, without topic
    /// aliases, STOMP destination or `mqtt.type`) and one field whose value is known from the
    /// first byte: `typeField`, present exactly once with `typeValue` (the MQTT packet type).
    /// Nil when the answer needs any other field; otherwise exactly what `matches` would return.
    public func decideBeforeDecoding(_ s: FilterSubject, pdu: Span<UInt8>, typeField: FieldID,
                                     typeValue: UInt64) -> Bool? {
        early(root, s, pdu, typeField, typeValue)
    }

    private func early(_ i: Int, _ s: FilterSubject, _ pdu: Span<UInt8>, _ tf: FieldID, _ tv: UInt64) -> Bool? {
        switch nodes[i] {
        case .and(let a, let b):
            let x = early(a, s, pdu, tf, tv)
            if x == false { return false }
            let y = early(b, s, pdu, tf, tv)
            if y == false { return false }
            return x == true && y == true ? true : nil
        case .or(let a, let b):
            let x = early(a, s, pdu, tf, tv)
            if x == true { return true }
            let y = early(b, s, pdu, tf, tv)
            if y == true { return true }
            return x == false && y == false ? false : nil
        case .not(let a): return early(a, s, pdu, tf, tv).map { !$0 }
        case .always, .proto: return eval(i, s, pdu, FieldTree())
        case .exists(.builtin(.type)), .test(.builtin(.type), _, _): return nil
        case .exists(.builtin), .test(.builtin, _, _): return eval(i, s, pdu, FieldTree())
        case .exists(.tree(let ids, _, _, _)): return ids.contains(tf) ? true : nil
        case .test(.tree(let ids, _, _, _), let test, let negated):
            guard ids.allSatisfy({ $0 == tf }) else { return nil }
            switch test {
            case .compare, .set: return passes(test, .number(tv), pdu) ? !negated : negated
            default: return nil
            }
        case .exists(.topic), .test(.topic, _, _): return nil
        }
    }

    private func passes(_ test: Test, _ v: UnitValue, _ pdu: Span<UInt8>) -> Bool {
        switch test {
        case .compare(let op, let lit):
            guard let c = v.compare(lit, pdu) else { return false }
            switch op {
            case .eq: return c == 0
            case .lt: return c < 0
            case .le: return c <= 0
            case .gt: return c > 0
            case .ge: return c >= 0
            }
        case .set(let lits, let ranges):
            for l in lits where v.compare(l, pdu) == 0 { return true }
            if case .number(let n) = v { for r in ranges where r.contains(n) { return true } }
            return false
        case .contains(let needle): return v.contains(needle, pdu)
        case .topic(let pattern): return v.withBytes(pdu) { pattern.matches($0) } ?? false
        case .regex(let box):
            guard let text = v.string(pdu) else { return false }
            return box.matches(text)
        }
    }
}

/// A regular expression compiled once (`matches` on a non-topic string).
final class RegexBox: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>
    init(_ r: Regex<AnyRegexOutput>) { regex = r }
    func matches(_ s: String) -> Bool { (try? regex.firstMatch(in: s)) != nil }
}
