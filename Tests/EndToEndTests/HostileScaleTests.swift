import Foundation
import Testing
import TestSupport

/// The small instances of `captures/generators/make_scale.py` (issue 12) through every command:
/// no trap (the exit status is 0, 1 or 2, never a signal), bounded output.
@Suite(.serialized) struct HostileScaleTests {
    /// Generated once per run into a temporary directory (the files are not committed).
    static let directory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-scale-\(UUID().uuidString)")
        let script = Paths.root.appendingPathComponent("captures/generators/make_scale.py").path
        _ = try? runProcess(which("python3") ?? "/usr/bin/python3", [script, dir.path])
        return dir
    }()

    static func capture(_ name: String) -> String { directory.appendingPathComponent("\(name).pcap").path }

    static let cases = ["syn-only", "syn-burst", "idle-connect", "suback-codes", "stomp-headers", "ws-len-2p63",
                        "ws-len-2p63m1", "ws-len-2p64m1", "oversize-remlen", "stomp-unterminated",
                        "reversed-segments", "random-after-header", "empty"]

    static let commands: [[String]] = [
        ["streams"], ["streams", "--format", "json"],
        ["read"], ["read", "-V"], ["read", "--format", "json"], ["read", "--format", "ndjson"], ["read", "--count"],
        ["check"], ["check", "--format", "json"], ["check", "--junit", "/dev/null"],
    ]

    @Test(arguments: cases) func everyCommandSurvives(_ name: String) throws {
        let path = Self.capture(name)
        try #require(FileManager.default.fileExists(atPath: path), "make_scale.py did not write \(name)")
        for command in Self.commands {
            let r = try runProcess(Paths.executable.path, command + [path])
            #expect([0, 1, 2].contains(r.status), "\(command) \(name): exit \(r.status)\n\(r.err.suffix(2000))")
            #expect(r.out.utf8.count < 16 << 20, "\(command) \(name): \(r.out.utf8.count) bytes of output")
            #expect(!r.err.contains("Fatal error") && !r.err.contains("runtime failure"), "\(command) \(name): \(r.err)")
        }
    }

    /// A 64-bit WebSocket length of 2^64-1 claims a range that ends at UInt64.max, never one that
    /// wraps below its start.
    @Test func webSocketClaimedRangeDoesNotWrap() throws {
        let r = try runProcess(Paths.executable.path, ["check", "--format", "json", Self.capture("ws-len-2p64m1")])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let findings = try #require(doc["findings"] as? [[String: Any]])
        let tooLarge = try #require(findings.first { ($0["rule"] as? String) == "WS-FRAME-TOO-LARGE" })
        let range = try #require(tooLarge["stream_range"] as? [String: Any])
        let start = try #require((range["start"] as? NSNumber)?.uint64Value)
        let end = try #require((range["end"] as? NSNumber)?.uint64Value)
        #expect(end >= start)
        #expect(end == UInt64.max)
        for format in ["json", "ndjson"] {
            let read = try runProcess(Paths.executable.path, ["read", "--format", format, Self.capture("ws-len-2p63")])
            #expect(read.status == 0, "\(read.err)")
        }
    }
}
