import Foundation
public import WireCore
public import TCPReassembly
import MQTTCodec
import STOMPCodec
import WebSocketCodec
import TLSCodec

/// The reassembler's consumer: detects each connection's protocol and routes its bytes to the
/// protocol's decoder, then hands decoded packets and stream events to the sink.
public struct SessionRouter<Sink: AnalysisSink>: StreamConsumer {
    public var sink: Sink
    let options: AnalysisOptions
    let decodePackets: Bool
    let decodeFields: Bool
    /// Live connections' state in reusable slots (array elements mutate in place, without the
    /// copies a dictionary's values view can make), found through `slotOf` (keyed by ID).
    var slots: [ConnectionState] = []
    var slotOf = SlotIndex()
    var freeSlots: [Int] = []
    /// The connection of the last lookup and its slot: stream events come in runs per connection,
    /// so this saves most `slotOf` hash lookups. Cleared when that connection closes.
    var cachedID: ConnectionID?
    var cachedSlot = 0
    /// The MQTT framers, two per slot, driven in place through `framerBase` (see `MQTTFramerStore`).
    let framerStore = MQTTFramerStore()
    var framerBase: UnsafeMutablePointer<MQTTFramer>
    /// Notes about the capture, kept for the file summary as well as passed to the sink.
    var notes: [FileNote] = []
    /// Reused for every packet: the decoder's output arena and findings.
    var tree = FieldTree()
    var diagnostics: [Diagnostic] = []
    /// The capture's first frame time, set by the driver.
    var captureStart = Timestamp.zero
    /// The time of the last stream bytes seen (overlap reports carry no time of their own).
    var latestTime = Timestamp.zero
    /// TLS secrets (the options' key log plus the file's secrets blocks); looked up per connection.
    var keyLog: TLSKeyLog
    let haveKeyLog: Bool
    /// Swapped with a connection's TLS state while it is fed (no copy of its buffers), and its events.
    var idleTLS = TLSConnection(haveKeyLog: false)
    var tlsEvents: [TLSEvent] = []

    struct ConnectionState {
        // Declared first, so that the fields every segment reads share the struct's first cache line.
        var decided = false
        /// Which of `mqtt`, `stomp` and `webSocket` are set, kept beside them and tested instead of
        /// them: testing an optional of a large struct for nil copied it out (a memmove and a release
        /// per segment in `perf`). Set and cleared together with the optionals.
        var hasMQTT = false
        var hasSTOMP = false
        var hasWebSocket = false
        var lastFrame: FrameNumber
        var info: ConnectionInfo
        var appProtocol: AppProtocol = .unknown
        var detection: DetectionBasis = .none
        var firstFrame: FrameNumber
        /// The client's first bytes, held only while they are too few to decide.
        var sniffed: [UInt8] = []
        var sniffedFrame: FrameNumber = 0
        /// The client's stream began with an HTTP request line (an upper-case method and a space).
        var startsWithHTTP = false
        /// MQTT decoding, on TCP or (when `webSocket` is set) on WebSocket application bytes.
        var mqtt: MQTTConnectionState?
        /// STOMP decoding, likewise.
        var stomp: STOMPConnectionState?
        var webSocket: WebSocketSessionState?
        /// TLS: the record layer under WebSocket / MQTT / STOMP, and the protocol its plaintext carries.
        var hasTLS = false
        var tls: TLSConnection?
        var tlsInner: AppProtocol?
        var transport: Transport {
            hasTLS ? (hasWebSocket ? .tlsWebSocket : .tls) : (hasWebSocket ? .webSocket : .tcp)
        }
    }

    init(sink: Sink, options: AnalysisOptions) {
        self.sink = sink
        self.options = options
        self.decodePackets = sink.wantsPackets
        self.decodeFields = sink.wantsFields
        framerBase = framerStore.base
        diagnostics.reserveCapacity(8)
        keyLog = options.tlsKeyLog ?? TLSKeyLog()
        haveKeyLog = options.tlsKeyLog != nil
    }

    public mutating func connectionOpened(_ info: ConnectionInfo, frame: FrameNumber, time: Timestamp) {
        let state = ConnectionState(lastFrame: frame, info: info, firstFrame: frame)
        if let free = freeSlots.popLast() {
            slots[free] = state
            slotOf.insert(slot: free, hash: UInt64(info.id))
        } else {
            slotOf.insert(slot: slots.count, hash: UInt64(info.id))
            slots.append(state)
            framerBase = framerStore.reserve(slots: slots.count)
        }
    }

    public mutating func streamData(_ id: ConnectionID, _ direction: Direction, offset: UInt64, bytes: Span<UInt8>,
                                    frame: FrameNumber, time: Timestamp) {
        guard let slot = slot(of: id) else { return }
        latestTime = time
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
        guard let slot = slot(of: id) else { return }
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
        if slots[slot].hasTLS {
            swap(&idleTLS, &slots[slot].tls!)
            idleTLS.gap(direction, lower: range.lower, upper: range.upper)
            swap(&idleTLS, &slots[slot].tls!)
            drainTLS(slot, time: time)
        } else {
            layerGap(slot, direction, range, frame: frame, time: time)
        }
    }

    /// A gap in the bytes above TCP (or above TLS): WebSocket's, else the MQTT or STOMP decoder's.
    private mutating func layerGap(_ slot: Int, _ direction: Direction, _ range: StreamRange, frame: FrameNumber,
                                   time: Timestamp) {
        if slots[slot].hasWebSocket {
            var conn = idleWebSocket
            swap(&conn, &slots[slot].webSocket!.connection)
            conn.gap(range, direction: direction, frame: frame) { event, bytes in
                handleWebSocket(slot, direction, event, bytes, time: time)
            }
            swap(&conn, &slots[slot].webSocket!.connection)
        } else {
            innerGap(slot, direction, range, frame: frame, time: time)
        }
    }

    /// A gap in the bytes the MQTT or STOMP decoder reads (TCP or WebSocket application bytes).
    private mutating func innerGap(_ slot: Int, _ direction: Direction, _ range: StreamRange, frame: FrameNumber,
                                   time: Timestamp) {
        if slots[slot].hasMQTT {
            let framer = framerBase + MQTTFramerStore.index(slot, direction)
            framer.pointee.gap(range, frame: frame)
            reportFindings(of: &framer.pointee, slot, direction, time: time)
        }
        if slots[slot].hasSTOMP {
            var framer = idleSTOMPFramer
            swap(&framer, &slots[slot].stomp![framer: direction])
            framer.gap(range, frame: frame) { event, bytes in handleSTOMP(slot, direction, event, bytes, time: time) }
            swap(&framer, &slots[slot].stomp![framer: direction])
        }
    }

    public mutating func streamOverlap(_ id: ConnectionID, _ direction: Direction, range: StreamRange,
                                       firstFrame: FrameNumber, secondFrame: FrameNumber, conflicting: Bool) {
        guard conflicting, decodePackets, let slot = slot(of: id) else { return }
        sink.streamEvent(StreamEventReport(
            connection: slots[slot].info, direction: direction, rule: TransportRule.overlapConflict,
            severity: .warning, verdict: .violation, range: range, frames: [firstFrame, secondFrame],
            time: latestTime,
            message: "retransmitted bytes at stream offsets \(range) differ: frame \(firstFrame) vs frame \(secondFrame); the first copy is kept"))
    }

    public mutating func connectionClosed(_ info: ConnectionInfo, stats: ConnectionStats, reason: CloseReason,
                                          frame: FrameNumber, time: Timestamp) {
        guard let slot = lookUp(info.id) else { return }
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
        if slots[slot].hasMQTT {
            for d in Direction.allCases {
                let framer = framerBase + MQTTFramerStore.index(slot, d)
                framer.pointee.finish { pdu, pduInfo in handlePDU(slot, d, pdu, pduInfo, time: time) }
                reportFindings(of: &framer.pointee, slot, d, time: time)
                // Back to an idle framer: the slot's next connection may not be MQTT.
                framer.pointee = idleFramer
            }
        }
        if slots[slot].hasSTOMP {
            for d in Direction.allCases {
                var framer = idleSTOMPFramer
                swap(&framer, &slots[slot].stomp![framer: d])
                framer.finish { event, bytes in handleSTOMP(slot, d, event, bytes, time: time) }
                swap(&framer, &slots[slot].stomp![framer: d])
            }
        }
        if decodePackets, let t = slots[slot].tls {
            // TLS-layer checks, once the handshake is all seen: judged at the connection's first time.
            let when = Date(timeIntervalSince1970: Double(stats.firstTime.seconds) + Double(stats.firstTime.nanoseconds) / 1e9)
            for d in TLSChecks.evaluate(t.facts, serverPort: info.server.port, captureTime: when) {
                sink.streamEvent(StreamEventReport(
                    connection: info, direction: .clientToServer, rule: d.rule, severity: d.severity, verdict: d.verdict,
                    range: StreamRange(0, 0), frames: [slots[slot].firstFrame], time: stats.firstTime, message: d.message))
            }
        }
        let tlsSummary = slots[slot].tls.map { t in
            TLSSummary(facts: t.facts, inner: slots[slot].tlsInner, decryptedRecords: t.decryptedRecords.client + t.decryptedRecords.server,
                       encryptedRecords: t.encryptedRecords, failure: t.failure)
        }
        let state = slots[slot]
        slotOf.remove(slot: slot, hash: UInt64(info.id))
        if cachedID == info.id { cachedID = nil }
        slots[slot].mqtt = nil
        slots[slot].stomp = nil
        slots[slot].webSocket = nil
        slots[slot].tls = nil
        slots[slot].hasTLS = false
        slots[slot].tlsInner = nil
        slots[slot].hasMQTT = false
        slots[slot].hasSTOMP = false
        slots[slot].hasWebSocket = false
        slots[slot].sniffed = []
        freeSlots.append(slot)
        sink.connectionFinished(ConnectionSummary(
            info: state.info, stats: stats, appProtocol: state.appProtocol, detection: state.detection,
            end: reason, firstFrame: state.firstFrame, lastFrame: Swift.max(state.lastFrame, frame),
            mqttVersion: state.mqtt?.version, versionSource: state.mqtt?.versionSource,
            clientID: state.mqtt?.clientID, inner: state.webSocket?.inner,
            stompVersion: state.stomp?.version, stompVersionSource: state.stomp?.versionSource, tls: tlsSummary))
    }

    private mutating func slot(of id: ConnectionID) -> Int? {
        if let cachedID, cachedID == id { return cachedSlot }
        guard let slot = lookUp(id) else { return nil }
        cachedID = id
        cachedSlot = slot
        return slot
    }

    private func lookUp(_ id: ConnectionID) -> Int? {
        slotOf.find(hash: UInt64(id), matches: { slots[$0].info.id == id })
    }

    mutating func note(_ note: FileNote) {
        notes.append(note)
        sink.fileNote(note)
    }

    // MARK: Decoding

    private mutating func startDecoder(_ slot: Int) {
        switch slots[slot].appProtocol {
        case .webSocket where !slots[slot].hasWebSocket:
            // Runs for `streams` too: the handshake names the protocol inside.
            // By port, HTTP heads are expected only when the stream began with a request.
            slots[slot].webSocket = WebSocketSessionState(
                expectHandshake: slots[slot].detection == .content || slots[slot].startsWithHTTP,
                maxFrameSize: options.maxPDUSize)
            slots[slot].hasWebSocket = true
        case .mqtt, .stomp:
            startInnerDecoder(slot, slots[slot].appProtocol, streamStartSeen: slots[slot].info.sawHandshake)
        case .tls where !slots[slot].hasTLS:
            // Runs for `streams` too: the handshake facts and whether decryption works are its columns.
            slots[slot].tls = TLSConnection(haveKeyLog: haveKeyLog)
            slots[slot].hasTLS = true
        default:
            break
        }
    }

    /// Starts the MQTT or STOMP decoder (on TCP, or inside a WebSocket connection).
    private mutating func startInnerDecoder(_ slot: Int, _ proto: AppProtocol, streamStartSeen: Bool) {
        guard decodePackets, !slots[slot].hasMQTT, !slots[slot].hasSTOMP else { return }
        if proto == .mqtt {
            slots[slot].mqtt = MQTTConnectionState(version: options.mqttVersion)
            for d in Direction.allCases {
                // Counting needs only each packet's first byte: split packets' bodies are not copied.
                framerBase[MQTTFramerStore.index(slot, d)] = MQTTFramer(maxPDUSize: options.maxPDUSize,
                                                                        synchronized: streamStartSeen,
                                                                        headersOnly: !decodeFields)
            }
            slots[slot].hasMQTT = true
        } else if proto == .stomp {
            slots[slot].stomp = STOMPConnectionState(maxFrameSize: options.maxPDUSize)
            slots[slot].hasSTOMP = true
        }
    }

    private mutating func feed(_ slot: Int, _ direction: Direction,
                               offset: UInt64, bytes: Span<UInt8>, frame: FrameNumber, time: Timestamp) {
        if slots[slot].hasTLS {
            swap(&idleTLS, &slots[slot].tls!)
            idleTLS.feed(direction, offset: offset, bytes: bytes, frame: frame, keyLog: &keyLog)
            swap(&idleTLS, &slots[slot].tls!)
            drainTLS(slot, time: time)
            return
        }
        feedLayer(slot, direction, offset: offset, bytes: bytes, frame: frame, time: time)
    }

    /// Feeds the layer above TCP or TLS: WebSocket, else the MQTT or STOMP decoder.
    private mutating func feedLayer(_ slot: Int, _ direction: Direction,
                                    offset: UInt64, bytes: Span<UInt8>, frame: FrameNumber, time: Timestamp) {
        if slots[slot].hasWebSocket {
            var conn = idleWebSocket
            swap(&conn, &slots[slot].webSocket!.connection)
            conn.append(bytes, direction: direction, at: offset, frame: frame) { event, eventBytes in
                handleWebSocket(slot, direction, event, eventBytes, time: time)
            }
            swap(&conn, &slots[slot].webSocket!.connection)
        } else {
            feedInner(slot, direction, offset: offset, bytes: bytes, frame: frame, time: time)
        }
    }

    /// Feeds the MQTT or STOMP decoder (TCP bytes, or WebSocket application bytes).
    private mutating func feedInner(_ slot: Int, _ direction: Direction,
                                    offset: UInt64, bytes: Span<UInt8>, frame: FrameNumber, time: Timestamp) {
        if slots[slot].hasSTOMP {
            var framer = idleSTOMPFramer
            swap(&framer, &slots[slot].stomp![framer: direction])
            framer.append(bytes, at: offset, frame: frame) { event, frameBytes in
                handleSTOMP(slot, direction, event, frameBytes, time: time)
            }
            swap(&framer, &slots[slot].stomp![framer: direction])
            return
        }
        guard slots[slot].hasMQTT else { return }
        // In place: handlePDU never adds a slot, so the framer's memory stays put during the call.
        let framer = framerBase + MQTTFramerStore.index(slot, direction)
        framer.pointee.append(bytes, at: offset, frame: frame) { pdu, info in
            handlePDU(slot, direction, pdu, info, time: time)
        }
        reportFindings(of: &framer.pointee, slot, direction, time: time)
    }

    /// Passes the framer's stream-level findings (lost packets, skipped bytes…) to the sink.
    private mutating func reportFindings(of framer: inout MQTTFramer, _ slot: Int, _ direction: Direction,
                                         time: Timestamp) {
        guard framer.hasFindings else { return }
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
        if slots[slot].mqttVersion().source == .assumed, pdu.count > 0, pdu[0] >> 4 != 1,
           let guess = MQTTVersion.infer(fromPDU: pdu) {
            slots[slot].mqtt!.version = guess
            slots[slot].mqtt!.versionSource = .inferred
        }
        tree.reset()
        diagnostics.removeAll(keepingCapacity: true)
        let message = MQTTDecoder.decode(pdu, version: slots[slot].mqttVersion().version, into: &tree,
                                         diagnostics: &diagnostics)
        var aliasTopic: String?
        switch message {
        case .connect(let c) where direction == .clientToServer:
            if slots[slot].mqttVersion().source != .option, MQTTVersion(protocolLevel: c.protocolLevel) != nil {
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
        let (connection, transport, version, clientID) = slots[slot].mqttEventContext()
        let event = MQTTPacketEvent(
            connection: connection, direction: direction, version: version.version,
            versionSource: version.source, streamRange: info.streamRange, frames: info.frames,
            declaredSize: info.declaredSize, truncated: info.truncated, time: time, captureStart: captureStart,
            message: message,
            diagnostics: diagnostics, aliasTopic: aliasTopic, clientID: clientID,
            transport: transport)
        sink.mqttPacket(event, pdu: pdu, fields: tree)
    }

    // MARK: TLS

    /// Passes what the TLS layer produced on: decrypted bytes to the next layer with their record's frame,
    /// handshake units and failures to the sink.
    private mutating func drainTLS(_ slot: Int, time: Timestamp) {
        swap(&tlsEvents, &slots[slot].tls!.events)
        defer {
            tlsEvents.removeAll(keepingCapacity: true)
            if slots[slot].hasTLS { swap(&tlsEvents, &slots[slot].tls!.events) }
        }
        for e in tlsEvents {
            switch e {
            case .applicationData(let d, let plain, let offset, let record):
                if slots[slot].tlsInner == nil { chooseTLSInner(slot, d, plain) }
                feedLayer(slot, d, offset: offset, bytes: plain.span, frame: record.lastFrame, time: time)
            case .plaintextGap(let d, let offset, let length):
                layerGap(slot, d, StreamRange(offset, offset &+ length), frame: slots[slot].lastFrame, time: time)
            case .handshake(let d, let message, let fields, let record, let decrypted, let finding):
                guard decodePackets else { continue }
                let start = decrypted ? record.streamOffset : record.streamOffset + 5
                reportTLS(slot, d, .handshake(type: message.first ?? 0), record, decrypted,
                          StreamRange(start, start &+ UInt64(message.count)), finding.map { [$0] } ?? [], message, fields, time)
            case .alert(let d, let level, let description, let record, let decrypted):
                guard decodePackets else { continue }
                reportTLS(slot, d, .alert(level: level, description: description), record, decrypted,
                          StreamRange(record.streamOffset, record.streamOffset &+ 5 &+ UInt64(record.length)), [], [], FieldTree(), time)
            case .changeCipherSpec(let d, let record):
                guard decodePackets else { continue }
                reportTLS(slot, d, .changeCipherSpec, record, false,
                          StreamRange(record.streamOffset, record.streamOffset &+ 5 &+ UInt64(record.length)), [], [], FieldTree(), time)
            case .encrypted(let d, let record):
                guard decodePackets else { continue }
                reportTLS(slot, d, .encrypted(length: record.length), record, false,
                          StreamRange(record.streamOffset, record.streamOffset &+ 5 &+ UInt64(record.length)), [], [], FieldTree(), time)
            case .resynchronized(let d, let skipped, let record):
                guard decodePackets else { continue }
                sink.streamEvent(StreamEventReport(
                    connection: slots[slot].info, direction: d, rule: TLSRule.resynchronized, severity: .info, verdict: .note,
                    range: StreamRange(record.streamOffset, record.streamOffset &+ 5 &+ UInt64(record.length)),
                    frames: [record.lastFrame], time: time,
                    message: "decryption resumed after a lost record header: \(skipped) record(s) were lost (found by trial decryption)"))
            case .failure(let f):
                guard decodePackets else { continue }
                sink.streamEvent(StreamEventReport(
                    connection: slots[slot].info, direction: .clientToServer, rule: TLSRule.notDecrypted, severity: .info,
                    verdict: .unverifiable, range: StreamRange(0, 0), frames: [slots[slot].lastFrame], time: time,
                    message: "TLS records left encrypted: \(f)"))
            }
        }
    }

    private mutating func reportTLS(_ slot: Int, _ d: Direction, _ kind: TLSEventReport.Kind, _ record: TLSRecordInfo,
                                    _ decrypted: Bool, _ range: StreamRange, _ diags: [Diagnostic], _ bytes: [UInt8],
                                    _ fields: FieldTree, _ time: Timestamp) {
        sink.tlsEvent(TLSEventReport(connection: slots[slot].info, direction: d, kind: kind, record: record, decrypted: decrypted,
                                     streamRange: range, time: time, captureStart: captureStart, diagnostics: diags),
                      bytes: bytes.span, fields: fields)
    }

    /// The protocol inside TLS: the client's first decrypted bytes (an MQTT or STOMP CONNECT, an HTTP
    /// Upgrade), else the ALPN the server chose, else the port (8883 MQTT; 61614/61617 STOMP; 443/8084/8884 WebSocket).
    private mutating func chooseTLSInner(_ slot: Int, _ d: Direction, _ plain: [UInt8]) {
        var inner = AppProtocol.unknown
        if d == .clientToServer, let v = ContentSniffer.sniff(plain.span), v != .tls { inner = v }
        let facts = slots[slot].tls!.facts
        if inner == .unknown {
            switch facts.alpnSelected {
            case "mqtt": inner = .mqtt
            case "stomp": inner = .stomp
            case "http/1.1": inner = .webSocket
            default:
                switch slots[slot].info.server.port {
                case 8883: inner = .mqtt
                case 61614, 61617: inner = .stomp
                case 443, 8084, 8884: inner = .webSocket
                default: break
                }
            }
        }
        slots[slot].tlsInner = inner
        switch inner {
        case .webSocket:
            slots[slot].webSocket = WebSocketSessionState(expectHandshake: true, maxFrameSize: options.maxPDUSize)
            slots[slot].hasWebSocket = true
        case .mqtt, .stomp:
            startInnerDecoder(slot, inner, streamStartSeen: facts.sawClientHello)
        default:
            break
        }
    }

    // MARK: STOMP

    private mutating func handleSTOMP(_ slot: Int, _ direction: Direction, _ event: STOMPFramerEvent,
                                      _ bytes: Span<UInt8>, time: Timestamp) {
        switch event {
        case .frame(let raw):
            tree.reset()
            diagnostics.removeAll(keepingCapacity: true)
            let summary = STOMPDecoder.decode(bytes, version: slots[slot].stompVersion(), direction: direction,
                                              into: &tree, diagnostics: &diagnostics)
            slots[slot].stomp!.learn(summary, bytes, direction: direction)
            emitSTOMP(slot, direction, raw.stream, raw.firstFrame, raw.lastFrame, heartBeat: false,
                      complete: raw.isComplete, summary, bytes, time: time)
        case .heartBeat(let eol):
            tree.reset()
            diagnostics.removeAll(keepingCapacity: true)
            emitSTOMP(slot, direction, eol.stream, eol.frame, eol.frame, heartBeat: true, complete: true,
                      STOMPFrameSummary(), bytes, time: time)
        case .problem(let p):
            sink.streamEvent(StreamEventReport(
                connection: slots[slot].info, direction: direction, rule: p.diagnostic.rule,
                severity: p.diagnostic.severity, verdict: p.diagnostic.verdict, range: p.stream, frames: [p.frame],
                time: time, message: p.diagnostic.message))
        }
    }

    private mutating func emitSTOMP(_ slot: Int, _ direction: Direction, _ range: StreamRange,
                                    _ first: FrameNumber, _ last: FrameNumber, heartBeat: Bool, complete: Bool,
                                    _ summary: STOMPFrameSummary, _ bytes: Span<UInt8>, time: Timestamp) {
        let c = slots[slot].stompEventContext()
        let event = STOMPFrameEvent(
            connection: c.info, direction: direction, transport: c.transport,
            version: c.version, versionSource: c.versionSource, streamRange: range, firstFrame: first,
            lastFrame: last, isHeartBeat: heartBeat, isComplete: complete, time: time, captureStart: captureStart,
            summary: summary, diagnostics: diagnostics, heartBeatClientToServer: c.clientToServer,
            heartBeatServerToClient: c.serverToClient)
        sink.stompFrame(event, frame: bytes, fields: tree)
    }

    // MARK: WebSocket

    private mutating func handleWebSocket(_ slot: Int, _ direction: Direction, _ event: WebSocketEvent,
                                          _ bytes: Span<UInt8>, time: Timestamp) {
        switch event {
        case .handshake(let h, let fields, let diags, let stream, let frame):
            if h.isRequest { slots[slot].webSocket!.offered = h.offeredProtocols }
            // A selected subprotocol decides; without one, the offer or the content decides at the
            // first application bytes.
            if slots[slot].webSocket!.inner == nil, let selected = h.selectedProtocol,
               let p = WebSocketSessionState.inner(bySubprotocol: selected) {
                chooseInner(slot, p)
            }
            guard decodePackets else { return }
            sink.webSocketEvent(WebSocketEventReport(
                connection: slots[slot].info, direction: direction, kind: .handshake(h), streamRange: stream,
                firstFrame: frame, lastFrame: frame, time: time, captureStart: captureStart, diagnostics: diags,
                inner: slots[slot].webSocket!.inner), bytes: bytes, fields: fields)
        case .frame(let f, let fields, let diags):
            guard decodePackets else { return }
            sink.webSocketEvent(WebSocketEventReport(
                connection: slots[slot].info, direction: direction, kind: .frame(f), streamRange: f.stream,
                firstFrame: f.firstFrame, lastFrame: f.lastFrame, time: time, captureStart: captureStart,
                diagnostics: diags, inner: slots[slot].webSocket!.inner), bytes: bytes, fields: fields)
        case .applicationData(let chunk):
            if slots[slot].webSocket!.inner == nil {
                chooseInner(slot, WebSocketSessionState.inner(
                    offered: slots[slot].webSocket!.offered, direction: direction,
                    firstBytes: bytes))
            }
            let at = chunk.appOffset &+ slots[slot].webSocket![shift: direction]
            feedInner(slot, direction, offset: at, bytes: bytes, frame: chunk.frame, time: time)
        case .applicationGap(let appOffset, _):
            // The lost count may be unknown: the inner decoder sees a one-byte gap and resynchronises.
            let before = appOffset &+ slots[slot].webSocket![shift: direction]
            slots[slot].webSocket![shift: direction] &+= 1
            innerGap(slot, direction, StreamRange(before, before &+ 1), frame: slots[slot].lastFrame, time: time)
        case .problem(let d, let stream, let frame):
            guard decodePackets else { return }
            sink.streamEvent(StreamEventReport(
                connection: slots[slot].info, direction: direction, rule: d.rule, severity: d.severity,
                verdict: d.verdict, range: stream, frames: [frame], time: time, message: d.message))
        }
    }

    private mutating func chooseInner(_ slot: Int, _ proto: AppProtocol) {
        guard slots[slot].webSocket!.inner == nil else { return }
        slots[slot].webSocket!.inner = proto
        // Application bytes start at a message boundary only when the handshake was seen.
        startInnerDecoder(slot, proto, streamStartSeen: slots[slot].detection == .content)
    }

    // MARK: Detection

    /// Content decides when the client's stream is seen from its first byte; else the port.
    /// Static, so that deciding for one slot never needs a copy of the router (and its table).
    private static func decide(_ state: inout ConnectionState, _ direction: Direction, offset: UInt64, bytes: Span<UInt8>,
                               frame: FrameNumber, ports: PortMap) {
        guard direction == .clientToServer, offset == UInt64(state.sniffed.count), state.info.sawHandshake else {
            decideByPort(&state, ports: ports)
            // Picked up mid-stream on a port of no known protocol: the first segment may still be
            // recognisably MQTT (ContentSniffer.looksLikeMidStreamMQTT says how strictly).
            if state.appProtocol == .unknown, !state.info.sawHandshake, ContentSniffer.looksLikeMidStreamMQTT(bytes) {
                state.appProtocol = .mqtt
                state.detection = .content
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
        } else {
            // The current bytes will be fed after the decision; keep only earlier ones.
        }
        guard let found = verdict else { return }
        if found == .unknown {
            decideByPort(&state, ports: ports)
            // A WebSocket port is only a hint: a stream seen from its start is WebSocket only if
            // it begins with an HTTP request (the Upgrade may follow a first, refused request).
            if state.sniffed.isEmpty {
                state.startsWithHTTP = Self.startsWithHTTPRequest(bytes)
            } else {
                let held = state.sniffed
                state.startsWithHTTP = Self.startsWithHTTPRequest(held.span)
            }
            if state.appProtocol == .webSocket && !state.startsWithHTTP {
                state.appProtocol = .unknown
                state.detection = .none
            }
        } else {
            state.appProtocol = found
            state.detection = .content
            state.decided = true
        }
    }

    /// An HTTP request line's start: 3 to 7 upper-case letters, then a space.
    static func startsWithHTTPRequest(_ b: Span<UInt8>) -> Bool {
        var i = 0
        while i < b.count && i < 8 && b[i] >= UInt8(ascii: "A") && b[i] <= UInt8(ascii: "Z") { i += 1 }
        return i >= 3 && i < b.count && b[i] == UInt8(ascii: " ")
    }

    private static func decideByPort(_ state: inout ConnectionState, ports: PortMap) {
        state.decided = true
        if let p = ports.byPort(state.info.server.port) {
            state.appProtocol = p
            state.detection = .port
        }
    }
}

extension SessionRouter.ConnectionState {
    // Mutating on purpose: called on `slots[slot]`, a mutating accessor works on the element in
    // place, where a plain read of the element can copy the whole state (framers included) first.

    /// The MQTT version and how it is known (the connection must be MQTT).
    mutating func mqttVersion() -> (version: MQTTVersion, source: VersionSource) {
        (mqtt!.version, mqtt!.versionSource)
    }

    /// The STOMP version in use (the connection must be STOMP).
    mutating func stompVersion() -> STOMPVersion { stomp!.version }

    /// What a STOMP frame event needs from the connection.
    mutating func stompEventContext() -> (info: ConnectionInfo, transport: Transport, version: STOMPVersion,
                                          versionSource: STOMPVersionSource, clientToServer: UInt64?,
                                          serverToClient: UInt64?) {
        (info, transport, stomp!.version, stomp!.versionSource, stomp!.heartBeatClientToServer,
         stomp!.heartBeatServerToClient)
    }

    /// What a packet event needs from the connection.
    mutating func mqttEventContext() -> (ConnectionInfo, Transport, (version: MQTTVersion, source: VersionSource), String?) {
        (info, transport, (mqtt!.version, mqtt!.versionSource), mqtt!.clientID)
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
