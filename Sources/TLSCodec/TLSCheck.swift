import Foundation
import WireCore

/// TLS-layer checks a security-minded IoT team wants: warnings, each with its source. The one table of them.
public enum TLSCheckRule: String, CaseIterable, Sendable {
    case deprecatedVersion = "TLS-DEPRECATED-VERSION"
    case noForwardSecrecy = "TLS-NO-FORWARD-SECRECY"
    case cbcSuite = "TLS-CBC-SUITE"
    case noSNI = "TLS-NO-SNI"
    case certificateExpired = "TLS-CERT-EXPIRED"
    case alpnWithoutMQTT = "TLS-ALPN-NO-MQTT"

    public var id: RuleID { RuleID(rawValue) }
    public var severity: Severity { .warning }

    public var title: String {
        switch self {
        case .deprecatedVersion: "SSL 3.0, TLS 1.0 or TLS 1.1 negotiated (deprecated)"
        case .noForwardSecrecy: "Cipher suite without forward secrecy (static RSA or PSK key exchange)"
        case .cbcSuite: "CBC cipher suite negotiated in TLS 1.2 (AEAD suites are recommended)"
        case .noSNI: "ClientHello without a server_name (SNI)"
        case .certificateExpired: "Server certificate expired (or not yet valid) at capture time"
        case .alpnWithoutMQTT: "ALPN offered without \"mqtt\" on a port other than 8883"
        }
    }

    public var section: String {
        switch self {
        case .deprecatedVersion: "RFC 8996; RFC 9325 3.1"
        case .noForwardSecrecy: "RFC 9325 4.1; MQTT 5.0 ch. 5 (Security)"
        case .cbcSuite: "RFC 9325 4.2"
        case .noSNI: "RFC 9325 (Server Name Indication); RFC 6066 3"
        case .certificateExpired: "RFC 5280 4.1.2.5; MQTT 5.0 ch. 5 (Security)"
        case .alpnWithoutMQTT: "RFC 7301 3.1; IANA ALPN id \"mqtt\"; MQTT 5.0 ch. 5 (Security)"
        }
    }
}

public enum TLSChecks {
    /// The findings a connection's handshake proves. `captureTime` is when the connection was seen.
    /// Nothing is reported for what the capture does not show (no ServerHello: no version or suite checks).
    public static func evaluate(_ f: TLSHandshakeFacts, serverPort: UInt16, captureTime: Date) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func add(_ r: TLSCheckRule, _ message: String) { out.append(Diagnostic(r.id, r.severity, message)) }
        if f.sawServerHello && !f.helloRetryRequest, let v = f.version, v < 0x0303 {
            add(.deprecatedVersion, "\(TLSVersionName.name(v)) negotiated; TLS 1.2 or 1.3 is required")
        }
        if let s = f.suite, f.sawServerHello {
            if !s.forwardSecret && s.keyExchange != .other {
                add(.noForwardSecrecy, "\(s.name) uses \(s.keyExchange == .rsa ? "static RSA" : "PSK") key exchange: recorded traffic can be decrypted later with the server key")
            }
            if s.cipher.isCBC && f.version == 0x0303 {
                add(.cbcSuite, "\(s.name) is a CBC suite\(f.encryptThenMAC ? " (encrypt-then-MAC in use)" : " (MAC-then-encrypt: padding-oracle prone)")")
            }
        }
        if f.sawClientHello && f.serverName == nil {
            add(.noSNI, "the client did not name the server (no server_name extension)")
        }
        if let leaf = f.certificates.first, !leaf.unparsable {
            if let after = leaf.notAfter, captureTime > after {
                add(.certificateExpired, "certificate \(leaf.subject) expired \(TLSHandshakeDecoder.isoDate(after)), before the capture (\(TLSHandshakeDecoder.isoDate(captureTime)))")
            } else if let before = leaf.notBefore, captureTime < before {
                add(.certificateExpired, "certificate \(leaf.subject) is not valid before \(TLSHandshakeDecoder.isoDate(before))")
            }
        }
        if !f.alpnOffered.isEmpty && !f.alpnOffered.contains("mqtt") && serverPort != 8883 {
            add(.alpnWithoutMQTT, "ALPN offered \(f.alpnOffered.joined(separator: ", ")) on port \(serverPort), not \"mqtt\"")
        }
        return out
    }
}
