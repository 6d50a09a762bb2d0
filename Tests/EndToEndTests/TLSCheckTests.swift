import Foundation
import Testing
import TestSupport

/// `check` on TLS connections it could not decrypt (captures/tls and its hostile variants): each is
/// counted as not checked with its reason, its handshake-level TLS findings are reported, and
/// `--require-connections` fails naming the reason.
@Suite struct TLSCheckTests {
    static let dir = Paths.captures.appendingPathComponent("tls")

    static func check(_ capture: String, keys: String?, _ extra: [String] = []) throws -> (status: Int32, out: String, err: String) {
        var args = ["check", dir.appendingPathComponent(capture).path] + extra
        if let keys { args += ["--tls-keylog", dir.appendingPathComponent(keys).path] }
        return try runProcess(Paths.executable.path, args)
    }

    @Test("each cause of an undecrypted connection is named", arguments: [
        ("tls13-no-sni-mqtt311.pcap", nil, "no key log given"),
        ("tls13-aes128gcm-mqtt311.pcap", "hostile/tls13-aes128gcm-mqtt311.other-session.keys", "no key in the key log for this session"),
        ("tls12-ecdhe-aes128gcm-mqtt311.pcap", "hostile/tls12-ecdhe-aes128gcm-mqtt311.other-session.keys", "no key in the key log for this session"),
        ("tls13-aes128gcm-mqtt311.pcap", "hostile/tls13-aes128gcm-mqtt311.wrong-secrets.keys", "key does not decrypt"),
        ("tls12-ecdhe-aes128gcm-mqtt311.pcap", "hostile/tls12-ecdhe-aes128gcm-mqtt311.wrong-secrets.keys", "key does not decrypt"),
        ("hostile/tls13-no-clienthello.pcap", "tls13-aes128gcm-mqtt311.keys", "capture starts mid-connection"),
        ("hostile/tls13-truncated-clienthello.pcap", "tls13-aes128gcm-mqtt311.keys", "ClientHello bytes missing"),
        ("tls13-aes128ccm-mqtt311.pcap", "tls13-aes128ccm-mqtt311.keys", "unsupported suite TLS_AES_128_CCM_SHA256"),
        ("tls13-aes128ccm-mqtt311.pcap", nil, "unsupported suite TLS_AES_128_CCM_SHA256"),
    ] as [(String, String?, String)])
    func notDecryptedIsNotCheckedAndSaysWhy(_ capture: String, _ keys: String?, _ why: String) throws {
        let r = try Self.check(capture, keys: keys)
        #expect(r.out.contains("0 connections checked"), "\(r.out)")
        #expect(r.out.contains("not checked: 1 tls connection(s)"), "\(r.out)")
        #expect(r.out.contains("tls not decrypted: 1 connection: \(why)"), "\(r.out)")
        // The CI gate fails and names the reason.
        #expect(r.status == 1)
        #expect(r.err.contains("0 connections checked, --require-connections wants 1"), "\(r.err)")
        #expect(r.err.contains("1 tls connection not checked: \(why)"), "\(r.err)")
        let json = try Self.check(capture, keys: keys, ["--format", "json"])
        let o = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        let summary = o?["summary"] as? [String: Any]
        let reasons = summary?["tls_not_decrypted"] as? [String: Int] ?? [:]
        #expect(reasons.count == 1 && reasons.keys.first?.contains(why) == true, "\(reasons)")
    }

    /// A lost record and a corrupted tag (hostile/, TLS 1.2 and 1.3): the connection is still
    /// checked, the loss or the skipped record is named in check, streams and read, and decoding
    /// resumes after it (the DISCONNECT at the end is decoded).
    @Test("a lost record or a corrupted tag is named and decoding resumes", arguments: [
        ("hostile/tls13-missing-record.pcap", "tls13-aes128gcm-mqtt311.keys", "TLS-RESYNC", "decrypted"),
        ("hostile/tls12-missing-record.pcap", "tls12-ecdhe-aes128gcm-mqtt311.keys", "TLS-RESYNC", "decrypted"),
        ("hostile/tls13-bad-tag.pcap", "tls13-aes128gcm-mqtt311.keys", "TLS-NOT-DECRYPTED", "partly decrypted (a server record failed authentication"),
        ("hostile/tls12-bad-tag.pcap", "tls12-ecdhe-aes128gcm-mqtt311.keys", "TLS-NOT-DECRYPTED", "partly decrypted (a server record failed authentication"),
    ])
    func lostOrDamagedRecordIsNamedAndDecodingResumes(_ capture: String, _ keys: String, _ rule: String, _ state: String) throws {
        let c = try Self.check(capture, keys: keys)
        #expect(c.status == 0, "\(c.err)")
        #expect(c.out.contains("1 connection checked (1 tls+mqtt)"), "\(c.out)")
        #expect(c.out.contains(rule), "\(c.out)")
        let args = [Self.path(capture), "--tls-keylog", Self.path(keys)]
        let s = try runProcess(Paths.executable.path, ["streams"] + args)
        #expect(s.out.contains("alpn=mqtt? \(state)"), "\(s.out)")
        let r = try runProcess(Paths.executable.path, ["read"] + args)
        #expect(r.out.contains("[\(rule)]"), "\(r.out)")
        #expect(r.out.split(separator: "\n").last { $0.contains("[tls]") }?.contains("DISCONNECT [tls]") == true, "\(r.out)")
    }

    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A suite mqscope does not decrypt (TLS_AES_128_CCM_SHA256, real mosquitto and Python ssl), with
    /// its key log: `streams` and `read` say why the records stay encrypted, `read` still shows
    /// the handshake and every record, nothing crashes.
    @Test func unsupportedSuiteIsNamedInStreamsAndRead() throws {
        let file = Self.dir.appendingPathComponent("tls13-aes128ccm-mqtt311.pcap").path
        let keys = ["--tls-keylog", Self.dir.appendingPathComponent("tls13-aes128ccm-mqtt311.keys").path]
        let s = try runProcess(Paths.executable.path, ["streams", file] + keys)
        #expect(s.status == 0, "\(s.err)")
        #expect(s.out.contains("tls #0: TLS 1.3 TLS_AES_128_CCM_SHA256 sni=broker.mqscope.test"), "\(s.out)")
        #expect(s.out.contains("encrypted (unsupported suite TLS_AES_128_CCM_SHA256"), "\(s.out)")
        let r = try runProcess(Paths.executable.path, ["read", file] + keys)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("TLS Handshake client_hello"))
        #expect(r.out.contains("TLS records left encrypted: unsupported suite TLS_AES_128_CCM_SHA256"), "\(r.out)")
        #expect(r.out.contains("TLS application_data (encrypted"))
        #expect(!r.out.contains("MQTT"))
        let j = try runProcess(Paths.executable.path, ["streams", "--format", "json", file] + keys)
        #expect(j.status == 0 && j.out.contains("unsupported suite TLS_AES_128_CCM_SHA256"), "\(j.out)")
    }

    /// Without keys the handshake still speaks: its TLS-layer findings are reported for the
    /// connection left encrypted (TLS-NO-SNI here), and the clean one reports none.
    @Test func handshakeFindingsOfUndecryptedConnections() throws {
        let noSNI = try Self.check("tls13-no-sni-mqtt311.pcap", keys: nil)
        #expect(noSNI.out.contains("warning TLS-NO-SNI "), "\(noSNI.out)")
        #expect(noSNI.out.contains("0 connections checked"))
        let legacy = try Self.check("tls11-legacy-mqtt311.pcap", keys: nil)
        #expect(legacy.out.contains("warning TLS-DEPRECATED-VERSION "), "\(legacy.out)")
        let clean = try Self.check("tls13-aes128gcm-mqtt311.pcap", keys: nil)
        #expect(!clean.out.contains("TLS-"), "\(clean.out)")
        #expect(clean.out.contains("tls not decrypted: 1 connection: no key log given"))
    }

    /// A file with checked and unchecked connections: a higher --require-connections names why the
    /// others were not checked.
    @Test func requireConnectionsNamesTheUncheckedOnes() throws {
        let r = try Self.check("tls13-one-without-keys-mqtt311.pcap", keys: "tls13-one-without-keys-mqtt311.keys",
                               ["--require-connections", "2"])
        #expect(r.status == 1)
        #expect(r.err.contains("1 connection checked, --require-connections wants 2"), "\(r.err)")
        #expect(r.err.contains("1 tls connection not checked: no key in the key log for this session"), "\(r.err)")
        let one = try Self.check("tls13-one-without-keys-mqtt311.pcap", keys: "tls13-one-without-keys-mqtt311.keys")
        #expect(one.status == 0, "\(one.err)")
    }
}
