import Foundation

/// One certificate of a chain, as far as the handshake shows it (TLS 1.2: the chain is in clear).
public struct TLSCertificateInfo: Sendable, Equatable {
    public var subject: String
    public var issuer: String
    public var notBefore: Date?
    public var notAfter: Date?
    /// The DER did not parse as an X.509 certificate (the rest is empty then).
    public var unparsable: Bool
}

/// What one connection's handshake told: the facts `streams` and the TLS checks use.
public struct TLSHandshakeFacts: Sendable {
    public var sawClientHello = false
    public var sawServerHello = false
    public var clientRandom: [UInt8] = []
    public var serverRandom: [UInt8] = []
    public var clientLegacyVersion: UInt16?
    public var serverLegacyVersion: UInt16?
    /// ClientHello supported_versions (RFC 8446 4.2.1); empty when the client sent none (≤ TLS 1.2).
    public var offeredVersions: [UInt16] = []
    /// ServerHello supported_versions: the TLS 1.3 choice.
    public var selectedVersion: UInt16?
    public var offeredSuites: [UInt16] = []
    public var suiteCode: UInt16?
    public var serverName: String?
    public var alpnOffered: [String] = []
    public var alpnSelected: String?
    public var groups: [UInt16] = []
    public var keyShareGroups: [UInt16] = []
    public var serverKeyShareGroup: UInt16?
    public var clientSessionID: [UInt8] = []
    public var serverSessionID: [UInt8] = []
    /// TLS 1.3 pre_shared_key identities offered, and the index the server chose (resumption, RFC 8446 2.2).
    public var pskOffered = 0
    public var pskSelected: UInt16?
    /// TLS 1.2 session_ticket extension: offered non-empty (resumption attempt).
    public var ticketOffered = false
    public var clientExtendedMasterSecret = false
    public var serverExtendedMasterSecret = false
    public var clientEncryptThenMAC = false
    public var serverEncryptThenMAC = false
    public var helloRetryRequest = false
    public var certificates: [TLSCertificateInfo] = []
    /// Alerts seen in clear or decrypted: (direction raw value, level, description).
    public var alerts: [(direction: UInt8, level: UInt8, description: UInt8)] = []

    public init() {}

    /// The negotiated version: supported_versions when present, else the ServerHello's version.
    public var version: UInt16? { selectedVersion ?? serverLegacyVersion }
    public var isTLS13: Bool { version == 0x0304 }
    public var suite: TLSCipherSuite? { suiteCode.flatMap(TLSCipherSuite.named) }
    /// Resumption: TLS 1.3 PSK accepted, or TLS 1.2 server echoing the client's non-empty session id.
    public var resumed: Bool {
        if isTLS13 { return pskSelected != nil }
        return !clientSessionID.isEmpty && clientSessionID == serverSessionID
    }
    public var encryptThenMAC: Bool { clientEncryptThenMAC && serverEncryptThenMAC }
}
