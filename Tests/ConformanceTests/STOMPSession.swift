import Foundation
import WireCore
import STOMPCodec
import Conformance
import TestSupport

/// One step of a STOMP scenario. Frame texts get their terminating NUL appended.
enum STOMPStep {
    /// A client / server frame.
    case c(String)
    case s(String)
    /// A heart-beat EOL ("\n" or "\r\n").
    case hb(Direction, String)
    /// Time passes (seconds).
    case wait(Double)
    /// `n` bytes of a direction are lost.
    case gap(Direction, Int)
}

/// A scenario: steps, whether the TCP start was seen, and how the connection ends.
struct STOMPScenario {
    var steps: [STOMPStep]
    var sawStart = true
    var closed = true

    init(_ steps: [STOMPStep], sawStart: Bool = true, closed: Bool = true) {
        self.steps = steps
        self.sawStart = sawStart
        self.closed = closed
    }
}

/// Drives a `STOMPConnectionChecker` the way the pipeline does: each frame goes through the real
/// `STOMPFramer` and `STOMPDecoder` with the session's version as negotiation has settled it.
/// Every frame or heart-beat step is one capture frame (numbered from 1) and 0.1 s.
struct STOMPSession {
    var checker: STOMPConnectionChecker
    var version: STOMPVersion
    let fixedVersion: STOMPVersion?
    /// The pipeline's negotiation (the one `mqscope check` runs), whose results the checker reads.
    var negotiation = STOMPSessionNegotiation()
    var offsets: [UInt64] = [0, 0]
    var framers = [STOMPFramer(direction: .clientToServer), STOMPFramer(direction: .serverToClient)]
    var indices = [0, 0]
    var frameNumber: FrameNumber = 0
    var nanos: Int64 = 1_000_000_000
    var findings: [CheckFinding] = []

    init(sawStart: Bool = true, version: STOMPVersion? = nil) {
        checker = STOMPConnectionChecker(sawStart: sawStart)
        fixedVersion = version
        self.version = version ?? .v1_2
    }

    var time: Timestamp { Timestamp(seconds: nanos / 1_000_000_000, nanoseconds: UInt32(nanos % 1_000_000_000)) }

    static func run(_ sc: STOMPScenario, version: STOMPVersion? = nil) -> [CheckFinding] {
        var s = STOMPSession(sawStart: sc.sawStart, version: version)
        for step in sc.steps { s.apply(step) }
        s.finish(closed: sc.closed)
        return s.findings
    }

    mutating func apply(_ step: STOMPStep) {
        switch step {
        case .c(let t): send(.clientToServer, Array(t.utf8) + [0])
        case .s(let t): send(.serverToClient, Array(t.utf8) + [0])
        case .hb(let d, let eol): send(d, Array(eol.utf8))
        case .wait(let s): nanos += Int64(s * 1e9)
        case .gap(let d, let n):
            frameNumber += 1
            let k = d == .clientToServer ? 0 : 1
            checker.gap(d, range: StreamRange(offsets[k], offsets[k] + UInt64(n)), frame: frameNumber, time: time)
            offsets[k] += UInt64(n)
            collect()
        }
    }

    /// Frames `bytes` (one chunk, one capture frame) and checks every frame and heart-beat found.
    mutating func send(_ d: Direction, _ bytes: [UInt8]) {
        frameNumber += 1
        nanos += 100_000_000
        let k = d == .clientToServer ? 0 : 1
        var events: [(STOMPFramerEvent, [UInt8])] = []
        framers[k].append(bytes.span, at: offsets[k], frame: frameNumber) { e, b in
            var copy = [UInt8]()
            for i in 0..<b.count { copy.append(b[i]) }
            events.append((e, copy))
        }
        offsets[k] += UInt64(bytes.count)
        for (e, b) in events {
            switch e {
            case .frame(let raw): check(d, raw, b)
            case .heartBeat(let eol):
                checker.heartBeat(d, time: time, range: eol.stream, frame: eol.frame, version: version)
                collect()
            case .problem: break
            }
        }
    }

    mutating func check(_ d: Direction, _ raw: STOMPRawFrame, _ b: [UInt8]) {
        var tree = FieldTree()
        var diags: [Diagnostic] = []
        let s = STOMPDecoder.decode(b.span, version: version, direction: d, into: &tree, diagnostics: &diags)
        _ = negotiation.learn(s, b.span, direction: d)
        if fixedVersion == nil { version = negotiation.version }
        let k = d == .clientToServer ? 0 : 1
        var p = STOMPFramePosition(direction: d, version: version, index: indices[k], time: time, streamRange: raw.stream,
                                   firstFrame: raw.firstFrame, lastFrame: raw.lastFrame, isComplete: raw.isComplete,
                                   malformed: diags.contains { $0.severity == .error })
        p.offeredVersions = negotiation.clientAccepts
        indices[k] += 1
        checker.negotiated(clientToServer: negotiation.heartBeatClientToServer,
                           serverToClient: negotiation.heartBeatServerToClient)
        checker.frame(s, frame: b.span, at: p)
        collect()
    }

    mutating func finish(closed: Bool) {
        checker.finish(closed: closed, at: time)
        collect()
    }

    mutating func collect() {
        findings += checker.findings
        checker.clearFindings()
    }
}

enum STOMPFixtures {
    static let root = Paths.fixtures.appendingPathComponent("stomp")

    /// The frames of a `.stomp` fixture (format in Fixtures/stomp/README.md) with its version.
    static func frames(_ name: String) throws -> (STOMPVersion, [(Direction, [UInt8])]) {
        let text = try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)
        var version = STOMPVersion.v1_2
        var out: [(Direction, [UInt8])] = []
        var current: (Direction, [UInt8])?
        func close() {
            guard var c = current else { return }
            if let last = c.1.lastIndex(of: 0) { c.1.removeSubrange((last + 1)...) }
            out.append(c)
            current = nil
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#!") {
                if line.contains("version=1.0") { version = .v1_0 }
                if line.contains("version=1.1") { version = .v1_1 }
            } else if line.hasPrefix("#>") {
                close()
                current = (line.dropFirst(2).drop { $0 == " " }.hasPrefix("c2s") ? .clientToServer : .serverToClient, [])
            } else if line.hasPrefix("#") {
                continue
            } else if current != nil {
                let s = line.replacingOccurrences(of: "^@", with: "\u{0}").replacingOccurrences(of: "^M", with: "\r")
                current!.1 += Array(s.utf8) + [0x0A]
            }
        }
        close()
        return (version, out)
    }

    /// Rows of ndpi-stomp.tsv: (capture frame, direction, stream offset, payload).
    static func ndpiRows() throws -> [(FrameNumber, Direction, UInt64, [UInt8])] {
        let text = try String(contentsOf: root.appendingPathComponent("ndpi-stomp.tsv"), encoding: .utf8)
        var rows: [(FrameNumber, Direction, UInt64, [UInt8])] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let cols = line.split(separator: "\t")
            guard cols.count == 4, let f = FrameNumber(cols[0]), let off = UInt64(cols[2]),
                  let bytes = Hex.parse(String(cols[3])) else { continue }
            rows.append((f, cols[1] == "c2s" ? .clientToServer : .serverToClient, off, bytes))
        }
        return rows
    }
}
