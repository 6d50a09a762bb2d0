import WireCore

/// WebSocket fields (catalog 3): frames (RFC 6455 §5.2) and the HTTP opening handshake (§4).
public enum WebSocketField: UInt16, FieldCatalog {
    case frame = 0
    case fin, rsv, opcode, mask, payloadLength, extendedPayloadLength, maskingKey, payload
    case closeCode, closeReason
    case http, httpRequestLine, httpMethod, httpURI, httpVersion, httpStatusLine, httpStatusCode, httpReason
    case httpHeader, httpHeaderName, httpHeaderValue
    case httpHost, httpUpgrade, httpConnection, httpKey, httpWebSocketVersion, httpProtocol, httpExtensions, httpAccept
    case httpAcceptValid

    public static let catalogNumber: UInt16 = 3

    public var spec: FieldSpec {
        switch self {
        case .frame: FieldSpec("websocket.frame", "WebSocket Frame", .group, ref: "RFC 6455 5.2")
        case .fin: FieldSpec("websocket.fin", "FIN", .flag, .setNotSet, meaning: "Final fragment of a message.", ref: "RFC 6455 5.2")
        case .rsv: FieldSpec("websocket.rsv", "RSV1-3", .flag, .hex, meaning: "Reserved bits; extensions only.", ref: "RFC 6455 5.2")
        case .opcode:
            FieldSpec("websocket.opcode", "Opcode", .flag, .named(WebSocketOpcode.names), meaning: "Frame type.", ref: "RFC 6455 5.2")
        case .mask: FieldSpec("websocket.mask", "MASK", .flag, .setNotSet, meaning: "Payload is masked (client frames).", ref: "RFC 6455 5.3")
        case .payloadLength:
            FieldSpec("websocket.payload_length", "Payload Length", .flag, .decimal,
                      meaning: "7-bit length; 126 and 127 announce a 16- or 64-bit extended length.", ref: "RFC 6455 5.2")
        case .extendedPayloadLength:
            FieldSpec("websocket.extended_payload_length", "Extended Payload Length", .uint32, .decimalUnit("bytes"),
                      meaning: "16- or 64-bit payload length.", ref: "RFC 6455 5.2")
        case .maskingKey: FieldSpec("websocket.masking_key", "Masking Key", .uint32, .hex, ref: "RFC 6455 5.3")
        case .payload: FieldSpec("websocket.payload", "Payload", .binary, .bytes, meaning: "Payload as on the wire (masked for clients).", ref: "RFC 6455 5.2")
        case .closeCode: FieldSpec("websocket.close.code", "Close Status Code", .uint16, .decimal, ref: "RFC 6455 7.4")
        case .closeReason: FieldSpec("websocket.close.reason", "Close Reason", .text, .text, meaning: "UTF-8 reason (unmasked).", ref: "RFC 6455 5.5.1")
        case .http: FieldSpec("websocket.http", "WebSocket Opening Handshake", .group, ref: "RFC 6455 4")
        case .httpRequestLine: FieldSpec("websocket.http.request_line", "Request Line", .group, ref: "RFC 6455 4.1")
        case .httpMethod: FieldSpec("websocket.http.method", "Method", .text, .text, ref: "RFC 6455 4.1")
        case .httpURI: FieldSpec("websocket.http.uri", "Request URI", .text, .text, ref: "RFC 6455 4.1")
        case .httpVersion: FieldSpec("websocket.http.version", "HTTP Version", .text, .text, ref: "RFC 6455 4.1")
        case .httpStatusLine: FieldSpec("websocket.http.status_line", "Status Line", .group, ref: "RFC 6455 4.2.2")
        case .httpStatusCode: FieldSpec("websocket.http.status_code", "Status Code", .uint16, .decimal, ref: "RFC 6455 4.2.2")
        case .httpReason: FieldSpec("websocket.http.reason", "Reason Phrase", .text, .text, ref: "RFC 6455 4.2.2")
        case .httpHeader: FieldSpec("websocket.http.header", "Header", .group, ref: "RFC 6455 4.1")
        case .httpHeaderName: FieldSpec("websocket.http.header.name", "Name", .text, .text, ref: "RFC 6455 4.1")
        case .httpHeaderValue: FieldSpec("websocket.http.header.value", "Value", .text, .text, ref: "RFC 6455 4.1")
        case .httpHost: FieldSpec("websocket.http.host", "Host", .text, .text, ref: "RFC 6455 4.1")
        case .httpUpgrade: FieldSpec("websocket.http.upgrade", "Upgrade", .text, .text, ref: "RFC 6455 4.1")
        case .httpConnection: FieldSpec("websocket.http.connection", "Connection", .text, .text, ref: "RFC 6455 4.1")
        case .httpKey: FieldSpec("websocket.http.sec_websocket_key", "Sec-WebSocket-Key", .text, .text, ref: "RFC 6455 4.1")
        case .httpWebSocketVersion:
            FieldSpec("websocket.http.sec_websocket_version", "Sec-WebSocket-Version", .text, .text, ref: "RFC 6455 4.1")
        case .httpProtocol:
            FieldSpec("websocket.http.sec_websocket_protocol", "Sec-WebSocket-Protocol", .text, .text,
                      meaning: "Subprotocols offered (request) or selected (response).", ref: "RFC 6455 4.1")
        case .httpExtensions:
            FieldSpec("websocket.http.sec_websocket_extensions", "Sec-WebSocket-Extensions", .text, .text, ref: "RFC 6455 9.1")
        case .httpAccept: FieldSpec("websocket.http.sec_websocket_accept", "Sec-WebSocket-Accept", .text, .text, ref: "RFC 6455 4.2.2")
        case .httpAcceptValid:
            FieldSpec("websocket.http.sec_websocket_accept.valid", "Accept Key Valid", .flag, .setNotSet,
                      meaning: "The accept value matches the request's key.", ref: "RFC 6455 4.2.2")
        }
    }
}
