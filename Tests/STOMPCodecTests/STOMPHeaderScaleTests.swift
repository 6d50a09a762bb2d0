import Foundation
import Testing
import WireCore
@testable import STOMPCodec

/// Repeated-header detection is linear in the number of headers (issue 12: it compared each header
/// with every earlier one, and 1M headers never finished).
@Suite struct STOMPHeaderScaleTests {
    static func frame(headers n: Int, repeating: (Int, Int)? = nil) -> [UInt8] {
        var text = "SEND\ndestination:/q/a\n"
        for i in 0..<n { text += "h\(repeating.map { i == $0.1 ? $0.0 : i } ?? i):v\n" }
        return Array((text + "\nx\0").utf8)
    }

    @Test func repeatsPastTheScanLimitAreFound() {
        // Header 200 repeats header 30: both far past the 16 names compared by a scan.
        let d = decode(Self.frame(headers: 300, repeating: (30, 200)))
        let repeated = d.diagnostics.filter { $0.rule == STOMPRule.repeatedHeader.id(.v1_2) }
        #expect(repeated.count == 1)
        #expect(d.summary.headerCount == 301)
        // Within the scan limit too, and no false repeat among distinct names.
        #expect(decode(Self.frame(headers: 10, repeating: (2, 7))).diagnostics.count == 1)
        #expect(decode(Self.frame(headers: 5000)).diagnostics.isEmpty)
    }

    @Test func manyHeadersDecodeInLinearTime() {
        let bytes = Self.frame(headers: 200_000)
        let start = ContinuousClock.now
        let d = decode(bytes)
        let elapsed = ContinuousClock.now - start
        #expect(d.diagnostics.isEmpty)
        // Quadratic, 200k headers are 2·10^10 name comparisons (minutes); linear, well under a second
        // in release and a few seconds in a debug build on a loaded machine.
        #expect(elapsed < .seconds(20), "\(elapsed)")
    }
}
