import Foundation
import Testing
import TestSupport

/// What a CI pipeline relies on from `mqscope check`: baselines that survive another host, port
/// and capture order, JUnit XML that validates and groups as Jenkins and GitLab show it, and a
/// gate that fails when a capture had nothing to check.
@Suite struct CheckCIReportTests {
    static func capture(_ name: String) -> String { Paths.captures.appendingPathComponent(name).path }
    static func temp(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-ci-\(UUID().uuidString)-\(name)")
    }

    static func fingerprints(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
    }

    /// The same sessions replayed by captures/generators/replay_elsewhere.py — other addresses,
    /// ports moved by 10000, connections in reverse order — give the same baseline, and the
    /// baseline of one run accepts every finding of the other.
    @Test(arguments: ["stomp-activemq.pcap", "hostile/gap-in-publish.pcap"])
    func baselineSurvivesAnotherHostPortAndOrder(_ name: String) throws {
        let python = try #require(which("python3"))
        let moved = Self.temp("moved.pcap"), a = Self.temp("a.txt"), b = Self.temp("b.txt")
        defer { for u in [moved, a, b] { try? FileManager.default.removeItem(at: u) } }
        let script = Paths.captures.appendingPathComponent("generators/replay_elsewhere.py").path
        let g = try runProcess(python, [script, Self.capture(name), moved.path])
        try #require(g.status == 0, "\(g.err)")
        // The replay really is elsewhere: other server port, other addresses.
        let streams = try runProcess(Paths.executable.path, ["streams", moved.path])
        #expect(streams.out.contains("10.99.") && !streams.out.contains("127.0.0.1"))

        let w1 = try runProcess(Paths.executable.path, ["check", "--write-baseline", a.path, Self.capture(name)])
        let w2 = try runProcess(Paths.executable.path, ["check", "--write-baseline", b.path, moved.path])
        #expect(w1.status == 0 && w2.status == 0, "--write-baseline exits 0: \(w1.err)\(w2.err)")
        let fa = try Self.fingerprints(a), fb = try Self.fingerprints(b)
        #expect(!fa.isEmpty && fa == fb)
        for f in fa {
            #expect(!f.contains("127.0.0.1") && !f.contains("10.99.") && !f.contains("pkt=") && !f.contains("off="), "\(f)")
            #expect(f.split(separator: "|", omittingEmptySubsequences: false).count == 4, "rule|client id|packet type|value: \(f)")
        }
        // Accepted elsewhere: nothing fails, everything is marked as baselined.
        let r = try runProcess(Paths.executable.path, ["check", "--format", "json", "--fail-on", "info", "--baseline", a.path, moved.path])
        #expect(r.status == 0, "\(r.out)")
        let doc = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] ?? [:]
        let s = doc["summary"] as? [String: Any] ?? [:]
        #expect(s["failing"] as? Int == 0 && s["baselined"] as? Int == s["findings"] as? Int)
    }

    @Test func fingerprintsNameClientIDPacketTypeAndValue() throws {
        let a = Self.temp("a.txt")
        defer { try? FileManager.default.removeItem(at: a) }
        _ = try runProcess(Paths.executable.path, ["check", "--write-baseline", a.path, Self.capture("hostile/gap-in-publish.pcap"),
                                                   Self.capture("stomp-activemq.pcap")])
        let f = try Self.fingerprints(a)
        #expect(f.contains("MQTT311-2.3.1-6|mqscope-pub-blob|PUBACK|PUBACK id 1 matches no request seen; the request may be in bytes the capture lacks"), "\(f)")
        // A message citing another frame is fingerprinted without the frame number.
        #expect(f.contains("STOMP-1.2-ERROR-CLOSE|-|RECEIPT|RECEIPT sent after the server's ERROR in frame; it must close"), "\(f)")
    }

    /// Validates against docs/schema/junit.xsd, then reads the report as Jenkins does (classname
    /// split at its last dot into package and class; "(root)" when it has none) and as GitLab
    /// does (suite name, classname, name).
    @Test func junitValidatesAndGroupsAsCIShowsIt() throws {
        let python = try #require(which("python3"))
        let xml = Self.temp("junit.xml")
        defer { try? FileManager.default.removeItem(at: xml) }
        let files = ["stomp-activemq.pcap", "hostile/gap-in-publish.pcap", "tls-8883.pcap", "hostile/not-a-capture.pcap"]
        let r = try runProcess(Paths.executable.path, ["check", "--junit", xml.path, "--require-connections", "100"]
                               + files.map(Self.capture))
        #expect(r.status == 2, "an unreadable file: \(r.err)")
        let script = """
            import sys, xmlschema, xml.etree.ElementTree as E
            xmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2])
            root = E.parse(sys.argv[2]).getroot()
            for suite in root.iter("testsuite"):
                for case in suite.iter("testcase"):
                    cls = case.get("classname")
                    package, _, klass = cls.rpartition(".")
                    outcome = next((c.tag for c in case if c.tag in ("failure", "error", "skipped")), "passed")
                    print(f"{suite.get('name')}|{package or '(root)'}|{klass}|{case.get('name')}|{outcome}")
            """
        let xsd = Paths.root.appendingPathComponent("docs/schema/junit.xsd").path
        let v = try runProcess(python, ["-c", script, xsd, xml.path])
        try #require(v.status == 0, "JUnit XML does not validate: \(v.err)")
        let rows = v.out.split(separator: "\n").map(String.init)
        let c = Self.capture
        let expected = [
            "\(c("stomp-activemq.pcap"))|(root)|connection-0|checked|passed",
            "\(c("stomp-activemq.pcap"))|(root)|connection-1|STOMP-1.1-CONNECT-HDRS|failure",
            "\(c("stomp-activemq.pcap"))|(root)|connection-2|checked|passed",
            // A warning below --fail-on error passes (listed in system-out).
            "\(c("stomp-activemq.pcap"))|(root)|connection-3|STOMP-1.2-TX-END|passed",
            "\(c("stomp-activemq.pcap"))|(root)|connection-3|STOMP-1.2-ERROR-CLOSE|failure",
            "\(c("hostile/gap-in-publish.pcap"))|(root)|mqscope-pub-retain|checked|passed",
            "\(c("hostile/gap-in-publish.pcap"))|(root)|mqscope-pub-blob|TCP-GAP|skipped",
            "\(c("hostile/gap-in-publish.pcap"))|(root)|mqscope-pub-blob|MQTT311-2.3.1-6|skipped",
            "\(c("tls-8883.pcap"))|(root)|capture|require-connections|failure",
            "\(c("hostile/not-a-capture.pcap"))|(root)|capture|read|error",
        ]
        for e in expected { #expect(rows.contains(e), "missing \(e) in\n\(v.out)") }
        // Every case is found by (suite, classname, name) alone, and no classname holds an address.
        let keys = rows.map { $0.split(separator: "|").prefix(4).joined(separator: "|") }
        #expect(Set(keys).count == keys.count, "duplicate (classname, name)")
        #expect(!rows.contains { $0.contains("127.0.0.1") })

        // Baselined findings are skipped, not failed.
        let base = Self.temp("base.txt")
        defer { try? FileManager.default.removeItem(at: base) }
        _ = try runProcess(Paths.executable.path, ["check", "--write-baseline", base.path, c("stomp-activemq.pcap")])
        let again = try runProcess(Paths.executable.path, ["check", "--baseline", base.path, "--junit", xml.path, c("stomp-activemq.pcap")])
        #expect(again.status == 0)
        let text = try String(contentsOf: xml, encoding: .utf8)
        #expect(text.contains("<skipped message=\"in the baseline\"/>") && !text.contains("<failure"), "\(text)")
    }

    @Test func classNamesAreDotSafeClientIDs() throws {
        // mqtt-mixed-versions.pcap's clients reconnect with the same client id; ids keep their
        // text, dots excepted, and a repeated id is numbered.
        let xml = Self.temp("junit.xml")
        defer { try? FileManager.default.removeItem(at: xml) }
        _ = try runProcess(Paths.executable.path, ["check", "--junit", xml.path, Self.capture("mqtt-mixed-versions.pcap")])
        let text = try String(contentsOf: xml, encoding: .utf8)
        let classes = text.split(separator: "\n").compactMap { line -> String? in
            guard let r = line.range(of: "classname=\"") else { return nil }
            return String(line[r.upperBound...].prefix { $0 != "\"" })
        }
        #expect(!classes.isEmpty && classes.allSatisfy { !$0.contains(".") && !$0.contains(":") }, "\(classes)")
        #expect(Set(classes).count == classes.count, "one class per connection: \(classes)")
    }

    @Test func gateFailsWhenNothingWasChecked() throws {
        let tls = try runProcess(Paths.executable.path, ["check", Self.capture("tls-8883.pcap")])
        #expect(tls.status == 1)
        #expect(tls.err.contains("0 connections checked") && tls.err.contains("1 tls connection not checked: no key log given"), "\(tls.err)")
        let empty = try runProcess(Paths.executable.path, ["check", Self.capture("hostile/empty.pcap")])
        #expect(empty.status == 1 && empty.err.contains("the capture is empty"), "\(empty.err)")
        let off = try runProcess(Paths.executable.path, ["check", "--require-connections", "0", Self.capture("tls-8883.pcap")])
        #expect(off.status == 0)
        // Counted over all the files: the TLS capture beside a clean one passes the default.
        let clean = Self.capture("mqtt311-mosquitto-clients.pcap")
        let both = try runProcess(Paths.executable.path, ["check", Self.capture("tls-8883.pcap"), clean])
        #expect(both.status == 0, "\(both.err)")
        let six = try runProcess(Paths.executable.path, ["check", "--require-connections", "6", clean])
        #expect(six.status == 0)
        let seven = try runProcess(Paths.executable.path, ["check", "--require-connections", "7", clean])
        #expect(seven.status == 1 && seven.err.contains("6 connections checked, --require-connections wants 7"), "\(seven.err)")
        let unknown = try runProcess(Paths.executable.path, ["check", Self.capture("tls-8883.pcap"), Self.capture("hostile/empty.pcap")])
        #expect(unknown.err.contains("tls-8883.pcap: 1 tls connection not checked: no key log given") && unknown.err.contains("empty.pcap: the capture is empty"),
                "\(unknown.err)")
    }
}
