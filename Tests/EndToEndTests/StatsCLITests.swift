import Foundation
import Testing
import TestSupport

/// `mqscope stats`: its JSON validates against docs/schema/stats-v2.json; its counts and latencies
/// agree with an independent computation from tshark's fields; fan-out accounting and bounded
/// memory on generated captures (captures/generators/make_many_topics.py).
@Suite struct StatsCLITests {
    static let mqttCaptures = ["mqtt-mixed-versions.pcap", "mqtt31-mosquitto-clients.pcapng", "mqtt311-mosquitto-clients.pcap",
                               "mqtt311-paho-ipv6.pcap", "mqtt5-paho-lo.pcapng", "mqtt5-paho.pcap"]

    static func stats(_ args: [String]) throws -> [String: Any] {
        let r = try runProcess(Paths.executable.path, ["stats", "--format", "json"] + args)
        #expect(r.status == 0, "\(r.err)")
        return try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] ?? [:]
    }

    static func files(_ doc: [String: Any]) -> [[String: Any]] { doc["files"] as? [[String: Any]] ?? [] }

    @Test func jsonMatchesSchemaOnEveryCapture() throws {
        let all = Corpus.capturesIncludingCorpus().map(\.path)
            .filter { !$0.hasSuffix("not-a-capture.pcap") && !$0.hasSuffix("unsupported-linktype.pcap") }
        let r = try runProcess(Paths.executable.path, ["stats", "--format", "json"] + all)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("\"schema\":\"mqscope.stats/2\""))
        let problems = try schemaViolations(r.out, schema: "stats-v2.json")
        #expect(problems.isEmpty, "\(problems)")
    }

    /// Epoch seconds with up to nine decimals → nanoseconds, without going through Double.
    static func nanoseconds(_ s: Substring) -> Int64 {
        let parts = s.split(separator: ".", maxSplits: 1)
        let sec = Int64(parts[0]) ?? 0
        var frac = parts.count > 1 ? String(parts[1]) : ""
        frac = String((frac + "000000000").prefix(9))
        return sec * 1_000_000_000 + (Int64(frac) ?? 0)
    }

    struct Expected {
        var published: [String: Int] = [:]
        var delivered: [String: Int] = [:]
        /// "EXCHANGE/requester" → latencies (ns).
        var latency: [String: [Int64]] = [:]
        var skippedFrames = 0
    }

    /// What tshark's fields say, computed here on their own: PUBLISH per topic each way, and each
    /// request paired with the next response of the same connection and packet id (a repeated
    /// request replaces the earlier one; a response without request is ignored).
    static func fromTshark(_ path: String) throws -> Expected {
        let r = try runProcess("/usr/bin/tshark", ["-n", "-r", path, "-Y", "mqtt", "-T", "fields", "-E", "separator=\t",
                                                    "-e", "frame.time_epoch", "-e", "tcp.stream", "-e", "tcp.dstport",
                                                    "-e", "mqtt.msgtype", "-e", "mqtt.msgid", "-e", "mqtt.topic", "-e", "mqtt.qos"])
        #expect(r.status == 0, "\(r.err)")
        var e = Expected()
        var pending: [String: Int64] = [:]
        let answers: [Int: (String, Int)] = [2: ("CONNECT→CONNACK", 1), 4: ("PUBLISH→PUBACK", 3), 5: ("PUBLISH→PUBREC", 3),
                                             6: ("PUBREC→PUBREL", 5), 7: ("PUBREL→PUBCOMP", 6), 9: ("SUBSCRIBE→SUBACK", 8),
                                             11: ("UNSUBSCRIBE→UNSUBACK", 10), 13: ("PINGREQ→PINGRESP", 12)]
        let carriesID: Set<Int> = [4, 5, 6, 7, 8, 9, 10, 11]
        for line in r.out.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 7 else { continue }
            let t = nanoseconds(f[0])
            let stream = String(f[1])
            let fromClient = f[2] == "1883"
            let types = f[3].split(separator: ",").compactMap { Int($0) }
            var ids = f[4].split(separator: ",").compactMap { Int($0) }[...]
            var topics = f[5].split(separator: ",", omittingEmptySubsequences: false).map(String.init)[...]
            var qoses = f[6].split(separator: ",").compactMap { Int($0) }[...]
            if f[5].isEmpty { topics = [] }
            if types.contains(where: { $0 == 8 || $0 == 10 }) && types.contains(3) {
                e.skippedFrames += 1
                continue
            }
            for type in types {
                var id = 0
                var qos = 0
                if type == 3 {
                    qos = qoses.popFirst() ?? 0
                    let topic = topics.popFirst() ?? ""
                    if qos > 0 { id = ids.popFirst() ?? -1 }
                    if fromClient { e.published[topic, default: 0] += 1 } else { e.delivered[topic, default: 0] += 1 }
                } else if carriesID.contains(type) {
                    id = ids.popFirst() ?? -1
                }
                if type == 8 || type == 10 { topics.removeAll() }
                // A request: remember it under the exchange its answer will close.
                let requestKinds: [String] = switch type {
                case 1: ["CONNECT→CONNACK"]
                case 3: qos == 1 ? ["PUBLISH→PUBACK"] : qos >= 2 ? ["PUBLISH→PUBREC"] : []
                case 5: ["PUBREC→PUBREL"]
                case 6: ["PUBREL→PUBCOMP"]
                case 8: ["SUBSCRIBE→SUBACK"]
                case 10: ["UNSUBSCRIBE→UNSUBACK"]
                case 12: ["PINGREQ→PINGRESP"]
                default: []
                }
                for k in requestKinds { pending["\(stream)/\(fromClient)/\(k)/\(id)"] = t }
                if let (k, _) = answers[type], let start = pending.removeValue(forKey: "\(stream)/\(!fromClient)/\(k)/\(id)") {
                    e.latency["\(k)/\(fromClient ? "broker" : "client")", default: []].append(t - start)
                }
            }
        }
        return e
    }

    @Test(arguments: mqttCaptures)
    func countsAndLatenciesAgreeWithTshark(_ name: String) throws {
        guard which("tshark") != nil else { Issue.record("tshark not installed"); return }
        let path = Paths.captures.appendingPathComponent(name).path
        let expected = try Self.fromTshark(path)
        #expect(expected.skippedFrames == 0)
        let file = try #require(Self.files(try Self.stats([path])).first)
        var published: [String: Int] = [:], delivered: [String: Int] = [:]
        for t in (file["topics"] as? [[String: Any]] ?? []) + (file["sys_topics"] as? [[String: Any]] ?? []) {
            let name = t["topic"] as? String ?? ""
            let p = (t["published"] as? [String: Any])?["messages"] as? Int ?? 0
            let d = (t["delivered"] as? [String: Any])?["messages"] as? Int ?? 0
            if p > 0 { published[name] = p }
            if d > 0 { delivered[name] = d }
        }
        #expect(published == expected.published, "published per topic")
        #expect(delivered == expected.delivered, "delivered per topic")
        var latency: [String: (count: Int, min: Int64, max: Int64)] = [:]
        for l in file["latency"] as? [[String: Any]] ?? [] {
            let key = "\(l["exchange"] as? String ?? "")/\(l["requester"] as? String ?? "")"
            latency[key] = (l["count"] as? Int ?? 0, Int64(l["min_ns"] as? Int ?? 0), Int64(l["max_ns"] as? Int ?? 0))
        }
        #expect(!expected.latency.isEmpty)
        #expect(Set(latency.keys) == Set(expected.latency.keys), "exchanges measured")
        for (k, samples) in expected.latency {
            let got = latency[k]
            #expect(got?.count == samples.count, "\(name) \(k) count")
            #expect(got?.min == samples.min(), "\(name) \(k) min")
            #expect(got?.max == samples.max(), "\(name) \(k) max")
        }
    }

    /// Percentiles come from the HDR histogram: within its 0.1 % of the exact order statistic.
    @Test func percentilesAreWithinHistogramPrecision() throws {
        let path = Paths.captures.appendingPathComponent("mqtt-mixed-versions.pcap").path
        let expected = try Self.fromTshark(path)
        let file = try #require(Self.files(try Self.stats([path])).first)
        for l in file["latency"] as? [[String: Any]] ?? [] {
            let key = "\(l["exchange"] as? String ?? "")/\(l["requester"] as? String ?? "")"
            let samples = (expected.latency[key] ?? []).sorted()
            guard !samples.isEmpty else { continue }
            // HdrHistogram's percentile: the smallest value with at least p % of samples at or below it.
            let rank = max(0, Int((0.5 * Double(samples.count)).rounded(.up)) - 1)
            let exact = Double(samples[rank])
            let p50 = Double(l["p50_ns"] as? Int ?? 0)
            #expect(abs(p50 - exact) <= exact * 0.001 + 1, "\(key) p50 \(p50) vs \(exact)")
        }
    }

    /// TCP health per connection, computed on their own from tshark's TCP analysis: its ACK round
    /// trips (`tcp.analysis.ack_rtt`) by who sent the ACK, its handshake RTT
    /// (`tcp.analysis.initial_rtt`) and its zero windows (`tcp.analysis.zero_window`), keyed by
    /// the connection's two ports.
    struct TCPExpected {
        var serverAcks: [Int64] = []   // the server acknowledged the client's data
        var clientAcks: [Int64] = []
        var initialRTT: Int64? = nil
        var zeroWindows = (0, 0)
    }

    static func tcpFromTshark(_ path: String) throws -> [String: TCPExpected] {
        let r = try runProcess("/usr/bin/tshark", ["-n", "-r", path, "-Y", "tcp", "-T", "fields", "-E", "separator=\t",
                                                    "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.analysis.ack_rtt",
                                                    "-e", "tcp.analysis.initial_rtt", "-e", "tcp.window_size_value",
                                                    "-e", "tcp.flags.syn", "-e", "tcp.flags.fin", "-e", "tcp.flags.reset"])
        #expect(r.status == 0, "\(r.err)")
        let z = try runProcess("/usr/bin/tshark", ["-n", "-r", path, "-Y", "tcp.analysis.zero_window", "-T", "fields",
                                                    "-E", "separator=\t", "-e", "tcp.srcport", "-e", "tcp.dstport"])
        var e: [String: TCPExpected] = [:]
        func key(_ a: Substring, _ b: Substring) -> String { [String(a), String(b)].sorted().joined(separator: "/") }
        for line in r.out.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 4 else { continue }
            let k = key(f[0], f[1])
            let fromServer = f[0] == "1883"
            if !f[2].isEmpty {
                if fromServer { e[k, default: TCPExpected()].serverAcks.append(nanoseconds(f[2])) }
                else { e[k, default: TCPExpected()].clientAcks.append(nanoseconds(f[2])) }
            }
            if !f[3].isEmpty, e[k]?.initialRTT == nil { e[k, default: TCPExpected()].initialRTT = nanoseconds(f[3]) }
        }
        for line in z.out.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 2 else { continue }
            if f[0] == "1883" { e[key(f[0], f[1]), default: TCPExpected()].zeroWindows.1 += 1 }
            else { e[key(f[0], f[1]), default: TCPExpected()].zeroWindows.0 += 1 }
        }
        return e
    }

    /// RTT estimates and zero windows beside the latencies agree, connection by connection, with
    /// tshark's TCP analysis; the slow-subscriber capture (Fixtures/tcp/make.sh: real mosquitto, a
    /// consumer that stops reading) has zero windows from the subscriber.
    @Test(arguments: mqttCaptures.map { "captures/\($0)" } + ["Fixtures/tcp/mqtt-slow-subscriber.pcap"])
    func tcpHealthAgreesWithTshark(_ name: String) throws {
        guard which("tshark") != nil else { Issue.record("tshark not installed"); return }
        let path = Paths.root.appendingPathComponent(name).path
        let expected = try Self.tcpFromTshark(path)
        let file = try #require(Self.files(try Self.stats([path])).first)
        let conns = file["connections"] as? [[String: Any]] ?? []
        #expect(!conns.isEmpty)
        var zeroWindows = 0
        func port(_ endpoint: Any?) -> String { String((endpoint as? String ?? "").split(separator: ":").last ?? "") }
        for c in conns {
            let k = [port(c["client"]), port(c["server"])].sorted().joined(separator: "/")
            let x = expected[k] ?? TCPExpected()
            let tcp = try #require(c["tcp"] as? [String: Any])
            for (field, samples) in [("ack_rtt_client_data", x.serverAcks), ("ack_rtt_broker_data", x.clientAcks)] {
                let got = tcp[field] as? [String: Any]
                #expect((got?["count"] as? Int ?? 0) == samples.count, "\(name) \(k) \(field) count")
                if let m = samples.min() { #expect(Int64(got?["min_ns"] as? Int ?? -1) == m, "\(name) \(k) \(field) min") }
                if let m = samples.max() { #expect(Int64(got?["max_ns"] as? Int ?? -1) == m, "\(name) \(k) \(field) max") }
            }
            #expect((tcp["handshake_rtt_ns"] as? Int).map(Int64.init) == x.initialRTT, "\(name) \(k) handshake")
            let zw = tcp["zero_windows"] as? [Int] ?? []
            #expect(zw == [x.zeroWindows.0, x.zeroWindows.1], "\(name) \(k) zero windows")
            zeroWindows += zw.reduce(0, +)
        }
        if name.contains("slow-subscriber") { #expect(zeroWindows > 0) }
        // Beside the latencies, over every connection.
        let rtt = try #require(file["tcp_rtt"] as? [String: Any])
        let acks = expected.values.reduce(0) { $0 + $1.serverAcks.count }
        #expect(((rtt["client_data_acked"] as? [String: Any])?["count"] as? Int ?? 0) <= acks)
        #expect(rtt["handshake"] is [String: Any])
    }

    static func generate(_ args: [String]) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("many-\(UUID().uuidString).pcap").path
        let script = Paths.captures.appendingPathComponent("generators/make_many_topics.py").path
        let r = try runProcess("/usr/bin/env", ["python3", script, out] + args)
        #expect(r.status == 0, "\(r.err)")
        return out
    }

    /// A broker that skips its delivery to one of two subscribers for 5 publishes: expected but not
    /// seen, and charged to that subscriber's connection.
    @Test func fanOutReportsDeliveriesNotSeen() throws {
        let path = try Self.generate(["--topics", "300", "--missing", "5"])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try #require(Self.files(try Self.stats([path])).first)
        let f = try #require(file["fan_out"] as? [String: Any])
        #expect(f["publishes"] as? Int == 300)
        #expect(f["expected_deliveries"] as? Int == 600)
        #expect(f["matched_deliveries"] as? Int == 595)
        #expect(f["not_seen"] as? Int == 5)
        #expect(f["duplicates"] as? Int == 0)
        // 20 µs of broker delay plus the writer's 7 µs per segment.
        #expect((f["latency"] as? [String: Any])?["min_ns"] as? Int == 27_000)
        let conns = file["connections"] as? [[String: Any]] ?? []
        #expect(conns.map { $0["deliveries_not_seen"] as? Int ?? -1 } == [0, 0, 5])
        // Without the fault nothing is missing.
        let clean = try Self.generate(["--topics", "300"])
        defer { try? FileManager.default.removeItem(atPath: clean) }
        let g = try #require(Self.files(try Self.stats([clean])).first?["fan_out"] as? [String: Any])
        #expect(g["not_seen"] as? Int == 0 && g["matched_deliveries"] as? Int == 600)
    }

    /// More topics than --max-topics: at most that many are listed, the rest are counted in
    /// topics_other, and no message is lost from the totals.
    @Test func topicTableStaysBounded() throws {
        let path = try Self.generate(["--topics", "3000", "--subscribers", "1"])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try #require(Self.files(try Self.stats(["--max-topics", "100", path])).first)
        let topics = file["topics"] as? [[String: Any]] ?? []
        let other = file["topics_other"] as? [String: Any] ?? [:]
        #expect(topics.count <= 100)
        #expect(topics.count + (other["topics"] as? Int ?? 0) == 3000)
        let listed = topics.reduce(0) { $0 + (($1["published"] as? [String: Any])?["messages"] as? Int ?? 0) }
        #expect(listed + ((other["published"] as? [String: Any])?["messages"] as? Int ?? 0) == 3000)
        // --depth 1 rolls every t/<i>/<n> up into t/#.
        let rolled = try #require(Self.files(try Self.stats(["--depth", "1", path])).first)
        let r = rolled["topics"] as? [[String: Any]] ?? []
        #expect(r.count == 1 && r.first?["topic"] as? String == "t/#")
        #expect((r.first?["published"] as? [String: Any])?["messages"] as? Int == 3000)
    }

    @Test func csvTablesAndText() throws {
        let path = Paths.captures.appendingPathComponent("mqtt311-mosquitto-clients.pcap").path
        let csv = try runProcess(Paths.executable.path, ["stats", "--format", "csv", "--table", "latency", path])
        let rows = csv.out.split(separator: "\n")
        #expect(rows.first?.hasPrefix("file,exchange,requester,count,min_ns") == true)
        #expect(rows.contains { $0.contains("PUBLISH→PUBACK,client,3,") })
        let text = try runProcess(Paths.executable.path, ["stats", path])
        #expect(text.out.contains("SUBSCRIBE→SUBACK"))
        #expect(text.out.contains("mqscope/sensors/temp"))
        let stomp = try runProcess(Paths.executable.path, ["stats", Paths.captures.appendingPathComponent("stomp-activemq.pcap").path])
        #expect(stomp.out.contains("STOMP frame→RECEIPT") && stomp.out.contains("/queue/mqscope.v12.tx"))
    }
}
