import Testing
import Analysis
import DisplayFilters
import MQTTCodec
import Rendering
import WireCore

/// The filter language on hand-built units: a PUBLISH (topic, QoS, payload) and a CONNACK.
@Suite struct DisplayFilterTests {
    static let resolver = FieldResolver(registry: Catalogs.registry)

    /// A PUBLISH to "home/kitchen/temp" at QoS 1 with payload "21.5 C", from client "sensor-1".
    struct Unit {
        var subject: FilterSubject
        var pdu: [UInt8]
        var tree: FieldTree
    }

    static func publish(topic: String = "home/kitchen/temp", qos: UInt64 = 1) -> Unit {
        let t = Array(topic.utf8), payload = Array("21.5 C".utf8)
        let pdu: [UInt8] = [0x32, 0] + [0, UInt8(t.count)] + t + [0, 7] + payload
        var tree = FieldTree()
        let p = tree.begin(MQTTField.packet.id, at: 0)
        tree.add(MQTTField.packetType.id, ByteRange(0, 1), .uint(3), bits: 0xF0)
        tree.add(MQTTField.flagsQoS.id, ByteRange(0, 1), .uint(qos), bits: 0x06)
        tree.add(MQTTField.flagsRetain.id, ByteRange(0, 1), .bool(false), bits: 0x01)
        tree.add(MQTTField.publishTopic.id, ByteRange(4, 4 + t.count), .text(ByteRange(4, 4 + t.count), valid: true))
        tree.add(MQTTField.publishPacketID.id, ByteRange(4 + t.count, 6 + t.count), .uint(7))
        tree.add(MQTTField.publishPayload.id, ByteRange(6 + t.count, pdu.count), .bytes(ByteRange(6 + t.count, pdu.count)))
        tree.end(p)
        var s = FilterSubject(proto: .mqtt)
        s.typeCode = 3
        s.frame = 42
        s.connection = 2
        s.clientID = "sensor-1"
        s.version = 50000
        return Unit(subject: s, pdu: pdu, tree: tree)
    }

    static func connack(code: UInt64) -> Unit {
        let pdu: [UInt8] = [0x20, 2, 0, UInt8(code)]
        var tree = FieldTree()
        let p = tree.begin(MQTTField.packet.id, at: 0)
        tree.add(MQTTField.packetType.id, ByteRange(0, 1), .uint(2), bits: 0xF0)
        tree.add(MQTTField.connackReturnCode.id, ByteRange(3, 4), .uint(code))
        tree.end(p)
        var s = FilterSubject(proto: .mqtt)
        s.typeCode = 2
        s.frame = 7
        s.connection = 1
        s.clientToServer = false
        s.version = 30101
        return Unit(subject: s, pdu: pdu, tree: tree)
    }

    /// Deciding before decoding (`read -Y` skips the decode of packets a filter rejects on their
    /// type and event facts): an answer only where no other field is needed, and then the same as
    /// `matches` on the decoded unit.
    @Test func decidesBeforeDecodingOnlyWhatTheTypeAndFactsDecide() throws {
        let cases: [(String, Bool?, Bool?)] = [   // expression, PUBLISH, CONNACK (nil: undecided)
            ("mqtt.msgtype != 3 && mqtt.msgtype != 4", false, true),
            ("mqtt.msgtype == 3", true, false),
            ("mqtt.msgtype in {2 8}", false, true),
            ("!(mqtt.msgtype == 2) || frame == 7", true, true),
            ("mqtt.msgtype == 3 && mqtt.topic contains \"home\"", nil, false),
            ("mqtt.msgtype == 2 && mqtt.conack.val == 0", false, nil),
            ("mqtt.topic", nil, nil),
            ("connection == 2", true, false),
            ("type", nil, nil),
        ]
        for (expr, onPublish, onConnack) in cases {
            let f = try DisplayFilter.compile(expr, resolver: Self.resolver)
            for (u, want) in [(Self.publish(), onPublish), (Self.connack(code: 0), onConnack)] {
                let early = f.decideBeforeDecoding(u.subject, pdu: u.pdu.span, typeField: MQTTField.packetType.id,
                                                   typeValue: UInt64(u.pdu[0] >> 4))
                #expect(early == want, "\(expr) on type \(u.pdu[0] >> 4)")
                if let early { #expect(early == f.matches(u.subject, pdu: u.pdu.span, tree: u.tree), "\(expr)") }
            }
        }
    }

    static func eval(_ expr: String, _ u: Unit) throws -> Bool {
        let f = try DisplayFilter.compile(expr, resolver: resolver)
        return f.matches(u.subject, pdu: u.pdu.span, tree: u.tree)
    }

    @Test("expressions on a PUBLISH", arguments: [
        ("mqtt", true), ("stomp", false), ("websocket", false), ("!stomp", true), ("not stomp", true),
        ("mqtt.packet_type == PUBLISH", true), ("mqtt.packet_type == 3", true), ("mqtt.packet_type == publish", true),
        ("mqtt.msgtype == 3", true), ("mqtt.packet_type != 3", false), ("mqtt.packet_type eq 3", true),
        ("mqtt.flags.qos > 0", true), ("mqtt.flags.qos >= 2", false), ("mqtt.flags.qos < 2", true),
        ("mqtt.flags.qos <= 0", false), ("mqtt.flags.qos in {1 2}", true), ("mqtt.flags.qos in {0, 2}", false),
        ("mqtt.flags.qos in {1..2}", true), ("mqtt.flags.retain == false", true), ("mqtt.flags.retain", true),
        ("mqtt.publish.topic == \"home/kitchen/temp\"", true), ("mqtt.publish.topic == \"home/kitchen\"", false),
        ("mqtt.publish.topic contains \"kitchen\"", true), ("mqtt.publish.topic contains \"garage\"", false),
        ("mqtt.publish.topic matches \"home/+/temp\"", true), ("mqtt.publish.topic matches \"home/#\"", true),
        ("mqtt.publish.topic matches \"home/+\"", false), ("mqtt.publish.topic ~ \"#\"", true),
        ("topic matches \"home/kitchen/#\"", true), ("mqtt.topic == \"home/kitchen/temp\"", true),
        ("mqtt.publish.payload contains \"21.5\"", true), ("mqtt.publish.payload == \"21.5 C\"", true),
        ("mqtt.publish.payload matches \"^[0-9.]+ C$\"", true), ("mqtt.publish.payload matches \"F$\"", false),
        ("mqtt.connack.return_code == 0", false), ("mqtt.connack.return_code != 0", false),
        ("!mqtt.connack.return_code", true), ("frame == 42", true), ("frame > 42", false),
        ("connection in {1 2 3}", true), ("direction == c2s", true), ("direction == server_to_client", false),
        ("client_id == \"sensor-1\"", true), ("client_id contains \"sensor\"", true), ("client_id matches \"-[0-9]$\"", true),
        ("version == 5", true), ("version >= 3.1.1", true), ("version == 3.1.1", false),
        ("type == PUBLISH", true), ("type != PUBLISH", false), ("type in {CONNECT SEND PUBLISH}", true),
        ("mqtt && (frame == 1 || frame == 42)", true), ("mqtt and frame == 1 or frame == 42", true),
        ("mqtt && frame == 1 || stomp", false), ("!(mqtt.flags.qos == 1)", false), ("mqtt.packet_id", false),
        ("mqtt.publish.packet_id == 0x07", true),
    ])
    func onPublish(_ expr: String, _ expected: Bool) throws {
        #expect(try Self.eval(expr, Self.publish()) == expected, "\(expr)")
    }

    @Test func notEqualNeedsThePresentField() throws {
        #expect(try Self.eval("mqtt.connack.return_code != 0", Self.connack(code: 5)))
        #expect(try !Self.eval("mqtt.connack.return_code != 0", Self.connack(code: 0)))
        #expect(try Self.eval("mqtt.conack.val != 0", Self.connack(code: 5)))
        #expect(try Self.eval("mqtt.connack.return_code == \"Connection Refused, not authorized\"", Self.connack(code: 5)))
        #expect(try Self.eval("direction == s2c && version == 3.1.1", Self.connack(code: 0)))
    }

    @Test func topicFilterSemantics() throws {
        // '$' topics are not matched by a leading wildcard (MQTT 3.1.1 §4.7.2).
        #expect(try !Self.eval("topic matches \"#\"", Self.publish(topic: "$SYS/broker/load")))
        #expect(try Self.eval("topic matches \"$SYS/#\"", Self.publish(topic: "$SYS/broker/load")))
        // "sport/#" matches "sport" itself (§4.7.1.2); "+" matches an empty level.
        #expect(try Self.eval("topic matches \"sport/#\"", Self.publish(topic: "sport")))
        #expect(try Self.eval("topic matches \"a/+/c\"", Self.publish(topic: "a//c")))
        #expect(try !Self.eval("topic matches \"a/+\"", Self.publish(topic: "a")))
    }

    @Test("mistakes name their column", arguments: [
        ("", 1, "empty"),
        ("mqtt.packet_type = 3", 18, "'=='"),
        ("mqtt.packet_tipe == 3", 1, "unknown field 'mqtt.packet_tipe'"),
        ("mqtt.flags.qos == ", 19, "expected a value"),
        ("(mqtt || stomp", 15, "expected ')'"),
        ("mqtt)", 5, "')' without"),
        ("mqtt.flags.qos == high", 19, "not a number or a value name"),
        ("mqtt.publish.topic matches \"a/#/b\"", 28, "not a valid MQTT topic filter"),
        ("mqtt.publish.payload matches \"(\"", 30, "not a valid regular expression"),
        ("client_id == \"open", 14, "no closing"),
        ("mqtt.flags.qos contains \"1\"", 16, "'contains' needs a string"),
        ("type == NOPE", 9, "unknown type"),
        ("mqtt stomp", 6, "expected '&&', '||'"),
        ("mqtt.flags.qos in {1 2", 23, "expected '}'"),
        ("version == x.y", 12, "not a version"),
        ("mqtt.packet == 1", 16, "group of fields"),
        ("mqtt & stomp", 6, "'&&'"),
    ])
    func errors(_ expr: String, _ column: Int, _ fragment: String) {
        do {
            _ = try DisplayFilter.compile(expr, resolver: Self.resolver)
            Issue.record("'\(expr)' compiled")
        } catch {
            #expect(error.column == column, "\(expr): \(error.message)")
            #expect(error.message.contains(fragment), "\(expr): \(error.message)")
            #expect(error.description.contains("\n  " + expr + "\n"))
        }
    }

    @Test func andCombinesTwoFilters() throws {
        let a = try DisplayFilter.compile("mqtt.flags.qos == 1 || frame == 1", resolver: Self.resolver)
        let b = try DisplayFilter.compile("!(client_id == \"x\") && connection == 2", resolver: Self.resolver)
        let u = Self.publish()
        let ab = a.and(b).matches(u.subject, pdu: u.pdu.span, tree: u.tree)
        #expect(ab)
        let c = try DisplayFilter.compile("connection == 3", resolver: Self.resolver)
        let ac = a.and(c).matches(u.subject, pdu: u.pdu.span, tree: u.tree)
        #expect(!ac)
        #expect(DisplayFilter().acceptsAll && !a.acceptsAll)
        #expect(try !DisplayFilter.compile("frame == 1", resolver: Self.resolver).needsFields)
        #expect(try DisplayFilter.compile("mqtt.flags.qos == 1", resolver: Self.resolver).needsFields)
    }

    @Test func columns() throws {
        var style = FieldColumns.Style()
        #expect(style.apply("header=y") == nil && style.apply("separator=,") == nil && style.apply("quote=d") == nil)
        #expect(style.apply("quote=x") != nil && style.apply("bogus") != nil)
        let c = try FieldColumns(["frame", "type", "topic", "mqtt.flags.qos", "mqtt.publish.payload", "client_id", "version"],
                                 resolver: Self.resolver, style: style, showSecrets: false)
        var out = Output(fd: -1, threshold: Int.max)
        c.writeHeader(into: &out)
        let u = Self.publish()
        c.writeRow(u.subject, pdu: u.pdu.span, tree: u.tree, into: &out)
        #expect(String(decoding: out.buffer, as: UTF8.self) == """
            "frame","type","topic","mqtt.flags.qos","mqtt.publish.payload","client_id","version"
            "42","PUBLISH","home/kitchen/temp","1","32312e352043","sensor-1","5.0"

            """)
        #expect(throws: DisplayFilterError.self) {
            try FieldColumns(["mqtt.nope"], resolver: Self.resolver, style: .init(), showSecrets: false)
        }
    }
}
