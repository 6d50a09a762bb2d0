import WireCore
import MQTTCodec

/// What the analysis keeps per MQTT connection: the version and the topic-alias maps (MQTT 5
/// §3.3.2.3.4: each direction has its own map). Its two framers live in the router's
/// `MQTTFramerStore`, under the connection's slot.
struct MQTTConnectionState {
    var version: MQTTVersion
    var versionSource: VersionSource
    /// Topic alias → topic bytes, per direction. Allocated only when aliases are used.
    var clientAliases: [UInt16: [UInt8]] = [:]
    var serverAliases: [UInt16: [UInt8]] = [:]
    var clientID: String?

    init(version: MQTTVersion?) {
        self.version = version ?? .v3_1_1
        versionSource = version == nil ? .assumed : .option
    }

    subscript(aliases d: Direction) -> [UInt16: [UInt8]] {
        get { d == .clientToServer ? clientAliases : serverAliases }
        _modify {
            if d == .clientToServer { yield &clientAliases } else { yield &serverAliases }
        }
    }
}

/// A framer that never runs: what the framer store holds for slots without MQTT.
let idleFramer = MQTTFramer(maxPDUSize: 2, resyncLookahead: 16)
