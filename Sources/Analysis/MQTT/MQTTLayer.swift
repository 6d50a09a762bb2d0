public import WireCore
import TCPReassembly
import MQTTCodec

/// MQTT on TCP or on WebSocket application bytes: frames each direction, decodes each packet,
/// keeps the connection's session (version, client id, topic aliases) in the context and hands
/// packets and framing findings to the sink. Its framers live in the environment's
/// `MQTTFramerStore`, under the pair the connection took (`ConnectionContext.framerPair`), and
/// run in place; the layer itself is empty.
public struct MQTTLayer: StreamLayer {
    public static func open<S: AnalysisSink>(streamStartSeen: Bool, _ c: inout ConnectionContext,
                                      _ env: inout LayerEnvironment<S>) -> MQTTLayer? {
        guard env.decodePackets, !c.isMQTT, !c.isSTOMP else { return nil }
        c.mqtt = MQTTSession(version: env.options.mqttVersion)
        if c.framerPair < 0 {
            c.framerPair = env.framerStore.take()
            env.framerBase = env.framerStore.base
        }
        for d in Direction.allCases {
            // Counting needs only each packet's first byte: split packets' bodies are not copied.
            env.framerBase[MQTTFramerStore.index(c.framerPair, d)] = MQTTFramer(
                maxPDUSize: env.options.maxPDUSize, synchronized: streamStartSeen, headersOnly: !env.decodeFields)
        }
        c.isMQTT = true
        return MQTTLayer()
    }

    public mutating func receive<S: AnalysisSink>(_ event: LayerEvent, _ bytes: Span<UInt8>, _ d: Direction,
                                          _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>,
                                          up: LayerUp<S>) {
        // In place: packets never add a slot, so the framer's memory stays put during the call.
        let framer = env.framerBase + MQTTFramerStore.index(c.framerPair, d)
        switch event {
        case .bytes(let offset, let frame):
            framer.pointee.append(bytes, at: offset, frame: frame) { pdu, info in
                Self.packet(d, pdu, info, &c, &env)
            }
        case .gap(let range, let frame):
            framer.pointee.gap(range, frame: frame)
        case .end:
            framer.pointee.finish { pdu, info in Self.packet(d, pdu, info, &c, &env) }
            Self.reportFindings(of: &framer.pointee, d, c, &env)
            // (The router gives the pair back when the connection closes.)
            return
        case .open:
            return
        }
        Self.reportFindings(of: &framer.pointee, d, c, &env)
    }

    /// Passes the framer's stream-level findings (lost packets, skipped bytes…) to the sink.
    private static func reportFindings<S: AnalysisSink>(of framer: inout MQTTFramer, _ d: Direction,
                                                        _ c: ConnectionContext, _ env: inout LayerEnvironment<S>) {
        guard framer.hasFindings else { return }
        for f in framer.findings {
            env.sink.streamEvent(StreamEventReport(f, layer: .mqtt, connection: c.info, direction: d, time: env.time))
        }
        framer.clearFindings()
    }

    private static func packet<S: AnalysisSink>(_ d: Direction, _ pdu: Span<UInt8>, _ info: MQTTPDUInfo,
                                                _ c: inout ConnectionContext, _ env: inout LayerEnvironment<S>) {
        if !env.decodeFields {
            // Counting only: the type is the first byte's high nibble; nothing else is decoded.
            env.sink.mqttPacketCounted(MQTTPacketType(firstByte: pdu.count > 0 ? pdu[0] : 0))
            return
        }
        // The version: a client CONNECT announces it; before any, infer it from the packets.
        if c.mqtt.versionSource == .assumed, pdu.count > 0, pdu[0] >> 4 != 1,
           let guess = MQTTVersion.infer(fromPDU: pdu) {
            c.mqtt.version = guess
            c.mqtt.versionSource = .inferred
        }
        if env.prefilterPackets, pdu.count > 0 {
            // Decided on the facts and the type before decoding (`read -Y 'mqtt.msgtype != 3'`);
            // packets that change the connection's state (a CONNECT, a 5.0 PUBLISH that may set
            // or use a Topic Alias) are always decoded.
            let type = MQTTPacketType(firstByte: pdu[0])
            if type != .connect,
               !(type == .publish && c.mqtt.version == .v5 && MQTTTopicAliases.mayCarryAlias(pdu)) {
                let subject = MQTTPacketEvent.filterSubject(
                    connection: c.info, direction: d, version: c.mqtt.version, transport: c.transport,
                    tls: c.tls?.subject, clientID: c.mqtt.clientID, typeCode: 0, lastFrame: info.lastFrame,
                    aliasTopic: nil, time: env.time, captureStart: env.captureStart)
                if env.sink.skipsMQTTPacket(subject, pdu: pdu, type: type) { return }
            }
        }
        env.diagnostics.removeAll(keepingCapacity: true)
        let message: MQTTMessage
        if env.decodeTree {
            env.tree.reset()
            message = MQTTDecoder.decode(pdu, version: c.mqtt.version, into: &env.tree, diagnostics: &env.diagnostics)
        } else {
            message = MQTTDecoder.decode(pdu, version: c.mqtt.version, into: &env.typedOnly, diagnostics: &env.diagnostics)
        }
        var alias = MQTTTopicAliases.Use(topic: nil, known: false)
        switch message {
        case .connect(let connect) where d == .clientToServer:
            if c.mqtt.versionSource != .option, MQTTVersion(protocolLevel: connect.protocolLevel) != nil {
                c.mqtt.version = connect.version
                c.mqtt.versionSource = .connect
            }
            if let r = connect.clientID, r.lower >= 0, r.upper <= pdu.count {
                c.mqtt.clientID = String(decoding: pdu.extracting(r.range).bytesArray, as: UTF8.self)
            }
        case .publish(let p):
            alias = c.mqtt.aliases.apply(p, pdu: pdu, direction: d)
        default:
            break
        }
        var event = MQTTPacketEvent(
            connection: c.info, direction: d, version: c.mqtt.version, versionSource: c.mqtt.versionSource,
            streamRange: info.streamRange, frames: info.frames, declaredSize: info.declaredSize,
            truncated: info.truncated, time: env.time, captureStart: env.captureStart, message: message,
            diagnostics: env.diagnostics, aliasTopic: alias.topic.map { String(decoding: $0, as: UTF8.self) },
            clientID: c.mqtt.clientID, transport: c.transport, topicAliasKnown: alias.known)
        if let t = c.tls { event.tls = t.subject }
        if env.decodeTree {
            env.sink.unit(.mqtt(event), bytes: pdu, fields: env.tree)
        } else {
            env.sink.unit(.mqtt(event), bytes: pdu, fields: env.typedOnly)
        }
    }
}

/// A framer that never runs: what the framer store holds for pairs not taken.
let idleFramer = MQTTFramer(maxPDUSize: 2, resyncLookahead: 16)

extension Span where Element == UInt8 {
    /// A copy of the bytes (for the few values kept beyond a call, e.g. client ids).
    var bytesArray: [UInt8] {
        var a = [UInt8]()
        a.reserveCapacity(count)
        for i in 0..<count { a.append(self[i]) }
        return a
    }
}
