public import WireCore

/// How the client and server roles were decided.
public enum RoleBasis: String, Sendable {
    case syn = "syn"                    // the SYN's sender is the client
    case synAck = "syn-ack"             // the SYN-ACK's sender is the server
    case serverPort = "server-port"     // mid-stream: the endpoint on a known server port
    case lowerPort = "lower-port"       // mid-stream, no known port: the lower port is the server
}

/// Who is who in one connection. Fixed when the connection is first seen.
public struct ConnectionInfo: Sendable {
    /// 0, 1, 2 … in order of first appearance within one `Assembler`.
    public var id: ConnectionID
    public var client: Endpoint
    public var server: Endpoint
    public var roleBasis: RoleBasis
    /// False when the connection began before the capture (no SYN seen): picked up mid-stream.
    public var sawHandshake: Bool

    public init(id: ConnectionID, client: Endpoint, server: Endpoint, roleBasis: RoleBasis, sawHandshake: Bool) {
        self.id = id
        self.client = client
        self.server = server
        self.roleBasis = roleBasis
        self.sawHandshake = sawHandshake
    }
}
