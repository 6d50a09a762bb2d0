import Foundation
import Testing
import TestSupport

/// `mqscope check` and `mqscope rules` through the built executable.
@Suite struct CheckCLITests {
    static let invalidQoS = Paths.external.appendingPathComponent("suricata-verify/mqtt-events-invalid-qos/input.pcap")
    static let clean = Paths.captures.appendingPathComponent("mqtt311-mosquitto-clients.pcap")

    @Test func cleanCaptureExits0() throws {
        let r = try runProcess(Paths.executable.path, ["check", Self.clean.path])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("0 errors, 0 warnings"))
    }

    /// `--explain` prints the chain of evidence of cross-connection findings; `--grace` sets the
    /// Will rule's window (and is stated); the JSON `evidence` array follows the schema.
    @Test func explainGraceAndEvidence() throws {
        let pcap = Paths.captures.appendingPathComponent("broker/will-fault-drop-will.pcap").path
        let r = try runProcess(Paths.executable.path, ["check", "--explain", "--grace", "1", "--fail-on", "warning", pcap])
        #expect(r.status == 1)
        #expect(r.out.contains("grace 1 s (--grace)") && r.out.contains("    evidence: subscription #0 frame 8 filter \"fault/will/#\""))
        let j = try runProcess(Paths.executable.path, ["check", "--format", "json", pcap,
                                                       Paths.captures.appendingPathComponent("broker/fault-qos.pcap").path])
        #expect(j.out.contains("\"evidence\""))
        #expect(try schemaViolations(j.out, schema: "check-v2.json") == "")
        let bad = try runProcess(Paths.executable.path, ["check", "--grace", "-1", pcap])
        #expect(bad.status == 2)
    }

    @Test(Corpus.required) func violationExits1AndNamesRuleFrameAndBytes() throws {
        try #require(FileManager.default.fileExists(atPath: Self.invalidQoS.path))
        let r = try runProcess(Paths.executable.path, ["check", Self.invalidQoS.path])
        #expect(r.status == 1)
        #expect(r.out.contains("error MQTT311-3.3.1-4"))
        #expect(r.out.contains("frame 8"))
        let never = try runProcess(Paths.executable.path, ["check", "--fail-on", "never", Self.invalidQoS.path])
        #expect(never.status == 0)
    }

    @Test(Corpus.required) func jsonMatchesTheSchema() throws {
        try #require(FileManager.default.fileExists(atPath: Self.invalidQoS.path))
        let r = try runProcess(Paths.executable.path, ["check", "--format", "json", Self.invalidQoS.path, Self.clean.path,
                                                       Paths.captures.appendingPathComponent("hostile/midstream-start.pcap").path])
        #expect(r.status == 1)
        #expect(try schemaViolations(r.out, schema: "check-v2.json") == "")
        let doc = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let summary = doc?["summary"] as? [String: Any]
        let byRule = summary?["by_rule"] as? [String: Int]
        #expect(byRule?["MQTT311-3.3.1-4"] == 1)
    }

    @Test(Corpus.required) func junitHasACasePerConnectionAndRule() throws {
        try #require(FileManager.default.fileExists(atPath: Self.invalidQoS.path))
        let xml = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-junit-\(UUID().uuidString).xml")
        defer { try? FileManager.default.removeItem(at: xml) }
        let r = try runProcess(Paths.executable.path, ["check", "--junit", xml.path, Self.invalidQoS.path])
        #expect(r.status == 1)
        let text = try String(contentsOf: xml, encoding: .utf8)
        #expect(text.contains("<testcase classname=") && text.contains("name=\"MQTT311-3.3.1-4\""))
        #expect(text.contains("<failure type=\"error\""))
        if let python = which("python3") {
            let parse = try runProcess(python, ["-c", "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])", xml.path])
            #expect(parse.status == 0, "JUnit XML does not parse: \(parse.err)")
        }
    }

    @Test(Corpus.required) func baselineRoundTrip() throws {
        try #require(FileManager.default.fileExists(atPath: Self.invalidQoS.path))
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-baseline-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let w = try runProcess(Paths.executable.path, ["check", "--write-baseline", base.path, Self.invalidQoS.path])
        #expect(w.status == 0, "writing a baseline accepts the findings")
        let r = try runProcess(Paths.executable.path, ["check", "--baseline", base.path, Self.invalidQoS.path])
        #expect(r.status == 0, "\(r.out)")
        #expect(r.out.contains("(baseline)"))
    }

    @Test func badArgumentsExit2() throws {
        let a = try runProcess(Paths.executable.path, ["check", "--disable", "NO-SUCH-RULE", Self.clean.path])
        #expect(a.status == 2)
        let b = try runProcess(Paths.executable.path, ["check", "--fail-on", "sometimes", Self.clean.path])
        #expect(b.status == 2)
        let c = try runProcess(Paths.executable.path, ["check", "/nonexistent.pcap"])
        #expect(c.status == 2)
        let d = try runProcess(Paths.executable.path, ["check", "--no-such-flag", Self.clean.path])
        #expect(d.status == 2)
        let e = try runProcess(Paths.executable.path, ["check", "--severity", "MQTT5-3.3.2-8=loud", Self.clean.path])
        #expect(e.status == 2)
    }

    @Test func conformanceTableIsCurrent() throws {
        let r = try runProcess(Paths.executable.path, ["rules", "--format", "markdown"])
        let doc = try String(contentsOf: Paths.root.appendingPathComponent("docs/conformance.md"), encoding: .utf8)
        #expect(r.status == 0 && doc.contains(r.out), "docs/conformance.md is stale: regenerate with `mqscope rules --format markdown`")
        // The README carries the summary table.
        let readme = try String(contentsOf: Paths.root.appendingPathComponent("README.md"), encoding: .utf8)
        let summary = r.out.components(separatedBy: "\n\n").first { $0.contains("| Specification | Statements |") } ?? "missing"
        #expect(readme.contains(summary.trimmingCharacters(in: .whitespacesAndNewlines)), "README's rule table is stale")
    }

    @Test func rulesListsCatalogWithImplementation() throws {
        let r = try runProcess(Paths.executable.path, ["rules", "--format", "json"])
        #expect(r.status == 0)
        let doc = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let statements = doc?["statements"] as? [[String: Any]] ?? []
        #expect(statements.count > 400)
        let first = statements.first { $0["id"] as? String == "MQTT311-3.1.0-1" }
        #expect(first?["implemented"] as? Bool == true)
        let text = try runProcess(Paths.executable.path, ["rules"])
        #expect(text.out.contains("SUMMARY") && text.out.contains("MQTT 5.0:"))
    }
}
