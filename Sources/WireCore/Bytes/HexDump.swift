/// Bytes from the hex dumps device logs and tools print: plain hex ("10 1e 00 04", "101e0004",
/// "0x10,0x1e", "10:1e", `xxd -p`), `xxd`, `hexdump -C`, `od -x` (16-bit words, little-endian on
/// the machines that print them: "0c10" is the bytes 10 0c) and Wireshark's "Copy as Hex Dump".
/// Offset columns and ASCII gutters are stripped; `*` lines (repeats) are expanded from the offsets.
public enum HexDump {
    public enum Format: String, Sendable {
        case plain = "plain hex", xxd = "xxd dump", hexdumpC = "hexdump -C dump", odX = "od -x dump",
             wireshark = "Wireshark hex dump"
    }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    public struct Result: Sendable {
        public var bytes: [UInt8]
        public var format: Format
    }

    public static func parse(_ text: String) throws(Problem) -> Result {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        // The format, from the first line with data: an offset column says which tool wrote it.
        var format = Format.plain
        for line in lines {
            let t = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = t.first else { continue }
            if first.hasSuffix(":") && t.count > 1 && isHex(first.dropLast()) { format = .xxd }
            else if t.count > 1 && first.count >= 7 && first.allSatisfy({ $0 >= "0" && $0 <= "7" }) && t[1].count == 4 && !line.contains("|") { format = .odX }
            else if t.count > 1 && first.count >= 8 && isHex(first) && line.contains("|") { format = .hexdumpC }
            else if t.count > 1 && first.count == 4 && isHex(first) && t[1].count == 2 && line.contains("   ") { format = .wireshark }
            break
        }
        var bytes: [UInt8] = []
        var previousLine: [UInt8] = []
        var repeatPending = false
        var declaredEnd: Int?
        for (n, rawLine) in lines.enumerated() {
            var line = Substring(rawLine)
            let lineNumber = n + 1
            if line.trimmingSpaces.isEmpty { continue }
            var columnBase = 0
            if format != .plain {
                if line.trimmingSpaces == "*" { repeatPending = true; continue }
                // The offset column.
                let lead = line.prefix { $0 == " " }.count
                let body = line.dropFirst(lead)
                let offsetText = body.prefix { $0 != " " && $0 != "\t" }
                let offsetDigits = offsetText.hasSuffix(":") ? offsetText.dropLast() : offsetText
                let radix = format == .odX ? 8 : 16
                guard let offset = Int(offsetDigits, radix: radix) else {
                    throw Problem(line: lineNumber, column: lead + 1,
                                  message: "expected the offset column of the \(format.rawValue), found '\(offsetText)'")
                }
                if repeatPending, !previousLine.isEmpty {
                    while bytes.count + previousLine.count <= offset { bytes += previousLine }
                    repeatPending = false
                }
                columnBase = lead + offsetText.count
                line = body.dropFirst(offsetText.count)
                // The ASCII gutter: `|…|` (hexdump -C), or after two spaces (xxd, Wireshark).
                if format == .hexdumpC, let bar = line.firstIndex(of: "|") { line = line[..<bar] }
                if format == .xxd || format == .wireshark {
                    var k = line.firstIndex { $0 != " " } ?? line.endIndex
                    while k < line.endIndex {
                        let next = line.index(after: k)
                        if line[k] == " ", next < line.endIndex, line[next] == " " { line = line[..<k]; break }
                        k = next
                    }
                }
                if line.trimmingSpaces.isEmpty { declaredEnd = offset; continue }   // the final offset line
            }
            var lineBytes: [UInt8] = []
            try parseTokens(line, lineNumber: lineNumber, columnBase: columnBase, swapWords: format == .odX,
                            into: &lineBytes)
            bytes += lineBytes
            previousLine = lineBytes
        }
        // od -x pads an odd length with a zero byte; the final offset says the real length.
        if let end = declaredEnd, end < bytes.count { bytes.removeLast(bytes.count - end) }
        return Result(bytes: bytes, format: format)
    }

    static func isHex<S: StringProtocol>(_ s: S) -> Bool { !s.isEmpty && s.utf8.allSatisfy { hexValue($0) != nil } }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }

    static func parseTokens(_ line: Substring, lineNumber: Int, columnBase: Int, swapWords: Bool,
                            into out: inout [UInt8]) throws(Problem) {
        let chars = Array(line.utf8)
        var i = 0
        func isSeparator(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x2C || c == 0x3A || c == 0x0D || c == 0x0A }
        while i < chars.count {
            if isSeparator(chars[i]) { i += 1; continue }
            let start = i
            while i < chars.count && !isSeparator(chars[i]) { i += 1 }
            var token = chars[start..<i]
            let column = columnBase + start + 1
            let text = String(decoding: token, as: UTF8.self)
            if token.count > 2, token[token.startIndex] == 0x30, token[token.startIndex + 1] | 0x20 == 0x78 {
                token = token.dropFirst(2)
            }
            guard token.allSatisfy({ hexValue($0) != nil }) else {
                throw Problem(line: lineNumber, column: column, message: "'\(text)' is not hex")
            }
            guard token.count % 2 == 0 else {
                throw Problem(line: lineNumber, column: column, message: "'\(text)' has an odd number of hex digits")
            }
            var group: [UInt8] = []
            var k = token.startIndex
            while k < token.endIndex {
                group.append(hexValue(token[k])! << 4 | hexValue(token[k + 1])!)
                k += 2
            }
            if swapWords && group.count == 2 { group.swapAt(0, 1) }
            out += group
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return s
    }
}
