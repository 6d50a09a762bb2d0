import WireCore

/// Where a TLS record came from: the provenance decrypted bytes carry to the next layer.
public struct TLSRecordInfo: Sendable, Equatable {
    /// The outer content type, legacy version and fragment length of the record header.
    public var type: UInt8
    public var version: UInt16
    public var length: Int
    /// The TCP stream offset of the record's header.
    public var streamOffset: UInt64
    /// The frames holding the record's first and last bytes.
    public var firstFrame: FrameNumber
    public var lastFrame: FrameNumber
    /// The record's number in its direction (0 = first), counting records seen, not lost ones.
    public var index: Int
}

/// Why a connection's bytes could not (all) be read. Each is reported per connection with its cause.
public enum TLSFailure: Sendable, Equatable, CustomStringConvertible {
    /// The key log has no secrets for this connection's ClientHello random.
    case noKeys
    /// No key log was given at all.
    case noKeyLog
    /// The capture starts after the ClientHello: no client random to find keys with.
    case noClientHello
    /// Bytes of the ClientHello were lost (a gap, a snap length): no client random to find keys with.
    case clientHelloIncomplete
    /// One record failed authentication after earlier ones decrypted (altered or corrupted in the
    /// capture); it was skipped and its sequence number counted, later records decrypt.
    case recordFailed(Direction)
    /// The secrets found do not open the records (authentication tag or MAC fails).
    case keyDoesNotDecrypt(Direction)
    case unsupportedSuite(UInt16)
    case unsupportedVersion(UInt16)
    /// A record was lost to a capture gap and the stream could not be resumed.
    case lostRecord(Direction)
    /// A record header that is not TLS (length over 2^14 + 2048, unknown type) with no resync point found.
    case notTLS(Direction)

    public var description: String {
        switch self {
        case .noKeys: "no key in the key log for this session"
        case .noKeyLog: "no key log given (--tls-keylog, SSLKEYLOGFILE or a pcapng secrets block)"
        case .noClientHello: "capture starts mid-connection: no ClientHello, so no client random to find keys"
        case .clientHelloIncomplete: "ClientHello bytes missing from the capture (gap or snap length): no client random to find keys"
        case .recordFailed(let d):
            "a \(d == .clientToServer ? "client" : "server") record failed authentication (altered in the capture?) and was skipped; later records decrypted"
        case .keyDoesNotDecrypt(let d): "key does not decrypt (\(d == .clientToServer ? "client" : "server") records fail authentication)"
        case .unsupportedSuite(let s): "unsupported suite \(TLSCipherSuite.name(s)): mqscope does not decrypt it"
        case .unsupportedVersion(let v): "unsupported version \(TLSVersionName.name(v)): mqscope does not decrypt its records"
        case .lostRecord(let d):
            "a \(d == .clientToServer ? "client" : "server") record was lost to a capture gap: its sequence number is unknown, so the AEAD nonces of later records cannot be formed"
        case .notTLS(let d): "\(d == .clientToServer ? "client" : "server") bytes are not TLS records"
        }
    }
}

/// What a connection's TLS layer produced from one call; the caller drains `TLSConnection.events`.
public enum TLSEvent: Sendable {
    /// A handshake message (in clear, or decrypted when `decrypted`), decoded into `tree` over `message`.
    case handshake(Direction, message: [UInt8], tree: FieldTree, record: TLSRecordInfo, decrypted: Bool, finding: Diagnostic?)
    case alert(Direction, level: UInt8, description: UInt8, record: TLSRecordInfo, decrypted: Bool)
    case changeCipherSpec(Direction, record: TLSRecordInfo)
    /// A protected record that was not decrypted (see `TLSConnection.failure`).
    case encrypted(Direction, record: TLSRecordInfo)
    /// Decrypted application bytes at `offset` in the direction's plaintext stream: `plaintext` is
    /// their range in `TLSConnection.plaintext` (valid until `clearEvents`).
    case applicationData(Direction, plaintext: Range<Int>, offset: UInt64, record: TLSRecordInfo)
    /// Plaintext bytes lost (a lost record): the next layer sees a gap of `length` (an estimate: the
    /// lost ciphertext's size) at `offset`.
    case plaintextGap(Direction, offset: UInt64, length: UInt64)
    /// Records resumed after a lost record: `records` were skipped (found by trial decryption).
    case resynchronized(Direction, skippedRecords: UInt64, record: TLSRecordInfo)
    case failure(TLSFailure)
}

/// One TLS connection: record framing over both TCP directions, handshake decoding, and decryption
/// with keys from a key log. Feed it TCP stream bytes and gaps in order; read `events` after each call.
public struct TLSConnection: Sendable {
    /// The largest record fragment accepted: 2^14 + 2048 (RFC 5246 6.2.3; TLS 1.3 allows less).
    public static let maxFragment = 16384 + 2048
    /// The largest handshake message buffered (certificate chains); longer ones are skipped with a finding.
    public static let maxHandshakeMessage = 256 * 1024
    /// How many records after a lost header trial decryption tries before giving up (AEAD resync).
    public static let resyncWindow: UInt64 = 64
    /// TLS 1.3 records a direction waits for its secrets to appear in a growing key log (live: the
    /// server's encrypted flight follows its ServerHello at once, before the client has appended
    /// its handshake secrets) before it stops as "no key".
    public static let keyWaitRecords: UInt64 = 16

    public private(set) var facts = TLSHandshakeFacts()
    /// The first failure that stopped decryption, if any (later ones are events only).
    public private(set) var failure: TLSFailure?
    /// Records decrypted, per direction (client, server).
    public private(set) var decryptedRecords: (client: Int, server: Int) = (0, 0)
    public private(set) var encryptedRecords = 0
    /// Lost records that were resumed after (TLS 1.2 AEAD / 1.3 with a known or found sequence number).
    public private(set) var resyncs = 0
    public var events: [TLSEvent] = []
    /// The decrypted application bytes of `events` (each `.applicationData` names its range): one
    /// buffer reused from call to call, so decrypting allocates nothing per record.
    public var plaintext: [UInt8] = []
    let haveKeyLog: Bool
    var secrets: TLSSecrets?
    /// TLS 1.2: the key block, expanded once for both directions.
    var keys12: TLSKeySchedule.Keys12?
    var halves = [Half(), Half()]
    var tree = FieldTree()

    struct Half: Sendable {
        /// Bytes of a record not yet complete (bounded by 5 + maxFragment).
        var buffer: [UInt8] = []
        var bufferOffset: UInt64 = 0
        var bufferFrame: FrameNumber = 0
        /// Where the next record header starts, when known.
        var nextHeader: UInt64 = 0
        /// Bytes before this offset belong to a damaged record and are skipped.
        var skipUntil: UInt64 = 0
        /// Framing lost (a gap took a header): scanning for a plausible header.
        var scanning = false
        var started = false
        var records = 0
        var handshake: [UInt8] = []
        var handshakeRecord: TLSRecordInfo?
        /// Records from now on are protected.
        var protected = false
        /// TLS 1.3: 0 before keys, 1 handshake traffic, 2 application traffic.
        var phase13 = 0
        var cipher: TLSRecordCipher?
        var trafficSecret: [UInt8] = []
        /// A record of unknown count was lost: the next one is found by trial decryption.
        var lostUnknown = false
        /// Records this direction decrypted, and authentication failures in a row since the last success.
        var opened = 0
        var failuresInARow = 0
        /// A gap before the ClientHello was complete.
        var lostBeforeHello = false
        var stopped = false
        var plaintextOffset: UInt64 = 0
        /// TLS 1.3: the key log had no secrets for this session at its first protected record;
        /// records passed since (their count is the sequence number if the keys appear).
        var awaitingKeys = false
        var skippedAwaitingKeys: UInt64 = 0
        /// The keys appeared after records went by: which phase they were in is found by trial.
        var lateKeys = false
    }

    /// `haveKeyLog`: whether any key log was given (to say "no key log" rather than "no key for this session").
    public init(haveKeyLog: Bool) {
        self.haveKeyLog = haveKeyLog
        events.reserveCapacity(8)
    }

    /// Whether the first bytes of a client stream look like a TLS ClientHello record.
    public static func looksLikeClientHello(_ b: Span<UInt8>) -> Bool {
        b.count >= 6 && b[0] == 22 && b[1] == 3 && b[2] <= 4 && b[5] == 1
    }

    /// Empties `events` and `plaintext` once the caller has read them (keeping their capacity).
    public mutating func clearEvents() {
        events.removeAll(keepingCapacity: true)
        plaintext.removeAll(keepingCapacity: true)
    }

    /// Whether records could be decrypted in at least one direction.
    public var decrypted: Bool { decryptedRecords.client + decryptedRecords.server > 0 }

    // MARK: input

    public mutating func feed(_ d: Direction, offset: UInt64, bytes: Span<UInt8>, frame: FrameNumber, keyLog: inout TLSKeyLog) {
        let h = d == .clientToServer ? 0 : 1
        if !halves[h].started {
            halves[h].started = true
            halves[h].nextHeader = offset
            halves[h].skipUntil = offset
            // A stream picked up mid-connection may start inside a record: framing is found first.
            halves[h].scanning = !Self.looksLikeRecordStart(bytes)
        }
        var i = 0
        let n = bytes.count
        while i < n {
            let at = offset + UInt64(i)
            if at < halves[h].skipUntil {
                let skip = Int(min(UInt64(n - i), halves[h].skipUntil - at))
                i += skip
                continue
            }
            if halves[h].scanning {
                // Find a plausible header in what is here (a header split over segments is found in the next).
                var found = false
                while i + 5 <= n {
                    if Self.plausibleHeader(bytes[i], bytes[i + 1], bytes[i + 2], Int(bytes[i + 3]) << 8 | Int(bytes[i + 4])) {
                        found = true
                        break
                    }
                    i += 1
                }
                if !found { return }
                halves[h].scanning = false
                halves[h].buffer.removeAll(keepingCapacity: true)
                halves[h].nextHeader = offset + UInt64(i)
                continue
            }
            // Accumulate one record.
            if halves[h].buffer.isEmpty {
                halves[h].bufferOffset = offset + UInt64(i)
                halves[h].bufferFrame = frame
            }
            let have = halves[h].buffer.count
            let need: Int
            if have < 5 {
                need = 5 - have
            } else {
                let length = Int(halves[h].buffer[3]) << 8 | Int(halves[h].buffer[4])
                need = 5 + length - have
            }
            let take = min(need, n - i)
            bytes.withUnsafeBufferPointer { b in
                halves[h].buffer.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<(i + take)]))
            }
            i += take
            let count = halves[h].buffer.count
            if count == 5 {
                let buf = halves[h].buffer
                let length = Int(buf[3]) << 8 | Int(buf[4])
                guard Self.plausibleHeader(buf[0], buf[1], buf[2], length) else {
                    halves[h].buffer.removeAll(keepingCapacity: true)
                    halves[h].scanning = true
                    noteFailure(.notTLS(d))
                    continue
                }
                halves[h].nextHeader = halves[h].bufferOffset + 5 + UInt64(length)
                if length > 0 { continue }
            }
            if count >= 5, count == 5 + (Int(halves[h].buffer[3]) << 8 | Int(halves[h].buffer[4])) {
                // The record's buffer is lent out (swapped, not copied) while it is processed.
                var buf: [UInt8] = []
                swap(&buf, &halves[h].buffer)
                let info = TLSRecordInfo(type: buf[0], version: UInt16(buf[1]) << 8 | UInt16(buf[2]), length: buf.count - 5,
                                         streamOffset: halves[h].bufferOffset, firstFrame: halves[h].bufferFrame,
                                         lastFrame: frame, index: halves[h].records)
                halves[h].records += 1
                buf.withUnsafeBytes { b in
                    record(d, h, info, UnsafeRawBufferPointer(rebasing: b[5...]), keyLog: &keyLog)
                }
                buf.removeAll(keepingCapacity: true)
                swap(&buf, &halves[h].buffer)
            }
        }
    }

    /// Bytes `lower ..< upper` of direction `d` are missing from the capture.
    public mutating func gap(_ d: Direction, lower: UInt64, upper: UInt64) {
        let h = d == .clientToServer ? 0 : 1
        if !facts.sawClientHello { halves[h].lostBeforeHello = true }
        if !halves[h].started {
            halves[h].started = true
            halves[h].scanning = true
            return
        }
        let recordLost = !halves[h].buffer.isEmpty || halves[h].nextHeader < upper
        halves[h].buffer.removeAll(keepingCapacity: true)
        if halves[h].nextHeader >= upper, !halves[h].scanning {
            // The gap lies inside one record whose header we read: exactly that record is lost,
            // and the next starts where its length says.
            halves[h].skipUntil = halves[h].nextHeader
            if recordLost { lostRecords(d, h, count: 1, bytes: upper - lower) }
        } else {
            halves[h].scanning = true
            halves[h].skipUntil = upper
            lostRecords(d, h, count: nil, bytes: upper - lower)
        }
    }

    mutating func lostRecords(_ d: Direction, _ h: Int, count: UInt64?, bytes: UInt64) {
        guard halves[h].protected, !halves[h].stopped else { return }
        events.append(.plaintextGap(d, offset: halves[h].plaintextOffset, length: bytes))
        halves[h].plaintextOffset += bytes
        if let c = count, halves[h].cipher != nil {
            halves[h].cipher!.sequence &+= c
            resyncs += 1
        } else {
            halves[h].lostUnknown = true
        }
    }

    static func looksLikeRecordStart(_ b: Span<UInt8>) -> Bool {
        b.count >= 5 && plausibleHeader(b[0], b[1], b[2], Int(b[3]) << 8 | Int(b[4]))
    }

    static func plausibleHeader(_ type: UInt8, _ major: UInt8, _ minor: UInt8, _ length: Int) -> Bool {
        (20...24).contains(type) && major == 3 && minor <= 4 && length <= maxFragment
    }

    /// Failures already reported (each is reported once per connection).
    var reported: [TLSFailure] = []

    mutating func noteFailure(_ f: TLSFailure) {
        if failure == nil { failure = f }
        guard !reported.contains(f) else { return }
        reported.append(f)
        events.append(.failure(f))
    }

    // MARK: records

    mutating func record(_ d: Direction, _ h: Int, _ info: TLSRecordInfo, _ fragment: UnsafeRawBufferPointer, keyLog: inout TLSKeyLog) {
        if info.type == 20 {
            events.append(.changeCipherSpec(d, record: info))
            // TLS 1.2: this direction's next records are protected (RFC 5246 7.1). TLS 1.3 ignores CCS (RFC 8446 D.4).
            if !facts.isTLS13 && facts.sawServerHello {
                halves[h].protected = true
                setUp12(d, h, keyLog: &keyLog)
            }
            return
        }
        if !halves[h].protected || (facts.isTLS13 && info.type != 23) {
            clear(d, h, info, Array(fragment))
            return
        }
        // Protected.
        if halves[h].cipher == nil && !halves[h].stopped {
            if facts.isTLS13 { setUp13(d, h, keyLog: &keyLog) } else { setUp12(d, h, keyLog: &keyLog) }
        }
        guard !halves[h].stopped, var cipher = halves[h].cipher else {
            if halves[h].awaitingKeys {
                halves[h].skippedAwaitingKeys += 1
                if halves[h].skippedAwaitingKeys >= Self.keyWaitRecords { halves[h].awaitingKeys = false; stop(h) }
            }
            encryptedRecords += 1
            events.append(.encrypted(d, record: info))
            return
        }
        // The plaintext is appended to `plaintext` from `base` on.
        let base = plaintext.count
        var opened: UInt8?
        if halves[h].lostUnknown {
            // Trial decryption over the next sequence numbers finds where the stream resumes.
            var k: UInt64 = 0
            while k <= Self.resyncWindow {
                if let r = try? cipher.open(type: info.type, version: info.version, fragment: fragment,
                                            sequence: cipher.sequence &+ k, appendingTo: &plaintext) {
                    opened = r
                    cipher.sequence &+= k &+ 1
                    halves[h].lostUnknown = false
                    resyncs += 1
                    events.append(.resynchronized(d, skippedRecords: k, record: info))
                    break
                }
                k += 1
            }
            if opened == nil {
                halves[h].stopped = true
                halves[h].cipher = nil
                noteFailure(.lostRecord(d))
                encryptedRecords += 1
                events.append(.encrypted(d, record: info))
                return
            }
        } else {
            do {
                opened = try cipher.open(type: info.type, version: info.version, fragment: fragment,
                                         sequence: cipher.sequence, appendingTo: &plaintext)
                cipher.sequence &+= 1
                halves[h].lateKeys = false
            } catch {
                if halves[h].lateKeys {
                    // Keys found late and this is not the next handshake record: the records that went by
                    // held the whole handshake flight, so this one is under the application traffic
                    // secret, at a sequence number found by trial (RFC 8446 7.1, 5.3).
                    halves[h].lateKeys = false
                    setUp13(d, h, phase: 2, report: false)
                    if halves[h].cipher != nil {
                        halves[h].lostUnknown = true
                        record(d, h, info, fragment, keyLog: &keyLog)
                        return
                    }
                }
                encryptedRecords += 1
                events.append(.encrypted(d, record: info))
                // After records that decrypted, one that does not is damaged, not a wrong key: skip it
                // (its sequence number is spent) unless failures keep coming.
                halves[h].failuresInARow += 1
                if halves[h].opened > 0 && halves[h].failuresInARow < 4 {
                    cipher.sequence &+= 1
                    halves[h].cipher = cipher
                    noteFailure(.recordFailed(d))
                    events.append(.plaintextGap(d, offset: halves[h].plaintextOffset, length: UInt64(info.length)))
                    halves[h].plaintextOffset += UInt64(info.length)
                    return
                }
                halves[h].stopped = true
                halves[h].cipher = nil
                noteFailure(.keyDoesNotDecrypt(d))
                return
            }
        }
        halves[h].cipher = cipher
        halves[h].opened += 1
        halves[h].failuresInARow = 0
        guard let type = opened else { return }
        if d == .clientToServer { decryptedRecords.client += 1 } else { decryptedRecords.server += 1 }
        if type == 23 {
            events.append(.applicationData(d, plaintext: base..<plaintext.count, offset: halves[h].plaintextOffset, record: info))
            halves[h].plaintextOffset += UInt64(plaintext.count - base)
            return
        }
        // Handshake messages and alerts under protection are rare: they get their own array.
        let plain = Array(plaintext[base...])
        plaintext.removeLast(plaintext.count - base)
        switch type {
        case 22:
            handshakeBytes(d, h, info, plain, decrypted: true)
        case 21:
            alert(d, info, plain, decrypted: true)
        default:
            break
        }
    }

    mutating func clear(_ d: Direction, _ h: Int, _ info: TLSRecordInfo, _ fragment: [UInt8]) {
        switch info.type {
        case 22: handshakeBytes(d, h, info, fragment, decrypted: false)
        case 21: alert(d, info, fragment, decrypted: false)
        default:
            if info.type == 23 && !facts.sawClientHello {
                noteFailure(halves[0].lostBeforeHello || !halves[0].handshake.isEmpty ? .clientHelloIncomplete : .noClientHello)
            }
            encryptedRecords += 1
            events.append(.encrypted(d, record: info))
        }
    }

    mutating func alert(_ d: Direction, _ info: TLSRecordInfo, _ b: [UInt8], decrypted: Bool) {
        var i = 0
        while i + 2 <= b.count {
            facts.alerts.append((d.rawValue, b[i], b[i + 1]))
            events.append(.alert(d, level: b[i], description: b[i + 1], record: info, decrypted: decrypted))
            i += 2
        }
    }

    mutating func handshakeBytes(_ d: Direction, _ h: Int, _ info: TLSRecordInfo, _ b: [UInt8], decrypted: Bool) {
        if halves[h].handshake.isEmpty { halves[h].handshakeRecord = info }
        halves[h].handshake += b
        while halves[h].handshake.count >= 4 {
            let hs = halves[h].handshake
            let length = Int(hs[1]) << 16 | Int(hs[2]) << 8 | Int(hs[3])
            if length > Self.maxHandshakeMessage {
                events.append(.handshake(d, message: Array(hs.prefix(4)), tree: FieldTree(), record: info, decrypted: decrypted,
                                         finding: Diagnostic(TLSStreamRule.handshakeTooLong.id, .warning,
                                                             "handshake message of \(length) bytes not buffered (limit \(Self.maxHandshakeMessage))",
                                                             verdict: .unverifiable)))
                halves[h].handshake.removeAll()
                return
            }
            guard hs.count >= 4 + length else { return }
            let msg = Array(hs[0..<(4 + length)])
            halves[h].handshake.removeFirst(4 + length)
            let record = halves[h].handshakeRecord ?? info
            halves[h].handshakeRecord = info
            handshakeMessage(d, h, msg, record, decrypted: decrypted)
        }
    }

    mutating func handshakeMessage(_ d: Direction, _ h: Int, _ msg: [UInt8], _ info: TLSRecordInfo, decrypted: Bool) {
        tree.reset()
        let finding = TLSHandshakeDecoder.decode(msg, into: &tree, facts: &facts, fromClient: d == .clientToServer)
        events.append(.handshake(d, message: msg, tree: tree, record: info, decrypted: decrypted, finding: finding))
        switch msg[0] {
        case 2 where facts.isTLS13 && !facts.helloRetryRequest:
            // Both directions' later non-CCS records are protected with handshake traffic keys (RFC 8446 2).
            halves[0].protected = true
            halves[1].protected = true
        case 20 where facts.isTLS13:
            // After its Finished, a side sends with application traffic secret 0 (RFC 8446 7.1).
            if halves[h].phase13 == 1 { setUp13(d, h, phase: 2, report: false) }
        case 24 where facts.isTLS13 && halves[h].cipher != nil:
            // KeyUpdate: the sender's next records use the next traffic secret (RFC 8446 4.6.3, 7.2).
            if let suite = facts.suite {
                let next = TLSKeySchedule.nextTrafficSecret(suite.hash, halves[h].trafficSecret)
                halves[h].trafficSecret = next
                halves[h].cipher = TLSRecordCipher(tls13: suite, secret: next)
            }
        default:
            break
        }
    }

    // MARK: keys

    /// Finds this connection's secrets; reports why not when they are missing.
    mutating func findSecrets(keyLog: inout TLSKeyLog) -> TLSSecrets? {
        if let s = secrets { return s }
        guard facts.sawClientHello else {
            noteFailure(halves[0].lostBeforeHello || !halves[0].handshake.isEmpty ? .clientHelloIncomplete : .noClientHello)
            return nil
        }
        guard haveKeyLog else { noteFailure(.noKeyLog); return nil }
        guard let s = keyLog.lookup(facts.clientRandom), !s.isEmpty else { noteFailure(.noKeys); return nil }
        secrets = s
        return s
    }

    mutating func stop(_ h: Int) {
        halves[h].stopped = true
        halves[h].cipher = nil
    }

    mutating func setUp13(_ d: Direction, _ h: Int, keyLog: inout TLSKeyLog) {
        guard let suite = facts.suite, suite.cipher.isAEAD else {
            noteFailure(.unsupportedSuite(facts.suiteCode ?? 0)); stop(h); return
        }
        let phase = max(1, halves[h].phase13)
        if secrets != nil && secret13(d, phase) == nil, let s = keyLog.refresh(facts.clientRandom) {
            secrets = s    // appended since it was first read
        }
        let found = findSecrets(keyLog: &keyLog) != nil    // notes why not
        guard found, secret13(d, phase) != nil else {
            if found { noteFailure(.noKeys) }
            // Not (yet) in the key log: wait a few records for a growing log, counting them.
            if facts.sawClientHello && haveKeyLog && halves[h].skippedAwaitingKeys < Self.keyWaitRecords {
                halves[h].awaitingKeys = true
            } else {
                stop(h)
            }
            return
        }
        setUp13(d, h, phase: phase)
        if halves[h].awaitingKeys, halves[h].cipher != nil {
            halves[h].awaitingKeys = false
            let skipped = halves[h].skippedAwaitingKeys
            halves[h].cipher?.sequence = skipped
            halves[h].lateKeys = true
            halves[h].handshake.removeAll()
            if failure == .noKeys { failure = nil }
            reported.removeAll { $0 == .noKeys }
        }
        _ = suite
    }

    /// This direction's TLS 1.3 traffic secret of a phase (1 handshake, 2 application), if logged.
    func secret13(_ d: Direction, _ phase: Int) -> [UInt8]? {
        guard let s = secrets else { return nil }
        let client = d == .clientToServer
        return phase == 1 ? (client ? s.clientHandshakeTraffic : s.serverHandshakeTraffic) : (client ? s.clientTraffic0 : s.serverTraffic0)
    }

    /// `report: false` when switching keys ahead of need: a missing secret is reported at the first record that needs it.
    mutating func setUp13(_ d: Direction, _ h: Int, phase: Int, report: Bool = true) {
        guard let suite = facts.suite, suite.cipher.isAEAD, secrets != nil else { return }
        let secret = secret13(d, phase)
        halves[h].phase13 = phase
        guard let secret, secret.count == suite.hash.length else {
            halves[h].cipher = nil
            if report { noteFailure(.noKeys); stop(h) }
            return
        }
        halves[h].trafficSecret = secret
        halves[h].cipher = TLSRecordCipher(tls13: suite, secret: secret)
    }

    mutating func setUp12(_ d: Direction, _ h: Int, keyLog: inout TLSKeyLog) {
        guard halves[h].cipher == nil, !halves[h].stopped else { return }
        let version = facts.version ?? 0
        // TLS 1.1 CBC records carry an explicit IV like 1.2's; TLS 1.0 chains IVs and SSL 3.0 differs more.
        guard let suite = facts.suite, suite.cipher != .other else {
            noteFailure(.unsupportedSuite(facts.suiteCode ?? 0)); stop(h); return
        }
        guard version == 0x0303 || (version == 0x0302 && suite.cipher.isCBC) else {
            noteFailure(.unsupportedVersion(version)); stop(h); return
        }
        guard let s = findSecrets(keyLog: &keyLog) else { stop(h); return }
        guard let master = s.masterSecret, master.count == 48, facts.serverRandom.count == 32 else {
            noteFailure(.noKeys); stop(h); return
        }
        let k = keys12 ?? TLSKeySchedule.keyExpansion12(suite, masterSecret: master, clientRandom: facts.clientRandom,
                                                        serverRandom: facts.serverRandom, version: version)
        keys12 = k
        let client = d == .clientToServer
        halves[h].cipher = TLSRecordCipher(tls12: suite, key: client ? k.clientKey : k.serverKey,
                                           iv: client ? k.clientIV : k.serverIV, macKey: client ? k.clientMAC : k.serverMAC,
                                           encryptThenMAC: facts.encryptThenMAC)
    }
}
