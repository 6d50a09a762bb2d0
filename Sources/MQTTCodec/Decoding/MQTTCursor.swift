import WireCore

/// Decoding stops early (the tree keeps what was read; a diagnostic says why).
enum MQTTStop: Error { case stop }

/// The decoder's position in one PDU. Every read checks bounds against `limit` (never beyond
/// the span), records its field in the tree in the same call, and on an overrun reports
/// `MQTT-TRUNCATED` on the missing range and throws `MQTTStop`.
struct MQTTCursor {
    var pos: Int
    var limit: Int
    var version: MQTTVersion

    init(pos: Int, limit: Int, version: MQTTVersion) {
        self.pos = pos
        self.limit = limit
        self.version = version
    }

    var remaining: Int { limit > pos ? limit - pos : 0 }
    var atEnd: Bool { pos >= limit }

    func report(_ rule: MQTTRule, _ range: ByteRange, _ d: inout [Diagnostic]) {
        d.append(rule.diagnostic(version, range))
    }

    /// Reports `rule` with the offending values named (`detail` is built only here, when it fires).
    func report(_ rule: MQTTRule, _ range: ByteRange, _ d: inout [Diagnostic], _ detail: @autoclosure () -> String) {
        d.append(rule.diagnostic(version, range, detail: detail()))
    }

    /// Throws unless `n` more bytes are readable.
    func need(_ n: Int, _ d: inout [Diagnostic]) throws(MQTTStop) {
        if n > remaining {
            report(.truncated, ByteRange(Swift.min(pos, limit), limit), &d,
                   "\(n) byte\(n == 1 ? "" : "s") needed at byte \(pos), \(remaining) left")
            throw .stop
        }
    }

    mutating func u8(_ f: MQTTField, _ b: borrowing Span<UInt8>, _ t: inout FieldTree,
                     _ d: inout [Diagnostic]) throws(MQTTStop) -> UInt8 {
        try need(1, &d)
        let v = b[pos]
        t.add(f.id, ByteRange(pos, pos + 1), .uint(UInt64(v)))
        pos += 1
        return v
    }

    mutating func u16(_ f: MQTTField, _ b: borrowing Span<UInt8>, _ t: inout FieldTree,
                      _ d: inout [Diagnostic]) throws(MQTTStop) -> UInt16 {
        try need(2, &d)
        let v = UInt16(b[pos]) << 8 | UInt16(b[pos + 1])
        t.add(f.id, ByteRange(pos, pos + 2), .uint(UInt64(v)))
        pos += 2
        return v
    }

    /// Reads raw bytes without adding a node.
    mutating func rawU16(_ b: borrowing Span<UInt8>, _ d: inout [Diagnostic]) throws(MQTTStop) -> UInt16 {
        try need(2, &d)
        let v = UInt16(b[pos]) << 8 | UInt16(b[pos + 1])
        pos += 2
        return v
    }

    mutating func rawU32(_ b: borrowing Span<UInt8>, _ d: inout [Diagnostic]) throws(MQTTStop) -> UInt32 {
        try need(4, &d)
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 8 | UInt32(b[pos + k]) }
        pos += 4
        return v
    }

    /// A Variable Byte Integer inside the packet (property lengths and identifiers, Subscription
    /// Identifier). Non-minimal encodings are reported (5.0 makes minimality normative).
    mutating func vbi(_ b: borrowing Span<UInt8>, _ d: inout [Diagnostic]) throws(MQTTStop) -> (UInt32, ByteRange) {
        let start = pos
        switch MQTTVBI.decode(b, at: pos, limit: limit) {
        case .needMore:
            report(.truncated, ByteRange(start, limit), &d, "Variable Byte Integer at byte \(start) not finished before the end")
            throw .stop
        case .tooLong:
            report(.vbiTooLong5, ByteRange(start, start + 4), &d, "4 bytes with the continuation bit set at byte \(start)")
            throw .stop
        case .value(let v, let n, let minimal):
            pos += n
            let r = ByteRange(start, pos)
            if !minimal { report(.vbiNonMinimal5, r, &d, "value \(v) in \(n) bytes") }
            return (v, r)
        }
    }

    /// Checks `range` as an MQTT UTF-8 string; reports the first bad byte. Returns validity.
    /// `field` names the string in a finding; built only when one is reported (not per string).
    func checkUTF8(_ range: ByteRange, _ b: borrowing Span<UInt8>, _ d: inout [Diagnostic],
                   pairRule: Bool = false, field: @autoclosure () -> String = "string") -> Bool {
        switch UTF8Validation.check(b.extracting(range.lower..<range.upper)) {
        case .valid:
            return true
        case .invalid(let at):
            let rule = pairRule ? MQTTRule.userPropertyUTF8 : MQTTRule.pick(version, .utf8Invalid311, .utf8Invalid5)
            let byte = b[range.lower + at]
            report(rule, ByteRange(range.lower + at, range.lower + at + 1), &d,
                   "\(field()) has byte 0x\(Hex.byte(byte)) at character offset \(at), not valid UTF-8")
            return false
        case .nullCharacter(let at):
            let rule = pairRule ? MQTTRule.userPropertyUTF8 : MQTTRule.pick(version, .utf8Null311, .utf8Null5)
            report(rule, ByteRange(range.lower + at, range.lower + at + 1), &d, "\(field()) has U+0000 at offset \(at)")
            return false
        }
    }

    /// Reads a 2-byte length and skips that many bytes (MQTT 1.5.4 / 1.5.6); returns their range.
    /// A length that overruns the packet is reported as truncated at the prefix and stops decoding.
    private mutating func lengthPrefixed(_ b: borrowing Span<UInt8>, _ d: inout [Diagnostic]) throws(MQTTStop) -> ByteRange {
        let start = pos
        let n = Int(try rawU16(b, &d))
        if n > remaining {
            pos = start
            let left = remaining + 2
            report(.truncated, ByteRange(start, limit), &d, "length prefix at byte \(start) says \(n) bytes, \(left - 2 < 0 ? 0 : left - 2) left")
            throw .stop
        }
        pos += n
        return ByteRange(pos - n, pos)
    }

    /// A length-prefixed UTF-8 string: one node covering prefix and text whose value is the text
    /// range. Returns the text range.
    @discardableResult
    mutating func string(_ f: MQTTField, _ b: borrowing Span<UInt8>, _ t: inout FieldTree,
                         _ d: inout [Diagnostic], pairRule: Bool = false) throws(MQTTStop) -> ByteRange {
        let start = pos
        let text = try lengthPrefixed(b, &d)
        let valid = checkUTF8(text, b, &d, pairRule: pairRule, field: f.spec.name)
        t.add(f.id, ByteRange(start, pos), .text(text, valid: valid))
        return text
    }

    /// Length-prefixed binary data; `redact` marks secrets. Returns the data range.
    @discardableResult
    mutating func binary(_ f: MQTTField, _ b: borrowing Span<UInt8>, _ t: inout FieldTree,
                         _ d: inout [Diagnostic], redact: Bool = false) throws(MQTTStop) -> ByteRange {
        let start = pos
        let data = try lengthPrefixed(b, &d)
        t.add(f.id, ByteRange(start, pos), redact ? .redacted(data) : .bytes(data))
        return data
    }

    /// Bytes left before `limit` that no field claims: one node and `MQTT-TRAILING-BYTES`.
    mutating func trailing(_ t: inout FieldTree, _ d: inout [Diagnostic]) {
        guard pos < limit else { return }
        let r = ByteRange(pos, limit)
        t.add(MQTTField.trailingBytes.id, r, .bytes(r))
        report(.trailingBytes, r, &d, "\(r.count) byte\(r.count == 1 ? "" : "s") after the last field, from byte \(r.lower)")
        pos = limit
    }

}
