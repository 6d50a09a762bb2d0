public import WireCore
public import TCPReassembly
import MQTTCodec

/// The reassembler's consumer: detects each connection's protocol and routes its bytes to the
/// protocol's decoder, then hands decoded packets and stream events to the sink.
public struct SessionRouter<Sink: AnalysisSink>: StreamConsumer {
    public var sink: Sink
    let options: AnalysisOptions
    let decodePackets: Bool
    let decodeFields: Bool
    /// Live connections' state in reusable slots (array elements mutate in place, without the
    /// copies a dictionary's values view can make), found through `slotOf`.
    var slots: [ConnectionState] = []
    var slotOf: [ConnectionID: Int] = [:]
    var freeSlots: [Int] = []
    /// Notes about the capture, kept for the file summary as well as passed to the sink.
    var notes: [FileNote] = []
    /// Reused for every packet: the decoder's output arena and findings.
    var tree = FieldTree()
    var diagnostics: [Diagnostic] = []
    /// The capture's first frame time, set by the driver.
    var captureStart = Timestamp.zero

    struct ConnectionState {
        var info: ConnectionInfo
        var appProtocol: AppProtocol = .unknown
        var detection: DetectionBasis = .none
        var decided = false
        var firstFrame: FrameNumber
        var lastFrame: FrameNumber
        /// The client's first bytes, held only while they are too few to decide.
        var sniffed: [UInt8] = []
        var sniffedFrame: FrameNumber = 0
        var mqtt: MQTTConnectionState?
    }

    init(sink: Sink, options: AnalysisOptions) {
        self.sink = sink
        self.options = options
        self.decodePackets = sink.wantsPackets
        self.decodeFields = sink.wantsFields
        diagnostics.reserveCapacity(8)
    }

    public mutating func connectionOpened(_ info: ConnectionInfo, frame: FrameNumber, time: Timestamp) {
        let state = ConnectionState(info: info, firstFrame: frame, lastFrame: frame)
        if let free = freeSlots.popLast() {
            slots[free] = state
            slotOf[info.id] = free
        } else {
            slotOf[info.id] = slots.count
            slots.append(state)
        }
    }

    public mutating func streamData(_ id: ConnectionID, _ direction: Direction, offset: UInt64, bytes: Span<UInt8>,
                                    frame: FrameNumber, time: Timestamp) {
        guard let slot = slotOf[id] else { return }
        slots[slot].lastFrame = frame
        if !slots[slot].decided {
            Self.decide(&slots[slot], direction, offset: offset, bytes: bytes, frame: frame, ports: options.ports)
            guard slots[slot].decided else { return }
            startDecoder(slot)
            // Bytes held for sniffing come first; the framer ignores what it has already seen.
            let held = slots[slot].sniffed
            if !held.isEmpty {
                slots[slot].sniffed = []
                feed(slot, .clientToServer, offset: 0, bytes: held.span, frame: slots[slot].sniffedFrame,
                     time: time)
            }
        }
        feed(slot, direction, offset: offset, bytes: bytes, frame: frame, time: time)
    }

    public mutating func streamGap(_ id: ConnectionID, _ direction: Direction, range: StreamRange, cause: GapCause,
                                   frame: FrameNumber, time: Timestamp) {
        guard let slot = slotOf[id] else { return }
        slots[slot].lastFrame = frame
        if !slots[slot].decided {
            Self.decideByPort(&slots[slot], ports: options.ports)
            startDecoder(slot)
        }
        let info = slots[slot].info
        if decodePackets {
            sink.streamEvent(StreamEventReport(
                connection: info, direction: direction, rule: TransportRule.gap, severity: .info, verdict: .note,
                range: range, frames: [frame], time: time,
                message: "\(range.count) byte(s) at stream offset \(range.lower) missing from the capture (\(cause.rawValue))"))
        }
        if slots[slot].mqtt != nil {
            var framer = idleFramer
            swap(&framer, &slots[slot].mqtt![framer: direction])
            framer.gap(range, frame: frame)
            reportFindings(of: &framer, slot, direction, time: time)
            swap(&framer, &slots[slot].mqtt![framer: direction])
        }
    }

    public mutating func streamOverlap(_ id: ConnectionID, _ direction: Direction, range: StreamRange,
                                       firstFrame: FrameNumber, secondFrame: FrameNumber, conflicting: Bool) {
        guard conflicting, decodePackets, let slot = slotOf[id] else { return }
        sink.streamEvent(StreamEventReport(
            connection: slots[slot].info, direction: direction, rule: TransportRule.overlapConflict,
            severity: .warning, verdict: .violation, range: range, frames: [firstFrame, secondFrame],
            time: .zero,
            message: "retransmitted bytes at stream offsets \(range) differ: frame \(firstFrame) vs frame \(secondFrame); the first copy is kept"))
    }

    public mutating func connectionClosed(_ info: ConnectionInfo, stats: ConnectionStats, reason: CloseReason,
                                          frame: FrameNumber, time: Timestamp) {
        guard let slot = slotOf[info.id] else { return }
        if !slots[slot].decided {
            Self.decideByPort(&slots[slot], ports: options.ports)
            startDecoder(slot)
            let held = slots[slot].sniffed
            if !held.isEmpty {
                slots[slot].sniffed = []
                feed(slot, .clientToServer, offset: 0, bytes: held.span, frame: slots[slot].sniffedFrame,
                     time: time)
            }
        }
        if slots[slot].mqtt != nil {
            for d in Direction.allCases {
                var framer = idleFramer
                swap(&framer, &slots[slot].mqtt![framer: d])
                framer.finish { pdu, pduInfo in handlePDU(slot, d, pdu, pduInfo, time: time) }
                reportFindings(of: &framer, slot, d, time: time)
                swap(&framer, &slots[slot].mqtt![framer: d])
            }
        }
        let state = slots[slot]
        slotOf[info.id] = nil
        slots[slot].mqtt = nil
        slots[slot].sniffed = []
        freeSlots.append(slot)
        sink.connectionFinished(ConnectionSummary(
            info: state.info, stats: stats, appProtocol: state.appProtocol, detection: state.detection,
            end: reason, firstFrame: state.firstFrame, lastFrame: Swift.max(state.lastFrame, frame),
            mqttVersion: state.mqtt?.version, versionSource: state.mqtt?.versionSource,
            clientID: state.mqtt?.clientID))
    }

    mutating func note(_ note: FileNote) {
        notes.append(note)
        sink.fileNote(note)
    }

    // MARK: Decoding

    private mutating func startDecoder(_ slot: Int) {
        guard decodePackets, slots[slot].appProtocol == .mqtt, slots[slot].mqtt == nil else {
            return
        }
        slots[slot].mqtt = MQTTConnectionState(
            streamStartSeen: slots[slot].info.sawHandshake, version: options.mqttVersion,
            maxPDUSize: options.maxPDUSize)
    }

    private mutating func feed(_ slot: Int, _ direction: Direction,
                               offset: UInt64, bytes: Span<UInt8>, frame: FrameNumber, time: Timestamp) {
        guard slots[slot].mqtt != nil else { return }
        var framer = idleFramer
        swap(&framer, &slots[slot].mqtt![framer: direction])
        framer.append(bytes, at: offset, frame: frame) { pdu, info in
            handlePDU(slot, direction, pdu, info, time: time)
        }
        reportFindings(of: &framer, slot, direction, time: time)
        swap(&framer, &slots[slot].mqtt![framer: direction])
    }

    /// Passes the framer's stream-level findings (lost packets, skipped bytes…) to the sink.
    private mutating func reportFindings(of framer: inout MQTTFramer, _ slot: Int, _ direction: Direction,
                                         time: Timestamp) {
        guard !framer.findings.isEmpty else { return }
        let info = slots[slot].info
        for f in framer.findings {
            sink.streamEvent(StreamEventReport(
                connection: info, direction: direction, rule: f.rule, severity: f.severity, verdict: f.verdict,
                range: f.range, frames: [f.frame], time: time, message: f.message))
        }
        framer.clearFindings()
    }

    private mutating func handlePDU(_ slot: Int, _ direction: Direction,
                                    _ pdu: Span<UInt8>, _ info: MQTTPDUInfo, time: Timestamp) {
        if !decodeFields {
            // Counting only: the type is the first byte's high nibble; nothing else is decoded.
            sink.mqttPacketCounted(MQTTPacketType(firstByte: pdu.count > 0 ? pdu[0] : 0))
            return
        }
        // The version: a client CONNECT announces it; before any, infer it from the packets.
        if slots[slot].mqtt!.versionSource == .assumed, pdu.count > 0, pdu[0] >> 4 != 1,
           let guess = MQTTVersion.infer(fromPDU: pdu) {
            slots[slot].mqtt!.version = guess
            slots[slot].mqtt!.versionSource = .inferred
        }
        tree.reset()
        diagnostics.removeAll(keepingCapacity: true)
        let message = MQTTDecoder.decode(pdu, version: slots[slot].mqtt!.version, into: &tree,
                                         diagnostics: &diagnostics)
        var aliasTopic: String?
        switch message {
        case .connect(let c) where direction == .clientToServer:
            if slots[slot].mqtt!.versionSource != .option, MQTTVersion(protocolLevel: c.protocolLevel) != nil {
                slots[slot].mqtt!.version = c.version
                slots[slot].mqtt!.versionSource = .connect
            }
            if let r = c.clientID, r.lower >= 0, r.upper <= pdu.count {
                slots[slot].mqtt!.clientID = String(decoding: pdu.extracting(r.range).bytesArray, as: UTF8.self)
            }
        case .publish(let p):
            if let alias = p.properties.topicAlias {
                // MQTT 5 §3.3.2.3.4: a non-empty topic (re)defines the alias; an empty one uses it.
                if !p.topic.isEmpty, p.topic.upper <= pdu.count {
                    slots[slot].mqtt![aliases: direction][alias] = pdu.extracting(p.topic.range).bytesArray
                } else if let known = slots[slot].mqtt![aliases: direction][alias] {
                    aliasTopic = String(decoding: known, as: UTF8.self)
                }
            }
        default:
            break
        }
        let state = slots[slot].mqtt!
        let event = MQTTPacketEvent(
            connection: slots[slot].info, direction: direction, version: state.version,
            versionSource: state.versionSource, streamRange: info.streamRange, frames: info.frames,
            declaredSize: info.declaredSize, truncated: info.truncated, time: time, captureStart: captureStart,
            message: message,
            diagnostics: diagnostics, aliasTopic: aliasTopic, clientID: state.clientID)
        sink.mqttPacket(event, pdu: pdu, fields: tree)
    }

    // MARK: Detection

    /// Content decides when the client's stream is seen from its first byte; else the port.
    /// Static, so that deciding for one slot never needs a copy of the router (and its table).
    private static func decide(_ state: inout ConnectionState, _ direction: Direction, offset: UInt64, bytes: Span<UInt8>,
                               frame: FrameNumber, ports: PortMap) {
        guard direction == .clientToServer, offset == UInt64(state.sniffed.count), state.info.sawHandshake else {
            decideByPort(&state, ports: ports)
            return
        }
        var verdict: AppProtocol?
        if state.sniffed.isEmpty {
            verdict = ContentSniffer.sniff(bytes)
        } else {
            var joined = state.sniffed
            for i in 0..<Swift.min(bytes.count, 64) { joined.append(bytes[i]) }
            verdict = ContentSniffer.sniff(joined.span)
        }
        if verdict == nil {
            // Too few bytes to tell: hold them (at most 64) until more arrive.
            if state.sniffed.isEmpty { state.sniffedFrame = frame }
            for i in 0..<bytes.count where state.sniffed.count < 64 { state.sniffed.append(bytes[i]) }
            if state.sniffed.count >= 64 { verdict = .unknown } else { return }
        } else {
            // The current bytes will be fed after the decision; keep only earlier ones.
        }
        guard let found = verdict else { return }
        if found == .unknown {
            decideByPort(&state, ports: ports)
        } else {
            state.appProtocol = found
            state.detection = .content
            state.decided = true
        }
    }

    private static func decideByPort(_ state: inout ConnectionState, ports: PortMap) {
        state.decided = true
        if let p = ports.byPort(state.info.server.port) {
            state.appProtocol = p
            state.detection = .port
        }
    }
}

extension Span where Element == UInt8 {
    /// A copy of the bytes (for the few values kept beyond a call: alias topics, client ids).
    var bytesArray: [UInt8] {
        var a = [UInt8]()
        a.reserveCapacity(count)
        for i in 0..<count { a.append(self[i]) }
        return a
    }
}
