// libFuzzer target for TCPReassembly. Build and run with `scripts/fuzz.sh FuzzReassembly SECONDS`, or:
//   swift build -c debug --product FuzzReassembly -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz
//   .build-fuzz/debug/FuzzReassembly -max_total_time=60 [CORPUS_DIR]
//
// Input: a sequence of segment descriptors, 6 header bytes each, then the payload bytes:
//   byte 0   flags: bit 0 SYN, 1 ACK, 2 FIN, 3 RST; bit 4 sender is the "server"; bits 5–6 pick one of
//            four 4-tuples; bit 7 a snap-length cut (missing payload = byte 5)
//   byte 1   sequence: the sender's base plus byte1 × 8 − 256 (so retransmissions, overlaps, holes and
//            data before offset 0 all occur); the bases sit close below 2^32 to exercise wrap-around
//   byte 2   acknowledgement: the peer's base plus byte2 × 8 − 256
//   byte 3   payload length (0–63; bits 6–7 ignored)
//   byte 4   capture-time step in seconds (0–3) and a time jump back (bit 2)
//   byte 5   missing payload when bit 7 of byte 0 is set
// Limits are tiny so that buffer-limit gaps, hole timeouts and the overlap history's edge are reached.
//
// Besides "no trap", the consumer checks the delivery contract: per direction, data and gaps follow
// each other from offset 0 with no hole and no repeat, nothing arrives after a close, every connection
// closes once; and the held bytes never exceed the limits.
//
// Built without `-D FUZZING` (plain `swift build`), the target is a replayer instead:
// `FuzzReassembly FILE...` runs each file through the same function.

import PacketLayers
import ReplayInputs
import TCPReassembly
import WireCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks the consumer contract; traps (a fuzzer finding) when the assembler breaks it.
struct ContractChecker: StreamConsumer {
    struct Key: Hashable {
        var id: ConnectionID
        var direction: Direction
    }
    var next: [Key: UInt64] = [:]
    var open: Set<ConnectionID> = []
    var everOpened: Set<ConnectionID> = []

    /// Each connection is announced once (not necessarily in ID order: announcement waits until the
    /// connection has something to report).
    mutating func connectionOpened(_ info: ConnectionInfo, frame: FrameNumber, time: Timestamp) {
        guard open.insert(info.id).inserted, everOpened.insert(info.id).inserted else { fatalError("bad open \(info.id)") }
    }

    mutating func streamData(_ id: ConnectionID, _ direction: Direction, offset: UInt64, bytes: Span<UInt8>,
                             frame: FrameNumber, time: Timestamp) {
        advance(Key(id: id, direction: direction), from: offset, by: UInt64(bytes.count))
    }

    mutating func streamGap(_ id: ConnectionID, _ direction: Direction, range: StreamRange, cause: GapCause,
                            frame: FrameNumber, time: Timestamp) {
        guard range.lower < range.upper else { fatalError("empty gap \(range)") }
        advance(Key(id: id, direction: direction), from: range.lower, by: range.count)
    }

    mutating func streamOverlap(_ id: ConnectionID, _ direction: Direction, range: StreamRange,
                                firstFrame: FrameNumber, secondFrame: FrameNumber, conflicting: Bool) {
        guard open.contains(id), range.lower < range.upper else { fatalError("bad overlap \(range)") }
        guard range.upper <= next[Key(id: id, direction: direction), default: 0] || firstFrame != 0 else {
            fatalError("overlap of unseen bytes \(range)")
        }
    }

    mutating func connectionClosed(_ info: ConnectionInfo, stats: ConnectionStats, reason: CloseReason,
                                   frame: FrameNumber, time: Timestamp) {
        guard open.remove(info.id) != nil else { fatalError("closed twice \(info.id)") }
        for direction in Direction.allCases {
            let key = Key(id: info.id, direction: direction)
            let delivered = stats[direction].payloadBytes &+ stats[direction].gapBytes
            guard delivered == next[key, default: 0] else { fatalError("stats disagree with events") }
            next.removeValue(forKey: key)
        }
    }

    private mutating func advance(_ key: Key, from offset: UInt64, by count: UInt64) {
        guard open.contains(key.id), count > 0, offset == next[key, default: 0] else {
            fatalError("out of sequence: \(key) at \(offset), expected \(next[key, default: 0])")
        }
        next[key] = offset &+ count
    }
}

private let addresses = [IPAddress(v4: 0x0A00_0001), IPAddress(v4: 0x0A00_0002)]
private let tuples: [(client: Endpoint, server: Endpoint)] = [
    (Endpoint(address: addresses[0], port: 50000), Endpoint(address: addresses[1], port: 1883)),
    (Endpoint(address: addresses[0], port: 50001), Endpoint(address: addresses[1], port: 1883)),
    (Endpoint(address: addresses[1], port: 40000), Endpoint(address: addresses[0], port: 61613)),
    (Endpoint(address: IPAddress(v6High: 1, v6Low: 2), port: 3000), Endpoint(address: IPAddress(v6High: 1, v6Low: 3), port: 2000)),
]
private let bases: [UInt32] = [0xFFFF_FF80, 0x7FFF_FFC0]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    var limits = ReassemblyLimits()
    limits.perConnection = 256
    limits.total = 384
    limits.overlapHistory = 256   // a ring this small wraps every few segments
    limits.holeTimeoutSeconds = 4
    var assembler = Assembler(consumer: ContractChecker(), limits: limits, serverPorts: [1883])
    var seconds: Int64 = 1000
    var frame: FrameNumber = 0
    var at = 0
    while input.count - at >= 6 {
        let b0 = input[at], b1 = input[at + 1], b2 = input[at + 2], b3 = input[at + 3], b4 = input[at + 4]
        let b5 = input[at + 5]
        at += 6
        let length = min(Int(b3 & 0x3F), input.count - at)
        let payload = UnsafeBufferPointer(rebasing: input[at..<(at + length)])
        at += length

        var flags = TCPFlags()
        if b0 & 0x01 != 0 { flags.insert(.syn) }
        if b0 & 0x02 != 0 { flags.insert(.ack) }
        if b0 & 0x04 != 0 { flags.insert(.fin) }
        if b0 & 0x08 != 0 { flags.insert(.rst) }
        let fromServer = b0 & 0x10 != 0
        let tuple = tuples[Int(b0 >> 5) & 3]
        let (source, destination) = fromServer ? (tuple.server, tuple.client) : (tuple.client, tuple.server)
        let senderBase = bases[fromServer ? 1 : 0]
        let peerBase = bases[fromServer ? 0 : 1]
        let segment = TCPSegment(
            source: source, destination: destination,
            sequence: senderBase &+ UInt32(b1) &* 8 &- 256, acknowledgement: peerBase &+ UInt32(b2) &* 8 &- 256,
            flags: flags, window: 0, missingPayload: b0 & 0x80 != 0 ? Int(b5) : 0)
        seconds += Int64(b4 & 3)
        if b4 & 4 != 0 { seconds -= 1 }
        frame &+= 1
        assembler.process(segment, payload: payload.span, frame: frame, time: Timestamp(seconds: seconds, nanoseconds: 0),
                          frameLength: 54 + length)
        guard assembler.bufferedBytes <= limits.total else { fatalError("total limit exceeded") }
    }
    assembler.finish(frame: frame &+ 1, time: Timestamp(seconds: seconds, nanoseconds: 0))
    guard assembler.openConnections == 0, assembler.bufferedBytes == 0, assembler.consumer.open.isEmpty else {
        fatalError("state left after finish")
    }
    return 0
}

#if !FUZZING
/// Replays inputs (crash reproducers, corpus files) without libFuzzer.
@main
struct FuzzReassemblyMain {
    static func main() {
        replayThroughFuzzEntry(fuzz)
    }
}
#endif
