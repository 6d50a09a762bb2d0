import Foundation
import Testing
import TestSupport

/// The TLS captures of captures/tls (real mosquitto / ActiveMQ with paho-mqtt / stomp.py key logs):
/// decrypted decodes agree with tshark's and with the plaintext twins.
@Suite struct TLSCaptureTests {
    static let dir = Paths.captures.appendingPathComponent("tls")
    /// Captures of a suite mqscope does not decrypt (see TLSCheckTests).
    static let unsupported: Set<String> = ["tls13-aes128ccm-mqtt311.pcap"]

    /// `read --format ndjson` units of one file: (protocol, direction, frame, type, summary).
    static func units(_ file: String, keys: String?) throws -> [(proto: String, dir: String, frame: Int, type: String, summary: String)] {
        var args = ["read", "--format", "ndjson", dir.appendingPathComponent(file).path]
        if let keys, !keys.isEmpty { args += ["--tls-keylog", dir.appendingPathComponent(keys).path] }
        let r = try runProcess(Paths.executable.path, args)
        #expect(r.status == 0, "\(file): \(r.err)")
        var out: [(String, String, Int, String, String)] = []
        for line in r.out.split(separator: "\n") {
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["kind"] as? String == "packet" else { continue }
            out.append((o["protocol"] as? String ?? "", o["direction"] as? String ?? "", o["frame"] as? Int ?? -1,
                        o["type"] as? String ?? "", o["summary"] as? String ?? ""))
        }
        return out
    }

    /// tshark (`-o tls.keylog_file`) and mqscope find the same MQTT packets, at the same frames, in every
    /// TLS capture of EXPECTED-tshark.tsv (TLS 1.1 CBC, 1.2 and 1.3).
    @Test func mqttPacketsAgreeWithTshark() throws {
        let text = try String(contentsOf: Self.dir.appendingPathComponent("EXPECTED-tshark.tsv"), encoding: .utf8)
        var expected: [String: (keys: String, packets: [String])] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count > 7 else { continue }
            expected[c[0], default: (c[1], [])].packets.append("\(c[2]) \(c[7])")
        }
        #expect(expected.count >= 20)
        var agreed = 0
        for (file, e) in expected.sorted(by: { $0.key < $1.key }) {
            guard FileManager.default.fileExists(atPath: Self.dir.appendingPathComponent(file).path) else { continue }
            let ours = try Self.units(file, keys: e.keys.isEmpty ? nil : e.keys).filter { $0.proto == "mqtt" }
                .map { "\($0.frame) \($0.type)" }
            if Self.unsupported.contains(file) {
                // tshark decrypts AES-CCM; mqscope names the suite and decodes nothing inside.
                #expect(ours.isEmpty && !e.packets.isEmpty, "\(file)")
            } else if file.hasPrefix("hostile/") {
                // A lost or damaged record: tshark stops decrypting that direction there; mqscope resumes
                // after it (the sequence number is counted or found), so it finds every packet tshark does and more.
                #expect(Set(e.packets).isSubset(of: Set(ours)), "\(file)")
                #expect(ours.count > e.packets.count, "\(file)")
            } else {
                #expect(ours.sorted() == e.packets.sorted(), "\(file)")
                if ours.sorted() == e.packets.sorted() { agreed += ours.count }
            }
        }
        #expect(agreed >= 400, "\(agreed) packets agreed")
    }

    /// The same client script over TLS and in plaintext: the same MQTT packets and STOMP commands in
    /// each direction (frames, and WebSocket frame boundaries, aside).
    @Test(arguments: [("plain-mqtt311.pcap", "tls13-aes128gcm-mqtt311"), ("plain-mqtt5.pcap", "tls13-aes256gcm-mqtt5"),
                      ("plain-stomp12-activemq.pcap", "tls-stomp12-activemq"),
                      ("plain-websocket-mqtt311.pcap", "tls13-websocket-mqtt311")])
    func decryptedEqualsPlaintextTwin(_ plain: String, _ tls: String) throws {
        func perDirection(_ u: [(proto: String, dir: String, frame: Int, type: String, summary: String)]) -> [String: [String]] {
            var m: [String: [String]] = [:]
            // STOMP summaries carry per-run ids (message-id, transaction UUIDs): compare its commands.
            for x in u where x.proto == "mqtt" || x.proto == "stomp" {
                m[x.dir, default: []].append(x.proto == "mqtt" ? x.summary : x.type)
            }
            return m
        }
        let a = perDirection(try Self.units(plain, keys: nil))
        let b = perDirection(try Self.units(tls + ".pcap", keys: tls + ".keys"))
        #expect(!(a["client_to_server"] ?? []).isEmpty)
        #expect(a == b)
    }

    /// Without keys the handshake facts still show; check names why the connection was not checked.
    @Test func withoutKeysStreamsAndCheckSayWhy() throws {
        let file = Self.dir.appendingPathComponent("tls13-one-without-keys-mqtt311.pcap").path
        let keys = Self.dir.appendingPathComponent("tls13-one-without-keys-mqtt311.keys").path
        let s = try runProcess(Paths.executable.path, ["streams", file, "--tls-keylog", keys])
        #expect(s.out.contains("tls #0: TLS 1.3 TLS_AES_256_GCM_SHA384 sni=broker.mqscope.test"))
        #expect(s.out.contains("encrypted (no key in the key log for this session)"))
        #expect(s.out.contains("tls+mqtt"))
        let c = try runProcess(Paths.executable.path, ["check", file, "--tls-keylog", keys])
        #expect(c.out.contains("1 connection checked (1 tls+mqtt)"))
        #expect(c.out.contains("not checked: 1 tls connection(s)"))
        #expect(c.out.contains("tls not decrypted: 1 connection: no key in the key log for this session"))
        // The pcapng with a Decryption Secrets Block needs no key log.
        let p = try runProcess(Paths.executable.path, ["streams", Self.dir.appendingPathComponent("tls13-aes128gcm-mqtt311-secrets.pcapng").path])
        #expect(p.out.contains("decrypted"))
        #expect(!p.out.contains("encrypted ("))
    }

    /// Passwords inside TLS stay redacted; key material is never printed.
    @Test func secretsStayRedacted() throws {
        let r = try runProcess(Paths.executable.path, ["read", "-V", Self.dir.appendingPathComponent("tls13-aes128gcm-mqtt311.pcap").path,
                                                       "--tls-keylog", Self.dir.appendingPathComponent("tls13-aes128gcm-mqtt311.keys").path])
        #expect(r.out.contains("password=<redacted>"))
        #expect(!r.out.contains("mqscope-pass"))
        let keys = try String(contentsOf: Self.dir.appendingPathComponent("tls13-aes128gcm-mqtt311.keys"), encoding: .utf8)
        for line in keys.split(separator: "\n") where !line.hasPrefix("#") {
            if let secret = line.split(separator: " ").last { #expect(!r.out.lowercased().contains(secret.lowercased())) }
        }
    }

    /// Each TLS-layer rule: a capture that triggers it and a clean one that does not.
    @Test(arguments: [("TLS-DEPRECATED-VERSION", "tls11-legacy-mqtt311"), ("TLS-NO-SNI", "tls13-no-sni-mqtt311"),
                      ("TLS-CERT-EXPIRED", "tls12-expired-cert-mqtt311"), ("TLS-ALPN-NO-MQTT", "tls13-alpn-other-443-mqtt311"),
                      ("TLS-NO-FORWARD-SECRECY", "tls12-rsa-aes128gcm-mqtt311"), ("TLS-CBC-SUITE", "tls12-ecdhe-aes128cbc-sha-mqtt311")])
    func tlsRuleTriggersAndCleanDoesNot(_ rule: String, _ capture: String) throws {
        func findings(_ name: String) throws -> String {
            try runProcess(Paths.executable.path, ["check", Self.dir.appendingPathComponent(name + ".pcap").path,
                                                   "--tls-keylog", Self.dir.appendingPathComponent(name + ".keys").path]).out
        }
        #expect(try findings(capture).contains("warning \(rule) "))
        for clean in ["tls13-aes128gcm-mqtt311", "tls12-ecdhe-aes128gcm-mqtt311"] {
            #expect(!(try findings(clean).contains("TLS-")), "\(clean)")
        }
        let rules = try runProcess(Paths.executable.path, ["rules"]).out
        #expect(rules.contains(rule))
    }
}
