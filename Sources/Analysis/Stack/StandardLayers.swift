public import WireCore

/// The registry: every layer mqscope stacks, and the protocol each reads. Adding a layer is its
/// own file (a `StreamLayer`) plus one case here with its line in each switch below; the router
/// and the other layers do not change.
public enum StandardLayers: LayerSet {
    case vacant
    case webSocket(WebSocketLayer)
    case mqtt(MQTTLayer)
    case stomp(STOMPLayer)
    case tls(TLSLayer)

    public static func layer<S: AnalysisSink>(for proto: AppProtocol, streamStartSeen seen: Bool,
                                       _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>) -> Self? {
        switch proto {
        case .webSocket: WebSocketLayer.open(streamStartSeen: seen, &c, &env).map(Self.webSocket)
        case .mqtt: MQTTLayer.open(streamStartSeen: seen, &c, &env).map(Self.mqtt)
        case .stomp: STOMPLayer.open(streamStartSeen: seen, &c, &env).map(Self.stomp)
        case .tls: TLSLayer.open(streamStartSeen: seen, &c, &env).map(Self.tls)
        case .unknown: nil
        }
    }

    /// Each case's layer is moved out while it runs (`self` vacant), so its buffers stay
    /// uniquely referenced and are never copied.
    public mutating func receive<S: AnalysisSink>(_ event: LayerEvent, _ bytes: Span<UInt8>, _ d: Direction,
                                          _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>,
                                          up: LayerUp<S>) {
        switch self {
        case .vacant: break
        case .webSocket(var l): self = .vacant; l.receive(event, bytes, d, &c, &env, up: up); self = .webSocket(l)
        case .mqtt(var l): l.receive(event, bytes, d, &c, &env, up: up); self = .mqtt(l)
        case .stomp(var l): self = .vacant; l.receive(event, bytes, d, &c, &env, up: up); self = .stomp(l)
        case .tls(var l): self = .vacant; l.receive(event, bytes, d, &c, &env, up: up); self = .tls(l)
        }
    }
}
