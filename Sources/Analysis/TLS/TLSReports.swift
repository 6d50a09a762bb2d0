public import WireCore
public import TLSCodec
public import TCPReassembly
public import DisplayFilters

/// What `streams` and `check` know of a TLS connection: the handshake facts and whether decryption worked.
public struct TLSSummary: Sendable {
    public var facts: TLSHandshakeFacts
    /// The protocol found inside (by the first decrypted client bytes, ALPN or the port), if decrypted.
    public var inner: AppProtocol?
    public var decryptedRecords: Int
    public var encryptedRecords: Int
    /// Why records were left encrypted (nil when everything seen was decrypted).
    public var failure: TLSFailure?

    public var decrypted: Bool { decryptedRecords > 0 }
    /// The connection facts display filters and columns name (`tls.version`, `tls.sni` …).
    public var subject: TLSSubject {
        TLSSubject(version: facts.version, cipherSuite: facts.suiteCode, serverName: facts.serverName,
                   alpn: facts.alpnSelected, decrypted: decrypted)
    }
    public var versionName: String? { facts.version.map(TLSVersionName.name) }
    public var suiteName: String? { facts.suiteCode.map(TLSCipherSuite.name) }
    /// One line: `TLS 1.3 TLS_AES_128_GCM_SHA256 sni=broker alpn=mqtt decrypted`.
    public var line: String {
        var parts: [String] = [versionName ?? "version ?", suiteName ?? "suite ?"]
        parts.append("sni=" + (facts.serverName ?? "-"))
        parts.append("alpn=" + (facts.alpnSelected ?? (facts.alpnOffered.isEmpty ? "-" : facts.alpnOffered.joined(separator: ",") + "?")))
        if decrypted {
            parts.append(failure == nil ? "decrypted" : "partly decrypted (\(failure!))")
        } else {
            parts.append("encrypted (\(failure?.description ?? "no protected records"))")
        }
        return parts.joined(separator: " ")
    }
}

/// One TLS unit for `read`: a handshake message, an alert, a ChangeCipherSpec, or a record left encrypted.
public struct TLSEventReport: Sendable {
    public enum Kind: Sendable {
        case handshake(type: UInt8)
        case alert(level: UInt8, description: UInt8)
        case changeCipherSpec
        case encrypted(length: Int)
    }
    public var connection: ConnectionInfo
    public var direction: Direction
    public var kind: Kind
    public var record: TLSRecordInfo
    /// The unit was inside a decrypted record.
    public var decrypted: Bool
    /// Where the unit's bytes start in the TCP stream (the record header for units read in clear).
    public var streamRange: StreamRange
    public var time: Timestamp
    public var captureStart: Timestamp
    public var diagnostics: [Diagnostic]
    /// The connection's TLS facts so far (for display filters and columns).
    public var tls: TLSSubject

    /// What `-Y` and `-T fields` test: protocol `tls`, the unit's type, frame, connection, direction
    /// and the connection's TLS facts.
    public var filterSubject: FilterSubject {
        var s = FilterSubject(proto: .tls)
        switch kind {
        case .handshake(let t): s.typeCode = UInt64(t)
        case .alert: s.typeCode = FilterSubject.TypeCode.tlsRecord + 21
        case .changeCipherSpec: s.typeCode = FilterSubject.TypeCode.tlsRecord + 20
        case .encrypted: s.typeCode = FilterSubject.TypeCode.tlsRecord + UInt64(record.type)
        }
        s.frame = UInt64(record.lastFrame)
        s.connection = connection.id
        s.clientToServer = direction == .clientToServer
        var t = tls
        t.decrypted = decrypted  // this unit, not the connection
        s.tls = t
        s.time = time
        s.captureStart = captureStart
        return s
    }

    /// `Handshake client_hello`, `Alert fatal bad_record_mac`, `Application Data (encrypted, 42 bytes)` …
    public var summary: String {
        switch kind {
        case .handshake(let t):
            return "TLS Handshake " + (TLSField.handshakeType.spec.valueName(UInt64(t)) ?? "type \(t)") + (decrypted ? " (decrypted)" : "")
        case .alert(let l, let d):
            return "TLS Alert " + (TLSField.alertLevel.spec.valueName(UInt64(l)) ?? "\(l)") + " "
                + (TLSField.alertDescription.spec.valueName(UInt64(d)) ?? "\(d)") + (decrypted ? " (decrypted)" : "")
        case .changeCipherSpec:
            return "TLS ChangeCipherSpec"
        case .encrypted(let n):
            let type = TLSField.recordType.spec.valueName(UInt64(record.type)) ?? "type \(record.type)"
            return "TLS \(type) (encrypted, \(n) bytes)"
        }
    }
}
