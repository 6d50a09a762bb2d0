import Foundation
import Testing
import TestSupport

/// `mqscope live` against a real mosquitto broker on loopback, driven by real clients
/// (mosquitto_pub/mosquitto_sub and paho-mqtt with MQTT 5 properties). Needs root or CAP_NET_RAW,
/// as CI has; every process started here is stopped before the test returns.
@Suite(.serialized) struct LiveCaptureTests {
    /// A free TCP port on 127.0.0.1 (the kernel picks it).
    static func freePort() throws -> Int {
        let r = try runProcess(which("python3") ?? "/usr/bin/python3", ["-c",
            "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
        return Int(r.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// A background process whose output goes to files; `stop` ends it (and is safe to call twice).
    final class Background {
        let process = Process()
        let out: URL, err: URL
        init(_ executable: String, _ arguments: [String], dir: URL, name: String) throws {
            out = dir.appendingPathComponent("\(name).out")
            err = dir.appendingPathComponent("\(name).err")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        var stderrText: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
        var stdoutText: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
        func signal(_ s: Int32) { if process.isRunning { kill(process.processIdentifier, s) } }
        func waitUntilExit(seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            return !process.isRunning
        }
        func stop() {
            signal(SIGTERM)
            if !waitUntilExit(seconds: 3) { signal(SIGKILL); _ = waitUntilExit(seconds: 3) }
        }
        deinit { stop() }
    }

    static func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline { if condition() { return true }; usleep(50_000) }
        return condition()
    }

    /// Packet lines of an NDJSON stream, without the "file" key (live names the interface, read the file).
    static func packets(_ ndjson: String) throws -> [[String: Any]] {
        try ndjson.split(separator: "\n").compactMap { line in
            guard var o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["kind"] as? String == "packet" else { return nil }
            o.removeValue(forKey: "file")
            return o
        }
    }

    static var mosquittoPath: String? {
        which("mosquitto") ?? (FileManager.default.isExecutableFile(atPath: "/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : nil)
    }

    /// A fresh scratch directory for one test (the caller removes it).
    static func scratch(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// mosquitto listening on 127.0.0.1:`port`, anonymous clients allowed.
    static func startMosquitto(_ mosquitto: String, port: Int, dir: URL) throws -> Background {
        let conf = dir.appendingPathComponent("mosquitto.conf")
        try "listener \(port) 127.0.0.1\nallow_anonymous true\n".write(to: conf, atomically: true, encoding: .utf8)
        return try Background(mosquitto, ["-c", conf.path], dir: dir, name: "mosquitto")
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` within `seconds`.
    static func listening(on port: Int, python: String, within seconds: Double) -> Bool {
        waitFor(seconds) {
            (try? runProcess(python, ["-c", "import socket; socket.create_connection(('127.0.0.1', \(port)), 1)"]))?.status == 0
        }
    }

    /// `mqscope live` on lo for `port`, writing `written`, NDJSON, with the checker; returns once
    /// it says it is capturing. The capture filter names this test's port only: a broker elsewhere
    /// on the machine (on 1883 or 61613, the default filter's ports) cannot change the counts.
    static func startLive(port: Int, written: URL, dir: URL, extra: [String] = []) throws -> Background {
        let live = try Background(Paths.executable.path,
                                  ["live", "-i", "lo", "-f", "tcp port \(port)", "--port", String(port), "-w", written.path,
                                   "--format", "ndjson", "--check"] + extra,
                                  dir: dir, name: "live")
        #expect(waitFor(10) { live.stderrText.contains("capturing on lo") }, "live did not start: \(live.stderrText)")
        usleep(300_000)
        return live
    }

    /// Stops `live` as a user would (SIGINT): it must end promptly and with status 0.
    static func stopLive(_ live: Background) {
        live.signal(SIGINT)
        #expect(live.waitUntilExit(seconds: 10), "live did not stop on SIGINT")
        #expect(live.process.terminationStatus == 0, "\(live.stderrText)")
    }

    /// The packets `read --format ndjson` decodes from the file live wrote.
    static func reread(_ written: URL, extra: [String] = []) throws -> [[String: Any]] {
        let r = try runProcess(Paths.executable.path, ["read", "--format", "ndjson"] + extra + [written.path])
        #expect(r.status == 0, "\(r.err)")
        return try packets(r.out)
    }

    static let pahoClient = """
        import sys, paho.mqtt.client as mqtt
        from paho.mqtt.properties import Properties
        from paho.mqtt.packettypes import PacketTypes
        port = int(sys.argv[1])
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="live-v5", protocol=mqtt.MQTTv5)
        cp = Properties(PacketTypes.CONNECT); cp.SessionExpiryInterval = 30; cp.UserProperty = ("suite", "mqscope")
        c.connect("127.0.0.1", port, keepalive=30, properties=cp)
        c.loop_start()
        pp = Properties(PacketTypes.PUBLISH); pp.UserProperty = ("k", "v"); pp.MessageExpiryInterval = 60
        c.publish("other/x", b"v5 payload", qos=1, properties=pp).wait_for_publish(5)
        c.disconnect(); c.loop_stop()
        """

    /// The session: a QoS 1 subscriber that takes 3 messages, three publishers (QoS 0, 1, 2 — the
    /// last one MQTT 5), and a paho MQTT 5 client publishing with properties to another topic.
    static func runSession(pub: String, sub: String, python: String, port: Int, dir: URL) throws {
        let p = String(port)
        let subscriber = try Background(sub, ["-h", "127.0.0.1", "-p", p, "-t", "live/#", "-q", "1", "-C", "3", "-i", "live-sub"],
                                        dir: dir, name: "sub")
        defer { subscriber.stop() }
        usleep(500_000)
        for (qos, topic, extra) in [("0", "live/a", [String]()), ("1", "live/b", []), ("2", "live/c", ["-V", "mqttv5"])] {
            let r = try runProcess(pub, ["-h", "127.0.0.1", "-p", p, "-t", topic, "-m", "m\(qos)", "-q", qos] + extra)
            #expect(r.status == 0, "mosquitto_pub: \(r.err)")
        }
        let paho = try runProcess(python, ["-c", Self.pahoClient, p])
        #expect(paho.status == 0, "paho client: \(paho.err)")
        #expect(subscriber.waitUntilExit(seconds: 10), "the subscriber did not get its 3 messages")
    }

    @Test func decodesALiveSessionAndWritesAReadableCapture() throws {
        try #require(getuid() == 0, "live capture needs root (or CAP_NET_RAW); CI runs as root")
        guard let mosquitto = Self.mosquittoPath, let pub = which("mosquitto_pub"), let sub = which("mosquitto_sub"),
              let python = which("python3") else {
            Issue.record("mosquitto, mosquitto-clients and python3 are needed (scripts/setup.sh installs them)")
            return
        }
        let dir = try Self.scratch("live")
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try Self.freePort()
        let broker = try Self.startMosquitto(mosquitto, port: port, dir: dir)
        defer { broker.stop() }
        let written = dir.appendingPathComponent("live.pcap")
        let live = try Self.startLive(port: port, written: written, dir: dir)
        defer { live.stop() }

        let p = String(port)
        try Self.runSession(pub: pub, sub: sub, python: python, port: port, dir: dir)
        // NDJSON is flushed per packet: wait (under load too) until all 31 packets have been shown.
        _ = Self.waitFor(15) { live.stdoutText.components(separatedBy: "\"kind\":\"packet\"").count - 1 >= 31 }
        usleep(200_000)
        Self.stopLive(live)

        // Every packet the clients exchanged, by type.
        let seen = try Self.packets(live.stdoutText)
        var counts: [String: Int] = [:]
        for o in seen { counts[o["type"] as? String ?? "?", default: 0] += 1 }
        let expected = ["CONNECT": 5, "CONNACK": 5, "SUBSCRIBE": 1, "SUBACK": 1,
                        "PUBLISH": 7,      // 4 from publishers, 3 delivered to the subscriber
                        "PUBACK": 4,       // QoS 1 publish, paho's, the subscriber's two QoS 1 deliveries
                        "PUBREC": 1, "PUBREL": 1, "PUBCOMP": 1, "DISCONNECT": 5]
        #expect(counts == expected)
        let v5 = seen.filter { ($0["client_id"] as? String) == "live-v5" }
        #expect(v5.allSatisfy { $0["version"] as? String == "5.0" } && !v5.isEmpty)
        let findings = seen.flatMap { ($0["findings"] as? [[String: Any]]) ?? [] }
        #expect(findings.isEmpty, "findings on a clean session: \(findings)")

        // The summary and the written capture.
        let summary = live.stderrText
        #expect(summary.contains("MQTT packets: 31"))
        #expect(summary.contains("kernel:") && summary.contains("dropped"))
        #expect(summary.contains("findings (conformance check): 0 error, 0 warning"), "\(summary)")
        #expect(!live.stdoutText.contains("\"kind\":\"finding\""))
        let again = try Self.reread(written, extra: ["--port", p])
        #expect(again.count == seen.count)
        #expect(NSArray(array: again).isEqual(to: seen), "the -w file does not decode to the same packets")
    }

    /// MQTT over TLS, live, with a key log that is empty when live starts: the client (paho-mqtt,
    /// Python's ssl `keylog_filename`) appends its secrets during the handshake, and live re-reads
    /// the file as it grows, so the session is decrypted and checked like plaintext. In TLS 1.3
    /// the server's encrypted handshake flight follows its ServerHello at once, so live often
    /// reaches it before the client has appended its handshake secrets: those records wait for the
    /// keys (TLSConnection.keyWaitRecords) and decryption starts where they appear.
    @Test(arguments: ["1.2", "1.3"])
    func decryptsALiveTLSSessionWithAGrowingKeyLog(_ version: String) throws {
        try #require(getuid() == 0, "live capture needs root (or CAP_NET_RAW); CI runs as root")
        guard let mosquitto = Self.mosquittoPath, let python = which("python3"), let openssl = which("openssl") else {
            Issue.record("mosquitto, python3 and openssl are needed (scripts/setup.sh installs them)")
            return
        }
        let dir = try Self.scratch("live-tls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try Self.freePort()
        let (crt, key) = (dir.appendingPathComponent("server.crt").path, dir.appendingPathComponent("server.key").path)
        let cert = try runProcess(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=broker.mqscope.test",
                                            "-keyout", key, "-out", crt])
        try #require(cert.status == 0, "openssl: \(cert.err)")
        // mosquitto started as root drops to its own user, which must read the key.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        let conf = dir.appendingPathComponent("mosquitto.conf")
        try "listener \(port) 127.0.0.1\nallow_anonymous true\ncertfile \(crt)\nkeyfile \(key)\n"
            .write(to: conf, atomically: true, encoding: .utf8)
        let broker = try Background(mosquitto, ["-c", conf.path], dir: dir, name: "mosquitto")
        defer { broker.stop() }
        try #require(Self.listening(on: port, python: python, within: 10), "mosquitto did not start: \(broker.stderrText)")
        let keys = dir.appendingPathComponent("keys.log")
        _ = FileManager.default.createFile(atPath: keys.path, contents: Data())
        let live = try Self.startLive(port: port, written: dir.appendingPathComponent("live-tls.pcap"), dir: dir,
                                      extra: ["--tls-keylog", keys.path])
        defer { live.stop() }

        let client = Paths.captures.appendingPathComponent("clients/tls_session.py").path
        let r = try runProcess(python, [client, "--tls", "--insecure", "--cafile", crt, "--sni", "broker.mqscope.test", "--version", "311", "--small",
                                        "--max-version", version, "--keylog", keys.path], environment: ["MQ_HOST": "127.0.0.1", "MQ_PORT": String(port)])
        #expect(r.status == 0, "tls_session.py: \(r.err)")
        #expect(try String(contentsOf: keys, encoding: .utf8).contains(version == "1.2" ? "CLIENT_RANDOM" : "CLIENT_TRAFFIC_SECRET_0"))
        _ = Self.waitFor(15) { live.stdoutText.contains("\"type\":\"DISCONNECT\"") }
        usleep(300_000)
        Self.stopLive(live)

        let mqtt = try Self.packets(live.stdoutText).filter { $0["protocol"] as? String == "mqtt" }
        let types = mqtt.map { $0["type"] as? String ?? "?" }
        #expect(types.first == "CONNECT" && types.last == "DISCONNECT", "\(types) \(live.stderrText)")
        #expect(types.filter { $0 == "PUBLISH" }.count == 6, "\(types)")
        #expect(mqtt.allSatisfy { $0["transport"] as? String == "tls" })
        #expect(!live.stderrText.contains("not decrypted"), "\(live.stderrText)")
    }

    /// `-t` and `-x` on `live` as on `read` (one option group): a CONNECT and its CONNACK sent over
    /// loopback by a small Python peer are shown with epoch times and a hex dump of their bytes.
    @Test func liveTakesTimeFormatAndHexDump() throws {
        try #require(getuid() == 0, "live capture needs root (or CAP_NET_RAW); CI runs as root")
        guard let python = which("python3") else { Issue.record("python3 is needed"); return }
        let dir = try Self.scratch("live-tx")
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try Self.freePort()
        let live = try Background(Paths.executable.path,
                                  ["live", "-i", "lo", "-f", "tcp port \(port)", "--port", String(port), "-t", "e", "-x"],
                                  dir: dir, name: "live")
        defer { live.stop() }
        #expect(Self.waitFor(10) { live.stderrText.contains("capturing on lo") }, "live did not start: \(live.stderrText)")
        usleep(300_000)
        let peer = """
            import socket, sys
            port = int(sys.argv[1])
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', port)); s.listen(1)
            c = socket.create_connection(('127.0.0.1', port)); a, _ = s.accept()
            c.sendall(bytes([0x10, 0x10, 0, 4]) + b'MQTT' + bytes([4, 2, 0, 60, 0, 4]) + b'tx-1')
            a.recv(100); a.sendall(bytes([0x20, 2, 0, 0])); c.recv(4)
            c.close(); a.close(); s.close()
            """
        let r = try runProcess(python, ["-c", peer, String(port)])
        #expect(r.status == 0, "the peer: \(r.err)")
        _ = Self.waitFor(10) { live.stdoutText.contains("CONNACK") }
        usleep(200_000)
        Self.stopLive(live)
        let lines = live.stdoutText.split(separator: "\n").map(String.init)
        let connect = try #require(lines.firstIndex { $0.contains("CONNECT 3.1.1") }, "\(live.stdoutText)")
        // -t e: the time is epoch seconds (ten digits, a point, nine).
        let time = lines[connect].split(separator: " ", omittingEmptySubsequences: true)[1]
        #expect(time.count == 20 && time.dropFirst(10).first == ".", "\(lines[connect])")
        // -x: the packet's bytes follow its line.
        #expect(lines[connect + 1].contains("0000  10 10 00 04 4d 51 54 54  04 02 00 3c 00 04 74 78  ....MQTT...<..tx"),
                "\(live.stdoutText)")
        #expect(lines.contains { $0.contains("0000  20 02 00 00") })
    }

    /// MQTT over WebSocket, live: paho-mqtt's websockets transport through `ws_bridge.py` (the
    /// `websockets` library as the broker's WebSocket listener, as for captures/) to mosquitto.
    /// Found by its HTTP upgrade on a port live was only told to capture, decoded frame by frame,
    /// checked (no finding), and the `-w` file reads back to the same packets.
    @Test func decodesALiveMQTTOverWebSocketSession() throws {
        try #require(getuid() == 0, "live capture needs root (or CAP_NET_RAW); CI runs as root")
        guard let mosquitto = Self.mosquittoPath, let python = which("python3") else {
            Issue.record("mosquitto and python3 are needed (scripts/setup.sh installs them)")
            return
        }
        let dir = try Self.scratch("live-ws")
        defer { try? FileManager.default.removeItem(at: dir) }
        let brokerPort = try Self.freePort()
        let wsPort = try Self.freePort()
        let broker = try Self.startMosquitto(mosquitto, port: brokerPort, dir: dir)
        defer { broker.stop() }
        let clients = Paths.captures.appendingPathComponent("clients")
        let bridge = try Background(python, [clients.appendingPathComponent("ws_bridge.py").path, String(wsPort),
                                             String(brokerPort), "mqtt"], dir: dir, name: "bridge")
        defer { bridge.stop() }
        #expect(Self.listening(on: wsPort, python: python, within: 10), "ws_bridge.py did not start: \(bridge.stderrText)")
        let written = dir.appendingPathComponent("live-ws.pcap")
        let live = try Self.startLive(port: wsPort, written: written, dir: dir)
        defer { live.stop() }

        let client = try runProcess(python, [clients.appendingPathComponent("mqtt_websocket.py").path, String(wsPort)])
        #expect(client.status == 0, "paho websockets client: \(client.err)")
        _ = Self.waitFor(15) { live.stdoutText.contains("\"type\":\"DISCONNECT\"") }
        usleep(300_000)
        Self.stopLive(live)

        let seen = try Self.packets(live.stdoutText)
        var mqtt: [String: Int] = [:]
        var webSocket: [String: Int] = [:]
        for o in seen {
            let type = o["type"] as? String ?? "?"
            if o["protocol"] as? String == "mqtt" {
                #expect(o["transport"] as? String == "websocket")
                mqtt[type, default: 0] += 1
            } else if o["protocol"] as? String == "websocket" {
                webSocket[type, default: 0] += 1
            }
        }
        // mqtt_websocket.py: SUBSCRIBE QoS 2, five PUBLISHes (QoS 0, 1, 2, 1, 1) each delivered back.
        #expect(mqtt == ["CONNECT": 1, "CONNACK": 1, "SUBSCRIBE": 1, "SUBACK": 1, "PUBLISH": 10, "PUBACK": 6,
                         "PUBREC": 2, "PUBREL": 2, "PUBCOMP": 2, "DISCONNECT": 1], "\(mqtt)")
        #expect(webSocket["handshake_request"] == 1 && webSocket["handshake_response"] == 1, "\(webSocket)")
        // paho writes one frame per packet (14 from the client); the bridge forwards what it reads from
        // mosquitto, which may coalesce several packets in one frame on a busy machine (24 seen, 27 idle).
        #expect((webSocket["Binary"] ?? 0) >= 15, "\(webSocket)")
        #expect(live.stderrText.contains("findings (conformance check): 0 error, 0 warning"), "\(live.stderrText)")
        let again = try Self.reread(written)
        #expect(NSArray(array: again).isEqual(to: seen), "the -w file does not decode to the same packets")
    }

    /// STOMP, live: ActiveMQ (Debian) with a STOMP connector on a free port, stomp.py's 1.0 and 1.2
    /// sessions (captures/clients/stomp_sessions.py: receipts, transactions, ack modes, NACK; no
    /// heart-beats, which stomp.py drops a session over on a loaded machine). Found by content,
    /// decoded, checked (no error), and the `-w` file reads back to the same frames.
    @Test func decodesALiveSTOMPSession() throws {
        try #require(getuid() == 0, "live capture needs root (or CAP_NET_RAW); CI runs as root")
        let activemq = "/usr/share/activemq/bin/activemq.jar"
        guard FileManager.default.fileExists(atPath: activemq), let java = which("java"), let python = which("python3") else {
            Issue.record("activemq (with a JRE) and python3 are needed (scripts/setup.sh installs them)")
            return
        }
        let dir = try Self.scratch("live-stomp")
        let conf = dir.appendingPathComponent("conf"), data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: conf, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try Self.freePort()
        // A broker with only a STOMP connector on loopback; no persistence, no JMX (as regenerate.sh).
        let xml = """
            <beans xmlns="http://www.springframework.org/schema/beans"
              xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
              xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
              http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
              <broker xmlns="http://activemq.apache.org/schema/core" useJmx="false" brokerName="mqscope-live"
                      persistent="false" dataDirectory="\(data.path)" schedulerSupport="false">
                <transportConnectors>
                  <transportConnector name="stomp" uri="stomp://127.0.0.1:\(port)"/>
                </transportConnectors>
              </broker>
            </beans>
            """
        try xml.write(to: conf.appendingPathComponent("activemq.xml"), atomically: true, encoding: .utf8)
        let broker = try Background(java, ["-Xms64M", "-Xmx256M", "-Dactivemq.home=/usr/share/activemq",
                                           "-Dactivemq.base=\(dir.path)", "-Dactivemq.conf=\(conf.path)",
                                           "-Dactivemq.data=\(data.path)", "-Djava.io.tmpdir=\(dir.path)",
                                           "-jar", activemq, "start", "xbean:file:\(conf.path)/activemq.xml"],
                                    dir: dir, name: "activemq")
        defer { broker.stop() }
        try #require(Self.listening(on: port, python: python, within: 60),
                     "ActiveMQ did not start: \(broker.stdoutText.suffix(2000))")
        let written = dir.appendingPathComponent("live-stomp.pcap")
        let live = try Self.startLive(port: port, written: written, dir: dir)
        defer { live.stop() }

        let client = Paths.captures.appendingPathComponent("clients/stomp_sessions.py").path
        let environment = ["STOMP_PORT": String(port), "STOMP_HEARTBEAT": "0"]
        for version in ["1.0", "1.2"] {
            let r = try runProcess(python, [client, version], environment: environment)
            #expect(r.status == 0, "stomp.py \(version) session: \(r.err)")
        }
        _ = Self.waitFor(15) { live.stdoutText.components(separatedBy: "\"type\":\"DISCONNECT\"").count - 1 >= 2 }
        usleep(300_000)
        Self.stopLive(live)

        let seen = try Self.packets(live.stdoutText)
        var commands: Set<String> = []
        for o in seen where o["protocol"] as? String == "stomp" { commands.insert(o["type"] as? String ?? "?") }
        let expected: Set<String> = ["CONNECT", "CONNECTED", "SUBSCRIBE", "SEND", "MESSAGE", "RECEIPT", "BEGIN",
                                     "COMMIT", "ABORT", "ACK", "NACK", "DISCONNECT"]
        #expect(expected.isSubset(of: commands), "\(commands)")
        #expect(live.stderrText.contains("findings (conformance check): 0 error"), "\(live.stderrText)")
        let again = try Self.reread(written, extra: ["--port", String(port)])
        #expect(NSArray(array: again).isEqual(to: seen), "the -w file does not decode to the same frames")
    }

    @Test func errorsAreClearAndExit2() throws {
        let bin = Paths.executable.path
        let noSuch = try runProcess(bin, ["live", "-i", "no-such-iface0"])
        #expect(noSuch.status == 2 && noSuch.err.contains("no such interface 'no-such-iface0'"))
        let badFilter = try runProcess(bin, ["live", "-i", "lo", "-f", "tcp port"])
        #expect(badFilter.status == 2 && badFilter.err.contains("does not compile"))
        // Started as root, --user drops to the account once the interface is open.
        if getuid() == 0 {
            let dropped = try runProcess(bin, ["live", "-i", "lo", "--duration", "0.5", "--user", "nobody"])
            #expect(dropped.status == 0 && dropped.err.contains("now running as nobody (uid 65534)"), "\(dropped.err)")
            let unknown = try runProcess(bin, ["live", "-i", "lo", "--duration", "0.5", "--user", "no-such-account-x"])
            #expect(unknown.status == 2 && unknown.err.contains("no such account"))
        }
        // Without privileges: run as 'nobody'.
        if getuid() == 0, let setpriv = which("setpriv") {
            let r = try runProcess(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                                             bin, "live", "-i", "lo"])
            #expect(r.status == 2, "\(r.out) \(r.err)")
            #expect(r.err.contains("no permission to capture on 'lo'"), "\(r.err)")
            #expect(r.err.contains("setcap cap_net_raw"))
        } else {
            Issue.record("the permission check needs root and setpriv (util-linux) to run as an unprivileged user")
        }
    }
}
