import PacketLayers
import TCPReassembly
import WireCore

/// Which endpoint sends a test segment.
enum Side: Sendable { case client, server }

let clientEndpoint = Endpoint(address: IPAddress(v4: 0x0A00_0001), port: 50000)
let serverEndpoint = Endpoint(address: IPAddress(v4: 0x0A00_0002), port: 1883)

/// One segment of a scripted capture. Frame numbers are the 1-based position in the script.
struct Seg: Sendable {
    var source: Endpoint
    var destination: Endpoint
    var seq: UInt32
    var ack: UInt32
    var flags: TCPFlags
    var payload: [UInt8]
    var missing: Int
    var time: Timestamp
    var frameLength: Int

    var segment: TCPSegment {
        TCPSegment(source: source, destination: destination, sequence: seq, acknowledgement: ack, flags: flags,
                   window: 65535, missingPayload: missing)
    }
}

/// A segment from `side`; `seconds` is its capture time.
func seg(_ side: Side, _ seq: UInt32, _ text: String = "", ack: UInt32 = 0, flags: TCPFlags = [.ack],
         missing: Int = 0, seconds: Int64 = 1000, frameLength: Int? = nil) -> Seg {
    segBytes(side, seq, Array(text.utf8), ack: ack, flags: flags, missing: missing, seconds: seconds,
             frameLength: frameLength)
}

func segBytes(_ side: Side, _ seq: UInt32, _ payload: [UInt8], ack: UInt32 = 0, flags: TCPFlags = [.ack],
              missing: Int = 0, seconds: Int64 = 1000, frameLength: Int? = nil) -> Seg {
    let (source, destination) = side == .client ? (clientEndpoint, serverEndpoint) : (serverEndpoint, clientEndpoint)
    return Seg(source: source, destination: destination, seq: seq, ack: ack, flags: flags, payload: payload,
               missing: missing, time: Timestamp(seconds: seconds, nanoseconds: 0),
               frameLength: frameLength ?? 54 + payload.count)
}

/// Client ISN 1000 (data from 1001), server ISN 5000 (data from 5001). Frames 1–3.
func handshake(clientISN: UInt32 = 1000, serverISN: UInt32 = 5000) -> [Seg] {
    [
        seg(.client, clientISN, flags: [.syn]),
        seg(.server, serverISN, ack: clientISN &+ 1, flags: [.syn, .ack]),
        seg(.client, clientISN &+ 1, ack: serverISN &+ 1),
    ]
}

/// What the consumer saw, in order.
enum Event: Equatable, Sendable, CustomStringConvertible {
    case opened(ConnectionID, client: UInt16, server: UInt16, RoleBasis, handshake: Bool)
    case data(ConnectionID, Direction, UInt64, String, frame: FrameNumber)
    case gap(ConnectionID, Direction, UInt64, UInt64, GapCause, frame: FrameNumber)
    case overlap(ConnectionID, Direction, UInt64, UInt64, first: FrameNumber, second: FrameNumber, conflicting: Bool)
    case closed(ConnectionID, CloseReason, frame: FrameNumber)

    var description: String {
        switch self {
        case let .opened(id, c, s, basis, hs): "opened(\(id) c:\(c) s:\(s) \(basis) hs:\(hs))"
        case let .data(id, d, o, text, f): "data(\(id) \(d) @\(o) \"\(text)\" f\(f))"
        case let .gap(id, d, lo, hi, cause, f): "gap(\(id) \(d) \(lo)..<\(hi) \(cause) f\(f))"
        case let .overlap(id, d, lo, hi, a, b, c): "overlap(\(id) \(d) \(lo)..<\(hi) f\(a)/f\(b) conflicting:\(c))"
        case let .closed(id, reason, f): "closed(\(id) \(reason) f\(f))"
        }
    }
}

struct StreamKey: Hashable {
    var id: ConnectionID
    var direction: Direction
}

/// Logs every callback and checks the delivery contract as it goes: per direction, data and gaps
/// follow each other without holes or repeats, starting at offset 0.
struct Recorder: StreamConsumer {
    var logEvents = true
    var events: [Event] = []
    var stats: [ConnectionID: ConnectionStats] = [:]
    var infos: [ConnectionID: ConnectionInfo] = [:]
    /// Delivered bytes per direction (gaps filled with nothing) and the frame of each delivered byte.
    var bytes: [StreamKey: [UInt8]] = [:]
    var byteFrames: [StreamKey: [FrameNumber]] = [:]
    var byteOffsets: [StreamKey: [UInt64]] = [:]
    var next: [StreamKey: UInt64] = [:]
    var gapBytes: [StreamKey: UInt64] = [:]
    var violations: [String] = []
    var closedIDs: Set<ConnectionID> = []

    mutating func connectionOpened(_ info: ConnectionInfo, frame: FrameNumber, time: Timestamp) {
        if infos[info.id] != nil { violations.append("connection \(info.id) opened twice") }
        infos[info.id] = info
        if logEvents {
            events.append(.opened(info.id, client: info.client.port, server: info.server.port, info.roleBasis,
                                  handshake: info.sawHandshake))
        }
    }

    mutating func streamData(_ id: ConnectionID, _ direction: Direction, offset: UInt64, bytes span: Span<UInt8>,
                             frame: FrameNumber, time: Timestamp) {
        let key = StreamKey(id: id, direction: direction)
        check(key, offset, what: "data")
        if span.count == 0 { violations.append("empty data at \(offset)") }
        var copy = [UInt8]()
        copy.reserveCapacity(span.count)
        for i in 0..<span.count { copy.append(span[i]) }
        bytes[key, default: []] += copy
        byteFrames[key, default: []] += Array(repeating: frame, count: copy.count)
        byteOffsets[key, default: []] += (0..<UInt64(copy.count)).map { offset + $0 }
        next[key] = offset + UInt64(copy.count)
        if logEvents { events.append(.data(id, direction, offset, String(decoding: copy, as: UTF8.self), frame: frame)) }
    }

    mutating func streamGap(_ id: ConnectionID, _ direction: Direction, range: StreamRange, cause: GapCause,
                            frame: FrameNumber, time: Timestamp) {
        let key = StreamKey(id: id, direction: direction)
        check(key, range.lower, what: "gap")
        if range.isEmpty { violations.append("empty gap \(range)") }
        next[key] = range.upper
        gapBytes[key, default: 0] += range.count
        if logEvents { events.append(.gap(id, direction, range.lower, range.upper, cause, frame: frame)) }
    }

    mutating func streamOverlap(_ id: ConnectionID, _ direction: Direction, range: StreamRange,
                                firstFrame: FrameNumber, secondFrame: FrameNumber, conflicting: Bool) {
        if range.isEmpty { violations.append("empty overlap \(range)") }
        if logEvents {
            events.append(.overlap(id, direction, range.lower, range.upper, first: firstFrame, second: secondFrame,
                                   conflicting: conflicting))
        }
    }

    mutating func connectionClosed(_ info: ConnectionInfo, stats: ConnectionStats, reason: CloseReason,
                                   frame: FrameNumber, time: Timestamp) {
        if closedIDs.contains(info.id) { violations.append("connection \(info.id) closed twice") }
        closedIDs.insert(info.id)
        self.stats[info.id] = stats
        if logEvents { events.append(.closed(info.id, reason, frame: frame)) }
    }

    private mutating func check(_ key: StreamKey, _ offset: UInt64, what: String) {
        if closedIDs.contains(key.id) { violations.append("\(what) after close on \(key.id)") }
        let expected = next[key] ?? 0
        if offset != expected { violations.append("\(what) on \(key.id) \(key.direction) at \(offset), expected \(expected)") }
    }
}

let finishFrame: FrameNumber = 999

/// Runs a script through a fresh assembler and finishes it.
func run(_ script: [Seg], limits: ReassemblyLimits = ReassemblyLimits(), serverPorts: Set<UInt16> = [1883],
         finish: Bool = true, logEvents: Bool = true) -> Assembler<Recorder> {
    var assembler = Assembler(consumer: Recorder(logEvents: logEvents), limits: limits, serverPorts: serverPorts)
    for (i, s) in script.enumerated() {
        let segment = s.segment
        assembler.process(segment, payload: s.payload.span, frame: FrameNumber(i + 1), time: s.time,
                          frameLength: s.frameLength)
    }
    if finish {
        let last = script.last?.time ?? .zero
        assembler.finish(frame: finishFrame, time: last)
    }
    return assembler
}

