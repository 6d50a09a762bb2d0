public import MQTTCodec
import WireCore
import TCPReassembly

/// Which packets `read` shows: by type, connection, client id and topic. Empty sets select all.
public struct PacketFilter: Sendable {
    public var types: Set<MQTTPacketType> = []
    public var connections: Set<UInt32> = []
    public var clientIDs: Set<String> = []
    /// MQTT topic filters (`+` and `#` wildcards); a PUBLISH matches when its topic (or the
    /// topic its alias stands for) matches one, a SUBSCRIBE/UNSUBSCRIBE when one of its filters does.
    public var topics: [String] = []
    /// `--frame N`: only units whose bytes came in frame N (first frame ≤ N ≤ the frame that
    /// completed it), of any protocol — a finding's "frame N" leads to its packet.
    public var frame: FrameNumber?
    public init() {}

    public var isEmpty: Bool { types.isEmpty && connections.isEmpty && clientIDs.isEmpty && topics.isEmpty && frame == nil }

    /// Whether a unit carried by frames `first` to `last` passes `--frame`.
    public func acceptsFrames(_ first: FrameNumber, _ last: FrameNumber) -> Bool {
        guard let frame else { return true }
        return min(first, last) <= frame && frame <= last
    }

    /// For STOMP frames and WebSocket events: only the connection and frame filters apply; the
    /// MQTT filters (type, client id, topic) select MQTT packets only.
    public func acceptsOther(_ connection: UInt32, first: FrameNumber, last: FrameNumber) -> Bool {
        guard types.isEmpty && clientIDs.isEmpty && topics.isEmpty, acceptsFrames(first, last) else { return false }
        return connections.isEmpty || connections.contains(connection)
    }

    public func accepts(_ e: MQTTPacketEvent, _ pdu: Span<UInt8>, _ tree: borrowing FieldTree) -> Bool {
        if !acceptsFrames(e.frames.first?.frame ?? e.lastFrame, e.lastFrame) { return false }
        if !types.isEmpty { guard let t = e.message.packetType, types.contains(t) else { return false } }
        if !connections.isEmpty && !connections.contains(e.connection.id) { return false }
        if !clientIDs.isEmpty { guard let c = e.clientID, clientIDs.contains(c) else { return false } }
        if !topics.isEmpty {
            var names: [String] = []
            switch e.message {
            case .publish(let p):
                if let a = e.aliasTopic, p.topic.isEmpty { names.append(a) }
                else if p.topic.upper <= pdu.count { names.append(String(decoding: pdu.extracting(p.topic.range).bytesArray, as: UTF8.self)) }
            case .subscribe, .unsubscribe:
                for n in tree.nodes where n.field == MQTTField.subscribeTopicFilter.id || n.field == MQTTField.unsubscribeTopicFilter.id {
                    if case .text(let r, _) = n.value, r.upper <= pdu.count {
                        names.append(String(decoding: pdu.extracting(r.range).bytesArray, as: UTF8.self))
                    }
                }
            default: return false
            }
            guard names.contains(where: { name in topics.contains { TopicMatch.matches(filter: $0, topic: name) || $0 == name } })
            else { return false }
        }
        return true
    }
}

/// MQTT topic-filter matching (MQTT 3.1.1 §4.7, 5.0 §4.7): `+` matches one level, `#` the rest;
/// topics starting with `$` are not matched by a leading wildcard.
public enum TopicMatch {
    public static func matches(filter: String, topic: String) -> Bool {
        let f = filter.split(separator: "/", omittingEmptySubsequences: false)
        let t = topic.split(separator: "/", omittingEmptySubsequences: false)
        if topic.hasPrefix("$") && (filter.hasPrefix("+") || filter.hasPrefix("#")) { return false }
        var i = 0
        while i < f.count {
            if f[i] == "#" { return i == f.count - 1 }
            if i >= t.count { return false }
            if f[i] != "+" && f[i] != t[i] { return false }
            i += 1
        }
        return i == t.count
    }
}
