public import WireCore

/// The protocol of one decoded unit (an MQTT packet, a STOMP frame, a WebSocket handshake or frame).
/// `tcp`: a `check` finding about the byte stream (a gap, a conflicting retransmission).
/// `tls`: a TLS handshake message, alert, ChangeCipherSpec or record left encrypted.
public enum UnitProtocol: UInt8, Sendable {
    case mqtt, stomp, websocket, tcp, tls
}

/// What filters and columns see of a TLS connection (the `tls.*` connection facts of
/// `Builtin.tlsFacts`): on its TLS units and on every unit decrypted from it.
public struct TLSSubject: Sendable {
    /// The negotiated version (0x0304 TLS 1.3) and cipher suite, once the ServerHello was seen.
    public var version: UInt16?
    public var cipherSuite: UInt16?
    public var serverName: String?
    /// The ALPN protocol the server chose.
    public var alpn: String?
    /// Whether the unit was decrypted (on a TLS unit: it came from a decrypted record; on a unit
    /// carried in TLS: always).
    public var decrypted: Bool

    public init(version: UInt16?, cipherSuite: UInt16?, serverName: String?, alpn: String?, decrypted: Bool) {
        self.version = version
        self.cipherSuite = cipherSuite
        self.serverName = serverName
        self.alpn = alpn
        self.decrypted = decrypted
    }
}

/// What a display filter or a field column sees of one unit besides its field tree: the facts
/// the event carries. Built by the report from its event; the bytes and tree are lent beside it.
public struct FilterSubject: Sendable {
    public var proto: UnitProtocol
    /// MQTT or STOMP carried in WebSocket application bytes (`websocket` is true for them too).
    public var overWebSocket = false
    /// A unit of a TLS connection: a TLS unit, or one decrypted from it (`tls` is true for them).
    public var tls: TLSSubject?
    /// MQTT: the packet type (0 for a malformed packet); STOMP: the command code
    /// (`TypeCode.heartBeat` for a heart-beat EOL); WebSocket: the opcode, or `TypeCode.handshake`;
    /// TLS: the handshake type, or `TypeCode.tlsRecord` + the record's content type (alert,
    /// change_cipher_spec, and application_data for a record left encrypted).
    public var typeCode: UInt64 = 0
    /// The frame that completed the unit.
    public var frame: UInt64 = 0
    public var connection: UInt32 = 0
    public var clientToServer = true
    public var clientID: String?
    /// major·10000 + minor·100 + patch (3.1.1 → 30101, 5.0 → 50000, STOMP 1.2 → 10200); 0 unknown.
    public var version: UInt32 = 0
    /// For an MQTT PUBLISH with a topic alias and an empty topic: the topic the alias stands for.
    public var aliasTopic: String?
    /// For a STOMP frame: the range of its `destination` header's value in the frame.
    public var destination: ByteRange?
    /// For a finding (`check -Y`): its rule id and severity.
    public var rule: String?
    public var severity: Severity?
    public var time = Timestamp.zero
    public var captureStart = Timestamp.zero

    public init(proto: UnitProtocol) { self.proto = proto }

    public enum TypeCode {
        public static let heartBeat: UInt64 = 0x1_0000
        public static let handshake: UInt64 = 0x100
        public static let tlsRecord: UInt64 = 0x100
    }

    /// Packs a dotted version ("3.1.1", "5", "1.2") as `version` does; nil when it is not one.
    public static func packVersion<S: StringProtocol>(_ text: S) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var v: UInt32 = 0
        for i in 0..<3 {
            var n: UInt32 = 0
            if i < parts.count {
                guard let p = UInt32(parts[i]), p < 100 else { return nil }
                n = p
            }
            v = v * 100 + n
        }
        return v
    }

    public static func versionText(_ v: UInt32) -> String {
        let major = v / 10000, minor = v / 100 % 100, patch = v % 100
        return patch == 0 ? "\(major).\(minor)" : "\(major).\(minor).\(patch)"
    }
}
