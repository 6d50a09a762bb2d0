public import WireCore

/// Writes JSON straight into an `Output`, with no intermediate objects and no Foundation.
/// The caller drives structure (`objectStart`, `key`, values); commas are inserted here.
public struct JSONWriter {
    public var out: Output
    /// One entry per open container: whether it already has an element.
    var hasElement: [Bool] = []
    var afterKey = false

    public init(out: Output) {
        self.out = out
        hasElement.reserveCapacity(16)
    }

    mutating func separator() {
        if afterKey { afterKey = false; return }
        if let last = hasElement.last {
            // Written only at a container's first element: each array write costs a uniqueness check.
            if last { out.byte(UInt8(ascii: ",")) } else { hasElement[hasElement.count - 1] = true }
        }
    }

    public mutating func objectStart() { separator(); out.byte(UInt8(ascii: "{")); hasElement.append(false) }
    public mutating func objectEnd() { hasElement.removeLast(); out.byte(UInt8(ascii: "}")) }
    public mutating func arrayStart() { separator(); out.byte(UInt8(ascii: "[")); hasElement.append(false) }
    public mutating func arrayEnd() { hasElement.removeLast(); out.byte(UInt8(ascii: "]")) }
    /// Writes on as inside an array opened elsewhere that already has elements: each value starts
    /// with a comma (a shard's part of an array another writer opened and will close).
    public mutating func continueArray() { hasElement.append(true) }

    /// Opens an object whose first members are already encoded in `prefix` (which starts with `{`
    /// and ends after a complete member, without a comma): precomputed per field, so the field's id
    /// and name cost one copy instead of escaping them for every packet.
    public mutating func objectStart(prefix: [UInt8]) {
        separator()
        prefix.withUnsafeBufferPointer { out.appendBytes($0) }
        hasElement.append(true)
    }

    /// `objectStart(prefix:)` for a prefix kept in a larger table.
    public mutating func objectStart(prefix: UnsafeBufferPointer<UInt8>) {
        separator()
        out.appendBytes(prefix)
        hasElement.append(true)
    }

    /// A key that needs no escaping (a literal of ASCII letters, digits and underscores).
    public mutating func rawKey(_ k: StaticString) {
        separator()
        out.byte(UInt8(ascii: "\""))
        k.withUTF8Buffer { out.appendBytes($0) }
        out.byte(UInt8(ascii: "\""))
        out.byte(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func key(_ k: String) {
        separator()
        writeString(k)
        out.byte(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func string(_ s: String) { separator(); writeString(s) }
    public mutating func int<I: BinaryInteger>(_ v: I) { separator(); out.decimal(v) }
    public mutating func bool(_ b: Bool) { separator(); out.write(b ? "true" : "false") }
    public mutating func null() { separator(); out.write("null") }
    /// A number already formatted (e.g. a fixed-point time).
    public mutating func raw(_ s: String) { separator(); out.write(s) }

    /// UTF-8 bytes as a JSON string (the bytes must be valid UTF-8).
    public mutating func string(utf8 bytes: Span<UInt8>) {
        separator()
        out.byte(UInt8(ascii: "\""))
        bytes.withUnsafeBufferPointer { escaped($0) }
        out.byte(UInt8(ascii: "\""))
    }

    /// Bytes as a lower-case hex JSON string.
    public mutating func hex(_ bytes: Span<UInt8>) {
        separator()
        out.byte(UInt8(ascii: "\""))
        bytes.withUnsafeBufferPointer { out.hexChunks($0) }
        out.byte(UInt8(ascii: "\""))
    }

    public mutating func key(_ k: String, _ v: String) { key(k); string(v) }
    public mutating func key<I: BinaryInteger>(_ k: String, _ v: I) { key(k); int(v) }
    public mutating func key(_ k: String, _ v: Bool) { key(k); bool(v) }
    /// Values that may be absent are written as `null`.
    public mutating func key(_ k: String, _ v: String?) {
        key(k)
        if let v { string(v) } else { null() }
    }
    public mutating func key<I: BinaryInteger>(_ k: String, _ v: I?) {
        key(k)
        if let v { int(v) } else { null() }
    }
    /// A range as `{"start": lower, "end": upper}`, or `null`.
    public mutating func key(_ k: String, _ r: StreamRange?) { range(k, r.map { ($0.lower, $0.upper) }) }
    public mutating func key(_ k: String, _ r: ByteRange?) { range(k, r.map { ($0.lower, $0.upper) }) }

    private mutating func range<I: BinaryInteger>(_ k: String, _ bounds: (I, I)?) {
        key(k)
        guard let (lower, upper) = bounds else { return null() }
        objectStart()
        key("start", lower)
        key("end", upper)
        objectEnd()
    }

    /// Ends a top-level value with a newline (NDJSON) and resets the structure state. A unit
    /// boundary: the buffer goes out once full, whatever the unit (values written byte by byte skip
    /// the threshold check, so NDJSON of stream events alone was held until the end).
    public mutating func endLine() {
        out.byte(0x0A)
        out.flushIfFull()
        hasElement.removeAll(keepingCapacity: true)
        afterKey = false
    }

    mutating func writeString(_ s: String) {
        out.byte(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { escaped($0) }
        out.byte(UInt8(ascii: "\""))
    }

    /// Appends `bytes` escaped for a JSON string: runs that need no escape are copied whole.
    mutating func escaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0x7F { i += 1; continue }
            if i > runStart { out.appendBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
            switch b {
            case 0x22, 0x5C: out.byte(0x5C); out.byte(b)
            case 0x0A: out.byte(0x5C); out.byte(UInt8(ascii: "n"))
            case 0x0D: out.byte(0x5C); out.byte(UInt8(ascii: "r"))
            case 0x09: out.byte(0x5C); out.byte(UInt8(ascii: "t"))
            default:
                out.byte(0x5C); out.byte(UInt8(ascii: "u")); out.byte(0x30); out.byte(0x30)
                out.hexByte(b)
            }
            i += 1
            runStart = i
        }
        if bytes.count > runStart { out.appendBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
    }
}
