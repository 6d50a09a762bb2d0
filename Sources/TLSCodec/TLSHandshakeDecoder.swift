import Foundation
import SwiftASN1
import WireCore
import X509

/// A bounds-checked cursor over a handshake message: every length is untrusted.
struct TLSCursor {
    let b: [UInt8]
    var at: Int
    var limit: Int
    init(_ b: [UInt8], at: Int = 0, limit: Int? = nil) {
        self.b = b
        self.at = at
        self.limit = Swift.min(limit ?? b.count, b.count)
    }
    var remaining: Int { Swift.max(0, limit - at) }
    mutating func u8() throws(TLSReadError) -> UInt8 {
        guard at + 1 <= limit else { throw .truncated(at: at, needed: 1) }
        defer { at += 1 }
        return b[at]
    }
    mutating func u16() throws(TLSReadError) -> UInt16 {
        guard at + 2 <= limit else { throw .truncated(at: at, needed: at + 2 - limit) }
        defer { at += 2 }
        return UInt16(b[at]) << 8 | UInt16(b[at + 1])
    }
    mutating func u24() throws(TLSReadError) -> Int {
        guard at + 3 <= limit else { throw .truncated(at: at, needed: at + 3 - limit) }
        defer { at += 3 }
        return Int(b[at]) << 16 | Int(b[at + 1]) << 8 | Int(b[at + 2])
    }
    /// Consumes `n` bytes; returns their range.
    mutating func skip(_ n: Int) throws(TLSReadError) -> Range<Int> {
        guard n >= 0, at + n <= limit else { throw .truncated(at: at, needed: n - remaining) }
        defer { at += n }
        return at..<(at + n)
    }
    /// A sub-cursor over the next `n` bytes; this one moves past them.
    mutating func sub(_ n: Int) throws(TLSReadError) -> TLSCursor {
        let r = try skip(n)
        return TLSCursor(b, at: r.lowerBound, limit: r.upperBound)
    }
}

/// Decodes TLS handshake messages (RFC 8446 4, RFC 5246 7.4) into fields and facts.
public enum TLSHandshakeDecoder {
    /// The ServerHello random that marks a HelloRetryRequest (RFC 8446 4.1.3).
    static let helloRetryRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    /// Decodes one whole handshake message (4-byte header included) whose bytes are `msg`; field ranges
    /// are `msg` offsets plus `base`. Returns a finding when the message is malformed (decoding stops there).
    @discardableResult
    public static func decode(_ msg: [UInt8], base: Int = 0, into tree: inout FieldTree, facts: inout TLSHandshakeFacts,
                              fromClient: Bool) -> Diagnostic? {
        var c = TLSCursor(msg)
        let group = tree.begin(TLSField.handshake.id, at: base)
        defer { tree.closeAll(upper: base + msg.count) }
        do {
            let type = try c.u8()
            tree.add(TLSField.handshakeType.id, r(c.at - 1, 1, base), .uint(UInt64(type)))
            let length = try c.u24()
            tree.add(TLSField.handshakeLength.id, r(c.at - 3, 3, base), .uint(UInt64(length)))
            var body = try c.sub(length)
            switch type {
            case 1: try clientHello(&body, base, &tree, &facts)
            case 2: try serverHello(&body, base, &tree, &facts)
            case 8: try extensions(&body, base, &tree, &facts, kind: .encryptedExtensions)
            case 11: try certificate(&body, base, &tree, &facts, tls13: facts.isTLS13)
            default: break
            }
            _ = group
            return nil
        } catch {
            let at: Int
            switch error { case .truncated(let a, _): at = a }
            return Diagnostic(TLSStreamRule.handshakeMalformed.id, .error,
                              "handshake message ends before its field at offset \(at) does (\(fromClient ? "client" : "server"))",
                              range: ByteRange(base, base + msg.count))
        }
    }

    @inline(__always) static func r(_ at: Int, _ n: Int, _ base: Int) -> ByteRange { ByteRange(start: base + at, count: n) }
    @inline(__always) static func rr(_ range: Range<Int>, _ base: Int) -> ByteRange { ByteRange(base + range.lowerBound, base + range.upperBound) }

    static func clientHello(_ c: inout TLSCursor, _ base: Int, _ tree: inout FieldTree, _ facts: inout TLSHandshakeFacts) throws(TLSReadError) {
        facts.sawClientHello = true
        let v = try c.u16()
        facts.clientLegacyVersion = v
        tree.add(TLSField.helloVersion.id, r(c.at - 2, 2, base), .uint(UInt64(v)))
        let random = try c.skip(32)
        facts.clientRandom = Array(c.b[random])
        tree.add(TLSField.random.id, rr(random, base), .bytes(rr(random, base)))
        let sidLength = Int(try c.u8())
        let sid = try c.skip(sidLength)
        facts.clientSessionID = Array(c.b[sid])
        tree.add(TLSField.sessionID.id, rr(sid, base), .bytes(rr(sid, base)))
        let suitesLength = Int(try c.u16())
        var suites = try c.sub(suitesLength)
        let g = tree.begin(TLSField.cipherSuites.id, at: base + suites.at)
        facts.offeredSuites = []
        while suites.remaining >= 2 {
            let s = try suites.u16()
            facts.offeredSuites.append(s)
            tree.add(TLSField.cipherSuite.id, r(suites.at - 2, 2, base), .uint(UInt64(s)))
        }
        tree.end(g, upper: base + suites.limit)
        let compLength = Int(try c.u8())
        let comp = try c.skip(compLength)
        tree.add(TLSField.compressionMethods.id, rr(comp, base), .bytes(rr(comp, base)))
        if c.remaining >= 2 { try extensions(&c, base, &tree, &facts, kind: .clientHello) }
    }

    static func serverHello(_ c: inout TLSCursor, _ base: Int, _ tree: inout FieldTree, _ facts: inout TLSHandshakeFacts) throws(TLSReadError) {
        facts.sawServerHello = true
        let v = try c.u16()
        facts.serverLegacyVersion = v
        tree.add(TLSField.helloVersion.id, r(c.at - 2, 2, base), .uint(UInt64(v)))
        let random = try c.skip(32)
        facts.serverRandom = Array(c.b[random])
        facts.helloRetryRequest = facts.serverRandom == helloRetryRandom
        tree.add(TLSField.random.id, rr(random, base), .bytes(rr(random, base)))
        let sidLength = Int(try c.u8())
        let sid = try c.skip(sidLength)
        facts.serverSessionID = Array(c.b[sid])
        tree.add(TLSField.sessionID.id, rr(sid, base), .bytes(rr(sid, base)))
        let suite = try c.u16()
        facts.suiteCode = suite
        tree.add(TLSField.cipherSuite.id, r(c.at - 2, 2, base), .uint(UInt64(suite)))
        let comp = try c.skip(1)
        tree.add(TLSField.compressionMethods.id, rr(comp, base), .bytes(rr(comp, base)))
        if c.remaining >= 2 { try extensions(&c, base, &tree, &facts, kind: .serverHello) }
    }

    enum ExtensionsOf { case clientHello, serverHello, encryptedExtensions }

    static func extensions(_ c: inout TLSCursor, _ base: Int, _ tree: inout FieldTree, _ facts: inout TLSHandshakeFacts,
                           kind: ExtensionsOf) throws(TLSReadError) {
        let total = Int(try c.u16())
        var all = try c.sub(total)
        while all.remaining >= 4 {
            let g = tree.begin(TLSField.extensionEntry.id, at: base + all.at)
            let type = try all.u16()
            tree.add(TLSField.extensionType.id, r(all.at - 2, 2, base), .uint(UInt64(type)))
            let length = Int(try all.u16())
            tree.add(TLSField.extensionLength.id, r(all.at - 2, 2, base), .uint(UInt64(length)))
            var e = try all.sub(length)
            try extensionBody(type, &e, base, &tree, &facts, kind: kind)
            tree.end(g, upper: base + e.limit)
        }
    }

    static func extensionBody(_ type: UInt16, _ e: inout TLSCursor, _ base: Int, _ tree: inout FieldTree,
                              _ facts: inout TLSHandshakeFacts, kind: ExtensionsOf) throws(TLSReadError) {
        let client = kind == .clientHello
        switch type {
        case 0 where client:  // server_name (RFC 6066 3)
            var list = try e.sub(Int(try e.u16()))
            while list.remaining >= 3 {
                let nameType = try list.u8()
                let name = try list.skip(Int(try list.u16()))
                if nameType == 0 {
                    let valid = validUTF8(list.b, name)
                    if facts.serverName == nil { facts.serverName = String(decoding: list.b[name], as: UTF8.self) }
                    tree.add(TLSField.serverName.id, rr(name, base), .text(rr(name, base), valid: valid))
                }
            }
        case 16:  // ALPN (RFC 7301 3.1): a list in both directions; the server's has one entry
            var list = try e.sub(Int(try e.u16()))
            while list.remaining >= 1 {
                let p = try list.skip(Int(try list.u8()))
                let name = String(decoding: list.b[p], as: UTF8.self)
                if client { facts.alpnOffered.append(name) } else { facts.alpnSelected = name }
                tree.add(TLSField.alpnProtocol.id, rr(p, base), .text(rr(p, base), valid: validUTF8(list.b, p)))
            }
        case 43:  // supported_versions (RFC 8446 4.2.1)
            if client {
                var list = try e.sub(Int(try e.u8()))
                facts.offeredVersions = []
                while list.remaining >= 2 {
                    let v = try list.u16()
                    facts.offeredVersions.append(v)
                    tree.add(TLSField.supportedVersion.id, r(list.at - 2, 2, base), .uint(UInt64(v)))
                }
            } else {
                let v = try e.u16()
                facts.selectedVersion = v
                tree.add(TLSField.supportedVersion.id, r(e.at - 2, 2, base), .uint(UInt64(v)))
            }
        case 10:  // supported_groups (RFC 8446 4.2.7)
            var list = try e.sub(Int(try e.u16()))
            if client { facts.groups = [] }
            while list.remaining >= 2 {
                let g = try list.u16()
                if client { facts.groups.append(g) }
                tree.add(TLSField.supportedGroup.id, r(list.at - 2, 2, base), .uint(UInt64(g)))
            }
        case 51:  // key_share (RFC 8446 4.2.8): client list; server one entry; HelloRetryRequest just a group
            if client {
                var list = try e.sub(Int(try e.u16()))
                facts.keyShareGroups = []
                while list.remaining >= 4 {
                    let g = try list.u16()
                    facts.keyShareGroups.append(g)
                    tree.add(TLSField.keyShareGroup.id, r(list.at - 2, 2, base), .uint(UInt64(g)))
                    _ = try list.skip(Int(try list.u16()))
                }
            } else if e.remaining >= 2 {
                let g = try e.u16()
                facts.serverKeyShareGroup = g
                tree.add(TLSField.keyShareGroup.id, r(e.at - 2, 2, base), .uint(UInt64(g)))
            }
        case 41:  // pre_shared_key (RFC 8446 4.2.11)
            if client {
                var ids = try e.sub(Int(try e.u16()))
                var n = 0
                while ids.remaining >= 2 {
                    _ = try ids.skip(Int(try ids.u16()))
                    _ = try ids.skip(4)
                    n += 1
                }
                facts.pskOffered = n
                tree.add(TLSField.pskIdentities.id, rr(ids.limit - (ids.limit - ids.at)..<ids.limit, base), .uint(UInt64(n)))
            } else {
                let i = try e.u16()
                facts.pskSelected = i
                tree.add(TLSField.pskIdentities.id, r(e.at - 2, 2, base), .uint(UInt64(i)))
            }
        case 45:  // psk_key_exchange_modes (RFC 8446 4.2.9)
            let m = try e.skip(Int(try e.u8()))
            tree.add(TLSField.pskModes.id, rr(m, base), .bytes(rr(m, base)))
        case 35:  // session_ticket (RFC 5077 3.2)
            let t = try e.skip(e.remaining)
            if client { facts.ticketOffered = !t.isEmpty }
            tree.add(TLSField.sessionTicket.id, rr(t, base), .bytes(rr(t, base)))
        case 23:  // extended_master_secret (RFC 7627)
            if client { facts.clientExtendedMasterSecret = true } else { facts.serverExtendedMasterSecret = true }
            tree.add(TLSField.extendedMasterSecret.id, r(e.at - 4, 2, base), .bool(true))
        case 22:  // encrypt_then_mac (RFC 7366)
            if client { facts.clientEncryptThenMAC = true } else { facts.serverEncryptThenMAC = true }
            tree.add(TLSField.encryptThenMAC.id, r(e.at - 4, 2, base), .bool(true))
        default:
            break
        }
    }

    /// Certificate (RFC 5246 7.4.2; RFC 8446 4.4.2 adds a request context and per-entry extensions).
    static func certificate(_ c: inout TLSCursor, _ base: Int, _ tree: inout FieldTree, _ facts: inout TLSHandshakeFacts,
                            tls13: Bool) throws(TLSReadError) {
        if tls13 { _ = try c.skip(Int(try c.u8())) }
        var list = try c.sub(try c.u24())
        var chain: [TLSCertificateInfo] = []
        while list.remaining >= 3 {
            let g = tree.begin(TLSField.certificate.id, at: base + list.at)
            let length = try list.u24()
            tree.add(TLSField.certificateLength.id, r(list.at - 3, 3, base), .uint(UInt64(length)))
            let der = try list.skip(length)
            let info = parseCertificate(Array(list.b[der]))
            chain.append(info)
            let whole = rr(der, base)
            if !info.unparsable {
                tree.add(TLSField.certificateSubject.id, whole, tree.addNote(info.subject))
                tree.add(TLSField.certificateIssuer.id, whole, tree.addNote(info.issuer))
                if let d = info.notBefore { tree.add(TLSField.certificateNotBefore.id, whole, tree.addNote(isoDate(d))) }
                if let d = info.notAfter { tree.add(TLSField.certificateNotAfter.id, whole, tree.addNote(isoDate(d))) }
            }
            if tls13 { _ = try list.skip(Int(try list.u16())) }
            tree.end(g)
        }
        // A client's chain (mutual TLS) follows the server's; the server's stays first.
        facts.certificates += chain
    }

    static func parseCertificate(_ der: [UInt8]) -> TLSCertificateInfo {
        guard let cert = try? Certificate(derEncoded: der) else {
            return TLSCertificateInfo(subject: "", issuer: "", notBefore: nil, notAfter: nil, unparsable: true)
        }
        return TLSCertificateInfo(subject: cert.subject.description, issuer: cert.issuer.description,
                                  notBefore: cert.notValidBefore, notAfter: cert.notValidAfter, unparsable: false)
    }

    static func validUTF8(_ b: [UInt8], _ r: Range<Int>) -> Bool {
        let slice = Array(b[r])
        return UTF8Validation.check(slice.span) == .valid
    }

    /// RFC 3339 in UTC (`2026-12-07T21:47:40Z`), as ISO8601DateFormatter's internet date-time
    /// writes it, without building a formatter per certificate (that cost more than decrypting a
    /// session).
    public static func isoDate(_ d: Date) -> String {
        let t = d.timeIntervalSince1970.rounded(.down)
        // Years 1583-9999 only; earlier dates (Foundation switches to the Julian calendar before
        // 1582-10-15) and anything else are formatted by Foundation, as before.
        guard t.isFinite, t >= -12_212_553_600, t < 253_402_300_800 else {
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime]
            return f.string(from: d)
        }
        let seconds = Int64(t)
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let inDay = seconds - days * 86400
        let (year, month, day) = CivilDate.from(daysSince1970: days)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-\(two(month))-\(two(day))T"
            + "\(two(inDay / 3600)):\(two(inDay / 60 % 60)):\(two(inDay % 60))Z"
    }
}

/// Why a handshake field could not be read: the message ends `needed` bytes before it does.
enum TLSReadError: Error, Sendable, Equatable {
    case truncated(at: Int, needed: Int)
}
