import Crypto
import Foundation
// HMAC, HKDF and digests of the key schedule through BoringSSL's C interface (the library swift-crypto
// builds and links): one call each with no allocation, where Crypto's HMAC / HKDF types build their
// keys byte by byte; per TLS 1.3 session that was more work than decrypting its records.
internal import CCryptoBoringSSL

/// The TLS key schedules mqscope needs to read a capture: TLS 1.3 traffic keys from a traffic secret
/// (RFC 8446 7.1, 7.3) and TLS 1.2 key expansion from the master secret (RFC 5246 5, 6.3).
/// Primitives (HMAC, HKDF) come from swift-crypto; the labels and layouts are ours.
public enum TLSKeySchedule {
    /// HKDF-Expand-Label (RFC 8446 7.1): HkdfLabel = length(2) || "tls13 " + label (1-byte length) || context (1-byte length).
    public static func expandLabel(_ hash: TLSHash, secret: [UInt8], label: String, context: [UInt8], length: Int) -> [UInt8] {
        let full = Array(("tls13 " + label).utf8)
        var info = [UInt8]()
        info.reserveCapacity(4 + full.count + context.count)
        info.append(UInt8(truncatingIfNeeded: length >> 8))
        info.append(UInt8(truncatingIfNeeded: length))
        info.append(UInt8(truncatingIfNeeded: full.count))
        info += full
        info.append(UInt8(truncatingIfNeeded: context.count))
        info += context
        var out = [UInt8](repeating: 0, count: length)
        let ok = out.withUnsafeMutableBufferPointer { o in
            bytes(secret) { p, pn in
                bytes(info) { i, n in CCryptoBoringSSL_HKDF_expand(o.baseAddress, length, md(hash), p, pn, i, n) }
            }
        }
        return ok == 1 ? out : []  // fails only for length > 255 * hash length (no suite asks that)
    }

    /// BoringSSL's message digest for a suite hash.
    static func md(_ hash: TLSHash) -> OpaquePointer? {
        switch hash {
        case .sha256: CCryptoBoringSSL_EVP_sha256()
        case .sha384: CCryptoBoringSSL_EVP_sha384()
        case .sha1: CCryptoBoringSSL_EVP_sha1()
        }
    }

    /// Calls `body` with the bytes' address (never nil, also when empty) and count.
    static func bytes<R>(_ a: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        a.withUnsafeBufferPointer { b in
            if let p = b.baseAddress { return body(p, b.count) }
            var none: UInt8 = 0
            return withUnsafePointer(to: &none) { body($0, 0) }
        }
    }

    /// HKDF-Extract (RFC 5869 2.2), as the TLS 1.3 key schedule uses it.
    public static func extract(_ hash: TLSHash, salt: [UInt8], ikm: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: hash.length)
        var n = 0
        _ = out.withUnsafeMutableBufferPointer { o in
            bytes(ikm) { k, kn in bytes(salt) { s, sn in CCryptoBoringSSL_HKDF_extract(o.baseAddress, &n, md(hash), k, kn, s, sn) } }
        }
        return out
    }

    public static func digest(_ hash: TLSHash, _ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: hash.length)
        var n: UInt32 = 0
        _ = out.withUnsafeMutableBufferPointer { o in
            bytes(data) { d, dn in CCryptoBoringSSL_EVP_Digest(d, dn, o.baseAddress, &n, md(hash), nil) }
        }
        return out
    }

    /// Derive-Secret(secret, label, messages) = HKDF-Expand-Label(secret, label, Transcript-Hash(messages), Hash.length).
    public static func deriveSecret(_ hash: TLSHash, secret: [UInt8], label: String, messages: [UInt8]) -> [UInt8] {
        expandLabel(hash, secret: secret, label: label, context: digest(hash, messages), length: hash.length)
    }

    /// A TLS 1.3 traffic secret's write key and IV (RFC 8446 7.3).
    public static func trafficKeys(_ suite: TLSCipherSuite, secret: [UInt8]) -> (key: [UInt8], iv: [UInt8]) {
        (expandLabel(suite.hash, secret: secret, label: "key", context: [], length: suite.cipher.keyLength),
         expandLabel(suite.hash, secret: secret, label: "iv", context: [], length: 12))
    }

    /// The next traffic secret after a KeyUpdate (RFC 8446 7.2).
    public static func nextTrafficSecret(_ hash: TLSHash, _ secret: [UInt8]) -> [UInt8] {
        expandLabel(hash, secret: secret, label: "traffic upd", context: [], length: hash.length)
    }

    public static func hmac(_ hash: TLSHash, key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: hash.length)
        var n: UInt32 = 0
        _ = out.withUnsafeMutableBufferPointer { o in
            bytes(key) { k, kn in bytes(data) { d, dn in CCryptoBoringSSL_HMAC(md(hash), k, kn, d, dn, o.baseAddress, &n) } }
        }
        return out
    }

    /// The TLS 1.2 PRF: P_hash(secret, label || seed) (RFC 5246 5).
    public static func prf12(_ hash: TLSHash, secret: [UInt8], label: String, seed: [UInt8], length: Int) -> [UInt8] {
        let labelSeed = Array(label.utf8) + seed
        var out = [UInt8]()
        out.reserveCapacity(length + hash.length)
        var a = labelSeed                                   // A(0)
        while out.count < length {
            a = hmac(hash, key: secret, a)                   // A(i) = HMAC(secret, A(i-1))
            out += hmac(hash, key: secret, a + labelSeed)
        }
        return Array(out.prefix(length))
    }

    /// The TLS 1.0/1.1 PRF: P_MD5(S1, label || seed) XOR P_SHA1(S2, label || seed), S1 and S2 the
    /// secret's halves (sharing the middle byte when odd) (RFC 4346 5).
    public static func prf11(secret: [UInt8], label: String, seed: [UInt8], length: Int) -> [UInt8] {
        let half = (secret.count + 1) / 2
        let s1 = Array(secret.prefix(half)), s2 = Array(secret.suffix(half))
        let labelSeed = Array(label.utf8) + seed
        func pHash(_ md5: Bool, _ key: [UInt8]) -> [UInt8] {
            let k = SymmetricKey(data: key)
            func mac(_ d: [UInt8]) -> [UInt8] {
                md5 ? Array(HMAC<Insecure.MD5>.authenticationCode(for: d, using: k)) : Array(HMAC<Insecure.SHA1>.authenticationCode(for: d, using: k))
            }
            var out = [UInt8]()
            var a = labelSeed
            while out.count < length {
                a = mac(a)
                out += mac(a + labelSeed)
            }
            return Array(out.prefix(length))
        }
        let x = pHash(true, s1), y = pHash(false, s2)
        return (0..<length).map { x[$0] ^ y[$0] }
    }

    /// TLS 1.2 key block (RFC 5246 6.3): client/server MAC keys, write keys, and IVs (4-byte GCM salt,
    /// 12-byte ChaCha20 IV (RFC 7905 2), none for CBC in 1.1+ where every record carries its IV).
    public struct Keys12: Sendable {
        public var clientMAC: [UInt8], serverMAC: [UInt8]
        public var clientKey: [UInt8], serverKey: [UInt8]
        public var clientIV: [UInt8], serverIV: [UInt8]
    }

    /// `version` 0x0302 (TLS 1.1) uses the MD5/SHA-1 PRF; TLS 1.1 CBC records carry their IV as 1.2's do.
    public static func keyExpansion12(_ suite: TLSCipherSuite, masterSecret: [UInt8], clientRandom: [UInt8],
                                      serverRandom: [UInt8], version: UInt16 = 0x0303) -> Keys12 {
        let macLength = suite.cipher.isCBC ? suite.hash.length : 0
        let keyLength = suite.cipher.keyLength
        let ivLength = suite.cipher == .chacha20Poly1305 ? 12 : (suite.cipher.isAEAD ? 4 : 0)
        let total = 2 * (macLength + keyLength + ivLength)
        let block = version == 0x0302
            ? prf11(secret: masterSecret, label: "key expansion", seed: serverRandom + clientRandom, length: total)
            : prf12(suite.prfHash, secret: masterSecret, label: "key expansion", seed: serverRandom + clientRandom, length: total)
        var i = 0
        func take(_ n: Int) -> [UInt8] { defer { i += n }; return Array(block[i..<(i + n)]) }
        let cm = take(macLength), sm = take(macLength), ck = take(keyLength), sk = take(keyLength)
        let civ = take(ivLength), siv = take(ivLength)
        return Keys12(clientMAC: cm, serverMAC: sm, clientKey: ck, serverKey: sk, clientIV: civ, serverIV: siv)
    }
}

