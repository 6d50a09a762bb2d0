import Testing
import PacketLayers
import TCPReassembly
import WireCore

@Test func statsCountFramesFrameBytesAndPayloadOnce() {
    let script = [
        seg(.client, 1000, flags: [.syn], seconds: 1000, frameLength: 74),
        seg(.server, 5000, ack: 1001, flags: [.syn, .ack], seconds: 1000, frameLength: 74),
        seg(.client, 1001, ack: 5001, seconds: 1001, frameLength: 66),
        seg(.client, 1001, "hello", ack: 5001, seconds: 1001, frameLength: 100),
        seg(.client, 1001, "hello", ack: 5001, seconds: 1002, frameLength: 100),       // retransmission
        seg(.server, 5001, "ok", ack: 1006, seconds: 1002, frameLength: 70),
        seg(.client, 1008, "zz", ack: 5003, seconds: 1002, frameLength: 68),           // ahead of a hole
        seg(.server, 5003, ack: 1010, seconds: 1002, frameLength: 66),                 // ACK past the hole
        seg(.client, 1010, ack: 5003, flags: [.fin, .ack], seconds: 1003, frameLength: 66),
        seg(.server, 5003, ack: 1011, flags: [.fin, .ack], seconds: 1003, frameLength: 66),
        seg(.client, 1011, ack: 5004, seconds: 1004, frameLength: 66),
    ]
    let assembler = run(script)
    let stats = assembler.consumer.stats[0]
    var c2s = DirectionStats()
    c2s.frames = 7
    c2s.frameBytes = 74 + 66 + 100 + 100 + 68 + 66 + 66
    c2s.payloadBytes = 7
    c2s.gaps = 1
    c2s.gapBytes = 2
    c2s.overlaps = 1
    c2s.outOfOrder = 1
    var s2c = DirectionStats()
    s2c.frames = 4
    s2c.frameBytes = 74 + 70 + 66 + 66
    s2c.payloadBytes = 2
    #expect(stats?.clientToServer == c2s)
    #expect(stats?.serverToClient == s2c)
    #expect(stats?.firstTime == Timestamp(seconds: 1000, nanoseconds: 0))
    #expect(stats?.lastTime == Timestamp(seconds: 1004, nanoseconds: 0))
    #expect(assembler.consumer.events.last == .closed(0, .fin, frame: 11))
}

@Test func conflictingOverlapIsCounted() {
    let script = handshake() + [seg(.client, 1001, "hello", ack: 5001), seg(.client, 1001, "HELLO", ack: 5001)]
    let stats = run(script).consumer.stats[0]
    #expect(stats?.clientToServer.overlaps == 1)
    #expect(stats?.clientToServer.conflictingOverlaps == 1)
    #expect(stats?.clientToServer.payloadBytes == 5)
}

/// Counts without keeping bytes, for the long-stream test.
struct CountingConsumer: StreamConsumer {
    var delivered: UInt64 = 0
    var gaps = 0
    var overlaps = 0
    var lastOffset: UInt64 = 0
    var nextOffset: UInt64 = 0
    var outOfSequence = 0
    var firstByteMismatch = 0
    mutating func connectionOpened(_ info: ConnectionInfo, frame: FrameNumber, time: Timestamp) {}
    mutating func streamData(_ id: ConnectionID, _ direction: Direction, offset: UInt64, bytes: Span<UInt8>,
                             frame: FrameNumber, time: Timestamp) {
        if offset != nextOffset { outOfSequence += 1 }
        // Each segment's first byte is its frame number's low byte: a cheap traceability check.
        if bytes[0] != UInt8(truncatingIfNeeded: frame) { firstByteMismatch += 1 }
        delivered += UInt64(bytes.count)
        lastOffset = offset
        nextOffset = offset + UInt64(bytes.count)
    }
    mutating func streamGap(_ id: ConnectionID, _ direction: Direction, range: StreamRange, cause: GapCause,
                            frame: FrameNumber, time: Timestamp) { gaps += 1 }
    mutating func streamOverlap(_ id: ConnectionID, _ direction: Direction, range: StreamRange,
                                firstFrame: FrameNumber, secondFrame: FrameNumber, conflicting: Bool) { overlaps += 1 }
    mutating func connectionClosed(_ info: ConnectionInfo, stats: ConnectionStats, reason: CloseReason,
                                   frame: FrameNumber, time: Timestamp) {}
}

/// More than 2^32 bytes through one direction: offsets keep growing past the sequence space, with a
/// reorder right where the sequence number wraps the second time.
@Test func offsetsKeepGrowingPastFourGigabytes() {
    let size = 65536
    let count = 65540
    var payload = [UInt8](repeating: 0x5A, count: size)
    var assembler = Assembler(consumer: CountingConsumer(), serverPorts: [1883])
    let isn: UInt32 = 0xFFFF_0000
    let time = Timestamp(seconds: 1, nanoseconds: 0)
    assembler.process(seg(.client, isn, flags: [.syn]).segment, payload: [UInt8]().span, frame: 1, time: time,
                      frameLength: 60)
    var order = Array(0..<count)
    order.swapAt(65536, 65537)   // segments 65536 and 65537 begin at offsets 2^32 and 2^32 + 2^16
    for (i, k) in order.enumerated() {
        let frame = FrameNumber(i + 2)
        payload[0] = UInt8(truncatingIfNeeded: frame)
        let sequence = isn &+ 1 &+ UInt32(truncatingIfNeeded: k &* size)
        let segment = TCPSegment(source: clientEndpoint, destination: serverEndpoint, sequence: sequence,
                                 acknowledgement: 0, flags: [], window: 0)
        assembler.process(segment, payload: payload.span, frame: frame, time: time, frameLength: size + 54)
    }
    assembler.finish(frame: FrameNumber(count + 2), time: time)
    let c = assembler.consumer
    #expect(c.delivered == UInt64(size) * UInt64(count))
    #expect(c.lastOffset == UInt64(size) * UInt64(count - 1))
    #expect(c.lastOffset > UInt64(UInt32.max))
    #expect(c.gaps == 0)
    #expect(c.overlaps == 0)
    #expect(c.outOfSequence == 0)
    #expect(c.firstByteMismatch == 0)
}

/// A flood of tiny out-of-order segments hits the held-segment bound, not a quadratic slowdown, and
/// still delivers every byte correctly.
@Test func floodOfTinyOutOfOrderSegmentsIsBounded() {
    var script = handshake()
    let count = 5000
    for i in 0..<count {   // every other byte, so no two held segments touch
        script.append(segBytes(.client, 1001 &+ UInt32(1 + 2 * i), [UInt8(truncatingIfNeeded: i)], ack: 5001))
    }
    let assembler = run(script, logEvents: false)
    let r = assembler.consumer
    let key = StreamKey(id: 0, direction: .clientToServer)
    #expect(r.violations.isEmpty)
    #expect(assembler.limitHits == 1)   // the 4097th flushes the 4096 before it
    #expect(r.bytes[key] == (0..<count).map { UInt8(truncatingIfNeeded: $0) })
    #expect(r.stats[0]?.clientToServer.gaps == count)
}
