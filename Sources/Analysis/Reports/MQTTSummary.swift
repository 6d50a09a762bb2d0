public import WireCore
import MQTTCodec
public import Rendering

/// The one-line description of an MQTT packet ("Info" in tshark's terms): its type and key
/// fields, e.g. `CONNECT v3.1.1 client_id="s1" keep_alive=60s clean`.
public enum MQTTSummary {
    public static func write(_ e: MQTTPacketEvent, _ pdu: Span<UInt8>, _ tree: borrowing FieldTree,
                             showSecrets: Bool, payloadLimit: Int, into out: inout Output) {
        guard let type = e.message.packetType else { out.write("Malformed (undecodable fixed header)"); return }
        out.write(type.name)
        switch e.message {
        case .connect(let c):
            out.write(" "); out.write(c.version.description)
            if c.isBridge { out.write(" bridge") }
            out.write(" client_id="); quoted(c.clientID, pdu, 64, &out)
            out.write(" keep_alive="); out.decimal(c.keepAlive); out.write("s")
            if c.cleanStart { out.write(c.version == .v5 ? " clean_start" : " clean_session") }
            if c.willFlag {
                out.write(" will_topic="); quoted(c.willTopic, pdu, 64, &out)
                out.write(" will_qos="); out.decimal(c.willQoS)
                if c.willRetain { out.write(" will_retain") }
            }
            if c.hasUserName { out.write(" user="); quoted(c.userName, pdu, 64, &out) }
            if c.hasPassword {
                if showSecrets { out.write(" password="); quoted(c.password, pdu, 64, &out) }
                else { out.write(" password=<redacted>") }
            }
        case .connack(let c):
            // MQTT 3.1 has no Session Present flag (its first CONNACK byte is reserved).
            if e.version != .v3_1 { out.write(" session_present="); out.decimal(c.sessionPresent ? 1 : 0) }
            // A 3.1.1 server's refusal of a 5.0 CONNECT is in the 3.1.1 format (MQTTKnownBehaviour).
            let format: MQTTVersion = c.refusedBy311Server ? .v3_1_1 : e.version
            out.write(format == .v5 ? " reason=" : " return_code=")
            code(c.code, type, format, &out)
            if c.refusedBy311Server { out.write(" [protocol version refused by a 3.1.1 server]") }
        case .publish(let p):
            out.write(" qos="); out.decimal(p.qos)
            if let id = p.packetID { out.write(" id="); out.decimal(id) }
            if p.dup { out.write(" dup") }
            if p.retain { out.write(" retain") }
            out.write(" topic=")
            if p.topic.isEmpty, let alias = e.aliasTopic {
                out.write("\""); out.write(alias); out.write("\"")
            } else { quoted(p.topic, pdu, 128, &out) }
            if let alias = p.properties.topicAlias { out.write(" alias="); out.decimal(alias) }
            out.write(" payload="); out.decimal(p.payload.count); out.write("B")
            if payloadLimit > 0 && !p.payload.isEmpty {
                out.write(" ")
                payload(p.payload, pdu, payloadLimit, &out)
            }
        case .puback(let a), .pubrec(let a), .pubrel(let a), .pubcomp(let a):
            out.write(" id="); out.decimal(a.packetID)
            if e.version == .v5 && a.reasonCode != 0 { out.write(" reason="); code(a.reasonCode, type, e.version, &out) }
        case .subscribe(let s), .unsubscribe(let s):
            out.write(" id="); out.decimal(s.packetID)
            entries(s, pdu, &out)
        case .suback(let s), .unsuback(let s):
            out.write(" id="); out.decimal(s.packetID)
            entries(s, pdu, &out)
        case .disconnect(let r), .auth(let r):
            if e.version == .v5 { out.write(" reason="); code(r.reasonCode, type, e.version, &out) }
        case .pingreq, .pingresp, .reserved, .malformed:
            break
        }
        if e.truncated { out.write(" [oversize: body of "); out.decimal(e.declaredSize); out.write(" bytes not decoded]") }
    }

    static func quoted(_ r: ByteRange?, _ pdu: Span<UInt8>, _ limit: Int, _ out: inout Output) {
        guard let r, r.lower >= 0, r.upper <= pdu.count else { out.write("-"); return }
        out.write("\"")
        out.text(pdu, r, limit: limit)
        out.write("\"")
    }

    static func payload(_ r: ByteRange, _ pdu: Span<UInt8>, _ limit: Int, _ out: inout Output) {
        guard r.lower >= 0, r.upper <= pdu.count else { return }
        if UTF8Validation.isDisplayableText(pdu.extracting(r.range)) {
            out.write("\""); out.text(pdu, r, limit: limit); out.write("\"")
        } else {
            out.write("0x"); out.hex(pdu, r, limit: limit)
        }
    }

    static func code(_ c: UInt8, _ type: MQTTPacketType, _ v: MQTTVersion, _ out: inout Output) {
        out.write("0x"); out.hexByte(c)
        let name: String?
        if v == .v5 { name = MQTTReasonCodes.name(c, in: type) }
        else if type == .connack { name = MQTTReasonCodes.connackReturnCodes.first { $0.0 == UInt64(c) }?.1 }
        else { name = nil }
        if let name { out.write(" ("); out.write(name); out.write(")") }
    }

    /// Topic filters with their QoS, or return/reason codes.
    static func entries(_ s: MQTTSubscriptionPacket, _ pdu: Span<UInt8>, _ out: inout Output) {
        let acks = s.header.type == .suback || s.header.type == .unsuback
        var first = true
        var entries = s.entryCursor()
        while let e = entries.next(pdu) {
            if acks {
                out.write(first ? " codes=" : ","); first = false
                out.write("0x"); out.hexByte(e.code)
            } else {
                out.write(first ? " " : ", "); first = false
                quoted(e.filter, pdu, 128, &out)
                if let o = e.options { out.write(" qos"); out.decimal(o.qos) }
            }
        }
    }
}
