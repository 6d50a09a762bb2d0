import Foundation
import Testing
import WireCore
import MQTTCodec
import Conformance
import Analysis
import TestSupport

/// The cross-connection (broker) rules: each fault of captures/broker/faulty_broker.py, driven by
/// mosquitto_pub/mosquitto_sub and paho-mqtt, fires exactly its rule; the same scenarios against the
/// broker without a fault and against mosquitto are clean (captures/broker/scenarios.sh).
@Suite struct BrokerCheckerCaptureTests {
    static let dir = Paths.captures.appendingPathComponent("broker")

    @Test(arguments: [
        ("fault-qos.pcap", BrokerCheckRule.deliveryQoS, "MQTT311-3.8.4-6", FrameNumber(20)),
        ("fault-route.pcap", .deliveryMatchesSubscription, "MQTT311-3.3.2-3", 60),
        ("fault-retain.pcap", .retainOnEstablishedSubscription, "MQTT311-3.3.1-9", 91),
        ("fault-nolocal.pcap", .noLocal, "MQTT5-3.8.3-3", 145),
        ("fault-will.pcap", .willAfterDisconnect, "MQTT311-3.14.4-3", 170),
    ])
    func faultFiresItsRuleOnly(_ name: String, _ rule: BrokerCheckRule, _ id: String, _ frame: FrameNumber) throws {
        let report = try check(Self.dir.appendingPathComponent(name))
        let bad = report.findings.filter { $0.finding.severity >= .warning }
        // Only the fault's rule (the routing fault misroutes the Will scenario's message too).
        #expect(!bad.isEmpty && bad.allSatisfy { $0.finding.rule.rawValue == id },
                "\(name): \(bad.map { "\($0.finding.rule): \($0.finding.message)" })")
        let f = try #require(bad.first).finding
        #expect(f.rule.rawValue == id && f.checkRule == rule.rawValue && f.verdict == .violation)
        #expect(f.frames == [frame])
        // The chain of evidence: the publisher's connection and frame (or the Will's CONNECT).
        #expect(f.message.contains("by connection #") || f.message.contains("is the Will of connection #"))
        // ... and as structured links, ending with the delivery.
        #expect(f.evidence.last?.role == .delivery && f.evidence.last?.frame == frame)
        #expect(f.evidence.contains { $0.role == .publish || $0.role == .will })
        #expect(f.evidence.contains { $0.role == .subscription && $0.filter != nil })
    }

    @Test(arguments: ["clean-faulty.pcap", "clean-mosquitto.pcap"])
    func cleanScenariosAreClean(_ name: String) throws {
        let report = try check(Self.dir.appendingPathComponent(name))
        #expect(report.connections.count == 12)
        #expect(report.findings.isEmpty, "\(name): \(report.findings.map { "\($0.finding.rule): \($0.finding.message)" })")
    }

    /// A second broker implementation (amqtt 0.12.1, 3.1.1 only; `scenarios.sh amqtt`): the 3.1.1
    /// scenarios of both sets are clean but for one real misbehaviour of amqtt: publishing an empty
    /// retained message (to clear it) makes amqtt send the old retained message back to the
    /// publisher, which has no subscription.
    @Test func secondBrokerAmqtt() throws {
        let report = try check(Self.dir.appendingPathComponent("clean-amqtt.pcap"))
        #expect(report.connections.count == 13)
        let found = report.findings.map(\.finding)
        #expect(found.count == 1, "\(found.map { "\($0.rule): \($0.message)" })")
        let f = try #require(found.first)
        #expect(f.rule.rawValue == "MQTT311-3.3.2-3" && f.verdict == .violation)
        #expect(report.findings.first?.clientID == "mqscope-pub-clear" && f.message.contains("no subscription"))
    }

    /// Ordered topics (`scenarios.sh order`): one publisher's four QoS 1 messages on one topic.
    @Test func orderedTopic() throws {
        let bad = try check(Self.dir.appendingPathComponent("order-fault-order.pcap")).findings.map(\.finding)
        #expect(bad.count == 2 && bad.allSatisfy { $0.rule.rawValue == "MQTT311-4.6.0-6" && $0.verdict == .violation
            && $0.checkRule == BrokerCheckRule.orderedTopic.rawValue }, "\(bad.map(\.message))")
        #expect(bad.first?.frames == [24] && bad.first?.evidence.map(\.role) == [.publish, .publish, .delivery, .subscription, .delivery])
        for name in ["order-clean-faulty.pcap", "order-clean-mosquitto.pcap"] {
            let report = try check(Self.dir.appendingPathComponent(name))
            #expect(report.connections.count == 2 && report.findings.isEmpty, "\(name)")
        }
    }

    /// Subscription Identifiers (`scenarios.sh subid`): mosquitto_sub 5.0 subscribes with identifier 7.
    @Test func subscriptionIdentifiers() throws {
        let bad = try check(Self.dir.appendingPathComponent("subid-fault-subid.pcap")).findings.map(\.finding)
        #expect(bad.count == 1 && bad.first?.rule.rawValue == "MQTT5-3.3.4-3" && bad.first?.verdict == .violation,
                "\(bad.map(\.message))")
        #expect(bad.first?.evidence.contains { $0.role == .subscription && $0.filter == "fault/subid/#" } ?? false)
        for name in ["subid-clean-faulty.pcap", "subid-clean-mosquitto.pcap"] {
            let report = try check(Self.dir.appendingPathComponent(name))
            #expect(report.connections.count == 2 && report.findings.isEmpty, "\(name)")
        }
    }

    /// Shared subscriptions (`scenarios.sh shared`): two 5.0 members of share group g, four messages.
    @Test func sharedOneCopyPerGroup() throws {
        let bad = try check(Self.dir.appendingPathComponent("shared-fault-shared.pcap")).findings.map(\.finding)
        #expect(bad.count == 4 && bad.allSatisfy { $0.rule.rawValue == "MQTT5-4.8.2-5" && $0.verdict == .violation },
                "\(bad.map(\.message))")
        #expect(bad.first?.evidence.first?.role == .delivery && bad.first?.evidence.last?.role == .delivery)
        for name in ["shared-clean-faulty.pcap", "shared-clean-mosquitto.pcap"] {
            let report = try check(Self.dir.appendingPathComponent(name))
            #expect(report.connections.count == 3 && report.findings.isEmpty, "\(name)")
        }
    }

    @Test func disabledByName() throws {
        var config = CheckConfig()
        config.disabled = [BrokerCheckRule.deliveryQoS.rawValue]
        let report = try check(Self.dir.appendingPathComponent("fault-qos.pcap"), config: config)
        #expect(report.findings.isEmpty)
    }
}

/// The Will rules (captures/broker/scenarios.sh will): one subscriber on fault/will/# throughout; a
/// 3.1.1 client with a Will killed and one ending with DISCONNECT; 5.0 clients with a Will Delay
/// killed, ending with DISCONNECT 0x04, and killed then resumed within the delay.
@Suite struct BrokerWillCaptureTests {
    static let dir = Paths.captures.appendingPathComponent("broker")

    @Test(arguments: [
        ("will-fault-drop-will.pcap", BrokerCheckRule.willPublished, ["MQTT311-3.1.2-8", "MQTT5-3.1.2-8", "MQTT5-3.1.2-8"]),
        ("will-fault-early-will.pcap", .willPublished, ["MQTT5-3.1.2-8", "MQTT5-3.1.2-8"]),
        ("will-fault-resume-will.pcap", .willNotAfterResume, ["MQTT5-3.1.3-9"]),
    ])
    func faultFiresItsRule(_ name: String, _ rule: BrokerCheckRule, _ ids: [String]) throws {
        let report = try check(Self.dir.appendingPathComponent(name))
        let found = report.findings.map(\.finding)
        #expect(found.map(\.rule.rawValue).sorted() == ids.sorted(), "\(name): \(found.map { "\($0.rule): \($0.message)" })")
        #expect(found.allSatisfy { $0.checkRule == rule.rawValue && $0.verdict == .violation && $0.severity == .warning })
        // The chain of evidence starts at the Will's CONNECT and names the delivery or its absence.
        #expect(found.allSatisfy { $0.evidence.first?.role == .will })
        #expect(found.allSatisfy { $0.evidence.contains { $0.role == .delivery || $0.role == .notDelivered } })
    }

    @Test(arguments: ["will-clean-faulty.pcap", "will-clean-mosquitto.pcap"])
    func cleanWillScenariosAreClean(_ name: String) throws {
        let report = try check(Self.dir.appendingPathComponent(name))
        #expect(report.connections.count == 7)
        #expect(report.findings.isEmpty, "\(name): \(report.findings.map { "\($0.finding.rule): \($0.finding.message)" })")
    }

    /// The default grace comes from the keep-alive and is stated; --grace replaces it; a window
    /// that runs past the capture's end makes "not published" unverifiable.
    @Test func graceIsStatedAndAWindowPastTheCaptureIsUnverifiable() throws {
        let url = Self.dir.appendingPathComponent("will-fault-drop-will.pcap")
        let byDefault = try check(url).findings.map(\.finding.message)
        #expect(byDefault.contains { $0.contains("grace 7.500 s assumed (1.5 × keep-alive 5 s") })
        var config = CheckConfig()
        config.willGrace = 1
        let short = try check(url, config: config).findings.map(\.finding)
        #expect(short.count == 3 && short.allSatisfy { $0.verdict == .violation && $0.message.contains("grace 1 s (--grace)") })
        config.willGrace = 100
        let long = try check(url, config: config).findings.map(\.finding)
        #expect(long.count == 3 && long.allSatisfy { $0.verdict == .unverifiable && $0.severity == .info })
        #expect(long.allSatisfy { $0.message.contains("the capture ends") })
    }

    /// `check --explain` and the JSON `evidence` array.
    @Test func evidenceInTextAndJSON() throws {
        let report = try check(Self.dir.appendingPathComponent("will-fault-drop-will.pcap"))
        let text = report.text(failOn: .error, explain: true)
        #expect(text.contains("    evidence: not-delivered #0 topic \"fault/will/abrupt311\""))
        #expect(!report.text(failOn: .error).contains("evidence:"))
        let doc = try #require(JSONSerialization.jsonObject(with: Data(report.json(failOn: .error).utf8)) as? [String: Any])
        let findings = try #require(doc["findings"] as? [[String: Any]])
        let chain = try #require(findings.first?["evidence"] as? [[String: Any]])
        #expect(chain.map { $0["role"] as? String } == ["will", "close", "subscription", "not-delivered"])
        #expect(chain[2]["filter"] as? String == "fault/will/#")
        #expect(chain[3]["frame"] is NSNull)
        // Per-connection findings carry none.
        let other = try check(Paths.captures.appendingPathComponent("hostile/gap-in-publish.pcap"))
        #expect(!other.json(failOn: .error).contains("\"evidence\""))
    }
}

/// The limits a 5.0 client announces, honoured by the server towards it (per-connection rules, made
/// to fire on real clients' traffic by captures/broker/faulty_broker.py: `scenarios.sh limits`).
@Suite struct ServerLimitCaptureTests {
    static let dir = Paths.captures.appendingPathComponent("broker")

    @Test(arguments: [
        ("limits-fault-receive-max.pcap", MQTTCheckRule.receiveMaximumExceededServer, 2),
        ("limits-fault-alias-max.pcap", .topicAliasAboveMaximumServer, 7),
        ("limits-fault-packet-size.pcap", .maximumPacketSizeExceededServer, 1),
    ])
    func faultFiresItsRule(_ name: String, _ rule: MQTTCheckRule, _ count: Int) throws {
        let found = try check(Self.dir.appendingPathComponent(name)).findings.map(\.finding)
        #expect(found.count == count && found.allSatisfy { $0.checkRule == rule.rawValue && $0.verdict == .violation },
                "\(name): \(found.map { "\($0.rule): \($0.message)" })")
    }

    @Test(arguments: ["limits-clean-faulty.pcap", "limits-clean-mosquitto.pcap"])
    func cleanIsClean(_ name: String) throws {
        let report = try check(Self.dir.appendingPathComponent(name))
        #expect(report.connections.count == 9)
        #expect(report.findings.isEmpty, "\(name): \(report.findings.map { "\($0.finding.rule): \($0.finding.message)" })")
    }
}

/// The checker fed packet by packet: a gap or a mid-stream start makes a would-be violation
/// unverifiable, once per connection.
@Suite struct BrokerCheckerUnitTests {
    struct Feed {
        var checker = BrokerChecker()
        var frame: FrameNumber = 0
        var counts: [ConnectionID: [Int]] = [:]
        mutating func send(_ conn: ConnectionID, _ d: Direction, _ bytes: [UInt8], v5: Bool = false, sawStart: Bool = true) {
            frame += 1
            var tree = FieldTree()
            var diags: [Diagnostic] = []
            let version: MQTTVersion = v5 ? .v5 : .v3_1_1
            let m = bytes.withUnsafeBufferPointer { MQTTDecoder.decode($0.span, version: version, into: &tree, diagnostics: &diags) }
            let k = Int(d.rawValue)
            var c = counts[conn] ?? [0, 0]
            let p = PacketPosition(direction: d, version: version, index: c[k],
                                   time: Timestamp(seconds: 1_700_000_000 + Int64(frame), nanoseconds: 0),
                                   streamRange: StreamRange(0, UInt64(bytes.count)), firstFrame: frame, lastFrame: frame,
                                   declaredSize: bytes.count)
            c[k] += 1
            counts[conn] = c
            bytes.withUnsafeBufferPointer {
                checker.packet(conn, sawStart: sawStart, message: m, pdu: $0.span, at: p, aliasTopic: nil)
            }
        }
    }

    static let suback0: [UInt8] = [0x90, 0x03, 0x00, 0x01, 0x00]

    func run(sawStart: Bool, gap: Bool) -> [BrokerChecker.Finding] {
        var f = Feed()
        f.send(1, .clientToServer, P.connect(id: "sub"), sawStart: sawStart)
        f.send(1, .serverToClient, P.connack(), sawStart: sawStart)
        f.send(1, .clientToServer, P.subscribe([("a/+", 0)]), sawStart: sawStart)
        f.send(1, .serverToClient, Self.suback0, sawStart: sawStart)
        if gap { f.checker.gap(1, frame: 99) }
        f.send(2, .clientToServer, P.connect(id: "pub"))
        f.send(2, .clientToServer, P.publish("a/b", qos: 1, id: 7))
        f.send(1, .serverToClient, P.publish("a/b", qos: 1, id: 1), sawStart: sawStart)
        f.send(1, .serverToClient, P.publish("x/y", qos: 0), sawStart: sawStart)
        f.send(1, .serverToClient, P.publish("a/b", qos: 1, id: 2), sawStart: sawStart)
        return f.checker.takeFindings()
    }

    @Test func wholeCaptureProvesViolations() {
        let found = run(sawStart: true, gap: false).map(\.finding)
        #expect(found.filter { $0.checkRule == BrokerCheckRule.deliveryQoS.rawValue }.count == 2)
        #expect(found.filter { $0.checkRule == BrokerCheckRule.deliveryMatchesSubscription.rawValue }.count == 1)
        #expect(found.allSatisfy { $0.verdict == .violation && $0.severity == .error })
    }

    @Test(arguments: [(false, false), (true, true)])
    func incompleteCaptureIsUnverifiable(_ sawStart: Bool, _ gap: Bool) {
        let found = run(sawStart: sawStart, gap: gap).map(\.finding)
        #expect(found.allSatisfy { $0.verdict == .unverifiable && $0.severity == .info })
        // Once per connection and rule.
        #expect(found.count == 2, "\(found.map(\.message))")
        #expect(found.allSatisfy { $0.message.contains(sawStart ? "gap" : "mid-stream") })
    }

    /// A Will discarded by DISCONNECT and then delivered; not when 5.0's reason 0x04 asked for it.
    @Test(arguments: [(UInt8(0x00), true), (0x04, false)])
    func willAfterDisconnect(_ reason: UInt8, _ fires: Bool) {
        var f = Feed()
        f.send(1, .clientToServer, P.connect(id: "sub", v5: true), v5: true)
        f.send(1, .clientToServer, P.subscribe([("w", 0)], v5: true), v5: true)
        f.send(1, .serverToClient, [0x90, 0x04, 0x00, 0x01, 0x00, 0x00], v5: true)
        // CONNECT with Will topic "w", payload "gone" (flags: will, clean start).
        let will = P.packet(0x10, P.str("MQTT") + [5, 0x06] + P.u16(60) + [0] + P.str("pub") + [0] + P.str("w") + P.str("gone"))
        f.send(2, .clientToServer, will, v5: true)
        f.send(2, .clientToServer, [0xE0, 0x02, reason, 0x00], v5: true)
        f.send(1, .serverToClient, P.publish("w", qos: 0, v5: true, payload: Array("gone".utf8)), v5: true)
        let found = f.checker.takeFindings().filter { $0.finding.checkRule == BrokerCheckRule.willAfterDisconnect.rawValue }
        #expect(found.count == (fires ? 1 : 0))
    }

    /// A Will due at a close: a subscriber captured mid-stream cannot prove it was not published.
    @Test(arguments: [true, false])
    func willNotPublished(_ subscriberWhole: Bool) {
        var f = Feed()
        f.send(1, .clientToServer, P.connect(id: "sub"), sawStart: subscriberWhole)
        f.send(1, .clientToServer, P.subscribe([("w/#", 1)]), sawStart: subscriberWhole)
        f.send(1, .serverToClient, [0x90, 0x03, 0x00, 0x01, 0x01], sawStart: subscriberWhole)
        let will = P.packet(0x10, P.str("MQTT") + [4, 0x06] + P.u16(4) + P.str("pub") + P.str("w/x") + P.str("gone"))
        f.send(2, .clientToServer, will)
        f.send(2, .serverToClient, P.connack())
        f.checker.connectionEnded(2, closed: true, time: Timestamp(seconds: 1_700_000_010, nanoseconds: 0), frame: 10)
        f.checker.finish(captureEnd: Timestamp(seconds: 1_700_000_100, nanoseconds: 0))
        let found = f.checker.takeFindings().map(\.finding)
        #expect(found.count == 1 && found.allSatisfy { $0.checkRule == BrokerCheckRule.willPublished.rawValue })
        #expect(found.first?.verdict == (subscriberWhole ? .violation : .unverifiable))
        #expect(found.first?.message.contains("grace 6 s assumed (1.5 × keep-alive 4 s") ?? false)
        if !subscriberWhole { #expect(found.first?.message.contains("mid-stream") ?? false) }
    }

    @Test func topicMatching() {
        func m(_ f: String, _ t: String) -> Bool { TopicMatch.matches(filter: f, topic: t) }
        #expect(m("a/#", "a") && m("a/#", "a/b/c") && m("#", "a/b") && m("a/+/c", "a/b/c") && m("+", "a"))
        #expect(m("+/+", "/finance") && m("/+", "/finance") && !m("+", "/finance"))
        #expect(!m("a/+", "a") && !m("a/b", "a/b/c") && !m("a/+/c", "a/b/d"))
        #expect(!m("#", "$SYS/x") && !m("+/x", "$SYS/x") && m("$SYS/#", "$SYS/x"))
        #expect(m("$share/g/a/#", "a/b") && !m("$share/g", "a"))
    }
}

/// Persistent sessions across connections (captures/broker/scenarios.sh session): paho-mqtt 3.1.1
/// and 5.0 clients leave a delivery unacknowledged and die, two messages are published while they
/// are away, they resume; mosquitto_sub -c leaves and resumes; a Clean Session 1 client comes back
/// with Clean Session 0. Each fault of faulty_broker.py fires its rule only.
@Suite struct BrokerSessionCaptureTests {
    static let dir = Paths.captures.appendingPathComponent("broker")

    @Test(arguments: [
        ("session-fault-no-present.pcap", BrokerCheckRule.sessionPresent, ["MQTT311-3.2.2-2", "MQTT311-3.2.2-2", "MQTT5-3.2.2-3"]),
        ("session-fault-stale-present.pcap", .sessionNotPresent, ["MQTT311-3.2.2-3"]),
        ("session-fault-drop-queued.pcap", .sessionQueued,
         ["MQTT311-3.1.2-5", "MQTT311-3.1.2-5", "MQTT311-3.1.2-5", "MQTT5-3.1.2-23", "MQTT5-3.1.2-23"]),
        ("session-fault-no-resend.pcap", .sessionResend, ["MQTT311-4.4.0-1", "MQTT5-4.4.0-1"]),
        ("session-fault-no-dup.pcap", .sessionDup, ["MQTT311-3.3.1-1", "MQTT5-3.3.1-1"]),
    ])
    func faultFiresItsRule(_ name: String, _ rule: BrokerCheckRule, _ ids: [String]) throws {
        let report = try check(Self.dir.appendingPathComponent(name))
        let found = report.findings.map(\.finding)
        #expect(found.map(\.rule.rawValue).sorted() == ids, "\(name): \(found.map { "\($0.rule): \($0.message)" })")
        #expect(found.allSatisfy { $0.checkRule == rule.rawValue && $0.verdict == .violation })
        // The chain of evidence: the earlier connection's close and the resumed connection's CONNECT.
        #expect(found.allSatisfy { $0.evidence.first?.role == .close && $0.evidence.contains { $0.role == .reconnect } })
    }

    @Test(arguments: ["session-clean-faulty.pcap", "session-clean-mosquitto.pcap"])
    func cleanSessionsAreClean(_ name: String) throws {
        let report = try check(Self.dir.appendingPathComponent(name))
        #expect(report.connections.count == 15)
        #expect(report.findings.isEmpty, "\(name): \(report.findings.map { "\($0.finding.rule): \($0.finding.message)" })")
    }

    /// A grace longer than the resumed connection lasted: a missing re-send is unverifiable, said why.
    @Test func shortConnectionIsUnverifiable() throws {
        var config = CheckConfig()
        config.willGrace = 60
        let found = try check(Self.dir.appendingPathComponent("session-fault-no-resend.pcap"), config: config).findings.map(\.finding)
        #expect(found.count == 2 && found.allSatisfy { $0.verdict == .unverifiable && $0.message.contains("grace 60 s (--grace)") })
    }

    /// Will Retain (`scenarios.sh willretain`): Wills with Will Retain 0 and 1, then a new subscription.
    @Test func willRetain() throws {
        let found = try check(Self.dir.appendingPathComponent("willretain-fault-will-retain.pcap")).findings.map(\.finding)
        #expect(found.map(\.rule.rawValue).sorted() == ["MQTT311-3.1.2-16", "MQTT311-3.1.2-17", "MQTT5-3.1.2-14", "MQTT5-3.1.2-15"],
                "\(found.map { "\($0.rule): \($0.message)" })")
        #expect(found.allSatisfy { $0.verdict == .violation && $0.evidence.first?.role == .will })
        #expect(found.filter { $0.checkRule == BrokerCheckRule.willNotRetained.rawValue }.allSatisfy { $0.severity == .error })
        #expect(found.filter { $0.checkRule == BrokerCheckRule.willRetained.rawValue }.allSatisfy { $0.severity == .warning })
        for name in ["willretain-clean-faulty.pcap", "willretain-clean-mosquitto.pcap"] {
            let report = try check(Self.dir.appendingPathComponent(name))
            #expect(report.connections.count == 10 && report.findings.isEmpty,
                    "\(name): \(report.findings.map { "\($0.finding.rule): \($0.finding.message)" })")
        }
    }
}

/// Sessions fed packet by packet: a PUBREL owed, a 5.0 Session Expiry Interval that has passed, an
/// earlier connection captured mid-stream.
@Suite struct BrokerSessionUnitTests {
    typealias Feed = BrokerCheckerUnitTests.Feed

    func end(_ f: inout Feed, _ c: ConnectionID) {
        f.checker.connectionEnded(c, closed: true, time: Timestamp(seconds: 1_700_000_000 + Int64(f.frame), nanoseconds: 0), frame: f.frame)
    }

    /// 3.1.1: a QoS 2 delivery PUBREC'd, its PUBREL sent, no PUBCOMP when the connection closed.
    @Test(arguments: [false, true])
    func pubrelResent(_ resent: Bool) {
        var f = Feed()
        f.send(1, .clientToServer, P.connect(id: "s", flags: 0x00))
        f.send(1, .serverToClient, P.connack())
        f.send(1, .clientToServer, P.subscribe([("a", 2)]))
        f.send(1, .serverToClient, [0x90, 0x03, 0x00, 0x01, 0x02])
        f.send(1, .serverToClient, P.publish("a", qos: 2, id: 5))
        f.send(1, .clientToServer, P.pubrec(5))
        f.send(1, .serverToClient, P.pubrel(5))
        end(&f, 1)
        f.send(2, .clientToServer, P.connect(id: "s", flags: 0x00))
        f.send(2, .serverToClient, P.connack(sessionPresent: true))
        if resent { f.send(2, .serverToClient, P.pubrel(5)) }
        f.frame += 5
        end(&f, 2)
        f.checker.finish(captureEnd: Timestamp(seconds: 1_700_000_100, nanoseconds: 0))
        let found = f.checker.takeFindings().map(\.finding)
        #expect(found.count == (resent ? 0 : 1), "\(found.map(\.message))")
        if !resent {
            #expect(found.first?.checkRule == BrokerCheckRule.sessionResend.rawValue && found.first?.verdict == .violation)
            #expect(found.first?.message.contains("PUBREL id 5") ?? false)
        }
    }

    /// 5.0: Session Expiry Interval 5 s; back 11 s later with Clean Start 0: no session (4.1.0-2);
    /// back within it: there is one.
    @Test(arguments: [(10, true), (0, false)])
    func expiredSession(_ later: Int, _ expired: Bool) {
        var f = Feed()
        f.send(1, .clientToServer, P.connect(id: "s", flags: 0x02, v5: true, props: [0x11, 0, 0, 0, 5]), v5: true)
        f.send(1, .serverToClient, P.connack(v5: true), v5: true)
        end(&f, 1)
        f.frame += FrameNumber(later)
        f.send(2, .clientToServer, P.connect(id: "s", flags: 0x00, v5: true, props: [0x11, 0, 0, 0, 60]), v5: true)
        f.send(2, .serverToClient, P.connack(sessionPresent: expired, v5: true), v5: true)
        f.frame += 5
        end(&f, 2)
        f.checker.finish(captureEnd: Timestamp(seconds: 1_700_000_100, nanoseconds: 0))
        let found = f.checker.takeFindings().map(\.finding)
        #expect(found.count == 1 && found.first?.verdict == .violation, "\(found.map(\.message))")
        #expect(found.first?.rule.rawValue == (expired ? "MQTT5-4.1.0-2" : "MQTT5-3.2.2-3"))
    }

    /// The earlier connection captured mid-stream: Session Present 0 is unverifiable.
    @Test func midStreamEarlierConnection() {
        var f = Feed()
        f.send(1, .clientToServer, P.connect(id: "s", flags: 0x00), sawStart: false)
        f.send(1, .serverToClient, P.connack(), sawStart: false)
        end(&f, 1)
        f.send(2, .clientToServer, P.connect(id: "s", flags: 0x00))
        f.send(2, .serverToClient, P.connack(sessionPresent: false))
        f.frame += 5
        end(&f, 2)
        f.checker.finish(captureEnd: Timestamp(seconds: 1_700_000_100, nanoseconds: 0))
        let found = f.checker.takeFindings().map(\.finding)
        #expect(found.count == 1 && found.first?.verdict == .unverifiable && found.first?.message.contains("mid-stream") == true,
                "\(found.map(\.message))")
    }
}

/// The retained store seen through its deliveries (captures/broker/scenarios.sh retained): a
/// retained message set, cleared with an empty retained PUBLISH, then a new subscription; and
/// §4.7.2's '$' topics.
@Suite struct BrokerRetainedTests {
    static let dir = Paths.captures.appendingPathComponent("broker")

    @Test(arguments: [
        ("retained-fault-retain-empty.pcap", BrokerCheckRule.retainedEmptyStored, ["MQTT311-3.3.1-11", "MQTT5-3.3.1-7"]),
        ("retained-fault-keep-cleared.pcap", .retainedCleared, ["MQTT311-3.3.1-10", "MQTT5-3.3.1-6"]),
    ])
    func faultFiresItsRule(_ name: String, _ rule: BrokerCheckRule, _ ids: [String]) throws {
        let found = try check(Self.dir.appendingPathComponent(name)).findings.map(\.finding)
        #expect(found.map(\.rule.rawValue).sorted() == ids, "\(name): \(found.map { "\($0.rule): \($0.message)" })")
        #expect(found.allSatisfy { $0.checkRule == rule.rawValue && $0.verdict == .violation && $0.severity == .error })
        #expect(found.allSatisfy { $0.evidence.contains { $0.role == .subscription } && $0.evidence.last?.role == .delivery })
    }

    @Test(arguments: ["retained-clean-faulty.pcap", "retained-clean-mosquitto.pcap"])
    func cleanIsClean(_ name: String) throws {
        let report = try check(Self.dir.appendingPathComponent(name))
        #expect(report.connections.count == 6)
        #expect(report.findings.isEmpty, "\(name): \(report.findings.map { "\($0.finding.rule): \($0.finding.message)" })")
    }

    /// [MQTT-4.7.2-1]: "#" does not match "$SYS/x"; "$SYS/#" does.
    @Test(arguments: [("#", true), ("$SYS/#", false)])
    func dollarTopicsAndWildcards(_ filter: String, _ fires: Bool) {
        var f = BrokerCheckerUnitTests.Feed()
        f.send(1, .clientToServer, P.connect(id: "sub"))
        f.send(1, .serverToClient, P.connack())
        f.send(1, .clientToServer, P.subscribe([(filter, 0)]))
        f.send(1, .serverToClient, BrokerCheckerUnitTests.suback0)
        f.send(1, .serverToClient, P.publish("$SYS/x", qos: 0))
        let found = f.checker.takeFindings().map(\.finding)
        #expect(found.count == (fires ? 1 : 0), "\(found.map(\.message))")
        if fires {
            #expect(found.first?.rule.rawValue == "MQTT311-3.3.2-3" && found.first?.message.contains("§4.7.2") == true)
        }
    }
}

/// The second broker on the session sets (`scenarios.sh amqtt-sessions`, amqtt 0.12.1, 3.1.1): its
/// real session misbehaviours are reported, Will Retain and the retained store are clean.
@Suite struct BrokerSessionAmqttTests {
    @Test func amqttSessions() throws {
        let report = try check(Paths.captures.appendingPathComponent("broker/amqtt-sessions.pcap"))
        #expect(report.connections.count == 18)
        let found = report.findings.map { "\($0.finding.rule.rawValue) \($0.clientID ?? "")" }.sorted()
        #expect(found == ["MQTT311-3.1.2-5 mqscope-session-sub", "MQTT311-3.2.2-2 mqscope-session-4",
                          "MQTT311-3.2.2-3 mqscope-session-fresh", "MQTT311-3.3.2-3 mqscope-pub-wr-clear-311"], "\(found)")
        #expect(report.findings.allSatisfy { $0.finding.verdict == .violation })
    }
}
