import Crypto
import _CryptoExtras
import Foundation

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

/// One direction's record protection: keys, the implicit sequence number, and how to open a record
/// (RFC 8446 5.2-5.3 for TLS 1.3; RFC 5246 6.2.3, RFC 5288 3, RFC 7905 2, RFC 7366 for TLS 1.2).
public struct TLSRecordCipher: Sendable {
    public let suite: TLSCipherSuite
    public let isTLS13: Bool
    /// The write key's bytes (SymmetricKey is not Sendable; one is made per record).
    let key: [UInt8]
    /// TLS 1.3 and ChaCha20: the 12-byte IV XORed with the sequence number; TLS 1.2 GCM: the 4-byte salt.
    let iv: [UInt8]
    let macKey: [UInt8]
    let encryptThenMAC: Bool
    /// The sequence number of the next record this direction sends (RFC 8446 5.3, RFC 5246 6.1).
    public var sequence: UInt64 = 0

    /// TLS 1.3 protection from a traffic secret.
    public init(tls13 suite: TLSCipherSuite, secret: [UInt8]) {
        let (k, v) = TLSKeySchedule.trafficKeys(suite, secret: secret)
        self.suite = suite
        isTLS13 = true
        key = k
        iv = v
        macKey = []
        encryptThenMAC = false
    }

    /// TLS 1.2 protection from one side's part of the key block.
    public init(tls12 suite: TLSCipherSuite, key: [UInt8], iv: [UInt8], macKey: [UInt8], encryptThenMAC: Bool) {
        self.suite = suite
        isTLS13 = false
        self.key = key
        self.iv = iv
        self.macKey = macKey
        self.encryptThenMAC = encryptThenMAC && suite.cipher.isCBC
    }

    /// Opens the next record, advancing the sequence number on success.
    /// Returns the real content type (TLS 1.3's inner type) and the plaintext.
    public mutating func open(type: UInt8, version: UInt16, fragment: [UInt8]) throws(TLSDecryptError) -> (type: UInt8, plaintext: [UInt8]) {
        let r = try open(type: type, version: version, fragment: fragment, sequence: sequence)
        sequence &+= 1
        return r
    }

    /// Opens a record as if it had sequence number `sequence` (used to find where a stream resumes after a lost record).
    public func open(type: UInt8, version: UInt16, fragment: [UInt8], sequence seq: UInt64) throws(TLSDecryptError) -> (type: UInt8, plaintext: [UInt8]) {
        if isTLS13 {
            guard fragment.count >= 17 else { throw .malformed }
            let header: [UInt8] = [type, UInt8(version >> 8), UInt8(version & 0xFF),
                                   UInt8(truncatingIfNeeded: fragment.count >> 8), UInt8(truncatingIfNeeded: fragment.count)]
            var inner = try aeadOpen(fragment[...], nonce: xorNonce(seq), aad: header)
            // Strip zero padding; the last non-zero octet is the content type (RFC 8446 5.2).
            while let last = inner.last, last == 0 { inner.removeLast() }
            guard let inType = inner.popLast() else { throw .noContentType }
            return (inType, inner)
        }
        switch suite.cipher {
        case .aes128GCM, .aes256GCM:
            guard fragment.count >= 8 + 16 else { throw .malformed }
            let nonce = iv + fragment[0..<8]
            let aad = additionalData(seq, type, version, length: fragment.count - 24)
            return (type, try aeadOpen(fragment[8...], nonce: nonce, aad: aad))
        case .chacha20Poly1305:
            guard fragment.count >= 16 else { throw .malformed }
            let aad = additionalData(seq, type, version, length: fragment.count - 16)
            return (type, try aeadOpen(fragment[...], nonce: xorNonce(seq), aad: aad))
        case .aes128CBC, .aes256CBC:
            return (type, try openCBC(type, version, fragment, seq))
        case .other:
            throw .malformed
        }
    }

    /// seq_num || type || version || length (RFC 5246 6.2.3.3).
    func additionalData(_ seq: UInt64, _ type: UInt8, _ version: UInt16, length: Int) -> [UInt8] {
        var a = [UInt8]()
        a.reserveCapacity(13)
        for i in stride(from: 56, through: 0, by: -8) { a.append(UInt8(truncatingIfNeeded: seq >> UInt64(i))) }
        a += [type, UInt8(version >> 8), UInt8(version & 0xFF),
              UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        return a
    }

    /// The 12-byte IV XORed with the sequence number, left-padded (RFC 8446 5.3, RFC 7905 2).
    func xorNonce(_ seq: UInt64) -> [UInt8] {
        var n = iv
        guard n.count == 12 else { return n }
        for i in 0..<8 { n[4 + i] ^= UInt8(truncatingIfNeeded: seq >> UInt64(56 - 8 * i)) }
        return n
    }

    func aeadOpen(_ body: ArraySlice<UInt8>, nonce: [UInt8], aad: [UInt8]) throws(TLSDecryptError) -> [UInt8] {
        guard body.count >= 16 else { throw .malformed }
        let ct = body.dropLast(16)
        let tag = body.suffix(16)
        do {
            if suite.cipher == .chacha20Poly1305 {
                let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: nonce), ciphertext: ct, tag: tag)
                return Array(try ChaChaPoly.open(box, using: SymmetricKey(data: key), authenticating: aad))
            }
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: ct, tag: tag)
            return Array(try AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: aad))
        } catch {
            throw .authentication
        }
    }

    /// AES-CBC with HMAC: MAC-then-encrypt (RFC 5246 6.2.3.2) or encrypt-then-MAC (RFC 7366 3).
    func openCBC(_ type: UInt8, _ version: UInt16, _ fragment: [UInt8], _ seq: UInt64) throws(TLSDecryptError) -> [UInt8] {
        let macLength = suite.hash.length
        var body = fragment[...]
        if encryptThenMAC {
            guard fragment.count >= 16 + 16 + macLength else { throw .malformed }
            let mac = fragment.suffix(macLength)
            body = fragment.dropLast(macLength)
            let expected = TLSKeySchedule.hmac(suite.hash, key: macKey, additionalData(seq, type, version, length: body.count) + body)
            guard constantTimeEqual(expected, mac) else { throw .authentication }
        }
        guard body.count >= 32, body.count % 16 == 0 else { throw .malformed }
        let ivBytes = body.prefix(16)
        let ct = body.dropFirst(16)
        var plain: [UInt8]
        do {
            plain = Array(try AES._CBC.decrypt(ct, using: SymmetricKey(data: key), iv: AES._CBC.IV(ivBytes: ivBytes), noPadding: true))
        } catch {
            throw .malformed
        }
        // Padding: padding_length + 1 octets, each equal to padding_length (RFC 5246 6.2.3.2).
        guard let padLength = plain.last.map(Int.init), padLength + 1 <= plain.count else { throw .authentication }
        var padOK = true
        for b in plain.suffix(padLength + 1) where Int(b) != padLength { padOK = false }
        plain.removeLast(padLength + 1)
        if encryptThenMAC {
            guard padOK else { throw .authentication }
            return plain
        }
        guard padOK, plain.count >= macLength else { throw .authentication }
        let mac = plain.suffix(macLength)
        plain.removeLast(macLength)
        let expected = TLSKeySchedule.hmac(suite.hash, key: macKey, additionalData(seq, type, version, length: plain.count) + plain)
        guard constantTimeEqual(expected, mac) else { throw .authentication }
        return plain
    }

    func constantTimeEqual<C: Collection>(_ a: [UInt8], _ b: C) -> Bool where C.Element == UInt8 {
        guard a.count == b.count else { return false }
        var d: UInt8 = 0
        for (x, y) in zip(a, b) { d |= x ^ y }
        return d == 0
    }
}
