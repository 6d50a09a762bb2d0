import WireCore

/// Decodes one STOMP frame (as handed out by `STOMPFramer`) into a field tree, syntax
/// diagnostics and a `STOMPFrameSummary`. Never traps: every index is checked against the span.
public enum STOMPDecoder {
    public static func decode(
        _ frame: Span<UInt8>, version: STOMPVersion, direction: Direction,
        into tree: inout FieldTree, diagnostics: inout [Diagnostic]
    ) -> STOMPFrameSummary {
        var s = STOMPFrameSummary()
        let n = frame.count
        let root = tree.begin(STOMPField.frame.id, at: 0)
        s.isTerminated = n > 0 && frame[n - 1] == 0
        let contentEnd = s.isTerminated ? n - 1 : n

        // Finds the LF ending the line at `from`, within the content; nil if none.
        func lineFeed(from: Int) -> Int? {
            var j = from
            while j < contentEnd {
                if frame[j] == 0x0A { return j }
                j += 1
            }
            return nil
        }

        var crlfReported = false
        // The line [start, lf) without its optional CR; notes CR LF use per version.
        func lineEnd(_ start: Int, _ lf: Int, connectFamily: Bool) -> Int {
            guard lf > start, frame[lf - 1] == 0x0D else { return lf }
            s.usedCRLF = true
            // 1.0/1.1 lines end with LF only; CONNECT is parsed before the version is known.
            if !version.allowsCRLF && !connectFamily && !crlfReported {
                crlfReported = true
                diagnostics.append(STOMPRule.frameEOL.diagnostic(
                    version, "CR LF line end in STOMP \(version): the CR belongs to the line",
                    range: ByteRange(lf - 1, lf + 1), severity: .warning))
            }
            return lf - 1
        }

        // MARK: Command line
        let commandLF = lineFeed(from: 0)
        let commandLineEnd = commandLF ?? contentEnd
        var commandEnd = commandLineEnd
        if commandEnd > 0 && frame[commandEnd - 1] == 0x0D { commandEnd -= 1 }
        let commandRange = ByteRange(0, commandEnd)
        let command = STOMPCommand(bytes: frame, range: commandRange)
        s.command = command
        s.commandRange = commandRange
        if let lf = commandLF { _ = lineEnd(0, lf, connectFamily: command.isConnectFamily) }
        let commandUTF8 = checkUTF8(frame, commandRange, version, &diagnostics)
        tree.add(STOMPField.command.id, commandRange, .text(commandRange, valid: commandUTF8))
        checkCommand(command, commandRange, version, direction, &diagnostics)
        let escaping = version.hasEscaping && !command.isConnectFamily

        // MARK: Header lines
        var pos = (commandLF ?? contentEnd) + 1
        if commandLF == nil { pos = contentEnd }
        var bodyStart = contentEnd
        var names = STOMPHeaderNameIndex()
        while true {
            guard pos < contentEnd, let lf = lineFeed(from: pos) else {
                // No blank line: the headers run into the NUL (or the end).
                if pos < contentEnd {
                    parseHeader(frame, ByteRange(pos, contentEnd), version: version, escaping: escaping, root: root,
                                tree: &tree, names: &names, summary: &s, diagnostics: &diagnostics)
                }
                diagnostics.append(STOMPRule.frameEOL.diagnostic(
                    version, "headers not ended by a blank line", range: ByteRange(Swift.min(pos, contentEnd), contentEnd)))
                bodyStart = contentEnd
                break
            }
            let end = lineEnd(pos, lf, connectFamily: command.isConnectFamily)
            if end == pos {
                s.hasBlankLine = true
                bodyStart = lf + 1
                break
            }
            parseHeader(frame, ByteRange(pos, end), version: version, escaping: escaping, root: root,
                        tree: &tree, names: &names, summary: &s, diagnostics: &diagnostics)
            pos = lf + 1
        }

        // MARK: Body and NUL
        let body = ByteRange(Swift.min(bodyStart, contentEnd), contentEnd)
        s.body = body
        if s.hasBlankLine {
            tree.add(STOMPField.body.id, body, .bytes(body))
            tree.add(STOMPField.bodyLength.id, body, .uint(UInt64(body.count)))
        }
        if let cl = s.contentLength, cl != body.count {
            diagnostics.append(STOMPRule.contentLengthExact.diagnostic(
                version, "content-length is \(cl) but the body has \(body.count) octets before the NUL", range: body))
        }
        if version >= .v1_1 && command.isKnown && !command.mayHaveBody && !body.isEmpty {
            diagnostics.append(STOMPRule.bodyAllowed.diagnostic(
                version, "\(command.name) frame carries a \(body.count)-octet body", range: body))
        }
        if s.isTerminated {
            tree.add(STOMPField.frameEnd.id, ByteRange(n - 1, n), .uint(0))
        } else {
            diagnostics.append(STOMPRule.frameNUL.diagnostic(
                version, "frame not terminated by NUL", range: ByteRange(contentEnd, contentEnd)))
        }
        tree.end(root, upper: n)
        return s
    }

    // MARK: - Pieces

    static func checkCommand(_ command: STOMPCommand, _ r: ByteRange, _ version: STOMPVersion,
                             _ direction: Direction, _ diagnostics: inout [Diagnostic]) {
        if r.isEmpty {
            diagnostics.append(STOMPRule.frameCommand.diagnostic(version, "empty command line", range: r))
            return
        }
        switch direction {
        case .clientToServer:
            if command.isServerCommand {
                diagnostics.append(STOMPRule.frameCommand.diagnostic(
                    version, "server command \(command.name) sent by the client", range: r))
            } else if !command.isKnown {
                diagnostics.append(STOMPRule.frameCommand.diagnostic(
                    version, "unknown or wrong-case client command \(shown(command))", range: r, severity: .warning))
            } else if version == .v1_0 && command == .nack {
                diagnostics.append(STOMPRule.frameCommand.diagnostic(
                    version, "NACK does not exist in STOMP 1.0", range: r, severity: .warning))
            }
        case .serverToClient:
            if command.isClientCommand {
                diagnostics.append(STOMPRule.frameCommand.diagnostic(
                    version, "client command \(command.name) sent by the server", range: r))
            } else if !command.isKnown {
                diagnostics.append(STOMPRule.frameCommand.diagnostic(
                    version, "unknown server command \(shown(command)) (commands are case-sensitive)", range: r))
            }
        }
    }

    /// An unknown command as sent, quoted (at most 40 bytes).
    static func shown(_ command: STOMPCommand) -> String {
        guard case .unknown(let b) = command else { return "'\(command.name)'" }
        return "'\(String(decoding: b.prefix(40), as: UTF8.self))\(b.count > 40 ? "…" : "")'"
    }

    /// UTF-8 validity of command and header text (1.1/1.2); false (and a warning) when invalid.
    static func checkUTF8(_ b: borrowing Span<UInt8>, _ r: ByteRange, _ version: STOMPVersion,
                          _ diagnostics: inout [Diagnostic]) -> Bool {
        guard !r.isEmpty, r.upper <= b.count else { return true }
        switch UTF8Validation.check(b.extracting(r.lower..<r.upper)) {
        case .valid, .nullCharacter:
            return true
        case .invalid(let at):
            if version >= .v1_1 {
                diagnostics.append(STOMPRule.utf8.diagnostic(
                    version, "invalid UTF-8: byte 0x\(Hex.byte(b[r.lower + at])) in \(Quoted.text(r, b))",
                    range: ByteRange(r.lower + at, r.lower + at + 1)))
            }
            return false
        }
    }

    static func parseHeader(_ b: borrowing Span<UInt8>, _ line: ByteRange, version: STOMPVersion, escaping: Bool, root: Int,
                            tree: inout FieldTree, names: inout STOMPHeaderNameIndex,
                            summary s: inout STOMPFrameSummary, diagnostics: inout [Diagnostic]) {
        s.headerCount += 1
        let group = tree.begin(STOMPField.header.id, at: line.lower)
        defer { tree.end(group, upper: line.upper) }
        var colon = line.lower
        while colon < line.upper && b[colon] != 0x3A { colon += 1 }
        if colon == line.upper {
            diagnostics.append(STOMPRule.frameHeader.diagnostic(version, "header line \(Quoted.text(line, b)) has no ':'", range: line))
            tree.add(STOMPField.headerName.id, line, .text(line, valid: checkUTF8(b, line, version, &diagnostics)))
            _ = names.isRepeated(b, line, in: tree, from: root, before: group)  // recorded like the scan sees it
            return
        }
        let name = ByteRange(line.lower, colon)
        let value = ByteRange(colon + 1, line.upper)
        if name.isEmpty {
            diagnostics.append(STOMPRule.frameHeader.diagnostic(version, "empty header name", range: ByteRange(colon, colon + 1)))
        }
        let nameValid = checkUTF8(b, name, version, &diagnostics)
        tree.add(STOMPField.headerName.id, name, .text(name, valid: nameValid))
        let valueValid = checkUTF8(b, value, version, &diagnostics)
        let known = STOMPFrameSummary.knownIndex(b, name)
        if known == STOMPFrameSummary.passcodeIndex {
            tree.add(STOMPField.headerValue.id, value, .redacted(value))
        } else {
            tree.add(STOMPField.headerValue.id, value, .text(value, valid: valueValid))
        }
        if escaping {
            checkEscapes(b, name, version, isValue: false, &diagnostics)
            checkEscapes(b, value, version, isValue: true, &diagnostics)
        }

        // Repeated entries: the first wins; later ones are marked (STOMP 1.2 "Repeated Header Entries").
        if names.isRepeated(b, name, in: tree, from: root, before: group) {
            tree.add(STOMPField.headerRepeated.id, name, .bool(true))
            if version >= .v1_1 {
                diagnostics.append(STOMPRule.repeatedHeader.diagnostic(
                    version, "repeated header \(Quoted.text(name, b)): ignored, the first entry is used", range: line))
            }
            return
        }
        guard let k = known else { return }
        s.record(k, value)
        if k == STOMPFrameSummary.contentLengthIndex {
            if let v = parseDecimal(b, value) {
                s.contentLength = v
                tree.add(STOMPField.headerContentLength.id, value, .uint(UInt64(v)))
            } else {
                diagnostics.append(STOMPRule.contentLengthExact.diagnostic(
                    version, "content-length \(Quoted.text(value, b)) is not a non-negative decimal integer", range: value))
            }
        } else if k == STOMPFrameSummary.heartBeatIndex {
            if value.upper <= b.count, let hb = STOMPHeartBeat(b.extracting(value.lower..<value.upper)) {
                s.heartBeat = hb
                var comma = value.lower
                while comma < value.upper && b[comma] != 0x2C { comma += 1 }
                tree.add(STOMPField.headerHeartBeatSend.id, ByteRange(value.lower, comma), .uint(hb.send))
                tree.add(STOMPField.headerHeartBeatReceive.id, ByteRange(comma + 1, value.upper), .uint(hb.receive))
            } else if version >= .v1_1 {
                diagnostics.append(STOMPRule.heartBeatFormat.diagnostic(
                    version, "heart-beat \(Quoted.text(value, b)) is not two non-negative integers separated by a comma", range: value))
            }
        }
    }

    /// Undefined escapes and unescaped ':' (1.1: \n \c \\; 1.2 also \r).
    static func checkEscapes(_ b: borrowing Span<UInt8>, _ r: ByteRange, _ version: STOMPVersion, isValue: Bool,
                             _ diagnostics: inout [Diagnostic]) {
        var i = r.lower
        var colonReported = false
        while i < r.upper {
            let c = b[i]
            if c == 0x5C {
                let next: UInt8? = i + 1 < r.upper ? b[i + 1] : nil
                switch next {
                case 0x6E, 0x63, 0x5C:
                    i += 2
                    continue
                case 0x72 where version.allowsCRLF:
                    i += 2
                    continue
                default:
                    let end = Swift.min(i + 2, r.upper)
                    diagnostics.append(STOMPRule.escapeUndefined.diagnostic(
                        version, "undefined escape sequence in header \(isValue ? "value" : "name")",
                        range: ByteRange(i, end)))
                    i = end
                    continue
                }
            }
            if c == 0x0D && version.allowsCRLF {
                // 1.2: a CR inside a name or value must be sent as \r ("Value Encoding").
                diagnostics.append(STOMPRule.escapeEncode.diagnostic(
                    version, "unescaped CR in header \(isValue ? "value" : "name") (must be \\r)", range: ByteRange(i, i + 1)))
            }
            if c == 0x3A && isValue && !colonReported {
                colonReported = true
                diagnostics.append(STOMPRule.escapeEncode.diagnostic(
                    version, "unescaped ':' in header value (must be \\c)", range: ByteRange(i, i + 1)))
            }
            i += 1
        }
    }

    /// A non-negative decimal (at most 18 digits); nil otherwise.
    static func parseDecimal(_ b: borrowing Span<UInt8>, _ r: ByteRange) -> Int? {
        guard !r.isEmpty, r.count <= 18 else { return nil }
        var v = 0
        for i in r.lower..<r.upper {
            let c = b[i]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }
}

/// The header names of one frame seen so far, for "the first entry wins" (STOMP 1.2, Repeated
/// Header Entries). The usual handful is compared by a scan of the frame's name nodes (no
/// allocation); past `scanLimit` names a hash table of name-node indexes takes over, hashed with
/// the standard library's per-process seeded SipHash so that crafted names cannot all collide:
/// a frame with a million headers is decoded in linear time, not quadratic.
struct STOMPHeaderNameIndex {
    static let scanLimit = 16
    /// Per slot `hash tag << 32 | (name-node index + 1)` (0: empty); the capacity is a power of
    /// two, at most half full. The tag spares most byte comparisons and every rehash on growth.
    private var slots: [UInt64] = []
    private var count = 0
    private var scanned = 0

    /// Whether a header name node of this frame (nodes `root ..< group`; the tree may hold earlier
    /// frames too) has the same bytes as `name` (whose node is `group + 1`); records `name`.
    mutating func isRepeated(_ b: borrowing Span<UInt8>, _ name: ByteRange, in tree: FieldTree, from root: Int,
                             before group: Int) -> Bool {
        let nameID = STOMPField.headerName.id
        scanned += 1
        if scanned <= Self.scanLimit {
            var j = root
            while j < group {
                let node = tree.nodes[j]
                if node.field == nameID && Self.same(b, node.range, name) { return true }
                j += 1
            }
            return false
        }
        if slots.isEmpty {
            slots = [UInt64](repeating: 0, count: 64)
            var j = root
            while j < group {
                if tree.nodes[j].field == nameID { _ = insert(b, j, tree) }
                j += 1
            }
        }
        return !insert(b, group + 1, tree)
    }

    /// Adds the name of node `index` unless an equal name is there; false when it was.
    private mutating func insert(_ b: borrowing Span<UInt8>, _ index: Int, _ tree: FieldTree) -> Bool {
        let name = tree.nodes[index].range
        guard name.upper <= b.count, index < Int(UInt32.max) else { return true }
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        let tag = UInt64(truncatingIfNeeded: Self.hash(b, name)) & 0xFFFF_FFFF
        var i = Int(truncatingIfNeeded: tag) & mask
        while slots[i] != 0 {
            let e = slots[i]
            if e >> 32 == tag, Self.same(b, tree.nodes[Int(truncatingIfNeeded: e & 0xFFFF_FFFF) - 1].range, name) {
                return false
            }
            i = (i + 1) & mask
        }
        slots[i] = tag << 32 | UInt64(index + 1)
        count += 1
        return true
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        let mask = slots.count - 1
        for e in old where e != 0 {
            var i = Int(truncatingIfNeeded: e >> 32) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = e
        }
    }

    private static func hash(_ b: borrowing Span<UInt8>, _ r: ByteRange) -> Int {
        var h = Hasher()
        b.extracting(r.lower..<r.upper).withUnsafeBufferPointer { h.combine(bytes: UnsafeRawBufferPointer($0)) }
        return h.finalize()
    }

    private static func same(_ b: borrowing Span<UInt8>, _ x: ByteRange, _ y: ByteRange) -> Bool {
        guard x.count == y.count, x.upper <= b.count, y.upper <= b.count else { return false }
        var k = 0
        while k < x.count {
            if b[x.lower + k] != b[y.lower + k] { return false }
            k += 1
        }
        return true
    }
}
