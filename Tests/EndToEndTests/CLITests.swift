import Foundation
import Testing
import TestSupport

/// The built executable: exit statuses and error lines for unusable input.
@Suite struct CLIErrorTests {
    @Test func missingFileNamesTheFileAndExits2() throws {
        let r = try runProcess(Paths.executable.path, ["streams", "/nonexistent/capture.pcap"])
        #expect(r.status == 2)
        #expect(r.err == "mqscope: error: /nonexistent/capture.pcap: No such file or directory\n")
    }

    @Test func countPrintsNothingForAnUnusableFile() throws {
        let good = Paths.captures.appendingPathComponent("mqtt-websocket.pcap").path
        let r = try runProcess(Paths.executable.path, ["read", "--count", "/nonexistent/capture.pcap", good])
        #expect(r.status == 2)
        #expect(r.err == "mqscope: error: /nonexistent/capture.pcap: No such file or directory\n")
        #expect(!r.out.contains("nonexistent"))
        #expect(r.out.hasPrefix("\(good): 27 MQTT packets\n"))
    }

    /// Retransmissions are compared with the first copy while the overlap history holds it; with
    /// none kept they are still counted, but never called different.
    @Test func overlapHistoryOption() throws {
        let file = Paths.captures.appendingPathComponent("hostile/overlap-conflict.pcap").path
        func row1(_ extra: [String]) throws -> [Substring] {
            let r = try runProcess(Paths.executable.path, ["streams"] + extra + [file])
            #expect(r.status == 0)
            return r.out.split(separator: "\n").first { $0.hasPrefix("1 ") }?.split(separator: " ") ?? []
        }
        let kept = try row1([])
        let none = try row1(["--overlap-history", "0"])
        // ID, client, server, protocol, version, client id, basis, start, duration, 6 counters, GAPS,
        // OVL, OOO, END.
        #expect(kept.count == 19 && kept[16] == "2!2")
        #expect(none.count == 19 && none[16] == "2")
        let bad = try runProcess(Paths.executable.path, ["streams", "--overlap-history=-1", file])
        #expect(bad.status != 0 && bad.err.contains("cannot be negative"))
    }

    @Test func liveRejectsAnEmptyCaptureBuffer() throws {
        let r = try runProcess(Paths.executable.path, ["live", "-i", "lo", "--buffer-size", "0"])
        #expect(r.status != 0 && r.err.contains("--buffer-size needs a positive number of bytes"))
    }

    @Test func textFileIsNotACapture() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-not-a-capture.txt")
        try Data("hello, this is not a capture\n".utf8).write(to: tmp)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try runProcess(Paths.executable.path, ["streams", tmp.path])
        #expect(r.status == 2)
        #expect(r.err.contains("\(tmp.path): not a pcap or pcapng capture"))
        #expect(r.err.split(separator: "\n").count == 1)
    }

    @Test func standardInputIsRead() throws {
        let file = Paths.captures.appendingPathComponent("mqtt5-paho-lo.pcapng")
        let r = try runProcess(Paths.executable.path, ["streams", "--format", "json", "-"], stdin: try Data(contentsOf: file))
        #expect(r.status == 0)
        #expect(r.out.contains("\"file\":\"<stdin>\""))
        #expect(r.out.contains("\"frames\":17"))
    }

    @Test func versionAndHelp() throws {
        let v = try runProcess(Paths.executable.path, ["--version"])
        #expect(v.status == 0 && !v.out.isEmpty)
        let h = try runProcess(Paths.executable.path, ["streams", "--help"])
        #expect(h.status == 0 && h.out.contains("USAGE: mqscope streams"))
    }
}

@Suite struct StreamsSchemaTests {
    @Test("streams --format json validates against docs/schema/streams-v1.json")
    func streamsJSONMatchesSchema() throws {
        let files = Corpus.capturesIncludingCorpus().map(\.path)
            .filter { !$0.hasSuffix("not-a-capture.pcap") && !$0.hasSuffix("unsupported-linktype.pcap") }
        try #require(!files.isEmpty)
        let r = try runProcess(Paths.executable.path, ["streams", "--format", "json"] + files)
        #expect(r.status == 0, "\(r.err)")
        let problems = try schemaViolations(r.out, schema: "streams-v1.json")
        #expect(problems.isEmpty, "\(problems)")
        #expect(r.out.contains("\"connections\":[{"))
    }
}
