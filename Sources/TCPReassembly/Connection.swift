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

    // The fields every segment reads come first (see `HalfStream`): the key it is looked up by, the
    // side its sender is on, the time it updates, then each half's own hot fields at its start.
    // Nothing here is kept twice (the endpoints are the key's; `info` is made when asked), so an
    // open connection costs about 260 bytes (issue 12).
    var key: FlowKey
    /// The client is `key.low` (tells a segment's direction from the key just compared).
    let clientIsLow: Bool
    let roleBasis: RoleBasis
    /// The consumer was told of the connection (`connectionOpened`): deferred until it first
    /// has something to say, so that a half-open connection costs the consumer nothing.
    var announced = false
    let id: ConnectionID
    /// The frame that made the connection known.
    let firstFrame: FrameNumber
    var lastTime: Timestamp
    var clientToServer: HalfStream
    var serverToClient: HalfStream
    var firstTime: Timestamp
    /// When FINs had been seen in both directions (valid when `bothFinsSeen`).
    var bothFinsTime = Timestamp.zero

    init(info: ConnectionInfo, key: FlowKey, frame: FrameNumber, time: Timestamp, skipsHistoryBytes: Bool = false) {
        self.key = key
        clientIsLow = info.client == key.low
        roleBasis = info.roleBasis
        id = info.id
        firstFrame = frame
        clientToServer = HalfStream(connection: info.id, direction: .clientToServer, skipsHistoryBytes: skipsHistoryBytes)
        serverToClient = HalfStream(connection: info.id, direction: .serverToClient, skipsHistoryBytes: skipsHistoryBytes)
        firstTime = time
        lastTime = time
    }

    /// Who is who (roles are fixed when the connection is first seen; a handshake was seen when
    /// they were decided by a SYN or SYN-ACK).
    var info: ConnectionInfo {
        ConnectionInfo(id: id, client: clientIsLow ? key.low : key.high, server: clientIsLow ? key.high : key.low,
                       roleBasis: roleBasis, sawHandshake: roleBasis == .syn || roleBasis == .synAck)
    }

    var bothFinsSeen: Bool { clientToServer.sawFin && serverToClient.sawFin }
    var anyFinSeen: Bool { clientToServer.sawFin || serverToClient.sawFin }
    /// Whether the once-per-second sweep has work here: a hole timeout or a FIN+FIN linger.
    var needsSweep: Bool { clientToServer.needsTimer || serverToClient.needsTimer || bothFinsSeen }
    /// Whether any payload was seen (the recency list it is kept in; idle timeouts differ).
    var carriedPayload: Bool { clientToServer.payloadBytes | serverToClient.payloadBytes != 0 }
    /// Whether the next segment may make the consumer hear of this connection even without payload
    /// (a hole acknowledged earlier may expire into a gap).
    var mayReport: Bool { clientToServer.needsTimer || serverToClient.needsTimer }

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
        (source == key.low) == clientIsLow ? .clientToServer : .serverToClient
    }

    /// A SYN without ACK from `source` repeats the handshake we know (same ISN) rather than opening a
    /// new connection on the same 4-tuple.
    func isRetransmittedSyn(from source: Endpoint, sequence: UInt32) -> Bool {
        if direction(from: source) == .clientToServer {
            return clientToServer.isnKnown && clientToServer.isn == sequence
        }
        return serverToClient.isnKnown && serverToClient.isn == sequence
    }

    /// Takes one segment of this connection; returns the close reason when it closes the connection.
    mutating func process<C: StreamConsumer>(
        _ segment: borrowing TCPSegment, payload: Span<UInt8>, frame: FrameNumber, time: Timestamp,
        frameLength: Int, context: inout ReassemblyContext, consumer: inout C
    ) -> CloseReason? {
        if lastTime < time { lastTime = time }
        // Holes whose later data waited too long are declared before this segment is looked at.
        clientToServer.expireHoles(frame: frame, time: time, context: &context, consumer: &consumer)
        serverToClient.expireHoles(frame: frame, time: time, context: &context, consumer: &consumer)

        let hadBothFins = bothFinsSeen
        // Both halves are passed inout (distinct stored properties): no accessor coroutine, which would
        // allocate its frame when this generic code runs unspecialized.
        let closeNow: Bool
        if direction(from: segment.source) == .clientToServer {
            closeNow = Connection.take(segment, payload: payload, frame: frame, time: time, frameLength: frameLength,
                                       sender: &clientToServer, receiver: &serverToClient,
                                       context: &context, consumer: &consumer)
        } else {
            closeNow = Connection.take(segment, payload: payload, frame: frame, time: time, frameLength: frameLength,
                                       sender: &serverToClient, receiver: &clientToServer,
                                       context: &context, consumer: &consumer)
        }
        if !hadBothFins && bothFinsSeen { bothFinsTime = time }
        if closeNow {
            // RST (RFC 9293 §3.10.7.3); after FIN both ways it only ends an orderly close.
            return bothFinsSeen ? .fin : .rst
        }
        if bothFinsSeen && clientToServer.finAcked && serverToClient.finAcked { return .fin }
        return nil
    }

    /// One segment from `sender`'s side; `receiver` is the other direction (the one its ACK speaks
    /// about). Returns true for an RST.
    private static func take<C: StreamConsumer>(
        _ segment: borrowing TCPSegment, payload: Span<UInt8>, frame: FrameNumber, time: Timestamp,
        frameLength: Int, sender: inout HalfStream, receiver: inout HalfStream,
        context: inout ReassemblyContext, consumer: inout C
    ) -> Bool {
        let flags = segment.flags
        sender.countFrame(length: frameLength)

        let isSyn = flags.contains(.syn)
        if isSyn {
            sender.noteSyn(sequence: segment.sequence)
            if flags.contains(.ack) { receiver.noteSynAcknowledged(ack: segment.acknowledgement) }
        }
        // Payload (and a FIN) follow the SYN's sequence number.
        let dataSequence = isSyn ? segment.sequence &+ 1 : segment.sequence
        let missing = max(0, segment.missingPayload)
        let carriesData = payload.count > 0 || missing > 0
        if carriesData || flags.contains(.fin) || flags.contains(.rst) { sender.pickUp(at: dataSequence) }

        // RST payload is diagnostic text, not stream data (RFC 9293 §3.5.3).
        if flags.contains(.rst) { return true }
        let start = sender.offset(of: dataSequence)
        if carriesData {
            sender.receive(at: start, payload: payload, missing: missing, frame: frame, time: time,
                           otherCost: receiver.cost, context: &context, consumer: &consumer)
            sender.settleAcknowledgedHole(context: &context, consumer: &consumer)
        }
        if flags.contains(.fin) {
            sender.noteFin(at: start &+ Int64(payload.count) &+ Int64(min(missing, Int(HalfStream.maxAdvance))))
        }
        if flags.contains(.ack) {
            receiver.noteAcknowledgement(segment.acknowledgement, frame: frame, time: time,
                                         context: &context, consumer: &consumer)
        }
        return false
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
