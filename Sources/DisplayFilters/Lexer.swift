/// A display-filter token with its 1-based column in the expression.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        /// A field name, number, named value or version: letters, digits and `_ . - : / + # $`.
        case word
        /// A double-quoted string (`\"`, `\\`, `\n`, `\t`, `\xHH` escapes).
        case string
        /// `== != < <= > >= && || ! ( ) { } , ..` (`~` is `matches`)
        case symbol
        case end
    }
    var kind: Kind
    var text: String
    var bytes: [UInt8] = []
    var column: Int
}

/// A bad expression: the message and the 1-based column of the mistake.
public struct DisplayFilterError: Error, Sendable, CustomStringConvertible {
    public var column: Int
    public var message: String
    public var expression: String

    /// "column 12: …", then the expression and a caret under the mistake.
    public var description: String {
        "display filter, column \(column): \(message)\n  \(expression)\n  \(String(repeating: " ", count: max(0, column - 1)))^"
    }
}

enum Lexer {
    static func isWordByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "/"),
             UInt8(ascii: "+"), UInt8(ascii: "#"), UInt8(ascii: "$"):
            true
        default: b >= 0x80
        }
    }

    static func tokens(_ source: String) throws(DisplayFilterError) -> [Token] {
        let s = Array(source.utf8)
        var out: [Token] = []
        var i = 0
        func fail(_ at: Int, _ m: String) -> DisplayFilterError {
            DisplayFilterError(column: at + 1, message: m, expression: source)
        }
        while i < s.count {
            let b = s[i]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { i += 1; continue }
            let start = i
            if b == UInt8(ascii: "\"") {
                var bytes: [UInt8] = []
                i += 1
                var closed = false
                while i < s.count {
                    let c = s[i]
                    if c == UInt8(ascii: "\"") { closed = true; i += 1; break }
                    if c == UInt8(ascii: "\\") {
                        guard i + 1 < s.count else { break }
                        let e = s[i + 1]
                        switch e {
                        case UInt8(ascii: "n"): bytes.append(0x0A); i += 2
                        case UInt8(ascii: "t"): bytes.append(0x09); i += 2
                        case UInt8(ascii: "r"): bytes.append(0x0D); i += 2
                        case UInt8(ascii: "x"):
                            guard i + 3 < s.count, let h = hexValue(s[i + 2]), let l = hexValue(s[i + 3]) else {
                                throw fail(i, "'\\x' wants two hex digits")
                            }
                            bytes.append(h << 4 | l); i += 4
                        default: bytes.append(e); i += 2
                        }
                        continue
                    }
                    bytes.append(c); i += 1
                }
                if !closed { throw fail(start, "this string has no closing '\"'") }
                out.append(Token(kind: .string, text: String(decoding: bytes, as: UTF8.self), bytes: bytes, column: start + 1))
                continue
            }
            if b == UInt8(ascii: "."), i + 1 < s.count, s[i + 1] == UInt8(ascii: ".") {
                out.append(Token(kind: .symbol, text: "..", column: start + 1)); i += 2; continue
            }
            if isWordByte(b) {
                while i < s.count && isWordByte(s[i]) {
                    // `1..5` in a set is a range: stop the word at "..".
                    if s[i] == UInt8(ascii: "."), i + 1 < s.count, s[i + 1] == UInt8(ascii: "."), i > start { break }
                    i += 1
                }
                out.append(Token(kind: .word, text: String(decoding: s[start..<i], as: UTF8.self), column: start + 1))
                continue
            }
            let two = i + 1 < s.count ? String(decoding: s[i...i + 1], as: UTF8.self) : ""
            if ["==", "!=", "<=", ">=", "&&", "||", ".."].contains(two) {
                out.append(Token(kind: .symbol, text: two, column: start + 1)); i += 2; continue
            }
            let one = String(UnicodeScalar(b))
            if ["<", ">", "!", "(", ")", "{", "}", ",", "~"].contains(one) {
                out.append(Token(kind: .symbol, text: one, column: start + 1)); i += 1; continue
            }
            if b == UInt8(ascii: "=") { throw fail(i, "'=' is not an operator; use '==' to compare") }
            if b == UInt8(ascii: "&") { throw fail(i, "'&' is not an operator; use '&&' (or 'and')") }
            if b == UInt8(ascii: "|") { throw fail(i, "'|' is not an operator; use '||' (or 'or')") }
            if b == UInt8(ascii: "'") { throw fail(i, "strings are written in double quotes") }
            throw fail(i, "unexpected character '\(String(decoding: [b], as: UTF8.self))'")
        }
        out.append(Token(kind: .end, text: "", column: s.count + 1))
        return out
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
