public import WireCore
import MQTTCodec
import STOMPCodec
import WebSocketCodec
import TLSCodec

/// The values a filter or column can name besides the field tree's ids: facts of the unit's event.
public enum Builtin: UInt8, Sendable, CaseIterable {
    case frame, connection, direction, clientID, version, type, topic, rule, severity, time
    case tlsVersion, tlsCipherSuite, tlsServerName, tlsALPN, tlsDecrypted

    /// Every builtin name (and the tshark-style aliases), declared once.
    static let names: [(String, Builtin)] = [
        ("frame", .frame), ("frame.number", .frame), ("connection", .connection), ("direction", .direction),
        ("client_id", .clientID), ("version", .version), ("type", .type), ("topic", .topic), ("rule", .rule),
        ("severity", .severity), ("time", .time), ("frame.time_relative", .time),
    ] + tlsFacts.map { ($0.name, $0.builtin) }

    /// The TLS connection facts, on every unit of a TLS connection (its handshake units and what was
    /// decrypted from it), and whether the unit itself was decrypted: (name, builtin, type, meaning).
    /// `mqscope fields` lists them.
    public static let tlsFacts: [(name: String, builtin: Builtin, kind: String, meaning: String)] = [
        ("tls.version", .tlsVersion, "uint16", "The TLS version negotiated (0x0303 or \"TLS 1.2\", 0x0304 or \"TLS 1.3\")."),
        ("tls.cipher_suite", .tlsCipherSuite, "uint16", "The cipher suite the server chose (0x1301 or TLS_AES_128_GCM_SHA256 …)."),
        ("tls.sni", .tlsServerName, "text", "The server name (SNI) the client asked for."),
        ("tls.alpn", .tlsALPN, "text", "The application protocol (ALPN) the server chose."),
        ("tls.decrypted", .tlsDecrypted, "flag",
         "Whether the unit was decrypted: a handshake message or alert from a decrypted record, and every unit carried in TLS (true/false)."),
    ]

    var isNumeric: Bool {
        switch self {
        case .frame, .connection, .tlsVersion, .tlsCipherSuite, .tlsDecrypted: true
        default: false
        }
    }
}

/// What a name in a filter or column stands for, resolved once.
public enum FieldRef: Sendable {
    /// Field-tree nodes with any of these ids (several for a tshark alias such as `mqtt.topic`).
    case tree([FieldID], numeric: Bool, group: Bool, topic: Bool)
    /// `topic`: MQTT PUBLISH topics (or what their alias stands for), SUBSCRIBE/UNSUBSCRIBE filters,
    /// STOMP `destination` headers.
    case topic([FieldID], stomp: Bool)
    case builtin(Builtin)
}

/// Resolves field names (`mqscope fields` ids, builtins, a few tshark aliases) to references.
public struct FieldResolver: Sendable {
    private var byName: [String: [FieldID]] = [:]
    private var kinds: [FieldID: FieldKind] = [:]
    public let registry: FieldRegistry

    /// tshark's names for MQTT fields mqscope also decodes, so that a tshark filter or column works as is.
    static let tsharkAliases: [(String, [String])] = [
        ("mqtt.msgtype", ["mqtt.packet_type"]),
        ("mqtt.qos", ["mqtt.flags.qos"]),
        ("mqtt.retain", ["mqtt.flags.retain"]),
        ("mqtt.dupflag", ["mqtt.flags.dup"]),
        ("mqtt.len", ["mqtt.remaining_length"]),
        ("mqtt.msgid", ["mqtt.packet_id", "mqtt.publish.packet_id"]),
        ("mqtt.clientid", ["mqtt.connect.client_id"]),
        ("mqtt.kalive", ["mqtt.connect.keep_alive"]),
        ("mqtt.ver", ["mqtt.connect.protocol_level"]),
        ("mqtt.proto_name", ["mqtt.connect.protocol_name"]),
        ("mqtt.username", ["mqtt.connect.user_name"]),
        ("mqtt.conack.val", ["mqtt.connack.return_code"]),
        ("mqtt.protoname", ["mqtt.connect.protocol_name"]),
        ("mqtt.willtopic", ["mqtt.connect.will_topic"]),
        ("mqtt.passwd", ["mqtt.connect.password"]),
        ("mqtt.conack.flags.sp", ["mqtt.connack.flags.session_present"]),
        ("mqtt.msg", ["mqtt.publish.payload"]),
    ]

    /// Fields whose values are MQTT topics or topic filters: `matches` uses topic-filter matching on them.
    static let topicFields: Set<String> = [
        "mqtt.publish.topic", "mqtt.subscribe.topic_filter", "mqtt.unsubscribe.topic_filter",
        "mqtt.connect.will_topic", "mqtt.property.response_topic",
    ]

    public init(registry: FieldRegistry) {
        self.registry = registry
        for catalog in 0..<16 {
            for index in 0..<registry.fieldCount(catalog: catalog) {
                let id = FieldID(raw: UInt16(catalog) << 12 | UInt16(index))
                let spec = registry.spec(id)
                guard spec.abbrev != "unknown" else { continue }
                byName[spec.abbrev, default: []].append(id)
                kinds[id] = spec.kind
            }
        }
        for (alias, targets) in Self.tsharkAliases where byName[alias] == nil {
            let ids = targets.flatMap { byName[$0] ?? [] }
            if !ids.isEmpty { byName[alias] = ids }
        }
    }

    public func resolve(_ name: String) -> FieldRef? {
        // tshark's `mqtt.topic` (PUBLISH topics, alias resolved, and SUBSCRIBE/UNSUBSCRIBE filters) is
        // `topic` without STOMP destinations.
        if name == "mqtt.topic" || name == "topic" {
            return .topic(["mqtt.publish.topic", "mqtt.subscribe.topic_filter", "mqtt.unsubscribe.topic_filter"]
                .flatMap { byName[$0] ?? [] }, stomp: name == "topic")
        }
        if let b = Builtin.names.first(where: { $0.0 == name })?.1 {
            return .builtin(b)
        }
        guard let ids = byName[name] else { return nil }
        let numeric = ids.allSatisfy { id in
            switch kinds[id] {
            case .uint8, .uint16, .uint32, .varint, .flag: true
            default: false
            }
        }
        let group = ids.allSatisfy { kinds[$0] == .group }
        let topic = ids.contains { Self.topicFields.contains(registry.spec($0).abbrev) }
        return .tree(ids, numeric: numeric, group: group, topic: topic)
    }

    /// The value names of a `.named` field (QoS, packet types, reason codes), for literals like `PUBLISH`.
    func namedValue(_ ids: [FieldID], _ word: String) -> UInt64? {
        for id in ids {
            if case .named(let table) = registry.spec(id).display {
                for (v, n) in table where n.caseInsensitiveCompare(word) { return v }
            }
        }
        return nil
    }

    /// Every unit type name (`type == SEND`, `--type`): MQTT packet types, STOMP commands (and
    /// `heart-beat`), WebSocket opcodes (and `handshake`), each as a protocol-qualified code.
    static let typeNames: [(String, UInt64)] = {
        var t: [(String, UInt64)] = []
        for p in MQTTPacketType.allCases { t.append((p.name, typeKey(.mqtt, UInt64(p.rawValue)))) }
        for c in STOMPCommand.clientCommands + STOMPCommand.serverCommands { t.append((c.name, typeKey(.stomp, c.code))) }
        t.append(("heart-beat", typeKey(.stomp, FilterSubject.TypeCode.heartBeat)))
        for (v, n) in WebSocketOpcode.names { t.append((n, typeKey(.websocket, v))) }
        t.append(("handshake", typeKey(.websocket, FilterSubject.TypeCode.handshake)))
        for (v, n) in TLSField.handshakeTypes { t.append((n, typeKey(.tls, v))) }
        for (v, n) in TLSField.recordTypes where v != 22 { t.append((n, typeKey(.tls, FilterSubject.TypeCode.tlsRecord + v))) }
        return t
    }()

    public static var typeNameList: [String] {
        var seen = Set<String>()
        return typeNames.map { $0.0.uppercased() }.filter { seen.insert($0).inserted }
    }

    static func typeKey(_ p: UnitProtocol, _ code: UInt64) -> UInt64 { UInt64(p.rawValue) << 40 | code }

    static func typeCodes(_ word: String) -> [UInt64] {
        typeNames.filter { $0.0.caseInsensitiveCompare(word) }.map(\.1)
    }

    static func typeName(_ key: UInt64) -> String {
        typeNames.first { $0.1 == key }?.0 ?? "unknown"
    }
}

extension String {
    func caseInsensitiveCompare(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        for (a, b) in zip(utf8, other.utf8) where a != b {
            let la = a >= 0x41 && a <= 0x5A ? a | 0x20 : a
            let lb = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
            if la != lb { return false }
        }
        return true
    }
}
