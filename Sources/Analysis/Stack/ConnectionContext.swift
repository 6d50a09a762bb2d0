import WireCore
import TCPReassembly
import MQTTCodec
import STOMPCodec

/// What one connection's layers and its events share, computed once: who the peers are, how
/// its protocol was found and what carries it, and each protocol's session state (version and
/// its source, client id, topic aliases per direction, STOMP negotiation). Events carry it to
/// every consumer; nobody keeps a second copy.
public struct ConnectionContext {
    var info: ConnectionInfo
    /// The connection's slot in the router (where layers keep state driven in place).
    var slot: Int
    var lastFrame: FrameNumber
    var appProtocol: AppProtocol = .unknown
    var detection: DetectionBasis = .none
    /// The TCP stream, or WebSocket application bytes once a WebSocket layer is stacked.
    var transport: Transport = .tcp
    /// The protocol a WebSocket layer found inside (subprotocol, else content).
    var inner: AppProtocol?
    /// Set when an MQTT layer runs on the connection.
    var isMQTT = false
    var mqtt: MQTTSession
    /// Set when a STOMP layer runs on the connection.
    var isSTOMP = false
    var stomp = STOMPSessionNegotiation()
    /// Set by a TLS layer: the handshake facts and decryption outcome, and the protocol found inside.
    /// Boxed: a few hundred bytes no connection without TLS should carry (issue 12).
    var tls: TLSSummary? {
        get { tlsBox?.value }
        set { tlsBox = newValue.map(Boxed.init) }
    }
    private var tlsBox: Boxed<TLSSummary>?
    var tlsInner: AppProtocol?
    /// The MQTT framers this connection took from `MQTTFramerStore` (-1: none; given back at close).
    var framerPair: Int32 = -1

    init(info: ConnectionInfo, slot: Int, frame: FrameNumber, mqttVersion: MQTTVersion?) {
        self.info = info
        self.slot = slot
        lastFrame = frame
        mqtt = MQTTSession(version: mqttVersion)
    }
}

/// An MQTT connection's session: the version and how it is known, the client id, the topic
/// aliases of each direction.
struct MQTTSession {
    var version: MQTTVersion
    var versionSource: VersionSource
    var clientID: String?
    var aliases = MQTTTopicAliases()

    init(version: MQTTVersion?) {
        self.version = version ?? .v3_1_1
        versionSource = version == nil ? .assumed : .option
    }
}

/// A value kept out of line, so that the structs holding it stay small while it is absent (what
/// most connections hold). Immutable: replaced whole, never shared mutably.
final class Boxed<Value: Sendable>: Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
