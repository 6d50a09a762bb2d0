import Foundation
import Testing
import Analysis
import TCPReassembly
import WireCore
import TestSupport

/// `mqscope streams` must agree with tshark on the number of TCP connections and on frames and
/// bytes each way, for every bundled capture and every capture in the external corpus.
/// Known, explained disagreements live in Fixtures/tshark-streams-exceptions.tsv.
@Suite struct TsharkAgreementTests {
    struct Flow: Hashable, Comparable {
        var a: String
        var b: String
        static func < (x: Flow, y: Flow) -> Bool { (x.a, x.b) < (y.a, y.b) }
    }
    struct Counts: Equatable, CustomStringConvertible {
        var framesAB = 0, bytesAB = 0, framesBA = 0, bytesBA = 0
        var description: String { "A→B \(framesAB) frames/\(bytesAB) B, B→A \(framesBA) frames/\(bytesBA) B" }
    }

    static var inputs: [URL] {
        var all = Corpus.capturesIncludingCorpus()
        all.removeAll { exceptions[$0.lastPathComponent]?.hasPrefix("unreadable") == true }
        return all
    }

    /// file name → reason, for captures whose counts legitimately differ (see the file).
    static let exceptions: [String: String] = {
        let url = Paths.fixtures.appendingPathComponent("tshark-streams-exceptions.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let cols = line.split(separator: "\t", maxSplits: 1)
            if cols.count == 2 { out[String(cols[0])] = String(cols[1]) }
        }
        return out
    }()

    /// Per tshark stream: the two endpoints (A = the first packet's source) and counts.
    static func tsharkFlows(_ file: URL, tshark: String) throws -> [(Flow, Counts)] {
        let r = try runProcess(tshark, ["-n", "-r", file.path, "-Y", "tcp", "-T", "fields", "-E", "separator=|",
                                        "-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
                                        "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "frame.len"])
        var order: [Int] = []
        var flows: [Int: (Flow, Counts)] = [:]
        for line in r.out.split(separator: "\n") {
            let c = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard c.count == 8, let stream = Int(c[0]), let len = Int(c[7]) else { continue }
            // Tunnelled or ICMP-quoted headers give comma lists; the outermost TCP is what counts.
            func first(_ s: String) -> String { String(s.split(separator: ",").first ?? "") }
            let src = (first(c[1]).isEmpty ? "[\(first(c[2]))]" : first(c[1])) + ":" + first(c[3])
            let dst = (first(c[4]).isEmpty ? "[\(first(c[5]))]" : first(c[4])) + ":" + first(c[6])
            if flows[stream] == nil { order.append(stream); flows[stream] = (Flow(a: src, b: dst), Counts()) }
            var (flow, counts) = flows[stream]!
            if src == flow.a { counts.framesAB += 1; counts.bytesAB += len } else { counts.framesBA += 1; counts.bytesBA += len }
            flows[stream] = (flow, counts)
        }
        return order.map { flows[$0]! }
    }

    static func ours(_ file: URL) throws -> [(Flow, Counts)] {
        var sink = CollectingSink()
        _ = try CaptureAnalysis.run(path: file.path, options: AnalysisOptions(), sink: &sink)
        return sink.connections.sorted { $0.info.id < $1.info.id }.map { c in
            let s = c.stats
            return (Flow(a: c.info.client.description, b: c.info.server.description),
                    Counts(framesAB: s.clientToServer.frames, bytesAB: s.clientToServer.frameBytes,
                           framesBA: s.serverToClient.frames, bytesBA: s.serverToClient.frameBytes))
        }
    }

    /// Orients a flow so that comparisons do not depend on which side each tool calls A.
    static func canonical(_ f: Flow, _ c: Counts) -> (Flow, Counts) {
        if f.a <= f.b { return (f, c) }
        return (Flow(a: f.b, b: f.a), Counts(framesAB: c.framesBA, bytesAB: c.bytesBA, framesBA: c.framesAB, bytesBA: c.bytesAB))
    }

    @Test("streams agrees with tshark on connections, frames and bytes", arguments: inputs)
    func agreesWithTshark(_ file: URL) throws {
        guard let tshark = which("tshark") else {
            Issue.record("tshark is not installed (scripts/setup.sh installs it)")
            return
        }
        if let reason = Self.exceptions[file.lastPathComponent] {
            // An explained disagreement: the file must still be read without error.
            _ = try Self.ours(file)
            #expect(!reason.isEmpty)
            return
        }
        let theirs = try Self.tsharkFlows(file, tshark: tshark).map(Self.canonical).sorted { $0.0 < $1.0 }
        let mine = try Self.ours(file).map(Self.canonical).sorted { $0.0 < $1.0 }
        #expect(mine.count == theirs.count, "\(file.lastPathComponent): \(mine.count) connections, tshark \(theirs.count)")
        for (m, t) in zip(mine, theirs) {
            #expect(m.0 == t.0, "\(file.lastPathComponent): endpoints \(m.0) vs tshark \(t.0)")
            #expect(m.1 == t.1, "\(file.lastPathComponent) \(m.0.a) ⇄ \(m.0.b): ours \(m.1), tshark \(t.1)")
        }
    }
}
