/// A decoded value. Text and bytes stay in the PDU and are referenced by range: no per-field allocation.
public enum FieldValue: Sendable, Equatable {
    case none
    case uint(UInt64)
    case bool(Bool)
    /// UTF-8 text in the PDU; `valid` is false when strict validation failed (shown as hex then).
    case text(ByteRange, valid: Bool)
    case bytes(ByteRange)
    /// A secret (password, authentication data) whose bytes must not be shown unless asked for.
    case redacted(ByteRange)
    /// A string that is not in this PDU's bytes (e.g. the topic a topic alias stands for);
    /// an index into `FieldTree.notes`.
    case note(Int)
}

/// One annotated field.
public struct FieldNode: Sendable, Equatable {
    public var field: FieldID
    /// Half-open, relative to the PDU's first byte.
    public var range: ByteRange
    /// 0 = whole bytes; else the bits of `range`'s first byte this field occupies (flags).
    public var bitMask: UInt32
    public var value: FieldValue
    /// Preorder: this node's descendants are `index + 1 ..< subtreeEnd`.
    public var subtreeEnd: Int32
    public var depth: Int16

    @inlinable public init(field: FieldID, range: ByteRange, bitMask: UInt32, value: FieldValue, subtreeEnd: Int32, depth: Int16) {
        self.field = field
        self.range = range
        self.bitMask = bitMask
        self.value = value
        self.subtreeEnd = subtreeEnd
        self.depth = depth
    }
}

/// The annotated field tree of one PDU: a flat preorder arena shared by renderers and checker.
/// Reuse one tree across PDUs with `reset()`; it keeps its capacity.
public struct FieldTree: Sendable {
    public private(set) var nodes: [FieldNode] = []
    public private(set) var notes: [String] = []
    private var open: [Int] = []
    /// False for a tree that keeps nothing: a decoder still returns its typed values and findings
    /// but every `add`/`begin` is a no-op returning -1 (for consumers that read only typed values,
    /// e.g. `stats`).
    public let isRecording: Bool

    public init() { self.init(recording: true) }

    public init(recording: Bool) {
        isRecording = recording
        guard recording else { return }
        nodes.reserveCapacity(64)
        open.reserveCapacity(8)
    }

    public mutating func reset() {
        nodes.removeAll(keepingCapacity: true)
        open.removeAll(keepingCapacity: true)
        if !notes.isEmpty { notes.removeAll(keepingCapacity: true) }
    }

    /// Adds a leaf; returns its index.
    @discardableResult
    public mutating func add(_ field: FieldID, _ range: ByteRange, _ value: FieldValue = .none, bits: UInt32 = 0) -> Int {
        guard isRecording else { return -1 }
        let i = nodes.count
        nodes.append(FieldNode(field: field, range: range, bitMask: bits, value: value,
                               subtreeEnd: Int32(i + 1), depth: Int16(openDepth)))
        return i
    }

    var openDepth: Int { open.count }

    /// Opens a group; children added until `end(_:)` nest under it. Its range grows to cover them.
    @discardableResult
    public mutating func begin(_ field: FieldID, at offset: Int, _ value: FieldValue = .none) -> Int {
        let i = add(field, ByteRange(offset, offset), value)
        if i >= 0 { open.append(i) }
        return i
    }

    /// Closes the innermost open group, which must be `index`; its range ends at `upper`
    /// (or at the furthest child when nil).
    public mutating func end(_ index: Int, upper: Int? = nil) {
        guard let last = open.last, last == index else { return }
        open.removeLast()
        var hi = nodes[index].range.upper
        if let u = upper { hi = Swift.max(hi, u) }
        var j = index + 1
        while j < nodes.count { hi = Swift.max(hi, nodes[j].range.upper); j += 1 }
        nodes[index].range.upper = hi
        nodes[index].subtreeEnd = Int32(nodes.count)
    }

    /// Closes every open group (used when decoding stops early on malformed input).
    public mutating func closeAll(upper: Int? = nil) {
        while let last = open.last { end(last, upper: upper) }
    }

    public mutating func setValue(_ index: Int, _ value: FieldValue) { if index >= 0 { nodes[index].value = value } }
    public mutating func setRange(_ index: Int, _ range: ByteRange) { if index >= 0 { nodes[index].range = range } }

    public mutating func addNote(_ text: String) -> FieldValue {
        notes.append(text)
        return .note(notes.count - 1)
    }

    /// The first node with this field id, if any.
    public func first(_ field: FieldID) -> FieldNode? {
        for n in nodes where n.field == field { return n }
        return nil
    }

    public func children(of index: Int) -> Range<Int> { (index + 1)..<Int(nodes[index].subtreeEnd) }
}
