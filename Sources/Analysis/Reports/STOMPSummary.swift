import WireCore
import STOMPCodec
public import Rendering

/// The one-line description of a STOMP frame: version, command and key headers, e.g.
/// `STOMP 1.2 SEND destination="/queue/a" receipt="r-1" body=5B "hello"`.
public enum STOMPSummary {
    public static func write(_ e: STOMPFrameEvent, _ frame: Span<UInt8>, showSecrets: Bool, payloadLimit: Int,
                             into out: inout Output) {
        out.write("STOMP ")
        out.write(e.version.description)
        if e.isHeartBeat {
            out.write(e.streamRange.count == 2 ? " heart-beat (CR LF)" : " heart-beat (LF)")
            if e.transport != .tcp { out.write(" [\(e.transport.rawValue)]") }
            return
        }
        let s = e.summary
        out.write(" ")
        out.write(typeName(e))
        header(" destination=", s.destination, frame, &out)
        header(" id=", s.id, frame, &out)
        header(" subscription=", s.subscription, frame, &out)
        header(" message-id=", s.messageID, frame, &out)
        header(" ack=", s.ack, frame, &out)
        header(" transaction=", s.transaction, frame, &out)
        header(" receipt=", s.receipt, frame, &out)
        header(" receipt-id=", s.receiptID, frame, &out)
        header(" accept-version=", s.acceptVersion, frame, &out)
        header(" version=", s.version, frame, &out)
        header(" host=", s.host, frame, &out)
        header(" heart-beat=", s.heartBeatValue, frame, &out)
        header(" login=", s.login, frame, &out)
        if s.passcode != nil {
            if showSecrets { header(" passcode=", s.passcode, frame, &out) } else { out.write(" passcode=<redacted>") }
        }
        header(" server=", s.server, frame, &out)
        header(" session=", s.session, frame, &out)
        if s.body.count > 0 || s.contentLength != nil {
            out.write(" body="); out.decimal(s.body.count); out.write("B")
            if payloadLimit > 0 && s.body.count > 0 { out.write(" "); MQTTSummary.payload(s.body, frame, payloadLimit, &out) }
        }
        if !e.isComplete { out.write(" [incomplete: connection ended mid-frame]") }
        if e.transport != .tcp { out.write(" [\(e.transport.rawValue)]") }
    }

    /// The command as written ("SEND"), or the unknown command's text in quotes.
    public static func typeName(_ e: STOMPFrameEvent) -> String {
        if e.isHeartBeat { return "heart-beat" }
        if case .unknown(let b) = e.summary.command {
            return "unknown \"" + String(decoding: b.prefix(32), as: UTF8.self) + "\""
        }
        return e.summary.command.name
    }

    static func header(_ label: String, _ r: ByteRange?, _ frame: Span<UInt8>, _ out: inout Output) {
        guard let r else { return }
        out.write(label)
        MQTTSummary.quoted(r, frame, 64, &out)
    }
}
