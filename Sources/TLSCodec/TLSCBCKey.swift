// The legacy CBC suites through BoringSSL's C interface (as TLSAEADKey does for the AEAD suites): the
// AES decryption key schedule and the HMAC keys are set up once per direction; a record is
// decrypted straight into the caller's buffer and its MAC hashed from copies of stack-sized hash
// states, so opening a record allocates nothing (Crypto's AES._CBC built a key, blocks and Data per
// record).
internal import CCryptoBoringSSL

/// A hash state that can be copied (a plain C struct) and fed: the three HMAC hashes of TLS 1.2.
protocol TLSMACHashState {
    init()
    static var length: Int { get }
    mutating func start()
    mutating func absorb(_ p: UnsafeRawBufferPointer)
    mutating func finish(into out: UnsafeMutablePointer<UInt8>)
}

extension SHA_CTX: TLSMACHashState {
    static var length: Int { 20 }
    mutating func start() { CCryptoBoringSSL_SHA1_Init(&self) }
    mutating func absorb(_ p: UnsafeRawBufferPointer) { CCryptoBoringSSL_SHA1_Update(&self, p.baseAddress, p.count) }
    mutating func finish(into out: UnsafeMutablePointer<UInt8>) { CCryptoBoringSSL_SHA1_Final(out, &self) }
}

extension SHA256_CTX: TLSMACHashState {
    static var length: Int { 32 }
    mutating func start() { CCryptoBoringSSL_SHA256_Init(&self) }
    mutating func absorb(_ p: UnsafeRawBufferPointer) { CCryptoBoringSSL_SHA256_Update(&self, p.baseAddress, p.count) }
    mutating func finish(into out: UnsafeMutablePointer<UInt8>) { CCryptoBoringSSL_SHA256_Final(out, &self) }
}

/// SHA-384 runs on SHA-512's state.
extension SHA512_CTX: TLSMACHashState {
    static var length: Int { 48 }
    mutating func start() { CCryptoBoringSSL_SHA384_Init(&self) }
    mutating func absorb(_ p: UnsafeRawBufferPointer) { CCryptoBoringSSL_SHA384_Update(&self, p.baseAddress, p.count) }
    mutating func finish(into out: UnsafeMutablePointer<UInt8>) { CCryptoBoringSSL_SHA384_Final(out, &self) }
}

/// HMAC's two keyed states (RFC 2104 2): the hash after (K xor ipad) and after (K xor opad). A MAC
/// starts from copies of them, so the key is hashed once per connection, not once per record.
struct TLSHMACStates<H: TLSMACHashState> {
    let inner: H
    let outer: H

    /// nil when the key is longer than the hash's block (TLS MAC keys are the hash's length).
    init?(key: [UInt8], blockSize: Int) {
        guard key.count <= blockSize else { return nil }
        func keyed(_ pad: UInt8) -> H {
            var h = H()
            h.start()
            var block = [UInt8](repeating: pad, count: blockSize)
            for (i, k) in key.enumerated() { block[i] = k ^ pad }
            block.withUnsafeBytes { h.absorb($0) }
            return h
        }
        inner = keyed(0x36)
        outer = keyed(0x5C)
    }

    /// HMAC(header || data) into `mac` (H.length bytes).
    func mac(_ header: UnsafeRawBufferPointer, _ data: UnsafeRawBufferPointer, into mac: UnsafeMutablePointer<UInt8>) {
        var i = inner
        i.absorb(header)
        i.absorb(data)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { digest in
            i.finish(into: digest.baseAddress!)
            var o = outer
            o.absorb(UnsafeRawBufferPointer(start: digest.baseAddress, count: H.length))
            o.finish(into: mac)
        }
    }
}

/// One direction's AES-CBC + HMAC keys for TLS 1.2 / 1.1 CBC suites. A class because it owns the
/// AES key schedule's memory; opening only reads it, so one key may serve trial decryption too.
final class TLSCBCKey: @unchecked Sendable {
    enum MAC {
        case sha1(TLSHMACStates<SHA_CTX>)
        case sha256(TLSHMACStates<SHA256_CTX>)
        case sha384(TLSHMACStates<SHA512_CTX>)
    }
    let aes: UnsafeMutablePointer<AES_KEY>
    let mac: MAC
    let macLength: Int

    init?(_ cipher: TLSBulkCipher, key: [UInt8], hash: TLSHash, macKey: [UInt8]) {
        guard cipher.isCBC, key.count == cipher.keyLength, macKey.count == hash.length else { return nil }
        switch hash {
        case .sha1: guard let s = TLSHMACStates<SHA_CTX>(key: macKey, blockSize: 64) else { return nil }; mac = .sha1(s)
        case .sha256: guard let s = TLSHMACStates<SHA256_CTX>(key: macKey, blockSize: 64) else { return nil }; mac = .sha256(s)
        case .sha384: guard let s = TLSHMACStates<SHA512_CTX>(key: macKey, blockSize: 128) else { return nil }; mac = .sha384(s)
        }
        macLength = hash.length
        aes = .allocate(capacity: 1)
        let ok = key.withUnsafeBufferPointer { CCryptoBoringSSL_AES_set_decrypt_key($0.baseAddress, UInt32(key.count * 8), aes) }
        guard ok == 0 else { aes.deallocate(); return nil }
    }

    deinit {
        aes.update(repeating: AES_KEY(), count: 1)
        aes.deallocate()
    }

    func hmac(_ header: UnsafeRawBufferPointer, _ data: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) {
        switch mac {
        case .sha1(let s): s.mac(header, data, into: out)
        case .sha256(let s): s.mac(header, data, into: out)
        case .sha384(let s): s.mac(header, data, into: out)
        }
    }

    /// Opens a CBC record (explicit IV, TLS 1.1 and 1.2): MAC-then-encrypt (RFC 5246 6.2.3.2) or
    /// encrypt-then-MAC (RFC 7366 3), appending the plaintext to `out`. Returns nil on success, else
    /// why it failed (`out` is then unchanged).
    func open(_ fragment: UnsafeRawBufferPointer, type: UInt8, version: UInt16, sequence seq: UInt64,
              encryptThenMAC: Bool, into out: inout [UInt8]) -> TLSDecryptError? {
        let body = encryptThenMAC && fragment.count >= macLength
            ? UnsafeRawBufferPointer(rebasing: fragment[..<(fragment.count - macLength)]) : fragment
        guard body.count >= 32, body.count % 16 == 0, !encryptThenMAC || fragment.count > body.count else { return .malformed }
        // Scratch on the stack: the additional data (13), the IV (16), a MAC (up to 48).
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 13 + 16 + 48) { s -> TLSDecryptError? in
            let scratch = UnsafeMutableRawBufferPointer(s)
            let mac = s.baseAddress! + 29
            // seq_num || type || version || length (RFC 5246 6.2.3.1).
            func header(length: Int) -> UnsafeRawBufferPointer {
                for i in 0..<8 { s[i] = UInt8(truncatingIfNeeded: seq >> UInt64(56 - 8 * i)) }
                s[8] = type
                s[9] = UInt8(version >> 8)
                s[10] = UInt8(truncatingIfNeeded: version)
                s[11] = UInt8(truncatingIfNeeded: length >> 8)
                s[12] = UInt8(truncatingIfNeeded: length)
                return UnsafeRawBufferPointer(rebasing: scratch[0..<13])
            }
            if encryptThenMAC {
                // The MAC covers the IV and ciphertext as sent (RFC 7366 3).
                hmac(header(length: body.count), body, into: mac)
                let sent = UnsafeRawBufferPointer(rebasing: fragment[body.count...])
                guard Self.equal(UnsafeRawBufferPointer(start: mac, count: macLength), sent) else { return .authentication }
            }
            for i in 0..<16 { s[13 + i] = body[i] }
            let cipherText = UnsafeRawBufferPointer(rebasing: body[16...])
            let base = out.count
            out.append(contentsOf: repeatElement(0, count: cipherText.count))
            let failure = out.withUnsafeMutableBytes { o -> TLSDecryptError? in
                let plain = UnsafeMutableRawBufferPointer(rebasing: o[base...])
                CCryptoBoringSSL_AES_cbc_encrypt(cipherText.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                 plain.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                 cipherText.count, aes, s.baseAddress! + 13, AES_DECRYPT)
                // Padding: padding_length + 1 octets, each equal to padding_length (RFC 5246 6.2.3.2).
                let padLength = Int(plain[plain.count - 1])
                guard padLength + 1 <= plain.count else { return .authentication }
                var bad: UInt8 = 0
                for b in plain[(plain.count - padLength - 1)...] { bad |= b ^ UInt8(padLength) }
                guard bad == 0 else { return .authentication }
                if encryptThenMAC { return nil }
                let contentEnd = plain.count - padLength - 1 - macLength
                guard contentEnd >= 0 else { return .authentication }
                let content = UnsafeRawBufferPointer(rebasing: plain[..<contentEnd])
                hmac(header(length: contentEnd), content, into: mac)
                let sent = UnsafeRawBufferPointer(rebasing: plain[contentEnd..<(contentEnd + macLength)])
                return Self.equal(UnsafeRawBufferPointer(start: mac, count: macLength), sent) ? nil : .authentication
            }
            if let failure {
                out.removeLast(out.count - base)
                return failure
            }
            let padLength = Int(out[out.count - 1])
            out.removeLast(padLength + 1 + (encryptThenMAC ? 0 : macLength))
            return nil
        }
    }

    /// Equal bytes, comparing every byte (a MAC check).
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        var d: UInt8 = 0
        for i in 0..<a.count { d |= a[i] ^ b[i] }
        return d == 0
    }
}
