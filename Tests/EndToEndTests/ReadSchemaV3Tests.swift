import Foundation
import Testing
import TestSupport

/// `read --schema 3` (lean JSON): validates against docs/schema/read-v3.json on every readable
/// capture; each packet's bytes once, fields indexing into them; secrets masked; smaller than v2.
@Suite struct ReadSchemaV3Tests {
    static var files: [String] { ReadSchemaTests.files }

    @Test func jsonDocumentMatchesSchema() throws {
        let r = try runProcess(Paths.executable.path, ["read", "--format", "json", "--schema", "3"] + Self.files)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("{\"schema\":\"mqscope.read/3\""))
        let problems = try schemaViolations(r.out, schema: "read-v3.json")
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test(arguments: [["--schema", "3"], ["--schema", "3", "--raw-per-field"]])
    func ndjsonLinesMatchSchema(_ extra: [String]) throws {
        let r = try runProcess(Paths.executable.path, ["read", "--format", "ndjson"] + extra + Self.files)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.split(separator: "\n").count > 500)
        let problems = try schemaViolations(r.out, schema: "read-v3.json", lines: true)
        #expect(problems.isEmpty, "\(problems)")
        // The v2 schema does not take it: fields have no names, offsets are within the packet.
        #expect(try schemaViolations(r.out, schema: "read-v2.json", lines: true) != "")
    }

    /// Every field's offset and length point into the packet's one `raw`; with --raw-per-field
    /// the field's own hex is exactly that slice.
    @Test func fieldsIndexIntoThePacketsRawBytes() throws {
        let files = ["mqtt5-paho.pcap", "stomp-activemq.pcap", "mqtt-websocket.pcap", "mqtt311-mosquitto-clients.pcap"]
            .map { Paths.captures.appendingPathComponent($0).path }
        let r = try runProcess(Paths.executable.path, ["read", "--format", "ndjson", "--schema", "3", "--raw-per-field",
                                                       "--payload-limit", "0"] + files)
        var checked = 0
        for line in r.out.split(separator: "\n") {
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["kind"] as? String == "packet", o["type"] as? String != "heart-beat", let raw = o["raw"] as? String,
                  let length = o["length"] as? Int, let fields = o["fields"] as? [[String: Any]] else { continue }
            let hex = Array(raw.utf8)
            #expect(hex.count == 2 * length, "whole packet with --payload-limit 0")
            func walk(_ fs: [[String: Any]]) {
                for f in fs {
                    let off = f["offset"] as? Int ?? -1, len = f["length"] as? Int ?? -1
                    #expect(off >= 0 && off + len <= length, "\(f)")
                    if let own = f["raw"] as? String, off >= 0, 2 * (off + len) <= hex.count {
                        #expect(own == String(decoding: hex[(2 * off)..<(2 * (off + len))], as: UTF8.self), "\(f)")
                        checked += 1
                    }
                    walk(f["children"] as? [[String: Any]] ?? [])
                }
            }
            walk(fields)
        }
        #expect(checked > 1000)
    }

    @Test func secretsMaskedAndPayloadsLimited() throws {
        let capture = Paths.captures.appendingPathComponent("mqtt311-mosquitto-clients.pcap").path
        let r = try runProcess(Paths.executable.path, ["read", "--format", "ndjson", "--schema", "3", capture])
        #expect(!r.out.contains("6d7173636f70652d70617373"), "password as hex")
        #expect(r.out.contains("************************"))
        // The WebSocket capture's 64 KB payloads: cut at --payload-limit in the one raw.
        let ws = Paths.captures.appendingPathComponent("mqtt-websocket.pcap").path
        let cut = try runProcess(Paths.executable.path, ["read", "--format", "ndjson", "--schema", "3", "--payload-limit", "16", ws])
        let longest = cut.out.split(separator: "\n").compactMap { line -> Int? in
            let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            // The frames and MQTT packets of more than 1000 bytes: headers, 16 payload bytes, "…".
            guard let length = o?["length"] as? Int, length > 1000 else { return nil }
            return (o?["raw"] as? String)?.count
        }.max() ?? 0
        #expect(longest > 0 && longest < 100, "\(longest)")
    }

    @Test func smallerThanVersion2AndRejectedOptions() throws {
        // TLS captures aside: their records left encrypted are one hex string in either schema.
        let files = Paths.captureFiles(under: Paths.captures).map(\.path)
            .filter { !$0.contains("/hostile/") && !$0.contains("/tls/") && !$0.contains("/tls-") }
        let v2 = try runProcess(Paths.executable.path, ["read", "--format", "ndjson"] + files).out.utf8.count
        let v3 = try runProcess(Paths.executable.path, ["read", "--format", "ndjson", "--schema", "3"] + files).out.utf8.count
        // At least a fifth smaller (about 24 % on the bundled captures; the 3x-of-payload target
        // is not met yet: scripts/json-size.py).
        #expect(v3 * 5 < v2 * 4, "v3 \(v3) bytes vs v2 \(v2)")
        let bad = try runProcess(Paths.executable.path, ["read", "--raw-per-field", files[0]])
        #expect(bad.status == 2)
        let four = try runProcess(Paths.executable.path, ["read", "--schema", "4", files[0]])
        #expect(four.status == 2)
    }
}
