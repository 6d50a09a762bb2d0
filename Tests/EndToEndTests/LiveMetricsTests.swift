import Foundation
import Testing
import TestSupport

/// `live --metrics`: real clients through a real mosquitto while `mqscope live` captures, scraped
/// by a real Prometheus server (Debian `prometheus`) started here with its own scrape
/// configuration; the test asks Prometheus's HTTP API for the counts and histogram buckets.
/// Needs root or CAP_NET_RAW; every process started here is stopped before it returns.
@Suite(.serialized) struct LiveMetricsTests {
    typealias L = LiveCaptureTests

    /// One instant-vector query; the sum of the result's values (nil when Prometheus has none yet).
    static func query(_ port: Int, _ promql: String) -> Double? {
        guard let r = try? runProcess("/usr/bin/curl", ["-s", "-G", "http://127.0.0.1:\(port)/api/v1/query", "--data-urlencode", "query=\(promql)"]),
              let doc = try? JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any],
              let data = doc["data"] as? [String: Any], let result = data["result"] as? [[String: Any]], !result.isEmpty
        else { return nil }
        return result.reduce(0) { sum, item in
            sum + (Double(((item["value"] as? [Any])?.last as? String) ?? "") ?? 0)
        }
    }

    /// The capture filter names the test's broker port only, so other brokers on the machine cannot
    /// change the counts.
    @Test func prometheusScrapesLiveMetrics() throws {
        try #require(getuid() == 0, "live capture needs root (or CAP_NET_RAW); CI runs as root")
        guard let mosquitto = L.mosquittoPath, let pub = which("mosquitto_pub"), let sub = which("mosquitto_sub"),
              let python = which("python3"), let prometheus = which("prometheus") ?? (FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") ? "/usr/bin/prometheus" : nil)
        else {
            Issue.record("mosquitto, mosquitto-clients, python3 and prometheus are needed (scripts/setup.sh installs them)")
            return
        }
        let dir = try L.scratch("metrics")
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try L.freePort(), metricsPort = try L.freePort(), promPort = try L.freePort()
        let broker = try L.startMosquitto(mosquitto, port: port, dir: dir)
        defer { broker.stop() }
        #expect(L.listening(on: port, python: python, within: 10))
        let live = try L.Background(Paths.executable.path,
                                    ["live", "-i", "lo", "-f", "tcp port \(port)", "--port", String(port), "--check",
                                     "--metrics", "127.0.0.1:\(metricsPort)"],
                                    dir: dir, name: "live")
        defer { live.stop() }
        #expect(L.waitFor(10) { live.stderrText.contains("capturing on lo") }, "live did not start: \(live.stderrText)")
        #expect(L.listening(on: metricsPort, python: python, within: 10), "no metrics endpoint")

        // Prometheus scraping the endpoint every second.
        let config = dir.appendingPathComponent("prometheus.yml")
        try """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: mqscope
                static_configs:
                  - targets: ['127.0.0.1:\(metricsPort)']
            """.write(to: config, atomically: true, encoding: .utf8)
        let server = try L.Background(prometheus, ["--config.file=\(config.path)", "--storage.tsdb.path=\(dir.appendingPathComponent("data").path)",
                                                   "--web.listen-address=127.0.0.1:\(promPort)"], dir: dir, name: "prometheus")
        defer { server.stop() }
        #expect(L.listening(on: promPort, python: python, within: 30), "prometheus did not start: \(server.stderrText)")

        // The live capture test's session: 4 publishes (QoS 0, 1, 2, paho's QoS 1), 3 deliveries.
        try L.runSession(pub: pub, sub: sub, python: python, port: port, dir: dir)

        // What Prometheus stored: 7 PUBLISH (4 published, 3 delivered), 5 CONNECT, the latency
        // histograms' counts and buckets, the topic series, the capture counters, no finding.
        let publishes = #"sum(mqscope_mqtt_packets_total{type="PUBLISH"})"#
        #expect(L.waitFor(40) { Self.query(promPort, publishes) == 7 }, "PUBLISH count: \(String(describing: Self.query(promPort, publishes)))")
        #expect(Self.query(promPort, #"sum(mqscope_mqtt_packets_total{type="CONNECT",direction="client_to_server"})"#) == 5)
        #expect(Self.query(promPort, #"sum(mqscope_mqtt_packets_total{type="PUBLISH",direction="server_to_client"})"#) == 3)
        let connack = #"mqscope_latency_seconds_count{exchange="CONNECT→CONNACK",requester="client"}"#
        #expect(L.waitFor(10) { Self.query(promPort, connack) == 5 })
        // PUBACK answering a client's PUBLISH: mosquitto_pub's QoS 1 and paho's.
        #expect(Self.query(promPort, #"mqscope_latency_seconds_bucket{exchange="PUBLISH→PUBACK",requester="client",le="+Inf"}"#) == 2)
        #expect(Self.query(promPort, #"mqscope_latency_seconds_bucket{exchange="PUBLISH→PUBACK",requester="broker",le="+Inf"}"#) == 2)
        #expect(Self.query(promPort, #"count(mqscope_latency_seconds_bucket{exchange="SUBSCRIBE→SUBACK",requester="client"})"#) == 11)
        #expect(Self.query(promPort, #"sum(mqscope_topic_messages_total{topic="live/c",direction="published"})"#) == 1)
        #expect((Self.query(promPort, "mqscope_capture_received_packets") ?? 0) > 0)
        #expect(Self.query(promPort, "mqscope_capture_dropped_packets") == 0)
        #expect(Self.query(promPort, #"sum(mqscope_findings_total{severity="error"})"#) == nil)
        live.signal(SIGINT)
        #expect(live.waitUntilExit(seconds: 10), "live did not stop on SIGINT")
    }
}
