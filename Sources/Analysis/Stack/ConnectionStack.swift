import WireCore

/// One connection's layers, bottom (on TCP) first. A fixed number of levels, allocated when the
/// bottom layer opens (a connection that stays opaque — half-open, unknown — allocates none) and
/// released at the end: a transforming layer opens the level above it without moving the others,
/// and each layer runs in place while it feeds the next.
struct ConnectionStack<Layers: LayerSet> {
    /// TLS, WebSocket, the application protocol, and one to spare.
    static var depth: Int { 4 }
    var levels: [Layers] = []

    /// Opens the bottom layer (nothing when `proto` has none: the connection stays opaque).
    mutating func open<S: AnalysisSink>(_ proto: AppProtocol, streamStartSeen: Bool, _ context: inout ConnectionContext,
                                        _ env: inout LayerEnvironment<S>) {
        guard let layer = Layers.layer(for: proto, streamStartSeen: streamStartSeen, &context, &env) else { return }
        if levels.isEmpty { levels = [Layers](repeating: .vacant, count: Self.depth) }
        levels[0] = layer
    }

    mutating func reset() {
        levels = []
    }

    /// Hands one event to the bottom layer; whatever it passes up reaches the next level.
    mutating func receive<S: AnalysisSink>(_ event: LayerEvent, _ bytes: Span<UInt8>, _ direction: Direction,
                                           _ context: inout ConnectionContext, _ env: inout LayerEnvironment<S>) {
        // Through the buffer: level k runs in place while it writes level k + 1 (distinct elements).
        levels.withUnsafeMutableBufferPointer { buffer in
            Self.deliver(buffer, 0, event, bytes, direction, &context, &env)
        }
    }

    private static func deliver<S: AnalysisSink>(_ levels: UnsafeMutableBufferPointer<Layers>, _ k: Int,
                                                 _ event: LayerEvent, _ bytes: Span<UInt8>, _ direction: Direction,
                                                 _ context: inout ConnectionContext, _ env: inout LayerEnvironment<S>) {
        guard k < levels.count else { return }
        levels[k].receive(event, bytes, direction, &context, &env) { e, b, d, context, env in
            if case .open(let proto, let seen) = e {
                // A transforming layer found what it carries: stack that protocol's layer above it.
                if k + 1 < levels.count, let layer = Layers.layer(for: proto, streamStartSeen: seen, &context, &env) {
                    levels[k + 1] = layer
                }
                return
            }
            deliver(levels, k + 1, e, b, d, &context, &env)
        }
    }
}
