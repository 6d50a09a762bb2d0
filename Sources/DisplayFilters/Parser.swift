import TLSCodec

/// Recursive descent over the tokens, resolving names as it goes (precedence: `||` < `&&` < `!`).
///
///     expr    := and (('||' | 'or') and)*
///     and     := unary (('&&' | 'and') unary)*
///     unary   := ('!' | 'not') unary | '(' expr ')' | test
///     test    := NAME [relation value | 'contains' value | ('matches' | '~') value | 'in' '{' item* '}']
///     item    := value ['..' value] [',']
struct Parser {
    var tokens: [Token]
    var pos = 0
    let source: String
    let resolver: FieldResolver
    var nodes: [DisplayFilter.Node] = []

    init(tokens: [Token], source: String, resolver: FieldResolver) {
        self.tokens = tokens
        self.source = source
        self.resolver = resolver
    }

    var peek: Token { tokens[pos] }

    func fail(_ t: Token, _ message: String) -> DisplayFilterError {
        DisplayFilterError(column: t.column, message: message, expression: source)
    }

    func describe(_ t: Token) -> String {
        t.kind == .end ? "the end of the expression" : (t.kind == .string ? "\"\(t.text)\"" : "'\(t.text)'")
    }

    mutating func add(_ n: DisplayFilter.Node) -> Int { nodes.append(n); return nodes.count - 1 }

    func isWord(_ t: Token, _ words: String...) -> Bool { t.kind == .word && words.contains(t.text) }
    func isSymbol(_ t: Token, _ s: String...) -> Bool { t.kind == .symbol && s.contains(t.text) }

    mutating func parseExpression() throws(DisplayFilterError) -> Int {
        if peek.kind == .end { throw fail(peek, "the expression is empty") }
        let root = try parseOr()
        if peek.kind != .end {
            if peek.kind == .symbol && peek.text == ")" { throw fail(peek, "')' without a matching '('") }
            throw fail(peek, "expected '&&', '||' or the end of the expression, found \(describe(peek))")
        }
        return root
    }

    mutating func parseOr() throws(DisplayFilterError) -> Int {
        var left = try parseAnd()
        while isSymbol(peek, "||") || isWord(peek, "or") {
            pos += 1
            let right = try parseAnd()
            left = add(.or(left, right))
        }
        return left
    }

    mutating func parseAnd() throws(DisplayFilterError) -> Int {
        var left = try parseUnary()
        while isSymbol(peek, "&&") || isWord(peek, "and") {
            pos += 1
            let right = try parseUnary()
            left = add(.and(left, right))
        }
        return left
    }

    mutating func parseUnary() throws(DisplayFilterError) -> Int {
        let t = peek
        if isSymbol(t, "!") || isWord(t, "not") {
            pos += 1
            return add(.not(try parseUnary()))
        }
        if isSymbol(t, "(") {
            pos += 1
            let inner = try parseOr()
            guard isSymbol(peek, ")") else {
                throw fail(peek, "expected ')' to close the '(' at column \(t.column), found \(describe(peek))")
            }
            pos += 1
            return inner
        }
        guard t.kind == .word else {
            throw fail(t, "expected a field name, a protocol, '(' or '!', found \(describe(t))")
        }
        return try parseTest()
    }

    static let relations: [String: (DisplayFilter.Cmp, Bool)] = [
        "==": (.eq, false), "eq": (.eq, false), "!=": (.eq, true), "ne": (.eq, true),
        "<": (.lt, false), "lt": (.lt, false), "<=": (.le, false), "le": (.le, false),
        ">": (.gt, false), "gt": (.gt, false), ">=": (.ge, false), "ge": (.ge, false),
    ]

    mutating func parseTest() throws(DisplayFilterError) -> Int {
        let nameToken = peek
        pos += 1
        let name = nameToken.text
        let op = peek
        let hasRelation = (op.kind == .symbol || op.kind == .word)
            && (Self.relations[op.text] != nil || ["contains", "matches", "~", "in"].contains(op.text))
        if !hasRelation {
            switch name {
            case "mqtt": return add(.proto(.mqtt))
            case "stomp": return add(.proto(.stomp))
            case "websocket": return add(.proto(.websocket))
            case "tcp": return add(.proto(.tcp))
            case "tls": return add(.proto(.tls))
            default: break
            }
        }
        guard let ref = resolver.resolve(name) else {
            throw fail(nameToken, "unknown field '\(name)' (`mqscope fields` lists the field ids; also frame, connection, direction, client_id, version, type, topic, rule, severity, tls.version, tls.cipher_suite, tls.sni, tls.alpn, tls.decrypted, and the protocols mqtt, stomp, websocket, tls)")
        }
        if !hasRelation {
            if case .builtin(.time) = ref { throw fail(nameToken, "'time' is a column (-e time), not a filter field") }
            return add(.exists(ref))
        }
        pos += 1
        if let (cmp, negated) = Self.relations[op.text] {
            let valueToken = try takeValue(after: op)
            if case .builtin(.type) = ref {
                guard cmp == .eq else { throw fail(op, "'type' can be compared with == and != only") }
                return add(.test(ref, .set(try typeCodes(valueToken).map { .number($0) }, ranges: []), negated: negated))
            }
            let lit = try literal(valueToken, for: ref, name: name)
            return add(.test(ref, .compare(cmp, lit), negated: negated))
        }
        switch op.text {
        case "contains":
            let valueToken = try takeValue(after: op)
            guard isStringRef(ref) else { throw fail(op, "'contains' needs a string or bytes field; '\(name)' is not one") }
            return add(.test(ref, .contains(bytes(valueToken)), negated: false))
        case "matches", "~":
            let valueToken = try takeValue(after: op)
            if isTopicRef(ref) {
                let pattern = TopicPattern(bytes(valueToken))
                guard pattern.isValid else {
                    throw fail(valueToken, "\(describe(valueToken)) is not a valid MQTT topic filter ('#' only as the last level, '+' and '#' alone in their level)")
                }
                return add(.test(ref, .topic(pattern), negated: false))
            }
            guard isStringRef(ref) else { throw fail(op, "'matches' needs a string field; '\(name)' is not one") }
            do {
                let r = try Regex(valueToken.text)
                return add(.test(ref, .regex(RegexBox(r)), negated: false))
            } catch {
                throw fail(valueToken, "\(describe(valueToken)) is not a valid regular expression")
            }
        default: // in
            guard isSymbol(peek, "{") else { throw fail(peek, "expected '{' after 'in', found \(describe(peek))") }
            let open = peek
            pos += 1
            var lits: [DisplayFilter.Literal] = []
            var ranges: [ClosedRange<UInt64>] = []
            while !isSymbol(peek, "}") {
                if peek.kind == .end { throw fail(peek, "expected '}' to close the set at column \(open.column)") }
                let v = try takeValue(after: open)
                if case .builtin(.type) = ref {
                    lits += try typeCodes(v).map { .number($0) }
                } else if isSymbol(peek, "..") {
                    let dots = peek
                    pos += 1
                    let hiToken = try takeValue(after: dots)
                    guard case .number(let lo) = try literal(v, for: ref, name: name),
                          case .number(let hi) = try literal(hiToken, for: ref, name: name), lo <= hi
                    else { throw fail(dots, "a range in a set needs two numbers, the lower first") }
                    ranges.append(lo...hi)
                } else {
                    lits.append(try literal(v, for: ref, name: name))
                }
                if isSymbol(peek, ",") { pos += 1 }
            }
            pos += 1
            if lits.isEmpty && ranges.isEmpty { throw fail(open, "the set is empty") }
            return add(.test(ref, .set(lits, ranges: ranges), negated: false))
        }
    }

    mutating func takeValue(after op: Token) throws(DisplayFilterError) -> Token {
        let t = peek
        guard t.kind == .word || t.kind == .string else {
            throw fail(t, "expected a value after \(describe(op)), found \(describe(t))")
        }
        pos += 1
        return t
    }

    func bytes(_ t: Token) -> [UInt8] { t.kind == .string ? t.bytes : Array(t.text.utf8) }

    func isStringRef(_ ref: FieldRef) -> Bool {
        switch ref {
        case .tree(_, let numeric, let group, _): !numeric && !group
        case .topic: true
        case .builtin(let b): b == .clientID || b == .rule || b == .tlsServerName || b == .tlsALPN
        }
    }

    func isTopicRef(_ ref: FieldRef) -> Bool {
        switch ref {
        case .tree(_, _, _, let topic): topic
        case .topic: true
        case .builtin: false
        }
    }

    func typeCodes(_ t: Token) throws(DisplayFilterError) -> [UInt64] {
        let codes = FieldResolver.typeCodes(t.text)
        if codes.isEmpty {
            throw fail(t, "unknown type \(describe(t)); types: \(FieldResolver.typeNameList.joined(separator: ", "))")
        }
        return codes
    }

    static func number(_ text: String) -> UInt64? {
        let lower = text.lowercased()
        if lower.hasPrefix("0x") { return UInt64(lower.dropFirst(2), radix: 16) }
        return UInt64(text)
    }

    /// Converts a value token to what `ref` holds: a number (decimal, 0x hex, true/false, a value
    /// name such as PUBLISH or "Granted QoS 1"), bytes, a version, a direction or a severity.
    func literal(_ t: Token, for ref: FieldRef, name: String) throws(DisplayFilterError) -> DisplayFilter.Literal {
        switch ref {
        case .tree(let ids, let numeric, let group, _):
            if group { throw fail(t, "'\(name)' is a group of fields: test its presence or one of its fields") }
            guard numeric else { return .bytes(bytes(t)) }
            if let n = Self.number(t.text) { return .number(n) }
            if t.text == "true" || t.text == "True" { return .number(1) }
            if t.text == "false" || t.text == "False" { return .number(0) }
            if let n = resolver.namedValue(ids, t.text) { return .number(n) }
            throw fail(t, "\(describe(t)) is not a number or a value name of '\(name)'")
        case .topic:
            return .bytes(bytes(t))
        case .builtin(let b):
            switch b {
            case .frame, .connection:
                if let n = Self.number(t.text) { return .number(n) }
                throw fail(t, "'\(name)' is a number; \(describe(t)) is not")
            case .clientID, .rule, .topic, .tlsServerName, .tlsALPN:
                return .bytes(bytes(t))
            case .tlsVersion, .tlsCipherSuite, .tlsDecrypted:
                if let n = Self.number(t.text) { return .number(n) }
                if b == .tlsDecrypted, ["true", "false"].contains(t.text.lowercased()) { return .number(t.text.lowercased() == "true" ? 1 : 0) }
                if b == .tlsVersion, let v = TLSVersionName.table.first(where: { $0.1.caseInsensitiveCompare(t.text) }) { return .number(v.0) }
                if b == .tlsCipherSuite, let c = TLSCipherSuite.all.first(where: { $0.name.caseInsensitiveCompare(t.text) }) {
                    return .number(UInt64(c.code))
                }
                throw fail(t, "\(describe(t)) is not a number or a value name of '\(name)'")
            case .direction:
                switch t.text.lowercased() {
                case "c2s", "client_to_server", "to_server", "0": return .number(0)
                case "s2c", "server_to_client", "to_client", "1": return .number(1)
                default: throw fail(t, "a direction is client_to_server (c2s) or server_to_client (s2c)")
                }
            case .version:
                if let v = FilterSubject.packVersion(t.text) { return .number(UInt64(v)) }
                throw fail(t, "\(describe(t)) is not a version (3.1, 3.1.1, 5, 1.2 …)")
            case .severity:
                switch t.text.lowercased() {
                case "info": return .number(0)
                case "warning": return .number(1)
                case "error": return .number(2)
                default: throw fail(t, "a severity is info, warning or error")
                }
            case .type, .time:
                throw fail(t, "'\(name)' cannot be compared so")
            }
        }
    }
}
