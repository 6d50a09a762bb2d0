import Foundation
import WebSocketCodec
import WireCore
import TestSupport

enum Fixture {
    static let root = Paths.fixtures

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// An annotated hex file: `#` starts a comment.
    static func hex(_ path: String) throws -> [UInt8] {
        var out: [UInt8] = []
        for line in try text(path).split(separator: "\n") {
            let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            out += Hex.parse(String(code)) ?? []
        }
        return out
    }

    static func captureRows(_ path: String) throws -> [(FrameNumber, Direction, UInt64, [UInt8])] {
        var rows: [(FrameNumber, Direction, UInt64, [UInt8])] = []
        for line in try text(path).split(separator: "\n") where !line.hasPrefix("#") {
            let cols = line.split(separator: "\t")
            guard cols.count == 4, let f = FrameNumber(cols[0]), let off = UInt64(cols[2]),
                  let bytes = Hex.parse(String(cols[3])) else { continue }
            rows.append((f, cols[1] == "c2s" ? .clientToServer : .serverToClient, off, bytes))
        }
        return rows
    }
}

/// Everything a stream or connection emitted, copied out of the borrowed spans.
struct Recorded {
    var frames: [(WebSocketFrameSummary, FieldTree, [Diagnostic], [UInt8])] = []
    var handshakes: [(WebSocketHandshakeSummary, [Diagnostic], Direction)] = []
    var app: [Direction: [UInt8]] = [:]
    var chunks: [WebSocketAppChunk] = []
    var problems: [Diagnostic] = []
    var appGaps = 0
    var direction: Direction = .clientToServer

    var rules: [String] { frames.flatMap { $0.2.map(\.rule.rawValue) } + problems.map(\.rule.rawValue) }

    mutating func record(_ e: WebSocketEvent, _ b: Span<UInt8>, _ dir: Direction) {
        var bytes = [UInt8]()
        for i in 0..<b.count { bytes.append(b[i]) }
        switch e {
        case .handshake(let s, _, let d, _, _): handshakes.append((s, d, dir))
        case .frame(let s, let t, let d): frames.append((s, t, d, bytes))
        case .applicationData(let c):
            chunks.append(c)
            app[dir, default: []] += bytes
        case .applicationGap: appGaps += 1
        case .problem(let f): problems.append(f.diagnostic)
        }
    }
}

func runStream(_ chunks: [[UInt8]], direction: Direction, expectHandshake: Bool = false,
               maxFrameSize: Int = 16 << 20) -> Recorded {
    var stream = WebSocketStream(direction: direction, expectHandshake: expectHandshake, maxFrameSize: maxFrameSize)
    var r = Recorded()
    var offset: UInt64 = 0
    for c in chunks {
        stream.append(c.span, at: offset, frame: 1) { e, b in r.record(e, b, direction) }
        offset += UInt64(c.count)
    }
    return r
}

func runCapture(_ path: String) throws -> Recorded {
    var conn = WebSocketConnection()
    var r = Recorded()
    for (frame, dir, offset, bytes) in try Fixture.captureRows(path) {
        conn.append(bytes.span, direction: dir, at: offset, frame: frame) { e, b in r.record(e, b, dir) }
    }
    return r
}

extension FieldTree {
    var abbrevs: [String] { nodes.map { WebSocketField(rawValue: $0.field.raw & 0x0FFF)?.spec.abbrev ?? "?" } }
}

