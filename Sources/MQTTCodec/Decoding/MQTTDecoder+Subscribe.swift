import WireCore

extension MQTTDecoder {
    //  SUBSCRIBE (3.1.1 §3.8, 5.0 §3.8)
    //
    //  +-----------+-----+---------------------------+-------------------+
    //  | 1000 0010 | RL  | Packet Identifier (2)     | [5.0] Properties  |
    //  +-----------+-----+---------------------------+-------------------+
    //  | Payload, one or more: Topic Filter (u16 + UTF-8), options (1 byte)       |
    //  |   5.0 options: 7-6 reserved | 5-4 Retain Handling | 3 RAP | 2 NL | 1-0 QoS |
    //  |   3.x Requested QoS: 7-2 reserved | 1-0 QoS                              |
    //  +---------------------------------------------------------------------------+
    static func subscribe(_ b: borrowing Span<UInt8>, _ c: inout MQTTCursor, _ t: inout FieldTree,
                          _ d: inout [Diagnostic], _ m: inout MQTTSubscriptionPacket) throws(MQTTStop) {
        let v = c.version
        try packetIDAndProperties(.subscribe, b, &c, &t, &d, &m, checkZero: true)
        let payload = t.begin(MQTTField.payload.id, at: c.pos)
        m.payloadNode = payload
        m.entries = ByteRange(c.pos, c.pos)
        if c.atEnd {
            c.report(MQTTRule.pick(v, .subscribeEmpty311, .subscribeEmpty5), ByteRange(0, c.limit), &d, "SUBSCRIBE with no Topic Filter")
        }
        while !c.atEnd {
            let sub = t.begin(MQTTField.subscribeSubscription.id, at: c.pos)
            try c.string(.subscribeTopicFilter, b, &t, &d)
            m.entries.upper = c.pos
            try c.need(1, &d)
            let at = c.pos
            let o = b[at]
            let opts = MQTTSubscriptionOptions(o)
            typealias O = MQTTSubscriptionOptions
            let r = ByteRange(at, at + 1)
            let onode = t.begin(MQTTField.subscribeOptions.id, at: at, .uint(UInt64(o)))
            t.add(MQTTField.subscribeOptionsQoS.id, r, .uint(UInt64(opts.qos)), bits: UInt32(O.qosMask))
            if v == .v5 {
                t.add(MQTTField.subscribeOptionsNoLocal.id, r, .bool(opts.noLocal), bits: UInt32(O.noLocalMask))
                t.add(MQTTField.subscribeOptionsRetainAsPublished.id, r, .bool(opts.retainAsPublished),
                      bits: UInt32(O.retainAsPublishedMask))
                t.add(MQTTField.subscribeOptionsRetainHandling.id, r, .uint(UInt64(opts.retainHandling)),
                      bits: UInt32(O.retainHandlingMask))
                t.add(MQTTField.subscribeOptionsReserved.id, r, .uint(UInt64(opts.reserved(v))), bits: UInt32(O.reservedMask5))
            } else {
                t.add(MQTTField.subscribeOptionsReserved.id, r, .uint(UInt64(opts.reserved(v))), bits: UInt32(O.reservedMask3))
            }
            t.end(onode, upper: at + 1)
            c.pos += 1
            m.entries.upper = c.pos
            if v == .v5 {
                if o & 0xC0 != 0 { c.report(.subscribeReservedOptions5, r, &d, "Subscription Options 0x\(Hex.byte(o)): bits 7-6 must be 0") }
                if o & 0x03 == 3 || (o >> 4) & 0x03 == 3 {
                    c.report(.subscribeOptionValues5, r, &d,
                             "Subscription Options 0x\(Hex.byte(o)): \(o & 0x03 == 3 ? "Maximum QoS 3" : "Retain Handling 3")")
                }
            } else if o & 0xFC != 0 || o & 0x03 == 3 {
                c.report(.subscribeOptions311, r, &d,
                         "Requested QoS byte 0x\(Hex.byte(o)): \(o & 0x03 == 3 ? "QoS 3" : "reserved bits 7-2 not 0")")
            }
            t.end(sub)
            m.entryCount += 1
        }
        t.end(payload)
    }

    //  SUBACK (3.1.1 §3.9, 5.0 §3.9)
    //
    //  +-----------+-----+---------------------------+-------------------+------------------+
    //  | 1001 0000 | RL  | Packet Identifier (2)     | [5.0] Properties  | codes, 1 byte each|
    //  +-----------+-----+---------------------------+-------------------+------------------+
    static func suback(_ b: borrowing Span<UInt8>, _ c: inout MQTTCursor, _ t: inout FieldTree,
                       _ d: inout [Diagnostic], _ m: inout MQTTSubscriptionPacket) throws(MQTTStop) {
        let v = c.version
        try packetIDAndProperties(.suback, b, &c, &t, &d, &m, checkZero: false)
        let payload = t.begin(MQTTField.payload.id, at: c.pos)
        m.payloadNode = payload
        m.entries = ByteRange(c.pos, c.pos)
        while !c.atEnd {
            let at = c.pos
            m.entries.upper = at + 1
            if v == .v5 {
                let code = try c.u8(.subackReasonCode, b, &t, &d)
                if !MQTTReasonCodes.isAllowed(code, in: .suback) {
                    c.report(.subackReasonCode5, ByteRange(at, at + 1), &d, "Reason Code 0x\(Hex.byte(code)) is not a SUBACK reason code")
                }
            } else {
                let code = try c.u8(.subackReturnCode, b, &t, &d)
                if !MQTTReasonCodes.isValidSubackReturnCode(code, v) {
                    c.report(.subackReturnCode311, ByteRange(at, at + 1), &d, "Return Code 0x\(Hex.byte(code)), expected 0x00, 0x01, 0x02 or 0x80")
                }
            }
            m.entryCount += 1
        }
        t.end(payload)
    }

    //  UNSUBSCRIBE (3.1.1 §3.10, 5.0 §3.10)
    //
    //  +-----------+-----+---------------------------+-------------------+
    //  | 1010 0010 | RL  | Packet Identifier (2)     | [5.0] Properties  |
    //  +-----------+-----+---------------------------+-------------------+
    //  | Payload, one or more Topic Filters (u16 + UTF-8)                |
    //  +-----------------------------------------------------------------+
    static func unsubscribe(_ b: borrowing Span<UInt8>, _ c: inout MQTTCursor, _ t: inout FieldTree,
                            _ d: inout [Diagnostic], _ m: inout MQTTSubscriptionPacket) throws(MQTTStop) {
        let v = c.version
        try packetIDAndProperties(.unsubscribe, b, &c, &t, &d, &m, checkZero: true)
        let payload = t.begin(MQTTField.payload.id, at: c.pos)
        m.payloadNode = payload
        m.entries = ByteRange(c.pos, c.pos)
        if c.atEnd {
            c.report(MQTTRule.pick(v, .unsubscribeEmpty311, .unsubscribeEmpty5), ByteRange(0, c.limit), &d, "UNSUBSCRIBE with no Topic Filter")
        }
        while !c.atEnd {
            try c.string(.unsubscribeTopicFilter, b, &t, &d)
            m.entries.upper = c.pos
            m.entryCount += 1
        }
        t.end(payload)
    }

    //  UNSUBACK (3.1.1 §3.11, 5.0 §3.11)
    //
    //  +-----------+-----+---------------------------+---------------------------------------+
    //  | 1011 0000 | RL  | Packet Identifier (2)     | [5.0] Properties, reason codes (1 each) |
    //  +-----------+-----+---------------------------+---------------------------------------+
    //  3.x: RL is exactly 2 (no payload).
    static func unsuback(_ b: borrowing Span<UInt8>, _ c: inout MQTTCursor, _ t: inout FieldTree,
                         _ d: inout [Diagnostic], _ m: inout MQTTSubscriptionPacket) throws(MQTTStop) {
        try packetIDAndProperties(.unsuback, b, &c, &t, &d, &m, checkZero: false)
        guard c.version == .v5 else { return }
        let payload = t.begin(MQTTField.payload.id, at: c.pos)
        m.payloadNode = payload
        m.entries = ByteRange(c.pos, c.pos)
        while !c.atEnd {
            let at = c.pos
            m.entries.upper = at + 1
            let code = try c.u8(.unsubackReasonCode, b, &t, &d)
            if !MQTTReasonCodes.isAllowed(code, in: .unsuback) {
                c.report(.unsubackReasonCode5, ByteRange(at, at + 1), &d, "Reason Code 0x\(Hex.byte(code)) is not an UNSUBACK reason code")
            }
            m.entryCount += 1
        }
        t.end(payload)
    }

    /// The variable header shared by the four: Packet Identifier, then 5.0 properties.
    static func packetIDAndProperties(_ type: MQTTPacketType, _ b: borrowing Span<UInt8>, _ c: inout MQTTCursor,
                                      _ t: inout FieldTree, _ d: inout [Diagnostic],
                                      _ m: inout MQTTSubscriptionPacket, checkZero: Bool) throws(MQTTStop) {
        let vh = t.begin(MQTTField.variableHeader.id, at: c.pos)
        let at = c.pos
        m.packetID = try c.u16(.packetID, b, &t, &d)
        if checkZero && m.packetID == 0 {
            c.report(MQTTRule.pick(c.version, .packetIDZero311, .packetIDZero5), ByteRange(at, at + 2), &d,
                     "\(m.header.type.name) with Packet Identifier 0")
        }
        if c.version == .v5 {
            try c.properties(MQTTPacketSet(type), group: .properties, b, &t, &d, into: &m.properties)
        }
        t.end(vh)
    }

    //  DISCONNECT (5.0 §3.14) and AUTH (5.0 §3.15); in 3.x DISCONNECT has RL 0.
    //
    //  +-----------+-----+---------------------+-------------------+
    //  | 1110 0000 | RL  | [Reason Code (1)]   | [Properties]      |
    //  +-----------+-----+---------------------+-------------------+
    //  RL 0: reason 0x00 and no properties. DISCONNECT RL 1: reason only. AUTH: when the reason
    //  code is present the Property Length must follow (§3.15.2.2.1).
    static func reasonPacket(_ b: borrowing Span<UInt8>, _ c: inout MQTTCursor, _ t: inout FieldTree,
                             _ d: inout [Diagnostic], _ m: inout MQTTReasonPacket) throws(MQTTStop) {
        guard c.version == .v5, !c.atEnd else { return }
        let isAuth = m.header.type == .auth
        let vh = t.begin(MQTTField.variableHeader.id, at: c.pos)
        let at = c.pos
        m.reasonCode = try c.u8(isAuth ? .authReasonCode : .disconnectReasonCode, b, &t, &d)
        if !MQTTReasonCodes.isAllowed(m.reasonCode, in: m.header.type) {
            c.report(isAuth ? .authReasonCode5 : .disconnectReasonCode5, ByteRange(at, at + 1), &d,
                     "Reason Code 0x\(Hex.byte(m.reasonCode)) is not \(isAuth ? "an AUTH" : "a DISCONNECT") reason code")
        }
        if isAuth || !c.atEnd {
            try c.properties(MQTTPacketSet(m.header.type), group: .properties, b, &t, &d, into: &m.properties)
        }
        t.end(vh)
    }
}
