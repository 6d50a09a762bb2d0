import Foundation
import STOMPCodec
import WireCore
import TestSupport

enum Fixture {
    static let root = Paths.fixtures

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Rows of a capture TSV: (capture frame, direction, stream offset, payload).
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

/// One frame of a `.stomp` fixture with its expectations.
struct STOMPFixtureFrame {
    var direction: Direction
    var command: String
    var headers: Int
    var body: Int
    var diagnostics: [String]
    var bytes: [UInt8]
}

enum STOMPFixtureParser {
    static func parse(_ text: String) -> (STOMPVersion, [STOMPFixtureFrame]) {
        var version = STOMPVersion.v1_2
        var frames: [STOMPFixtureFrame] = []
        var current: STOMPFixtureFrame? = nil
        func close() {
            guard var c = current else { return }
            if let last = c.bytes.lastIndex(of: 0) { c.bytes.removeSubrange((last + 1)...) }
            frames.append(c)
            current = nil
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#!") {
                if line.contains("version=1.0") { version = .v1_0 }
                if line.contains("version=1.1") { version = .v1_1 }
                if line.contains("version=1.2") { version = .v1_2 }
            } else if line.hasPrefix("#>") {
                close()
                let t = line.dropFirst(2).split(separator: " ")
                var f = STOMPFixtureFrame(direction: t[0] == "c2s" ? .clientToServer : .serverToClient,
                                          command: String(t[1]), headers: 0, body: 0, diagnostics: [], bytes: [])
                for tok in t.dropFirst(2) {
                    let kv = tok.split(separator: "=", maxSplits: 1)
                    guard kv.count == 2 else { continue }
                    switch kv[0] {
                    case "headers": f.headers = Int(kv[1]) ?? -1
                    case "body": f.body = Int(kv[1]) ?? -1
                    case "diag": f.diagnostics.append(String(kv[1]))
                    default: break
                    }
                }
                current = f
            } else if line.hasPrefix("#") {
                continue
            } else if current != nil {
                let s = line.replacingOccurrences(of: "^@", with: "\u{0}").replacingOccurrences(of: "^M", with: "\r")
                current!.bytes += Array(s.utf8) + [0x0A]
            }
        }
        close()
        return (version, frames)
    }
}

/// Runs a framer over `chunks` and records every event with its bytes.
func frameAll(_ chunks: [[UInt8]], direction: Direction = .clientToServer, maxFrameSize: Int = 16 << 20,
              finish: Bool = true) -> [(STOMPFramerEvent, [UInt8])] {
    var framer = STOMPFramer(direction: direction, maxFrameSize: maxFrameSize)
    var out: [(STOMPFramerEvent, [UInt8])] = []
    var offset: UInt64 = 0
    for c in chunks {
        framer.append(c.span, at: offset, frame: 1) { e, b in
            var copy = [UInt8]()
            for i in 0..<b.count { copy.append(b[i]) }
            out.append((e, copy))
        }
        offset += UInt64(c.count)
    }
    if finish {
        framer.finish { e, b in
            var copy = [UInt8]()
            for i in 0..<b.count { copy.append(b[i]) }
            out.append((e, copy))
        }
    }
    return out
}

struct Decoded {
    var summary: STOMPFrameSummary
    var tree: FieldTree
    var diagnostics: [Diagnostic]
    var rules: [String] { diagnostics.map(\.rule.rawValue) }
}

func decode(_ text: String, _ version: STOMPVersion = .v1_2, _ direction: Direction = .clientToServer) -> Decoded {
    decode(Array(text.utf8), version, direction)
}

func decode(_ bytes: [UInt8], _ version: STOMPVersion = .v1_2, _ direction: Direction = .clientToServer) -> Decoded {
    var tree = FieldTree()
    var diags: [Diagnostic] = []
    let s = STOMPDecoder.decode(bytes.span, version: version, direction: direction, into: &tree, diagnostics: &diags)
    return Decoded(summary: s, tree: tree, diagnostics: diags)
}

extension FieldTree {
    var abbrevs: [String] { nodes.map { STOMPField(rawValue: $0.field.raw & 0x0FFF)?.spec.abbrev ?? "?" } }
}

func string(_ b: [UInt8], _ r: ByteRange?) -> String? {
    guard let r else { return nil }
    return String(decoding: b[r.lower..<r.upper], as: UTF8.self)
}
