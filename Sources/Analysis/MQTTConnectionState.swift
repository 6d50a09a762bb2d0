import WireCore
import MQTTCodec

/// What the analysis keeps per MQTT connection: a framer per direction, the version, and the
/// topic-alias maps (MQTT 5 §3.3.2.3.4: each direction has its own map).
struct MQTTConnectionState {
    var clientFramer: MQTTFramer
    var serverFramer: MQTTFramer
    var version: MQTTVersion
    var versionSource: VersionSource
    /// Topic alias → topic bytes, per direction. Allocated only when aliases are used.
    var clientAliases: [UInt16: [UInt8]] = [:]
    var serverAliases: [UInt16: [UInt8]] = [:]
    var clientID: String?

    init(streamStartSeen: Bool, version: MQTTVersion?, maxPDUSize: Int) {
        clientFramer = MQTTFramer(maxPDUSize: maxPDUSize, synchronized: streamStartSeen)
        serverFramer = MQTTFramer(maxPDUSize: maxPDUSize, synchronized: streamStartSeen)
        self.version = version ?? .v3_1_1
        versionSource = version == nil ? .assumed : .option
    }

    subscript(framer d: Direction) -> MQTTFramer {
        get { d == .clientToServer ? clientFramer : serverFramer }
        _modify {
            if d == .clientToServer { yield &clientFramer } else { yield &serverFramer }
        }
    }

    subscript(aliases d: Direction) -> [UInt16: [UInt8]] {
        get { d == .clientToServer ? clientAliases : serverAliases }
        _modify {
            if d == .clientToServer { yield &clientAliases } else { yield &serverAliases }
        }
    }
}

/// A framer that never runs: swapped into a connection's slot while its real framer is in use,
/// so the real one can be driven without overlapping access to the connection table.
let idleFramer = MQTTFramer(maxPDUSize: 2, resyncLookahead: 16)
