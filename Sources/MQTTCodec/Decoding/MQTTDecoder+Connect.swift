import WireCore

extension MQTTDecoder {
    //  CONNECT (3.1.1 §3.1, 5.0 §3.1)
    //
    //  +------+-----+------------------------------------------------------------+
    //  | 0x10 | RL  | Variable header                                            |
    //  +------+-----+------------------------------------------------------------+
    //  | 00 04 'M' 'Q' 'T' 'T'  (3.1: 00 06 'M' 'Q' 'I' 's' 'd' 'p')  Protocol Name |
    //  | level (3 = 3.1, 4 = 3.1.1, 5 = 5.0)                        Protocol Level |
    //  | 7 user | 6 pass | 5 will retain | 4-3 will QoS | 2 will | 1 clean | 0 rsv |
    //  | Keep Alive (2 bytes, seconds)                                             |
    //  | [5.0] Properties                                                          |
    //  +---------------------------------------------------------------------------+
    //  | Payload: Client Id, [5.0 Will Properties, ] [Will Topic, Will Payload,]   |
    //  |          [User Name,] [Password]   — each u16 length + bytes             |
    //  +---------------------------------------------------------------------------+
    static func connect(_ b: borrowing Span<UInt8>, _ c: inout MQTTCursor, _ t: inout FieldTree,
                        _ d: inout [Diagnostic], _ m: inout MQTTConnect) throws(MQTTStop) {
        let vh = t.begin(MQTTField.variableHeader.id, at: c.pos)
        let nameStart = c.pos
        m.protocolName = try c.string(.connectProtocolName, b, &t, &d)
        let nameRange = ByteRange(nameStart, c.pos)
        let levelAt = c.pos
        m.protocolLevel = try c.u8(.connectProtocolLevel, b, &t, &d)
        // The packet's own level decides how the rest of it is laid out.
        if let v = MQTTVersion(protocolLevel: m.protocolLevel) {
            c.version = v
            m.version = v
            if m.isBridge { c.report(.knownBridgeProtocolLevel, ByteRange(levelAt, levelAt + 1), &d) }
        } else {
            c.report(.protocolLevelUnknown, ByteRange(levelAt, levelAt + 1), &d)
        }
        if !nameMatches(m.protocolName, b, c.version) {
            c.report(MQTTRule.pick(c.version, .protocolName311, .protocolName5), nameRange, &d)
        }

        try c.need(1, &d)
        let at = c.pos
        let f = b[at]
        m.flags = f
        let r = ByteRange(at, at + 1)
        let fnode = t.begin(MQTTField.connectFlags.id, at: at, .uint(UInt64(f)))
        t.add(MQTTField.connectFlagsUserName.id, r, .bool(f & 0x80 != 0), bits: 0x80)
        t.add(MQTTField.connectFlagsPassword.id, r, .bool(f & 0x40 != 0), bits: 0x40)
        t.add(MQTTField.connectFlagsWillRetain.id, r, .bool(f & 0x20 != 0), bits: 0x20)
        t.add(MQTTField.connectFlagsWillQoS.id, r, .uint(UInt64((f >> 3) & 0x03)), bits: 0x18)
        t.add(MQTTField.connectFlagsWill.id, r, .bool(f & 0x04 != 0), bits: 0x04)
        t.add(MQTTField.connectFlagsCleanSession.id, r, .bool(f & 0x02 != 0), bits: 0x02)
        t.add(MQTTField.connectFlagsReserved.id, r, .bool(f & 0x01 != 0), bits: 0x01)
        t.end(fnode, upper: at + 1)
        c.pos += 1
        let v = c.version
        if f & 0x01 != 0 { c.report(MQTTRule.pick(v, .connectReservedFlag311, .connectReservedFlag5), r, &d) }
        if m.willFlag {
            if m.willQoS == 3 { c.report(MQTTRule.pick(v, .willQoS3_311, .willQoS3_5), r, &d) }
        } else {
            if m.willQoS != 0 { c.report(MQTTRule.pick(v, .willQoSWithoutWill311, .willQoSWithoutWill5), r, &d) }
            if m.willRetain {
                c.report(MQTTRule.pick(v, .willRetainWithoutWill311, .willRetainWithoutWill5), r, &d)
            }
        }
        // 5.0 allows a password without a user name (§3.1.2.9); 3.x does not.
        if v != .v5 && m.hasPassword && !m.hasUserName { c.report(.passwordWithoutUserName311, r, &d) }

        m.keepAlive = try c.u16(.connectKeepAlive, b, &t, &d)
        if v == .v5 {
            try c.properties(.connect, group: .properties, b, &t, &d, into: &m.properties)
        }
        t.end(vh)

        let payload = t.begin(MQTTField.payload.id, at: c.pos)
        m.clientID = try c.string(.connectClientID, b, &t, &d)
        if m.willFlag {
            if v == .v5 {
                try c.properties(.will, group: .connectWillProperties, b, &t, &d, into: &m.willProperties)
            }
            m.willTopic = try c.string(.connectWillTopic, b, &t, &d)
            m.willPayload = try c.binary(.connectWillPayload, b, &t, &d)
        }
        if m.hasUserName { m.userName = try c.string(.connectUserName, b, &t, &d) }
        if m.hasPassword { m.password = try c.binary(.connectPassword, b, &t, &d, redact: true) }
        t.end(payload)
    }

    /// "MQTT" for 3.1.1 and 5.0, "MQIsdp" for 3.1 (compared without allocating).
    static func nameMatches(_ r: ByteRange, _ b: borrowing Span<UInt8>, _ v: MQTTVersion) -> Bool {
        let expected: StaticString = v == .v3_1 ? "MQIsdp" : "MQTT"
        guard r.count == expected.utf8CodeUnitCount, r.upper <= b.count else { return false }
        let e = expected.utf8Start
        for i in 0..<r.count where b[r.lower + i] != e[i] { return false }
        return true
    }

    //  CONNACK (3.1.1 §3.2, 5.0 §3.2)
    //
    //  +------+-----+--------------------------------------+-------------------------+
    //  | 0x20 | RL  | 7-1 reserved | 0 Session Present      | Return / Reason Code    |
    //  +------+-----+--------------------------------------+-------------------------+
    //  | [5.0] Properties                                                           |
    //  +------------------------------------------------------------------------------+
    //  MQTT 3.1: the flags byte is unused (no Session Present), so it is not checked.
    static func connack(_ b: borrowing Span<UInt8>, _ c: inout MQTTCursor, _ t: inout FieldTree,
                        _ d: inout [Diagnostic], _ m: inout MQTTConnack) throws(MQTTStop) {
        let vh = t.begin(MQTTField.variableHeader.id, at: c.pos)
        try c.need(1, &d)
        let at = c.pos
        let f = b[at]
        m.flags = f
        let r = ByteRange(at, at + 1)
        let fnode = t.begin(MQTTField.connackFlags.id, at: at, .uint(UInt64(f)))
        if c.version == .v3_1 {
            // MQTT 3.1 §3.2: this byte is "Reserved values. Not used."; Session Present came with 3.1.1.
            t.add(MQTTField.connackFlagsReserved.id, r, .uint(UInt64(f)), bits: 0xFF)
        } else {
            t.add(MQTTField.connackFlagsSessionPresent.id, r, .bool(f & 0x01 != 0), bits: 0x01)
            t.add(MQTTField.connackFlagsReserved.id, r, .uint(UInt64(f >> 1)), bits: 0xFE)
        }
        t.end(fnode, upper: at + 1)
        c.pos += 1
        let v = c.version
        if v != .v3_1 && f & 0xFE != 0 {
            c.report(MQTTRule.pick(v, .connackReservedFlags311, .connackReservedFlags5), r, &d)
        }
        let codeAt = c.pos
        if v == .v5, m.header.remainingLength == 2, c.remaining == 1, b[codeAt] == 0x01 {
            // Not a 5.0 reason code (those are 0x00 or >= 0x80) but a 3.1.1 server's refusal of
            // the level: the 3.1.1 layout, return code 0x01, no properties.
            m.code = try c.u8(.connackReturnCode, b, &t, &d)
            m.refusedBy311Server = true
            c.report(.knownV5RefusedBy311Server, ByteRange(codeAt, codeAt + 1), &d)
        } else if v == .v5 {
            m.code = try c.u8(.connackReasonCode, b, &t, &d)
            if !MQTTReasonCodes.isAllowed(m.code, in: .connack) {
                c.report(.connackReasonCode5, ByteRange(codeAt, codeAt + 1), &d)
            }
            try c.properties(.connack, group: .properties, b, &t, &d, into: &m.properties)
        } else {
            m.code = try c.u8(.connackReturnCode, b, &t, &d)
            if m.code > 5 { c.report(.connackReturnCode311, ByteRange(codeAt, codeAt + 1), &d) }
        }
        t.end(vh)
    }
}
