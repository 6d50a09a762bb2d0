// libFuzzer target for PacketLayers. Build and run with `scripts/fuzz.sh FuzzPacketLayers SECONDS`.
//
// Input format (so one input can exercise fragment reassembly across frames):
//   byte 0            link type: index into `LinkType.allCases` (modulo its count)
//   then records      2-byte big-endian frame length, 1 byte of extra wire length (snap-length cut),
//                     the frame bytes (a short last record takes what remains)
//
// Besides "no trap", it checks that every payload handed out lies within its frame (or comes
// from a just-completed reassembly) and that the counters account for every frame.
//
// Built without `-D FUZZING` (plain `swift build`), the target is a replayer instead:
// `FuzzPacketLayers FILE...` runs each file through the same checks and prints each frame's outcome.

import PacketLayers
import ReplayInputs

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    decodeInput(UnsafeBufferPointer(start: data, count: size)) { _, _, _ in }
    return 0
}

/// Decodes every frame of one input, checking the invariants; `report` sees each frame's outcome.
func decodeInput(_ input: UnsafeBufferPointer<UInt8>, report: (LinkType, Int, PacketOutcome) -> Void) {
    guard let selector = input.first else { return }
    let linkType = LinkType.allCases[Int(selector) % LinkType.allCases.count]
    var decoder = PacketDecoder(linkType: linkType, maxFragmentedDatagrams: 3)
    var held = 0
    var at = 1
    while at < input.count {
        guard input.count - at >= 3 else { break }
        let declared = Int(input[at]) << 8 | Int(input[at + 1])
        let extraWire = Int(input[at + 2])
        at += 3
        let count = min(declared, input.count - at)
        let frame = UnsafeBufferPointer(rebasing: input[at..<(at + count)])
        at += count

        let frameStart = UInt(bitPattern: frame.baseAddress)
        let frameEnd = frameStart + UInt(frame.count)
        let reassembledBefore = decoder.stats.datagramsReassembled
        var calls = 0
        var payloadStart: UInt = 0
        var payloadEnd: UInt = 0
        let outcome = decoder.decode(frame: frame.span, wireLength: frame.count + extraWire) { segment, payload in
            calls += 1
            precondition(segment.missingPayload >= 0, "negative missing payload")
            precondition(payload.count <= PacketDecoder.maxDatagramBytes, "payload larger than a datagram")
            payload.withUnsafeBufferPointer { p in
                payloadStart = UInt(bitPattern: p.baseAddress)
                payloadEnd = payloadStart + UInt(p.count)
            }
        }
        precondition((calls == 1) == (outcome == .tcp) && calls <= 1, "body calls do not match the outcome")
        if outcome == .tcp, decoder.stats.datagramsReassembled == reassembledBefore, payloadEnd > payloadStart {
            precondition(payloadStart >= frameStart && payloadEnd <= frameEnd, "payload outside the frame")
        }
        if outcome == .fragmentHeld { held += 1 }
        report(linkType, frame.count, outcome)
    }
    let stats = decoder.stats
    precondition(stats.frames == stats.tcpSegments + stats.notTCP + stats.malformed + held, "counters do not add up")
    decoder.finish()
}

#if !FUZZING
/// Replays inputs (crash reproducers, corpus files) without libFuzzer.
@main
struct ReplayFuzzInputs {
    static func main() {
        let ok = replayInputFiles { path, bytes in
            print("\(path) (\(bytes.count) bytes)")
            decodeInput(bytes) { linkType, count, outcome in print("  \(linkType) \(count) bytes: \(outcome)") }
        }
        if !ok { exit(2) }
    }
}
#endif
