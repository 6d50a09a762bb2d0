import Foundation
import Testing
import TLSCodec

/// Certificate times are written without a Foundation formatter per certificate: the result must be
/// what ISO8601DateFormatter's internet date-time gives, across leap days, centuries and the X.509 range.
@Suite struct TLSDateTests {
    @Test(arguments: [0.0, 951_782_400, 951_868_799, 4_107_542_399, 1_798_761_600, 2_147_483_648, 86_399.5,
                      -1, -86_400, -2_208_988_800, -62_135_596_800, -12_212_553_600, -12_212_553_601, 253_402_300_799, 1_583_020_800, 1_709_164_800])
    func matchesFoundation(_ t: Double) {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        let d = Date(timeIntervalSince1970: t)
        #expect(TLSHandshakeDecoder.isoDate(d) == f.string(from: d), "\(t)")
    }

    /// A key log read as bytes: labels, comments, blank and CRLF lines, malformed lines counted.
    @Test func keyLogLines() {
        var log = TLSKeyLog()
        let random = String(repeating: "0a", count: 32)
        log.add(text: "# comment\r\n\nCLIENT_RANDOM \(random) \(String(repeating: "11", count: 48))\r\n"
            + "SERVER_TRAFFIC_SECRET_0  \(random)  \(String(repeating: "22", count: 32))\n"
            + "CLIENT_RANDOM \(random) zz\nCLIENT_RANDOM \(random) 11 extra\nEXPORTER_SECRET \(random) 33")
        let s = log.lookup([UInt8](repeating: 0x0A, count: 32))
        #expect(s?.masterSecret == [UInt8](repeating: 0x11, count: 48))
        #expect(s?.serverTraffic0 == [UInt8](repeating: 0x22, count: 32))
        #expect(log.badLines == 2)
    }

    /// A key log file is re-read when a lookup misses and the file has grown (a client appending
    /// while a capture runs), and not when it has not.
    @Test func keyLogFileIsReReadWhenItGrows() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("keylog-\(UInt32.random(in: 0...UInt32.max)).log")
        defer { try? FileManager.default.removeItem(at: url) }
        let first = [UInt8](repeating: 0x01, count: 32), second = [UInt8](repeating: 0x02, count: 32)
        func line(_ r: UInt8, _ s: String) -> String { "CLIENT_RANDOM \(String(repeating: String(format: "%02x", r), count: 32)) \(s)\n" }
        try Data(("# empty so far\n" + line(1, String(repeating: "aa", count: 48))).utf8).write(to: url)
        var log = TLSKeyLog()
        try log.add(file: url.path)
        #expect(log.lookup(first)?.masterSecret == [UInt8](repeating: 0xAA, count: 48))
        #expect(log.lookup(second) == nil)
        let h = try FileHandle(forWritingTo: url)
        try h.seekToEnd()
        try h.write(contentsOf: Data(line(2, String(repeating: "bb", count: 48)).utf8))
        try h.close()
        #expect(log.lookup(second)?.masterSecret == [UInt8](repeating: 0xBB, count: 48))
        #expect(log.lookup(first) != nil && log.count == 2)
    }
}
