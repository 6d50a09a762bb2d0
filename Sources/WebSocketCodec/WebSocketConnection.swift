import WireCore

/// Both directions of a WebSocket connection: passes the request's key and offered
/// subprotocols to the server direction so the response can be checked (RFC 6455 §4.2.2).
public struct WebSocketConnection: Sendable {
    public private(set) var client: WebSocketStream
    public private(set) var server: WebSocketStream

    /// `notesUnseenStart`: without the handshake expected, each direction notes once that its
    /// frames are read from a start the capture did not see (`WebSocketStream.notesUnseenStart`).
    public init(expectHandshake: Bool = true, maxFrameSize: Int = 16 << 20, notesUnseenStart: Bool = false) {
        client = WebSocketStream(direction: .clientToServer, expectHandshake: expectHandshake, maxFrameSize: maxFrameSize)
        client.holdAfterRequest = true
        client.notesUnseenStart = notesUnseenStart
        server = WebSocketStream(direction: .serverToClient, expectHandshake: expectHandshake, maxFrameSize: maxFrameSize)
        server.notesUnseenStart = notesUnseenStart
    }

    public mutating func append(_ bytes: Span<UInt8>, direction: Direction, at offset: UInt64, frame: FrameNumber,
                                onEvent: (WebSocketEvent, Span<UInt8>) -> Void) {
        switch direction {
        case .clientToServer:
            client.append(bytes, at: offset, frame: frame, onEvent: onEvent)
            // A request was decoded: the server's response will be checked against it.
            if let h = client.handshake, h.isRequest, server.clientKey != h.key || server.offeredProtocols != h.offeredProtocols {
                server.clientKey = h.key
                server.offeredProtocols = h.offeredProtocols
            }
            if let h = client.handshake, h.isRequest, !server.requestSeen { server.requestSeen = true }
        case .serverToClient:
            let before = server.handshakeCount
            server.append(bytes, at: offset, frame: frame, onEvent: onEvent)
            // The response decides how the client's held bytes are read (frames or HTTP).
            if server.handshakeCount != before, let h = server.handshake {
                // permessage-deflate (RFC 7692 §6) sets RSV1 on compressed messages, both ways.
                if h.upgrades && h.extensions.contains(where: { $0.hasPrefix("permessage-deflate") }) {
                    client.messageState.allowedRSV = 0x40
                }
                client.resolveUpgrade(accepted: h.upgrades, onEvent: onEvent)
            }
        }
    }

    public mutating func gap(_ range: StreamRange, direction: Direction, frame: FrameNumber = 0,
                             onEvent: (WebSocketEvent, Span<UInt8>) -> Void) {
        switch direction {
        case .clientToServer: client.gap(range, frame: frame, onEvent: onEvent)
        case .serverToClient: server.gap(range, frame: frame, onEvent: onEvent)
        }
    }
}
