import WireCore

extension MQTTDecoder {
    //  PUBLISH (3.1.1 §3.3, 5.0 §3.3)
    //
    //  +-----------+---------------+
    //  | 0011 DQQR | RL            |   D = DUP, QQ = QoS (3 is invalid), R = RETAIN
    //  +-----------+---------------+------------------------------------------------+
    //  | Topic Name (u16 length + UTF-8, no wildcards)                               |
    //  | [QoS 1, 2] Packet Identifier (2)                                            |
    //  | [5.0] Properties                                                            |
    //  +-----------------------------------------------------------------------------+
    //  | Payload: the rest of the packet (may be empty)                              |
    //  +-----------------------------------------------------------------------------+
    static func publish(_ b: borrowing Span<UInt8>, _ c: inout MQTTCursor, _ t: inout FieldTree,
                        _ d: inout [Diagnostic], _ m: inout MQTTPublish) throws(MQTTStop) {
        let v = c.version
        let first = ByteRange(0, 1)
        if m.qos == 3 { c.report(MQTTRule.pick(v, .publishQoS3_311, .publishQoS3_5), first, &d, "QoS bits 11 (3)") }
        if m.qos == 0 && m.dup { c.report(MQTTRule.pick(v, .publishDupQoS0_311, .publishDupQoS0_5), first, &d, "DUP 1 with QoS 0") }

        let vh = t.begin(MQTTField.variableHeader.id, at: c.pos)
        m.topic = try c.string(.publishTopic, b, &t, &d)
        for i in m.topic.range where b[i] == 0x23 || b[i] == 0x2B {  // '#', '+'
            c.report(MQTTRule.pick(v, .publishTopicWildcard311, .publishTopicWildcard5), ByteRange(i, i + 1), &d,
                     "Topic Name \(Quoted.text(m.topic, b)) has '\(b[i] == 0x23 ? "#" : "+")'")
            break
        }
        if m.qos != 0 {
            let at = c.pos
            let id = try c.u16(.publishPacketID, b, &t, &d)
            m.packetID = id
            // In 5.0 the statement id depends on who sent it (MQTT-2.2.1-3/-4): left to the checker.
            if id == 0 && v != .v5 { c.report(.packetIDZero311, ByteRange(at, at + 2), &d, "PUBLISH QoS \(m.qos) with Packet Identifier 0") }
        }
        if v == .v5 {
            try c.properties(.publish, group: .properties, b, &t, &d, into: &m.properties)
        }
        t.end(vh)

        let payload = t.begin(MQTTField.payload.id, at: c.pos)
        m.payload = ByteRange(c.pos, c.limit)
        t.add(MQTTField.publishPayload.id, m.payload, .bytes(m.payload))
        c.pos = c.limit
        t.end(payload, upper: c.limit)
    }

    //  PUBACK, PUBREC, PUBREL, PUBCOMP (3.1.1 §3.4-3.7, 5.0 §3.4-3.7)
    //
    //  +-----------+-----+---------------------------+---------------------+-------------------+
    //  | tttt 0000 | RL  | Packet Identifier (2)     | [5.0] Reason Code   | [5.0] Properties  |
    //  +-----------+-----+---------------------------+---------------------+-------------------+
    //  PUBREL flags are 0010. 3.x: RL is exactly 2. 5.0: RL 2 = Success without properties,
    //  RL 3 = reason code without properties (§3.4.2.1).
    static func ack(_ b: borrowing Span<UInt8>, _ c: inout MQTTCursor, _ t: inout FieldTree,
                    _ d: inout [Diagnostic], _ m: inout MQTTAck) throws(MQTTStop) {
        let vh = t.begin(MQTTField.variableHeader.id, at: c.pos)
        m.packetID = try c.u16(.packetID, b, &t, &d)
        if c.version == .v5 && !c.atEnd {
            let (field, rule): (MQTTField, MQTTRule) =
                switch m.header.type {
                case .puback: (.pubackReasonCode, .pubackReasonCode)
                case .pubrec: (.pubrecReasonCode, .pubrecReasonCode)
                case .pubrel: (.pubrelReasonCode, .pubrelReasonCode)
                default: (.pubcompReasonCode, .pubcompReasonCode)
                }
            let at = c.pos
            m.reasonCode = try c.u8(field, b, &t, &d)
            if !MQTTReasonCodes.isAllowed(m.reasonCode, in: m.header.type) {
                c.report(rule, ByteRange(at, at + 1), &d, "Reason Code 0x\(Hex.byte(m.reasonCode)) is not a \(m.header.type.name) reason code")
            }
            if !c.atEnd {
                try c.properties(MQTTPacketSet(m.header.type), group: .properties, b, &t, &d, into: &m.properties)
            }
        }
        t.end(vh)
    }
}
