import WireCore

//  A property block (MQTT 5.0 §2.2.2):
//
//  +---------------------------+----------------------------------------------+
//  | Property Length (VBI)     | Property … Property                          |
//  +---------------------------+----------------------------------------------+
//  Property = Identifier (VBI, in practice 1 byte) + value of the identifier's type:
//    Byte | Two Byte Integer | Four Byte Integer | VBI | UTF-8 string (u16 length + bytes)
//    | UTF-8 string pair (two strings) | Binary Data (u16 length + bytes)
//
//  Tree: mqtt.properties { mqtt.properties.length, mqtt.property.<name> { mqtt.property.id,
//  [name/value for user properties] } … }. Each property node's value is the decoded value.

extension MQTTCursor {
    /// Decodes a property block for `context` into the tree and `props`. A Property Length that
    /// overruns the packet, or an unparseable property, stops at the block's end when that end is
    /// inside the packet (decoding continues after it), else stops the packet.
    mutating func properties(_ context: MQTTPacketSet, group: MQTTField, _ b: borrowing Span<UInt8>,
                             _ t: inout FieldTree, _ d: inout [Diagnostic],
                             into props: inout MQTTProperties) throws(MQTTStop) {
        let groupStart = pos
        let node = t.begin(group.id, at: groupStart)
        props.node = node
        defer { t.end(node) }
        let (length, lengthRange) = try vbi(b, &d)
        t.add(MQTTField.propertiesLength.id, lengthRange, .uint(UInt64(length)))
        let declaredEnd = pos + Int(length)
        let overruns = Int(length) > remaining
        if overruns {
            report(.propertyLength, ByteRange(lengthRange.lower, limit), &d,
                   "Property Length \(length), but \(remaining) byte\(remaining == 1 ? "" : "s") left in the packet")
        }
        let end = overruns ? limit : declaredEnd
        var block = MQTTCursor(pos: pos, limit: end, version: version)
        // Bits of identifiers seen so far, to find duplicates.
        var seen: UInt64 = 0
        while !block.atEnd {
            if !block.property(context, b, &t, &d, seen: &seen, into: &props) { break }
        }
        pos = end
        if overruns { throw .stop }
    }

    /// One property; false when the rest of the block cannot be parsed.
    private mutating func property(_ context: MQTTPacketSet, _ b: borrowing Span<UInt8>, _ t: inout FieldTree,
                                   _ d: inout [Diagnostic], seen: inout UInt64,
                                   into props: inout MQTTProperties) -> Bool {
        let start = pos
        let id: UInt32
        let idRange: ByteRange
        do throws(MQTTStop) {
            (id, idRange) = try vbi(b, &d)
        } catch {
            pos = limit
            return false
        }
        guard let p = MQTTProperty.lookup(UInt64(id)) else {
            // Without the identifier's type the value's length is unknown: skip the block's rest.
            let r = ByteRange(start, limit)
            t.add(MQTTField.propertyUnknown.id, r, .bytes(r))
            report(.propertyUnknown, idRange, &d, "identifier 0x\(Hex.byte(UInt8(truncatingIfNeeded: id)))\(id > 0xFF ? " (\(id))" : "") in \(context.name)")
            pos = limit
            return false
        }
        let node = t.begin(p.field.id, at: start)
        t.add(MQTTField.propertyID.id, idRange, .uint(UInt64(id)))
        var numeric: UInt64?
        var range = ByteRange(pos, pos)
        do throws(MQTTStop) {
            let valueStart = pos
            switch p.type {
            case .byte:
                try needInBlock(1, p, &d)
                numeric = UInt64(b[pos])
                pos += 1
            case .twoByteInteger:
                try needInBlock(2, p, &d)
                numeric = UInt64(try rawU16(b, &d))
            case .fourByteInteger:
                try needInBlock(4, p, &d)
                numeric = UInt64(try rawU32(b, &d))
            case .variableByteInteger:
                if case .needMore = MQTTVBI.decode(b, at: pos, limit: limit) {
                    report(.propertyLength, ByteRange(pos, limit), &d, "\(p.name) (0x\(Hex.byte(p.id))) runs past the property block")
                    throw .stop
                }
                numeric = UInt64(try vbi(b, &d).0)
            case .utf8String, .binaryData:
                try needInBlock(2, p, &d)
                let n = Int(UInt16(b[pos]) << 8 | UInt16(b[pos + 1]))
                try needInBlock(2 + n, p, &d)
                range = ByteRange(pos + 2, pos + 2 + n)
                pos += 2 + n
            case .utf8StringPair:
                try needInBlock(2, p, &d)
                let n1 = Int(UInt16(b[pos]) << 8 | UInt16(b[pos + 1]))
                try needInBlock(2 + n1 + 2, p, &d)
                let n2 = Int(UInt16(b[pos + 2 + n1]) << 8 | UInt16(b[pos + 3 + n1]))
                try needInBlock(2 + n1 + 2 + n2, p, &d)
                _ = try string(.propertyUserPropertyName, b, &t, &d, pairRule: true)
                _ = try string(.propertyUserPropertyValue, b, &t, &d, pairRule: true)
            }
            if numeric != nil { range = ByteRange(valueStart, pos) }
        } catch {
            // The value overran the block: the rest of the block is unusable.
            t.end(node, upper: limit)
            pos = limit
            return false
        }

        // Value into the tree.
        switch p.type {
        case .utf8String:
            let valid = checkUTF8(range, b, &d)
            t.setValue(node, .text(range, valid: valid))
        case .binaryData:
            t.setValue(node, p.id == 0x16 ? .redacted(range) : .bytes(range))
        case .utf8StringPair:
            break
        default:
            t.setValue(node, .uint(numeric ?? 0))
        }
        t.end(node, upper: pos)
        let whole = ByteRange(start, pos)

        if !p.packets.contains(context) {
            report(.propertyNotAllowed, whole, &d, "\(p.name) (0x\(Hex.byte(p.id))) in \(context.name)")
        }
        if seen & p.bit != 0 && !p.repeatable.contains(context) {
            report(.propertyDuplicate, whole, &d, "\(p.name) (0x\(Hex.byte(p.id))) appears again in \(context.name)")
        }
        seen |= p.bit
        if let v = numeric, !p.constraint.allows(v) {
            report(.propertyRange, range, &d, "\(p.name) (0x\(Hex.byte(p.id))) is \(v), \(p.constraint.expected)")
        }
        record(p, numeric, range, into: &props)
        return true
    }

    /// Like `need`, but an overrun inside a property block is a Property Length mismatch.
    private func needInBlock(_ n: Int, _ p: MQTTProperty, _ d: inout [Diagnostic]) throws(MQTTStop) {
        if n > remaining {
            report(.propertyLength, ByteRange(pos, limit), &d,
                   "\(p.name) (0x\(Hex.byte(p.id))) needs \(n) byte\(n == 1 ? "" : "s"), \(remaining) left in the property block")
            throw .stop
        }
    }

    private func record(_ p: MQTTProperty, _ v: UInt64?, _ r: ByteRange, into s: inout MQTTProperties) {
        let first = !s.has(p.id)
        s.present |= p.bit
        let u8 = UInt8(truncatingIfNeeded: v ?? 0)
        let u16 = UInt16(truncatingIfNeeded: v ?? 0)
        let u32 = UInt32(truncatingIfNeeded: v ?? 0)
        // Keep the first occurrence of a (wrongly) repeated property. The switch is over the
        // property's field and has no default: a new property row (a new field) does not
        // compile until its value has a place here.
        switch p.field {
        case .propertyPayloadFormatIndicator: if first { s.payloadFormatIndicator = u8 }
        case .propertyMessageExpiryInterval: if first { s.messageExpiryInterval = u32 }
        case .propertyContentType: if first { s.contentType = r }
        case .propertyResponseTopic: if first { s.responseTopic = r }
        case .propertyCorrelationData: if first { s.correlationData = r }
        case .propertySubscriptionIdentifier:
            if first { s.subscriptionIdentifier = u32 }
            s.subscriptionIdentifierCount += 1
        case .propertySessionExpiryInterval: if first { s.sessionExpiryInterval = u32 }
        case .propertyAssignedClientIdentifier: if first { s.assignedClientIdentifier = r }
        case .propertyServerKeepAlive: if first { s.serverKeepAlive = u16 }
        case .propertyAuthenticationMethod: if first { s.authenticationMethod = r }
        case .propertyAuthenticationData: if first { s.authenticationData = r }
        case .propertyRequestProblemInformation: if first { s.requestProblemInformation = u8 }
        case .propertyWillDelayInterval: if first { s.willDelayInterval = u32 }
        case .propertyRequestResponseInformation: if first { s.requestResponseInformation = u8 }
        case .propertyResponseInformation: if first { s.responseInformation = r }
        case .propertyServerReference: if first { s.serverReference = r }
        case .propertyReasonString: if first { s.reasonString = r }
        case .propertyReceiveMaximum: if first { s.receiveMaximum = u16 }
        case .propertyTopicAliasMaximum: if first { s.topicAliasMaximum = u16 }
        case .propertyTopicAlias: if first { s.topicAlias = u16 }
        case .propertyMaximumQoS: if first { s.maximumQoS = u8 }
        case .propertyRetainAvailable: if first { s.retainAvailable = u8 }
        case .propertyUserProperty: s.userPropertyCount += 1
        case .propertyMaximumPacketSize: if first { s.maximumPacketSize = u32 }
        case .propertyWildcardSubscriptionAvailable: if first { s.wildcardSubscriptionAvailable = u8 }
        case .propertySubscriptionIdentifierAvailable: if first { s.subscriptionIdentifierAvailable = u8 }
        case .propertySharedSubscriptionAvailable: if first { s.sharedSubscriptionAvailable = u8 }
        case .packet, .fixedHeader, .packetType, .flags, .flagsDup, .flagsQoS, .flagsRetain, .flagsReserved,
             .remainingLength, .variableHeader, .payload, .packetID, .trailingBytes, .connectProtocolName,
             .connectProtocolLevel, .connectFlags, .connectFlagsUserName, .connectFlagsPassword,
             .connectFlagsWillRetain, .connectFlagsWillQoS, .connectFlagsWill, .connectFlagsCleanSession,
             .connectFlagsReserved, .connectKeepAlive, .connectClientID, .connectWillProperties, .connectWillTopic,
             .connectWillPayload, .connectUserName, .connectPassword, .connackFlags, .connackFlagsSessionPresent,
             .connackFlagsReserved, .connackReturnCode, .connackReasonCode, .publishTopic, .publishPacketID,
             .publishPayload, .pubackReasonCode, .pubrecReasonCode, .pubrelReasonCode, .pubcompReasonCode,
             .subscribeSubscription, .subscribeTopicFilter, .subscribeOptions, .subscribeOptionsQoS,
             .subscribeOptionsNoLocal, .subscribeOptionsRetainAsPublished, .subscribeOptionsRetainHandling,
             .subscribeOptionsReserved, .subackReturnCode, .subackReasonCode, .unsubscribeTopicFilter,
             .unsubackReasonCode, .disconnectReasonCode, .authReasonCode, .properties, .propertiesLength,
             .propertyID, .propertyUnknown, .propertyUserPropertyName, .propertyUserPropertyValue:
            break
        }
    }
}
