import WireCore
import STOMPCodec

/// A STOMP connection's negotiation (STOMP 1.2 "Protocol Negotiation", "Heart-beating"), kept in
/// the connection's context: the version frames are read with and the heart-beat intervals.
struct STOMPSession {
    var version: STOMPVersion = .v1_2
    var versionSource: STOMPVersionSource = .assumed
    /// The client's accept-version set (nil: none sent, a 1.0 client) once CONNECT/STOMP was seen.
    var clientAccepts: STOMPVersionSet?
    var sawConnect = false
    var clientHeartBeat: STOMPHeartBeat?
    var heartBeatClientToServer: UInt64?
    var heartBeatServerToClient: UInt64?

    /// Applies a decoded frame's negotiation headers: CONNECT/STOMP from the client, CONNECTED
    /// from the server. True when the session's version was set again.
    mutating func learn(_ s: STOMPFrameSummary, _ frame: Span<UInt8>, direction: Direction) -> Bool {
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
