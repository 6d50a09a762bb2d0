public import WireCore
import MQTTCodec
import TLSCodec

/// What one layer of a connection's stack hands the next, per direction: bytes (lent beside the
/// event for the call) at an offset of the receiving layer's stream with the capture frame that
/// carried them, a gap the capture lost, the end of the connection, or — upward only — the
/// protocol a transforming layer found inside, which the stack then opens above it.
public enum LayerEvent {
    case bytes(offset: UInt64, frame: FrameNumber)
    case gap(StreamRange, frame: FrameNumber)
    case end
    case open(AppProtocol, streamStartSeen: Bool)
}

/// How a layer hands its output to the layer above (the stack supplies it; a decoding layer
/// that carries nothing never calls it).
public typealias LayerUp<S: AnalysisSink> =
    (LayerEvent, Span<UInt8>, Direction, inout ConnectionContext, inout LayerEnvironment<S>) -> Void

/// One layer of a connection's stack: TCP → [TLS] → [WebSocket] → MQTT | STOMP | opaque.
/// It reads one direction's events in stream order; a decoding layer reports to the sink in
/// `env`, a transforming one (WebSocket, TLS) feeds `up` with the same events, so layers stack.
/// State that reading and checking both need lives in `context`, computed once per connection.
public protocol StreamLayer {
    /// The layer for a stream whose start (a message boundary) was seen or not; nil when it
    /// does not run in this analysis (e.g. decoders under `streams`).
    static func open<S: AnalysisSink>(streamStartSeen: Bool, _ context: inout ConnectionContext,
                                      _ env: inout LayerEnvironment<S>) -> Self?
    mutating func receive<S: AnalysisSink>(_ event: LayerEvent, _ bytes: Span<UInt8>, _ direction: Direction,
                                          _ context: inout ConnectionContext, _ env: inout LayerEnvironment<S>,
                                          up: LayerUp<S>)
}

/// The registered layers, as one enum (no existentials on the hot path): see `StandardLayers`.
public protocol LayerSet: StreamLayer {
    /// A level of the stack with no layer.
    static var vacant: Self { get }
    /// The layer that reads `proto`, or nil (opaque: nothing reads it).
    static func layer<S: AnalysisSink>(for proto: AppProtocol, streamStartSeen: Bool, _ context: inout ConnectionContext,
                                       _ env: inout LayerEnvironment<S>) -> Self?
}

extension LayerSet {
    public static func open<S: AnalysisSink>(streamStartSeen: Bool, _ context: inout ConnectionContext,
                                      _ env: inout LayerEnvironment<S>) -> Self? { nil }
}

/// What every layer of every connection shares: the sink, the analysis settings, the scratch
/// space decoders write into, and storage that layers drive in place.
public struct LayerEnvironment<Sink: AnalysisSink> {
    var sink: Sink
    let options: AnalysisOptions
    /// Whether application protocols are decoded at all (false for `streams`).
    let decodePackets: Bool
    /// Whether each MQTT packet is decoded in full (false: counted by type).
    let decodeFields: Bool
    /// Whether MQTT packets are decoded into `tree` (else into `typedOnly`, which keeps nothing).
    let decodeTree: Bool
    /// Whether the sink may turn MQTT packets away before they are decoded (`skipsMQTTPacket`).
    let prefilterPackets: Bool
    /// The capture's first frame time, set by the driver.
    var captureStart = Timestamp.zero
    /// The capture time of the call being processed.
    var time = Timestamp.zero
    /// Reused for every unit: the decoder's output arena and findings.
    var tree = FieldTree()
    var typedOnly = FieldTree(recording: false)
    var diagnostics: [Diagnostic] = []
    /// TLS secrets (the options' key log plus the file's secrets blocks), looked up per connection.
    var keyLog: TLSKeyLog
    let haveKeyLog: Bool
    /// The MQTT framers, two per connection slot, driven in place (see `MQTTFramerStore`).
    let framerStore = MQTTFramerStore()
    var framerBase: UnsafeMutablePointer<MQTTFramer>

    init(sink: Sink, options: AnalysisOptions) {
        self.sink = sink
        self.options = options
        decodePackets = sink.wantsPackets
        decodeFields = sink.wantsFields
        decodeTree = sink.wantsFieldTree
        prefilterPackets = sink.prefiltersPackets
        framerBase = framerStore.base
        diagnostics.reserveCapacity(8)
        keyLog = options.tlsKeyLog ?? TLSKeyLog()
        haveKeyLog = options.tlsKeyLog != nil
    }
}
