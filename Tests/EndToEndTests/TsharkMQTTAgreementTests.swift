import Foundation
import Testing
import Analysis
import MQTTCodec
import TCPReassembly
import WireCore
import TestSupport

/// Our MQTT decode must agree with tshark's on every MQTT packet of every bundled capture and
/// every capture in the external corpus, field by field. Each disagreement is listed, with the
/// key of its explanation, in Fixtures/tshark-mqtt-disagreements.tsv (explanations are in
/// docs/tshark-agreement.md); the list must match exactly, so it cannot go stale.
///
/// Set MQSCOPE_RECORD_TSHARK=1 to rewrite the list from the current run (existing reason keys are
/// kept, new rows get `UNEXPLAINED`, which fails the test until someone explains them).
@Suite struct TsharkMQTTAgreementTests {
    /// The compared quantities: our field ids and tshark's field names for each.
    static let ourFields: [String: String] = [
        "mqtt.packet_type": "type",
        "mqtt.flags": "flags", "mqtt.flags.reserved": "flags",
        "mqtt.remaining_length": "remaining_length",
        "mqtt.connect.protocol_name": "protocol_name",
        "mqtt.connect.protocol_level": "protocol_level",
        "mqtt.connect.flags": "connect_flags", "mqtt.connect.flags.will_qos": "will_qos",
        "mqtt.connect.keep_alive": "keep_alive",
        "mqtt.connect.client_id": "client_id",
        "mqtt.connect.will_topic": "will_topic",
        "mqtt.connect.user_name": "user_name",
        "mqtt.publish.topic": "topic", "mqtt.subscribe.topic_filter": "topic",
        "mqtt.unsubscribe.topic_filter": "topic",
        "mqtt.packet_id": "packet_id", "mqtt.publish.packet_id": "packet_id",
        "mqtt.flags.qos": "qos", "mqtt.flags.dup": "dup", "mqtt.flags.retain": "retain",
        "mqtt.connack.flags.session_present": "session_present",
        "mqtt.connack.return_code": "connack_code", "mqtt.connack.reason_code": "connack_code",
        "mqtt.subscribe.options.qos": "subscribe_qos", "mqtt.subscribe.options": "subscribe_options",
        "mqtt.connack.flags": "connack_flags",
        "mqtt.suback.return_code": "suback_code", "mqtt.suback.reason_code": "suback_code",
        "mqtt.puback.reason_code": "reason_code", "mqtt.pubrec.reason_code": "reason_code",
        "mqtt.pubrel.reason_code": "reason_code", "mqtt.pubcomp.reason_code": "reason_code",
        "mqtt.unsuback.reason_code": "reason_code", "mqtt.disconnect.reason_code": "reason_code",
        "mqtt.auth.reason_code": "reason_code",
        "mqtt.property.id": "property_id",
        "mqtt.property.topic_alias": "topic_alias",
        "mqtt.property.content_type": "content_type",
        "mqtt.property.maximum_qos": "maximum_qos",
        // Every integer property but Topic Alias and Maximum QoS (tshark: mqtt.prop_number).
        "mqtt.property.payload_format_indicator": "property_number",
        "mqtt.property.message_expiry_interval": "property_number",
        "mqtt.property.subscription_identifier": "property_number",
        "mqtt.property.session_expiry_interval": "property_number",
        "mqtt.property.server_keep_alive": "property_number",
        "mqtt.property.request_problem_information": "property_number",
        "mqtt.property.will_delay_interval": "property_number",
        "mqtt.property.request_response_information": "property_number",
        "mqtt.property.receive_maximum": "property_number",
        "mqtt.property.topic_alias_maximum": "property_number",
        "mqtt.property.retain_available": "property_number",
        "mqtt.property.maximum_packet_size": "property_number",
        "mqtt.property.wildcard_subscription_available": "property_number",
        "mqtt.property.subscription_identifier_available": "property_number",
        "mqtt.property.shared_subscription_available": "property_number",
        // String and binary properties but Content Type and the redacted Authentication Data
        // (tshark: mqtt.prop_string; binary values compared as lossy UTF-8 text).
        "mqtt.property.response_topic": "property_string",
        "mqtt.property.correlation_data": "property_string",
        "mqtt.property.assigned_client_identifier": "property_string",
        "mqtt.property.authentication_method": "property_string",
        "mqtt.property.response_information": "property_string",
        "mqtt.property.server_reference": "property_string",
        "mqtt.property.reason_string": "property_string",
        "mqtt.property.user_property.name": "user_property_name",
        "mqtt.property.user_property.value": "user_property_value",
    ]
    static let tsharkFields: [String: String] = [
        "mqtt.msgtype": "type", "mqtt.len": "remaining_length",
        "mqtt.protoname": "protocol_name", "mqtt.ver": "protocol_level", "mqtt.conflags": "connect_flags",
        "mqtt.conflag.qos": "will_qos",
        "mqtt.kalive": "keep_alive", "mqtt.clientid": "client_id", "mqtt.willtopic": "will_topic",
        "mqtt.username": "user_name", "mqtt.topic": "topic", "mqtt.msgid": "packet_id",
        "mqtt.qos": "qos", "mqtt.dupflag": "dup", "mqtt.retain": "retain",
        "mqtt.conack.flags.sp": "session_present",
        "mqtt.conack.val": "connack_code", "mqtt.connack.reason_code": "connack_code",
        "mqtt.sub.qos": "subscribe_qos", "mqtt.subscription_options": "subscribe_options",
        "mqtt.conack.flags": "connack_flags", "mqtt.subscription_options_qos": "subscribe_qos",
        "mqtt.suback.qos": "suback_code", "mqtt.suback.reason_code": "suback_code",
        "mqtt.puback.reason_code": "reason_code", "mqtt.pubrec.reason_code": "reason_code",
        "mqtt.pubrel.reason_code": "reason_code", "mqtt.pubcomp.reason_code": "reason_code",
        "mqtt.unsuback.reason_code": "reason_code", "mqtt.disconnect.reason_code": "reason_code",
        "mqtt.auth.reason_code": "reason_code",
        "mqtt.property_id": "property_id", "mqtt.property.topic_alias": "topic_alias",
        "mqtt.property.content_type": "content_type", "mqtt.property.max_qos": "maximum_qos",
        "mqtt.prop_number": "property_number", "mqtt.prop_string": "property_string",
        "mqtt.prop_key": "user_property_name", "mqtt.prop_value": "user_property_value",
        // The header byte: only its low nibble (the flags) is compared; the type is msgtype.
        "mqtt.hdrflags": "flags",
    ]
    static let quantities = Set(ourFields.values)

    /// One MQTT packet as either tool saw it: quantity → values in packet order.
    struct Packet {
        var frame: Int
        var values: [String: [String]] = [:]
        /// Ours only: the connection's client port and MQTT protocol level.
        var clientPort: UInt16 = 0
        var version = 0
        /// tshark only: the dissector flagged the frame malformed.
        var malformed = false
    }

    struct Row: Hashable, Comparable {
        var capture, frame, field, ours, theirs: String
        static func < (a: Row, b: Row) -> Bool {
            (a.capture, Int(a.frame.prefix { $0.isNumber }) ?? 0, a.frame, a.field, a.ours, a.theirs)
                < (b.capture, Int(b.frame.prefix { $0.isNumber }) ?? 0, b.frame, b.field, b.ours, b.theirs)
        }
        var columns: String { [capture, frame, field, ours, theirs].joined(separator: "\t") }
    }

    struct Totals {
        var captures = 0, packets = 0, fields = 0
    }

    static let listURL = Paths.fixtures.appendingPathComponent("tshark-mqtt-disagreements.tsv")

    /// Values are shown escaped (tab, newline, backslash, control bytes) and cut at 96 characters.
    static func show(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case _ where u.value < 0x20 || u.value == 0x7f: out += String(format: "\\x%02x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        if out.count > 96 { out = String(out.prefix(96)) + "…(\(s.utf8.count) bytes)" }
        return out
    }

    // MARK: ours

    struct OurSink: AnalysisSink {
        var packets: [Packet] = []
        var serverPorts: Set<UInt16> = []

        mutating func unit(_ unit: DecodedUnit, bytes pdu: Span<UInt8>, fields: borrowing FieldTree) {
            guard case .mqtt(let event) = unit else { return }
            // MQTT inside WebSocket is found without decode-as (tshark: the `mqtt` subprotocol).
            if event.transport == .tcp { serverPorts.insert(event.connection.server.port) }
            var p = Packet(frame: Int(event.lastFrame), clientPort: event.connection.client.port,
                           version: Int(event.version.rawValue))
            for node in fields.nodes {
                let abbrev = Catalogs.registry.spec(node.field).abbrev
                guard let q = TsharkMQTTAgreementTests.ourFields[abbrev] else { continue }
                // The nibble once: in MQTT 3.1 PUBREL/SUBSCRIBE/UNSUBSCRIBE it is a group (mqtt.flags)
                // whose unused RETAIN bit is a mqtt.flags.reserved child.
                if q == "flags", p.values[q] != nil { continue }
                // The options byte is 5.0's; in 3.x it is the Requested QoS, compared as subscribe_qos.
                if q == "subscribe_options", event.version != .v5 { continue }
                // MQTT 3.1's CONNACK byte is reserved (3.1 §3.2): tshark shows only "Reserved".
                if q == "connack_flags", event.version == .v3_1 { continue }
                let text: String
                switch node.value {
                case .uint(let v): text = String(v)
                case .bool(let b): text = b ? "1" : "0"
                case .text(let r, _), .bytes(let r):
                    guard r.lower >= 0, r.upper <= pdu.count, r.lower <= r.upper else { continue }
                    var bytes: [UInt8] = []
                    for i in r.lower..<r.upper { bytes.append(pdu[i]) }
                    text = String(decoding: bytes, as: UTF8.self)
                case .note(let i): text = fields.notes[i]
                case .redacted, .none: continue
                }
                // A PUBLISH that uses a topic alias: the topic it stands for (MQTT 5.0 §3.3.2.3.4).
                if q == "topic", abbrev == "mqtt.publish.topic", text.isEmpty, let alias = event.aliasTopic {
                    p.values[q, default: []].append(alias)
                } else {
                    p.values[q, default: []].append(text)
                }
            }
            packets.append(p)
        }
    }

    // MARK: tshark

    /// tshark's JSON, flattened in document order (duplicate keys kept) by Python: one line per
    /// field: frame, index of the MQTT layer within the frame, field name, JSON-quoted value.
    static let flattener = """
        import json, sys, subprocess
        args = [sys.argv[1], "-n", "-r", sys.argv[2], "-Y", "mqtt", "-T", "json"]
        for p in sys.argv[3:]:
            args += ["-d", "tcp.port==%s,mqtt" % p]
        doc = json.loads(subprocess.run(args, capture_output=True).stdout or b"[]", object_pairs_hook=lambda kv: kv)
        def leaves(node, out):
            for k, v in node:
                if isinstance(v, list) and v and isinstance(v[0], tuple):
                    leaves(v, out)
                elif isinstance(v, list):
                    for x in v:
                        out.append((k, x))
                else:
                    out.append((k, v))
        for pkt in doc:
            layers = dict(pkt)["_source"]
            layers = dict(layers)["layers"]
            frame = dict(dict(layers)["frame"])["frame.number"]
            index = 0
            malformed = any(k == "_ws.malformed" for k, _ in layers)
            for name, layer in layers:
                if name != "mqtt":
                    continue
                out = []
                leaves(layer, out)
                for k, v in out:
                    print("%s\\t%d\\t%s\\t%s" % (frame, index, k, json.dumps(v)))
                    if k.startswith("_ws.malformed"):
                        malformed = True
                index += 1
            if malformed:
                print("%s\\t%d\\t_ws.malformed\\t\\"\\"" % (frame, max(index - 1, 0)))
        """

    static func tsharkPackets(_ file: URL, tshark: String, python: String, ports: [UInt16]) throws -> [Packet] {
        let r = try runProcess(python, ["-c", flattener, tshark, file.path] + ports.map(String.init))
        guard r.status == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSDebugDescriptionErrorKey: r.err]) }
        var packets: [Packet] = []
        var key: (Int, Int) = (-1, -1)
        for line in r.out.split(separator: "\n") {
            let c = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
            guard c.count == 4, let frame = Int(c[0]), let index = Int(c[1]) else { continue }
            if (frame, index) != key {
                key = (frame, index)
                packets.append(Packet(frame: frame))
            }
            let name = String(c[2])
            if name.hasPrefix("_ws.malformed") { packets[packets.count - 1].malformed = true; continue }
            guard let q = tsharkFields[name],
                  let v = try? JSONSerialization.jsonObject(with: Data(c[3].utf8), options: .fragmentsAllowed) as? String
            else { continue }
            var value = v
            if value.hasPrefix("0x"), let n = UInt64(value.dropFirst(2), radix: 16) {
                value = String(name == "mqtt.hdrflags" ? n & 0x0f : n)
            }
            // Property ids are compared as numbers; tshark prints them in hex.
            packets[packets.count - 1].values[q, default: []].append(value)
        }
        return packets
    }

    // MARK: comparison

    static var inputs: [URL] {
        Corpus.capturesIncludingCorpus()
    }

    static func displayName(_ file: URL) -> String {
        let p = file.path
        if p.hasPrefix(Paths.external.path + "/") { return "external/" + p.dropFirst(Paths.external.path.count + 1) }
        if p.hasPrefix(Paths.root.path + "/") { return String(p.dropFirst(Paths.root.path.count + 1)) }
        return file.lastPathComponent
    }

    /// Our decode of a capture. MQTT found on another port than 1883: the capture is read again with
    /// that port decoded as MQTT (the counterpart of tshark's `-d tcp.port==N,mqtt`), so connections
    /// picked up mid-stream there count too. Returns the packets and those ports.
    static func ours(_ file: URL) -> (packets: [Packet], ports: [UInt16]) {
        var sink = OurSink()
        _ = try? CaptureAnalysis.run(path: file.path, options: AnalysisOptions(), sink: &sink)
        let ports = sink.serverPorts.filter { $0 != 1883 }.sorted()
        if !ports.isEmpty {
            var options = AnalysisOptions()
            options.ports.mqtt.formUnion(ports)
            sink = OurSink()
            _ = try? CaptureAnalysis.run(path: file.path, options: options, sink: &sink)
        }
        return (sink.packets, ports)
    }

    /// Compares one capture; returns its disagreements and adds to the totals.
    static func compare(_ file: URL, tshark: String, python: String, totals: inout Totals) throws -> [Row] {
        let (mine0, ports) = ours(file)
        let theirs = try tsharkPackets(file, tshark: tshark, python: python, ports: ports)
        if mine0.isEmpty && theirs.isEmpty { return [] }
        totals.captures += 1
        let name = displayName(file)

        // Match by (frame, index within the frame).
        func keyed(_ ps: [Packet]) -> [String: Packet] {
            var out: [String: Packet] = [:]
            var seen: [Int: Int] = [:]
            for p in ps {
                let i = seen[p.frame, default: 0]
                seen[p.frame] = i + 1
                out[i == 0 ? String(p.frame) : "\(p.frame)#\(i + 1)"] = p
            }
            return out
        }
        let mine = keyed(mine0), their = keyed(theirs)
        var rows: [Row] = []
        for k in Set(mine.keys).union(their.keys) {
            switch (mine[k], their[k]) {
            case let (m?, t?):
                totals.packets += 1
                for q in quantities {
                    let a = m.values[q] ?? [], b = t.values[q] ?? []
                    if a.isEmpty && b.isEmpty { continue }
                    totals.fields += 1
                    if a != b {
                        rows.append(Row(capture: name, frame: k, field: q, ours: show(a.joined(separator: ",")),
                                        theirs: show(b.joined(separator: ","))))
                    }
                }
                if t.malformed {
                    rows.append(Row(capture: name, frame: k, field: "malformed", ours: "-", theirs: "Malformed Packet"))
                }
            case let (m?, nil):
                rows.append(Row(capture: name, frame: k, field: "packet", ours: m.values["type"]?.first ?? "?",
                                theirs: "-"))
            case let (nil, t?):
                rows.append(Row(capture: name, frame: k, field: "packet", ours: "-",
                                theirs: (t.values["type"]?.first ?? "?") + (t.malformed ? " (malformed)" : "")))
            case (nil, nil):
                break
            }
        }
        return rows
    }

    /// The committed list: row → reason key.
    static func listed() -> [Row: String] {
        guard let text = try? String(contentsOf: listURL, encoding: .utf8) else { return [:] }
        var out: [Row: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count == 6 else { continue }
            out[Row(capture: c[0], frame: c[1], field: c[2], ours: c[3], theirs: c[4])] = c[5]
        }
        return out
    }

    static func record(_ rows: [Row], keeping old: [Row: String]) throws {
        var text = """
            # Every field on which mqscope's MQTT decode and tshark 4.0.17's disagree, with the key of the
            # explanation in docs/tshark-agreement.md. Checked both ways by TsharkMQTTAgreementTests.
            # Frame "N#k" = the k-th MQTT packet completed in frame N. Values are comma-joined, escaped, cut.
            # capture\tframe\tfield\tours\ttshark\treason

            """
        for r in rows.sorted() { text += r.columns + "\t" + (old[r] ?? "UNEXPLAINED") + "\n" }
        try text.write(to: listURL, atomically: true, encoding: .utf8)
    }

    @Test("every MQTT packet agrees with tshark, or the disagreement is listed and explained")
    func agreesWithTshark() throws {
        guard let tshark = which("tshark"), let python = which("python3") else {
            Issue.record("tshark and python3 are needed (scripts/setup.sh installs them)")
            return
        }
        var totals = Totals()
        var rows: [Row] = []
        for file in Self.inputs {
            rows += try Self.compare(file, tshark: tshark, python: python, totals: &totals)
        }
        let old = Self.listed()
        if ProcessInfo.processInfo.environment["MQSCOPE_RECORD_TSHARK"] == "1" {
            try Self.record(rows, keeping: old)
        }
        print("""
            tshark MQTT agreement: \(totals.captures) captures, \(totals.packets) packets compared, \
            \(totals.fields) fields compared, \(rows.count) disagreements \
            (\(Set(rows.map { "\($0.capture) \($0.frame)" }).count) packets)
            """)
        #expect(totals.packets > 0)
        let found = Set(rows)
        for r in rows.sorted() where old[r] == nil {
            Issue.record("not in \(Self.listURL.lastPathComponent): \(r.columns)")
        }
        for r in old.keys.sorted() where !found.contains(r) && (Corpus.isAvailable || !r.capture.hasPrefix("external/")) {
            Issue.record("listed but no longer occurs (remove it): \(r.columns)")
        }
        // Every reason key is explained in the document.
        let doc = (try? String(contentsOf: Paths.root.appendingPathComponent("docs/tshark-agreement.md"), encoding: .utf8)) ?? ""
        for reason in Set(old.values).sorted() {
            #expect(reason != "UNEXPLAINED" && doc.contains("`\(reason)`"), "reason key \(reason) is not explained in docs/tshark-agreement.md")
        }
    }
}
