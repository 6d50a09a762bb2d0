public import WireCore

/// Where a framed PDU came from. Handed to `onPDU` together with the PDU's bytes.
public struct MQTTPDUInfo: Sendable {
    /// The stream bytes handed out (for a truncated oversize PDU: its fixed header only).
    public var streamRange = StreamRange(0, 0)
    /// The packet's size as its fixed header declares it.
    public var declaredSize = 0
    /// True when only the fixed header is handed out because the packet exceeds `maxPDUSize`.
    public var truncated = false
    /// The frame of a packet inside one segment (the common case), kept inline so that framing it
    /// touches no heap memory; `spanned` holds the frames of a packet split over segments.
    var single = FrameChunk(offset: 0, frame: 0)
    var spanned: [FrameChunk] = []
    var isSingle = true

    public init() {}

    /// The capture frames whose bytes make up the handed-out bytes, in stream order.
    public var frames: [FrameChunk] { isSingle ? [single] : spanned }
    /// The frame that completed the handed-out bytes (`frames.last`, without building the array).
    public var lastFrame: FrameNumber { isSingle ? single.frame : (spanned.last?.frame ?? 0) }

    mutating func setSingleFrame(_ chunk: FrameChunk) {
        single = chunk
        isSingle = true
    }

    /// The frames of `buffer`'s bytes `lower ..< upper`.
    mutating func setFrames(of buffer: PDUBuffer, _ lower: Int, _ upper: Int) {
        buffer.chunks(covering: lower, upper, into: &spanned)
        isSingle = false
    }
}

/// Finds MQTT packet boundaries in one direction of a TCP stream.
///
/// Feed it the in-order bytes of that direction with `append`; it calls `onPDU` once per
/// complete packet with the packet's bytes (borrowed for the call only) and an `MQTTPDUInfo`.
/// A packet inside one append is handed out without copying; one split over appends is
/// collected in a reused `PDUBuffer`, which grows only as bytes arrive. Problems between
/// packets (oversize, desynchronisation, bytes lost in gaps, skipped bytes) are appended to
/// `findings`; the caller drains them (`clearFindings()`).
///
/// State machine:
/// - `synced`: the next byte starts a packet (or continues the one in `pending`).
/// - `skipping(n)`: the body of an oversize packet; `n` bytes remain.
/// - `passing(n)` (`headersOnly`): the body of a split packet whose header is kept inline.
/// - `resync`: after a Remaining Length of 5+ bytes, a gap, or a mid-stream start: bytes
///   collect in a window until a plausible fixed header (valid type and flags, sane length,
///   and the next packet's first byte right after it when the bytes allow) is found there.
public struct MQTTFramer: Sendable {
    enum Mode: Sendable, Equatable {
        case synced
        case skipping(UInt64)
        case resync
        /// `headersOnly`: the body of a split packet whose fixed header is kept inline (`passing`);
        /// `n` bytes remain. The header is handed out when the last one has passed.
        case passing(UInt64)
    }

    /// Packets declaring more than this many bytes (fixed header included) are not buffered:
    /// their fixed header is handed out marked `truncated` and their body skipped.
    public var maxPDUSize: Int
    /// While resynchronising, a candidate packet is confirmed by the header after it only when
    /// it is at most this long; longer candidates must be PUBLISH with a clean topic.
    public var resyncLookahead: Int

    /// Counting callers need only each packet's fixed header: a packet split over appends is then
    /// handed out as its fixed header alone once its last byte has passed (with `streamRange` and
    /// `declaredSize` of the whole packet, and the header's frames), and its body is never copied.
    /// Packets inside one append are handed out whole either way, and framing, gaps and findings
    /// are the same.
    public let headersOnly: Bool
    /// Body bytes of the packet in `pending` that passed without being kept (`headersOnly`, for a
    /// packet whose fixed header itself was split), and the last frame they came from.
    var withheld = 0
    var withheldFrame: FrameNumber = 0
    /// The packet whose body is passing (`Mode.passing`): kept inline, so that counting a packet
    /// split over segments touches no heap memory.
    var passing = PassingPacket()

    struct PassingPacket: Sendable {
        /// The fixed header's bytes (at most 5), the first in the lowest byte.
        var header: UInt64 = 0
        var headerLength = 0
        var start: UInt64 = 0
        var total = 0
        /// The header's frame, and the last frame whose bytes passed.
        var frame: FrameNumber = 0
        var lastFrame: FrameNumber = 0
    }

    public private(set) var findings: [StreamFinding] = []
    /// `!findings.isEmpty`, kept inline: asked after every segment, and the array's count lives in
    /// its heap buffer.
    public private(set) var hasFindings = false

    var mode: Mode
    /// The partial packet (synced) or the scan window (resync).
    var pending = PDUBuffer()
    /// The declared size of the packet in `pending`, once its fixed header is complete.
    var pendingTotal: Int?
    /// The next stream offset expected; nil before the first byte.
    var expected: UInt64?
    /// Start of bytes skipped while resynchronising and not yet reported.
    var skipStart: UInt64?
    var skipFrame: FrameNumber = 0
    /// At end of stream: candidates are judged with the bytes there are.
    var finalizing = false
    var info = MQTTPDUInfo()

    /// `synchronized: false` when the stream is picked up mid-connection (the first byte need
    /// not start a packet).
    public init(maxPDUSize: Int = 16 << 20, resyncLookahead: Int = 64 << 10, synchronized: Bool = true,
                headersOnly: Bool = false) {
        self.headersOnly = headersOnly
        self.maxPDUSize = Swift.max(2, maxPDUSize)
        self.resyncLookahead = Swift.max(16, resyncLookahead)
        self.mode = synchronized ? .synced : .resync
        findings.reserveCapacity(4)
    }

    /// True while the framer is looking for a packet boundary.
    public var isResynchronizing: Bool { mode == .resync }

    /// Empties `findings`, keeping its storage.
    public mutating func clearFindings() {
        guard hasFindings else { return }
        findings.removeAll(keepingCapacity: true)
        hasFindings = false
    }

    mutating func report(_ finding: StreamFinding) {
        findings.append(finding)
        hasFindings = true
    }

    /// Feeds the bytes at stream `offset`, all from capture `frame`. Bytes before the expected
    /// offset (already seen) are ignored; a jump forward is treated as a gap.
    public mutating func append(_ bytes: Span<UInt8>, at offset: UInt64, frame: FrameNumber,
                                onPDU: (Span<UInt8>, MQTTPDUInfo) -> Void) {
        var start = 0
        if let e = expected {
            if offset > e {
                gap(StreamRange(e, offset), frame: frame)
            } else if offset < e {
                let overlap = e - offset
                if overlap >= UInt64(bytes.count) { return }
                start = Int(overlap)
            }
        }
        expected = offset &+ UInt64(bytes.count)
        guard start < bytes.count else { return }
        process(bytes.extracting(start..<bytes.count), at: offset &+ UInt64(start), frame: frame, onPDU)
    }

    /// `range` of the stream will never arrive. A partial packet is dropped (reported as lost,
    /// unverifiable) and the framer resynchronises after the gap, unless the gap ends inside a
    /// packet whose length is known, in which case it skips to that packet's end.
    public mutating func gap(_ range: StreamRange, frame: FrameNumber) {
        guard !range.isEmpty else { return }
        if let e = expected, range.upper <= e { return }
        expected = range.upper
        switch mode {
        case .skipping(let remaining):
            if range.count <= remaining {
                let left = remaining - range.count
                mode = left == 0 ? .synced : .skipping(left)
                return
            }
            enterResync(at: range.upper, frame: frame)
        case .passing:
            let start = passing.start
            let end = start &+ UInt64(passing.total)
            if end >= range.upper {
                lost(StreamRange(start, end), frame)
                mode = end == range.upper ? .synced : .skipping(end - range.upper)
                return
            }
            lost(StreamRange(start, range.upper), frame)
            enterResync(at: range.upper, frame: frame)
        case .synced:
            if !pending.isEmpty {
                let start = pending.startOffset
                withheld = 0
                if let total = pendingTotal, start &+ UInt64(total) >= range.upper {
                    let end = start &+ UInt64(total)
                    lost(StreamRange(start, end), frame)
                    pending.reset()
                    pendingTotal = nil
                    mode = end == range.upper ? .synced : .skipping(end - range.upper)
                    return
                }
                lost(StreamRange(start, range.upper), frame)
                pending.reset()
                pendingTotal = nil
            }
            enterResync(at: range.upper, frame: frame)
        case .resync:
            // Window bytes cannot continue across the gap.
            if !pending.isEmpty {
                noteSkipped(from: pending.startOffset, frame: frame)
                pending.reset()
            }
            flushSkipped(upTo: range.lower)
            enterResync(at: range.upper, frame: frame)
        }
    }

    /// End of the stream: a partial packet is reported as incomplete; a resync window is judged
    /// with the bytes there are. The framer is then ready for a new stream.
    public mutating func finish(onPDU: (Span<UInt8>, MQTTPDUInfo) -> Void) {
        finalizing = true
        if mode == .resync { drainWindow(onPDU) }
        if mode == .resync, !pending.isEmpty {
            noteSkipped(from: pending.startOffset, frame: pending.chunks.first?.frame ?? 0)
            let end = pending.endOffset
            pending.reset()
            flushSkipped(upTo: end)
        }
        if case .passing(let remaining) = mode {
            let r = StreamRange(passing.start, passing.start &+ UInt64(passing.total) &- remaining)
            report(StreamFinding(MQTTRule.incompleteAtEnd.id, .info, Self.incompleteMessage(r.count, of: passing.total),
                                 range: r, frame: passing.lastFrame, verdict: .unverifiable))
        }
        if mode == .synced, !pending.isEmpty {
            let r = StreamRange(pending.startOffset, pending.endOffset &+ UInt64(withheld))
            let last = withheld > 0 ? withheldFrame : pending.chunks.last?.frame ?? 0
            withheld = 0
            report(StreamFinding(MQTTRule.incompleteAtEnd.id, .info, Self.incompleteMessage(r.count, of: pendingTotal),
                                 range: r, frame: last, verdict: .unverifiable))
            pending.reset()
            pendingTotal = nil
        }
        if let end = expected { flushSkipped(upTo: end) }
        finalizing = false
        mode = .synced
        expected = nil
    }

    // MARK: - Synchronised framing

    mutating func process(_ b: Span<UInt8>, at offset: UInt64, frame: FrameNumber,
                          _ onPDU: (Span<UInt8>, MQTTPDUInfo) -> Void) {
        var i = 0
        while i < b.count {
            switch mode {
            case .skipping(let remaining):
                let n = Int(Swift.min(remaining, UInt64(b.count - i)))
                i += n
                let left = remaining - UInt64(n)
                mode = left == 0 ? .synced : .skipping(left)

            case .passing(let remaining):
                let n = Int(Swift.min(remaining, UInt64(b.count - i)))
                i += n
                passing.lastFrame = frame
                let left = remaining - UInt64(n)
                if left == 0 {
                    mode = .synced
                    emitPassing(onPDU)
                } else {
                    mode = .passing(left)
                }

            case .resync:
                pending.append(b.extracting(i..<b.count), at: offset &+ UInt64(i), frame: frame)
                i = b.count
                drainWindow(onPDU)

            case .synced where pending.isEmpty:
                let at = offset &+ UInt64(i)
                switch MQTTVBI.decode(b, at: i + 1) {
                case .needMore:
                    pending.append(b.extracting(i..<b.count), at: at, frame: frame)
                    i = b.count
                case .tooLong:
                    desynchronized(at: at, frame: frame)
                case .value(let rl, let n, _):
                    let headerLength = 1 + n
                    let total = headerLength + Int(rl)
                    if total > maxPDUSize {
                        emitOversize(b.extracting(i..<i + headerLength), at: at, total: total, frame: frame, onPDU)
                        i += headerLength
                        if rl > 0 { mode = .skipping(UInt64(rl)) }
                    } else if b.count - i >= total {
                        info.setSingleFrame(FrameChunk(offset: at, frame: frame))
                        info.streamRange = StreamRange(at, at &+ UInt64(total))
                        info.declaredSize = total
                        info.truncated = false
                        onPDU(b.extracting(i..<i + total), info)
                        i += total
                    } else if headersOnly {
                        var header: UInt64 = 0
                        for k in 0..<headerLength { header |= UInt64(b[i + k]) << (8 * k) }
                        passing = PassingPacket(header: header, headerLength: headerLength, start: at, total: total,
                                                frame: frame, lastFrame: frame)
                        mode = .passing(UInt64(total - (b.count - i)))
                        i = b.count
                    } else {
                        pending.append(b.extracting(i..<b.count), at: at, frame: frame)
                        pendingTotal = total
                        i = b.count
                    }
                }

            case .synced:
                if let total = pendingTotal {
                    let n = Swift.min(total - pending.count - withheld, b.count - i)
                    if headersOnly {
                        withheld += n
                        withheldFrame = frame
                    } else {
                        pending.append(b.extracting(i..<i + n), at: offset &+ UInt64(i), frame: frame)
                    }
                    i += n
                    if pending.count + withheld == total { emitPending(total, onPDU) }
                } else {
                    // The fixed header itself is split: take one byte at a time (at most 4 more).
                    pending.append(b[i], at: offset &+ UInt64(i), frame: frame)
                    i += 1
                    let decoded = pending.withSpan { MQTTVBI.decode($0, at: 1) }
                    switch decoded {
                    case .needMore:
                        break
                    case .tooLong:
                        // The window starts with the bad header; scanning resumes after its first byte.
                        let at = pending.startOffset
                        report(StreamFinding(MQTTRule.remainingLengthTooLong.id, .error,
                                             MQTTRule.remainingLengthTooLong.info.title,
                                             range: StreamRange(at, at &+ 5), frame: frame))
                        mode = .resync
                        drainWindow(onPDU)
                    case .value(let rl, let n, _):
                        let total = 1 + n + Int(rl)
                        if total > maxPDUSize {
                            let at = pending.startOffset
                            let firstFrame = pending.chunks.first?.frame ?? frame
                            emitOversizeInfo(at: at, headerLength: pending.count, total: total, frame: firstFrame)
                            info.setFrames(of: pending, 0, pending.count)
                            pending.withSpan { onPDU($0, info) }
                            pending.reset()
                            mode = rl > 0 ? .skipping(UInt64(rl)) : .synced
                        } else if pending.count == total {
                            emitPending(total, onPDU)
                        } else {
                            pendingTotal = total
                        }
                    }
                }
            }
        }
    }

    mutating func emitPending(_ total: Int, _ onPDU: (Span<UInt8>, MQTTPDUInfo) -> Void) {
        info.setFrames(of: pending, 0, total)
        let start = pending.startOffset
        info.streamRange = StreamRange(start, start &+ UInt64(total))
        info.declaredSize = total
        info.truncated = false
        pending.withSpan(0..<total) { onPDU($0, info) }
        pending.reset()
        pendingTotal = nil
        withheld = 0
    }

    /// Hands out the fixed header of the packet whose body has just passed (`headersOnly`).
    mutating func emitPassing(_ onPDU: (Span<UInt8>, MQTTPDUInfo) -> Void) {
        info.setSingleFrame(FrameChunk(offset: passing.start, frame: passing.frame))
        info.streamRange = StreamRange(passing.start, passing.start &+ UInt64(passing.total))
        info.declaredSize = passing.total
        info.truncated = false
        var header = passing.header.littleEndian
        let length = passing.headerLength
        withUnsafeBytes(of: &header) { raw in
            onPDU(raw.bindMemory(to: UInt8.self).span.extracting(0..<length), info)
        }
    }

    mutating func emitOversize(_ header: Span<UInt8>, at: UInt64, total: Int, frame: FrameNumber,
                               _ onPDU: (Span<UInt8>, MQTTPDUInfo) -> Void) {
        emitOversizeInfo(at: at, headerLength: header.count, total: total, frame: frame)
        info.setSingleFrame(FrameChunk(offset: at, frame: frame))
        onPDU(header, info)
    }

    /// "Stream ended inside a packet: 17 of its 20 bytes captured" (the size when its header was).
    static func incompleteMessage(_ captured: UInt64, of total: Int?) -> String {
        let title = MQTTRule.incompleteAtEnd.info.title
        guard let total else { return "\(title): \(captured) byte\(captured == 1 ? "" : "s") of it captured" }
        return "\(title): \(captured) of its \(total) bytes captured"
    }

    mutating func emitOversizeInfo(at: UInt64, headerLength: Int, total: Int, frame: FrameNumber) {
        info.streamRange = StreamRange(at, at &+ UInt64(headerLength))
        info.declaredSize = total
        info.truncated = true
        report(StreamFinding(MQTTRule.pduOversize.id, .warning,
                             "\(MQTTRule.pduOversize.info.title): declares \(total) bytes, more than --max-packet-size \(maxPDUSize)",
                             range: StreamRange(at, at &+ UInt64(total)), frame: frame,
                             verdict: .unverifiable))
    }

    /// A Remaining Length of 5+ bytes at `at`: report once, then look for the next packet.
    mutating func desynchronized(at: UInt64, frame: FrameNumber) {
        report(StreamFinding(MQTTRule.remainingLengthTooLong.id, .error,
                             MQTTRule.remainingLengthTooLong.info.title,
                             range: StreamRange(at, at &+ 5), frame: frame))
        mode = .resync
    }

    mutating func lost(_ r: StreamRange, _ frame: FrameNumber) {
        report(StreamFinding(MQTTRule.pduLostInGap.id, .info, MQTTRule.pduLostInGap.info.title,
                             range: r, frame: frame, verdict: .unverifiable))
    }

    mutating func enterResync(at offset: UInt64, frame: FrameNumber) {
        mode = .resync
        pending.reset()
        pendingTotal = nil
        withheld = 0
    }

    // MARK: - Resynchronisation

    enum Candidate { case reject, accept, needMore }

    /// Works through the window in `pending` while resynchronising: finds the first plausible
    /// packet start (bytes before it are reported as skipped), then frames packets out of the
    /// window until it runs out. Iterative, so hostile input cannot nest resynchronisations.
    /// On return `pending` holds only what still needs more bytes (an undecided candidate in
    /// `resync`, or a partial packet in `synced`).
    mutating func drainWindow(_ onPDU: (Span<UInt8>, MQTTPDUInfo) -> Void) {
        var cursor = 0
        while true {
            switch mode {
            case .resync:
                var p = cursor
                var verdict = Candidate.reject
                while p < pending.count {
                    verdict = pending.withSpan { candidate($0, at: p) }
                    if verdict != .reject { break }
                    p += 1
                }
                if p > cursor {
                    noteSkipped(from: pending.startOffset &+ UInt64(cursor), frame: pending.frame(at: cursor) ?? 0)
                }
                guard verdict == .accept else {
                    pending.removeFirst(p)
                    return
                }
                flushSkipped(upTo: pending.startOffset &+ UInt64(p))
                mode = .synced
                cursor = p

            case .passing:
                return   // not entered from a window (only from a header inside one append)

            case .skipping(let remaining):
                let available = UInt64(pending.count - cursor)
                if available >= remaining {
                    cursor += Int(remaining)
                    mode = .synced
                } else {
                    mode = .skipping(remaining - available)
                    pending.reset()
                    return
                }

            case .synced:
                if cursor >= pending.count {
                    pending.reset()
                    pendingTotal = nil
                    return
                }
                let at = pending.startOffset &+ UInt64(cursor)
                let frame = pending.frame(at: cursor) ?? 0
                let decoded = pending.withSpan(nil) { MQTTVBI.decode($0, at: cursor + 1) }
                switch decoded {
                case .needMore:
                    pending.removeFirst(cursor)
                    pendingTotal = nil
                    return
                case .tooLong:
                    // The candidate at `cursor` is rejected by the scan, which reports it as skipped.
                    desynchronized(at: at, frame: frame)
                case .value(let rl, let n, _):
                    let headerLength = 1 + n
                    let total = headerLength + Int(rl)
                    if total > maxPDUSize {
                        emitOversizeInfo(at: at, headerLength: headerLength, total: total, frame: frame)
                        info.setFrames(of: pending, cursor, cursor + headerLength)
                        pending.withSpan(cursor..<cursor + headerLength) { onPDU($0, info) }
                        cursor += headerLength
                        if rl > 0 { mode = .skipping(UInt64(rl)) }
                    } else if pending.count - cursor >= total {
                        info.setFrames(of: pending, cursor, cursor + total)
                        info.streamRange = StreamRange(at, at &+ UInt64(total))
                        info.declaredSize = total
                        info.truncated = false
                        pending.withSpan(cursor..<cursor + total) { onPDU($0, info) }
                        cursor += total
                    } else {
                        pending.removeFirst(cursor)
                        pendingTotal = total
                        return
                    }
                }
            }
        }
    }

    /// Judges whether the window byte at `p` starts a packet.
    func candidate(_ w: Span<UInt8>, at p: Int) -> Candidate {
        let more: Candidate = finalizing ? .reject : .needMore
        let b0 = w[p]
        guard MQTTPacketType.isPlausibleFirstByte(b0) else { return .reject }
        let type = MQTTPacketType(firstByte: b0)
        let rl: Int
        let headerLength: Int
        switch MQTTVBI.decode(w, at: p + 1) {
        case .needMore: return more
        case .tooLong: return .reject
        case .value(let v, let n, let minimal):
            guard minimal else { return .reject }
            rl = Int(v)
            headerLength = 1 + n
        }
        let body = p + headerLength
        switch type {
        case .connect:
            guard rl >= 10 else { return .reject }
            if body + 1 < w.count, w[body] != 0 || (w[body + 1] != 4 && w[body + 1] != 6) { return .reject }
        case .connack, .puback, .pubrec, .pubrel, .pubcomp, .unsuback:
            guard rl >= 2 else { return .reject }
        case .publish:
            guard rl >= 2 else { return .reject }
            if body + 1 < w.count {
                let topicLength = Int(w[body]) << 8 | Int(w[body + 1])
                guard topicLength + 2 <= rl else { return .reject }
            }
        case .subscribe:
            guard rl >= 5 else { return .reject }
        case .suback:
            guard rl >= 3 else { return .reject }
        case .unsubscribe:
            guard rl >= 4 else { return .reject }
        case .pingreq, .pingresp:
            guard rl == 0 else { return .reject }
        case .disconnect, .auth, .reserved:
            break
        }
        let total = headerLength + rl
        guard total <= maxPDUSize else { return .reject }
        if total > resyncLookahead {
            // Too long to wait for the next header: only a PUBLISH with a clean topic passes.
            guard type == .publish else { return .reject }
            guard body + 1 < w.count else { return more }
            let topicLength = Int(w[body]) << 8 | Int(w[body + 1])
            guard topicLength > 0 else { return .reject }
            guard body + 2 + topicLength <= w.count else { return more }
            let topic = w.extracting(body + 2..<body + 2 + topicLength)
            guard UTF8Validation.check(topic) == .valid else { return .reject }
            for i in 0..<topic.count where topic[i] == 0x23 || topic[i] == 0x2B || topic[i] < 0x20 {
                return .reject
            }
            return .accept
        }
        let next = p + total
        if next < w.count { return MQTTPacketType.isPlausibleFirstByte(w[next]) ? .accept : .reject }
        if next == w.count { return finalizing ? .accept : .needMore }
        return more
    }

    mutating func noteSkipped(from offset: UInt64, frame: FrameNumber) {
        if skipStart == nil {
            skipStart = offset
            skipFrame = frame
        }
    }

    mutating func flushSkipped(upTo end: UInt64) {
        guard let s = skipStart else { return }
        skipStart = nil
        guard end > s else { return }
        report(StreamFinding(MQTTRule.resyncSkipped.id, MQTTRule.resyncSkipped.info.severity, MQTTRule.resyncSkipped.info.title,
                             range: StreamRange(s, end), frame: skipFrame, verdict: .unverifiable))
    }
}
