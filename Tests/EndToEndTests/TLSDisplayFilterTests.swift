import Foundation
import Testing
import TestSupport

/// Display filters and field columns on TLS (captures/tls): the `tls` protocol, the tls.* fields of
/// TLS units, the connection facts tls.version / tls.cipher_suite / tls.sni / tls.alpn and
/// tls.decrypted on TLS units and on the units decrypted from them.
@Suite struct TLSDisplayFilterTests {
    static let dir = Paths.captures.appendingPathComponent("tls")

    /// The frames (deduplicated, ascending) of the units `read -Y expr` selects.
    static func frames(_ capture: String, keys: String?, _ expr: String) throws -> [Int] {
        var args = ["read", "-T", "fields", "-e", "frame", "-Y", expr, dir.appendingPathComponent(capture).path]
        if let keys { args += ["--tls-keylog", dir.appendingPathComponent(keys).path] }
        let r = try runProcess(Paths.executable.path, args)
        #expect(r.status == 0, "\(expr): \(r.err)")
        return Array(Set(r.out.split(separator: "\n").compactMap { Int($0) })).sorted()
    }

    @Test("TLS expressions select the expected units", arguments: [
        ("tls13-aes128gcm-mqtt311.pcap", nil, "tls && type == client_hello", [4]),
        ("tls13-two-sessions-mqtt5.pcap", nil, "tls.handshake.type == 1", [4, 14]),
        ("tls13-aes128gcm-mqtt311.pcap", "tls13-aes128gcm-mqtt311.keys",
         "mqtt && tls.version == \"TLS 1.3\" && tls.cipher_suite == TLS_AES_128_GCM_SHA256 && type == CONNECT", [12]),
        ("tls12-ecdhe-chacha20-mqtt311.pcap", "tls12-ecdhe-chacha20-mqtt311.keys",
         "mqtt && tls.version == 0x0303 && tls.cipher_suite == 0xcca8 && type == CONNECT", [12]),
        // Decrypted MQTT is `tls`; nothing of the TLS capture is MQTT outside TLS, nothing of the plaintext twin is TLS.
        ("tls13-aes128gcm-mqtt311.pcap", "tls13-aes128gcm-mqtt311.keys", "mqtt && !tls", []),
        ("plain-mqtt311.pcap", nil, "tls", []),
        // Two sessions, one key log with the first's keys: the second's handshake messages after the
        // ServerHello and its records stay encrypted (`application_data`), only the first's decrypt.
        ("tls13-one-without-keys-mqtt311.pcap", "tls13-one-without-keys-mqtt311.keys", "tls.decrypted && type == finished", [8, 10]),
        ("tls13-one-without-keys-mqtt311.pcap", "tls13-one-without-keys-mqtt311.keys", "type == application_data && connection == 0", []),
        ("tls13-one-without-keys-mqtt311.pcap", "tls13-one-without-keys-mqtt311.keys", "mqtt && tls && connection == 1", []),
        ("tls13-no-sni-mqtt311.pcap", nil, "type == client_hello && !tls.sni", [4]),
        ("tls13-aes128gcm-mqtt311.pcap", nil, "type == client_hello && tls.sni == \"broker.mqscope.test\"", [4]),
        ("tls13-no-sni-mqtt311.pcap", nil, "tls.sni contains \"mqscope\"", []),
        ("tls-stomp12-activemq.pcap", "tls-stomp12-activemq.keys", "stomp && tls && type == SEND", [30, 38, 46, 51, 61]),
        ("tls13-websocket-mqtt311.pcap", "tls13-websocket-mqtt311.keys", "websocket && tls && mqtt && type == CONNECT", [14]),
    ] as [(String, String?, String, [Int])])
    func table(_ capture: String, _ keys: String?, _ expr: String, _ expected: [Int]) throws {
        #expect(try Self.frames(capture, keys: keys, expr) == expected, "\(capture): \(expr)")
    }

    /// `-e` writes the facts by name on TLS units and decrypted ones alike; `mqscope fields` lists them.
    @Test func columnsAndFieldList() throws {
        let r = try runProcess(Paths.executable.path, [
            "read", "-T", "fields", "-e", "frame", "-e", "type", "-e", "tls.version", "-e", "tls.cipher_suite", "-e", "tls.sni",
            "-e", "tls.decrypted", "-Y", "type in {client_hello server_hello CONNECT}",
            Self.dir.appendingPathComponent("tls13-aes256gcm-mqtt5.pcap").path,
            "--tls-keylog", Self.dir.appendingPathComponent("tls13-aes256gcm-mqtt5.keys").path])
        let rows = r.out.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 3, "\(r.out)")
        #expect(rows.first.map { Array($0.dropFirst()) } == ["client_hello", "", "", "broker.mqscope.test", "0"], "\(r.out)")
        #expect(rows.last.map { Array($0.dropFirst()) } == ["CONNECT", "TLS 1.3", "TLS_AES_256_GCM_SHA384", "broker.mqscope.test", "1"],
                "\(r.out)")
        let fields = try runProcess(Paths.executable.path, ["fields"]).out
        for name in ["tls.version", "tls.cipher_suite", "tls.sni", "tls.alpn", "tls.decrypted", "tls.handshake.sni"] {
            #expect(fields.contains("\n" + name + " "), "\(name)")
        }
        let bad = try runProcess(Paths.executable.path, ["read", "-Y", "tls.version == \"TLS 9\"",
                                                         Self.dir.appendingPathComponent("plain-mqtt311.pcap").path])
        #expect(bad.status == 2 && bad.err.contains("not a number or a value name of 'tls.version'"), "\(bad.err)")
    }
}
