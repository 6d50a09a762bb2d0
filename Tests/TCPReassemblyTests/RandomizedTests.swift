import Testing
import PacketLayers
import TCPReassembly
import WireCore
import TestSupport

/// A random byte stream cut into random segments, with random duplicates and overlapping
/// retransmissions, shuffled: the assembler must reproduce the stream exactly, and every delivered
/// byte must come from a frame that carried it.
@Test(arguments: [false, true])
func shuffledSegmentsReproduceTheStream(nearWrap: Bool) {
    for iteration in 0..<300 {
        var rng = SeededRNG(seed: UInt64(iteration) &* 7919 &+ (nearWrap ? 1 : 0))
        let length = Int.random(in: 1...4000, using: &rng)
        let stream = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let isn: UInt32 = nearWrap ? 0xFFFF_FFFF &- UInt32.random(in: 0..<4000, using: &rng)
                                   : UInt32.random(in: 0...UInt32.max, using: &rng)
        var pieces: [Range<Int>] = []
        var at = 0
        while at < length {
            let n = min(length - at, Int.random(in: 1...300, using: &rng))
            pieces.append(at..<at + n)
            at += n
        }
        // Retransmissions: exact duplicates and arbitrary overlapping ranges.
        for _ in 0..<Int.random(in: 0...(pieces.count / 3 + 1), using: &rng) {
            if Bool.random(using: &rng), let p = pieces.randomElement(using: &rng) {
                pieces.append(p)
            } else {
                let a = Int.random(in: 0..<length, using: &rng)
                pieces.append(a..<min(length, a + Int.random(in: 1...500, using: &rng)))
            }
        }
        pieces.shuffle(using: &rng)
        var script = handshake(clientISN: isn)
        for p in pieces {
            script.append(segBytes(.client, isn &+ 1 &+ UInt32(p.lowerBound), Array(stream[p]), ack: 5001))
        }
        let assembler = run(script, logEvents: false)
        let r = assembler.consumer
        let key = StreamKey(id: 0, direction: .clientToServer)
        #expect(r.violations.isEmpty, "iteration \(iteration): \(r.violations.prefix(3))")
        #expect(r.bytes[key] ?? [] == stream, "iteration \(iteration)")
        #expect(r.gapBytes[key] == nil, "iteration \(iteration)")
        #expect(r.stats[0]?.clientToServer.payloadBytes == UInt64(length))
        #expect(r.stats[0]?.clientToServer.conflictingOverlaps == 0)
        // Traceability: frame f is script[f - 1]; it must cover the byte's offset.
        let frames = r.byteFrames[key] ?? []
        let offsets = r.byteOffsets[key] ?? []
        var wrong = 0
        for (i, f) in frames.enumerated() {
            let s = script[Int(f) - 1]
            let start = Int(s.seq &- (isn &+ 1))
            if !(start..<start + s.payload.count).contains(Int(offsets[i])) { wrong += 1 }
        }
        #expect(wrong == 0, "iteration \(iteration): \(wrong) bytes attributed to the wrong frame")
        if !r.violations.isEmpty || wrong > 0 { break }
    }
}

/// With tiny limits and random loss, delivery may contain gaps, but every delivered byte is still the
/// stream's byte at that offset, data and gaps tile the stream, and the limits hold at every step.
@Test func tinyLimitsStillDeliverCorrectBytes() {
    var limits = ReassemblyLimits()
    limits.perConnection = 256
    limits.total = 256
    limits.overlapHistory = 256   // a few records: the ring wraps constantly
    limits.holeTimeoutSeconds = 3
    for iteration in 0..<200 {
        var rng = SeededRNG(seed: UInt64(iteration) &+ 1_000_003)
        let length = Int.random(in: 1...3000, using: &rng)
        let stream = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var pieces: [Range<Int>] = []
        var at = 0
        while at < length {
            let n = min(length - at, Int.random(in: 1...120, using: &rng))
            if Int.random(in: 0..<10, using: &rng) != 0 { pieces.append(at..<at + n) }   // ~10 % lost
            at += n
        }
        pieces.shuffle(using: &rng)
        var assembler = Assembler(consumer: Recorder(logEvents: false), limits: limits, serverPorts: [1883])
        var frame: FrameNumber = 0
        var seconds: Int64 = 100
        for s in handshake() {
            frame += 1
            assembler.process(s.segment, payload: s.payload.span, frame: frame, time: s.time, frameLength: 60)
        }
        var frameStart: [FrameNumber: Int] = [:]
        for p in pieces {
            frame += 1
            seconds += Int64.random(in: 0...1, using: &rng)
            let s = segBytes(.client, 1001 &+ UInt32(p.lowerBound), Array(stream[p]), ack: 5001, seconds: seconds)
            frameStart[frame] = p.lowerBound
            assembler.process(s.segment, payload: s.payload.span, frame: frame, time: s.time, frameLength: 60)
            #expect(assembler.bufferedBytes <= limits.total)
        }
        assembler.finish(frame: frame + 1, time: Timestamp(seconds: seconds, nanoseconds: 0))
        let r = assembler.consumer
        let key = StreamKey(id: 0, direction: .clientToServer)
        #expect(r.violations.isEmpty, "iteration \(iteration): \(r.violations.prefix(3))")
        let delivered = r.bytes[key] ?? []
        let offsets = r.byteOffsets[key] ?? []
        var wrong = 0
        for (i, b) in delivered.enumerated() where Int(offsets[i]) >= length || stream[Int(offsets[i])] != b {
            wrong += 1
        }
        #expect(wrong == 0, "iteration \(iteration)")
        // Data and gaps tile the stream up to its end (the lost tail, if any, is never known).
        #expect(UInt64(delivered.count) + (r.gapBytes[key] ?? 0) == r.next[key] ?? 0)
        #expect(assembler.bufferedBytes == 0)
        if !r.violations.isEmpty || wrong > 0 { break }
    }
}

/// Random garbage segments over a few 4-tuples never trap, keep the delivery contract, and respect
/// the limits; everything opened is closed exactly once.
@Test func randomGarbageNeverTraps() {
    var limits = ReassemblyLimits()
    limits.perConnection = 200
    limits.total = 500
    limits.overlapHistory = 512
    limits.holeTimeoutSeconds = 2
    let addresses = [IPAddress(v4: 1), IPAddress(v4: 2), IPAddress(v6High: 1, v6Low: 2)]
    let ports: [UInt16] = [1883, 61613, 40000]
    for iteration in 0..<300 {
        var rng = SeededRNG(seed: UInt64(iteration) &+ 77)
        var assembler = Assembler(consumer: Recorder(logEvents: false), limits: limits, serverPorts: [1883])
        var seconds: Int64 = Int64.random(in: 0...10, using: &rng)
        let bases = (0..<4).map { _ in UInt32.random(in: 0...UInt32.max, using: &rng) }
        for i in 0..<200 {
            let source = Endpoint(address: addresses.randomElement(using: &rng)!, port: ports.randomElement(using: &rng)!)
            let destination = Endpoint(address: addresses.randomElement(using: &rng)!, port: ports.randomElement(using: &rng)!)
            let base = bases.randomElement(using: &rng)!
            let near: (inout SeededRNG) -> UInt32 = { r in
                Int.random(in: 0..<8, using: &r) == 0 ? UInt32.random(in: 0...UInt32.max, using: &r)
                                                      : base &+ UInt32.random(in: 0..<600, using: &r) &- 100
            }
            let segment = TCPSegment(
                source: source, destination: destination, sequence: near(&rng), acknowledgement: near(&rng),
                flags: TCPFlags(rawValue: UInt16.random(in: 0...0x3F, using: &rng)), window: 0,
                missingPayload: Int.random(in: 0..<6, using: &rng) == 0 ? Int.random(in: -5...3000, using: &rng) : 0)
            let payload = (0..<Int.random(in: 0...150, using: &rng)).map { _ in UInt8.random(in: 0...3, using: &rng) }
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: seconds += Int64.random(in: 1...5, using: &rng)
            case 1: seconds -= 1
            default: break
            }
            assembler.process(segment, payload: payload.span, frame: FrameNumber(i + 1),
                              time: Timestamp(seconds: seconds, nanoseconds: UInt32.random(in: 0..<1_000_000_000, using: &rng)),
                              frameLength: Int.random(in: -10...2000, using: &rng))
            #expect(assembler.bufferedBytes <= limits.total)
        }
        assembler.finish(frame: 201, time: Timestamp(seconds: seconds, nanoseconds: 0))
        let r = assembler.consumer
        #expect(r.violations.isEmpty, "iteration \(iteration): \(r.violations.prefix(3))")
        #expect(assembler.openConnections == 0)
        #expect(assembler.bufferedBytes == 0)
        #expect(r.closedIDs.count == r.infos.count)
        if !r.violations.isEmpty { break }
    }
}
