import WireCore

/// Application bytes (unmasked payload of text, binary and continuation frames) handed to the
/// next decoder, in order. The bytes are the span passed alongside the event.
public struct WebSocketAppChunk: Sendable, Equatable {
    /// Offset of the first byte in this direction's application byte stream.
    public var appOffset: UInt64
    /// Where these payload bytes lie in the TCP stream.
    public var payloadStream: StreamRange
    /// The WebSocket frame they came from.
    public var frameStream: StreamRange
    /// The capture frame that carried these bytes.
    public var frame: FrameNumber
    /// Text or binary (the message's opcode; continuation frames inherit it).
    public var messageOpcode: WebSocketOpcode?
}

public enum WebSocketEvent: Sendable {
    /// An HTTP opening-handshake head (the span holds it).
    case handshake(WebSocketHandshakeSummary, tree: FieldTree, diagnostics: [Diagnostic], stream: StreamRange,
                   frame: FrameNumber)
    /// A WebSocket frame (the span holds its raw bytes, masked as on the wire).
    case frame(WebSocketFrameSummary, tree: FieldTree, diagnostics: [Diagnostic])
    /// Application bytes (the span holds them, unmasked).
    case applicationData(WebSocketAppChunk)
    /// Application bytes that were lost (gap or oversize frame); `count` may be unknown (nil).
    case applicationGap(appOffset: UInt64, count: UInt64?)
    /// A finding that belongs to no frame: gap, resynchronisation, giving up, oversize skip.
    case problem(StreamFinding)
}

/// One direction of a WebSocket connection: the HTTP head (unless started mid-stream), then
/// frames. Frames lying in one `append` are decoded without copying; others are gathered in
/// one reused buffer, bounded by `maxFrameSize`.
public struct WebSocketStream: Sendable {
    public let direction: Direction
    public let maxFrameSize: Int

    public enum State: Sendable, Equatable {
        case httpHead
        case frames
        /// After a gap: looking for a plausible frame header.
        case lost
        /// Resynchronisation failed: the rest of this direction is ignored.
        case gaveUp
        /// Client direction after an upgrade request, when `holdAfterRequest` is set: bytes are
        /// held until `resolveUpgrade` says whether the server switched protocols.
        case awaitingResponse
    }

    public private(set) var state: State
    /// Set on the server direction from the request, to verify Sec-WebSocket-Accept.
    public var clientKey: String? = nil
    public var offeredProtocols: [String] = []
    /// Set on the server direction once the client's request was decoded: without it a response's
    /// subprotocol cannot be judged against the offer.
    public var requestSeen = false
    /// The stream's start was not seen (the capture began after the upgrade, or lost it): the
    /// first bytes are an HTTP head only if they say so; else they are read as frames (with
    /// `notesUnseenStart`: from the first plausible header, as after a gap, and a note says so once;
    /// the layers above treat it as lost bytes: what follows is unverifiable until units decode
    /// cleanly).
    var startUnseen = false
    /// Whether that note is made (the analysis wants it; codec users feeding bare frames do not).
    public var notesUnseenStart = false
    public var messageState = WebSocketMessageState()
    /// The last handshake decoded in this direction, and how many were decoded.
    public private(set) var handshake: WebSocketHandshakeSummary? = nil
    public private(set) var handshakeCount = 0
    /// Client direction: after a valid upgrade request, hold the following bytes until the
    /// response is known (`resolveUpgrade`), instead of assuming the upgrade succeeded.
    public var holdAfterRequest = false
    var held: [UInt8] = []
    var heldSegments: [(offset: UInt64, frame: FrameNumber, count: Int)] = []
    /// Offset in the application byte stream of the next application byte.
    public private(set) var appOffset: UInt64 = 0

    var expectedOffset: UInt64? = nil
    var pending: [UInt8] = []
    var pendingStart: UInt64 = 0
    /// Total length of the frame being gathered once its header is complete.
    var pendingTotal: Int? = nil
    /// Where each capture frame's contribution to the current frame starts.
    var segments: [(offset: UInt64, frame: FrameNumber)] = []
    var skipRemaining: UInt64 = 0
    var lostScanned = 0
    var headLineLength = 0
    var tree = FieldTree()
    var diagnostics: [Diagnostic] = []
    var unmasked: [UInt8] = []

    static let maxHeadSize = 64 * 1024
    static let maxLostScan = 64 * 1024

    /// `expectHandshake`: false for a capture that starts after the upgrade.
    public init(direction: Direction, expectHandshake: Bool = true, maxFrameSize: Int = 16 << 20) {
        self.direction = direction
        self.maxFrameSize = Swift.max(14, maxFrameSize)
        state = expectHandshake ? .httpHead : .frames
        startUnseen = !expectHandshake
        pending.reserveCapacity(1024)
        unmasked.reserveCapacity(1024)
        diagnostics.reserveCapacity(4)
    }

    public mutating func append(_ bytes: Span<UInt8>, at offset: UInt64, frame: FrameNumber,
                                onEvent: (WebSocketEvent, Span<UInt8>) -> Void) {
        var i = 0
        if let expected = expectedOffset {
            if offset > expected {
                gap(StreamRange(expected, offset), frame: frame, onEvent: onEvent)
            } else if offset < expected {
                let seen = expected - offset
                if seen >= UInt64(bytes.count) { return }
                i = Int(seen)
            }
        }
        expectedOffset = offset &+ UInt64(bytes.count)
        let n = bytes.count
        if startUnseen, i < n {
            startUnseen = false
            // The upgrade's request or response may be what the capture starts with.
            if Self.startsHead(bytes.extracting(i..<n), direction) {
                state = .httpHead
            } else if notesUnseenStart {
                // The first byte may lie inside a frame: look for a header on evidence, as after a gap.
                let at = offset &+ UInt64(i)
                onEvent(.problem(StreamFinding(WebSocketRule.gap.diagnostic(
                    "capture starts after the upgrade at stream offset \(at): looking for a frame header",
                    verdict: .unverifiable), range: StreamRange(at, at), frame: frame)), Self.noBytes.span)
                state = .lost
                lostScanned = 0
            }
        }
        if !pending.isEmpty { segments.append((offset &+ UInt64(i), frame)) }
        while i < n {
            switch state {
            case .gaveUp:
                return
            case .awaitingResponse:
                appendHeld(bytes, i, n, offset: offset &+ UInt64(i), frame: frame)
                if held.count > Self.maxHeadSize {
                    // Bounded: stop holding, assume the upgrade went through, and decode what was
                    // held (in order, from its first byte) as frames.
                    resolveUpgrade(accepted: true, onEvent: onEvent)
                }
                return
            case .httpHead:
                i = headBytes(bytes, from: i, base: offset, frame: frame, onEvent)
            case .lost:
                i = scanForHeader(bytes, from: i, base: offset, frame: frame, onEvent)
            case .frames:
                if skipRemaining > 0 {
                    let take = Int(Swift.min(skipRemaining, UInt64(n - i)))
                    skipRemaining -= UInt64(take)
                    i += take
                    continue
                }
                if pending.isEmpty {
                    let rest = bytes.extracting(i..<n)
                    if let h = WebSocketFrameHeader.parse(rest) {
                        guard let total = h.total, total <= maxFrameSize else {
                            oversize(h, at: offset &+ UInt64(i), frame: frame, onEvent)
                            i += h.headerLength
                            continue
                        }
                        if total <= n - i {
                            segments.removeAll(keepingCapacity: true)
                            segments.append((offset &+ UInt64(i), frame))
                            decodeFrame(rest.extracting(0..<total), start: offset &+ UInt64(i), onEvent)
                            i += total
                            continue
                        }
                        pendingTotal = total
                    } else {
                        pendingTotal = nil
                    }
                    pendingStart = offset &+ UInt64(i)
                    segments.removeAll(keepingCapacity: true)
                    segments.append((pendingStart, frame))
                    appendPending(rest, 0, n - i)
                    i = n
                } else if let total = pendingTotal {
                    let take = Swift.min(total - pending.count, n - i)
                    appendPending(bytes, i, i + take)
                    i += take
                    if pending.count == total {
                        let start = pendingStart
                        decodePending(start: start, onEvent)
                    }
                } else {
                    // Header incomplete: add one byte at a time until it parses.
                    appendPending(bytes, i, i + 1)
                    i += 1
                    if let h = pending.withUnsafeBufferPointer({ WebSocketFrameHeader.parse($0.span) }) {
                        guard let total = h.total, total <= maxFrameSize else {
                            let skipped = UInt64(pending.count - h.headerLength)
                            pending.removeAll(keepingCapacity: true)
                            oversize(h, at: pendingStart, frame: frame, onEvent)
                            skipRemaining = skipRemaining >= skipped ? skipRemaining - skipped : 0
                            continue
                        }
                        pendingTotal = total
                        if pending.count == total { decodePending(start: pendingStart, onEvent) }
                    }
                }
            }
        }
    }

    /// A capture gap: drops the partial frame, reports it, and looks for a plausible frame
    /// header in the following bytes (or gives up on this direction).
    public mutating func gap(_ range: StreamRange, frame: FrameNumber = 0,
                             onEvent: (WebSocketEvent, Span<UInt8>) -> Void) {
        expectedOffset = range.upper
        if state == .gaveUp { return }
        let partial = !pending.isEmpty || skipRemaining > 0
        let lower = pending.isEmpty ? range.lower : pendingStart
        pending.removeAll(keepingCapacity: true)
        pendingTotal = nil
        skipRemaining = 0
        if state == .httpHead {
            // The rest of the head is lost; whether the upgrade happened is unknown. Frames are
            // looked for on evidence (HTTP text never has a plausible frame header: its bytes
            // set RSV bits), so an upgraded connection is still read.
            onEvent(.problem(StreamFinding(WebSocketRule.gap.diagnostic(
                "capture gap in the opening handshake: looking for frames", verdict: .unverifiable),
                range: range, frame: frame)), Self.noBytes.span)
            pending.removeAll(keepingCapacity: true)
            startUnseen = false
            state = .lost
            lostScanned = 0
            return
        }
        startUnseen = false
        onEvent(.problem(StreamFinding(WebSocketRule.gap.diagnostic(
            partial ? "capture gap inside a frame: partial frame dropped" : "capture gap between frames",
            verdict: .unverifiable), range: StreamRange(lower, range.upper), frame: frame)), Self.noBytes.span)
        onEvent(.applicationGap(appOffset: appOffset, count: nil), Self.noBytes.span)
        messageState.openMessage = nil
        state = .lost
        lostScanned = 0
    }

    static let noBytes: [UInt8] = []

    /// Ends `awaitingResponse`: the held bytes are replayed as frames (`accepted`) or as the
    /// next HTTP request.
    public mutating func resolveUpgrade(accepted: Bool, onEvent: (WebSocketEvent, Span<UInt8>) -> Void) {
        guard state == .awaitingResponse else { return }
        state = accepted ? .frames : .httpHead
        var bytes: [UInt8] = []
        var segs: [(offset: UInt64, frame: FrameNumber, count: Int)] = []
        swap(&bytes, &held)
        swap(&segs, &heldSegments)
        if let first = segs.first { expectedOffset = first.offset }
        var at = 0
        for seg in segs {
            bytes.withUnsafeBufferPointer { buf in
                append(buf.span.extracting(at..<(at + seg.count)), at: seg.offset, frame: seg.frame, onEvent: onEvent)
            }
            at += seg.count
        }
        bytes.removeAll(keepingCapacity: true)
        segs.removeAll(keepingCapacity: true)
        swap(&bytes, &held)
        swap(&segs, &heldSegments)
    }

    mutating func appendHeld(_ bytes: Span<UInt8>, _ from: Int, _ to: Int, offset: UInt64, frame: FrameNumber) {
        guard from < to, to <= bytes.count else { return }
        bytes.withUnsafeBufferPointer { held.append(contentsOf: UnsafeBufferPointer(rebasing: $0[from..<to])) }
        heldSegments.append((offset, frame, to - from))
    }

    // MARK: - Internals

    mutating func appendPending(_ bytes: Span<UInt8>, _ from: Int, _ to: Int) {
        guard from < to, to <= bytes.count else { return }
        bytes.withUnsafeBufferPointer { pending.append(contentsOf: UnsafeBufferPointer(rebasing: $0[from..<to])) }
    }

    mutating func decodePending(start: UInt64, _ onEvent: (WebSocketEvent, Span<UInt8>) -> Void) {
        // Move the bytes out (no copy) so decoding may mutate self, then hand the storage back.
        var frameBytes: [UInt8] = []
        swap(&frameBytes, &pending)
        pendingTotal = nil
        frameBytes.withUnsafeBufferPointer { decodeFrame($0.span, start: start, onEvent) }
        frameBytes.removeAll(keepingCapacity: true)
        swap(&frameBytes, &pending)
    }

    mutating func oversize(_ h: WebSocketFrameHeader, at start: UInt64, frame: FrameNumber,
                           _ onEvent: (WebSocketEvent, Span<UInt8>) -> Void) {
        skipRemaining = h.payloadLength
        if h.payloadLength >> 63 != 0 {
            onEvent(.problem(StreamFinding(WebSocketRule.lengthHighBit.diagnostic(
                "64-bit payload length with the most significant bit set"),
                range: StreamRange(start, start &+ UInt64(h.headerLength)), frame: frame)), Self.noBytes.span)
        }
        onEvent(.problem(StreamFinding(WebSocketRule.frameTooLarge.diagnostic(
            "frame with \(h.payloadLength)-byte payload exceeds \(maxFrameSize) bytes; skipped"),
            range: StreamRange(start, saturatingCount: UInt64(h.headerLength).saturatingAdd(h.payloadLength)), frame: frame)),
            Self.noBytes.span)
        onEvent(.applicationGap(appOffset: appOffset, count: h.payloadLength), Self.noBytes.span)
        appOffset = appOffset.saturatingAdd(h.payloadLength)
    }

    mutating func decodeFrame(_ frameBytes: Span<UInt8>, start: UInt64, _ onEvent: (WebSocketEvent, Span<UInt8>) -> Void) {
        tree.reset()
        diagnostics.removeAll(keepingCapacity: true)
        var s = WebSocketFrameDecoder.decode(frameBytes, direction: direction, state: &messageState,
                                             into: &tree, diagnostics: &diagnostics, payload: &unmasked)
        s.stream = StreamRange(start, start &+ UInt64(frameBytes.count))
        s.firstFrame = segments.first?.frame ?? 0
        s.lastFrame = segments.last?.frame ?? 0
        onEvent(.frame(s, tree: tree, diagnostics: diagnostics), frameBytes)
        guard s.opcode.isData, !unmasked.isEmpty else { return }
        // Split the payload by the capture frame that carried each part.
        let payloadStart = start &+ UInt64(s.payload.lower)
        let payloadEnd = start &+ UInt64(s.payload.upper)
        var k = 0
        while k < segments.count {
            let segLo = Swift.max(segments[k].offset, payloadStart)
            let segHi = k + 1 < segments.count ? Swift.min(segments[k + 1].offset, payloadEnd) : payloadEnd
            if segLo < segHi {
                let lo = Int(segLo - payloadStart), hi = Int(segHi - payloadStart)
                let chunk = WebSocketAppChunk(appOffset: appOffset, payloadStream: StreamRange(segLo, segHi),
                                              frameStream: s.stream, frame: segments[k].frame,
                                              messageOpcode: s.messageOpcode)
                unmasked.withUnsafeBufferPointer { buf in
                    onEvent(.applicationData(chunk), buf.span.extracting(lo..<hi))
                }
                appOffset &+= UInt64(hi - lo)
            }
            k += 1
        }
    }

    /// HTTP head bytes: gathered until the empty line, then decoded.
    mutating func headBytes(_ bytes: Span<UInt8>, from: Int, base: UInt64, frame: FrameNumber,
                            _ onEvent: (WebSocketEvent, Span<UInt8>) -> Void) -> Int {
        if pending.isEmpty {
            pendingStart = base &+ UInt64(from)
            headLineLength = 0
        }
        var i = from
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            i += 1
            if c == 0x0A {
                if headLineLength == 0 {
                    appendPending(bytes, from, i)
                    finishHead(frame, onEvent)
                    return i
                }
                headLineLength = 0
            } else if c != 0x0D || headLineLength > 0 {
                headLineLength += 1
            }
        }
        appendPending(bytes, from, n)
        if pending.count > Self.maxHeadSize {
            onEvent(.problem(StreamFinding(WebSocketRule.handshakeInvalid.diagnostic("HTTP head exceeds \(Self.maxHeadSize) bytes"),
                             range: StreamRange(pendingStart, base &+ UInt64(n)), frame: frame)), Self.noBytes.span)
            pending.removeAll(keepingCapacity: true)
            state = .gaveUp
        }
        return n
    }

    mutating func finishHead(_ frame: FrameNumber, _ onEvent: (WebSocketEvent, Span<UInt8>) -> Void) {
        tree.reset()
        diagnostics.removeAll(keepingCapacity: true)
        var head: [UInt8] = []
        swap(&head, &pending)
        defer {
            head.removeAll(keepingCapacity: true)
            swap(&head, &pending)
        }
        let stream = StreamRange(pendingStart, pendingStart &+ UInt64(head.count))
        let s = head.withUnsafeBufferPointer { buf in
            direction == .clientToServer
                ? WebSocketHandshake.decodeRequest(buf.span, into: &tree, diagnostics: &diagnostics)
                : WebSocketHandshake.decodeResponse(buf.span, clientKey: clientKey, offered: requestSeen ? offeredProtocols : nil,
                                                    into: &tree, diagnostics: &diagnostics)
        }
        handshake = s
        handshakeCount += 1
        if s.upgrades && s.isRequest && holdAfterRequest {
            state = .awaitingResponse
        } else if s.upgrades {
            state = .frames
            // permessage-deflate (RFC 7692) uses RSV1.
            if s.extensions.contains(where: { $0.hasPrefix("permessage-deflate") }) && !s.isRequest {
                messageState.allowedRSV = 0x40
            }
        }
        head.withUnsafeBufferPointer { buf in
            onEvent(.handshake(s, tree: tree, diagnostics: diagnostics, stream: stream, frame: frame), buf.span)
        }
    }

    /// After a gap: find the first offset where a plausible frame header starts (RSV clear,
    /// known opcode, masking as the direction requires, short FIN control frames, and, when
    /// the frame ends inside these bytes, another plausible header or the end right after it).
    mutating func scanForHeader(_ bytes: Span<UInt8>, from: Int, base: UInt64, frame: FrameNumber,
                                _ onEvent: (WebSocketEvent, Span<UInt8>) -> Void) -> Int {
        let n = bytes.count
        var j = from
        while j < n {
            if plausible(bytes, j) {
                let h = WebSocketFrameHeader.parse(bytes.extracting(j..<n))
                var confirmed = h != nil
                if let h, let total = h.total, j + total < n {
                    confirmed = plausible(bytes, j + total)
                }
                if confirmed {
                    onEvent(.problem(StreamFinding(WebSocketRule.gap.diagnostic(
                        "resynchronised on a frame header after skipping \(lostScanned + j - from) bytes",
                        verdict: .note), range: StreamRange(base &+ UInt64(j), base &+ UInt64(j)), frame: frame)),
                        Self.noBytes.span)
                    state = .frames
                    return j
                }
            }
            j += 1
        }
        lostScanned += n - from
        if lostScanned > Self.maxLostScan {
            state = .gaveUp
            onEvent(.problem(StreamFinding(WebSocketRule.gap.diagnostic(
                "no plausible frame header within \(Self.maxLostScan) bytes after a gap: direction abandoned",
                verdict: .unverifiable), range: StreamRange(base, base &+ UInt64(n)), frame: frame)), Self.noBytes.span)
        }
        return n
    }

    /// Whether `b` starts an HTTP head of this direction: a response (`HTTP/`) from the server,
    /// a request line (`GET `) from the client.
    static func startsHead(_ b: Span<UInt8>, _ direction: Direction) -> Bool {
        let prefix: StaticString = direction == .serverToClient ? "HTTP/" : "GET "
        guard b.count >= prefix.utf8CodeUnitCount else { return false }
        for k in 0..<prefix.utf8CodeUnitCount where b[k] != prefix.utf8Start[k] { return false }
        return true
    }

    func plausible(_ b: borrowing Span<UInt8>, _ j: Int) -> Bool {
        guard j + 1 < b.count else { return false }
        let b0 = b[j], b1 = b[j + 1]
        let op = WebSocketOpcode(rawValue: b0)
        guard b0 & 0x70 & ~messageState.allowedRSV == 0, !op.isReserved else { return false }
        guard (b1 & 0x80 != 0) == (direction == .clientToServer) else { return false }
        if op.isControl && (b0 & 0x80 == 0 || b1 & 0x7F > 125) { return false }
        return true
    }
}
