public import Rendering
public import Analysis
import WireCore
import MQTTCodec
import TCPReassembly

/// Writes a `StatsCollector`'s figures as text, JSON (`mqscope.stats/2`, docs/schema/stats-v2.json)
/// or CSV (one table, chosen by `StatsTable`).
public enum StatsFormat: String, CaseIterable, Sendable { case text, json, csv }
public enum StatsTable: String, CaseIterable, Sendable { case topics, connections, latency, rates, destinations }

public struct StatsRender {
    public static let schema = "mqscope.stats/2"

    // MARK: JSON

    public static func json(_ s: StatsCollector, file: FileSummary, into w: inout JSONWriter) {
        w.objectStart()
        w.key("name", file.name)
        w.key("frames", file.frames)
        w.key("first_time", file.firstTime?.description)
        w.key("last_time", file.lastTime?.description)
        w.key("mqtt_packets", s.mqttPackets)
        w.key("stomp_frames", s.stompFrames)
        w.key("options")
        w.objectStart()
        w.key("depth", s.options.depth)
        w.key("max_topics", s.options.maxTopics)
        w.key("interval_ns", s.options.interval)
        w.objectEnd()
        topicsJSON("topics", s.topics, &w)
        topicsJSON("sys_topics", s.sysTopics, &w)
        topicsJSON("stomp_destinations", s.destinations, &w)
        w.key("latency")
        w.arrayStart()
        for (k, d) in sortedLatency(s) {
            w.objectStart()
            w.key("exchange", k.exchange.label)
            w.key("requester", k.direction == .clientToServer ? "client" : "broker")
            distributionJSON(d, &w)
            w.objectEnd()
        }
        w.arrayEnd()
        w.key("tcp_rtt")
        w.objectStart()
        for (name, d) in tcpRTT(s) {
            w.key(name)
            if d.count == 0 { w.null() } else { w.objectStart(); distributionJSON(d, &w); w.objectEnd() }
        }
        w.objectEnd()
        w.key("fan_out")
        w.objectStart()
        let f = s.fanOut
        w.key("publishes", f.publishes)
        w.key("matched_deliveries", f.matched)
        w.key("expected_deliveries", f.expected)
        w.key("not_seen", f.notSeen)
        w.key("duplicates", f.duplicates)
        w.key("retained_from_store", f.retainedFromStore)
        w.key("unmatched_deliveries", f.unmatched)
        w.key("evicted", f.evicted)
        w.key("latency")
        w.objectStart()
        distributionJSON(f.latency, &w)
        w.objectEnd()
        w.objectEnd()
        w.key("rates")
        w.objectStart()
        w.key("interval_ns", s.options.interval)
        w.key("dropped", s.ratesDropped)
        w.key("buckets")
        w.arrayStart()
        for (i, b) in s.rates.enumerated() {
            w.objectStart()
            w.key("start_ns", Int64(i) &* s.options.interval)
            trafficJSON("published", b.published, &w)
            trafficJSON("delivered", b.delivered, &w)
            w.objectEnd()
        }
        w.arrayEnd()
        w.objectEnd()
        w.key("connections")
        w.arrayStart()
        for c in s.connections { connectionJSON(c, missed: s.missedBySubscriber[c.id] ?? 0, &w) }
        w.arrayEnd()
        w.key("connections_not_listed", s.connectionsNotListed)
        w.key("clients")
        w.arrayStart()
        for (id, n) in s.clients.sorted(by: { $0.key < $1.key }) {
            w.objectStart()
            w.key("client_id", id)
            w.key("connections", n)
            w.key("reconnects", n - 1)
            w.objectEnd()
        }
        w.arrayEnd()
        w.key("clients_not_listed", s.clientsNotListed)
        w.objectEnd()
    }

    /// The TCP round trips over every connection, as JSON names them: the handshake (SYN → the
    /// client's ACK), the client's data → the broker's ACK, the broker's data → the client's ACK.
    static func tcpRTT(_ s: StatsCollector) -> [(String, Distribution)] {
        [("handshake", s.tcpHandshakeRTT), ("client_data_acked", s.tcpAckRTT.clientData),
         ("broker_data_acked", s.tcpAckRTT.brokerData)]
    }

    /// The same as rows beside the latencies (text, CSV): label, who sent the SYN or the data.
    static func tcpRTTRows(_ s: StatsCollector) -> [(String, String, Distribution)] {
        [("TCP SYN→ACK", "client", s.tcpHandshakeRTT), ("TCP data→ACK", "client", s.tcpAckRTT.clientData),
         ("TCP data→ACK", "broker", s.tcpAckRTT.brokerData)].filter { $0.2.count > 0 }
    }

    /// A connection's RTT as one figure: its handshake's, else the quickest ACK of the broker's data.
    static func connectionRTT(_ c: ConnectionStatsRow) -> UInt64? {
        guard let h = c.health else { return nil }
        if let r = h.handshake { return r }
        return h.ackRTT.1.count > 0 ? h.ackRTT.1.minimum : nil
    }

    static func rttCSV(_ h: TCPHealth?) -> [String] {
        guard let h else { return Array(repeating: "", count: 7) }
        func r(_ x: RTTSummary) -> [String] { x.count > 0 ? ["\(x.minimum)", "\(x.mean)"] : ["", ""] }
        return [h.handshake.map { "\($0)" } ?? ""] + r(h.ackRTT.0) + r(h.ackRTT.1) + ["\(h.zeroWindows.0)", "\(h.zeroWindows.1)"]
    }

    static func rttJSON(_ k: String, _ r: RTTSummary, _ w: inout JSONWriter) {
        w.key(k)
        guard r.count > 0 else { w.null(); return }
        w.objectStart()
        w.key("count", r.count)
        w.key("min_ns", r.minimum)
        w.key("mean_ns", r.mean)
        w.key("max_ns", r.maximum)
        w.objectEnd()
    }

    static func sortedLatency(_ s: StatsCollector) -> [(LatencyKey, Distribution)] {
        s.latency.sorted { a, b in
            a.key.exchange.rawValue != b.key.exchange.rawValue ? a.key.exchange.rawValue < b.key.exchange.rawValue
                : a.key.direction.rawValue < b.key.direction.rawValue
        }
    }

    static func distributionJSON(_ d: Distribution, _ w: inout JSONWriter) {
        let s = d.summary
        w.key("count", s.count)
        w.key("min_ns", s.min)
        w.key("p50_ns", s.p50)
        w.key("p90_ns", s.p90)
        w.key("p99_ns", s.p99)
        w.key("max_ns", s.max)
    }

    static func trafficJSON(_ k: String, _ t: Traffic, _ w: inout JSONWriter) {
        w.key(k)
        w.objectStart()
        w.key("messages", t.messages)
        w.key("bytes", t.bytes)
        w.objectEnd()
    }

    static func topicsJSON(_ k: String, _ table: TopicTable, _ w: inout JSONWriter) {
        w.key(k)
        w.arrayStart()
        for t in table.sorted { topicJSON(t, &w) }
        w.arrayEnd()
        w.key(k + "_other")
        w.objectStart()
        w.key("topics", table.otherTopics)
        trafficJSON("published", table.other.published, &w)
        trafficJSON("delivered", table.other.delivered, &w)
        w.objectEnd()
    }

    static func topicJSON(_ t: TopicStats, _ w: inout JSONWriter) {
        w.objectStart()
        w.key("topic", t.name)
        trafficJSON("published", t.published, &w)
        trafficJSON("delivered", t.delivered, &w)
        w.key("qos")
        w.arrayStart()
        w.int(t.qos.0); w.int(t.qos.1); w.int(t.qos.2)
        w.arrayEnd()
        w.key("retained", t.retained)
        w.key("properties")
        w.arrayStart()
        for p in propertyNames(t.properties) { w.string(p) }
        w.arrayEnd()
        w.key("payload_bytes")
        w.objectStart()
        distributionJSON(t.payload, &w)
        w.objectEnd()
        w.key("expected_deliveries", t.expectedDeliveries)
        w.key("matched_deliveries", t.matchedDeliveries)
        w.key("fan_out")
        if let f = t.fanOut {
            w.objectStart()
            distributionJSON(f, &w)
            w.objectEnd()
        } else {
            w.null()
        }
        w.objectEnd()
    }

    static func propertyNames(_ bits: UInt64) -> [String] {
        (0..<64).compactMap { i in
            guard bits & (1 << UInt64(i)) != 0 else { return nil }
            return MQTTProperty.lookup(UInt64(i)).map { "\($0.name)" } ?? "0x\(String(i, radix: 16))"
        }
    }

    static func connectionJSON(_ c: ConnectionStatsRow, missed: UInt64, _ w: inout JSONWriter) {
        w.objectStart()
        w.key("id", c.id)
        w.key("client", c.client.description)
        w.key("server", c.server.description)
        w.key("protocol", c.protocolName)
        w.key("client_id", c.clientID)
        w.key("connection_of_client", c.connectionOfClient)
        w.key("first_time", c.firstTime.description)
        w.key("last_time", c.lastTime.description)
        w.key("packets")
        w.objectStart()
        for type in MQTTPacketType.allCases {
            let a = c.packets[Int(type.rawValue)], b = c.packets[Int(type.rawValue) + 16]
            guard a + b > 0 else { continue }
            w.key(type.name)
            w.arrayStart(); w.int(a); w.int(b); w.arrayEnd()
        }
        w.objectEnd()
        w.key("stomp_frames")
        w.arrayStart(); w.int(c.stompFramesSent); w.int(c.stompFramesReceived); w.arrayEnd()
        w.key("bytes_client_to_server", c.appBytes.0)
        w.key("bytes_server_to_client", c.appBytes.1)
        w.key("publishes_sent", c.publishesSent)
        w.key("publishes_received", c.publishesReceived)
        w.key("deliveries_not_seen", missed)
        w.key("publish_rate", publishRate(c).map { String(format3($0)) })
        w.key("keep_alive_s", c.keepAlive.map { Int($0) })
        w.key("longest_client_silence_ns", c.longestSilence)
        w.key("keep_alive_exceeded", keepAliveExceeded(c))
        w.key("pingreq", c.packets[Int(MQTTPacketType.pingreq.rawValue)])
        w.key("pingresp", c.packets[Int(MQTTPacketType.pingresp.rawValue) + 16])
        w.key("end", endDescription(c))
        w.key("tcp")
        w.objectStart()
        w.key("handshake_seen", c.sawHandshake)
        w.key("retransmissions", c.tcp.clientToServer.overlaps + c.tcp.serverToClient.overlaps)
        w.key("out_of_order", c.tcp.clientToServer.outOfOrder + c.tcp.serverToClient.outOfOrder)
        w.key("gaps", c.tcp.clientToServer.gaps + c.tcp.serverToClient.gaps)
        w.key("gap_bytes", c.tcp.clientToServer.gapBytes + c.tcp.serverToClient.gapBytes)
        let h = c.health ?? TCPHealth()
        w.key("handshake_rtt_ns", h.handshake)
        w.key("syn_to_synack_ns", h.synToSynAck)
        rttJSON("ack_rtt_client_data", h.ackRTT.0, &w)
        rttJSON("ack_rtt_broker_data", h.ackRTT.1, &w)
        w.key("zero_windows")
        w.arrayStart(); w.int(h.zeroWindows.0); w.int(h.zeroWindows.1); w.arrayEnd()
        w.objectEnd()
        w.objectEnd()
    }

    /// Publishes per second (both ways) between the connection's first and last publish.
    static func publishRate(_ c: ConnectionStatsRow) -> Double? {
        guard let a = c.firstPublish, let b = c.lastPublish, b > a else { return nil }
        return Double(c.publishesSent + c.publishesReceived) / b.seconds(since: a)
    }

    /// MQTT 3.1.1 §3.1.2.10: the server may disconnect after 1.5 × Keep Alive without a packet.
    static func keepAliveExceeded(_ c: ConnectionStatsRow) -> Bool {
        guard let k = c.keepAlive, k > 0 else { return false }
        return c.longestSilence > Int64(k) * 1_500_000_000
    }

    static func endDescription(_ c: ConnectionStatsRow) -> String {
        (c.disconnectSent ? "disconnect+" : "") + c.end.rawValue
    }

    // MARK: Text

    public static func text(_ s: StatsCollector, file: FileSummary, into o: inout Output) {
        var lines: [String] = []
        lines.append("== \(file.name): \(file.frames) frames, \(s.mqttPackets) MQTT packets, \(s.stompFrames) STOMP frames, \(s.connections.count) connections")
        func topicTable(_ title: String, _ table: TopicTable) {
            guard !table.entries.isEmpty else { return }
            lines.append("")
            lines.append(title)
            lines.append(pad(["TOPIC", "PUB", "PUB-B", "DELIV", "DELIV-B", "QOS0/1/2", "RET", "SIZE p50/p99/max", "FANOUT p50/p99", "EXP/SEEN"],
                             [-40, 7, 9, 7, 9, 12, 5, 18, 20, 12]))
            for t in table.sorted {
                let p = t.payload.summary
                let fo = t.fanOut.map { let f = $0.summary; return "\(duration(f.p50))/\(duration(f.p99))" } ?? "-"
                lines.append(pad([t.name, "\(t.published.messages)", "\(t.published.bytes)", "\(t.delivered.messages)",
                                  "\(t.delivered.bytes)", "\(t.qos.0)/\(t.qos.1)/\(t.qos.2)", "\(t.retained)",
                                  "\(p.p50)/\(p.p99)/\(p.max)", fo, "\(t.expectedDeliveries)/\(t.matchedDeliveries)"],
                                 [-40, 7, 9, 7, 9, 12, 5, 18, 20, 12]))
            }
            if table.otherTopics > 0 {
                lines.append("  (\(table.otherTopics) more topics: \(table.other.published.messages) published, \(table.other.delivered.messages) delivered)")
            }
        }
        topicTable("Topics", s.topics)
        topicTable("$SYS topics", s.sysTopics)
        topicTable("STOMP destinations", s.destinations)

        if !s.latency.isEmpty {
            lines.append("")
            lines.append("Latency (request → response, as captured)")
            let w = [-24, -8, 7, 10, 10, 10, 10, 10]
            lines.append(pad(["EXCHANGE", "ASKER", "COUNT", "MIN", "P50", "P90", "P99", "MAX"], w))
            for (k, d) in sortedLatency(s) {
                let x = d.summary
                lines.append(pad([k.exchange.label, k.direction == .clientToServer ? "client" : "broker", "\(x.count)",
                                  duration(x.min), duration(x.p50), duration(x.p90), duration(x.p99), duration(x.max)], w))
            }
            // Beside them the network's part: TCP round trips as the capture point saw them.
            for (label, asker, d) in tcpRTTRows(s) {
                let x = d.summary
                lines.append(pad([label, asker, "\(x.count)", duration(x.min), duration(x.p50), duration(x.p90),
                                  duration(x.p99), duration(x.max)], w))
            }
        }
        let f = s.fanOut
        if f.publishes > 0 || f.matched > 0 {
            lines.append("")
            lines.append("Fan-out: \(f.publishes) publishes, \(f.matched) deliveries matched, \(f.expected) expected from open subscriptions, \(f.notSeen) not seen, \(f.duplicates) duplicates, \(f.retainedFromStore) retained from store, \(f.unmatched) unmatched")
            if f.latency.count > 0 {
                let x = f.latency.summary
                lines.append("  publish → delivery: min \(duration(x.min)) p50 \(duration(x.p50)) p90 \(duration(x.p90)) p99 \(duration(x.p99)) max \(duration(x.max))")
            }
        }
        if !s.connections.isEmpty {
            lines.append("")
            lines.append("Connections")
            let w = [4, -22, -6, -24, 4, 7, 7, 10, 10, 8, 5, 8, 9, 5, -18]
            lines.append(pad(["ID", "CLIENT", "PROTO", "CLIENT-ID", "NTH", "PKT-C2S", "PKT-S2C", "BYTES-C2S", "BYTES-S2C", "PUB/s", "KA", "PINGS", "RTT", "ZWIN", "END"], w))
            for c in s.connections {
                let c2s = c.packets[0..<16].reduce(0, +) + c.stompFramesSent
                let s2c = c.packets[16..<32].reduce(0, +) + c.stompFramesReceived
                lines.append(pad(["\(c.id)", c.client.description, c.protocolName, c.clientID ?? "-", "\(c.connectionOfClient)",
                                  "\(c2s)", "\(s2c)", "\(c.appBytes.0)", "\(c.appBytes.1)",
                                  publishRate(c).map(format3) ?? "-", c.keepAlive.map { "\($0)" + (keepAliveExceeded(c) ? "!" : "") } ?? "-",
                                  "\(c.packets[Int(MQTTPacketType.pingreq.rawValue)])", connectionRTT(c).map(duration) ?? "-",
                                  c.health.map { "\($0.zeroWindows.0 + $0.zeroWindows.1)" } ?? "-", endDescription(c)], w))
            }
            if s.connectionsNotListed > 0 { lines.append("  (\(s.connectionsNotListed) more connections)") }
            for (id, n) in s.missedBySubscriber.sorted(by: { $0.key < $1.key }) {
                lines.append("  connection \(id): \(n) deliveries its subscriptions called for were not seen")
            }
            let re = s.clients.filter { $0.value > 1 }.sorted { $0.key < $1.key }
            for (id, n) in re { lines.append("  client \(id): \(n) connections (\(n - 1) reconnects)") }
        }
        if !s.rates.isEmpty {
            lines.append("")
            lines.append("Rates per \(duration(UInt64(s.options.interval))) (published msgs/bytes, delivered msgs/bytes)")
            for (i, b) in s.rates.enumerated() where b.published.messages + b.delivered.messages > 0 {
                lines.append("  +\(duration(UInt64(Int64(i) * s.options.interval)))  \(b.published.messages)/\(b.published.bytes)  \(b.delivered.messages)/\(b.delivered.bytes)")
            }
        }
        for l in lines { o.write(l); o.byte(0x0A) }
    }

    // MARK: CSV

    public static func csv(_ s: StatsCollector, file: FileSummary, table: StatsTable, header: Bool, into o: inout Output) {
        var rows: [[String]] = []
        switch table {
        case .topics, .destinations:
            if header { rows.append(["file", "kind", "topic", "published_messages", "published_bytes", "delivered_messages", "delivered_bytes", "qos0", "qos1", "qos2", "retained", "payload_p50", "payload_max", "fanout_count", "fanout_p50_ns", "fanout_p99_ns", "expected_deliveries", "matched_deliveries"]) }
            let sets: [(String, TopicTable)] = table == .topics ? [("topic", s.topics), ("sys", s.sysTopics)] : [("destination", s.destinations)]
            for (kind, t) in sets {
                for e in t.sorted {
                    rows.append([file.name, kind, e.name, "\(e.published.messages)", "\(e.published.bytes)", "\(e.delivered.messages)", "\(e.delivered.bytes)",
                                 "\(e.qos.0)", "\(e.qos.1)", "\(e.qos.2)", "\(e.retained)", "\(e.payload.value(at: 50))", "\(e.payload.summary.max)",
                                 "\(e.fanOut?.count ?? 0)", "\(e.fanOut?.value(at: 50) ?? 0)", "\(e.fanOut?.value(at: 99) ?? 0)",
                                 "\(e.expectedDeliveries)", "\(e.matchedDeliveries)"])
                }
            }
        case .latency:
            if header { rows.append(["file", "exchange", "requester", "count", "min_ns", "p50_ns", "p90_ns", "p99_ns", "max_ns"]) }
            for (k, d) in sortedLatency(s) {
                let x = d.summary
                rows.append([file.name, k.exchange.label, k.direction == .clientToServer ? "client" : "broker", "\(x.count)", "\(x.min)", "\(x.p50)", "\(x.p90)", "\(x.p99)", "\(x.max)"])
            }
            let x = s.fanOut.latency.summary
            if x.count > 0 { rows.append([file.name, "PUBLISH→delivery", "fan-out", "\(x.count)", "\(x.min)", "\(x.p50)", "\(x.p90)", "\(x.p99)", "\(x.max)"]) }
            for (label, asker, d) in tcpRTTRows(s) {
                let x = d.summary
                rows.append([file.name, label, asker, "\(x.count)", "\(x.min)", "\(x.p50)", "\(x.p90)", "\(x.p99)", "\(x.max)"])
            }
        case .connections:
            if header { rows.append(["file", "id", "client", "server", "protocol", "client_id", "connection_of_client", "packets_c2s", "packets_s2c", "bytes_c2s", "bytes_s2c", "publishes_sent", "publishes_received", "keep_alive_s", "pingreq", "retransmissions", "gaps", "end",
                                         "handshake_rtt_ns", "ack_rtt_client_data_min_ns", "ack_rtt_client_data_mean_ns",
                                         "ack_rtt_broker_data_min_ns", "ack_rtt_broker_data_mean_ns", "zero_windows_c2s", "zero_windows_s2c"]) }
            for c in s.connections {
                rows.append([file.name, "\(c.id)", c.client.description, c.server.description, c.protocolName, c.clientID ?? "",
                             "\(c.connectionOfClient)", "\(c.packets[0..<16].reduce(0, +) + c.stompFramesSent)", "\(c.packets[16..<32].reduce(0, +) + c.stompFramesReceived)",
                             "\(c.appBytes.0)", "\(c.appBytes.1)", "\(c.publishesSent)", "\(c.publishesReceived)", c.keepAlive.map { "\($0)" } ?? "",
                             "\(c.packets[Int(MQTTPacketType.pingreq.rawValue)])", "\(c.tcp.clientToServer.overlaps + c.tcp.serverToClient.overlaps)",
                             "\(c.tcp.clientToServer.gaps + c.tcp.serverToClient.gaps)", endDescription(c)]
                            + rttCSV(c.health))
            }
        case .rates:
            if header { rows.append(["file", "start_ns", "published_messages", "published_bytes", "delivered_messages", "delivered_bytes"]) }
            for (i, b) in s.rates.enumerated() {
                rows.append([file.name, "\(Int64(i) * s.options.interval)", "\(b.published.messages)", "\(b.published.bytes)", "\(b.delivered.messages)", "\(b.delivered.bytes)"])
            }
        }
        for r in rows {
            o.write(r.map(csvField).joined(separator: ","))
            o.byte(0x0A)
        }
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingAll("\"", "\"\"") + "\""
    }

    // MARK: Formatting

    /// "850ns", "12.3µs", "4.56ms", "1.20s".
    public static func duration(_ ns: UInt64) -> String {
        if ns < 1_000 { return "\(ns)ns" }
        if ns < 1_000_000 { return format3(Double(ns) / 1e3) + "µs" }
        if ns < 1_000_000_000 { return format3(Double(ns) / 1e6) + "ms" }
        return format3(Double(ns) / 1e9) + "s"
    }

    /// Three significant digits, no Foundation.
    static func format3(_ v: Double) -> String {
        let decimals = v >= 100 ? 0 : v >= 10 ? 1 : 2
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let n = Int((v * scale).rounded())
        let whole = n / Int(scale), frac = n % Int(scale)
        guard decimals > 0 else { return "\(whole)" }
        let f = String(frac)
        return "\(whole)." + String(repeating: "0", count: decimals - f.count) + f
    }

    /// Appends `n` spaces (a slice of one string: `String(repeating:count:)` per cell was most of
    /// the text report's time on large tables).
    static func spaces(_ n: Int, _ out: inout String) {
        if n <= 128 { out.append(contentsOf: blanks.prefix(n)) } else { out += String(repeating: " ", count: n) }
    }
    static let blanks = String(repeating: " ", count: 128)

    static func pad(_ cells: [String], _ widths: [Int]) -> String {
        var out = ""
        for (i, c) in cells.enumerated() {
            let w = i < widths.count ? widths[i] : 0
            let n = abs(w) - c.count
            if i > 0 { out += " " }
            if w < 0 {
                out += c
                if i != cells.count - 1 && n > 0 { spaces(n, &out) }
            } else {
                if n > 0 { spaces(n, &out) }
                out += c
            }
        }
        return out
    }
}

extension String {
    func replacingAll(_ a: Character, _ b: String) -> String {
        var r = ""
        for c in self { if c == a { r += b } else { r.append(c) } }
        return r
    }
}
