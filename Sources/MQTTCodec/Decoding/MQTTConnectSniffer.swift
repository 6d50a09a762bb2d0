import WireCore

/// Protocol detection: does a stream start with an MQTT CONNECT?
public enum MQTTConnectSniffer {
    /// True when `prefix` starts with a CONNECT (0x10, a valid Remaining Length, then
    /// `00 04 "MQTT"` or `00 06 "MQIsdp"` and a protocol level byte); false when it cannot be one;
    /// nil when more bytes are needed to decide. The name decides, not the level: a client that
    /// sends an unsupported level (or a bridge's 0x80 | level) is still an MQTT client, and the
    /// decoder and checker report the level (3.1.1 §3.1.2.2, 5.0 §3.1.2.2: the server answers 0x01
    /// or 0x84 and closes).
    public static func looksLikeConnect(_ prefix: Span<UInt8>) -> Bool? {
        guard prefix.count > 0 else { return nil }
        guard prefix[0] == 0x10 else { return false }
        let start: Int
        switch MQTTVBI.decode(prefix, at: 1) {
        case .needMore: return nil
        case .tooLong: return false
        case .value(let rl, let n, _):
            // Name (2 + 4 or 6), level, flags, keep alive: at least 10 bytes.
            if rl < 10 { return false }
            start = 1 + n
        }
        let mqtt: [UInt8] = [0x00, 0x04, 0x4D, 0x51, 0x54, 0x54]
        let mqisdp: [UInt8] = [0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70]
        var candidates = 0
        for pattern in [mqtt, mqisdp] {
            var i = 0
            var ok = true
            while i < pattern.count {
                if start + i >= prefix.count { break }
                if prefix[start + i] != pattern[i] { ok = false; break }
                i += 1
            }
            guard ok else { continue }
            if i < pattern.count { candidates += 1; continue }  // matches so far
            let at = start + pattern.count
            if at >= prefix.count { candidates += 1; continue }
            return true
        }
        return candidates > 0 ? nil : false
    }

    /// The version and client id of the CONNECT `prefix` starts with, when the whole packet is
    /// there and decodes as one (for `streams`, which decodes nothing else). Allocates: once per
    /// connection, never per packet.
    public static func identity(_ prefix: Span<UInt8>) -> (MQTTVersion, String?)? {
        guard prefix.count > 1, prefix[0] == 0x10,
              case .value(let rl, let n, _) = MQTTVBI.decode(prefix, at: 1) else { return nil }
        let (total, overflow) = (1 + n).addingReportingOverflow(Int(clamping: rl))
        guard !overflow, total <= prefix.count else { return nil }
        var tree = FieldTree()
        var diags = [Diagnostic]()
        guard case .connect(let c) = MQTTDecoder.decode(prefix.extracting(0..<total), version: .v3_1_1, into: &tree,
                                                        diagnostics: &diags),
              MQTTVersion(protocolLevel: c.protocolLevel) != nil else { return nil }
        var id: String?
        if let r = c.clientID, r.lower >= 0, r.upper <= total {
            var b: [UInt8] = []
            for i in r.lower..<r.upper { b.append(prefix[i]) }
            id = String(decoding: b, as: UTF8.self)
        }
        return (c.version, id)
    }
}

extension MQTTVersion {
    /// Guesses the version of a connection seen without its CONNECT from one of its packets:
    /// the version under which the packet decodes with fewer findings (5.0 if its property
    /// blocks parse consistently). Nil when the packet does not tell (e.g. PINGREQ, or equal).
    /// A CONNECT answers with its own protocol level. Allocates scratch space: not for hot paths.
    public static func infer(fromPDU pdu: Span<UInt8>) -> MQTTVersion? {
        guard pdu.count > 0 else { return nil }
        let type = MQTTPacketType(firstByte: pdu[0])
        if type == .auth { return .v5 }
        if type == .connect {
            var tree = FieldTree()
            var diags = [Diagnostic]()
            if case .connect(let c) = MQTTDecoder.decode(pdu, version: .v3_1_1, into: &tree, diagnostics: &diags),
               MQTTVersion(protocolLevel: c.protocolLevel) != nil {
                return c.version
            }
            return nil
        }
        switch type {
        case .pingreq, .pingresp, .reserved: return nil
        default: break
        }
        func errors(_ v: MQTTVersion) -> Int {
            var tree = FieldTree()
            var diags = [Diagnostic]()
            _ = MQTTDecoder.decode(pdu, version: v, into: &tree, diagnostics: &diags)
            return diags.filter { $0.severity == .error }.count
        }
        let e3 = errors(.v3_1_1)
        let e5 = errors(.v5)
        if e5 < e3 { return .v5 }
        if e3 < e5 { return .v3_1_1 }
        // Both clean: a PUBLISH whose 5.0 property block parses is taken as 5.0.
        if e5 == 0, type == .publish { return .v5 }
        return nil
    }
}
