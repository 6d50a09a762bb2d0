import WireCore

/// A parsed `heart-beat` header: `send,receive` in milliseconds (cx,cy from the client,
/// sx,sy from the server; STOMP 1.2 "Heart-beating").
public struct STOMPHeartBeat: Sendable, Hashable {
    /// The smallest interval at which the sender can send heart-beats (0 = cannot).
    public var send: UInt64
    /// The interval at which the sender wants to receive heart-beats (0 = does not want them).
    public var receive: UInt64

    public init(send: UInt64, receive: UInt64) {
        self.send = send
        self.receive = receive
    }

    /// Parses `^[0-9]+,[0-9]+$`; nil otherwise (also on overflow).
    public init?(_ b: borrowing Span<UInt8>) {
        var values: (UInt64, UInt64) = (0, 0)
        var field = 0
        var digits = 0
        for i in 0..<b.count {
            let c = b[i]
            if c == 0x2C {
                guard field == 0, digits > 0 else { return nil }
                field = 1
                digits = 0
            } else if c >= 0x30 && c <= 0x39 {
                let d = UInt64(c - 0x30)
                let current = field == 0 ? values.0 : values.1
                let (m, o1) = current.multipliedReportingOverflow(by: 10)
                let (v, o2) = m.addingReportingOverflow(d)
                guard !o1, !o2 else { return nil }
                if field == 0 { values.0 = v } else { values.1 = v }
                digits += 1
            } else {
                return nil
            }
        }
        guard field == 1, digits > 0 else { return nil }
        send = values.0
        receive = values.1
    }
}

/// A set of STOMP versions, as listed by `accept-version`.
public struct STOMPVersionSet: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let v1_0 = STOMPVersionSet(rawValue: 1)
    public static let v1_1 = STOMPVersionSet(rawValue: 2)
    public static let v1_2 = STOMPVersionSet(rawValue: 4)

    public init(_ v: STOMPVersion) {
        switch v {
        case .v1_0: self = .v1_0
        case .v1_1: self = .v1_1
        case .v1_2: self = .v1_2
        }
    }

    public func contains(version v: STOMPVersion) -> Bool { contains(STOMPVersionSet(v)) }

    /// The highest version in the set.
    public var highest: STOMPVersion? {
        if contains(.v1_2) { return .v1_2 }
        if contains(.v1_1) { return .v1_1 }
        if contains(.v1_0) { return .v1_0 }
        return nil
    }
}

/// Version negotiation and heart-beat agreement (STOMP 1.2 "Protocol Negotiation", "Heart-beating").
public enum STOMPNegotiation {
    /// Parses an `accept-version` value ("1.0,1.1,1.2"); unknown tokens are counted, not kept.
    public static func acceptedVersions(_ b: borrowing Span<UInt8>) -> (versions: STOMPVersionSet, unknownTokens: Int) {
        var set = STOMPVersionSet()
        var unknown = 0
        var start = 0
        var i = 0
        while i <= b.count {
            if i == b.count || b[i] == 0x2C {
                if let v = STOMPVersion(token: b.extracting(start..<i)) { set.insert(STOMPVersionSet(v)) } else { unknown += 1 }
                start = i + 1
            }
            i += 1
        }
        return (set, unknown)
    }

    /// The session version: the CONNECTED `version` when the client sent `accept-version`,
    /// else 1.0 (a CONNECT without accept-version is a 1.0 client; a CONNECTED without
    /// version is a 1.0 server).
    public static func sessionVersion(clientAccepts: STOMPVersionSet?, serverVersion: STOMPVersion?) -> STOMPVersion {
        guard clientAccepts != nil, let v = serverVersion else { return .v1_0 }
        return v
    }

    /// The agreed heart-beat intervals in milliseconds per direction; nil = no heart-beating
    /// that way. Client to server: 0 if cx or sy is 0, else max(cx, sy); server to client:
    /// 0 if sx or cy is 0, else max(sx, cy). A missing header means 0,0.
    public static func heartBeatIntervals(client: STOMPHeartBeat?, server: STOMPHeartBeat?)
        -> (clientToServer: UInt64?, serverToClient: UInt64?)
    {
        let c = client ?? STOMPHeartBeat(send: 0, receive: 0)
        let s = server ?? STOMPHeartBeat(send: 0, receive: 0)
        let c2s: UInt64? = (c.send == 0 || s.receive == 0) ? nil : Swift.max(c.send, s.receive)
        let s2c: UInt64? = (s.send == 0 || c.receive == 0) ? nil : Swift.max(s.send, c.receive)
        return (c2s, s2c)
    }
}

/// Header value decoding (STOMP 1.1/1.2 "Value Encoding").
public enum STOMPHeaderEscaping {
    /// Decodes the escapes in `b[range]` for a frame of `command` in `version`. Undefined
    /// escapes are kept literally (the decoder reports them).
    public static func unescape(_ b: borrowing Span<UInt8>, _ range: ByteRange, version: STOMPVersion,
                                command: STOMPCommand, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        let lo = Swift.max(0, range.lower), hi = Swift.min(b.count, range.upper)
        guard lo < hi else { return }
        let escaping = version.hasEscaping && !command.isConnectFamily
        var i = lo
        while i < hi {
            let c = b[i]
            if escaping && c == 0x5C && i + 1 < hi {
                let e = b[i + 1]
                switch e {
                case 0x6E: out.append(0x0A); i += 2; continue
                case 0x63: out.append(0x3A); i += 2; continue
                case 0x5C: out.append(0x5C); i += 2; continue
                case 0x72 where version.allowsCRLF: out.append(0x0D); i += 2; continue
                default: break
                }
            }
            out.append(c)
            i += 1
        }
    }
}
