import WireCore

/// STOMP fields (catalog 2). The one declaration of every STOMP field.
public enum STOMPField: UInt16, FieldCatalog {
    case frame = 0
    case command
    case header
    case headerName
    case headerValue
    case headerRepeated
    case headerContentLength
    case headerHeartBeatSend
    case headerHeartBeatReceive
    case body
    case bodyLength
    case frameEnd

    public static let catalogNumber: UInt16 = 2

    static let commandNames: [(UInt64, String)] = (STOMPCommand.clientCommands + STOMPCommand.serverCommands)
        .map { ($0.code, $0.name) } + [(0, "unknown")]

    public var spec: FieldSpec {
        switch self {
        case .frame:
            FieldSpec("stomp.frame", "STOMP Frame", .group, meaning: "One STOMP frame: command, headers, body, NUL.",
                      ref: "STOMP 1.2 Frames and Headers")
        case .command:
            FieldSpec("stomp.command", "Command", .text, .text,
                      meaning: "The frame command (case-sensitive); the value is the command's text.",
                      ref: "STOMP 1.2 Frames and Headers")
        case .header:
            FieldSpec("stomp.header", "Header", .group, meaning: "One header line: name ':' value EOL.",
                      ref: "STOMP 1.2 Frames and Headers")
        case .headerName:
            FieldSpec("stomp.header.name", "Name", .text, .text, meaning: "Header name as on the wire (escaped in 1.1+).",
                      ref: "STOMP 1.2 Value Encoding")
        case .headerValue:
            FieldSpec("stomp.header.value", "Value", .text, .text,
                      meaning: "Header value as on the wire (escaped in 1.1+); passcode is redacted.",
                      ref: "STOMP 1.2 Value Encoding")
        case .headerRepeated:
            FieldSpec("stomp.header.repeated", "Repeated (ignored)", .flag, .setNotSet,
                      meaning: "A later entry of a header already present: only the first is used.",
                      ref: "STOMP 1.2 Repeated Header Entries")
        case .headerContentLength:
            FieldSpec("stomp.header.content_length", "Content Length", .uint32, .decimalUnit("bytes"),
                      meaning: "The content-length value: the body's octet count.", ref: "STOMP 1.2 Header content-length")
        case .headerHeartBeatSend:
            FieldSpec("stomp.header.heart_beat.send", "Heart-beat Send", .uint32, .decimalUnit("ms"),
                      meaning: "Smallest interval the sender can send heart-beats at (cx or sx); 0 = cannot.",
                      ref: "STOMP 1.2 Heart-beating")
        case .headerHeartBeatReceive:
            FieldSpec("stomp.header.heart_beat.receive", "Heart-beat Receive", .uint32, .decimalUnit("ms"),
                      meaning: "Desired interval of heart-beats from the peer (cy or sy); 0 = none wanted.",
                      ref: "STOMP 1.2 Heart-beating")
        case .body:
            FieldSpec("stomp.body", "Body", .binary, .bytes, meaning: "The octets between the blank line and the NUL.",
                      ref: "STOMP 1.2 Body")
        case .bodyLength:
            FieldSpec("stomp.body.length", "Body Length", .uint32, .decimalUnit("bytes"),
                      meaning: "The body's length in octets.", ref: "STOMP 1.2 Body")
        case .frameEnd:
            FieldSpec("stomp.frame_end", "Frame End (NUL)", .uint8, .hex, meaning: "The NUL octet that ends the frame.",
                      ref: "STOMP 1.2 Frames and Headers")
        }
    }
}
