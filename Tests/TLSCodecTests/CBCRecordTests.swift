import Crypto
import _CryptoExtras
import Testing
import TLSCodec

/// TLS 1.2 CBC records sealed here with swift-crypto (AES-CBC, HMAC) as an independent oracle, opened
/// by TLSRecordCipher (BoringSSL's AES and hash states directly): MAC-then-encrypt and
/// encrypt-then-MAC, SHA-1/256/384, AES-128/256; the caller's buffer is reused and left as it was
/// when a record fails.
@Suite struct CBCRecordTests {
    static let suites: [UInt16] = [0xC013, 0xC014, 0xC027, 0xC028, 0x003C]

    static func hmac(_ hash: TLSHash, key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        let k = SymmetricKey(data: key)
        switch hash {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: k))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: k))
        case .sha384: return Array(HMAC<SHA384>.authenticationCode(for: data, using: k))
        }
    }

    static func header(_ seq: UInt64, _ length: Int) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: seq >> UInt64(56 - 8 * $0)) } + [23, 3, 3, UInt8(length >> 8), UInt8(length & 0xFF)]
    }

    /// An application_data record of `plain` with sequence number `seq` (RFC 5246 6.2.3.2, RFC 7366 3).
    static func seal(_ s: TLSCipherSuite, key: [UInt8], macKey: [UInt8], etm: Bool, seq: UInt64, _ plain: [UInt8]) throws -> [UInt8] {
        let iv = (0..<16).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(seq)) }
        var inner = plain
        if !etm { inner += hmac(s.hash, key: macKey, header(seq, plain.count) + plain) }
        let pad = 15 - inner.count % 16
        inner += [UInt8](repeating: UInt8(pad), count: pad + 1)
        let ct = try AES._CBC.encrypt(inner, using: SymmetricKey(data: key), iv: AES._CBC.IV(ivBytes: iv), noPadding: true)
        var record = iv + Array(ct)
        if etm { record += hmac(s.hash, key: macKey, header(seq, record.count) + record) }
        return record
    }

    @Test(arguments: suites, [false, true])
    func opensWhatSwiftCryptoSealed(_ code: UInt16, _ etm: Bool) throws {
        let s = try #require(TLSCipherSuite.named(code))
        let key = (0..<s.cipher.keyLength).map { UInt8($0 &+ 1) }
        let macKey = (0..<s.hash.length).map { UInt8($0 &* 3) }
        let cipher = TLSRecordCipher(tls12: s, key: key, iv: [], macKey: macKey, encryptThenMAC: etm)
        var out: [UInt8] = [0xAA]
        out.reserveCapacity(20_000)
        let storage = out.withUnsafeBufferPointer { $0.baseAddress }
        for (seq, length) in [0, 1, 15, 16, 100, 16_384].enumerated() {
            let plain = (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ seq) }
            let record = try Self.seal(s, key: key, macKey: macKey, etm: etm, seq: UInt64(seq), plain)
            out.removeAll(keepingCapacity: true)
            let type = try record.withUnsafeBytes {
                try cipher.open(type: 23, version: 0x0303, fragment: $0, sequence: UInt64(seq), appendingTo: &out)
            }
            #expect(type == 23)
            #expect(out == plain, "\(s.name) etm=\(etm) length \(length)")
            #expect(out.withUnsafeBufferPointer { $0.baseAddress } == storage)
            // The wrong sequence number, a flipped byte of the IV, ciphertext or MAC: authentication
            // fails and the buffer is as it was.
            var kept: [UInt8] = [1, 2, 3]
            #expect(throws: TLSDecryptError.authentication) {
                try record.withUnsafeBytes { try cipher.open(type: 23, version: 0x0303, fragment: $0, sequence: UInt64(seq) + 1, appendingTo: &kept) }
            }
            for at in [0, 16, record.count - 1] {
                var bad = record
                bad[at] ^= 0x01
                #expect(throws: TLSDecryptError.self) {
                    try bad.withUnsafeBytes { try cipher.open(type: 23, version: 0x0303, fragment: $0, sequence: UInt64(seq), appendingTo: &kept) }
                }
                #expect(kept == [1, 2, 3])
            }
        }
        // Too short or not whole blocks: malformed, not a crash.
        for length in [0, 16, 31, 33] {
            #expect(throws: TLSDecryptError.self) {
                try [UInt8](repeating: 0, count: length).withUnsafeBytes {
                    try cipher.open(type: 23, version: 0x0303, fragment: $0, sequence: 0, appendingTo: &out)
                }
            }
        }
        #expect(out.withUnsafeBufferPointer { $0.baseAddress } == storage)
    }
}
