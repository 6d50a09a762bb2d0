public import WireCore
public import Rendering
import TLSCodec

/// `-T fields -e NAME…`: one row per unit with the named values, like tshark's fields output.
/// Names are resolved once; a field with several occurrences shows them joined by `aggregator`.
public struct FieldColumns: Sendable {
    /// tshark's `-E` options.
    public struct Style: Sendable {
        public var header = false
        public var separator: [UInt8] = [0x09]
        /// `"` (d), `'` (s) or none (n): every column is quoted; a quote inside is doubled.
        public var quote: UInt8?
        public var aggregator: [UInt8] = [UInt8(ascii: ",")]
        public init() {}

        /// Applies one `-E key=value` option.
        public mutating func apply(_ option: String) -> String? {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return "-E wants key=value, e.g. header=y; got '\(option)'" }
            let (key, value) = (parts[0], parts[1])
            switch key {
            case "header":
                guard let b = Self.yesNo(value) else { return "-E header wants y or n" }
                header = b
            case "separator":
                separator = Self.special(value)
                if separator.isEmpty { return "-E separator wants a character (/t tab, /s space)" }
            case "aggregator":
                aggregator = Self.special(value)
            case "quote":
                switch value {
                case "d": quote = UInt8(ascii: "\"")
                case "s": quote = UInt8(ascii: "'")
                case "n": quote = nil
                default: return "-E quote wants d, s or n"
                }
            default:
                return "unknown -E option '\(key)' (header, separator, quote, aggregator)"
            }
            return nil
        }

        static func yesNo(_ v: String) -> Bool? {
            switch v.lowercased() {
            case "y", "yes", "1", "true": true
            case "n", "no", "0", "false": false
            default: nil
            }
        }

        static func special(_ v: String) -> [UInt8] {
            switch v {
            case "/t": [0x09]
            case "/s": [0x20]
            default: Array(v.utf8)
            }
        }
    }

    public let names: [String]
    let refs: [FieldRef]
    public let style: Style
    let showSecrets: Bool

    public init(_ names: [String], resolver: FieldResolver, style: Style, showSecrets: Bool) throws(DisplayFilterError) {
        var refs: [FieldRef] = []
        for n in names {
            guard let r = resolver.resolve(n) else {
                throw DisplayFilterError(column: 1, message: "unknown field '\(n)' (`mqscope fields` lists the field ids; also frame, connection, direction, client_id, version, type, topic, rule, severity, time)", expression: n)
            }
            refs.append(r)
        }
        self.names = names
        self.refs = refs
        self.style = style
        self.showSecrets = showSecrets
    }

    public func writeHeader(into out: inout Output) {
        for (i, n) in names.enumerated() {
            if i > 0 { for b in style.separator { out.byte(b) } }
            if let q = style.quote { out.byte(q) }
            writeEscaped(Array(n.utf8).span, into: &out)
            if let q = style.quote { out.byte(q) }
        }
        out.byte(0x0A)
    }

    public func writeRow(_ s: FilterSubject, pdu: Span<UInt8>, tree: borrowing FieldTree, into out: inout Output) {
        for (i, ref) in refs.enumerated() {
            if i > 0 { for b in style.separator { out.byte(b) } }
            if let q = style.quote { out.byte(q) }
            defer { if let q = style.quote { out.byte(q) } }
            var first = true
            switch ref {
            case .builtin(let b):
                switch b {
                case .frame: out.decimal(s.frame)
                case .connection: out.decimal(s.connection)
                case .direction: out.write(s.clientToServer ? "client_to_server" : "server_to_client")
                case .clientID: if let c = s.clientID { writeEscaped(Array(c.utf8).span, into: &out) }
                case .version: if s.version != 0 { out.write(FilterSubject.versionText(s.version)) }
                case .type: out.write(FieldResolver.typeName(FieldResolver.typeKey(s.proto, s.typeCode)))
                case .rule: if let r = s.rule { writeEscaped(Array(r.utf8).span, into: &out) }
                case .severity: if let v = s.severity { out.write(v.description) }
                case .time: out.write(TimeFormat.relative(s.time, to: s.captureStart))
                case .topic: break
                case .tlsVersion: if let v = s.tls?.version { out.write(TLSVersionName.name(v)) }
                case .tlsCipherSuite: if let c = s.tls?.cipherSuite { out.write(TLSCipherSuite.name(c)) }
                case .tlsServerName: if let n = s.tls?.serverName { writeEscaped(Array(n.utf8).span, into: &out) }
                case .tlsALPN: if let a = s.tls?.alpn { writeEscaped(Array(a.utf8).span, into: &out) }
                case .tlsDecrypted: if let t = s.tls { out.write(t.decrypted ? "1" : "0") }
                }
            case .topic(let ids, let stomp):
                if let a = s.aliasTopic { writeEscaped(Array(a.utf8).span, into: &out); first = false }
                if stomp, let d = s.destination { writeValue(.text(d, valid: true), tree, pdu, first: &first, into: &out) }
                for n in tree.nodes where ids.contains(n.field) {
                    if s.aliasTopic != nil, case .text(let r, _) = n.value, r.count == 0 { continue }
                    writeValue(n.value, tree, pdu, first: &first, into: &out)
                }
            case .tree(let ids, _, _, _):
                for n in tree.nodes where ids.contains(n.field) {
                    writeValue(n.value, tree, pdu, first: &first, into: &out)
                }
            }
        }
        out.byte(0x0A)
    }

    private func writeValue(_ v: FieldValue, _ tree: borrowing FieldTree, _ pdu: Span<UInt8>, first: inout Bool,
                            into out: inout Output) {
        if case .none = v { return }
        if !first { for b in style.aggregator { out.byte(b) } }
        first = false
        switch v {
        case .none: break
        case .uint(let n): out.decimal(n)
        case .bool(let b): out.byte(b ? UInt8(ascii: "1") : UInt8(ascii: "0"))
        case .text(let r, _):
            guard r.lower >= 0, r.upper <= pdu.count, r.lower <= r.upper else { return }
            writeEscaped(pdu.extracting(r.lower..<r.upper), into: &out)
        case .bytes(let r):
            guard r.lower >= 0, r.upper <= pdu.count, r.lower <= r.upper else { return }
            writeHex(pdu.extracting(r.lower..<r.upper), into: &out)
        case .redacted(let r):
            guard showSecrets else { out.write("<redacted>"); return }
            guard r.lower >= 0, r.upper <= pdu.count, r.lower <= r.upper else { return }
            writeHex(pdu.extracting(r.lower..<r.upper), into: &out)
        case .note(let i):
            if i < tree.notes.count { writeEscaped(Array(tree.notes[i].utf8).span, into: &out) }
        }
    }

    private func writeHex(_ b: Span<UInt8>, into out: inout Output) {
        let digits = Self.hexDigits
        for i in 0..<b.count {
            out.byte(digits[Int(b[i] >> 4)])
            out.byte(digits[Int(b[i] & 0x0F)])
        }
    }

    /// Text with control bytes escaped (`\n`, `\r`, `\t`, `\xHH`) so that a row stays one line; quoted
    /// (every column is quoted when `-E quote` asks; a quote inside is doubled, as CSV does).
    private func writeEscaped(_ b: Span<UInt8>, into out: inout Output) {
        let digits = Self.hexDigits
        for i in 0..<b.count {
            let c = b[i]
            switch c {
            case 0x0A: out.byte(0x5C); out.byte(UInt8(ascii: "n"))
            case 0x0D: out.byte(0x5C); out.byte(UInt8(ascii: "r"))
            case 0x09: out.byte(0x5C); out.byte(UInt8(ascii: "t"))
            case 0x5C: out.byte(0x5C); out.byte(0x5C)
            case ..<0x20, 0x7F:
                out.byte(0x5C); out.byte(UInt8(ascii: "x"))
                out.byte(digits[Int(c >> 4)]); out.byte(digits[Int(c & 0x0F)])
            default:
                if let q = style.quote, c == q { out.byte(q) }
                out.byte(c)
            }
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
