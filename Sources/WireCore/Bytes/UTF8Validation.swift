/// The outcome of strict UTF-8 validation, as MQTT requires it ([MQTT-1.5.4-1], [MQTT-1.5.4-2]).
public enum UTF8Check: Sendable, Equatable {
    case valid
    /// Ill-formed UTF-8 (including surrogates and overlongs) starting at this offset.
    case invalid(at: Int)
    /// A U+0000 code point at this offset.
    case nullCharacter(at: Int)
}

public enum UTF8Validation {
    /// Validates `bytes` as well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF)
    /// and reports U+0000. Offsets are relative to the span's start.
    public static func check(_ b: borrowing Span<UInt8>) -> UTF8Check {
        var i = 0
        let n = b.count
        while i < n {
            let c0 = b[i]
            if c0 < 0x80 {
                if c0 == 0 { return .nullCharacter(at: i) }
                i += 1
                continue
            }
            var need = 0
            var lo: UInt8 = 0x80
            var hi: UInt8 = 0xBF
            switch c0 {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return .invalid(at: i)
            }
            if i + need >= n { return .invalid(at: i) }  // sequence runs past the end
            let c1 = b[i + 1]
            if c1 < lo || c1 > hi { return .invalid(at: i) }
            var k = 2
            while k <= need {
                let c = b[i + k]
                if c < 0x80 || c > 0xBF { return .invalid(at: i) }
                k += 1
            }
            i += need + 1
        }
        return .valid
    }

    /// True when every byte is valid UTF-8 (U+0000 allowed): used for payload display.
    public static func isDisplayableText(_ b: borrowing Span<UInt8>) -> Bool {
        switch check(b) {
        case .valid: return true
        case .nullCharacter: return false
        case .invalid: return false
        }
    }
}
