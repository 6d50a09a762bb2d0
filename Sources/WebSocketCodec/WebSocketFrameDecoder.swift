import WireCore

/// One decoded WebSocket frame's facts.
public struct WebSocketFrameSummary: Sendable, Equatable {
    public var fin = false
    /// RSV1-3 as the bits 0x70 of the first byte.
    public var rsv: UInt8 = 0
    public var opcode = WebSocketOpcode.continuation
    /// For continuation frames, the opcode of the message they continue (text or binary) when known.
    public var messageOpcode: WebSocketOpcode? = nil
    public var masked = false
    public var maskingKey: UInt32? = nil
    public var payloadLength: UInt64 = 0
    public var headerLength = 0
    /// The payload within the frame (masked as on the wire for client frames).
    public var payload = ByteRange(0, 0)
    public var closeCode: UInt16? = nil
    /// The close reason's range within the frame (masked for client frames; see the field tree
    /// for the unmasked text).
    public var closeReason: ByteRange? = nil
    /// Filled by `WebSocketStream`: the frame's place in the TCP stream and capture frames.
    public var stream = StreamRange(0, 0)
    public var firstFrame: FrameNumber = 0
    public var lastFrame: FrameNumber = 0

    public init() {}
}

/// Parsed frame header lengths (RFC 6455 §5.2).
struct WebSocketFrameHeader {
    var headerLength: Int
    var payloadLength: UInt64
    /// Total frame length, nil when it does not fit in an Int.
    var total: Int? {
        guard payloadLength <= UInt64(Int.max - headerLength) else { return nil }
        return headerLength + Int(payloadLength)
    }

    /// Parses the header at the start of `b`; nil when more bytes are needed.
    static func parse(_ b: borrowing Span<UInt8>) -> WebSocketFrameHeader? {
        guard b.count >= 2 else { return nil }
        let masked = b[1] & 0x80 != 0
        let len7 = b[1] & 0x7F
        var h = 2
        var length = UInt64(len7)
        if len7 == 126 {
            guard b.count >= 4 else { return nil }
            length = UInt64(b[2]) << 8 | UInt64(b[3])
            h = 4
        } else if len7 == 127 {
            guard b.count >= 10 else { return nil }
            length = 0
            for i in 2..<10 { length = length << 8 | UInt64(b[i]) }
            h = 10
        }
        if masked { h += 4 }
        guard b.count >= h else { return nil }
        return WebSocketFrameHeader(headerLength: h, payloadLength: length)
    }
}

/// Per-direction message state for fragmentation checks (RFC 6455 §5.4).
public struct WebSocketMessageState: Sendable, Equatable {
    /// The opcode of the fragmented message in progress (text or binary), if any.
    public var openMessage: WebSocketOpcode? = nil
    public var closeSent = false
    /// RSV1 is allowed when an extension (permessage-deflate) was negotiated.
    public var allowedRSV: UInt8 = 0
    public init() {}
}

/// Decodes one complete WebSocket frame.
public enum WebSocketFrameDecoder {
    /// Decodes `frame` (header and whole payload). The unmasked payload goes to `payload`
    /// (cleared first; capacity kept).
    public static func decode(
        _ frame: Span<UInt8>, direction: Direction, state: inout WebSocketMessageState,
        into tree: inout FieldTree, diagnostics: inout [Diagnostic], payload: inout [UInt8]
    ) -> WebSocketFrameSummary {
        var s = WebSocketFrameSummary()
        payload.removeAll(keepingCapacity: true)
        let root = tree.begin(WebSocketField.frame.id, at: 0)
        defer { tree.end(root, upper: frame.count) }
        guard frame.count >= 2, let header = WebSocketFrameHeader.parse(frame) else {
            diagnostics.append(WebSocketRule.handshakeInvalid.diagnostic(
                "truncated frame header", range: ByteRange(0, frame.count), severity: .error))
            return s
        }
        let b0 = frame[0], b1 = frame[1]
        s.fin = b0 & 0x80 != 0
        s.rsv = b0 & 0x70
        s.opcode = WebSocketOpcode(rawValue: b0)
        s.masked = b1 & 0x80 != 0
        s.payloadLength = header.payloadLength
        s.headerLength = header.headerLength
        tree.add(WebSocketField.fin.id, ByteRange(0, 1), .bool(s.fin), bits: 0x80)
        tree.add(WebSocketField.rsv.id, ByteRange(0, 1), .uint(UInt64(s.rsv >> 4)), bits: 0x70)
        tree.add(WebSocketField.opcode.id, ByteRange(0, 1), .uint(UInt64(s.opcode.rawValue)), bits: 0x0F)
        tree.add(WebSocketField.mask.id, ByteRange(1, 2), .bool(s.masked), bits: 0x80)
        let len7 = b1 & 0x7F
        tree.add(WebSocketField.payloadLength.id, ByteRange(1, 2), .uint(UInt64(len7)), bits: 0x7F)
        var pos = 2
        if len7 >= 126 {
            let width = len7 == 126 ? 2 : 8
            let r = ByteRange(2, 2 + width)
            tree.add(WebSocketField.extendedPayloadLength.id, r, .uint(header.payloadLength))
            if (len7 == 126 && header.payloadLength < 126) || (len7 == 127 && header.payloadLength <= 0xFFFF) {
                diagnostics.append(WebSocketRule.nonMinimalLength.diagnostic(
                    "payload length \(header.payloadLength) in a \(width * 8)-bit field", range: r))
            }
            if len7 == 127 && header.payloadLength >> 63 != 0 {
                diagnostics.append(WebSocketRule.lengthHighBit.diagnostic(
                    "64-bit payload length with the most significant bit set", range: r))
            }
            pos += width
        }
        var key: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        if s.masked {
            key = (frame[pos], frame[pos + 1], frame[pos + 2], frame[pos + 3])
            let k = UInt32(key.0) << 24 | UInt32(key.1) << 16 | UInt32(key.2) << 8 | UInt32(key.3)
            s.maskingKey = k
            tree.add(WebSocketField.maskingKey.id, ByteRange(pos, pos + 4), .uint(UInt64(k)))
            pos += 4
        }
        let end = header.total.map { Swift.min($0, frame.count) } ?? frame.count
        s.payload = ByteRange(pos, end)
        tree.add(WebSocketField.payload.id, s.payload, .bytes(s.payload))

        // Unmask (RFC 6455 §5.3): octet i XOR key[i mod 4].
        payload.reserveCapacity(s.payload.count)
        var i = pos
        while i < end {
            let j = (i - pos) & 3
            let k = j == 0 ? key.0 : j == 1 ? key.1 : j == 2 ? key.2 : key.3
            payload.append(frame[i] ^ k)
            i += 1
        }

        // §5.1 masking by direction.
        if direction == .clientToServer && !s.masked {
            diagnostics.append(WebSocketRule.clientUnmasked.diagnostic("client frame is not masked", range: ByteRange(1, 2)))
        } else if direction == .serverToClient && s.masked {
            diagnostics.append(WebSocketRule.serverMasked.diagnostic("server frame is masked", range: ByteRange(1, 2)))
        }
        // §5.2 reserved bits and opcodes.
        if s.rsv & ~state.allowedRSV != 0 {
            diagnostics.append(WebSocketRule.rsvBits.diagnostic(
                "RSV bits 0x\(String(s.rsv >> 4, radix: 16)) set without a negotiated extension", range: ByteRange(0, 1)))
        }
        if s.opcode.isReserved {
            diagnostics.append(WebSocketRule.reservedOpcode.diagnostic(
                "reserved opcode 0x\(String(s.opcode.rawValue, radix: 16))", range: ByteRange(0, 1)))
        }
        if s.opcode.isControl {
            // §5.5: control frames are short and never fragmented; they may interleave a message.
            if header.payloadLength > 125 {
                diagnostics.append(WebSocketRule.controlTooLong.diagnostic(
                    "control frame with \(header.payloadLength)-byte payload (max 125)", range: ByteRange(1, pos)))
            }
            if !s.fin {
                diagnostics.append(WebSocketRule.controlFragmented.diagnostic(
                    "control frame without FIN", range: ByteRange(0, 1)))
            }
            if s.opcode == .close { decodeClose(&s, payload, state.closeSent, &tree, &diagnostics) ; state.closeSent = true }
        } else if !s.opcode.isReserved {
            if state.closeSent {
                diagnostics.append(WebSocketRule.dataAfterClose.diagnostic("data frame after Close", range: ByteRange(0, 1)))
            }
            if s.opcode == .continuation {
                if let open = state.openMessage {
                    s.messageOpcode = open
                } else {
                    diagnostics.append(WebSocketRule.orphanContinuation.diagnostic(
                        "continuation frame without a fragmented message in progress", range: ByteRange(0, 1)))
                }
                if s.fin { state.openMessage = nil }
            } else {
                if state.openMessage != nil {
                    diagnostics.append(WebSocketRule.unfinishedMessage.diagnostic(
                        "new \(s.opcode) message while a fragmented message is unfinished", range: ByteRange(0, 1)))
                }
                s.messageOpcode = s.opcode
                state.openMessage = s.fin ? nil : s.opcode
            }
            // Unfragmented, uncompressed text must be UTF-8 (§8.1); fragments may split characters.
            if s.opcode == .text && s.fin && s.rsv == 0 && !UTF8Validation.isDisplayableText(payload.span) {
                if case .invalid(let at) = UTF8Validation.check(payload.span) {
                    diagnostics.append(WebSocketRule.textUTF8.diagnostic(
                        "text frame payload is not valid UTF-8", range: ByteRange(pos + at, pos + at + 1)))
                }
            }
        }
        return s
    }

    /// Close payload: empty, or a status code and a UTF-8 reason (§5.5.1, §7.4).
    static func decodeClose(_ s: inout WebSocketFrameSummary, _ payload: [UInt8], _ alreadyClosed: Bool,
                            _ tree: inout FieldTree, _ diagnostics: inout [Diagnostic]) {
        let pos = s.payload.lower
        if payload.count == 1 {
            diagnostics.append(WebSocketRule.closePayload.diagnostic("1-byte close payload", range: s.payload))
            return
        }
        guard payload.count >= 2 else { return }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        s.closeCode = code
        tree.add(WebSocketField.closeCode.id, ByteRange(pos, pos + 2), .uint(UInt64(code)))
        if !isValidCloseCode(code) {
            diagnostics.append(WebSocketRule.badCloseCode.diagnostic(
                "close status code \(code) must not be sent", range: ByteRange(pos, pos + 2)))
        }
        if payload.count > 2 {
            let r = ByteRange(pos + 2, s.payload.upper)
            s.closeReason = r
            let reason = payload[2...]
            let valid: Bool = reason.withUnsafeBufferPointer { UTF8Validation.isDisplayableText($0.span) }
            if !valid {
                diagnostics.append(WebSocketRule.closePayload.diagnostic("close reason is not valid UTF-8", range: r))
            }
            if s.masked {
                tree.add(WebSocketField.closeReason.id, r, tree.addNote(String(decoding: reason, as: UTF8.self)))
            } else {
                tree.add(WebSocketField.closeReason.id, r, .text(r, valid: valid))
            }
        }
    }

    /// RFC 6455 §7.4.1/§7.4.2 and the IANA registry: codes a peer may put on the wire.
    public static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014: true
        case 3000...4999: true
        default: false  // < 1000, 1004-1006, 1015 (never on the wire), 1016-2999 reserved, >= 5000
        }
    }
}
