import Foundation
import Testing
import TestSupport

/// `streams` names each connection's MQTT version and client id (read from the CONNECT found at
/// detection, without decoding the rest) and fits a terminal's width.
@Suite struct StreamsColumnsTests {
    @Test func versionAndClientIDColumns() throws {
        let r = try runProcess(Paths.executable.path, ["streams", "captures/mqtt5-paho.pcap", "captures/mqtt311-paho-ipv6.pcap"],
                               in: Paths.root)
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n")
        #expect(lines.contains { $0.contains("PROTO  VERSION  CLIENT ID") })
        #expect(lines.contains { $0.contains(" 5.0 ") && $0.contains("mqscope-v5-full") })
        #expect(lines.contains { $0.contains(" 3.1.1 ") && $0.contains("mqscope-311-ipv6") })
        // A pipe gets every column.
        #expect(lines.contains { $0.contains("C>S FRM") && $0.contains("START (UTC)") })
    }

    @Test func jsonNamesVersionAndClientID() throws {
        let r = try runProcess(Paths.executable.path, ["streams", "--format", "json", "captures/mqtt5-paho.pcap"], in: Paths.root)
        let doc = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let files = doc?["files"] as? [[String: Any]]
        let conns = files?.first?["connections"] as? [[String: Any]] ?? []
        #expect(conns.map { $0["client_id"] as? String } == ["mqscope-observer", "mqscope-v5-full"])
        #expect(conns.allSatisfy { $0["version"] as? String == "5.0" })
    }

    /// On a terminal (util-linux `script` gives the command one), the table fits `COLUMNS`:
    /// the least useful columns go first; the client id stays.
    @Test(.enabled(if: which("script") != nil)) func fitsTheTerminalWidth() throws {
        let command = "\(Paths.executable.path) streams captures/mqtt-mosquitto-bridge.pcap"
        let r = try runProcess(which("script")!, ["-qec", command, "/dev/null"], in: Paths.root,
                               environment: ["COLUMNS": "100"])
        #expect(r.status == 0)
        let table = r.out.replacingOccurrences(of: "\r", with: "").split(separator: "\n").dropFirst()
        #expect(!table.isEmpty)
        for line in table { #expect(line.count <= 100, "\(line.count) columns: \(line)") }
        #expect(table.first?.contains("CLIENT ID") == true)
        #expect(table.first?.contains("C>S FRM") == false)
        #expect(table.contains { $0.contains("mqscope-bridge") })
    }
}
