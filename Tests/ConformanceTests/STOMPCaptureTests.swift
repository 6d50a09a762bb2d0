import Foundation
import Testing
import WireCore
import STOMPCodec
import TCPReassembly
import Analysis
import Conformance
import TestSupport

/// Feeds every STOMP connection of a capture to its own `STOMPConnectionChecker`, as `mqscope
/// check` is to do: frames, heart-beat EOLs, gaps and the connection's end.
struct STOMPCheckSink: AnalysisSink {
    var checkers: [ConnectionID: STOMPConnectionChecker] = [:]
    var indices: [ConnectionID: [Int]] = [:]
    var findings: [CheckFinding] = []
    var frames = 0
    var heartBeats = 0

    mutating func unit(_ unit: DecodedUnit, bytes frame: Span<UInt8>, fields: borrowing FieldTree) {
        guard case .stomp(let e) = unit else { return }
        let id = e.connection.id
        var c = checkers[id] ?? STOMPConnectionChecker(sawStart: e.connection.sawHandshake)
        if e.isHeartBeat {
            heartBeats += 1
            c.heartBeat(e.direction, time: e.time, range: e.streamRange, frame: e.firstFrame, version: e.version)
        } else {
            frames += 1
            var idx = indices[id] ?? [0, 0]
            let k = e.direction == .clientToServer ? 0 : 1
            var p = STOMPFramePosition(direction: e.direction, version: e.version, index: idx[k], time: e.time,
                                       streamRange: e.streamRange, firstFrame: e.firstFrame, lastFrame: e.lastFrame,
                                       isComplete: e.isComplete,
                                       malformed: e.diagnostics.contains { $0.severity == .error })
            p.offeredVersions = e.clientAccepts
            idx[k] += 1
            indices[id] = idx
            c.negotiated(clientToServer: e.heartBeatClientToServer, serverToClient: e.heartBeatServerToClient)
            c.frame(e.summary, frame: frame, at: p)
        }
        findings += c.findings
        c.clearFindings()
        checkers[id] = c
    }

    mutating func streamEvent(_ e: StreamEventReport) {
        guard e.rule == "TCP-GAP", var c = checkers[e.connection.id] else { return }
        c.gap(e.direction, range: e.range, frame: e.frames.first ?? 0, time: e.time)
        checkers[e.connection.id] = c
    }

    mutating func connectionFinished(_ s: ConnectionSummary) {
        guard var c = checkers.removeValue(forKey: s.info.id) else { return }
        c.finish(closed: s.end == .fin || s.end == .rst, at: s.stats.lastTime)
        findings += c.findings
    }
}

@Suite struct STOMPCaptureTests {
    static let root = Paths.root

    static func run(_ path: String) throws -> STOMPCheckSink {
        var sink = STOMPCheckSink()
        _ = try CaptureAnalysis.run(path: root.appendingPathComponent(path).path, options: AnalysisOptions(), sink: &sink)
        return sink
    }

    static func describe(_ f: [CheckFinding]) -> [String] { f.map { "\($0.rule)@\($0.frames) \($0.severity) \($0.message)" } }

    /// Four stomp.py sessions against ActiveMQ. Every error or warning is one the bytes show:
    /// frame 54, stomp.py's 1.1 STOMP frame has no host header (1.1: REQUIRED); frame 196, the
    /// designed error session COMMITs a transaction never begun; frame 200, ActiveMQ answers the
    /// DISCONNECT with a RECEIPT after its ERROR (frame 197) instead of closing (1.2: MUST close).
    @Test func activeMQSessions() throws {
        let sink = try Self.run("captures/stomp-activemq.pcap")
        #expect(sink.frames > 40 && sink.heartBeats > 20, "\(sink.frames) frames, \(sink.heartBeats) heart-beats")
        let got = sink.findings.filter { $0.severity >= .warning }.map { "\($0.rule)@\($0.frames)" }
        #expect(got == ["STOMP-1.1-CONNECT-HDRS@[54]", "STOMP-1.2-TX-END@[196]", "STOMP-1.2-ERROR-CLOSE@[200]"],
                "\(Self.describe(sink.findings))")
        #expect(sink.findings.allSatisfy { $0.verdict == .violation }, "\(Self.describe(sink.findings))")
    }

    @Test func webSocketSession() throws {
        let sink = try Self.run("captures/stomp-websocket.pcap")
        #expect(sink.frames >= 5, "\(sink.frames) STOMP frames seen")
        #expect(sink.findings.isEmpty, "\(Self.describe(sink.findings))")
    }

    @Test func ndpiPeerCapture() throws {
        let f = try Self.run("../shared/corpus/external/ndpi/stomp.pcapng").findings
        #expect(f.map { "\($0.rule)@\($0.frames)" } == ["STOMP-1.1-CONNECT-HDRS@[4]", "STOMP-1.1-MSG-HDRS@[12]"],
                "\(Self.describe(f))")
    }

    /// Edited copies of the ActiveMQ capture: frames split across segments (checked the same,
    /// frame numbers shifted), and a lowercase `subscribe` (the decoder's FRAME-COMMAND; the
    /// checker still records the subscription, so its MESSAGEs are not reported).
    @Test(arguments: [("stomp-lowercase-command.pcap", [54, 196, 200]), ("stomp-split-frames.pcap", [54, 214, 218])])
    func hostileCaptures(_ name: String, _ frames: [FrameNumber]) throws {
        let sink = try Self.run("captures/hostile/" + name)
        let got = sink.findings.filter { $0.severity >= .warning }.map { "\($0.rule)@\($0.frames)" }
        #expect(got == ["STOMP-1.1-CONNECT-HDRS@[\(frames[0])]", "STOMP-1.2-TX-END@[\(frames[1])]",
                        "STOMP-1.2-ERROR-CLOSE@[\(frames[2])]"], "\(Self.describe(sink.findings))")
    }
}
