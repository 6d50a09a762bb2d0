import Foundation
import Testing
import TestSupport

/// `-Y`, `-T fields` and the `--type`/`--topic` options on the bundled captures.
@Suite struct DisplayFilterCLITests {
    /// The frames (one per line, deduplicated, ascending) of the units `read -Y expr` selects.
    static func frames(_ capture: String, _ args: [String]) throws -> [Int] {
        let r = try runProcess(Paths.executable.path, ["read", "-T", "fields", "-e", "frame"] + args + [capture],
                               in: Paths.root)
        #expect(r.status == 0, "\(args): \(r.err)")
        return Array(Set(r.out.split(separator: "\n").compactMap { Int($0) })).sorted()
    }

    @Test("expressions select the expected units", arguments: [
        ("captures/mqtt5-paho.pcap", "mqtt.packet_type == SUBSCRIBE", [8, 17]),
        ("captures/mqtt5-paho.pcap", "mqtt.flags.qos == 2 && direction == c2s", [23]),
        ("captures/mqtt5-paho.pcap", "topic matches \"mqscope/v5/#\" && mqtt.property.topic_alias", [19, 21, 23, 25]),
        // 21 and 23 use a topic alias: their Topic Name field is empty; `topic` is what the alias stands for.
        ("captures/mqtt5-paho.pcap", "mqtt.packet_type == PUBLISH && !(mqtt.publish.topic matches \"mqscope/+/data/#\")", [21, 23, 29, 49]),
        ("captures/mqtt5-paho.pcap", "mqtt.packet_type == PUBLISH && !(topic matches \"mqscope/+/data/#\")", [29, 49]),
        ("captures/mqtt-mixed-versions.pcap", "version == 3.1 && mqtt.packet_type == CONNECT", [4, 9, 14, 19]),
        ("captures/stomp-activemq.pcap", "stomp && type == SEND", [10, 20, 30, 35, 60, 68, 76, 81, 91, 129, 137, 145, 150, 160]),
        ("captures/stomp-activemq.pcap", "topic matches \"/queue/mqscope.v10.tx\"", [16, 20, 26, 30]),
        ("captures/mqtt-websocket.pcap", "websocket && mqtt && type == CONNECT", [8]),
        ("captures/mqtt-websocket.pcap", "websocket && type == Binary && direction == c2s", [8, 10, 13, 15, 17, 19, 21, 23, 25, 27, 29, 32, 39, 40]),
        ("captures/stomp-websocket.pcap", "type == handshake", [4, 6]),
        ("captures/stomp-websocket.pcap", "stomp && websocket && type == SEND", [11]),
    ])
    func table(_ capture: String, _ expr: String, _ expected: [Int]) throws {
        #expect(try Self.frames(capture, ["-Y", expr]) == expected, "\(capture): \(expr)")
    }

    /// The same expressions through tshark 4 on the captures it dissects as MQTT (port 1883), with
    /// tshark's names for the fields (`mqtt.msgtype`, `mqtt.topic`, `mqtt.qos`, …, which mqscope
    /// accepts as aliases). Frame sets are compared: tshark tests frames, mqscope units, so only
    /// expressions that hold for a frame when they hold for one of its packets are cross-checked
    /// (`!(mqtt.qos == 0)` on a frame holding a QoS 0 and a QoS 1 PUBLISH differs, by design).
    @Test func agreesWithTshark() throws {
        guard let tshark = which("tshark") else { Issue.record("tshark is not installed (scripts/setup.sh)"); return }
        // Each pair runs tshark once: a few captures and expressions keep the test under a minute.
        // (By hand, 25 expressions on all six port-1883 captures agree the same way.)
        let captures = ["captures/mqtt-mixed-versions.pcap", "captures/mqtt311-mosquitto-clients.pcap",
                        "captures/mqtt5-paho.pcap"]
        let expressions = [
            "mqtt.msgtype == 3 && mqtt.qos >= 1", "mqtt.msgtype in {1, 2, 8}", "mqtt.conack.val == 0 || mqtt.connack.reason_code == 0",
            "mqtt.topic == \"mqscope/v5/data/temp\" or mqtt.topic contains \"mix/1\"", "mqtt.clientid contains \"mqscope\"",
            "mqtt.ver == 4 || mqtt.protoname == \"MQIsdp\"", "mqtt.msgtype >= 12 or mqtt.dupflag == 1",
            "mqtt.property.topic_alias == 1", "mqtt.qos == 2 or mqtt.retain == 1", "mqtt.msgid > 2 or mqtt.len < 3",
        ]
        var compared = 0
        for capture in captures {
            for e in expressions {
                let ours = try Self.frames(capture, ["-Y", e])
                let r = try runProcess(tshark, ["-r", capture, "-Y", e, "-T", "fields", "-e", "frame.number"], in: Paths.root)
                #expect(r.status == 0, "tshark \(e): \(r.err)")
                let theirs = Array(Set(r.out.split(separator: "\n").compactMap { Int($0) })).sorted()
                #expect(ours == theirs, "\(capture): \(e)")
                compared += theirs.count
            }
        }
        #expect(compared > 100)
    }

    @Test func badExpressionExits2WithItsColumn() throws {
        let r = try runProcess(Paths.executable.path, ["read", "-Y", "mqtt.flags.qos => 1", "captures/mqtt5-paho.pcap"],
                               in: Paths.root)
        #expect(r.status == 2)
        #expect(r.out.isEmpty)
        #expect(r.err.contains("column 16"), "\(r.err)")
        #expect(r.err.contains("mqtt.flags.qos => 1\n                 ^"), "\(r.err)")
    }

    @Test func optionsCoverSTOMPAndWebSocket() throws {
        // --type takes STOMP commands and WebSocket opcodes; --topic matches STOMP destinations.
        #expect(try Self.frames("captures/stomp-activemq.pcap", ["--type", "SEND"])
                == Self.frames("captures/stomp-activemq.pcap", ["-Y", "type == SEND"]))
        #expect(try Self.frames("captures/stomp-activemq.pcap", ["--type", "send"]).count == 14)
        #expect(try Self.frames("captures/stomp-activemq.pcap", ["--topic", "/queue/mqscope.v10.tx"]) == [16, 20, 26, 30])
        #expect(try Self.frames("captures/mqtt-websocket.pcap", ["--type", "Binary", "--connection", "0"]).count > 10)
        #expect(try Self.frames("captures/mqtt5-paho.pcap", ["--type", "PUBLISH", "-Y", "mqtt.flags.qos == 2"]) == [23, 34])
        let bad = try runProcess(Paths.executable.path, ["read", "--type", "SENDD", "captures/stomp-activemq.pcap"],
                                 in: Paths.root)
        #expect(bad.status != 0 && bad.err.contains("SEND"))
    }

    @Test func tsharkConventions() throws {
        let capture = "captures/mqtt5-paho.pcap"
        let named = try runProcess(Paths.executable.path, ["read", capture], in: Paths.root)
        let r = try runProcess(Paths.executable.path, ["read", "-r", capture], in: Paths.root)
        #expect(r.status == 0 && r.out == named.out && !named.out.isEmpty)
        let three = try runProcess(Paths.executable.path, ["read", "-c", "3", "-T", "fields", "-e", "frame", capture], in: Paths.root)
        #expect(three.out == "4\n6\n8\n")
        // Reading stops at the frame that completed the last unit shown.
        let json = try runProcess(Paths.executable.path, ["read", "-c", "2", "--format", "json", capture], in: Paths.root)
        #expect(json.out.contains("\"frames\":6,") || json.out.contains("\"frames\": 6,"), "\(json.out.suffix(300))")
        // -t e: epoch seconds; -t a: the UTC time of day; -t r stays the default.
        let epoch = try runProcess(Paths.executable.path, ["read", "-c", "1", "-t", "e", capture], in: Paths.root)
        #expect(epoch.out.contains("  1795279222.634900000  "), "\(epoch.out)")
        let tod = try runProcess(Paths.executable.path, ["read", "-c", "1", "-t", "a", capture], in: Paths.root)
        #expect(tod.out.contains("  16:40:22.634900000  "), "\(tod.out)")
        let bad = try runProcess(Paths.executable.path, ["read", "-t", "q", capture], in: Paths.root)
        #expect(bad.status != 0 && bad.err.contains("-t takes"))
        // -x masks the password unless --show-secrets.
        let x = try runProcess(Paths.executable.path, ["read", "-c", "1", "-x", capture], in: Paths.root)
        #expect(x.out.contains("** **") && !x.out.contains("mqscope-pass"))
    }

    @Test func readsGzipCapturesDirectly() throws {
        guard let gzip = which("gzip") else { Issue.record("gzip is not installed"); return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for capture in ["captures/mqtt5-paho.pcap", "captures/mqtt5-paho-lo.pcapng"] {
            let gz = dir.appendingPathComponent(URL(fileURLWithPath: capture).lastPathComponent + ".gz")
            let z = try runProcess("/bin/sh", ["-c", "\(gzip) -c \(capture) > \(gz.path)"], in: Paths.root)
            #expect(z.status == 0)
            let plain = try runProcess(Paths.executable.path, ["read", "-V", capture], in: Paths.root)
            let zipped = try runProcess(Paths.executable.path, ["read", "-V", gz.path], in: Paths.root)
            #expect(zipped.status == 0 && !plain.out.isEmpty && zipped.out == plain.out, "\(capture): \(zipped.err)")
            let check = try runProcess(Paths.executable.path, ["check", "--format", "json", gz.path], in: Paths.root)
            #expect(check.status == 0 && check.out.contains("\"mqtt\""))
        }
    }

    @Test func checkSelectsFindings() throws {
        let capture = "captures/hostile/stomp-lowercase-command.pcap"
        let all = try runProcess(Paths.executable.path, ["check", capture], in: Paths.root)
        #expect(all.status == 1 && all.out.contains("  error STOMP-1.2-ERROR-CLOSE"))
        // Without its errors the run passes the gate.
        let warnings = try runProcess(Paths.executable.path, ["check", "-Y", "severity < error", capture], in: Paths.root)
        #expect(warnings.status == 0 && warnings.out.contains("  warning STOMP-1.2-TX-END") && !warnings.out.contains("  error "))
        let one = try runProcess(Paths.executable.path, ["check", "-Y", "rule == \"STOMP-1.2-TX-END\" && stomp", capture],
                                 in: Paths.root)
        #expect(one.out.components(separatedBy: "\n  ").count == 2, "\(one.out)")
        let gap = try runProcess(Paths.executable.path, ["check", "-Y", "tcp", "captures/hostile/gap-in-publish.pcap"], in: Paths.root)
        #expect(gap.out.contains("TCP-GAP") && !gap.out.contains("MQTT-GAP-LOST"))
        let fields = try runProcess(Paths.executable.path, ["check", "-Y", "mqtt.flags.qos == 1", capture], in: Paths.root)
        #expect(fields.status == 2 && fields.err.contains("read -Y"))
    }

    /// Goldens of the new output forms (re-recorded only with RECORD_GOLDENS=1, as GoldenTests).
    static let forms: [(String, [String], stdin: String?)] = [
        ("decode-xxd", ["decode"], "Fixtures/decode/session.xxd"),
        ("decode-truncated-connect", ["decode"], "Fixtures/decode/truncated-connect.xxd"),
        ("decode-truncated-publish-od-x", ["decode"], "Fixtures/decode/truncated-publish.od-x"),
        ("decode-bad-token", ["decode", "10", "0c", "zz", "04"], nil),
        ("read-r-c-t-ad-x", ["read", "-r", "captures/mqtt311-mosquitto-clients.pcap", "-c", "3", "-t", "ad", "-x"], nil),
        ("read-two-files-t-d", ["read", "-t", "d", "-Y", "frame <= 10", "captures/mqtt5-paho.pcap", "captures/stomp-activemq.pcap"], nil),
        ("read-Y-publish-qos", ["read", "-Y", "mqtt.packet_type == PUBLISH && mqtt.flags.qos >= 1", "captures/mqtt5-paho.pcap"], nil),
        ("read-T-fields-csv", ["read", "-T", "fields", "-e", "frame", "-e", "time", "-e", "connection", "-e", "direction",
                               "-e", "type", "-e", "client_id", "-e", "version", "-e", "topic", "-e", "mqtt.flags.qos",
                               "-E", "header=y", "-E", "separator=,", "-E", "quote=d", "captures/mqtt-mixed-versions.pcap"], nil),
        ("read-T-fields-stomp", ["read", "-T", "fields", "-e", "frame", "-e", "type", "-e", "topic", "-e", "stomp.header.name",
                                 "-Y", "!(type == heart-beat)", "captures/stomp-websocket.pcap"], nil),
    ]

    @Test(arguments: forms.map(\.0))
    func outputFormGolden(_ name: String) throws {
        let form = Self.forms.first { $0.0 == name }!
        let args = form.1
        let input = try form.stdin.map { try Data(contentsOf: Paths.root.appendingPathComponent($0)) }
        let r = try runProcess(Paths.executable.path, args, stdin: input, in: Paths.root)
        let shown = args.map { $0.contains(where: { " !&|(){}\"".contains($0) }) ? "'\($0)'" : $0 }
        let text = "$ mqscope " + shown.joined(separator: " ") + (form.stdin.map { " < " + $0 } ?? "") + "\n" + r.out + (r.err.isEmpty ? "" : "--- stderr\n" + r.err)
        try checkGolden(text, Paths.fixtures.appendingPathComponent("golden/forms/\(name).txt"))
    }
}

/// Compares `text` with the golden at `url`; RECORD_GOLDENS=1 rewrites it and fails the run.
func checkGolden(_ text: String, _ url: URL) throws {
    if ProcessInfo.processInfo.environment["RECORD_GOLDENS"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        Issue.record("recorded \(url.lastPathComponent); review the diff and run again without RECORD_GOLDENS")
        return
    }
    guard let golden = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("no golden \(url.lastPathComponent): record it with RECORD_GOLDENS=1")
        return
    }
    let g = golden.split(separator: "\n", omittingEmptySubsequences: false)
    let t = text.split(separator: "\n", omittingEmptySubsequences: false)
    if let i = (0..<max(g.count, t.count)).first(where: { $0 >= g.count || $0 >= t.count || g[$0] != t[$0] }) {
        Issue.record("""
            \(url.lastPathComponent) differs at line \(i + 1):
              golden: \(i < g.count ? String(g[i]) : "<end>")
              now:    \(i < t.count ? String(t[i]) : "<end>")
            """)
    }
}
