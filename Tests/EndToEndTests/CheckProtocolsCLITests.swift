import Foundation
import Testing
import TestSupport

/// `mqscope check` on STOMP and WebSocket connections: the same report, schema and exit codes
/// as for MQTT.
@Suite struct CheckProtocolsCLITests {
    static func capture(_ name: String) -> String { Paths.captures.appendingPathComponent(name).path }
    static func external(_ name: String) -> String { Paths.external.appendingPathComponent(name).path }

    /// Runs `check --format json` and returns the exit status, the document and the rule ids found.
    static func check(_ files: [String], _ extra: [String] = []) throws -> (status: Int32, doc: [String: Any], rules: [String]) {
        let r = try runProcess(Paths.executable.path, ["check", "--format", "json"] + extra + files)
        #expect(try schemaViolations(r.out, schema: "check-v2.json") == "", "\(files)")
        let doc = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] ?? [:]
        let findings = doc["findings"] as? [[String: Any]] ?? []
        return (r.status, doc, findings.compactMap { $0["rule"] as? String })
    }

    static func summary(_ doc: [String: Any]) -> [String: Any] { doc["summary"] as? [String: Any] ?? [:] }

    @Test func cleanRealCapturesOfEveryProtocolExit0() throws {
        let files = ["stomp-activemq.pcap", "stomp-websocket.pcap", "mqtt-websocket.pcap", "tls-8883.pcap",
                     "mqtt5-paho.pcap"].map(Self.capture)
        // stomp-activemq.pcap holds three real violations (see CaptureTests.realSoftwareFindings):
        // accepted through a baseline, as a CI pipeline would.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-stomp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let w = try runProcess(Paths.executable.path, ["check", "--write-baseline", base.path, Self.capture("stomp-activemq.pcap")])
        #expect(w.status == 1)
        let known = try String(contentsOf: base, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(known.map { $0.split(separator: "|").first.map(String.init) ?? "" }.sorted()
                == ["STOMP-1.1-CONNECT-HDRS", "STOMP-1.2-ERROR-CLOSE", "STOMP-1.2-TX-END"])
        let r = try Self.check(files, ["--baseline", base.path])
        #expect(r.status == 0, "\(r.rules)")
        let s = Self.summary(r.doc)
        let by = s["by_protocol"] as? [String: Int] ?? [:]
        #expect(by["stomp"] == 4 && by["websocket+stomp"] == 1 && by["websocket+mqtt"] == 1 && (by["mqtt"] ?? 0) >= 1,
                "\(by)")
        #expect((s["not_checked"] as? [String: Int]) == ["tls": 1])
        #expect(s["baselined"] as? Int == 3 && s["failing"] as? Int == 0, "\(r.rules)")
        let connections = r.doc["connections"] as? [[String: Any]] ?? []
        let versions = Set(connections.filter { ($0["protocol"] as? String) == "stomp" }.compactMap { $0["version"] as? String })
        #expect(versions == ["1.0", "1.1", "1.2"])
    }

    @Test func mqttInATextFrame() throws {
        let r = try Self.check([Self.capture("hostile/mqtt-websocket-text-frame.pcap")])
        #expect(r.status == 1)
        #expect(r.rules == ["MQTT-6.0.0-1"])
        let f = (r.doc["findings"] as? [[String: Any]])?.first ?? [:]
        #expect(f["layer"] as? String == "websocket" && f["direction"] as? String == "s2c" && f["frames"] as? [Int] == [9])
    }

    @Test func subprotocolOtherThanMQTT() throws {
        let r = try Self.check([Self.capture("hostile/mqtt-websocket-subprotocol.pcap")])
        #expect(r.status == 1)
        #expect(r.rules == ["MQTT-6.0.0-3", "MQTT-6.0.0-4"])
        // The same rules can be switched off by name like any other.
        let off = try Self.check([Self.capture("hostile/mqtt-websocket-subprotocol.pcap")],
                                 ["--disable", "websocket-subprotocol-offered", "--disable", "MQTT-6.0.0-4"])
        #expect(off.status == 0 && off.rules.isEmpty)
    }

    @Test func reframedWebSocketHasNoFinding() throws {
        let r = try Self.check([Self.capture("hostile/mqtt-websocket-reframed.pcap")])
        #expect(r.status == 0 && r.rules.isEmpty, "\(r.rules)")
    }

    /// nDPI's STOMP 1.1 capture: a STOMP frame without host, a lowercase `message` that also has
    /// no subscription header.
    @Test(Corpus.required) func ndpiSTOMPOddities() throws {
        let r = try Self.check([Self.external("ndpi/stomp.pcapng")])
        #expect(r.status == 1)
        #expect(r.rules.contains("STOMP-1.1-FRAME-COMMAND"), "\(r.rules)")
        #expect(r.rules.contains("STOMP-1.1-CONNECT-HDRS"), "\(r.rules)")
        #expect(r.rules.contains("STOMP-1.1-MSG-HDRS"), "\(r.rules)")
        let f = r.doc["findings"] as? [[String: Any]] ?? []
        #expect(f.allSatisfy { $0["layer"] as? String == "stomp" && $0["version"] as? String == "1.1" })
    }

    /// An unknown (lowercase) client command is a warning: a client may send unlisted frames
    /// (spec-rules.md, STOMP-1.2-FRAME-COMMAND), so it fails only with --fail-on warning.
    @Test func stompLowercaseCommandCapture() throws {
        let r = try Self.check([Self.capture("hostile/stomp-lowercase-command.pcap")], ["--fail-on", "warning"])
        #expect(r.status == 1)
        #expect(r.rules.contains("STOMP-1.1-FRAME-COMMAND"), "\(r.rules)")
    }

    /// The peers' WebSocket captures and the oddities their suites expect.
    @Test(Corpus.required) func peerWebSocketOddities() throws {
        let cases: [(String, String)] = [
            ("zeek/websocket/wrong-accept-header.pcap", "WS-RFC6455-4.2.2-BAD-ACCEPT"),
            ("zeek/websocket/oversized-close-frame.pcapng", "WS-RFC6455-5.5-CONTROL-TOO-LONG"),
            ("scapy/websocket_invalid_handshakes.pcap", "WS-HANDSHAKE-INVALID"),
            ("scapy/websocket_invalid_handshakes.pcap", "WS-RFC6455-4.2.2-BAD-ACCEPT"),
        ]
        for (file, rule) in cases {
            let r = try Self.check([Self.external(file)])
            #expect(r.status == 1, "\(file)")
            #expect(r.rules.contains(rule), "\(file): \(r.rules)")
        }
        // A ping between the fragments of a message is allowed (RFC 6455 §5.4): no frame finding.
        let frag = try Self.check([Self.external("suricata-verify/websocket-control-frag/input.pcap")])
        #expect(!frag.rules.contains { $0.hasPrefix("WS-RFC6455-5.4") || $0.hasPrefix("WS-RFC6455-5.5") }, "\(frag.rules)")
        let clean = try Self.check([Self.external("zeek/websocket/two-binary-fragments.pcap")])
        #expect(clean.status == 0 && clean.rules.isEmpty, "\(clean.rules)")
    }

    @Test func textReportNamesLayerAndProtocols() throws {
        let r = try runProcess(Paths.executable.path, ["check", Self.capture("hostile/mqtt-websocket-text-frame.pcap"),
                                                       Self.capture("tls-8883.pcap")])
        #expect(r.status == 1)
        #expect(r.out.contains("error MQTT-6.0.0-1 [websocket]"), "\(r.out)")
        #expect(r.out.contains("1 connection checked (1 websocket+mqtt) in 2 files"), "\(r.out)")
        #expect(r.out.contains("not checked: 1 tls"), "\(r.out)")
    }
}

/// MQTT picked up mid-stream on a port of no known protocol (nDPI's coap_mqtt.pcap, port 17501):
/// found by content, as nDPI finds it, where tshark needs `-d tcp.port==17501,mqtt`.
@Suite(Corpus.required) struct MidStreamDetectionCLITests {
    @Test func midStreamMQTTOnAnUnknownPortIsFound() throws {
        let r = try runProcess(Paths.executable.path, ["streams", "--format", "json",
                                                       Paths.external.appendingPathComponent("ndpi/coap_mqtt.pcap").path])
        #expect(r.status == 0)
        let doc = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] ?? [:]
        let file = (doc["files"] as? [[String: Any]])?.first ?? [:]
        let connections = file["connections"] as? [[String: Any]] ?? []
        #expect(connections.count == 4)
        #expect(connections.allSatisfy { $0["protocol"] as? String == "mqtt" && $0["detected_by"] as? String == "content" })
        #expect(connections.filter { $0["handshake_seen"] as? Bool == false }.count == 3)
        // The check finds nothing wrong there; what needs the lost starts is unverifiable.
        let c = try runProcess(Paths.executable.path, ["check", Paths.external.appendingPathComponent("ndpi/coap_mqtt.pcap").path])
        #expect(c.status == 0 && c.out.contains("4 connections checked (4 mqtt)") && c.out.contains("0 errors, 0 warnings"), "\(c.out)")
    }
}

/// `check --format json` over every readable capture, bundled and external, in one run: the
/// document validates against check-v2, every connection of every protocol is accounted for
/// (checked or counted as not checked), and every finding names a known rule.
@Suite struct CheckWholeCorpusTests {
    @Test func everyCaptureChecksToAValidDocument() throws {
        let files = ReadSchemaTests.files
        let r = try runProcess(Paths.executable.path, ["check", "--format", "json", "--fail-on", "never"] + files)
        #expect(r.status == 0, "\(r.err)")
        #expect(try schemaViolations(r.out, schema: "check-v2.json") == "")
        let doc = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] ?? [:]
        let summary = doc["summary"] as? [String: Any] ?? [:]
        let byProtocol = summary["by_protocol"] as? [String: Int] ?? [:]
        // websocket+unknown and some layers' rules occur only in the peer corpus.
        for p in ["mqtt", "stomp", "websocket+mqtt", "websocket+stomp"] + (Corpus.isAvailable ? ["websocket+unknown"] : []) {
            #expect((byProtocol[p] ?? 0) > 0, "no \(p) connection checked: \(byProtocol)")
        }
        #expect((summary["not_checked"] as? [String: Int])?["tls"] ?? 0 > 0)
        let rules = try runProcess(Paths.executable.path, ["rules", "--rules-only", "--format", "json"])
        let catalog = try JSONSerialization.jsonObject(with: Data(rules.out.utf8)) as? [String: Any] ?? [:]
        let known = Set((catalog["rules"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        let reported = Set((summary["by_rule"] as? [String: Int] ?? [:]).keys)
        #expect(reported.subtracting(known).isEmpty, "findings under rule ids the catalog does not list: \(reported.subtracting(known).sorted())")
        // Each layer's rules fire somewhere in the corpus.
        for rule in ["TCP-GAP", "TCP-OVERLAP-MISMATCH", "MQTT311-3.3.1-4", "MQTT-6.0.0-1", "WS-HANDSHAKE-INVALID",
                     "WS-RFC6455-4.2.2-BAD-ACCEPT", "STOMP-1.1-CONNECT-HDRS", "STOMP-1.1-FRAME-COMMAND"]
        where Corpus.isAvailable {
            #expect(reported.contains(rule), "\(rule) never reported on the corpus")
        }
    }
}
