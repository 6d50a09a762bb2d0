import Foundation
import Testing
import TestSupport

/// `read --count` frames packets without copying split packets' bodies (headers-only framing) and
/// splits connections between threads, so it is checked against the full decoder: on every bundled
/// and external capture, its per-type counts equal the packets `read --format ndjson` decodes, with
/// any number of threads.
@Suite struct CountAgreementTests {
    static let captures = Corpus.capturesIncludingCorpus()

    @Test func countModeAgreesWithFullDecoding() throws {
        // The bundled captures alone are 39; with the peer corpus over 100.
        #expect(Self.captures.count > (Corpus.isAvailable ? 50 : 30))
        var compared = 0
        var packets = 0
        for file in Self.captures {
            // Counting splits connections between threads: 1, 2 and 3 of them count the same.
            let count = try runProcess(Paths.executable.path, ["read", "--count", "--threads", "1", file.path])
            for threads in ["2", "3"] {
                let split = try runProcess(Paths.executable.path, ["read", "--count", "--threads", threads, file.path])
                #expect(split.out == count.out && split.status == count.status && split.err == count.err,
                        "\(file.lastPathComponent) with \(threads) threads")
            }
            let full = try runProcess(Paths.executable.path, ["read", "--format", "ndjson", file.path])
            #expect(count.status == full.status, "\(file.lastPathComponent)")
            guard count.status != 2 else { continue }
            // The MQTT section: "FILE: N MQTT packets", then "  TYPE N" lines (STOMP and WebSocket
            // sections follow with their own headings).
            var fromCount: [String: Int] = [:]
            var inMQTT = false
            var total = 0
            for line in count.out.split(separator: "\n") {
                if !line.hasPrefix("  ") {
                    inMQTT = line.hasSuffix(" MQTT packets")
                    if inMQTT { total += Int(line.split(separator: " ").dropLast(2).last ?? "") ?? -1 }
                    continue
                }
                let parts = line.split(separator: " ")
                if inMQTT, parts.count == 2, let n = Int(parts[1]) { fromCount[String(parts[0]), default: 0] += n }
            }
            #expect(total == fromCount.values.reduce(0, +), "\(file.lastPathComponent)")
            var fromFull: [String: Int] = [:]
            for line in full.out.split(separator: "\n") where line.hasPrefix("{\"kind\":\"packet\"") {
                guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      object["protocol"] as? String == "mqtt", let type = object["type"] as? String else { continue }
                fromFull[type, default: 0] += 1
            }
            #expect(fromCount == fromFull, "\(file.lastPathComponent)")
            compared += 1
            packets += fromFull.values.reduce(0, +)
        }
        #expect(compared > (Corpus.isAvailable ? 50 : 25) && packets > 1000)
    }
}
