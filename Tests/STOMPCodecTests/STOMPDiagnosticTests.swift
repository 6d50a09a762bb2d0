import Testing
import STOMPCodec
import WireCore

/// Each decode diagnostic: a frame that triggers it (with the exact range) and a clean twin.
@Suite struct STOMPDiagnosticTests {
    struct Case: Sendable, CustomStringConvertible {
        var version: STOMPVersion
        var direction: Direction = .clientToServer
        var bad: String
        var clean: String
        var rule: String
        var range: ByteRange?
        var description: String { rule }
    }

    static let cases: [Case] = [
        Case(version: .v1_2, bad: "SEND\ndestination:/a\n\nx", clean: "SEND\ndestination:/a\n\nx\0",
             rule: "STOMP-1.2-FRAME-NUL", range: ByteRange(22, 22)),
        Case(version: .v1_2, bad: "SEND\ndestination:/a\0", clean: "SEND\ndestination:/a\n\n\0",
             rule: "STOMP-1.2-FRAME-EOL", range: ByteRange(5, 19)),
        Case(version: .v1_1, bad: "SEND\r\ndestination:/a\n\n\0", clean: "SEND\ndestination:/a\n\n\0",
             rule: "STOMP-1.1-FRAME-EOL", range: ByteRange(4, 6)),
        Case(version: .v1_2, bad: "CONNECTED\nversion:1.2\n\n\0", clean: "CONNECT\naccept-version:1.2\nhost:h\n\n\0",
             rule: "STOMP-1.2-FRAME-COMMAND", range: ByteRange(0, 9)),
        Case(version: .v1_2, direction: .serverToClient, bad: "SEND\ndestination:/a\n\n\0",
             clean: "RECEIPT\nreceipt-id:1\n\n\0", rule: "STOMP-1.2-FRAME-COMMAND", range: ByteRange(0, 4)),
        Case(version: .v1_2, bad: "SEND\ndestination\n\n\0", clean: "SEND\ndestination:\n\n\0",
             rule: "STOMP-1.2-FRAME-HEADER", range: ByteRange(5, 16)),
        Case(version: .v1_2, bad: "SEND\n:x\n\n\0", clean: "SEND\nx:\n\n\0", rule: "STOMP-1.2-FRAME-HEADER",
             range: ByteRange(5, 6)),
        Case(version: .v1_2, bad: "SEND\ndestination:/a\\t\n\n\0", clean: "SEND\ndestination:/a\\r\n\n\0",
             rule: "STOMP-1.2-HDR-ESCAPE-UNDEF", range: ByteRange(19, 21)),
        Case(version: .v1_1, bad: "SEND\ndestination:/a\\r\n\n\0", clean: "SEND\ndestination:/a\\c\n\n\0",
             rule: "STOMP-1.1-HDR-ESCAPE-UNDEF", range: ByteRange(19, 21)),
        Case(version: .v1_2, bad: "SEND\ndestination:a:b\n\n\0", clean: "CONNECT\nlogin:a:b\n\n\0",
             rule: "STOMP-1.2-HDR-ESCAPE-ENCODE", range: ByteRange(18, 19)),
        Case(version: .v1_2, bad: "SEND\ndestination:a\rb\n\n\0", clean: "SEND\ndestination:a\\rb\n\n\0",
             rule: "STOMP-1.2-HDR-ESCAPE-ENCODE", range: ByteRange(18, 19)),
        Case(version: .v1_2, bad: "SUBSCRIBE\nid:1\ndestination:/a\n\nbody\0",
             clean: "SEND\ndestination:/a\n\nbody\0", rule: "STOMP-1.2-BODY-ALLOWED", range: ByteRange(31, 35)),
        Case(version: .v1_2, bad: "SEND\ndestination:/a\ncontent-length:3\n\nab\0",
             clean: "SEND\ndestination:/a\ncontent-length:2\n\nab\0", rule: "STOMP-1.2-CL-EXACT", range: ByteRange(38, 40)),
        Case(version: .v1_2, bad: "SEND\ndestination:/a\ncontent-length:-1\n\n\0",
             clean: "SEND\ndestination:/a\ncontent-length:0\n\n\0", rule: "STOMP-1.2-CL-EXACT", range: ByteRange(35, 37)),
        Case(version: .v1_2, bad: "SEND\ndestination:/\u{FF}\n\n\0", clean: "SEND\ndestination:/\u{E9}\n\n\0",
             rule: "STOMP-1.2-UTF8", range: nil),
        Case(version: .v1_2, bad: "CONNECT\naccept-version:1.2\nhost:h\nheart-beat:10\n\n\0",
             clean: "CONNECT\naccept-version:1.2\nhost:h\nheart-beat:10,0\n\n\0", rule: "STOMP-1.2-HB-FORMAT",
             range: ByteRange(45, 47)),
        Case(version: .v1_2, bad: "SEND\ndestination:/a\ndestination:/b\n\n\0", clean: "SEND\ndestination:/a\n\n\0",
             rule: "STOMP-1.2-REPEATED-HDR", range: ByteRange(20, 34)),
    ]

    @Test(arguments: cases)
    func triggersAndClean(_ c: Case) {
        var bad = Array(c.bad.utf8)
        if c.rule.hasSuffix("UTF8") {
            // Put a raw 0xFF byte (not encodable through a Swift String) in place of "ÿ".
            bad = Array("SEND\ndestination:/".utf8) + [0xFF] + Array("\n\n\0".utf8)
        }
        let d = decode(bad, c.version, c.direction)
        let hits = d.diagnostics.filter { $0.rule.rawValue == c.rule }
        #expect(hits.count == 1, "\(c.rule): \(d.diagnostics)")
        if let r = c.range { #expect(hits.first?.range == r, "\(c.rule)") }
        if c.rule.hasSuffix("UTF8") { #expect(hits.first?.range == ByteRange(18, 19)) }
        let ok = decode(c.clean, c.version, c.direction)
        #expect(ok.diagnostics.isEmpty, "\(c.rule) clean: \(ok.diagnostics)")
    }

    @Test func version10HasNoEscapingOrUTF8Rules() {
        let d = decode(Array("SEND\ndestination:a\\t:b\n\n\0".utf8), .v1_0)
        #expect(d.diagnostics.isEmpty)
    }

    /// The analyzer's own rules, triggered by the framer tests (oversize frame, gap).
    static let coveredElsewhere: Set<String> = ["FRAME-TOO-LARGE", "GAP"]

    @Test func everyRuleHasATriggerAndACleanCase() {
        for r in STOMPRule.allCases where !Self.coveredElsewhere.contains(r.rawValue) {
            #expect(Self.cases.contains { $0.rule.hasSuffix("-" + r.rawValue) }, "\(r.rawValue) has no fixture")
        }
    }

    @Test func ruleIdsAreVersioned() {
        #expect(STOMPRule.frameNUL.id(.v1_1) == "STOMP-1.1-FRAME-NUL")
        for r in STOMPRule.allCases { #expect(!r.title.isEmpty && !r.section.isEmpty) }
    }
}
