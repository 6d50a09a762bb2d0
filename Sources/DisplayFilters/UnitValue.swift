import WireCore

/// One value of a unit, as filters compare it: a number, bytes of the PDU, or a string from the event.
enum UnitValue {
    case number(UInt64)
    case range(ByteRange)
    case string(String)

    static func builtin(_ b: Builtin, _ s: FilterSubject) -> UnitValue? {
        switch b {
        case .frame: .number(s.frame)
        case .connection: .number(UInt64(s.connection))
        case .direction: .number(s.clientToServer ? 0 : 1)
        case .clientID: s.clientID.map { .string($0) }
        case .version: s.version == 0 ? nil : .number(UInt64(s.version))
        case .type: .number(FieldResolver.typeKey(s.proto, s.typeCode))
        case .rule: s.rule.map { .string($0) }
        case .severity: s.severity.map { .number(UInt64($0.rawValue)) }
        case .topic, .time: nil
        case .tlsVersion: s.tls?.version.map { .number(UInt64($0)) }
        case .tlsCipherSuite: s.tls?.cipherSuite.map { .number(UInt64($0)) }
        case .tlsServerName: s.tls?.serverName.map { .string($0) }
        case .tlsALPN: s.tls?.alpn.map { .string($0) }
        case .tlsDecrypted: s.tls.map { .number($0.decrypted ? 1 : 0) }
        }
    }

    /// A tree node's value; a secret only with `--show-secrets`, a group has none.
    static func node(_ v: FieldValue, _ tree: borrowing FieldTree, showSecrets: Bool) -> UnitValue? {
        switch v {
        case .none: nil
        case .uint(let n): .number(n)
        case .bool(let b): .number(b ? 1 : 0)
        case .text(let r, _), .bytes(let r): .range(r)
        case .redacted(let r): showSecrets ? .range(r) : nil
        case .note(let i): i < tree.notes.count ? .string(tree.notes[i]) : nil
        }
    }

    /// Calls `body` with the value's bytes (nil for a number or bytes outside the PDU).
    func withBytes<R>(_ pdu: Span<UInt8>, _ body: (Span<UInt8>) -> R) -> R? {
        switch self {
        case .number: return nil
        case .range(let r):
            guard r.lower >= 0, r.upper <= pdu.count, r.lower <= r.upper else { return nil }
            return body(pdu.extracting(r.lower..<r.upper))
        case .string(let s):
            let a = Array(s.utf8)
            return body(a.span)
        }
    }

    /// <0, 0, >0, or nil when the value and the literal are not comparable.
    func compare(_ lit: DisplayFilter.Literal, _ pdu: Span<UInt8>) -> Int? {
        switch (self, lit) {
        case (.number(let a), .number(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.number, .bytes), (.range, .number), (.string, .number): return nil
        case (.range, .bytes(let b)), (.string, .bytes(let b)):
            return withBytes(pdu) { v in
                let n = min(v.count, b.count)
                var i = 0
                while i < n {
                    if v[i] != b[i] { return v[i] < b[i] ? -1 : 1 }
                    i += 1
                }
                return v.count == b.count ? 0 : (v.count < b.count ? -1 : 1)
            }
        }
    }

    func contains(_ needle: [UInt8], _ pdu: Span<UInt8>) -> Bool {
        withBytes(pdu) { v in
            if needle.isEmpty { return true }
            guard v.count >= needle.count else { return false }
            var i = 0
            outer: while i + needle.count <= v.count {
                for j in 0..<needle.count where v[i + j] != needle[j] { i += 1; continue outer }
                return true
            }
            return false
        } ?? false
    }

    func string(_ pdu: Span<UInt8>) -> String? {
        switch self {
        case .number: nil
        case .string(let s): s
        case .range: withBytes(pdu) { v in
            var a: [UInt8] = []
            a.reserveCapacity(v.count)
            for i in 0..<v.count { a.append(v[i]) }
            return String(decoding: a, as: UTF8.self)
        }
        }
    }
}

/// An MQTT topic filter compiled to its levels (MQTT 3.1.1/5.0 §4.7): `+` matches one level, a final
/// `#` the rest (and the parent level); topics starting with `$` are not matched by a leading wildcard.
/// A filter without wildcards also matches itself when tested against a SUBSCRIBE's filters.
struct TopicPattern: Sendable {
    enum Level: Sendable { case exact([UInt8]), one, rest }
    let levels: [Level]

    init(_ filter: [UInt8]) {
        var levels: [Level] = []
        for part in filter.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if part.count == 1 && part[part.startIndex] == UInt8(ascii: "+") { levels.append(.one) }
            else if part.count == 1 && part[part.startIndex] == UInt8(ascii: "#") { levels.append(.rest) }
            else { levels.append(.exact(Array(part))) }
        }
        self.levels = levels
    }

    /// Whether the filter is valid: `#` only last (§4.7.1.2); `+` and `#` alone in their level.
    var isValid: Bool {
        for (i, l) in levels.enumerated() {
            if case .rest = l, i != levels.count - 1 { return false }
            if case .exact(let b) = l, b.contains(UInt8(ascii: "#")) || b.contains(UInt8(ascii: "+")) { return false }
        }
        return true
    }

    func matches(_ topic: Span<UInt8>) -> Bool {
        if topic.count > 0 && topic[0] == UInt8(ascii: "$"), let first = levels.first {
            switch first {
            case .one, .rest: return false
            case .exact: break
            }
        }
        var pos = 0          // start of the current topic level
        var li = 0
        while li < levels.count {
            if case .rest = levels[li] { return true }
            if pos > topic.count { return false }   // the topic has no more levels
            var end = pos
            while end < topic.count && topic[end] != UInt8(ascii: "/") { end += 1 }
            if case .exact(let want) = levels[li] {
                guard end - pos == want.count else { return false }
                for k in 0..<want.count where topic[pos + k] != want[k] { return false }
            }
            pos = end + 1
            li += 1
        }
        return pos == topic.count + 1
    }
}
