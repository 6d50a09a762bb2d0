/// How a suite exchanges keys: what decides forward secrecy (RFC 9325 4.1).
public enum TLSKeyExchange: Sendable, Equatable {
    case tls13      // (EC)DHE or PSK-(EC)DHE, negotiated by extensions
    case ecdhe, dhe // ephemeral: forward secret
    case rsa, psk   // static: no forward secrecy
    case other
}

/// The record protection a suite uses: what this module can decrypt.
public enum TLSBulkCipher: Sendable, Equatable {
    case aes128GCM, aes256GCM, chacha20Poly1305
    case aes128CBC, aes256CBC
    case other      // 3DES, RC4, CCM, CAMELLIA, NULL…: named but not decrypted

    public var keyLength: Int {
        switch self {
        case .aes128GCM, .aes128CBC: 16
        case .aes256GCM, .aes256CBC, .chacha20Poly1305: 32
        case .other: 0
        }
    }
    public var isAEAD: Bool { self == .aes128GCM || self == .aes256GCM || self == .chacha20Poly1305 }
    public var isCBC: Bool { self == .aes128CBC || self == .aes256CBC }
}

/// The hash of a suite: the PRF/HKDF hash (and, for CBC suites, the record MAC).
public enum TLSHash: Sendable, Equatable {
    case sha1, sha256, sha384
    public var length: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        }
    }
}

/// One cipher suite: IANA TLS Cipher Suites registry (RFC 8446 B.4, RFC 5246 A.5, RFC 5289, RFC 7905).
public struct TLSCipherSuite: Sendable, Equatable {
    public var code: UInt16
    public var name: String
    public var keyExchange: TLSKeyExchange
    public var cipher: TLSBulkCipher
    /// CBC suites: the record MAC hash. AEAD suites: the PRF / HKDF hash.
    public var hash: TLSHash

    public var forwardSecret: Bool {
        keyExchange == .tls13 || keyExchange == .ecdhe || keyExchange == .dhe
    }
    /// The hash of the TLS 1.2 PRF (RFC 5246 5: SHA-256 unless the suite names SHA-384).
    public var prfHash: TLSHash { hash == .sha384 ? .sha384 : .sha256 }

    /// The one table of suites mqscope names. Those with `.other` are named but not decrypted.
    public static let all: [TLSCipherSuite] = [
        // TLS 1.3 (RFC 8446 B.4)
        .init(code: 0x1301, name: "TLS_AES_128_GCM_SHA256", keyExchange: .tls13, cipher: .aes128GCM, hash: .sha256),
        .init(code: 0x1302, name: "TLS_AES_256_GCM_SHA384", keyExchange: .tls13, cipher: .aes256GCM, hash: .sha384),
        .init(code: 0x1303, name: "TLS_CHACHA20_POLY1305_SHA256", keyExchange: .tls13, cipher: .chacha20Poly1305, hash: .sha256),
        .init(code: 0x1304, name: "TLS_AES_128_CCM_SHA256", keyExchange: .tls13, cipher: .other, hash: .sha256),
        .init(code: 0x1305, name: "TLS_AES_128_CCM_8_SHA256", keyExchange: .tls13, cipher: .other, hash: .sha256),
        // ECDHE AEAD (RFC 5289, RFC 7905)
        .init(code: 0xC02B, name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", keyExchange: .ecdhe, cipher: .aes128GCM, hash: .sha256),
        .init(code: 0xC02C, name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", keyExchange: .ecdhe, cipher: .aes256GCM, hash: .sha384),
        .init(code: 0xC02F, name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", keyExchange: .ecdhe, cipher: .aes128GCM, hash: .sha256),
        .init(code: 0xC030, name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", keyExchange: .ecdhe, cipher: .aes256GCM, hash: .sha384),
        .init(code: 0xCCA8, name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", keyExchange: .ecdhe, cipher: .chacha20Poly1305, hash: .sha256),
        .init(code: 0xCCA9, name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", keyExchange: .ecdhe, cipher: .chacha20Poly1305, hash: .sha256),
        // DHE AEAD (RFC 5288, RFC 7905)
        .init(code: 0x009E, name: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", keyExchange: .dhe, cipher: .aes128GCM, hash: .sha256),
        .init(code: 0x009F, name: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", keyExchange: .dhe, cipher: .aes256GCM, hash: .sha384),
        .init(code: 0xCCAA, name: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", keyExchange: .dhe, cipher: .chacha20Poly1305, hash: .sha256),
        // RSA key transport AEAD (RFC 5288)
        .init(code: 0x009C, name: "TLS_RSA_WITH_AES_128_GCM_SHA256", keyExchange: .rsa, cipher: .aes128GCM, hash: .sha256),
        .init(code: 0x009D, name: "TLS_RSA_WITH_AES_256_GCM_SHA384", keyExchange: .rsa, cipher: .aes256GCM, hash: .sha384),
        // CBC (RFC 5246 A.5, RFC 4492, RFC 5289)
        .init(code: 0xC009, name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", keyExchange: .ecdhe, cipher: .aes128CBC, hash: .sha1),
        .init(code: 0xC00A, name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", keyExchange: .ecdhe, cipher: .aes256CBC, hash: .sha1),
        .init(code: 0xC013, name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", keyExchange: .ecdhe, cipher: .aes128CBC, hash: .sha1),
        .init(code: 0xC014, name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", keyExchange: .ecdhe, cipher: .aes256CBC, hash: .sha1),
        .init(code: 0xC023, name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", keyExchange: .ecdhe, cipher: .aes128CBC, hash: .sha256),
        .init(code: 0xC024, name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", keyExchange: .ecdhe, cipher: .aes256CBC, hash: .sha384),
        .init(code: 0xC028, name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", keyExchange: .ecdhe, cipher: .aes256CBC, hash: .sha384),
        .init(code: 0xC027, name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", keyExchange: .ecdhe, cipher: .aes128CBC, hash: .sha256),
        .init(code: 0x0033, name: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", keyExchange: .dhe, cipher: .aes128CBC, hash: .sha1),
        .init(code: 0x0039, name: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", keyExchange: .dhe, cipher: .aes256CBC, hash: .sha1),
        .init(code: 0x0067, name: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", keyExchange: .dhe, cipher: .aes128CBC, hash: .sha256),
        .init(code: 0x006B, name: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", keyExchange: .dhe, cipher: .aes256CBC, hash: .sha256),
        .init(code: 0x002F, name: "TLS_RSA_WITH_AES_128_CBC_SHA", keyExchange: .rsa, cipher: .aes128CBC, hash: .sha1),
        .init(code: 0x0035, name: "TLS_RSA_WITH_AES_256_CBC_SHA", keyExchange: .rsa, cipher: .aes256CBC, hash: .sha1),
        .init(code: 0x003C, name: "TLS_RSA_WITH_AES_128_CBC_SHA256", keyExchange: .rsa, cipher: .aes128CBC, hash: .sha256),
        .init(code: 0x003D, name: "TLS_RSA_WITH_AES_256_CBC_SHA256", keyExchange: .rsa, cipher: .aes256CBC, hash: .sha256),
        // Named only (not decrypted)
        .init(code: 0x000A, name: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", keyExchange: .rsa, cipher: .other, hash: .sha1),
        .init(code: 0x0005, name: "TLS_RSA_WITH_RC4_128_SHA", keyExchange: .rsa, cipher: .other, hash: .sha1),
        .init(code: 0xC0AC, name: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", keyExchange: .ecdhe, cipher: .other, hash: .sha256),
        .init(code: 0xC0AE, name: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", keyExchange: .ecdhe, cipher: .other, hash: .sha256),
        .init(code: 0x00A8, name: "TLS_PSK_WITH_AES_128_GCM_SHA256", keyExchange: .psk, cipher: .aes128GCM, hash: .sha256),
        .init(code: 0x00FF, name: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", keyExchange: .other, cipher: .other, hash: .sha256),
        .init(code: 0x5600, name: "TLS_FALLBACK_SCSV", keyExchange: .other, cipher: .other, hash: .sha256),
    ]

    public static func named(_ code: UInt16) -> TLSCipherSuite? {
        for s in all where s.code == code { return s }
        return nil
    }

    /// Name of a suite code, or its hex when unnamed (GREASE, RFC 8701, included).
    public static func name(_ code: UInt16) -> String {
        if let s = named(code) { return s.name }
        if code & 0x0F0F == 0x0A0A && code >> 8 == code & 0xFF { return "GREASE" }
        return "0x" + String(code, radix: 16, uppercase: true).leftPadded(to: 4)
    }
}

/// TLS protocol versions (RFC 8446 4.1.2, 4.2.1; RFC 8996 deprecates 1.0 and 1.1).
public enum TLSVersionName {
    public static let table: [(UInt64, String)] = [
        (0x0300, "SSL 3.0"), (0x0301, "TLS 1.0"), (0x0302, "TLS 1.1"), (0x0303, "TLS 1.2"), (0x0304, "TLS 1.3"),
    ]
    public static func name(_ v: UInt16) -> String {
        for (k, n) in table where k == UInt64(v) { return n }
        if v & 0x0F0F == 0x0A0A { return "GREASE" }
        return "0x" + String(v, radix: 16, uppercase: true).leftPadded(to: 4)
    }
}

/// Named groups (RFC 8446 4.2.7, RFC 8422, draft ML-KEM hybrids).
public enum TLSGroupName {
    public static let table: [(UInt64, String)] = [
        (0x0017, "secp256r1"), (0x0018, "secp384r1"), (0x0019, "secp521r1"), (0x001D, "x25519"), (0x001E, "x448"),
        (0x0100, "ffdhe2048"), (0x0101, "ffdhe3072"), (0x0102, "ffdhe4096"), (0x11EC, "X25519MLKEM768"),
        (0x6399, "X25519Kyber768Draft00"),
    ]
    public static func name(_ v: UInt16) -> String {
        for (k, n) in table where k == UInt64(v) { return n }
        if v & 0x0F0F == 0x0A0A { return "GREASE" }
        return "0x" + String(v, radix: 16, uppercase: true).leftPadded(to: 4)
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
