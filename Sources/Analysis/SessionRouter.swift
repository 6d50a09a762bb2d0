public import WireCore
public import TCPReassembly
import MQTTCodec
import STOMPCodec

/// The router mqscope runs: the standard layers.
public typealias SessionRouter<Sink: AnalysisSink> = LayerRouter<Sink, StandardLayers>

/// The reassembler's consumer. It only decides and wires: per connection it sniffs the client's
/// first bytes (holding them while they are too few), decides the protocol by content or port,
/// opens that protocol's stack of layers (`Layers`, the registry) and hands the stack every
/// byte, gap and end — the held bytes first, on every path. The layers decode and report.
public struct LayerRouter<Sink: AnalysisSink, Layers: LayerSet>: StreamConsumer {
    var env: LayerEnvironment<Sink>
    var sink: Sink {
        get { env.sink }
        _modify { yield &env.sink }
    }
    var captureStart: Timestamp {
        get { env.captureStart }
        set { env.captureStart = newValue }
    }
    /// Live connections in reusable slots (array elements mutate in place, without the copies a
    /// dictionary's values view can make), found through `slotOf` (keyed by ID).
    var slots: [Slot] = []
    var slotOf = SlotIndex()
    var freeSlots: [Int] = []
    /// The connection of the last lookup and its slot: stream events come in runs per connection,
    /// so this saves most `slotOf` hash lookups. Cleared when that connection closes.
    var cachedID: ConnectionID?
    var cachedSlot = 0
    /// Notes about the capture, kept for the file summary as well as passed to the sink.
    var notes: [FileNote] = []
    /// The time of the last stream bytes seen (overlap reports carry no time of their own).
    var latestTime = Timestamp.zero
    /// Sharded runs (`CaptureAnalysis.runOrdered`): the connections this router decodes (by ID, which
    /// is the same on every shard: `ConnectionSharding.shard(ofID:among:)`), and the number of the
    /// reassembler's last call (the same on every shard too: see `ShardBatch`).
    var shard = Shard(index: 0, count: 1)
    var sequence: UInt64 = 0

    /// Numbers the reassembler's call and tells the sink (sharded runs only); false when the call is
    /// about another shard's connection.
    @inline(__always) private mutating func numberCall(_ id: ConnectionID) -> Bool {
        guard shard.count > 1 else { return true }
        sequence &+= 1
        env.sink.beginEvent(sequence)
        return ConnectionSharding.shard(ofID: id, among: shard.count) == shard.index
    }

    /// One connection: how far its protocol is decided, and its context and stack once it is.
    struct Slot {
        // Declared first, so that the fields every segment reads share the struct's first cache line.
        var decided = false
        var context: ConnectionContext
        var stack = ConnectionStack<Layers>()
        var firstFrame: FrameNumber
        /// The client's first bytes, held only while they are too few to decide.
        var sniffed: [UInt8] = []
        var sniffedFrame: FrameNumber = 0
        /// The client's stream began with an HTTP request line (an upper-case method and a space).
        var startsWithHTTP = false

        mutating func deliver(_ event: LayerEvent, _ bytes: Span<UInt8>, _ direction: Direction,
                              _ env: inout LayerEnvironment<Sink>) {
            stack.receive(event, bytes, direction, &context, &env)
        }

        mutating func open(_ proto: AppProtocol, streamStartSeen: Bool, _ env: inout LayerEnvironment<Sink>) {
            stack.open(proto, streamStartSeen: streamStartSeen, &context, &env)
        }
    }

    init(sink: Sink, options: AnalysisOptions) {
        env = LayerEnvironment(sink: sink, options: options)
    }

    public mutating func connectionOpened(_ info: ConnectionInfo, frame: FrameNumber, time: Timestamp) {
        guard numberCall(info.id) else { return }
        let slot = freeSlots.popLast() ?? slots.count
        let context = ConnectionContext(info: info, slot: slot, frame: frame, mqttVersion: env.options.mqttVersion)
        if slot < slots.count {
            slots[slot].decided = false
            slots[slot].context = context
            slots[slot].firstFrame = frame
            slots[slot].startsWithHTTP = false
            slots[slot].sniffedFrame = 0
        } else {
            slots.append(Slot(context: context, firstFrame: frame))
        }
        slotOf.insert(slot: slot, hash: UInt64(info.id))
    }

    public mutating func streamData(_ id: ConnectionID, _ direction: Direction, offset: UInt64, bytes: Span<UInt8>,
                             frame: FrameNumber, time: Timestamp) {
        latestTime = time
        guard numberCall(id), let slot = slot(of: id) else { return }
        env.time = time
        slots[slot].context.lastFrame = frame
        if !slots[slot].decided {
            Self.decide(&slots[slot], direction, offset: offset, bytes: bytes, frame: frame, ports: env.options.ports,
                        identify: !env.decodePackets)
            guard slots[slot].decided else { return }
            commit(slot)
        }
        slots[slot].deliver(.bytes(offset: offset, frame: frame), bytes, direction, &env)
    }

    public mutating func streamGap(_ id: ConnectionID, _ direction: Direction, range: StreamRange, cause: GapCause,
                            frame: FrameNumber, time: Timestamp) {
        guard numberCall(id), let slot = slot(of: id) else { return }
        env.time = time
        slots[slot].context.lastFrame = frame
        if !slots[slot].decided {
            Self.decideByPort(&slots[slot], ports: env.options.ports)
            commit(slot)
        }
        if env.decodePackets {
            env.sink.streamEvent(StreamEventReport(
                connection: slots[slot].context.info, direction: direction, layer: .tcp, rule: TCPRule.gap.id, severity: .info,
                verdict: .note, range: range, frames: [frame], time: time,
                message: "\(range.count) byte(s) at stream offset \(range.lower) missing from the capture (\(cause.rawValue))"))
        }
        let none: [UInt8] = []  // the bytes of an event that carries none
        slots[slot].deliver(.gap(range, frame: frame), none.span, direction, &env)
    }

    public mutating func streamOverlap(_ id: ConnectionID, _ direction: Direction, range: StreamRange,
                                firstFrame: FrameNumber, secondFrame: FrameNumber, conflicting: Bool) {
        guard numberCall(id), conflicting, env.decodePackets, let slot = slot(of: id) else { return }
        env.sink.streamEvent(StreamEventReport(
            connection: slots[slot].context.info, direction: direction, layer: .tcp, rule: TCPRule.overlapConflict.id,
            severity: .warning, verdict: .violation, range: range, frames: [firstFrame, secondFrame],
            time: latestTime,
            message: "retransmitted bytes at stream offsets \(range) differ: frame \(firstFrame) vs frame \(secondFrame); the first copy is kept"))
    }

    public mutating func connectionClosed(_ info: ConnectionInfo, stats: ConnectionStats, reason: CloseReason,
                                   frame: FrameNumber, time: Timestamp) {
        guard numberCall(info.id), let slot = lookUp(info.id) else { return }
        env.time = time
        if !slots[slot].decided {
            Self.decideByPort(&slots[slot], ports: env.options.ports)
            commit(slot)
        }
        let none: [UInt8] = []  // the bytes of an event that carries none
        for d in Direction.allCases { slots[slot].deliver(.end, none.span, d, &env) }
        let c = slots[slot].context
        let firstFrame = slots[slot].firstFrame
        // Without decoding (`streams`), the CONNECT read at detection gives the version and client id.
        let mqtt = c.isMQTT || (!env.decodePackets && c.appProtocol == .mqtt && c.mqtt.versionSource == .connect)
        slotOf.remove(slot: slot, hash: UInt64(info.id))
        if cachedID == info.id { cachedID = nil }
        slots[slot].stack.reset()
        slots[slot].sniffed = []
        if c.framerPair >= 0 { env.framerStore.give(c.framerPair) }
        freeSlots.append(slot)
        env.sink.connectionFinished(ConnectionSummary(
            info: c.info, stats: stats, appProtocol: c.appProtocol, detection: c.detection,
            end: reason, firstFrame: firstFrame, lastFrame: Swift.max(c.lastFrame, frame),
            mqttVersion: mqtt ? c.mqtt.version : nil, versionSource: mqtt ? c.mqtt.versionSource : nil,
            clientID: mqtt ? c.mqtt.clientID : nil, inner: c.inner,
            stompVersion: c.isSTOMP ? c.stomp.version : nil,
            stompVersionSource: c.isSTOMP ? c.stomp.versionSource : nil, tls: c.tls))
    }

    private mutating func slot(of id: ConnectionID) -> Int? {
        if let cachedID, cachedID == id { return cachedSlot }
        guard let slot = lookUp(id) else { return nil }
        cachedID = id
        cachedSlot = slot
        return slot
    }

    private func lookUp(_ id: ConnectionID) -> Int? {
        slotOf.find(hash: UInt64(id), matches: { slots[$0].context.info.id == id })
    }

    mutating func note(_ note: FileNote) {
        notes.append(note)
        env.sink.fileNote(note)
    }

    /// The protocol is decided: opens its stack, then hands it the bytes held while sniffing.
    private mutating func commit(_ slot: Int) {
        let c = slots[slot].context
        // A WebSocket stream starts with its handshake when content decided it or it began with
        // an HTTP request; the others start at a message boundary when the SYN was seen.
        let startSeen = c.appProtocol == .webSocket
            ? c.detection == .content || slots[slot].startsWithHTTP : c.info.sawHandshake
        slots[slot].open(c.appProtocol, streamStartSeen: startSeen, &env)
        let held = slots[slot].sniffed
        guard !held.isEmpty else { return }
        slots[slot].sniffed = []
        slots[slot].deliver(.bytes(offset: 0, frame: slots[slot].sniffedFrame), held.span, .clientToServer, &env)
    }

    // MARK: Detection

    /// Content decides when the client's stream is seen from its first byte; else the port.
    /// Static, so that deciding for one slot never needs a copy of the router (and its table).
    /// `identify`: when no layer will decode the packets (`streams`), an MQTT CONNECT found here
    /// also gives the connection its version and client id.
    private static func decide(_ state: inout Slot, _ direction: Direction, offset: UInt64, bytes: Span<UInt8>,
                               frame: FrameNumber, ports: PortMap, identify: Bool) {
        guard direction == .clientToServer, offset == UInt64(state.sniffed.count),
              state.context.info.sawHandshake else {
            decideByPort(&state, ports: ports)
            // Picked up mid-stream on a port of no known protocol: the first segment may still be
            // recognisably MQTT (ContentSniffer.looksLikeMidStreamMQTT says how strictly).
            if state.context.appProtocol == .unknown, !state.context.info.sawHandshake,
               ContentSniffer.looksLikeMidStreamMQTT(bytes) {
                state.context.appProtocol = .mqtt
                state.context.detection = .content
            }
            return
        }
        var verdict: AppProtocol?
        // What may be an HTTP request (any method) is held until its head ends (for its Upgrade
        // header), others 64 bytes.
        let firstByte = state.sniffed.first ?? (bytes.count > 0 ? bytes[0] : 0)
        let isLetter = firstByte >= UInt8(ascii: "A") && firstByte <= UInt8(ascii: "Z")
        let limit = isLetter ? ContentSniffer.maxUpgradeHead : 64
        if state.sniffed.isEmpty {
            verdict = ContentSniffer.sniff(bytes)
        } else {
            var joined = state.sniffed
            for i in 0..<Swift.min(bytes.count, limit) { joined.append(bytes[i]) }
            verdict = ContentSniffer.sniff(joined.span)
        }
        if verdict == nil {
            // Too few bytes to tell: hold them (at most `limit`) until more arrive.
            if state.sniffed.isEmpty { state.sniffedFrame = frame }
            for i in 0..<bytes.count where state.sniffed.count < limit { state.sniffed.append(bytes[i]) }
            if state.sniffed.count >= limit { verdict = .unknown } else { return }
        }
        // (A decision keeps only the earlier, held bytes: the current ones are fed after it.)
        guard let found = verdict else { return }
        if found == .unknown {
            decideByPort(&state, ports: ports)
            // A WebSocket port is only a hint: a stream seen from its start is WebSocket only if
            // it begins with an HTTP request (the Upgrade may follow a first, refused request).
            if state.sniffed.isEmpty {
                state.startsWithHTTP = startsWithHTTPRequest(bytes)
            } else {
                let held = state.sniffed
                state.startsWithHTTP = startsWithHTTPRequest(held.span)
            }
            if state.context.appProtocol == .webSocket && !state.startsWithHTTP {
                state.context.appProtocol = .unknown
                state.context.detection = .none
            }
        } else {
            state.context.appProtocol = found
            state.context.detection = .content
            state.decided = true
            if found == .mqtt, identify {
                if state.sniffed.isEmpty {
                    identifyConnect(&state.context, bytes)
                } else {
                    var joined = state.sniffed
                    for i in 0..<bytes.count { joined.append(bytes[i]) }
                    identifyConnect(&state.context, joined.span)
                }
            }
        }
    }

    private static func identifyConnect(_ c: inout ConnectionContext, _ bytes: Span<UInt8>) {
        guard let (version, clientID) = MQTTConnectSniffer.identity(bytes) else { return }
        c.mqtt.version = version
        c.mqtt.versionSource = .connect
        c.mqtt.clientID = clientID
    }

    /// An HTTP request line's start: 3 to 7 upper-case letters, then a space.
    static func startsWithHTTPRequest(_ b: Span<UInt8>) -> Bool {
        var i = 0
        while i < b.count && i < 8 && b[i] >= UInt8(ascii: "A") && b[i] <= UInt8(ascii: "Z") { i += 1 }
        return i >= 3 && i < b.count && b[i] == UInt8(ascii: " ")
    }

    private static func decideByPort(_ state: inout Slot, ports: PortMap) {
        state.decided = true
        if let p = ports.byPort(state.context.info.server.port) {
            state.context.appProtocol = p
            state.context.detection = .port
        }
    }
}
