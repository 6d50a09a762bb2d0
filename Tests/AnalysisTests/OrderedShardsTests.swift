import Foundation
import Testing
import Analysis
import Rendering

/// `read` on several threads (`CaptureAnalysis.runOrdered`) writes what one thread writes, byte for
/// byte — here with more shards than the machine may have processors and with batches of one call
/// each, so that the merger interleaves pieces from every shard and waits on each pipe.
@Suite struct OrderedShardsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let captures = ["mqtt5-paho.pcap", "mqtt-mixed-versions.pcap", "mqtt-websocket.pcap",
                           "stomp-activemq.pcap", "mqtt311-paho-ipv6.pcap", "mqtt-mosquitto-bridge.pcap",
                           "hostile/gap-in-publish.pcap", "hostile/overlap-conflict.pcap", "hostile/tuple-reuse.pcap",
                           "hostile/reordered.pcap", "hostile/midstream-start.pcap"]

    /// Runs `read` in `format` over `capture` into a temporary file; nil shards: one thread.
    static func render(_ capture: String, _ format: ReadReport.Format, verbose: Bool, shards: Int?,
                       batch: (bytes: Int, events: Int)) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-shards-\(UUID().uuidString)").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        defer { unlink(path) }
        var report = ReadReport(format: format, verbose: verbose, countOnly: false,
                                context: FieldRenderContext(registry: Catalogs.registry), filter: PacketFilter(),
                                out: Output(fd: fd, threshold: 1 << 12))
        let file = root.appendingPathComponent("captures/" + capture).path
        report.beginRun()
        report.beginFile(capture)
        let summary = if let shards {
            try CaptureAnalysis.runOrdered(path: file, options: AnalysisOptions(), shards: shards, sink: &report,
                                           pipe: { ShardPipe(capacity: 2, batchBytes: batch.bytes, batchEvents: batch.events) })
        } else {
            try CaptureAnalysis.run(path: file, options: AnalysisOptions(), sink: &report)
        }
        report.endFile(summary)
        report.endRun()
        close(fd)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test(arguments: [ReadReport.Format.text, .json, .ndjson])
    func shardsWriteWhatOneThreadWrites(_ format: ReadReport.Format) throws {
        for capture in Self.captures {
            for verbose in [false, true] {
                let one = try Self.render(capture, format, verbose: verbose, shards: nil, batch: (1, 1))
                #expect(one.count > 200, "\(capture)")
                for (shards, batch) in [(2, (1, 1)), (3, (1, 1)), (3, (300, 5)), (5, (1 << 17, 1 << 13))] {
                    let split = try Self.render(capture, format, verbose: verbose, shards: shards, batch: batch)
                    #expect(split == one, "\(capture) \(format) -V \(verbose): \(shards) shards, batches \(batch)")
                }
            }
        }
    }
}
