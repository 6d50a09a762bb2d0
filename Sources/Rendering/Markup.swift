/// Text for HTML and XML documents (the HTML report, JUnit): `&`, `<`, `>` and `"` as entities,
/// `'` too where asked (XML attributes may use either quote), and control characters other than
/// tab and newline, which XML 1.0 forbids, as `control`.
public enum Markup {
    public static func escape(_ s: String, apostrophe: Bool, control: Unicode.Scalar) -> String {
        var r = ""
        r.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            case "'" where apostrophe: r += "&apos;"
            default:
                if c.value < 0x20 && c != "\n" && c != "\t" { r.unicodeScalars.append(control) } else { r.unicodeScalars.append(c) }
            }
        }
        return r
    }
}
