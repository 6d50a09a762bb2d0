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

    static let cases = ["syn-only", "syn-burst", "idle-connect", "active", "suback-codes", "stomp-headers", "ws-len-2p63",
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

/// Scale and limits (issue 12): time linear in connections, the connection cap, idle timeouts, and
/// the smaller fixes (the check gate, inputs read once, option values).
@Suite(.serialized) struct HostileLimitsTests {
    static func generate(_ name: String, count: Int) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-limits-\(UUID().uuidString)")
        let script = Paths.root.appendingPathComponent("captures/generators/make_scale.py").path
        let r = try runProcess(which("python3") ?? "/usr/bin/python3", [script, dir.path, "--case", name, "--count", "\(count)"])
        try #require(r.status == 0, "\(r.err)")
        return dir.appendingPathComponent("\(name).pcap").path
    }

    static func json(_ out: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
    }

    /// 30,000 half-open connections, one per capture second, none timed out: the once-per-second
    /// sweep visited every live connection (quadratic: 25k took 7 s in release before), and the
    /// router's index of sequential connection ids degraded on removal.
    @Test func synFloodIsLinear() throws {
        let path = try Self.generate("syn-only", count: 30_000)
        let start = ContinuousClock.now
        let r = try runProcess(Paths.executable.path, ["streams", "--half-open-timeout", "0", path])
        let elapsed = ContinuousClock.now - start
        #expect(r.status == 0)
        #expect(r.out.split(separator: "\n").count >= 30_000)
        #expect(elapsed < .seconds(30), "\(elapsed)")
    }

    @Test func connectionCapEvictsTheOldestIdleAndSaysSo() throws {
        let path = try Self.generate("syn-burst", count: 500)
        let r = try runProcess(Paths.executable.path, ["streams", "--format", "json", "--max-connections", "100", path])
        #expect(r.status == 0)
        let file = try #require((try Self.json(r.out)["files"] as? [[String: Any]])?.first)
        let connections = try #require(file["connections"] as? [[String: Any]])
        let ends = connections.map { $0["end"] as? String ?? "" }
        #expect(ends.filter { $0 == "evicted" }.count == 400)
        #expect(ends.suffix(100).allSatisfy { $0 == "open" })   // the newest stay
        let notes = file["notes"] as? [[String: Any]] ?? []
        #expect(notes.contains { ($0["kind"] as? String) == "connection-limit" && ($0["message"] as? String ?? "").contains("400") })
        #expect(try schemaViolations(r.out, schema: "streams-v1.json") == "")
    }

    @Test func halfOpenConnectionsTimeOut() throws {
        // One SYN per capture second: with the default 60 s half-open timeout, all but the last
        // minute's are closed as idle.
        let path = try Self.generate("syn-only", count: 200)
        let r = try runProcess(Paths.executable.path, ["streams", "--format", "json", path])
        let file = try #require((try Self.json(r.out)["files"] as? [[String: Any]])?.first)
        let ends = (file["connections"] as? [[String: Any]] ?? []).map { $0["end"] as? String ?? "" }
        #expect(ends.filter { $0 == "idle" }.count >= 130)
        #expect(ends.filter { $0 == "open" }.count >= 55)
        let off = try runProcess(Paths.executable.path, ["streams", "--half-open-timeout", "0", path])
        #expect(!off.out.contains(" idle"))
    }

    @Test func checkGateFailsOnDamagedOrUncheckedCaptures() throws {
        let damaged = try Self.generate("random-after-header", count: 10_000)
        let r = try runProcess(Paths.executable.path, ["check", damaged])
        #expect(r.status == 1, "\(r.out)\(r.err)")
        #expect(r.err.contains("damaged"))
        #expect(try runProcess(Paths.executable.path, ["check", "--fail-on", "never", "--require-connections", "0",
                                                       damaged]).status == 0)
        let tls = Paths.captures.appendingPathComponent("tls-8883.pcap").path
        let t = try runProcess(Paths.executable.path, ["check", tls])
        #expect(t.status == 1)
        #expect(t.err.contains("0 connections checked, --require-connections wants 1"))
    }

    @Test func countReadsPipesOnce() throws {
        let capture = Paths.captures.appendingPathComponent("mqtt311-mosquitto-clients.pcap").path
        let file = try runProcess(Paths.executable.path, ["read", "--count", capture])
        let bash = which("bash") ?? "/bin/bash"
        let piped = try runProcess(bash, ["-c", "\"$0\" read --count --threads 2 <(cat \"$1\")", Paths.executable.path, capture])
        #expect(piped.status == 0, "\(piped.err)")
        #expect(piped.out.split(separator: "\n").dropFirst().joined() == file.out.split(separator: "\n").dropFirst().joined())
        let stdin = try runProcess(Paths.executable.path, ["read", "--count", "-"],
                                   stdin: try Data(contentsOf: URL(fileURLWithPath: capture)))
        #expect(stdin.status == 0)
    }

    @Test func emptyFilesAndBadOptionValuesAreNamed() throws {
        let empty = try Self.generate("syn-only", count: 1) + ".empty"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let r = try runProcess(Paths.executable.path, ["read", empty])
        #expect(r.status == 2)
        #expect(r.err.contains("empty"), "\(r.err)")
        let capture = Paths.captures.appendingPathComponent("mqtt311-mosquitto-clients.pcap").path
        for bad in [["read", "--payload-limit=-5"], ["read", "--max-packet-size=-1"], ["streams", "--max-connections=-1"],
                    ["check", "--idle-timeout=-3"]] {
            let b = try runProcess(Paths.executable.path, bad + [capture])
            #expect(b.status != 0 && b.status <= 64, "\(bad): \(b.status)")
        }
    }
}

/// Honest after loss (issue 12): real captures with 1%, 5% and 20% of their data segments dropped,
/// and shuffled, by scripts/lossy.py, give no error or warning the lossless capture lacks — in
/// `check --format json` and in every form of `read` (text, -V, json, ndjson).
@Suite struct LossyCaptureTests {
    static func compare(_ names: [String], outputs: [String]? = nil) throws -> (status: Int32, out: String, err: String) {
        let script = Paths.root.appendingPathComponent("scripts/lossy.py").path
        let captures = names.map { Paths.captures.appendingPathComponent($0).path }
        let r = try runProcess(which("python3") ?? "/usr/bin/python3",
                               [script, "--compare", "--shuffle", "--drop", "0.01", "0.05", "0.2"]
                                + (outputs.map { ["--outputs"] + $0 } ?? []) + ["--mqscope", Paths.executable.path] + captures)
        return (r.status, r.out, r.err)
    }

    @Test func lossMakesNoNewViolations() throws {
        let r = try Self.compare(["mqtt-mixed-versions.pcap", "mqtt5-paho.pcap", "mqtt311-paho-ipv6.pcap",
                                  "mqtt311-mosquitto-clients.pcap", "stomp-activemq.pcap", "stomp-websocket.pcap"])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        // Every output of every variant was compared.
        for output in ["check", "read", "read-V", "read-json", "read-ndjson"] {
            #expect(r.out.components(separatedBy: "\t\(output)\t").count - 1 == 6 * 4, "\(output)")
        }
    }

    /// MQTT over WebSocket: the lost upgrade request (1% and 20% drop) no longer turns the server's
    /// HTTP response into frames. `read` is clean in every form; `check` is not yet at 1% (a PUBREL
    /// judged before the client's ACK proves the lost PUBREC: see the closing note).
    @Test func lossyWebSocketReadIsClean() throws {
        let r = try Self.compare(["mqtt-websocket.pcap"], outputs: ["read", "read-V", "read-json", "read-ndjson"])
        #expect(r.status == 0, "\(r.out)\(r.err)")
    }
}

/// Findings bounded (issue 12): a SUBACK with 5,000 invalid return codes.
@Suite struct FindingCapTests {
    @Test func repeatedFindingsAreCountedAfterTheFirstHundred() throws {
        let path = try HostileLimitsTests.generate("suback-codes", count: 5000)
        let rule = "MQTT311-3.9.3-2"
        let check = try runProcess(Paths.executable.path, ["check", "--format", "json", path])
        #expect(check.status == 1)
        let findings = try #require(try HostileLimitsTests.json(check.out)["findings"] as? [[String: Any]])
        let mine = findings.filter { ($0["rule"] as? String) == rule }
        #expect(mine.count == 101)
        let last = try #require(mine.last)
        #expect((last["message"] as? String ?? "").contains("4900 more finding(s) of this rule on this connection"))
        // The aggregate stands at the last offender: the SUBACK's last code.
        #expect(((last["stream_range"] as? [String: Any])?["start"] as? Int) == 5008)
        for format in ["json", "ndjson"] {
            let read = try runProcess(Paths.executable.path, ["read", "--format", format, path])
            #expect(read.out.components(separatedBy: "\"rule\":\"\(rule)\"").count - 1 == 101)
            #expect(read.out.contains("4900 more \(rule) finding(s) in this unit"))
        }
        let text = try runProcess(Paths.executable.path, ["read", path])
        #expect(text.out.components(separatedBy: "! error \(rule)").count - 1 == 101)
    }

    /// The global cap (`--max-findings`): beyond it findings are counted per rule, reported as
    /// dropped in the text summary, the JSON summary and a JUnit case, and still fail the run.
    @Test func globalCapDropsAndCounts() throws {
        let path = try HostileLimitsTests.generate("suback-codes", count: 5000)
        let rule = "MQTT311-3.9.3-2"
        let check = try runProcess(Paths.executable.path, ["check", "--format", "json", "--max-findings", "40", path])
        #expect(check.status == 1)
        let doc = try HostileLimitsTests.json(check.out)
        let findings = try #require(doc["findings"] as? [[String: Any]])
        #expect(findings.count == 40)
        let summary = try #require(doc["summary"] as? [String: Any])
        let dropped = try #require(summary["dropped"] as? Int)
        #expect(dropped > 0)
        let byRule = try #require(summary["dropped_by_rule"] as? [String: Int])
        #expect(byRule.values.reduce(0, +) == dropped)
        #expect((byRule[rule] ?? 0) > 0)
        // Every finding counts in the totals: the same as without the cap.
        let uncapped = try HostileLimitsTests.json(try runProcess(Paths.executable.path, ["check", "--format", "json", path]).out)
        let all = try #require((uncapped["summary"] as? [String: Any])?["by_severity"] as? [String: Int])
        let capped = try #require(summary["by_severity"] as? [String: Int])
        #expect(capped["error"]! >= all["error"]!)
        #expect((summary["failing"] as? Int ?? 0) >= all["error"]!)
        let text = try runProcess(Paths.executable.path, ["check", "--max-findings", "40", path])
        #expect(text.status == 1)
        #expect(text.out.contains("finding(s) counted above but not listed (dropped: --max-findings 40 reached)"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-junit-\(UUID().uuidString).xml")
        let junit = try runProcess(Paths.executable.path, ["check", "--max-findings", "40", "--junit", dir.path, path])
        #expect(junit.status == 1)
        let xml = try String(contentsOf: dir, encoding: .utf8)
        #expect(xml.contains("name=\"max-findings\""))
        #expect(xml.contains("<failure type=\"dropped\""))
        let bad = try runProcess(Paths.executable.path, ["check", "--max-findings", "0", path])
        #expect(bad.status != 0 && bad.status != 1)
    }
}

/// A WebSocket connection whose upgrade the capture lacks (issue 12): it starts after the upgrade,
/// lost the request, or starts inside a frame. Each is reported as a mid-stream start (WS-GAP
/// notes, unverifiable), never as violations (main reported 21 and 204 errors on the last two).
@Suite struct WebSocketUnseenUpgradeTests {
    static let fixtures = ["mqtt-websocket-after-upgrade.pcap", "mqtt-websocket-lost-upgrade.pcap",
                           "mqtt-websocket-mid-frame.pcap"]

    @Test(arguments: fixtures)
    func noViolationWithoutTheUpgrade(_ name: String) throws {
        let path = Paths.captures.appendingPathComponent("hostile/\(name)").path
        let check = try runProcess(Paths.executable.path, ["check", "--format", "json", path])
        #expect(check.status == 0, "\(check.out)")
        let findings = try #require(try HostileLimitsTests.json(check.out)["findings"] as? [[String: Any]])
        #expect(!findings.contains { ($0["severity"] as? String) != "info" }, "\(findings)")
        #expect(findings.contains { ($0["rule"] as? String) == "WS-GAP" })
        for args in [["read"], ["read", "-V"], ["read", "--format", "json"], ["read", "--format", "ndjson"]] {
            let read = try runProcess(Paths.executable.path, args + [path])
            #expect(read.status == 0)
            for bad in ["! error", "! warning", "\"severity\":\"error\"", "\"severity\":\"warning\""] {
                #expect(!read.out.contains(bad), "\(args) \(bad)")
            }
        }
    }

    @Test func lostRequestStillDecodesTheResponseAsTheHandshake() throws {
        let path = Paths.captures.appendingPathComponent("hostile/mqtt-websocket-lost-upgrade.pcap").path
        let read = try runProcess(Paths.executable.path, ["read", path])
        #expect(read.out.contains("WebSocket 101 switching protocol=\"mqtt\""))
        #expect(!read.out.contains("WebSocket Close"))
        #expect(read.out.contains("CONNACK"))
    }

    @Test func startInsideAFrameSkipsToAHeaderOnEvidence() throws {
        let path = Paths.captures.appendingPathComponent("hostile/mqtt-websocket-mid-frame.pcap").path
        let read = try runProcess(Paths.executable.path, ["read", path])
        #expect(read.out.contains("capture starts after the upgrade at stream offset 0: looking for a frame header"))
        #expect(read.out.contains("resynchronised on a frame header after skipping 37266 bytes"))
    }
}
