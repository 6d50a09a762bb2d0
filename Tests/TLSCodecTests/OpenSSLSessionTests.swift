import Foundation
import Testing
import TestSupport
import TLSCodec
import WireCore

/// Real OpenSSL sessions (Fixtures/tls, made by scripts/tls_memory_sessions.py) decrypted with their key logs.
@Suite struct OpenSSLSessionTests {
    struct Flow {
        var chunks: [(Direction, [UInt8])] = []
        var keyLog = TLSKeyLog()
    }

    static let cases = ["tls13-aes128gcm", "tls13-aes256gcm", "tls13-chacha20", "tls12-aes128gcm", "tls12-aes256gcm",
                        "tls12-chacha20", "tls12-cbc-sha-etm", "tls12-cbc-sha256-mte"]

    static func load(_ name: String, withKeys: Bool = true) throws -> Flow {
        let dir = Paths.fixtures.appendingPathComponent("tls")
        var flow = Flow()
        let text = try String(contentsOf: dir.appendingPathComponent(name + ".flow"), encoding: .utf8)
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            flow.chunks.append((parts[0] == "C" ? .clientToServer : .serverToClient, hex(String(parts[1]))))
        }
        if withKeys { try flow.keyLog.add(file: dir.appendingPathComponent(name + ".keylog").path) }
        return flow
    }

    /// The client's MQTT bytes, as the generator wrote them.
    static var clientMQTT: [UInt8] {
        var connect: [UInt8] = [0, 4] + Array("MQTT".utf8) + [4, 0xC2, 0, 60]
        for s in ["tls-client", "user", "secret-pw"] { connect += MQTTWire.str(s) }
        var publish = MQTTWire.str("big/payload")
        publish += (0..<20000).map { UInt8($0 % 251) }
        return MQTTWire.packet(0x10, connect) + MQTTWire.packet(0x30, publish) + [0xE0, 0]
    }

    struct Result {
        var conn: TLSConnection
        var plaintext: [[UInt8]] = [[], []]
        var frames: [[FrameNumber]] = [[], []]
        var gaps = 0
        var resyncs: [UInt64] = []
    }

    /// Feeds the flow, each write split at `cuts` positions (random when `rng` is given), with stream offsets.
    static func run(_ flow: Flow, haveKeyLog: Bool = true, split rng: inout SeededRNG?, drop: ((Direction, UInt64, Int) -> Range<Int>?)? = nil,
                    startClientAt: UInt64 = 0, beforeChunk: ((Int) -> Void)? = nil) -> Result {
        var log = flow.keyLog
        var r = Result(conn: TLSConnection(haveKeyLog: haveKeyLog))
        var offsets: [UInt64] = [0, 0]
        var frame: FrameNumber = 0
        for (index, (d, bytes)) in flow.chunks.enumerated() {
            beforeChunk?(index)
            let h = d == .clientToServer ? 0 : 1
            var pieces: [Range<Int>] = []
            var i = 0
            while i < bytes.count {
                let n = rng == nil ? bytes.count : Int.random(in: 1...max(1, min(bytes.count - i, 3000)), using: &rng!)
                pieces.append(i..<min(bytes.count, i + n))
                i += n
            }
            let dropped = drop?(d, offsets[h], bytes.count)
            for p in pieces {
                frame += 1
                let at = offsets[h] + UInt64(p.lowerBound)
                if h == 0 && at + UInt64(p.count) <= startClientAt { continue }
                var piece = p
                if h == 0 && at < startClientAt { piece = (p.lowerBound + Int(startClientAt - at))..<p.upperBound }
                if let dr = dropped, dr.overlaps(piece) {
                    // Keep what lies outside the dropped range; report the range as a gap.
                    if piece.lowerBound < dr.lowerBound {
                        r.conn.feed(d, offset: offsets[h] + UInt64(piece.lowerBound), bytes: Array(bytes[piece.lowerBound..<dr.lowerBound]).span, frame: frame, keyLog: &log)
                    }
                    if piece.contains(dr.lowerBound) || piece.lowerBound == dr.lowerBound {
                        r.conn.gap(d, lower: offsets[h] + UInt64(dr.lowerBound), upper: offsets[h] + UInt64(dr.upperBound))
                    }
                    if piece.upperBound > dr.upperBound {
                        let lo = max(dr.upperBound, piece.lowerBound)
                        r.conn.feed(d, offset: offsets[h] + UInt64(lo), bytes: Array(bytes[lo..<piece.upperBound]).span, frame: frame, keyLog: &log)
                    }
                } else {
                    r.conn.feed(d, offset: offsets[h] + UInt64(piece.lowerBound), bytes: Array(bytes[piece]).span, frame: frame, keyLog: &log)
                }
                drain(&r)
            }
            offsets[h] += UInt64(bytes.count)
        }
        return r
    }

    static func drain(_ r: inout Result) {
        for e in r.conn.events {
            switch e {
            case .applicationData(let d, let p, let off, let rec):
                let h = d == .clientToServer ? 0 : 1
                #expect(off >= UInt64(r.plaintext[h].count))
                r.plaintext[h] += r.conn.plaintext[p]
                r.frames[h].append(rec.lastFrame)
            case .plaintextGap: r.gaps += 1
            case .resynchronized(_, let k, _): r.resyncs.append(k)
            default: break
            }
        }
        r.conn.clearEvents()
    }

    @Test(arguments: cases)
    func decryptsWholeSession(_ name: String) throws {
        let flow = try Self.load(name)
        var none: SeededRNG? = nil
        let r = Self.run(flow, split: &none)
        #expect(r.conn.failure == nil)
        #expect(r.plaintext[0].count == Self.clientMQTT.count)
        #expect(Bool(r.plaintext[0] == Self.clientMQTT))
        #expect(r.plaintext[1] == [0x20, 2, 0, 0])
        #expect(r.conn.facts.serverName == "broker.test")
        #expect(r.conn.facts.alpnOffered == ["mqtt"])
        #expect(r.conn.facts.alpnSelected == "mqtt")
        #expect(r.conn.facts.version == (name.hasPrefix("tls13") ? 0x0304 : 0x0303))
        if name.hasPrefix("tls12") {
            // The chain is in clear in TLS 1.2.
            #expect(r.conn.facts.certificates.first?.subject.contains("CN=broker.test") == true)
        }
        if name.hasSuffix("-etm") { #expect(r.conn.facts.encryptThenMAC) }
        if name.hasSuffix("-mte") { #expect(!r.conn.facts.encryptThenMAC) }
    }

    @Test(arguments: cases)
    func randomSplitsDecryptTheSame(_ name: String) throws {
        let flow = try Self.load(name)
        for seed in 1...3 {
            var rng: SeededRNG? = SeededRNG(seed: UInt64(seed))
            let r = Self.run(flow, split: &rng)
            #expect(r.conn.failure == nil)
            #expect(r.plaintext[0].count == Self.clientMQTT.count)
        #expect(Bool(r.plaintext[0] == Self.clientMQTT))
        }
    }

    /// The big PUBLISH's client write is several records; losing bytes inside one record loses exactly
    /// that record (its header gave the next one's offset) and decryption resumes with the next.
    @Test(arguments: ["tls13-chacha20", "tls12-aes128gcm", "tls12-cbc-sha-etm"])
    func lostBytesInsideARecordResume(_ name: String) throws {
        let flow = try Self.load(name)
        var none: SeededRNG? = nil
        let r = Self.run(flow, split: &none, drop: { d, _, count in
            d == .clientToServer && count > 20000 ? 100..<200 : nil
        })
        #expect(r.conn.failure == nil)
        #expect(r.gaps == 1)
        #expect(Bool(r.plaintext[0].count < Self.clientMQTT.count))
        #expect(r.plaintext[0].suffix(2) == [0xE0, 0])   // the DISCONNECT after the lost record decrypted
    }

    /// A lost header: the record count is unknown, so later records are found by trial decryption.
    @Test(arguments: ["tls13-aes128gcm", "tls12-chacha20"])
    func lostHeaderResyncsByTrialDecryption(_ name: String) throws {
        let flow = try Self.load(name)
        var none: SeededRNG? = nil
        let r = Self.run(flow, split: &none, drop: { d, _, count in
            d == .clientToServer && count > 20000 ? 0..<3 : nil
        })
        #expect(r.conn.failure == nil)
        #expect(r.resyncs.count == 1)
        #expect(r.plaintext[0].suffix(2) == [0xE0, 0])
    }

    /// A key log file still empty when the server's encrypted handshake flight goes by (live: the
    /// client appends its secrets after it has read the ServerHello): those records wait, the
    /// secrets are found once the file has grown, and the session decrypts from there.
    @Test(arguments: ["tls13-aes128gcm", "tls13-chacha20"])
    func keysAppendedAfterTheServerFlightStillDecrypt(_ name: String) throws {
        let dir = Paths.fixtures.appendingPathComponent("tls")
        let lines = try String(contentsOf: dir.appendingPathComponent(name + ".keylog"), encoding: .utf8)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("late-\(UInt32.random(in: 0...UInt32.max)).keylog")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("# nothing yet\n".utf8).write(to: url)
        var flow = try Self.load(name, withKeys: false)
        try flow.keyLog.add(file: url.path)
        let firstServer = try #require(flow.chunks.firstIndex { $0.0 == .serverToClient })
        let clientAfter = try #require(flow.chunks.indices.first { $0 > firstServer && flow.chunks[$0].0 == .clientToServer })
        var none: SeededRNG? = nil
        let r = Self.run(flow, split: &none, beforeChunk: { i in
            if i == clientAfter { try? Data(("# nothing yet\n" + lines).utf8).write(to: url) }
        })
        #expect(r.conn.failure == nil, "\(String(describing: r.conn.failure))")
        #expect(Bool(r.plaintext[0] == Self.clientMQTT))
        #expect(r.plaintext[1] == [0x20, 2, 0, 0])
    }

    @Test func noKeysKeepsHandshakeFacts() throws {
        let flow = try Self.load("tls13-aes128gcm", withKeys: false)
        var none: SeededRNG? = nil
        let r = Self.run(flow, split: &none)
        #expect(r.conn.failure == .noKeys)
        #expect(!r.conn.decrypted)
        #expect(r.conn.facts.serverName == "broker.test")
        #expect(r.conn.facts.suite?.name == "TLS_AES_128_GCM_SHA256")
        let r2 = Self.run(flow, haveKeyLog: false, split: &none)
        #expect(r2.conn.failure == .noKeyLog)
    }

    @Test func anotherSessionsKeyDoesNotDecrypt() throws {
        var flow = try Self.load("tls13-aes128gcm", withKeys: false)
        // Same client random, secrets of another session (the chacha20 one's, a SHA-256 suite too).
        let other = try String(contentsOf: Paths.fixtures.appendingPathComponent("tls/tls13-chacha20.keylog"), encoding: .utf8)
        let mine = try Self.load("tls13-aes128gcm")
        let random = try #require(mine.keyLog.secrets.keys.first)
        let randomHex = random.map { String(format: "%02x", $0) }.joined()
        flow.keyLog.add(text: other.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { l -> String in
            let p = l.split(separator: " ")
            return "\(p[0]) \(randomHex) \(p[2])"
        }.joined(separator: "\n"))
        var none: SeededRNG? = nil
        let r = Self.run(flow, split: &none)
        #expect(r.conn.failure == .keyDoesNotDecrypt(.serverToClient))
    }

    @Test(arguments: ["tls12-aes256gcm", "tls12-cbc-sha-etm", "tls12-cbc-sha256-mte"])
    func corruptedTagIsReported(_ name: String) throws {
        var flow = try Self.load(name)
        // Flip the last byte of the client's big write (a tag byte; the MAC with encrypt-then-MAC, the
        // padding inside the ciphertext with MAC-then-encrypt).
        let i = try #require(flow.chunks.firstIndex { $0.0 == .clientToServer && $0.1.count > 20000 })
        flow.chunks[i].1[flow.chunks[i].1.count - 1] ^= 0xFF
        var none: SeededRNG? = nil
        let r = Self.run(flow, split: &none)
        // Earlier client records decrypted: the damaged one is skipped, the DISCONNECT after it decrypts.
        #expect(r.conn.failure == .recordFailed(.clientToServer))
        #expect(r.gaps == 1)
        #expect(r.plaintext[0].suffix(2) == [0xE0, 0])
    }

    @Test func midStreamHasNoClientHello() throws {
        let flow = try Self.load("tls12-aes128gcm")
        var none: SeededRNG? = nil
        let firstClient = flow.chunks.first { $0.0 == .clientToServer }!.1.count
        let r = Self.run(flow, split: &none, startClientAt: UInt64(firstClient + 7))
        #expect(!r.conn.decrypted || r.conn.decryptedRecords.client == 0)
        #expect(r.conn.failure == .noClientHello || r.conn.facts.sawClientHello == false)
    }

    @Test func pcapngDecryptionSecretsBlock() throws {
        let text = Array("CLIENT_RANDOM \(String(repeating: "ab", count: 32)) \(String(repeating: "cd", count: 48))\n".utf8)
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let shb: [UInt8] = le32(0x0A0D0D0A) + le32(28) + le32(0x1A2B3C4D) + [1, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8) + le32(28)
        let padded = text + [UInt8](repeating: 0, count: (4 - text.count % 4) % 4)
        let dsbLength = 20 + padded.count
        let dsb = le32(0x0A) + le32(dsbLength) + le32(0x544C534B) + le32(text.count) + padded + le32(dsbLength)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dsb-\(UInt32.random(in: 0...UInt32.max)).pcapng")
        try Data(shb + dsb).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var log = TLSKeyLog()
        #expect(log.add(pcapngSecretsOf: url.path) == 1)
        #expect(log.secrets[[UInt8](repeating: 0xAB, count: 32)]?.masterSecret == [UInt8](repeating: 0xCD, count: 48))
    }

    @Test func keyLogLinesAreUntrusted() {
        var log = TLSKeyLog()
        log.add(text: "CLIENT_RANDOM zz 00\nCLIENT_RANDOM 00 00\n# comment\n\nEXPORTER_SECRET \(String(repeating: "00", count: 32)) 00\n")
        #expect(log.isEmpty)
        #expect(log.badLines == 2)
    }
}
