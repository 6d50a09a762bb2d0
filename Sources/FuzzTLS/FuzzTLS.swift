// libFuzzer target for TLS record framing, handshake decoding and the record layer.
//
// Input: byte 0 picks the split size (bits 0-5) and whether a key log with a secret for every
// client random is used (bit 6, so decryption and trial resync run on garbage too); the rest is
// two interleaved directions (a byte with the high bit set switches direction, its low bits are
// a gap length when bit 6 is set). Each handshake message is also decoded on its own.
// The traps: a field node outside its message, a buffer beyond the record limit, an event whose
// offsets go backwards. Build and run:
//   swift build -c debug --product FuzzTLS -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz
//   .build-fuzz/debug/FuzzTLS -max_total_time=60 -rss_limit_mb=2048
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ReplayInputs
import TLSCodec
import WireCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let control = data[0]
    let step = Int(control & 0x3F) + 1
    let withKeys = control & 0x40 != 0
    var keyLog = TLSKeyLog()
    var connection = TLSConnection(haveKeyLog: withKeys)
    var offsets: [UInt64] = [0, 0]
    var lastPlain: [UInt64] = [0, 0]
    var direction = Direction.clientToServer
    var chunk: [UInt8] = []
    var frame: FrameNumber = 0
    func flush(_ connection: inout TLSConnection, _ keyLog: inout TLSKeyLog) {
        var i = 0
        while i < chunk.count {
            let n = min(step, chunk.count - i)
            let piece = Array(chunk[i..<(i + n)])
            frame &+= 1
            let h = direction == .clientToServer ? 0 : 1
            connection.feed(direction, offset: offsets[h], bytes: piece.span, frame: frame, keyLog: &keyLog)
            offsets[h] += UInt64(n)
            i += n
        }
        chunk.removeAll(keepingCapacity: true)
    }
    for k in 1..<size {
        let b = data[k]
        if b & 0x80 != 0 && b != 0x80 {
            flush(&connection, &keyLog)
            if withKeys && connection.facts.sawClientHello && keyLog.isEmpty {
                let hex = connection.facts.clientRandom.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
                keyLog.add(text: "CLIENT_RANDOM \(hex) \(String(repeating: "ab", count: 48))\n"
                           + "CLIENT_HANDSHAKE_TRAFFIC_SECRET \(hex) \(String(repeating: "cd", count: 32))\n"
                           + "SERVER_HANDSHAKE_TRAFFIC_SECRET \(hex) \(String(repeating: "ef", count: 32))\n")
            }
            if b & 0x40 != 0 {
                let h = direction == .clientToServer ? 0 : 1
                let lost = UInt64(b & 0x3F) + 1
                connection.gap(direction, lower: offsets[h], upper: offsets[h] + lost)
                offsets[h] += lost
            }
            direction = direction == .clientToServer ? .serverToClient : .clientToServer
        } else {
            chunk.append(b)
        }
        if chunk.count >= 4096 { flush(&connection, &keyLog) }
        check(&connection, &lastPlain)
    }
    flush(&connection, &keyLog)
    check(&connection, &lastPlain)
    return 0
}

@inline(never)
func check(_ connection: inout TLSConnection, _ lastPlain: inout [UInt64]) {
    for e in connection.events {
        switch e {
        case .handshake(_, let message, let tree, _, _, _):
            for node in tree.nodes where node.range.lower < 0 || node.range.lower > node.range.upper || node.range.upper > message.count {
                fatalError("node \(node.field.raw) at \(node.range) outside a message of \(message.count) bytes")
            }
            if message.count > TLSConnection.maxHandshakeMessage + 4 { fatalError("handshake message of \(message.count) bytes buffered") }
        case .applicationData(let d, let plain, let offset, let record):
            let h = d == .clientToServer ? 0 : 1
            if offset < lastPlain[h] { fatalError("plaintext offset \(offset) before \(lastPlain[h])") }
            lastPlain[h] = offset + UInt64(plain.count)
            if record.length > TLSConnection.maxFragment { fatalError("record of \(record.length) bytes") }
        case .plaintextGap(let d, let offset, let length):
            let h = d == .clientToServer ? 0 : 1
            if offset < lastPlain[h] { fatalError("gap offset \(offset) before \(lastPlain[h])") }
            lastPlain[h] = offset + length
        default:
            break
        }
    }
    connection.clearEvents()
}

#if !FUZZING
@main
struct ReplayFuzzTLSInputs {
    static func main() {
        replayThroughFuzzEntry(fuzz)
    }
}
#endif
