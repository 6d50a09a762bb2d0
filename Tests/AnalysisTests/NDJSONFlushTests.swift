import Foundation
import Testing
import Rendering

/// NDJSON goes out as it is made (issue 12: stream events, written byte by byte, were held until
/// the end: 583 MB of memory where text mode used 38 MB).
@Suite struct NDJSONFlushTests {
    @Test func linesAreWrittenOnceTheBufferIsFull() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-ndjson-\(UUID().uuidString)").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        defer { close(fd); unlink(path) }
        var w = JSONWriter(out: Output(fd: fd, threshold: 4096))
        for i in 0..<1000 {
            w.objectStart()
            w.key("rule", "TCP-GAP")
            w.key("index", i)
            w.objectEnd()
            w.endLine()
        }
        let written = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        // Without a final flush: all but less than one buffer's worth is already in the file.
        #expect(written > 20_000, "\(written) bytes written")
    }
}
