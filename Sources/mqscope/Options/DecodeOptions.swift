import ArgumentParser
import Analysis
import MQTTCodec
import Rendering
import DisplayFilters
import Foundation

extension MQTTVersion: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.lowercased() {
        case "3.1", "31", "3": self = .v3_1
        case "3.1.1", "311", "4": self = .v3_1_1
        case "5", "5.0", "50": self = .v5
        default: return nil
        }
    }
    public static var allValueStrings: [String] { ["3.1", "3.1.1", "5"] }
}

/// How packets are decoded and shown: shared by `read`, `decode` and `live`.
struct DecodeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Decode every connection as this MQTT version (3.1, 3.1.1 or 5) instead of the version its CONNECT announces or the packets suggest.", valueName: "version"))
    var mqttVersion: MQTTVersion?

    @Flag(help: "Show CONNECT passwords and MQTT 5 authentication data (redacted by default).")
    var showSecrets = false

    @Option(help: ArgumentHelp("Show at most this many bytes of each payload and string (0 = all).", valueName: "bytes"))
    var payloadLimit: Int = 256

    func validate() throws {
        if payloadLimit < 0 { throw ValidationError("--payload-limit cannot be negative (0 shows everything).") }
    }

    func renderContext() -> FieldRenderContext {
        var c = FieldRenderContext(registry: Catalogs.registry)
        c.showSecrets = showSecrets
        c.payloadLimit = max(0, payloadLimit)
        return c
    }
}

/// Which packets to show.
struct FilterOptions: ParsableArguments {
    @Option(name: [.customShort("Y"), .customLong("display-filter")],
            help: ArgumentHelp("Show only units this display filter selects, e.g. 'mqtt.packet_type == PUBLISH && mqtt.flags.qos > 0' (see README, Display filters).", valueName: "expr"))
    var displayFilter: String?

    @Option(name: .customLong("type"), help: ArgumentHelp("Show only units of this type: an MQTT packet type (PUBLISH), a STOMP command (SEND) or a WebSocket opcode (Text; repeatable).", valueName: "type"))
    var types: [String] = []

    @Option(name: .customLong("connection"), help: ArgumentHelp("Show only this connection (its ID in `streams`; repeatable).", valueName: "id"))
    var connections: [UInt32] = []

    @Option(name: .customLong("client-id"), help: ArgumentHelp("Show only connections whose CONNECT carried this client id (repeatable).", valueName: "id"))
    var clientIDs: [String] = []

    @Option(name: .customLong("topic"), help: ArgumentHelp("Show only MQTT PUBLISH, SUBSCRIBE and UNSUBSCRIBE packets and STOMP frames whose topic or destination matches this filter ('+' and '#' wildcards; repeatable).", valueName: "filter"))
    var topics: [String] = []

    @Option(name: .customLong("frame"), help: ArgumentHelp("Show only what frame N carried (the packets a finding's 'frame N' names; frame numbers as in Wireshark, per file).", valueName: "n"))
    var frame: UInt64?

    func validate() throws {
        let known = FieldResolver.typeNameList
        for t in types where !known.contains(t.uppercased()) {
            throw ValidationError("Unknown type '\(t)'. Types: \(known.joined(separator: ", ")).")
        }
        if let frame, frame < 1 { throw ValidationError("--frame counts from 1, as Wireshark does.") }
    }

    /// The filter: -Y and the options, compiled once. A bad expression is reported with its column
    /// (exit status 2).
    func packetFilter(showSecrets: Bool = false) throws -> PacketFilter {
        var f = PacketFilter()
        f.connections = Set(connections)
        if let frame { f.frame = UInt32(clamping: frame) }
        var parts: [String] = []
        func quoted(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        if !types.isEmpty { parts.append("type in {\(types.map(quoted).joined(separator: " "))}") }
        if !connections.isEmpty { parts.append("connection in {\(connections.map(String.init).joined(separator: " "))}") }
        if !clientIDs.isEmpty { parts.append("client_id in {\(clientIDs.map(quoted).joined(separator: " "))}") }
        if !topics.isEmpty {
            // A topic that is not a valid filter is compared as it is.
            parts.append(topics.map { t in
                let wild = t.contains("#") || t.contains("+")
                return wild ? "topic matches \(quoted(t)) || topic == \(quoted(t))" : "topic matches \(quoted(t))"
            }.joined(separator: " || "))
        }
        let resolver = FieldResolver(registry: Catalogs.registry)
        do {
            if !parts.isEmpty {
                f.display = try DisplayFilter.compile(parts.map { "(\($0))" }.joined(separator: " && "), resolver: resolver,
                                                      showSecrets: showSecrets)
            }
            if let y = displayFilter {
                f.display = try DisplayFilter.compile(y, resolver: resolver, showSecrets: showSecrets).and(f.display)
            }
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(ExitStatus.unusableInput)
        }
        return f
    }
}

/// `-e FIELD…` and `-E key=value` for `-T fields` (tshark's column output).
struct ColumnOptions: ParsableArguments {
    @Option(name: .customShort("e"), help: ArgumentHelp("With -T fields: a field id (or frame, connection, direction, client_id, version, type, topic, time) to print as a column (repeatable, in order).", valueName: "field"))
    var fields: [String] = []

    @Option(name: .customShort("E"), help: ArgumentHelp("With -T fields: header=y|n, separator=/t|/s|CHAR, quote=d|s|n, aggregator=CHARS (repeatable). CSV: -E separator=, -E quote=d.", valueName: "key=value"))
    var style: [String] = []

    func columns(format: ReadReport.Format, showSecrets: Bool) throws -> FieldColumns? {
        guard format == .fields else {
            if !fields.isEmpty || !style.isEmpty { throw ValidationError("-e and -E go with -T fields.") }
            return nil
        }
        if fields.isEmpty { throw ValidationError("-T fields wants at least one -e FIELD.") }
        var st = FieldColumns.Style()
        for o in style { if let problem = st.apply(o) { throw ValidationError(problem) } }
        do {
            return try FieldColumns(fields, resolver: FieldResolver(registry: Catalogs.registry), style: st,
                                    showSecrets: showSecrets)
        } catch {
            Diagnostics.error("\(error.message): \(error.expression)")
            throw ExitCode(ExitStatus.unusableInput)
        }
    }
}

/// `-t FORMAT` and `-x` for text lines: `read` and `live` (one declaration for both).
struct LineOptions: ParsableArguments {
    @Option(name: .customShort("t"), help: ArgumentHelp("Time format of text lines, as tshark's: r (seconds since the first frame, the default), a or u (UTC time of day), ad or ud (UTC date and time), d (since the previous unit), e (epoch seconds).", valueName: "format"))
    var timeFormat: String = "r"

    @Flag(name: .customShort("x"), help: "After each unit, a hex and ASCII dump of its bytes (secrets masked).")
    var hexDump = false

    func validate() throws {
        if TimeFormat.Style(tshark: timeFormat) == nil {
            throw ValidationError("-t takes r, a, ad, u, ud, d or e; got '\(timeFormat)'.")
        }
    }

    func apply(to report: inout ReadReport) {
        report.timeStyle = TimeFormat.Style(tshark: timeFormat) ?? .relative
        report.hexDump = hexDump
    }
}
