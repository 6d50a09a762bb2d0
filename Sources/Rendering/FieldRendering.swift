public import WireCore

/// What every field renderer needs besides the tree and the bytes.
public struct FieldRenderContext: Sendable {
    public var registry: FieldRegistry
    // Flat tables, indexed by `jsonIndex(_:)`: nested arrays cost a retain and release per lookup,
    // and the JSON renderer looks up every field of every packet.
    /// Per catalog, the table index of its field 0, and its field count.
    let catalogBase: [Int]
    let catalogCount: [Int]
    /// Per field, `{"id":"…","name":"…"` already JSON-encoded: `prefixBytes[prefixStart[k] ..< prefixStart[k + 1]]`.
    let prefixBytes: [UInt8]
    let prefixStart: [Int]
    /// Per field, how its value is shown in JSON, with value names already encoded.
    let jsonStyles: [JSONValueStyle]
    /// Show passwords and authentication data instead of redacting them.
    public var showSecrets = false
    /// Text and byte values longer than this are cut (0 = no limit).
    public var payloadLimit = 256
    /// The `read` JSON schema version written: 2 (every field with name, stream offset and raw
    /// hex) or 3 (lean: the packet's hex once; fields with id, packet offset and length).
    public var readSchema = 2
    /// Schema 3 only: give every field its own raw hex again (`--raw-per-field`).
    public var rawPerField = false
    /// Per field, `{"id":"…"` (schema 3), as `prefixBytes`/`prefixStart`.
    let leanPrefixBytes: [UInt8]
    let leanPrefixStart: [Int]
    public init(registry: FieldRegistry) {
        self.registry = registry
        var base: [Int] = []
        var counts: [Int] = []
        var bytes: [UInt8] = []
        var starts: [Int] = []
        var leanBytes: [UInt8] = []
        var leanStarts: [Int] = []
        var styles: [JSONValueStyle] = []
        for catalog in 0..<16 {
            base.append(styles.count)
            counts.append(registry.fieldCount(catalog: catalog))
            for index in 0..<registry.fieldCount(catalog: catalog) {
                let spec = registry.spec(FieldID(raw: UInt16(catalog) << 12 | UInt16(index)))
                var w = JSONWriter(out: Output(fd: -1, threshold: Int.max))
                w.objectStart()
                w.key("id", spec.abbrev)
                leanStarts.append(leanBytes.count)
                leanBytes.append(contentsOf: w.out.buffer)
                w.key("name", spec.name)
                starts.append(bytes.count)
                bytes.append(contentsOf: w.out.buffer)
                styles.append(JSONValueStyle(spec))
            }
        }
        starts.append(bytes.count)
        leanStarts.append(leanBytes.count)
        leanPrefixBytes = leanBytes
        leanPrefixStart = leanStarts
        catalogBase = base
        catalogCount = counts
        prefixBytes = bytes
        prefixStart = starts
        jsonStyles = styles
    }

    /// The flat-table index of `id`; nil for a field the registry does not know.
    @inline(__always) func jsonIndex(_ id: FieldID) -> Int? {
        let catalog = id.catalog
        guard catalog < catalogCount.count, id.index < catalogCount[catalog] else { return nil }
        return catalogBase[catalog] + id.index
    }
}

/// How one field's value is written in JSON, prepared once from its `FieldSpec` so that rendering
/// a node needs no spec copy and no escaping of names.
struct JSONValueStyle: Sendable {
    enum Meaning: Sendable { case none, named, setNotSet, unit }
    var meaning: Meaning
    /// `,"meaning":"…"` per named value; `,"unit":"…"` for a unit.
    var names: [(UInt64, [UInt8])] = []
    var unknownName: [UInt8] = []
    var unit: [UInt8] = []
    var isBinary: Bool

    init(_ spec: FieldSpec) {
        isBinary = spec.kind == .binary
        func member(_ key: String, _ value: String) -> [UInt8] {
            var w = JSONWriter(out: Output(fd: -1, threshold: Int.max))
            w.objectStart()
            w.key("x", 0)
            w.key(key, value)
            return Array(w.out.buffer.dropFirst(6))  // drop `{"x":0`, keep `,"key":"value"`
        }
        switch spec.display {
        case .named(let table):
            meaning = .named
            names = table.map { ($0.0, member("meaning", $0.1)) }
            unknownName = member("meaning", "Unknown")
        case .setNotSet:
            meaning = .setNotSet
            names = [(0, member("meaning", "Not set")), (1, member("meaning", "Set"))]
        case .decimalUnit(let u):
            meaning = .unit
            unit = member("unit", u)
        default:
            meaning = .none
        }
    }
}

/// Secret byte ranges of one PDU: every renderer masks them in values and in raw hex alike.
struct Redactions {
    var ranges: [ByteRange] = []
    init() {}
    init(_ tree: borrowing FieldTree, showSecrets: Bool) {
        if showSecrets { return }
        for n in tree.nodes { if case .redacted(let r) = n.value, !r.isEmpty { ranges.append(r) } }
    }
    @inline(__always) func hides(_ i: Int) -> Bool {
        if ranges.isEmpty { return false }
        for r in ranges where i >= r.lower && i < r.upper { return true }
        return false
    }
}

/// `r` clipped to `0..<count`, so a renderer never reads outside the PDU.
@inline(__always) func clamp(_ r: ByteRange, _ count: Int) -> Range<Int> {
    let lo = min(max(0, r.lower), count)
    return lo..<min(max(lo, r.upper), count)
}

let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

extension Output {
    /// Lower-case hex of `range` with nothing masked, at most `limit` bytes then "…".
    public mutating func hex(_ pdu: Span<UInt8>, _ range: ByteRange, limit: Int) {
        hex(pdu, range, Redactions(), limit: limit, spaced: false)
    }

    /// Two lower-case hex digits.
    public mutating func hexByte(_ b: UInt8) {
        byte(hexDigits[Int(b >> 4)])
        byte(hexDigits[Int(b & 0xF)])
    }

    /// Lower-case hex of `range` (masked as "**" where redacted), at most `limit` bytes then "…".
    mutating func hex(_ pdu: Span<UInt8>, _ range: ByteRange, _ red: Redactions, limit: Int, spaced: Bool) {
        let lo = max(0, range.lower), hi = min(pdu.count, range.upper)
        if !spaced && red.ranges.isEmpty && lo < hi {
            // The common case (raw bytes of every field in JSON): whole chunks of digits per append.
            let end = limit > 0 ? min(hi, lo + limit) : hi
            pdu.extracting(lo..<end).withUnsafeBufferPointer { src in hexChunks(src) }
            if end < hi { ellipsis() }
            return
        }
        var i = lo
        while i < hi {
            if limit > 0 && i - lo >= limit { ellipsis(); return }
            if spaced && i > lo { byte(0x20) }
            if red.hides(i) { byte(UInt8(ascii: "*")); byte(UInt8(ascii: "*")) } else {
                byte(hexDigits[Int(pdu[i] >> 4)])
                byte(hexDigits[Int(pdu[i] & 0xF)])
            }
            i += 1
        }
    }

    /// "…", without the flush check of `write`: `read -V` measures the raw column's width by the
    /// buffer's count, which a flush in the middle would make negative (a line padded with
    /// garbage-many spaces, once in a while on a large capture).
    private mutating func ellipsis() {
        byte(0xE2); byte(0x80); byte(0xA6)
    }

    /// Lower-case hex of `src`, built 64 bytes at a time on the stack and appended in one go.
    mutating func hexChunks(_ src: UnsafeBufferPointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { digits in
            hexDigits.withUnsafeBufferPointer { table in
                var i = 0
                while i < src.count {
                    let n = min(64, src.count - i)
                    for j in 0..<n {
                        let b = src[i + j]
                        digits[2 * j] = table[Int(b >> 4)]
                        digits[2 * j + 1] = table[Int(b & 0xF)]
                    }
                    appendBytes(UnsafeBufferPointer(rebasing: digits[0 ..< 2 * n]))
                    i += n
                }
            }
        }
    }

    /// Text bytes with control characters escaped, cut at `limit` bytes.
    public mutating func text(_ pdu: Span<UInt8>, _ range: ByteRange, limit: Int) {
        let lo = max(0, range.lower), hi = min(pdu.count, range.upper)
        var i = lo
        while i < hi {
            if limit > 0 && i - lo >= limit { write("…(+\(hi - i) bytes)"); return }
            let b = pdu[i]
            switch b {
            case 0x0A: write("\\n")
            case 0x0D: write("\\r")
            case 0x09: write("\\t")
            case 0..<0x20, 0x7F: write("\\x"); byte(hexDigits[Int(b >> 4)]); byte(hexDigits[Int(b & 0xF)])
            default: byte(b)
            }
            i += 1
        }
    }
}

/// The indented field tree for people (`read -V`): each line shows the field's stream offset,
/// its raw bytes, its name and its decoded value with meaning.
public enum FieldTreeText {
    public static func render(_ tree: borrowing FieldTree, pdu: Span<UInt8>, streamOffset: UInt64,
                              context: FieldRenderContext, indent: String, into out: inout Output) {
        let red = Redactions(tree, showSecrets: context.showSecrets)
        for node in tree.nodes {
            let spec = context.registry.spec(node.field)
            out.write(indent)
            // Offset column: absolute stream offset, then raw bytes (first 8).
            let off = String(streamOffset &+ UInt64(max(0, node.range.lower)))
            out.write(String(repeating: " ", count: max(0, 8 - off.count)))
            out.write(off)
            out.write("  ")
            // Raw bytes column (byte() never flushes, so the buffer count measures the width).
            let before = out.count
            if node.bitMask != 0 {
                out.bits(node.bitMask, pdu: pdu, at: node.range.lower)
            } else {
                out.hex(pdu, node.range, red, limit: 8, spaced: true)
            }
            let width = out.count - before
            out.write(String(repeating: " ", count: max(1, 26 - width)))
            for _ in 0..<Int(node.depth) { out.write("  ") }
            out.write(spec.name)
            if node.value != .none || spec.kind != .group {
                out.write(": ")
                value(node, spec, pdu, tree, red, context, into: &out)
            }
            out.byte(0x0A)
        }
    }

    /// The value and its meaning, e.g. `1 (At least once delivery)`, `60 s`, `"sensors/t"`.
    static func value(_ node: FieldNode, _ spec: FieldSpec, _ pdu: Span<UInt8>, _ tree: borrowing FieldTree,
                             _ red: borrowing Redactions, _ context: FieldRenderContext, into out: inout Output) {
        switch node.value {
        case .none:
            out.write("(\(node.range.count) bytes)")
        case .bool(let b):
            out.write(b ? "Set" : "Not set")
        case .uint(let v):
            switch spec.display {
            case .setNotSet: out.write(v != 0 ? "Set" : "Not set")
            case .hex: out.write("0x" + String(v, radix: 16))
            case .decimalUnit(let unit): out.decimal(v); out.byte(0x20); out.write(unit)
            case .named:
                if let name = spec.valueName(v) { out.write(name); out.write(" (") ; out.decimal(v); out.write(")") }
                else { out.write("Unknown ("); out.decimal(v); out.write(")") }
            default: out.decimal(v)
            }
        case .text(let r, let valid):
            if valid {
                out.byte(UInt8(ascii: "\""))
                out.text(pdu, r, limit: context.payloadLimit)
                out.byte(UInt8(ascii: "\""))
            } else {
                out.write("(invalid UTF-8) ")
                out.hex(pdu, r, red, limit: context.payloadLimit, spaced: false)
            }
        case .bytes(let r):
            if r.isEmpty { out.write("(empty)"); return }
            if spec.kind == .binary || !UTF8Validation.isDisplayableText(pdu.extracting(clamp(r, pdu.count))) {
                out.hex(pdu, r, red, limit: context.payloadLimit, spaced: false)
                out.write(" (\(r.count) bytes)")
            } else {
                out.byte(UInt8(ascii: "\""))
                out.text(pdu, r, limit: context.payloadLimit)
                out.write("\" (\(r.count) bytes)")
            }
        case .redacted(let r):
            if context.showSecrets {
                if UTF8Validation.isDisplayableText(pdu.extracting(clamp(r, pdu.count))) {
                    out.byte(UInt8(ascii: "\"")); out.text(pdu, r, limit: 0); out.byte(UInt8(ascii: "\""))
                } else { out.hex(pdu, r, Redactions(FieldTree(), showSecrets: true), limit: 0, spaced: false) }
            } else {
                out.write("<redacted, \(r.count) bytes; --show-secrets shows it>")
            }
        case .note(let i):
            out.byte(UInt8(ascii: "\""))
            out.write(i < tree.notes.count ? tree.notes[i] : "")
            out.byte(UInt8(ascii: "\""))
        }
    }
}

extension Output {
    /// Wireshark-style bit picture of a flag: `.... ..1.` for mask 0x02 of the byte at `at`.
    mutating func bits(_ mask: UInt32, pdu: Span<UInt8>, at: Int) {
        guard at >= 0 && at < pdu.count else { return }
        let b = pdu[at]
        for bit in stride(from: 7, through: 0, by: -1) {
            if bit == 3 { byte(0x20) }
            let m = UInt8(1) << UInt8(bit)
            if UInt32(m) & mask == 0 { byte(UInt8(ascii: ".")) } else { byte(b & m != 0 ? UInt8(ascii: "1") : UInt8(ascii: "0")) }
        }
    }
}

/// The field tree as JSON (schema: docs/schema, "field" objects): nested `children`, each with
/// id, name, stream offset, length, raw hex, value and meaning.
public enum FieldTreeJSON {
    public static func render(_ tree: borrowing FieldTree, pdu: Span<UInt8>, streamOffset: UInt64,
                              context: FieldRenderContext, into w: inout JSONWriter) {
        let red = Redactions(tree, showSecrets: context.showSecrets)
        let lean = context.readSchema >= 3
        let rawFields = !lean || context.rawPerField
        w.arrayStart()
        var i = 0
        let nodes = tree.nodes
        // Preorder with subtree ends: a stack of open subtree ends closes the children arrays.
        var ends: [Int] = []
        while i < nodes.count {
            while let e = ends.last, i >= e { w.arrayEnd(); w.objectEnd(); ends.removeLast() }
            let n = nodes[i]
            guard let k = context.jsonIndex(n.field) else {
                i += 1
                continue
            }
            if lean {
                context.leanPrefixBytes.withUnsafeBufferPointer { all in
                    w.objectStart(prefix: UnsafeBufferPointer(
                        rebasing: all[context.leanPrefixStart[k] ..< context.leanPrefixStart[k + 1]]))
                }
                w.rawKey("offset"); w.int(n.range.lower)
            } else {
                context.prefixBytes.withUnsafeBufferPointer { all in
                    w.objectStart(prefix: UnsafeBufferPointer(
                        rebasing: all[context.prefixStart[k] ..< context.prefixStart[k + 1]]))
                }
                w.rawKey("offset"); w.int(StreamRange.offset(streamOffset, plus: n.range.lower))
            }
            w.rawKey("length"); w.int(n.range.count)
            if n.bitMask != 0 { w.rawKey("mask"); w.int(Int(n.bitMask)) }
            if rawFields {
                w.rawKey("raw")
                w.separatorForRaw()
                w.out.byte(UInt8(ascii: "\""))
                w.out.hex(pdu, n.range, red, limit: context.payloadLimit, spaced: false)
                w.out.byte(UInt8(ascii: "\""))
            }
            value(n, k, pdu, tree, context, into: &w)
            if Int(n.subtreeEnd) > i + 1 {
                w.rawKey("children")
                w.arrayStart()
                ends.append(Int(n.subtreeEnd))
            } else {
                w.objectEnd()
            }
            i += 1
        }
        while !ends.isEmpty { w.arrayEnd(); w.objectEnd(); ends.removeLast() }
        w.arrayEnd()
    }

    /// Schema 3: `"raw":"…"`, the unit's bytes once (secrets masked). Payloads follow
    /// `--payload-limit`: the hex stops that many bytes into the first byte-valued field longer
    /// than the limit (a payload or body), then "…"; the bytes before it are always all there.
    public static func rawOnce(_ tree: borrowing FieldTree, pdu: Span<UInt8>,
                               context: FieldRenderContext, into w: inout JSONWriter) {
        let red = Redactions(tree, showSecrets: context.showSecrets)
        var end = pdu.count
        if context.payloadLimit > 0 {
            for n in tree.nodes {
                if case .bytes(let r) = n.value, r.count > context.payloadLimit {
                    end = min(end, max(0, r.lower) + context.payloadLimit)
                    break
                }
            }
        }
        w.rawKey("raw")
        w.separatorForRaw()
        w.out.byte(UInt8(ascii: "\""))
        w.out.hex(pdu, ByteRange(0, end), red, limit: 0, spaced: false)
        if end < pdu.count { w.out.write("…") }
        w.out.byte(UInt8(ascii: "\""))
    }

    /// `k`: the field's flat-table index (its style is read in place, not copied).
    static func value(_ n: FieldNode, _ k: Int, _ pdu: Span<UInt8>, _ tree: borrowing FieldTree,
                      _ context: FieldRenderContext, into w: inout JSONWriter) {
        switch n.value {
        case .none: break
        case .bool(let b): w.rawKey("value"); w.bool(b)
        case .uint(let v):
            w.rawKey("value"); w.int(v)
            switch context.jsonStyles[k].meaning {
            case .none: break
            case .unit: context.jsonStyles[k].unit.withUnsafeBufferPointer { w.out.appendBytes($0) }
            case .setNotSet:
                context.jsonStyles[k].names[v != 0 ? 1 : 0].1.withUnsafeBufferPointer { w.out.appendBytes($0) }
            case .named:
                var found = false
                for (key, bytes) in context.jsonStyles[k].names where key == v {
                    bytes.withUnsafeBufferPointer { w.out.appendBytes($0) }
                    found = true
                    break
                }
                if !found { context.jsonStyles[k].unknownName.withUnsafeBufferPointer { w.out.appendBytes($0) } }
            }
        case .text(let r, let valid):
            if valid {
                let hi = context.payloadLimit > 0 ? min(r.upper, r.lower + context.payloadLimit) : r.upper
                w.rawKey("value"); w.string(utf8: pdu.extracting(clamp(ByteRange(r.lower, hi), pdu.count)))
                if hi < r.upper { w.rawKey("truncated"); w.bool(true) }
            } else {
                w.rawKey("valid_utf8"); w.bool(false)
            }
        case .bytes(let r):
            if !context.jsonStyles[k].isBinary && UTF8Validation.isDisplayableText(pdu.extracting(clamp(r, pdu.count))) {
                let hi = context.payloadLimit > 0 ? min(r.upper, r.lower + context.payloadLimit) : r.upper
                // Cut on a character boundary so the JSON string stays valid UTF-8.
                var cut = hi
                while cut > r.lower && cut < r.upper && cut < pdu.count && pdu[cut] & 0xC0 == 0x80 { cut -= 1 }
                w.rawKey("text"); w.string(utf8: pdu.extracting(clamp(ByteRange(r.lower, cut), pdu.count)))
                if cut < r.upper { w.rawKey("truncated"); w.bool(true) }
            }
        case .redacted:
            w.rawKey("redacted"); w.bool(!context.showSecrets)
        case .note(let i):
            w.key("value", i < tree.notes.count ? tree.notes[i] : "")
        }
    }
}

extension JSONWriter {
    /// Lets a caller write a raw JSON value directly into `out` after `key(_:)`.
    mutating func separatorForRaw() { separator() }
}
