import WireCore
import PacketLayers

/// One TCP connection: its roles, both directions, and the close protocol.
///
/// Close rules: RST closes at once (`rst`, or `fin` when both FINs were already seen); FIN in both
/// directions closes (`fin`) as soon as both FINs are acknowledged, or after `finLingerSeconds` of
/// capture time if the last ACK never shows up.
struct Connection {
    /// How long after FIN+FIN we wait for the final ACK before closing anyway.
    static let finLingerNanoseconds: Int64 = 2_000_000_000

    var info: ConnectionInfo
    var key: FlowKey
    var clientToServer: HalfStream
    var serverToClient: HalfStream
    var firstTime: Timestamp
    var lastTime: Timestamp
    /// When FINs had been seen in both directions (valid when `bothFinsSeen`).
    var bothFinsTime = Timestamp.zero

    init(info: ConnectionInfo, key: FlowKey, time: Timestamp, historyLimit: Int) {
        self.info = info
        self.key = key
        clientToServer = HalfStream(connection: info.id, direction: .clientToServer, historyLimit: historyLimit)
        serverToClient = HalfStream(connection: info.id, direction: .serverToClient, historyLimit: historyLimit)
        firstTime = time
        lastTime = time
    }

    subscript(_ direction: Direction) -> HalfStream {
        _read {
            if direction == .clientToServer { yield clientToServer } else { yield serverToClient }
        }
        _modify {
            if direction == .clientToServer { yield &clientToServer } else { yield &serverToClient }
        }
    }

    var bothFinsSeen: Bool { clientToServer.sawFin && serverToClient.sawFin }
    var anyFinSeen: Bool { clientToServer.sawFin || serverToClient.sawFin }

    var stats: ConnectionStats {
        var stats = ConnectionStats()
        stats.firstTime = firstTime
        stats.lastTime = lastTime
        stats.clientToServer = clientToServer.stats
        stats.serverToClient = serverToClient.stats
        return stats
    }

    /// The direction of a segment sent by `source`.
    func direction(from source: Endpoint) -> Direction {
        source == info.client ? .clientToServer : .serverToClient
    }

    /// A SYN without ACK from `source` repeats the handshake we know (same ISN) rather than opening a
    /// new connection on the same 4-tuple.
    func isRetransmittedSyn(from source: Endpoint, sequence: UInt32) -> Bool {
        let half = self[direction(from: source)]
        return half.isnKnown && half.isn == sequence
    }

    /// Takes one segment of this connection; returns the close reason when it closes the connection.
    mutating func process<C: StreamConsumer>(
        _ segment: borrowing TCPSegment, payload: Span<UInt8>, frame: FrameNumber, time: Timestamp,
        frameLength: Int, context: inout ReassemblyContext, consumer: inout C
    ) -> CloseReason? {
        let d = direction(from: segment.source)
        let flags = segment.flags
        if lastTime < time { lastTime = time }
        self[d].stats.frames += 1
        self[d].stats.frameBytes &+= max(0, frameLength)

        // Holes whose later data waited too long are declared before this segment is looked at.
        clientToServer.expireHoles(frame: frame, time: time, context: &context, consumer: &consumer)
        serverToClient.expireHoles(frame: frame, time: time, context: &context, consumer: &consumer)

        let isSyn = flags.contains(.syn)
        if isSyn {
            self[d].noteSyn(sequence: segment.sequence)
            if flags.contains(.ack) { self[d.reversed].noteSynAcknowledged(ack: segment.acknowledgement) }
        }
        // Payload (and a FIN) follow the SYN's sequence number.
        let dataSequence = isSyn ? segment.sequence &+ 1 : segment.sequence
        let missing = max(0, segment.missingPayload)
        let carriesData = payload.count > 0 || missing > 0
        if carriesData || flags.contains(.fin) || flags.contains(.rst) { self[d].pickUp(at: dataSequence) }

        if flags.contains(.rst) {
            // RST payload is diagnostic text, not stream data (RFC 9293 §3.5.3).
            return bothFinsSeen ? .fin : .rst
        }
        let start = self[d].offset(of: dataSequence)
        if carriesData {
            let other = self[d.reversed].cost
            self[d].receive(at: start, payload: payload, missing: missing, frame: frame, time: time,
                            otherCost: other, context: &context, consumer: &consumer)
        }
        if flags.contains(.fin) {
            let hadBoth = bothFinsSeen
            self[d].noteFin(at: start &+ Int64(payload.count) &+ Int64(min(missing, Int(HalfStream.maxAdvance))))
            if !hadBoth && bothFinsSeen { bothFinsTime = time }
        }
        if flags.contains(.ack) {
            self[d.reversed].noteAcknowledgement(segment.acknowledgement, frame: frame, time: time,
                                                 context: &context, consumer: &consumer)
        }
        if bothFinsSeen && clientToServer.finAcked && serverToClient.finAcked { return .fin }
        return nil
    }

    /// Periodic check at capture time `time`: hole timeouts, and FIN+FIN connections whose final ACK
    /// never came. Returns the close reason when the connection should close.
    mutating func sweep<C: StreamConsumer>(
        frame: FrameNumber, time: Timestamp, context: inout ReassemblyContext, consumer: inout C
    ) -> CloseReason? {
        clientToServer.expireHoles(frame: frame, time: time, context: &context, consumer: &consumer)
        serverToClient.expireHoles(frame: frame, time: time, context: &context, consumer: &consumer)
        if bothFinsSeen && time.totalNanoseconds &- bothFinsTime.totalNanoseconds > Connection.finLingerNanoseconds {
            return .fin
        }
        return nil
    }

    /// Flushes both directions before the connection closes.
    mutating func flush<C: StreamConsumer>(
        frame: FrameNumber, time: Timestamp, context: inout ReassemblyContext, consumer: inout C
    ) {
        clientToServer.flush(frame: frame, time: time, context: &context, consumer: &consumer)
        serverToClient.flush(frame: frame, time: time, context: &context, consumer: &consumer)
    }
}
