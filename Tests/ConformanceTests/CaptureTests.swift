import Foundation
import Testing
import WireCore
import Analysis
import Conformance
import MQTTCodec
import TestSupport

func check(_ url: URL, config: CheckConfig = CheckConfig()) throws -> CheckReport {
    var report = CheckReport(config: config)
    report.beginFile(url.lastPathComponent)
    let summary = try CaptureAnalysis.run(path: url.path, options: AnalysisOptions(), sink: &report)
    report.endFile(summary)
    return report
}

/// What the real software in captures/ really does wrong, read from the bytes: the only errors
/// and warnings allowed on the real captures (rule, frames).
let realSoftwareFindings: [String: Set<String>] = [
    "stomp-activemq.pcap": [
        // stomp.py 8 sends its 1.1 STOMP frame without the host header STOMP 1.1 requires.
        "STOMP-1.1-CONNECT-HDRS@54",
        // The deliberate error session (captures/clients): COMMIT of a transaction never begun …
        "STOMP-1.2-TX-END@196",
        // … which ActiveMQ 5.17 answers with ERROR (frame 197) and then, instead of closing, a
        // RECEIPT for the DISCONNECT (STOMP 1.2: after ERROR the server must close).
        "STOMP-1.2-ERROR-CLOSE@200",
    ],
]

@Suite struct CleanCaptureTests {
    /// The real mosquitto, paho, ActiveMQ and stomp.py sessions in captures/: any error or warning
    /// other than the listed real violations is a false positive; each listed one must be found.
    @Test(arguments: Paths.files(in: Paths.captures).map(\.lastPathComponent))
    func noErrorsOrWarnings(_ name: String) throws {
        let report = try check(Paths.captures.appendingPathComponent(name))
        let bad = report.findings.filter { $0.finding.severity >= .warning }
        let found = Set(bad.map { "\($0.finding.rule)@\($0.finding.frames.map(String.init).joined(separator: ","))" })
        #expect(found == realSoftwareFindings[name] ?? [],
                "\(name): \(bad.map { "\($0.finding.rule) frame \($0.finding.frames): \($0.finding.message)" })")
    }

    @Test func cleanCapturesHaveMQTTConnections() throws {
        let report = try check(Paths.captures.appendingPathComponent("mqtt-mixed-versions.pcap"))
        #expect(report.connections.count >= 10)
        #expect(report.connections.contains { $0.clientID != nil && $0.mqttVersion == .v5 })
    }

    /// Hostile variants: a gap or a mid-stream start must never turn into a state violation.
    @Test(arguments: ["gap-in-publish.pcap", "midstream-start.pcap", "reordered.pcap", "snaplen-128.pcap",
                      "snaplen-60.pcap", "duplicate-segment.pcap", "rst-midsession.pcap"])
    func hostileCapturesHaveNoStateViolations(_ name: String) throws {
        let report = try check(Paths.captures.appendingPathComponent("hostile").appendingPathComponent(name))
        let bad = report.findings.filter { $0.finding.checkRule != nil && $0.finding.verdict == .violation }
        #expect(bad.isEmpty, "\(name): \(bad.map { "\($0.finding.rule): \($0.finding.message)" })")
    }

    /// After conflicting retransmissions the kept copy may not be what the peer read: findings from
    /// the bytes after it are ambiguous (unverifiable), listed once per rule.
    @Test func findingsAfterAConflictingOverlapAreUnverifiable() throws {
        let report = try check(Paths.captures.appendingPathComponent("hostile/overlap-conflict.pcap"))
        #expect(report.findings.contains { $0.finding.rule == "TCP-OVERLAP-MISMATCH" })
        let errors = report.findings.filter { $0.finding.severity == .error }
        #expect(errors.isEmpty, "\(errors.map { "\($0.finding.rule): \($0.finding.message)" })")
        let ambiguous = report.findings.filter { $0.finding.message.contains("ambiguous") }
        #expect(!ambiguous.isEmpty && Set(ambiguous.map(\.finding.rule)).count == ambiguous.count)
    }

    @Test func midstreamStartSaysUnverifiable() throws {
        let report = try check(Paths.captures.appendingPathComponent("hostile/midstream-start.pcap"))
        #expect(report.findings.contains {
            $0.finding.checkRule == MQTTCheckRule.firstPacketConnect.rawValue && $0.finding.verdict == .unverifiable
        })
    }

    @Test(Corpus.required) func fingerprintsAreStableAcrossRuns() throws {
        let url = Paths.external.appendingPathComponent("suricata-verify/mqtt-events-invalid-qos/input.pcap")
        try #require(FileManager.default.fileExists(atPath: url.path))
        let a = try check(url).findings.map(\.fingerprint)
        let b = try check(url).findings.map(\.fingerprint)
        #expect(!a.isEmpty && a == b)
        #expect(a.allSatisfy { !$0.contains("38500") }, "no ephemeral client port in fingerprints")
    }

    @Test(Corpus.required) func baselineSilencesKnownFindings() throws {
        let url = Paths.external.appendingPathComponent("suricata-verify/mqtt-events-invalid-qos/input.pcap")
        try #require(FileManager.default.fileExists(atPath: url.path))
        let first = try check(url)
        #expect(first.failing(atOrAbove: .error) > 0)
        var config = CheckConfig()
        config.baseline = CheckReport.parseBaseline(first.baselineText())
        let second = try check(url, config: config)
        #expect(second.failing(atOrAbove: .error) == 0)
        #expect(second.findings.count == first.findings.count)
    }

    @Test(Corpus.required) func disableAndSeverityOverride() throws {
        let url = Paths.external.appendingPathComponent("suricata-verify/mqtt-events-invalid-qos/input.pcap")
        try #require(FileManager.default.fileExists(atPath: url.path))
        var config = CheckConfig()
        config.disabled = ["MQTT311-3.3.1-4"]
        #expect(try check(url, config: config).findings.allSatisfy { $0.finding.rule != "MQTT311-3.3.1-4" })
        config = CheckConfig()
        config.severities = ["MQTT311-3.3.1-4": .warning]
        let r = try check(url, config: config)
        #expect(r.findings.contains { $0.finding.rule == "MQTT311-3.3.1-4" && $0.finding.severity == .warning })
        #expect(r.failing(atOrAbove: .error) == 0)
        config = CheckConfig()
        config.disabled = ["all"]
        config.enabled = ["MQTT311-3.3.1-4"]
        let only = try check(url, config: config)
        #expect(!only.findings.isEmpty && only.findings.allSatisfy { $0.finding.rule == "MQTT311-3.3.1-4" })
    }
}

/// Every anomaly suricata-verify asserts on an MQTT capture has a corresponding mqscope finding.
@Suite(Corpus.required) struct SuricataComparisonTests {
    static func table() -> [String: [String]] {
        let text = (try? String(contentsOf: Paths.fixtures.appendingPathComponent("suricata-anomalies.tsv"), encoding: .utf8)) ?? ""
        var t: [String: [String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let cols = line.split(separator: "\t").map(String.init)
            if cols.count >= 2 { t[cols[0]] = cols[1].split(separator: ",").map(String.init) }
        }
        return t
    }

    /// (test dir, anomaly events) from each test.yaml that asserts MQTT anomalies.
    static func expectations() -> [(String, [String])] {
        let dir = Paths.external.appendingPathComponent("suricata-verify")
        let tests = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
        var out: [(String, [String])] = []
        for t in tests where t.hasPrefix("mqtt") {
            guard let yaml = try? String(contentsOf: dir.appendingPathComponent("\(t)/test.yaml"), encoding: .utf8) else { continue }
            var events: [String] = []
            for line in yaml.split(separator: "\n") {
                let l = line.trimmingCharacters(in: .whitespaces)
                if l.hasPrefix("anomaly.event:") {
                    events.append(l.dropFirst("anomaly.event:".count).trimmingCharacters(in: .whitespaces))
                }
            }
            if !events.isEmpty { out.append((t, events)) }
        }
        return out
    }

    @Test func corpusHasTheExpectedTests() {
        let e = Self.expectations()
        #expect(e.count >= 6, "suricata-verify corpus not found or changed: \(e.map(\.0))")
    }

    @Test func everyAnomalyHasACorrespondingFinding() throws {
        let table = Self.table()
        let dir = Paths.external.appendingPathComponent("suricata-verify")
        for (test, events) in Self.expectations() {
            let pcap = dir.appendingPathComponent("\(test)/input.pcap")
            let report = try check(pcap)
            let reported = Set(report.findings.map(\.finding.rule.rawValue))
            for event in events {
                let rules = try #require(table[event], "no mapping for Suricata event \(event) (Fixtures/suricata-anomalies.tsv)")
                #expect(rules.contains { reported.contains($0) },
                        "\(test): Suricata raises \(event); mqscope reported only \(reported.sorted())")
            }
        }
    }
}
