import Foundation
import Testing
import Analysis
import MQTTCodec
import STOMPCodec
import WebSocketCodec
import TCPReassembly
import WireCore
import TestSupport

/// The STOMP and WebSocket paths of the pipeline over real captures: ours (ActiveMQ and
/// stomp.py, paho-mqtt's websockets transport) and the peers' (nDPI, Zeek, Suricata, Scapy).
@Suite struct STOMPWebSocketTests {
    /// Everything the router hands out, in order, as short strings and counters.
    struct Sink: AnalysisSink {
        var stompCommands: [UInt32: [String: Int]] = [:]
        var stompVersions: [UInt32: String] = [:]
        var heartBeats = 0
        var stompTransports: Set<String> = []
        var mqttTypes: [String: Int] = [:]
        var mqttTransports: Set<String> = []
        var webSocket: [String: Int] = [:]
        var subprotocols: [String] = []
        var findings: [String] = []
        var streamEvents: [String] = []
        var connections: [ConnectionSummary] = []

        mutating func unit(_ unit: DecodedUnit, bytes: Span<UInt8>, fields: borrowing FieldTree) {
            switch unit {
            case .stomp(let e): stompFrame(e)
            case .mqtt(let e): mqttPacket(e)
            case .webSocket(let e): webSocketEvent(e)
            case .tls: break
            }
        }
        mutating func stompFrame(_ e: STOMPFrameEvent) {
            stompTransports.insert(e.transport.rawValue)
            if e.isHeartBeat { heartBeats += 1; return }
            let name: String
            if case .unknown(let b) = e.summary.command { name = "unknown:" + String(decoding: b, as: UTF8.self) }
            else { name = e.summary.command.name }
            stompCommands[e.connection.id, default: [:]][name, default: 0] += 1
            stompVersions[e.connection.id] = "\(e.version)/\(e.versionSource.rawValue)"
            for d in e.diagnostics { findings.append("\(e.connection.id) \(name) \(d.rule)") }
        }
        mutating func mqttPacket(_ e: MQTTPacketEvent) {
            mqttTypes[e.message.packetType?.name ?? "Malformed", default: 0] += 1
            mqttTransports.insert(e.transport.rawValue)
            for d in e.diagnostics { findings.append("mqtt \(d.rule)") }
        }
        mutating func webSocketEvent(_ e: WebSocketEventReport) {
            switch e.kind {
            case .handshake(let h):
                webSocket[h.isRequest ? "request" : "response", default: 0] += 1
                if let p = h.selectedProtocol { subprotocols.append(p) }
            case .frame(let f):
                webSocket[f.opcode.description, default: 0] += 1
            }
            for d in e.diagnostics { findings.append("ws \(d.rule)") }
        }
        mutating func streamEvent(_ e: StreamEventReport) { streamEvents.append("\(e.rule)") }
        mutating func connectionFinished(_ c: ConnectionSummary) { connections.append(c) }
    }

    static func analyse(_ path: String, webSocketPort: UInt16? = nil) throws -> Sink {
        var sink = Sink()
        var options = AnalysisOptions()
        if let p = webSocketPort { options.ports.webSocket.insert(p) }
        _ = try CaptureAnalysis.run(path: path, options: options, sink: &sink)
        return sink
    }
    static func capture(_ name: String) -> String { Paths.captures.appendingPathComponent(name).path }
    static func external(_ name: String) -> String { Paths.external.appendingPathComponent(name).path }

    @Test func activeMQSessionsDecodeCleanly() throws {
        let s = try Self.analyse(Self.capture("stomp-activemq.pcap"))
        #expect(s.findings.isEmpty, "\(s.findings)")
        #expect(s.streamEvents.isEmpty, "\(s.streamEvents)")
        #expect(s.connections.map(\.protocolName) == ["stomp", "stomp", "stomp", "stomp"])
        // One connection per session, in order: 1.0, 1.1, 1.2, then the ERROR session (1.2).
        #expect(s.stompVersions == [0: "1.0/negotiated", 1: "1.1/negotiated", 2: "1.2/negotiated", 3: "1.2/negotiated"])
        #expect(s.stompCommands[0] == [
            "CONNECT": 1, "CONNECTED": 1, "SUBSCRIBE": 3, "SEND": 4, "RECEIPT": 6, "MESSAGE": 3, "BEGIN": 2,
            "COMMIT": 1, "ABORT": 1, "ACK": 1, "UNSUBSCRIBE": 1, "DISCONNECT": 1,
        ])
        for id: UInt32 in [1, 2] {
            #expect(s.stompCommands[id] == [
                "STOMP": 1, "CONNECTED": 1, "SUBSCRIBE": 4, "SEND": 6, "RECEIPT": 10, "MESSAGE": 5, "BEGIN": 2,
                "COMMIT": 1, "ABORT": 1, "ACK": 2, "NACK": 1, "UNSUBSCRIBE": 1, "DISCONNECT": 1,
            ], "connection \(id)")
        }
        #expect(s.stompCommands[3]?["ERROR"] == 1 && s.stompCommands[3]?["COMMIT"] == 1)
        #expect(s.heartBeats > 10)
        #expect(s.stompTransports == ["tcp"])
    }

    /// Hostile variants (captures/generators/make_hostile.py): the same frames when split into
    /// 1, 2, 3, 5, 8 … byte segments; a lowercase command is an unknown command.
    @Test func hostileSTOMPVariants() throws {
        let source = try Self.analyse(Self.capture("stomp-activemq.pcap"))
        let split = try Self.analyse(Self.capture("hostile/stomp-split-frames.pcap"))
        #expect(split.stompCommands == source.stompCommands)
        #expect(split.findings.isEmpty && split.streamEvents.isEmpty, "\(split.findings) \(split.streamEvents)")
        #expect(split.heartBeats == source.heartBeats)

        let lower = try Self.analyse(Self.capture("hostile/stomp-lowercase-command.pcap"))
        #expect(lower.findings == ["1 unknown:subscribe STOMP-1.1-FRAME-COMMAND"])
        #expect(lower.stompCommands[1]?["SUBSCRIBE"] == (source.stompCommands[1]?["SUBSCRIBE"] ?? 0) - 1)
    }

    @Test func stompOverWebSocket() throws {
        let s = try Self.analyse(Self.capture("stomp-websocket.pcap"))
        #expect(s.findings.isEmpty, "\(s.findings)")
        #expect(s.streamEvents.isEmpty, "\(s.streamEvents)")
        #expect(s.connections.map(\.protocolName) == ["websocket+stomp"])
        #expect(s.subprotocols == ["v12.stomp"])
        #expect(s.stompCommands[0] == [
            "STOMP": 1, "CONNECTED": 1, "SUBSCRIBE": 1, "SEND": 1, "RECEIPT": 3, "MESSAGE": 1, "ACK": 1, "DISCONNECT": 1,
        ])
        #expect(s.stompVersions[0] == "1.2/negotiated")
        #expect(s.stompTransports == ["websocket"])
        #expect(s.webSocket["request"] == 1 && s.webSocket["response"] == 1 && s.webSocket["Text"] == 10)
    }

    @Test func mqttOverWebSocket() throws {
        let s = try Self.analyse(Self.capture("mqtt-websocket.pcap"))
        #expect(s.findings.isEmpty, "\(s.findings)")
        #expect(s.streamEvents.isEmpty, "\(s.streamEvents)")
        #expect(s.connections.map(\.protocolName) == ["websocket+mqtt"])
        #expect(s.subprotocols == ["mqtt"])
        #expect(s.mqttTypes == [
            "CONNECT": 1, "CONNACK": 1, "SUBSCRIBE": 1, "SUBACK": 1, "PUBLISH": 10, "PUBACK": 6, "PUBREC": 2,
            "PUBREL": 2, "PUBCOMP": 2, "DISCONNECT": 1,
        ])
        #expect(s.mqttTransports == ["websocket"])
        // Every MQTT packet travelled in its own binary frame (paho and the websockets relay).
        #expect(s.webSocket["Binary"] == 26)
        #expect(s.connections.first?.mqttVersion == .v3_1_1)
    }

    /// The server's frames rewritten (make_hostile.py): a PUBLISH across three frames with a ping
    /// between them, two MQTT packets in one frame. The MQTT decode is unchanged.
    @Test func reframedMQTTOverWebSocket() throws {
        let source = try Self.analyse(Self.capture("mqtt-websocket.pcap"))
        let s = try Self.analyse(Self.capture("hostile/mqtt-websocket-reframed.pcap"))
        #expect(s.mqttTypes == source.mqttTypes)
        #expect(s.findings.isEmpty && s.streamEvents.isEmpty, "\(s.findings) \(s.streamEvents)")
        #expect(s.webSocket["Ping"] == 1 && s.webSocket["Continuation"] == 2)
        #expect(s.webSocket["Binary"] == (source.webSocket["Binary"] ?? 0) - 1)
    }

    /// nDPI's STOMP 1.1 capture: the server's lowercase `message` is an unknown command.
    @Test(Corpus.required) func ndpiSTOMP() throws {
        let s = try Self.analyse(Self.external("ndpi/stomp.pcapng"))
        #expect(s.connections.map(\.protocolName) == ["stomp"])
        #expect(s.stompVersions[0] == "1.1/negotiated")
        #expect(s.stompCommands[0] == [
            "STOMP": 1, "CONNECTED": 1, "SUBSCRIBE": 1, "SEND": 1, "unknown:message": 1, "DISCONNECT": 1, "RECEIPT": 1,
        ])
        #expect(s.findings == ["0 unknown:message STOMP-1.1-FRAME-COMMAND"])
    }

    /// The peers' WebSocket captures and the oddities their suites expect.
    @Test(Corpus.required) func peerWebSocketCaptures() throws {
        let accept = try Self.analyse(Self.external("zeek/websocket/wrong-accept-header.pcap"))
        #expect(accept.findings.contains("ws WS-RFC6455-4.2.2-BAD-ACCEPT"), "\(accept.findings)")

        let close = try Self.analyse(Self.external("zeek/websocket/oversized-close-frame.pcapng"))
        #expect(close.webSocket["Close"] ?? 0 >= 1)
        #expect(close.findings.contains { $0.hasPrefix("ws ") && $0.contains("CONTROL-TOO-LONG") }, "\(close.findings)")

        // A ping between the fragments of a text message: both fragments and the ping decode.
        let frag = try Self.analyse(Self.external("suricata-verify/websocket-control-frag/input.pcap"))
        #expect(frag.webSocket["Text"] == 1 && frag.webSocket["Continuation"] == 1 && frag.webSocket["Ping"] == 1)
        #expect(!frag.findings.contains { $0.contains("FRAGMENTED") || $0.contains("ORPHAN") }, "\(frag.findings)")

        // Invalid upgrade attempts on port 5000, then a valid one: only that one yields frames.
        // The connection opens with a POST carrying `Upgrade: websocket`: content finds it without
        // a port hint (the method is then reported), and with the hint the decode is the same.
        let plain = try Self.analyse(Self.external("scapy/websocket_invalid_handshakes.pcap"))
        #expect(plain.connections.map(\.protocolName).first?.hasPrefix("websocket") == true, "\(plain.connections)")
        #expect(plain.webSocket == (try Self.analyse(Self.external("scapy/websocket_invalid_handshakes.pcap"),
                                                     webSocketPort: 5000)).webSocket)
        let invalid = try Self.analyse(Self.external("scapy/websocket_invalid_handshakes.pcap"), webSocketPort: 5000)
        #expect(invalid.webSocket["Text"] == 1, "\(invalid.webSocket)")
        #expect(invalid.webSocket["request"] ?? 0 >= 4, "\(invalid.webSocket)")

        // Picked up mid-stream on port 12345 (no handshake): not detected as WebSocket.
        let midstream = try Self.analyse(Self.external("ndpi/websocket.pcap"))
        #expect(midstream.webSocket.isEmpty)
        // The full version of that capture, with its HTTP upgrade on port 12345: detected by content.
        let arkime = try Self.analyse(Self.external("arkime/websocket.pcap"))
        #expect(arkime.webSocket["Text"] == 5, "\(arkime.webSocket)")
    }

    /// The CLI: catalogs listed, PROTO names, JSON objects per protocol and transport.
    @Test func commandLine() throws {
        let fields = try runProcess(Paths.executable.path, ["fields"])
        #expect(fields.out.contains("stomp.command") && fields.out.contains("websocket.opcode"))
        let streams = try runProcess(Paths.executable.path, [
            "streams", Self.capture("mqtt-websocket.pcap"), Self.capture("stomp-websocket.pcap"),
            Self.capture("stomp-activemq.pcap"),
        ])
        #expect(streams.out.contains(" websocket+mqtt ") && streams.out.contains(" websocket+stomp ")
                && streams.out.contains(" stomp "))
        let nd = try runProcess(Paths.executable.path, ["read", "--format", "ndjson", Self.capture("mqtt-websocket.pcap")])
        let lines = nd.out.split(separator: "\n")
        #expect(lines.filter { $0.contains("\"protocol\":\"mqtt\"") && $0.contains("\"transport\":\"websocket\"") }.count == 27)
        #expect(lines.filter { $0.contains("\"protocol\":\"websocket\"") }.count == 28)
        let text = try runProcess(Paths.executable.path, ["read", Self.capture("stomp-activemq.pcap")])
        #expect(text.out.contains("STOMP 1.2 NACK id=") && text.out.contains("STOMP 1.0 ACK message-id="))
    }
}
