// libFuzzer target for MQTTFramer + MQTTDecoder.
//
// Input: byte 0 picks the version (bits 0-1) and the split pattern (bits 2-7); the rest is one
// direction of a stream, fed to the framer in pieces, with an occasional gap and a small
// maximum packet size so the oversize path runs too. Every packet handed out is decoded.
// The traps: a node or diagnostic range outside its PDU, a framer range that is not increasing,
// and a headers-only framer (what `read --count` uses), fed the same pieces and gaps, that finds
// other packets or findings than the full one. Build and run:
//   swift build -c debug --product FuzzMQTT -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz
//   .build-fuzz/debug/FuzzMQTT -max_total_time=60 -rss_limit_mb=2048
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MQTTCodec
import ReplayInputs
import WireCore

// Separate globals: two inout accesses to parts of one global would overlap (exclusivity).
nonisolated(unsafe) var fuzzTree = FieldTree()
nonisolated(unsafe) var fuzzDiagnostics: [Diagnostic] = []
nonisolated(unsafe) var fuzzLastEnd: UInt64 = 0

@inline(never)
func check(_ pdu: Span<UInt8>, _ info: MQTTPDUInfo, _ version: MQTTVersion) {
    if info.streamRange.lower < fuzzLastEnd || info.streamRange.upper < info.streamRange.lower {
        fatalError("framer range \(info.streamRange) before \(fuzzLastEnd)")
    }
    if UInt64(pdu.count) != info.streamRange.count { fatalError("PDU size \(pdu.count) != \(info.streamRange)") }
    fuzzLastEnd = info.streamRange.upper
    fuzzTree.reset()
    fuzzDiagnostics.removeAll(keepingCapacity: true)
    _ = MQTTDecoder.decode(pdu, version: version, into: &fuzzTree, diagnostics: &fuzzDiagnostics)
    for node in fuzzTree.nodes {
        let r = node.range
        if r.lower < 0 || r.lower > r.upper || r.upper > pdu.count {
            fatalError("node \(node.field.raw) at \(r) outside PDU of \(pdu.count) bytes")
        }
    }
    for d in fuzzDiagnostics {
        if let r = d.range, r.lower < 0 || r.lower > r.upper || r.upper > pdu.count {
            fatalError("diagnostic \(d.rule) at \(r) outside PDU of \(pdu.count) bytes")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let control = data[0]
    let version = MQTTVersion.allCases[Int(control & 0x03) % 3]
    let step = Int(control >> 2) + 1  // 1…64 bytes per append
    let bytes = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let maxPDUSize = control & 0x80 != 0 ? 64 : 1 << 20
    var framer = MQTTFramer(maxPDUSize: maxPDUSize, synchronized: control & 0x40 == 0)
    // Headers-only framing (read --count) must find the same packets and findings.
    var headers = MQTTFramer(maxPDUSize: maxPDUSize, synchronized: control & 0x40 == 0, headersOnly: true)
    var full: [(StreamRange, UInt8)] = []
    var counted: [(StreamRange, UInt8)] = []
    fuzzLastEnd = 0
    let sink: (Span<UInt8>, MQTTPDUInfo) -> Void = {
        check($0, $1, version)
        full.append(($1.streamRange, $0.count > 0 ? $0[0] : 0))
    }
    let countingSink: (Span<UInt8>, MQTTPDUInfo) -> Void = {
        counted.append(($1.streamRange, $0.count > 0 ? $0[0] : 0))
    }
    var offset = 0
    var frame: FrameNumber = 1
    while offset < bytes.count {
        let n = Swift.min(step + Int(bytes[offset] & 0x03), bytes.count - offset)
        // Every 7th piece is lost in a gap.
        if frame % 7 == 0 {
            framer.gap(StreamRange(UInt64(offset), UInt64(offset + n)), frame: frame)
            headers.gap(StreamRange(UInt64(offset), UInt64(offset + n)), frame: frame)
            fuzzLastEnd = Swift.max(fuzzLastEnd, UInt64(offset + n))
        } else {
            framer.append(bytes.span.extracting(offset..<offset + n), at: UInt64(offset), frame: frame, onPDU: sink)
            headers.append(bytes.span.extracting(offset..<offset + n), at: UInt64(offset), frame: frame,
                           onPDU: countingSink)
        }
        offset += n
        frame += 1
    }
    framer.finish(onPDU: sink)
    headers.finish(onPDU: countingSink)
    if full.count != counted.count || zip(full, counted).contains(where: { $0.0 != $1.0 || $0.1 != $1.1 })
        || framer.findings != headers.findings {
        fatalError("headers-only framing differs: \(full.count) vs \(counted.count) packets")
    }
    return 0
}

#if !FUZZING
/// Replays inputs (crash reproducers, corpus files) without libFuzzer: `FuzzMQTT FILE...`.
/// With `-D FUZZING` (scripts/fuzz.sh) libFuzzer brings `main` and calls `fuzz` above.
@main
struct ReplayFuzzMQTTInputs {
    static func main() {
        replayThroughFuzzEntry(fuzz)
    }
}
#endif
