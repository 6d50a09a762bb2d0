import WireCore

/// What a checker needs from one side of the opening handshake. The handshake happens once
/// per connection, so tokens are kept as Strings.
public struct WebSocketHandshakeSummary: Sendable, Equatable {
    public var isRequest: Bool
    public var method: String? = nil
    public var statusCode: Int? = nil
    public var host: String? = nil
    public var key: String? = nil
    public var webSocketVersion: String? = nil
    /// Request: subprotocols offered (all Sec-WebSocket-Protocol headers, comma-separated tokens).
    public var offeredProtocols: [String] = []
    /// Response: the subprotocol selected.
    public var selectedProtocol: String? = nil
    public var extensions: [String] = []
    public var accept: String? = nil
    /// Response: whether the accept value matches the request's key (nil when the key is unknown).
    public var acceptMatches: Bool? = nil
    /// Request: a GET with Upgrade: websocket and a key. Response: 101 with Upgrade: websocket.
    /// Only then do frames follow.
    public var upgrades = false

    public init(isRequest: Bool) { self.isRequest = isRequest }
}

/// Decodes an HTTP/1.1 opening-handshake head (request or response, through the empty line)
/// into fields, diagnostics and a summary (RFC 6455 §4). Lines may end in CR LF or LF.
public enum WebSocketHandshake {
    /// The GUID appended to the key (RFC 6455 §1.3).
    public static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// base64(SHA-1(key + GUID)).
    public static func expectedAccept(forKey key: String) -> String {
        Base64.encode(SHA1.digest(Array((key + guid).utf8)))
    }

    /// Decodes a request head (client to server).
    public static func decodeRequest(_ head: Span<UInt8>, into tree: inout FieldTree,
                                     diagnostics: inout [Diagnostic]) -> WebSocketHandshakeSummary {
        decode(head, isRequest: true, clientKey: nil, offered: [], into: &tree, diagnostics: &diagnostics)
    }

    /// Decodes a response head; `clientKey` and `offered` come from the request, when seen
    /// (`offered` nil: no request was seen, the selected subprotocol cannot be judged).
    public static func decodeResponse(_ head: Span<UInt8>, clientKey: String?, offered: [String]?,
                                      into tree: inout FieldTree,
                                      diagnostics: inout [Diagnostic]) -> WebSocketHandshakeSummary {
        decode(head, isRequest: false, clientKey: clientKey, offered: offered, into: &tree, diagnostics: &diagnostics)
    }

    static func decode(_ b: Span<UInt8>, isRequest: Bool, clientKey: String?, offered: [String]?,
                       into tree: inout FieldTree, diagnostics: inout [Diagnostic]) -> WebSocketHandshakeSummary {
        var s = WebSocketHandshakeSummary(isRequest: isRequest)
        let root = tree.begin(WebSocketField.http.id, at: 0)
        defer { tree.end(root, upper: b.count) }
        func invalid(_ message: String, _ r: ByteRange?, _ severity: Severity = .error) {
            diagnostics.append(WebSocketRule.handshakeInvalid.diagnostic(message, range: r, severity: severity))
        }
        func text(_ r: ByteRange) -> String {
            var out = [UInt8]()
            var i = r.lower
            while i < r.upper && i < b.count { out.append(b[i]); i += 1 }
            return String(decoding: out, as: UTF8.self)
        }
        // Lines: [start, end) without CR LF; returns the index after the LF.
        func nextLine(_ from: Int) -> (ByteRange, Int) {
            var j = from
            while j < b.count && b[j] != 0x0A { j += 1 }
            var end = j
            if end > from && b[end - 1] == 0x0D { end -= 1 }
            return (ByteRange(from, end), Swift.min(j + 1, b.count))
        }
        func words(_ r: ByteRange) -> [ByteRange] {
            var out = [ByteRange]()
            var i = r.lower
            while i < r.upper {
                while i < r.upper && b[i] == 0x20 { i += 1 }
                let start = i
                if out.count == 2 {  // the rest is one word (reason phrase)
                    if start < r.upper { out.append(ByteRange(start, r.upper)) }
                    break
                }
                while i < r.upper && b[i] != 0x20 { i += 1 }
                if i > start { out.append(ByteRange(start, i)) }
            }
            return out
        }

        // Start line.
        let (first, afterFirst) = nextLine(0)
        let parts = words(first)
        if isRequest {
            let g = tree.begin(WebSocketField.httpRequestLine.id, at: first.lower)
            if parts.count >= 1 { tree.add(WebSocketField.httpMethod.id, parts[0], .text(parts[0], valid: true)) }
            if parts.count >= 2 { tree.add(WebSocketField.httpURI.id, parts[1], .text(parts[1], valid: true)) }
            if parts.count >= 3 { tree.add(WebSocketField.httpVersion.id, parts[2], .text(parts[2], valid: true)) }
            tree.end(g, upper: first.upper)
            s.method = parts.count >= 1 ? text(parts[0]) : nil
            if parts.count != 3 || !text(parts[2]).hasPrefix("HTTP/") {
                invalid("malformed request line", first)
            } else if s.method != "GET" {
                invalid("opening handshake method is \(s.method ?? "") (must be GET)", parts[0])
            }
        } else {
            let g = tree.begin(WebSocketField.httpStatusLine.id, at: first.lower)
            if parts.count >= 1 { tree.add(WebSocketField.httpVersion.id, parts[0], .text(parts[0], valid: true)) }
            if parts.count >= 2 {
                let code = Int(text(parts[1]))
                s.statusCode = code
                tree.add(WebSocketField.httpStatusCode.id, parts[1], code.map { .uint(UInt64($0)) } ?? .none)
            }
            if parts.count >= 3 { tree.add(WebSocketField.httpReason.id, parts[2], .text(parts[2], valid: true)) }
            tree.end(g, upper: first.upper)
            if parts.count < 2 || !text(parts[0]).hasPrefix("HTTP/") || s.statusCode == nil {
                invalid("malformed status line", first)
            } else if s.statusCode != 101 {
                invalid("handshake refused: status \(s.statusCode ?? 0) (not 101)", parts[1], .warning)
            }
        }

        // Headers.
        var upgradeOK = false, connectionOK = false
        var pos = afterFirst
        while pos < b.count {
            let (line, next) = nextLine(pos)
            pos = next
            if line.isEmpty { break }
            let g = tree.begin(WebSocketField.httpHeader.id, at: line.lower)
            var colon = line.lower
            while colon < line.upper && b[colon] != 0x3A { colon += 1 }
            guard colon < line.upper else {
                tree.add(WebSocketField.httpHeaderName.id, line, .text(line, valid: true))
                tree.end(g, upper: line.upper)
                invalid("header line without ':'", line)
                continue
            }
            let nameRange = ByteRange(line.lower, colon)
            var vs = colon + 1, ve = line.upper
            while vs < ve && (b[vs] == 0x20 || b[vs] == 0x09) { vs += 1 }
            while ve > vs && (b[ve - 1] == 0x20 || b[ve - 1] == 0x09) { ve -= 1 }
            let valueRange = ByteRange(vs, ve)
            tree.add(WebSocketField.httpHeaderName.id, nameRange, .text(nameRange, valid: true))
            let name = text(nameRange).lowercased()
            let value = text(valueRange)
            let field: WebSocketField
            switch name {
            case "host": field = .httpHost; s.host = s.host ?? value
            case "upgrade":
                field = .httpUpgrade
                if tokens(value).contains(where: { $0.lowercased() == "websocket" }) { upgradeOK = true }
            case "connection":
                field = .httpConnection
                if tokens(value).contains(where: { $0.lowercased() == "upgrade" }) { connectionOK = true }
            case "sec-websocket-key": field = .httpKey; s.key = s.key ?? value
            case "sec-websocket-version": field = .httpWebSocketVersion; s.webSocketVersion = s.webSocketVersion ?? value
            case "sec-websocket-protocol":
                field = .httpProtocol
                if isRequest { s.offeredProtocols += tokens(value) } else { s.selectedProtocol = s.selectedProtocol ?? value }
            case "sec-websocket-extensions": field = .httpExtensions; s.extensions += tokens(value)
            case "sec-websocket-accept": field = .httpAccept; s.accept = s.accept ?? value
            default: field = .httpHeaderValue
            }
            tree.add(field.id, valueRange, .text(valueRange, valid: true))
            if field == .httpAccept, let key = clientKey {
                let ok = value == expectedAccept(forKey: key)
                s.acceptMatches = ok
                tree.add(WebSocketField.httpAcceptValid.id, valueRange, .bool(ok))
                if !ok {
                    diagnostics.append(WebSocketRule.badAccept.diagnostic(
                        "Sec-WebSocket-Accept is \(value), expected \(expectedAccept(forKey: key))", range: valueRange))
                }
            }
            tree.end(g, upper: line.upper)
        }

        // Validity (RFC 6455 §4.1 client requirements, §4.2.2 server response).
        if isRequest {
            if s.host == nil { invalid("request without Host header", nil) }
            if !upgradeOK { invalid("request without Upgrade: websocket", nil) }
            if !connectionOK { invalid("request without Connection: Upgrade", nil) }
            if let key = s.key {
                if Base64.decodedCount(Array(key.utf8)) != 16 {
                    invalid("Sec-WebSocket-Key '\(key.prefix(64))' is not base64 of 16 bytes", nil)
                }
            } else {
                invalid("request without Sec-WebSocket-Key", nil)
            }
            if s.webSocketVersion == nil {
                invalid("request without Sec-WebSocket-Version", nil)
            } else if s.webSocketVersion != "13" {
                invalid("Sec-WebSocket-Version is \(s.webSocketVersion ?? "") (must be 13)", nil)
            }
            s.upgrades = s.method == "GET" && upgradeOK && s.key != nil
        } else if s.statusCode == 101 {
            if !upgradeOK { invalid("101 response without Upgrade: websocket", nil) }
            if !connectionOK { invalid("101 response without Connection: Upgrade", nil) }
            if s.accept == nil { invalid("101 response without Sec-WebSocket-Accept", nil) }
            if let p = s.selectedProtocol, let offered, !offered.contains(p) {
                diagnostics.append(WebSocketRule.protocolNotOffered.diagnostic(
                    "selected subprotocol '\(p)' was not offered (offered: \(offered.isEmpty ? "none" : offered.joined(separator: ", ")))", range: nil))
            }
            s.upgrades = upgradeOK
        }
        return s
    }

    /// Comma-separated tokens, trimmed.
    static func tokens(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
    }
}

extension Substring {
    var trimmingSpaces: String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
