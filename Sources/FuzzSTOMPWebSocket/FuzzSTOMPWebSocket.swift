// libFuzzer target for the STOMP and WebSocket decoders and the STOMP and MQTT-over-WebSocket
// checkers. Build and run with `scripts/fuzz.sh FuzzSTOMPWebSocket SECONDS`.
//
// Input: byte 0 picks the mode (bit 0: STOMP stream / WebSocket connection), the STOMP version
// (bits 1-2) and the split pattern (bits 3-7); the rest is cut into pieces that alternate between
// the client's and the server's direction (every 5th piece is lost in a gap). STOMP frames are
// decoded and fed to a `STOMPConnectionChecker`; WebSocket events to an `MQTTWebSocketChecker`.
// Traps (a fuzzer finding): a field or diagnostic range outside the bytes it describes, a STOMP
// frame whose stream range does not match its bytes, or a framer range that goes backwards.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Conformance
import ReplayInputs
import STOMPCodec
import WebSocketCodec
import WireCore

nonisolated(unsafe) var fuzzTree = FieldTree()
nonisolated(unsafe) var fuzzDiagnostics: [Diagnostic] = []
nonisolated(unsafe) var stompChecker = STOMPConnectionChecker(sawStart: true)
nonisolated(unsafe) var stompNegotiation = STOMPSessionNegotiation()
nonisolated(unsafe) var webSocketChecker = MQTTWebSocketChecker()
nonisolated(unsafe) var lastEnd: [UInt64] = [0, 0]
nonisolated(unsafe) var indices: [Int] = [0, 0]

@inline(never)
func checkRanges(_ tree: borrowing FieldTree, _ diagnostics: [Diagnostic], count: Int, _ what: String) {
    for node in tree.nodes where node.range.lower < 0 || node.range.lower > node.range.upper || node.range.upper > count {
        fatalError("\(what): node \(node.field.raw) at \(node.range) outside \(count) bytes")
    }
    for d in diagnostics {
        if let r = d.range, r.lower < 0 || r.lower > r.upper || r.upper > count {
            fatalError("\(what): diagnostic \(d.rule) at \(r) outside \(count) bytes")
        }
    }
}

@inline(never)
func stompEvent(_ e: STOMPFramerEvent, _ bytes: Span<UInt8>, _ d: Direction, _ version: STOMPVersion, time: Timestamp) {
    let k = Int(d.rawValue)
    switch e {
    case .frame(let f):
        if f.stream.count != UInt64(bytes.count) { fatalError("frame \(f.stream) holds \(bytes.count) bytes") }
        if f.stream.lower < lastEnd[k] { fatalError("frame \(f.stream) before \(lastEnd[k])") }
        lastEnd[k] = f.stream.upper
        fuzzTree.reset()
        fuzzDiagnostics.removeAll(keepingCapacity: true)
        let s = STOMPDecoder.decode(bytes, version: version, direction: d, into: &fuzzTree, diagnostics: &fuzzDiagnostics)
        checkRanges(fuzzTree, fuzzDiagnostics, count: bytes.count, "STOMP")
        _ = stompNegotiation.learn(s, bytes, direction: d)
        var p = STOMPFramePosition(direction: d, version: version, index: indices[k], time: time, streamRange: f.stream,
                                   firstFrame: f.firstFrame, lastFrame: f.lastFrame, isComplete: f.isComplete)
        p.offeredVersions = stompNegotiation.clientAccepts
        indices[k] += 1
        stompChecker.negotiated(clientToServer: stompNegotiation.heartBeatClientToServer,
                                serverToClient: stompNegotiation.heartBeatServerToClient)
        stompChecker.frame(s, frame: bytes, at: p)
    case .heartBeat(let h):
        stompChecker.heartBeat(d, time: time, range: h.stream, frame: h.frame, version: version)
    default:
        break
    }
}

@inline(never)
func webSocketEvent(_ e: WebSocketEvent, _ bytes: Span<UInt8>, _ d: Direction, time: Timestamp) {
    let k = Int(d.rawValue)
    switch e {
    case .handshake(let h, let tree, let diagnostics, let stream, let frame):
        checkRanges(tree, diagnostics, count: bytes.count, "handshake")
        webSocketChecker.handshake(h, at: WebSocketPosition(direction: d, index: indices[k], time: time,
                                                            streamRange: stream, firstFrame: frame, lastFrame: frame))
        indices[k] += 1
    case .frame(let f, let tree, let diagnostics):
        checkRanges(tree, diagnostics, count: bytes.count, "frame")
        webSocketChecker.frame(f, at: WebSocketPosition(direction: d, index: indices[k], time: time,
                                                        streamRange: f.stream, firstFrame: f.firstFrame,
                                                        lastFrame: f.lastFrame))
        indices[k] += 1
    case .applicationData:
        webSocketChecker.carries(mqtt: true, version: nil)
    default:
        break
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let control = data[0]
    let webSocket = control & 0x01 != 0
    let version = STOMPVersion.allCases[Int((control >> 1) & 0x03) % 3]
    let step = Int(control >> 3) + 1  // 1…32 bytes per piece
    let bytes = UnsafeBufferPointer(start: data + 1, count: size - 1)
    stompChecker = STOMPConnectionChecker(sawStart: true)
    stompNegotiation = STOMPSessionNegotiation()
    webSocketChecker = MQTTWebSocketChecker()
    lastEnd = [0, 0]
    indices = [0, 0]
    var framers = [STOMPFramer(direction: .clientToServer, maxFrameSize: 256),
                   STOMPFramer(direction: .serverToClient, maxFrameSize: 256)]
    framers[0].version = version
    framers[1].version = version
    var connection = WebSocketConnection(maxFrameSize: 256)
    var offsets: [UInt64] = [0, 0]
    var offset = 0
    var piece = 0
    while offset < bytes.count {
        let n = Swift.min(step + Int(bytes[offset] & 0x07), bytes.count - offset)
        let d: Direction = piece % 2 == 0 ? .clientToServer : .serverToClient
        let k = Int(d.rawValue)
        let time = Timestamp(seconds: Int64(piece), nanoseconds: 0)
        let frame = FrameNumber(piece + 1)
        let range = StreamRange(offsets[k], offsets[k] + UInt64(n))
        let chunk = bytes.span.extracting(offset..<offset + n)
        if piece % 5 == 4 {
            if webSocket {
                connection.gap(range, direction: d, frame: frame) { webSocketEvent($0, $1, d, time: time) }
            } else {
                framers[k].gap(range, frame: frame) { stompEvent($0, $1, d, version, time: time) }
                stompChecker.gap(d, range: range, frame: frame, time: time)
            }
        } else if webSocket {
            connection.append(chunk, direction: d, at: range.lower, frame: frame) { webSocketEvent($0, $1, d, time: time) }
        } else {
            framers[k].append(chunk, at: range.lower, frame: frame) { stompEvent($0, $1, d, version, time: time) }
        }
        offsets[k] = range.upper
        offset += n
        piece += 1
    }
    for k in 0..<2 {
        let d: Direction = k == 0 ? .clientToServer : .serverToClient
        framers[k].finish { stompEvent($0, $1, d, version, time: Timestamp(seconds: Int64(piece), nanoseconds: 0)) }
    }
    stompChecker.finish(closed: true, at: Timestamp(seconds: Int64(piece), nanoseconds: 0))
    webSocketChecker.finish()
    return 0
}

#if !FUZZING
/// Replays inputs (crash reproducers, corpus files) without libFuzzer: `FuzzSTOMPWebSocket FILE...`.
@main
struct ReplayFuzzSTOMPWebSocketInputs {
    static func main() {
        replayThroughFuzzEntry(fuzz)
    }
}
#endif
