/// A field's identity: the top 4 bits name the protocol catalog, the low 12 bits the field in it.
/// Nodes store only this; names and descriptions come from the `FieldRegistry`.
public struct FieldID: Hashable, Sendable {
    public var raw: UInt16
    @inlinable public init(raw: UInt16) { self.raw = raw }
    @inlinable public var catalog: Int { Int(raw >> 12) }
    @inlinable public var index: Int { Int(raw & 0x0FFF) }
}

/// The wire type of a field, as `mqscope fields` reports it.
public enum FieldKind: String, Sendable, CaseIterable {
    case group          // a node whose value is its children
    case uint8, uint16, uint32
    case varint         // MQTT Variable Byte Integer
    case flag           // one or more bits of a byte (see FieldNode.bitMask)
    case utf8           // a length-prefixed or delimited UTF-8 string
    case binary         // opaque bytes
    case stringPair     // MQTT 5 user property
    case text           // text without length prefix (STOMP, HTTP)
}

/// How a value is shown to people.
public enum FieldDisplay: Sendable {
    case decimal
    case decimalUnit(String)       // e.g. "s" for keep-alive
    case hex
    case setNotSet                 // flags: "Set" / "Not set"
    case named([(UInt64, String)]) // enumerations: QoS, reason codes, packet types
    case text
    case bytes
}

/// The one declaration of a field: everything renderers and `mqscope fields` need.
public struct FieldSpec: Sendable {
    public var abbrev: String       // stable dotted id, e.g. "mqtt.connect.keep_alive"
    public var name: String         // display name, e.g. "Keep Alive"
    public var kind: FieldKind
    public var display: FieldDisplay
    public var meaning: String      // one line for `mqscope fields`
    public var specRef: String      // spec section, e.g. "MQTT 3.1.2.10"

    public init(_ abbrev: String, _ name: String, _ kind: FieldKind, _ display: FieldDisplay = .decimal,
                meaning: String = "", ref: String = "") {
        self.abbrev = abbrev
        self.name = name
        self.kind = kind
        self.display = display
        self.meaning = meaning
        self.specRef = ref
    }

    /// The name for a value of a `.named` field, if it has one.
    public func valueName(_ v: UInt64) -> String? {
        if case .named(let table) = display {
            for (k, n) in table where k == v { return n }
        }
        return nil
    }
}

/// A protocol's field catalog: one `CaseIterable` enum whose exhaustive `spec` switch is the
/// only place a field is declared (a new case without metadata does not compile).
public protocol FieldCatalog: CaseIterable, RawRepresentable, Sendable where RawValue == UInt16 {
    /// The catalog number, 0…15; it becomes the top 4 bits of every `FieldID`.
    static var catalogNumber: UInt16 { get }
    var spec: FieldSpec { get }
}

extension FieldCatalog {
    @inlinable public var id: FieldID { FieldID(raw: Self.catalogNumber << 12 | rawValue) }
}

/// Resolves `FieldID`s to specs. Built once at start-up from every catalog.
public struct FieldRegistry: Sendable {
    private var tables: [[FieldSpec]] = Array(repeating: [], count: 16)

    public init() {}

    public mutating func register<C: FieldCatalog>(_ catalog: C.Type) {
        var table = [FieldSpec]()
        for c in C.allCases {
            let i = Int(c.rawValue)
            while table.count <= i { table.append(FieldSpec("unknown", "Unknown", .group)) }
            table[i] = c.spec
        }
        tables[Int(C.catalogNumber)] = table
    }

    public func spec(_ id: FieldID) -> FieldSpec {
        let t = tables[id.catalog]
        return id.index < t.count ? t[id.index] : FieldSpec("unknown", "Unknown", .group)
    }

    /// How many field ids catalog `catalog` (0…15) has.
    public func fieldCount(catalog: Int) -> Int { catalog >= 0 && catalog < 16 ? tables[catalog].count : 0 }

    /// Every registered spec, in catalog then declaration order.
    public var allSpecs: [FieldSpec] { tables.flatMap { $0 } }
}
