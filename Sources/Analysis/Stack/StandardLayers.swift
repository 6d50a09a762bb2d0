public import WireCore

/// The registry: every layer mqscope stacks, and the protocol each reads. Adding a layer is its
/// own file (a `StreamLayer`) plus one case here with its line in each switch below; the router
/// and the other layers do not change.
public enum StandardLayers: LayerSet {
    case vacant
    // The larger layers are kept in a box (taken once per connection, driven in place), so that a
    // level costs a word whichever layer it holds (issue 12: small per-connection state).
    case webSocket(LayerBox<WebSocketLayer>)
    case mqtt(MQTTLayer)
    case stomp(LayerBox<STOMPLayer>)
    case tls(LayerBox<TLSLayer>)

    public static func layer<S: AnalysisSink>(for proto: AppProtocol, streamStartSeen seen: Bool,
                                       _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>) -> Self? {
        switch proto {
        case .webSocket: WebSocketLayer.open(streamStartSeen: seen, &c, &env).map { .webSocket(LayerBox($0)) }
        case .mqtt: MQTTLayer.open(streamStartSeen: seen, &c, &env).map(Self.mqtt)
        case .stomp: STOMPLayer.open(streamStartSeen: seen, &c, &env).map { .stomp(LayerBox($0)) }
        case .tls: TLSLayer.open(streamStartSeen: seen, &c, &env).map { .tls(LayerBox($0)) }
        case .unknown: nil
        }
    }

    /// A boxed layer runs in place in its box; the inline one is moved out while it runs. Either
    /// way its buffers stay uniquely referenced and are never copied.
    public mutating func receive<S: AnalysisSink>(_ event: LayerEvent, _ bytes: Span<UInt8>, _ d: Direction,
                                          _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>,
                                          up: LayerUp<S>) {
        switch self {
        case .vacant: break
        case .webSocket(let box): box.layer.receive(event, bytes, d, &c, &env, up: up)
        case .mqtt(var l): l.receive(event, bytes, d, &c, &env, up: up); self = .mqtt(l)
        case .stomp(let box): box.layer.receive(event, bytes, d, &c, &env, up: up)
        case .tls(let box): box.layer.receive(event, bytes, d, &c, &env, up: up)
        }
    }
}

/// One connection's layer, kept out of line and driven in place (see `StandardLayers`).
public final class LayerBox<Layer> {
    var layer: Layer
    init(_ layer: Layer) { self.layer = layer }
}
