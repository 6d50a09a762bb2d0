import Foundation
import Testing
import TLSCodec
import WireCore

func hex(_ s: String) -> [UInt8] {
    let digits = s.filter { !$0.isWhitespace }
    var out: [UInt8] = []
    var i = digits.startIndex
    while i < digits.endIndex {
        let j = digits.index(i, offsetBy: 2)
        out.append(UInt8(digits[i..<j], radix: 16)!)
        i = j
    }
    return out
}

/// RFC 8448 section 3 ("Simple 1-RTT Handshake", TLS_AES_128_GCM_SHA256) and the RFC 8446 7.1 key schedule.
@Suite struct RFC8448Tests {
    static let clientHello = hex("""
        010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b000900000673657276
        6572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e
        51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c
        00024001
        """)
    static let serverHello = hex("""
        020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdb
        f7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304
        """)
    static let ecdhe = hex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d")
    static let clientHandshakeSecret = hex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
    static let serverHandshakeSecret = hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
    static let clientFinishedRecord = hex("""
        170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546
        """)
    static let clientFinished = hex("14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61")
    static let aes128 = TLSCipherSuite.named(0x1301)!

    @Test func keyScheduleSecrets() {
        let early = TLSKeySchedule.extract(.sha256, salt: [UInt8](repeating: 0, count: 32), ikm: [UInt8](repeating: 0, count: 32))
        #expect(early == hex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a"))
        let derived = TLSKeySchedule.deriveSecret(.sha256, secret: early, label: "derived", messages: [])
        #expect(derived == hex("6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba"))
        let handshake = TLSKeySchedule.extract(.sha256, salt: derived, ikm: Self.ecdhe)
        #expect(handshake == hex("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac"))
        let transcript = Self.clientHello + Self.serverHello
        #expect(TLSKeySchedule.digest(.sha256, transcript) == hex("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8"))
        #expect(TLSKeySchedule.deriveSecret(.sha256, secret: handshake, label: "c hs traffic", messages: transcript) == Self.clientHandshakeSecret)
        #expect(TLSKeySchedule.deriveSecret(.sha256, secret: handshake, label: "s hs traffic", messages: transcript) == Self.serverHandshakeSecret)
    }

    @Test func trafficKeysAndIVs() {
        let s = TLSKeySchedule.trafficKeys(Self.aes128, secret: Self.serverHandshakeSecret)
        #expect(s.key == hex("3fce516009c21727d0f2e4e86ee403bc"))
        #expect(s.iv == hex("5d313eb2671276ee13000b30"))
        let c = TLSKeySchedule.trafficKeys(Self.aes128, secret: Self.clientHandshakeSecret)
        #expect(c.key == hex("dbfaa693d1762c5b666af5d950258d01"))
        #expect(c.iv == hex("5bd3c71b836e0b76bb73265f"))
        let sa = TLSKeySchedule.trafficKeys(Self.aes128, secret: hex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"))
        #expect(sa.key == hex("9f02283b6c9c07efc26bb9f2ac92e356"))
        #expect(sa.iv == hex("cf782b88dd83549aadf1e984"))
        let ca = TLSKeySchedule.trafficKeys(Self.aes128, secret: hex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"))
        #expect(ca.key == hex("17422dda596ed5d9acd890e3c63f5051"))
        #expect(ca.iv == hex("5b78923dee08579033e523d9"))
    }

    @Test func clientFinishedRecordOpens() throws {
        var cipher = TLSRecordCipher(tls13: Self.aes128, secret: Self.clientHandshakeSecret)
        let r = Self.clientFinishedRecord
        let opened = try cipher.open(type: r[0], version: 0x0303, fragment: Array(r[5...]))
        #expect(opened.type == 22)
        #expect(opened.plaintext == Self.clientFinished)
        #expect(cipher.sequence == 1)
        // The same record under the wrong sequence number or a flipped bit fails authentication.
        #expect(throws: TLSDecryptError.authentication) { try cipher.open(type: r[0], version: 0x0303, fragment: Array(r[5...])) }
        var bad = Array(r[5...])
        bad[3] ^= 1
        var fresh = TLSRecordCipher(tls13: Self.aes128, secret: Self.clientHandshakeSecret)
        #expect(throws: TLSDecryptError.authentication) { try fresh.open(type: r[0], version: 0x0303, fragment: bad) }
    }

    /// Opening appends to the caller's buffer and reuses its storage: record after record, the
    /// plaintext lands in the same memory (no array per record), and a failed open leaves it as it was.
    @Test func openingReusesTheCallersBuffer() throws {
        let cipher = TLSRecordCipher(tls13: Self.aes128, secret: Self.clientHandshakeSecret)
        let r = Self.clientFinishedRecord
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        let storage = out.withUnsafeBufferPointer { $0.baseAddress }
        for _ in 0..<50 {
            out.removeAll(keepingCapacity: true)
            let type = try Array(r[5...]).withUnsafeBytes { f in
                try cipher.open(type: r[0], version: 0x0303, fragment: f, sequence: 0, appendingTo: &out)
            }
            #expect(type == 22)
            #expect(out == Self.clientFinished)
            #expect(out.withUnsafeBufferPointer { $0.baseAddress } == storage)
        }
        #expect(throws: TLSDecryptError.authentication) {
            try Array(r[5...]).withUnsafeBytes { f in
                try cipher.open(type: r[0], version: 0x0303, fragment: f, sequence: 1, appendingTo: &out)
            }
        }
        #expect(out == Self.clientFinished)
    }

    @Test func helloFieldsAndFacts() {
        var tree = FieldTree()
        var facts = TLSHandshakeFacts()
        #expect(TLSHandshakeDecoder.decode(Self.clientHello, into: &tree, facts: &facts, fromClient: true) == nil)
        #expect(facts.serverName == "server")
        #expect(facts.offeredSuites == [0x1301, 0x1303, 0x1302])
        #expect(facts.offeredVersions == [0x0304])
        #expect(facts.groups == [0x001D, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104])
        #expect(facts.keyShareGroups == [0x001D])
        #expect(facts.clientRandom == Array(Self.clientHello[6..<38]))
        let sni = tree.first(TLSField.serverName.id)
        #expect(sni?.range == ByteRange(start: 4 + 2 + 32 + 1 + 2 + 6 + 1 + 1 + 2 + 4 + 2 + 1 + 2, count: 6))
        tree.reset()
        #expect(TLSHandshakeDecoder.decode(Self.serverHello, into: &tree, facts: &facts, fromClient: false) == nil)
        #expect(facts.version == 0x0304)
        #expect(facts.suite?.name == "TLS_AES_128_GCM_SHA256")
        #expect(facts.serverKeyShareGroup == 0x001D)
        #expect(!facts.helloRetryRequest)
        // Every truncation of the ClientHello is a finding, never a trap.
        for n in 0..<Self.clientHello.count {
            var t = FieldTree()
            var f = TLSHandshakeFacts()
            var m = Array(Self.clientHello.prefix(n))
            if n >= 4 { m[1] = 0; m[2] = 0; m[3] = UInt8(min(255, max(0, n - 4))) }
            _ = TLSHandshakeDecoder.decode(m, into: &t, facts: &f, fromClient: true)
        }
    }

    /// The RFC 8448 client flight through a TLSConnection with a key log naming its client random.
    @Test func connectionDecryptsClientFinished() {
        let random = Array(Self.clientHello[6..<38]).map { String(format: "%02x", $0) }.joined()
        var log = TLSKeyLog()
        log.add(text: "CLIENT_HANDSHAKE_TRAFFIC_SECRET \(random) \(Self.clientHandshakeSecret.map { String(format: "%02x", $0) }.joined())\n")
        var conn = TLSConnection(haveKeyLog: true)
        let ch = [22, 3, 1, 0, UInt8(Self.clientHello.count)] + Self.clientHello
        let sh = [22, 3, 3, 0, UInt8(Self.serverHello.count)] + Self.serverHello
        conn.feed(.clientToServer, offset: 0, bytes: ch.span, frame: 1, keyLog: &log)
        conn.feed(.serverToClient, offset: 0, bytes: sh.span, frame: 2, keyLog: &log)
        // Byte by byte: records split over segments.
        for (i, b) in Self.clientFinishedRecord.enumerated() {
            conn.feed(.clientToServer, offset: UInt64(ch.count + i), bytes: [b].span, frame: FrameNumber(3 + i), keyLog: &log)
        }
        #expect(log.count == 1)
        #expect(conn.facts.clientRandom == Array(Self.clientHello[6..<38]))
        #expect(conn.decryptedRecords.client == 1)
        #expect(conn.failure == nil)
        let finished = conn.events.compactMap { e -> [UInt8]? in
            if case .handshake(.clientToServer, let m, _, let rec, true, _) = e, rec.firstFrame == 3 { return m }
            return nil
        }
        #expect(finished == [Self.clientFinished])
    }
}
