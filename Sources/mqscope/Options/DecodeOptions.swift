import ArgumentParser
import Analysis
import MQTTCodec
import Rendering

extension MQTTVersion: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.lowercased() {
        case "3.1", "31", "3": self = .v3_1
        case "3.1.1", "311", "4": self = .v3_1_1
        case "5", "5.0", "50": self = .v5
        default: return nil
        }
    }
    public static var allValueStrings: [String] { ["3.1", "3.1.1", "5"] }
}

/// How packets are decoded and shown: shared by `read`, `decode` and `live`.
struct DecodeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Decode every connection as this MQTT version (3.1, 3.1.1 or 5) instead of the version its CONNECT announces or the packets suggest.", valueName: "version"))
    var mqttVersion: MQTTVersion?

    @Flag(help: "Show CONNECT passwords and MQTT 5 authentication data (redacted by default).")
    var showSecrets = false

    @Option(help: ArgumentHelp("Show at most this many bytes of each payload and string (0 = all).", valueName: "bytes"))
    var payloadLimit: Int = 256

    func validate() throws {
        if payloadLimit < 0 { throw ValidationError("--payload-limit cannot be negative (0 shows everything).") }
    }

    func renderContext() -> FieldRenderContext {
        var c = FieldRenderContext(registry: Catalogs.registry)
        c.showSecrets = showSecrets
        c.payloadLimit = max(0, payloadLimit)
        return c
    }
}

/// Which packets to show.
struct FilterOptions: ParsableArguments {
    @Option(name: .customLong("type"), help: ArgumentHelp("Show only packets of this type, e.g. PUBLISH (repeatable).", valueName: "type"))
    var types: [String] = []

    @Option(name: .customLong("connection"), help: ArgumentHelp("Show only this connection (its ID in `streams`; repeatable).", valueName: "id"))
    var connections: [UInt32] = []

    @Option(name: .customLong("client-id"), help: ArgumentHelp("Show only connections whose CONNECT carried this client id (repeatable).", valueName: "id"))
    var clientIDs: [String] = []

    @Option(name: .customLong("topic"), help: ArgumentHelp("Show only PUBLISH, SUBSCRIBE and UNSUBSCRIBE packets whose topic matches this filter ('+' and '#' wildcards; repeatable).", valueName: "filter"))
    var topics: [String] = []

    @Option(name: .customLong("frame"), help: ArgumentHelp("Show only what frame N carried (the packets a finding's 'frame N' names; frame numbers as in Wireshark, per file).", valueName: "n"))
    var frame: UInt64?

    func validate() throws { _ = try packetFilter() }

    func packetFilter() throws -> PacketFilter {
        var f = PacketFilter()
        for t in types {
            guard let type = MQTTPacketType.allCases.first(where: { $0.name == t.uppercased() }) else {
                throw ValidationError("Unknown packet type '\(t)'. Types: \(MQTTPacketType.allCases.map(\.name).joined(separator: ", ")).")
            }
            f.types.insert(type)
        }
        f.connections = Set(connections)
        f.clientIDs = Set(clientIDs)
        f.topics = topics
        if let frame {
            guard frame >= 1 else { throw ValidationError("--frame counts from 1, as Wireshark does.") }
            f.frame = UInt32(clamping: frame)
        }
        return f
    }
}
