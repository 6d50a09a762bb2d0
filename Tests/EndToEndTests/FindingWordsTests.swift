import Foundation
import Testing
import TestSupport

/// Findings a reader can act on: the message names the offending values, the location reads as
/// words with the client id, `rules ID` explains the rule, `read --frame N` shows the packet.
@Suite struct FindingWordsTests {
    static func capture(_ name: String) -> String { Paths.captures.appendingPathComponent(name).path }

    /// Decode-time messages name the property (name and id), the value and what was expected,
    /// the protocol name seen, the topic and the wildcard.
    @Test(arguments: [
        // MQTT 5 CONNECT with Receive Maximum 0.
        ("10 10 00 04 4d 51 54 54 05 02 00 3c 03 21 00 00 00 00",
         "Property value out of range: Receive Maximum (0x21) is 0, must not be 0"),
        // Payload Format Indicator 2 in a PUBLISH.
        ("--mqtt-version 5 30 0a 00 03 61 2f 62 02 01 02 68 69",
         "Payload Format Indicator (0x01) is 2, must be 0 or 1"),
        // A property not allowed in the packet: Topic Alias (0x23) in a CONNECT.
        ("10 10 00 04 4d 51 54 54 05 02 00 3c 03 23 00 01 00 00",
         "Topic Alias (0x23) in CONNECT"),
        ("10 0c 00 04 4d 51 49 73 04 02 00 3c 00 00", "Protocol Name 'MQIs', expected 'MQTT' for MQTT 3.1.1"),
        ("32 07 00 03 61 2f 2b 00 00", "Topic Name 'a/+' has '+'"),
        ("32 07 00 03 61 2f 62 00 00", "PUBLISH QoS 1 with Packet Identifier 0"),
        ("36 05 00 01 61 00 01", "QoS bits 11 (3)"),
        ("60 02 00 01", "PUBREL flags 0x00, expected 0x02"),
    ])
    func decodeMessagesNameTheValues(_ hex: String, _ expected: String) throws {
        let r = try runProcess(Paths.executable.path, ["decode"] + hex.split(separator: " ").map(String.init))
        #expect(r.out.contains(expected), "\(r.out)")
    }

    @Test func textLineCarriesClientIDAndLocationInWords() throws {
        let r = try runProcess(Paths.executable.path, ["check", Self.capture("hostile/gap-in-publish.pcap")])
        #expect(r.out.contains("#5 client id 'mqscope-pub-blob' 127.0.0.1:1883 → 127.0.0.1:54244: frame 97, PUBACK server → client, bytes 0-3 (stream bytes 4-7)"),
                "\(r.out)")
        let stomp = try runProcess(Paths.executable.path, ["check", Self.capture("stomp-activemq.pcap")])
        #expect(stomp.out.contains("frame 196, COMMIT client → server, bytes 33-42"), "\(stomp.out)")
    }

    @Test func rulesShowsOneRuleWithItsStatements() throws {
        let r = try runProcess(Paths.executable.path, ["rules", "MQTT311-3.3.1-4"])
        #expect(r.status == 0)
        #expect(r.out.hasPrefix("MQTT311-3.3.1-4: PUBLISH with QoS 3\n"), "\(r.out)")
        #expect(r.out.contains("section: 3.1.1 §3.3.1.2"))
        #expect(r.out.contains("A PUBLISH must not have both QoS bits set"), "statement text: \(r.out)")
        #expect(!r.out.contains("MQTT311-3.1.0-1"), "one rule only")
        // By check-rule name, and a statement no rule checks yet.
        let byName = try runProcess(Paths.executable.path, ["rules", "stomp-error-close"])
        #expect(byName.out.contains("STOMP-1.2-ERROR-CLOSE (name stomp-error-close)"))
        let unknown = try runProcess(Paths.executable.path, ["rules", "NO-SUCH-RULE"])
        #expect(unknown.status == 2 && unknown.err.contains("no rule or statement 'NO-SUCH-RULE'"))
    }

    @Test func readFrameShowsOnlyThatFrame() throws {
        // The finding above says frame 200: that RECEIPT (and the heart-beat in the same frame).
        let r = try runProcess(Paths.executable.path, ["read", "--frame", "200", Self.capture("stomp-activemq.pcap")])
        let lines = r.out.split(separator: "\n")
        #expect(r.status == 0 && !lines.isEmpty)
        #expect(lines.allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("200 ") }, "\(r.out)")
        #expect(r.out.contains("RECEIPT"))
        let mqtt = try runProcess(Paths.executable.path, ["read", "--frame", "97", Self.capture("hostile/gap-in-publish.pcap")])
        #expect(mqtt.out.contains("PUBACK id=1") && mqtt.out.contains("[TCP-GAP]"), "\(mqtt.out)")
        let zero = try runProcess(Paths.executable.path, ["read", "--frame", "0", Self.capture("stomp-activemq.pcap")])
        #expect(zero.status == 2)
    }
}
