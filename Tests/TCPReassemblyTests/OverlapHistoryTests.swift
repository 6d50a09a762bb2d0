import PacketLayers
import Testing
import TCPReassembly
import WireCore

// The overlap history is one ring shared by all connections (`ReassemblyLimits.overlapHistory`):
// these pin what it can and cannot compare.

private func overlaps(_ events: [Event]) -> [Event] {
    events.filter { if case .overlap = $0 { true } else { false } }
}

/// A retransmission is compared with the first copy even when other bytes were delivered on the
/// same direction in between, and across a gap declared later.
@Test func retransmissionIsComparedAcrossLaterDeliveriesAndGaps() {
    let script = handshake() + [
        seg(.client, 1001, "abcde", ack: 5001),          // 4: offsets 0..<5
        seg(.client, 1006, "fghij", ack: 5001),          // 5: 5..<10
        seg(.server, 5001, "", ack: 1021),               // 6: ACK past a hole 10..<20 → gap
        seg(.client, 1021, "uvw", ack: 5001),            // 7: 20..<23
        seg(.client, 1004, "dXfgh", ack: 5001),          // 8: 3..<8 again, 'e' → 'X'
    ]
    let events = run(script).consumer.events
    #expect(events.contains(.gap(0, .clientToServer, 10, 20, .notCaptured, frame: 6)))
    #expect(overlaps(events) == [.overlap(0, .clientToServer, 3, 8, first: 4, second: 8, conflicting: true)])
}

/// The same bytes spanning two first copies: not conflicting, named by the lower one.
@Test func identicalRetransmissionOverTwoSegmentsNamesTheFirst() {
    let script = handshake() + [
        seg(.client, 1001, "abcde", ack: 5001),          // 4
        seg(.client, 1006, "fghij", ack: 5001),          // 5
        seg(.client, 1003, "cdefgh", ack: 5001),         // 6: 2..<8
    ]
    #expect(overlaps(run(script).consumer.events)
            == [.overlap(0, .clientToServer, 2, 8, first: 4, second: 6, conflicting: false)])
}

/// When other connections' traffic has pushed the first copy out of the ring, the retransmission
/// is still reported, but as not comparable (first frame 0), never as equal or different.
@Test func firstCopyPushedOutByOtherConnectionsIsNotCompared() {
    var limits = ReassemblyLimits()
    limits.overlapHistory = 4096
    var assembler = Assembler(consumer: Recorder(), limits: limits, serverPorts: [1883])
    var frame: FrameNumber = 0
    func feed(_ s: Seg, _ source: Endpoint? = nil) {
        frame += 1
        var segment = s.segment
        if let source { segment.source = source }
        assembler.process(segment, payload: s.payload.span, frame: frame, time: s.time, frameLength: s.frameLength)
    }
    for s in handshake() { feed(s) }
    feed(seg(.client, 1001, "abcde", ack: 5001))                     // frame 4, connection 0
    // 8 KiB from another client (connection 1, picked up mid-stream) overwrite the 4 KiB ring.
    let other = Endpoint(address: IPAddress(v4: 0x0A00_0009), port: 50001)
    for i in 0..<8 {
        feed(segBytes(.client, 7000 + UInt32(i) * 1024, [UInt8](repeating: 0x41, count: 1024)), other)
    }
    feed(seg(.client, 1001, "abXde", ack: 5001))                     // frame 13
    assembler.finish(frame: finishFrame, time: Timestamp(seconds: 1000, nanoseconds: 0))
    let found = overlaps(assembler.consumer.events).filter {
        if case .overlap(0, _, _, _, _, _, _) = $0 { true } else { false }
    }
    #expect(found == [.overlap(0, .clientToServer, 0, 5, first: 0, second: 13, conflicting: false)])
}

/// Bytes that wrap around the end of the ring are compared byte for byte.
@Test func comparisonAcrossTheRingsEnd() {
    var limits = ReassemblyLimits()
    limits.overlapHistory = 256
    // Records are a 24-byte header and the payload, 8-byte aligned: 60 bytes at ring position 0,
    // 100 at 88, then 100 at 216, whose payload (240..<340) runs over the ring's end at 256.
    let sizes = [60, 100, 100]
    var script = handshake()
    var payloads: [[UInt8]] = []
    var offset = 0
    for (n, size) in sizes.enumerated() {
        let p = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ n) }
        payloads.append(p)
        script.append(segBytes(.client, 1001 + UInt32(offset), p, ack: 5001))
        offset += size
    }
    var changed = payloads[2]
    changed[60] ^= 0xFF                                              // past the ring's end
    script.append(segBytes(.client, 1161, payloads[2], ack: 5001))    // 7: same bytes
    script.append(segBytes(.client, 1161, changed, ack: 5001))        // 8: one byte differs
    let found = overlaps(run(script, limits: limits).consumer.events)
    #expect(found == [.overlap(0, .clientToServer, 160, 260, first: 6, second: 7, conflicting: false),
                      .overlap(0, .clientToServer, 160, 260, first: 6, second: 8, conflicting: true)])
    // The third payload's wrapped tail overwrote the first record: the second is still compared,
    // the first no longer is.
    let again = run(script.prefix(6) + [segBytes(.client, 1061, payloads[1], ack: 5001),
                                        segBytes(.client, 1001, payloads[0], ack: 5001)], limits: limits)
    #expect(overlaps(again.consumer.events)
            == [.overlap(0, .clientToServer, 60, 160, first: 5, second: 7, conflicting: false),
                .overlap(0, .clientToServer, 0, 60, first: 0, second: 8, conflicting: false)])
}

/// Without history (limit 0) nothing is compared, and the overlaps are still reported.
@Test func noHistoryReportsOverlapsUncompared() {
    var limits = ReassemblyLimits()
    limits.overlapHistory = 0
    let script = handshake() + [seg(.client, 1001, "hello", ack: 5001), seg(.client, 1001, "HELLO", ack: 5001)]
    #expect(overlaps(run(script, limits: limits).consumer.events)
            == [.overlap(0, .clientToServer, 0, 5, first: 0, second: 5, conflicting: false)])
}
