import WireCore

/// TLS fields (catalog 4). The one declaration of every TLS field: records (RFC 8446 5.1, RFC 5246 6.2),
/// handshake messages (RFC 8446 4, RFC 5246 7.4) and alerts (RFC 8446 6).
public enum TLSField: UInt16, FieldCatalog {
    case record = 0
    case recordType, recordVersion, recordLength
    case handshake, handshakeType, handshakeLength
    case helloVersion, random, sessionID, cipherSuites, cipherSuite, compressionMethods
    case extensionEntry, extensionType, extensionLength
    case serverName, alpnProtocol, supportedVersion, supportedGroup, keyShareGroup
    case pskIdentities, pskModes, sessionTicket, extendedMasterSecret, encryptThenMAC
    case certificate, certificateLength, certificateSubject, certificateIssuer, certificateNotBefore, certificateNotAfter
    case alert, alertLevel, alertDescription
    case changeCipherSpec
    case encryptedData, innerContentType

    public static let catalogNumber: UInt16 = 4

    public static let recordTypes: [(UInt64, String)] = [
        (20, "change_cipher_spec"), (21, "alert"), (22, "handshake"), (23, "application_data"), (24, "heartbeat"),
    ]
    public static let handshakeTypes: [(UInt64, String)] = [
        (1, "client_hello"), (2, "server_hello"), (4, "new_session_ticket"), (5, "end_of_early_data"),
        (8, "encrypted_extensions"), (11, "certificate"), (12, "server_key_exchange"), (13, "certificate_request"),
        (14, "server_hello_done"), (15, "certificate_verify"), (16, "client_key_exchange"), (20, "finished"),
        (24, "key_update"), (254, "message_hash"),
    ]
    public static let extensionTypes: [(UInt64, String)] = [
        (0, "server_name"), (1, "max_fragment_length"), (5, "status_request"), (10, "supported_groups"),
        (11, "ec_point_formats"), (13, "signature_algorithms"), (16, "application_layer_protocol_negotiation"),
        (18, "signed_certificate_timestamp"), (21, "padding"), (22, "encrypt_then_mac"), (23, "extended_master_secret"),
        (27, "compress_certificate"), (28, "record_size_limit"), (35, "session_ticket"), (41, "pre_shared_key"),
        (42, "early_data"), (43, "supported_versions"), (44, "cookie"), (45, "psk_key_exchange_modes"),
        (49, "post_handshake_auth"), (50, "signature_algorithms_cert"), (51, "key_share"),
        (65281, "renegotiation_info"),
    ]
    public static let alertLevels: [(UInt64, String)] = [(1, "warning"), (2, "fatal")]
    public static let alertDescriptions: [(UInt64, String)] = [
        (0, "close_notify"), (10, "unexpected_message"), (20, "bad_record_mac"), (22, "record_overflow"),
        (40, "handshake_failure"), (42, "bad_certificate"), (43, "unsupported_certificate"), (44, "certificate_revoked"),
        (45, "certificate_expired"), (46, "certificate_unknown"), (47, "illegal_parameter"), (48, "unknown_ca"),
        (49, "access_denied"), (50, "decode_error"), (51, "decrypt_error"), (70, "protocol_version"),
        (71, "insufficient_security"), (80, "internal_error"), (86, "inappropriate_fallback"), (90, "user_canceled"),
        (100, "no_renegotiation"), (109, "missing_extension"), (110, "unsupported_extension"), (112, "unrecognized_name"),
        (113, "bad_certificate_status_response"), (115, "unknown_psk_identity"), (116, "certificate_required"),
        (120, "no_application_protocol"),
    ]
    static let suiteNames: [(UInt64, String)] = TLSCipherSuite.all.map { (UInt64($0.code), $0.name) }

    public var spec: FieldSpec {
        switch self {
        case .record: FieldSpec("tls.record", "TLS Record", .group, meaning: "One TLS record: type, version, length, fragment.", ref: "RFC 8446 5.1")
        case .recordType: FieldSpec("tls.record.content_type", "Content Type", .uint8, .named(Self.recordTypes), ref: "RFC 8446 5.1")
        case .recordVersion:
            FieldSpec("tls.record.version", "Legacy Record Version", .uint16, .named(TLSVersionName.table),
                      meaning: "Record-layer version; 0x0303 for TLS 1.2 and 1.3 (1.3 ignores it).", ref: "RFC 8446 5.1")
        case .recordLength: FieldSpec("tls.record.length", "Length", .uint16, .decimalUnit("bytes"), ref: "RFC 8446 5.1")
        case .handshake: FieldSpec("tls.handshake", "Handshake Message", .group, ref: "RFC 8446 4")
        case .handshakeType: FieldSpec("tls.handshake.type", "Handshake Type", .uint8, .named(Self.handshakeTypes), ref: "RFC 8446 4")
        case .handshakeLength: FieldSpec("tls.handshake.length", "Length", .uint32, .decimalUnit("bytes"), ref: "RFC 8446 4")
        case .helloVersion:
            FieldSpec("tls.handshake.version", "Legacy Version", .uint16, .named(TLSVersionName.table),
                      meaning: "ClientHello/ServerHello version field; TLS 1.3 negotiates in supported_versions instead.",
                      ref: "RFC 8446 4.1.2")
        case .random: FieldSpec("tls.handshake.random", "Random", .binary, .bytes, ref: "RFC 8446 4.1.2")
        case .sessionID:
            FieldSpec("tls.handshake.session_id", "Session ID", .binary, .bytes,
                      meaning: "Legacy session id (TLS 1.2 resumption; echoed in TLS 1.3 middlebox compatibility mode).",
                      ref: "RFC 8446 4.1.2")
        case .cipherSuites: FieldSpec("tls.handshake.cipher_suites", "Cipher Suites", .group, ref: "RFC 8446 4.1.2")
        case .cipherSuite: FieldSpec("tls.handshake.cipher_suite", "Cipher Suite", .uint16, .named(Self.suiteNames), ref: "RFC 8446 B.4")
        case .compressionMethods: FieldSpec("tls.handshake.compression_methods", "Compression Methods", .binary, .bytes, ref: "RFC 8446 4.1.2")
        case .extensionEntry: FieldSpec("tls.handshake.extension", "Extension", .group, ref: "RFC 8446 4.2")
        case .extensionType: FieldSpec("tls.handshake.extension.type", "Type", .uint16, .named(Self.extensionTypes), ref: "RFC 8446 4.2")
        case .extensionLength: FieldSpec("tls.handshake.extension.length", "Length", .uint16, .decimalUnit("bytes"), ref: "RFC 8446 4.2")
        case .serverName:
            FieldSpec("tls.handshake.sni", "Server Name", .text, .text, meaning: "SNI host name the client asks for.", ref: "RFC 6066 3")
        case .alpnProtocol:
            FieldSpec("tls.handshake.alpn", "ALPN Protocol", .text, .text,
                      meaning: "Application protocol offered (ClientHello) or chosen (ServerHello / EncryptedExtensions).",
                      ref: "RFC 7301 3.1")
        case .supportedVersion:
            FieldSpec("tls.handshake.supported_version", "Supported Version", .uint16, .named(TLSVersionName.table),
                      meaning: "A version offered (ClientHello) or the one selected (ServerHello).", ref: "RFC 8446 4.2.1")
        case .supportedGroup: FieldSpec("tls.handshake.supported_group", "Supported Group", .uint16, .named(TLSGroupName.table), ref: "RFC 8446 4.2.7")
        case .keyShareGroup: FieldSpec("tls.handshake.key_share.group", "Key Share Group", .uint16, .named(TLSGroupName.table), ref: "RFC 8446 4.2.8")
        case .pskIdentities:
            FieldSpec("tls.handshake.psk.identities", "PSK Identities", .uint16, .decimal,
                      meaning: "How many pre-shared keys (tickets) the client offers for resumption; the server's selected index.",
                      ref: "RFC 8446 4.2.11")
        case .pskModes: FieldSpec("tls.handshake.psk_key_exchange_modes", "PSK Key Exchange Modes", .binary, .bytes, ref: "RFC 8446 4.2.9")
        case .sessionTicket:
            FieldSpec("tls.handshake.session_ticket", "Session Ticket", .binary, .bytes,
                      meaning: "TLS 1.2 ticket offered for resumption (empty: asks for one).", ref: "RFC 5077 3.2")
        case .extendedMasterSecret: FieldSpec("tls.handshake.extended_master_secret", "Extended Master Secret", .flag, .setNotSet, ref: "RFC 7627")
        case .encryptThenMAC: FieldSpec("tls.handshake.encrypt_then_mac", "Encrypt-then-MAC", .flag, .setNotSet, ref: "RFC 7366")
        case .certificate: FieldSpec("tls.handshake.certificate", "Certificate", .group, meaning: "One X.509 certificate of the chain.", ref: "RFC 5246 7.4.2")
        case .certificateLength: FieldSpec("tls.handshake.certificate.length", "Length", .uint32, .decimalUnit("bytes"), ref: "RFC 5246 7.4.2")
        case .certificateSubject: FieldSpec("tls.handshake.certificate.subject", "Subject", .text, .text, ref: "RFC 5280 4.1.2.6")
        case .certificateIssuer: FieldSpec("tls.handshake.certificate.issuer", "Issuer", .text, .text, ref: "RFC 5280 4.1.2.4")
        case .certificateNotBefore: FieldSpec("tls.handshake.certificate.not_before", "Not Before", .text, .text, ref: "RFC 5280 4.1.2.5")
        case .certificateNotAfter: FieldSpec("tls.handshake.certificate.not_after", "Not After", .text, .text, ref: "RFC 5280 4.1.2.5")
        case .alert: FieldSpec("tls.alert", "Alert", .group, ref: "RFC 8446 6")
        case .alertLevel: FieldSpec("tls.alert.level", "Level", .uint8, .named(Self.alertLevels), ref: "RFC 8446 6")
        case .alertDescription: FieldSpec("tls.alert.description", "Description", .uint8, .named(Self.alertDescriptions), ref: "RFC 8446 6")
        case .changeCipherSpec: FieldSpec("tls.change_cipher_spec", "Change Cipher Spec", .uint8, .hex, ref: "RFC 5246 7.1")
        case .encryptedData:
            FieldSpec("tls.encrypted", "Encrypted Data", .binary, .bytes, meaning: "A protected record's fragment (not decrypted).",
                      ref: "RFC 8446 5.2")
        case .innerContentType:
            FieldSpec("tls.record.inner_content_type", "Inner Content Type", .uint8, .named(Self.recordTypes),
                      meaning: "TLS 1.3: the real type of a decrypted record.", ref: "RFC 8446 5.2")
        }
    }
}
