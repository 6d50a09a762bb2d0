import Foundation
import Testing
import TestSupport
import WireCore

/// `decode`'s input: the dump formats device logs hold (Fixtures/decode, made by make.sh with the real tools).
@Suite struct HexDumpTests {
    static let session: [UInt8] = Array("\u{10}\u{0c}\u{00}\u{04}MQTT\u{04}\u{02}\u{00}<\u{00}\u{00} \u{02}\u{00}\u{00}".utf8)
        + [0x82, 0x0b, 0x00, 0x01, 0x00, 0x06] + Array("sensor".utf8) + [0x01, 0x30, 0x03, 0x00, 0x01, 0x61]

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: Paths.fixtures.appendingPathComponent("decode/\(name)"), encoding: .utf8)
    }

    @Test("every dump format gives the same bytes", arguments: [
        ("session.xxd", HexDump.Format.xxd), ("session.xxd-p", .plain), ("session.hexdump-C", .hexdumpC),
        ("session.od-x", .odX), ("session.wireshark", .wireshark),
    ])
    func formats(_ name: String, _ format: HexDump.Format) throws {
        let r = try HexDump.parse(try Self.fixture(name))
        #expect(r.format == format)
        #expect(r.bytes == Self.session)
    }

    @Test func odPadsOddLengthsAndItsLastOffsetTrims() throws {
        let r = try HexDump.parse(try Self.fixture("truncated-publish.od-x"))
        #expect(r.format == .odX)
        #expect(r.bytes == Array(Self.session.prefix(35)))   // od's last word 0001 holds 01 and a pad byte
    }

    @Test func repeatedLinesAreExpanded() throws {
        // hexdump -C and od print '*' for lines equal to the one before; the next offset says how many.
        let text = """
            00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
            *
            00000030  c0 00                                             |..|
            00000032
            """
        let r = try HexDump.parse(text)
        #expect(r.bytes == [UInt8](repeating: 0, count: 48) + [0xc0, 0x00])
    }

    @Test func plainHexStillWorks() throws {
        #expect(try HexDump.parse("10 1e 00 04").bytes == [0x10, 0x1e, 0x00, 0x04])
        #expect(try HexDump.parse("101e0004").bytes == [0x10, 0x1e, 0x00, 0x04])
        #expect(try HexDump.parse("0x10,0x1e 10:1e").bytes == [0x10, 0x1e, 0x10, 0x1e])
    }

    @Test("a token that is not hex is named with its place", arguments: [
        ("10 0c zz 04", 1, 7, "'zz' is not hex"),
        ("10 0c\n00 04 4d5", 2, 7, "'4d5' has an odd number"),
        ("00000000: 100c 00g4  ....\n", 1, 16, "'00g4' is not hex"),
        ("00000000  10 0c  |..|\nxyz  10  |.|", 2, 1, "offset column"),
    ])
    func badToken(_ text: String, _ line: Int, _ column: Int, _ fragment: String) {
        do {
            _ = try HexDump.parse(text)
            Issue.record("parsed \(text)")
        } catch {
            #expect(error.line == line && error.column == column, "\(error)")
            #expect(error.message.contains(fragment), "\(error)")
        }
    }
}
