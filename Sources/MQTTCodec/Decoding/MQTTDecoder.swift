public import WireCore

/// Decodes one complete MQTT packet into a `FieldTree` and a typed `MQTTMessage`.
///
/// Strict and total: any byte sequence decodes without trapping. Each problem adds a `Diagnostic`
/// on the exact byte range (ranges relative to the PDU's first byte) and decoding keeps whatever
/// it read (open groups are closed with `closeAll`). No `String` is created per field: names
/// come from `MQTTField.spec`, values are scalars and ranges into the PDU.
public enum MQTTDecoder {
    //  Fixed header (3.1.1 §2.2, 5.0 §2.1):
    //
    //   bit    7   6   5   4 | 3   2   1   0
    //        +---------------+---------------+
    //  byte 1| packet type   | flags         |   PUBLISH flags: DUP | QoS QoS | RETAIN
    //        +---------------+---------------+
    //  byte 2… Remaining Length (Variable Byte Integer, 1-4 bytes)
    //
    //  Tree: mqtt.packet { mqtt.fixed_header { packet_type, flags…, remaining_length },
    //                      mqtt.variable_header { … }, mqtt.payload { … } }

    /// Decodes `pdu` (one packet, as the framer hands it out). `version` is the connection's
    /// version (from its CONNECT; for a CONNECT itself its own protocol level wins). Appends to
    /// `tree` (call `reset()` first to reuse it) and `diagnostics`.
    public static func decode(_ pdu: Span<UInt8>, version: MQTTVersion, into tree: inout FieldTree,
                              diagnostics: inout [Diagnostic]) -> MQTTMessage {
        guard pdu.count > 0 else {
            diagnostics.append(MQTTRule.truncated.diagnostic(version, ByteRange(0, 0)))
            return .malformed
        }
        let b0 = pdu[0]
        let type = MQTTPacketType(firstByte: b0)
        let flags = b0 & 0x0F
        let root = tree.begin(MQTTField.packet.id, at: 0, .uint(UInt64(type.rawValue)))
        let fixed = tree.begin(MQTTField.fixedHeader.id, at: 0)
        let first = ByteRange(0, 1)
        tree.add(MQTTField.packetType.id, first, .uint(UInt64(type.rawValue)), bits: 0xF0)
        if type == .publish {
            let f = tree.begin(MQTTField.flags.id, at: 0, .uint(UInt64(flags)))
            tree.add(MQTTField.flagsDup.id, first, .bool(flags & 0x08 != 0), bits: 0x08)
            tree.add(MQTTField.flagsQoS.id, first, .uint(UInt64((flags >> 1) & 0x03)), bits: 0x06)
            tree.add(MQTTField.flagsRetain.id, first, .bool(flags & 0x01 != 0), bits: 0x01)
            tree.end(f, upper: 1)
        } else if version == .v3_1, type.requiredFlags == 0x2 {
            // MQTT 3.1 §2.1: the nibble is DUP, QoS, RETAIN in every message; PUBREL, SUBSCRIBE and
            // UNSUBSCRIBE are sent at QoS 1 with DUP set on a retry, and RETAIN is not used.
            let f = tree.begin(MQTTField.flags.id, at: 0, .uint(UInt64(flags)))
            tree.add(MQTTField.flagsDup.id, first, .bool(flags & 0x08 != 0), bits: 0x08)
            tree.add(MQTTField.flagsQoS.id, first, .uint(UInt64((flags >> 1) & 0x03)), bits: 0x06)
            tree.add(MQTTField.flagsReserved.id, first, .uint(UInt64(flags & 0x01)), bits: 0x01)
            tree.end(f, upper: 1)
        } else {
            tree.add(MQTTField.flagsReserved.id, first, .uint(UInt64(flags)), bits: 0x0F)
        }

        let remainingLength: Int
        let headerLength: Int
        switch MQTTVBI.decode(pdu, at: 1) {
        case .needMore:
            diagnostics.append(MQTTRule.truncated.diagnostic(version, ByteRange(1, pdu.count),
                                                             detail: "Remaining Length not finished in \(pdu.count - 1) byte(s)"))
            tree.closeAll()
            return .malformed
        case .tooLong:
            diagnostics.append(MQTTRule.remainingLengthTooLong.diagnostic(version, ByteRange(1, 5)))
            tree.closeAll()
            return .malformed
        case .value(let v, let n, let minimal):
            remainingLength = Int(v)
            headerLength = 1 + n
            let r = ByteRange(1, headerLength)
            tree.add(MQTTField.remainingLength.id, r, .uint(UInt64(v)))
            if !minimal {
                let rule = MQTTRule.pick(version, .remainingLengthNonMinimal, .vbiNonMinimal5)
                diagnostics.append(rule.diagnostic(version, r, detail: "Remaining Length \(v) in \(n) bytes"))
            }
        }
        tree.end(fixed)

        let header = MQTTFixedHeader(type: type, flags: flags, remainingLength: remainingLength,
                                     headerLength: headerLength)
        let declaredEnd = headerLength + remainingLength
        if declaredEnd > pdu.count {
            // The PDU holds fewer bytes than it declares (e.g. an oversize packet handed out
            // header-only): decode what is there.
            diagnostics.append(MQTTRule.truncated.diagnostic(version, ByteRange(1, headerLength),
                detail: "Remaining Length \(remainingLength) declares \(declaredEnd) bytes, \(pdu.count) present"))
        }
        let limit = Swift.min(declaredEnd, pdu.count)

        checkFixedFlags(type, flags, version, &diagnostics)

        var c = MQTTCursor(pos: headerLength, limit: limit, version: version)
        let message: MQTTMessage
        if !type.isValid(in: version) {
            diagnostics.append(MQTTRule.reservedType.diagnostic(version, first,
                detail: "packet type \(type.rawValue)\(type.isValid(in: .v5) ? " (\(type.name) exists only in MQTT 5.0)" : "")"))
            if c.pos < limit {
                let r = ByteRange(c.pos, limit)
                tree.add(MQTTField.trailingBytes.id, r, .bytes(r))
            }
            c.pos = limit
            message = .reserved(header)
        } else {
            message = body(header, pdu, &c, &tree, &diagnostics)
        }
        if declaredEnd < pdu.count {
            // Bytes past the declared packet (only when called with more than one packet).
            var tail = MQTTCursor(pos: declaredEnd, limit: pdu.count, version: version)
            tail.trailing(&tree, &diagnostics)
        }
        tree.closeAll()
        if root >= 0 {
            let rootRange = tree.nodes[root].range
            tree.setRange(root, ByteRange(0, Swift.max(rootRange.upper, Swift.min(declaredEnd, pdu.count))))
        }
        return message
    }

    /// Reserved flag nibble (3.1.1 §2.2.2 Table 2.2, 5.0 §2.1.3 Table 2-2). MQTT 3.1 sent
    /// PUBREL/SUBSCRIBE/UNSUBSCRIBE "at QoS 1" with DUP allowed on retries (0x2 or 0xA) and did
    /// not define the other packets' bits, so only that is checked there.
    static func checkFixedFlags(_ type: MQTTPacketType, _ flags: UInt8, _ version: MQTTVersion,
                                _ d: inout [Diagnostic]) {
        guard let required = type.requiredFlags, type.isValid(in: version), flags != required else { return }
        if version == .v3_1 {
            guard required == 0x2, flags != 0xA else { return }
        }
        let rule = MQTTRule.pick(version, .reservedFlags311, .reservedFlags5)
        d.append(rule.diagnostic(version, ByteRange(0, 1),
                                 detail: "\(type.name) flags 0x\(Hex.byte(flags)), expected 0x\(Hex.byte(required))"))
    }

    /// Decodes the variable header and payload of a packet whose type is valid in the version.
    static func body(_ h: MQTTFixedHeader, _ b: borrowing Span<UInt8>, _ c: inout MQTTCursor,
                     _ t: inout FieldTree, _ d: inout [Diagnostic]) -> MQTTMessage {
        switch h.type {
        case .connect:
            var m = MQTTConnect(header: h, version: c.version)
            do { try connect(b, &c, &t, &d, &m); c.trailing(&t, &d) } catch {}
            return .connect(m)
        case .connack:
            var m = MQTTConnack(header: h)
            do { try connack(b, &c, &t, &d, &m); c.trailing(&t, &d) } catch {}
            return .connack(m)
        case .publish:
            var m = MQTTPublish(header: h)
            do { try publish(b, &c, &t, &d, &m); c.trailing(&t, &d) } catch {}
            return .publish(m)
        case .puback, .pubrec, .pubrel, .pubcomp:
            var m = MQTTAck(header: h)
            do { try ack(b, &c, &t, &d, &m); c.trailing(&t, &d) } catch {}
            switch h.type {
            case .puback: return .puback(m)
            case .pubrec: return .pubrec(m)
            case .pubrel: return .pubrel(m)
            default: return .pubcomp(m)
            }
        case .subscribe:
            var m = MQTTSubscriptionPacket(header: h)
            do { try subscribe(b, &c, &t, &d, &m); c.trailing(&t, &d) } catch {}
            return .subscribe(m)
        case .suback:
            var m = MQTTSubscriptionPacket(header: h)
            do { try suback(b, &c, &t, &d, &m); c.trailing(&t, &d) } catch {}
            return .suback(m)
        case .unsubscribe:
            var m = MQTTSubscriptionPacket(header: h)
            do { try unsubscribe(b, &c, &t, &d, &m); c.trailing(&t, &d) } catch {}
            return .unsubscribe(m)
        case .unsuback:
            var m = MQTTSubscriptionPacket(header: h)
            do { try unsuback(b, &c, &t, &d, &m); c.trailing(&t, &d) } catch {}
            return .unsuback(m)
        case .pingreq:
            c.trailing(&t, &d)
            return .pingreq(h)
        case .pingresp:
            c.trailing(&t, &d)
            return .pingresp(h)
        case .disconnect, .auth:
            var m = MQTTReasonPacket(header: h)
            do { try reasonPacket(b, &c, &t, &d, &m); c.trailing(&t, &d) } catch {}
            return h.type == .auth ? .auth(m) : .disconnect(m)
        case .reserved:
            return .reserved(h)
        }
    }
}
