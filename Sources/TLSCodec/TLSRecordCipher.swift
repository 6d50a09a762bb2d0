// BoringSSL as swift-crypto builds and links it: its C AEAD interface keeps one key schedule per
// direction and opens a record into a caller's buffer, where Crypto's AES.GCM / ChaChaPoly make a
// key, a sealed box and a result (heap allocations) per record. Same library, same primitives.
internal import CCryptoBoringSSL

/// Why a protected record did not open.
public enum TLSDecryptError: Error, Sendable, Equatable {
    /// The AEAD tag or the CBC MAC does not verify: the key is not this connection's, the record was
    /// altered, or (after a lost record) the sequence number is not the one the sender used.
    case authentication
    /// The fragment is too short for the cipher's explicit nonce, tag, IV or MAC.
    case malformed
    /// A TLS 1.3 record whose padding runs to its first byte (no content type, RFC 8446 5.4).
    case noContentType
}

/// One direction's AEAD key, set up once in BoringSSL (AES-GCM's key schedule and GHASH table,
/// ChaCha20-Poly1305's key). A class because it owns the C context; opening only reads it.
final class TLSAEADKey: @unchecked Sendable {
    let context: UnsafeMutablePointer<EVP_AEAD_CTX>

    init?(_ cipher: TLSBulkCipher, key: [UInt8]) {
        let aead: OpaquePointer?
        switch cipher {
        case .aes128GCM: aead = CCryptoBoringSSL_EVP_aead_aes_128_gcm()
        case .aes256GCM: aead = CCryptoBoringSSL_EVP_aead_aes_256_gcm()
        case .chacha20Poly1305: aead = CCryptoBoringSSL_EVP_aead_chacha20_poly1305()
        default: return nil
        }
        guard let aead, key.count == cipher.keyLength,
              let ctx = key.withUnsafeBufferPointer({ CCryptoBoringSSL_EVP_AEAD_CTX_new(aead, $0.baseAddress, $0.count, 16) })
        else { return nil }
        context = ctx
    }

    deinit { CCryptoBoringSSL_EVP_AEAD_CTX_free(context) }

    /// Opens `sealed` (ciphertext then 16-byte tag) into `out` at `at` (room for sealed.count - 16
    /// bytes); returns the plaintext length, nil when the tag does not verify.
    func open(_ sealed: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
              into out: UnsafeMutableRawBufferPointer) -> Int? {
        var length = 0
        let ok = CCryptoBoringSSL_EVP_AEAD_CTX_open(
            context, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &length, out.count,
            nonce.baseAddress?.assumingMemoryBound(to: UInt8.self), nonce.count,
            sealed.baseAddress?.assumingMemoryBound(to: UInt8.self), sealed.count,
            aad.baseAddress?.assumingMemoryBound(to: UInt8.self), aad.count)
        return ok == 1 ? length : nil
    }
}

/// One direction's record protection: keys, the implicit sequence number, and how to open a record
/// (RFC 8446 5.2-5.3 for TLS 1.3; RFC 5246 6.2.3, RFC 5288 3, RFC 7905 2, RFC 7366 for TLS 1.2).
public struct TLSRecordCipher: Sendable {
    public let suite: TLSCipherSuite
    public let isTLS13: Bool
    /// The AEAD suites' key (nil for CBC).
    let aead: TLSAEADKey?
    /// The CBC suites' AES and HMAC keys (nil for AEAD).
    let cbc: TLSCBCKey?
    /// TLS 1.3 and ChaCha20: the 12-byte IV XORed with the sequence number; TLS 1.2 GCM: the 4-byte salt.
    let iv: [UInt8]
    let encryptThenMAC: Bool
    /// The sequence number of the next record this direction sends (RFC 8446 5.3, RFC 5246 6.1).
    public var sequence: UInt64 = 0

    /// TLS 1.3 protection from a traffic secret.
    public init(tls13 suite: TLSCipherSuite, secret: [UInt8]) {
        let (k, v) = TLSKeySchedule.trafficKeys(suite, secret: secret)
        self.suite = suite
        isTLS13 = true
        aead = TLSAEADKey(suite.cipher, key: k)
        cbc = nil
        iv = v
        encryptThenMAC = false
    }

    /// TLS 1.2 protection from one side's part of the key block.
    public init(tls12 suite: TLSCipherSuite, key: [UInt8], iv: [UInt8], macKey: [UInt8], encryptThenMAC: Bool) {
        self.suite = suite
        isTLS13 = false
        aead = TLSAEADKey(suite.cipher, key: key)
        cbc = TLSCBCKey(suite.cipher, key: key, hash: suite.hash, macKey: macKey)
        self.iv = iv
        self.encryptThenMAC = encryptThenMAC && suite.cipher.isCBC
    }

    /// Opens the next record, advancing the sequence number on success.
    /// Returns the real content type (TLS 1.3's inner type) and the plaintext.
    public mutating func open(type: UInt8, version: UInt16, fragment: [UInt8]) throws(TLSDecryptError) -> (type: UInt8, plaintext: [UInt8]) {
        var plain: [UInt8] = []
        let seq = sequence
        let opened = fragment.withUnsafeBytes { f in
            Result { () throws(TLSDecryptError) in try open(type: type, version: version, fragment: f, sequence: seq, appendingTo: &plain) }
        }
        let inner = try opened.get()
        sequence &+= 1
        return (inner, plain)
    }

    /// Opens a record as if it had sequence number `seq`, appending its plaintext to `out` (which
    /// keeps its capacity from record to record: no allocation per record for the AEAD suites).
    /// Returns the real content type (TLS 1.3's inner type); `out` is unchanged when it throws.
    public func open(type: UInt8, version: UInt16, fragment: UnsafeRawBufferPointer, sequence seq: UInt64,
                     appendingTo out: inout [UInt8]) throws(TLSDecryptError) -> UInt8 {
        if isTLS13 {
            guard fragment.count >= 17 else { throw .malformed }
            let base = out.count
            try aeadOpen(fragment, explicitNonce: false, seq, aad: (type, version, fragment.count), into: &out)
            // Strip zero padding; the last non-zero octet is the content type (RFC 8446 5.2).
            var end = out.count
            while end > base, out[end - 1] == 0 { end -= 1 }
            guard end > base else { out.removeLast(out.count - base); throw .noContentType }
            let inType = out[end - 1]
            out.removeLast(out.count - (end - 1))
            return inType
        }
        switch suite.cipher {
        case .aes128GCM, .aes256GCM:
            guard fragment.count >= 8 + 16 else { throw .malformed }
            try aeadOpen(fragment, explicitNonce: true, seq, aad: (type, version, fragment.count - 24), into: &out, tls12: true)
        case .chacha20Poly1305:
            guard fragment.count >= 16 else { throw .malformed }
            try aeadOpen(fragment, explicitNonce: false, seq, aad: (type, version, fragment.count - 16), into: &out, tls12: true)
        case .aes128CBC, .aes256CBC:
            guard let cbc else { throw .malformed }
            if let failure = cbc.open(fragment, type: type, version: version, sequence: seq,
                                      encryptThenMAC: encryptThenMAC, into: &out) { throw failure }
        case .other:
            throw .malformed
        }
        return type
    }

    /// Opens an AEAD record into `out`. The nonce: TLS 1.2 GCM's 4-byte salt and the record's 8-byte
    /// explicit nonce (RFC 5288 3), else the 12-byte IV XORed with the sequence number (RFC 8446
    /// 5.3, RFC 7905 2). The additional data: TLS 1.3's record header (RFC 8446 5.2), TLS 1.2's
    /// seq_num || type || version || length (RFC 5246 6.2.3.3).
    func aeadOpen(_ fragment: UnsafeRawBufferPointer, explicitNonce: Bool, _ seq: UInt64,
                  aad header: (type: UInt8, version: UInt16, length: Int), into out: inout [UInt8],
                  tls12: Bool = false) throws(TLSDecryptError) {
        guard let aead, iv.count == (explicitNonce ? 4 : 12) else { throw .malformed }
        let sealed = explicitNonce ? UnsafeRawBufferPointer(rebasing: fragment[8...]) : fragment
        guard sealed.count >= 16 else { throw .malformed }
        let room = sealed.count - 16
        let base = out.count
        out.append(contentsOf: repeatElement(0, count: room))
        // nonce (12) then additional data (13 for TLS 1.2, 5 for 1.3), on the stack.
        let opened = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 25) { scratch -> Int? in
            for i in 0..<iv.count { scratch[i] = iv[i] }
            if explicitNonce {
                for i in 0..<8 { scratch[4 + i] = fragment[i] }
            } else {
                for i in 0..<8 { scratch[4 + i] ^= UInt8(truncatingIfNeeded: seq >> UInt64(56 - 8 * i)) }
            }
            var a = 12
            if tls12 {
                for i in 0..<8 { scratch[a + i] = UInt8(truncatingIfNeeded: seq >> UInt64(56 - 8 * i)) }
                a += 8
            }
            scratch[a] = header.type
            scratch[a + 1] = UInt8(header.version >> 8)
            scratch[a + 2] = UInt8(header.version & 0xFF)
            scratch[a + 3] = UInt8(truncatingIfNeeded: header.length >> 8)
            scratch[a + 4] = UInt8(truncatingIfNeeded: header.length)
            let s = UnsafeRawBufferPointer(scratch)
            return out.withUnsafeMutableBytes { o in
                aead.open(sealed, nonce: UnsafeRawBufferPointer(rebasing: s[0..<12]),
                          aad: UnsafeRawBufferPointer(rebasing: s[12..<(a + 5)]),
                          into: UnsafeMutableRawBufferPointer(rebasing: o[base...]))
            }
        }
        guard let opened else {
            out.removeLast(room)
            throw .authentication
        }
        out.removeLast(room - opened)
    }
}
