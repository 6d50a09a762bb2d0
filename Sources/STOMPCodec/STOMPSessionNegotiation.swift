public import WireCore

/// How a STOMP connection's version became known.
public enum STOMPVersionSource: String, Sendable {
    /// CONNECT/STOMP `accept-version` and CONNECTED `version` (STOMP 1.2 "Protocol Negotiation").
    case negotiated
    /// Only the client's CONNECT/STOMP was seen: its highest accepted version (1.0 without one).
    case connect
    /// Neither was captured: 1.2 assumed (the most lenient line endings and escapes).
    case assumed
}

/// A STOMP connection's negotiation (STOMP 1.2 "Protocol Negotiation", "Heart-beating"), computed
/// once per connection — the pipeline keeps it in the connection's context and hands its results
/// to every consumer (the version frames are read with, the client's offered versions, the agreed
/// heart-beat intervals); the checker judges the headers but does not negotiate again.
public struct STOMPSessionNegotiation: Sendable {
    public var version: STOMPVersion = .v1_2
    public var versionSource: STOMPVersionSource = .assumed
    /// The client's accept-version set (nil: none sent, a 1.0 client) once CONNECT/STOMP was seen.
    public var clientAccepts: STOMPVersionSet?
    public var sawConnect = false
    var clientHeartBeat: STOMPHeartBeat?
    /// The agreed heart-beat intervals in ms once CONNECTED was seen (0 = none that way).
    public var heartBeatClientToServer: UInt64?
    public var heartBeatServerToClient: UInt64?

    public init() {}

    /// Applies a decoded frame's negotiation headers: CONNECT/STOMP from the client, CONNECTED
    /// from the server. True when the session's version was set again.
    public mutating func learn(_ s: STOMPFrameSummary, _ frame: Span<UInt8>, direction: Direction) -> Bool {
        switch s.command {
        case .connect, .stomp:
            guard direction == .clientToServer else { return false }
            sawConnect = true
            if let r = s.acceptVersion, r.lower >= 0, r.upper <= frame.count {
                clientAccepts = STOMPNegotiation.acceptedVersions(frame.extracting(r.range)).versions
            } else {
                clientAccepts = nil
            }
            clientHeartBeat = s.heartBeat
            guard versionSource != .negotiated else { return false }
            version = clientAccepts?.highest ?? .v1_0
            versionSource = .connect
            return true
        case .connected where direction == .serverToClient:
            var serverVersion: STOMPVersion?
            if let r = s.version, r.lower >= 0, r.upper <= frame.count {
                serverVersion = STOMPVersion(token: frame.extracting(r.range))
            }
            // Without the CONNECT, a CONNECTED version still names the session's version.
            let accepts: STOMPVersionSet? = sawConnect ? clientAccepts : serverVersion.map { STOMPVersionSet($0) }
            version = STOMPNegotiation.sessionVersion(clientAccepts: accepts, serverVersion: serverVersion)
            versionSource = .negotiated
            let hb = STOMPNegotiation.heartBeatIntervals(client: clientHeartBeat, server: s.heartBeat)
            heartBeatClientToServer = hb.clientToServer ?? 0
            heartBeatServerToClient = hb.serverToClient ?? 0
            return true
        default:
            return false
        }
    }
}
