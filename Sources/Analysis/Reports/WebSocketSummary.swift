import WireCore
import WebSocketCodec
public import Rendering

/// The one-line description of a WebSocket handshake head or frame, e.g.
/// `WebSocket Binary fin masked len=23` or `WebSocket 101 Switching protocol="mqtt" accept=valid`.
public enum WebSocketSummary {
    public static func write(_ e: WebSocketEventReport, _ bytes: Span<UInt8>, into out: inout Output) {
        out.write("WebSocket ")
        switch e.kind {
        case .handshake(let h):
            if h.isRequest {
                out.write(h.method ?? "request")
                out.write(h.upgrades ? " upgrade" : " (no upgrade)")
                if !h.offeredProtocols.isEmpty {
                    out.write(" protocols=\"")
                    out.write(h.offeredProtocols.joined(separator: ","))
                    out.write("\"")
                }
            } else {
                if let c = h.statusCode { out.decimal(c) } else { out.write("response") }
                out.write(h.upgrades ? " switching" : " (no upgrade)")
                if let p = h.selectedProtocol { out.write(" protocol=\""); out.write(p); out.write("\"") }
                if let ok = h.acceptMatches { out.write(ok ? " accept=valid" : " accept=INVALID") }
            }
            if !h.extensions.isEmpty { out.write(" extensions=\""); out.write(h.extensions.joined(separator: ",")); out.write("\"") }
        case .frame(let f):
            out.write(f.opcode.description)
            if f.opcode == .continuation, let m = f.messageOpcode { out.write("("); out.write(m.description); out.write(")") }
            if f.fin { out.write(" fin") }
            if f.rsv != 0 { out.write(" rsv=0x"); out.hexByte(f.rsv >> 4) }
            if f.masked { out.write(" masked") }
            out.write(" len="); out.decimal(f.payloadLength)
            if let c = f.closeCode { out.write(" code="); out.decimal(c) }
            if let inner = e.inner, f.opcode.isData, inner == .mqtt || inner == .stomp {
                out.write(" ["); out.write(inner.rawValue); out.write("]")
            }
        }
    }

    /// The JSON `type`: `handshake_request`, `handshake_response`, or the opcode's name.
    public static func typeName(_ e: WebSocketEventReport) -> String {
        switch e.kind {
        case .handshake(let h): h.isRequest ? "handshake_request" : "handshake_response"
        case .frame(let f): f.opcode.description
        }
    }
}
