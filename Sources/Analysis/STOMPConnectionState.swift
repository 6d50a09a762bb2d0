import WireCore
import STOMPCodec

/// What the analysis keeps per STOMP session: a framer per direction and the version and
/// heart-beat negotiation (STOMP 1.2 "Protocol Negotiation", "Heart-beating").
struct STOMPConnectionState {
    var clientFramer: STOMPFramer
    var serverFramer: STOMPFramer
    var version: STOMPVersion = .v1_2
    var versionSource: STOMPVersionSource = .assumed
    /// The client's accept-version set (nil: none sent, a 1.0 client) once CONNECT/STOMP was seen.
    var clientAccepts: STOMPVersionSet?
    var sawConnect = false
    var clientHeartBeat: STOMPHeartBeat?
    var heartBeatClientToServer: UInt64?
    var heartBeatServerToClient: UInt64?

    init(maxFrameSize: Int) {
        clientFramer = STOMPFramer(direction: .clientToServer, maxFrameSize: maxFrameSize)
        serverFramer = STOMPFramer(direction: .serverToClient, maxFrameSize: maxFrameSize)
        clientFramer.version = version
        serverFramer.version = version
    }

    subscript(framer d: Direction) -> STOMPFramer {
        get { d == .clientToServer ? clientFramer : serverFramer }
        _modify {
            if d == .clientToServer { yield &clientFramer } else { yield &serverFramer }
        }
    }

    /// The version to decode a frame of `command` with. CONNECT/STOMP and CONNECTED are read
    /// before the version is settled; their headers are never escaped in any version.
    mutating func setVersion(_ v: STOMPVersion, _ source: STOMPVersionSource) {
        version = v
        versionSource = source
        clientFramer.version = v
        serverFramer.version = v
    }

    /// Applies a decoded frame's negotiation headers: CONNECT/STOMP from the client,
    /// CONNECTED from the server.
    mutating func learn(_ s: STOMPFrameSummary, _ frame: Span<UInt8>, direction: Direction) {
        switch s.command {
        case .connect, .stomp:
            guard direction == .clientToServer else { return }
            sawConnect = true
            if let r = s.acceptVersion, r.lower >= 0, r.upper <= frame.count {
                clientAccepts = STOMPNegotiation.acceptedVersions(frame.extracting(r.range)).versions
            } else {
                clientAccepts = nil
            }
            clientHeartBeat = s.heartBeat
            if versionSource != .negotiated {
                setVersion(clientAccepts?.highest ?? .v1_0, .connect)
            }
        case .connected where direction == .serverToClient:
            var serverVersion: STOMPVersion?
            if let r = s.version, r.lower >= 0, r.upper <= frame.count {
                serverVersion = STOMPVersion(token: frame.extracting(r.range))
            }
            // Without the CONNECT, a CONNECTED version still names the session's version.
            let accepts: STOMPVersionSet? = sawConnect ? clientAccepts : serverVersion.map { STOMPVersionSet($0) }
            setVersion(STOMPNegotiation.sessionVersion(clientAccepts: accepts, serverVersion: serverVersion),
                       .negotiated)
            let hb = STOMPNegotiation.heartBeatIntervals(client: clientHeartBeat, server: s.heartBeat)
            heartBeatClientToServer = hb.clientToServer ?? 0
            heartBeatServerToClient = hb.serverToClient ?? 0
        default:
            break
        }
    }
}

/// A framer that never runs: swapped into a connection's slot while its real framer is in use.
let idleSTOMPFramer = STOMPFramer(direction: .clientToServer, maxFrameSize: 16)
