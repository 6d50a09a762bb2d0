public import WireCore
import MQTTCodec
public import Analysis
import Statistics
import STOMPCodec
import TCPReassembly
import Prometheus
import FlyingFox
import FlyingSocks
import Foundation

/// The metrics `live --metrics` serves, in a swift-prometheus registry (thread-safe: the capture
/// thread records, the HTTP server's tasks read). Every per-packet series is made up front, so
/// recording a packet is an atomic add, not a lookup.
public final class LiveMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let packets: [Counter]          // type + 16 × direction
    let bytes: [Counter]
    let stompFrames: [Counter]      // per direction
    let stompBytes: [Counter]
    let connectionsOpen: Gauge
    let connectionsTotal: Counter
    let latency: [DurationHistogram] // exchange × 2 + direction
    let received: Gauge
    let droppedKernel: Gauge
    let droppedInterface: Gauge

    /// Topic series are kept for at most this many topic prefixes; the rest are labelled `other`.
    public static let maxTopicSeries = 50
    public static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
        .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    public init() {
        let r = registry
        func dir(_ d: Int) -> String { d == 0 ? "client_to_server" : "server_to_client" }
        var p: [Counter] = [], b: [Counter] = []
        for d in 0..<2 {
            for t in 0..<16 {
                let name = MQTTPacketType(rawValue: UInt8(t))?.name ?? "\(t)"
                p.append(r.makeCounter(name: "mqscope_mqtt_packets_total", labels: [("type", name), ("direction", dir(d))],
                                       help: "MQTT packets decoded, by type and direction"))
                b.append(r.makeCounter(name: "mqscope_mqtt_bytes_total", labels: [("type", name), ("direction", dir(d))],
                                       help: "MQTT packet bytes, by type and direction"))
            }
        }
        packets = p
        bytes = b
        stompFrames = (0..<2).map { r.makeCounter(name: "mqscope_stomp_frames_total", labels: [("direction", dir($0))], help: "STOMP frames decoded") }
        stompBytes = (0..<2).map { r.makeCounter(name: "mqscope_stomp_bytes_total", labels: [("direction", dir($0))], help: "STOMP frame bytes") }
        connectionsOpen = r.makeGauge(name: "mqscope_connections_open", help: "MQTT and STOMP connections seen and not yet ended")
        connectionsTotal = r.makeCounter(name: "mqscope_connections_total", help: "TCP connections ended (closed, reset or reused)")
        var l: [DurationHistogram] = []
        for x in Exchange.allCases {
            for d in 0..<2 {
                l.append(r.makeDurationHistogram(name: "mqscope_latency_seconds",
                                                 labels: [("exchange", x.label), ("requester", d == 0 ? "client" : "broker")],
                                                 buckets: Self.latencyBuckets, help: "Request to response time, as captured"))
            }
        }
        latency = l
        received = r.makeGauge(name: "mqscope_capture_received_packets", help: "libpcap: packets received by the filter")
        droppedKernel = r.makeGauge(name: "mqscope_capture_dropped_packets", help: "libpcap: packets dropped by the kernel (buffer full)")
        droppedInterface = r.makeGauge(name: "mqscope_capture_interface_dropped_packets", help: "libpcap: packets dropped by the interface")
    }

    func latency(_ key: LatencyKey, _ ns: UInt64) {
        latency[key.exchange.rawValue * 2 + Int(key.direction.rawValue)].recordNanoseconds(Int64(clamping: ns))
    }

    func finding(rule: String, severity: String) {
        registry.makeCounter(name: "mqscope_findings_total", labels: [("rule", rule), ("severity", severity)],
                             help: "Findings of the checker and the decoders, by rule and severity").increment()
    }

    func topic(_ prefix: String, delivered: Bool) {
        registry.makeCounter(name: "mqscope_topic_messages_total",
                             labels: [("topic", prefix), ("direction", delivered ? "delivered" : "published")],
                             help: "PUBLISH packets per topic prefix (first levels; the top \(Self.maxTopicSeries), then other)").increment()
    }

    /// libpcap's counters, as last read.
    public func capture(received r: UInt32, dropped: UInt32, interfaceDropped: UInt32) {
        received.set(Int64(r))
        droppedKernel.set(Int64(dropped))
        droppedInterface.set(Int64(interfaceDropped))
    }

    /// Serves GET /metrics (Prometheus text format) on `host:port` until the process ends.
    public func serve(host: String, port: UInt16) throws {
        let server = HTTPServer(address: try .inet(ip4: host, port: port))
        let registry = self.registry
        Task {
            await server.appendRoute("GET /metrics") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                             body: Data(registry.emitToBuffer()))
            }
            try await server.run()
        }
    }
}

/// The sink half: what `live` sees, counted into `LiveMetrics`. Latencies come from a
/// `StatsCollector`, which pairs requests with their responses.
public struct MetricsSink {
    public let metrics: LiveMetrics
    var stats: StatsCollector
    var topics: Set<String> = []
    var open: Set<UInt32> = []
    let depth: Int

    public init(metrics: LiveMetrics, topicDepth: Int = 2) {
        self.metrics = metrics
        var options = StatsOptions()
        options.maxTopics = 100
        options.maxConnections = 0
        stats = StatsCollector(options: options)
        let m = metrics
        stats.latencyObserver = { key, ns in m.latency(key, ns) }
        depth = max(1, topicDepth)
    }

    /// MQTT packets and STOMP frames are counted (and fed to the statistics behind the histograms).
    public mutating func unit(_ unit: DecodedUnit, bytes: Span<UInt8>, fields: borrowing FieldTree) {
        switch unit {
        case .mqtt(let e): mqttPacket(e, pdu: bytes, fields: fields)
        case .stomp(let e): stompFrame(e, frame: bytes, fields: fields)
        case .webSocket, .tls: break
        }
    }

    public mutating func mqttPacket(_ e: MQTTPacketEvent, pdu: Span<UInt8>, fields: borrowing FieldTree) {
        guard let type = e.message.packetType else { return }
        let i = Int(type.rawValue) + (e.direction == .clientToServer ? 0 : 16)
        metrics.packets[i].increment()
        metrics.bytes[i].increment(by: Int64(clamping: e.declaredSize))
        if open.insert(e.connection.id).inserted { metrics.connectionsOpen.increment(by: 1) }
        stats.mqttPacket(e, pdu: pdu, fields: fields)
        if case .publish(let p) = e.message {
            let prefix = topicPrefix(p, e, pdu)
            metrics.topic(prefix, delivered: e.direction == .serverToClient)
        }
    }

    /// The topic's first `depth` levels; `other` once `maxTopicSeries` prefixes exist.
    private mutating func topicPrefix(_ p: MQTTPublish, _ e: MQTTPacketEvent, _ pdu: Span<UInt8>) -> String {
        var topic = e.aliasTopic ?? ""
        if topic.isEmpty || !p.topic.isEmpty, p.topic.upper <= pdu.count {
            var bytes: [UInt8] = []
            var levels = 0
            for k in p.topic.lower..<p.topic.upper {
                if pdu[k] == UInt8(ascii: "/") { levels += 1; if levels == depth { break } }
                bytes.append(pdu[k])
            }
            topic = String(decoding: bytes, as: UTF8.self)
        }
        if topics.contains(topic) { return topic }
        guard topics.count < LiveMetrics.maxTopicSeries else { return "other" }
        topics.insert(topic)
        return topic
    }

    public mutating func stompFrame(_ e: STOMPFrameEvent, frame: Span<UInt8>, fields: borrowing FieldTree) {
        guard !e.isHeartBeat else { return }
        let d = Int(e.direction.rawValue)
        metrics.stompFrames[d].increment()
        metrics.stompBytes[d].increment(by: Int64(clamping: e.streamRange.count))
        if open.insert(e.connection.id).inserted { metrics.connectionsOpen.increment(by: 1) }
        stats.stompFrame(e, frame: frame, fields: fields)
    }

    public mutating func connectionFinished(_ c: ConnectionSummary) {
        metrics.connectionsTotal.increment()
        if open.remove(c.info.id) != nil { metrics.connectionsOpen.decrement(by: 1) }
        stats.connectionFinished(c)
    }

    public func finding(rule: String, severity: Severity) {
        metrics.finding(rule: rule, severity: severity.description)
    }
}
