import Foundation
import Testing
import TestSupport

/// `read --format json` and `--format ndjson` validate against docs/schema/read-v2.json on every
/// readable capture, bundled and external.
@Suite struct ReadSchemaTests {
    static var files: [String] {
        Corpus.capturesIncludingCorpus().map(\.path)
            .filter { !$0.hasSuffix("not-a-capture.pcap") && !$0.hasSuffix("unsupported-linktype.pcap") }
    }

    @Test func jsonDocumentMatchesSchema() throws {
        let r = try runProcess(Paths.executable.path, ["read", "--format", "json", "-V"] + Self.files)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("\"type\":\"PUBLISH\""))
        let problems = try schemaViolations(r.out, schema: "read-v2.json")
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func ndjsonLinesMatchSchema() throws {
        let r = try runProcess(Paths.executable.path, ["read", "--format", "ndjson"] + Self.files)
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n")
        #expect(lines.count > 500)
        for kind in ["packet", "stream_event", "connection", "file"] {
            #expect(lines.contains { $0.contains("\"kind\":\"\(kind)\"") }, "no \(kind) line")
        }
        let problems = try schemaViolations(r.out, schema: "read-v2.json", lines: true)
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func passwordsAreRedactedUnlessAsked() throws {
        let capture = Paths.captures.appendingPathComponent("mqtt311-mosquitto-clients.pcap").path
        for format in ["text", "json", "ndjson"] {
            let hidden = try runProcess(Paths.executable.path, ["read", "-V", "--format", format, capture])
            // The password is "mqscope-pass" (captures/regenerate.sh): neither as text nor as hex.
            #expect(!hidden.out.contains("mqscope-pass"), "\(format) leaks the password")
            #expect(!hidden.out.contains("6d7173636f70652d70617373"), "\(format) leaks the password as hex")
            #expect(!hidden.out.contains("6d 71 73 63 6f 70 65 2d"), "\(format) leaks the password as hex")
            #expect(hidden.out.contains("redacted"))
        }
        let shown = try runProcess(Paths.executable.path, ["read", "-V", "--show-secrets", capture])
        #expect(shown.out.contains("Password: \"mqscope-pass\""))
    }

    @Test func filtersSelectPackets() throws {
        let capture = Paths.captures.appendingPathComponent("mqtt311-mosquitto-clients.pcap").path
        let pubs = try runProcess(Paths.executable.path, ["read", "--type", "publish", capture])
        let lines = pubs.out.split(separator: "\n")
        #expect(!lines.isEmpty && lines.allSatisfy { $0.contains(" PUBLISH ") })
        let topic = try runProcess(Paths.executable.path, ["read", "--topic", "mqscope/sensors/+", "--type", "PUBLISH", capture])
        #expect(topic.out.split(separator: "\n").allSatisfy { $0.contains("topic=\"mqscope/sensors/") })
        let client = try runProcess(Paths.executable.path, ["read", "--client-id", "mqscope-pub-q2", capture])
        #expect(client.out.contains("PUBREL") && !client.out.contains("mqscope-pub-q1"))
        let bad = try runProcess(Paths.executable.path, ["read", "--type", "NOPE", capture])
        #expect(bad.status == 64 || bad.status == 2)
    }
}
