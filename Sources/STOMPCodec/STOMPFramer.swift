import WireCore

/// Splits one direction of a STOMP TCP stream into frames and heart-beat EOLs.
///
/// A frame ends at the first NUL after the headers, or, when the headers carry a valid
/// `content-length`, at the NUL expected right after that many body octets (the body may then
/// contain NULs; STOMP 1.2 "Header content-length"). EOLs between frames are heart-beats.
/// Frames lying inside one `append` are lent without copying; a frame spanning appends is
/// gathered in one reused buffer. Buffering is bounded by `maxFrameSize`: a larger frame is
/// reported and skipped up to its NUL.
public struct STOMPFramer: Sendable {
    public let direction: Direction
    public let maxFrameSize: Int
    /// The session's version; only used to name the rules of framing problems.
    public var version: STOMPVersion = .v1_2

    enum Phase: Sendable {
        case idle          // between frames
        case idleCR        // between frames, after a CR that may start a CR LF heart-beat
        case head          // command and header lines
        case body          // counting content-length octets
        case scanNUL       // looking for the terminating NUL
        case skipBody      // oversize frame with content-length: skipping body octets
        case skipNUL       // oversize frame: skipping up to a NUL
        case resync        // after a gap: waiting for a NUL or a command line
    }

    var phase: Phase = .idle
    var expectedOffset: UInt64? = nil

    // The frame being gathered.
    var frameStart: UInt64 = 0
    var framePos = 0
    var firstFrameNo: FrameNumber = 0
    var lastFrameNo: FrameNumber = 0
    var pending: [UInt8] = []
    var frameInPending = false
    var contentLength: Int? = nil
    var bodyRemaining = 0

    // The current line of the head.
    var lineIndex = 0
    var lineLength = 0
    var lineFirstIsCR = false
    /// How much of "content-length:" the current line has matched; -1 once it cannot match.
    var clMatch = 0
    var clValue = 0
    var clDigits = 0
    var clValid = true
    var clSawCR = false
    var clSeen = false

    // Pending CR between frames.
    var crOffset: UInt64 = 0
    var crFrame: FrameNumber = 0

    // Resynchronisation after a gap: the current line, if short enough to be a command.
    var resyncLine: [UInt8] = []
    var resyncLineStart: UInt64 = 0
    var resyncLineFrame: FrameNumber = 0
    var resyncLineTooLong = false

    static let contentLengthPrefix: [UInt8] = Array("content-length:".utf8)
    static let longestCommandLine = 12  // "UNSUBSCRIBE" + CR

    public init(direction: Direction, maxFrameSize: Int = 16 << 20) {
        self.direction = direction
        self.maxFrameSize = Swift.max(16, maxFrameSize)
        pending.reserveCapacity(1024)
        resyncLine.reserveCapacity(Self.longestCommandLine)
    }

    /// True while a frame is partly gathered.
    public var isInsideFrame: Bool {
        switch phase {
        case .head, .body, .scanNUL: true
        default: false
        }
    }

    /// Feeds the bytes at stream offset `offset`, which arrived in capture frame `frame`.
    /// A jump forward in offsets is treated as a gap; bytes already seen are ignored.
    public mutating func append(
        _ bytes: Span<UInt8>, at offset: UInt64, frame: FrameNumber,
        onEvent: (STOMPFramerEvent, Span<UInt8>) -> Void
    ) {
        var start = 0
        if let expected = expectedOffset {
            if offset > expected {
                gap(StreamRange(expected, offset), frame: frame, onEvent: onEvent)
            } else if offset < expected {
                let seen = expected - offset
                if seen >= UInt64(bytes.count) { return }
                start = Int(seen)
            }
        }
        let base = offset  // stream offset of bytes[0]
        expectedOffset = offset &+ UInt64(bytes.count)
        let n = bytes.count
        var i = start
        // Index in `bytes` where the current frame's not-yet-buffered bytes begin.
        var copyFrom = start
        if isInsideFrame { lastFrameNo = frame }

        func beginFrame(at index: Int, _ s: inout STOMPFramer) {
            s.phase = .head
            s.frameStart = base &+ UInt64(index)
            s.framePos = 0
            s.firstFrameNo = frame
            s.lastFrameNo = frame
            s.frameInPending = false
            s.contentLength = nil
            s.clSeen = false
            s.lineIndex = 0
            s.resetLine()
            copyFrom = index
        }

        while i < n {
            switch phase {
            case .idle:
                let c = bytes[i]
                if c == 0x0A {
                    onEvent(.heartBeat(STOMPHeartBeatEOL(offset: base &+ UInt64(i), length: 1, frame: frame)), EmptyBytes.none.span)
                    i += 1
                } else if c == 0x0D {
                    crOffset = base &+ UInt64(i)
                    crFrame = frame
                    phase = .idleCR
                    i += 1
                } else {
                    beginFrame(at: i, &self)
                }
            case .idleCR:
                if bytes[i] == 0x0A {
                    onEvent(.heartBeat(STOMPHeartBeatEOL(offset: crOffset, length: 2, frame: crFrame)), EmptyBytes.none.span)
                    phase = .idle
                    i += 1
                } else {
                    // A lone CR starts a (malformed) frame; the decoder reports it.
                    let crInThisAppend = crOffset >= base
                    beginFrame(at: crInThisAppend ? i - 1 : i, &self)
                    frameStart = crOffset
                    firstFrameNo = crFrame
                    if !crInThisAppend {
                        pending.removeAll(keepingCapacity: true)
                        pending.append(0x0D)
                        frameInPending = true
                    }
                    // Account for the CR as the command line's first byte.
                    framePos = 1
                    lineLength = 1
                    lineFirstIsCR = true
                    if crInThisAppend { copyFrom = i - 1 }
                }
            case .head where clMatch < 0:
                // The rest of a header line that is not content-length: only counted, up to the
                // next LF or NUL (per byte, this was most of the time of a frame of a million
                // headers), and never past the byte that makes the frame too large.
                let stop = i &+ Swift.max(1, Swift.min(n &- i, maxFrameSize &+ 1 &- framePos))
                var j = i
                while j < stop {
                    let c = bytes[j]
                    if c == 0 || c == 0x0A { break }
                    j += 1
                }
                if j == i {
                    // LF or NUL: the per-byte path below.
                    let c = bytes[i]
                    framePos += 1
                    if c == 0 { finishFrame(bytes, copyFrom, i, onEvent) } else { endLine() }
                    i += 1
                } else {
                    framePos += j &- i
                    lineLength += j &- i
                    i = j
                }
                if framePos > maxFrameSize && isInsideFrame { enterSkip(onEvent) }
            case .head:
                let c = bytes[i]
                framePos += 1
                if c == 0 {
                    finishFrame(bytes, copyFrom, i, onEvent)
                } else if c == 0x0A {
                    endLine()
                } else {
                    headByte(c)
                }
                i += 1
                if framePos > maxFrameSize && isInsideFrame { enterSkip(onEvent) }
            case .body:
                // A content-length beyond the limit is known before the body arrives.
                if framePos + bodyRemaining + 1 > maxFrameSize {
                    enterSkip(onEvent)
                    continue
                }
                let take = Swift.min(bodyRemaining, n - i)
                i += take
                framePos += take
                bodyRemaining -= take
                if bodyRemaining == 0 {
                    if i < n {
                        framePos += 1
                        if bytes[i] == 0 {
                            finishFrame(bytes, copyFrom, i, onEvent)
                        } else {
                            // Not the promised NUL: the frame ends at the next NUL; the
                            // decoder reports the content-length mismatch.
                            phase = .scanNUL
                        }
                        i += 1
                    }
                }
            case .scanNUL:
                var j = i
                while j < n && bytes[j] != 0 { j += 1 }
                framePos += j - i
                if j < n {
                    framePos += 1
                    finishFrame(bytes, copyFrom, j, onEvent)
                    i = j + 1
                } else {
                    i = n
                }
                if framePos > maxFrameSize && isInsideFrame { enterSkip(onEvent) }
            case .skipBody:
                let take = Swift.min(bodyRemaining, n - i)
                i += take
                bodyRemaining -= take
                if bodyRemaining == 0 { phase = .skipNUL }
            case .skipNUL, .resync:
                let c = bytes[i]
                if c == 0 {
                    phase = .idle
                    resyncLine.removeAll(keepingCapacity: true)
                    resyncLineTooLong = false
                } else if phase == .resync {
                    if resyncByte(c, at: base &+ UInt64(i), frame: frame) {
                        // A command line: a frame starts at the line's first byte.
                        phase = .head
                        frameStart = resyncLineStart
                        firstFrameNo = resyncLineFrame
                        lastFrameNo = frame
                        pending.removeAll(keepingCapacity: true)
                        pending.append(contentsOf: resyncLine)
                        pending.append(0x0A)
                        frameInPending = true
                        framePos = pending.count
                        contentLength = nil
                        clSeen = false
                        lineIndex = 1
                        resetLine()
                        resyncLine.removeAll(keepingCapacity: true)
                        copyFrom = i + 1
                    }
                }
                i += 1
            }
        }
        // Keep the unfinished frame's bytes from this append.
        switch phase {
        case .head, .body, .scanNUL:
            if copyFrom < n { appendToPending(bytes, copyFrom, n) }
            frameInPending = true
        default:
            break
        }
    }

    /// A capture gap: the partial frame (if any) is dropped and reported, and the framer
    /// resynchronises at the next NUL or command line.
    public mutating func gap(_ range: StreamRange, frame: FrameNumber = 0,
                             onEvent: (STOMPFramerEvent, Span<UInt8>) -> Void) {
        if isInsideFrame || phase == .idleCR {
            let lower = phase == .idleCR ? crOffset : frameStart
            let d = STOMPRule.gap.diagnostic(
                version, "capture gap of \(range.count) bytes inside a frame: \(range.lower &- lower) buffered bytes dropped",
                verdict: .unverifiable)
            onEvent(.problem(StreamFinding(d, range: StreamRange(lower, range.upper), frame: frame)),
                    EmptyBytes.none.span)
        }
        pending.removeAll(keepingCapacity: true)
        frameInPending = false
        resyncLine.removeAll(keepingCapacity: true)
        resyncLineTooLong = false
        phase = .resync
        expectedOffset = range.upper
    }

    /// End of the stream: a partly gathered frame is handed out as incomplete
    /// (`isComplete == false`); decoding it reports the missing NUL.
    public mutating func finish(onEvent: (STOMPFramerEvent, Span<UInt8>) -> Void) {
        if isInsideFrame {
            let end = frameStart &+ UInt64(pending.count)
            let raw = STOMPRawFrame(stream: StreamRange(frameStart, end), firstFrame: firstFrameNo,
                                    lastFrame: lastFrameNo, isComplete: false, contentLength: contentLength)
            // The decoder reports the missing NUL (FRAME-NUL) on this incomplete frame.
            onEvent(.frame(raw), pending.span)
        }
        pending.removeAll(keepingCapacity: true)
        frameInPending = false
        phase = .idle
    }

    // MARK: - Internals

    mutating func resetLine() {
        lineLength = 0
        lineFirstIsCR = false
        clMatch = 0
        clValue = 0
        clDigits = 0
        clValid = true
        clSawCR = false
    }

    /// A head byte other than LF and NUL.
    mutating func headByte(_ c: UInt8) {
        if lineLength == 0 && c == 0x0D { lineFirstIsCR = true }
        lineLength += 1
        guard lineIndex > 0 else { return }
        let prefix = Self.contentLengthPrefix
        if clMatch >= 0 && clMatch < prefix.count {
            clMatch = c == prefix[clMatch] ? clMatch + 1 : -1
        } else if clMatch == prefix.count {
            if c >= 0x30 && c <= 0x39 && !clSawCR {
                if clValue > Int(Int32.max) { clValid = false } else { clValue = clValue * 10 + Int(c - 0x30) }
                clDigits += 1
            } else if c == 0x0D && !clSawCR {
                clSawCR = true
            } else {
                clValid = false
            }
        }
    }

    /// An LF inside the head: the end of the command line, of a header line, or of the head.
    mutating func endLine() {
        defer {
            lineIndex += 1
            resetLine()
        }
        guard lineIndex > 0 else { return }
        let blank = lineLength == 0 || (lineLength == 1 && lineFirstIsCR)
        if blank {
            if let cl = contentLength {
                bodyRemaining = cl
                phase = .body
            } else {
                phase = .scanNUL
            }
            return
        }
        if clMatch == Self.contentLengthPrefix.count && !clSeen {
            // Only the first content-length entry counts (repeated entries: first wins).
            clSeen = true
            if clValid && clDigits > 0 { contentLength = clValue }
        }
    }

    mutating func enterSkip(_ onEvent: (STOMPFramerEvent, Span<UInt8>) -> Void) {
        let d = STOMPRule.frameTooLarge.diagnostic(
            version, "frame exceeds \(maxFrameSize) bytes; skipped to its end")
        let here = frameStart &+ UInt64(framePos)
        onEvent(.problem(StreamFinding(d, range: StreamRange(frameStart, here), frame: lastFrameNo)),
                EmptyBytes.none.span)
        pending.removeAll(keepingCapacity: true)
        frameInPending = false
        if phase == .body && bodyRemaining > 0 {
            phase = .skipBody
        } else if phase == .head, let cl = contentLength, lineIndex > 0, lineLength == 0 {
            bodyRemaining = cl
            phase = .skipBody
        } else {
            phase = .skipNUL
        }
    }

    /// Hands out the frame ending at `bytes[end]` (the NUL).
    mutating func finishFrame(_ bytes: Span<UInt8>, _ copyFrom: Int, _ end: Int,
                              _ onEvent: (STOMPFramerEvent, Span<UInt8>) -> Void) {
        if framePos > maxFrameSize {
            // Complete but too large (it arrived within one append): reported, not handed out.
            let d = STOMPRule.frameTooLarge.diagnostic(version, "frame of \(framePos) bytes exceeds \(maxFrameSize) bytes; skipped")
            onEvent(.problem(StreamFinding(d, range: StreamRange(frameStart, frameStart &+ UInt64(framePos)),
                                           frame: lastFrameNo)), EmptyBytes.none.span)
            pending.removeAll(keepingCapacity: true)
            frameInPending = false
            phase = .idle
            return
        }
        let raw = STOMPRawFrame(stream: StreamRange(frameStart, frameStart &+ UInt64(framePos)),
                                firstFrame: firstFrameNo, lastFrame: lastFrameNo, isComplete: true,
                                contentLength: contentLength)
        if frameInPending {
            appendToPending(bytes, copyFrom, end + 1)
            onEvent(.frame(raw), pending.span)
            pending.removeAll(keepingCapacity: true)
            frameInPending = false
        } else {
            onEvent(.frame(raw), bytes.extracting(copyFrom..<(end + 1)))
        }
        phase = .idle
    }

    mutating func appendToPending(_ bytes: Span<UInt8>, _ from: Int, _ to: Int) {
        guard from < to, to <= bytes.count else { return }
        bytes.withUnsafeBufferPointer { buf in
            pending.append(contentsOf: UnsafeBufferPointer(rebasing: buf[from..<to]))
        }
    }

    /// One byte while resynchronising; true when it completes a known command line.
    mutating func resyncByte(_ c: UInt8, at offset: UInt64, frame: FrameNumber) -> Bool {
        if c == 0x0A {
            var found = false
            if !resyncLineTooLong, !resyncLine.isEmpty {
                var end = resyncLine.count
                if resyncLine[end - 1] == 0x0D { end -= 1 }
                found = resyncLine.withUnsafeBufferPointer { buf -> Bool in
                    STOMPCommand.known(buf.span, ByteRange(0, end)) != nil
                }
            }
            // A found line stays in `resyncLine` for the caller to move into `pending`.
            if !found {
                resyncLine.removeAll(keepingCapacity: true)
                resyncLineTooLong = false
            }
            return found
        }
        if resyncLineTooLong { return false }
        if resyncLine.isEmpty {
            resyncLineStart = offset
            resyncLineFrame = frame
        }
        if resyncLine.count >= Self.longestCommandLine {
            resyncLineTooLong = true
            resyncLine.removeAll(keepingCapacity: true)
        } else {
            resyncLine.append(c)
        }
        return false
    }
}

/// A static empty byte array lent as the span of events that carry no bytes.
enum EmptyBytes {
    static let none: [UInt8] = []
}
